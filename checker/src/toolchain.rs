//! What `rustc -vV` and `cargo -V` say about the toolchain rustup selects, probed without letting
//! a checkout choose the program: see `choice_for`.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::tiers::Channel;
use crate::toolchain_file;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RustcInfo {
    pub release: String,
    pub version: semver::Version,
    pub channel: Channel,
    pub commit_date: Option<String>,
    pub host: String,
    pub llvm_version: Option<String>,
    pub llvm_major: Option<u32>,
    pub sysroot: Option<String>,
    /// The host's `--print=cfg`, asked with the sysroot (no report carries it).
    #[serde(skip)]
    pub host_cfg: Option<String>,
}

/// Parses `rustc -vV`.
pub fn parse_rustc_vv(text: &str) -> Result<RustcInfo> {
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
    };
    let release = field("release:").context("`rustc -vV`: no release line")?;
    let version = semver::Version::parse(&release)
        .with_context(|| format!("`rustc -vV`: release {release:?} is not semver"))?;
    let channel = match version.pre.as_str() {
        "" => Channel::Stable,
        p if p.starts_with("beta") => Channel::Beta,
        _ => Channel::Nightly,
    };
    let llvm_version = field("LLVM version:");
    let llvm_major = llvm_version
        .as_deref()
        .and_then(|v| v.split('.').next()?.parse().ok());
    Ok(RustcInfo {
        release,
        version,
        channel,
        commit_date: field("commit-date:"),
        host: field("host:").context("`rustc -vV`: no host line")?,
        llvm_version,
        llvm_major,
        sysroot: None,
        host_cfg: None,
    })
}

/// The toolchain a probe asks rustup for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// RUSTUP_TOOLCHAIN is already set by the user: rustup honours it over everything.
    UserEnv,
    /// A validated toolchain name (from a `rustup override` or the project's toolchain file).
    Named(String),
    /// The user's default toolchain (no file, or a file tiercheck will not follow).
    Default,
}

/// What rustup would select in `dir`, reduced to what is safe to hand it: only a validated
/// name, never a path, and never by letting rustup read the checkout itself.
pub fn choice_for(dir: &Path) -> Choice {
    selection_for(dir).0
}

/// `choice_for`, and the toolchain file that decided it when tiercheck reduced it (a `path`, an
/// invalid or unreadable file): the caller reports that file instead of running it.
pub fn selection_for(dir: &Path) -> (Choice, Option<toolchain_file::ToolchainPin>) {
    // rustup reads an empty variable as unset.
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some_and(|v| !v.is_empty()) {
        return (Choice::UserEnv, None);
    }
    let overrides = toolchain_file::rustup_overrides();
    let override_of = |d: &Path| overrides.iter().find(|(p, _)| p == d).map(|(_, n)| n);
    let Some(file) = toolchain_file::find(dir, |d| override_of(d).is_some()) else {
        // No file before the nearest `rustup override` (if any): that override decides.
        let choice = match dir.ancestors().find_map(override_of) {
            Some(name) if crate::toolchain_name::valid_name(name) => Choice::Named(name.clone()),
            _ => Choice::Default,
        };
        return (choice, None);
    };
    let shown = file
        .strip_prefix(dir)
        .map_or_else(|_| file.display().to_string(), |p| p.display().to_string());
    let pin = toolchain_file::read(&file, &shown, dir);
    match &pin.spec {
        toolchain_file::Spec::Named(n) => (Choice::Named(n.clone()), None),
        toolchain_file::Spec::Default => (Choice::Default, None),
        _ => (Choice::Default, Some(pin)),
    }
}

