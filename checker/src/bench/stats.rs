//! Samples to series: median, min–max, and ratios to each baseline (baseline median / median,
//! so above 1 is faster, for build times and run times alike).

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
}
