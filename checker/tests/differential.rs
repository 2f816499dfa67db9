//! The differential harness: for each configuration, real `cargo build -v` (and `cargo metadata`
//! for workspaces) against what `tiercheck project` says Cargo will do — the rustflags rustc
//! receives, the linker and which linker links (read back from the binary's `.comment`), the
//! profile settings, and the workspace members. Every configuration is a small project written
//! into a temporary directory; the cases are among them.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

type Files = &'static [(&'static str, &'static str)];
type Env = &'static [(&'static str, &'static str)];

const PKG: &str = "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

struct Case {
    name: &'static str,
    files: Files,
    env: Env,
    /// Extra `cargo build` arguments (and `--profile` for tiercheck's profile comparison).
    cargo_args: &'static [&'static str],
    /// The directory (inside the case) cargo and tiercheck run in.
    dir: &'static str,
}

const fn case(name: &'static str, files: Files) -> Case {
    Case {
        name,
        files,
        env: &[],
        cargo_args: &[],
        dir: ".",
    }
}

const fn env_case(name: &'static str, files: Files, env: Env) -> Case {
    Case {
        name,
        files,
        env,
        cargo_args: &[],
        dir: ".",
    }
}

const CFG: &str = ".cargo/config.toml";

/// Build configurations: rustflags sources, cfg tables, linkers, profiles.
const BUILDS: &[Case] = &[
    case("plain", &[]),
    case("build-array", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\", \"-Cdebug-assertions=off\"]\n")]),
    case("build-string", &[(CFG, "[build]\nrustflags = \"--cfg b1   -C overflow-checks=off\"\n")]),
    case("target-triple", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"t1\"]\n")]),
    case("target-shadows-build", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"t1\"]\n")]),
    case("cfg-unix-shadows-build", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg(unix)']\nrustflags = [\"--cfg\", \"u1\"]\n")]),
    case("cfg-windows-never-on-linux", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg(windows)']\nrustflags = [\"--cfg\", \"w1\"]\n")]),
    case("cfg-windows-debug-z-flag", &[(CFG, "[target.'cfg(all(windows, debug_assertions))']\nrustflags = [\"-Zthreads=8\"]\n")]),
    case("cfg-not-debug-assertions", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg(not(debug_assertions))']\nrustflags = [\"--cfg\", \"nd\"]\n")]),
    case("cfg-unknown-predicate", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg(foo)']\nrustflags = [\"--cfg\", \"f1\"]\n")]),
    case("cfg-empty-malformed", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg()']\nrustflags = [\"--cfg\", \"e1\"]\n[target.'cfg(all(']\nrustflags = [\"--cfg\", \"e2\"]\n")]),
    case("target-empty-array", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.x86_64-unknown-linux-gnu]\nrustflags = []\n")]),
    case("two-cfg-tables-sorted", &[(CFG, "[target.'cfg(unix)']\nrustflags = [\"--cfg\", \"u1\"]\n[target.'cfg(all())']\nrustflags = [\"--cfg\", \"a1\"]\n")]),
    case("triple-then-cfg", &[(CFG, "[target.'cfg(target_os = \"linux\")']\nrustflags = [\"--cfg\", \"c1\"]\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"t1\"]\n")]),
    case("cfg-target-env-msvc", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n[target.'cfg(all(windows, target_env = \"msvc\"))']\nrustflags = [\"-Ctarget-feature=+crt-static\"]\n")]),
    case("build-cfg-selects-cfg-table", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"mine\"]\n[target.'cfg(mine)']\nrustflags = [\"--cfg\", \"m1\"]\n")]),
    case("build-feature-selects-cfg-table", &[(CFG, "[build]\nrustflags = [\"-Ctarget-feature=+avx2\"]\n[target.'cfg(target_feature = \"avx2\")']\nrustflags = [\"--cfg\", \"x1\"]\n")]),
    env_case("rustflags-env-wins", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n")], &[("RUSTFLAGS", "--cfg e1  -Copt-level=1")]),
    env_case("rustflags-env-empty", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n")], &[("RUSTFLAGS", "")]),
    env_case("encoded-rustflags", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n")], &[("CARGO_ENCODED_RUSTFLAGS", "--cfg\x1fenc\x1f-Copt-level=1")]),
    env_case("build-env-appends-to-array", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\"]\n")], &[("CARGO_BUILD_RUSTFLAGS", "--cfg e1")]),
    env_case("build-env-appends-to-string", &[(CFG, "[build]\nrustflags = \"--cfg b1\"\n")], &[("CARGO_BUILD_RUSTFLAGS", "--cfg e1")]),
    env_case("target-env-appends", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"t1\"]\n")], &[("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS", "--cfg e1")]),
    case("config-beats-config-toml", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"toml\"]\n"), (".cargo/config", "[build]\nrustflags = [\"--cfg\", \"plain\"]\n")]),
    case("include-array", &[(CFG, "include = [\"more.toml\"]\n[build]\nrustflags = [\"--cfg\", \"main\"]\n"), (".cargo/more.toml", "[build]\nrustflags = [\"--cfg\", \"inc\"]\n")]),
    case("include-array-order", &[(CFG, "include = [\"a.toml\", \"sub/b.toml\"]\n"), (".cargo/a.toml", "[build]\nrustflags = [\"--cfg\", \"a\"]\n[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\n"), (".cargo/sub/b.toml", "[build]\nrustflags = [\"--cfg\", \"b\"]\n[target.x86_64-unknown-linux-gnu]\nlinker = \"cc\"\n")]),
    case("include-scalar-file-wins", &[(CFG, "include = [\"a.toml\"]\n[target.x86_64-unknown-linux-gnu]\nlinker = \"cc\"\n"), (".cargo/a.toml", "[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\n")]),
    Case { name: "parent-dir-config-joins", files: &[(CFG, "[build]\nrustflags = [\"--cfg\", \"outer\"]\n"), ("app/.cargo/config.toml", "[build]\nrustflags = [\"--cfg\", \"inner\"]\n")], env: &[], cargo_args: &[], dir: "app" },
    Case { name: "parent-dir-scalar-nearest", files: &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\n"), ("app/.cargo/config.toml", "[target.x86_64-unknown-linux-gnu]\nlinker = \"cc\"\n")], env: &[], cargo_args: &[], dir: "app" },
    env_case("cargo-home-config", &[("home/config.toml", "[build]\nrustflags = [\"--cfg\", \"home\"]\n")], &[("CARGO_HOME", "@DIR@/home")]),
    case("whitespace-element", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\", \"-C target-cpu=x86-64\"]\n")]),
    // A list-valued option's value holds spaces by design: one argument, which rustc splits.
    case("whitespace-in-list-values", &[(CFG, "[build]\nrustflags = [\"-Cllvm-args=-x86-asm-syntax=intel -unroll-threshold=100\", \"-C\", \"link-args=-Wl,-O1 -Wl,--as-needed\", \"--codegen=passes=loop-unroll instcombine\"]\n")]),
    case("whitespace-after-dash-c", &[(CFG, "[build]\nrustflags = [\"-C llvm-args=-x86-asm-syntax=intel\"]\n")]),
    // Linkers: which one links, read back from .comment.
    case("linker-cc-keeps-rust-lld", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"cc\"\n")]),
    case("linker-gcc", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\n")]),
    case("linker-clang-22", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang-22\"\n")]),
    case("linker-triple-gcc", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"x86_64-linux-gnu-gcc\"\n")]),
    case("linker-clang-path", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"/usr/bin/clang-22\"\n")]),
    case("linker-wrapper-script", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"tools/cc-wrap.sh\"\n"), ("tools/cc-wrap.sh", "#!/bin/sh\nexec cc \"$@\"\n")]),
    // rustc takes a wrapper whose stem is `link` for a bare ld: the link fails.
    case("linker-wrapper-named-link", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"tools/link.sh\"\n"), ("tools/link.sh", "#!/bin/sh\nexec cc \"$@\"\n")]),
    case("include-string-refused", &[(CFG, "include = \"more.toml\"\n"), (".cargo/more.toml", "[build]\nrustflags = [\"--cfg\", \"inc\"]\n")]),
    case("include-optional-table", &[(CFG, "include = [{ path = \"more.toml\" }, { path = \"absent.toml\", optional = true }]\n"), (".cargo/more.toml", "[build]\nrustflags = [\"--cfg\", \"inc\"]\n")]),
    case("linker-in-rustflags", &[(CFG, "[build]\nrustflags = [\"-C\", \"linker=gcc\"]\n")]),
    case("linker-gcc-fuse-mold", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\nrustflags = [\"-C\", \"link-arg=-fuse-ld=mold\"]\n")]),
    case("linker-clang-ld-path-lld", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang-22\"\nrustflags = [\"-C\", \"link-arg=--ld-path=/usr/bin/ld.lld-22\"]\n")]),
    case("linker-features-minus-lld", &[(CFG, "[build]\nrustflags = [\"-C\", \"linker-features=-lld\"]\n")]),
    case("linker-in-cfg-table", &[(CFG, "[target.'cfg(unix)']\nlinker = \"gcc\"\n")]),
    env_case("linker-from-env", &[], &[("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "gcc")]),
    case("fuse-ld-mold-default-cc", &[(CFG, "[build]\nrustflags = [\"-C\", \"link-arg=-fuse-ld=mold\"]\n")]),
    // Issue 19: the linker follows from everything that reaches rustc together.
    case("fuse-lld-keeps-rust-lld", &[(CFG, "[build]\nrustflags = [\"-Clink-arg=-fuse-ld=lld\"]\n")]),
    case("fuse-gold", &[(CFG, "[build]\nrustflags = [\"-Clink-arg=-fuse-ld=gold\"]\n")]),
    case("fuse-bfd", &[(CFG, "[build]\nrustflags = [\"-Clink-args=-Wl,-O1 -fuse-ld=bfd\"]\n")]),
    case("clang-fuse-lld-is-system-lld", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang-22\"\nrustflags = [\"-Clink-arg=-fuse-ld=lld\"]\n")]),
    case("gcc-fuse-lld-finds-none", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"gcc\"\nrustflags = [\"-Clink-arg=-fuse-ld=lld\"]\n")]),
    case("clang-fuse-mold", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang-22\"\nrustflags = [\"-Clink-arg=-fuse-ld=mold\"]\n")]),
    case("clang-ld-path-wild", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang-22\"\nrustflags = [\"-Clink-arg=--ld-path=@WILD@\"]\n")]),
    case("cc-ld-path-gcc-refuses", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Clink-arg=--ld-path=@WILD@\"]\n")]),
    case("b-dir-mold-behind-rust-lld", &[(CFG, "[build]\nrustflags = [\"-Clink-arg=-B/usr/libexec/mold\"]\n")]),
    case("b-dir-mold-after-opt-out", &[(CFG, "[build]\nrustflags = [\"-Clinker-features=-lld\", \"-Clink-arg=-B/usr/libexec/mold\"]\n")]),
    case("opt-out-then-fuse-mold", &[(CFG, "[build]\nrustflags = [\"-Clinker-features=-lld\", \"-Clink-arg=-fuse-ld=mold\"]\n")]),
    case("link-self-contained-no", &[(CFG, "[build]\nrustflags = [\"-Clink-self-contained=no\"]\n")]),
    case("link-self-contained-yes", &[(CFG, "[build]\nrustflags = [\"-Clink-self-contained=yes\"]\n")]),
    case("linker-flavor-gcc-keeps-rust-lld", &[(CFG, "[build]\nrustflags = [\"-Clinker-flavor=gcc\"]\n")]),
    case("linker-ld-lld-direct", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"ld.lld-22\"\n")]),
    case("linker-rust-lld-direct", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nlinker = \"rust-lld\"\n")]),
    case("opt-out-split-across-tables", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Clink-self-contained=-linker\"]\n[target.'cfg(unix)']\nrustflags = [\"-Clinker-features=-lld\"]\n")]),
    case("cfg-linker-with-triple-flags", &[(CFG, "[target.'cfg(unix)']\nlinker = \"clang-22\"\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Clink-arg=--ld-path=/usr/bin/ld.lld-22\"]\n")]),
    case("two-cfg-linkers", &[(CFG, "[target.'cfg(unix)']\nlinker = \"gcc\"\n[target.'cfg(target_os = \"linux\")']\nlinker = \"gcc\"\n")]),
    case("two-cfg-linkers-triple-wins", &[(CFG, "[target.'cfg(unix)']\nlinker = \"gcc\"\n[target.'cfg(target_os = \"linux\")']\nlinker = \"clang-22\"\n[target.x86_64-unknown-linux-gnu]\nlinker = \"cc\"\n")]),
    // Issue 19: rustc refuses some values on stable and beta; Cargo stops at its target-info
    // call. The trusted rustc is asked the same question.
    case("unstable-linker-features-value", &[(CFG, "[build]\nrustflags = [\"--cfg\", \"b1\", \"-Clinker-features=+lld\"]\n")]),
    case("unstable-link-self-contained-value", &[(CFG, "[target.'cfg(unix)']\nrustflags = [\"-Clink-self-contained=+linker\"]\n")]),
    case("unstable-linker-flavor-value", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"linker-flavor=gnu-lld-cc\"]\n")]),
    case("opt-level-9-rustflag", &[(CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Copt-level=9\"]\n")]),
    env_case("unknown-codegen-option-env", &[], &[("RUSTFLAGS", "--cfg e1 -Cfoo=1")]),
    case("beta-z-flag", &[("rust-toolchain.toml", "[toolchain]\nchannel = \"beta\"\n"), (CFG, "[build]\nrustflags = [\"-Zthreads=2\"]\n")]),
    case("beta-unstable-linker-features", &[("rust-toolchain.toml", "[toolchain]\nchannel = \"beta\"\n"), (CFG, "[build]\nrustflags = [\"-Clinker-features=+lld\"]\n")]),
    case("beta-stable-values", &[("rust-toolchain.toml", "[toolchain]\nchannel = \"beta\"\n"), (CFG, "[build]\nrustflags = [\"-Clinker-flavor=gcc\", \"-Clinker-features=-lld\"]\n")]),
    case("nightly-unstable-values-allowed", &[("rust-toolchain.toml", "[toolchain]\nchannel = \"nightly\"\n"), (CFG, "[build]\nrustflags = [\"-Zunstable-options\", \"-Clinker-features=+lld\"]\n")]),
    env_case("rustc-bootstrap-lets-z-through", &[(CFG, "[build]\nrustflags = [\"-Zunstable-options\", \"-Clink-self-contained=+linker\"]\n")], &[("RUSTC_BOOTSTRAP", "1")]),
    // Issue 19: Cargo parses members' profiles (then ignores them) and refuses what they need.
    case("member-profile-needs-feature", &[
        ("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\nmembers = [\"m\"]\n"),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[profile.dev]\nrustflags = [\"-Cdebuginfo=0\"]\n"),
    ]),
    case("path-dep-profile-needs-feature", &[
        ("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nhelper = { path = \"helper\" }\n[workspace]\n"),
        ("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n[profile.dev.package.\"*\"]\ncodegen-backend = \"cranelift\"\n"),
    ]),
    case("member-profile-invalid-value", &[
        ("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\nmembers = [\"m\"]\n"),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[profile.dev]\ndebug = \"bogus\"\n"),
    ]),
    case("member-profile-ignored-but-valid", &[
        ("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\nmembers = [\"m\"]\n"),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[profile.dev]\ndebug = \"line-tables-only\"\nopt-level = 1\n"),
    ]),
    // Profiles: Cargo.toml, config and variables merged.
    case("profile-manifest", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nopt-level = 1\ncodegen-units = 4\n")]),
    case("profile-config-over-manifest", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nopt-level = 1\ncodegen-units = 4\n"), (CFG, "[profile.dev]\nopt-level = 2\n")]),
    env_case("profile-env-over-both", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nopt-level = 1\n"), (CFG, "[profile.dev]\nopt-level = 2\n")], &[("CARGO_PROFILE_DEV_OPT_LEVEL", "3")]),
    case("split-debuginfo-split-dropped", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nsplit-debuginfo = \"split\"\n")]),
    case("split-debuginfo-unpacked", &[(CFG, "[profile.dev]\nsplit-debuginfo = \"unpacked\"\ndebug = \"line-tables-only\"\n")]),
    // Spellings of one setting (Cargo.toml, config, CARGO_PROFILE_* strings): what rustc gets.
    case("debug-true", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\ndebug = true\n")]),
    case("debug-none-strips", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\ndebug = \"none\"\nsplit-debuginfo = \"unpacked\"\n")]),
    case("debug-limited-config", &[(CFG, "[profile.dev]\ndebug = 1\nstrip = false\n")]),
    env_case("env-spellings", &[], &[("CARGO_PROFILE_DEV_DEBUG", "full"), ("CARGO_PROFILE_DEV_STRIP", "true"), ("CARGO_PROFILE_DEV_OPT_LEVEL", "s"), ("CARGO_PROFILE_DEV_CODEGEN_UNITS", "4")]),
    env_case("env-lto-true", &[], &[("CARGO_PROFILE_DEV_LTO", "true"), ("CARGO_PROFILE_DEV_DEBUG", "false")]),
    case("lto-fat-strip-false", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nlto = \"fat\"\nstrip = false\noverflow-checks = false\n")]),
    case("lto-off-and-yes", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nlto = \"off\"\n"), (CFG, "[profile.dev]\nlto = \"yes\"\n")]),
    case("opt-level-string-refused", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nopt-level = \"3\"\n")]),
    case("lto-false-string-refused", &[(CFG, "[profile.dev]\nlto = \"false\"\n")]),
    env_case("env-debug-yes-refused", &[], &[("CARGO_PROFILE_DEV_DEBUG", "yes")]),
    // Which setting wins: rustflags come after Cargo's profile flags, rustc takes the last.
    env_case("rustflags-beat-profile-env", &[(CFG, "[build]\nrustflags = [\"-Cdebuginfo=2\"]\n")], &[("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")]),
    case("rustflags-beat-profile-file", &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.dev]\nopt-level = 1\ndebug-assertions = false\nstrip = \"symbols\"\n"), (CFG, "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"opt-level=2\", \"-Cdebug-assertions=yes\", \"-Cstrip=none\"]\n")]),
    Case { name: "release-limited", files: &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.release]\ndebug = \"limited\"\ncodegen-units = 1\n")], env: &[], cargo_args: &["--profile", "release"], dir: "." },
    Case { name: "custom-inherits-release-env", files: &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.ci]\ninherits = \"release\"\nopt-level = 1\n")], env: &[("CARGO_PROFILE_CI_DEBUG", "true"), ("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true")], cargo_args: &["--profile", "ci"], dir: "." },
    Case { name: "profile-split-manifest-config", files: &[("Cargo.toml", "[package]\nname = \"case\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[profile.ci]\ninherits = \"dev\"\n"), (CFG, "[profile.ci]\ndebug = false\ncodegen-units = 2\n")], env: &[], cargo_args: &["--profile", "ci"], dir: "." },
];

