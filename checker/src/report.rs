//! Findings and how they are printed. The JSON shape is documented in checker/SCHEMA.md;
//! change `SCHEMA` when a field changes meaning or disappears.

use std::path::PathBuf;

use serde::Serialize;

pub const SCHEMA: &str = "tiercheck/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Declares the rules: variant, stable id (what JSON and `allow` lists say), default severity and
/// one line of documentation. SCHEMA.md's rule table is rendered from this list.
macro_rules! rules {
    ($($variant:ident = $id:literal, $sev:ident, $doc:literal;)*) => {
        /// Every rule tiercheck reports. Serialised as its id string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$sev,)*
                }
            }

            pub fn doc(self) -> &'static str {
                match self {
                    $(Rule::$variant => $doc,)*
                }
            }
        }
    };
}

rules! {
    BuildLinkerKey = "build-linker-key", Error, "`[build] linker` is not a Cargo key";
    LinkerNotADriver = "linker-not-a-driver", Error, "`-C linker=mold`/`wild`/`ld.lld`: rustc needs a cc-style driver";
    CcLinkerDropsRustLld = "cc-linker-drops-rust-lld", Warning, "clang/gcc named as linker without a linker flag: rust-lld silently replaced by GNU ld";
    LinkSelfContainedAlone = "link-self-contained-alone", Error, "the self-contained linker turned off (`-C link-self-contained=-linker`/`=no`) while rustc still asks the C driver for LLD, and no system `ld.lld` is found";
    LinkerFails = "linker-fails", Error, "the linker settings that reach rustc, taken together, make the link fail (gcc given `--ld-path`, `-fuse-ld=X` with no `ld.X` the driver finds)";
    CfgLinkersConflict = "cfg-linkers-conflict", Error, "two matching `[target.'cfg(..)']` tables set `linker` (and no `[target.<triple>] linker`): Cargo stops";
    SplitDebuginfoValue = "split-debuginfo-value", Error, "a `split-debuginfo` value other than off/packed/unpacked (Cargo drops it)";
    NightlyFlagOnStable = "nightly-flag-on-stable", Error, "`-Z` flags, `cargo-features`, `codegen-backend` with a stable toolchain";
    UnstableTableOnStable = "unstable-table-on-stable", Warning, "`[unstable]` in config on stable (ignored)";
    UnstableFeatureMissing = "unstable-feature-missing", Error, "`codegen-backend` / `profile.*.rustflags` without their Cargo feature";
    RustflagsEnvShadowsConfig = "rustflags-env-shadows-config", Warning, "RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS replace config rustflags";
    BuildRustflagsIgnored = "build-rustflags-ignored", Warning, "`[build] rustflags` ignored because target rustflags exist (or the tier sets them)";
    RustflagsEnvDefeatsTier = "rustflags-env-defeats-tier", Error, "RUSTFLAGS in the environment wipes out the tier's target rustflags";
    ProfileInMember = "profile-in-member", Warning, "`[profile]` in a workspace member (Cargo ignores it)";
    CustomProfileInherits = "custom-profile-inherits", Error, "a custom profile without `inherits`";
    LlvmPasses = "llvm-passes", Info, "`-C passes` only runs passes LLVM has";
    MinRust = "min-rust", Error, "a technique's minimum rustc (semver) above the pinned toolchain (error) or `rust-version` (warning)";
    SccacheMissing = "sccache-missing", Error, "the rustc wrapper is not installed";
    SccacheIncremental = "sccache-incremental", Warning, "sccache with incremental compilation on";
    SccacheBackendUnreachable = "sccache-backend-unreachable", Warning, "the Redis/WebDAV endpoint in `SCCACHE_*` does not answer (2 s bound)";
    SccacheTargetDirEnv = "sccache-target-dir-env", Warning, "`CARGO_TARGET_DIR` in the environment: sccache entries cannot be shared across checkouts";
    SccacheEnvInProject = "sccache-env-in-project", Error, "the project's Cargo config `[env]` sets `SCCACHE_*`, which reaches the rustc wrapper: the checkout picks sccache's config, cache or scheduler";
    SccacheDistNoClient = "sccache-dist-no-client", Error, "sccache-dist is on, but the sccache on PATH was built without the `dist-client` feature";
    SccacheDistNoScheduler = "sccache-dist-no-scheduler", Error, "sccache-dist is on, but the sccache client config has no `[dist] scheduler_url` (or cannot be read)";
    SccacheDistConfigInProject = "sccache-dist-config-in-project", Error, "the sccache client config, which holds the scheduler token, lies inside the project";
    SccacheDistTokenExposed = "sccache-dist-token-exposed", Warning, "the client config holding the token is readable by group or others";
    SccacheDistNoAuth = "sccache-dist-no-auth", Warning, "no `[dist.auth]`: sccache sends its insecure default token";
    SccacheDistUnreachable = "sccache-dist-unreachable", Warning, "the scheduler does not answer (2 s bound): every crate compiles locally";
    SccacheDistNoServers = "sccache-dist-no-servers", Warning, "the scheduler has no build server registered";
    SccacheDistTokenRefused = "sccache-dist-token-refused", Error, "the scheduler refuses the client token (HTTP 401); sccache 0.19 then fails the compile";
    SccacheDistToolchain = "sccache-dist-toolchain", Error, "the rustc in use cannot be packaged for the build servers (not an ELF in its sysroot, or not Linux without a path_override)";
    SccacheDistToolchainCache = "sccache-dist-toolchain-cache", Warning, "`toolchain_cache_size` is below the size of the toolchain sccache would package";
    SccacheServerStale = "sccache-server-stale", Warning, "a running sccache server was started with another scheduler than the client config names now; it keeps its config until `sccache --stop-server`";
    TierChannel = "tier-channel", Error, "the tier needs nightly, the project or rustc is stable";
    TierContradicts = "tier-contradicts", Warning, "the project sets another value than the tier";
    TierLacks = "tier-lacks", Info, "something the environment cannot supply (custom profiles)";
    ToolMissing = "tool-missing", Error, "a tier tool is missing or too old (the message has the install hint)";
    ComponentMissing = "component-missing", Error, "the Cranelift component is not installed";
    TierMismatch = "tier-mismatch", Error, "a binary does not show what the tier promises (linker, strip, split debuginfo, Cranelift, PGO, BOLT)";
    LinkerUnknown = "linker-unknown", Warning, "no linker recorded in `.comment` (GNU ld or stripped): cannot confirm";
    SymbolsStripped = "symbols-stripped", Info, "`.symtab` gone although only debuginfo was to be stripped (mold 1.10)";
    ProfileOverrides = "profile-overrides", Info, "a custom profile sets the key itself, so the tier's expectation is skipped";
    LtoHint = "lto-hint", Info, "`.llvm.<N>` symbols: ThinLTO likely (heuristic, never proof)";
    PgoInstrumented = "pgo-instrumented", Warning, "a PGO training build, not for shipping";
    BoltInstrumented = "bolt-instrumented", Warning, "a BOLT training build, not for shipping";
    DwoMissing = "dwo-missing", Info, "`.dwo` files named by skeleton units are not on disk";
    CargoFailed = "cargo-failed", Error, "`build` only: cargo build failed";
    NoExecutables = "no-executables", Warning, "`build` only: cargo reported no executables to verify";
    ToolchainPin = "toolchain-pin", Info, "context: the toolchain the Nix shell pins vs this machine's";
    ToolchainSwitched = "toolchain-switched", Info, "context: `build` selected the tier's toolchain through rustup";
    ToolchainFileUnfit = "toolchain-file-unfit", Error, "`build`: the project's toolchain file pins a toolchain that does not fit the tier, so the tier's overrode it";
    BoltSkipped = "bolt-skipped", Info, "context: the PGO pipeline ran without BOLT, and why";
    ProfileUnknown = "profile-unknown", Info, "a binary outside a Cargo profile directory and no --profile: per-profile techniques not checked";
    ToolchainPath = "toolchain-path", Warning, "the toolchain file names a toolchain by `path`: never run, channel and version unknown";
    ToolchainFileInvalid = "toolchain-file-invalid", Error, "rustup refuses the toolchain file (garbage, empty, bad name)";
    ToolchainFileUnreadable = "toolchain-file-unreadable", Error, "the toolchain file is a FIFO, directory or device (rustup hangs or fails)";
    ToolchainFileOutside = "toolchain-file-outside", Warning, "the toolchain file is a symlink out of the tree: not followed";
    RustflagsElementWhitespace = "rustflags-element-whitespace", Error, "a rustflags array element holding whitespace (rustc gets it as one argument)";
    CfgKeyTooDeep = "cfg-key-too-deep", Error, "a `[target.'cfg(..)']` key nested deeper than Cargo's parser survives (not evaluated)";
    OverriddenByTier = "overridden-by-tier", Info, "a setting the tier's environment replaces (`build --tier`): intended, not a failure";
    OverriddenByEnv = "overridden-by-env", Info, "a profile key a `CARGO_PROFILE_*` variable replaces";
    OverriddenByRustflags = "overridden-by-rustflags", Warning, "a profile key (in a file or a `CARGO_PROFILE_*` variable, the tier's too) that a rustflag for the same `-C` option replaces: rustflags come last on rustc's command line";
    RustcRejectsFlag = "rustc-rejects-flag", Error, "the trusted rustc, asked Cargo's target-info question with the rustflags in force, refuses a flag (an unknown option or value, a value that is unstable on this channel): Cargo stops";
    ProfileValueInvalid = "profile-value-invalid", Error, "a profile value Cargo (or rustc) refuses, in any manifest Cargo parses, a config file or a `CARGO_PROFILE_*` variable";
    StripRemovesDebug = "strip-removes-debug", Warning, "a profile asks for debuginfo (`debug`) and `strip` removes it from the binary";
    RustVersionAboveToolchain = "rust-version-above-toolchain", Error, "a package's `rust-version` is above the rustc that builds it: Cargo refuses to build that package (an error for a package plain `cargo build` builds here, a warning for other members)";
    ToolchainEnvOverridesFile = "toolchain-env-overrides-file", Warning, "`RUSTUP_TOOLCHAIN` in the environment names another toolchain than the project's toolchain file, and wins";
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Rule, String> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.id() == s)
            .ok_or_else(|| format!("unknown rule {s:?}"))
    }
}

