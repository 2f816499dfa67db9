//! Configuration variants: a base (a tier or a bench preset) plus changes, spelled
//! `BASE+CHANGE+CHANGE...` and shown exactly so in every report:
//!
//! - `codegen-units=8`, `debug=0`, `split-debuginfo=off`, ... : a dev-profile key
//!   (`CARGO_PROFILE_DEV_<KEY>`); `profile.release.lto=fat` any profile's; `CARGO_PROFILE_*=V`
//!   as Cargo spells the variable;
//! - `deps.debug=line-tables-only`: `[profile.dev.package."*"]` (every dependency),
//!   `package.NAME.codegen-backend=llvm` one package's (both through `cargo --config`);
//! - `rustflags=-Cdwarf-version=5`: appended to the target's rustflags;
//! - `linker=rust-lld|mold|wild|lld|gnu-ld`: replaces whatever linker the base sets (mold, Wild and
//!   the system's lld through clang, as the tiers link with them: docs/tiers.md);
//! - `threads=N`: the parallel front-end (`-Z threads=N`, nightly; 1 = off);
//! - `backend=cranelift|llvm`: the dev profile's codegen backend;
//! - `toolchain=NAME`: the rustup toolchain (`RUSTUP_TOOLCHAIN`);
//! - `with=ID` / `without=ID`: a technique of nix/tiers.toml switched on or off (tiers only).
//!
//! A `+` that does not start a change (`rustflags=-Ctarget-feature=+avx2`) belongs to the value.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::env::env_key;
use crate::tiers::TierData;

/// Profile keys the short `KEY=VALUE` form sets for the dev profile (Cargo 1.95's list).
const PROFILE_KEYS: &[&str] = &[
    "opt-level",
    "debug",
    "split-debuginfo",
    "strip",
    "debug-assertions",
    "overflow-checks",
    "lto",
    "panic",
    "incremental",
    "codegen-units",
    "rpath",
    "codegen-backend",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Linker {
    RustLld,
    Mold,
    Wild,
    Lld,
    GnuLd,
}

impl Linker {
    pub const ALL: [Linker; 5] = [
        Linker::RustLld,
        Linker::Mold,
        Linker::Wild,
        Linker::Lld,
        Linker::GnuLd,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Linker::RustLld => "rust-lld",
            Linker::Mold => "mold",
            Linker::Wild => "wild",
            Linker::Lld => "lld",
            Linker::GnuLd => "gnu-ld",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Linker::RustLld => "rustc's bundled rust-lld",
            Linker::Mold => "mold via clang",
            Linker::Wild => "Wild via clang",
            Linker::Lld => "the system's lld via clang",
            Linker::GnuLd => "GNU ld (-C linker-features=-lld)",
        }
    }
}

/// One change to a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `CARGO_PROFILE_<P>_<KEY>` = value.
    Profile {
        var: String,
        value: String,
    },
    /// `profile.<p>.package."<name>".<key>` = value, through `cargo --config`.
    Package {
        profile: String,
        package: String,
        key: String,
        value: String,
    },
    Rustflags(String),
    Linker(Linker),
    Threads(u32),
    Cranelift(bool),
    Toolchain(String),
    With(String),
    Without(String),
}

/// A configuration name split into its base, its `+pgo`/`+sccache` variant, and its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub base: String,
    pub variant: Option<String>,
    pub changes: Vec<Change>,
}

/// Splits `spec` at every `+` that starts a change or a `pgo`/`sccache` variant.
fn parts(spec: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (i, p) in spec.split('+').enumerate() {
        let starts = i == 0 || p == "pgo" || p == "sccache" || p.contains('=');
        match out.last_mut() {
            Some(last) if !starts => {
                last.push('+');
                last.push_str(p);
            }
            _ => out.push(p.to_string()),
        }
    }
    out
}

/// Parses a configuration name; `data` checks `with=`/`without=` technique ids.
pub fn parse(data: &TierData, spec: &str) -> Result<Spec> {
    if let Some(c) = spec
        .chars()
        .find(|c| c.is_control() || matches!(c, '`' | '|'))
    {
        bail!("configuration {spec:?}: {c:?} is not allowed in a name");
    }
    let mut parts = parts(spec).into_iter();
    let base = parts.next().unwrap_or_default();
    if let Some((_, rest)) = base.split_once('+') {
        bail!("configuration {spec:?}: {rest:?} is not a change (KEY=VALUE), pgo or sccache");
    }
    let mut out = Spec {
        base,
        variant: None,
        changes: vec![],
    };
    for p in parts {
        if p == "pgo" || p == "sccache" {
            if out.variant.is_some() || !out.changes.is_empty() {
                bail!("configuration {spec:?}: +{p} must come right after the tier, once");
            }
            out.variant = Some(p);
            continue;
        }
        let change = parse_change(data, &p).with_context(|| format!("configuration {spec:?}"))?;
        out.changes.push(change);
    }
    Ok(out)
}

