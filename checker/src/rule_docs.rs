//! What each rule means, why it matters and how to fix it: `tiercheck explain <rule>`, SARIF's
//! rule `help`, and docs/rules.md (generated from here; a test keeps it in step).

use serde::Serialize;

use crate::report::{Rule, Severity};

/// The project's home (the flake templates' `github:rust-tiers/rust-tiers`).
pub const REPOSITORY_URL: &str = "https://github.com/rust-tiers/rust-tiers";
/// Where docs/rules.md is published: `helpUri` and `explain` point at `{DOCS_URL}#<rule-id>`.
pub const DOCS_URL: &str = "https://github.com/rust-tiers/rust-tiers/blob/main/docs/rules.md";

/// One rule, explained (also `explain --format json`'s shape for a rule).
#[derive(Debug, Serialize)]
pub struct RuleDoc {
    pub id: &'static str,
    pub severity: Severity,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub docs: String,
}

impl RuleDoc {
    pub fn of(r: Rule) -> RuleDoc {
        let (why, fix) = why_and_fix(r);
        RuleDoc {
            id: r.id(),
            severity: r.severity(),
            what: r.doc(),
            why,
            fix,
            docs: docs_url(r),
        }
    }
}

pub fn docs_url(r: Rule) -> String {
    format!("{DOCS_URL}#{}", r.id())
}

