//! The measuring loop: a warm-up round, then rounds that run every configuration in turn
//! (A B C A B C ...), so drift on a shared machine spreads over all of them. Each sample is
//! proven (see `proof`) before it is kept.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::edit::Edit;
use super::presets::{Config, Release};
use super::progress::Progress;
use super::proof::{cargo_in, Build};
use super::sccache::Sccache;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    CleanDebug,
    Incremental,
    Edit,
    CleanRelease,
    Runtime,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::CleanDebug,
        Measure::Incremental,
        Measure::Edit,
        Measure::CleanRelease,
        Measure::Runtime,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Measure::CleanDebug => "clean-debug",
            Measure::Incremental => "incremental",
            Measure::Edit => "edit",
            Measure::CleanRelease => "clean-release",
            Measure::Runtime => "runtime",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Measure::CleanDebug => "clean debug build",
            Measure::Incremental => "incremental rebuild (touch + build)",
            Measure::Edit => "edit rebuild (one source change + build)",
            Measure::CleanRelease => "clean release build (PGO configurations: the whole pipeline)",
            Measure::Runtime => "release binary runtime (held-out input)",
        }
    }
}

/// What to measure, with every path absolute.
pub struct Plan {
    pub dir: PathBuf,
    pub work: PathBuf,
    pub touch: PathBuf,
    /// The manifest of the package `touch` belongs to: it must be recompiled.
    pub touched_manifest: PathBuf,
    pub clean_debug: bool,
    pub incremental_runs: usize,
    /// `--edit`, and how many there-and-back pairs per configuration and round.
    pub edit: Option<Edit>,
    pub edit_pairs: usize,
    pub clean_release: bool,
    /// Configurations that get the release build and runtime (None: all of them).
    pub release_for: Option<Vec<String>>,
    /// Held-out command ("$BIN" is the binary) and how often per round.
    pub run: Option<(String, usize)>,
    pub training: Vec<String>,
    pub rounds: usize,
    /// What the progress line starts with, and the deadline whose time left it shows (`tune`).
    pub banner: Option<(String, std::time::Instant)>,
}

/// Samples by (measure, configuration); PGO adds `<name>+bolt` rows for its second binary.
pub type Samples = BTreeMap<(Measure, String), Vec<f64>>;

/// Load average at each round's start: the noise the run was measured under.
#[derive(Debug, Serialize, Deserialize)]
pub struct RoundNote {
    pub round: usize,
    pub load_average_1min: Option<f64>,
}

pub fn run(plan: &Plan, cfgs: &[Config], quiet: bool) -> Result<(Samples, Vec<RoundNote>)> {
    run_all(plan, cfgs, quiet).map(|r| (r.samples, r.notes))
}

/// A run's samples, the warm-up's (first builds, cold caches: only for cost estimates) and the
/// load at each round's start.
pub struct Run {
    pub samples: Samples,
    pub warmup: Samples,
    pub notes: Vec<RoundNote>,
}

pub fn run_all(plan: &Plan, cfgs: &[Config], quiet: bool) -> Result<Run> {
    std::fs::create_dir_all(&plan.work)
        .with_context(|| format!("{}: cannot create", plan.work.display()))?;
    let mut r = Runner {
        plan,
        progress: Progress::new(
            (plan.rounds + 1) * cfgs.iter().map(|c| steps(plan, c)).sum::<usize>(),
            quiet,
        )
        .with_banner(plan.banner.clone()),
        samples: Samples::new(),
        warmup: Samples::new(),
        log: SampleLog::create(&plan.work)?,
        me: std::env::current_exe().context("tiercheck's own executable: cannot locate")?,
    };
    let mut caches = vec![];
    for c in cfgs.iter().filter(|c| c.sccache) {
        caches.push(Sccache::warm(&plan.dir, &plan.work, c)?);
    }
    if let Some(Err(e)) = plan.edit.as_ref().map(Edit::guard) {
        caches.iter().for_each(Sccache::stop);
        return Err(e);
    }
    let mut notes = vec![];
    let result = (|| {
        for n in 0..=plan.rounds {
            notes.push(RoundNote {
                round: n,
                load_average_1min: load_average(),
            });
            for cfg in cfgs {
                let cache = caches.iter().find(|c| c.config == cfg.name);
                r.round(cfg, n, cache)?;
            }
        }
        Ok(())
    })();
    for c in &caches {
        c.stop();
    }
    r.progress.finish();
    let restored = plan.edit.as_ref().map_or(Ok(()), Edit::release);
    result.and(restored).map(|()| Run {
        samples: r.samples,
        warmup: r.warmup,
        notes,
    })
}

