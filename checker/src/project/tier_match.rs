//! `tiercheck project --tier T`: which of the tier's techniques the project has, lacks or
//! contradicts, and what in the project would stop the tier's environment from working.

use serde::{Deserialize, Serialize};

use crate::env::{env_key, profile_value};
use crate::flags;
use crate::project::command_line::Origin;
use crate::project::ctx::{at_def, Ctx};
use crate::project::profile_rules::rustflag_over;
use crate::project::rules::{used_techniques, Used};
use crate::project::rustflags::Kind;
use crate::project::settings;
use crate::report::{Finding, Rule, Severity};
use crate::resolve::Resolved;
use crate::tiers::Channel;

#[derive(Debug, Serialize, Deserialize)]
pub struct TechniqueStatus {
    pub id: String,
    pub status: Status,
    pub detail: String,
    /// Set on a `lacks` the tier's environment supplies (`tiercheck env`, the tier shells,
    /// `build`): nothing for the user to do in the project. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplied_by: Option<SuppliedBy>,
}

/// Where the project stands on one of the tier's techniques.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The project's files set it.
    Has,
    /// The environment of this run sets it.
    FromEnv,
    Lacks,
    /// The project sets another value.
    Contradicts,
    /// The PGO/BOLT pipeline applies it, not configuration.
    Pipeline,
    /// Not available on this platform.
    Unavailable,
    /// Nothing to configure.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Has => "has",
            Status::FromEnv => "from-env",
            Status::Lacks => "lacks",
            Status::Contradicts => "contradicts",
            Status::Pipeline => "pipeline",
            Status::Unavailable => "unavailable",
            Status::NotApplicable => "n/a",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppliedBy {
    /// The tier's environment (`tiercheck env`, the tier shells, `build`).
    TierEnv,
}

/// Whether what `id` lacks comes from the tier's environment when the project is built the
/// tier's way: not when it needs a file (dependency overrides, custom profiles), and not when
/// this run already is in that tier's environment and the setting is still missing.
fn tier_env_supplies(ctx: &Ctx, r: &Resolved, id: &str) -> bool {
    let t = &ctx.data.techniques[id];
    let needs_a_file = !t.dependency_profile.is_empty()
        || t.project
            .as_ref()
            .is_some_and(|s| !s.custom_profiles.is_empty());
    !needs_a_file && ctx.p.env.get("RUST_TIERS_TIER") != Some(&r.tier)
}

pub fn check(ctx: &Ctx, r: &Resolved, out: &mut Vec<Finding>) -> Vec<TechniqueStatus> {
    channel_conflict(ctx, r, out);
    let used = used_techniques(ctx);
    let mut statuses = vec![];
    for id in &r.techniques {
        statuses.push(technique_status(ctx, r, id, &used, out));
    }
    tier_min_rust(ctx, r, &used, out);
    for l in &r.left_out {
        statuses.push(TechniqueStatus {
            id: l.id.clone(),
            status: Status::Unavailable,
            detail: l.reason.clone(),
            supplied_by: None,
        });
    }
    env_conflicts(ctx, r, out);
    statuses
}

/// A nightly tier on a project that pins another channel.
fn channel_conflict(ctx: &Ctx, r: &Resolved, out: &mut Vec<Finding>) {
    let (Some((tc_name, tc)), Some(pin)) = (&r.toolchain, &ctx.p.toolchain) else {
        return;
    };
    if tc.channel == Channel::Nightly && pin.channel.is_some_and(|c| c != Channel::Nightly) {
        out.push(
            Finding::new(
                Rule::TierChannel,
                format!(
                    "{} needs a nightly toolchain ({tc_name}), but the project pins {}",
                    r.tier, pin.channel_text
                ),
            )
            .at(&pin.shown, "toolchain.channel")
            .fix(format!(
                "pin channel = \"nightly-{}\"",
                tc.date.as_deref().unwrap_or("YYYY-MM-DD")
            )),
        );
    }
}

fn technique_status(
    ctx: &Ctx,
    r: &Resolved,
    id: &str,
    used: &[Used],
    out: &mut Vec<Finding>,
) -> TechniqueStatus {
    let t = &ctx.data.techniques[id];
    let (status, detail) = if t.pipeline {
        (
            Status::Pipeline,
            "applied by the PGO/BOLT pipeline (tiercheck build --pgo), not by configuration"
                .to_string(),
        )
    } else if !t.profile.is_empty() {
        profile_status(ctx, r, id, out)
    } else if !t.dependency_profile.is_empty() {
        dependency_profile_status(ctx, id)
    } else if !t.rustflags.is_empty() || t.linker.is_some() {
        flags_status(r, id, used)
    } else if let Some(sign) = &t.project {
        sign_status(ctx, &r.tier, id, sign, out)
    } else {
        (Status::NotApplicable, "nothing to configure".to_string())
    };
    let supplied_by =
        (status == Status::Lacks && tier_env_supplies(ctx, r, id)).then_some(SuppliedBy::TierEnv);
    TechniqueStatus {
        id: id.to_string(),
        status,
        detail,
        supplied_by,
    }
}

