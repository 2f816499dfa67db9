//! `tiercheck project` on one fixture per pitfall, and on clean projects that must pass.

mod common;
use common::*;

type Pairs = &'static [(&'static str, &'static str)];

/// (fixture, extra args, env, exit code, the (severity, rule) findings expected, in any order)
const CASES: &[(&str, &[&str], Pairs, i32, Pairs)] = &[
    (
        "build-linker-key",
        &[],
        &[],
        1,
        &[("error", "build-linker-key")],
    ),
    (
        "linker-not-a-driver",
        &[],
        &[],
        1,
        &[("error", "linker-not-a-driver")],
    ),
    (
        "cc-linker-drops-rust-lld",
        &[],
        &[],
        0,
        &[("warning", "cc-linker-drops-rust-lld")],
    ),
    (
        "split-debuginfo-value",
        &[],
        &[],
        1,
        &[("error", "split-debuginfo-value")],
    ),
    (
        "nightly-flag-on-stable",
        &[],
        &[],
        1,
        &[("error", "nightly-flag-on-stable")],
    ),
    (
        "cargo-features-on-stable",
        &[],
        &[],
        1,
        &[
            ("error", "nightly-flag-on-stable"),
            ("error", "nightly-flag-on-stable"),
        ],
    ),
    (
        "unstable-feature-missing",
        &[],
        &[],
        1,
        &[("error", "unstable-feature-missing")],
    ),
    (
        "rustflags-env-shadows-config",
        &[],
        &[("RUSTFLAGS", "-Copt-level=1")],
        0,
        &[("warning", "rustflags-env-shadows-config")],
    ),
    (
        "build-rustflags-ignored",
        &[],
        &[],
        0,
        &[("warning", "build-rustflags-ignored")],
    ),
    (
        "link-self-contained-alone",
        &[],
        &[],
        1,
        &[("error", "link-self-contained-alone")],
    ),
    (
        "custom-profile-inherits",
        &[],
        &[],
        1,
        &[("error", "custom-profile-inherits")],
    ),
    (
        "profile-in-member",
        &[],
        &[],
        0,
        &[("warning", "profile-in-member")],
    ),
    (
        "min-rust",
        &[],
        &[],
        0,
        &[("warning", "min-rust"), ("warning", "min-rust")],
    ),
    ("min-rust-pin", &[], &[], 1, &[("error", "min-rust")]),
    (
        "unstable-table-on-stable",
        &[],
        &[],
        0,
        &[("warning", "unstable-table-on-stable")],
    ),
    (
        "tier-channel",
        &["--tier", "tier2"],
        &[],
        1,
        &[("error", "tier-channel"), ("info", "tier-lacks")],
    ),
    // Under a tier: RUSTFLAGS would wipe out the tier's target rustflags; [build] rustflags are
    // ignored. (tier1 on x86_64 Linux keeps rust-lld and sets no rustflags: DWARF 5 adds some.)
    (
        "clean-minimal",
        &["--tier", "tier1", "--with", "dwarf-version"],
        &[("RUSTFLAGS", "-Copt-level=1")],
        1,
        &[
            ("error", "rustflags-env-defeats-tier"),
            ("info", "tier-lacks"),
            ("warning", "min-rust"),
        ],
    ),
    (
        "rustflags-env-shadows-config",
        &["--tier", "tier1", "--with", "dwarf-version"],
        &[],
        0,
        &[
            ("warning", "build-rustflags-ignored"),
            ("info", "tier-lacks"),
        ],
    ),
    (
        "min-rust",
        &["--tier", "tier1"],
        &[],
        0,
        &[
            ("warning", "min-rust"),
            ("warning", "min-rust"),
            ("info", "tier-lacks"),
        ],
    ),
    (
        "sccache-incremental",
        &[],
        &[("RUSTC_WRAPPER", "sccache")],
        0,
        &[("warning", "sccache-incremental")],
    ),
    (
        "sccache-incremental",
        &[],
        &[
            ("RUSTC_WRAPPER", "/nonexistent/sccache"),
            ("CARGO_INCREMENTAL", "0"),
        ],
        1,
        &[("error", "sccache-missing")],
    ),
    // sccache hashes CARGO_* variables: a CARGO_TARGET_DIR rules out sharing.
    (
        "sccache-incremental",
        &[],
        &[
            ("RUSTC_WRAPPER", "sccache"),
            ("CARGO_INCREMENTAL", "0"),
            ("CARGO_TARGET_DIR", "/tmp/t"),
        ],
        0,
        &[("warning", "sccache-target-dir-env")],
    ),
    // An unreachable backend is reported within the 2 s bound, not hung on.
    (
        "sccache-incremental",
        &[],
        &[
            ("RUSTC_WRAPPER", "sccache"),
            ("CARGO_INCREMENTAL", "0"),
            ("SCCACHE_REDIS_ENDPOINT", "redis://127.0.0.1:1"),
        ],
        0,
        &[("warning", "sccache-backend-unreachable")],
    ),
    // Where tiercheck once disagreed with Cargo (issue 9), each built by real cargo in
    // differential.rs (BUILT_FIXTURES).
    ("member-exclude-beats-glob", &[], &[], 0, &[]),
    ("cfg-never-matches", &[], &[], 0, &[]),
    ("empty-target-rustflags", &[], &[], 0, &[]),
    ("linker-cc-keeps-lld", &[], &[], 0, &[]),
    ("profile-split-across-files", &[], &[], 0, &[]),
    // rustup uses rust-toolchain (nightly) over rust-toolchain.toml (stable).
    ("toolchain-legacy-file-wins", &[], &[], 0, &[]),
    ("nightly-only-no-min-rust", &[], &[], 0, &[]),
    ("toolchain-components-only", &[], &[], 0, &[]),
    ("member-parent-dir", &[], &[], 0, &[]),
    (
        "config-beats-config-toml",
        &[],
        &[],
        1,
        &[("error", "nightly-flag-on-stable")],
    ),
    (
        "config-include-followed",
        &[],
        &[],
        1,
        &[("error", "build-linker-key")],
    ),
    (
        "rustflags-whitespace-element",
        &[],
        &[],
        1,
        &[("error", "rustflags-element-whitespace")],
    ),
    (
        "triple-gcc-drops-lld",
        &[],
        &[],
        0,
        &[("warning", "cc-linker-drops-rust-lld")],
    ),
    ("msvc-table-shadows-build", &[], &[], 0, &[]),
    (
        "msvc-table-shadows-build",
        &["--target", "x86_64-pc-windows-msvc"],
        &[],
        0,
        &[("warning", "build-rustflags-ignored")],
    ),
    (
        "cfg-key-too-deep",
        &[],
        &[],
        1,
        &[("error", "cfg-key-too-deep")],
    ),
    (
        "strip-removes-debug",
        &[],
        &[],
        0,
        &[
            ("warning", "strip-removes-debug"),
            ("warning", "strip-removes-debug"),
        ],
    ),
    (
        "rust-version-above-toolchain",
        &[],
        &[],
        1,
        &[("error", "rust-version-above-toolchain")],
    ),
    (
        "toolchain-env-overrides-file",
        &[],
        &[("RUSTUP_TOOLCHAIN", "nightly")],
        0,
        &[("warning", "toolchain-env-overrides-file")],
    ),
    (
        "toolchain-env-overrides-file",
        &[],
        &[("RUSTUP_TOOLCHAIN", "stable-x86_64-unknown-linux-gnu")],
        0,
        &[],
    ),
    // Clean projects.
    ("clean-minimal", &[], &[], 0, &[]),
    ("clean-tier1", &["--tier", "tier1"], &[], 0, &[]),
    ("clean-tier1", &[], &[], 0, &[]),
];

