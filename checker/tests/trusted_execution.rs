//! `project`, `toolchain` and `binary --tier` never run a program the checkout chooses: a hostile
//! checkout points its toolchain file, config and build script at a script that writes a marker.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn evil_script(dir: &Path, marker: &Path) -> std::path::PathBuf {
    let script = dir.join("evil.sh");
    write(
        &script,
        &format!(
            "#!/bin/sh\necho \"$0 $*\" >> '{}'\nexit 0\n",
            marker.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// A checkout where everything that can name a program names the marker script.
fn hostile_checkout(root: &Path, toolchain_file: &str, toolchain_text: &str) -> std::path::PathBuf {
    let marker = root.join("marker");
    let evil = evil_script(root, &marker);
    // A toolchain directory whose rustc and cargo are the script.
    for tool in ["rustc", "cargo", "rustdoc"] {
        let p = root.join("tc/bin").join(tool);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(&evil, &p).unwrap();
    }
    let proj = root.join("proj");
    write(
        &proj.join("Cargo.toml"),
        "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n",
    );
    write(&proj.join("src/main.rs"), "fn main() {}\n");
    let e = evil.display();
    write(
        &proj.join("build.rs"),
        &format!("fn main() {{ std::process::Command::new(\"{e}\").status().unwrap(); }}\n"),
    );
    write(
        &proj.join(".cargo/config.toml"),
        &format!(
            "[build]\nrustc = \"{e}\"\nrustc-wrapper = \"{e}\"\nrustdoc = \"{e}\"\n\
             [target.x86_64-unknown-linux-gnu]\nlinker = \"{e}\"\nrunner = \"{e}\"\n\
             [env]\nRUSTC = \"{e}\"\nRUSTC_WRAPPER = \"{e}\"\n"
        ),
    );
    let text = toolchain_text.replace("@TC@", &root.join("tc").display().to_string());
    write(&proj.join(toolchain_file), &text);
    proj
}

fn run_all_commands(proj: &Path) -> Vec<(String, Option<i32>)> {
    let dir = proj.to_str().unwrap();
    let exe = env!("CARGO_BIN_EXE_tiercheck");
    let runs: Vec<Vec<&str>> = vec![
        vec!["project", "--format", "json", dir],
        vec!["project", "--tier", "tier1", "--format", "json", dir],
        vec!["toolchain", "--tier", "tier1", "--format", "json", dir],
        vec!["binary", "--tier", "tier1", "--format", "json", exe],
    ];
    let mut codes = vec![];
    for args in runs {
        // `binary` probes the toolchain too; run it from inside the checkout.
        let mut c = clean(exe);
        c.args(&args).current_dir(proj);
        let out = c.output().unwrap();
        codes.push((args[0].to_string(), out.status.code()));
    }
    codes
}

#[test]
fn hostile_checkouts_run_nothing() {
    let cases = [
        ("rust-toolchain.toml", "[toolchain]\npath = \"@TC@\"\n"),
        ("rust-toolchain", "@TC@\n"),
        ("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n"),
    ];
    for (file, text) in cases {
        let root = tempfile::tempdir().unwrap();
        let proj = hostile_checkout(root.path(), file, text);
        let codes = run_all_commands(&proj);
        let marker = root.path().join("marker");
        assert!(
            !marker.exists(),
            "{file} {text:?}: a checkout-chosen program ran: {} ({codes:?})",
            std::fs::read_to_string(&marker).unwrap_or_default()
        );
        // The commands still answered (no signal death).
        assert!(codes.iter().all(|(_, c)| c.is_some()), "{codes:?}");
    }
}

#[test]
fn toolchain_path_is_reported_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(
        root.path(),
        "rust-toolchain.toml",
        "[toolchain]\npath = \"@TC@\"\n",
    );
    let out = tiercheck(
        &["project", "--format", "json", proj.to_str().unwrap()],
        &[],
    );
    let r = json(&out);
    assert!(
        rules(&r).iter().any(|(_, id)| id == "toolchain-path"),
        "{r}"
    );
    assert!(!root.path().join("marker").exists());
}

#[test]
fn fifo_toolchain_file_neither_hangs_nor_is_read() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(
        root.path(),
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"stable\"\n",
    );
    std::fs::remove_file(proj.join("rust-toolchain.toml")).unwrap();
    let fifo = proj.join("rust-toolchain");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    for cmd in ["project", "toolchain"] {
        let out = tiercheck(&[cmd, "--format", "json", proj.to_str().unwrap()], &[]);
        if cmd == "project" {
            let r = json(&out);
            assert!(
                rules(&r)
                    .iter()
                    .any(|(_, id)| id == "toolchain-file-unreadable"),
                "{r}"
            );
        }
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn symlinked_toolchain_file_out_of_tree_is_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(
        root.path(),
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"stable\"\n",
    );
    std::fs::remove_file(proj.join("rust-toolchain.toml")).unwrap();
    let secret = root.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-CONTENT\n").unwrap();
    std::os::unix::fs::symlink(&secret, proj.join("rust-toolchain")).unwrap();
    let out = tiercheck(
        &["project", "--format", "json", proj.to_str().unwrap()],
        &[],
    );
    let r = json(&out);
    assert!(
        rules(&r)
            .iter()
            .any(|(_, id)| id == "toolchain-file-outside"),
        "{r}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("TOP-SECRET"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("TOP-SECRET"));
}

#[test]
fn garbage_toolchain_file_is_not_called_stable() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(root.path(), "rust-toolchain", "hello world\n");
    let out = tiercheck(
        &["project", "--format", "json", proj.to_str().unwrap()],
        &[],
    );
    let r = json(&out);
    assert!(
        rules(&r)
            .iter()
            .any(|(_, id)| id == "toolchain-file-invalid"),
        "{r}"
    );
    assert_ne!(r["facts"]["channel"], "stable", "{r}");
}

/// Programs tiercheck looks up or that a build would run: a checkout ships its own copies.
const DECOYS: &[&str] = &[
    "rustc",
    "cargo",
    "clang",
    "clang-22",
    "llvm-bolt",
    "llvm-bolt-22",
    "merge-fdata",
    "merge-fdata-22",
    "llvm-profdata",
    "llvm-profdata-22",
    "mold",
    "wild",
    "sccache",
    "rustup",
    "cc",
    "ld",
    "bash",
    "sh",
];

/// Copies of the marker script under every decoy name in `dir`.
fn plant_decoys(dir: &Path, marker: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let evil = evil_script(&dir.join(".evil"), marker);
    for name in DECOYS {
        std::fs::copy(&evil, dir.join(name)).unwrap();
    }
}

/// The hostile checkout of `hostile_checkout`, plus decoy programs in its root and in its
/// `bin/`, for PATH values with an empty, `.` or relative entry.
fn hostile_checkout_with_decoys(root: &Path, toolchain_text: &str) -> std::path::PathBuf {
    let proj = hostile_checkout(root, "rust-toolchain.toml", toolchain_text);
    let marker = root.join("marker");
    plant_decoys(&proj, &marker);
    plant_decoys(&proj.join("bin"), &marker);
    proj
}

/// The inspection commands, run from inside the checkout.
fn inspection_runs(exe: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["toolchain", "--format", "json", "."],
        vec!["toolchain", "--tier", "tier4", "--format", "json", "."],
        vec!["project", "--format", "json", "."],
        vec!["project", "--tier", "tier4", "--format", "json", "."],
        vec!["env", "tier1"],
        vec!["env", "tier4", "--profile", "release"],
        vec!["env", "tier1", "--raw"],
        vec!["explain", "tier4"],
        vec!["explain", "mold"],
        vec!["tiers"],
        vec!["init", "--tier", "tier1", "."],
        vec!["init", "--tier", "tier4", "--toolchain-file", "."],
        vec!["bench", "--config", "no-such-config", "."],
        vec!["bench", "--config", "stock", "--rounds", "0", "."],
        vec!["binary", "--tier", "tier1", "--format", "json", exe],
    ]
}

