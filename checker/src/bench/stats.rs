//! The one statistics module: samples to series (median, min–max, ratios to each baseline:
//! baseline median / median, so above 1 is faster, for build times and run times alike), and the
//! noise rule that decides whether one configuration is faster than another (`compare`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::runner::{Measure, Samples};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    pub measure: Measure,
    pub config: String,
    pub samples: Vec<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Against the first baseline.
    pub ratio: Option<f64>,
    /// Against every baseline.
    pub ratios: BTreeMap<String, f64>,
}

pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One series per (measure, configuration) in `order`, ratios against `baselines`.
pub fn series(samples: &Samples, order: &[String], baselines: &[String]) -> Vec<Series> {
    let mut out = vec![];
    for m in Measure::ALL {
        let med = |name: &String| {
            samples.get(&(m, name.clone())).map(|v| {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                median(&v)
            })
        };
        for name in order {
            let Some(v) = samples.get(&(m, name.clone())) else {
                continue;
            };
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            let median = median(&v);
            let ratios: BTreeMap<String, f64> = baselines
                .iter()
                .filter_map(|b| {
                    med(b)
                        .filter(|x| *x > 0.0 && median > 0.0)
                        .map(|x| (b.clone(), x / median))
                })
                .collect();
            out.push(Series {
                measure: m,
                config: name.clone(),
                min: v[0],
                max: v[v.len() - 1],
                median,
                ratio: baselines.first().and_then(|b| ratios.get(b).copied()),
                ratios,
                samples: v,
            });
        }
    }
    out
}

/// The noise rule's settings, stated once (SCHEMA.md and `tune`'s report quote them).
pub const ALPHA: f64 = 0.05;
/// Fewer samples than this on either side decide nothing.
pub const MIN_SAMPLES: usize = 3;
/// A significant gain smaller than this (default median / candidate median) is not worth a
/// setting: "no measurable difference".
pub const MIN_GAIN: f64 = 1.02;

/// How a candidate compares with a default on one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Faster beyond the noise, by at least `MIN_GAIN`.
    Faster,
    /// Slower beyond the noise.
    Slower,
    NoDifference,
    TooFewSamples,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::NoDifference => "no measurable difference",
            Verdict::TooFewSamples => "too few samples to tell",
        }
    }
}

/// A candidate's samples against a default's, by the noise rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Compared {
    pub verdict: Verdict,
    /// Default median / candidate median: above 1 is faster.
    pub ratio: f64,
    /// One-sided exact p-value of "the candidate is faster" (Mann–Whitney rank-sum).
    pub p_faster: f64,
    /// One-sided exact p-value of "the candidate is slower".
    pub p_slower: f64,
}

/// The noise rule. Timings on a shared machine are not normal (a build is slowed by a neighbour,
/// never sped up), and a few samples per side is what a time budget allows, so the test is
/// rank-based and exact: the one-sided Mann–Whitney rank-sum test. The candidate is `Faster` when
/// its samples rank below the default's with p <= `ALPHA` and its median is at least `MIN_GAIN`
/// faster; `Slower` when they rank above with p <= `ALPHA` (any size); otherwise no measurable
/// difference. One sample, however far off, moves one rank only, so it can neither make a tie
/// look like a gain nor, with six samples a side, undo a clear one.
pub fn compare(default: &[f64], candidate: &[f64]) -> Compared {
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (d, c) = (sorted(default), sorted(candidate));
    let ratio = match (median(&d), median(&c)) {
        (md, mc) if md > 0.0 && mc > 0.0 => md / mc,
        _ => 1.0,
    };
    if d.len() < MIN_SAMPLES || c.len() < MIN_SAMPLES {
        return Compared {
            verdict: Verdict::TooFewSamples,
            ratio,
            p_faster: 1.0,
            p_slower: 1.0,
        };
    }
    // u = pairs where the candidate took longer (a tie counts one half).
    let mut u2 = 0u64;
    for x in &c {
        for y in &d {
            u2 += match x.total_cmp(y) {
                std::cmp::Ordering::Greater => 2,
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Less => 0,
            };
        }
    }
    let nm = (c.len() * d.len()) as u64;
    // With ties, round against the claim being tested.
    let p_faster = rank_sum_cdf(c.len(), d.len(), u2.div_ceil(2));
    let p_slower = rank_sum_cdf(c.len(), d.len(), nm - u2 / 2);
    let verdict = if p_faster <= ALPHA && ratio >= MIN_GAIN {
        Verdict::Faster
    } else if p_slower <= ALPHA && ratio < 1.0 {
        Verdict::Slower
    } else {
        Verdict::NoDifference
    };
    Compared {
        verdict,
        ratio,
        p_faster,
        p_slower,
    }
}

