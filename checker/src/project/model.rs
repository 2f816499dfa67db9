//! What Cargo will hand rustc for one target, as tiercheck reads the project: the rustflags in
//! force, the linker and which linker ends up linking, and the profiles after the merge. The
//! differential tests compare exactly these facts with `cargo build -v`.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::project::command_line;
use crate::project::ctx::Ctx;
use crate::project::linker::{self, LinkerKind, Outcome};

/// Which linker links, or that the settings make the link (or Cargo) fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinksWith {
    Links(LinkerKind),
    Fails,
}

impl LinksWith {
    /// The `links_with` value of the JSON report.
    pub fn id(&self) -> &'static str {
        match self {
            LinksWith::Links(k) => k.id(),
            LinksWith::Fails => "fails",
        }
    }
}

impl From<&Outcome> for LinksWith {
    fn from(o: &Outcome) -> Self {
        match o {
            Outcome::Links(k) => LinksWith::Links(k.clone()),
            Outcome::Fails(_) => LinksWith::Fails,
        }
    }
}

impl Serialize for LinksWith {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[derive(Debug, Serialize)]
pub struct CargoView {
    pub target: String,
    /// The rustflags Cargo appends to every rustc call for this target, in order.
    pub rustflags: Vec<String>,
    /// Where they come from (`RUSTFLAGS`, `build.rustflags`, `target.<key>.rustflags`, ...).
    pub rustflags_from: Vec<String>,
    /// The linker program named by config or `-C linker` (None: the target's default).
    pub linker: Option<String>,
    /// Which linker links: "rust-lld", "mold", "wild", "lld" (a system LLD), "gold", "system"
    /// (the cc driver's default, GNU ld on Linux), "default" where it is not modelled, or
    /// "fails" when the settings make the link (or Cargo) fail (`linker::resolve`).
    pub links_with: LinksWith,
    /// Each profile the files define, key -> value after the merge (variables included).
    pub profiles: Value,
    /// Per profile (dev, release and each one the files define): the value rustc ends up with
    /// for each `-C` option a profile sets (`command_line::OPTIONS`), from Cargo's profile
    /// flags and the rustflags after them, last one winning; `null` for a bare `-C lto`.
    pub codegen: BTreeMap<String, BTreeMap<String, Option<String>>>,
}

/// `codegen` of the view: the profiles Cargo knows in this project, each as rustc gets it.
fn codegen(ctx: &Ctx) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
    let eff = ctx.effective();
    let mut names: Vec<String> = vec!["dev".into(), "release".into()];
    names.extend(ctx.p.profiles().map(|(n, _)| n.clone()));
    names.sort();
    names.dedup();
    let mut out = BTreeMap::new();
    for name in names {
        let Some(args) = command_line::args(ctx.p, &name, &ctx.sources, &eff) else {
            continue;
        };
        let last = command_line::last_wins(args)
            .into_iter()
            .map(|(k, a)| (k, a.value))
            .collect();
        out.insert(name, last);
    }
    out
}

pub fn view(ctx: &Ctx) -> CargoView {
    let eff = ctx.effective();
    let rustflags: Vec<String> = eff.iter().flat_map(|s| s.tokens.clone()).collect();
    let resolved = linker::of(ctx);
    let mut profiles = serde_json::Map::new();
    for (name, keys) in ctx.p.profiles() {
        let mut m = serde_json::Map::new();
        for key in keys.keys() {
            if let Some(e) = ctx.p.profile_effective(name, key) {
                // A TOML value always has a JSON form (a datetime as its string).
                let value = serde_json::to_value(&e.value).unwrap_or(Value::Null);
                m.insert(key.clone(), value);
            }
        }
        profiles.insert(name.clone(), Value::Object(m));
    }
    CargoView {
        target: ctx.triple().to_string(),
        rustflags_from: eff.iter().map(|s| s.key.clone()).collect(),
        links_with: LinksWith::from(&resolved.outcome),
        linker: resolved.program,
        rustflags,
        profiles: Value::Object(profiles),
        codegen: codegen(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_serialises_as_the_reports_string() {
        for (l, want) in [
            (LinksWith::Links(LinkerKind::RustLld), "\"rust-lld\""),
            (LinksWith::Links(LinkerKind::GnuLd), "\"system\""),
            (
                LinksWith::Links(LinkerKind::Unknown("cc".into())),
                "\"default\"",
            ),
            (LinksWith::Fails, "\"fails\""),
        ] {
            assert_eq!(serde_json::to_string(&l).unwrap(), want);
        }
    }
}