#[test]
fn empty_dot_and_relative_path_entries_run_nothing_from_the_checkout() {
    for toolchain_text in [
        "[toolchain]\nchannel = \"stable\"\n",
        "[toolchain]\npath = \"@TC@\"\n",
    ] {
        let root = tempfile::tempdir().unwrap();
        let proj = hostile_checkout_with_decoys(root.path(), toolchain_text);
        inspect_with_relative_path_entries(&proj, &root.path().join("marker"));
    }
}

/// Every inspection command, from inside `proj`, with an empty, a `.` and a relative PATH entry
/// before the real PATH: `marker` must stay absent.
fn inspect_with_relative_path_entries(proj: &Path, marker: &Path) {
    let real = std::env::var("PATH").unwrap();
    let exe = env!("CARGO_BIN_EXE_tiercheck");
    for path in [
        format!(":{real}"),
        format!(".:{real}"),
        format!("bin:{real}"),
    ] {
        for args in inspection_runs(exe) {
            let out = clean(exe)
                .args(&args)
                .env("PATH", &path)
                .current_dir(proj)
                .output()
                .unwrap();
            assert!(
                !marker.exists(),
                "PATH={}... tiercheck {args:?} ran a checkout's program: {} (exit {:?}, stderr {})",
                &path[..path.find(':').unwrap_or(0) + 1],
                std::fs::read_to_string(marker).unwrap_or_default(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.code().is_some(), "{args:?}");
        }
    }
}

#[test]
fn toolchain_command_reports_a_toolchain_path_and_never_runs_it() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(
        root.path(),
        "rust-toolchain.toml",
        "[toolchain]\npath = \"@TC@\"\n",
    );
    let exe = env!("CARGO_BIN_EXE_tiercheck");
    // From inside the checkout and from outside it, with and without a tier.
    for (cwd, dir) in [(proj.as_path(), "."), (root.path(), "proj")] {
        for tier in [None, Some("tier4")] {
            let mut c = clean(exe);
            c.arg("toolchain").args(["--format", "json", dir]);
            if let Some(t) = tier {
                c.args(["--tier", t]);
            }
            let out = c.current_dir(cwd).output().unwrap();
            let marker = root.path().join("marker");
            assert!(
                !marker.exists(),
                "toolchain {dir} (tier {tier:?}) ran {}",
                std::fs::read_to_string(&marker).unwrap_or_default()
            );
            let r = json(&out);
            assert!(
                rules(&r).iter().any(|(_, id)| id == "toolchain-path"),
                "{r}"
            );
        }
    }
}

