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
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some() {
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

/// `program` started the trusted way (see `run`), stdin empty, whatever its exit status.
fn trusted_output<S: AsRef<std::ffi::OsStr>>(
    program: &str,
    args: &[S],
    choice: &Choice,
) -> Result<std::process::Output> {
    let exe = crate::path_search::program(program)?;
    let mut c = Command::new(&exe);
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

/// Cargo's target-info call (cargo's `target_info.rs`) with `flags` where Cargo puts the
/// rustflags, for a builtin target, run the trusted way; stdin is empty. The caller strips
/// flags that load code or touch files (`project::probe::stripped`).
pub fn target_info_probe(
    choice: &Choice,
    triple: &str,
    flags: &[String],
) -> Result<std::process::Output> {
    let plain = triple
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !plain || triple.ends_with(".json") || triple.starts_with('-') {
        bail!("{triple:?}: not a target name");
    }
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
    trusted_output(&rustc_program(), &args, choice)
}

/// The toolchain rustup selects for `dir` (or the user's default for `None`), probed safely.
pub fn rustc_info(dir: Option<&Path>) -> Result<RustcInfo> {
    rustc_info_for(&dir.map_or(Choice::Default, choice_for))
}

/// The rustc probes run: `$RUSTC` from the user's environment, else `rustc`.
fn rustc_program() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

pub fn rustc_info_for(choice: &Choice) -> Result<RustcInfo> {
    rustc_info_of(&rustc_program(), choice)
}

/// `rustc -vV` and the sysroot of `program` (`rustc` or `$RUSTC`) under `choice`.
pub fn rustc_info_of(program: &str, choice: &Choice) -> Result<RustcInfo> {
    let mut info = parse_rustc_vv(&run(program, &["-vV"], choice)?)?;
    info.sysroot = run(program, &["--print", "sysroot"], choice)
        .ok()
        .map(|s| s.trim().to_string());
    Ok(info)
}

/// `rustc --print cfg --target <triple>` of the chosen toolchain (no target needs installing).
pub fn print_cfg(choice: &Choice, triple: &str) -> Result<String> {
    // A config's `[build] target` may name a spec file: never hand rustc a path.
    let plain = triple
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !plain || triple.ends_with(".json") || triple.starts_with('-') {
        bail!("{triple:?}: not a target name");
    }
    run(
        &rustc_program(),
        &["--print", "cfg", "--target", triple],
        choice,
    )
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
