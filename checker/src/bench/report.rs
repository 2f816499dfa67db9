//! The run as one document (JSON), rendered as Markdown: tables per measurement, each tier
//! against its peers, and which release variant to ship.

use std::fmt::Write as _;

use anyhow::{bail, Result};

use serde::{Deserialize, Serialize};

use super::presets::{Config, Debuggability, Release};
use super::runner::{Measure, RoundNote};
use super::stats::Series;

#[derive(Debug, Serialize, Deserialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: Option<String>,
    pub memory_gib: Option<f64>,
    pub os: Option<String>,
    pub rustc: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Document {
    pub schema: u32,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub date: String,
    pub project: String,
    pub machine: Machine,
    pub rounds: usize,
    pub baselines: Vec<String>,
    pub configs: Vec<Config>,
    pub series: Vec<Series>,
    pub comparisons: Vec<Comparison>,
    pub release_verdicts: Vec<ReleaseVerdict>,
    /// Load average at the start of each round (0 = warm-up): how noisy the machine was.
    pub noise: Vec<RoundNote>,
}

/// A tier against a peer preset of the same or more debuggability, or against the floor.
#[derive(Debug, Serialize, Deserialize)]
pub struct Comparison {
    pub measure: Measure,
    pub tier: String,
    pub peer: String,
    /// Peer median / tier median: at least 1 means the tier is as fast or faster.
    pub speedup: f64,
    pub kind: ComparisonKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComparisonKind {
    /// The peer keeps at least the tier's debuggability: the tier must not be slower.
    Peer,
    /// The peer keeps less (e.g. no debuginfo): shown, not a target.
    LessDebuggable,
    /// `cargo check`: how far the tier is from the limit.
    Floor,
}

/// Plain vs PGO vs PGO+BOLT runtime of one tier, and the variant worth shipping.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReleaseVerdict {
    pub tier: String,
    /// (configuration, median seconds, min, max), simplest first.
    pub variants: Vec<(String, f64, f64, f64)>,
    pub ship: String,
    pub why: String,
}

fn find<'a>(series: &'a [Series], m: Measure, name: &str) -> Option<&'a Series> {
    series.iter().find(|s| s.measure == m && s.config == name)
}

pub fn comparisons(configs: &[Config], series: &[Series]) -> Vec<Comparison> {
    let mut out = vec![];
    for m in [Measure::CleanDebug, Measure::Incremental, Measure::Edit] {
        for t in configs.iter().filter(|c| c.tier.is_some()) {
            let Some(ts) = find(series, m, &t.name) else {
                continue;
            };
            for p in configs.iter().filter(|c| c.tier.is_none()) {
                let Some(ps) = find(series, m, &p.name) else {
                    continue;
                };
                let kind = if p.debuggability == Debuggability::NoBinary {
                    ComparisonKind::Floor
                } else if p.debuggability >= t.debuggability {
                    ComparisonKind::Peer
                } else {
                    ComparisonKind::LessDebuggable
                };
                out.push(Comparison {
                    measure: m,
                    tier: t.name.clone(),
                    peer: p.name.clone(),
                    speedup: ps.median / ts.median,
                    kind,
                });
            }
        }
    }
    out
}

/// Ships the simplest variant unless a more involved one is faster with min–max ranges that
/// do not overlap (on a noisy machine anything less is not a measured gain).
pub fn release_verdicts(configs: &[Config], series: &[Series]) -> Vec<ReleaseVerdict> {
    let mut out = vec![];
    for c in configs.iter().filter(|c| c.release == Release::Pgo) {
        let tier = c.tier.clone().unwrap_or_default();
        let names = [tier.clone(), c.name.clone(), format!("{}+bolt", c.name)];
        let variants: Vec<(String, f64, f64, f64)> = names
            .iter()
            .filter_map(|n| {
                find(series, Measure::Runtime, n).map(|s| (n.clone(), s.median, s.min, s.max))
            })
            .collect();
        let Some(first) = variants.first() else {
            continue;
        };
        let mut best = first;
        for v in &variants[1..] {
            if v.3 < best.2 {
                best = v;
            }
        }
        let why = if best.0 == first.0 {
            format!(
                "no later step is faster beyond the min–max spread of {}",
                first.0
            )
        } else {
            format!(
                "{:.3}x the runtime of {} (median), ranges do not overlap",
                best.1 / first.1,
                first.0
            )
        };
        out.push(ReleaseVerdict {
            tier,
            ship: best.0.clone(),
            why,
            variants,
        });
    }
    out
}