/// A technique of rustflags or a linker: where the project turns it on, if it does.
fn flags_status(r: &Resolved, id: &str, used: &[Used]) -> (Status, String) {
    match used.iter().find(|u| u.id == id) {
        Some(u) if u.def.is_env() => (Status::FromEnv, format!("set by {}", u.def.file)),
        Some(u) => (Status::Has, format!("{}: {}", u.def.file, u.key)),
        None => (
            Status::Lacks,
            format!(
                "supplied by `tiercheck env {0}` / `nix develop .#{0}`",
                r.tier
            ),
        ),
    }
}

/// The tier's techniques the project does not set itself, against its rust-version.
fn tier_min_rust(
    ctx: &Ctx,
    r: &Resolved,
    used: &[crate::project::rules::Used],
    out: &mut Vec<Finding>,
) {
    let Some((file, msrv)) = ctx.p.rust_version() else {
        return;
    };
    // A technique that sets nothing (rust-lld where it is rustc's default) cannot break an
    // older rustc: that one simply does not have it.
    let sets_something = |id: &str| {
        let t = &ctx.data.techniques[id];
        !(t.rustflags.is_empty()
            && t.linker.is_none()
            && t.profile.is_empty()
            && t.dependency_profile.is_empty()
            && t.env.is_empty())
    };
    for id in r
        .techniques
        .iter()
        .filter(|id| !used.iter().any(|u| &u.id == *id) && sets_something(id))
    {
        let Ok(req) = ctx.data.techniques[id].min_rust_req() else {
            continue;
        };
        if !req.matches(&msrv) {
            out.push(
                Finding::new(Rule::MinRust, format!("{} uses {id}, which needs rustc {req}; the project's rust-version is {msrv}", r.tier))
                    .severity(Severity::Warning)
                    .at(file.split(':').next().unwrap_or(&file), "rust-version")
                    .fix("raise rust-version, or build the MSRV check outside the tier"),
            );
        }
    }
}

/// `[profile.<p>.package."*"]` keys: only a file can set them (Cargo ignores the environment).
fn dependency_profile_status(ctx: &Ctx, id: &str) -> (Status, String) {
    for (profile, keys) in &ctx.data.techniques[id].dependency_profile {
        for (key, want) in keys {
            match ctx.p.dependency_profile_value(profile, key) {
                Some(v) if settings::same(key, v, want) => {}
                _ => {
                    return (
                        Status::Lacks,
                        format!("[profile.{profile}.package.\"*\"] {key} = {want} (Cargo reads it from files only: `tiercheck init` writes it)"),
                    )
                }
            }
        }
    }
    (
        Status::Has,
        "[profile.*.package.\"*\"] set for dependencies".into(),
    )
}

/// `file:line:col` of a definition (as findings show it).
fn place(d: &crate::project::config::Def) -> String {
    match d.pos() {
        Some((l, c)) => format!("{}:{l}:{c}", d.file),
        None => d.file.clone(),
    }
}

/// How one tier profile key stands in the project.
enum KeyStatus {
    /// Set to the tier's value by the project (where).
    Project(String),
    /// Set to the tier's value by a variable (the tier's, or the user's).
    Env,
    Missing,
    /// Something else wins: (what the project sets, the finding).
    Contradicts(String, Finding),
}

