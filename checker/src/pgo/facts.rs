//! What the PGO (+ BOLT) pipeline ran and produced, typed: the report's JSON facts are this
//! struct serialised, and the text lines are rendered from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::coverage::Coverage;
use super::progress::StepTime;
use crate::binary::{self, BinaryFacts};
use crate::report::Report;

#[derive(Debug, Serialize, Deserialize)]
pub struct PgoFacts {
    pub profile: String,
    pub profile_root: String,
    pub toolchain: Option<String>,
    pub techniques: Vec<String>,
    pub tools: BTreeMap<String, String>,
    pub pgo: PgoRun,
    /// The final binary, as `binary --pipeline` sees it.
    pub binaries: Vec<BinaryFacts>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PgoRun {
    /// The result: BOLT-optimized when BOLT ran, else PGO-optimized.
    pub binary: PathBuf,
    pub optimized_before_bolt: PathBuf,
    pub profdata: PathBuf,
    pub fdata: Option<PathBuf>,
    /// How much of the binary's crate the training ran.
    pub coverage: Option<Coverage>,
    pub bolt: bool,
    pub training: Vec<String>,
    pub timeout_seconds: Option<u64>,
    pub steps: Vec<StepTime>,
}

/// The text lines of the pipeline's report (`r` as `Report::for_text` gives it).
pub fn facts_text(r: &Report) -> String {
    let f = match PgoFacts::deserialize(&r.facts) {
        Ok(f) => f,
        Err(e) => return format!("(PGO facts unreadable: {e})\n"),
    };
    let p = &f.pgo;
    let mut s = format!(
        "PGO{} pipeline, {} profile, tier {}\n",
        if p.bolt { " + BOLT" } else { "" },
        f.profile,
        r.tier.as_deref().unwrap_or("")
    );
    for step in &p.steps {
        let _ = writeln!(s, "  {:22} {:>7.1} s", step.step, step.seconds);
    }
    let fdata = p.fdata.as_ref().map(|d| d.display().to_string());
    let _ = writeln!(
        s,
        "  profile data: {} {}",
        p.profdata.display(),
        fdata.unwrap_or_default()
    );
    if let Some(c) = &p.coverage {
        let _ = writeln!(
            s,
            "  training ran {} of {} functions of crate {} ({} functions in the profile)",
            c.executed, c.functions, c.krate, c.total_functions
        );
    }
    let _ = writeln!(s, "  result: {}", p.binary.display());
    s.push_str(&binary::facts::lines(&f.binaries));
    s
}