/// What `--replot` needs of a document it did not write itself: something to compare against
/// and positive, finite times (a hand-edited `"baselines": []` panicked on indexing). Each
/// problem is one line.
pub fn check_document(doc: &Document) -> Result<()> {
    if doc.baselines.is_empty() {
        bail!("`baselines` is empty: nothing to compare the configurations against");
    }
    if doc.configs.is_empty() {
        bail!("`configs` is empty: no configuration to plot");
    }
    let time = |v: &f64| v.is_finite() && *v >= 0.0;
    let positive = |v: &f64| v.is_finite() && *v > 0.0;
    for s in &doc.series {
        let what = format!("series `{}` ({})", s.config, s.measure.id());
        if s.samples.is_empty() {
            bail!("{what} has no samples");
        }
        let times = s.samples.iter().chain([&s.median, &s.min, &s.max]);
        if let Some(v) = times.copied().find(|v| !time(v)) {
            bail!("{what} holds the time {v}");
        }
        if let Some(v) = s
            .ratio
            .iter()
            .chain(s.ratios.values())
            .find(|v| !positive(v))
        {
            bail!("{what} holds the ratio {v}");
        }
        if !(s.min <= s.median && s.median <= s.max) {
            bail!(
                "{what}: median {} is not between min {} and max {}",
                s.median,
                s.min,
                s.max
            );
        }
    }
    if let Some(c) = doc.comparisons.iter().find(|c| !positive(&c.speedup)) {
        bail!(
            "comparison of `{}` with `{}`: speed-up {} is not a positive number",
            c.tier,
            c.peer,
            c.speedup
        );
    }
    for v in &doc.release_verdicts {
        if let Some(x) = v
            .variants
            .iter()
            .find(|x| ![x.1, x.2, x.3].iter().all(time))
        {
            bail!(
                "release verdict of `{}`: variant `{}` holds a negative or missing time",
                v.tier,
                x.0
            );
        }
    }
    Ok(())
}

pub fn markdown(doc: &Document) -> String {
    let mut s = String::new();
    let m = &doc.machine;
    let _ = writeln!(
        s,
        "{} — {} UTC, {} round(s) after a warm-up, interleaved; {} CPU(s){}{}, {}.",
        doc.project,
        doc.date,
        doc.rounds,
        m.cpus,
        m.cpu_model
            .as_deref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default(),
        m.memory_gib
            .map(|g| format!(", {g:.0} GiB"))
            .unwrap_or_default(),
        m.rustc
    );
    let loads: Vec<String> = doc
        .noise
        .iter()
        .filter_map(|n| n.load_average_1min.map(|l| format!("{l:.1}")))
        .collect();
    if !loads.is_empty() {
        let _ = writeln!(
            s,
            "\nLoad average (1 min) at each round's start: {}.",
            loads.join(", ")
        );
    }
    tables(&mut s, doc);
    peers(&mut s, doc);
    verdicts(&mut s, doc);
    configs(&mut s, doc);
    s
}

fn label(doc: &Document, name: &str) -> String {
    match doc.configs.iter().find(|c| c.name == name) {
        Some(c) => format!("`{name}`: {}", c.label),
        None if name.ends_with("+bolt") => {
            format!("`{name}`: the same pipeline's BOLT-optimized binary")
        }
        None => format!("`{name}`"),
    }
}

