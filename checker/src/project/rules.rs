//! Config pitfalls (docs/rules.md), each a function that adds findings. Every one of them was
//! reproduced with Cargo 1.95; the integration tests run real cargo on a fixture per rule.

use crate::flags;
use crate::project::cfg::Match;
use crate::project::config::Def;
use crate::project::ctx::{at_def, at_key, Ctx};
use crate::project::linker::{LinkerKind, Outcome};
use crate::project::load::{get, Project, TomlFile};
use crate::project::rustflags::{self, Kind};
use crate::report::{Finding, Location, Rule, Severity};
use crate::tiers::Channel;

const BUILTIN_PROFILES: &[&str] = &["dev", "release", "test", "bench", "doc"];

pub fn all(ctx: &Ctx, out: &mut Vec<Finding>) {
    toolchain_file_problems(ctx, out);
    cfg_keys_too_deep(ctx, out);
    rustflags_element_whitespace(ctx, out);
    overridden_profile_keys(ctx, out);
    crate::project::profile_rules::overridden_by_rustflags(ctx, out);
    crate::project::profile_rules::values_invalid(ctx, out);
    crate::project::profile_rules::strip_removes_debug(ctx, out);
    crate::project::toolchain_rules::rust_version_above_toolchain(ctx, out);
    crate::project::toolchain_rules::env_overrides_file(ctx, out);
    build_linker_key(ctx, out);
    crate::project::linker_rules::findings(ctx, out);
    crate::project::probe::findings(ctx, out);
    split_debuginfo_values(ctx, out);
    nightly_only_on_stable(ctx, out);
    unstable_feature_gates(ctx, out);
    rustflags_shadowing(ctx, out);
    profiles_in_members(ctx, out);
    custom_profiles_inherit(ctx, out);
    llvm_passes(ctx, out);
    min_rust(ctx, out);
    sccache(ctx, out);
}

fn toolchain_file_problems(ctx: &Ctx, out: &mut Vec<Finding>) {
    out.extend(ctx.p.toolchain.as_ref().and_then(toolchain_pin_finding));
}

/// A toolchain file tiercheck will not follow: a path (rustup would run that rustc), a file
/// rustup cannot read or refuses, a symlink out of the tree. `project` and `toolchain` report it.
pub fn toolchain_pin_finding(pin: &crate::toolchain_file::ToolchainPin) -> Option<Finding> {
    use crate::toolchain_file::Spec;
    let f = match &pin.spec {
        Spec::Named(_) | Spec::Default => return None,
        Spec::Path(path) => Finding::new(Rule::ToolchainPath, format!("the toolchain file names a toolchain by path ({path:?}); rustup would run the rustc there, so tiercheck does not: the channel and version are unknown and the checks that need them are skipped"))
            .fix("name a channel (`channel = \"1.95.0\"` or a dated nightly) unless the custom toolchain is intended"),
        Spec::Invalid(why) => Finding::new(Rule::ToolchainFileInvalid, format!("rustup refuses this toolchain file ({why}): every cargo command in the project fails"))
            .fix("write `[toolchain]` with `channel = \"<name>\"`, or one line with the toolchain name"),
        Spec::Unreadable(why) => Finding::new(Rule::ToolchainFileUnreadable, format!("{why}; rustup reads this file on every cargo command (a FIFO hangs it)"))
            .fix("replace it with a regular file"),
        Spec::OutsideTree(target) => Finding::new(Rule::ToolchainFileOutside, format!("the toolchain file is a symlink out of the tree (to {}); tiercheck does not follow it, the toolchain is unknown", target.display()))
            .fix("commit the toolchain file itself instead of a link"),
    };
    let f = f.at(&pin.shown, "");
    Some(match pin.at {
        Some((l, c)) => f.span(l as u32, c as u32),
        None => f,
    })
}

fn build_linker_key(ctx: &Ctx, out: &mut Vec<Finding>) {
    for c in &ctx.p.configs {
        if get(&c.table, &["build", "linker"]).is_some() {
            out.push(
                at_key(Finding::new(Rule::BuildLinkerKey, "`[build] linker` is not a Cargo key: Cargo warns \"unused config key\" and links with the default linker"), c, &["build", "linker"])
                    .fix(format!("move it to [target.{}] linker", ctx.triple())),
            );
        }
    }
}

