//! Hostile inputs must never crash, hang or eat unbounded memory (issue 18): each test runs the
//! binary on a hostile fixture with a deadline, and wants exit 0 with a sane result or exit 2
//! with one line on stderr and nothing on stdout.

mod common;

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs tiercheck in `dir`; a run longer than `limit` is killed and fails the test.
fn run(args: &[&str], dir: &Path, limit: Duration) -> Output {
    let mut child = common::clean(env!("CARGO_BIN_EXE_tiercheck"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tiercheck");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = vec![];
            r.read_to_end(&mut v).ok();
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("tiercheck {args:?} still ran after {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, nothing on stdout, one line on stderr containing every `want`.
fn assert_input_error(o: &Output, want: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    for w in want {
        assert!(e.contains(w), "want {w:?} in: {e}");
    }
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn package(dir: &Path, name: &str) {
    write(
        &dir.join("Cargo.toml"),
        &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\npath = \"lib.rs\"\n"),
    );
    write(&dir.join("lib.rs"), "");
}

fn workspace(root: &Path, extra: &str) {
    write(
        &root.join("Cargo.toml"),
        &format!("[workspace]\nmembers = [\"crates/**\"]\nresolver = \"2\"\n{extra}"),
    );
}

fn members(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["facts"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

/// `crates/loop -> ..` and `crates/loop2 -> ..` under `members = ["crates/**"]`: the glob
/// followed both links 40 deep (2^40 paths), growing without bound; cargo 1.95 never finishes
/// either (cargo metadata killed after 20 s at 500 MB). Now one line, at once.
#[test]
fn two_links_back_to_the_root_end_in_an_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    workspace(
        root,
        "[package]\nname = \"root\"\nversion = \"0.1.0\"\n[lib]\npath = \"lib.rs\"\n",
    );
    write(&root.join("lib.rs"), "");
    package(&root.join("crates"), "c");
    package(&root.join("crates/a"), "a");
    symlink("..", root.join("crates/loop")).unwrap();
    symlink("..", root.join("crates/loop2")).unwrap();
    let o = run(&["project", "."], root, Duration::from_secs(20));
    assert_input_error(
        &o,
        &[
            "`crates/loop/crates/a`",
            "is `crates/a` again through a symbolic link",
        ],
    );
}

/// `crates/a/loop -> .`: cargo 1.95 refuses the workspace ("two packages named `a`",
/// crates/a and crates/a/loop); tiercheck listed 41 members, crates/a/loop/loop/... 40 deep.
#[test]
fn a_link_loop_below_a_member_is_refused_as_cargo_does() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    workspace(root, "");
    package(&root.join("crates/a"), "a");
    symlink(".", root.join("crates/a/loop")).unwrap();
    let o = run(&["project", "."], root, Duration::from_secs(20));
    assert_input_error(&o, &["`crates/a/loop`", "is `crates/a` again"]);
}

/// The same loop excluded: cargo 1.95 finishes with the one member crates/a. With two excluded
/// links back cargo never finishes; tiercheck gives the same one member.
#[test]
fn excluded_link_loops_leave_the_real_members() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    workspace(root, "exclude = [\"crates/a/loop\"]\n");
    package(&root.join("crates/a"), "a");
    symlink(".", root.join("crates/a/loop")).unwrap();
    let o = run(
        &["project", "--format", "json", "."],
        root,
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(members(&o), ["crates/a/Cargo.toml"]);

    symlink(".", root.join("crates/a/loop2")).unwrap();
    workspace(root, "exclude = [\"crates/a/loop\", \"crates/a/loop2\"]\n");
    let o = run(
        &["project", "--format", "json", "."],
        root,
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(members(&o), ["crates/a/Cargo.toml"]);
}
