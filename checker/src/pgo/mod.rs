//! `tiercheck build --pgo CMD`: the PGO + BOLT release pipeline on a machine without Nix. The
//! steps are nix/scripts/*.sh, embedded here and run with tools from PATH, so the host runs the
//! very scripts the Nix derivations run. The flags come from nix/tiers.toml's [pipeline].
//!
//! A run proves its training ran the binary (coverage.rs), holds the work dir's lock and
//! publishes results only when it succeeds (workdir.rs), limits each training run (--timeout),
//! and counts its steps on a terminal (progress.rs).

pub mod coverage;
mod facts;
mod progress;
pub mod workdir;

pub use facts::facts_text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::binary;
use crate::cargo_run::{self, Options};
use crate::child::{self, Limit};
use crate::host_env::{host_env, HostEnv};
use crate::project::load::profile_root_in;
use crate::project::load::Project;
use crate::report::{Finding, Report, Rule};
use crate::tiers::TierData;
use crate::tools;
use coverage::Coverage;
use facts::{PgoFacts, PgoRun};
use progress::Progress;
use workdir::WorkDir;

const SCRIPTS: &[(&str, &str)] = &[
    ("train.sh", include_str!("../../data/scripts/train.sh")),
    (
        "pgo-merge.sh",
        include_str!("../../data/scripts/pgo-merge.sh"),
    ),
    (
        "bolt-instrument.sh",
        include_str!("../../data/scripts/bolt-instrument.sh"),
    ),
    (
        "bolt-merge.sh",
        include_str!("../../data/scripts/bolt-merge.sh"),
    ),
    (
        "bolt-optimize.sh",
        include_str!("../../data/scripts/bolt-optimize.sh"),
    ),
];

/// The PGO pipeline's arguments of `tiercheck build`.
#[derive(clap::Args, Clone)]
#[group(id = "pgo-pipeline")]
pub struct Args {
    /// Run the PGO (+ BOLT) pipeline with this training command ("$BIN" is the binary; repeatable)
    #[arg(long = "pgo", value_name = "COMMAND")]
    pub training: Vec<String>,
    /// Where the training commands run (default: DIR)
    #[arg(long, value_parser = crate::cli::ExistingDir)]
    pub train_dir: Option<PathBuf>,
    /// PGO only, no BOLT
    #[arg(long)]
    pub no_bolt: bool,
    /// Reuse a merged .profdata (skips the instrumented build and its training)
    #[arg(long)]
    pub profdata: Option<PathBuf>,
    /// Reuse a merged .fdata (skips BOLT's instrumentation and training)
    #[arg(long)]
    pub fdata: Option<PathBuf>,
    /// The executable to train and optimize when there are several
    #[arg(long)]
    pub bin: Option<String>,
    /// Time limit of each training run (PGO, BOLT); its whole process group is killed after it
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = child::parse_limit)]
    pub timeout: Limit,
    /// No step counters on the terminal (as -q)
    #[arg(long)]
    pub no_progress: bool,
}

impl Args {
    /// Whether `build` runs the pipeline.
    pub fn wanted(&self) -> bool {
        !self.training.is_empty() || self.profdata.is_some()
    }
}

const INSTRUMENTED_BUILD: &str = "instrumented build";
const PGO_TRAINING: &str = "PGO training";
const PGO_MERGE: &str = "llvm-profdata merge";
const OPTIMIZED_BUILD: &str = "PGO-optimized build";
const BOLT_INSTRUMENT: &str = "BOLT instrumentation";
const BOLT_TRAINING: &str = "BOLT training";
const BOLT_MERGE: &str = "merge-fdata";
const BOLT_OPTIMIZE: &str = "BOLT optimization";

fn plan(args: &Args, bolt: bool) -> Vec<&'static str> {
    let mut steps = vec![];
    if args.profdata.is_none() {
        steps.extend([INSTRUMENTED_BUILD, PGO_TRAINING, PGO_MERGE]);
    }
    steps.push(OPTIMIZED_BUILD);
    if bolt && args.fdata.is_none() {
        steps.extend([BOLT_INSTRUMENT, BOLT_TRAINING, BOLT_MERGE]);
    }
    if bolt {
        steps.push(BOLT_OPTIMIZE);
    }
    steps
}

fn run_script(
    dir: &Path,
    name: &str,
    env: &[(&str, String)],
    limit: Option<std::time::Duration>,
) -> Result<()> {
    let status = child::run(
        child::command("bash")?
            .arg(dir.join(name))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str()))),
        name,
        limit,
    )?;
    if !status.success() {
        bail!("pipeline step {name} failed (its message is above)");
    }
    Ok(())
}