/// One tier profile key against what rustc will get: the profile value (a variable over the
/// files), unless a rustflag for the same `-C` option comes after it and wins.
fn key_status(
    ctx: &Ctx,
    tier: &str,
    id: &str,
    profile: &str,
    key: &str,
    want: &toml::Value,
) -> KeyStatus {
    let env_name = format!("CARGO_PROFILE_{}_{}", env_key(profile), env_key(key));
    let tier_sets_it = ctx.tier_vars.contains(&env_name);
    // `project --tier`: the tier's variable, once set, replaces what the files say.
    let effective = ctx.p.profile_effective(profile, key);
    let assumed = match &effective {
        Some(e) if tier_sets_it || settings::same(key, &e.value, want) => want.clone(),
        Some(e) => e.value.clone(),
        None => want.clone(),
    };
    if let Some(a) = rustflag_over(ctx, profile, key, Some(&assumed)) {
        if a.setting() == settings::normalize(key, want).ok() {
            return KeyStatus::Project(format!("{} in {}", a.shown(), origin_place(&a)));
        }
        let Origin::Rustflags { key: rkey, def } = &a.origin else {
            unreachable!("rustflag_over returns rustflags")
        };
        let f = at_def(Finding::new(Rule::TierContradicts, format!("{id}: `{}` in the rustflags comes after Cargo's profile flags on rustc's command line and wins over {tier}'s {key} = {want}", a.shown())), def, rkey)
            .fix(format!("drop `{}` from the rustflags, or build with `--without {id}`", a.shown()));
        return KeyStatus::Contradicts(a.shown(), f);
    }
    match effective {
        Some(e) if settings::same(key, &e.value, want) && e.def.is_env() => KeyStatus::Env,
        Some(e) if settings::same(key, &e.value, want) => {
            KeyStatus::Project(format!("profile.{profile}.{key} in {}", place(&e.def)))
        }
        // `build`: the tier's variable replaces the file (reported as overridden).
        Some(_) if tier_sets_it => KeyStatus::Env,
        Some(e) => {
            let v = &e.value;
            let f = at_def(Finding::new(Rule::TierContradicts, format!("{id}: the project sets {v}, {tier} sets {want}; the tier's environment overrides the file")), &e.def, &format!("profile.{profile}.{key}"))
                .fix(format!("set {key} = {want}, or build with `--without {id}`"));
            KeyStatus::Contradicts(v.to_string(), f)
        }
        None => KeyStatus::Missing,
    }
}

fn origin_place(a: &crate::project::command_line::Arg) -> String {
    match &a.origin {
        Origin::Rustflags { key, def } | Origin::Profile { key, def, .. } => {
            format!("{key} ({})", place(def))
        }
        Origin::Default => "Cargo's default".into(),
    }
}

/// Profile keys: what rustc gets for each, compared with the tier's.
fn profile_status(ctx: &Ctx, r: &Resolved, id: &str, out: &mut Vec<Finding>) -> (Status, String) {
    let (mut from_project, mut from_env, mut missing) = (vec![], 0, vec![]);
    for (profile, keys) in &ctx.data.techniques[id].profile {
        for (key, want) in keys {
            match key_status(ctx, &r.tier, id, profile, key, want) {
                KeyStatus::Project(w) => from_project.push(w),
                KeyStatus::Env => from_env += 1,
                KeyStatus::Missing => missing.push(format!("profile.{profile}.{key}")),
                KeyStatus::Contradicts(v, f) => {
                    out.push(f);
                    let want_s = profile_value(want);
                    return (
                        Status::Contradicts,
                        format!("project sets {v}, tier sets {want_s}"),
                    );
                }
            }
        }
    }
    match (missing.is_empty(), from_env) {
        (false, _) => (
            Status::Lacks,
            format!(
                "{} not set; supplied by `tiercheck env {1}` / `nix develop .#{1}`",
                missing.join(", "),
                r.tier
            ),
        ),
        (true, 0) => (Status::Has, from_project.join(", ")),
        (true, _) => (Status::FromEnv, "set by the tier environment".to_string()),
    }
}

