//! Which linker links, as one function of everything that reaches rustc for a target: the
//! profile's rustflags, the `linker` Cargo passes (`[target.<triple>]`, else the one matching
//! `[target.'cfg(..)']` table: two are a Cargo error), then the rustflags in force (every
//! matching table joined as Cargo joins them). From those, rustc's own choice — the linker
//! program and its flavour (`-C linker-flavor`, else inferred from the program's name, else the
//! target's), `-C linker-features`, `-C link-self-contained`, and, for a cc flavour with LLD,
//! its `-B<sysroot>/lib/rustlib/<host>/bin/gcc-ld -fuse-ld=lld` (the bundled rust-lld,
//! x86_64-unknown-linux-gnu since 1.90) — then the C driver's: the last `-fuse-ld=`,
//! `--ld-path=` (clang only; gcc refuses it) and `-B` directories, looked up as the driver
//! looks programs up. Verified against real links on this machine (tests/differential.rs).

use std::path::{Path, PathBuf};

use crate::flags::{self, Opt};
use crate::project::config::Def;
use crate::project::ctx::Ctx;
use crate::project::rustflags::{self, Kind, Source};

/// The linker that ends up linking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkerKind {
    /// rustc's bundled rust-lld (through its `gcc-ld` directory, or named itself).
    RustLld,
    /// An LLD of the system (`ld.lld` the driver finds outside rustc's sysroot).
    SystemLld,
    Mold,
    Wild,
    /// GNU ld (bfd): the C driver's default on Linux.
    GnuLd,
    Gold,
    /// Not modelled: the target's own default, a wrapper, an unknown program.
    Unknown(String),
}

impl LinkerKind {
    /// The `links_with` value of the JSON report.
    pub fn id(&self) -> &'static str {
        match self {
            LinkerKind::RustLld => "rust-lld",
            LinkerKind::SystemLld => "lld",
            LinkerKind::Mold => "mold",
            LinkerKind::Wild => "wild",
            LinkerKind::GnuLd => "system",
            LinkerKind::Gold => "gold",
            LinkerKind::Unknown(_) => "default",
        }
    }
}

/// Why the link (or Cargo, before it) fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A program that is no C driver (`mold`, `wild`, `ld.lld`, ...) gets rustc's cc-style
    /// arguments, or rustc runs it directly, without the driver's startup files and libraries.
    NotADriver { program: String, kind: &'static str },
    /// gcc does not take `--ld-path`.
    GccLdPath { path: String },
    /// The driver finds no such linker (`-fuse-ld=lld` and no `ld.lld`, a missing path).
    NotFound { name: String, driver: String },
    /// LLD asked for with the self-contained linker off, and no system `ld.lld` to take over.
    SelfContainedOff { driver: String },
    /// Two matching `[target.'cfg(..)']` tables set `linker`: Cargo stops.
    CfgLinkers { first: String, second: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Links(LinkerKind),
    Fails(Failure),
}

/// One argument that reaches rustc, with where it was defined.
#[derive(Debug, Clone)]
pub struct Arg {
    pub opt: Opt,
    pub key: String,
    pub def: Def,
}

/// What decides the linker for one target.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// rustc's arguments in command-line order (profile rustflags, Cargo's `-C linker`, then
    /// the rustflags).
    pub args: Vec<Arg>,
    /// Two matching cfg tables with a `linker`: (first, second) as Cargo names them.
    pub cfg_conflict: Option<(String, String, Def)>,
    /// A Linux target (rustc's GNU flavours: the only ones modelled).
    pub linux: bool,
    /// x86_64-unknown-linux-gnu, whose C driver's default is GNU ld.
    pub x86_64_gnu: bool,
    /// rustc links through its bundled rust-lld by default (x86_64-unknown-linux-gnu, 1.90+).
    pub lld_default: bool,
    /// Where relative paths are resolved (rustc runs in the workspace root).
    pub dir: PathBuf,
}

/// Where to find programs: PATH's absolute directories.
pub struct Host {
    pub path: Vec<PathBuf>,
}

impl Host {
    pub fn current() -> Host {
        let path = std::env::var_os("PATH")
            .map(|p| crate::path_search::search_dirs(&p))
            .unwrap_or_default();
        Host { path }
    }
    fn find(&self, name: &str, first: &[PathBuf]) -> Option<PathBuf> {
        first
            .iter()
            .chain(&self.path)
            .map(|d| d.join(name))
            .find(|p| is_file(p))
    }
}

fn is_file(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
}

