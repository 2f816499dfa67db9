//! `tiercheck toolchain`: rustc, cargo, LLVM and each tool, against a tier's needs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cache::dist::ClientFacts;
use crate::cli::{CheckArgs, TierArg};
use crate::host_env::profile_root;
use crate::output::{print_report, Out};
use crate::report::{Finding, Location, Report, Rule};
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};
use crate::toolchain::RustcInfo;
use crate::toolchain_file::{Spec, ToolchainPin};
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
    #[arg(default_value = ".", value_parser = crate::cli::ExistingDir)]
    dir: PathBuf,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    // rustup looks for the toolchain file from the directory up: walk from the real one.
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", args.dir.display()))?;
    let (mut report, _) = check(
        data,
        &dir,
        args.tier.tier.as_deref(),
        args.profile.as_deref(),
        &args.check.select.selection(),
    )?;
    report.anchor = Some(anchor(&dir));
    print_report(out, &report, args.check.format, &report_text, None)
}

/// The facts lines of a report as the printer hands it over: escaped for a terminal
/// (`Report::for_text`), read back into the typed facts.
fn report_text(r: &Report) -> String {
    match ToolchainFacts::deserialize(&r.facts) {
        Ok(f) => facts_text(&f),
        Err(e) => format!("(toolchain facts unreadable: {e})\n"),
    }
}

/// Where CI output places this report's findings: the toolchain file rustup would read, when
/// it lies below the current directory (the repository in a workflow), else DIR's Cargo.toml.
fn anchor(dir: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::toolchain_file::find(dir, |_| false)
        .filter(|f| f.starts_with(&cwd))
        .unwrap_or_else(|| dir.join("Cargo.toml"))
}

/// What `toolchain` found (the report's `facts`, SCHEMA.md).
#[derive(Serialize, Deserialize)]
pub struct ToolchainFacts {
    pub rustc: RustcInfo,
    pub cargo: Option<String>,
    pub cranelift: bool,
    /// The shared sccache backend the environment names, when sccache is in use.
    pub sccache_backend: Option<CacheBackend>,
    pub sccache_dist: Option<ClientFacts>,
    /// The tier's techniques on this host (none without --tier).
    pub techniques: Option<Vec<String>>,
    pub tools: Vec<ToolFact>,
}

