//! The time budget: what one round of one configuration costs (from the calibration run), and
//! how many rounds (and whether clean builds) a decision can afford.

use serde::Serialize;

/// Seconds per step, medians of the calibration run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Costs {
    pub clean: f64,
    pub touch: f64,
    pub edit: f64,
}

/// How a run is shaped: measured rounds (after a warm-up) and whether each takes a clean build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    pub rounds: usize,
    pub clean: bool,
}

/// Fewer rounds leave fewer than three samples of a touch: the noise rule would decide nothing.
pub const MIN_ROUNDS: usize = 3;
pub const MAX_ROUNDS: usize = 5;

impl Costs {
    /// One configuration's round: a touch, an edit there and back, and maybe a clean build.
    fn round(&self, clean: bool) -> f64 {
        self.touch + 2.0 * self.edit + if clean { self.clean } else { 0.0 }
    }

    /// A run of `configs` configurations, `fresh` of them without a target dir yet (their first
    /// build is extra when the rounds take no clean build).
    pub fn estimate(&self, s: Shape, configs: usize, fresh: usize) -> f64 {
        let first = if s.clean {
            0.0
        } else {
            fresh as f64 * self.clean
        };
        (s.rounds + 1) as f64 * configs as f64 * self.round(s.clean) + first
    }

    /// The richest shape that fits `share` (clean builds first, then more rounds); else the
    /// minimum without clean builds if it fits `left`; else nothing.
    pub fn shape(&self, configs: usize, fresh: usize, share: f64, left: f64) -> Option<Shape> {
        for clean in [true, false] {
            let fits = (MIN_ROUNDS..=MAX_ROUNDS)
                .rev()
                .map(|rounds| Shape { rounds, clean })
                .find(|s| self.estimate(*s, configs, fresh) <= share);
            if fits.is_some() {
                return fits;
            }
        }
        let min = Shape {
            rounds: MIN_ROUNDS,
            clean: false,
        };
        (self.estimate(min, configs, fresh) <= left).then_some(min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ripgrep-sized on 2 cores: 20 s clean, 0.5 s touch, 0.9 s edit.
    const RG: Costs = Costs {
        clean: 20.0,
        touch: 0.5,
        edit: 0.9,
    };

    #[test]
    fn a_share_buys_clean_builds_only_when_they_fit() {
        // Three configurations, two new: with clean builds 4 x 3 x 22.3 s = 268 s.
        assert_eq!(
            RG.shape(3, 2, 300.0, 600.0),
            Some(Shape {
                rounds: 3,
                clean: true
            })
        );
        // 100 s: no clean builds, as many rounds as fit (6 x 3 x 2.3 + 40 = 81 s).
        assert_eq!(
            RG.shape(3, 2, 100.0, 600.0),
            Some(Shape {
                rounds: 5,
                clean: false
            })
        );
        // Over the share but within what is left: the minimum.
        assert_eq!(
            RG.shape(3, 2, 10.0, 100.0),
            Some(Shape {
                rounds: 3,
                clean: false
            })
        );
        assert_eq!(RG.shape(3, 2, 10.0, 30.0), None);
    }
}