/// Whether `c` gets a release build (and its binary the held-out runs).
fn wants_release(plan: &Plan, c: &Config) -> bool {
    (plan.clean_release || plan.run.is_some())
        && c.release != Release::None
        && plan
            .release_for
            .as_ref()
            .is_none_or(|l| l.contains(&c.name))
}

fn steps(plan: &Plan, c: &Config) -> usize {
    let release = wants_release(plan, c);
    usize::from(plan.clean_debug)
        + plan.incremental_runs
        + 2 * plan.edit_pairs
        + usize::from(release)
        + plan.run.as_ref().filter(|_| release).map_or(0, |(_, k)| {
            k * match c.release {
                Release::Plain => 1,
                Release::Pgo => 2,
                Release::None => 0,
            }
        })
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

struct Runner<'a> {
    plan: &'a Plan,
    progress: Progress,
    samples: Samples,
    warmup: Samples,
    log: SampleLog,
    me: PathBuf,
}

/// `WORK/samples.log`: every sample as it is taken, warm-up included, each run after the last.
struct SampleLog {
    path: PathBuf,
    file: std::fs::File,
}

impl SampleLog {
    fn create(work: &Path) -> Result<SampleLog> {
        let path = work.join("samples.log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("{}: cannot create", path.display()))?;
        let mut log = SampleLog { path, file };
        log.line(format_args!("# run started {} UTC", super::utc_now()))?;
        Ok(log)
    }

    fn line(&mut self, line: std::fmt::Arguments) -> Result<()> {
        writeln!(self.file, "{line}")
            .with_context(|| format!("{}: cannot write", self.path.display()))
    }
}

/// One configuration's turn in one round: where it builds and logs, and how progress names it.
struct Turn<'c> {
    cfg: &'c Config,
    /// 0 for the warm-up.
    n: usize,
    label: String,
    target: PathBuf,
    log: PathBuf,
}

impl<'c> Turn<'c> {
    fn new(plan: &Plan, cfg: &'c Config, n: usize) -> Turn<'c> {
        let label = if n == 0 {
            "warm-up".to_string()
        } else {
            format!("round {n}/{}", plan.rounds)
        };
        let dir = crate::variant::dir_name(&cfg.name);
        Turn {
            cfg,
            n,
            label,
            target: plan.work.join(&dir),
            log: plan.work.join(format!("{dir}.log")),
        }
    }
}

impl Runner<'_> {
    fn round(&mut self, cfg: &Config, n: usize, cache: Option<&Sccache>) -> Result<()> {
        let plan = self.plan;
        let turn = Turn::new(plan, cfg, n);
        let debug_dir = turn.target.join("debug");
        if plan.clean_debug {
            self.clean_debug(&turn, &debug_dir, cache)?;
        }
        if plan.incremental_runs + plan.edit_pairs > 0 && !debug_dir.is_dir() {
            self.cargo(cfg, &turn.target, &[], &turn.log)?;
        }
        for _ in 0..plan.incremental_runs {
            self.incremental(&turn)?;
        }
        if let Some(edit) = &plan.edit {
            self.edits(&turn, edit)?;
        }
        if !wants_release(plan, cfg) {
            return Ok(());
        }
        let bins = self.clean_release(&turn)?;
        self.held_out_runs(&turn, &bins)
    }

    /// A debug build from nothing, which a compile cache must have served when there is one.
    fn clean_debug(
        &mut self,
        turn: &Turn,
        debug_dir: &Path,
        cache: Option<&Sccache>,
    ) -> Result<()> {
        let cfg = turn.cfg;
        self.progress
            .step(&turn.label, &cfg.name, "clean debug build");
        remove_dir(debug_dir)?;
        let hits = cache.map(Sccache::hits).transpose()?;
        let (secs, b) = self.cargo(cfg, &turn.target, &[], &turn.log)?;
        b.prove_clean(&format!("{} clean debug build", cfg.name))?;
        if let (Some(c), Some(before)) = (cache, hits) {
            c.prove_hits(before)?;
        }
        self.put(turn.n, Measure::CleanDebug, &cfg.name, secs)
    }

    fn incremental(&mut self, turn: &Turn) -> Result<()> {
        let cfg = turn.cfg;
        self.progress
            .step(&turn.label, &cfg.name, "incremental rebuild");
        touch(&self.plan.touch)?;
        let (secs, b) = self.cargo(cfg, &turn.target, &[], &turn.log)?;
        b.prove_rebuilt(
            &format!("{} incremental rebuild", cfg.name),
            &self.plan.touched_manifest,
        )?;
        self.put(turn.n, Measure::Incremental, &cfg.name, secs)
    }

