//! `tiercheck tune`'s guarantees that need real processes: a SIGKILL during its edit leaves a
//! recovery record that the next run restores; `env` applies this machine's tuned settings, says
//! so, and refuses stale ones; `--reset` drops them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{clean, tiercheck};

const MAIN: &str = "fn main() {\n    println!(\"{}\", 1 + 1);\n}\n";

fn project(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"tunekill\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), MAIN).unwrap();
    dir.join("src/main.rs")
}

/// Every process of session `sid` (tiercheck and the cargo and rustc it started), SIGKILLed.
fn kill_session(sid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut left = 0;
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid pgrp session ...
            let after = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
            let session = after.split_whitespace().nth(3);
            if session == Some(&sid.to_string()) {
                left += 1;
                // SAFETY: a plain kill(2) of a process of the session this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if left == 0 || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_sigkill_during_the_edit_is_undone_by_the_next_run() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p");
    let main = project(&p);
    let xdg = d.path().join("xdg");
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args([
        "tune",
        "--tier",
        "tier1",
        "--budget",
        "120s",
        "--dry-run",
        "-q",
    ])
    .arg(&p)
    .env("XDG_CONFIG_HOME", &xdg)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    // SAFETY: setsid(2) only, between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut c, || {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = c.spawn().unwrap();
    let sid = child.id();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !std::fs::read_to_string(&main)
        .unwrap()
        .contains("__TIERCHECK_TUNE_EDIT")
    {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            kill_session(sid);
            panic!("tune never wrote its edit");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    kill_session(sid);
    child.wait().unwrap();
    let records = p.join("target/rust-tiers-recovery");
    let left: Vec<String> = std::fs::read_dir(&records)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter()
            .any(|n| n.starts_with("edit-") && n.ends_with(".json")),
        "{left:?}"
    );
    assert_ne!(
        std::fs::read_to_string(&main).unwrap(),
        MAIN,
        "killed while edited"
    );
    let xdg_s = xdg.to_str().unwrap();
    let out = tiercheck(
        &["tune", "--tier", "tier1", p.to_str().unwrap(), "--reset"],
        &[("XDG_CONFIG_HOME", xdg_s)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("restored"), "{err}");
    assert_eq!(std::fs::read_to_string(&main).unwrap(), MAIN);
    assert!(!records.exists());
}

/// The release of the rustc the tier runs with, as `tiercheck env` probes it.
fn tier_rustc(p: &Path) -> String {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    let out = c
        .args(["env", "tier1", "--format", "json"])
        .current_dir(p)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut r = clean("rustc");
    if let Some(t) = doc["toolchain"].as_str() {
        r.env("RUSTUP_TOOLCHAIN", t);
    }
    let vv = String::from_utf8(r.arg("-vV").output().unwrap().stdout).unwrap();
    vv.lines()
        .find_map(|l| l.strip_prefix("release: "))
        .unwrap()
        .to_string()
}

#[test]
fn env_applies_fresh_tuned_settings_and_refuses_stale_ones() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p");
    project(&p);
    let p = p.canonicalize().unwrap();
    let base = d.path().join("xdg/rust-tiers/tune");
    std::fs::create_dir_all(&base).unwrap();
    let file = tiercheck::tuned::file_in(&base, &p, "tier1");
    let mut record = tiercheck::tuned::Record {
        schema: 1,
        project: p.display().to_string(),
        tier: "tier1".into(),
        toolchain: Some("stable".into()),
        rustc: tier_rustc(&p),
        cores: std::thread::available_parallelism().unwrap().get(),
        date: "2026-12-03 20:00".into(),
        changes: vec!["codegen-units=8".into()],
        project_changes: vec![],
        evidence: vec![],
    };
    let env = |r: &tiercheck::tuned::Record| {
        std::fs::write(&file, serde_json::to_string(r).unwrap()).unwrap();
        let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
        c.args(["env", "tier1"])
            .current_dir(&p)
            .env("XDG_CONFIG_HOME", d.path().join("xdg"));
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (sh, err) = env(&record);
    assert!(
        sh.contains("export CARGO_PROFILE_DEV_CODEGEN_UNITS='8'"),
        "{sh}"
    );
    assert!(
        sh.contains("# tuned on this machine") && err.contains("tuned on this machine"),
        "{sh}\n{err}"
    );
    record.rustc = "0.0.1".into();
    let (sh, err) = env(&record);
    assert!(
        sh.contains("export CARGO_PROFILE_DEV_CODEGEN_UNITS='16'"),
        "{sh}"
    );
    assert!(
        err.contains("stale") && err.contains("not applied"),
        "{err}"
    );
    let xdg = d.path().join("xdg");
    let out = tiercheck(
        &["tune", "--tier", "tier1", p.to_str().unwrap(), "--reset"],
        &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("dropped"));
    assert!(!file.exists());
}

#[test]
fn init_tuned_writes_the_project_choices_and_keeps_the_projects_own() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p");
    project(&p);
    let p = p.canonicalize().unwrap();
    let xdg = d.path().join("xdg");
    let init = |p: &Path| {
        tiercheck(
            &[
                "init",
                "--tier",
                "tier1",
                "--tuned",
                "--yes",
                p.to_str().unwrap(),
            ],
            &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
        )
    };
    // No tune result yet: an error naming the project, nothing written.
    let out = init(&p);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no `tiercheck tune --tier tier1` result")
    );

    let base = xdg.join("rust-tiers/tune");
    std::fs::create_dir_all(&base).unwrap();
    let record = tiercheck::tuned::Record {
        schema: 1,
        project: p.display().to_string(),
        tier: "tier1".into(),
        toolchain: None,
        rustc: "1.95.0".into(),
        cores: 2,
        date: "2026-12-04 16:00".into(),
        changes: vec![],
        project_changes: vec![
            "deps.debug=line-tables-only".into(),
            "split-debuginfo=off".into(),
        ],
        evidence: vec![],
    };
    let file = tiercheck::tuned::file_in(&base, &p, "tier1");
    std::fs::write(&file, serde_json::to_string(&record).unwrap()).unwrap();
    // The project chose packed split debuginfo itself: kept, and said so.
    let manifest = p.join("Cargo.toml");
    let own = std::fs::read_to_string(&manifest).unwrap()
        + "\n[profile.dev]\nsplit-debuginfo = \"packed\"\n";
    std::fs::write(&manifest, own).unwrap();
    let out = init(&p);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("[profile.dev.package.\"*\"]\ndebug = \"line-tables-only\""),
        "{text}"
    );
    assert!(
        text.contains("split-debuginfo = \"packed\"") && !text.contains("\"off\""),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("kept profile.dev.split-debuginfo = \"packed\""),
        "{out:?}"
    );
}