/// Of the tier's custom profiles the project does not define, those another profile of the
/// project already plays (as `init` decides: it does not add them) and those really missing.
fn roles_played<'a>(
    ctx: &Ctx,
    wanted: &'a [String],
    defined: &[String],
) -> (Vec<(&'a str, String)>, Vec<&'a String>) {
    // The manifest's profiles as `init` reads them (the same role test, on the same table).
    let doc: Option<toml_edit::DocumentMut> = toml::to_string(&ctx.p.root.table)
        .ok()
        .and_then(|t| t.parse().ok());
    let profiles = doc
        .as_ref()
        .and_then(|d| d.get("profile"))
        .and_then(|p| p.as_table_like());
    let mut played = vec![];
    let mut missing = vec![];
    for name in wanted.iter().filter(|p| !defined.contains(p)) {
        match profiles.and_then(|p| crate::profile_intent::same_role(p, name)) {
            Some(other) => played.push((name.as_str(), other)),
            None => missing.push(name),
        }
    }
    (played, missing)
}

fn profiles_defined(played: &[(&str, String)]) -> String {
    if played.is_empty() {
        return "profiles defined".into();
    }
    let roles: Vec<String> = played
        .iter()
        .map(|(name, other)| format!("{other} plays {name}"))
        .collect();
    format!("profiles defined ({})", roles.join(", "))
}

fn sign_status(
    ctx: &Ctx,
    tier: &str,
    id: &str,
    sign: &crate::tiers::ProjectSign,
    out: &mut Vec<Finding>,
) -> (Status, String) {
    if !sign.custom_profiles.is_empty() {
        let defined: Vec<String> = ctx.p.profiles().map(|(n, _)| n.clone()).collect();
        let (played, missing) = roles_played(ctx, &sign.custom_profiles, &defined);
        if missing.is_empty() {
            return (Status::Has, profiles_defined(&played));
        }
        out.push(
            Finding::new(
                Rule::TierLacks,
                format!(
                    "{id}: no [profile.{}] in the project; the environment cannot create profiles",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("], [profile.")
                ),
            )
            .at(&ctx.p.root.shown, "profile")
            .fix(format!(
                "tiercheck init --tier {tier} (writes them into Cargo.toml)"
            )),
        );
        return (Status::Lacks, "profiles missing from Cargo.toml".into());
    }
    match &sign.env {
        Some(e) if ctx.p.env.contains_key(e) => (Status::FromEnv, format!("{e} is set")),
        Some(e) => (Status::Lacks, format!("{e} is not set")),
        None => (Status::NotApplicable, String::new()),
    }
}

/// What in the project would silently defeat the tier's environment.
fn env_conflicts(ctx: &Ctx, r: &Resolved, out: &mut Vec<Finding>) {
    let tier_flags: Vec<String> = r
        .techniques
        .iter()
        .flat_map(|id| ctx.data.techniques[id].rustflags.clone())
        .collect();
    // `build` applies the tier's variables: what they replace is reported as overridden.
    if tier_flags.is_empty() || !ctx.tier_vars.is_empty() {
        return;
    }
    env_rustflags_replace_tier(ctx, &tier_flags, out);
    build_rustflags_ignored(ctx, r, out);
    linker_conflict(ctx, r, out);
}

/// RUSTFLAGS and CARGO_ENCODED_RUSTFLAGS replace every configured rustflag, the tier's too.
fn env_rustflags_replace_tier(ctx: &Ctx, tier_flags: &[String], out: &mut Vec<Finding>) {
    for s in ctx
        .sources
        .iter()
        .filter(|s| matches!(s.kind, Kind::Env | Kind::Encoded))
    {
        out.push(
            at_def(Finding::new(Rule::RustflagsEnvDefeatsTier, format!("{} replaces the tier's target rustflags ({}): the tier's linker and flags are lost", s.key, tier_flags.join(" "))), &s.def, &s.key)
                .fix(format!("unset {} and move its flags to [target.{}] rustflags", s.key, ctx.triple())),
        );
    }
}

/// `build.rustflags`, which Cargo ignores once the tier sets target rustflags.
fn build_rustflags_ignored(ctx: &Ctx, r: &Resolved, out: &mut Vec<Finding>) {
    for s in ctx
        .sources
        .iter()
        .filter(|s| s.kind == Kind::Build && !s.tokens.is_empty())
    {
        out.push(
            at_def(
                Finding::new(
                    Rule::BuildRustflagsIgnored,
                    format!(
                        "under {} Cargo uses target rustflags, so these are ignored: {}",
                        r.tier,
                        crate::project::rules::shown_flags(&s.tokens)
                    ),
                ),
                &s.def,
                &s.key,
            )
            .fix(format!(
                "move them to [target.{}] rustflags (Cargo joins those with the tier's)",
                ctx.triple()
            )),
        );
    }
}

/// A linker the project's target rustflags select, other than the tier's.
fn linker_conflict(ctx: &Ctx, r: &Resolved, out: &mut Vec<Finding>) {
    let tier_linker = r
        .techniques
        .iter()
        .find_map(|id| ctx.data.techniques[id].binary.as_ref()?.linker.clone());
    let project_linker = flags::selected_by_link_args(
        &ctx.sources
            .iter()
            .filter(|s| s.kind == Kind::Target && !s.def.is_env())
            .flat_map(|s| flags::link_args(s.opts()))
            .collect::<Vec<_>>(),
    );
    if let (Some(want), Some(have)) = (tier_linker, project_linker) {
        if want != have {
            out.push(
                Finding::new(Rule::TierContradicts, format!("the project selects {have}, {} selects {want}; the tier's flag comes later and wins", r.tier))
                    .fix("drop the project's linker flag or pick a tier with that linker"),
            );
        }
    }
}
