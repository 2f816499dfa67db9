//! `tiercheck bench`: what each tier buys on a project, measured against the presets users
//! would pick instead, side by side in one interleaved run. Every sample is proven to have done
//! the work it names; a run that cannot prove it writes nothing and exits 2.
//!
//! presets: the configurations; runner: the rounds; proof: what cargo's messages must show;
//! sccache: the shared-cache configuration; stats/report/chart: medians, Markdown/JSON, SVG.

pub mod chart;
pub mod edit;
pub mod presets;
pub mod progress;
pub mod proof;
pub mod report;
pub mod runner;
mod sccache;
pub mod stats;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::output::Out;
use crate::safe_write::Root;
use crate::tiers::TierData;
use crate::toolchain;

pub use chart::colour;
pub use presets::PRESETS;
pub use runner::Measure;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Skip {
    CleanDebug,
    Incremental,
    CleanRelease,
}

/// Measure configurations side by side (interleaved rounds): clean debug build, incremental
/// rebuild, clean release build, release runtime; Markdown, JSON and an SVG chart
#[derive(clap::Args)]
#[command(after_help = presets_help())]
pub struct Args {
    #[command(flatten)]
    project: crate::cli::ProjectArgs,
    /// Configuration to measure (repeatable): a preset below or tierN, with changes
    /// (`tier1+codegen-units=8+linker=mold`, see below), tierN+pgo or tierN+sccache
    #[arg(
        long = "config",
        required_unless_present = "replot",
        value_name = "NAME"
    )]
    configs: Vec<String>,
    /// Ratios are taken against these (repeatable; the first is the chart's; default: stock if
    /// measured, else the first configuration)
    #[arg(long = "baseline", value_name = "NAME")]
    baselines: Vec<String>,
    /// Measured rounds after the warm-up (at least 1)
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Incremental rebuilds per configuration and round
    #[arg(long, default_value_t = 2)]
    incremental_runs: usize,
    /// The file touched before each incremental rebuild (default: the first src/main.rs)
    #[arg(long)]
    touch: Option<PathBuf>,
    /// Also measure rebuilds after a real edit: in FILE, FROM (occurring once) becomes TO and back,
    /// alternately; the file is restored when the run ends
    #[arg(long, num_args = 3, value_names = ["FILE", "FROM", "TO"], allow_hyphen_values = true)]
    edit: Option<Vec<String>>,
    /// Edit pairs (there and back: two rebuilds) per configuration and round
    #[arg(long, default_value_t = 1)]
    edit_pairs: usize,
    /// Held-out command timed on each release binary; "$BIN" is the binary
    #[arg(long)]
    run: Option<String>,
    #[arg(long, default_value_t = 3)]
    runs_per_round: usize,
    /// Only these configurations get the release build and held-out runs (repeatable; default:
    /// all). tierN+pgo is compared with plain tierN, so name both.
    #[arg(long = "release-for", value_name = "NAME")]
    release_for: Vec<String>,
    /// Training command for tierN+pgo configurations (repeatable; "$BIN" is the binary)
    #[arg(long = "train")]
    training: Vec<String>,
    /// Measurements to leave out (repeatable)
    #[arg(long, value_enum)]
    skip: Vec<Skip>,
    /// Write the Markdown report here (default: stdout)
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write the SVG chart here
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Write the whole run (configurations, samples, machine, verdicts) as JSON here
    #[arg(long)]
    json: Option<PathBuf>,
    /// The chart's and report's title (default: the project's package name)
    #[arg(long)]
    title: Option<String>,
    /// Scratch directory for the configurations' target dirs (default: DIR/target/rust-tiers-bench)
    #[arg(long)]
    work: Option<PathBuf>,
    /// Measure nothing: render --markdown/--svg again from a JSON document an earlier run wrote
    #[arg(long, value_name = "JSON", conflicts_with = "configs")]
    replot: Option<PathBuf>,
}

fn presets_help() -> String {
    let mut s = String::from("Presets:\n");
    for (n, l) in PRESETS {
        s.push_str(&format!("  {n:18} {l}\n"));
    }
    s.push_str("  tierN              the tier as `tiercheck env tierN` gives it (+ the dependency profile `tiercheck init` writes)\n");
    s.push_str("  tierN+pgo          release from `tiercheck build --pgo`: runtime of the PGO-only and the PGO+BOLT binary\n");
    s.push_str("  tierN+sccache      tier + sccache: clean build of the project while a shared cache (SCCACHE_REDIS_ENDPOINT, ...) is warm from a copy of it\n");
    s.push_str(CHANGES_HELP);
    s
}

