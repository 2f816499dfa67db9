//! Machine-dependent results of `tiercheck tune`, kept per machine (never in the project, which
//! teammates with other machines share): `$XDG_CONFIG_HOME/rust-tiers/tune/<hash>.json`
//! (`~/.config/...` without XDG_CONFIG_HOME), one file per project root and tier. `env` and
//! `build` apply them and say so; a record whose toolchain or core count no longer matches this
//! machine is stale, reported and not applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::host_env::{host_env, HostEnv, Tuned};
use crate::resolve::Selection;
use crate::tiers::TierData;
use crate::variant;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    /// The workspace root, canonical.
    pub project: String,
    pub tier: String,
    /// The rustup toolchain the tier ran with, and its `rustc -vV` release.
    pub toolchain: Option<String>,
    pub rustc: String,
    pub cores: usize,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub date: String,
    /// Changes as a configuration name spells them (`codegen-units=8`, `with=mold`): this
    /// machine's, which `env` and `build` apply.
    pub changes: Vec<String>,
    /// The project's confirmed choices (`split-debuginfo=off`, `deps.debug=line-tables-only`):
    /// never applied from here; `tiercheck init --tuned` writes them into Cargo.toml.
    #[serde(default)]
    pub project_changes: Vec<String>,
    /// What the confirmation run measured for them, one line per measurement.
    pub evidence: Vec<String>,
}

/// The per-machine directory, when the environment names a home for it.
pub fn base_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|h| h.join(".config"))
    };
    Some(xdg.or_else(home)?.join("rust-tiers/tune"))
}

/// The record's file for a workspace root and tier (the tier decides the toolchain).
pub fn path_for(root: &Path, tier: &str) -> Option<PathBuf> {
    Some(file_in(&base_dir()?, root, tier))
}

/// `base/<hash of root and tier>.json`.
pub fn file_in(base: &Path, root: &Path, tier: &str) -> PathBuf {
    let key = format!("{}\0{tier}", root.display());
    let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    base.join(format!("{h:016x}.json"))
}

pub fn load(root: &Path, tier: &str) -> Result<Option<(PathBuf, Record)>> {
    let Some(path) = path_for(root, tier) else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    let text = match crate::fsread::read_text(&path, &shown, 1 << 20) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let r: Record =
        serde_json::from_str(&text).with_context(|| format!("{shown}: not a tune record"))?;
    if r.project != root.display().to_string() || r.tier != tier {
        bail!(
            "{shown}: records {} {}, not this project and tier",
            r.project,
            r.tier
        );
    }
    Ok(Some((path, r)))
}

/// Writes the record (temp file, then rename) and returns its path.
pub fn save(r: &Record) -> Result<PathBuf> {
    let path = path_for(Path::new(&r.project), &r.tier)
        .context("no HOME or XDG_CONFIG_HOME to keep the tuned settings in")?;
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let temp = crate::atomic_fs::temp_name(&path);
    std::fs::write(&temp, serde_json::to_string_pretty(r)? + "\n")
        .and_then(|()| std::fs::rename(&temp, &path))
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(path)
}

/// Drops the record; whether there was one.
pub fn reset(root: &Path, tier: &str) -> Result<Option<PathBuf>> {
    let Some(path) = path_for(root, tier) else {
        return Ok(None);
    };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Some(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("{}: cannot remove", path.display())),
    }
}