fn split_debuginfo_values(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (name, t) in ctx.p.profiles() {
        if ctx.p.profile_env(name, "split-debuginfo").is_some() {
            continue;
        }
        if let Some(e) = t.get("split-debuginfo") {
            let v = &e.value;
            let s = v.as_str().unwrap_or("");
            if !["off", "packed", "unpacked"].contains(&s) {
                out.push(
                    at_def(Finding::new(Rule::SplitDebuginfoValue, format!("split-debuginfo = {v} does not exist; Cargo drops it silently and debuginfo stays in the binary")), &e.def, &format!("profile.{name}.split-debuginfo"))
                        .fix("use \"unpacked\" (fastest, dev) or \"packed\" (one .dwp file)"),
                );
            }
        }
    }
}

fn manifests(p: &Project) -> impl Iterator<Item = &TomlFile> {
    std::iter::once(&p.root).chain(&p.members)
}

/// `cargo-features` of every manifest Cargo loads: (manifest, index, feature).
fn cargo_features(p: &Project) -> Vec<(&TomlFile, usize, String)> {
    let mut out = vec![];
    for m in manifests(p) {
        for (i, f) in m
            .table
            .get("cargo-features")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = f.as_str() {
                out.push((m, i, s.to_string()));
            }
        }
    }
    out
}

/// The channel's name when it refuses nightly features: stable and beta alike, unless
/// RUSTC_BOOTSTRAP=1 lets both Cargo and rustc through.
fn refusing_channel(ctx: &Ctx) -> Option<&'static str> {
    let bootstrap = ctx.p.env.get("RUSTC_BOOTSTRAP").is_some_and(|v| v == "1");
    match ctx.channel {
        Some(c @ (Channel::Stable | Channel::Beta)) if !bootstrap => Some(c.as_str()),
        _ => None,
    }
}

fn nightly_only_on_stable(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(channel) = refusing_channel(ctx) else {
        return;
    };
    let pin = ctx
        .p
        .toolchain
        .as_ref()
        .map_or("the active toolchain".to_string(), |t| {
            format!("{} ({})", t.shown, t.channel_text)
        });
    let refusal = Refusal { pin, channel };
    z_flags_on_stable(ctx, &refusal, out);
    cargo_features_on_stable(ctx, &refusal, out);
    codegen_backend_on_stable(ctx, &refusal, out);
    unstable_table_on_stable(ctx, out);
}

/// The toolchain that refuses nightly-only settings: how findings name it, and its channel.
struct Refusal {
    pin: String,
    channel: &'static str,
}

impl Refusal {
    fn finding(&self, what: String) -> Finding {
        Finding::new(
            Rule::NightlyFlagOnStable,
            format!("{what} needs nightly, but {} is {}", self.pin, self.channel),
        )
        .fix("remove it, or pin a dated nightly in rust-toolchain.toml (tier2+)")
    }
}

/// `-Z` in the rustflags rustc gets and in profile rustflags.
fn z_flags_on_stable(ctx: &Ctx, refusal: &Refusal, out: &mut Vec<Finding>) {
    let profile_flags = ctx.sources.iter().filter(|s| s.kind == Kind::Profile);
    for s in ctx.effective().into_iter().chain(profile_flags) {
        if let Some(z) = s.opts().iter().find(|o| o.kind == 'Z') {
            out.push(at_def(
                refusal.finding(format!("`-Z {}`", z.name)),
                s.def_of(z),
                &s.key,
            ));
        }
    }
}

fn cargo_features_on_stable(ctx: &Ctx, refusal: &Refusal, out: &mut Vec<Finding>) {
    for (file, i, feat) in cargo_features(ctx.p) {
        let f = refusal
            .finding(format!("cargo-features = [\"{feat}\"]"))
            .at(&file.shown, "cargo-features");
        out.push(match file.spans.elem(&["cargo-features"], i) {
            Some((l, c)) => f.span(l, c),
            None => f,
        });
    }
}

fn codegen_backend_on_stable(ctx: &Ctx, refusal: &Refusal, out: &mut Vec<Finding>) {
    for (name, t) in ctx.p.profiles() {
        if let Some(e) = t.get("codegen-backend") {
            out.push(at_def(
                refusal.finding("codegen-backend".into()),
                &e.def,
                &format!("profile.{name}.codegen-backend"),
            ));
        }
    }
}

