//! `tiercheck project`: a project's configuration against the pitfalls and, with `--tier`, the tier.

pub mod cfg;
pub mod command_line;
pub mod config;
pub mod ctx;
pub mod facts;
pub mod linker;
pub mod linker_rules;
pub mod load;
pub mod member_glob;
pub mod members;
pub mod model;
pub mod probe;
pub mod profile_rules;
pub mod replaced;
pub mod rules;
pub mod rustflags;
pub mod settings;
pub mod tier_match;
pub mod toolchain_rules;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::{CheckArgs, ProjectArgs, TierArg};
use crate::output::{print_report, Out};
use crate::report::Report;
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};
use crate::toolchain;

/// Check a project's Cargo.toml, .cargo/config.toml, rust-toolchain and env
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tier: TierArg,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    check: CheckArgs,
    /// Check for this target triple (repeatable; default: `[build] target`, else the host).
    /// Known without installing: every target rustc knows (x86_64/aarch64 Linux and macOS,
    /// x86_64-pc-windows-msvc, ...). Custom target specs (.json) are not supported.
    #[arg(long = "target", value_name = "TRIPLE", value_parser = crate::cli::target_name)]
    targets: Vec<String>,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let opts = Options {
        tier: args.tier.tier.as_deref(),
        targets: &args.targets,
        ..Options::default()
    };
    let dir = args.project.dir();
    let mut report = check_with(data, &dir, &args.check.select.selection(), &opts)?;
    crate::allow::apply(&mut report, &dir)?;
    report.anchor = Some(crate::output::ci::manifest_anchor(&dir));
    print_report(out, &report, args.check.format, &facts::text, Some(&dir))
}

/// How `check_with` runs: the tier, the targets (empty: Cargo's default), and for `build` the
/// tier's environment (added to the process's, its variable names reported as intended).
#[derive(Default)]
pub struct Options<'a> {
    pub tier: Option<&'a str>,
    pub targets: &'a [String],
    pub tier_env: BTreeMap<String, String>,
    /// Variables the command removes from cargo's environment (`build` drops RUSTFLAGS).
    pub unset: &'a [&'a str],
    /// The toolchain the command builds with (`build` passes the tier's); `None`: what rustup
    /// would select for the project, reduced to a validated name (`toolchain::choice_for`).
    pub toolchain: Option<toolchain::Choice>,
    /// `rustc -vV` of `toolchain` when the command has probed it already (`build`: the tier's),
    /// so it is not asked again; `None`: probed here.
    pub rustc: Option<toolchain::RustcInfo>,
}

pub fn check(data: &TierData, dir: &Path, tier: Option<&str>, sel: &Selection) -> Result<Report> {
    let opts = Options {
        tier,
        ..Options::default()
    };
    check_with(data, dir, sel, &opts)
}

/// The targets Cargo builds for: `--target`, else `[build] target` (or CARGO_BUILD_TARGET), else
/// the host.
fn targets_of(p: &load::Project, asked: &[String], host: &str) -> Vec<String> {
    if !asked.is_empty() {
        return asked.to_vec();
    }
    let from_config: Vec<String> = match p.config.get(&["build", "target"]) {
        _ if p.env.contains_key("CARGO_BUILD_TARGET") => vec![p.env["CARGO_BUILD_TARGET"].clone()],
        Some(config::CV::Str(s, _)) => vec![s.clone()],
        Some(config::CV::List(l, _)) => l
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => vec![],
    };
    let usable: Vec<String> = from_config
        .into_iter()
        .filter(|t| !t.ends_with(".json"))
        .collect();
    if usable.is_empty() {
        vec![host.to_string()]
    } else {
        usable
    }
}

/// A target's cfg set as Cargo's `rustc --print cfg` call sees it: the toolchain's answer (the
/// trusted probe), else the built-in table; then the rustflags that change cfgs.
fn cfg_set(p: &load::Project, triple: &str, rustc: &toolchain::Rustc) -> cfg::CfgSet {
    let base = rustc.print_cfg(triple).map_or_else(
        |_| cfg::CfgSet::builtin(triple),
        |text| cfg::CfgSet::from_rustc(triple, &text),
    );
    // Cargo's first pass: the rustflags in force without `cfg(..)` tables decide the cfg set.
    let first = rustflags::sources(p, &base);
    let opts: Vec<_> = rustflags::effective(&first)
        .iter()
        .filter(|s| !s.key.starts_with("target.cfg("))
        .flat_map(|s| s.opts().iter().cloned())
        .collect();
    base.with_flags(&opts)
}

/// `--target` values must name a target the toolchain knows (or, when it cannot be asked,
/// tiercheck's built-in table): an unknown one is a usage error, not a report about nothing.
fn check_asked_targets(targets: &[String], choice: &toolchain::Choice) -> Result<()> {
    let rustc = toolchain::Rustc::new(choice.clone(), None);
    for t in targets {
        let known = cfg_expr::targets::get_builtin_target_by_triple(t).is_some()
            || rustc.print_cfg(t).is_ok();
        if !known {
            bail!("--target {t}: not a target rustc knows (see rustc --print target-list)");
        }
    }
    Ok(())
}

/// The project as Cargo reads it, loaded while the toolchain answers (`rustc -vV`, sysroot,
/// cfg: processes that wait on rustc's start, the manifests are read meanwhile).
fn load_beside_probe(
    dir: &Path,
    opts: &Options,
    choice: &toolchain::Choice,
) -> Result<(Option<toolchain::RustcInfo>, load::Project)> {
    let mut env = load::relevant_env();
    env.retain(|k, _| !opts.unset.contains(&k.as_str()));
    env.extend(opts.tier_env.clone());
    std::thread::scope(|s| {
        let probe = opts
            .rustc
            .is_none()
            .then(|| s.spawn(|| toolchain::rustc_info_for(choice).ok()));
        let p = load::Project::load_with(dir, env);
        let host = match probe {
            Some(h) => h.join().ok().flatten(),
            None => opts.rustc.clone(),
        };
        Ok((host, p?))
    })
}

