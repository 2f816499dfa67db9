//! Config pitfalls (DESIGN section 4), each a function that adds findings. Every one of them was
//! reproduced with Cargo 1.95; the integration tests run real cargo on a fixture per rule.

use crate::flags::{self, classify_program};
use crate::project::load::{get, Project, TomlFile};
use crate::project::rustflags::{self, Kind, Source};
use crate::report::{Finding, Rule, Severity};
use crate::tiers::{Channel, TierData};

pub struct Ctx<'a> {
    pub data: &'a TierData,
    pub p: &'a Project,
    pub triple: String,
    /// The channel builds will use: the toolchain pin, else the active rustc.
    pub channel: Option<Channel>,
    pub rustc_version: Option<semver::Version>,
    pub sources: Vec<Source>,
}

const BUILTIN_PROFILES: &[&str] = &["dev", "release", "test", "bench", "doc"];

pub fn all(ctx: &Ctx, out: &mut Vec<Finding>) {
    toolchain_file_problems(ctx, out);
    build_linker_key(ctx, out);
    bare_linker(ctx, out);
    cc_driver_drops_rust_lld(ctx, out);
    link_self_contained_alone(ctx, out);
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

/// A toolchain file tiercheck will not follow: a path (rustup would run that rustc), a file
/// rustup cannot read or refuses, a symlink out of the tree.
fn toolchain_file_problems(ctx: &Ctx, out: &mut Vec<Finding>) {
    use crate::project::toolchain_file::Spec;
    let Some(pin) = &ctx.p.toolchain else { return };
    let f = match &pin.spec {
        Spec::Named(_) | Spec::Default => return,
        Spec::Path(path) => Finding::new(Rule::ToolchainPath, format!("the toolchain file names a toolchain by path ({path:?}); rustup would run the rustc there, so tiercheck does not: the channel and version are unknown and the checks that need them are skipped"))
            .fix("name a channel (`channel = \"1.95.0\"` or a dated nightly) unless the custom toolchain is intended"),
        Spec::Invalid(why) => Finding::new(Rule::ToolchainFileInvalid, format!("rustup refuses this toolchain file ({why}): every cargo command in the project fails"))
            .fix("write `[toolchain]` with `channel = \"<name>\"`, or one line with the toolchain name"),
        Spec::Unreadable(why) => Finding::new(Rule::ToolchainFileUnreadable, format!("{why}; rustup reads this file on every cargo command (a FIFO hangs it)"))
            .fix("replace it with a regular file"),
        Spec::OutsideTree(target) => Finding::new(Rule::ToolchainFileOutside, format!("the toolchain file is a symlink out of the tree (to {}); tiercheck does not follow it, the toolchain is unknown", target.display()))
            .fix("commit the toolchain file itself instead of a link"),
    };
    out.push(f.at(&pin.shown, ""));
}

fn build_linker_key(ctx: &Ctx, out: &mut Vec<Finding>) {
    for c in &ctx.p.configs {
        if get(&c.table, &["build", "linker"]).is_some() {
            out.push(
                Finding::new(Rule::BuildLinkerKey, "`[build] linker` is not a Cargo key: Cargo warns \"unused config key\" and links with the default linker")
                    .at(&c.shown, "build.linker")
                    .fix(format!("move it to [target.{}] linker", ctx.triple)),
            );
        }
    }
}

fn bare_linker(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((origin, key, prog)) = rustflags::linker(ctx.p, &ctx.sources, &ctx.triple) else {
        return;
    };
    let flavor_set = rustflags::effective(&ctx.sources)
        .iter()
        .flat_map(|s| s.opts())
        .any(|o| o.is('C', "linker-flavor"));
    if let Some(kind @ ("mold" | "wild" | "lld" | "gold" | "bfd")) = classify_program(&prog) {
        if !flavor_set {
            out.push(
                Finding::new(Rule::LinkerNotADriver, format!("linker {prog:?} is a bare {kind} linker: rustc passes cc-style arguments, so the link fails"))
                    .at(origin, key)
                    .fix(format!("set the linker to clang and add `-C link-arg=--ld-path=<path to {prog}>` (or `-C link-arg=-fuse-ld={kind}`)")),
            );
        }
    }
}

fn rustc_lld_default(ctx: &Ctx) -> bool {
    ctx.triple == "x86_64-unknown-linux-gnu"
        && ctx
            .rustc_version
            .as_ref()
            .is_none_or(|v| *v >= semver::Version::new(1, 90, 0))
}

fn cc_driver_drops_rust_lld(ctx: &Ctx, out: &mut Vec<Finding>) {
    if !rustc_lld_default(ctx) {
        return;
    }
    let Some((origin, key, prog)) = rustflags::linker(ctx.p, &ctx.sources, &ctx.triple) else {
        return;
    };
    if classify_program(&prog) != Some("cc") {
        return;
    }
    let opts: Vec<_> = rustflags::effective(&ctx.sources)
        .iter()
        .flat_map(|s| s.opts())
        .collect();
    let picks = flags::selected_by_link_args(&flags::link_args(&opts)).is_some()
        || opts.iter().any(|o| o.is('C', "linker-features"));
    if !picks {
        out.push(
            Finding::new(Rule::CcLinkerDropsRustLld, format!("naming {prog:?} as the linker without a linker flag silently switches from rust-lld to GNU ld (2.35x slower incremental rebuilds measured)"))
                .at(origin, key)
                .fix("add `-C link-arg=--ld-path=<mold|wild|ld.lld>` or `-C link-arg=-fuse-ld=mold`, or drop the linker setting"),
        );
    }
}

fn link_self_contained_alone(ctx: &Ctx, out: &mut Vec<Finding>) {
    for s in &ctx.sources {
        let opts = s.opts();
        let alone = opts
            .iter()
            .any(|o| o.is('C', "link-self-contained") && o.value.as_deref() == Some("-linker"))
            && !opts.iter().any(|o| o.is('C', "linker-features"));
        if alone {
            out.push(
                Finding::new(Rule::LinkSelfContainedAlone, "`-C link-self-contained=-linker` without `-C linker-features=-lld` breaks the link")
                    .at(&s.origin, &s.key)
                    .fix("use `-C linker-features=-lld` to opt out of rust-lld"),
            );
        }
    }
}

fn split_debuginfo_values(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (f, name, t) in ctx.p.profiles() {
        if let Some(v) = t.get("split-debuginfo") {
            let s = v.as_str().unwrap_or("");
            if !["off", "packed", "unpacked"].contains(&s) {
                out.push(
                    Finding::new(Rule::SplitDebuginfoValue, format!("split-debuginfo = {v} does not exist; Cargo drops it silently and debuginfo stays in the binary"))
                        .at(&f.shown, format!("profile.{name}.split-debuginfo"))
                        .fix("use \"unpacked\" (fastest, dev) or \"packed\" (one .dwp file)"),
                );
            }
        }
    }
}

fn manifests(p: &Project) -> impl Iterator<Item = &TomlFile> {
    std::iter::once(&p.root).chain(&p.members)
}

fn cargo_features(p: &Project) -> Vec<(String, String)> {
    let mut out = vec![];
    for m in manifests(p) {
        for f in m
            .table
            .get("cargo-features")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(s) = f.as_str() {
                out.push((m.shown.clone(), s.to_string()));
            }
        }
    }
    out
}