fn unstable_table_on_stable(ctx: &Ctx, out: &mut Vec<Finding>) {
    for c in &ctx.p.configs {
        if c.table.contains_key("unstable") {
            out.push(at_key(
                Finding::new(
                    Rule::UnstableTableOnStable,
                    "Cargo ignores the [unstable] table on a stable toolchain",
                ),
                c,
                &["unstable"],
            ));
        }
    }
}

fn unstable_enabled(ctx: &Ctx, feature: &str) -> bool {
    cargo_features(ctx.p).iter().any(|(_, _, f)| f == feature)
        || ctx
            .p
            .config
            .string(&["unstable", feature])
            .is_some_and(|(v, _)| v == "true")
        || ctx
            .p
            .config
            .get(&["unstable", feature])
            .and_then(|v| v.as_bool())
            == Some(true)
}

const GATED_PROFILE_KEYS: [(&str, &str); 2] = [
    ("codegen-backend", "codegen-backend"),
    ("rustflags", "profile-rustflags"),
];

fn feature_missing(key: &str, feature: &str, def: &Def, at: &str) -> Finding {
    at_def(Finding::new(Rule::UnstableFeatureMissing, format!("profile key `{key}` needs the unstable Cargo feature `{feature}`; Cargo refuses the manifest without it")), def, at)
        .fix(format!("add cargo-features = [\"{feature}\"] at the top of the manifest, or [unstable] {feature} = true in .cargo/config.toml (nightly)"))
}

fn unstable_feature_gates(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (name, t) in ctx.p.profiles() {
        for (key, feature) in GATED_PROFILE_KEYS {
            let Some(e) = t.get(key) else { continue };
            if !unstable_enabled(ctx, feature) {
                out.push(feature_missing(
                    key,
                    feature,
                    &e.def,
                    &format!("profile.{name}.{key}"),
                ));
            }
        }
    }
    member_feature_gates(ctx, out);
}

/// Cargo parses every member's `[profile]` (then ignores it) and refuses one that needs a
/// feature its own manifest does not enable: also below `package.<name>` and `build-override`.
fn member_feature_gates(ctx: &Ctx, out: &mut Vec<Finding>) {
    for m in &ctx.p.members {
        let own = |f: &str| {
            cargo_features(ctx.p)
                .iter()
                .any(|(file, _, x)| file.path == m.path && x == f)
                || ctx.p.config.get(&["unstable", f]).and_then(|v| v.as_bool()) == Some(true)
        };
        let Some(profiles) = m.table.get("profile").and_then(|v| v.as_table()) else {
            continue;
        };
        for (name, prof) in profiles {
            let mut tables = vec![(vec!["profile".to_string(), name.clone()], prof)];
            for sub in ["build-override", "package"] {
                match prof.get(sub).and_then(|v| v.as_table()) {
                    Some(t) if sub == "package" => tables.extend(t.iter().map(|(p, v)| {
                        (
                            vec!["profile".into(), name.clone(), sub.into(), p.clone()],
                            v,
                        )
                    })),
                    Some(_) => {
                        tables.push((vec!["profile".into(), name.clone(), sub.into()], &prof[sub]))
                    }
                    None => {}
                }
            }
            for (path, t) in tables {
                for (key, feature) in GATED_PROFILE_KEYS {
                    if t.get(key).is_none() || own(feature) {
                        continue;
                    }
                    let mut keys = path.clone();
                    keys.push(key.into());
                    let def = Def::at(m, m.spans.key_offset_owned(&keys));
                    out.push(feature_missing(key, feature, &def, &keys.join(".")));
                }
            }
        }
    }
}

/// Flags for a message: the first few, and how many more (a 100 MB array stays one line).
pub fn shown_flags(tokens: &[String]) -> String {
    const SHOWN: usize = 12;
    let head = tokens
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    match tokens.len().saturating_sub(SHOWN) {
        0 => head,
        n => format!("{head} ... and {n} more"),
    }
}

fn rank(k: Kind) -> usize {
    [Kind::Encoded, Kind::Env, Kind::Target, Kind::Build]
        .iter()
        .position(|x| *x == k)
        .unwrap_or(usize::MAX)
}