/// The result, and the argument that decided it (where a finding points).
#[derive(Debug, Clone)]
pub struct Resolution {
    pub outcome: Outcome,
    /// The linker program named by config or `-C linker` (`None`: rustc's default, `cc`).
    pub program: Option<String>,
    pub decided_by: Option<(String, Def)>,
}

/// rustc's linker flavour as far as linking on Linux goes.
#[derive(Debug, Clone)]
struct Flavor {
    cc: bool,
    lld: bool,
    self_contained: bool,
    program: Option<(String, String, Def)>,
    /// What turned the self-contained linker off, if anything did.
    sc_off: Option<(String, Def)>,
}

/// `-C linker-flavor` as (cc, lld) hints; the legacy names keep what they do not say.
fn flavor_hints(v: &str) -> (Option<bool>, Option<bool>) {
    match v {
        "gcc" => (Some(true), None),
        "ld" => (Some(false), None),
        "ld.lld" => (Some(false), Some(true)),
        "gnu" => (Some(false), Some(false)),
        "gnu-cc" => (Some(true), Some(false)),
        "gnu-lld" => (Some(false), Some(true)),
        "gnu-lld-cc" => (Some(true), Some(true)),
        _ => (None, None),
    }
}

/// rustc's choice: program, flavour, linker features and self-contained components.
fn flavor(inp: &Inputs) -> Flavor {
    let last = |name: &str| inp.args.iter().rev().find(|a| a.opt.is('C', name));
    let program = last("linker").map(|a| {
        let p = a.opt.value.clone().unwrap_or_default();
        (p, a.key.clone(), a.def.clone())
    });
    let (mut cc, mut lld) = (true, inp.lld_default);
    let hints = match (last("linker-flavor"), &program) {
        (Some(f), _) => flavor_hints(f.opt.value.as_deref().unwrap_or("")),
        (None, Some((p, _, _))) => flags::rustc_linker_hints(p),
        _ => (None, None),
    };
    cc = hints.0.unwrap_or(cc);
    lld = hints.1.unwrap_or(lld);
    let mut f = Flavor {
        cc,
        lld,
        self_contained: inp.lld_default,
        program,
        sc_off: None,
    };
    for a in inp.args.iter().filter(|a| a.opt.kind == 'C') {
        let v = a.opt.value.as_deref().unwrap_or("");
        match a.opt.name.as_str() {
            "linker-features" => {
                for feat in v.split(',') {
                    match feat {
                        "-lld" => f.lld = false,
                        "+lld" => f.lld = true,
                        _ => {}
                    }
                }
            }
            "link-self-contained" => self_contained(&mut f, v, a),
            _ => {}
        }
    }
    f
}

/// `-C link-self-contained`: y/yes/on, n/no/off, or `+`/`-` components (`-linker`).
fn self_contained(f: &mut Flavor, v: &str, a: &Arg) {
    let on = match v {
        "" | "y" | "yes" | "on" => Some(true),
        "n" | "no" | "off" => Some(false),
        _ => v.split(',').fold(None, |acc, c| match c {
            "+linker" => Some(true),
            "-linker" => Some(false),
            _ => acc,
        }),
    };
    if let Some(on) = on {
        f.self_contained = on;
        f.sc_off = (!on).then(|| (a.key.clone(), a.def.clone()));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Gcc,
    Clang,
    Unknown,
}

/// The C driver rustc runs, and its own program directories (where it finds `ld.<name>`
/// before PATH: clang its install directory, gcc its `lib/gcc/<machine>/<version>` ones).
fn driver(program: &str, host: &Host, dir: &Path) -> (Family, Vec<PathBuf>) {
    let found = if program.contains('/') {
        Some(dir.join(program))
    } else {
        host.find(program, &[])
    };
    let canon = found.and_then(|p| p.canonicalize().ok());
    let name_of = |p: &str| {
        let stem = Path::new(p)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(p)
            .to_string();
        if stem.contains("clang") {
            Family::Clang
        } else if stem.contains("gcc") || stem.contains("g++") {
            Family::Gcc
        } else {
            Family::Unknown
        }
    };
    let mut family = name_of(program);
    if family == Family::Unknown {
        family = canon
            .as_ref()
            .and_then(|c| c.to_str())
            .map_or(Family::Unknown, name_of);
    }
    let Some(bin) = canon.as_ref().and_then(|c| c.parent()) else {
        return (family, vec![]);
    };
    let dirs = match family {
        Family::Clang => vec![bin.to_path_buf()],
        Family::Gcc => gcc_dirs(bin),
        Family::Unknown => vec![],
    };
    (family, dirs)
}

fn gcc_dirs(bin: &Path) -> Vec<PathBuf> {
    let Some(prefix) = bin.parent() else {
        return vec![];
    };
    let mut out = vec![];
    for base in ["lib/gcc", "libexec/gcc"] {
        let pattern = prefix.join(base).join("*/*");
        if let Some(p) = pattern.to_str() {
            out.extend(
                glob::glob(p)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|d| d.is_dir()),
            );
        }
    }
    out
}