/// A path as text for a flag or an environment value; Cargo's rustflags cannot carry one that
/// is not UTF-8, so such a path is refused by name.
fn utf8(p: &Path) -> Result<&str> {
    p.to_str().with_context(|| {
        format!(
            "{}: not valid UTF-8, which Cargo's rustflags cannot carry; use another directory",
            p.display()
        )
    })
}

fn fill(flags: &[String], key: &str, value: &str) -> Vec<String> {
    flags
        .iter()
        .map(|f| f.replace(&format!("@{key}@"), value))
        .collect()
}

/// `--config` for cargo adding `flags` to the target's rustflags as a TOML array: each flag
/// stays one argument even with spaces in it (an environment variable would split it), and
/// Cargo appends it to the tier's and the project's rustflags.
fn rustflags_config(triple: &str, flags: &[String]) -> Vec<String> {
    let array = toml::Value::Array(flags.iter().cloned().map(toml::Value::String).collect());
    vec![
        "--config".into(),
        format!("target.{triple}.rustflags={array}"),
    ]
}

fn pick_bin(exes: &[PathBuf], want: Option<&str>) -> Result<PathBuf> {
    let names: Vec<String> = exes
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .collect();
    match (want, exes) {
        (Some(w), _) => exes
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == w))
            .cloned()
            .with_context(|| format!("--bin {w}: cargo built {}", names.join(", "))),
        (None, [one]) => Ok(one.clone()),
        (None, []) => bail!("cargo built no executable to optimize"),
        (None, _) => bail!(
            "cargo built several executables ({}); choose one with --bin",
            names.join(", ")
        ),
    }
}

/// What every step needs: the project, the tier's environment and the tools.
struct Setup {
    project: Project,
    root: String,
    toolchain: Option<String>,
    env: HostEnv,
    bolt: bool,
    llvm_profdata: PathBuf,
    bolt_tools: Option<(PathBuf, PathBuf)>,
    target_dir: PathBuf,
}

fn setup(data: &TierData, opts: &Options, args: &Args) -> Result<Setup> {
    data.tier(opts.tier)?;
    let project = Project::load(opts.dir)?;
    let root = profile_root_in(&project, &opts.profile);
    if root != "release" {
        bail!(
            "the PGO pipeline builds a release-like profile; {} inherits from {root}",
            opts.profile
        );
    }
    if args.training.is_empty() && args.profdata.is_none() {
        bail!("give training commands with --pgo (\"$BIN\" is the binary) or a merged profile with --profdata");
    }
    // The tier's toolchain, chosen once: every build and probe of the pipeline uses it.
    let env = host_env(data, opts.tier, Some(&root), opts.select, Some(opts.dir))?;
    let toolchain = env.toolchain.clone();
    if !env.resolved.techniques.iter().any(|t| t == "pgo") {
        bail!(
            "{} has no pgo technique for release builds; use tier3/tier4 or --with pgo",
            opts.tier
        );
    }
    let bolt = !args.no_bolt && env.resolved.techniques.iter().any(|t| t == "bolt");
    let llvm_profdata = tools::find(data, "llvm-profdata", env.rustc.as_ref())?.path;
    let bolt_tools = if bolt {
        Some((
            tools::find(data, "llvm-bolt", None)?.path,
            tools::find(data, "merge-fdata", None)?.path,
        ))
    } else {
        None
    };
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project.dir.join("target"));
    Ok(Setup {
        project,
        root,
        toolchain,
        env,
        bolt,
        llvm_profdata,
        bolt_tools,
        target_dir,
    })
}

/// One pipeline run: the setup, the locked work dir, the scripts, and the step counter.
struct Run<'a> {
    data: &'a TierData,
    opts: &'a Options<'a>,
    args: &'a Args,
    s: Setup,
    work: WorkDir,
    scripts: PathBuf,
    progress: Progress,
}

