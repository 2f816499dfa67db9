//! Snapshot tests of what users read: the text output of commands whose output does not depend
//! on this machine (the tier data, `env --raw`, `project` findings on fixtures, `init`'s diff),
//! and the text of commands whose output does (`binary`, `build`, `toolchain`, `bench`)
//! rendered from their saved JSON, compared with tests/snapshots/<name>.txt, so a change in
//! what users read shows up in review.
//! `TIERCHECK_BLESS=1 cargo test --test snapshots` rewrites the files.

mod common;

use std::path::Path;

use common::clean;

/// `tiercheck ARGS` from the crate's directory, as text without colour: stdout, then stderr
/// under a `--- stderr` line when there is any, then the exit code.
fn shown(args: &[&str]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(args).current_dir(dir).env("NO_COLOR", "1");
    let out = c.output().expect("run tiercheck");
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.stderr.is_empty() {
        s.push_str("--- stderr\n");
        s.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    s.push_str(&format!("--- exit {}\n", out.status.code().unwrap_or(-1)));
    // Where the checkout lies is no part of what users read.
    s.replace(dir.to_str().unwrap(), "<crate>")
}

fn snapshot(name: &str, args: &[&str]) {
    matches_file(
        name,
        &format!("$ tiercheck {}\n{}", args.join(" "), shown(args)),
    );
}

/// `got` against tests/snapshots/<name>.txt (rewritten with TIERCHECK_BLESS).
fn matches_file(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("TIERCHECK_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "{}: the output changed (TIERCHECK_BLESS=1 cargo test --test snapshots rewrites it):\n{}",
        path.display(),
        similar_lines(&want, got)
    );
}

/// The lines that differ, `-` for the snapshot and `+` for now.
fn similar_lines(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            if let Some(a) = a {
                out.push_str(&format!("-{a}\n"));
            }
            if let Some(b) = b {
                out.push_str(&format!("+{b}\n"));
            }
        }
    }
    out
}

#[test]
fn tiers() {
    snapshot("tiers", &["tiers"]);
}

#[test]
fn explain_a_tier_a_technique_and_a_rule() {
    snapshot("explain-tier3", &["explain", "tier3"]);
    snapshot("explain-cranelift", &["explain", "cranelift"]);
    snapshot(
        "explain-parallel-frontend",
        &["explain", "parallel-frontend"],
    );
    snapshot(
        "explain-strip-removes-debug",
        &["explain", "strip-removes-debug"],
    );
}

#[test]
fn env_raw_for_other_machines() {
    snapshot(
        "env-raw-tier1-x86_64-linux",
        &["env", "tier1", "--raw", "--platform", "x86_64-linux"],
    );
    snapshot(
        "env-raw-tier3-aarch64-darwin",
        &["env", "tier3", "--raw", "--platform", "aarch64-darwin"],
    );
    snapshot(
        "env-raw-tier1-fish",
        &[
            "env",
            "tier1",
            "--raw",
            "--platform",
            "x86_64-linux",
            "--format",
            "fish",
        ],
    );
}

#[test]
fn project_findings_on_fixtures() {
    for f in [
        "split-debuginfo-value",
        "build-linker-key",
        "strip-removes-debug",
        "custom-profile-inherits",
        "broken-toml",
    ] {
        let dir = format!("tests/fixtures/{f}");
        snapshot(
            &format!("project-{f}"),
            &["project", "-q", "--tier", "tier1", &dir],
        );
    }
}

/// `project`'s facts lines (channel, rust-version, triple, each technique's status), not only
/// its findings.
#[test]
fn project_facts_text() {
    snapshot(
        "project-clean-tier1-facts",
        &["project", "--tier", "tier1", "tests/fixtures/clean-tier1"],
    );
}

