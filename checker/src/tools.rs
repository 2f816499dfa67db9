//! Finding a tier's tools on a plain machine (PATH, Debian's versioned names, rustup's
//! llvm-tools) and reading their versions.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::path_search::{is_executable, path_dirs, which};
use crate::tiers::{TierData, Tool};
use crate::toolchain::RustcInfo;

/// The first `N.N[.N]` in a `--version` output, as semver (missing parts are 0).
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let end = bytes[i..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .map_or(bytes.len(), |p| i + p);
            let parts: Vec<&str> = text[i..end].split('.').filter(|s| !s.is_empty()).collect();
            if parts.len() >= 2 {
                let n = |k: usize| {
                    parts
                        .get(k)
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                return Some(semver::Version::new(n(0), n(1), n(2)));
            }
            i = end;
        }
        i += 1;
    }
    None
}

/// A program that is no tool of nix/tiers.toml (such as `ld.lld`): `exe` on PATH, else the
/// highest `exe-<N>`.
pub fn find_plain(exe: &str) -> Option<PathBuf> {
    which(exe).or_else(|| versioned(exe).into_iter().next().map(|(_, p)| p))
}

/// `exe-<N>` on PATH, highest N first (Debian/Ubuntu name LLVM tools this way).
fn versioned(exe: &str) -> Vec<(u32, PathBuf)> {
    let prefix = format!("{exe}-");
    let mut found = vec![];
    for dir in path_dirs() {
        let Ok(entries) = dir.read_dir() else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(n) = name
                .strip_prefix(&prefix)
                .and_then(|n| n.parse::<u32>().ok())
            {
                if is_executable(&e.path()) {
                    found.push((n, e.path()));
                }
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// The version a tool reports, or an error naming the tool.
pub fn tool_version(tool: &Tool, path: &Path) -> Result<semver::Version> {
    let args = tool
        .version_args
        .clone()
        .unwrap_or_else(|| vec!["--version".into()]);
    // A tool on PATH that never answers must not hang tiercheck; run outside any checkout.
    let out = crate::child::output(
        Command::new(path).args(&args).current_dir("/"),
        "tool --version",
        Some(std::time::Duration::from_secs(30)),
    )
    .with_context(|| format!("{}: cannot run", path.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_version(&text).with_context(|| {
        format!(
            "{}: no version in `{}` output",
            path.display(),
            args.join(" ")
        )
    })
}

#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub version: semver::Version,
}

/// Looks `name` up for the host. `rustc` is the toolchain that will build (already probed): an
/// llvm_matched tool must have its LLVM major, and may come from its sysroot (rustup's
/// llvm-tools). `TIERCHECK_TOOL_<NAME>` overrides the lookup.
pub fn find(data: &TierData, name: &str, rustc: Option<&RustcInfo>) -> Result<Found> {
    let tool = data.tool(name)?;
    let llvm_major = rustc.and_then(|r| r.llvm_major);
    let min = semver::Version::parse(&tool.min_version)?;
    let mut rejected = vec![];
    for path in candidates(tool, name, rustc) {
        let version = match tool_version(tool, &path) {
            Ok(v) => v,
            Err(e) => {
                rejected.push(format!("{e:#}"));
                continue;
            }
        };
        if version < min {
            rejected.push(format!("{} is {version}, below {min}", path.display()));
        } else if tool.llvm_matched && llvm_major.is_some_and(|m| u64::from(m) != version.major) {
            rejected.push(format!(
                "{} is LLVM {}, rustc uses LLVM {}",
                path.display(),
                version.major,
                llvm_major.unwrap_or(0)
            ));
        } else {
            return Ok(Found { path, version });
        }
    }
    let why = if rejected.is_empty() {
        "not found on PATH".to_string()
    } else {
        rejected.join("; ")
    };
    bail!("tool {name}: {why}; install: {}", tool.install)
}

/// Where `find` looks, in order; every path absolute.
fn candidates(tool: &Tool, name: &str, rustc: Option<&RustcInfo>) -> Vec<PathBuf> {
    let key = format!("TIERCHECK_TOOL_{}", crate::env::env_key(name));
    if let Some(p) = env::var_os(&key) {
        let p = PathBuf::from(p);
        return vec![std::path::absolute(&p).unwrap_or(p)];
    }
    let versioned = versioned(&tool.exe);
    let mut found = vec![];
    if tool.llvm_matched {
        if let Some(m) = rustc.and_then(|r| r.llvm_major) {
            found.extend(
                versioned
                    .iter()
                    .filter(|(n, _)| *n == m)
                    .map(|(_, p)| p.clone()),
            );
        }
        found.extend(which(&tool.exe));
        found.extend(rustc.and_then(|r| sysroot_llvm_tool(r, &tool.exe)));
    } else {
        found.extend(which(&tool.exe));
        found.extend(versioned.into_iter().map(|(_, p)| p));
    }
    found
}

/// rustup's `llvm-tools` component puts LLVM tools in the sysroot of the probed toolchain.
fn sysroot_llvm_tool(rustc: &RustcInfo, exe: &str) -> Option<PathBuf> {
    let sysroot = Path::new(rustc.sysroot.as_deref()?);
    let p = sysroot
        .join("lib/rustlib")
        .join(&rustc.host)
        .join("bin")
        .join(exe);
    (sysroot.is_absolute() && is_executable(&p)).then_some(p)
}

pub fn require_all(
    data: &TierData,
    names: &[String],
    rustc: Option<&RustcInfo>,
) -> Result<Vec<(String, Found)>> {
    let mut out = vec![];
    let mut errors = vec![];
    for n in names {
        match find(data, n, rustc) {
            Ok(f) => out.push((n.clone(), f)),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        // An error is one line on stderr.
        bail!("{}", errors.join("; "));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_real_outputs() {
        let v = |s| parse_version(s).map(|v| v.to_string());
        assert_eq!(
            v("mold 1.10.1 (compatible with GNU ld)").as_deref(),
            Some("1.10.1")
        );
        assert_eq!(
            v("Debian clang version 22.1.8 (++20250101)").as_deref(),
            Some("22.1.8")
        );
        assert_eq!(
            v("LLVM (http://llvm.org/):\n  LLVM version 22.1.8\n").as_deref(),
            Some("22.1.8")
        );
        assert_eq!(
            v("Wild version 0.10.0 (compatible with GNU linkers)").as_deref(),
            Some("0.10.0")
        );
        assert_eq!(v("sccache 0.12.0").as_deref(), Some("0.12.0"));
        assert_eq!(v("x86_64 tool 3").as_deref(), None);
    }
}