/// Rustflags Cargo never passes because a source of higher precedence is in force. When the
/// winner is a variable the tier's environment sets, the file's flags are replaced by the tier
/// on purpose: that is information, not a warning.
fn rustflags_shadowing(ctx: &Ctx, out: &mut Vec<Finding>) {
    let eff = ctx.effective();
    let Some(w) = eff.first() else { return };
    let losers = ctx
        .sources
        .iter()
        .filter(|s| s.kind != Kind::Profile && rank(s.kind) > rank(w.kind) && !s.tokens.is_empty());
    for l in losers {
        let by_tier = ctx
            .tier_vars
            .iter()
            .any(|v| w.def.env_name() == Some(v.as_str()));
        let rule = if by_tier {
            Rule::OverriddenByTier
        } else if w.kind == Kind::Target {
            Rule::BuildRustflagsIgnored
        } else {
            Rule::RustflagsEnvShadowsConfig
        };
        let f = Finding::new(
            rule,
            format!(
                "ignored: {} ({}) replaces these flags ({})",
                w.key,
                w.def.file,
                shown_flags(&l.tokens)
            ),
        );
        let f = at_def(f, &l.def, &l.key);
        out.push(if by_tier {
            f
        } else {
            f.fix("put all flags in one place; Cargo does not merge RUSTFLAGS, [target] and [build] rustflags")
        });
    }
}

/// Profile keys the files set that a `CARGO_PROFILE_*` variable replaces.
fn overridden_profile_keys(ctx: &Ctx, out: &mut Vec<Finding>) {
    for r in crate::project::replaced::replaced(ctx.p) {
        let rule = if ctx.tier_vars.contains(&r.var) {
            Rule::OverriddenByTier
        } else {
            Rule::OverriddenByEnv
        };
        out.push(at_def(
            Finding::new(
                rule,
                format!(
                    "{} = {} here is replaced by {}={}",
                    r.key, r.project.value, r.var, r.env_value
                ),
            ),
            &r.project.def,
            &format!("profile.{}.{}", r.profile, r.key),
        ));
    }
}

/// `[target.'cfg(..)']` keys nested deeper than Cargo's parser survives.
fn cfg_keys_too_deep(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (key, t) in rustflags::cfg_tables(ctx.p) {
        if ctx.target.matches_key(key) == Match::TooDeep {
            let def = t.values().next().map(|v| v.def().clone());
            let f = Finding::new(Rule::CfgKeyTooDeep, format!("a [target.'cfg(..)'] key nested more than {} levels deep: Cargo's cfg parser overflows its stack on it (cargo 1.95 aborts at 30 000)", crate::project::cfg::MAX_DEPTH))
                .fix("flatten the expression");
            let shown: String = key.chars().take(40).collect();
            out.push(match def {
                Some(d) => at_def(f, &d, &format!("target.{shown}...")),
                None => f,
            });
        }
    }
}

