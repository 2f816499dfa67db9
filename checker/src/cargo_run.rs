//! The one way tiercheck runs cargo: one environment scrub (`SCRUBBED`), rustup never asked to
//! install, the program found as `child::command` finds programs. `build` and `pgo` build
//! through `build`; `bench` and `tune` measure through `command`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::host_env::HostEnv;
use crate::resolve::Selection;

/// Which cargo runs a variable is removed from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scrub {
    /// The user's build under a tier (`build`, `pgo`): only what would replace the tier's own
    /// settings goes; the user's target dir, jobs, profile overrides and wrapper stay theirs.
    Tier,
    /// A measurement (`bench`, `tune`): also everything a shell may carry that would change what
    /// a configuration measures. Each configuration sets its own.
    Measure,
}

/// Every variable tiercheck removes from cargo's environment, and from which runs. A name ending
/// in `_` is a prefix.
const SCRUBBED: &[(&str, Scrub)] = &[
    // They replace the tier's target rustflags: Cargo does not merge them with those.
    ("RUSTFLAGS", Scrub::Tier),
    ("CARGO_ENCODED_RUSTFLAGS", Scrub::Tier),
    // A user's wrapper (sccache) would measure its cache, not the configuration.
    ("RUSTC_WRAPPER", Scrub::Measure),
    ("RUSTC_WORKSPACE_WRAPPER", Scrub::Measure),
    // Profile, target and build settings: a configuration sets the ones it measures.
    // `CARGO_TARGET_` covers CARGO_TARGET_DIR too: each configuration builds in its own.
    ("CARGO_INCREMENTAL", Scrub::Measure),
    ("CARGO_PROFILE_", Scrub::Measure),
    ("CARGO_TARGET_", Scrub::Measure),
    ("CARGO_BUILD_", Scrub::Measure),
    ("CARGO_UNSTABLE_", Scrub::Measure),
    // The tier shells' own markers (RUST_TIERS_TIER, ...) belong to the shell, not the run.
    ("RUST_TIERS_", Scrub::Measure),
];

/// Whether `scrub` runs lose the variable `k`.
pub fn scrubbed(k: &str, scrub: Scrub) -> bool {
    SCRUBBED.iter().any(|&(name, when)| {
        (when == Scrub::Tier || scrub == Scrub::Measure)
            && (k == name || (name.ends_with('_') && k.starts_with(name)))
    })
}

/// The names `Scrub::Tier` runs lose (no prefixes among them): what a check of the project as
/// that build sees it must not read.
pub fn tier_scrubbed() -> Vec<&'static str> {
    SCRUBBED
        .iter()
        .filter(|&&(_, when)| when == Scrub::Tier)
        .map(|&(name, _)| name)
        .collect()
}

/// cargo, to run in `dir`: this process's environment without what `scrub` removes, then `env`
/// (in order, later wins), and rustup never installing a toolchain on its own. The caller adds
/// the arguments.
pub fn command<'a>(
    dir: &Path,
    scrub: Scrub,
    env: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<Command> {
    let mut c = crate::child::command("cargo")?;
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| scrubbed(k, scrub)) {
            c.env_remove(k);
        }
    }
    c.current_dir(dir).envs(env).env("RUSTUP_AUTO_INSTALL", "0");
    Ok(c)
}

/// A build under a tier, as `build` and `pgo` run it.
pub struct Options<'a> {
    pub tier: &'a str,
    pub profile: String,
    pub dir: &'a Path,
    pub select: &'a Selection,
    pub cargo_args: &'a [String],
    pub targets: &'a [String],
    /// cargo's `--message-format`: JSON on stdout, for the executables, diagnostics rendered on
    /// stderr (`json-render-diagnostics`), in the user's style when they asked for one.
    pub message_format: String,
    /// Say on stderr what is built, before cargo's output (the report follows on stdout).
    pub announce: bool,
}