    /// A release build from nothing (the whole pipeline for a PGO configuration); its binaries,
    /// each with the name its samples go under.
    fn clean_release(&mut self, turn: &Turn) -> Result<Vec<(String, PathBuf)>> {
        let cfg = turn.cfg;
        self.progress
            .step(&turn.label, &cfg.name, "clean release build");
        remove_dir(&turn.target.join("release"))?;
        remove_dir(&turn.target.join("rust-tiers-pgo"))?;
        if cfg.release == Release::Pgo {
            return self.pgo_release(turn);
        }
        let (secs, b) = self.cargo(cfg, &turn.target, &["--release"], &turn.log)?;
        b.prove_clean(&format!("{} clean release build", cfg.name))?;
        self.put(turn.n, Measure::CleanRelease, &cfg.name, secs)?;
        let bin = b
            .executables
            .first()
            .context("the release build produced no executable")?
            .clone();
        Ok(vec![(cfg.name.clone(), bin)])
    }

    fn held_out_runs(&mut self, turn: &Turn, bins: &[(String, PathBuf)]) -> Result<()> {
        let plan = self.plan;
        if let Some((cmd, k)) = &plan.run {
            for (name, bin) in bins {
                for _ in 0..*k {
                    self.progress.step(&turn.label, name, "held-out run");
                    let secs = time_run(cmd, bin, &plan.dir)?;
                    self.put(turn.n, Measure::Runtime, name, secs)?;
                }
            }
        }
        Ok(())
    }

    /// Pairs of edit rebuilds: there, then back, so the file is as it was for the next step and
    /// every build sees a text its target dir did not build last.
    fn edits(&mut self, turn: &Turn, edit: &Edit) -> Result<()> {
        let cfg = turn.cfg;
        for there in (0..self.plan.edit_pairs).flat_map(|_| [true, false]) {
            self.progress.step(&turn.label, &cfg.name, "edit rebuild");
            edit.apply(there)?;
            let (secs, b) = self.cargo(cfg, &turn.target, &[], &turn.log)?;
            b.prove_rebuilt(&format!("{} edit rebuild", cfg.name), &edit.manifest)?;
            self.put(turn.n, Measure::Edit, &cfg.name, secs)?;
        }
        Ok(())
    }

    /// `tiercheck build --pgo`: the PGO-only binary as `<name>`, the BOLTed one as `<name>+bolt`.
    fn pgo_release(&mut self, turn: &Turn) -> Result<Vec<(String, PathBuf)>> {
        let (cfg, target, log, n) = (turn.cfg, &turn.target, &turn.log, turn.n);
        let tier = cfg
            .tier
            .as_deref()
            .context("a +pgo configuration needs a tier")?;
        let mut c = Command::new(&self.me);
        c.args(["build", "--tier", tier, "--format", "json"])
            .arg(&self.plan.dir);
        for t in &self.plan.training {
            c.arg("--pgo").arg(t);
        }
        c.env("CARGO_TARGET_DIR", target);
        let t = Instant::now();
        let out = crate::child::output(&mut c, "tiercheck build --pgo", None)?;
        let secs = t.elapsed().as_secs_f64();
        std::fs::write(log, &out.stderr)
            .with_context(|| format!("{}: cannot write", log.display()))?;
        if !out.status.success() {
            bail!(
                "{}: the PGO pipeline failed; see {}",
                cfg.name,
                log.display()
            );
        }
        self.put(n, Measure::CleanRelease, &cfg.name, secs)?;
        pgo_binaries(&cfg.name, &out.stdout)
    }

    fn put(&mut self, n: usize, m: Measure, config: &str, secs: f64) -> Result<()> {
        self.progress.done_one();
        let round = if n == 0 {
            "warm-up".into()
        } else {
            format!("round {n}")
        };
        self.log.line(format_args!(
            "{round:8} {config:24} {:14} {secs:8.3} s  load {}",
            m.id(),
            load_average().map_or("-".into(), |l| format!("{l:.2}"))
        ))?;
        let into = if n > 0 {
            &mut self.samples
        } else {
            &mut self.warmup
        };
        into.entry((m, config.to_string())).or_default().push(secs);
        Ok(())
    }

    /// Runs `cargo <command> <extra>` for `cfg` and returns the wall time and what cargo did.
    fn cargo(
        &self,
        cfg: &Config,
        target: &Path,
        extra: &[&str],
        log: &Path,
    ) -> Result<(f64, Build)> {
        cargo_in(&self.plan.dir, cfg, target, extra, log)
    }
}