#[derive(Serialize, Deserialize)]
pub struct ToolFact {
    pub tool: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct CacheBackend {
    pub variable: String,
    pub host: String,
    pub port: u16,
    pub reachable: bool,
}

pub fn check(
    data: &TierData,
    dir: &Path,
    tier: Option<&str>,
    profile: Option<&str>,
    sel: &Selection,
) -> Result<(Report, ToolchainFacts)> {
    let (choice, unfollowed) = toolchain::selection_for(dir);
    let info = toolchain::rustc_info_for(&choice)?;
    let cranelift = toolchain::has_cranelift(&info);
    let mut report = Report::new("toolchain", tier, format!("rustc {}", info.release));
    report
        .findings
        .extend(unfollowed.as_ref().and_then(unfollowed_finding));
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
    let tools = tool_facts(data, &tool_names, &info, resolved.is_some(), &mut report);
    if let Some(r) = &resolved {
        toolchain_findings(data, r, &info, &mut report);
        technique_findings(data, r, &info, cranelift, &mut report);
    }
    let sccache_backend = cache_backend(&tool_names, &mut report);
    let wants_dist = resolved
        .as_ref()
        .is_some_and(|r| r.techniques.iter().any(|t| t == "sccache-dist"));
    let sccache_dist = wants_dist.then(|| {
        let (facts, findings) = crate::cache::dist::check_here(None, Some(&info));
        report.findings.extend(findings);
        facts
    });
    let facts = ToolchainFacts {
        cargo: toolchain::cargo_version(&choice).ok(),
        cranelift,
        sccache_backend,
        sccache_dist,
        techniques: resolved.map(|r| r.techniques),
        tools,
        rustc: info,
    };
    report.facts = serde_json::to_value(&facts)?;
    report.finish();
    Ok((report, facts))
}

/// The project's toolchain file tiercheck did not follow (a `path` is never run): reported, and
/// the facts are those of rustup's default toolchain.
fn unfollowed_finding(pin: &ToolchainPin) -> Option<Finding> {
    let f = crate::project::rules::toolchain_pin_finding(pin)?;
    let message = match &pin.spec {
        Spec::Path(path) => format!("the toolchain file names a toolchain by path ({path:?}); rustup would run the rustc there, so tiercheck does not: what is shown is rustup's default toolchain, not the project's"),
        _ => format!("{}; what is shown is rustup's default toolchain", f.message),
    };
    Some(Finding { message, ..f })
}

/// Each tool found on PATH (or not); a missing one is a finding when a tier needs it.
fn tool_facts(
    data: &TierData,
    names: &[String],
    info: &RustcInfo,
    tier_needs_them: bool,
    report: &mut Report,
) -> Vec<ToolFact> {
    let mut facts = vec![];
    for name in names {
        let fact = match tools::find(data, name, Some(info)) {
            Ok(f) => ToolFact {
                tool: name.clone(),
                ok: true,
                path: Some(f.path),
                version: Some(f.version.to_string()),
                error: None,
            },
            Err(e) => {
                if tier_needs_them {
                    report.findings.push(
                        Finding::new(Rule::ToolMissing, format!("{e:#}"))
                            .located(Location::Tool(name.to_string()), ""),
                    );
                }
                ToolFact {
                    tool: name.clone(),
                    ok: false,
                    path: None,
                    version: None,
                    error: Some(format!("{e:#}")),
                }
            }
        };
        facts.push(fact);
    }
    facts
}

/// The tier's toolchain against the active rustc: channel, and the pin the Nix shell uses.
fn toolchain_findings(data: &TierData, r: &Resolved, info: &RustcInfo, report: &mut Report) {
    let Some((name, spec)) = &r.toolchain else {
        return;
    };
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
    let mut f = Finding::new(
        Rule::ToolchainPin,
        format!(
            "the Nix shell pins {pinned}; this machine has {} (LLVM {})",
            info.release,
            info.llvm_version.as_deref().unwrap_or("?")
        ),
    );
    if let Some(v) = spec.version.as_deref().filter(|v| *v != info.release) {
        f = f.fix(pin_advice(v, spec.measured.as_deref(), &r.tier));
    }
    report.findings.push(f);
}

/// How to run the stable pin on this machine, and what it was measured to buy.
fn pin_advice(version: &str, measured: Option<&str>, tier: &str) -> String {
    let how = if crate::rustup::probe(version).is_ok() {
        format!("rustup has {version}: `tiercheck env {tier}` and `tiercheck build --tier {tier}` run it")
    } else {
        format!("`rustup toolchain install {version} --profile minimal`; `tiercheck env {tier}` then runs it")
    };
    match measured {
        Some(m) => format!("{how}. {m}"),
        None => how,
    }
}

/// Each technique's minimum rustc and components against the active toolchain.
fn technique_findings(
    data: &TierData,
    r: &Resolved,
    info: &RustcInfo,
    cranelift: bool,
    report: &mut Report,
) {
    let bare = semver::Version::new(info.version.major, info.version.minor, info.version.patch);
    for id in &r.techniques {
        let t = &data.techniques[id];
        if let Ok(req) = t.min_rust_req() {
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

/// The shared cache backend the environment names, probed, when sccache is in use.
fn cache_backend(tool_names: &[String], report: &mut Report) -> Option<CacheBackend> {
    let wants_cache = tool_names.iter().any(|t| t == "sccache")
        || std::env::var("RUSTC_WRAPPER").is_ok_and(|w| w.contains("sccache"));
    let (variable, host, port) =
        crate::cache::endpoint(|k| std::env::var(k).ok()).filter(|_| wants_cache)?;
    let reach = crate::cache::probe(&host, port, std::time::Duration::from_secs(2));
    if let Err(e) = &reach {
        report.findings.push(Finding::new(Rule::SccacheBackendUnreachable, format!("{variable} {host}:{port} is unreachable ({e}): builds compile locally and share nothing")).located(Location::Env(variable.to_string()), ""));
    }
    Some(CacheBackend {
        variable,
        host,
        port,
        reachable: reach.is_ok(),
    })
}

pub fn facts_text(f: &ToolchainFacts) -> String {
    let r = &f.rustc;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rustc {} ({}; host {}; LLVM {})",
        r.release,
        r.channel.as_str(),
        r.host,
        r.llvm_version.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "{}", f.cargo.as_deref().unwrap_or("-"));
    let _ = writeln!(
        out,
        "cranelift backend: {}",
        if f.cranelift { "present" } else { "absent" }
    );
    for t in &f.tools {
        if t.ok {
            let path = t.path.as_deref().map(Path::display);
            let _ = writeln!(
                out,
                "  {:14} {:10} {}",
                t.tool,
                t.version.as_deref().unwrap_or("-"),
                path.map(|p| p.to_string()).unwrap_or_else(|| "-".into())
            );
        } else {
            let _ = writeln!(
                out,
                "  {:14} missing    {}",
                t.tool,
                t.error.as_deref().unwrap_or("-")
            );
        }
    }
    if let Some(d) = &f.sccache_dist {
        let _ = writeln!(out, "{}", crate::cache::dist::facts_line(d));
    }
    out
}