/// The one way tiercheck runs a toolchain program (`rustc`, `cargo`, `$RUSTC`): by its absolute
/// path (`path_search::program`), from `/`, with the toolchain named explicitly (a validated name),
/// so rustup never reads (or hangs on, or follows) a toolchain file in a checkout.
fn run(program: &str, args: &[&str], choice: &Choice) -> Result<String> {
    let out = trusted_output(program, args, choice)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "`{program} {}` failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// `program` started the trusted way (see `run`), stdin empty, whatever its exit status; a
/// rustc's answer from an earlier run where one is kept (`rustc_cache`).
fn trusted_output<S: AsRef<std::ffi::OsStr>>(
    program: &str,
    args: &[S],
    choice: &Choice,
) -> Result<std::process::Output> {
    let exe = crate::path_search::program(program)?;
    let args: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let cache = crate::rustc_cache::default_dir().and_then(|dir| {
        let home = crate::rustup_home::home();
        Some((crate::rustc_cache::key(&exe, &args, home.as_deref())?, dir))
    });
    if let Some(kept) = cache
        .as_ref()
        .and_then(|(k, dir)| crate::rustc_cache::get(dir, k))
    {
        return Ok(kept);
    }
    let out = start_trusted(program, &exe, &args, choice)?;
    if let Some((key, dir)) = &cache {
        crate::rustc_cache::put(dir, key, &out);
    }
    Ok(out)
}

fn start_trusted(
    program: &str,
    exe: &Path,
    args: &[String],
    choice: &Choice,
) -> Result<std::process::Output> {
    let mut c = Command::new(exe);
    // A toolchain named but not installed must not start a download.
    c.args(args)
        .env("RUSTUP_AUTO_INSTALL", "0")
        .stdin(std::process::Stdio::null())
        .current_dir("/");
    if let Choice::Named(n) = choice {
        if !crate::toolchain_name::valid_name(n) {
            bail!("{n:?} is not a toolchain name; tiercheck hands rustup names only");
        }
        c.env("RUSTUP_TOOLCHAIN", n);
    }
    crate::child::output(&mut c, program, Some(std::time::Duration::from_secs(120)))
        .with_context(|| format!("{program}: cannot run (not on PATH?)"))
}

/// A target name rustc can be handed: never a path or a spec file a config names.
fn target_name(triple: &str) -> Result<&str> {
    let plain = triple
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !plain || triple.ends_with(".json") || triple.starts_with('-') {
        bail!("{triple:?}: not a target name");
    }
    Ok(triple)
}

/// The chosen toolchain's rustc, resolved once per run and passed down: after the first
/// questions (through the rustup proxy, which reads rustup's settings and starts the toolchain's
/// rustc: two processes a question) the toolchain's own binary in the sysroot it reported, asked
/// directly. `$RUSTC` when the user set it; the program found on PATH when it is no proxy.
#[derive(Debug, Clone)]
pub struct Rustc {
    pub choice: Choice,
    program: String,
    /// The host triple and its `--print=cfg`, already answered.
    host_cfg: Option<(String, String)>,
}

impl Rustc {
    pub fn new(choice: Choice, info: Option<&RustcInfo>) -> Rustc {
        let program = info.and_then(own_rustc).unwrap_or_else(rustc_program);
        let host_cfg = info.and_then(|i| Some((i.host.clone(), i.host_cfg.clone()?)));
        Rustc {
            choice,
            program,
            host_cfg,
        }
    }

    /// `rustc --print cfg --target <triple>` (no target needs installing).
    pub fn print_cfg(&self, triple: &str) -> Result<String> {
        match &self.host_cfg {
            Some((host, cfg)) if host == triple => Ok(cfg.clone()),
            _ => run(
                &self.program,
                &["--print", "cfg", "--target", target_name(triple)?],
                &self.choice,
            ),
        }
    }

    /// Cargo's target-info call (cargo's `target_info.rs`) with `flags` where Cargo puts the
    /// rustflags, for a builtin target, run the trusted way; stdin is empty. The caller strips
    /// flags that load code or touch files (`project::probe::stripped`).
    pub fn target_info_probe(
        &self,
        triple: &str,
        flags: &[String],
    ) -> Result<std::process::Output> {
        let triple = target_name(triple)?;
        let mut args: Vec<String> = ["-", "--crate-name", "___", "--print=file-names"]
            .map(String::from)
            .to_vec();
        args.extend(flags.iter().cloned());
        args.extend(["--target".to_string(), triple.to_string()]);
        for t in ["bin", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"] {
            args.extend(["--crate-type".to_string(), t.to_string()]);
        }
        for p in ["sysroot", "split-debuginfo", "crate-name", "cfg"] {
            args.push(format!("--print={p}"));
        }
        trusted_output(&self.program, &args, &self.choice)
    }
}

/// Whether questions may skip the `rustc` on PATH for the toolchain's own binary: it is rustup's
/// proxy and `$RUSTC` is unset. A proxy for a toolchain already chosen adds a process and
/// rustup's start to every question. Anything else on PATH (a Nix toolchain, a wrapper that
/// passes its own `--sysroot`) is kept.
fn behind_rustup_proxy() -> bool {
    std::env::var_os("RUSTC").is_none()
        && crate::path_search::program("rustc").is_ok_and(|found| is_rustup_proxy(&found))
}

/// The rustc rustup's proxy would start for `choice`, read from rustup's settings and toolchain
/// directory (`rustup_home`) where they tell it exactly; `None` leaves the choice to the proxy.
fn rustc_rustup_starts(choice: &Choice) -> Option<String> {
    if !behind_rustup_proxy() {
        return None;
    }
    let user_env = std::env::var("RUSTUP_TOOLCHAIN")
        .ok()
        .filter(|v| !v.is_empty());
    let name = match choice {
        Choice::UserEnv => Some(user_env.as_deref()?),
        Choice::Named(n) => Some(n.as_str()),
        Choice::Default => None,
    };
    let home = crate::rustup_home::home()?;
    let settings = crate::rustup_home::Settings::load(&home)?;
    let env_host = crate::rustup_home::env_host();
    let exe = crate::rustup_home::rustc_of(&home, &settings, &env_host, name)?;
    Some(exe.to_string_lossy().into_owned())
}

/// The toolchain's own rustc in the sysroot it reported, behind rustup's proxy (see
/// `behind_rustup_proxy`), when that sysroot is one of rustup's toolchains: an answer kept
/// between runs never decides on its own which program runs.
fn own_rustc(info: &RustcInfo) -> Option<String> {
    if !behind_rustup_proxy() {
        return None;
    }
    let toolchains = std::fs::canonicalize(crate::rustup_home::home()?.join("toolchains")).ok()?;
    let sysroot = std::fs::canonicalize(info.sysroot.as_deref()?).ok()?;
    if sysroot.parent() != Some(toolchains.as_path()) {
        return None;
    }
    let exe = sysroot
        .join("bin")
        .join(format!("rustc{}", std::env::consts::EXE_SUFFIX));
    exe.is_file().then(|| exe.to_string_lossy().into_owned())
}

/// rustup installs its proxies as links to itself: symbolic (Unix) or hard (Windows, old installs).
fn is_rustup_proxy(program: &Path) -> bool {
    let is_rustup = |p: &Path| {
        p.file_stem()
            .is_some_and(|n| n == "rustup" || n == "rustup-init")
    };
    if std::fs::canonicalize(program).is_ok_and(|p| is_rustup(&p)) {
        return true;
    }
    let rustup = program.with_file_name(format!("rustup{}", std::env::consts::EXE_SUFFIX));
    same_file(program, &rustup)
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => {
            a.len() == b.len() && a.len() > 0 && a.modified().ok() == b.modified().ok()
        }
        _ => false,
    }
}