/// Workspaces: members as `cargo metadata --no-deps` lists them.
const WORKSPACES: &[Case] = &[
    case("ws-exclude-beats-glob", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/nightly-only\"]\nresolver = \"2\"\n"),
        ("crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("crates/nightly-only/Cargo.toml", "cargo-features = [\"codegen-backend\"]\n[package]\nname = \"n\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    ]),
    case("ws-general-globs", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"cr*tes/a?\", \"[xy]\", \"tools/**/m\"]\nresolver = \"2\"\n"),
        ("crates/a1/Cargo.toml", "[package]\nname = \"a1\"\nversion = \"0.1.0\"\n"),
        ("crates/a2/Cargo.toml", "[package]\nname = \"a2\"\nversion = \"0.1.0\"\n"),
        ("crates/abc/Cargo.toml", "[package]\nname = \"abc\"\nversion = \"0.1.0\"\n"),
        ("x/Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n"),
        ("tools/deep/er/m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n"),
        ("crates/README.md", "not a crate\n"),
    ]),
    case("ws-implicit-path-deps", &[
        ("Cargo.toml", "[package]\nname = \"root\"\nversion = \"0.1.0\"\n[dependencies]\nhelper = { path = \"helper\" }\n[workspace]\n"),
        ("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n[dev-dependencies]\ndeep = { path = \"../libs/deep\" }\n"),
        ("libs/deep/Cargo.toml", "[package]\nname = \"deep\"\nversion = \"0.1.0\"\n"),
    ]),
    case("ws-virtual-default-members", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\", \"libs/*\"]\ndefault-members = [\"libs/b\"]\n"),
        ("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n"),
        ("libs/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
        ("libs/b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n"),
    ]),
    // In a member's directory Cargo's default is that member, whatever the root says.
    Case {
        dir: "libs/a",
        ..case("ws-virtual-from-a-member", &[
            ("Cargo.toml", "[workspace]\nmembers = [\"app\", \"libs/*\"]\ndefault-members = [\"libs/b\"]\n"),
            ("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n"),
            ("libs/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
            ("libs/b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n"),
        ])
    },
    case("ws-workspace-deps-path", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n[workspace.dependencies]\nutil = { path = \"libs/util\" }\n"),
        ("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nutil.workspace = true\n"),
        ("libs/util/Cargo.toml", "[package]\nname = \"util\"\nversion = \"0.1.0\"\n"),
    ]),
    case("ws-parent-dir-and-duplicates", &[
        ("Cargo.toml", "[package]\nname = \"root\"\nversion = \"0.1.0\"\n[workspace]\nmembers = [\"sub/..\", \"app\", \"app/\", \"./app\"]\n"),
        ("sub/keep.txt", "x\n"),
        ("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[profile.dev]\nopt-level = 1\n"),
    ]),
    case("ws-default-members", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\ndefault-members = [\"b\"]\n"),
        ("a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
        ("b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n"),
    ]),
    case("ws-missing-member", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"gone\"]\n"),
    ]),
    case("ws-glob-dir-without-manifest", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
        ("crates/empty/notes.txt", "x\n"),
    ]),
    case("ws-exclude-prefix-but-member", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"vendor/kept\"]\nexclude = [\"vendor\"]\n"),
        ("vendor/kept/Cargo.toml", "[package]\nname = \"kept\"\nversion = \"0.1.0\"\n"),
        ("vendor/other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\n"),
    ]),
    // Issue 19: layouts Cargo refuses (tiercheck: exit 2, as for every Cargo load error).
    Case { name: "ws-package-neither-member-nor-excluded", files: &[
        ("Cargo.toml", "[workspace]\nmembers = [\"m\"]\n"),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n"),
        ("other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\n"),
    ], env: &[], cargo_args: &[], dir: "other" },
    Case { name: "ws-package-workspace-key-not-listed", files: &[
        ("Cargo.toml", "[workspace]\nmembers = []\n"),
        ("sub/Cargo.toml", "[package]\nname = \"sub\"\nversion = \"0.1.0\"\nworkspace = \"..\"\n"),
    ], env: &[], cargo_args: &[], dir: "sub" },
    Case { name: "ws-excluded-package-is-its-own", files: &[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\nexclude = [\"b\"]\n"),
        ("a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
        ("b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n"),
    ], env: &[], cargo_args: &[], dir: "b" },
    case("ws-member-with-own-workspace", &[
        ("Cargo.toml", "[workspace]\nmembers = [\"m\"]\n"),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[workspace]\n"),
    ]),
    case("ws-path-dep-with-own-workspace", &[
        ("Cargo.toml", "[package]\nname = \"root\"\nversion = \"0.1.0\"\n[dependencies]\nhelper = { path = \"helper\" }\n[workspace]\n"),
        ("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n[workspace]\n"),
    ]),
    Case { name: "ws-run-in-member", files: &[
        ("Cargo.toml", "[workspace]\nmembers = [\"m/*\"]\n"),
        ("m/one/Cargo.toml", "[package]\nname = \"one\"\nversion = \"0.1.0\"\n"),
        ("m/two/Cargo.toml", "[package]\nname = \"two\"\nversion = \"0.1.0\"\n"),
    ], env: &[], cargo_args: &[], dir: "m/one" },
];

