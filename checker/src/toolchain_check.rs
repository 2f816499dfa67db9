//! `tiercheck toolchain`: rustc, cargo, LLVM and each tool, against a tier's needs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use crate::cli::{print_report, Out, ReportFormat, SelectArgs, TierArg};
use crate::envcmd::profile_root;
use crate::report::{Finding, Report, Rule};
use crate::resolve::{resolve, Selection};
use crate::tiers::{Channel, TierData};
use crate::{toolchain, tools};

/// Check the toolchain and tools on PATH (against a tier's needs with --tier)
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tier: TierArg,
    /// Only what a build of this profile needs
    #[arg(long, value_parser = crate::resolve::profile_name)]
    profile: Option<String>,
    /// The project directory whose rust-toolchain file selects the toolchain
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    #[command(flatten)]
    select: SelectArgs,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let report = check(
        data,
        &args.dir,
        args.tier.tier.as_deref(),
        args.profile.as_deref(),
        &args.select.selection(),
    )?;
    print_report(out, &report, args.format, &facts_text(&report), None)
}

pub fn check(
    data: &TierData,
    dir: &Path,
    tier: Option<&str>,
    profile: Option<&str>,
    sel: &Selection,
) -> Result<Report> {
    let info = toolchain::rustc_info(Some(dir))?;
    let cargo = toolchain::cargo_version(Some(dir)).ok();
    let cranelift = toolchain::has_cranelift(&info);
    let mut report = Report::new("toolchain", tier, format!("rustc {}", info.release));
    let mut sel = sel.clone();
    sel.platform = data.platform_of_triple(&info.host).map(String::from);
    sel.profile_root = profile.map(profile_root);
    let resolved = tier.map(|t| resolve(data, t, &sel)).transpose()?;
    let tool_names: Vec<String> = match &resolved {
        Some(r) => {
            let mut v: Vec<String> = r
                .techniques
                .iter()
                .flat_map(|id| data.techniques[id].tool_refs())
                .collect();
            v.sort();
            v.dedup();
            v
        }
        None => data.tools.keys().cloned().collect(),
    };
    let mut tool_facts = vec![];
    for name in &tool_names {
        match tools::find(data, name, info.llvm_major) {
            Ok(f) => tool_facts.push(
                json!({"tool": name, "path": f.path, "version": f.version.to_string(), "ok": true}),
            ),
            Err(e) => {
                tool_facts.push(json!({"tool": name, "ok": false, "error": format!("{e:#}")}));
                if resolved.is_some() {
                    report.findings.push(
                        Finding::new(Rule::ToolMissing, format!("{e:#}"))
                            .at(format!("tool:{name}"), ""),
                    );
                }
            }
        }
    }
    if let Some(r) = &resolved {
        if let Some((name, spec)) = &r.toolchain {
            let needs_nightly = r
                .techniques
                .iter()
                .any(|id| data.techniques[id].channel == Channel::Nightly);
            if needs_nightly && info.channel != Channel::Nightly {
                report.findings.push(
                    Finding::new(
                        Rule::TierChannel,
                        format!(
                            "{} needs nightly ({name}, pinned {}), the active rustc is {}",
                            r.tier,
                            spec.date.as_deref().unwrap_or(""),
                            info.release
                        ),
                    )
                    .fix("run under `rustup run nightly`, or pin nightly in rust-toolchain.toml"),
                );
            }
            let pinned = spec
                .version
                .as_deref()
                .map(|v| format!("rustc {v}"))
                .or(spec.date.as_ref().map(|d| format!("nightly {d}")))
                .unwrap_or_default();
            report.findings.push(Finding::new(
                Rule::ToolchainPin,
                format!(
                    "the Nix shell pins {pinned}; this machine has {} (LLVM {})",
                    info.release,
                    info.llvm_version.as_deref().unwrap_or("?")
                ),
            ));
        }
        for id in &r.techniques {
            let t = &data.techniques[id];
            if let Ok(req) = t.min_rust_req() {
                let bare = semver::Version::new(
                    info.version.major,
                    info.version.minor,
                    info.version.patch,
                );
                if !req.matches(&bare) {
                    report.findings.push(Finding::new(
                        Rule::MinRust,
                        format!(
                            "{id} needs rustc {req}, the active rustc is {}",
                            info.release
                        ),
                    ));
                }
            }
            if t.components.iter().any(|c| c.contains("cranelift")) && !cranelift {
                report.findings.push(
                    Finding::new(Rule::ComponentMissing, format!("{id} needs the rustc-codegen-cranelift-preview component, which {} lacks", info.release))
                        .fix("rustup component add rustc-codegen-cranelift-preview --toolchain nightly, or build a profile that does not use it (--profile release)"),
                );
            }
        }
    }
    let wants_cache = tool_names.iter().any(|t| t == "sccache")
        || std::env::var("RUSTC_WRAPPER").is_ok_and(|w| w.contains("sccache"));
    let mut cache = serde_json::Value::Null;
    if let Some((var, host, port)) =
        crate::cache::endpoint(|k| std::env::var(k).ok()).filter(|_| wants_cache)
    {
        let reach = crate::cache::probe(&host, port, std::time::Duration::from_secs(2));
        if let Err(e) = &reach {
            report.findings.push(Finding::new(Rule::SccacheBackendUnreachable, format!("{var} {host}:{port} is unreachable ({e}): builds compile locally and share nothing")).at(format!("env:{var}"), ""));
        }
        cache = json!({"variable": var, "host": host, "port": port, "reachable": reach.is_ok()});
    }
    let wants_dist = resolved
        .as_ref()
        .is_some_and(|r| r.techniques.iter().any(|t| t == "sccache-dist"));
    let dist = wants_dist.then(|| {
        let (facts, findings) = crate::cache::dist::check_here(None, Some(&info));
        report.findings.extend(findings);
        facts
    });
    report.facts = json!({
        "rustc": info, "cargo": cargo, "cranelift": cranelift, "sccache_backend": cache,
        "sccache_dist": dist,
        "techniques": resolved.as_ref().map(|r| &r.techniques), "tools": tool_facts,
    });
    report.finish();
    Ok(report)
}

pub fn facts_text(r: &Report) -> String {
    let f = &r.facts;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rustc {} ({}; host {}; LLVM {})",
        s(&f["rustc"]["release"]),
        s(&f["rustc"]["channel"]),
        s(&f["rustc"]["host"]),
        s(&f["rustc"]["llvm_version"])
    );
    let _ = writeln!(out, "{}", s(&f["cargo"]));
    let _ = writeln!(
        out,
        "cranelift backend: {}",
        if f["cranelift"].as_bool() == Some(true) {
            "present"
        } else {
            "absent"
        }
    );
    for t in f["tools"].as_array().into_iter().flatten() {
        if t["ok"].as_bool() == Some(true) {
            let _ = writeln!(
                out,
                "  {:14} {:10} {}",
                s(&t["tool"]),
                s(&t["version"]),
                s(&t["path"])
            );
        } else {
            let _ = writeln!(out, "  {:14} missing    {}", s(&t["tool"]), s(&t["error"]));
        }
    }
    if let Some(line) = crate::cache::dist::facts_line(&f["sccache_dist"]) {
        let _ = writeln!(out, "{line}");
    }
    out
}
