//! The command-line contract under bad input: exit 2 leaves stdout empty, one line on stderr.

use std::process::Command;

fn tiercheck(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tiercheck"))
        .args(args)
        .output()
        .expect("run tiercheck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_input_errors_print_nothing_on_stdout() {
    let me = std::env::current_exe().unwrap();
    let me = me.to_str().unwrap();
    for format in ["text", "json"] {
        for files in [vec!["/nonexistent"], vec![me, "/nonexistent"], vec!["/"]] {
            let mut args = vec!["binary", "--format", format];
            args.extend(&files);
            let (code, stdout, stderr) = tiercheck(&args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert_eq!(stdout, "", "{args:?}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        }
    }
    let (code, stdout, _) = tiercheck(&["binary", "--format", "json", me]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("\"binaries\""));
}

#[test]
fn with_binary_size_works_in_every_tier() {
    for tier in ["tier1", "tier2", "tier3", "tier4"] {
        let (code, stdout, stderr) = tiercheck(&[
            "env",
            tier,
            "--raw",
            "--with",
            "binary-size",
            "--profile",
            "release",
        ]);
        assert_eq!(code, Some(0), "{tier}: {stderr}");
        assert!(
            stdout.contains("CARGO_PROFILE_RELEASE_STRIP='symbols'"),
            "{tier}: {stdout}"
        );
    }
}

#[test]
fn bad_profile_names_and_contradicting_selections_exit_2_silently() {
    let me = std::env::current_exe().unwrap();
    let me = me.to_str().unwrap();
    for profile in ["a b", "debug", "../x", "run", "x;id"] {
        for args in [
            vec!["env", "tier1", "--raw", "--profile", profile],
            vec!["binary", "--profile", profile, me],
            vec!["toolchain", "--profile", profile],
            vec![
                "build",
                "--tier",
                "tier1",
                "--profile",
                profile,
                "/nonexistent",
            ],
        ] {
            let (code, stdout, _) = tiercheck(&args);
            assert_eq!(code, Some(2), "{args:?}");
            assert_eq!(stdout, "", "{args:?}");
        }
    }
    for args in [
        vec![
            "env",
            "tier1",
            "--raw",
            "--with",
            "fat-lto",
            "--without",
            "fat-lto",
        ],
        vec![
            "env", "tier1", "--raw", "--with", "fat-lto", "--with", "thin-lto",
        ],
        vec![
            "binary",
            "--tier",
            "tier1",
            "--with",
            "sccache",
            "--without",
            "sccache",
            me,
        ],
    ] {
        let (code, stdout, stderr) = tiercheck(&args);
        assert_eq!(code, Some(2), "{args:?}: {stdout}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.contains("--with"), "{args:?}: {stderr}");
    }
}

#[test]
fn binary_tier_refuses_a_manifest_that_is_not_a_file() {
    let d = tempfile::tempdir().unwrap();
    let bin = d.path().join("target/release/app");
    std::fs::create_dir_all(bin.parent().unwrap().join(".fingerprint")).unwrap();
    std::fs::copy(std::env::current_exe().unwrap(), &bin).unwrap();
    let manifest = d.path().join("Cargo.toml");
    let made = Command::new("mkfifo").arg(&manifest).status().unwrap();
    assert!(made.success());
    let start = std::time::Instant::now();
    let (code, stdout, stderr) = tiercheck(&["binary", "--tier", "tier1", bin.to_str().unwrap()]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "hung on a FIFO"
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("Cargo.toml") && stderr.contains("FIFO"),
        "{stderr}"
    );
}

/// A name a checkout chose (its directory, a workspace member) reaches the terminal with its
/// control characters escaped; tiercheck's own colours still get through.
#[test]
fn escape_sequences_in_checkout_names_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p\u{1b}[8mhidden\u{1b}]0;title\u{7}");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n[profile.dev]\nsplit-debuginfo = \"split\"\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let (code, stdout, stderr) = tiercheck(&["project", d, "--tier", "tier1", "--color", "always"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("p\\u001b[8mhidden\\u001b]0;title\\u0007"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("\u{1b}[8m") && !stdout.contains("\u{1b}]"),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("\u{1b}["),
        "tiercheck's own colours are kept: {stdout:?}"
    );

    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"m\\u001b]0;x\\u0007\"]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = tiercheck(&["project", ws.to_str().unwrap()]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert!(
        !stderr.contains('\u{1b}') && stderr.contains("m\\u001b]0;x\\u0007"),
        "{stderr:?}"
    );
}

/// Exit 2, nothing on stdout, one line on stderr that names `what`.
fn refused(args: &[&str], what: &str) {
    let (code, stdout, stderr) = tiercheck(args);
    assert_eq!(code, Some(2), "{args:?}: {stdout} {stderr}");
    assert_eq!(stdout, "", "{args:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(what), "{args:?}: {stderr}");
}

#[test]
fn a_directory_argument_that_is_missing_or_not_a_directory_exits_2() {
    let me = std::env::current_exe().unwrap();
    let file = me.to_str().unwrap();
    // A project that fails to compile at once, should `--train-dir` not be checked first.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("src")).unwrap();
    std::fs::write(
        d.path().join("Cargo.toml"),
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {\n").unwrap();
    let proj = d.path().to_str().unwrap();
    for dir in ["/nonexistent", file] {
        for args in [
            vec!["toolchain", dir],
            vec!["toolchain", "--tier", "tier1", dir],
            vec!["project", dir],
            vec!["project", "--format", "json", dir],
            vec!["init", "--tier", "tier1", dir],
            vec!["build", "--tier", "tier1", dir],
            vec!["bench", "--config", "stock", dir],
            vec![
                "build",
                "--tier",
                "tier3",
                "--pgo",
                "true",
                "--train-dir",
                dir,
                proj,
            ],
        ] {
            refused(&args, dir);
        }
    }
}

#[test]
fn target_values_that_are_not_target_names_exit_2() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("src")).unwrap();
    std::fs::write(
        d.path().join("Cargo.toml"),
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let dir = d.path().to_str().unwrap();
    for target in [
        "../../x",
        "x86_64-unknown-linux-gnu/../../etc",
        "/tmp/spec.json",
        "spec.json",
        "..",
        "-x",
        "",
        "x86_64 unknown",
        "nosuchcpu-unknown-nosuchos",
    ] {
        // `--target=VALUE`: a value starting with `-` reaches the check too.
        let flag = format!("--target={target}");
        for cmd in ["project", "build"] {
            let mut args = vec![cmd];
            if cmd == "build" {
                args.extend(["--tier", "tier1"]);
            }
            args.extend([flag.as_str(), dir]);
            refused(&args, "--target");
        }
    }
    let (code, _, stderr) = tiercheck(&["project", "--target", "aarch64-apple-darwin", dir]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let (code, _, stderr) = tiercheck(&["project", "--target", "thumbv8m.main-none-eabihf", dir]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
}
