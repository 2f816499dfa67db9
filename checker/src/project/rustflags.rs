//! Every place Cargo takes rustflags and the linker from, in the order it consults them.

use crate::env::env_key;
use crate::flags::{self, Opt};
use crate::project::cfg;
use crate::project::load::{get, Project};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CARGO_ENCODED_RUSTFLAGS: wins over everything.
    Encoded,
    /// RUSTFLAGS: wins over config files.
    Env,
    /// `[target.<triple>]` / `[target.'cfg(..)']` rustflags, CARGO_TARGET_<T>_RUSTFLAGS.
    Target,
    /// `[build] rustflags`, CARGO_BUILD_RUSTFLAGS.
    Build,
    /// `[profile.<p>] rustflags` (nightly cargo-feature profile-rustflags).
    Profile,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub kind: Kind,
    /// A file as shown in findings, or `env:NAME`.
    pub origin: String,
    pub key: String,
    pub tokens: Vec<String>,
}

impl Source {
    pub fn opts(&self) -> Vec<Opt> {
        flags::parse(&self.tokens)
    }
}

fn tokens(v: &toml::Value) -> Vec<String> {
    match v {
        toml::Value::String(s) => s.split_whitespace().map(String::from).collect(),
        toml::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

/// Whether a `[target.X]` key applies to `triple` (unknown cfg expressions count as applying).
pub fn target_applies(key: &str, triple: &str) -> bool {
    if key.starts_with("cfg(") {
        cfg::matches(key, triple).unwrap_or(true)
    } else {
        key == triple
    }
}

pub fn sources(p: &Project, triple: &str) -> Vec<Source> {
    let mut out = vec![];
    let env_src = |kind, name: &str, split: fn(&str) -> Vec<String>| {
        p.env.get(name).map(|v| Source {
            kind,
            origin: format!("env:{name}"),
            key: name.to_string(),
            tokens: split(v),
        })
    };
    let ws = |s: &str| s.split_whitespace().map(String::from).collect();
    out.extend(env_src(Kind::Encoded, "CARGO_ENCODED_RUSTFLAGS", |s| {
        s.split('\x1f')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    }));
    out.extend(env_src(Kind::Env, "RUSTFLAGS", ws));
    out.extend(env_src(
        Kind::Target,
        &format!("CARGO_TARGET_{}_RUSTFLAGS", env_key(triple)),
        ws,
    ));
    out.extend(env_src(Kind::Build, "CARGO_BUILD_RUSTFLAGS", ws));
    for c in &p.configs {
        if let Some(targets) = c.table.get("target").and_then(|t| t.as_table()) {
            for (k, t) in targets {
                if let Some(v) = t.get("rustflags").filter(|_| target_applies(k, triple)) {
                    out.push(Source {
                        kind: Kind::Target,
                        origin: c.shown.clone(),
                        key: format!("target.{k}.rustflags"),
                        tokens: tokens(v),
                    });
                }
            }
        }
        if let Some(v) = get(&c.table, &["build", "rustflags"]) {
            out.push(Source {
                kind: Kind::Build,
                origin: c.shown.clone(),
                key: "build.rustflags".into(),
                tokens: tokens(v),
            });
        }
    }
    for (f, name, t) in p.profiles() {
        if let Some(v) = t.get("rustflags") {
            out.push(Source {
                kind: Kind::Profile,
                origin: f.shown.clone(),
                key: format!("profile.{name}.rustflags"),
                tokens: tokens(v),
            });
        }
    }
    out
}

/// The sources Cargo actually uses for a normal build (profile rustflags aside).
pub fn effective(all: &[Source]) -> Vec<&Source> {
    for kind in [Kind::Encoded, Kind::Env, Kind::Target, Kind::Build] {
        let chosen: Vec<&Source> = all.iter().filter(|s| s.kind == kind).collect();
        if !chosen.is_empty() {
            return chosen;
        }
    }
    vec![]
}

/// The `-C linker` / `target.<triple>.linker` in force: (origin, key, program).
pub fn linker(p: &Project, all: &[Source], triple: &str) -> Option<(String, String, String)> {
    for s in effective(all) {
        if let Some(o) = s.opts().iter().rev().find(|o| o.is('C', "linker")) {
            return Some((
                s.origin.clone(),
                s.key.clone(),
                o.value.clone().unwrap_or_default(),
            ));
        }
    }
    let env_name = format!("CARGO_TARGET_{}_LINKER", env_key(triple));
    if let Some(v) = p.env.get(&env_name) {
        return Some((format!("env:{env_name}"), env_name, v.clone()));
    }
    for c in &p.configs {
        if let Some(targets) = c.table.get("target").and_then(|t| t.as_table()) {
            for (k, t) in targets {
                if let Some(v) = t
                    .get("linker")
                    .and_then(|v| v.as_str())
                    .filter(|_| target_applies(k, triple))
                {
                    return Some((c.shown.clone(), format!("target.{k}.linker"), v.to_string()));
                }
            }
        }
    }
    None
}

/// Which linker the flags in force select, and where: ("mold" | "wild" | "lld" | ..., origin).
pub fn selected_linker(p: &Project, all: &[Source], triple: &str) -> Option<(String, String)> {
    let eff = effective(all);
    let opts: Vec<Opt> = eff.iter().flat_map(|s| s.opts()).collect();
    let origin = eff.first().map(|s| s.origin.clone()).unwrap_or_default();
    if let Some(l) = flags::selected_by_link_args(&flags::link_args(&opts)) {
        return Some((l, origin));
    }
    let (lorigin, _, prog) = linker(p, all, triple)?;
    match flags::classify_program(&prog) {
        Some("cc") | None => None,
        Some(l) => Some((l.to_string(), lorigin)),
    }
}
