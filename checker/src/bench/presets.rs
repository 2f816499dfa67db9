//! Named configurations: the tiers as `tiercheck env` gives them, and the peers a user would pick
//! instead (each with where it comes from), so a tier is always measured against real choices.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::env::{cargo_config_args, env_key};
use crate::host_env::host_env;
use crate::resolve::{resolve, Selection};
use crate::tiers::TierData;
use crate::{rustup, toolchain, tools, variant};

/// How much a debugger or a backtrace gets from a dev build: tiers are compared with peers of
/// the same or more debuggability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Debuggability {
    /// No binary at all (`cargo check`): the floor, not a peer.
    NoBinary,
    /// No debuginfo anywhere: backtraces have function names only.
    None,
    /// file:line in the workspace's own crates, nothing for dependencies.
    WorkspaceLines,
    /// file:line everywhere.
    Lines,
    /// Full debuginfo (locals, types) everywhere.
    Full,
}

impl Debuggability {
    pub fn text(self) -> &'static str {
        match self {
            Self::NoBinary => "no binary",
            Self::None => "no debuginfo",
            Self::WorkspaceLines => "file:line in workspace crates",
            Self::Lines => "file:line everywhere",
            Self::Full => "full debuginfo",
        }
    }
}

/// What a configuration's release binary comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Release {
    /// `cargo build --release` with the configuration's environment.
    Plain,
    /// `tiercheck build --pgo`: PGO-only and PGO+BOLT binaries from one pipeline run.
    Pgo,
    /// No release build (`cargo check`).
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub name: String,
    pub label: String,
    /// Where the settings come from (a file at a revision, a tiers.toml tier).
    pub source: String,
    pub env: BTreeMap<String, String>,
    /// `--config KEY=VALUE` pairs: what a Cargo.toml/config.toml edit would set (profile package
    /// overrides cannot be given through the environment).
    pub cargo_config: Vec<String>,
    /// `build` or `check`.
    pub command: String,
    pub debuggability: Debuggability,
    pub release: Release,
    pub tier: Option<String>,
    /// Builds go through sccache: the clean build must show cache hits.
    pub sccache: bool,
    /// Drawn as a reference line, not as a bar (a baseline users come from).
    pub reference: bool,
}

pub const PRESETS: &[(&str, &str)] = &[
    ("stock", "rustc as installed: rust-lld on x86_64 Linux, full debuginfo"),
    ("gnu-ld-full-debug", "GNU ld + full debuginfo: what nixpkgs' rustc (built without lld) gives"),
    ("cargo-wizard", "cargo-wizard's fast-compile preset on stable: [profile.dev] debug = 0 (it adds lld only where rust-lld is not the default)"),
    ("bevy", "bevy's config_fast_builds.toml, stable parts: clang + -fuse-ld=lld, full debuginfo"),
    ("report-tier1", "the research report's tier-1 advice as written: -C linker=mold (fails; corrected to clang -fuse-ld=mold), split-debuginfo = \"split\" (Cargo ignores it), incremental"),
    ("check", "cargo check: the front end only, the floor for any build"),
];

fn peer(name: &str, source: &str, debuggability: Debuggability) -> Config {
    let label = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, l)| l);
    Config {
        name: name.into(),
        label: label.into(),
        source: source.into(),
        env: BTreeMap::new(),
        cargo_config: vec![],
        command: "build".into(),
        debuggability,
        release: Release::Plain,
        tier: None,
        sccache: false,
        reference: false,
    }
}

/// Builds a configuration from its name: a preset or `tierN`, `tierN+pgo`, `tierN+sccache`, each
/// with changes (`crate::variant`), e.g. `tier1+codegen-units=8` or `stock+linker=mold`.
pub fn config(data: &TierData, spec: &str, triple: &str) -> Result<Config> {
    let v = check_name(data, spec)?;
    let mut c = if PRESETS.iter().any(|(n, _)| *n == v.base) {
        preset(data, &v.base, triple)?
    } else {
        tier_config(data, &v)?
    };
    if !v.changes.is_empty() {
        apply_changes(data, &mut c, &v.changes, triple)?;
    }
    c.name = spec.into();
    Ok(c)
}

