//! `tiercheck tune --tier T [DIR]`: which of the settings a tier leaves open win on this project
//! and this machine. One decision at a time from the tier's defaults (never every combination),
//! each measured in `bench`'s interleaved, proven runs (edit rebuild, touch rebuild, clean build
//! when the budget allows), adopted only when faster beyond the noise (`rule`), and the result
//! confirmed against the tier's defaults and stock in a fresh run. Machine-dependent results stay
//! on this machine (`crate::tuned`); project ones are printed for Cargo.toml.
//!
//! decisions: what is open; budget: what a run costs; search: the runs; confirm: the last run;
//! rule: the decision over measurements; report: JSON, text, chart.

mod budget;
mod confirm;
pub mod decisions;
pub mod report;
pub mod rule;
mod search;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::bench::{self, presets};
use crate::cli::tier_parser;
use crate::output::Out;
use crate::resolve::{resolve, Selection};
use crate::safe_write::Root;
use crate::tiers::TierData;
use crate::{toolchain, tools, tuned, Format};

/// The line tune appends to the binary crate's main file for its edit rebuild (and removes): a
/// `#[used]` static is compiled and kept whether or not anything reads it, so the crate's code
/// and link really change, and nothing the program does changes.
pub const EDIT_LINE: &str = "#[used] #[doc(hidden)] static __TIERCHECK_TUNE_EDIT: u8 = 0; // added by `tiercheck tune` for an edit rebuild, removed when it ends\n";

/// Measure which settings the tier leaves open win on this project and machine, and keep them
#[derive(clap::Args)]
pub struct Args {
    /// The tier to tune (default: $RUST_TIERS_TIER)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    tier: String,
    /// The project (a Cargo package or workspace)
    #[arg(default_value = ".", value_parser = crate::cli::ExistingDir)]
    dir: PathBuf,
    /// The edit rebuild: in FILE, FROM (occurring once) becomes TO and back (default: a line
    /// appended to the binary crate's src/main.rs and removed); restored when tune ends
    #[arg(long, num_args = 3, value_names = ["FILE", "FROM", "TO"], allow_hyphen_values = true)]
    edit: Option<Vec<String>>,
    /// Time to spend (10m: about right for a ripgrep-sized project on 2 cores)
    #[arg(long, default_value = "10m", value_parser = parse_budget)]
    budget: Duration,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write the whole run as JSON here
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the confirmation run's chart (SVG) here
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Scratch directory for the target dirs (default: DIR/target/rust-tiers-tune)
    #[arg(long)]
    work: Option<PathBuf>,
    /// Measure and report, keep nothing on this machine
    #[arg(long)]
    dry_run: bool,
    /// Drop this machine's tuned settings for the project and tier; measure nothing
    #[arg(long)]
    reset: bool,
}

fn parse_budget(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d.as_secs() >= 1 => Ok(d),
        Ok(_) => Err("a budget under one second measures nothing".into()),
        Err(e) => Err(format!("{e} (e.g. 10m, 90s)")),
    }
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{}: no such project directory", args.dir.display()))?;
    if !dir.join("Cargo.toml").is_file() {
        bail!("{}: no Cargo.toml", dir.display());
    }
    let ws = crate::project::load::workspace_root_dir(&dir)?;
    let ws = ws.canonicalize().unwrap_or(ws);
    let root = Root::new(&ws)?;
    for note in crate::recovery::recover(&root)? {
        crate::termsafe::eprint_line(&note);
    }
    if args.reset {
        let line = match tuned::reset(&ws, &args.tier)? {
            Some(p) => format!("dropped this machine's tuned settings ({})", p.display()),
            None => "no tuned settings for this project and tier on this machine".into(),
        };
        out.push_str(&format!("{}\n", crate::termsafe::field(&line)));
        return Ok(0);
    }
    check_outputs(&[&args.json, &args.svg])?;
    let r = resolve(data, &args.tier, &Selection::default())?;
    crate::env::ensure_shipped(data, &r)?;
    let doc = measure(&args, data, &dir, &ws, root, out.quiet)?;
    write(&args, &doc, out)
}

fn check_outputs(files: &[&Option<PathBuf>]) -> Result<()> {
    for f in files.iter().copied().flatten() {
        let abs = std::path::absolute(f)
            .with_context(|| format!("{}: cannot make absolute", f.display()))?;
        if !abs.parent().is_some_and(Path::is_dir) {
            bail!("{}: its directory does not exist", f.display());
        }
    }
    Ok(())
}

