//! Every place Cargo takes rustflags from, in the order it consults them (cargo's
//! `target_info.rs`, `extra_args` / `rustflags_from_target`; the linker: `linker.rs`):
//! CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS, else `[target.<triple>]` plus every matching
//! `[target.'cfg(..)']` (keys in sorted order) when that is not empty, else `[build] rustflags`.

use crate::flags::{self, Opt};
use crate::project::cfg::CfgSet;
use crate::project::config::{Def, CV};
use crate::project::load::Project;

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
    pub key: String,
    pub tokens: Vec<String>,
    /// Where the key (or its first element) is defined.
    pub def: Def,
    /// Where each token is defined (an array element's own position; `def` when unknown).
    defs: Vec<Def>,
    /// `tokens` parsed once (rules ask many times; a 100 MB array must stay cheap).
    parsed: Vec<Opt>,
}

impl Source {
    pub fn new(kind: Kind, key: String, tokens: Vec<String>, def: Def) -> Source {
        Source {
            parsed: flags::parse(&tokens),
            kind,
            key,
            tokens,
            def,
            defs: vec![],
        }
    }
    pub fn opts(&self) -> &[Opt] {
        &self.parsed
    }
    /// Where token `i` is defined.
    pub fn def_at(&self, i: usize) -> &Def {
        self.defs.get(i).unwrap_or(&self.def)
    }
    /// Where an option of `opts()` is defined (its first token).
    pub fn def_of(&self, o: &Opt) -> &Def {
        self.def_at(o.at)
    }
}

fn from_words(kind: Kind, key: String, words: Vec<(String, Def)>, fallback: Def) -> Source {
    let def = words.first().map_or(fallback, |(_, d)| d.clone());
    let (tokens, defs): (Vec<String>, Vec<Def>) = words.into_iter().unzip();
    let mut s = Source::new(kind, key, tokens, def);
    s.defs = defs;
    s
}

/// Every rustflags source for `target` (present ones, empty or not), in Cargo's precedence.
pub fn sources(p: &Project, target: &CfgSet) -> Vec<Source> {
    let mut out = vec![];
    let env_src = |kind: Kind, name: &str, tokens: Vec<String>| {
        Source::new(kind, name.to_string(), tokens, Def::env(name))
    };
    if let Some(v) = p.env.get("CARGO_ENCODED_RUSTFLAGS") {
        let t = if v.is_empty() {
            vec![]
        } else {
            v.split('\x1f').map(String::from).collect()
        };
        out.push(env_src(Kind::Encoded, "CARGO_ENCODED_RUSTFLAGS", t));
    }
    if let Some(v) = p.env.get("RUSTFLAGS") {
        let t = v
            .split(' ')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        out.push(env_src(Kind::Env, "RUSTFLAGS", t));
    }
    out.extend(target_sources(p, target));
    if let Some(words) = p.config.string_list(&["build", "rustflags"]) {
        let fallback = key_def(p, &["build", "rustflags"]);
        out.push(from_words(
            Kind::Build,
            "build.rustflags".into(),
            words,
            fallback,
        ));
    }
    for (name, prof) in p.profiles() {
        if let Some(e) = prof.get("rustflags") {
            let tokens = match &e.value {
                toml::Value::String(s) => s.split_whitespace().map(String::from).collect(),
                toml::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            out.push(Source::new(
                Kind::Profile,
                format!("profile.{name}.rustflags"),
                tokens,
                e.def.clone(),
            ));
        }
    }
    out
}

fn key_def(p: &Project, keys: &[&str]) -> Def {
    p.config.get(keys).map_or_else(
        || Def::env(&crate::project::config::env_key(keys)),
        |v| v.def().clone(),
    )
}

/// `[target.<triple>]` then each matching `[target.'cfg(..)']`, sorted by key as Cargo does.
fn target_sources(p: &Project, target: &CfgSet) -> Vec<Source> {
    let mut out = vec![];
    let triple = target.triple.as_str();
    if let Some(words) = p.config.string_list(&["target", triple, "rustflags"]) {
        let fallback = key_def(p, &["target", triple, "rustflags"]);
        let key = format!("target.{triple}.rustflags");
        out.push(from_words(Kind::Target, key, words, fallback));
    }
    for (key, t) in cfg_tables(p) {
        if let Some(v) = t.get("rustflags").filter(|_| target.applies(key)) {
            let words = match v {
                CV::List(items, _) => items
                    .iter()
                    .filter_map(|i| Some((i.as_str()?.to_string(), i.def().clone())))
                    .collect(),
                CV::Str(s, d) => s
                    .split_whitespace()
                    .map(|w| (w.to_string(), d.clone()))
                    .collect(),
                _ => vec![],
            };
            out.push(from_words(
                Kind::Target,
                format!("target.{key}.rustflags"),
                words,
                v.def().clone(),
            ));
        }
    }
    out
}

/// The `[target.'cfg(..)']` tables of the merged configuration, in key order.
pub fn cfg_tables(
    p: &Project,
) -> impl Iterator<Item = (&String, &std::collections::BTreeMap<String, CV>)> {
    p.config
        .get(&["target"])
        .and_then(CV::as_table)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("cfg("))
        .filter_map(|(k, v)| Some((k, v.as_table()?)))
}

/// The sources Cargo actually uses for a normal build (profile rustflags aside): the first
/// kind present, where target rustflags count only when they hold at least one flag.
pub fn effective(all: &[Source]) -> Vec<&Source> {
    for kind in [Kind::Encoded, Kind::Env, Kind::Target, Kind::Build] {
        let chosen: Vec<&Source> = all.iter().filter(|s| s.kind == kind).collect();
        let used = match kind {
            Kind::Target => chosen.iter().any(|s| !s.tokens.is_empty()),
            _ => !chosen.is_empty(),
        };
        if used {
            return chosen;
        }
    }
    vec![]
}