#[test]
fn every_fixture_gets_exactly_its_findings() {
    let mut failures = vec![];
    for (name, extra, envs, code, expected) in CASES {
        let dir = fixture(name);
        let dir = dir.to_str().unwrap();
        let mut args = vec!["project", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(dir);
        let out = tiercheck(&args, envs);
        let report = json(&out);
        let mut got = rules(&report);
        got.sort();
        let mut want: Vec<(String, String)> = expected
            .iter()
            .map(|(s, r)| (s.to_string(), r.to_string()))
            .collect();
        want.sort();
        if got != want || out.status.code() != Some(*code) {
            failures.push(format!("{name} {extra:?} {envs:?}: exit {:?} (want {code}), findings {got:?} (want {want:?})", out.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn clean_tier1_has_every_configurable_technique() {
    let out = tiercheck(
        &[
            "project",
            "--tier",
            "tier1",
            "--format",
            "json",
            fixture("clean-tier1").to_str().unwrap(),
        ],
        &[],
    );
    let report = json(&out);
    for t in report["facts"]["tier_techniques"].as_array().unwrap() {
        // rust-lld (x86_64 Linux) is rustc's default: nothing to configure.
        assert!(t["status"] == "has" || t["status"] == "n/a", "{t}");
    }
}

#[test]
fn inside_the_tier_env_techniques_come_from_env() {
    let env = [
        ("CARGO_PROFILE_DEV_SPLIT_DEBUGINFO", "unpacked"),
        (
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
            "/usr/bin/clang",
        ),
        (
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C link-arg=--ld-path=/usr/bin/mold",
        ),
    ];
    let out = tiercheck(
        &[
            "project",
            "--tier",
            "tier1",
            "--with",
            "mold",
            "--format",
            "json",
            fixture("clean-minimal").to_str().unwrap(),
        ],
        &env,
    );
    let report = json(&out);
    let status = |id: &str| {
        report["facts"]["tier_techniques"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("mold"), "from-env");
    assert_eq!(status("split-debuginfo"), "from-env");
    assert_eq!(status("thin-lto"), "lacks");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["project", "BROKEN"], "Cargo.toml: invalid TOML at line 2"),
        (
            &["project", "/nonexistent/dir"],
            "/nonexistent/dir: no such directory",
        ),
        (
            &["project", "--tier", "tier9", "CLEAN"],
            "invalid value 'tier9' for '--tier <TIER>'",
        ),
        (
            &["explain", "warp-drive"],
            "unknown tier, technique or rule \"warp-drive\"",
        ),
        (&["env", "tier9"], "invalid value 'tier9' for '<TIER>'"),
        (&["env", "tier5"], "tier5 ships nothing usable"),
    ];
    for (args, want) in cases {
        let args: Vec<String> = args
            .iter()
            .map(|a| match *a {
                "BROKEN" => fixture("broken-toml").display().to_string(),
                "CLEAN" => fixture("clean-minimal").display().to_string(),
                a => a.to_string(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tiercheck(&args, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn explain_covers_every_technique_and_tier() {
    let list = json(&tiercheck(&["tiers", "--format", "json"], &[]));
    let ids: Vec<String> = list["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 28, "{ids:?}");
    for id in ids.iter().chain(
        ["tier1", "tier2", "tier3", "tier4", "tier5"]
            .map(String::from)
            .iter(),
    ) {
        let out = tiercheck(&["explain", id], &[]);
        assert_eq!(out.status.code(), Some(0), "{id}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(id.as_str()));
    }
}

#[test]
fn an_invalid_member_is_exit_2_naming_it() {
    let out = tiercheck(
        &["project", fixture("member-missing").to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`gone`") && err.lines().count() == 1, "{err}");
}

#[test]
fn findings_from_files_carry_line_and_column() {
    let out = tiercheck(
        &[
            "project",
            "--format",
            "json",
            fixture("rustflags-whitespace-element").to_str().unwrap(),
        ],
        &[],
    );
    let f = &json(&out)["findings"][0];
    assert_eq!(
        (&f["file"], &f["line"], &f["column"]),
        (
            &serde_json::json!(".cargo/config.toml"),
            &serde_json::json!(2),
            &serde_json::json!(14)
        ),
        "{f}"
    );
}

/// Issue 12 item 2: under `build --tier`, what the tier's variables replace is reported as
/// overridden (info), not as errors of the build that met the tier.
#[test]
fn settings_the_tier_replaces_are_overridden_not_errors() {
    let data = tiercheck::tiers::TierData::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::create_dir_all(d.join(".cargo")).unwrap();
    std::fs::write(d.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nsplit-debuginfo = \"split\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"-C\", \"linker=mold\"]\n",
    )
    .unwrap();
    let tier_env: std::collections::BTreeMap<String, String> = [
        ("CARGO_PROFILE_DEV_SPLIT_DEBUGINFO", "unpacked"),
        (
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C link-arg=-fuse-ld=mold",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sel = tiercheck::resolve::Selection::default();
    let plain = tiercheck::project::check(&data, d, None, &sel).unwrap();
    let ids = |r: &tiercheck::report::Report| {
        let mut v: Vec<String> = r.findings.iter().map(|f| f.rule.id().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        ids(&plain),
        ["linker-not-a-driver", "split-debuginfo-value"]
    );
    let opts = tiercheck::project::Options {
        tier: None,
        targets: &["x86_64-unknown-linux-gnu".to_string()],
        tier_env,
        unset: &["RUSTFLAGS"],
        toolchain: None,
        rustc: None,
    };
    let built = tiercheck::project::check_with(&data, d, &sel, &opts).unwrap();
    assert_eq!(ids(&built), ["overridden-by-tier", "overridden-by-tier"]);
    assert!(built
        .findings
        .iter()
        .all(|f| f.severity == tiercheck::report::Severity::Info));
}

/// Issue 10 item 8: a config that is a directory or a FIFO is exit 2 naming it (Cargo errors
/// on a directory and hangs on a FIFO); nothing hangs, stdout stays empty.
#[test]
fn non_regular_config_files_are_exit_2_naming_them() {
    for kind in ["dir", "fifo"] {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::create_dir_all(d.path().join(".cargo")).unwrap();
        std::fs::write(
            d.path().join("Cargo.toml"),
            "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        let cfg = d.path().join(".cargo/config.toml");
        if kind == "dir" {
            std::fs::create_dir(&cfg).unwrap();
        } else {
            assert!(std::process::Command::new("mkfifo")
                .arg(&cfg)
                .status()
                .unwrap()
                .success());
        }
        let out = tiercheck(&["project", d.path().to_str().unwrap()], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(out.stdout.is_empty(), "{kind}");
        assert!(
            err.contains(".cargo/config.toml: is a") && err.lines().count() == 1,
            "{kind}: {err}"
        );
    }
}

/// A project written into a temporary directory: (path, text) pairs.
fn temp_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (f, t) in files {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    std::fs::create_dir_all(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    d
}

fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["facts"]["tier_techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Issue 19: one setting in another spelling (Cargo.toml, config, a CARGO_PROFILE_* string) is
/// the tier's setting, not a contradiction or a lack.
#[test]
fn equal_settings_in_other_spellings_are_the_tiers() {
    let d = temp_project(&[
        ("Cargo.toml", "[package]\nname = \"s\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nsplit-debuginfo = \"unpacked\"\ndebug = \"line-tables-only\"\n[profile.dev.package.\"*\"]\ndebug = \"none\"\n[profile.release]\nlto = \"thin\"\n[profile.release-fat]\ninherits = \"release\"\nlto = true\n[profile.profiling]\ninherits = \"release\"\n"),
        (".cargo/config.toml", "[profile.dev]\ncodegen-units = 16\nincremental = true\n[profile.release]\nstrip = \"debuginfo\"\n"),
    ]);
    let out = tiercheck(
        &[
            "project",
            "--tier",
            "tier1",
            "--format",
            "json",
            d.path().to_str().unwrap(),
        ],
        &[("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")],
    );
    let report = json(&out);
    for (id, status) in statuses(&report) {
        assert!(
            ["has", "from-env", "n/a"].contains(&status.as_str()),
            "{id}: {status}\n{report}"
        );
    }
    assert!(
        !rules(&report).iter().any(|(_, r)| r == "tier-contradicts"),
        "{report}"
    );
}

/// Issue 19: rustflags come after Cargo's profile flags on rustc's command line, so a
/// `-C debuginfo` there wins over the tier's `CARGO_PROFILE_DEV_DEBUG`: not supplied.
#[test]
fn a_rustflag_wins_over_the_tiers_profile_variable() {
    let d = temp_project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"s\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            ".cargo/config.toml",
            "[build]\nrustflags = [\"--cfg\", \"x\", \"-Cdebuginfo=2\"]\n",
        ),
    ]);
    for env in [
        &[][..],
        &[("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")][..],
    ] {
        let out = tiercheck(
            &[
                "project",
                "--tier",
                "tier1",
                "--format",
                "json",
                d.path().to_str().unwrap(),
            ],
            env,
        );
        let report = json(&out);
        let st = statuses(&report);
        assert!(
            st.contains(&("debug-line-tables-only".into(), "contradicts".into())),
            "{st:?}"
        );
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "tier-contradicts")
            .expect("a tier-contradicts finding");
        assert_eq!(
            (f["file"].as_str(), f["line"].as_u64(), f["column"].as_u64()),
            (Some(".cargo/config.toml"), Some(2), Some(28)),
            "{f}"
        );
        if !env.is_empty() {
            assert!(
                rules(&report).contains(&("warning".into(), "overridden-by-rustflags".into())),
                "{report}"
            );
        }
    }
}