fn nightly_only_on_stable(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.channel != Some(Channel::Stable) {
        return;
    }
    let pin = ctx
        .p
        .toolchain
        .as_ref()
        .map_or("the active toolchain".to_string(), |t| {
            format!("{} ({})", t.shown, t.channel_text)
        });
    let err = |rule: Rule, what: String| {
        Finding::new(rule, format!("{what} needs nightly, but {pin} is stable"))
            .fix("remove it, or pin a dated nightly in rust-toolchain.toml (tier2+)")
    };
    for s in &ctx.sources {
        if let Some(z) = s.opts().iter().find(|o| o.kind == 'Z') {
            out.push(
                err(Rule::NightlyFlagOnStable, format!("`-Z {}`", z.name)).at(&s.origin, &s.key),
            );
        }
    }
    for (file, feat) in cargo_features(ctx.p) {
        out.push(
            err(
                Rule::NightlyFlagOnStable,
                format!("cargo-features = [\"{feat}\"]"),
            )
            .at(file, "cargo-features"),
        );
    }
    for (f, name, t) in ctx.p.profiles() {
        if t.contains_key("codegen-backend") {
            out.push(
                err(Rule::NightlyFlagOnStable, "codegen-backend".into())
                    .at(&f.shown, format!("profile.{name}.codegen-backend")),
            );
        }
    }
    for c in &ctx.p.configs {
        if c.table.contains_key("unstable") {
            out.push(
                Finding::new(
                    Rule::UnstableTableOnStable,
                    "Cargo ignores the [unstable] table on a stable toolchain",
                )
                .at(&c.shown, "unstable"),
            );
        }
    }
}

fn unstable_enabled(ctx: &Ctx, feature: &str) -> bool {
    cargo_features(ctx.p).iter().any(|(_, f)| f == feature)
        || ctx
            .p
            .configs
            .iter()
            .any(|c| get(&c.table, &["unstable", feature]).and_then(|v| v.as_bool()) == Some(true))
        || ctx
            .p
            .env
            .get(&format!("CARGO_UNSTABLE_{}", crate::env::env_key(feature)))
            .is_some_and(|v| v == "true")
}

