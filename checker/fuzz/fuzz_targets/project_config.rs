#![no_main]
//! Structure-aware: a project made of generated TOML documents (Cargo.toml, a member's
//! manifest, .cargo/config.toml, a toolchain file), `cfg(..)` target keys and rustflags, plus
//! Cargo's environment variables. `tiercheck project`'s loading and every rule run on it (all
//! but the rustc probe, which is replaced by the built-in cfg table): errors are fine, a panic,
//! hang or crash is not.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tiercheck::project::{cfg::CfgSet, ctx, load::Project, model, rules, rustflags, tier_match};
use tiercheck::resolve::{resolve, Selection};
use tiercheck::tiers::{Channel, TierData};

const TABLES: &[&str] = &[
    "package", "workspace", "profile.release", "profile.dev", "profile.fast",
    "profile.release.package.\"*\"", "profile.dev.build-override", "build",
    "target.x86_64-unknown-linux-gnu", "unstable", "env", "toolchain", "dependencies",
    "workspace.package", "lib", "patch.crates-io", "net", "alias",
];
const KEYS: &[&str] = &[
    "name", "version", "edition", "rust-version", "members", "exclude", "default-members",
    "inherits", "lto", "codegen-units", "strip", "debug", "split-debuginfo", "opt-level",
    "panic", "incremental", "codegen-backend", "rustflags", "linker", "target", "target-dir",
    "rustc-wrapper", "channel", "components", "path", "cargo-features", "include", "resolver",
    "workspace", "threads", "profile-rustflags", "build-std", "codegen-backends", "rustc",
    "rustdocflags", "jobs", "debug-assertions", "overflow-checks", "rpath", "targets",
];
const STRINGS: &[&str] = &[
    "-C", "linker=mold", "link-arg=-fuse-ld=mold", "-Zthreads=8", "linker=clang",
    "linker-features=-lld", "link-self-contained=-linker", "-Cpasses=foo", "target-cpu=native",
    "thin", "fat", "off", "unpacked", "packed", "split", "symbols", "debuginfo", "none",
    "line-tables-only", "cranelift", "llvm", "nightly", "stable", "beta", "1.85", "1.95.0",
    "nightly-2026-05-19", "*", "crates/*", "crates/m", "..", "/abs", "release", "dev", "abort",
    "sccache", "x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "spec.json", "a b", "s",
    "-Clinker=wild", "--cfg", "feature=\"x\"", "profile-generate=/tmp/p", "2021", "2024",
];
const CFG_NAMES: &[&str] = &[
    "unix", "windows", "target_os", "target_arch", "target_env", "target_feature",
    "debug_assertions", "feature", "panic", "target_pointer_width", "target_vendor", "x",
];
const ENV: &[&str] = &[
    "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS", "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
    "CARGO_PROFILE_RELEASE_LTO", "CARGO_PROFILE_DEV_SPLIT_DEBUGINFO", "CARGO_BUILD_TARGET",
    "RUSTC_WRAPPER", "CARGO_INCREMENTAL", "CARGO_PROFILE_RELEASE_STRIP", "SCCACHE_DIR",
    "CARGO_UNSTABLE_CODEGEN_BACKEND", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR",
];
const TRIPLES: &[&str] = &[
    "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc", "wasm32-unknown-unknown", "no-such-triple",
];

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list[usize::from(i) % list.len()]
}

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Any(String),
}