/// Why the record no longer describes this machine, if it does not.
pub fn stale(r: &Record, rustc: &str, cores: usize) -> Option<String> {
    let mut why = vec![];
    if r.rustc != rustc {
        why.push(format!("tuned with rustc {}, now {rustc}", r.rustc));
    }
    if r.cores != cores {
        why.push(format!(
            "tuned on {} cores, this machine has {cores}",
            r.cores
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The tier's environment with this machine's tuned settings for the project in `dir` applied,
/// and the line that says so (or why they were not). Without a record, `h` as it is.
pub fn apply(
    data: &TierData,
    tier: &str,
    profile: Option<&str>,
    sel: &Selection,
    dir: &Path,
    h: HostEnv,
) -> Result<HostEnv> {
    let Ok(root) = crate::project::load::workspace_root_dir(dir) else {
        return Ok(h);
    };
    let root = root.canonicalize().unwrap_or(root);
    let (path, r) = match load(&root, tier) {
        Ok(Some(x)) => x,
        Ok(None) => return Ok(h),
        Err(e) => return Ok(noted(h, format!("tuned settings ignored: {e:#}"))),
    };
    if r.changes.is_empty() {
        // Only project choices: those are Cargo.toml's (`init --tuned`), not the environment's.
        return Ok(h);
    }
    let rustc = h
        .rustc
        .as_ref()
        .map_or("", |i| i.release.as_str())
        .to_string();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shown = path.display();
    if let Some(why) = stale(&r, &rustc, cores) {
        return Ok(noted(h, format!("tuned settings in {shown} are stale ({why}): not applied; run `tiercheck tune --tier {tier}` again, or --reset")));
    }
    match with_changes(data, tier, profile, sel, dir, h, &r.changes)? {
        (mut h, None) => {
            let note = format!("tuned on this machine ({}, `tiercheck tune`): {} (from {shown}; `tiercheck tune --tier {tier} --reset` drops them)", r.date, r.changes.join(", "));
            let spec = variant::parse(data, &format!("{tier}+{}", r.changes.join("+")))?;
            let (with, without) = variant::selection(&spec.changes);
            h.tuned = Some(Tuned {
                note,
                with,
                without,
            });
            Ok(h)
        }
        (h, Some(e)) => Ok(noted(
            h,
            format!("tuned settings in {shown} not applied: {e}"),
        )),
    }
}

fn noted(mut h: HostEnv, note: String) -> HostEnv {
    h.tuned = Some(Tuned {
        note,
        ..Default::default()
    });
    h
}

/// `h` with the changes; when they cannot be applied (a `--with`/`--without` contradicts one, a
/// tool is gone), `h` unchanged and why.
fn with_changes(
    data: &TierData,
    tier: &str,
    profile: Option<&str>,
    sel: &Selection,
    dir: &Path,
    h: HostEnv,
    changes: &[String],
) -> Result<(HostEnv, Option<String>)> {
    let spec = match variant::parse(data, &format!("{tier}+{}", changes.join("+"))) {
        Ok(s) => s,
        Err(e) => return Ok((h, Some(format!("{e:#}")))),
    };
    let mut tools: BTreeMap<String, String> = h.tools.clone();
    for t in variant::tools_needed(&spec.changes) {
        match crate::tools::find_plain(t).and_then(|p| p.to_str().map(String::from)) {
            Some(p) => drop(tools.insert(t.to_string(), p)),
            None => return Ok((h, Some(format!("tool {t} not found")))),
        }
    }
    let (with, without) = variant::selection(&spec.changes);
    let mut h = if with.is_empty() && without.is_empty() {
        h
    } else {
        let mut s = sel.clone();
        s.with.extend(with);
        s.without.extend(without);
        match host_env(data, tier, profile, &s, Some(dir)) {
            Ok(x) => x,
            Err(e) => return Ok((h, Some(format!("{e:#}")))),
        }
    };
    let triple = h.triple.clone();
    let mut s = variant::Settings {
        env: &mut h.env,
        cargo_config: &mut h.cargo_config,
    };
    variant::apply(&spec.changes, &mut s, &triple, &tools)?;
    Ok((h, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            schema: 1,
            project: "/p".into(),
            tier: "tier1".into(),
            toolchain: Some("stable".into()),
            rustc: "1.95.0".into(),
            cores: 2,
            date: "2026-12-03 20:00".into(),
            changes: vec!["codegen-units=8".into()],
            project_changes: vec![],
            evidence: vec![],
        }
    }

    #[test]
    fn a_record_is_stale_when_the_toolchain_or_the_cores_change() {
        let r = record();
        assert_eq!(stale(&r, "1.95.0", 2), None);
        let why = stale(&r, "1.96.0", 16).unwrap();
        assert!(
            why.contains("now 1.96.0") && why.contains("has 16"),
            "{why}"
        );
    }

    #[test]
    fn one_file_per_project_and_tier() {
        let b = Path::new("/c/rust-tiers/tune");
        let a = file_in(b, Path::new("/p"), "tier1");
        assert_eq!(a, file_in(b, Path::new("/p"), "tier1"));
        assert_ne!(a, file_in(b, Path::new("/p"), "tier2"));
        assert_ne!(a, file_in(b, Path::new("/q"), "tier1"));
        assert!(a.starts_with(b) && a.extension().is_some_and(|e| e == "json"));
    }
}
