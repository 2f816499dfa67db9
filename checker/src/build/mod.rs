//! `tiercheck build`: the main job on a machine without Nix. Checks the toolchain for the tier,
//! applies the tier's environment with the tools on PATH, runs cargo, and verifies the project
//! and every executable cargo reports.

mod facts;

pub use facts::facts_text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::binary;
use crate::cargo_run::{self, Options};
use crate::cli::{tier_parser, CheckArgs, ProjectArgs, ReportFormat};
use crate::host_env::{host_env, HostEnv};
use crate::output::{print_report, Out};
use crate::project::load::{profile_root_in, Project};
use crate::report::{Finding, Report, Rule, Severity};
use crate::tiers::{Channel, TierData};
use crate::{pgo, toolchain};
use facts::{header, BuildFacts, Built};

/// Build a project under a tier (no Nix needed) and verify the project and every binary
#[derive(clap::Args)]
pub struct Args {
    /// The tier to build with (default: $RUST_TIERS_TIER, set by the tier shells and `env`)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    tier: String,
    /// Build the release profile
    #[arg(long, conflicts_with = "profile")]
    release: bool,
    /// Build this Cargo profile
    #[arg(long, value_parser = crate::resolve::profile_name)]
    profile: Option<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    check: CheckArgs,
    #[command(flatten)]
    pgo: pgo::Args,
    /// Build for this target triple (repeatable; passed to cargo as --target). A builtin target
    /// only: custom target specs (.json) are not supported
    #[arg(long = "target", value_name = "TRIPLE", value_parser = crate::cli::target_name)]
    targets: Vec<String>,
    /// Extra arguments for cargo build (after --). `--message-format human|short` styles cargo's
    /// diagnostics (on stderr); JSON messages are tiercheck's to read, its report is on stdout
    #[arg(last = true)]
    cargo_args: Vec<String>,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let dir = args.project.dir();
    recover_project(&dir)?;
    let sel = args.check.select.selection();
    let pipeline = args.pgo.wanted();
    let default_profile = if args.release || pipeline {
        "release"
    } else {
        "dev"
    };
    let (cargo_args, message_format) = message_format(&args.cargo_args)?;
    let opts = Options {
        tier: &args.tier,
        profile: args.profile.unwrap_or_else(|| default_profile.into()),
        dir: &dir,
        select: &sel,
        cargo_args: &cargo_args,
        targets: &args.targets,
        message_format,
        announce: args.check.format == ReportFormat::Text && !out.quiet,
    };
    if pipeline {
        let pgo_args = pgo::Args {
            no_progress: args.pgo.no_progress || out.quiet,
            ..args.pgo.clone()
        };
        let mut report = pgo::pipeline(data, &opts, &pgo_args)?;
        crate::allow::apply(&mut report, &dir)?;
        report.anchor = Some(crate::output::ci::manifest_anchor(&dir));
        return print_report(
            out,
            &report,
            args.check.format,
            &pgo::facts_text,
            Some(&dir),
        );
    }
    let mut report = build_and_check(data, &opts)?;
    crate::allow::apply(&mut report, &dir)?;
    report.anchor = Some(crate::output::ci::manifest_anchor(&dir));
    print_report(out, &report, args.check.format, &facts_text, Some(&dir))
}

/// The user's `--message-format` taken out of the cargo arguments: tiercheck reads cargo's JSON
/// messages itself, and cargo refuses two kinds ("cannot specify two kinds of `message-format`
/// arguments"). As cargo-pgo does, it is parsed out; unlike cargo-pgo it is honoured where it
/// can be: `human` is the default, `short` and the `json-diagnostic-*` styles change how the
/// diagnostics render on stderr. JSON on stdout cannot be had: stdout is tiercheck's report.
pub fn message_format(cargo_args: &[String]) -> Result<(Vec<String>, String)> {
    let (mut kept, mut styles) = (vec![], vec![]);
    let mut it = cargo_args.iter();
    while let Some(a) = it.next() {
        let value = if a == "--message-format" {
            Some(
                it.next()
                    .context("--message-format needs a value (human, short)")?
                    .as_str(),
            )
        } else {
            a.strip_prefix("--message-format=")
        };
        let Some(value) = value else {
            kept.push(a.clone());
            if a == "--" {
                kept.extend(it.by_ref().cloned());
            }
            continue;
        };
        for v in value.split(',').map(str::trim) {
            match v {
                "human" | "json-render-diagnostics" => {}
                "short" => styles.push("json-diagnostic-short"),
                "json-diagnostic-short" => styles.push("json-diagnostic-short"),
                "json-diagnostic-rendered-ansi" => styles.push("json-diagnostic-rendered-ansi"),
                "json" => bail!("--message-format json: tiercheck build prints its report on stdout, so cargo's JSON messages cannot go there (tiercheck's own: --format json)"),
                _ => bail!("--message-format {v:?}: tiercheck build takes human, short, json-diagnostic-short or json-diagnostic-rendered-ansi"),
            }
        }
    }
    let mut format = String::from("json-render-diagnostics");
    for (i, s) in styles.iter().enumerate() {
        if !styles[..i].contains(s) {
            format.push(',');
            format.push_str(s);
        }
    }
    Ok((kept, format))
}

