//! The decision rule over measurements: a change is adopted when, by the noise rule
//! (`bench::stats::compare`), it is faster on at least one measurement and slower on none;
//! among several such changes the one with the largest gain wins.

use serde::{Deserialize, Serialize};

use crate::bench::runner::{Measure, Samples};
use crate::bench::stats::{compare, median, Compared, Verdict, ALPHA, MIN_GAIN, MIN_SAMPLES};

/// The rule in words, for the report.
pub fn text() -> String {
    format!(
        "a change is adopted when it is faster on at least one measurement and not slower on any; faster = a one-sided exact Mann–Whitney rank-sum test puts its samples below the default's at p <= {ALPHA} and its median is at least {gain:.0}% faster; slower (which keeps the default) = the same test the other way at p <= {ALPHA}, or a median at least {gain:.0}% slower at p <= {VETO_ALPHA}; at least {MIN_SAMPLES} samples a side; the combined result must pass the same rule against the tier's defaults in a fresh confirmation run, else nothing is kept",
        gain = (MIN_GAIN - 1.0) * 100.0
    )
}

/// The measurements tune takes, the dev loop first.
pub const MEASURES: [Measure; 3] = [Measure::Edit, Measure::Incremental, Measure::CleanDebug];

/// A configuration's samples of one measurement (seconds, sorted) and their median and range.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: Vec<f64>,
}

impl Summary {
    pub fn of(v: &[f64]) -> Summary {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        Summary {
            median: median(&v),
            min: v.first().copied().unwrap_or(0.0),
            max: v.last().copied().unwrap_or(0.0),
            samples: v,
        }
    }
}

/// One measurement of a candidate against the default it would replace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    pub measure: Measure,
    pub default: Summary,
    pub candidate: Summary,
    #[serde(flatten)]
    pub compared: Compared,
}

/// Every measurement both configurations have samples of.
pub fn measure_all(samples: &Samples, default: &str, candidate: &str) -> Vec<Measured> {
    let mut out = vec![];
    for m in MEASURES {
        let (Some(d), Some(c)) = (
            samples.get(&(m, default.to_string())),
            samples.get(&(m, candidate.to_string())),
        ) else {
            continue;
        };
        out.push(Measured {
            measure: m,
            default: Summary::of(d),
            candidate: Summary::of(c),
            compared: compare(d, c),
        });
    }
    out
}

/// Evidence enough to keep the default, weaker than what adopting a change takes: a measurement
/// that is slower by the rule, or whose median is at least `MIN_GAIN` slower with p <= this. With
/// three samples a side the exact test cannot go below p = 0.05 even for a clear loss, so a veto
/// at 0.05 would let a slower touch rebuild through.
pub const VETO_ALPHA: f64 = 0.2;

/// Whether this measurement keeps the default, whatever the others say.
pub fn vetoes(m: &Measured) -> bool {
    let c = &m.compared;
    c.verdict == Verdict::Slower || (c.ratio * MIN_GAIN <= 1.0 && c.p_slower <= VETO_ALPHA)
}

pub fn acceptable(ms: &[Measured]) -> bool {
    ms.iter().any(|m| m.compared.verdict == Verdict::Faster) && !ms.iter().any(vetoes)
}

/// A candidate's measurements in a few words: `slower on edit`, `faster on edit, slower on
/// clean-debug`, `no measurable difference`.
pub fn summary(ms: &[Measured]) -> String {
    let on = |v: Verdict| {
        let ids: Vec<&str> = ms
            .iter()
            .filter(|m| m.compared.verdict == v)
            .map(|m| m.measure.id())
            .collect();
        (!ids.is_empty()).then(|| format!("{} on {}", v.text(), ids.join(", ")))
    };
    let mut parts: Vec<String> = [Verdict::Faster, Verdict::Slower]
        .into_iter()
        .filter_map(on)
        .collect();
    let likely: Vec<&str> = ms
        .iter()
        .filter(|m| vetoes(m) && m.compared.verdict != Verdict::Slower)
        .map(|m| m.measure.id())
        .collect();
    if !likely.is_empty() {
        parts.push(format!(
            "likely slower on {} (p <= {VETO_ALPHA})",
            likely.join(", ")
        ));
    }
    if !parts.is_empty() {
        parts.join(", ")
    } else if ms
        .iter()
        .all(|m| m.compared.verdict == Verdict::TooFewSamples)
    {
        Verdict::TooFewSamples.text().into()
    } else {
        Verdict::NoDifference.text().into()
    }
}

