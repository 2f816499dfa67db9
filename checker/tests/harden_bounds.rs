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

/// Where the section header of `name` is in a little-endian ELF64.
fn shdr(b: &[u8], name: &str) -> usize {
    let u = |at: usize, w: usize| {
        let mut v = [0u8; 8];
        v[..w].copy_from_slice(&b[at..at + w]);
        u64::from_le_bytes(v) as usize
    };
    let (shoff, size) = (u(0x28, 8), u(0x3a, 2));
    let strtab = u(shoff + u(0x3e, 2) * size + 0x18, 8);
    (0..u(0x3c, 2))
        .map(|i| shoff + i * size)
        .find(|h| {
            let n = &b[strtab + u(*h, 4)..];
            n.starts_with(name.as_bytes()) && n[name.len()] == 0
        })
        .unwrap_or_else(|| panic!("no section {name}"))
}

/// A copy of tiercheck's own binary with the sections in `sizes` declaring those sizes and,
/// with `len`, a sparse file of that length (a few MB on disk); `at_start` is written at the
/// start of `.debug_str`. None where the binary is not ELF64.
fn hostile_elf(
    dir: &Path,
    sizes: &[(&str, u64)],
    len: Option<u64>,
    at_start: &[u8],
) -> Option<std::path::PathBuf> {
    let mut b = std::fs::read(env!("CARGO_BIN_EXE_tiercheck")).unwrap();
    if !b.starts_with(b"\x7fELF\x02\x01") {
        return None;
    }
    for (name, size) in sizes {
        let h = shdr(&b, name) + 0x20;
        b[h..h + 8].copy_from_slice(&size.to_le_bytes());
    }
    let h = shdr(&b, ".debug_str") + 0x18;
    let at = u64::from_le_bytes(b[h..h + 8].try_into().unwrap()) as usize;
    b[at..at + at_start.len()].copy_from_slice(at_start);
    let p = dir.join("hostile");
    std::fs::write(&p, &b).unwrap();
    if let Some(len) = len {
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(len)
            .unwrap();
    }
    Some(p)
}

/// tiercheck under `ulimit -v` (KiB), as a shell would run it.
fn run_limited(args: &[&str], dir: &Path, kib: u64) -> Output {
    let script = format!("ulimit -v {kib} && exec \"$0\" \"$@\"");
    let mut all = vec!["-c", &script, env!("CARGO_BIN_EXE_tiercheck")];
    all.extend(args);
    let mut c = common::clean("sh");
    let out = c.args(&all).current_dir(dir).output().unwrap();
    out
}

const GIB: u64 = 1 << 30;

/// A sparse 3 GiB file (a few MB on disk) declaring a 2 GiB `.comment`: tiercheck allocated and
/// read all of it (2.2 GB, 22 s in release, minutes in debug); with three such sections it
/// took 4.2 GB and ended on a misleading message. Now refused before anything is read.
#[test]
fn a_sparse_file_declaring_huge_sections_is_refused_at_once() {
    let d = tempfile::tempdir().unwrap();
    for sizes in [
        &[(".comment", 2 * GIB)][..],
        &[
            (".comment", 2 * GIB - 1),
            (".debug_str", 2 * GIB),
            (".strtab", 2 * GIB),
        ],
    ] {
        let Some(f) = hostile_elf(d.path(), sizes, Some(3 * GIB), b"") else {
            return;
        };
        let o = run(&["binary", "hostile"], d.path(), Duration::from_secs(20));
        assert_input_error(
            &o,
            &[
                "hostile: section `.comment` is ",
                "more than tiercheck reads",
            ],
        );
        drop(f);
    }
}