impl Run<'_> {
    /// A cargo build with the tier's environment plus `flags`, into `<work>/<dir>`.
    fn cargo(&self, flags: Vec<String>, dir: &str, what: &str) -> Result<PathBuf> {
        let env = BTreeMap::from([(
            "CARGO_TARGET_DIR".to_string(),
            utf8(&self.work.root.join(dir))?.to_string(),
        )]);
        let config = rustflags_config(&self.s.env.triple, &flags);
        let (ok, exes) = cargo_run::build(
            self.opts,
            &self.s.env,
            self.s.toolchain.as_deref(),
            &env,
            &config,
        )?;
        if !ok {
            bail!("the {what} failed (cargo's errors are above)");
        }
        pick_bin(&exes, self.args.bin.as_deref())
    }

    /// One training run: KIND pgo (profraw via LLVM_PROFILE_FILE) or bolt (fdata).
    fn train(&self, kind: &str, bin: &Path, out_dir: &Path) -> Result<()> {
        let train_dir = self
            .args
            .train_dir
            .clone()
            .unwrap_or_else(|| self.s.project.dir.clone());
        let env = [
            ("KIND", kind.to_string()),
            ("BIN", bin.display().to_string()),
            ("TRAINING", self.args.training.join("\n")),
            ("TRAIN_DIR", train_dir.display().to_string()),
            ("OUT_DIR", out_dir.display().to_string()),
        ];
        run_script(&self.scripts, "train.sh", &env, self.args.timeout.0).map_err(|e| {
            match e.downcast_ref::<child::TimedOut>() {
                Some(t) => anyhow::anyhow!(
                    "{kind} training ran longer than --timeout {} and was killed with its process group",
                    humantime::format_duration(t.limit)
                ),
                None => e,
            }
        })
    }

    /// Instrumented build, training, merge; the merged profile and what it covers.
    fn pgo_profile(&self) -> Result<(PathBuf, Coverage)> {
        // Build scripts and proc macros are instrumented too and write their profiles while
        // cargo builds: into a directory of their own, never into the training's.
        let build_profiles = self.work.root.join("build-profraw");
        let _ = std::fs::remove_dir_all(&build_profiles);
        let flags = fill(
            &self.data.pipeline.instrument_rustflags,
            "profile_dir",
            utf8(&build_profiles)?,
        );
        let instrumented = self.progress.step(INSTRUMENTED_BUILD, || {
            self.cargo(flags, "instrumented", "instrumented build")
        })?;
        let raw = self.work.run.join("profraw");
        self.progress
            .step(PGO_TRAINING, || self.train("pgo", &instrumented, &raw))?;
        let out = self.work.run.join("merged.profdata");
        let env = [
            ("LLVM_PROFDATA", self.s.llvm_profdata.display().to_string()),
            ("RUSTC", "rustc".to_string()),
            ("PROFILE_DIR", raw.display().to_string()),
            ("OUT", out.display().to_string()),
        ];
        let (scripts, tool) = (&self.scripts, &self.s.llvm_profdata);
        let cov = self.progress.step(PGO_MERGE, || {
            run_script(scripts, "pgo-merge.sh", &env, None)?;
            coverage::check(tool, &out, &instrumented)
        })?;
        Ok((out, cov))
    }

    fn optimized_build(&self, profdata: &Path) -> Result<PathBuf> {
        let mut flags = fill(
            &self.data.pipeline.optimize_rustflags,
            "profdata",
            utf8(profdata)?,
        );
        if self.s.bolt {
            flags.extend(self.data.pipeline.bolt_link_rustflags.iter().cloned());
        }
        self.progress.step(OPTIMIZED_BUILD, || {
            self.cargo(flags, "optimized", "PGO-optimized build")
        })
    }

    /// BOLT's instrumentation, training and merge; the merged .fdata.
    fn bolt_profile(&self, optimized: &Path, llvm_bolt: &Path, merge: &Path) -> Result<PathBuf> {
        let fdata_dir = self.work.run.join("fdata");
        let name = optimized.file_name().unwrap_or_default().to_string_lossy();
        let instr = self.work.run.join(format!("{name}.bolt-instrumented"));
        let env = [
            ("LLVM_BOLT", llvm_bolt.display().to_string()),
            ("BIN", optimized.display().to_string()),
            ("OUT", instr.display().to_string()),
            ("OUT_DIR", fdata_dir.display().to_string()),
        ];
        let scripts = self.scripts.clone();
        self.progress.step(BOLT_INSTRUMENT, || {
            run_script(&scripts, "bolt-instrument.sh", &env, None)
        })?;
        self.progress
            .step(BOLT_TRAINING, || self.train("bolt", &instr, &fdata_dir))?;
        let out = self.work.run.join("merged.fdata");
        let env = [
            ("MERGE_FDATA", merge.display().to_string()),
            ("FDATA_DIR", fdata_dir.display().to_string()),
            ("OUT", out.display().to_string()),
        ];
        self.progress.step(BOLT_MERGE, || {
            run_script(&scripts, "bolt-merge.sh", &env, None)
        })?;
        Ok(out)
    }

    /// The final binary in the run dir: BOLT-optimized, or the PGO-optimized one copied.
    fn finish_binary(&self, optimized: &Path) -> Result<(PathBuf, Option<PathBuf>)> {
        let name = optimized
            .file_name()
            .context("cargo reported an executable without a file name")?;
        let final_bin = self.work.run.join(name);
        let Some((llvm_bolt, merge)) = self.s.bolt_tools.clone() else {
            std::fs::copy(optimized, &final_bin)
                .with_context(|| format!("copying {}", optimized.display()))?;
            return Ok((final_bin, None));
        };
        let fdata = match &self.args.fdata {
            Some(given) => self.work.take_input(given, "given.fdata")?,
            None => self.bolt_profile(optimized, &llvm_bolt, &merge)?,
        };
        let env = [
            ("LLVM_BOLT", llvm_bolt.display().to_string()),
            ("BIN", optimized.display().to_string()),
            ("FDATA", fdata.display().to_string()),
            ("OUT", final_bin.display().to_string()),
            ("BOLT_FLAGS", self.data.pipeline.bolt_flags.join("\n")),
        ];
        let scripts = self.scripts.clone();
        self.progress.step(BOLT_OPTIMIZE, || {
            run_script(&scripts, "bolt-optimize.sh", &env, None)
        })?;
        Ok((final_bin, Some(fdata)))
    }
}