fn unstable_feature_gates(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (f, name, t) in ctx.p.profiles() {
        for (key, feature) in [
            ("codegen-backend", "codegen-backend"),
            ("rustflags", "profile-rustflags"),
        ] {
            if t.contains_key(key) && !unstable_enabled(ctx, feature) {
                out.push(
                    Finding::new(Rule::UnstableFeatureMissing, format!("profile key `{key}` needs the unstable Cargo feature `{feature}`; Cargo refuses the manifest without it"))
                        .at(&f.shown, format!("profile.{name}.{key}"))
                        .fix(format!("add cargo-features = [\"{feature}\"] at the top of Cargo.toml, or [unstable] {feature} = true in .cargo/config.toml (nightly)")),
                );
            }
        }
    }
}

fn rustflags_shadowing(ctx: &Ctx, out: &mut Vec<Finding>) {
    let by = |k: Kind| ctx.sources.iter().filter(move |s| s.kind == k);
    for (winner, losers) in [
        (Kind::Encoded, vec![Kind::Env, Kind::Target, Kind::Build]),
        (Kind::Env, vec![Kind::Target, Kind::Build]),
        (Kind::Target, vec![Kind::Build]),
    ] {
        let Some(w) = by(winner).next() else { continue };
        for l in losers.into_iter().flat_map(by) {
            let rule = if winner == Kind::Target {
                Rule::BuildRustflagsIgnored
            } else {
                Rule::RustflagsEnvShadowsConfig
            };
            out.push(
                Finding::new(rule, format!("ignored: {} ({}) replaces these flags ({})", w.key, w.origin, l.tokens.join(" ")))
                    .at(&l.origin, &l.key)
                    .fix("put all flags in one place; Cargo does not merge RUSTFLAGS, [target] and [build] rustflags"),
            );
        }
        return;
    }
}

fn profiles_in_members(ctx: &Ctx, out: &mut Vec<Finding>) {
    for m in &ctx.p.members {
        if m.table.contains_key("profile") {
            out.push(
                Finding::new(Rule::ProfileInMember, "Cargo ignores [profile] in a workspace member (\"profiles for the non root package will be ignored\")")
                    .at(&m.shown, "profile")
                    .fix(format!("move it to {}", ctx.p.root.shown)),
            );
        }
    }
}

fn custom_profiles_inherit(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (f, name, t) in ctx.p.profiles() {
        if !BUILTIN_PROFILES.contains(&name.as_str())
            && !t.contains_key("inherits")
            && !name.starts_with("dev.")
        {
            out.push(
                Finding::new(
                    Rule::CustomProfileInherits,
                    format!("custom profile `{name}` has no `inherits`; Cargo refuses it"),
                )
                .at(&f.shown, format!("profile.{name}"))
                .fix("add inherits = \"release\" (or \"dev\")"),
            );
        }
    }
}

fn llvm_passes(ctx: &Ctx, out: &mut Vec<Finding>) {
    for s in &ctx.sources {
        if s.opts().iter().any(|o| o.is('C', "passes")) {
            out.push(
                Finding::new(Rule::LlvmPasses, "`-C passes` only runs passes LLVM already has; loading a custom pass needs nightly `-Z llvm-plugins` built against rustc's exact LLVM")
                    .at(&s.origin, &s.key),
            );
        }
    }
}

/// Techniques the project itself turns on, with where: (id, file, key).
pub fn used_techniques(ctx: &Ctx) -> Vec<(String, String, String)> {
    let mut used = vec![];
    for (id, t) in &ctx.data.techniques {
        for (profile, keys) in &t.profile {
            for (key, want) in keys {
                if let Some((f, v)) = ctx.p.profile_value(profile, key) {
                    if v == want {
                        used.push((
                            id.clone(),
                            f.shown.clone(),
                            format!("profile.{profile}.{key}"),
                        ));
                    }
                }
            }
        }
        let names: Vec<_> = flags::parse(&t.rustflags)
            .into_iter()
            .filter(|o| o.name != "link-arg")
            .collect();
        for s in &ctx.sources {
            if s.opts()
                .iter()
                .any(|o| names.iter().any(|n| n.kind == o.kind && n.name == o.name))
            {
                used.push((id.clone(), s.origin.clone(), s.key.clone()));
            }
        }
    }
    if let Some((l, origin)) = rustflags::selected_linker(ctx.p, &ctx.sources, &ctx.triple) {
        if ["mold", "wild"].contains(&l.as_str()) {
            used.push((l, origin, "linker".into()));
        }
    }
    if let Some((f, name, _)) = ctx
        .p
        .profiles()
        .into_iter()
        .find(|(_, n, _)| !BUILTIN_PROFILES.contains(&n.as_str()))
    {
        used.push((
            "custom-profiles".into(),
            f.shown.clone(),
            format!("profile.{name}"),
        ));
    }
    used.sort();
    used.dedup();
    used
}