/// What one run of the checks shares across targets.
struct Run<'a> {
    data: &'a TierData,
    p: &'a load::Project,
    opts: &'a Options<'a>,
    /// The toolchain's rustc, and whether it answered (`rustc -vV`): the flag probe runs only then.
    rustc: toolchain::Rustc,
    answered: bool,
    channel: Option<Channel>,
    rustc_version: Option<semver::Version>,
}

/// What the checks found for the targets: findings, and the first target's technique statuses
/// and used techniques.
#[derive(Default)]
struct Checked {
    findings: Vec<crate::report::Finding>,
    statuses: Option<Vec<tier_match::TechniqueStatus>>,
    used: Vec<rules::Used>,
    views: Vec<model::CargoView>,
}

fn check_targets(run: &Run, targets: &[String], resolved: Option<&Resolved>) -> Checked {
    let mut checked = Checked::default();
    for (i, triple) in targets.iter().enumerate() {
        let target = cfg_set(run.p, triple, &run.rustc);
        let ctx = ctx::Ctx {
            data: run.data,
            sources: rustflags::sources(run.p, &target),
            p: run.p,
            target,
            channel: run.channel,
            rustc_version: run.rustc_version.clone(),
            tier_vars: run.opts.tier_env.keys().cloned().collect(),
            toolchain: run.answered.then(|| run.rustc.clone()),
        };
        let mut found = vec![];
        rules::all(&ctx, &mut found);
        checked.views.push(model::view(&ctx));
        if i == 0 {
            checked.statuses = resolved.map(|r| tier_match::check(&ctx, r, &mut found));
            checked.used = rules::used_techniques(&ctx);
        }
        if targets.len() > 1 {
            for f in &mut found {
                f.message = format!("{} (target {triple})", f.message);
            }
        }
        checked.findings.extend(found);
    }
    checked
}

pub fn check_with(data: &TierData, dir: &Path, sel: &Selection, opts: &Options) -> Result<Report> {
    let choice = opts.toolchain.clone().unwrap_or_else(|| {
        toolchain::choice_for(&dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
    });
    check_asked_targets(opts.targets, &choice)?;
    let (host, p) = load_beside_probe(dir, opts, &choice)?;
    let host_triple = host
        .as_ref()
        .map_or("x86_64-unknown-linux-gnu", |h| h.host.as_str());
    let targets = targets_of(&p, opts.targets, host_triple);
    let mut sel = sel.clone();
    sel.platform = data.platform_of_triple(&targets[0]).map(String::from);
    // An unknown tier is a usage error even for a broken project.
    let resolved = opts.tier.map(|t| resolve(data, t, &sel)).transpose()?;
    let (channel, rustc_version) = build_toolchain(&p, host.as_ref());
    let run = Run {
        data,
        p: &p,
        opts,
        rustc: toolchain::Rustc::new(choice, host.as_ref()),
        answered: host.is_some(),
        channel,
        rustc_version,
    };
    let checked = check_targets(&run, &targets, resolved.as_ref());
    let mut report = Report::new("project", opts.tier, p.dir.display().to_string());
    report.findings = checked.findings;
    dedup_findings(&mut report.findings);
    report
        .findings
        .extend(crate::cache::dist::project_env_findings(&p.configs));
    let dist = wants_sccache_dist(resolved.as_ref(), &p).then(|| {
        let (facts, findings) = crate::cache::dist::check_here(Some(&p.dir), host.as_ref());
        report.findings.extend(findings);
        facts
    });
    let gathered = facts::Gathered {
        channel,
        targets,
        used: checked.used,
        statuses: checked.statuses,
        views: checked.views,
        dist,
    };
    report.facts = serde_json::to_value(facts::of(&p, gathered))?;
    report.finish();
    Ok(report)
}

/// A target-independent finding is found once per target; keep one, in order.
fn dedup_findings(findings: &mut Vec<crate::report::Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| {
        let base = f
            .message
            .rsplit_once(" (target ")
            .map_or(f.message.as_str(), |(m, _)| m);
        seen.insert((
            f.rule,
            f.location.as_ref().map(|l| l.shown()),
            f.key.clone(),
            f.location.as_ref().and_then(|l| l.line()),
            base.to_string(),
        ))
    });
}

/// The channel and version builds in this project will use: what the probe of the toolchain
/// rustup selects found, else what the pin's name says; unknown when the pin cannot be used.
fn build_toolchain(
    p: &load::Project,
    host: Option<&toolchain::RustcInfo>,
) -> (Option<Channel>, Option<semver::Version>) {
    use crate::toolchain_file::Spec;
    let probed = (host.map(|h| h.channel), host.map(|h| h.version.clone()));
    match p.toolchain.as_ref() {
        None => probed,
        Some(pin) => match &pin.spec {
            Spec::Default => probed,
            Spec::Named(_) if host.is_some() => probed,
            Spec::Named(_) => (pin.channel, pin.version.clone()),
            _ => (None, None),
        },
    }
}

/// sccache-dist is asked for by `--tier ... --with sccache-dist`, or by the active tier environment.
fn wants_sccache_dist(resolved: Option<&crate::resolve::Resolved>, p: &load::Project) -> bool {
    resolved.is_some_and(|r| r.techniques.iter().any(|t| t == "sccache-dist"))
        || p.env
            .get("RUST_TIERS_TECHNIQUES")
            .is_some_and(|t| t.split(',').any(|t| t == "sccache-dist"))
}