fn preset(data: &TierData, spec: &str, triple: &str) -> Result<Config> {
    let flags = format!("CARGO_TARGET_{}_RUSTFLAGS", env_key(triple));
    let linker = format!("CARGO_TARGET_{}_LINKER", env_key(triple));
    let clang =
        || -> Result<String> { Ok(tools::find(data, "clang", None)?.path.display().to_string()) };
    Ok(match spec {
        "stock" => {
            let mut c = peer(spec, "rustc defaults", Debuggability::Full);
            c.reference = true;
            c
        }
        "gnu-ld-full-debug" => {
            let mut c = peer(spec, "nixpkgs' rustc (--disable-lld)", Debuggability::Full);
            c.env.insert(flags, "-C linker-features=-lld".into());
            c.reference = true;
            c
        }
        "cargo-wizard" => {
            let mut c = peer(
                spec,
                "kobzol/cargo-wizard src/predefined.rs fast_compile_template (stable items)",
                Debuggability::None,
            );
            c.cargo_config.push("profile.dev.debug=0".into());
            c
        }
        "bevy" => {
            let mut c = peer(
                spec,
                "bevyengine/bevy .cargo/config_fast_builds.toml @05bea5db (nightly lines stay commented out)",
                Debuggability::Full,
            );
            c.env.insert(linker, clang()?);
            c.env.insert(flags, "-Clink-arg=-fuse-ld=lld".into());
            c
        }
        "report-tier1" => {
            let mut c = peer(
                spec,
                "the research report, tier 1 (docs/report-errata.md)",
                Debuggability::Full,
            );
            c.env.insert(linker, clang()?);
            c.env.insert(flags, "-C link-arg=-fuse-ld=mold".into());
            c.cargo_config
                .push("profile.dev.split-debuginfo=\"split\"".into());
            c.cargo_config.push("profile.dev.incremental=true".into());
            c
        }
        _ => {
            let mut c = peer(spec, "cargo check", Debuggability::NoBinary);
            c.command = "check".into();
            c.release = Release::None;
            c.reference = true;
            c
        }
    })
}

/// A variant's environment and `--config` changes on top of its base, with the tools a linker
/// change needs found on this machine; the label lists every change.
fn apply_changes(
    data: &TierData,
    c: &mut Config,
    changes: &[variant::Change],
    triple: &str,
) -> Result<()> {
    let mut paths = BTreeMap::new();
    for name in variant::tools_needed(changes) {
        paths.insert(name.to_string(), tool_path(data, name)?);
    }
    let mut s = variant::Settings {
        env: &mut c.env,
        cargo_config: &mut c.cargo_config,
    };
    variant::apply(changes, &mut s, triple, &paths)?;
    let texts: Vec<String> = changes
        .iter()
        .filter(|x| !matches!(x, variant::Change::With(_) | variant::Change::Without(_)))
        .map(variant::Change::text)
        .collect();
    if !texts.is_empty() {
        c.label.push_str(&format!("; {}", texts.join(", ")));
    }
    if c.command == "build" && changes.iter().any(touches_debuginfo) {
        c.debuggability = tier_debuggability(&c.env, &c.cargo_config);
    }
    c.reference = false;
    Ok(())
}

fn touches_debuginfo(c: &variant::Change) -> bool {
    match c {
        variant::Change::Profile { var, .. } => var == "CARGO_PROFILE_DEV_DEBUG",
        variant::Change::Package { key, .. } => key == "debug",
        _ => false,
    }
}

/// A tool's path as a configuration's environment can carry it (UTF-8, no whitespace: it lands
/// in a rustflags variable).
fn tool_path(data: &TierData, name: &str) -> Result<String> {
    let path = if data.tools.contains_key(name) {
        tools::find(data, name, None)?.path
    } else {
        tools::find_plain(name)
            .with_context(|| format!("tool {name}: not found on PATH (nor {name}-<N>)"))?
    };
    match path.to_str() {
        Some(p) if !p.chars().any(char::is_whitespace) => Ok(p.to_string()),
        _ => bail!(
            "tool {name} at {}: the path must be UTF-8 without whitespace to go into rustflags",
            path.display()
        ),
    }
}