fn min_rust(ctx: &Ctx, out: &mut Vec<Finding>) {
    let msrv = ctx.p.rust_version();
    let pin = ctx
        .p
        .toolchain
        .as_ref()
        .and_then(|t| t.version.clone().map(|v| (t.shown.clone(), v)));
    for (id, file, key) in used_techniques(ctx) {
        let Ok(req) = ctx.data.techniques[&id].min_rust_req() else {
            continue;
        };
        if let Some((pfile, v)) = &pin {
            if !req.matches(v) {
                out.push(
                    Finding::new(
                        Rule::MinRust,
                        format!("{id} needs rustc {req}, but {pfile} pins {v}"),
                    )
                    .at(&file, &key)
                    .fix("raise the pinned toolchain or drop the setting"),
                );
            }
        }
        if let Some((mfile, v)) = &msrv {
            if !req.matches(v) {
                out.push(
                    Finding::new(Rule::MinRust, format!("{id} needs rustc {req}, above the project's rust-version {v} ({mfile}); older Cargo ignores or rejects it"))
                        .severity(Severity::Warning)
                        .at(&file, &key)
                        .fix("raise rust-version, or keep the setting out of the MSRV build"),
                );
            }
        }
    }
}

fn sccache(ctx: &Ctx, out: &mut Vec<Finding>) {
    let wrapper = ["RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"]
        .iter()
        .find_map(|k| {
            ctx.p
                .env
                .get(*k)
                .map(|v| (format!("env:{k}"), k.to_string(), v.clone()))
        })
        .or_else(|| {
            ctx.p.configs.iter().find_map(|c| {
                get(&c.table, &["build", "rustc-wrapper"])
                    .and_then(|v| v.as_str())
                    .map(|v| {
                        (
                            c.shown.clone(),
                            "build.rustc-wrapper".to_string(),
                            v.to_string(),
                        )
                    })
            })
        });
    let Some((origin, key, prog)) = wrapper else {
        return;
    };
    if !prog.contains("sccache") {
        return;
    }
    let found = if prog.contains('/') {
        std::path::Path::new(&prog).is_file()
    } else {
        crate::tools::which(&prog).is_some()
    };
    if !found {
        out.push(
            Finding::new(
                Rule::SccacheMissing,
                format!("rustc wrapper {prog:?} is not installed: every rustc call fails"),
            )
            .at(&origin, &key)
            .fix("cargo install --locked sccache, or unset the wrapper"),
        );
    }
    if let Some((var, host, port)) = crate::cache::endpoint(|k| ctx.p.env.get(k).cloned()) {
        if let Err(e) = crate::cache::probe(&host, port, std::time::Duration::from_secs(2)) {
            out.push(
                Finding::new(Rule::SccacheBackendUnreachable, format!("the cache in {var} ({host}:{port}) is unreachable ({e}): every crate compiles locally, nothing is shared"))
                    .at(format!("env:{var}"), &var)
                    .fix("start the cache or fix the endpoint; SCCACHE_IGNORE_SERVER_IO_ERROR=1 keeps builds working meanwhile"),
            );
        }
    }
    if ctx.p.env.contains_key("CARGO_TARGET_DIR") {
        out.push(
            Finding::new(Rule::SccacheTargetDirEnv, "CARGO_TARGET_DIR is set: sccache hashes every CARGO_* variable rustc sees, so no other checkout or machine can share these cache entries (measured: 0 hits, with or without SCCACHE_BASEDIRS)")
                .at("env:CARGO_TARGET_DIR", "CARGO_TARGET_DIR")
                .fix("let each checkout build into its own target/ (or set [build] target-dir in .cargo/config.toml)"),
        );
    }
    let env_off = ctx.p.env.get("CARGO_INCREMENTAL").is_some_and(|v| v == "0");
    let dev_off = ctx
        .p
        .profile_value("dev", "incremental")
        .is_some_and(|(_, v)| v.as_bool() == Some(false))
        || ctx
            .p
            .env
            .get("CARGO_PROFILE_DEV_INCREMENTAL")
            .is_some_and(|v| v == "false");
    if !env_off && !dev_off {
        out.push(
            Finding::new(Rule::SccacheIncremental, "sccache cannot cache incremental crates; with incremental on, dev builds of workspace crates are never cached")
                .at(&origin, &key)
                .fix("set CARGO_INCREMENTAL=0 for builds that should hit the cache (CI), or drop the wrapper in the edit loop"),
        );
    }
}