/// `@DIR@`: the case's directory; `@WILD@`: wild on PATH (a path that does not exist when it is
/// not installed, which both cargo and tiercheck then see).
fn placeholders(t: &str, root: &Path) -> String {
    let wild = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("wild"))
                .find(|w| w.is_file())
        })
        .unwrap_or_default()
        .unwrap_or_else(|| PathBuf::from("/nonexistent/wild"));
    t.replace("@DIR@", root.to_str().unwrap())
        .replace("@WILD@", wild.to_str().unwrap())
}

fn write_case(root: &Path, c: &Case) -> PathBuf {
    let has = |p: &str| c.files.iter().any(|(f, _)| *f == p);
    let workspace = c
        .files
        .iter()
        .any(|(f, t)| *f == "Cargo.toml" && t.contains("[workspace]"));
    let dir = root.join(c.dir);
    let mut files: Vec<(String, String)> = c
        .files
        .iter()
        .map(|(f, t)| (f.to_string(), placeholders(t, root)))
        .collect();
    if c.dir != "." && !has(&format!("{}/Cargo.toml", c.dir)) && !workspace {
        files.push((format!("{}/Cargo.toml", c.dir), PKG.into()));
    }
    if c.dir == "." && !has("Cargo.toml") {
        files.push(("Cargo.toml".into(), PKG.into()));
    }
    for (f, t) in &files {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, t).unwrap();
        if f.ends_with(".sh") {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        if f.ends_with("Cargo.toml") && t.contains("[package]") {
            let src = p.parent().unwrap().join("src");
            std::fs::create_dir_all(&src).unwrap();
            let main = if f == "Cargo.toml" || f.starts_with(c.dir) {
                "main.rs"
            } else {
                "lib.rs"
            };
            std::fs::write(src.join(main), "fn main() {}\n").unwrap();
        }
    }
    dir
}