/// Runs cargo with the tier environment (plus `extra` variables, which win, and `extra_args`
/// such as `--config`); returns the executables cargo reported.
pub fn build(
    opts: &Options,
    env: &HostEnv,
    toolchain: Option<&str>,
    extra: &BTreeMap<String, String>,
    extra_args: &[String],
) -> Result<(bool, Vec<PathBuf>)> {
    let envs = env.env.iter().chain(extra);
    let mut c = command(opts.dir, Scrub::Tier, envs)?;
    c.arg("build")
        .arg(format!("--message-format={}", opts.message_format))
        .arg("--profile")
        .arg(&opts.profile)
        .args(extra_args);
    // What the environment cannot carry (dependency profiles), as `tiercheck init` would write it.
    for kv in &env.cargo_config {
        c.arg("--config").arg(kv);
    }
    for t in opts.targets {
        c.arg("--target").arg(t);
    }
    c.args(opts.cargo_args);
    if let Some(t) = toolchain {
        c.env("RUSTUP_TOOLCHAIN", t);
    }
    c.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = crate::child::spawn(&mut c, "cargo").context("is cargo on PATH?")?;
    let mut exes = vec![];
    if let Some(out) = child.take_stdout() {
        for line in BufReader::new(out).lines() {
            let line = line.context("reading cargo's output")?;
            exes.extend(executable(&line));
        }
    }
    let status = child.wait(None)?;
    exes.sort();
    exes.dedup();
    Ok((status.success(), exes))
}

/// What tiercheck reads of one of cargo's JSON messages (`--message-format=json`).
#[derive(Debug, Deserialize)]
struct Message {
    reason: String,
    /// Set on a `compiler-artifact` that is a binary, test or example; null or absent otherwise.
    executable: Option<PathBuf>,
}

/// The executable a line of cargo's output announces. A line that is no JSON message (text
/// a build script or the rendered diagnostics put there) announces none.
fn executable(line: &str) -> Option<PathBuf> {
    let msg: Message = serde_json::from_str(line).ok()?;
    if msg.reason == "compiler-artifact" {
        msg.executable
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three lines of `cargo build --message-format=json` for a package with a build script.
    const MESSAGES: [&str; 3] = [
        r#"{"reason":"compiler-artifact","package_id":"path+file:///p#0.1.0","manifest_path":"/p/Cargo.toml","target":{"kind":["custom-build"],"crate_types":["bin"],"name":"build-script-build","src_path":"/p/build.rs","edition":"2024","doc":false,"doctest":false,"test":false},"profile":{"opt_level":"0","debuginfo":0,"debug_assertions":true,"overflow_checks":true,"test":false},"features":[],"filenames":["/p/target/debug/build/p-3eaa0f3425ee80f8/build-script-build"],"executable":null,"fresh":false}"#,
        r#"{"reason":"build-script-executed","package_id":"path+file:///p#0.1.0","linked_libs":[],"linked_paths":[],"cfgs":["demo"],"env":[],"out_dir":"/p/target/debug/build/p-89b93070d178af5e/out"}"#,
        r#"{"reason":"compiler-artifact","package_id":"path+file:///p#0.1.0","manifest_path":"/p/Cargo.toml","target":{"kind":["bin"],"crate_types":["bin"],"name":"p","src_path":"/p/src/main.rs","edition":"2024","doc":true,"doctest":false,"test":true},"profile":{"opt_level":"0","debuginfo":2,"debug_assertions":true,"overflow_checks":true,"test":false},"features":[],"filenames":["/p/target/debug/p"],"executable":"/p/target/debug/p","fresh":false}"#,
    ];

    #[test]
    fn only_a_compiler_artifact_announces_an_executable() {
        let got: Vec<_> = MESSAGES.iter().map(|l| executable(l)).collect();
        assert_eq!(got, [None, None, Some(PathBuf::from("/p/target/debug/p"))]);
        assert_eq!(executable("warning: build script printed this"), None);
        assert_eq!(
            executable(r#"{"reason":"build-finished","success":true}"#),
            None
        );
    }

    #[test]
    fn a_build_keeps_the_users_settings_a_measurement_does_not() {
        for k in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
            assert!(
                scrubbed(k, Scrub::Tier) && scrubbed(k, Scrub::Measure),
                "{k}"
            );
        }
        for k in [
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "CARGO_PROFILE_RELEASE_LTO",
            "RUSTC_WRAPPER",
            "RUST_TIERS_TIER",
        ] {
            assert!(
                !scrubbed(k, Scrub::Tier) && scrubbed(k, Scrub::Measure),
                "{k}"
            );
        }
        assert!(!scrubbed("PATH", Scrub::Measure) && !scrubbed("CARGO_HOME", Scrub::Measure));
        assert_eq!(tier_scrubbed(), ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]);
    }
}