/// The acceptable candidate with the largest mean gain (log of the median ratios), if any.
pub fn best(cands: &[Vec<Measured>]) -> Option<usize> {
    let gain = |ms: &Vec<Measured>| {
        ms.iter().map(|m| m.compared.ratio.ln()).sum::<f64>() / ms.len().max(1) as f64
    };
    cands
        .iter()
        .enumerate()
        .filter(|(_, ms)| acceptable(ms))
        .max_by(|a, b| gain(a.1).total_cmp(&gain(b.1)))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(pairs: &[(Measure, &str, &[f64])]) -> Samples {
        pairs
            .iter()
            .map(|(m, n, v)| ((*m, n.to_string()), v.to_vec()))
            .collect()
    }

    const D: &[f64] = &[1.00, 1.03, 0.98, 1.01, 1.04, 0.99];
    const FAST: &[f64] = &[0.80, 0.82, 0.79, 0.81, 0.83, 0.80];
    const FASTER: &[f64] = &[0.70, 0.72, 0.69, 0.71, 0.73, 0.70];
    const TIE: &[f64] = &[1.02, 0.99, 1.00, 1.03, 0.98, 1.01];
    const SLOW: &[f64] = &[1.20, 1.22, 1.19, 1.21, 1.23, 1.20];

    #[test]
    fn faster_somewhere_and_slower_nowhere() {
        let s = samples(&[
            (Measure::Edit, "d", D),
            (Measure::Edit, "c", FAST),
            (Measure::Incremental, "d", D),
            (Measure::Incremental, "c", TIE),
        ]);
        let ms = measure_all(&s, "d", "c");
        assert_eq!(ms.len(), 2);
        assert!(acceptable(&ms));
        let s = samples(&[
            (Measure::Edit, "d", D),
            (Measure::Edit, "c", FAST),
            (Measure::CleanDebug, "d", D),
            (Measure::CleanDebug, "c", SLOW),
        ]);
        assert!(
            !acceptable(&measure_all(&s, "d", "c")),
            "a slower clean build vetoes"
        );
        let s = samples(&[(Measure::Edit, "d", D), (Measure::Edit, "c", TIE)]);
        assert!(
            !acceptable(&measure_all(&s, "d", "c")),
            "a tie keeps the default"
        );
        // Three touches a side, 20% slower but one overlapping: p = 0.1, not "slower" by the
        // test, yet enough to keep the default.
        let s = samples(&[
            (Measure::Edit, "d", D),
            (Measure::Edit, "c", FAST),
            (Measure::Incremental, "d", &[0.19, 0.20, 0.24]),
            (Measure::Incremental, "c", &[0.24, 0.25, 0.34]),
        ]);
        let ms = measure_all(&s, "d", "c");
        assert_eq!(ms[1].compared.verdict, Verdict::NoDifference);
        assert!(!acceptable(&ms));
        assert!(
            summary(&ms).contains("likely slower on incremental"),
            "{}",
            summary(&ms)
        );
    }

    #[test]
    fn the_larger_acceptable_gain_wins() {
        let s = samples(&[
            (Measure::Edit, "d", D),
            (Measure::Edit, "a", FAST),
            (Measure::Edit, "b", FASTER),
            (Measure::Edit, "t", TIE),
        ]);
        let c = ["t", "a", "b"].map(|n| measure_all(&s, "d", n));
        assert_eq!(best(&c), Some(2));
        assert_eq!(best(&c[..1]), None);
    }
}