/// The toolchain rustup selects for `dir` (or the user's default for `None`), probed safely.
pub fn rustc_info(dir: Option<&Path>) -> Result<RustcInfo> {
    rustc_info_for(&dir.map_or(Choice::Default, choice_for))
}

/// The rustc probes run: `$RUSTC` from the user's environment, else `rustc`.
fn rustc_program() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

/// `rustc_info_of` the rustc `choice` selects: the toolchain's own binary when rustup's settings
/// tell which (`rustc_rustup_starts`), else `rustc_program` through rustup.
pub fn rustc_info_for(choice: &Choice) -> Result<RustcInfo> {
    let program = rustc_rustup_starts(choice).unwrap_or_else(rustc_program);
    rustc_info_of(&program, choice)
}

/// `rustc -vV`, the sysroot and the host's cfg of `program` (`rustc` or `$RUSTC`) under
/// `choice`: two processes at once, as `-vV` answers nothing else.
pub fn rustc_info_of(program: &str, choice: &Choice) -> Result<RustcInfo> {
    let (vv, prints) = std::thread::scope(|s| {
        let prints = s.spawn(|| run(program, &["--print=sysroot", "--print=cfg"], choice));
        (run(program, &["-vV"], choice), prints.join())
    });
    let mut info = parse_rustc_vv(&vv?)?;
    if let Ok(Ok(text)) = prints {
        let (sysroot, cfg) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        info.sysroot = Some(sysroot.trim().to_string());
        info.host_cfg = Some(cfg.to_string());
    }
    Ok(info)
}

pub fn cargo_version(choice: &Choice) -> Result<String> {
    Ok(run("cargo", &["-V"], choice)?.trim().to_string())
}

pub fn host_triple() -> Result<String> {
    Ok(rustc_info(None)?.host)
}

/// Whether the sysroot has the Cranelift backend (the rustc-codegen-cranelift-preview component).
pub fn has_cranelift(info: &RustcInfo) -> bool {
    let Some(sysroot) = &info.sysroot else {
        return false;
    };
    let dir = Path::new(sysroot)
        .join("lib/rustlib")
        .join(&info.host)
        .join("codegen-backends");
    dir.read_dir().is_ok_and(|mut d| {
        d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().contains("cranelift")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stable_and_nightly() {
        let stable = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 59807616e1fa2540724bfbac14d7976d7e4a3860\ncommit-date: 2026-04-14\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 22.1.2\n";
        let i = parse_rustc_vv(stable).unwrap();
        assert_eq!(
            (i.channel, i.llvm_major, i.version.minor),
            (Channel::Stable, Some(22), 95)
        );
        let nightly = stable.replace("release: 1.95.0", "release: 1.97.0-nightly");
        assert_eq!(parse_rustc_vv(&nightly).unwrap().channel, Channel::Nightly);
        assert!(parse_rustc_vv("garbage").is_err());
    }
}