pub fn pipeline(data: &TierData, opts: &Options, args: &Args) -> Result<Report> {
    let s = setup(data, opts, args)?;
    let work = WorkDir::lock(&s.target_dir.join("rust-tiers-pgo"))?;
    // Inputs first: they may be the previous run's results, which are cleared next.
    let given_profdata = match &args.profdata {
        Some(g) => Some(work.take_input(g, "given.profdata")?),
        None => None,
    };
    work.clear_results()?;
    let scripts = work.run.join("scripts");
    std::fs::create_dir_all(&scripts)?;
    for (name, text) in SCRIPTS {
        std::fs::write(scripts.join(name), text).with_context(|| format!("writing {name}"))?;
    }
    let progress = Progress::new(
        plan(args, s.bolt),
        args.no_progress,
        &work.root.join("timings.json"),
    );
    let run = Run {
        data,
        opts,
        args,
        s,
        work,
        scripts,
        progress,
    };
    let (profdata, coverage) = match given_profdata {
        Some(p) => (p, None),
        None => {
            let (p, c) = run.pgo_profile()?;
            (p, Some(c))
        }
    };
    let optimized = run.optimized_build(&profdata)?;
    let (final_bin, fdata) = run.finish_binary(&optimized)?;
    // Every step succeeded: publish.
    let final_bin = run.work.publish(&final_bin)?;
    let profdata = run.work.publish(&profdata)?;
    let fdata = fdata.map(|f| run.work.publish(&f)).transpose()?;
    let _ = std::fs::write(
        run.work.root.join("timings.json"),
        run.progress.timings_json(),
    );
    let _ = std::fs::remove_dir_all(&run.work.run);
    let paths = Published {
        final_bin,
        optimized,
        profdata,
        fdata,
        coverage,
    };
    report(&run, &paths)
}

struct Published {
    final_bin: PathBuf,
    optimized: PathBuf,
    profdata: PathBuf,
    fdata: Option<PathBuf>,
    coverage: Option<Coverage>,
}

fn report(run: &Run, out: &Published) -> Result<Report> {
    let (opts, s) = (run.opts, &run.s);
    let bopts = binary::Options {
        tier: Some(opts.tier),
        profile: Some(&opts.profile),
        select: opts.select,
        pipeline: s.bolt,
        host: None,
    };
    let (breport, bdoc, errors) =
        binary::check(run.data, std::slice::from_ref(&out.final_bin), &bopts)?;
    if let Some(e) = errors.first() {
        bail!("{e}");
    }
    let mut report = Report::new(
        "build",
        Some(opts.tier),
        s.project.dir.display().to_string(),
    );
    report.findings.extend(breport.findings);
    if !s.bolt {
        let why = if run.args.no_bolt {
            "--no-bolt"
        } else {
            "the tier has no bolt technique on this platform"
        };
        report.findings.push(Finding::new(
            Rule::BoltSkipped,
            format!("BOLT not run: {why}"),
        ));
    }
    let facts = PgoFacts {
        profile: opts.profile.clone(),
        profile_root: s.root.clone(),
        toolchain: s.toolchain.clone(),
        techniques: s.env.resolved.techniques.clone(),
        tools: s.env.tools.clone(),
        pgo: PgoRun {
            binary: out.final_bin.clone(),
            optimized_before_bolt: out.optimized.clone(),
            profdata: out.profdata.clone(),
            fdata: out.fdata.clone(),
            coverage: out.coverage.clone(),
            bolt: s.bolt,
            training: run.args.training.clone(),
            timeout_seconds: run.args.timeout.0.map(|d| d.as_secs()),
            steps: run.progress.done(),
        },
        binaries: bdoc.binaries,
    };
    report.facts = serde_json::to_value(&facts)?;
    report.finish();
    Ok(report)
}