/// The edit rebuild: the user's `--edit`, else tune's line in the binary crate's main file.
fn edit_spec(args: &Args, dir: &Path, touch: Option<&Path>) -> Result<search::EditSpec> {
    match args.edit.as_deref() {
        Some([file, from, to]) => Ok(search::EditSpec::Replace {
            file: std::path::absolute(file)
                .with_context(|| format!("{file}: cannot make absolute"))?,
            from: from.clone(),
            to: to.clone(),
        }),
        _ => Ok(search::EditSpec::Append {
            file: touch.map(Path::to_path_buf).with_context(|| {
                format!(
                    "{}: no src/main.rs for tune's own edit: give --edit FILE FROM TO",
                    dir.display()
                )
            })?,
            text: EDIT_LINE.into(),
        }),
    }
}

/// Where the runs happen and what they change, before anything is built.
fn context<'a>(
    args: &Args,
    data: &'a TierData,
    dir: &Path,
    root: Root,
    quiet: bool,
    triple: &str,
) -> Result<search::Ctx<'a>> {
    let main = bench::default_touch(dir);
    let edit = edit_spec(args, dir, main.as_deref())?;
    // Checked before anything is built: a FROM that does not occur once is a usage error.
    edit.make(&root)?;
    let touch = main.unwrap_or_else(|| edit.file().clone());
    Ok(search::Ctx {
        data,
        tier: args.tier.clone(),
        touched_manifest: bench::proof::owning_manifest(&touch)
            .with_context(|| format!("{}", touch.display()))?,
        triple: triple.to_string(),
        dir: dir.to_path_buf(),
        root,
        edit,
        touch,
        work: match &args.work {
            Some(w) => std::path::absolute(w).context("--work")?,
            None => dir.join("target/rust-tiers-tune"),
        },
        quiet,
        deadline: Instant::now() + args.budget,
        built: Default::default(),
        loads: vec![],
        fixes: vec![],
    })
}