/// P(U <= u) for the Mann–Whitney statistic of n against m samples with no real difference:
/// exact (counts of orderings) up to 40 a side, the normal approximation beyond.
fn rank_sum_cdf(n: usize, m: usize, u: u64) -> f64 {
    let nm = n * m;
    if u as usize >= nm {
        return 1.0;
    }
    if n > 40 || m > 40 {
        let mean = nm as f64 / 2.0;
        let sd = (nm as f64 * (n + m + 1) as f64 / 12.0).sqrt();
        return normal_cdf((u as f64 + 0.5 - mean) / sd);
    }
    // counts[j][k]: orderings of i values of one side and j of the other with U = k, built up
    // over i (the largest value belongs to the first side, adding j, or to the second).
    let mut prev: Vec<Vec<f64>> = (0..=m).map(|_| unit(nm)).collect();
    for _ in 1..=n {
        let mut cur: Vec<Vec<f64>> = vec![unit(nm)];
        for j in 1..=m {
            let row: Vec<f64> = (0..=nm)
                .map(|k| cur[j - 1][k] + if k >= j { prev[j][k - j] } else { 0.0 })
                .collect();
            cur.push(row);
        }
        prev = cur;
    }
    let counts = &prev[m];
    let total: f64 = counts.iter().sum();
    counts[..=u as usize].iter().sum::<f64>() / total
}

/// [1, 0, 0, ...]: the one ordering with U = 0.
fn unit(nm: usize) -> Vec<f64> {
    let mut v = vec![0.0; nm + 1];
    v[0] = 1.0;
    v
}

/// Φ(z) by the Abramowitz–Stegun erf approximation (error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_baseline_over_config() {
        let mut s = Samples::new();
        s.insert((Measure::Incremental, "stock".into()), vec![1.0, 3.0, 2.0]);
        s.insert(
            (Measure::Incremental, "tier1".into()),
            vec![1.0, 1.5, 0.5, 2.0],
        );
        let out = series(&s, &["stock".into(), "tier1".into()], &["stock".into()]);
        let t = &out[1];
        assert_eq!((t.median, t.min, t.max), (1.25, 0.5, 2.0));
        assert_eq!(t.ratio, Some(2.0 / 1.25));
        assert_eq!(out[0].ratio, Some(1.0));
    }

    const DEFAULT: [f64; 6] = [1.00, 1.03, 0.98, 1.01, 1.04, 0.99];

    #[test]
    fn exact_rank_sum_probabilities() {
        // 3 against 3: 20 orderings, one with U = 0.
        assert!((rank_sum_cdf(3, 3, 0) - 0.05).abs() < 1e-12);
        // 5 against 5: 252 orderings; U <= 4 in 12 of them, U <= 5 in 19.
        assert!((rank_sum_cdf(5, 5, 4) - 12.0 / 252.0).abs() < 1e-12);
        assert!((rank_sum_cdf(5, 5, 5) - 19.0 / 252.0).abs() < 1e-12);
        assert_eq!(rank_sum_cdf(4, 6, 24), 1.0);
        // Symmetric around nm/2, and the normal approximation agrees where both apply.
        let exact = rank_sum_cdf(40, 40, 700);
        let approx = {
            let sd = (1600.0f64 * 81.0 / 12.0).sqrt();
            normal_cdf((700.5 - 800.0) / sd)
        };
        assert!((exact - approx).abs() < 0.01, "{exact} {approx}");
    }

    #[test]
    fn a_clear_winner_is_faster() {
        let c = compare(&DEFAULT, &[0.80, 0.82, 0.79, 0.81, 0.83, 0.80]);
        assert_eq!(c.verdict, Verdict::Faster, "{c:?}");
        assert!(c.ratio > 1.2);
        let c = compare(&[0.80, 0.82, 0.79, 0.81, 0.83, 0.80], &DEFAULT);
        assert_eq!(c.verdict, Verdict::Slower, "{c:?}");
    }

    #[test]
    fn a_tie_is_no_difference() {
        let c = compare(&DEFAULT, &[1.02, 0.99, 1.00, 1.03, 0.98, 1.01]);
        assert_eq!(c.verdict, Verdict::NoDifference, "{c:?}");
    }

    #[test]
    fn one_noisy_sample_does_not_flip_a_decision() {
        // A tie with one lucky fast sample stays a tie.
        let c = compare(&DEFAULT, &[1.02, 0.99, 0.50, 1.03, 0.98, 1.01]);
        assert_eq!(c.verdict, Verdict::NoDifference, "{c:?}");
        // A tie with one slow spike (a neighbour's build) is not "slower".
        let c = compare(&DEFAULT, &[1.02, 0.99, 3.00, 1.03, 0.98, 1.01]);
        assert_eq!(c.verdict, Verdict::NoDifference, "{c:?}");
        // A clear winner with one slow spike stays the winner.
        let c = compare(&DEFAULT, &[0.80, 0.82, 2.50, 0.81, 0.83, 0.80]);
        assert_eq!(c.verdict, Verdict::Faster, "{c:?}");
        // A clear winner against a default with one lucky sample stays the winner.
        let d = [1.00, 1.03, 0.40, 1.01, 1.04, 0.99];
        assert_eq!(
            compare(&d, &[0.80, 0.82, 0.79, 0.81, 0.83, 0.80]).verdict,
            Verdict::Faster
        );
    }

    #[test]
    fn too_few_or_too_small_decides_nothing() {
        let c = compare(&[1.0, 1.1], &[0.5, 0.6]);
        assert_eq!(c.verdict, Verdict::TooFewSamples);
        // Every sample 1% faster, cleanly apart: real, but below MIN_GAIN.
        let d = [1.000, 1.001, 1.002, 1.001, 1.000, 1.002];
        let c = compare(&d, &d.map(|x| x / 1.01));
        assert!(c.p_faster <= ALPHA, "{c:?}");
        assert_eq!(c.verdict, Verdict::NoDifference, "{c:?}");
    }
}
