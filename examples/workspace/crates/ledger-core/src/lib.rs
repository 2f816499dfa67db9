//! Ledger entries (serde derive: the proc-macro dependency) and per-account summaries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Credit,
    Debit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: u64,
    pub account: String,
    pub cents: i64,
    pub kind: Kind,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub entries: u64,
    pub balance_cents: i64,
    pub largest_debit_cents: i64,
}

/// Parses one entry per line (JSON Lines); the error names the line.
pub fn parse_lines(text: &str) -> Result<Vec<Entry>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

pub fn summarize(entries: &[Entry]) -> BTreeMap<String, Summary> {
    let mut out: BTreeMap<String, Summary> = BTreeMap::new();
    for e in entries {
        let s = out.entry(e.account.clone()).or_default();
        s.entries += 1;
        match e.kind {
            Kind::Credit => s.balance_cents += e.cents,
            Kind::Debit => {
                s.balance_cents -= e.cents;
                s.largest_debit_cents = s.largest_debit_cents.max(e.cents);
            }
        }
    }
    out
}

/// Deterministic sample data (a linear congruential generator, no dependency).
pub fn sample(n: u64) -> Vec<Entry> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|id| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let r = state >> 33;
            Entry {
                id,
                account: format!("acct-{}", r % 7),
                cents: (r % 100_000) as i64,
                kind: if r % 3 == 0 { Kind::Debit } else { Kind::Credit },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_summary() {
        let entries = sample(50);
        let text: String = entries.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect();
        assert_eq!(parse_lines(&text).unwrap(), entries);
        let total: u64 = summarize(&entries).values().map(|s| s.entries).sum();
        assert_eq!(total, 50);
    }

    #[test]
    fn bad_line_is_named() {
        assert!(parse_lines("{}\n").unwrap_err().starts_with("line 1:"));
    }
}
