//! What `build` ran and found, typed: the report's JSON facts are this struct serialised, and
//! the text lines are rendered from it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::binary::{self, BinaryFacts};
use crate::report::Report;
use crate::resolve::LeftOut;

#[derive(Debug, Serialize, Deserialize)]
pub struct BuildFacts {
    pub profile: String,
    /// The rustup toolchain the tier ran (`RUSTUP_TOOLCHAIN`), when rustup manages rustc.
    pub toolchain: Option<String>,
    pub techniques: Vec<String>,
    pub cargo_ok: bool,
    /// `project`'s facts for the project as Cargo saw it under the tier.
    pub project: serde_json::Value,
    /// What the build did; absent when Cargo refused the project before it built anything.
    #[serde(flatten)]
    pub built: Option<Built>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Built {
    /// The built-in profile (`dev`/`release`) the profile inherits from.
    pub profile_root: String,
    pub left_out: Vec<LeftOut>,
    pub tools: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
    /// What the machine's tuned settings changed, when they were applied.
    pub tuned: Option<String>,
    pub executables: Vec<PathBuf>,
    pub binaries: Vec<BinaryFacts>,
}

/// `build tier1 (dev profile, toolchain stable) of DIR: techniques`: the report's first line,
/// and what `build` says on stderr before cargo runs.
pub fn header(
    tier: &str,
    profile: &str,
    toolchain: Option<&str>,
    dir: &str,
    techniques: &[String],
) -> String {
    format!(
        "build {tier} ({profile} profile{}) of {dir}: {}",
        toolchain
            .map(|t| format!(", toolchain {t}"))
            .unwrap_or_default(),
        techniques.join(", ")
    )
}

/// The text lines of `build`'s report (`r` as `Report::for_text` gives it).
pub fn facts_text(r: &Report) -> String {
    let f = match BuildFacts::deserialize(&r.facts) {
        Ok(f) => f,
        Err(e) => return format!("(build facts unreadable: {e})\n"),
    };
    let tier = r.tier.as_deref().unwrap_or("");
    let mut s = header(
        tier,
        &f.profile,
        f.toolchain.as_deref(),
        &r.subject,
        &f.techniques,
    );
    s.push('\n');
    if let Some(b) = &f.built {
        s.push_str(&binary::facts::lines(&b.binaries));
    }
    s
}