fn why_and_fix(r: Rule) -> (&'static str, &'static str) {
    use Rule::*;
    match r {
        BuildLinkerKey => (
            "Cargo has no `linker` key under `[build]`: it warns \"unused config key\" and links with the target's default linker, so the linker you meant is never used.",
            "Move it to `[target.<triple>] linker` (or CARGO_TARGET_<TRIPLE>_LINKER); for mold or Wild name a driver (clang) and pass the linker as `-C link-arg=--ld-path=<path>`.",
        ),
        LinkerNotADriver => (
            "rustc calls the linker with cc-style arguments (`-Wl,...`, `-nodefaultlibs`); mold, Wild or ld.lld named directly do not understand them, so the link fails.",
            "Set the linker to a driver (clang) and pass the real linker as `-C link-arg=--ld-path=<path>` or `-C link-arg=-fuse-ld=mold`.",
        ),
        CcLinkerDropsRustLld => (
            "Since Rust 1.90 x86_64-unknown-linux-gnu links with the bundled rust-lld. Naming clang or gcc as the linker without a linker flag makes rustc drop rust-lld and the driver use GNU ld: 2.35x slower incremental rebuilds measured on ripgrep.",
            "Add `-C link-arg=--ld-path=<mold|wild|ld.lld>` or `-C link-arg=-fuse-ld=mold`, or drop the linker setting and keep rust-lld.",
        ),
        LinkSelfContainedAlone => (
            "`-C link-self-contained=-linker` only stops rustc from pointing the driver at its bundled rust-lld; rustc still asks the driver for lld, so the link breaks.",
            "Opt out of rust-lld with `-C linker-features=-lld`.",
        ),
        SplitDebuginfoValue => (
            "Cargo accepts only off, packed and unpacked; any other value (such as \"split\") is dropped without an error and the debuginfo stays in the binary.",
            "Use \"unpacked\" (fastest for dev: .dwo files beside the objects) or \"packed\" (one .dwp file per binary).",
        ),
        NightlyFlagOnStable => (
            "`-Z` flags, `cargo-features` and the `codegen-backend` profile key are unstable: a stable rustc or Cargo refuses them, so every build fails.",
            "Pin a nightly toolchain in rust-toolchain.toml for the tier that needs it, or remove the setting.",
        ),
        UnstableTableOnStable => (
            "`[unstable]` in a Cargo config works on nightly Cargo only; stable Cargo ignores the table, so what it switches on silently does not happen.",
            "Use a nightly toolchain, or remove the table.",
        ),
        UnstableFeatureMissing => (
            "The profile keys `codegen-backend` and `rustflags` need an unstable Cargo feature; without it Cargo refuses the manifest.",
            "Add `cargo-features = [\"<feature>\"]` at the top of Cargo.toml, or `[unstable] <feature> = true` in .cargo/config.toml (nightly).",
        ),
        RustflagsEnvShadowsConfig => (
            "Cargo takes rustflags from one source only: CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS, else target rustflags, else `[build] rustflags`. A RUSTFLAGS variable silently replaces the flags in your config files.",
            "Unset RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS and put the flags in `[target.<triple>] rustflags`.",
        ),
        BuildRustflagsIgnored => (
            "Cargo uses `[build] rustflags` only when no target rustflags apply; the project (or the tier, through CARGO_TARGET_<TRIPLE>_RUSTFLAGS) sets target rustflags, so these flags are dropped.",
            "Move them to `[target.<triple>] rustflags`, which Cargo joins with the tier's.",
        ),
        RustflagsEnvDefeatsTier => (
            "The tier's linker and flags reach Cargo as CARGO_TARGET_<TRIPLE>_RUSTFLAGS; RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS in the environment replaces every target rustflag, so they are lost.",
            "Unset the variable and move its flags to `[target.<triple>] rustflags` (`tiercheck build` and the tier shells unset it).",
        ),
        ProfileInMember => (
            "Cargo reads `[profile]` from the workspace root manifest only; in a member it warns \"profiles for the non root package will be ignored\" and drops them.",
            "Move the profile tables to the workspace root Cargo.toml.",
        ),
        CustomProfileInherits => (
            "A custom profile must name the built-in profile it starts from; Cargo refuses a manifest whose custom profile has no `inherits`.",
            "Add `inherits = \"release\"` (or \"dev\").",
        ),
        LlvmPasses => (
            "`-C passes=<name>` only schedules passes LLVM already has; a custom pass needs nightly `-Z llvm-plugins` and a plugin built against rustc's exact LLVM.",
            "Keep it if the pass is built into LLVM; otherwise load the plugin with `-Z llvm-plugins` on a matching nightly, or drop it.",
        ),
        MinRust => (
            "A technique needs a minimum rustc: on an older pinned toolchain its flag or key is rejected or ignored (error); above the project's rust-version the MSRV build cannot use it (warning).",
            "Raise the pinned toolchain or rust-version, or keep the setting out of the build that uses the older rustc.",
        ),
        SccacheMissing => (
            "RUSTC_WRAPPER (or `[build] rustc-wrapper`) names a program that is not installed; Cargo runs every rustc call through it, so every build fails.",
            "`cargo install --locked sccache`, or unset the wrapper.",
        ),
        SccacheIncremental => (
            "sccache cannot cache crates compiled incrementally; with incremental on (the dev default) workspace crates never hit the cache.",
            "Set CARGO_INCREMENTAL=0 where the cache matters (CI), or leave sccache out of the edit loop.",
        ),
        SccacheBackendUnreachable => (
            "The shared cache the SCCACHE_* variables name does not answer within 2 s: every crate compiles locally and nothing is shared.",
            "Start the cache or fix the endpoint; SCCACHE_IGNORE_SERVER_IO_ERROR=1 keeps builds working meanwhile.",
        ),
        SccacheTargetDirEnv => (
            "sccache hashes every CARGO_* variable rustc sees; with CARGO_TARGET_DIR set the hashes differ between checkouts and machines, so no entry is shared (0 hits measured).",
            "Let each checkout build into its own target/, or set `[build] target-dir` in .cargo/config.toml.",
        ),
        SccacheEnvInProject => (
            "Cargo passes a config's `[env]` to the rustc wrapper; SCCACHE_* there lets the checkout choose the config, cache or scheduler of an sccache server this build starts.",
            "Remove it: sccache's settings belong to the machine (environment or ~/.config/sccache/config), not the project.",
        ),
        SccacheDistNoClient => (
            "The sccache on PATH lacks the `dist-client` feature, so it never sends a compile to the build servers.",
            "`cargo install --locked sccache` (the default features include dist-client), or nixpkgs' sccache.",
        ),
        SccacheDistNoScheduler => (
            "Without `[dist] scheduler_url` in the client config sccache has nowhere to send compiles: nothing is distributed.",
            "Put `[dist] scheduler_url` and `[dist.auth]` into ~/.config/sccache/config (mode 600), then `sccache --stop-server`.",
        ),
        SccacheDistConfigInProject => (
            "The client config holds the scheduler token; inside the project it would be committed and readable by everyone who can read the repository.",
            "Keep it in ~/.config/sccache/config (mode 600); in CI write it from a secret to a temporary file and point SCCACHE_CONF there.",
        ),
        SccacheDistTokenExposed => (
            "The client config holding the scheduler token is readable by group or others: other users of the machine can use the build cluster.",
            "`chmod 600` the file.",
        ),
        SccacheDistNoAuth => (
            "Without `[dist.auth]` sccache sends its built-in insecure token, which only a scheduler open to anyone accepts.",
            "Use `[dist.auth] type = \"token\"` with the scheduler's client_auth token.",
        ),
        SccacheDistUnreachable => (
            "The scheduler does not answer within 2 s: every crate compiles locally (builds keep working, slower).",
            "Start the scheduler or fix scheduler_url.",
        ),
        SccacheDistNoServers => (
            "The scheduler has no build server registered, so every crate compiles locally.",
            "Start `sccache-dist server` on the build machines with a matching scheduler_url and token.",
        ),
        SccacheDistTokenRefused => (
            "The scheduler answers HTTP 401 to the client token; sccache 0.19 does not fall back to a local compile on a refusal, so every distributable compile fails.",
            "Put the scheduler's client_auth token into `[dist.auth]`, or remove scheduler_url to build locally.",
        ),
        SccacheDistToolchain => (
            "sccache ships the toolchain to the build servers and can package only an ELF rustc with its sysroot on Linux; compiles with this rustc cannot be distributed.",
            "Use a rustup or rust-overlay toolchain, or configure a `[[dist.toolchains]]` path_override archive.",
        ),
        SccacheDistToolchainCache => (
            "The packaged toolchain is larger than `toolchain_cache_size`; when the archive does not fit, every compile fails (sccache does not fall back).",
            "Raise `[dist] toolchain_cache_size` (default 10 GiB).",
        ),
        SccacheServerStale => (
            "sccache's server (started by the first compile) reads the client config once: after the config changes, a running server keeps distributing to the scheduler, and with the token, it started with. `tiercheck toolchain` asks a running server (`sccache --dist-status`) and compares its scheduler with the config; a changed token alone cannot be seen, so stop the server after any config change.",
            "`sccache --stop-server`; the next compile starts one with the current config.",
        ),
        TierChannel => (
            "The tier uses nightly-only techniques (`-Z` flags, Cranelift, per-profile rustflags); with a stable toolchain they fail or are dropped.",
            "Pin the tier's dated nightly (`tiercheck init --toolchain-file`, or rust-toolchain.toml), or choose tier1.",
        ),
        TierContradicts => (
            "The project sets a value the tier sets differently; under the tier's environment one of them is lost (the tier's variables outrank Cargo.toml, a later linker flag wins).",
            "Set the tier's value, or leave the technique out with `--without <technique>`.",
        ),
        TierLacks => (
            "Some settings cannot come from the environment: Cargo creates custom profiles and dependency overrides (`[profile.*.package.\"*\"]`) only from files.",
            "`tiercheck init --tier <tier>` writes them into Cargo.toml (it shows the diff first).",
        ),
        ToolMissing => (
            "A technique of the tier runs a tool (clang, mold, wild, llvm-profdata, llvm-bolt, sccache ...) that is not on PATH or is older than the tier needs: the build fails or the technique is lost.",
            "Install it as the message says, or use the tier's Nix shell, which brings every tool.",
        ),
        ComponentMissing => (
            "Cranelift needs the rustup component rustc-codegen-cranelift-preview on the nightly toolchain; without it a build with the Cranelift backend fails.",
            "`rustup component add rustc-codegen-cranelift-preview --toolchain nightly`, or build a profile that does not use it (`--profile release`).",
        ),
        TierMismatch => (
            "The binary does not show what the tier promises (its linker in `.comment`, strip state, split debuginfo, Cranelift, PGO, BOLT): the tier's settings did not reach this build.",
            "Build under the tier (`tiercheck build --tier <tier>` or its shell), and see what overrides it with `tiercheck project --tier <tier>`.",
        ),
        LinkerUnknown => (
            "GNU ld records nothing in `.comment`, and `.comment` can be stripped: the tier's linker cannot be confirmed (absence proves nothing).",
            "Keep `.comment` in the binary; if GNU ld linked it, the tier's linker flags did not reach the link.",
        ),
        SymbolsStripped => (
            "The tier strips debuginfo only, but `.symtab` is gone too (mold 1.10 drops it on --strip-debug; rust-lld keeps it): profilers see no symbols.",
            "Build the `profiling` profile for a binary with symbols.",
        ),
        ProfileOverrides => (
            "A custom profile sets this key itself, so the tier's expectation for it does not apply and is not checked.",
            "Nothing, if the profile's own value is intended.",
        ),
        LtoHint => (
            "`.llvm.<N>` symbol suffixes spread over std and core suggest ThinLTO; LTO leaves no marker in a binary, so this is a heuristic, never proof.",
            "Nothing; the build configuration (`tiercheck project`) proves LTO.",
        ),
        PgoInstrumented => (
            "A PGO training build: it writes .profraw files wherever it runs and runs slower.",
            "Ship the optimised binary of `tiercheck build --pgo`, not the instrumented one.",
        ),
        BoltInstrumented => (
            "A BOLT training build: it writes profiles and runs slower.",
            "Ship the BOLT-optimised binary of the pipeline, not the instrumented one.",
        ),
        DwoMissing => (
            "With split-debuginfo = \"unpacked\" the binary holds skeleton units that name .dwo files; those files are not on disk, so a debugger lacks their debuginfo.",
            "Keep target/ (the .dwo files sit in deps/), or ship `split-debuginfo = \"packed\"` builds (one .dwp file).",
        ),
        CargoFailed => (
            "`cargo build` exited with an error (its messages are above the report), so no binary was verified.",
            "Fix the build error; `tiercheck project --tier <tier>` shows configuration that breaks builds.",
        ),
        NoExecutables => (
            "Cargo reported no executable (a library-only project, or `--lib`), so no binary was checked.",
            "Build a binary target (`-- --bin <name>`, `--example`), or rely on `tiercheck project` for a library.",
        ),
        ToolchainPin => (
            "Context: the tier's Nix shell pins an exact toolchain; this machine's rustc differs, so builds here may differ from the shell's.",
            "Nothing required; `nix develop .#<tier>` (or installing the pinned version with rustup) matches it.",
        ),
        ToolchainSwitched => (
            "Context: `build` ran the tier's toolchain through rustup (RUSTUP_TOOLCHAIN), not the one the project alone selects.",
            "Nothing required; `tiercheck init --toolchain-file` pins it so plain cargo agrees.",
        ),
        LinkerFails => (
            "Everything that reaches rustc for the link, taken together (the linker name, -fuse-ld=, --ld-path, rustc's own rust-lld, the self-contained opt-outs, across [target.<triple>] and every matching cfg table), makes the link fail: gcc rejects --ld-path, and -fuse-ld=X needs an ld.X the driver finds.",
            "Use clang for --ld-path, or install the linker -fuse-ld names; `tiercheck explain lld`, `mold`, `wild` give the spellings that work.",
        ),
        CfgLinkersConflict => (
            "Two [target.'cfg(..)'] tables that both match the target set `linker`: Cargo refuses to choose and stops, even when both name the same linker.",
            "Keep `linker` in one cfg table, or set it in [target.<triple>] (which wins).",
        ),
        OverriddenByRustflags => (
            "A profile key (in Cargo.toml, a config file or a CARGO_PROFILE_* variable, the tier's included) sets a -C option that a rustflag for the same option replaces: rustflags come after the profile's flags on rustc's command line, so the rustflag wins.",
            "Drop the rustflag, or set the value there; `tiercheck project` shows which value rustc gets (facts.cargo[].codegen).",
        ),
        RustcRejectsFlag => (
            "The trusted rustc, asked Cargo's own target-info question with the rustflags in force (code-loading and file-writing flags removed first), refuses a flag: an unknown option or value, or one that is unstable on this channel. Cargo stops at the same question.",
            "Fix or remove the flag at the location shown, or use a nightly toolchain where the value is unstable.",
        ),
        ProfileValueInvalid => (
            "A profile value Cargo or rustc refuses (a wrong type or spelling), in any manifest Cargo parses, a config file or a CARGO_PROFILE_* variable: Cargo stops before building.",
            "Use one of the values Cargo documents for that key (e.g. debug = 0/1/2/true/false/\"line-tables-only\"; lto = true/false/\"thin\"/\"fat\"/\"off\").",
        ),
        StripRemovesDebug => (
            "A profile sets `debug` (or inherits it) and `strip = \"debuginfo\"`/`\"symbols\"`/`true` (or inherits it): rustc spends the time building debuginfo and the linker removes it. With split-debuginfo the `.dwo`/`.dwp` files stay, but the stripped binary loses the skeleton units that point a debugger at them.",
            "Keep the one you mean: `strip = \"none\"` when the debuginfo is wanted, `debug = false` when it is not.",
        ),
        RustVersionAboveToolchain => (
            "A package's `rust-version` (its own, or the workspace's through `rust-version.workspace = true`) is above the rustc that builds here: Cargo refuses to build that package before compiling anything. Checked per package, so one member's higher MSRV is not hidden by a lower one elsewhere: an error for the packages plain `cargo build` builds in that directory (default members), a warning for the others, which only `--workspace` or `-p` builds refuse; a nightly or beta of the same release satisfies it, as Cargo decides.",
            "Build with a toolchain at least that new (`rustup toolchain install <version>`, or the tier's pin), or lower `rust-version` if the package really builds with the older rustc.",
        ),
        ToolchainEnvOverridesFile => (
            "`RUSTUP_TOOLCHAIN` is set in the environment and names another toolchain than the project's rust-toolchain(.toml): rustup takes the variable first, so every cargo command here uses it and the project's pin is silently ignored.",
            "Unset `RUSTUP_TOOLCHAIN` to build with the project's toolchain, or change the file if the other toolchain is meant.",
        ),
        ToolchainFileUnfit => (
            "The project's rust-toolchain(.toml) names a toolchain that is not installed, is not the tier's channel, or lacks what the tier needs (a component): `build` overrode it with the tier's, so the binaries are not what plain `cargo build` in the project gives.",
            "Pin a toolchain that fits the tier in the file (`tiercheck init --toolchain-file` writes the tier's), install the one it names, or build under a tier that fits it.",
        ),
        BoltSkipped => (
            "Context: the PGO pipeline ran without BOLT (no llvm-bolt, or a platform without it): the result is PGO-optimised only.",
            "Install llvm-bolt (Debian's bolt-<N>, or the tier's Nix shell) for the BOLT step.",
        ),
        ProfileUnknown => (
            "The binary is not in a Cargo profile directory and no --profile was given, so techniques of one profile (dev or release) are not checked.",
            "Pass `--profile <name>`.",
        ),
        ToolchainPath => (
            "The toolchain file names a toolchain by `path`; rustup would run the rustc there, so tiercheck does not: channel and version are unknown and the checks that need them are skipped.",
            "Name a channel (`channel = \"1.95.0\"` or a dated nightly) unless the custom toolchain is intended.",
        ),
        ToolchainFileInvalid => (
            "rustup refuses this toolchain file (garbage, empty, a bad name), so every cargo command in the project fails.",
            "Write `[toolchain]` with `channel = \"<name>\"`, or one line holding the toolchain name.",
        ),
        ToolchainFileUnreadable => (
            "The toolchain file is a FIFO, directory or device; rustup reads it on every cargo command and hangs or fails.",
            "Replace it with a regular file.",
        ),
        ToolchainFileOutside => (
            "The toolchain file is a symlink out of the project; tiercheck does not follow it, so the toolchain is unknown.",
            "Commit the toolchain file itself instead of a link.",
        ),
        RustflagsElementWhitespace => (
            "Cargo passes each element of a rustflags array to rustc as one argument; an element such as \"-C opt-level=3\" reaches rustc whole, which rustc rejects or misreads.",
            "Split it into separate elements: [\"-C\", \"opt-level=3\"].",
        ),
        CfgKeyTooDeep => (
            "A `[target.'cfg(..)']` expression nested this deep overflows Cargo's cfg parser (cargo 1.95 aborts), so tiercheck does not evaluate it.",
            "Flatten the expression.",
        ),
        OverriddenByTier => (
            "Under `build --tier` the tier's environment replaces this project setting: intended, reported so you know which value was used.",
            "Nothing; set the tier's value in the project, or build with `--without <technique>` to keep yours.",
        ),
        OverriddenByEnv => (
            "A CARGO_PROFILE_* variable in the environment outranks this profile key from Cargo.toml or a config file, so the file's value is not used.",
            "Unset the variable, or make both say the same.",
        ),
    }
}

