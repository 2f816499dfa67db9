//! The command line: what every command's arguments share (`--tier`, `--with`, the global
//! `--color`/`-q`/`-v`) and the value parsers of paths and targets. What commands print goes
//! through `output`. Both binaries (`tiercheck`, `cargo-tiercheck`) parse with `app::Cli` and run `main`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::builder::{PossibleValue, PossibleValuesParser};

use crate::resolve::Selection;
use crate::tiers::TierData;

#[derive(clap::Args, Clone, Default)]
pub struct SelectArgs {
    /// Switch on an optional technique (repeatable; `tiercheck tiers` lists them)
    #[arg(long = "with", value_name = "TECHNIQUE", value_parser = technique_parser(), hide_possible_values = true)]
    pub with: Vec<String>,
    /// Switch off one of the tier's techniques (repeatable)
    #[arg(long = "without", value_name = "TECHNIQUE", value_parser = technique_parser(), hide_possible_values = true)]
    pub without: Vec<String>,
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            with: self.with.clone(),
            without: self.without.clone(),
            ..Default::default()
        }
    }
}

/// How a report is printed.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people: facts, then `severity[rule] file:line:col: key: message`
    Text,
    /// The documented JSON report (checker/SCHEMA.md)
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::...`)
    Github,
    /// SARIF 2.1.0, for code scanning
    Sarif,
}

// What every checking command (project, binary, build, toolchain) takes after its inputs: how
// the report is printed, and the techniques switched on or off. (No doc comment: clap would
// take it as the command's about.)
#[derive(clap::Args, Clone)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub select: SelectArgs,
}

/// The tiers of the embedded data, with their titles, as clap's possible values.
pub fn tier_parser() -> PossibleValuesParser {
    let values: Vec<PossibleValue> = TierData::shared()
        .map(|d| {
            d.tiers
                .iter()
                .map(|(id, t)| PossibleValue::new(id.clone()).help(t.title.clone()))
                .collect()
        })
        .unwrap_or_default();
    PossibleValuesParser::new(values)
}

/// The techniques of the embedded data as clap's possible values: completions offer them (not
/// file names) and a typo gets clap's "a similar value exists". Not-shipped ones stay values, so
/// `--with` on them gets resolve's reason instead of a bare "invalid value".
pub fn technique_parser() -> PossibleValuesParser {
    let values: Vec<PossibleValue> = TierData::shared()
        .map(|d| {
            d.techniques
                .iter()
                .map(|(id, t)| PossibleValue::new(id.clone()).help(t.title.clone()))
                .collect()
        })
        .unwrap_or_default();
    PossibleValuesParser::new(values)
}

/// A directory argument that must exist: anything else is a usage error (exit 2, one line
/// `DIR: problem`, as tiercheck's other input errors), not an empty report.
#[derive(Clone)]
pub struct ExistingDir;

impl clap::builder::TypedValueParser for ExistingDir {
    type Value = PathBuf;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PathBuf, clap::Error> {
        let p = PathBuf::from(value);
        let why = match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => return Ok(p),
            Ok(_) => "not a directory".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "no such directory".to_string(),
            Err(e) => e.to_string(),
        };
        Err(clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!(
                "{}: {why}\n",
                crate::termsafe::field(&p.display().to_string())
            ),
        ))
    }
}

/// What `ProjectDir` and `ManifestPath` refuse: `value: problem`, on one line.
fn refused(p: &Path, why: &str) -> clap::Error {
    clap::Error::raw(
        clap::error::ErrorKind::ValueValidation,
        format!(
            "{}: {why}\n",
            crate::termsafe::field(&p.display().to_string())
        ),
    )
}

/// The directory of a manifest path (`Cargo.toml` alone is the current directory's).
fn manifest_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn is_manifest(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "Cargo.toml")
}

/// A project DIR: an existing directory, or a path to a Cargo.toml (its directory is meant, as
/// with `--manifest-path`).
#[derive(Clone)]
pub struct ProjectDir;

impl clap::builder::TypedValueParser for ProjectDir {
    type Value = PathBuf;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PathBuf, clap::Error> {
        let p = Path::new(value);
        if is_manifest(p) && p.is_file() {
            return Ok(manifest_dir(p));
        }
        match ExistingDir.parse_ref(cmd, arg, value) {
            Err(_) if p.is_file() => Err(refused(
                p,
                "not a directory (give the project directory, or --manifest-path <Cargo.toml>)",
            )),
            r => r,
        }
    }
}

/// `--manifest-path`: an existing file named Cargo.toml, as Cargo takes it; gives its directory.
#[derive(Clone)]
pub struct ManifestPath;

impl clap::builder::TypedValueParser for ManifestPath {
    type Value = PathBuf;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PathBuf, clap::Error> {
        let p = Path::new(value);
        if !is_manifest(p) {
            return Err(refused(
                p,
                "--manifest-path must be a path to a Cargo.toml file",
            ));
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => Ok(manifest_dir(p)),
            Ok(_) => Err(refused(p, "not a file")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(refused(p, "no such file")),
            Err(e) => Err(refused(p, &e.to_string())),
        }
    }
}

/// The project a command works on: DIR, or `--manifest-path` (as Cargo's) to its Cargo.toml.
#[derive(clap::Args, Clone)]
pub struct ProjectArgs {
    /// The project directory (a Cargo workspace or package), or its Cargo.toml
    #[arg(default_value = ".", value_parser = ProjectDir)]
    dir: PathBuf,
    /// Path to the project's Cargo.toml, instead of DIR (as cargo's --manifest-path)
    #[arg(long, value_name = "PATH", value_parser = ManifestPath, conflicts_with = "dir")]
    manifest_path: Option<PathBuf>,
}

impl ProjectArgs {
    /// The project directory.
    pub fn dir(&self) -> PathBuf {
        self.manifest_path
            .clone()
            .unwrap_or_else(|| self.dir.clone())
    }
}

/// A `--target` value: a target name as rustc spells them (`x86_64-unknown-linux-gnu`,
/// `thumbv8m.main-none-eabihf`), never a path. A custom target spec (a `.json` file, which Cargo
/// takes) is refused: tiercheck knows builtin targets only, and must not hand rustc a file.
pub fn target_name(s: &str) -> Result<String, String> {
    if s.ends_with(".json") {
        return Err(
            "custom target specs (.json) are not supported: tiercheck checks builtin targets only"
                .into(),
        );
    }
    let parts: Vec<&str> = s.split('-').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.'))
    };
    if s.len() <= 100
        && (2..=5).contains(&parts.len())
        && !s.contains("..")
        && parts.iter().all(part_ok)
    {
        Ok(s.to_string())
    } else {
        Err(
            "not a target name (such as x86_64-unknown-linux-gnu; see rustc --print target-list)"
                .into(),
        )
    }
}

/// `--tier` where it is optional; inside a tier shell it defaults to `$RUST_TIERS_TIER`.
#[derive(clap::Args, Clone, Default)]
pub struct TierArg {
    /// The tier to check against (default: $RUST_TIERS_TIER, set by the tier shells and `env`)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    pub tier: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal (and neither NO_COLOR nor CARGO_TERM_COLOR=never says no)
    #[default]
    Auto,
    Always,
    Never,
}

/// Options every command takes.
#[derive(clap::Args, Clone, Default)]
pub struct Global {
    /// Coloured output: auto (a terminal, unless NO_COLOR; CARGO_TERM_COLOR is honoured), always, never
    #[arg(long, value_enum, global = true, value_name = "WHEN")]
    pub color: Option<ColorWhen>,
    /// Print less: findings only, no facts or summary (progress stays off)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: each finding's rule documentation
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl Global {
    /// Whether stdout gets ANSI colour: `--color`, else CARGO_TERM_COLOR, else auto (a
    /// terminal and no NO_COLOR, as anstream decides for clap itself).
    pub fn color_on(&self) -> bool {
        let when =
            self.color
                .unwrap_or_else(|| match std::env::var("CARGO_TERM_COLOR").as_deref() {
                    Ok("always") => ColorWhen::Always,
                    Ok("never") => ColorWhen::Never,
                    _ => ColorWhen::Auto,
                });
        match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_never_paths() {
        for ok in [
            "x86_64-unknown-linux-gnu",
            "thumbv8m.main-none-eabihf",
            "aarch64-unknown-nto-qnx710_iosock",
            "wasm32-wasip1",
        ] {
            assert_eq!(target_name(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "../../x",
            "..-x",
            "x86_64-unknown-linux-gnu/../y",
            "/abs-x",
            "my-spec.json",
            "x86_64",
            "",
            "X86_64-unknown-linux-gnu",
            "a b-c",
            "a--b",
        ] {
            assert!(target_name(bad).is_err(), "{bad}");
        }
    }
}