/// What a linker file is, by its name after following links.
fn classify(path: &Path) -> LinkerKind {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let name = canon
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    let in_gcc_ld = canon.parent().is_some_and(|d| d.ends_with("gcc-ld"))
        && canon.to_string_lossy().contains("/lib/rustlib/");
    if in_gcc_ld || name.starts_with("rust-lld") {
        LinkerKind::RustLld
    } else if name.contains("mold") {
        LinkerKind::Mold
    } else if name.contains("wild") {
        LinkerKind::Wild
    } else if name.contains("lld") {
        LinkerKind::SystemLld
    } else if name.contains("gold") {
        LinkerKind::Gold
    } else if name == "ld" || name.ends_with("-ld") || name.contains("ld.bfd") {
        LinkerKind::GnuLd
    } else {
        LinkerKind::Unknown(name)
    }
}

/// The driver's arguments from rustc's link args, in order, with their definitions.
fn link_args(inp: &Inputs) -> Vec<(String, String, Def)> {
    let mut out = vec![];
    for a in inp.args.iter().filter(|a| a.opt.kind == 'C') {
        match (a.opt.name.as_str(), &a.opt.value) {
            ("link-arg", Some(v)) => out.push((v.clone(), a.key.clone(), a.def.clone())),
            ("link-args", Some(v)) => out.extend(
                v.split_whitespace()
                    .map(|w| (w.to_string(), a.key.clone(), a.def.clone())),
            ),
            _ => {}
        }
    }
    out
}

/// Where the driver's choice comes from: (the last `-fuse-ld`, the last `--ld-path`, the `-B`
/// directories in order), each with its definition.
struct DriverChoice {
    fuse: Option<(String, Option<(String, Def)>)>,
    ld_path: Option<(String, (String, Def))>,
    b_dirs: Vec<PathBuf>,
}

const RUSTC_GCC_LD: &str = "<sysroot>/lib/rustlib/<host>/bin/gcc-ld";

fn driver_choice(f: &Flavor, inp: &Inputs) -> DriverChoice {
    let mut c = DriverChoice {
        fuse: None,
        ld_path: None,
        b_dirs: vec![],
    };
    // rustc's own: `-B<gcc-ld>` (self-contained) and `-fuse-ld=lld`, before the user's.
    if f.cc && f.lld {
        if f.self_contained {
            c.b_dirs.push(PathBuf::from(RUSTC_GCC_LD));
        }
        c.fuse = Some(("lld".into(), None));
    }
    let args = link_args(inp);
    let mut it = args.iter().peekable();
    while let Some((a, key, def)) = it.next() {
        let at = Some((key.clone(), def.clone()));
        if let Some(v) = a.strip_prefix("-fuse-ld=") {
            c.fuse = Some((v.to_string(), at));
        } else if let Some(v) = a.strip_prefix("--ld-path=") {
            c.ld_path = Some((v.to_string(), (key.clone(), def.clone())));
        } else if a == "-B" {
            if let Some((d, _, _)) = it.next() {
                c.b_dirs.push(inp.dir.join(d));
            }
        } else if let Some(d) = a.strip_prefix("-B") {
            c.b_dirs.push(inp.dir.join(d));
        }
    }
    c
}

/// Looks `name` up as the driver would: `-B` directories, its own, then PATH.
fn lookup(
    name: &str,
    c: &DriverChoice,
    dirs: &[PathBuf],
    host: &Host,
    inp: &Inputs,
) -> Option<LinkerKind> {
    for d in &c.b_dirs {
        if d == Path::new(RUSTC_GCC_LD) {
            if name == "ld.lld" {
                return Some(LinkerKind::RustLld);
            }
        } else if is_file(&d.join(name)) {
            return Some(classify(&d.join(name)));
        }
    }
    if name.contains('/') {
        let p = inp.dir.join(name);
        return is_file(&p).then(|| classify(&p));
    }
    host.find(name, dirs).map(|p| classify(&p))
}

