//! SARIF from every command that prints it (`project`, `toolchain`, `binary`, `build`): valid
//! against the OASIS 2.1.0 schema (python's jsonschema, where installed), and acceptable to
//! GitHub code scanning, which rejects a whole upload for one result without a location
//! (github/codeql-action#1738, #2459).

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = common::clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(args).current_dir(dir).envs(env.iter().copied());
    c.output().expect("run tiercheck")
}

fn sarif_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// What GitHub code scanning requires of an upload, beyond the schema: problems found, empty
/// when it would be accepted.
fn github_ingestion_problems(log: &Value) -> Vec<String> {
    let mut bad = vec![];
    if log["version"] != "2.1.0" {
        bad.push("version is not 2.1.0".into());
    }
    for run in log["runs"].as_array().into_iter().flatten() {
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ids: HashSet<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        if ids.len() != rules.len() {
            bad.push("rule ids missing or repeated".into());
        }
        for r in &rules {
            bad.extend(rule_problems(r));
        }
        for (i, res) in run["results"].as_array().into_iter().flatten().enumerate() {
            bad.extend(
                result_problems(res, &rules, &ids)
                    .into_iter()
                    .map(|p| format!("result {i}: {p}")),
            );
        }
    }
    bad
}

fn rule_problems(r: &Value) -> Vec<String> {
    let id = r["id"].as_str().unwrap_or("?");
    let mut bad = vec![];
    for (what, v) in [
        ("shortDescription.text", &r["shortDescription"]["text"]),
        ("help.text", &r["help"]["text"]),
        ("help.markdown", &r["help"]["markdown"]),
    ] {
        if v.as_str().is_none_or(str::is_empty) {
            bad.push(format!("rule {id}: no {what}"));
        }
    }
    if !r["helpUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://"))
    {
        bad.push(format!("rule {id}: helpUri is not an absolute https URI"));
    }
    bad
}

fn result_problems(res: &Value, rules: &[Value], ids: &HashSet<&str>) -> Vec<String> {
    let mut bad = vec![];
    let rule = res["ruleId"].as_str().unwrap_or("");
    if !ids.contains(rule) {
        bad.push(format!("ruleId {rule:?} is not in tool.driver.rules"));
    }
    if let Some(i) = res["ruleIndex"].as_u64() {
        if rules.get(i as usize).map(|r| &r["id"]) != Some(&res["ruleId"]) {
            bad.push("ruleIndex points at another rule".into());
        }
    }
    if !["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap_or("")) {
        bad.push(format!("level {} is not a SARIF level", res["level"]));
    }
    if res["message"]["text"].as_str().is_none_or(str::is_empty) {
        bad.push("no message.text".into());
    }
    let fingerprints = res["partialFingerprints"].as_object();
    if !fingerprints.is_some_and(|f| !f.is_empty() && f.values().all(Value::is_string)) {
        bad.push("no partialFingerprints".into());
    }
    let locations = res["locations"].as_array().cloned().unwrap_or_default();
    if locations.is_empty() {
        bad.push("no location (GitHub: \"expected at least one location\")".into());
    }
    for l in &locations {
        let phys = &l["physicalLocation"];
        if phys["artifactLocation"]["uri"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            bad.push("a location without physicalLocation.artifactLocation.uri".into());
        }
        let line = &phys["region"]["startLine"];
        if !line.is_null() && line.as_u64().is_none_or(|n| n < 1) {
            bad.push("region.startLine below 1".into());
        }
    }
    bad
}

fn has_jsonschema() -> bool {
    Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The OASIS schema (vendored: tests/sarif/README.md), where python's jsonschema is installed
/// (CI installs it; e2e-env.sh requires it).
fn schema_problems(log: &Value, scratch: &Path) -> Option<String> {
    if !has_jsonschema() {
        eprintln!("python3 jsonschema not installed: schema check left to .ci/e2e-env.sh");
        return None;
    }
    let out = scratch.join("out.sarif");
    std::fs::write(&out, serde_json::to_vec(log).unwrap()).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let v = Command::new("python3")
        .args([
            "-c",
            "import json,sys,jsonschema; jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))",
        ])
        .arg(&schema)
        .arg(&out)
        .output()
        .unwrap();
    (!v.status.success()).then(|| String::from_utf8_lossy(&v.stderr).into_owned())
}

/// Both checks, and at least one result that had no file of its own (`want_rule`).
fn assert_accepted(o: &Output, scratch: &Path, want_rule: &str) {
    let log = sarif_of(o);
    let problems = github_ingestion_problems(&log);
    assert!(problems.is_empty(), "{want_rule}: {problems:#?}");
    if let Some(e) = schema_problems(&log, scratch) {
        panic!("{want_rule}: schema: {e}");
    }
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == want_rule),
        "no {want_rule} in {results:#?}"
    );
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = d.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    d
}