/// docs/rules.md: one section per rule (its heading is the anchor `helpUri` points at).
pub fn rules_doc_markdown() -> String {
    let mut s = String::from(
        "# tiercheck rules\n\n\
         Generated from `checker/src/rule_docs.rs` (`TIERCHECK_BLESS=1 cargo test rules_doc`); \
         `tiercheck explain <rule>` prints the same, `tiercheck explain --rules` lists them. \
         A project accepts a rule's findings with `allow = [\"<rule>\"]` under \
         `[package.metadata.tiercheck]` or `[workspace.metadata.tiercheck]`.\n",
    );
    for r in Rule::ALL {
        let d = RuleDoc::of(*r);
        s.push_str(&format!(
            "\n## {}\n\n**{}**: {}\n\nWhy: {}\n\nFix: {}\n",
            d.id,
            severity_word(d.severity),
            markdown(d.what),
            markdown(d.why),
            markdown(d.fix)
        ));
    }
    s
}

/// Text as Markdown: `<` and `>` outside code spans escaped (`CARGO_TARGET_<TRIPLE>_LINKER`
/// would otherwise render as an unknown HTML tag and vanish).
pub fn markdown(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                s.push(c);
            }
            '<' if !in_code => s.push_str("&lt;"),
            '>' if !in_code => s.push_str("&gt;"),
            _ => s.push(c),
        }
    }
    s
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/rules.md is what `rules_doc_markdown` renders; `TIERCHECK_BLESS=1` rewrites it.
    #[test]
    fn rules_doc() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md");
        let want = rules_doc_markdown();
        if std::env::var_os("TIERCHECK_BLESS").is_some() {
            std::fs::write(path, &want).expect("write docs/rules.md");
            return;
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/rules.md differs from rule_docs.rs; run TIERCHECK_BLESS=1 cargo test rules_doc"
        );
    }

    #[test]
    fn markdown_escapes_angle_brackets_outside_code() {
        assert_eq!(
            markdown("CARGO_<T> and `[target.<t>]`"),
            "CARGO_&lt;T&gt; and `[target.<t>]`"
        );
    }

    #[test]
    fn every_rule_says_why_and_how_to_fix() {
        for r in Rule::ALL {
            let d = RuleDoc::of(*r);
            assert!(d.why.ends_with('.') && d.fix.ends_with('.'), "{}", d.id);
            assert!(d.docs.ends_with(&format!("#{}", d.id)));
        }
    }
}