/// `recover` for the workspace that `dir` belongs to, its notes printed on stderr, before the
/// build.
fn recover_project(dir: &Path) -> Result<()> {
    let root = crate::safe_write::Root::new(&crate::project::load::workspace_root_dir(dir)?)?;
    for note in crate::recovery::recover(&root)? {
        crate::termsafe::eprint_line(&note);
    }
    Ok(())
}

/// The finding that says which toolchain `build` ran when it is not what the project alone
/// would get: the tier's channel differs from the default, or the project pins another one.
fn toolchain_note(tier: &str, p: &Project, env: &HostEnv) -> Option<Finding> {
    let (t, rustc) = (env.toolchain.as_deref()?, env.rustc.as_ref()?);
    let pin = p.toolchain.as_ref();
    if rustc.channel != Channel::Nightly && pin.is_none() {
        return None;
    }
    let why = match pin {
        Some(pin) => format!("{} pins {}, ", pin.shown, pin.channel_text),
        None => String::new(),
    };
    Some(Finding::new(
        Rule::ToolchainSwitched,
        format!(
            "{why}{tier} runs rustc {}: built with RUSTUP_TOOLCHAIN={t}",
            rustc.release
        ),
    ))
}

/// The checks expect what the build got: the selection with the tuned techniques too (their
/// note printed once, here).
fn tuned_selection(select: &crate::resolve::Selection, env: &HostEnv) -> crate::resolve::Selection {
    let mut tuned = select.clone();
    if let Some(t) = &env.tuned {
        crate::termsafe::eprint_line(&t.note);
        tuned.with.extend(t.with.iter().cloned());
        tuned.without.extend(t.without.iter().cloned());
    }
    tuned
}

pub fn build_and_check(data: &TierData, opts: &Options) -> Result<Report> {
    data.tier(opts.tier)?;
    let p = Project::load(opts.dir)?;
    let root = profile_root_in(&p, &opts.profile);
    // The tier's toolchain, chosen once: cargo, the project check and every probe use it.
    let env = host_env(data, opts.tier, Some(&root), opts.select, Some(&p.dir))?;
    let env = crate::tuned::apply(data, opts.tier, Some(&root), opts.select, &p.dir, env)?;
    let tuned_sel = tuned_selection(opts.select, &env);
    let opts = &Options {
        select: &tuned_sel,
        profile: opts.profile.clone(),
        message_format: opts.message_format.clone(),
        ..*opts
    };
    // The tier's `rustc -vV`, probed once by host_env: the project and binary checks take it
    // instead of asking the same rustc again (the toolchain by name, `rustc`, not `$RUSTC`).
    let probed = env
        .rustc
        .clone()
        .filter(|_| env.toolchain.is_some() && std::env::var_os("RUSTC").is_none());
    let project = check_project(data, opts, &p, &env, probed.clone())?;
    if let Some(report) = refused_before_build(opts, &p, &project, &env)? {
        return Ok(report);
    }
    if opts.announce {
        announce(opts, &p, &env);
    }
    let toolchain = env.toolchain.as_deref();
    let (ok, exes) = cargo_run::build(opts, &env, toolchain, &BTreeMap::new(), &[])?;
    let mut report = Report::new("build", Some(opts.tier), p.dir.display().to_string());
    report.findings.extend(project.findings.iter().cloned());
    report
        .findings
        .extend(build_findings(opts.tier, &p, &env, ok, &exes));
    let bopts = binary::Options {
        tier: Some(opts.tier),
        profile: Some(&opts.profile),
        select: opts.select,
        pipeline: false,
        host: probed.as_ref().map(|i| i.host.as_str()),
    };
    let (breport, bdoc, errors) = binary::check(data, &exes, &bopts)?;
    if let Some(e) = errors.first() {
        bail!("{e}");
    }
    report.findings.extend(breport.findings);
    let built = Built {
        profile_root: root,
        left_out: env.resolved.left_out.clone(),
        tools: env.tools.clone(),
        env: env.env.clone(),
        tuned: env.tuned.as_ref().map(|t| t.note.clone()),
        executables: exes,
        binaries: bdoc.binaries,
    };
    report.facts = serde_json::to_value(facts(opts, &env, ok, project.facts, Some(built)))?;
    report.finish();
    Ok(report)
}

