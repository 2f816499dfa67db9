//! Real Cargo on each pitfall fixture: where Cargo can tell, it must agree with tiercheck
//! (a warning, an error, or flags silently dropped from the rustc command line).

mod common;
use common::*;

struct Run {
    ok: bool,
    stderr: String,
    binary: Vec<u8>,
}

fn cargo_build(name: &str, envs: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&fixture(name), &dir);
    let mut c = clean("cargo");
    c.args(["build", "-v"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", tmp.path().join("target"));
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().expect("run cargo");
    let bin = tmp.path().join("target/debug").join(name);
    Run {
        ok: out.status.success(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        binary: std::fs::read(bin).unwrap_or_default(),
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn cargo_agrees_with_each_pitfall() {
    let mut failures: Vec<String> = vec![];
    let mut check = |name: &str, cond: bool, what: &str, r: &Run| {
        if !cond {
            failures.push(format!(
                "{name}: expected {what}; cargo said:\n{}",
                r.stderr
                    .lines()
                    .filter(|l| !l.contains("Running"))
                    .take(6)
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    };
    let r = cargo_build("build-linker-key", &[]);
    check(
        "build-linker-key",
        r.stderr.contains("unused config key `build.linker`"),
        "an unused-key warning",
        &r,
    );
    let r = cargo_build("linker-not-a-driver", &[]);
    check(
        "linker-not-a-driver",
        !r.ok && r.stderr.contains("linking with `mold` failed"),
        "a link failure",
        &r,
    );
    let r = cargo_build("cc-linker-drops-rust-lld", &[]);
    check(
        "cc-linker-drops-rust-lld",
        r.ok && !r.binary.is_empty() && !contains(&r.binary, "Linker: LLD"),
        "a GNU ld link (no LLD in .comment)",
        &r,
    );
    let r = cargo_build("strip-removes-debug", &[]);
    check(
        "strip-removes-debug",
        r.ok && tiercheck::binary::inspect::inspect(&r.binary[..])
            .is_ok_and(|f| !f.debug_sections.iter().any(|s| s == ".debug_info")),
        "a binary without .debug_info although debug = 1",
        &r,
    );
    let r = cargo_build("rust-version-above-toolchain", &[]);
    check(
        "rust-version-above-toolchain",
        !r.ok && r.stderr.contains("b@0.1.0 requires rustc 1.999"),
        "Cargo's refusal of package b",
        &r,
    );
    let r = cargo_build("clean-minimal", &[]);
    check(
        "clean-minimal",
        r.ok && contains(&r.binary, "Linker: LLD"),
        "the default rust-lld link",
        &r,
    );
    let r = cargo_build("split-debuginfo-value", &[]);
    check(
        "split-debuginfo-value",
        r.ok && !r.stderr.contains("-C split-debuginfo"),
        "the value silently dropped",
        &r,
    );
    let r = cargo_build("nightly-flag-on-stable", &[]);
    check(
        "nightly-flag-on-stable",
        !r.ok && r.stderr.contains("only accepted on the nightly compiler"),
        "a nightly-only error",
        &r,
    );
    let r = cargo_build("cargo-features-on-stable", &[]);
    check(
        "cargo-features-on-stable",
        !r.ok && r.stderr.contains("requires a nightly version of Cargo"),
        "a nightly-only error",
        &r,
    );
    let r = cargo_build("unstable-feature-missing", &[]);
    check(
        "unstable-feature-missing",
        !r.ok && r.stderr.contains("feature `codegen-backend` is required"),
        "a missing-feature error",
        &r,
    );
    let r = cargo_build(
        "rustflags-env-shadows-config",
        &[("RUSTFLAGS", "-Copt-level=1")],
    );
    check(
        "rustflags-env-shadows-config",
        r.ok && !r.stderr.contains("debug-assertions=on") && r.stderr.contains("opt-level=1"),
        "config rustflags dropped",
        &r,
    );
    let r = cargo_build("build-rustflags-ignored", &[]);
    check(
        "build-rustflags-ignored",
        r.ok && !r.stderr.contains("overflow-checks=on")
            && r.stderr.contains("debug-assertions=on"),
        "[build] rustflags dropped",
        &r,
    );
    let r = cargo_build("link-self-contained-alone", &[]);
    check(
        "link-self-contained-alone",
        !r.ok && r.stderr.contains("linking with `cc` failed"),
        "a link failure",
        &r,
    );
    let r = cargo_build("custom-profile-inherits", &[]);
    check(
        "custom-profile-inherits",
        !r.ok && r.stderr.contains("missing an `inherits` directive"),
        "a missing-inherits error",
        &r,
    );
    let r = cargo_build("profile-in-member", &[]);
    check(
        "profile-in-member",
        r.stderr
            .contains("profiles for the non root package will be ignored"),
        "the ignored-profile warning",
        &r,
    );
    let r = cargo_build("unstable-table-on-stable", &[]);
    check(
        "unstable-table-on-stable",
        r.ok && !r.stderr.contains("build-std"),
        "[unstable] silently ignored",
        &r,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