/// Shell words of a `Running \`...\`` line (cargo quotes with single quotes).
fn words(cmd: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut any) = (vec![], String::new(), false, false);
    for ch in cmd.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The rustc call that builds a binary (not a build script), as words.
fn rustc_call(stderr: &str) -> Option<Vec<String>> {
    stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Running `")?.strip_suffix('`'))
        .map(words)
        .find(|w| {
            w.windows(2)
                .any(|p| p[0] == "--crate-type" && p[1] == "bin")
                && !w
                    .windows(2)
                    .any(|p| p[0] == "--crate-name" && p[1].starts_with("build_script"))
        })
}

/// The first executable cargo left in a profile directory.
fn built_binary(target: &Path) -> Vec<u8> {
    for profile in ["debug", "ci", "release"] {
        let Ok(rd) = std::fs::read_dir(target.join(profile)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let exec = e
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
            if exec && !p.file_name().unwrap().to_string_lossy().contains('.') {
                return std::fs::read(p).unwrap_or_default();
            }
        }
    }
    vec![]
}

/// The words after `-L dependency=...`: Cargo appends the rustflags there.
/// (Cargo 1.95 ends with `-L dependency=<dir>`; newer ones may have no `-L` and append
/// `--force-warn=...` lints after the rustflags.)
fn rustflags_of(call: &[String]) -> Vec<String> {
    let end = call.len()
        - call
            .iter()
            .rev()
            .take_while(|w| w.starts_with("--force-warn"))
            .count();
    let call = &call[..end];
    let after_anchor = call
        .iter()
        .rposition(|w| w.starts_with("dependency=") || w.starts_with("incremental="))
        .map(|i| i + 1);
    // Cargo 1.100 (build-dir layout v2) leaves out `-L dependency=` when there are no
    // dependencies: the rustflags then follow `--out-dir <dir>` and Cargo's own `-C linker=`.
    let after_out_dir = call.iter().position(|w| w == "--out-dir").map(|i| {
        let mut at = i + 2;
        while call.get(at).is_some_and(|w| w == "-C")
            && call.get(at + 1).is_some_and(|w| w.starts_with("linker="))
        {
            at += 2;
        }
        at
    });
    let at = after_anchor
        .into_iter()
        .chain(after_out_dir)
        .max()
        .unwrap_or(call.len());
    call[at.min(call.len())..].to_vec()
}