impl Text {
    fn render(&self, list: &[&str]) -> String {
        match self {
            Text::Known(i) => pick(list, *i).to_string(),
            Text::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Cfg {
    Name(u8),
    Pair(u8, Text),
    All(Vec<Cfg>),
    Any(Vec<Cfg>),
    Not(Box<Cfg>),
    Raw(String),
}

impl Cfg {
    fn render(&self, out: &mut String, depth: usize) {
        if depth > 64 {
            out.push_str("unix");
            return;
        }
        match self {
            Cfg::Name(i) => out.push_str(pick(CFG_NAMES, *i)),
            Cfg::Pair(i, v) => {
                let _ = write!(out, "{} = {:?}", pick(CFG_NAMES, *i), v.render(STRINGS));
            }
            Cfg::All(v) | Cfg::Any(v) => {
                out.push_str(if matches!(self, Cfg::All(_)) { "all(" } else { "any(" });
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    c.render(out, depth + 1);
                }
                out.push(')');
            }
            Cfg::Not(c) => {
                out.push_str("not(");
                c.render(out, depth + 1);
                out.push(')');
            }
            Cfg::Raw(s) => out.push_str(s),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Val {
    Str(Text),
    Int(i64),
    Bool(bool),
    Flags(Vec<Text>),
    Arr(Vec<Val>),
    Table(Vec<(Text, Val)>),
}

impl Val {
    fn to_toml(&self, depth: usize) -> toml::Value {
        use toml::Value as V;
        if depth > 16 {
            return V::Boolean(true);
        }
        match self {
            Val::Str(t) => V::String(t.render(STRINGS)),
            Val::Int(i) => V::Integer(*i),
            Val::Bool(b) => V::Boolean(*b),
            Val::Flags(f) => V::Array(f.iter().map(|t| V::String(t.render(STRINGS))).collect()),
            Val::Arr(a) => V::Array(a.iter().map(|v| v.to_toml(depth + 1)).collect()),
            Val::Table(t) => V::Table(
                t.iter()
                    .map(|(k, v)| (k.render(KEYS), v.to_toml(depth + 1)))
                    .collect(),
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum TableName {
    Known(u8),
    TargetCfg(Cfg),
    Any(String),
}

#[derive(Arbitrary, Debug)]
struct Table {
    name: TableName,
    entries: Vec<(Text, Val)>,
}

#[derive(Arbitrary, Debug)]
enum Doc {
    Tables(Vec<Table>),
    Raw(String),
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Doc {
    fn render(&self) -> String {
        let tables = match self {
            Doc::Raw(s) => return s.clone(),
            Doc::Tables(t) => t,
        };
        let mut out = String::new();
        for t in tables {
            let header = match &t.name {
                TableName::Known(i) => pick(TABLES, *i).to_string(),
                TableName::TargetCfg(c) => {
                    let mut s = String::from("cfg(");
                    c.render(&mut s, 0);
                    s.push(')');
                    format!("target.{}", quote(&s))
                }
                TableName::Any(s) => quote(s),
            };
            let _ = writeln!(out, "[{header}]");
            for (k, v) in &t.entries {
                let _ = writeln!(out, "{} = {}", quote(&k.render(KEYS)), v.to_toml(0));
            }
        }
        out
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    manifest: Doc,
    member: Option<Doc>,
    config: Option<Doc>,
    /// (legacy `rust-toolchain` file, text)
    toolchain: Option<(bool, Doc)>,
    env: Vec<(u8, Vec<Text>)>,
    triple: u8,
    channel: Option<u8>,
    tier: Option<u8>,
}

fn data() -> &'static TierData {
    static DATA: OnceLock<TierData> = OnceLock::new();
    DATA.get_or_init(|| TierData::embedded().expect("embedded tier data"))
}

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("tiercheck-fuzz-{}", std::process::id())))
}

fn write(dir: &Path, rel: &str, text: Option<String>) {
    let p = dir.join(rel);
    match text {
        Some(t) => {
            let _ = std::fs::create_dir_all(p.parent().unwrap_or(dir));
            let _ = std::fs::write(&p, t);
        }
        None => {
            let _ = std::fs::remove_file(&p);
        }
    }
}

fn run(input: &Input) {
    let dir = scratch().join("p");
    let (legacy, toolchain) = match &input.toolchain {
        Some((l, d)) => (*l, Some(d.render())),
        None => (false, None),
    };
    write(&dir, "Cargo.toml", Some(input.manifest.render()));
    write(&dir, "crates/m/Cargo.toml", input.member.as_ref().map(Doc::render));
    write(&dir, ".cargo/config.toml", input.config.as_ref().map(Doc::render));
    write(&dir, "rust-toolchain", toolchain.clone().filter(|_| legacy));
    write(&dir, "rust-toolchain.toml", toolchain.filter(|_| !legacy));
    let mut env: BTreeMap<String, String> = input
        .env
        .iter()
        .map(|(k, v)| {
            let flags: Vec<String> = v.iter().map(|t| t.render(STRINGS)).collect();
            let sep = if pick(ENV, *k) == "CARGO_ENCODED_RUSTFLAGS" { "\u{1f}" } else { " " };
            (pick(ENV, *k).to_string(), flags.join(sep))
        })
        .collect();
    // Never the machine's own ~/.cargo/config.toml.
    env.insert("CARGO_HOME".into(), scratch().join("home").display().to_string());
    let Ok(p) = Project::load_with(&dir, env) else {
        return;
    };
    let base = CfgSet::builtin(pick(TRIPLES, input.triple));
    let first = rustflags::sources(&p, &base);
    let opts: Vec<_> = rustflags::effective(&first)
        .iter()
        .filter(|s| !s.key.starts_with("target.cfg("))
        .flat_map(|s| s.opts().iter().cloned())
        .collect();
    let target = base.with_flags(&opts);
    let ctx = ctx::Ctx {
        data: data(),
        sources: rustflags::sources(&p, &target),
        p: &p,
        target,
        channel: input
            .channel
            .map(|c| [Channel::Stable, Channel::Beta, Channel::Nightly][usize::from(c) % 3]),
        rustc_version: Some(semver::Version::new(1, 95, 0)),
        tier_vars: vec![],
        // No rustc: the probe is the one part a fuzzer must not run.
        toolchain: None,
    };
    let mut found = vec![];
    rules::all(&ctx, &mut found);
    let _ = model::view(&ctx);
    if let Some(t) = input.tier {
        let tier = format!("tier{}", 1 + t % 4);
        if let Ok(r) = resolve(data(), &tier, &Selection::default()) {
            let _ = tier_match::check(&ctx, &r, &mut found);
        }
    }
    let _ = rules::used_techniques(&ctx);
}

fuzz_target!(|input: Input| run(&input));
