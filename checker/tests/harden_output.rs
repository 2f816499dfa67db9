//! What users read cannot be forged by the checkout: a newline, carriage return or bidi control
//! in a member name, TOML key or value never starts a line of its own in text or GitHub output,
//! and JSON keeps the value as it is.

mod common;

use std::path::Path;

use common::{json, tiercheck};

const FORGED: &str = "error[tier-mismatch] forged: x";

/// A workspace whose one member lives in a directory named `a\n<FORGED>` and carries a
/// `[profile]` (a warning naming that directory), plus a custom profile whose name forges a line.
fn hostile_workspace(root: &Path) -> String {
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"*\"]\nresolver = \"2\"\n\n\
         [profile.\"p\\nerror[tier-mismatch] forged: y\"]\nopt-level = 1\n",
    )
    .unwrap();
    let member = format!("a\n{FORGED}");
    let dir = root.join(&member);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [profile.release]\nlto = true\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    member
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_newline_in_a_member_name_forges_no_finding_line() {
    let d = tempfile::tempdir().unwrap();
    hostile_workspace(d.path());
    let dir = d.path().to_str().unwrap();
    let out = tiercheck(&["project", dir], &[]);
    let text = stdout(&out);
    let report = json(&tiercheck(&["project", "--format", "json", dir], &[]));
    let errors = report["summary"]["errors"].as_u64().unwrap();
    let error_lines = text.lines().filter(|l| l.starts_with("error[")).count();
    assert_eq!(error_lines as u64, errors, "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("error[tier-mismatch]")),
        "{text}"
    );
    assert!(
        text.contains("a\\u000aerror[tier-mismatch] forged: x/Cargo.toml"),
        "{text}"
    );
    assert!(
        text.contains("p\\u000aerror[tier-mismatch] forged: y"),
        "{text}"
    );
}

#[test]
fn github_annotations_stay_one_per_finding() {
    let d = tempfile::tempdir().unwrap();
    hostile_workspace(d.path());
    let dir = d.path().to_str().unwrap();
    let text = stdout(&tiercheck(&["project", "--format", "github", dir], &[]));
    let report = json(&tiercheck(&["project", "--format", "json", dir], &[]));
    let findings = report["findings"].as_array().unwrap().len();
    assert!(findings >= 2, "{report}");
    assert_eq!(text.lines().count(), findings, "{text}");
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
}

#[test]
fn json_keeps_the_name_as_it_is() {
    let d = tempfile::tempdir().unwrap();
    let member = hostile_workspace(d.path());
    let dir = d.path().to_str().unwrap();
    let report = json(&tiercheck(&["project", "--format", "json", dir], &[]));
    assert_eq!(
        report["facts"]["members"][0],
        format!("{member}/Cargo.toml"),
        "{report}"
    );
}

#[test]
fn bidi_controls_in_a_member_name_are_shown_escaped() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"*\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    let member = d.path().join("b\u{202e}txt.exe\u{2066}");
    std::fs::create_dir_all(member.join("src")).unwrap();
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [profile.dev]\nopt-level = 1\n",
    )
    .unwrap();
    std::fs::write(member.join("src/lib.rs"), "").unwrap();
    let dir = d.path().to_str().unwrap();
    for format in ["text", "github", "json"] {
        let text = stdout(&tiercheck(&["project", "--format", format, dir], &[]));
        assert!(!text.contains(['\u{202e}', '\u{2066}']), "{format}: {text}");
        assert!(text.contains("b\\u202etxt.exe\\u2066"), "{format}: {text}");
    }
}

#[test]
fn an_error_naming_a_file_with_a_newline_is_one_line() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("gone\ntiercheck: all good");
    let out = tiercheck(&["project", missing.to_str().unwrap()], &[]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("gone\\u000atiercheck: all good"), "{err}");
}

