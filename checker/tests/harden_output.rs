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