/// One rustflags array element holding whitespace reaches rustc as one argument
/// (`"-C target-feature=+crt-static"` fails with "unknown codegen option").
fn rustflags_element_whitespace(ctx: &Ctx, out: &mut Vec<Finding>) {
    for c in &ctx.p.configs {
        let mut arrays: Vec<Vec<String>> = vec![vec!["build".into(), "rustflags".into()]];
        for (k, t) in c
            .table
            .get("target")
            .and_then(|t| t.as_table())
            .into_iter()
            .flatten()
        {
            if t.get("rustflags").is_some() {
                arrays.push(vec!["target".into(), k.clone(), "rustflags".into()]);
            }
        }
        for (k, t) in c
            .table
            .get("profile")
            .and_then(|t| t.as_table())
            .into_iter()
            .flatten()
        {
            if t.get("rustflags").is_some() {
                arrays.push(vec!["profile".into(), k.clone(), "rustflags".into()]);
            }
        }
        for keys in arrays {
            let k: Vec<&str> = keys.iter().map(String::as_str).collect();
            let Some(items) = get(&c.table, &k).and_then(|v| v.as_array()) else {
                continue;
            };
            // A list-valued option's value (`-Cllvm-args=-a -b`) is one argument by design.
            let spaced = items.iter().enumerate().filter(|(i, item)| {
                let prev = i.checked_sub(1).and_then(|p| items[p].as_str());
                item.as_str().is_some_and(|s| {
                    s.contains(char::is_whitespace) && !flags::whitespace_in_list_value(prev, s)
                })
            });
            // A few per array say it; thousands would only bury the rest.
            for (i, item) in spaced.take(8) {
                let Some(s) = item.as_str() else { continue };
                let parts: Vec<&str> = s.split_whitespace().collect();
                // A table for another target breaks that target's builds, not this one's.
                let elsewhere = keys[0] == "target" && !ctx.target.applies(&keys[1]);
                let f = Finding::new(Rule::RustflagsElementWhitespace, format!("rustflags element {s:?} holds whitespace: Cargo passes it to rustc as one argument, which rustc rejects or misreads{}", if elsewhere { format!(" (in builds for {}; not the target checked, {})", keys[1], ctx.triple()) } else { String::new() }))
                    .severity(if elsewhere { Severity::Warning } else { Severity::Error })
                    .at(&c.shown, keys.join("."))
                    .fix(format!("split it: {}", parts.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")));
                out.push(match c.spans.elem(&k, i) {
                    Some((l, col)) => f.span(l, col),
                    None => f,
                });
            }
        }
    }
}

fn profiles_in_members(ctx: &Ctx, out: &mut Vec<Finding>) {
    for m in &ctx.p.members {
        if m.table.contains_key("profile") {
            out.push(
                at_key(Finding::new(Rule::ProfileInMember, "Cargo ignores [profile] in a workspace member (\"profiles for the non root package will be ignored\")"), m, &["profile"])
                    .fix(format!("move it to {}", ctx.p.root.shown)),
            );
        }
    }
}

fn custom_profiles_inherit(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (name, t) in ctx.p.profiles() {
        if !BUILTIN_PROFILES.contains(&name.as_str())
            && !t.contains_key("inherits")
            && ctx.p.profile_env(name, "inherits").is_none()
            && !name.starts_with("dev.")
        {
            let Some(def) = t.values().next().map(|e| e.def.clone()) else {
                continue;
            };
            out.push(
                at_def(
                    Finding::new(
                        Rule::CustomProfileInherits,
                        format!("custom profile `{name}` has no `inherits`; Cargo refuses it"),
                    ),
                    &def,
                    &format!("profile.{name}"),
                )
                .fix("add inherits = \"release\" (or \"dev\")"),
            );
        }
    }
}

fn llvm_passes(ctx: &Ctx, out: &mut Vec<Finding>) {
    for s in ctx.effective() {
        if s.opts().iter().any(|o| o.is('C', "passes")) {
            out.push(
                at_def(Finding::new(Rule::LlvmPasses, "`-C passes` only runs passes LLVM already has; loading a custom pass needs nightly `-Z llvm-plugins` built against rustc's exact LLVM"), &s.def, &s.key),
            );
        }
    }
}

/// A technique the project itself turns on, and where.
#[derive(Debug, Clone)]
pub struct Used {
    pub id: String,
    pub def: Def,
    pub key: String,
}

/// Where the project gives profile key `key` the technique's value as rustc gets it: the
/// profile (a variable over the files) unless a later rustflag for the same option wins, or
/// that rustflag when it sets the value itself.
fn profile_key_use(
    ctx: &Ctx,
    id: &str,
    profile: &str,
    key: &str,
    want: &toml::Value,
) -> Option<Used> {
    use crate::project::command_line::Origin;
    use crate::project::settings;
    let e = ctx.p.profile_effective(profile, key);
    let value = e.as_ref().map(|e| &e.value);
    match crate::project::profile_rules::rustflag_over(ctx, profile, key, value) {
        Some(a) if a.setting() == settings::normalize(key, want).ok() => {
            let Origin::Rustflags { key, def } = a.origin else {
                return None;
            };
            Some(Used {
                id: id.to_string(),
                def,
                key,
            })
        }
        Some(_) => None,
        None => {
            let e = e.filter(|e| settings::same(key, &e.value, want))?;
            Some(Used {
                id: id.to_string(),
                def: e.def,
                key: format!("profile.{profile}.{key}"),
            })
        }
    }
}

/// Techniques the project itself turns on (profile keys after the merge, flags Cargo passes).
pub fn used_techniques(ctx: &Ctx) -> Vec<Used> {
    let mut used = setting_uses(ctx);
    used.extend(linker_use(ctx));
    used.extend(custom_profiles_use(ctx));
    used.sort_by(|a, b| (&a.id, &a.def.file, &a.key).cmp(&(&b.id, &b.def.file, &b.key)));
    used.dedup_by(|a, b| a.id == b.id && a.def.file == b.def.file && a.key == b.key);
    used
}

/// Each technique's profile keys and rustflags where the project sets them, technique by
/// technique.
fn setting_uses(ctx: &Ctx) -> Vec<Used> {
    let mut used: Vec<Used> = vec![];
    let eff = ctx.effective();
    // Which (kind, name) options each source holds, computed once for all techniques.
    let present: Vec<std::collections::HashSet<(char, &str)>> = eff
        .iter()
        .map(|s| s.opts().iter().map(|o| (o.kind, o.name.as_str())).collect())
        .collect();
    for (id, t) in &ctx.data.techniques {
        for (profile, keys) in &t.profile {
            for (key, want) in keys {
                used.extend(profile_key_use(ctx, id, profile, key, want));
            }
        }
        let names: Vec<_> = flags::parse(&t.rustflags)
            .into_iter()
            .filter(|o| o.name != "link-arg")
            .collect();
        for (s, have) in eff.iter().zip(&present) {
            if names
                .iter()
                .any(|n| have.contains(&(n.kind, n.name.as_str())))
            {
                used.push(Used {
                    id: id.clone(),
                    def: s.def.clone(),
                    key: s.key.clone(),
                });
            }
        }
    }
    used
}

/// mold or wild, when the project's configuration decides the linker.
fn linker_use(ctx: &Ctx) -> Option<Used> {
    let linker = crate::project::linker::of(ctx);
    let id = match linker.outcome {
        Outcome::Links(LinkerKind::Mold) => "mold",
        Outcome::Links(LinkerKind::Wild) => "wild",
        _ => return None,
    };
    let (_, def) = linker.decided_by?;
    Some(Used {
        id: id.into(),
        def,
        key: "linker".into(),
    })
}

/// The first profile the project defines beyond Cargo's built-in ones.
fn custom_profiles_use(ctx: &Ctx) -> Option<Used> {
    let (name, t) = ctx
        .p
        .profiles()
        .find(|(n, _)| !BUILTIN_PROFILES.contains(&n.as_str()))?;
    let e = t.values().next()?;
    Some(Used {
        id: "custom-profiles".into(),
        def: e.def.clone(),
        key: format!("profile.{name}"),
    })
}

/// Techniques' minimum rustc against the pinned version and `rust-version`. Nightly-only
/// techniques have no stable version to compare: `nightly-flag-on-stable` covers them.
fn min_rust(ctx: &Ctx, out: &mut Vec<Finding>) {
    let msrv = ctx.p.rust_version();
    let pin = ctx
        .p
        .toolchain
        .as_ref()
        .and_then(|t| t.version.clone().map(|v| (t.shown.clone(), v)));
    for u in used_techniques(ctx) {
        let t = &ctx.data.techniques[&u.id];
        if t.channel == Channel::Nightly {
            continue;
        }
        let Ok(req) = t.min_rust_req() else {
            continue;
        };
        let id = &u.id;
        if let Some((pfile, v)) = &pin {
            if !req.matches(v) {
                out.push(
                    at_def(
                        Finding::new(
                            Rule::MinRust,
                            format!("{id} needs rustc {req}, but {pfile} pins {v}"),
                        ),
                        &u.def,
                        &u.key,
                    )
                    .fix("raise the pinned toolchain or drop the setting"),
                );
            }
        }
        if let Some((mfile, v)) = &msrv {
            if !req.matches(v) {
                out.push(at_def(
                    Finding::new(Rule::MinRust, format!("{id} needs rustc {req}, above the project's rust-version {v} ({mfile}); older Cargo ignores or rejects it"))
                        .severity(Severity::Warning),
                    &u.def,
                    &u.key,
                ).fix("raise rust-version, or keep the setting out of the MSRV build"));
            }
        }
    }
}

fn sccache(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(wrapper) = rustc_wrapper(ctx) else {
        return;
    };
    if !wrapper.prog.contains("sccache") {
        return;
    }
    sccache_missing(&wrapper, out);
    sccache_backend_unreachable(ctx, out);
    sccache_target_dir_env(ctx, out);
    sccache_incremental(ctx, &wrapper, out);
}

/// The rustc wrapper the project's environment or configuration names.
struct Wrapper {
    /// Where it is set: a variable or a config file.
    origin: Location,
    key: String,
    prog: String,
}

fn rustc_wrapper(ctx: &Ctx) -> Option<Wrapper> {
    let from_env = ["RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"]
        .iter()
        .find_map(|k| {
            ctx.p.env.get(*k).map(|v| Wrapper {
                origin: Location::Env(k.to_string()),
                key: k.to_string(),
                prog: v.clone(),
            })
        });
    from_env.or_else(|| {
        ctx.p
            .config
            .string(&["build", "rustc-wrapper"])
            .map(|(v, d)| Wrapper {
                origin: d.location(),
                key: "build.rustc-wrapper".to_string(),
                prog: v,
            })
    })
}

fn sccache_missing(wrapper: &Wrapper, out: &mut Vec<Finding>) {
    let prog = &wrapper.prog;
    let found = if prog.contains('/') {
        std::path::Path::new(prog).is_file()
    } else {
        crate::path_search::which(prog).is_some()
    };
    if !found {
        out.push(
            Finding::new(
                Rule::SccacheMissing,
                format!("rustc wrapper {prog:?} is not installed: every rustc call fails"),
            )
            .located(wrapper.origin.clone(), &wrapper.key)
            .fix("cargo install --locked sccache, or unset the wrapper"),
        );
    }
}

fn sccache_backend_unreachable(ctx: &Ctx, out: &mut Vec<Finding>) {
    if let Some((var, host, port)) = crate::cache::endpoint(|k| ctx.p.env.get(k).cloned()) {
        if let Err(e) = crate::cache::probe(&host, port, std::time::Duration::from_secs(2)) {
            out.push(
                Finding::new(Rule::SccacheBackendUnreachable, format!("the cache in {var} ({host}:{port}) is unreachable ({e}): every crate compiles locally, nothing is shared"))
                    .located(Location::Env(var.clone()), &var)
                    .fix("start the cache or fix the endpoint; SCCACHE_IGNORE_SERVER_IO_ERROR=1 keeps builds working meanwhile"),
            );
        }
    }
}

fn sccache_target_dir_env(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.p.env.contains_key("CARGO_TARGET_DIR") {
        out.push(
            Finding::new(Rule::SccacheTargetDirEnv, "CARGO_TARGET_DIR is set: sccache hashes every CARGO_* variable rustc sees, so no other checkout or machine can share these cache entries (measured: 0 hits, with or without SCCACHE_BASEDIRS)")
                .located(Location::Env("CARGO_TARGET_DIR".into()), "CARGO_TARGET_DIR")
                .fix("let each checkout build into its own target/ (or set [build] target-dir in .cargo/config.toml)"),
        );
    }
}

fn sccache_incremental(ctx: &Ctx, wrapper: &Wrapper, out: &mut Vec<Finding>) {
    let env_off = ctx.p.env.get("CARGO_INCREMENTAL").is_some_and(|v| v == "0");
    let dev_off = ctx
        .p
        .profile_value("dev", "incremental")
        .is_some_and(|e| e.value.as_bool() == Some(false))
        || ctx
            .p
            .env
            .get("CARGO_PROFILE_DEV_INCREMENTAL")
            .is_some_and(|v| v == "false");
    if !env_off && !dev_off {
        out.push(
            Finding::new(Rule::SccacheIncremental, "sccache cannot cache incremental crates; with incremental on, dev builds of workspace crates are never cached")
                .located(wrapper.origin.clone(), &wrapper.key)
                .fix("set CARGO_INCREMENTAL=0 for builds that should hit the cache (CI), or drop the wrapper in the edit loop"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::project::settings::same as same_setting;

    #[test]
    fn a_variable_that_repeats_the_file_replaces_nothing() {
        use toml::Value as V;
        let env = |s: &str| crate::project::load::env_value(s);
        assert!(same_setting(
            "split-debuginfo",
            &"unpacked".into(),
            &env("unpacked")
        ));
        assert!(same_setting("codegen-units", &V::Integer(1), &env("1")));
        assert!(same_setting("incremental", &V::Boolean(true), &env("true")));
        assert!(same_setting("debug", &V::Boolean(true), &env("full")));
        assert!(same_setting("debug", &V::Integer(2), &env("true")));
        assert!(same_setting("lto", &"fat".into(), &env("true")));
        assert!(same_setting("strip", &V::Boolean(false), &env("none")));
        assert!(!same_setting(
            "split-debuginfo",
            &"split".into(),
            &env("unpacked")
        ));
        assert!(!same_setting("codegen-units", &V::Integer(16), &env("1")));
        assert!(!same_setting("lto", &V::Boolean(false), &env("off")));
    }
}
