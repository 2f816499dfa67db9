//! tune's result as one document (JSON, SCHEMA.md "tune"), its text summary, and its chart.

use std::fmt::Write as _;

use serde::Serialize;

use super::budget::Costs;
use super::confirm::Confirmation;
use super::decisions::Scope;
use super::rule::Measured;
use super::search::{DecisionResult, Outcome};
use crate::bench::report::Machine;
use crate::bench::stats::Verdict;

#[derive(Debug, Serialize)]
pub struct Document {
    pub schema: u32,
    pub command: &'static str,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub date: String,
    pub project: String,
    pub tier: String,
    pub toolchain: Option<String>,
    pub machine: Machine,
    pub budget_seconds: f64,
    pub elapsed_seconds: f64,
    pub rule: String,
    /// What the edit rebuild changes.
    pub edit: String,
    pub calibration: Costs,
    /// The 1-minute load average at the start of every round: how busy the machine was.
    pub load_average_1min: Vec<f64>,
    pub decisions: Vec<DecisionResult>,
    pub confirmation: Confirmation,
    pub result: TuneResult,
}

#[derive(Debug, Default, Serialize)]
pub struct TuneResult {
    /// The configuration name of the result (the tier and every kept change).
    pub config: String,
    /// Confirmed changes that depend on this machine: kept in `stored`, applied by env/build.
    pub machine: Vec<String>,
    /// Confirmed changes that belong to the project: for its Cargo.toml, shared with the team.
    pub project: Vec<String>,
    pub stored: Option<String>,
    /// What happened to this machine's earlier tuned settings, when anything did.
    pub note: Option<String>,
}

fn secs(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2} s")
    } else {
        format!("{x:.1} s")
    }
}

fn minutes(x: f64) -> String {
    if x < 90.0 {
        format!("{x:.0} s")
    } else {
        format!("{:.1} min", x / 60.0)
    }
}

/// `edit 0.45 s (0.44–0.47) vs 0.50 s (0.49–0.52): 1.11x, faster`.
fn measured(m: &Measured) -> String {
    let (d, c) = (&m.default, &m.candidate);
    let verdict = if super::rule::vetoes(m) && m.compared.verdict != Verdict::Slower {
        format!(
            "likely slower (p = {:.2}): keeps the default",
            m.compared.p_slower
        )
    } else {
        m.compared.verdict.text().to_string()
    };
    format!(
        "{} {} ({}–{}) vs {} ({}–{}): {:.2}x, {}",
        m.measure.id(),
        secs(c.median),
        secs(c.min),
        secs(c.max),
        secs(d.median),
        secs(d.min),
        secs(d.max),
        m.compared.ratio,
        verdict
    )
}

/// One decision: its default, each candidate's measurements, the outcome, what was not measured.
pub fn decision_text(r: &DecisionResult) -> String {
    let d = &r.decision;
    let mut s = format!("{}: the tier's default is {}", d.title, d.default);
    if let Some(sh) = &r.shape {
        let _ = write!(
            s,
            " ({} rounds{})",
            sh.rounds,
            if sh.clean {
                ", clean builds"
            } else {
                "; no clean builds: the budget left no room"
            }
        );
    }
    s.push('\n');
    for c in &r.results {
        let ms: Vec<String> = c.measures.iter().map(measured).collect();
        let _ = writeln!(s, "  {:28} {}", c.change, ms.join("; "));
    }
    let verdict = match (&r.outcome, &r.chosen) {
        (Outcome::Adopted, Some(c)) => format!("adopted {c}"),
        (Outcome::Kept, _) => format!("kept the default ({})", d.default),
        _ => "not measured".to_string(),
    };
    let _ = writeln!(s, "  -> {verdict}: {}", r.why);
    for n in &d.not_measured {
        let _ = writeln!(s, "  not measured: {n}");
    }
    s
}

pub fn text(doc: &Document) -> String {
    let mut s = String::new();
    let m = &doc.machine;
    let _ = writeln!(
        s,
        "tune {} on {}: {} CPU(s), {}{}, {} UTC; budget {}, took {}",
        doc.tier,
        doc.project,
        m.cpus,
        m.rustc,
        doc.toolchain
            .as_deref()
            .map(|t| format!(" (toolchain {t})"))
            .unwrap_or_default(),
        doc.date,
        minutes(doc.budget_seconds),
        minutes(doc.elapsed_seconds)
    );
    let _ = writeln!(s, "edit rebuild: {}", doc.edit);
    load(&mut s, doc);
    let _ = writeln!(s, "rule: {}\n", doc.rule);
    for r in &doc.decisions {
        s.push_str(&decision_text(r));
    }
    confirmation(&mut s, doc);
    result(&mut s, doc);
    s
}