/// Spy programs in an absolute PATH directory that comes first: anything tiercheck starts
/// (trusted or not) leaves a line in the marker.
fn spy_path(root: &Path) -> (String, std::path::PathBuf) {
    let marker = root.join("spied");
    plant_decoys(&root.join("spy"), &marker);
    let real = std::env::var("PATH").unwrap();
    (format!("{}:{real}", root.join("spy").display()), marker)
}

#[test]
fn bench_refuses_bad_arguments_before_running_anything() {
    let root = tempfile::tempdir().unwrap();
    let proj = hostile_checkout(
        root.path(),
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"stable\"\n",
    );
    let (path, marker) = spy_path(root.path());
    let dir = proj.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["bench", "--config", "no-such-config", dir],
        vec!["bench", "--config", "tier1+nothing", dir],
        vec!["bench", "--config", "tier9", dir],
        vec!["bench", "--config", "stock", "--config", "stock", dir],
        vec!["bench", "--config", "stock", "--rounds", "0", dir],
        vec!["bench", "--config", "stock", "--baseline", "bevy", dir],
        vec!["bench", "--config", "tier1+pgo", dir],
        vec!["bench", "--config", "stock", "/nonexistent"],
    ];
    for args in runs {
        let out = tiercheck(&args, &[("PATH", path.as_str())]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).lines().count(),
            1,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !marker.exists(),
            "{args:?} ran {} before refusing its arguments",
            std::fs::read_to_string(&marker).unwrap_or_default()
        );
    }
}