const MANIFEST: &str = "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

#[test]
fn project_sarif_is_accepted_and_places_env_findings_in_the_manifest() {
    let p = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/main.rs", "fn main() {}\n"),
        (".cargo/config.toml", "[build]\nlinker = \"mold\"\n"),
    ]);
    let o = run(
        &["project", "--tier", "tier2", "--format", "sarif"],
        p.path(),
        &[("RUSTFLAGS", "-C debuginfo=0")],
    );
    assert_accepted(&o, p.path(), "rustflags-env-defeats-tier");
    let log = sarif_of(&o);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let env = results
        .iter()
        .find(|r| r["ruleId"] == "rustflags-env-defeats-tier")
        .unwrap();
    let loc = &env["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "Cargo.toml");
    assert!(loc["region"].is_null(), "the manifest is not where it is");
    let text = env["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("env:RUSTFLAGS: RUSTFLAGS replaces"),
        "{text}"
    );
    let fp = |r: &Value| r["partialFingerprints"]["tiercheck/v1"].clone();
    let all: HashSet<String> = results.iter().map(|r| fp(r).to_string()).collect();
    assert_eq!(all.len(), results.len(), "fingerprints are distinct");
    // Stable: the same findings give the same fingerprints, whatever the message says.
    let again = sarif_of(&run(
        &["project", "--tier", "tier2", "--format", "sarif"],
        p.path(),
        &[("RUSTFLAGS", "-C debuginfo=1")],
    ));
    let again = &again["runs"][0]["results"];
    let env_again = again
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "rustflags-env-defeats-tier")
        .unwrap();
    assert_eq!(fp(env), fp(env_again));
}

#[test]
fn toolchain_sarif_is_accepted() {
    let p = project(&[("Cargo.toml", MANIFEST), ("src/main.rs", "fn main() {}\n")]);
    let o = run(
        &["toolchain", "--tier", "tier1", "--format", "sarif"],
        p.path(),
        &[],
    );
    assert_accepted(&o, p.path(), "toolchain-pin");
    let pin = &sarif_of(&o)["runs"][0]["results"][0];
    assert_eq!(
        pin["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "Cargo.toml"
    );
    // With a toolchain file in the project, that file is the place.
    std::fs::write(
        p.path().join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"stable\"\n",
    )
    .unwrap();
    let o = run(
        &["toolchain", "--tier", "tier1", "--format", "sarif"],
        p.path(),
        &[],
    );
    let log = sarif_of(&o);
    let pin = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "toolchain-pin")
        .unwrap();
    assert_eq!(
        pin["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "rust-toolchain.toml"
    );
}

#[test]
fn binary_sarif_is_accepted() {
    let d = tempfile::tempdir().unwrap();
    let bin = d.path().join("app");
    std::fs::copy(env!("CARGO_BIN_EXE_tiercheck"), &bin).unwrap();
    let o = run(
        &["binary", "--tier", "tier1", "--format", "sarif", "app"],
        d.path(),
        &[],
    );
    assert_accepted(&o, d.path(), "profile-unknown");
}

/// `build` of a library: `no-executables` has no file of its own.
#[test]
fn build_sarif_is_accepted() {
    let p = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "pub fn f() {}\n")]);
    let o = run(
        &["build", "--tier", "tier1", "--format", "sarif"],
        p.path(),
        &[],
    );
    assert_accepted(&o, p.path(), "no-executables");
}

#[test]
fn the_checker_rejects_what_github_rejects() {
    let log: Value = serde_json::from_str(
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "a"}]}},
            "results": [{"ruleId": "b", "level": "fatal", "message": {"text": "m"}}]}]}"#,
    )
    .unwrap();
    let problems = github_ingestion_problems(&log).join("\n");
    for want in [
        "no help.text",
        "helpUri",
        "not in tool.driver.rules",
        "not a SARIF level",
        "no partialFingerprints",
        "no location",
    ] {
        assert!(problems.contains(want), "{want}: {problems}");
    }
}