fn comment_linker(bin: &[u8]) -> &'static str {
    let has = |n: &str| bin.windows(n.len()).any(|w| w == n.as_bytes());
    if has("mold 1.") || has("mold 2.") {
        "mold"
    } else if has("Linker: Wild ") {
        "wild"
    } else if has("gold 1.") {
        // `.note.gnu.gold-version`
        "gold"
    } else if has("Linker: LLD") {
        "rust-lld"
    } else if has("Debian LLD") || has("Linker: Debian LLD") {
        "lld"
    } else {
        "system"
    }
}

fn run_cargo(
    dir: &Path,
    target: &Path,
    env: &[(String, String)],
    args: &[&str],
) -> std::process::Output {
    let mut c = clean("cargo");
    c.args(["build", "-v"])
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("cargo");
    // Once (2026-12-04, 2 of 136 cases) rustup answered "toolchain 'beta-…' is not installed"
    // for an installed beta, and the next run agreed everywhere: a flake of the proxy, not of
    // Cargo. Ask again once, and keep the second answer whatever it is.
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("is not installed") {
        return c.output().expect("cargo");
    }
    out
}

fn tiercheck_in(dir: &Path, env: &[(String, String)]) -> std::process::Output {
    let mut c = clean(env!("CARGO_BIN_EXE_tiercheck"));
    c.args(["project", "--format", "json", "."])
        .current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("tiercheck")
}