/// `.comment` past the end of the file: "rustc none recorded", exit 0.
#[test]
fn a_section_past_the_end_of_the_file_is_an_input_error() {
    let d = tempfile::tempdir().unwrap();
    let Some(_) = hostile_elf(d.path(), &[(".comment", 2 * GIB)], None, b"") else {
        return;
    };
    for format in ["text", "json"] {
        let o = run(
            &["binary", "--format", format, "hostile"],
            d.path(),
            Duration::from_secs(20),
        );
        assert_input_error(
            &o,
            &[
                "hostile: section `.comment` (2147483648 bytes at offset",
                "runs past the end of the file",
            ],
        );
    }
}

/// A 200 MiB `.comment` that cannot be allocated under `ulimit -v`: "rustc none recorded",
/// exit 0 (unreadable taken as absent).
#[test]
fn a_comment_that_cannot_be_allocated_is_an_input_error() {
    let d = tempfile::tempdir().unwrap();
    let Some(_) = hostile_elf(d.path(), &[(".comment", 200 << 20)], Some(GIB), b"") else {
        return;
    };
    let o = run_limited(&["binary", "hostile"], d.path(), 128 << 10);
    assert_input_error(
        &o,
        &[
            "hostile: section `.comment` (209715200 bytes at offset",
            "cannot be read",
        ],
    );
}

/// `.debug_str` is scanned in chunks: a 160 MiB one (sparse) under a 128 MiB `ulimit -v` used
/// to be read whole, fail, and count as absent (its `.dwo` name lost).
#[test]
fn debug_str_is_scanned_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    let sizes = [(".debug_str", 160 << 20)];
    let Some(_) = hostile_elf(d.path(), &sizes, Some(GIB), b"\0x.dwo\0") else {
        return;
    };
    let o = run_limited(
        &["binary", "--format", "json", "hostile"],
        d.path(),
        128 << 10,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["facts"]["binaries"][0]["elf"]["dwo_names"],
        serde_json::json!(["x.dwo"])
    );
}

/// A bench document from docs/, edited by `edit`, replotted.
fn replot(edit: impl FnOnce(&mut serde_json::Value)) -> Output {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/bench-cpu-bound.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(docs).unwrap()).unwrap();
    edit(&mut doc);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("doc.json"), doc.to_string()).unwrap();
    run(
        &["bench", "--replot", "doc.json"],
        d.path(),
        Duration::from_secs(20),
    )
}

/// `"baselines": []` panicked (index out of bounds, exit 101).
#[test]
fn replot_without_baselines_is_an_input_error() {
    let o = replot(|d| d["baselines"] = serde_json::json!([]));
    assert_input_error(&o, &["tiercheck: doc.json: `baselines` is empty"]);
}

/// What replot would otherwise draw from, or index, unchecked: each a one-line error.
#[test]
fn replot_refuses_empty_and_impossible_values() {
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 6] = [
        (
            |d| d["configs"] = serde_json::json!([]),
            "`configs` is empty",
        ),
        (
            |d| d["series"][0]["samples"] = serde_json::json!([]),
            "series `stock` (clean-debug) has no samples",
        ),
        (
            |d| d["series"][0]["min"] = serde_json::json!(-1.0),
            "series `stock` (clean-debug) holds the time -1",
        ),
        (
            |d| d["series"][0]["ratio"] = serde_json::json!(0.0),
            "series `stock` (clean-debug) holds the ratio 0",
        ),
        (
            |d| d["series"][0]["median"] = serde_json::json!(99.0),
            "median 99 is not between min",
        ),
        (
            |d| d["comparisons"][0]["speedup"] = serde_json::json!(-2.0),
            "speed-up -2 is not a positive number",
        ),
    ];
    for (edit, want) in cases {
        let o = replot(edit);
        assert_input_error(&o, &["doc.json: ", want]);
    }
}

/// A configuration name over 112 characters underflowed the legend's width (a panic in a
/// debug build, a wrapped width in release).
#[test]
fn replot_with_a_long_configuration_name_draws() {
    let o = replot(|d| {
        let long = "x".repeat(200);
        d["configs"][0]["name"] = serde_json::json!(long);
    });
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = replot(|_| {});
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