/// The linker that links (or why the link fails), from everything in `inp`.
pub fn resolve(inp: &Inputs, host: &Host) -> Resolution {
    let f = flavor(inp);
    let program = f.program.as_ref().map(|(p, _, _)| p.clone());
    let at_program = f.program.as_ref().map(|(_, k, d)| (k.clone(), d.clone()));
    let (outcome, decided_by) = match rustc_stage(inp, &f) {
        Err(why) => (Outcome::Fails(why), at_program),
        Ok(None) => (
            Outcome::Links(LinkerKind::Unknown(
                "the target's linker is not modelled".into(),
            )),
            at_program,
        ),
        Ok(Some(prog)) => driver_stage(inp, host, &f, &prog, at_program),
    };
    Resolution {
        outcome,
        program,
        decided_by: match (&inp.cfg_conflict, decided_by) {
            (Some((first, _, def)), _) => Some((format!("target.{first}.linker"), def.clone())),
            (None, d) => d,
        },
    }
}

/// What rustc itself decides: Cargo's cfg-table conflict, an unmodelled target (`Ok(None)`),
/// a program that is no C driver; else the driver it runs.
fn rustc_stage(inp: &Inputs, f: &Flavor) -> Result<Option<String>, Failure> {
    if let Some((first, second, _)) = &inp.cfg_conflict {
        return Err(Failure::CfgLinkers {
            first: first.clone(),
            second: second.clone(),
        });
    }
    if !inp.linux {
        return Ok(None);
    }
    // Without `-C linker`, rustc runs `cc`, or for an ld-style flavour `ld` / `lld`.
    let prog = f.program.as_ref().map_or_else(
        || match (f.cc, f.lld) {
            (true, _) => "cc".to_string(),
            (false, false) => "ld".into(),
            (false, true) => "lld".into(),
        },
        |(p, _, _)| p.clone(),
    );
    let bare = flags::classify_program(&prog).filter(|k| *k != "cc");
    if !f.cc || bare.is_some() {
        let kind = bare.unwrap_or("ld-style");
        return Err(Failure::NotADriver {
            program: prog,
            kind,
        });
    }
    Ok(Some(prog))
}

/// What the C driver `prog` runs: `--ld-path` (clang), else the last `-fuse-ld`, else `ld`.
fn driver_stage(
    inp: &Inputs,
    host: &Host,
    f: &Flavor,
    prog: &str,
    at_program: Option<(String, Def)>,
) -> (Outcome, Option<(String, Def)>) {
    let (family, dirs) = driver(prog, host, &inp.dir);
    let c = driver_choice(f, inp);
    let not_found = |name: &str| {
        Outcome::Fails(Failure::NotFound {
            name: name.to_string(),
            driver: prog.to_string(),
        })
    };
    if let Some((path, at)) = &c.ld_path {
        let outcome = match family {
            Family::Gcc => Outcome::Fails(Failure::GccLdPath { path: path.clone() }),
            Family::Clang => {
                lookup(path, &c, &dirs, host, inp).map_or_else(|| not_found(path), Outcome::Links)
            }
            Family::Unknown => {
                Outcome::Links(LinkerKind::Unknown(format!("{prog} given --ld-path")))
            }
        };
        return (outcome, Some(at.clone()));
    }
    let Some((fuse, fuse_at)) = &c.fuse else {
        return (Outcome::Links(default_ld(inp, &c)), at_program);
    };
    let name = if fuse.contains('/') {
        fuse.clone()
    } else {
        format!("ld.{fuse}")
    };
    let at = fuse_at.clone().or_else(|| f.sc_off.clone()).or(at_program);
    let outcome = match lookup(&name, &c, &dirs, host, inp) {
        Some(k) => Outcome::Links(k),
        // rustc's own `-fuse-ld=lld` with its gcc-ld directory turned off.
        None if fuse_at.is_none() => Outcome::Fails(Failure::SelfContainedOff {
            driver: prog.to_string(),
        }),
        None => not_found(&name),
    };
    (outcome, at)
}

/// No `-fuse-ld`: the driver runs `ld` (a `-B` directory may hold one, as mold's libexec
/// does); on x86_64 Linux that is GNU ld, elsewhere the target's default is not modelled.
fn default_ld(inp: &Inputs, c: &DriverChoice) -> LinkerKind {
    let from_b = c
        .b_dirs
        .iter()
        .filter(|d| *d != Path::new(RUSTC_GCC_LD))
        .map(|d| d.join("ld"))
        .find(|p| is_file(p));
    match from_b {
        Some(p) => classify(&p),
        None if inp.x86_64_gnu => LinkerKind::GnuLd,
        None => LinkerKind::Unknown("the target's default linker".into()),
    }
}