fn measure(
    args: &Args,
    data: &TierData,
    dir: &Path,
    ws: &Path,
    root: Root,
    quiet: bool,
) -> Result<report::Document> {
    let start = Instant::now();
    let host = toolchain::rustc_info(None)?.host;
    let defaults = presets::config(data, &args.tier, &host)?;
    let mut ctx = context(args, data, dir, root, quiet, &host)?;
    search::llvm_fallbacks(&mut ctx)?;
    let costs = search::calibrate(&mut ctx)?;
    let decisions = facts(data, &args.tier, &host, &defaults, ws)?;
    // The least a confirmation takes: stock's first build and three rounds of three configurations.
    let min = budget::Shape {
        rounds: budget::MIN_ROUNDS,
        clean: false,
    };
    let reserve = costs.estimate(min, 3, 1);
    let mut say = |r: &search::DecisionResult| {
        if !quiet {
            report::decision_text(r)
                .lines()
                .for_each(crate::termsafe::eprint_line);
        }
    };
    let (results, adopted) = search::decide_all(&mut ctx, decisions, &costs, reserve, &mut say)?;
    let (confirmation, cfgs) = confirm::confirm(&mut ctx, &costs, &adopted)?;
    let toolchain = defaults.env.get("RUSTUP_TOOLCHAIN").cloned();
    let rustc = tier_rustc(toolchain.as_deref())?;
    let mut doc = report::Document {
        schema: 1,
        command: "tune",
        date: bench::utc_now(),
        project: bench::project_name(dir),
        tier: args.tier.clone(),
        toolchain,
        machine: bench::machine(&rustc),
        budget_seconds: args.budget.as_secs_f64(),
        elapsed_seconds: start.elapsed().as_secs_f64(),
        rule: rule::text(),
        edit: edit_text(&ctx.edit, ws),
        calibration: costs,
        load_average_1min: ctx.loads.clone(),
        result: result(&ctx, &results, &confirmation, adopted),
        decisions: results,
        confirmation,
    };
    keep(args, ws, &rustc, &mut doc)?;
    if let Some(p) = &args.svg {
        let svg = chart(&doc, &cfgs);
        std::fs::write(p, svg).with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(doc)
}

/// The confirmed changes (none unless the confirmation agreed), split by where they may live.
/// The LLVM fallbacks depend on the project's code, but Cargo.toml cannot hold them on stable
/// (`codegen-backend` needs `cargo-features`), so they are kept with this machine's record, which
/// `build` applies through `--config`.
fn result(
    ctx: &search::Ctx,
    results: &[search::DecisionResult],
    c: &confirm::Confirmation,
    adopted: Vec<String>,
) -> report::TuneResult {
    let kept: Vec<String> = if c.confirmed { adopted } else { vec![] };
    let (mut machine, project) = report::split_by_scope(results, &kept);
    machine.splice(0..0, ctx.fixes.iter().cloned());
    report::TuneResult {
        config: ctx.name(&kept),
        machine,
        project,
        ..Default::default()
    }
}

/// The rustc release the tier runs with (what `env` compares a record with).
fn tier_rustc(toolchain: Option<&str>) -> Result<String> {
    Ok(match toolchain {
        Some(t) => crate::rustup::probe(t)?.release,
        None => toolchain::rustc_info(None)?.release,
    })
}

fn edit_text(e: &search::EditSpec, ws: &Path) -> String {
    let rel = |p: &Path| p.strip_prefix(ws).unwrap_or(p).display().to_string();
    match e {
        search::EditSpec::Replace { file, from, to } => {
            format!("{}: {from:?} -> {to:?} and back (--edit)", rel(file))
        }
        search::EditSpec::Append { file, .. } => format!(
            "{}: a `#[used]` static appended and removed by tune (the crate's code and link change, its behaviour does not)",
            rel(file)
        ),
    }
}

/// The decisions open for the tier on this machine and project.
fn facts(
    data: &TierData,
    tier: &str,
    host: &str,
    defaults: &presets::Config,
    ws: &Path,
) -> Result<Vec<decisions::Decision>> {
    let platform = data
        .platform_of_triple(host)
        .with_context(|| format!("host {host} is not a platform in nix/tiers.toml"))?;
    let written = resolve(data, tier, &Selection::default())?;
    let installed = |t: &str| tools::find(data, t, None).is_ok();
    let f = decisions::Facts {
        data,
        tier,
        platform,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        env: &defaults.env,
        cranelift: presets::tier_toolchain_has_cranelift(&written),
        has_dependencies: has_dependencies(ws),
        installed: &installed,
    };
    Ok(decisions::open(&f))
}

/// Whether Cargo.lock (written by the calibration build) lists a package from a registry or git.
fn has_dependencies(ws: &Path) -> bool {
    let p = ws.join("Cargo.lock");
    let Ok(text) = crate::fsread::read_text(&p, &p.display().to_string(), crate::fsread::TEXT_CAP)
    else {
        return true;
    };
    let Ok(t) = text.parse::<toml::Table>() else {
        return true;
    };
    t.get("package")
        .and_then(|p| p.as_array())
        .is_some_and(|a| a.iter().any(|p| p.get("source").is_some()))
}

/// Keeps the confirmed machine choices on this machine (and drops an earlier record when this
/// run kept none), unless --dry-run.
fn keep(args: &Args, ws: &Path, rustc: &str, doc: &mut report::Document) -> Result<()> {
    if args.dry_run {
        return Ok(());
    }
    if doc.result.machine.is_empty() && doc.result.project.is_empty() {
        if let Some(p) = tuned::reset(ws, &args.tier)? {
            doc.result.note = Some(format!(
                "dropped this machine's earlier tuned settings ({}): this run kept the tier's defaults",
                p.display()
            ));
        }
        return Ok(());
    }
    let record = tuned::Record {
        schema: 1,
        project: ws.display().to_string(),
        tier: args.tier.clone(),
        toolchain: doc.toolchain.clone(),
        rustc: rustc.to_string(),
        cores: doc.machine.cpus,
        date: doc.date.clone(),
        changes: doc.result.machine.clone(),
        project_changes: doc.result.project.clone(),
        evidence: report::evidence(&doc.confirmation),
    };
    doc.result.stored = Some(tuned::save(&record)?.display().to_string());
    Ok(())
}

fn chart(doc: &report::Document, cfgs: &[presets::Config]) -> String {
    let subtitle = format!(
        "{} UTC · {} CPU(s) · {} · tune {}",
        doc.date, doc.machine.cpus, doc.machine.rustc, doc.tier
    );
    let title = format!("{}: tune {}", doc.project, doc.tier);
    bench::chart::svg(&doc.confirmation.series, cfgs, "stock", &title, &subtitle)
}

fn write(args: &Args, doc: &report::Document, out: &mut Out) -> Result<i32> {
    let json = serde_json::to_string_pretty(doc)? + "\n";
    if let Some(p) = &args.json {
        std::fs::write(p, &json).with_context(|| format!("{}: cannot write", p.display()))?;
    }
    match args.format {
        Format::Json => out.push_str(&json),
        Format::Text => out.push_str(&report::text(doc)),
    }
    Ok(0)
}
