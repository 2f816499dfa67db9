//! `env` follows a project's toolchain file when it fits the tier, says so loudly when it does
//! not, and `env --unset` undoes what `env` exports. Needs rustup with stable and nightly.

mod common;

use std::path::Path;
use std::process::Output;

use common::{clean, json};

fn env_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.arg("env").args(args).current_dir(dir);
    c.output().unwrap()
}

fn project(channel: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let pin = format!("[toolchain]\nchannel = \"{channel}\"\n");
    std::fs::write(d.path().join("rust-toolchain.toml"), pin).unwrap();
    d
}

fn rustup_has(name: &str) -> bool {
    std::process::Command::new("rustup")
        .args(["run", name, "rustc", "-V"])
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether rustup lacks one of `names`, said on stderr: the calling test is skipped.
fn lacks(names: &[&str]) -> bool {
    let missing = names.iter().any(|n| !rustup_has(n));
    if missing {
        eprintln!("SKIPPED: no rustup {}", names.join(" and "));
    }
    missing
}

#[test]
fn a_fitting_toolchain_file_is_followed() {
    if lacks(&["nightly"]) {
        return;
    }
    let d = project("nightly");
    let o = env_in(d.path(), &["tier1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let doc = json(&o);
    assert_eq!(doc["project_toolchain"]["status"], "followed", "{doc}");
    assert!(doc["env"].get("RUSTUP_TOOLCHAIN").is_none(), "{doc}");
    let sh = env_in(d.path(), &["tier1"]);
    let text = String::from_utf8_lossy(&sh.stdout);
    assert!(
        text.contains("# toolchain:") && !text.contains("RUSTUP_TOOLCHAIN="),
        "{text}"
    );
}

#[test]
fn an_unfit_toolchain_file_is_overridden_loudly() {
    if lacks(&["stable", "nightly"]) {
        return;
    }
    let d = project("stable");
    let o = env_in(d.path(), &["tier2", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let doc = json(&o);
    assert_eq!(doc["project_toolchain"]["status"], "overridden", "{doc}");
    assert!(doc["env"]["RUSTUP_TOOLCHAIN"].as_str().is_some(), "{doc}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not fit tier2"), "{err}");
}

#[test]
fn unset_undoes_env() {
    let d = tempfile::tempdir().unwrap();
    let o = env_in(d.path(), &["--unset", "tier1"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    for name in [
        "CARGO_PROFILE_RELEASE_LTO",
        "RUST_TIERS_TIER",
        "RUSTUP_TOOLCHAIN",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(
        text.starts_with("unset ") && text.lines().count() == 1,
        "{text}"
    );
}

/// rustup cannot serve Cranelift for the Nix pin's date here: tier3 then runs the installed
/// dated nightly that has it, and says which instead of the pin (CI installs it, see
/// .ci/install-toolchains.sh).
#[test]
fn tier3_runs_an_installed_cranelift_nightly_and_says_so() {
    let nightly =
        std::env::var("CRANELIFT_NIGHTLY").unwrap_or_else(|_| "nightly-2026-10-29".into());
    if !rustup_has(&nightly) || rustup_has("nightly-2026-08-22") {
        eprintln!("SKIPPED: {nightly} not installed (or the Nix pin is)");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let o = env_in(d.path(), &["tier3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let doc = json(&o);
    let chosen = doc["toolchain"].as_str().unwrap_or_default().to_string();
    assert!(chosen.starts_with("nightly-20"), "{doc}");
    let note = doc["toolchain_note"].as_str().unwrap_or_default();
    assert!(
        note.contains("pin nightly-2026-08-22") && note.contains(&chosen),
        "{doc}"
    );
    assert_eq!(doc["env"]["CARGO_PROFILE_DEV_CODEGEN_BACKEND"], "cranelift");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("uses {chosen}")), "{err}");
}

#[test]
fn env_says_which_of_the_projects_profile_keys_the_tier_replaces() {
    let d = tempfile::tempdir().unwrap();
    let manifest = "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[profile.dev]\ndebug = 2\ncodegen-units = 16\n";
    std::fs::write(d.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir(d.path().join("src")).unwrap();
    // From a subdirectory, as Cargo finds the manifest.
    let o = env_in(&d.path().join("src"), &["tier1"]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Cargo.toml:6: profile.dev.debug = 2 is replaced by CARGO_PROFILE_DEV_DEBUG=line-tables-only"),
        "{err}"
    );
    // The tier sets the same 16 units: nothing is replaced.
    assert!(!err.contains("codegen-units"), "{err}");
}

fn rustc_facts(dir: &Path, envs: &[(&str, &str)]) -> serde_json::Value {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(["toolchain", "--format", "json"])
        .arg(dir)
        .envs(envs.iter().copied());
    // Both ways asked for real, not answered from an earlier run.
    c.env("TIERCHECK_NO_CACHE", "1");
    json(&c.output().unwrap())["facts"]["rustc"].clone()
}

/// The toolchain's own rustc, found from rustup's settings (`rustup_home`), answers as rustup's
/// proxy does: the `toolchain` facts are the same with the proxy forced (`RUSTC=rustc`), for the
/// default toolchain and for toolchain files naming a channel, a version or a full name, with
/// the host a bare channel gets from rustup's own variable or from nowhere.
#[test]
fn the_rustc_rustup_would_start_answers_as_its_proxy() {
    if lacks(&["stable"]) {
        return;
    }
    let default = tempfile::tempdir().unwrap();
    let host = rustc_facts(default.path(), &[])["host"]
        .as_str()
        .unwrap()
        .to_string();
    let names = ["stable", "nightly", "1.95.0", &format!("stable-{host}")].map(String::from);
    let pinned: Vec<_> = names
        .iter()
        .filter(|n| rustup_has(n))
        .map(|n| project(n))
        .collect();
    let mut checked = 0;
    for dir in std::iter::once(&default).chain(&pinned) {
        for envs in [vec![], vec![("RUSTUP_OVERRIDE_HOST_TRIPLE", host.as_str())]] {
            let direct = rustc_facts(dir.path(), &envs);
            let mut forced = envs.clone();
            forced.push(("RUSTC", "rustc"));
            assert_eq!(
                direct,
                rustc_facts(dir.path(), &forced),
                "{}",
                dir.path().display()
            );
            assert!(direct["sysroot"].is_string(), "{direct}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}

fn project_report(dir: &Path, envs: &[(&str, &Path)]) -> Vec<u8> {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(["project", "--format", "json"])
        .arg(dir)
        .envs(envs.iter().copied());
    c.output().unwrap().stdout
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("tiercheck/rustc"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A second run answers from the rustc answers the first one kept (`rustc_cache`) and reports
/// the same; a damaged entry is a miss, and TIERCHECK_NO_CACHE keeps nothing.
#[test]
fn kept_rustc_answers_give_the_same_report() {
    if lacks(&["stable"]) {
        return;
    }
    // No toolchain file: rustup's default, which its settings name in full.
    let dir = project("stable");
    std::fs::remove_file(dir.path().join("rust-toolchain.toml")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let envs = [("XDG_CACHE_HOME", cache.path())];
    let first = project_report(dir.path(), &envs);
    let kept = entries(cache.path());
    assert!(!kept.is_empty(), "{}", String::from_utf8_lossy(&first));
    assert_eq!(project_report(dir.path(), &envs), first);
    for e in &kept {
        std::fs::write(e, "{").unwrap();
    }
    assert_eq!(project_report(dir.path(), &envs), first);
    let off = tempfile::tempdir().unwrap();
    let no = Path::new("1");
    project_report(
        dir.path(),
        &[("XDG_CACHE_HOME", off.path()), ("TIERCHECK_NO_CACHE", no)],
    );
    assert!(entries(off.path()).is_empty());
}