/// Flags that would make rustc load code, write or read files the checkout names, or run a
/// program: none may reach tiercheck's rustc probe (issue 19).
const RISKY: &[&str] = &[
    "@flags.txt",
    "-Zcodegen-backend=/tmp/evil.so",
    "-Zllvm-plugins=/tmp/plugin.so",
    "-Zself-profile=/tmp/prof",
    "-Cincremental=/tmp/inc",
    "-Cprofile-generate=/tmp/pgo",
    "-Cprofile-use=merged.profdata",
    "-Clinker=./evil.sh",
    "-Cdlltool=./evil.sh",
    "--out-dir=/tmp/out",
    "--emit=link=/tmp/x",
    "--print=cfg=/tmp/cfg",
    "-Zdump-mir=all",
    "-Ztemps-dir=/tmp/t",
    "--extern=evil=/tmp/libevil.so",
    "--sysroot=/tmp/sysroot",
    "--target=./spec.json",
];

/// A rustc that records every call (one argument a line after a `CALL` line), answers `-vV`
/// as `release`, and refuses a probe holding `-Cfoo=1`.
fn recording_rustc(dir: &Path, log: &Path, release: &str) -> std::path::PathBuf {
    let p = dir.join("fake-rustc");
    let text = format!(
        "#!/bin/sh\necho CALL >> '{log}'\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{log}'; done\ncase \"$1\" in\n-vV) printf 'rustc {release} (0 2026-04-14)\\nbinary: rustc\\ncommit-hash: 0\\ncommit-date: 2026-04-14\\nhost: x86_64-unknown-linux-gnu\\nrelease: {release}\\nLLVM version: 22.1.2\\n'; exit 0;;\n-) for a in \"$@\"; do [ \"$a\" = -Cfoo=1 ] && {{ echo 'error: unknown codegen option: `foo`' >&2; exit 1; }}; done; printf '___\\nunix\\n'; exit 0;;\nesac\nprintf 'target_os=\"linux\"\\nunix\\n'\n",
        log = log.display()
    );
    write(&p, &text);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn the_flag_probe_never_gets_flags_that_load_write_read_or_run() {
    for release in ["1.95.0", "1.97.0-nightly"] {
        let tmp = tempfile::tempdir().unwrap();
        let proj = tmp.path().join("p");
        let log = tmp.path().join("calls.log");
        let rustc = recording_rustc(tmp.path(), &log, release);
        let mut flags: Vec<String> = RISKY.iter().map(|s| format!("{s:?}")).collect();
        flags.extend(["\"--cfg\"", "\"ok\"", "\"-Cfoo=1\"", "\"-Copt-level=1\""].map(String::from));
        write(
            &proj.join("Cargo.toml"),
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write(&proj.join("src/main.rs"), "fn main() {}\n");
        write(
            &proj.join(".cargo/config.toml"),
            &format!("[build]\nrustflags = [{}]\n", flags.join(", ")),
        );
        let out = tiercheck(
            &["project", "--format", "json", proj.to_str().unwrap()],
            &[("RUSTC", rustc.to_str().unwrap())],
        );
        let report = json(&out);
        let calls = std::fs::read_to_string(&log).unwrap();
        let probes: Vec<&str> = calls
            .split("CALL\n")
            .filter(|c| c.starts_with("-\n"))
            .collect();
        assert!(!probes.is_empty(), "{release}: no probe ran:\n{calls}");
        for p in &probes {
            for risky in RISKY {
                // The flag, or the path (the value) it names, anywhere in the call.
                let value = risky.split_once('=').map_or(*risky, |(_, v)| v);
                assert!(
                    !p.lines().any(|l| l == *risky || l.contains(value)),
                    "{release}: {risky} reached the probe:\n{p}"
                );
            }
            assert!(
                p.lines().any(|l| l == "--cfg"),
                "{release}: the safe flags are asked about:\n{p}"
            );
        }
        let refused: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "rustc-rejects-flag")
            .collect();
        assert_eq!(refused.len(), 1, "{release}: {report}");
        assert!(
            refused[0]["message"]
                .as_str()
                .unwrap()
                .contains("`-Cfoo=1`"),
            "{}",
            refused[0]
        );
        assert_eq!(refused[0]["line"], 2);
    }
}