const CHANGES_HELP: &str = "Changes (after a preset or tier, each +KEY=VALUE; the name is shown as given):
  codegen-units=8, debug=0, split-debuginfo=off, ...   a dev-profile key (CARGO_PROFILE_DEV_*)
  profile.release.lto=fat, CARGO_PROFILE_DEV_DEBUG=0    any profile's key
  deps.debug=line-tables-only, package.NAME.KEY=V       [profile.dev.package.\"*\"] / one package (cargo --config)
  rustflags=-Cdwarf-version=5                           appended to the target's rustflags
  linker=rust-lld|mold|wild|lld|gnu-ld                  replaces the base's linker (mold, wild, lld via clang)
  threads=N                                             -Z threads=N (nightly; 1 = off)
  backend=cranelift|llvm                                the dev profile's codegen backend
  toolchain=NAME                                        RUSTUP_TOOLCHAIN
  with=ID, without=ID                                   a technique of the tier on or off";

/// A relative path as the user meant it: against the current directory.
fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("{}: cannot make absolute", p.display()))
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    if let Some(p) = args.replot.clone() {
        return replot(&p, args, out);
    }
    let given = args.project.dir();
    let dir = given
        .canonicalize()
        .with_context(|| format!("{}: no such project directory", given.display()))?;
    if !dir.join("Cargo.toml").is_file() {
        bail!("{}: no Cargo.toml", dir.display());
    }
    let root = Root::new(&crate::project::load::workspace_root_dir(&dir)?)?;
    for note in crate::recovery::recover(&root)? {
        crate::termsafe::eprint_line(&note);
    }
    let (names, baselines) = validate(&args, data)?;
    let plan = plan(&args, dir, &root)?;
    let info = toolchain::rustc_info(None)?;
    let mut cfgs = names
        .iter()
        .map(|c| presets::config(data, c, &info.host))
        .collect::<Result<Vec<_>>>()?;
    for c in cfgs.iter_mut().filter(|c| c.sccache) {
        sccache::prepare(c)?;
    }
    let (samples, noise) = runner::run(&plan, &cfgs, out.quiet)?;
    let mut order = names.clone();
    for n in &names {
        if n.ends_with("+pgo") {
            order.push(format!("{n}+bolt"));
        }
    }
    let series = stats::series(&samples, &order, &baselines);
    if series.is_empty() {
        bail!("nothing was measured");
    }
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| project_name(&plan.dir));
    let doc = report::Document {
        schema: 1,
        date: utc_now(),
        project: title.clone(),
        machine: machine(&info.release),
        rounds: args.rounds,
        comparisons: report::comparisons(&cfgs, &series),
        release_verdicts: report::release_verdicts(&cfgs, &series),
        baselines,
        configs: cfgs,
        series,
        noise,
    };
    write_outputs(&args, &doc, &title, out)?;
    Ok(0)
}

/// `--replot JSON`: the Markdown and chart of an earlier run, measuring nothing.
fn replot(p: &Path, args: Args, out: &mut Out) -> Result<i32> {
    let shown = p.display().to_string();
    let text = crate::fsread::read_text(p, &shown, crate::fsread::TEXT_CAP)?;
    let doc: report::Document = serde_json::from_str(&text)
        .with_context(|| format!("{shown}: not a tiercheck bench document"))?;
    report::check_document(&doc).with_context(|| shown.clone())?;
    let title = args.title.clone().unwrap_or_else(|| doc.project.clone());
    write_outputs(&Args { json: None, ..args }, &doc, &title, out)?;
    Ok(0)
}

/// Refuses what would measure nothing or write nowhere; the configuration names in order and the
/// baselines (default: stock if measured, else the first configuration).
fn validate(args: &Args, data: &TierData) -> Result<(Vec<String>, Vec<String>)> {
    if args.rounds == 0 {
        bail!("--rounds 0 measures nothing; give at least 1");
    }
    let mut names: Vec<String> = vec![];
    for c in &args.configs {
        if names.contains(c) {
            bail!("--config {c} is given twice");
        }
        presets::check_name(data, c)?;
        names.push(c.clone());
    }
    let baselines = if args.baselines.is_empty() {
        vec![if names.iter().any(|n| n == "stock") {
            "stock".into()
        } else {
            names[0].clone()
        }]
    } else {
        args.baselines.clone()
    };
    let listed = |what: &str, l: &[String]| match l.iter().find(|x| !names.contains(x)) {
        Some(x) => bail!(
            "{what} {x} is not one of the configurations ({})",
            names.join(", ")
        ),
        None => Ok(()),
    };
    listed("--baseline", &baselines)?;
    listed("--release-for", &args.release_for)?;
    if let Some(cmd) = &args.run {
        if !cmd.contains("BIN") {
            bail!("--run {cmd:?} never names the binary (\"$BIN\"), so it would not time it");
        }
    }
    if names.iter().any(|c| c.ends_with("+pgo")) && args.training.is_empty() {
        bail!("a +pgo configuration needs training commands (--train)");
    }
    for out in [&args.markdown, &args.svg, &args.json]
        .into_iter()
        .flatten()
    {
        let parent = absolute(out)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if !parent.is_dir() {
            bail!("{}: its directory does not exist", out.display());
        }
    }
    Ok((names, baselines))
}

