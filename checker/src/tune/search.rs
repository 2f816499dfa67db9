//! The search: a calibration run of the tier's defaults, then one decision at a time on top of
//! what was adopted so far (never every combination), then a confirmation run of the result
//! against the tier's defaults and stock. Every run is `bench`'s interleaved runner, so every
//! sample is proven and the edit is guarded by a recovery record.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::budget::{Costs, Shape};
use super::decisions::{Candidate, Decision};
use super::rule::{self, Measured};
use crate::bench::edit::Edit;
use crate::bench::presets::{self, Config};
use crate::bench::runner::{self, Measure, Plan};
use crate::safe_write::Root;
use crate::tiers::TierData;

/// How the edit rebuild changes the source: the user's `--edit`, or tune's own line.
pub enum EditSpec {
    Replace {
        file: PathBuf,
        from: String,
        to: String,
    },
    Append {
        file: PathBuf,
        text: String,
    },
}

impl EditSpec {
    pub fn make(&self, root: &Root) -> Result<Edit> {
        match self {
            EditSpec::Replace { file, from, to } => Edit::new(root, file.clone(), from, to),
            EditSpec::Append { file, text } => Edit::append(root, file.clone(), text),
        }
    }

    pub fn file(&self) -> &PathBuf {
        match self {
            EditSpec::Replace { file, .. } | EditSpec::Append { file, .. } => file,
        }
    }
}

pub struct Ctx<'a> {
    pub data: &'a TierData,
    pub tier: String,
    pub triple: String,
    pub dir: PathBuf,
    pub root: Root,
    pub edit: EditSpec,
    pub touch: PathBuf,
    pub touched_manifest: PathBuf,
    pub work: PathBuf,
    pub quiet: bool,
    pub deadline: Instant,
    /// Configurations with a target dir already (their first build is behind them).
    pub built: BTreeSet<String>,
    /// The 1-minute load average at the start of every round of every run.
    pub loads: Vec<f64>,
    /// Changes every configuration needs to build at all: LLVM for the packages Cranelift
    /// cannot compile (`package.NAME.codegen-backend=llvm`).
    pub fixes: Vec<String>,
}

impl Ctx<'_> {
    /// The configuration name of the tier with `changes`.
    pub fn name(&self, changes: &[String]) -> String {
        std::iter::once(self.tier.as_str())
            .chain(self.fixes.iter().map(String::as_str))
            .chain(changes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("+")
    }

    pub fn left(&self) -> f64 {
        self.deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    }

    fn fresh(&self, names: &[String]) -> usize {
        names.iter().filter(|n| !self.built.contains(*n)).count()
    }

    /// One interleaved run of `names`.
    pub fn run(
        &mut self,
        names: &[String],
        s: Shape,
        banner: &str,
    ) -> Result<(Vec<Config>, runner::Run)> {
        let cfgs = names
            .iter()
            .map(|n| presets::config(self.data, n, &self.triple))
            .collect::<Result<Vec<_>>>()?;
        let plan = Plan {
            dir: self.dir.clone(),
            work: self.work.clone(),
            touch: self.touch.clone(),
            touched_manifest: self.touched_manifest.clone(),
            clean_debug: s.clean,
            incremental_runs: 1,
            edit: Some(self.edit.make(&self.root)?),
            edit_pairs: 1,
            clean_release: false,
            release_for: None,
            run: None,
            training: vec![],
            rounds: s.rounds,
            banner: Some((format!("tune: {banner}"), self.deadline)),
        };
        let run = runner::run_all(&plan, &cfgs, self.quiet)?;
        self.built.extend(names.iter().cloned());
        self.loads
            .extend(run.notes.iter().filter_map(|n| n.load_average_1min));
        Ok((cfgs, run))
    }
}

/// With Cranelift for the dev profile, builds the tier's defaults once and, for every package
/// Cranelift cannot compile, falls back to LLVM for that package only (at most 8 rounds).
pub fn llvm_fallbacks(ctx: &mut Ctx) -> Result<()> {
    for _ in 0..8 {
        let name = ctx.name(&[]);
        let cfg = presets::config(ctx.data, &name, &ctx.triple)?;
        if cfg
            .env
            .get("CARGO_PROFILE_DEV_CODEGEN_BACKEND")
            .map(String::as_str)
            != Some("cranelift")
        {
            return Ok(());
        }
        let dir = crate::variant::dir_name(&name);
        std::fs::create_dir_all(&ctx.work)?;
        let log = ctx.work.join(format!("{dir}.fallback.log"));
        let Err(e) = crate::bench::proof::cargo_in(&ctx.dir, &cfg, &ctx.work.join(&dir), &[], &log)
        else {
            return Ok(());
        };
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let failed = failed_packages(&text);
        if failed.is_empty() {
            return Err(e);
        }
        for p in failed {
            let fix = format!("package.{p}.codegen-backend=llvm");
            if ctx.fixes.contains(&fix) {
                return Err(e.context(format!("{p} fails with LLVM as well")));
            }
            ctx.fixes.push(fix);
        }
    }
    anyhow::bail!("Cranelift: more than 8 rounds of packages it cannot compile")
}