fn case_env(c: &Case, root: &Path) -> Vec<(String, String)> {
    c.env
        .iter()
        .map(|(k, v)| (k.to_string(), v.replace("@DIR@", root.to_str().unwrap())))
        .collect()
}

/// Compares one profile key with the rustc call (only keys whose flag Cargo always passes).
fn profile_mismatch(call: &[String], key: &str, v: &serde_json::Value) -> Option<String> {
    let has = |flag: &str| call.iter().any(|w| w == flag);
    let ok = match key {
        "opt-level" => {
            let n = v
                .as_i64()
                .map_or_else(|| v.as_str().unwrap_or("").to_string(), |i| i.to_string());
            if n == "0" {
                !call.iter().any(|w| w.starts_with("opt-level="))
            } else {
                has(&format!("opt-level={n}"))
            }
        }
        "codegen-units" => has(&format!("codegen-units={}", v)),
        _ => true,
    };
    (!ok).then(|| format!("profile key {key} = {v}: not what rustc got"))
}

/// Rules that say Cargo or rustc will stop: reported as errors on a build that succeeds, they
/// are false.
const CLAIMS_FAILURE: &[&str] = &[
    "linker-not-a-driver",
    "link-self-contained-alone",
    "linker-fails",
    "nightly-flag-on-stable",
    "unstable-feature-missing",
    "custom-profile-inherits",
    "rustc-rejects-flag",
    "profile-value-invalid",
    "rustflags-element-whitespace",
    "cfg-key-too-deep",
    "cargo-refuses-workspace",
    "rust-version-above-toolchain",
];