fn parse_change(data: &TierData, item: &str) -> Result<Change> {
    let Some((key, value)) = item.split_once('=') else {
        bail!("{item:?} is not a change (KEY=VALUE)");
    };
    if value.is_empty() || (key != "rustflags" && value.chars().any(char::is_whitespace)) {
        bail!("{item:?}: the value must be non-empty and, but for rustflags, without spaces");
    }
    let change = match key {
        "rustflags" | "rustflag" => Change::Rustflags(value.to_string()),
        "linker" => Change::Linker(
            Linker::ALL
                .into_iter()
                .find(|l| l.id() == value)
                .with_context(|| {
                    format!("linker={value}: one of rust-lld, mold, wild, lld, gnu-ld")
                })?,
        ),
        "threads" => Change::Threads(
            value
                .parse()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .context("threads=N: N from 1 (off) to 256")?,
        ),
        "backend" => match value {
            "cranelift" => Change::Cranelift(true),
            "llvm" => Change::Cranelift(false),
            _ => bail!("backend={value}: cranelift or llvm"),
        },
        "toolchain" if crate::toolchain_name::valid_name(value) => {
            Change::Toolchain(value.to_string())
        }
        "toolchain" => bail!("toolchain={value}: not a rustup toolchain name"),
        "with" | "without" => {
            data.technique(value)?;
            match key {
                "with" => Change::With(value.to_string()),
                _ => Change::Without(value.to_string()),
            }
        }
        _ => profile_change(key, value)?,
    };
    Ok(change)
}

/// `KEY`, `profile.P.KEY`, `CARGO_PROFILE_P_KEY`, `deps.KEY`, `package.NAME.KEY`,
/// `profile.P.package.NAME.KEY` (NAME may be quoted).
fn profile_change(key: &str, value: &str) -> Result<Change> {
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let known = |k: &str| PROFILE_KEYS.contains(&k);
    let unquote = |s: &str| s.trim_matches('"').to_string();
    let package = |profile: &str, name: &str, k: &str| -> Result<Change> {
        let name = unquote(name);
        if !(known(k) && (name == "*" || word(&name)) && word(profile)) {
            bail!("{key:?}: not a package profile key");
        }
        Ok(Change::Package {
            profile: profile.into(),
            package: name,
            key: k.into(),
            value: value.into(),
        })
    };
    if let Some(k) = key.strip_prefix("CARGO_PROFILE_") {
        if word(k) && k.chars().all(|c| !c.is_ascii_lowercase()) {
            return Ok(Change::Profile {
                var: key.into(),
                value: value.into(),
            });
        }
    }
    let f: Vec<&str> = key.split('.').collect();
    match f.as_slice() {
        [k] if known(k) => Ok(Change::Profile {
            var: profile_var("dev", k),
            value: value.into(),
        }),
        ["profile", p, k] if word(p) && known(k) => Ok(Change::Profile {
            var: profile_var(p, k),
            value: value.into(),
        }),
        ["deps", k] => package("dev", "*", k),
        ["package", name, k] => package("dev", name, k),
        ["profile", p, "package", name, k] => package(p, name, k),
        _ => bail!(
            "{key:?} is not a change: a profile key ({}), profile.P.KEY, CARGO_PROFILE_*, deps.KEY, package.NAME.KEY, rustflags, linker, threads, backend, toolchain, with, without",
            PROFILE_KEYS.join(", ")
        ),
    }
}

fn profile_var(profile: &str, key: &str) -> String {
    format!("CARGO_PROFILE_{}_{}", env_key(profile), env_key(key))
}

/// A value as TOML for `cargo --config` (numbers and booleans bare, the rest quoted).
fn toml_value(v: &str) -> String {
    if v.parse::<i64>().is_ok() || v == "true" || v == "false" {
        v.to_string()
    } else {
        toml::Value::String(v.to_string()).to_string()
    }
}

