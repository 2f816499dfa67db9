//! Running the tiercheck binary hermetically: no RUSTFLAGS or tier variables from the caller, an
//! empty CARGO_HOME config.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Copies a fixture tree (so a test can build it without touching the checkout).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A Command with the caller's Cargo/tier variables removed.
pub fn clean(cmd: &str) -> Command {
    let mut c = Command::new(cmd);
    for (k, _) in std::env::vars() {
        if k.starts_with("CARGO_TARGET_")
            || k.starts_with("CARGO_PROFILE_")
            || k.starts_with("CARGO_UNSTABLE_")
            || k.starts_with("RUST_TIERS_")
            || [
                "RUSTFLAGS",
                "CARGO_ENCODED_RUSTFLAGS",
                "CARGO_BUILD_RUSTFLAGS",
                "RUSTC_WRAPPER",
                "CARGO_INCREMENTAL",
                "RUSTUP_TOOLCHAIN",
            ]
            .contains(&k.as_str())
        {
            c.env_remove(k);
        }
    }
    c.env("CARGO_HOME", empty_cargo_home())
        .env("RUSTUP_AUTO_INSTALL", "0");
    c
}

/// Keeps rustup's own files reachable (rustup reads RUSTUP_HOME, not CARGO_HOME) while the
/// config lookup sees no user config.
fn empty_cargo_home() -> PathBuf {
    let p = std::env::temp_dir().join("tiercheck-test-cargo-home");
    std::fs::create_dir_all(&p).ok();
    p
}

pub fn tiercheck(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run tiercheck")
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

pub fn rules(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}