#[test]
fn init_shows_its_diff_and_writes_nothing_without_a_terminal() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/custom-profile-inherits");
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(src.join("Cargo.toml"), d.path().join("Cargo.toml")).unwrap();
    std::fs::create_dir(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let before = std::fs::read(d.path().join("Cargo.toml")).unwrap();
    let dir = d.path().to_str().unwrap();
    let got = shown(&["init", "--tier", "tier1", dir]).replace(dir, "<DIR>");
    matches_file(
        "init-tier1",
        &format!("$ tiercheck init --tier tier1 <DIR>\n{got}"),
    );
    assert_eq!(std::fs::read(d.path().join("Cargo.toml")).unwrap(), before);
}

/// The text lines of `binary` (which `build` and the PGO pipeline show too), rendered from the
/// saved facts of real binaries (dev builds with rust-lld, mold, unpacked split debuginfo and
/// Wild; a PGO build; a BOLT-instrumented and a BOLT-optimized one): the typed facts must read
/// the JSON document `binary --format json` wrote, and render the lines it printed.
#[test]
fn binary_facts_text_from_saved_facts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let json = std::fs::read_to_string(dir.join("binary-facts.json")).unwrap();
    let doc: tiercheck::binary::Binaries = serde_json::from_str(&json).unwrap();
    matches_file(
        "binary-facts",
        &tiercheck::binary::facts::lines(&doc.binaries),
    );
}

/// `build`'s and the PGO pipeline's text lines, rendered from saved reports of real runs on
/// examples/cpu-bound (`build --tier tier1`; `build --tier tier3 --pgo`): the typed facts must
/// read the documents and render what users read. The build's lines were printed by the
/// binary before its facts were typed.
#[test]
fn build_and_pgo_facts_text_from_saved_reports() {
    type Render = fn(&tiercheck::report::Report) -> String;
    let cases: [(&str, Render); 2] = [
        ("build-facts", tiercheck::build::facts_text),
        ("pgo-facts", tiercheck::pgo::facts_text),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for (name, text) in cases {
        let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let saved: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut r = tiercheck::report::Report::new(
            "build",
            saved["tier"].as_str(),
            saved["subject"].as_str().unwrap(),
        );
        r.facts = saved["facts"].clone();
        matches_file(name, &text(&r.for_text()));
    }
}

/// `toolchain`'s text lines, rendered from the saved report of a real run (`toolchain --tier
/// tier3 --with sccache --with sccache-dist --format json` on tests/fixtures/clean-tier1, with
/// wild off PATH and an sccache client config naming a scheduler that does not answer; home
/// directories masked as /home/dev): what is installed differs between machines, the text of
/// the same facts must not. The typed facts must read the document back whole.
#[test]
fn toolchain_facts_text_from_a_saved_report() {
    #[derive(serde::Deserialize)]
    struct Saved {
        facts: serde_json::Value,
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let json = std::fs::read_to_string(dir.join("toolchain-facts.json")).unwrap();
    let saved: Saved = serde_json::from_str(&json).unwrap();
    let facts: tiercheck::toolchain_check::ToolchainFacts =
        serde_json::from_value(saved.facts.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&facts).unwrap(),
        saved.facts,
        "the typed facts lose or change a field of the document"
    );
    matches_file(
        "toolchain-facts",
        &tiercheck::toolchain_check::facts_text(&facts),
    );
}

/// `bench`'s Markdown report, as `bench --replot` prints it from the saved document of a real
/// run (a tiny project: stock, cargo-wizard, check, tier1, tier3 and tier3+pgo, one round, with
/// an edit and a held-out run; home directories masked as /home/dev). The run's own Markdown is
/// rendered by the same code from the same typed document, so this is what a measuring run
/// prints; the document must read back whole.
#[test]
fn bench_report_text_from_a_saved_document() {
    let path = "tests/snapshots/bench-report.json";
    let json = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&json).unwrap();
    let doc: tiercheck::bench::report::Document = serde_json::from_str(&json).unwrap();
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        saved,
        "the typed document loses or changes a field of the saved one"
    );
    snapshot("bench-report", &["bench", "--replot", path]);
}
