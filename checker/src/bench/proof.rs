//! What a sample must have done, read from cargo's JSON messages: a clean build compiled every
//! unit, an incremental build recompiled the crate whose file was touched. A sample that cannot
//! show this is refused, so a wrong target dir or a no-op build never becomes a fast number.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::presets::Config;
use crate::cargo_run::{self, Scrub};

#[derive(Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
enum Message {
    CompilerArtifact(Artifact),
    BuildFinished {
        success: bool,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Artifact {
    manifest_path: PathBuf,
    fresh: bool,
    executable: Option<PathBuf>,
}

/// One cargo run as its messages tell it.
#[derive(Debug, Default)]
pub struct Build {
    /// Units cargo reported (compiled or fresh).
    pub units: usize,
    /// Manifests of the units that were compiled this time.
    pub compiled: Vec<PathBuf>,
    pub executables: Vec<PathBuf>,
    pub finished: bool,
}

impl Build {
    pub fn parse(stdout: &str) -> Build {
        let mut b = Build::default();
        for line in stdout.lines() {
            match serde_json::from_str::<Message>(line) {
                Ok(Message::CompilerArtifact(a)) => {
                    b.units += 1;
                    if !a.fresh {
                        b.compiled.push(a.manifest_path);
                    }
                    b.executables.extend(a.executable);
                }
                Ok(Message::BuildFinished { success }) => b.finished = success,
                _ => {}
            }
        }
        b
    }

    /// A clean build: cargo compiled every unit it reported, and at least one.
    pub fn prove_clean(&self, what: &str) -> Result<()> {
        if !self.finished {
            bail!("{what}: cargo reported no successful build-finished message");
        }
        if self.units == 0 {
            bail!("{what}: cargo compiled nothing (was the target dir really emptied?)");
        }
        let fresh = self.units - self.compiled.len();
        if fresh > 0 {
            bail!(
                "{what}: {fresh} of {} units were fresh, so this was not a clean build (a target dir cargo does not use?)",
                self.units
            );
        }
        Ok(())
    }

    /// An incremental or edit build: the package owning the touched or edited file was compiled
    /// again (a file outside its crate's module tree changes nothing Cargo tracks).
    pub fn prove_rebuilt(&self, what: &str, manifest: &Path) -> Result<()> {
        if !self.finished {
            bail!("{what}: cargo reported no successful build-finished message");
        }
        if !self.compiled.iter().any(|m| same_file(m, manifest)) {
            bail!(
                "{what}: cargo did not recompile {} after the change ({} unit(s) compiled); is the file part of a crate the build compiles?",
                manifest.display(),
                self.compiled.len()
            );
        }
        Ok(())
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// The manifest of the package a source file belongs to: the nearest Cargo.toml above it that
/// has a `[package]` table.
pub fn owning_manifest(file: &Path) -> Result<PathBuf> {
    let file = file.canonicalize()?;
    for dir in file.ancestors().skip(1) {
        let m = dir.join("Cargo.toml");
        let shown = m.display().to_string();
        let Ok(text) = crate::fsread::read_text(&m, &shown, crate::fsread::TEXT_CAP) else {
            continue;
        };
        if text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("package"))
        {
            return Ok(m);
        }
    }
    bail!("{}: no Cargo.toml with [package] above it", file.display())
}

/// Runs `cargo <command> <extra>` for `cfg` in `dir`, into `target`, its stderr into `log`:
/// the wall time and what cargo did.
pub fn cargo_in(
    dir: &Path,
    cfg: &Config,
    target: &Path,
    extra: &[&str],
    log: &Path,
) -> Result<(f64, Build)> {
    let mut c = cargo_run::command(dir, Scrub::Measure, &cfg.env)?;
    c.arg(&cfg.command).args(extra).arg("--message-format=json");
    for kv in &cfg.cargo_config {
        c.arg("--config").arg(kv);
    }
    c.env("CARGO_TARGET_DIR", target).stdin(Stdio::null());
    let t = Instant::now();
    let out = crate::child::output(&mut c, "cargo", None)?;
    let secs = t.elapsed().as_secs_f64();
    std::fs::write(log, &out.stderr).with_context(|| format!("{}: cannot write", log.display()))?;
    if !out.status.success() {
        bail!(
            "{}: cargo {} failed; see {}",
            cfg.name,
            cfg.command,
            log.display()
        );
    }
    Ok((secs, Build::parse(&String::from_utf8_lossy(&out.stdout))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(manifest: &str, fresh: bool) -> String {
        format!(
            r#"{{"reason":"compiler-artifact","package_id":"x","manifest_path":"{manifest}","target":{{"name":"x"}},"fresh":{fresh},"executable":null,"filenames":[]}}"#
        )
    }
    const DONE: &str = r#"{"reason":"build-finished","success":true}"#;

    #[test]
    fn a_clean_build_compiles_every_unit() {
        let out = [
            msg("/p/a/Cargo.toml", false),
            msg("/p/b/Cargo.toml", false),
            DONE.into(),
        ]
        .join("\n");
        let b = Build::parse(&out);
        assert_eq!(b.units, 2);
        b.prove_clean("clean").unwrap();
    }

    #[test]
    fn fresh_units_or_nothing_are_not_a_clean_build() {
        let out = [
            msg("/p/a/Cargo.toml", true),
            msg("/p/b/Cargo.toml", false),
            DONE.into(),
        ]
        .join("\n");
        let e = Build::parse(&out).prove_clean("clean").unwrap_err();
        assert!(e.to_string().contains("1 of 2 units were fresh"), "{e}");
        assert!(Build::parse(DONE).prove_clean("clean").is_err());
        assert!(Build::parse(&msg("/p/a/Cargo.toml", false))
            .prove_clean("clean")
            .is_err());
    }

    #[test]
    fn an_incremental_build_recompiles_the_touched_package() {
        let out = [
            msg("/p/a/Cargo.toml", true),
            msg("/p/b/Cargo.toml", false),
            DONE.into(),
        ]
        .join("\n");
        let b = Build::parse(&out);
        b.prove_rebuilt("incr", Path::new("/p/b/Cargo.toml"))
            .unwrap();
        assert!(b
            .prove_rebuilt("incr", Path::new("/p/a/Cargo.toml"))
            .is_err());
    }
}