fn claimed_failures(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["severity"] == "error" && CLAIMS_FAILURE.contains(&f["rule"].as_str().unwrap_or(""))
        })
        .map(|f| {
            format!(
                "cargo succeeded, tiercheck says {}: {}",
                f["rule"], f["message"]
            )
        })
        .collect()
}

/// The `-C` options a profile sets, with the last value rustc got for each (`None`: given
/// without a value, as a bare `-C lto`).
fn codegen_of(call: &[String]) -> std::collections::BTreeMap<String, Option<String>> {
    const OPTIONS: &[&str] = &[
        "opt-level",
        "panic",
        "lto",
        "codegen-units",
        "debuginfo",
        "split-debuginfo",
        "debug-assertions",
        "overflow-checks",
        "rpath",
        "strip",
    ];
    let mut out = std::collections::BTreeMap::new();
    let mut it = call.iter();
    while let Some(w) = it.next() {
        let opt = match w.as_str() {
            "-C" | "--codegen" => it.next().cloned(),
            w => w
                .strip_prefix("--codegen=")
                .or_else(|| w.strip_prefix("-C"))
                .map(String::from),
        };
        let Some(opt) = opt.filter(|o| !o.is_empty()) else {
            continue;
        };
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n.replace('_', "-"), Some(v.to_string())),
            None => (opt.replace('_', "-"), None),
        };
        if OPTIONS.contains(&name.as_str()) {
            out.insert(name, value);
        }
    }
    out
}

fn check_build(c: &Case, failures: &mut Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("case");
    let dir = write_case(&root, c);
    compare_build(c, &tmp, &root, &dir, failures);
}

/// The fixtures `check_fixture` builds with real cargo: each a case where tiercheck once
/// disagreed with Cargo (issue 9).
const BUILT_FIXTURES: &[&str] = &[
    "cfg-key-too-deep",
    "cfg-never-matches",
    "config-beats-config-toml",
    "config-include-followed",
    "empty-target-rustflags",
    "linker-cc-keeps-lld",
    "member-exclude-beats-glob",
    "member-missing",
    "member-parent-dir",
    "msvc-table-shadows-build",
    "nightly-only-no-min-rust",
    "profile-split-across-files",
    "rustflags-whitespace-element",
    "toolchain-components-only",
    "toolchain-legacy-file-wins",
    "triple-gcc-drops-lld",
];

/// Committed fixtures where tiercheck once disagreed with Cargo, built as they are.
fn check_fixture(name: &'static str, failures: &mut Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("case");
    copy_dir(&fixture(name), &root);
    let c = case(name, &[]);
    compare_build(&c, &tmp, &root, &root, failures);
}