/// Cargo's `linker` for the target: `[target.<triple>] linker` (or its variable), else the one
/// matching `[target.'cfg(..)']` table that has one; two such tables are Cargo's error
/// "several matching instances of `target.'cfg(..)'.linker`" (named as Cargo names them).
fn config_linker(ctx: &Ctx) -> (Option<Arg>, Option<(String, String, Def)>) {
    let triple = ctx.triple();
    let arg = |prog: String, key: String, def: Def| Arg {
        opt: Opt {
            kind: 'C',
            name: "linker".into(),
            value: Some(prog),
            at: 0,
        },
        key,
        def,
    };
    if let Some((prog, def)) = ctx.p.config.string(&["target", triple, "linker"]) {
        return (
            Some(arg(prog, format!("target.{triple}.linker"), def)),
            None,
        );
    }
    let matching: Vec<(String, String, Def)> = rustflags::cfg_tables(ctx.p)
        .filter(|(k, _)| ctx.target.applies(k))
        .filter_map(|(k, t)| {
            let v = t.get("linker")?;
            Some((k.clone(), v.as_str()?.to_string(), v.def().clone()))
        })
        .collect();
    match matching.as_slice() {
        [] => (None, None),
        [(k, prog, def)] => (
            Some(arg(prog.clone(), format!("target.{k}.linker"), def.clone())),
            None,
        ),
        [(k1, _, d1), (k2, _, _), ..] => (None, Some((k1.clone(), k2.clone(), d1.clone()))),
    }
}

fn source_args(s: &Source, out: &mut Vec<Arg>) {
    for o in s.opts() {
        out.push(Arg {
            opt: o.clone(),
            key: s.key.clone(),
            def: s.def_of(o).clone(),
        });
    }
}

/// Everything that reaches rustc for the target in a `dev` build, in command-line order.
pub fn inputs(ctx: &Ctx) -> Inputs {
    let mut args = vec![];
    let dev = ctx
        .sources
        .iter()
        .find(|s| s.kind == Kind::Profile && s.key == "profile.dev.rustflags");
    if let Some(s) = dev {
        source_args(s, &mut args);
    }
    let (linker, cfg_conflict) = config_linker(ctx);
    args.extend(linker);
    for s in ctx.effective() {
        source_args(s, &mut args);
    }
    let x86_64_gnu = ctx.triple() == "x86_64-unknown-linux-gnu";
    let linux = ctx.triple().contains("-linux-");
    let new_enough = ctx
        .rustc_version
        .as_ref()
        .is_none_or(|v| *v >= semver::Version::new(1, 90, 0));
    Inputs {
        args,
        cfg_conflict,
        linux,
        x86_64_gnu,
        lld_default: x86_64_gnu && new_enough,
        dir: ctx.p.root.path.parent().unwrap_or(&ctx.p.dir).to_path_buf(),
    }
}