/// A bench document (as `--json` writes it) whose project, configuration names and labels carry
/// newlines, controls, markup and bidi.
fn hostile_bench_document() -> serde_json::Value {
    let name = "tier1\n# forged heading\u{1}\u{1b}[31m<b>&'\"\u{202e}";
    let long = "x".repeat(130);
    let config = |n: &str, label: &str| {
        serde_json::json!({
            "name": n, "label": label, "source": "s\u{0}", "env": {"K\n": "v\r"},
            "cargo_config": [], "command": "build", "debuggability": "full",
            "release": "plain", "tier": null, "sccache": false, "reference": false,
        })
    };
    let series = |n: &str, median: f64| {
        serde_json::json!({
            "measure": "incremental", "config": n, "samples": [median], "median": median,
            "min": median, "max": median, "ratio": 1.0 / median, "ratios": {"stock": 1.0 / median},
        })
    };
    serde_json::json!({
        "schema": 1, "date": "2026-01-01 00:00",
        "project": "p\n# forged title\u{7}",
        "machine": {"cpus": 2, "cpu_model": "c\u{8}", "memory_gib": 1.0, "os": null, "rustc": "rustc 1"},
        "rounds": 1, "baselines": ["stock"],
        "configs": [config("stock", "s"), config(name, "l\n| forged | row |\u{1b}]0;t\u{7}"), config(&long, &long)],
        "series": [series("stock", 1.0), series(name, 0.5), series(&long, 2.0)],
        "comparisons": [], "release_verdicts": [], "noise": [],
    })
}

/// Whether python3's XML parser reads `file`; `None` without python3.
fn python_parses_xml(file: &Path) -> Option<Result<(), String>> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
        ])
        .arg(file)
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err(e.to_string())),
        Ok(o) if o.status.success() => Some(Ok(())),
        Ok(o) => Some(Err(String::from_utf8_lossy(&o.stderr).into_owned())),
    }
}

#[test]
fn a_hostile_bench_document_renders_valid_svg_and_no_forged_markdown() {
    let d = tempfile::tempdir().unwrap();
    let doc = d.path().join("doc.json");
    std::fs::write(&doc, hostile_bench_document().to_string()).unwrap();
    let svg = d.path().join("chart.svg");
    for title in [None, Some("t\u{1}\u{b}\u{c}<x>&'\"\n\u{1b}[2J")] {
        let mut args = vec!["bench", "--replot", doc.to_str().unwrap()];
        args.extend(["--svg", svg.to_str().unwrap()]);
        if let Some(t) = title {
            args.extend(["--title", t]);
        }
        let out = tiercheck(&args, &[]);
        let md = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(!md.lines().any(|l| l.starts_with("# forged")), "{md}");
        assert!(!md.lines().any(|l| l.starts_with("| forged")), "{md}");
        assert!(md.contains("p\\u000a# forged title\\u0007"), "{md}");
        match python_parses_xml(&svg) {
            None => eprintln!("python3 not found: the SVG is not parsed"),
            Some(r) => r.unwrap_or_else(|e| panic!("{title:?}: not XML: {e}")),
        }
    }
}

/// A package with a `src/main.rs` (what `bench` touches by default).
fn tiny_package(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
}

fn assert_one_line_naming(out: &std::process::Output, file: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("tiercheck: {file}: ")), "{err}");
}

#[test]
fn a_work_dir_where_nothing_can_be_written_is_named() {
    let d = tempfile::tempdir().unwrap();
    tiny_package(d.path());
    let dir = d.path().to_str().unwrap();
    let out = tiercheck(&["bench", "--work", "/proc", "--config", "stock", dir], &[]);
    assert_one_line_naming(&out, "/proc/samples.log");
}

#[test]
fn a_sample_log_that_cannot_be_written_is_named() {
    let d = tempfile::tempdir().unwrap();
    tiny_package(d.path());
    let work = d.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::os::unix::fs::symlink("/dev/full", work.join("samples.log")).unwrap();
    let args = [
        "bench",
        "--work",
        work.to_str().unwrap(),
        "--config",
        "stock",
        "--rounds",
        "1",
        "--skip",
        "incremental",
        "--skip",
        "clean-release",
        d.path().to_str().unwrap(),
    ];
    let out = tiercheck(&args, &[]);
    assert_one_line_naming(&out, &format!("{}/samples.log", work.display()));
}
