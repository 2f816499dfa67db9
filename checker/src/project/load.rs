//! Reads what Cargo reads for a project: the manifests, `.cargo/config.toml` up the directory
//! tree and in CARGO_HOME, the rust-toolchain file, and the environment.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::fsread;
pub use crate::project::toolchain_file::ToolchainPin;
use crate::project::toolchain_file::{self, parse_channel};

pub struct TomlFile {
    pub path: PathBuf,
    /// How findings name the file: relative to the project dir when inside it.
    pub shown: String,
    pub table: toml::Table,
}

pub struct Project {
    pub dir: PathBuf,
    pub root: TomlFile,
    /// Workspace members other than the root package.
    pub members: Vec<TomlFile>,
    /// Nearest first (the order in which Cargo lets them win).
    pub configs: Vec<TomlFile>,
    pub toolchain: Option<ToolchainPin>,
    /// Variables that change what Cargo does (RUSTFLAGS, CARGO_TARGET_*, CARGO_PROFILE_*, ...).
    pub env: BTreeMap<String, String>,
}

/// Reads a TOML file; a syntax error becomes one line with the file, line and column.
pub fn read_toml(path: &Path, shown: &str) -> Result<toml::Table> {
    let text = fsread::read_text(path, shown, fsread::TEXT_CAP)?;
    text.parse::<toml::Table>().map_err(|e| {
        let at = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(" at line {line} column {col}")
        });
        anyhow::anyhow!(
            "{shown}: invalid TOML{}: {}",
            at.unwrap_or_default(),
            e.message().trim()
        )
    })
}

fn shown(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn load(dir: &Path, path: PathBuf) -> Result<TomlFile> {
    let s = shown(dir, &path);
    let table = read_toml(&path, &s)?;
    Ok(TomlFile {
        path,
        shown: s,
        table,
    })
}

pub fn get<'a>(table: &'a toml::Table, keys: &[&str]) -> Option<&'a toml::Value> {
    let (last, head) = keys.split_last()?;
    let mut t = table;
    for k in head {
        t = t.get(*k)?.as_table()?;
    }
    t.get(*last)
}

/// Where a profile's `inherits` chain leads in a manifest: the built-in profile it ends at, and
/// the keys the custom profiles on the way set themselves.
pub struct ProfileChain {
    /// "dev" or "release"; `None` when the chain is broken or the profile is not in the file.
    pub root: Option<&'static str>,
    pub keys: Vec<String>,
}

pub fn profile_chain(manifest: &toml::Table, profile: &str) -> ProfileChain {
    let mut cur = profile.to_string();
    let mut keys = vec![];
    for _ in 0..8 {
        match cur.as_str() {
            "dev" | "test" => {
                return ProfileChain {
                    root: Some("dev"),
                    keys,
                }
            }
            "release" | "bench" => {
                return ProfileChain {
                    root: Some("release"),
                    keys,
                }
            }
            _ => {}
        }
        let Some(t) = get(manifest, &["profile", &cur]).and_then(|v| v.as_table()) else {
            break;
        };
        keys.extend(t.keys().filter(|k| *k != "inherits").cloned());
        match t.get("inherits").and_then(|v| v.as_str()) {
            Some(parent) => cur = parent.to_string(),
            None => break,
        }
    }
    ProfileChain { root: None, keys }
}

/// Expands a workspace member pattern (`crates/*`, `app`) into directories with a Cargo.toml.
fn expand_member(root: &Path, pattern: &str) -> Vec<PathBuf> {
    match pattern.strip_suffix("/*") {
        Some(parent) => {
            let mut dirs: Vec<PathBuf> = fs::read_dir(root.join(parent))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("Cargo.toml").is_file())
                .collect();
            dirs.sort();
            dirs
        }
        None => vec![root.join(pattern)],
    }
}

fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

fn toolchain_pin(dir: &Path, tree: &Path) -> Option<ToolchainPin> {
    let overrides = toolchain_file::rustup_overrides();
    let file = toolchain_file::find(dir, |d| overrides.iter().any(|(p, _)| p == d))?;
    Some(toolchain_file::read(&file, &shown(dir, &file), tree))
}

fn relevant_env() -> BTreeMap<String, String> {
    const EXACT: &[&str] = &[
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "CARGO_INCREMENTAL",
        "RUST_TIERS_TIER",
        "RUST_TIERS_TECHNIQUES",
    ];
    const PREFIX: &[&str] = &[
        "CARGO_TARGET_",
        "CARGO_PROFILE_",
        "CARGO_UNSTABLE_",
        "SCCACHE_",
    ];
    env::vars()
        .filter(|(k, _)| EXACT.contains(&k.as_str()) || PREFIX.iter().any(|p| k.starts_with(p)))
        .collect()
}