/// What the bench reads of `tiercheck build --pgo`'s JSON report (the `pgo` facts are
/// `pgo::facts::PgoRun`, which bench, another command, does not import). Any part may be absent
/// or null, so a report without a path is told apart from output that is no JSON.
#[derive(Debug, Deserialize)]
struct PgoReport {
    facts: Option<PgoReportFacts>,
}

#[derive(Debug, Deserialize)]
struct PgoReportFacts {
    pgo: Option<PgoReportRun>,
}

#[derive(Debug, Default, Deserialize)]
struct PgoReportRun {
    binary: Option<PathBuf>,
    optimized_before_bolt: Option<PathBuf>,
    bolt: Option<bool>,
}

/// The binaries a `tiercheck build --pgo` report (`stdout`) names for configuration `name`:
/// the PGO-only one as `<name>`, the BOLTed one as `<name>+bolt` when BOLT ran.
fn pgo_binaries(name: &str, stdout: &[u8]) -> Result<Vec<(String, PathBuf)>> {
    let r: PgoReport =
        serde_json::from_slice(stdout).context("tiercheck build --pgo printed no JSON report")?;
    let run = r.facts.and_then(|f| f.pgo).unwrap_or_default();
    let path = |k: &str, p: Option<PathBuf>| {
        p.filter(|p| p.is_file())
            .with_context(|| format!("{name}: the PGO report names no {k} file"))
    };
    let mut bins = vec![(
        name.to_string(),
        path("optimized_before_bolt", run.optimized_before_bolt)?,
    )];
    if run.bolt == Some(true) {
        bins.push((format!("{name}+bolt"), path("binary", run.binary)?));
    }
    Ok(bins)
}

fn remove_dir(p: &Path) -> Result<()> {
    match std::fs::remove_dir_all(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", p.display()))
        }
        _ => Ok(()),
    }
}

fn time_run(cmd: &str, bin: &Path, dir: &Path) -> Result<f64> {
    let t = Instant::now();
    let mut c = crate::child::command("bash")?;
    c.arg("-c")
        .arg(cmd)
        .env("BIN", bin)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let status = crate::child::run(&mut c, "the --run command", None)?;
    let secs = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!("--run command failed ({status}) with {}", bin.display());
    }
    Ok(secs)
}

fn touch(path: &Path) -> Result<()> {
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("{}: cannot touch", path.display()))?;
    f.set_modified(std::time::SystemTime::now())
        .with_context(|| format!("{}: cannot touch", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pgo: serde_json::Value) -> Vec<u8> {
        let r = serde_json::json!({
            "schema": "tiercheck/1", "command": "build", "tier": "tier1", "subject": "/p",
            "facts": {"profile": "release", "pgo": pgo, "binaries": []},
            "findings": [], "summary": {"errors": 0, "warnings": 0, "infos": 0}
        });
        serde_json::to_vec(&r).unwrap()
    }

    #[test]
    fn a_pgo_report_names_its_binaries() {
        let d = tempfile::tempdir().unwrap();
        let (pgo, bolt) = (d.path().join("pgo"), d.path().join("bolt"));
        std::fs::write(&pgo, "").unwrap();
        std::fs::write(&bolt, "").unwrap();
        let r = report(serde_json::json!({
            "binary": bolt, "optimized_before_bolt": pgo, "bolt": true,
            "profdata": "/x/merged.profdata", "fdata": null, "training": [], "steps": []
        }));
        let want = vec![("t".to_string(), pgo.clone()), ("t+bolt".to_string(), bolt)];
        assert_eq!(pgo_binaries("t", &r).unwrap(), want);
        let r =
            report(serde_json::json!({"binary": pgo, "optimized_before_bolt": pgo, "bolt": false}));
        assert_eq!(pgo_binaries("t", &r).unwrap(), want[..1]);
    }

    #[test]
    fn a_pgo_report_without_its_files_says_which() {
        let err = |out: &[u8]| format!("{:#}", pgo_binaries("t", out).unwrap_err());
        assert!(err(b"error: x").starts_with("tiercheck build --pgo printed no JSON report"));
        let none = "t: the PGO report names no optimized_before_bolt file";
        assert_eq!(err(b"{}"), none);
        assert_eq!(err(br#"{"facts": null}"#), none);
        assert_eq!(
            err(&report(
                serde_json::json!({"optimized_before_bolt": "/nonexistent"})
            )),
            none
        );
        let d = tempfile::tempdir().unwrap();
        let pgo = d.path().join("pgo");
        std::fs::write(&pgo, "").unwrap();
        let r = report(serde_json::json!({"optimized_before_bolt": pgo, "bolt": true}));
        assert_eq!(err(&r), "t: the PGO report names no binary file");
    }
}
