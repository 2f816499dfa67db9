//! The context every project check runs in (`Ctx`: the project, the target and its cfg, the
//! toolchain's channel and version, the rustflags sources), and where a finding points
//! (`at_def`, `at_key`). Below the rules and the model pieces that take a context.

use crate::project::cfg::CfgSet;
use crate::project::config::Def;
use crate::project::load::{Project, TomlFile};
use crate::project::rustflags::{self, Source};
use crate::report::Finding;
use crate::tiers::{Channel, TierData};

pub struct Ctx<'a> {
    pub data: &'a TierData,
    pub p: &'a Project,
    /// The target checked, with its cfg set.
    pub target: CfgSet,
    /// The channel builds will use: the toolchain pin, else the active rustc.
    pub channel: Option<Channel>,
    pub rustc_version: Option<semver::Version>,
    pub sources: Vec<Source>,
    /// Variables the tier's environment sets (`build`): what they replace is intended.
    pub tier_vars: Vec<String>,
    /// The toolchain to ask rustc with (`probe`): `None` when it cannot be run.
    pub toolchain: Option<crate::toolchain::Rustc>,
}

impl Ctx<'_> {
    pub fn triple(&self) -> &str {
        &self.target.triple
    }
    /// The rustflags sources Cargo passes for this target (profile rustflags aside).
    pub fn effective(&self) -> Vec<&Source> {
        rustflags::effective(&self.sources)
    }
}

/// A finding located at a definition (file or `env:NAME`, with line and column when known).
pub fn at_def(f: Finding, def: &Def, key: &str) -> Finding {
    let f = f.located(def.location(), key);
    match def.pos() {
        Some((l, c)) => f.span(l, c),
        None => f,
    }
}

/// A finding at a key of a TOML file, with its position.
pub fn at_key(f: Finding, file: &TomlFile, keys: &[&str]) -> Finding {
    let f = f.at(&file.shown, keys.join("."));
    match file.pos(keys) {
        Some((l, c)) => f.span(l, c),
        None => f,
    }
}