fn compare_build(
    c: &Case,
    tmp: &tempfile::TempDir,
    root: &Path,
    dir: &Path,
    failures: &mut Vec<String>,
) {
    let dir = dir.to_path_buf();
    let env = case_env(c, root);
    let cargo = run_cargo(&dir, &tmp.path().join("target"), &env, c.cargo_args);
    let stderr = String::from_utf8_lossy(&cargo.stderr).to_string();
    let tc = tiercheck_in(&dir, &env);
    let report = if tc.status.code() == Some(2) {
        serde_json::Value::Null
    } else {
        json(&tc)
    };
    let view = &report["facts"]["cargo"][0];
    let mut why = vec![];
    if cargo.status.success() {
        why.extend(claimed_failures(&report));
    }
    if !cargo.status.success() {
        let errors = report["summary"]["errors"].as_u64().unwrap_or(0);
        if errors == 0 && tc.status.code() != Some(2) {
            why.push("cargo failed, tiercheck reported no error".to_string());
        }
    } else if let Some(call) = rustc_call(&stderr) {
        let want: Vec<String> =
            serde_json::from_value(view["rustflags"].clone()).unwrap_or_default();
        let got = rustflags_of(&call);
        if got != want {
            why.push(format!(
                "rustflags: cargo passed {got:?}, tiercheck says {want:?}"
            ));
        }
        if let Some(l) = view["linker"].as_str() {
            let in_flags = want.iter().any(|w| w.starts_with("linker="));
            let passed = call.iter().any(|w| {
                w.strip_prefix("linker=")
                    .is_some_and(|p| p == l || p.ends_with(l))
            });
            if !in_flags && !passed {
                why.push(format!("linker: tiercheck says {l}, cargo passed none"));
            }
        }
        let bin = built_binary(&tmp.path().join("target"));
        let links = comment_linker(&bin);
        if view["links_with"] != links {
            why.push(format!(
                "links with {links}, tiercheck says {}",
                view["links_with"]
            ));
        }
        let profile = c
            .cargo_args
            .windows(2)
            .find(|w| w[0] == "--profile")
            .map_or("dev", |w| w[1]);
        for (k, v) in view["profiles"][profile].as_object().into_iter().flatten() {
            why.extend(profile_mismatch(&call, k, v));
        }
        let got = codegen_of(&call);
        let want: std::collections::BTreeMap<String, Option<String>> =
            serde_json::from_value(view["codegen"][profile].clone()).unwrap_or_default();
        if got != want {
            why.push(format!(
                "codegen options: rustc got {got:?}, tiercheck says {want:?}"
            ));
        }
    } else {
        why.push("no rustc call for the package in cargo's output".into());
    }
    if !why.is_empty() {
        failures.push(format!(
            "{}: {}\n  tiercheck: {}\n  cargo: {}",
            c.name,
            why.join("; "),
            view,
            stderr
                .lines()
                .filter(|l| l.contains("error") || l.contains("warning"))
                .take(3)
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}

fn check_workspace(c: &Case, failures: &mut Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("case");
    let dir = write_case(&root, c);
    let meta = clean("cargo")
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let tc = tiercheck_in(&dir, &[]);
    if !meta.status.success() {
        if tc.status.code() != Some(2) || !tc.stdout.is_empty() {
            failures.push(format!(
                "{}: cargo metadata fails, tiercheck exit {:?}",
                c.name,
                tc.status.code()
            ));
        }
        return;
    }
    let m: serde_json::Value = serde_json::from_slice(&meta.stdout).unwrap();
    let mut want: Vec<String> = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            m["workspace_members"]
                .as_array()
                .unwrap()
                .contains(&p["id"])
        })
        .map(|p| {
            std::fs::canonicalize(p["manifest_path"].as_str().unwrap())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    want.sort();
    let report = json(&tc);
    let facts = &report["facts"];
    let wsroot = std::fs::canonicalize(m["workspace_root"].as_str().unwrap()).unwrap();
    let mut got: Vec<String> = facts["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| dir.canonicalize().unwrap().join(s.as_str().unwrap()))
        .map(|p| p.canonicalize().unwrap_or(p).display().to_string())
        .collect();
    let root_manifest = wsroot.join("Cargo.toml");
    let root_is_pkg = std::fs::read_to_string(&root_manifest)
        .unwrap()
        .contains("[package]");
    if root_is_pkg {
        got.push(root_manifest.display().to_string());
    }
    got.sort();
    got.dedup();
    if got != want {
        failures.push(format!(
            "{}: members {got:?}, cargo metadata {want:?}",
            c.name
        ));
    }
    {
        let ids = m["workspace_default_members"].as_array().unwrap();
        let manifest_of = |id: &serde_json::Value| {
            m["packages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == *id)
                .map(|p| std::fs::canonicalize(p["manifest_path"].as_str().unwrap()).unwrap())
        };
        let want: Vec<_> = ids.iter().filter_map(manifest_of).collect();
        let got: Vec<_> = facts["default_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| dir.canonicalize().unwrap().join(s.as_str().unwrap()))
            .map(|p| p.canonicalize().unwrap_or(p))
            .collect();
        let (mut w, mut g) = (want.clone(), got.clone());
        w.sort();
        g.sort();
        if g != w {
            failures.push(format!(
                "{}: default members {got:?}, cargo metadata {want:?}",
                c.name
            ));
        }
    }
}

#[test]
fn tiercheck_says_what_cargo_does() {
    let mut failures = vec![];
    for c in BUILDS {
        check_build(c, &mut failures);
    }
    for c in WORKSPACES {
        check_workspace(c, &mut failures);
    }
    for f in BUILT_FIXTURES {
        check_fixture(f, &mut failures);
    }
    let total = BUILDS.len() + WORKSPACES.len() + BUILT_FIXTURES.len();
    eprintln!(
        "differential: {total} configurations, {} disagreements",
        failures.len()
    );
    assert!(total >= 40);
    assert!(
        failures.is_empty(),
        "{} of {total} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