/// The load during the runs; above the core count other work shared the machine, and only
/// large differences can be told from the noise.
fn load(s: &mut String, doc: &Document) {
    let l = &doc.load_average_1min;
    let (Some(lo), Some(hi)) = (
        l.iter().copied().reduce(f64::min),
        l.iter().copied().reduce(f64::max),
    ) else {
        return;
    };
    let busy = if hi > doc.machine.cpus as f64 {
        ": busier than its cores, so only large differences stand out from the noise"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "load (1-min average) during the runs: {lo:.1}–{hi:.1} on {} CPU(s){busy}",
        doc.machine.cpus
    );
}

fn confirmation(s: &mut String, doc: &Document) {
    let c = &doc.confirmation;
    let Some(sh) = &c.shape else {
        let _ = writeln!(s, "\nconfirmation: not run: {}", c.why);
        return;
    };
    let _ = writeln!(
        s,
        "\nconfirmation ({} rounds{}{}):",
        sh.rounds,
        if sh.clean {
            ", clean builds"
        } else {
            "; no clean builds: the budget left no room"
        },
        if c.over_budget {
            ", over the budget"
        } else {
            ""
        }
    );
    for x in &c.series {
        let ratios: Vec<String> = x
            .ratios
            .iter()
            .filter(|(b, _)| **b != x.config)
            .map(|(b, r)| format!("{r:.2}x vs {b}"))
            .collect();
        let _ = writeln!(
            s,
            "  {:14} {:40} {} ({}–{}){}",
            x.measure.id(),
            x.config,
            secs(x.median),
            secs(x.min),
            secs(x.max),
            if ratios.is_empty() {
                String::new()
            } else {
                format!(": {}", ratios.join(", "))
            }
        );
    }
    for m in &c.against_defaults {
        let _ = writeln!(s, "  tuned against the defaults: {}", measured(m));
    }
    let _ = writeln!(s, "  -> {}", c.why);
}

fn result(s: &mut String, doc: &Document) {
    let r = &doc.result;
    let _ = writeln!(s, "\nresult: {}", r.config);
    if !r.machine.is_empty() {
        let _ = writeln!(
            s,
            "  this machine's choices ({}): kept in {}, applied by `tiercheck env` and `tiercheck build`",
            r.machine.join(", "),
            r.stored.as_deref().unwrap_or("nowhere (--dry-run)")
        );
    }
    if !r.project.is_empty() {
        let _ = writeln!(
            s,
            "  the project's choices ({}): for Cargo.toml, shared with the whole team; `tiercheck init --tier {} --tuned` writes them (diff first):",
            r.project.join(", "),
            doc.tier
        );
        for p in &r.project {
            let _ = writeln!(s, "    {}", cargo_toml_line(p));
        }
    }
    if let Some(n) = &r.note {
        let _ = writeln!(s, "  {n}");
    }
    let unmeasured: Vec<&str> = doc
        .decisions
        .iter()
        .filter(|d| d.outcome == Outcome::NotMeasured)
        .map(|d| d.decision.title)
        .collect();
    if !unmeasured.is_empty() {
        let _ = writeln!(s, "  not measured here: {}", unmeasured.join(", "));
    }
}

/// A project change as Cargo.toml spells it.
fn cargo_toml_line(change: &str) -> String {
    match change.split_once('=') {
        Some(("split-debuginfo", v)) => format!("[profile.dev] split-debuginfo = \"{v}\""),
        Some(("deps.debug", v)) => format!("[profile.dev.package.\"*\"] debug = \"{v}\""),
        Some((k, v)) if k.starts_with("package.") && k.ends_with(".codegen-backend") => {
            let name = &k["package.".len()..k.len() - ".codegen-backend".len()];
            format!("[profile.dev.package.{name}] codegen-backend = \"{v}\" (Cranelift cannot compile it)")
        }
        _ => change.to_string(),
    }
}

/// The adopted changes split by where they may live.
pub fn split_by_scope(results: &[DecisionResult], kept: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut machine, mut project) = (vec![], vec![]);
    for r in results {
        if let Some(c) = r.chosen.as_ref().filter(|c| kept.contains(c)) {
            match r.decision.scope {
                Scope::Machine => machine.push(c.clone()),
                Scope::Project => project.push(c.clone()),
            }
        }
    }
    (machine, project)
}

/// One line per confirmation measurement of the tuned configuration, for the stored record.
pub fn evidence(c: &Confirmation) -> Vec<String> {
    c.against_defaults
        .iter()
        .filter(|m| m.compared.verdict != Verdict::TooFewSamples)
        .map(measured)
        .collect()
}