/// The packages cargo names in `error: could not compile `NAME` ...`.
fn failed_packages(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error: could not compile `"))
        .filter_map(|l| l.split_once('`').map(|(n, _)| n.to_string()))
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What one step costs: the warm-up of the tier's defaults alone (its first build is a clean
/// build), so calibrating costs one clean build, a touch and an edit there and back.
pub fn calibrate(ctx: &mut Ctx) -> Result<Costs> {
    let name = ctx.name(&[]);
    let s = Shape {
        rounds: 0,
        clean: true,
    };
    let (_, run) = ctx.run(std::slice::from_ref(&name), s, "calibration")?;
    let med = |m: Measure| {
        run.warmup
            .get(&(m, name.clone()))
            .map_or(0.0, |v| rule::Summary::of(v).median)
    };
    Ok(Costs {
        clean: med(Measure::CleanDebug),
        touch: med(Measure::Incremental),
        edit: med(Measure::Edit),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A candidate won by the rule: it is part of the result.
    Adopted,
    /// Measured; no candidate won: the tier's default stays.
    Kept,
    /// Nothing measured (no candidate here, or no budget left).
    NotMeasured,
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidateResult {
    pub change: String,
    pub config: String,
    pub acceptable: bool,
    pub measures: Vec<Measured>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionResult {
    #[serde(flatten)]
    pub decision: Decision,
    pub outcome: Outcome,
    /// The change adopted, when one was.
    pub chosen: Option<String>,
    /// The configuration the candidates were measured against (the result so far).
    pub against: Option<String>,
    pub shape: Option<Shape>,
    pub results: Vec<CandidateResult>,
    pub why: String,
}

/// Each candidate (`names[1..]`) against the configuration it would replace (`names[0]`).
fn candidate_results(
    samples: &runner::Samples,
    candidates: &[Candidate],
    names: &[String],
) -> Vec<CandidateResult> {
    candidates
        .iter()
        .zip(&names[1..])
        .map(|(c, config)| {
            let measures = rule::measure_all(samples, &names[0], config);
            CandidateResult {
                change: c.change.clone(),
                config: config.clone(),
                acceptable: rule::acceptable(&measures),
                measures,
            }
        })
        .collect()
}

fn unmeasured(d: Decision, why: String) -> DecisionResult {
    DecisionResult {
        decision: d,
        outcome: Outcome::NotMeasured,
        chosen: None,
        against: None,
        shape: None,
        results: vec![],
        why,
    }
}

/// Every decision in turn, each on top of what was adopted before. `reserve`: seconds kept for
/// the confirmation run. `say` gets one line per decision as it is taken.
pub fn decide_all(
    ctx: &mut Ctx,
    decisions: Vec<Decision>,
    costs: &Costs,
    reserve: f64,
    say: &mut dyn FnMut(&DecisionResult),
) -> Result<(Vec<DecisionResult>, Vec<String>)> {
    let mut adopted: Vec<String> = vec![];
    let mut out = vec![];
    let total = decisions
        .iter()
        .filter(|d| !d.candidates.is_empty())
        .count();
    let mut done = 0;
    for d in decisions {
        let r = if d.candidates.is_empty() {
            let why = "nothing to measure on this machine".to_string();
            unmeasured(d, why)
        } else {
            done += 1;
            let left = (ctx.left() - reserve).max(0.0);
            let share = left / (total - done + 1) as f64;
            decide(ctx, d, &adopted, costs, share, left, done, total)?
        };
        if let Some(c) = &r.chosen {
            adopted.push(c.clone());
        }
        say(&r);
        out.push(r);
    }
    Ok((out, adopted))
}

#[allow(clippy::too_many_arguments)]
fn decide(
    ctx: &mut Ctx,
    d: Decision,
    adopted: &[String],
    costs: &Costs,
    share: f64,
    left: f64,
    n: usize,
    total: usize,
) -> Result<DecisionResult> {
    let against = ctx.name(adopted);
    let with = |c: &Candidate| {
        let mut v = adopted.to_vec();
        v.push(c.change.clone());
        ctx.name(&v)
    };
    let mut names = vec![against.clone()];
    names.extend(d.candidates.iter().map(with));
    let Some(shape) = costs.shape(names.len(), ctx.fresh(&names), share, left) else {
        let est = costs.estimate(
            Shape {
                rounds: super::budget::MIN_ROUNDS,
                clean: false,
            },
            names.len(),
            ctx.fresh(&names),
        );
        let why = format!("the budget ran out (it would take ~{est:.0} s, {left:.0} s are left)");
        return Ok(unmeasured(d, why));
    };
    let banner = format!("decision {n}/{total}, {}", d.title);
    let samples = ctx.run(&names, shape, &banner)?.1.samples;
    let results = candidate_results(&samples, &d.candidates, &names);
    let all: Vec<Vec<Measured>> = results.iter().map(|r| r.measures.clone()).collect();
    let chosen = rule::best(&all).map(|i| results[i].change.clone());
    let (outcome, why) = match &chosen {
        Some(c) => (
            Outcome::Adopted,
            format!("{c} is faster beyond the noise and slower nowhere"),
        ),
        None => (
            Outcome::Kept,
            results
                .iter()
                .map(|r| format!("{}: {}", r.change, rule::summary(&r.measures)))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    Ok(DecisionResult {
        decision: d,
        outcome,
        chosen,
        against: Some(against),
        shape: Some(shape),
        results,
        why,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn packages_cranelift_could_not_compile_are_read_from_cargo() {
        let log = "   Compiling ring v0.17.8\nerror: could not compile `ring` (lib) due to 2 previous errors\nwarning: build failed, waiting for other jobs to finish...\nerror: could not compile `ring` (lib)\nerror: could not compile `a b` (lib)\n";
        assert_eq!(super::failed_packages(log), ["ring"]);
        assert!(super::failed_packages("error[E0425]: cannot find value").is_empty());
    }
}