impl Project {
    pub fn load(dir: &Path) -> Result<Project> {
        if !dir.is_dir() {
            bail!("{}: not a directory", dir.display());
        }
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", dir.display()))?;
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            bail!("{}: no Cargo.toml (not a Cargo project)", dir.display());
        }
        let mut root = load(&dir, manifest)?;
        // A member's profiles are ignored by Cargo: read the workspace root's.
        if root.table.get("workspace").is_none() {
            for up in dir.ancestors().skip(1) {
                let m = up.join("Cargo.toml");
                if m.is_file() {
                    let t = load(&dir, m)?;
                    if t.table.get("workspace").is_some() {
                        root = t;
                        break;
                    }
                }
            }
        }
        let root_dir = root
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.clone());
        let mut members = vec![];
        if let Some(list) = get(&root.table, &["workspace", "members"]).and_then(|v| v.as_array()) {
            for pat in list.iter().filter_map(|v| v.as_str()) {
                for d in expand_member(&root_dir, pat) {
                    let m = d.join("Cargo.toml");
                    if m != root.path && m.is_file() {
                        members.push(load(&dir, m)?);
                    }
                }
            }
        }
        let mut configs = vec![];
        let mut seen = vec![];
        let home_dir = cargo_home();
        let chain = dir.ancestors().map(|d| d.join(".cargo")).chain(home_dir);
        for cdir in chain {
            for name in ["config.toml", "config"] {
                let p = cdir.join(name);
                if fsread::Kind::of_link(&p) != fsread::Kind::Missing && !seen.contains(&p) {
                    seen.push(p.clone());
                    configs.push(load(&dir, p)?);
                    break;
                }
            }
        }
        Ok(Project {
            toolchain: toolchain_pin(&dir, &root_dir),
            dir,
            root,
            members,
            configs,
            env: relevant_env(),
        })
    }

    /// `[profile.<p>.<key>]`: config files (nearest first) win over the root manifest.
    pub fn profile_value(&self, profile: &str, key: &str) -> Option<(&TomlFile, &toml::Value)> {
        let path = ["profile", profile, key];
        self.configs
            .iter()
            .find_map(|c| get(&c.table, &path).map(|v| (c, v)))
            .or_else(|| get(&self.root.table, &path).map(|v| (&self.root, v)))
    }

    /// Every profile table the project defines (manifest and configs).
    pub fn profiles(&self) -> Vec<(&TomlFile, String, &toml::Table)> {
        let mut out = vec![];
        for f in std::iter::once(&self.root).chain(&self.configs) {
            if let Some(t) = f.table.get("profile").and_then(|v| v.as_table()) {
                for (name, v) in t {
                    if let Some(pt) = v.as_table() {
                        out.push((f, name.clone(), pt));
                    }
                }
            }
        }
        out
    }

    /// The lowest `rust-version` the root package, the workspace or any member declares.
    pub fn rust_version(&self) -> Option<(String, semver::Version)> {
        let mut found = vec![];
        for f in std::iter::once(&self.root).chain(&self.members) {
            for path in [
                &["package", "rust-version"][..],
                &["workspace", "package", "rust-version"][..],
            ] {
                if let Some(v) = get(&f.table, path).and_then(|v| v.as_str()) {
                    if let (_, Some(ver)) = parse_channel(v) {
                        found.push((format!("{}: {}", f.shown, path.join(".")), ver));
                    }
                }
            }
        }
        found.into_iter().min_by(|a, b| a.1.cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_chains() {
        let t: toml::Table = "[profile.fat]\ninherits = \"prof\"\nlto = \"fat\"\n[profile.prof]\ninherits = \"release\"\nstrip = \"none\"\n[profile.loop]\ninherits = \"loop\"\n".parse().unwrap();
        let c = profile_chain(&t, "fat");
        assert_eq!(
            (c.root, c.keys),
            (
                Some("release"),
                vec!["lto".to_string(), "strip".to_string()]
            )
        );
        assert_eq!(profile_chain(&t, "test").root, Some("dev"));
        assert_eq!(profile_chain(&t, "missing").root, None);
        assert_eq!(
            profile_chain(&t, "loop").root,
            None,
            "a cycle ends without a root"
        );
    }

    #[test]
    fn broken_toml_is_one_line_with_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "[package]\nname = \"x\nversion = 1\n").unwrap();
        let e = read_toml(&p, "Cargo.toml").unwrap_err().to_string();
        assert!(e.starts_with("Cargo.toml: invalid TOML at line 2"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
