//! `round 2/3, config tier1: clean debug build (~4 min left)` on a terminal; nothing otherwise.

use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Progress {
    show: bool,
    total: usize,
    done: usize,
    start: Instant,
    /// A prefix and a deadline: `tune: codegen units, round 1/3, ... (budget: ~4 min left)`.
    banner: Option<(String, Instant)>,
}

impl Progress {
    pub fn new(total: usize, quiet: bool) -> Progress {
        Progress {
            show: !quiet && std::io::stderr().is_terminal(),
            total,
            done: 0,
            start: Instant::now(),
            banner: None,
        }
    }

    pub fn with_banner(mut self, banner: Option<(String, Instant)>) -> Progress {
        self.banner = banner;
        self
    }

    /// Announces the next step.
    pub fn step(&mut self, round: &str, config: &str, what: &str) {
        if !self.show {
            return;
        }
        let left = match &self.banner {
            Some((_, deadline)) => budget_left(deadline.saturating_duration_since(Instant::now())),
            None => eta(self.start.elapsed().as_secs_f64(), self.done, self.total),
        };
        let prefix = self
            .banner
            .as_ref()
            .map_or(String::new(), |(p, _)| format!("{p}: "));
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{prefix}{round}, config {config}: {what}{left}");
        let _ = e.flush();
    }

    pub fn done_one(&mut self) {
        self.done += 1;
    }

    pub fn finish(&self) {
        if self.show {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// "" before anything is timed, else the time left at the mean pace so far.
fn eta(elapsed: f64, done: usize, total: usize) -> String {
    if done == 0 || done >= total {
        return String::new();
    }
    let left = elapsed / done as f64 * (total - done) as f64;
    if left < 90.0 {
        format!(" (~{left:.0} s left)")
    } else {
        format!(" (~{:.0} min left)", left / 60.0)
    }
}

/// The budget's time left, as tune shows it.
fn budget_left(left: std::time::Duration) -> String {
    let s = left.as_secs_f64();
    if s < 90.0 {
        format!(" (budget: ~{s:.0} s left)")
    } else {
        format!(" (budget: ~{:.0} min left)", s / 60.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn eta_extrapolates_the_mean_pace() {
        assert_eq!(super::eta(10.0, 0, 4), "");
        assert_eq!(super::eta(10.0, 1, 4), " (~30 s left)");
        assert_eq!(super::eta(600.0, 2, 4), " (~10 min left)");
        assert_eq!(super::eta(600.0, 4, 4), "");
    }
}