/// What to measure, every path absolute: the touched and edited files, the scratch directory,
/// which measurements, how often.
fn plan(args: &Args, dir: PathBuf, root: &Root) -> Result<runner::Plan> {
    let touch = match &args.touch {
        Some(t) => absolute(t)?,
        None => default_touch(&dir).context("no src/main.rs to touch: give --touch")?,
    };
    let edit = match args.edit.as_deref() {
        Some([file, from, to]) => {
            Some(edit::Edit::new(root, absolute(Path::new(file))?, from, to)?)
        }
        _ => None,
    };
    Ok(runner::Plan {
        edit_pairs: if edit.is_some() { args.edit_pairs } else { 0 },
        edit,
        touched_manifest: proof::owning_manifest(&touch)
            .with_context(|| format!("--touch {}", touch.display()))?,
        touch,
        work: match &args.work {
            Some(w) => absolute(w)?,
            None => dir.join("target/rust-tiers-bench"),
        },
        clean_debug: !args.skip.contains(&Skip::CleanDebug),
        incremental_runs: if args.skip.contains(&Skip::Incremental) {
            0
        } else {
            args.incremental_runs
        },
        clean_release: !args.skip.contains(&Skip::CleanRelease),
        release_for: (!args.release_for.is_empty()).then(|| args.release_for.clone()),
        run: args.run.clone().map(|r| (r, args.runs_per_round)),
        training: args.training.clone(),
        rounds: args.rounds,
        banner: None,
        dir,
    })
}

/// Renders everything first, then writes: a failure leaves no partial set of files.
fn write_outputs(args: &Args, doc: &report::Document, title: &str, out: &mut Out) -> Result<()> {
    let md = report::markdown(&for_text(doc)?);
    let subtitle = format!(
        "{} UTC · {} CPU(s) · {} · {} rounds, interleaved",
        doc.date, doc.machine.cpus, doc.machine.rustc, doc.rounds
    );
    let Some(baseline) = doc.baselines.first() else {
        bail!("no baseline to plot against");
    };
    let svg = chart::svg(&doc.series, &doc.configs, baseline, title, &subtitle);
    let json = serde_json::to_string_pretty(doc)? + "\n";
    let mut files = vec![];
    if let Some(p) = &args.json {
        files.push((p, json));
    }
    if let Some(p) = &args.svg {
        files.push((p, svg));
    }
    match &args.markdown {
        Some(p) => files.push((p, md)),
        None => out.push_str(&md),
    }
    for (p, text) in files {
        std::fs::write(p, text).with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

/// The document as the Markdown may interpolate it: every string (and key) one escaped field
/// (`termsafe::field`). The project name comes from the checkout and a replotted document from
/// anyone; a newline in a name must not add a heading or a table row of its own.
fn for_text(doc: &report::Document) -> Result<report::Document> {
    let v = serde_json::to_value(doc).context("the bench document")?;
    serde_json::from_value(crate::termsafe::fields_in(&v)).context("the bench document")
}

/// The first `src/main.rs` of the workspace root's package or a member: the binary crate's
/// main file.
pub fn default_touch(dir: &Path) -> Option<PathBuf> {
    let p = crate::project::load::Project::load(dir).ok()?;
    std::iter::once(&p.root)
        .chain(&p.members)
        .filter_map(|m| m.path.parent().map(|d| d.join("src/main.rs")))
        .find(|f| f.is_file())
}

/// `[package] name` (and version) of DIR's manifest, else the directory's own name: never a path.
pub fn project_name(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    let t: toml::Table = text.parse().unwrap_or_default();
    match t.get("package").and_then(|p| p.as_table()) {
        Some(p) => {
            let name = p.get("name").and_then(|v| v.as_str()).unwrap_or("project");
            match p.get("version").and_then(|v| v.as_str()) {
                Some(v) => format!("{name} {v}"),
                None => name.to_string(),
            }
        }
        None => dir
            .file_name()
            .map_or("project".into(), |n| n.to_string_lossy().into_owned()),
    }
}

pub fn machine(rustc: &str) -> report::Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let osr = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    report::Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model: cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string()),
        memory_gib: meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0 / 1024.0),
        os: osr
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string()),
        rustc: format!("rustc {rustc}"),
    }
}

/// Now as `YYYY-MM-DD HH:MM` (UTC), from the civil-from-days algorithm.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}
