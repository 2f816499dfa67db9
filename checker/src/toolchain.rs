//! What `rustc -vV` and `cargo -V` say about the active toolchain.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::tiers::Channel;

#[derive(Debug, Clone, Serialize)]
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

fn run(cmd: &str, args: &[&str], dir: Option<&Path>) -> Result<String> {
    let mut c = Command::new(cmd);
    // A rust-toolchain file naming an uninstalled toolchain must not start a download.
    c.args(args).env("RUSTUP_AUTO_INSTALL", "0");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let out = c
        .output()
        .with_context(|| format!("{cmd}: cannot run (not on PATH?)"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "`{cmd} {}` failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// The toolchain that `rustc` resolves to in `dir` (rustup honours rust-toolchain.toml there).
pub fn rustc_info(dir: Option<&Path>) -> Result<RustcInfo> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut info = parse_rustc_vv(&run(&rustc, &["-vV"], dir)?)?;
    info.sysroot = run(&rustc, &["--print", "sysroot"], dir)
        .ok()
        .map(|s| s.trim().to_string());
    Ok(info)
}

pub fn cargo_version(dir: Option<&Path>) -> Result<String> {
    Ok(run("cargo", &["-V"], dir)?.trim().to_string())
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