/// The project as cargo will see it under the tier: its variables applied, so a setting the
/// tier replaces is reported as overridden, not as a failure of this build.
fn check_project(
    data: &TierData,
    opts: &Options,
    p: &Project,
    env: &HostEnv,
    probed: Option<toolchain::RustcInfo>,
) -> Result<Report> {
    let popts = crate::project::Options {
        tier: Some(opts.tier),
        targets: opts.targets,
        tier_env: env.env.clone(),
        unset: &cargo_run::tier_scrubbed(),
        toolchain: env.toolchain.clone().map(toolchain::Choice::Named),
        rustc: probed,
    };
    crate::project::check_with(data, &p.dir, opts.select, &popts)
}

/// What the build itself says: which toolchain ran, a toolchain file overridden, cargo failed
/// or reported nothing to verify.
fn build_findings(
    tier: &str,
    p: &Project,
    env: &HostEnv,
    ok: bool,
    exes: &[PathBuf],
) -> Vec<Finding> {
    let mut out: Vec<Finding> = toolchain_note(tier, p, env).into_iter().collect();
    if let crate::rustup::ProjectToolchain::Overridden { .. } = env.project_toolchain {
        let m = env.project_toolchain.message(tier).unwrap_or_default();
        out.push(Finding::new(Rule::ToolchainFileUnfit, m));
    }
    if !ok {
        out.push(
            Finding::new(
                Rule::CargoFailed,
                "cargo build failed (its errors are above)",
            )
            .at(p.root.shown.clone(), ""),
        );
    } else if exes.is_empty() {
        out.push(Finding::new(
            Rule::NoExecutables,
            "cargo reported no executables to verify (a library-only project?)",
        ));
    }
    out
}

fn facts(
    opts: &Options,
    env: &HostEnv,
    cargo_ok: bool,
    project: serde_json::Value,
    built: Option<Built>,
) -> BuildFacts {
    BuildFacts {
        profile: opts.profile.clone(),
        toolchain: env.toolchain.clone(),
        techniques: env.resolved.techniques.clone(),
        cargo_ok,
        project,
        built,
    }
}

/// Cargo refuses to build a package whose `rust-version` is above the toolchain before it
/// compiles anything: say so without running it (the findings name each such package).
fn refused_before_build(
    opts: &Options,
    p: &Project,
    project: &Report,
    env: &HostEnv,
) -> Result<Option<Report>> {
    if !project
        .findings
        .iter()
        .any(|f| f.rule == Rule::RustVersionAboveToolchain && f.severity == Severity::Error)
    {
        return Ok(None);
    }
    let mut report = Report::new("build", Some(opts.tier), p.dir.display().to_string());
    report.findings.extend(project.findings.iter().cloned());
    report.facts = serde_json::to_value(facts(opts, env, false, project.facts.clone(), None))?;
    report.finish();
    Ok(Some(report))
}

/// The report's header, on stderr before cargo's output.
fn announce(opts: &Options, p: &Project, env: &HostEnv) {
    let dir = p.dir.display().to_string();
    let tc = env.toolchain.as_deref();
    let line = header(opts.tier, &opts.profile, tc, &dir, &env.resolved.techniques);
    crate::termsafe::eprint_line(&line);
    if let Some(n) = &env.pin_note {
        crate::termsafe::eprint_line(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(args: &[&str]) -> Result<(Vec<String>, String)> {
        message_format(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_users_message_format_becomes_a_rendering_style() {
        let (kept, f) = split(&["--message-format", "short", "-p", "x"]).unwrap();
        assert_eq!(kept, ["-p", "x"]);
        assert_eq!(f, "json-render-diagnostics,json-diagnostic-short");
        let (_, f) = split(&["--message-format=human"]).unwrap();
        assert_eq!(f, "json-render-diagnostics");
        let (_, f) = split(&[
            "--message-format=short,json-diagnostic-rendered-ansi",
            "--message-format",
            "json-diagnostic-short",
        ])
        .unwrap();
        assert_eq!(
            f,
            "json-render-diagnostics,json-diagnostic-short,json-diagnostic-rendered-ansi"
        );
        // After `--` nothing is cargo build's own.
        let (kept, _) = split(&["--", "--message-format", "short"]).unwrap();
        assert_eq!(kept, ["--", "--message-format", "short"]);
    }

    #[test]
    fn json_on_stdout_and_unknown_formats_are_refused() {
        let e = split(&["--message-format", "json"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("report on stdout"), "{e}");
        assert!(split(&["--message-format=xml"]).is_err());
        assert!(split(&["--message-format"]).is_err());
    }
}