fn tables(s: &mut String, doc: &Document) {
    for m in Measure::ALL {
        let rows: Vec<&Series> = doc.series.iter().filter(|x| x.measure == m).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "\n**{}** (speed-up = baseline median / configuration median; above 1 is faster)\n",
            m.title()
        );
        let heads: String = doc
            .baselines
            .iter()
            .map(|b| format!(" vs `{b}` |"))
            .collect();
        let _ = writeln!(s, "| configuration | median | min–max | samples |{heads}");
        let _ = writeln!(
            s,
            "|---|---:|---:|---:|{}",
            "---:|".repeat(doc.baselines.len())
        );
        for r in rows {
            let cols: String = doc
                .baselines
                .iter()
                .map(|b| {
                    format!(
                        " {} |",
                        r.ratios.get(b).map_or("–".into(), |x| format!("{x:.2}x"))
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "| {} | {:.2} s | {:.2}–{:.2} s | {} |{cols}",
                label(doc, &r.config),
                r.median,
                r.min,
                r.max,
                r.samples.len()
            );
        }
    }
}

fn peers(s: &mut String, doc: &Document) {
    if doc.comparisons.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n**Each tier against the presets** (peer median / tier median; a peer that keeps at least the tier's debuggability must not be faster)\n");
    let _ = writeln!(s, "| measurement | tier | peer | speed-up | verdict |");
    let _ = writeln!(s, "|---|---|---|---:|---|");
    for c in &doc.comparisons {
        let verdict = match c.kind {
            ComparisonKind::Floor => "the `cargo check` floor".to_string(),
            ComparisonKind::LessDebuggable => {
                "peer keeps less debuginfo (not a target)".to_string()
            }
            ComparisonKind::Peer if c.speedup >= 1.0 => "met: at least as fast".to_string(),
            ComparisonKind::Peer => {
                format!("NOT MET: {:.0}% slower", (1.0 / c.speedup - 1.0) * 100.0)
            }
        };
        let _ = writeln!(
            s,
            "| {} | `{}` | `{}` | {:.2}x | {verdict} |",
            c.measure.id(),
            c.tier,
            c.peer,
            c.speedup
        );
    }
}

fn verdicts(s: &mut String, doc: &Document) {
    for v in &doc.release_verdicts {
        let parts: Vec<String> = v
            .variants
            .iter()
            .map(|(n, med, lo, hi)| format!("`{n}` {med:.3} s ({lo:.3}–{hi:.3})"))
            .collect();
        let _ = writeln!(
            s,
            "\n**Release, {}:** {}. Ship `{}`: {}.",
            v.tier,
            parts.join(" · "),
            v.ship,
            v.why
        );
    }
}

fn configs(s: &mut String, doc: &Document) {
    let _ = writeln!(
        s,
        "\n<details><summary>What each configuration sets</summary>\n"
    );
    for c in &doc.configs {
        let mut set: Vec<String> = c.env.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
        set.extend(c.cargo_config.iter().map(|x| format!("`--config {x}`")));
        if c.command != "build" {
            set.push(format!("`cargo {}`", c.command));
        }
        let _ = writeln!(
            s,
            "- `{}` ({}; {}): {}",
            c.name,
            c.source,
            c.debuggability.text(),
            if set.is_empty() {
                "nothing".into()
            } else {
                set.join(" ")
            }
        );
    }
    let _ = writeln!(s, "\n</details>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cfg(name: &str, tier: Option<&str>, d: Debuggability, release: Release) -> Config {
        Config {
            name: name.into(),
            label: name.into(),
            source: String::new(),
            env: BTreeMap::new(),
            cargo_config: vec![],
            command: "build".into(),
            debuggability: d,
            release,
            tier: tier.map(String::from),
            sccache: false,
            reference: false,
        }
    }

    fn ser(m: Measure, name: &str, v: &[f64]) -> Series {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        Series {
            measure: m,
            config: name.into(),
            median: crate::bench::stats::median(&v),
            min: v[0],
            max: v[v.len() - 1],
            ratio: None,
            ratios: BTreeMap::new(),
            samples: v,
        }
    }

    #[test]
    fn a_later_release_step_ships_only_beyond_the_spread() {
        let cfgs = [cfg(
            "tier3+pgo",
            Some("tier3"),
            Debuggability::Full,
            Release::Pgo,
        )];
        let rt = Measure::Runtime;
        // PGO clearly faster than plain; BOLT overlaps PGO: ship PGO.
        let series = [
            ser(rt, "tier3", &[1.00, 1.02, 1.01]),
            ser(rt, "tier3+pgo", &[0.90, 0.91, 0.92]),
            ser(rt, "tier3+pgo+bolt", &[0.89, 0.91, 0.93]),
        ];
        let v = release_verdicts(&cfgs, &series);
        assert_eq!(v[0].ship, "tier3+pgo", "{v:?}");
        // Everything overlaps: ship plain.
        let series = [
            ser(rt, "tier3", &[1.0, 1.2]),
            ser(rt, "tier3+pgo", &[0.9, 1.1]),
        ];
        assert_eq!(release_verdicts(&cfgs, &series)[0].ship, "tier3");
    }

    #[test]
    fn tiers_are_held_to_peers_that_keep_as_much_debuginfo() {
        let cfgs = [
            cfg(
                "tier1",
                Some("tier1"),
                Debuggability::WorkspaceLines,
                Release::Plain,
            ),
            cfg("stock", None, Debuggability::Full, Release::Plain),
            cfg("cargo-wizard", None, Debuggability::None, Release::Plain),
            cfg("check", None, Debuggability::NoBinary, Release::None),
        ];
        let m = Measure::Incremental;
        let series = [
            ser(m, "tier1", &[1.0]),
            ser(m, "stock", &[1.2]),
            ser(m, "cargo-wizard", &[0.9]),
            ser(m, "check", &[0.5]),
        ];
        let kinds: Vec<(String, ComparisonKind)> = comparisons(&cfgs, &series)
            .into_iter()
            .map(|c| (c.peer, c.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("stock".to_string(), ComparisonKind::Peer),
                ("cargo-wizard".to_string(), ComparisonKind::LessDebuggable),
                ("check".to_string(), ComparisonKind::Floor),
            ]
        );
    }
}