/// Refuses a configuration name that is neither a preset nor a tier, or whose variant or
/// changes are unknown, without probing anything (so `bench` fails on its arguments before it
/// runs a program). Returns the parsed name.
pub fn check_name(data: &TierData, spec: &str) -> Result<variant::Spec> {
    let v = variant::parse(data, spec)?;
    let preset = PRESETS.iter().any(|(n, _)| *n == v.base);
    if !preset && data.tier(&v.base).is_err() {
        bail!(
            "unknown configuration {spec:?}: one of {}, or tierN, each with changes (+KEY=VALUE); tierN+pgo, tierN+sccache",
            PRESETS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if preset {
        if let Some(x) = &v.variant {
            bail!("unknown variant +{x} in {spec:?}: +pgo and +sccache are for tiers");
        }
        let (with, without) = variant::selection(&v.changes);
        if let Some(t) = with.first().or(without.first()) {
            bail!(
                "{spec:?}: with={t}/without={t} switch a tier's techniques; {} is a preset",
                v.base
            );
        }
    }
    Ok(v)
}

fn tier_config(data: &TierData, v: &variant::Spec) -> Result<Config> {
    let (tier, variant) = (v.base.as_str(), v.variant.as_deref());
    let (with, without) = variant::selection(&v.changes);
    let mut sel = Selection {
        with,
        without,
        ..Default::default()
    };
    let sccache = variant == Some("sccache");
    if sccache {
        sel.with.push("sccache".into());
    }
    let (env, dropped) = host_env_for(data, tier, &mut sel)?;
    let r = resolve(data, tier, &sel)?;
    let cargo_config = cargo_config_args(data, &r);
    let mut label = format!("{tier} ({})", data.tiers[tier].title);
    match variant {
        Some("pgo") => label.push_str(" + PGO/BOLT release"),
        Some("sccache") => label.push_str(" + sccache with a warm shared cache"),
        _ => {}
    }
    for c in &v.changes {
        if matches!(c, variant::Change::With(_) | variant::Change::Without(_)) {
            label.push_str(&format!(", {}", c.text()));
        }
    }
    if !dropped.is_empty() {
        label.push_str(&format!(", without {}", dropped.join(", ")));
    }
    let debuggability = tier_debuggability(&env, &cargo_config);
    Ok(Config {
        name: v.base.clone(),
        label,
        source: format!("nix/tiers.toml [tiers.{tier}]"),
        env,
        cargo_config,
        command: "build".into(),
        debuggability,
        release: if variant == Some("pgo") {
            Release::Pgo
        } else {
            Release::Plain
        },
        tier: Some(tier.into()),
        sccache,
        reference: false,
    })
}

/// Reads the dev profile's debug level from what the tier sets.
fn tier_debuggability(env: &BTreeMap<String, String>, cargo_config: &[String]) -> Debuggability {
    let deps_none = cargo_config
        .iter()
        .any(|c| c.starts_with("profile.dev.package.\"*\".debug=") && c.ends_with("=0"));
    match env.get("CARGO_PROFILE_DEV_DEBUG").map(String::as_str) {
        Some("0" | "false" | "none") => Debuggability::None,
        Some("line-tables-only" | "1" | "limited") if deps_none => Debuggability::WorkspaceLines,
        Some("line-tables-only" | "1" | "limited") => Debuggability::Lines,
        _ if deps_none => Debuggability::WorkspaceLines,
        _ => Debuggability::Full,
    }
}

/// The tier's environment for dev and release together, leaving out techniques this machine
/// lacks the component for (Cranelift) so the rest of the tier is still measured. The
/// toolchain the tier runs with is part of the environment (`RUSTUP_TOOLCHAIN`), never set on
/// this process.
fn host_env_for(
    data: &TierData,
    tier: &str,
    sel: &mut Selection,
) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let r = resolve(data, tier, sel)?;
    let mut dropped = vec![];
    if r.techniques.iter().any(|t| t == "cranelift") && !tier_toolchain_has_cranelift(&r) {
        sel.without.push("cranelift".into());
        dropped.push("cranelift (no rustc-codegen-cranelift-preview here)".to_string());
    }
    let h = host_env(data, tier, None, sel, None)?;
    dropped.extend(
        h.resolved
            .left_out
            .iter()
            .map(|l| format!("{} ({})", l.id, l.reason)),
    );
    let mut env = h.env;
    if let Some(t) = h.toolchain {
        env.insert("RUSTUP_TOOLCHAIN".into(), t);
    }
    Ok((env, dropped))
}

/// Whether any installed toolchain the tier accepts (its pin, then its channel) has Cranelift.
pub fn tier_toolchain_has_cranelift(r: &crate::resolve::Resolved) -> bool {
    let Some((_, spec)) = &r.toolchain else {
        return false;
    };
    rustup::candidates(spec)
        .iter()
        .filter_map(|name| rustup::probe(name).ok())
        .any(|info| toolchain::has_cranelift(&info))
}
