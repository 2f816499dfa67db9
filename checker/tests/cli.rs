//! The command line's contract: output formats (github, SARIF), the allow list, colours,
//! `cargo tiercheck`, completions, `$RUST_TIERS_TIER`, and "exit 2 prints nothing".

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const TC: &str = env!("CARGO_BIN_EXE_tiercheck");

fn run(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = common::clean(TC);
    c.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CARGO_TERM_COLOR");
    c.envs(env.iter().copied());
    c.output().expect("run tiercheck")
}

/// A project whose config names mold as a bare linker (an error), in a temp dir.
fn bad_project(manifest_extra: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{manifest_extra}"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(d.path().join(".cargo")).unwrap();
    std::fs::write(
        d.path().join(".cargo/config.toml"),
        "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"linker=mold\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    d
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn sarif_has_the_required_structure() {
    let p = bad_project("");
    let o = run(&["project", "--format", "sarif", "."], p.path(), &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tiercheck");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "linker-not-a-driver");
    assert_eq!(r["level"], "error");
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "linker-not-a-driver");
    assert!(r["message"]["text"].as_str().unwrap().contains("mold"));
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["region"]["startLine"], 2);
    let loc = &phys["artifactLocation"];
    assert_eq!(loc["uri"], ".cargo/config.toml");
    assert_eq!(loc["uriBaseId"], "SRCROOT");
    assert!(run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file:///"));
}

#[test]
fn github_annotations_name_the_file() {
    let p = bad_project("");
    let o = run(&["project", "--format", "github"], p.path(), &[]);
    let s = stdout(&o);
    assert!(
        s.starts_with(
            "::error file=.cargo/config.toml,line=2,col=14,title=tiercheck linker-not-a-driver::"
        ),
        "{s}"
    );
}

#[test]
fn allow_list_accepts_a_finding_and_rejects_unknown_ids() {
    let p = bad_project("\n[package.metadata.tiercheck]\nallow = [\"linker-not-a-driver\"]\n");
    let o = run(&["project", "--format", "json"], p.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["findings"].as_array().unwrap().len(), 0);
    assert_eq!(r["allowed"][0]["rule"], "linker-not-a-driver");
    assert_eq!(r["summary"]["allowed"], 1);

    let p = bad_project("\n[workspace.metadata.tiercheck]\nallow = [\"no-such-rule\"]\n");
    let o = run(&["project", "--format", "json"], p.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no-such-rule"), "{err}");
    // Installed users have no checkout: the error points at the command that lists the rules.
    assert!(
        err.contains("tiercheck explain --rules") && !err.contains("SCHEMA.md"),
        "{err}"
    );
    let p = bad_project("\n[package.metadata.tiercheck]\nallow = [\"linker-not-a-drivr\"]\n");
    let err = String::from_utf8_lossy(&run(&["project"], p.path(), &[]).stderr).into_owned();
    assert!(
        err.contains("did you mean \"linker-not-a-driver\"?"),
        "{err}"
    );
}

/// Every rule id explains itself: severity, what, why, fix and its docs anchor.
#[test]
fn every_rule_is_explainable() {
    let tmp = tempfile::tempdir().unwrap();
    let list: Value = serde_json::from_slice(
        &run(&["explain", "--rules", "--format", "json"], tmp.path(), &[]).stdout,
    )
    .unwrap();
    let rules = list["rules"].as_array().unwrap();
    assert!(rules.len() > 50);
    assert!(rules.iter().any(|r| r["id"] == "build-linker-key"));
    for r in rules {
        let id = r["id"].as_str().unwrap();
        let o = run(&["explain", id], tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(0), "{id}");
        let text = stdout(&o);
        for want in [
            format!("{id}: "),
            format!("  severity: {}", r["severity"].as_str().unwrap()),
            "  why: ".into(),
            "  fix: ".into(),
            format!(
                "  docs: https://github.com/rust-tiers/rust-tiers/blob/main/docs/rules.md#{id}"
            ),
        ] {
            assert!(text.contains(&want), "{id}: {want:?} in {text}");
        }
    }
    let text = stdout(&run(&["explain", "--rules"], tmp.path(), &[]));
    assert!(text.starts_with("build-linker-key "), "{text}");
}

#[test]
fn typos_get_did_you_mean_for_tiers_techniques_and_rules() {
    let tmp = tempfile::tempdir().unwrap();
    for (typo, meant) in [
        ("teir1", "tier1"),
        ("mlod", "mold"),
        ("buld-linker-key", "build-linker-key"),
    ] {
        let o = run(&["explain", typo], tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("did you mean {meant:?}?")), "{err}");
    }
}

#[test]
fn colour_follows_flag_env_and_terminal() {
    let p = bad_project("");
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    // stdout is a pipe here: auto means no colour.
    assert!(!esc(&run(&["project"], p.path(), &[])));
    assert!(esc(&run(&["project", "--color", "always"], p.path(), &[])));
    assert!(esc(&run(
        &["project"],
        p.path(),
        &[("CARGO_TERM_COLOR", "always")]
    )));
    assert!(!esc(&run(
        &["project", "--color", "never"],
        p.path(),
        &[("CARGO_TERM_COLOR", "always")]
    )));
    // JSON never carries escapes.
    assert!(!esc(&run(
        &["project", "--format", "json", "--color", "always"],
        p.path(),
        &[]
    )));
}

#[test]
fn quiet_and_verbose() {
    let p = bad_project("");
    let q = stdout(&run(&["project", "-q"], p.path(), &[]));
    assert_eq!(q.lines().count(), 1, "{q}");
    let v = stdout(&run(&["project", "-v"], p.path(), &[]));
    assert!(v.contains("  = linker-not-a-driver: "), "{v}");
}

#[test]
fn tier_defaults_to_rust_tiers_tier() {
    let p = bad_project("");
    let o = run(
        &["project", "--format", "json"],
        p.path(),
        &[("RUST_TIERS_TIER", "tier1")],
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["tier"], "tier1");
    let o = run(&["project"], p.path(), &[("RUST_TIERS_TIER", "tier9")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

#[test]
fn cargo_subcommand_binary() {
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tiercheck"))
        .args(["tiercheck", "explain", "tier1"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("tier1: production-safe"));
    let help = Command::new(env!("CARGO_BIN_EXE_cargo-tiercheck"))
        .args(["tiercheck", "--help"])
        .output()
        .unwrap();
    assert!(
        stdout(&help).contains("Usage: cargo tiercheck"),
        "{}",
        stdout(&help)
    );
}

#[test]
fn bash_completions_load_and_complete_tiers() {
    let script = format!(
        r#"source <("{TC}" completions bash) || exit 1
complete -p tiercheck >/dev/null || exit 1
COMP_WORDS=(tiercheck project --tier ""); COMP_CWORD=3
COMP_LINE="tiercheck project --tier "; COMP_POINT=${{#COMP_LINE}}
_tiercheck tiercheck "" --tier
echo "${{COMPREPLY[@]}}""#
    );
    let o = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o).trim(), "tier1 tier2 tier3 tier4 tier5");
}

/// `--with`/`--without` take technique ids: completions offer those, never file names.
#[test]
fn bash_completes_techniques_after_with() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a-file-here"), "").unwrap();
    for flag in ["--with", "--without"] {
        let script = format!(
            r#"source <("{TC}" completions bash) || exit 1
COMP_WORDS=(tiercheck project {flag} ""); COMP_CWORD=3
COMP_LINE="tiercheck project {flag} "; COMP_POINT=${{#COMP_LINE}}
_tiercheck tiercheck "" {flag}
echo "${{COMPREPLY[@]}}""#
        );
        let o = Command::new("bash")
            .args(["-c", &script])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let words = stdout(&o);
        assert!(!words.contains("a-file-here"), "{flag}: {words}");
        for id in ["mold", "fat-lto", "sccache"] {
            assert!(words.split_whitespace().any(|w| w == id), "{flag}: {words}");
        }
    }
}

#[test]
fn exit_2_leaves_stdout_empty() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["binary", "/nonexistent"][..],
        &["binary", "--format", "json", "/nonexistent"],
        &["project", "--format", "sarif", "/nonexistent"],
        &["project", "--format", "github", "/nonexistent"],
        &["explain", "no-such-thing"],
        &["env", "--raw", "--platform", "no-such-platform", "tier1"],
    ] {
        let o = run(args, tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with("tiercheck: ") || err.starts_with("error:"),
            "{args:?}: {err}"
        );
    }
}

/// `--manifest-path` (as Cargo's) and a Cargo.toml given as DIR both mean its directory, in
/// every command that takes a project.
#[test]
fn manifest_path_and_a_manifest_as_dir() {
    let p = bad_project("");
    let base = tempfile::tempdir().unwrap();
    let manifest = p.path().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let json = |args: &[&str]| stdout(&run(args, base.path(), &[]));
    let by_dir = json(&["project", "--format", "json", p.path().to_str().unwrap()]);
    assert!(by_dir.contains("linker-not-a-driver"), "{by_dir}");
    assert_eq!(json(&["project", "--format", "json", manifest]), by_dir);
    assert_eq!(
        json(&["project", "--format", "json", "--manifest-path", manifest]),
        by_dir
    );
    let o = run(
        &["init", "--tier", "tier1", "--manifest-path", manifest],
        base.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("+[profile.release-fat]"));
    // bench takes it too (and then refuses the configuration, before measuring anything).
    let o = run(
        &["bench", "--manifest-path", manifest, "--config", "nope"],
        base.path(),
        &[],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown configuration \"nope\""));
    let lib = tempfile::tempdir().unwrap();
    std::fs::write(
        lib.path().join("Cargo.toml"),
        "[package]\nname = \"l\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(lib.path().join("src")).unwrap();
    std::fs::write(lib.path().join("src/lib.rs"), "").unwrap();
    let lib_manifest = lib.path().join("Cargo.toml");
    let o = run(
        &[
            "build",
            "--tier",
            "tier1",
            "--format",
            "json",
            "--manifest-path",
            lib_manifest.to_str().unwrap(),
        ],
        base.path(),
        &[],
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["findings"][0]["rule"], "no-executables");
    for (args, want) in [
        (
            &["project", "--manifest-path", p.path().to_str().unwrap()][..],
            "must be a path to a Cargo.toml file",
        ),
        (
            &["project", "--manifest-path", "nope/Cargo.toml"],
            "nope/Cargo.toml: no such file",
        ),
        (
            &["project", "--manifest-path", manifest, "."],
            "cannot be used with",
        ),
    ] {
        let o = run(args, base.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(want) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    let main_rs = p.path().join("src/main.rs");
    let o = run(&["project", main_rs.to_str().unwrap()], base.path(), &[]);
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("not a directory (give the project directory, or --manifest-path <Cargo.toml>)"));
}

/// In text mode `build` says what it builds on stderr before cargo's output.
#[test]
fn build_announces_itself_before_cargo() {
    let p = bad_project("");
    std::fs::remove_dir_all(p.path().join(".cargo")).unwrap();
    let o = run(&["build", "--tier", "tier1"], p.path(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with("tiercheck: build tier1 (dev profile"),
        "{err}"
    );
    let compiling = err.find("Compiling").unwrap_or(0);
    assert!(compiling > first.len(), "{err}");
    assert!(
        stdout(&o).starts_with("build tier1 (dev profile"),
        "{}",
        stdout(&o)
    );
    let o = run(&["build", "--tier", "tier1", "-q"], p.path(), &[]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("tiercheck: build tier1"));
}

/// `build -- --message-format short`: cargo's diagnostics in the short style; tiercheck still
/// reads cargo's JSON (cargo refuses two kinds of message format). JSON is refused before cargo.
#[test]
fn build_takes_the_users_message_format() {
    let p = bad_project("");
    std::fs::remove_dir_all(p.path().join(".cargo")).unwrap();
    std::fs::write(p.path().join("src/main.rs"), "fn main() { let x = 1; }\n").unwrap();
    let o = run(
        &[
            "build",
            "--tier",
            "tier1",
            "--format",
            "json",
            "--",
            "--message-format",
            "short",
        ],
        p.path(),
        &[],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("src/main.rs:1:17: warning: unused variable"),
        "{err}"
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["facts"]["executables"].as_array().unwrap().len(), 1);
    let o = run(
        &["build", "--tier", "tier1", "--", "--message-format=json"],
        p.path(),
        &[],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert!(
        err.starts_with("tiercheck: --message-format json: ") && !err.contains("Compiling"),
        "{err}"
    );
}

/// No subcommand: clap's own help, multi-line, on stderr, exit 2 (as cargo does).
#[test]
fn no_arguments_print_the_help_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [&[][..], &["-q"]] {
        let o = run(args, tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.lines()
                .any(|l| l == "Usage: tiercheck [OPTIONS] <COMMAND>"),
            "{err}"
        );
        if args.is_empty() {
            assert!(err.lines().count() > 10, "{err}");
            assert!(err.lines().any(|l| l.starts_with("  project ")), "{err}");
        } else {
            assert!(err.contains("requires a subcommand but"), "{err}");
        }
    }
}

/// A usage error is one line: the problem, clap's tip, then its Usage line.
#[test]
fn usage_errors_are_one_line_with_the_usage() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, want) in [
        (
            &["project", "--foo"][..],
            "tiercheck: unexpected argument '--foo' found (tip: to pass '--foo' as a value, use '-- --foo'). Usage: tiercheck project [OPTIONS] [DIR]\n",
        ),
        (
            &["projet"],
            "tiercheck: unrecognized subcommand 'projet' (tip: a similar subcommand exists: 'project'). Usage: tiercheck [OPTIONS] <COMMAND>\n",
        ),
        (
            &["project", "--tier", "tier9"],
            "tiercheck: invalid value 'tier9' for '--tier <TIER>' [possible values: tier1, tier2, tier3, tier4, tier5] (tip: a similar value exists: 'tier5')\n",
        ),
        // A value its parser refused names the value and the problem, no usage.
        (&["project", "/nonexistent"], "tiercheck: /nonexistent: no such directory\n"),
    ] {
        let o = run(args, tmp.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
        assert_eq!(String::from_utf8_lossy(&o.stderr), want, "{args:?}");
    }
}

#[test]
fn init_shows_the_diff_then_merges_once() {
    let d = tempfile::tempdir().unwrap();
    let manifest = "# our manifest\n[package]\nname = \"p\" # keep\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[profile.release]\n# we ship without LTO\nlto = false\n";
    std::fs::write(d.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir_all(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    // No terminal, no --yes: the diff, exit 1, nothing written.
    let o = run(&["init", "--tier", "tier1"], d.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("+[profile.release-fat]"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap(),
        manifest
    );
    // Colour as everywhere else: --color, CARGO_TERM_COLOR, never in a pipe by default.
    let o = run(
        &["init", "--tier", "tier1", "--color", "always"],
        d.path(),
        &[],
    );
    assert!(
        stdout(&o).contains("\u{1b}[32m+[profile.release-fat]\u{1b}[0m"),
        "{}",
        stdout(&o)
    );
    let o = run(
        &["init", "--tier", "tier1"],
        d.path(),
        &[("CARGO_TERM_COLOR", "always")],
    );
    assert!(o.stdout.contains(&0x1b));
    let o = run(
        &["init", "--tier", "tier1", "--color", "never"],
        d.path(),
        &[("CARGO_TERM_COLOR", "always")],
    );
    assert!(!o.stdout.contains(&0x1b));
    let init = ["init", "--tier", "tier1", "--yes", "--env-settings"];
    let o = run(&init, d.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let merged = std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap();
    assert!(merged.starts_with(manifest), "{merged}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("kept profile.release.lto"));
    assert!(
        !d.path().join(".cargo").exists(),
        "no file that would hold only comments"
    );
    // Idempotent, and the project now has what tier1 cannot set from the environment.
    let o = run(&init, d.path(), &[]);
    assert!(stdout(&o).contains("nothing to add"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap(),
        merged
    );
    let o = run(
        &["project", "--tier", "tier1", "--format", "json"],
        d.path(),
        &[],
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let lacks: Vec<&Value> = r["facts"]["tier_techniques"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["status"] == "lacks"
                && (t["id"] == "custom-profiles" || t["id"] == "deps-no-debuginfo")
        })
        .collect();
    assert!(lacks.is_empty(), "{lacks:?}");
}

#[test]
fn explain_and_tiers_agree_on_optional_tiers() {
    let tmp = tempfile::tempdir().unwrap();
    let explain = stdout(&run(&["explain", "sccache"], tmp.path(), &[]));
    assert!(
        explain.contains("optional in: tier1, tier2, tier3, tier4"),
        "{explain}"
    );
    let tiers = stdout(&run(&["tiers"], tmp.path(), &[]));
    let line = tiers.lines().find(|l| l.starts_with("sccache ")).unwrap();
    assert!(line.ends_with("opt-in: tier1,tier2,tier3,tier4"), "{line}");
}

/// `tiers` and `explain` show the linker each platform gets as nix/tiers.toml resolves it (tier1:
/// rust-lld on x86_64 Linux, mold on aarch64 Linux), in lines of at most 100 columns; README's
/// block is that output (`.ci/test-all.sh` checks the release build's).
#[test]
fn tiers_and_explain_show_the_linker_per_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let tiers = stdout(&run(&["tiers"], tmp.path(), &[]));
    for line in tiers.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    let block: Vec<&str> = tiers
        .lines()
        .take_while(|l| !l.starts_with("tier2"))
        .collect();
    assert_eq!(
        block.last(),
        Some(&"       linker: lld (x86_64-linux), mold (aarch64-linux), default (aarch64-darwin)")
    );
    assert!(!block[1].contains("mold") && !block[1].contains("lld"));
    let row = |id: &str| {
        tiers
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap()
            .to_string()
    };
    assert!(row("lld").ends_with(" tier1,tier2"), "{}", row("lld"));
    assert!(
        row("mold").ends_with(" tier1,tier2 (on aarch64-linux)"),
        "{}",
        row("mold")
    );
    let tier1 = stdout(&run(&["explain", "tier1"], tmp.path(), &[]));
    assert!(tier1.contains("— on x86_64-linux\n"), "{tier1}");
    assert!(
        tier1.contains(
            "\nlinker: lld (x86_64-linux), mold (aarch64-linux), default (aarch64-darwin)\n"
        ),
        "{tier1}"
    );
    let lld = stdout(&run(&["explain", "lld"], tmp.path(), &[]));
    assert!(lld.contains("\n  tiers: tier1, tier2\n"), "{lld}");
    let json: Value = serde_json::from_slice(
        &run(&["explain", "tier1", "--format", "json"], tmp.path(), &[]).stdout,
    )
    .unwrap();
    assert_eq!(json["platforms"]["x86_64-linux"]["linker"], "lld");
    assert_eq!(
        json["platforms"]["aarch64-darwin"]["left_out"][0]["id"],
        "mold"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("<!-- tiers:begin -->\n```\n").unwrap() + 25;
    let end = readme.find("```\n<!-- tiers:end -->").unwrap();
    assert_eq!(
        readme[start..end],
        tiers,
        "README's tiers block: paste `tiercheck tiers`"
    );
}

/// A fresh project: "lacks" only for what the user must add (what only files can hold); what the
/// tier's environment supplies is one summary line, and `supplied_by` in JSON.
#[test]
fn lacks_only_what_the_user_must_add() {
    let p = bad_project("");
    std::fs::remove_dir_all(p.path().join(".cargo")).unwrap();
    let text = stdout(&run(&["project", "--tier", "tier1"], p.path(), &[]));
    let lacks: Vec<&str> = text.lines().filter(|l| l.starts_with("  lacks ")).collect();
    assert_eq!(lacks.len(), 2, "{text}");
    assert!(lacks[0].contains("deps-no-debuginfo") && lacks[1].contains("custom-profiles"));
    assert!(
        text.contains("\n  7 settings come from the tier's environment (`tiercheck env tier1` / `nix develop .#tier1`)\n"),
        "{text}"
    );
    let status = |env: &[(&str, &str)], id: &str| {
        let o = run(
            &["project", "--tier", "tier1", "--format", "json"],
            p.path(),
            env,
        );
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        r["facts"]["tier_techniques"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    let split = status(&[], "split-debuginfo");
    assert_eq!(
        (split["status"].clone(), split["supplied_by"].clone()),
        ("lacks".into(), "tier-env".into())
    );
    assert!(status(&[], "deps-no-debuginfo")
        .get("supplied_by")
        .is_none());
    // Already in tier1's environment and still missing: the user must act.
    let split = status(&[("RUST_TIERS_TIER", "tier1")], "split-debuginfo");
    assert_eq!(split["status"], "lacks");
    assert!(split.get("supplied_by").is_none(), "{split}");
}

#[test]
fn project_facts_name_where_a_setting_is() {
    let p = bad_project("\n[profile.dev]\nsplit-debuginfo = \"unpacked\"\n");
    let o = run(
        &["project", "--tier", "tier1", "--format", "json"],
        p.path(),
        &[],
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let split = r["facts"]["tier_techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "split-debuginfo")
        .unwrap();
    assert_eq!(split["status"], "has");
    assert_eq!(
        split["detail"],
        "profile.dev.split-debuginfo in Cargo.toml:7:1"
    );
}

/// On a terminal `init` asks; "y" writes. `script` gives the command a pseudo-terminal.
#[test]
fn init_asks_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` (util-linux): skipped");
        return;
    }
    let p = bad_project("");
    for (answer, written) in [("n", false), ("y", true)] {
        let mut c = Command::new("sh");
        c.args([
            "-c",
            &format!("printf '{answer}\\n' | script -qec '{TC} init --tier tier1' /dev/null"),
        ])
        .current_dir(p.path())
        .env_remove("NO_COLOR")
        .env_remove("CARGO_TERM_COLOR");
        let o = c.output().unwrap();
        let text = stdout(&o);
        assert!(text.contains("write these changes? [y/N]"), "{text}");
        // A terminal: the diff in colour.
        assert!(text.contains("\u{1b}[32m+"), "{text:?}");
        let manifest = std::fs::read_to_string(p.path().join("Cargo.toml")).unwrap();
        assert_eq!(
            manifest.contains("[profile.release-fat]"),
            written,
            "{answer}: {manifest}"
        );
        assert!(
            !manifest.contains("lto = \"thin\"\n# Shipping"),
            "{manifest}"
        );
    } // NO_COLOR on a terminal: no colour (nothing left to add now, so a fresh project).
    let p = bad_project("");
    let o = Command::new("sh")
        .args([
            "-c",
            &format!("printf 'n\\n' | script -qec '{TC} init --tier tier1' /dev/null"),
        ])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(
        text.contains("+[profile.release-fat]") && !text.contains('\u{1b}'),
        "{text:?}"
    );
}