/// SCHEMA.md's rule table, rendered from `Rule` (a test keeps the file in step).
pub fn rules_markdown() -> String {
    let mut s = String::from("| rule | severity | what |\n|---|---|---|\n");
    for r in Rule::ALL {
        let sev = match r.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        s.push_str(&format!("| `{}` | {sev} | {} |\n", r.id(), r.doc()));
    }
    s
}

/// Where a finding points. JSON keeps one `file` field for all three (`env:NAME`, `tool:NAME`
/// for the others), with `line` and `column` beside it for a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A file as findings show it (relative to the project where it lies in it), with the
    /// 1-based line and column (in characters) of the finding's key when known.
    File {
        path: String,
        line: Option<u32>,
        column: Option<u32>,
    },
    /// An environment variable.
    Env(String),
    /// A program on PATH.
    Tool(String),
}

impl Location {
    pub fn file(path: impl Into<String>) -> Location {
        Location::File {
            path: path.into(),
            line: None,
            column: None,
        }
    }
    /// The `file` field: the path, `env:NAME` or `tool:NAME`.
    pub fn shown(&self) -> String {
        match self {
            Location::File { path, .. } => path.clone(),
            Location::Env(name) => format!("env:{name}"),
            Location::Tool(name) => format!("tool:{name}"),
        }
    }
    /// The path, for a finding in a file.
    pub fn path(&self) -> Option<&str> {
        match self {
            Location::File { path, .. } => Some(path),
            _ => None,
        }
    }
    pub fn line(&self) -> Option<u32> {
        match self {
            Location::File { line, .. } => *line,
            _ => None,
        }
    }
    pub fn column(&self) -> Option<u32> {
        match self {
            Location::File { column, .. } => *column,
            _ => None,
        }
    }
    /// Every name it holds passed through `f` (text printers escape them).
    fn map_names(&self, f: impl Fn(&str) -> String) -> Location {
        match self {
            Location::File { path, line, column } => Location::File {
                path: f(path),
                line: *line,
                column: *column,
            },
            Location::Env(n) => Location::Env(f(n)),
            Location::Tool(n) => Location::Tool(f(n)),
        }
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", &self.shown())?;
        if let Some(l) = self.line() {
            m.serialize_entry("line", &l)?;
        }
        if let Some(c) = self.column() {
            m.serialize_entry("column", &c)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    /// Where it points: `file` (a path, `env:NAME` or `tool:NAME`), and for a file the 1-based
    /// `line` and `column` of `key` when known.
    #[serde(flatten)]
    pub location: Option<Location>,
    /// The key inside that file (`build.linker`, `profile.dev.split-debuginfo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A finding at the rule's default severity.
    pub fn new(rule: Rule, message: impl Into<String>) -> Finding {
        Finding {
            severity: rule.severity(),
            rule,
            location: None,
            key: None,
            message: message.into(),
            fix: None,
        }
    }
    /// For a rule used at more than one severity (`min-rust`).
    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
    /// At `key` (none when empty) of a file.
    pub fn at(self, file: impl Into<String>, key: impl Into<String>) -> Finding {
        self.located(Location::file(file), key)
    }
    /// At `key` (none when empty) of a place.
    pub fn located(mut self, location: Location, key: impl Into<String>) -> Finding {
        self.location = Some(location);
        let k: String = key.into();
        self.key = (!k.is_empty()).then_some(k);
        self
    }
    /// Where `key` sits in its file (1-based line and column); nothing for other places.
    pub fn span(mut self, l: u32, c: u32) -> Finding {
        if let Some(Location::File { line, column, .. }) = &mut self.location {
            *line = Some(l);
            *column = Some(c);
        }
        self
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub allowed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One command's result. `facts` is the command-specific part (see SCHEMA.md).
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    pub subject: String,
    pub facts: serde_json::Value,
    pub findings: Vec<Finding>,
    /// Findings of rules the project allows (`[package.metadata.tiercheck] allow`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Finding>,
    pub summary: Summary,
    /// The file CI formats place findings without a file of their own in (`env:`, `tool:`,
    /// context): the project's manifest, the toolchain file, a binary. Not part of the JSON.
    #[serde(skip)]
    pub anchor: Option<PathBuf>,
}

impl Report {
    pub fn new(command: &str, tier: Option<&str>, subject: impl Into<String>) -> Report {
        Report {
            schema: SCHEMA,
            command: command.into(),
            tier: tier.map(String::from),
            subject: subject.into(),
            facts: serde_json::Value::Null,
            findings: vec![],
            allowed: vec![],
            summary: Summary::default(),
            anchor: None,
        }
    }

    pub fn finish(&mut self) {
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        self.summary = Summary {
            errors: self.count(Severity::Error),
            warnings: self.count(Severity::Warning),
            infos: self.count(Severity::Info),
            allowed: self.allowed.len(),
        };
    }

    fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// The report as text printers may interpolate it: every string it carries (subject, facts,
    /// findings) escaped as one field (`termsafe::field`). Names and values come from the
    /// checkout; a newline in one would otherwise print a line of its own, such as a forged
    /// `error[...]` under a summary of 0 errors. JSON and SARIF print the report itself: serde
    /// escapes there.
    pub fn for_text(&self) -> Report {
        let shown = |f: &Finding| Finding {
            location: f.location.as_ref().map(|l| l.map_names(text_field)),
            key: f.key.as_deref().map(text_field),
            message: text_field(&f.message),
            fix: f.fix.as_deref().map(text_field),
            ..f.clone()
        };
        Report {
            schema: self.schema,
            command: text_field(&self.command),
            tier: self.tier.as_deref().map(text_field),
            subject: text_field(&self.subject),
            facts: crate::termsafe::fields_in(&self.facts),
            findings: self.findings.iter().map(shown).collect(),
            allowed: self.allowed.iter().map(shown).collect(),
            summary: self.summary.clone(),
            anchor: self.anchor.clone(),
        }
    }

    /// 1 when any finding is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary.errors > 0)
    }
}

fn text_field(s: &str) -> String {
    crate::termsafe::field(s).into_owned()
}

/// `file:line:col`, `file:line` or `file`.
pub fn place(f: &Finding) -> Option<String> {
    let loc = f.location.as_ref()?;
    let file = loc.shown();
    Some(match (loc.line(), loc.column()) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- rules:begin (generated from report::Rule; TIERCHECK_BLESS=1 cargo test schema_rule_table) -->\n";
    const END: &str = "<!-- rules:end -->";

    /// SCHEMA.md's rule table is what `Rule` renders; `TIERCHECK_BLESS=1` rewrites it.
    #[test]
    fn schema_rule_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/SCHEMA.md");
        let doc = std::fs::read_to_string(path).expect("SCHEMA.md");
        let start = doc.find(BEGIN).expect("rules:begin marker") + BEGIN.len();
        let end = doc.find(END).expect("rules:end marker");
        let want = rules_markdown();
        if std::env::var_os("TIERCHECK_BLESS").is_some() {
            let new = format!("{}{want}{}", &doc[..start], &doc[end..]);
            std::fs::write(path, new).expect("write SCHEMA.md");
            return;
        }
        assert_eq!(
            doc[start..end],
            want,
            "SCHEMA.md's rule table differs from report::Rule; run TIERCHECK_BLESS=1 cargo test schema_rule_table"
        );
    }

    #[test]
    fn rule_ids_unique_and_round_trip() {
        let mut ids: Vec<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(r.id().parse::<Rule>(), Ok(*r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.id());
        }
    }
}
