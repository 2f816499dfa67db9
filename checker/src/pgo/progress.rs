//! Step counters for the pipeline (`[3/8] PGO-optimized build, about 1m 10s left`) on a
//! terminal; nothing when stderr is not a terminal or with --quiet. The estimate comes from the
//! previous run's step times (`timings.json` in the work dir), else from the steps done so far
//! (the optimized build takes about as long as the instrumented one).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepTime {
    pub step: String,
    pub seconds: f64,
}

pub struct Progress {
    steps: Vec<&'static str>,
    shown: bool,
    previous: BTreeMap<String, f64>,
    done: RefCell<Vec<StepTime>>,
}

/// Steps expected to take about as long as another one when there is no history.
const LIKE: &[(&str, &str)] = &[
    ("PGO-optimized build", "instrumented build"),
    ("BOLT training", "PGO training"),
];

impl Progress {
    pub fn new(steps: Vec<&'static str>, quiet: bool, timings: &Path) -> Progress {
        let previous = std::fs::read_to_string(timings)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Progress {
            steps,
            shown: !quiet && std::io::stderr().is_terminal(),
            previous,
            done: RefCell::new(vec![]),
        }
    }

    /// Seconds the steps from `from` on will probably take; `None` when any is unknown.
    pub fn estimate_left(&self, from: usize) -> Option<f64> {
        let done = self.done.borrow();
        let this_run: BTreeMap<&str, f64> =
            done.iter().map(|s| (s.step.as_str(), s.seconds)).collect();
        self.steps.get(from..)?.iter().try_fold(0.0, |sum, step| {
            let guess = self.previous.get(*step).copied().or_else(|| {
                LIKE.iter()
                    .find(|(s, _)| s == step)
                    .and_then(|(_, like)| this_run.get(like).copied())
            });
            guess.map(|g| sum + g)
        })
    }

    fn announce(&self, index: usize) {
        if !self.shown {
            return;
        }
        let left = self
            .estimate_left(index)
            .map(|s| {
                let d = Duration::from_secs(s.round() as u64);
                format!(", about {} left", humantime::format_duration(d))
            })
            .unwrap_or_default();
        eprintln!(
            "[{}/{}] {}{left}",
            index + 1,
            self.steps.len(),
            self.steps[index]
        );
    }

    /// Runs one step, counting and timing it.
    pub fn step<T>(
        &self,
        name: &'static str,
        f: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let index = self.steps.iter().position(|s| *s == name).unwrap_or(0);
        self.announce(index);
        let start = Instant::now();
        let out = f()?;
        self.done.borrow_mut().push(StepTime {
            step: name.to_string(),
            seconds: (start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        });
        Ok(out)
    }

    /// The steps done so far, with their times.
    pub fn done(&self) -> Vec<StepTime> {
        self.done.borrow().clone()
    }

    /// This run's step times, for the next run's estimate.
    pub fn timings_json(&self) -> String {
        let done = self.done.borrow();
        let map: BTreeMap<&str, f64> = done.iter().map(|s| (s.step.as_str(), s.seconds)).collect();
        serde_json::to_string_pretty(&map).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_from_history_then_from_like_steps() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("timings.json");
        let steps = vec!["instrumented build", "PGO training", "PGO-optimized build"];
        let p = Progress::new(steps.clone(), true, &t);
        assert_eq!(p.estimate_left(0), None);
        p.step("instrumented build", || Ok(())).unwrap();
        p.done.borrow_mut()[0].seconds = 40.0;
        assert_eq!(p.estimate_left(2), Some(40.0));
        assert_eq!(p.estimate_left(1), None, "training has no history yet");
        std::fs::write(
            &t,
            r#"{"instrumented build": 30, "PGO training": 5, "PGO-optimized build": 28}"#,
        )
        .unwrap();
        let p = Progress::new(steps, true, &t);
        assert_eq!(p.estimate_left(0), Some(63.0));
        assert_eq!(p.estimate_left(1), Some(33.0));
    }
}