impl Change {
    /// What the change does, for a configuration's label.
    pub fn text(&self) -> String {
        match self {
            Change::Profile { var, value } => format!("{var}={value}"),
            Change::Package { .. } => format!("--config {}", self.cargo_config()),
            Change::Rustflags(f) => format!("rustflags {f}"),
            Change::Linker(l) => format!("linker: {}", l.text()),
            Change::Threads(1) => "no parallel front-end".into(),
            Change::Threads(n) => format!("-Z threads={n}"),
            Change::Cranelift(true) => "Cranelift for the dev profile".into(),
            Change::Cranelift(false) => "LLVM for the dev profile".into(),
            Change::Toolchain(t) => format!("toolchain {t}"),
            Change::With(t) => format!("with {t}"),
            Change::Without(t) => format!("without {t}"),
        }
    }

    /// The `--config` value of a package change.
    fn cargo_config(&self) -> String {
        match self {
            Change::Package {
                profile,
                package,
                key,
                value,
            } => format!(
                "profile.{profile}.package.\"{package}\".{key}={}",
                toml_value(value)
            ),
            _ => String::new(),
        }
    }
}

/// The tools a change needs, by the names of nix/tiers.toml's `[tools]` (and `ld.lld`).
pub fn tools_needed(changes: &[Change]) -> Vec<&'static str> {
    let mut out = vec![];
    for c in changes {
        if let Change::Linker(l) = c {
            match l {
                Linker::Mold => out.extend(["clang", "mold"]),
                Linker::Wild => out.extend(["clang", "wild"]),
                Linker::Lld => out.extend(["clang", "ld.lld"]),
                Linker::RustLld | Linker::GnuLd => {}
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where a configuration's settings live: its variables and its `cargo --config` values.
pub struct Settings<'a> {
    pub env: &'a mut BTreeMap<String, String>,
    pub cargo_config: &'a mut Vec<String>,
}

/// Applies the changes in order (`with`/`without` excepted: they select techniques before the
/// environment exists). `tools` maps the names of `tools_needed` to paths.
pub fn apply(
    changes: &[Change],
    s: &mut Settings,
    triple: &str,
    tools: &BTreeMap<String, String>,
) -> Result<()> {
    let flags_var = format!("CARGO_TARGET_{}_RUSTFLAGS", env_key(triple));
    for c in changes {
        match c {
            Change::Profile { var, value } => {
                s.env.insert(var.clone(), value.clone());
            }
            Change::Package { key, .. } => {
                if key == "codegen-backend" {
                    s.env
                        .insert("CARGO_UNSTABLE_CODEGEN_BACKEND".into(), "true".into());
                }
                let kv = c.cargo_config();
                let prefix = &kv[..kv.rfind('=').unwrap_or(0) + 1];
                s.cargo_config.retain(|x| !x.starts_with(prefix));
                s.cargo_config.push(kv);
            }
            Change::Rustflags(f) => add_flags(s.env, &flags_var, f),
            Change::Linker(l) => set_linker(s.env, *l, triple, tools)?,
            Change::Threads(n) => {
                filter_flags(s.env, &|f| f.starts_with("-Zthreads="));
                if *n > 1 {
                    add_flags(s.env, &flags_var, &format!("-Z threads={n}"));
                }
            }
            Change::Cranelift(on) => cranelift(s.env, *on),
            Change::Toolchain(t) => {
                s.env.insert("RUSTUP_TOOLCHAIN".into(), t.clone());
            }
            Change::With(_) | Change::Without(_) => {}
        }
    }
    Ok(())
}

fn cranelift(env: &mut BTreeMap<String, String>, on: bool) {
    if on {
        env.insert(
            "CARGO_PROFILE_DEV_CODEGEN_BACKEND".into(),
            "cranelift".into(),
        );
        env.insert("CARGO_UNSTABLE_CODEGEN_BACKEND".into(), "true".into());
    } else {
        env.remove("CARGO_PROFILE_DEV_CODEGEN_BACKEND");
    }
}

fn add_flags(env: &mut BTreeMap<String, String>, var: &str, flags: &str) {
    let v = env.entry(var.to_string()).or_default();
    if !v.is_empty() {
        v.push(' ');
    }
    v.push_str(flags);
}

/// rustflags as units: `-C x` and `-Cx` both become `-Cx`, with the original text kept.
fn units(flags: &str) -> Vec<(String, String)> {
    let toks: Vec<&str> = flags.split_whitespace().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if matches!(t, "-C" | "-Z") && i + 1 < toks.len() {
            out.push((
                format!("{t}{}", toks[i + 1]),
                format!("{t} {}", toks[i + 1]),
            ));
            i += 2;
        } else {
            out.push((t.to_string(), t.to_string()));
            i += 1;
        }
    }
    out
}

/// Drops the units `drop` matches from every rustflags variable; an emptied variable goes.
fn filter_flags(env: &mut BTreeMap<String, String>, drop: &dyn Fn(&str) -> bool) {
    let keys: Vec<String> = env
        .keys()
        .filter(|k| k.ends_with("_RUSTFLAGS") && k.starts_with("CARGO_"))
        .cloned()
        .collect();
    for k in keys {
        let kept: Vec<String> = units(&env[&k])
            .into_iter()
            .filter(|(norm, _)| !drop(norm))
            .map(|(_, orig)| orig)
            .collect();
        if kept.is_empty() {
            env.remove(&k);
        } else {
            env.insert(k, kept.join(" "));
        }
    }
}

fn is_linker_flag(f: &str) -> bool {
    [
        "-Clinker=",
        "-Clink-arg=--ld-path=",
        "-Clink-arg=-fuse-ld=",
        "-Clinker-features=",
        "-Clinker-flavor=",
        "-Clink-self-contained=",
    ]
    .iter()
    .any(|p| f.starts_with(p))
}

fn set_linker(
    env: &mut BTreeMap<String, String>,
    l: Linker,
    triple: &str,
    tools: &BTreeMap<String, String>,
) -> Result<()> {
    let key = env_key(triple);
    let x86 = triple == "x86_64-unknown-linux-gnu";
    if l == Linker::RustLld && !x86 {
        bail!("linker=rust-lld: rustc links with rust-lld by default only on x86_64-unknown-linux-gnu, not {triple}");
    }
    env.remove(&format!("CARGO_TARGET_{key}_LINKER"));
    filter_flags(env, &is_linker_flag);
    let flags = format!("CARGO_TARGET_{key}_RUSTFLAGS");
    let tool = |n: &str| {
        tools
            .get(n)
            .cloned()
            .with_context(|| format!("linker={}: tool {n} not found", l.id()))
    };
    let ld = match l {
        Linker::RustLld => return Ok(()),
        Linker::GnuLd => {
            if x86 {
                add_flags(env, &flags, "-C linker-features=-lld");
            }
            return Ok(());
        }
        Linker::Mold => tool("mold")?,
        Linker::Wild => tool("wild")?,
        Linker::Lld => tool("ld.lld")?,
    };
    env.insert(format!("CARGO_TARGET_{key}_LINKER"), tool("clang")?);
    add_flags(env, &flags, &format!("-C link-arg=--ld-path={ld}"));
    Ok(())
}

/// The `with=`/`without=` technique ids of the changes.
pub fn selection(changes: &[Change]) -> (Vec<String>, Vec<String>) {
    let (mut with, mut without) = (vec![], vec![]);
    for c in changes {
        match c {
            Change::With(t) => with.push(t.clone()),
            Change::Without(t) => without.push(t.clone()),
            _ => {}
        }
    }
    (with, without)
}

/// A directory or file name for a configuration: the name itself when it is plain, else a
/// plain version of it with a hash, so `/`, `"` or `*` never reach a path.
pub fn dir_name(name: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '=');
    if name.len() <= 64 && name.chars().all(plain) && !name.starts_with('.') {
        return name.to_string();
    }
    let kept: String = name
        .chars()
        .map(|c| if plain(c) { c } else { '_' })
        .take(48)
        .collect();
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}-{h:016x}", kept.trim_start_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> TierData {
        TierData::embedded().unwrap()
    }

    fn applied(spec: &str, env: &[(&str, &str)]) -> (BTreeMap<String, String>, Vec<String>) {
        let s = parse(&data(), spec).unwrap();
        let mut env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut cc = vec!["profile.dev.package.\"*\".debug=0".to_string()];
        let tools = BTreeMap::from([
            ("clang".to_string(), "/c/clang".to_string()),
            ("mold".to_string(), "/m/mold".to_string()),
            ("wild".to_string(), "/w/wild".to_string()),
        ]);
        let mut st = Settings {
            env: &mut env,
            cargo_config: &mut cc,
        };
        apply(&s.changes, &mut st, "x86_64-unknown-linux-gnu", &tools).unwrap();
        (env, cc)
    }

    const FLAGS: &str = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS";
    const LINKER: &str = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER";

    #[test]
    fn spellings_parse_into_changes() {
        let s = parse(&data(), "tier1+codegen-units=8+profile.release.lto=fat").unwrap();
        assert_eq!(s.base, "tier1");
        assert_eq!(
            s.changes,
            [
                Change::Profile {
                    var: "CARGO_PROFILE_DEV_CODEGEN_UNITS".into(),
                    value: "8".into()
                },
                Change::Profile {
                    var: "CARGO_PROFILE_RELEASE_LTO".into(),
                    value: "fat".into()
                }
            ]
        );
        let s = parse(&data(), "tier3+pgo").unwrap();
        assert_eq!(s.variant.as_deref(), Some("pgo"));
        let s = parse(
            &data(),
            "stock+rustflags=-Ctarget-feature=+avx2,+fma+threads=4",
        )
        .unwrap();
        assert_eq!(
            s.changes,
            [
                Change::Rustflags("-Ctarget-feature=+avx2,+fma".into()),
                Change::Threads(4)
            ]
        );
        for bad in [
            "tier1+codegen-units",
            "tier1+frobnicate=1",
            "tier1+linker=gold",
            "tier1+threads=0",
            "tier1+with=nonsense",
            "tier1+debug=a b",
            "tier1+codegen-units=8+pgo",
            "tier1+package.a/b.debug=0",
            "tier1\n",
        ] {
            assert!(parse(&data(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_changes_replace_the_same_key() {
        let (_, cc) = applied("tier1+deps.debug=line-tables-only", &[]);
        assert_eq!(cc, ["profile.dev.package.\"*\".debug=\"line-tables-only\""]);
        let (_, cc) = applied("tier1+package.\"foo\".codegen-backend=llvm", &[]);
        assert_eq!(
            cc,
            [
                "profile.dev.package.\"*\".debug=0",
                "profile.dev.package.\"foo\".codegen-backend=\"llvm\""
            ]
        );
    }

    #[test]
    fn a_linker_change_replaces_the_base_linker() {
        let tier3 = [
            (FLAGS, "-Z threads=8"),
            (
                "CARGO_PROFILE_DEV_RUSTFLAGS",
                "-C linker=/c/clang -C link-arg=--ld-path=/w/wild",
            ),
        ];
        let (env, _) = applied("tier3+linker=mold", &tier3);
        assert_eq!(env[LINKER], "/c/clang");
        assert_eq!(env[FLAGS], "-Z threads=8 -C link-arg=--ld-path=/m/mold");
        assert!(!env.contains_key("CARGO_PROFILE_DEV_RUSTFLAGS"));
        let (env, _) = applied("tier3+linker=rust-lld", &tier3);
        assert!(!env.contains_key(LINKER));
        assert_eq!(env[FLAGS], "-Z threads=8");
        let (env, _) = applied("stock+linker=gnu-ld", &[]);
        assert_eq!(env[FLAGS], "-C linker-features=-lld");
    }

    #[test]
    fn threads_replace_or_drop_the_front_end_flag() {
        let (env, _) = applied("tier2+threads=4", &[(FLAGS, "-Z threads=8 -Cfoo")]);
        assert_eq!(env[FLAGS], "-Cfoo -Z threads=4");
        let (env, _) = applied("tier2+threads=1", &[(FLAGS, "-Zthreads=8")]);
        assert!(!env.contains_key(FLAGS));
        let (env, _) = applied(
            "tier3+backend=llvm",
            &[("CARGO_PROFILE_DEV_CODEGEN_BACKEND", "cranelift")],
        );
        assert!(!env.contains_key("CARGO_PROFILE_DEV_CODEGEN_BACKEND"));
    }

    #[test]
    fn names_become_safe_directory_names() {
        assert_eq!(dir_name("tier1+codegen-units=8"), "tier1+codegen-units=8");
        let d = dir_name("tier1+package.\"foo\".debug=0");
        assert!(d.starts_with("tier1+package._foo_.debug=0-"), "{d}");
        assert_ne!(dir_name("a/b"), dir_name("a_b"));
        assert!(!dir_name("../x").contains('/'));
        assert!(!dir_name("..").starts_with('.'));
    }
}