/// The linker for the checked target, as rustc and the C driver will pick it.
pub fn of(ctx: &Ctx) -> Resolution {
    resolve(&inputs(ctx), &Host::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PATH of fake programs: gcc (cc links to it), clang-22 with ld.lld in its install
    /// directory, mold (and ld.mold), wild; no ld.lld on PATH.
    fn host() -> (tempfile::TempDir, Host) {
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("usr/bin");
        let llvm = d.path().join("usr/lib/llvm-22/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&llvm).unwrap();
        for f in ["gcc-12", "mold", "wild", "x86_64-linux-gnu-ld.gold"] {
            std::fs::write(bin.join(f), "").unwrap();
        }
        std::fs::write(llvm.join("clang"), "").unwrap();
        std::fs::write(llvm.join("ld.lld"), "").unwrap();
        let link = |to: &str, name: &str| std::os::unix::fs::symlink(to, bin.join(name)).unwrap();
        link("gcc-12", "cc");
        link("gcc-12", "gcc");
        link("mold", "ld.mold");
        link("x86_64-linux-gnu-ld.gold", "ld.gold");
        link("../lib/llvm-22/bin/clang", "clang-22");
        let h = Host { path: vec![bin] };
        (d, h)
    }

    fn inputs(config_linker: Option<&str>, flags: &str) -> Inputs {
        let mut tokens: Vec<String> = vec![];
        if let Some(l) = config_linker {
            tokens.extend(["-C".to_string(), format!("linker={l}")]);
        }
        tokens.extend(flags.split_whitespace().map(String::from));
        let args = flags::parse(&tokens)
            .into_iter()
            .map(|opt| Arg {
                opt,
                key: "build.rustflags".into(),
                def: Def::named("test"),
            })
            .collect();
        Inputs {
            args,
            cfg_conflict: None,
            linux: true,
            x86_64_gnu: true,
            lld_default: true,
            dir: PathBuf::from("/"),
        }
    }

    fn links(config_linker: Option<&str>, flags: &str) -> Outcome {
        let (_d, h) = host();
        resolve(&inputs(config_linker, flags), &h).outcome
    }

    use LinkerKind::*;

    #[test]
    fn rustc_and_the_driver_decide_together() {
        let l = |k| Outcome::Links(k);
        assert_eq!(links(None, ""), l(RustLld));
        assert_eq!(links(Some("cc"), ""), l(RustLld));
        assert_eq!(links(Some("gcc"), ""), l(GnuLd));
        assert_eq!(links(Some("clang-22"), ""), l(GnuLd));
        assert_eq!(links(None, "-C linker-features=-lld"), l(GnuLd));
        assert_eq!(links(None, "-C link-self-contained=yes"), l(RustLld));
        assert_eq!(links(None, "-C linker-flavor=gcc"), l(RustLld));
        assert_eq!(links(None, "-C link-arg=-fuse-ld=mold"), l(Mold));
        // rustc's own -B gcc-ld comes first: `-fuse-ld=lld` still finds the bundled rust-lld.
        assert_eq!(links(None, "-C link-arg=-fuse-ld=lld"), l(RustLld));
        assert_eq!(links(None, "-C link-arg=-fuse-ld=gold"), l(Gold));
        assert_eq!(
            links(Some("clang-22"), "-C link-arg=-fuse-ld=lld"),
            l(SystemLld)
        );
        assert_eq!(
            links(Some("clang-22"), "-C link-arg=--ld-path=/nope/wild"),
            Outcome::Fails(Failure::NotFound {
                name: "/nope/wild".into(),
                driver: "clang-22".into()
            })
        );
        assert_eq!(
            links(Some("gcc"), "-C link-args=-Wl,-O1 -C linker-features=-lld"),
            l(GnuLd)
        );
    }

    #[test]
    fn settings_that_break_the_link() {
        let fails = |o: Outcome| matches!(o, Outcome::Fails(_));
        assert!(matches!(
            links(None, "-C link-self-contained=-linker"),
            Outcome::Fails(Failure::SelfContainedOff { .. })
        ));
        assert!(matches!(
            links(None, "-C link-self-contained=no"),
            Outcome::Fails(Failure::SelfContainedOff { .. })
        ));
        assert!(matches!(
            links(None, "-C link-arg=--ld-path=/usr/bin/wild"),
            Outcome::Fails(Failure::GccLdPath { .. })
        ));
        assert!(matches!(
            links(Some("gcc"), "-C link-arg=-fuse-ld=lld"),
            Outcome::Fails(Failure::NotFound { .. })
        ));
        assert!(fails(links(Some("mold"), "")));
        assert!(fails(links(Some("ld.lld-22"), "")));
        assert!(fails(links(Some("rust-lld"), "")));
        assert!(fails(links(Some("tools/link.sh"), "")));
        assert!(fails(links(None, "-C linker-flavor=ld.lld")));
        // The opt-out joined from another table repairs `-linker` alone.
        assert_eq!(
            links(
                None,
                "-C link-self-contained=-linker -C linker-features=-lld"
            ),
            Outcome::Links(GnuLd)
        );
    }

    #[test]
    fn ld_in_a_b_directory_after_the_opt_out() {
        let (d, h) = host();
        let libexec = d.path().join("usr/libexec/mold");
        std::fs::create_dir_all(&libexec).unwrap();
        std::os::unix::fs::symlink("../../bin/mold", libexec.join("ld")).unwrap();
        let b = format!("-C link-arg=-B{}", libexec.display());
        assert_eq!(
            resolve(&inputs(None, &b), &h).outcome,
            Outcome::Links(RustLld)
        );
        let b = format!("-C linker-features=-lld {b}");
        assert_eq!(resolve(&inputs(None, &b), &h).outcome, Outcome::Links(Mold));
    }
}
