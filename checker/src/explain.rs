//! `tiercheck tiers` and `tiercheck explain`: the data file, for people.

use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::output::Out;
use crate::per_platform::{linker_of, platforms, wrap, TierOnPlatforms};
use crate::report::Rule;
use crate::resolve::{resolve, Selection};
use crate::rule_docs::{severity_word, RuleDoc, DOCS_URL};
use crate::suggest;
use crate::tiers::{Technique, TierData};
use crate::Format;

/// List tiers and techniques
#[derive(clap::Args)]
pub struct TiersArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Explain a tier, a technique or a rule: what it does, channel, minimum rustc, tools, effect;
/// for a rule its severity, why it matters and how to fix it
#[derive(clap::Args)]
pub struct Args {
    /// A tier or technique (`tiercheck tiers` lists them) or a rule id (`--rules` lists them)
    #[arg(required_unless_present = "rules")]
    id: Option<String>,
    /// List every rule tiercheck reports, with its severity
    #[arg(long, conflicts_with = "id")]
    rules: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run_tiers(args: TiersArgs, data: &TierData, out: &mut Out) -> Result<i32> {
    tiers(data, args.format, out)
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    match &args.id {
        Some(id) => explain(data, id, args.format, out),
        None => list_rules(args.format, out),
    }
}

/// `explain <technique> --format json`, and each entry of `tiers --format json`'s techniques.
#[derive(Serialize)]
struct TechniqueDoc<'a> {
    id: &'a str,
    title: &'a str,
    report_tier: u8,
    category: &'a str,
    channel: &'static str,
    min_rust: &'a str,
    platforms: &'a Option<Vec<String>>,
    profiles: &'a [String],
    rustflags: &'a [String],
    linker: &'a Option<String>,
    profile: &'a BTreeMap<String, BTreeMap<String, toml::Value>>,
    env: &'a BTreeMap<String, String>,
    tools: &'a [String],
    components: &'a [String],
    effect: &'a str,
    report_error: &'a Option<String>,
    shipped: bool,
    why_not: &'a Option<String>,
}

impl<'a> TechniqueDoc<'a> {
    fn of(id: &'a str, t: &'a Technique) -> TechniqueDoc<'a> {
        TechniqueDoc {
            id,
            title: &t.title,
            report_tier: t.report_tier,
            category: &t.category,
            channel: t.channel.as_str(),
            min_rust: &t.min_rust,
            platforms: &t.platforms,
            profiles: &t.profiles,
            rustflags: &t.rustflags,
            linker: &t.linker,
            profile: &t.profile,
            env: &t.env,
            tools: &t.tools,
            components: &t.components,
            effect: &t.effect,
            report_error: &t.report_error,
            shipped: t.shipped,
            why_not: &t.why_not,
        }
    }
}

/// `explain <tier> --format json`, and each entry of `tiers --format json`'s tiers.
#[derive(Serialize)]
struct TierDoc<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    inherits: &'a Option<String>,
    toolchain: Option<ToolchainDoc>,
    techniques: Vec<String>,
    optional: Vec<String>,
    platforms: BTreeMap<String, crate::per_platform::PlatformTechniques>,
}

#[derive(Serialize)]
struct ToolchainDoc {
    name: String,
    spec: crate::tiers::ToolchainSpec,
}

/// `tiers --format json`.
#[derive(Serialize)]
struct TiersDoc<'a> {
    schema: &'static str,
    tiers: Vec<TierDoc<'a>>,
    techniques: Vec<TechniqueDoc<'a>>,
}

/// Tiers where `id` can be switched on with --with.
fn optional_in(data: &TierData, id: &str) -> Vec<String> {
    data.tiers
        .keys()
        .filter(|tier| {
            resolve(data, tier, &Selection::default())
                .is_ok_and(|r| r.optional.iter().any(|t| t == id))
        })
        .cloned()
        .collect()
}

/// Every tier, resolved on every platform.
fn all_tiers(data: &TierData) -> Result<Vec<(String, TierOnPlatforms)>> {
    data.tiers
        .keys()
        .map(|id| TierOnPlatforms::resolve(data, id).map(|t| (id.clone(), t)))
        .collect()
}

/// The tiers that switch `id` on on some platform, joined by `sep`; when they do so on fewer
/// platforms than the technique runs on, those platforms follow: `tier1,tier2 (aarch64-linux)`.
fn tiers_using(data: &TierData, all: &[(String, TierOnPlatforms)], id: &str, sep: &str) -> String {
    let mut tiers = vec![];
    let mut on: Vec<&str> = vec![];
    for (tier, t) in all {
        let ps = t.platforms_with(id);
        if !ps.is_empty() {
            tiers.push(tier.as_str());
        }
        for p in ps {
            if !on.contains(&p) {
                on.push(p);
            }
        }
    }
    let technique = &data.techniques[id];
    let own = platforms(data)
        .into_iter()
        .filter(|p| technique.runs_on(p))
        .count();
    let mut s = tiers.join(sep);
    if !tiers.is_empty() && on.len() < own {
        let order = platforms(data);
        on.sort_by_key(|p| order.iter().position(|o| o == p));
        s.push_str(&format!(" (on {})", on.join(", ")));
    }
    s
}

/// A tier's block in `tiers`: its techniques on every platform (wrapped), the linker per
/// platform, and what only some platforms get. Lines stay within 100 columns.
fn tier_block(data: &TierData, id: &str, t: &TierOnPlatforms, s: &mut String) -> Result<()> {
    let tier = data.tier(id)?;
    let tc = t.on[0]
        .1
        .toolchain
        .as_ref()
        .map_or("none".into(), |(n, _)| n.clone());
    writeln!(s, "{id:6} {:16} toolchain {tc}", tier.title)?;
    for line in wrap(&t.common(), 7, 100) {
        writeln!(s, "{line}")?;
    }
    let linkers = t.linkers(data);
    if t.on.iter().any(|(_, r)| linker_of(data, r).is_some()) {
        writeln!(s, "       linker: {linkers}")?;
    }
    let mut groups: Vec<(Vec<&str>, Vec<String>)> = vec![];
    for (tech, ps) in t.platform_only() {
        if data.techniques[&tech].group.as_deref() == Some("linker") {
            continue;
        }
        match groups.iter_mut().find(|(g, _)| *g == ps) {
            Some((_, list)) => list.push(tech),
            None => groups.push((ps, vec![tech])),
        }
    }
    for (ps, list) in groups {
        writeln!(s, "       only on {}: {}", ps.join(", "), list.join(", "))?;
    }
    Ok(())
}

pub fn tiers(data: &TierData, format: Format, out: &mut Out) -> Result<i32> {
    if format == Format::Json {
        let doc = TiersDoc {
            schema: crate::report::SCHEMA,
            tiers: data
                .tiers
                .keys()
                .map(|id| tier_doc(data, id))
                .collect::<Result<_>>()?,
            techniques: data
                .techniques
                .iter()
                .map(|(id, t)| TechniqueDoc::of(id, t))
                .collect(),
        };
        writeln!(out, "{}", crate::output::json_doc(&doc)?)?;
        return Ok(0);
    }
    let all = all_tiers(data)?;
    let mut s = String::new();
    for (id, t) in &all {
        tier_block(data, id, t, &mut s)?;
    }
    writeln!(
        s,
        "\n{:24} {:>4} {:8} {:>8} {:8} tiers",
        "technique", "risk", "channel", "rustc", "shipped"
    )?;
    for (id, t) in &data.techniques {
        let shipped = if t.shipped { "yes" } else { "no" };
        let on = tiers_using(data, &all, id, ",");
        let opt = optional_in(data, id);
        let mut tiers = on.clone();
        if !opt.is_empty() {
            tiers.push_str(&format!(
                "{}opt-in: {}",
                if on.is_empty() { "" } else { "; " },
                opt.join(",")
            ));
        }
        writeln!(
            s,
            "{id:24} {:>4} {:8} {:>8} {shipped:8} {tiers}",
            t.report_tier,
            t.channel.as_str(),
            t.min_rust,
        )?;
    }
    write!(out, "{s}")?;
    Ok(0)
}

fn tier_doc<'a>(data: &'a TierData, id: &'a str) -> Result<TierDoc<'a>> {
    let t = data.tier(id)?;
    let r = resolve(data, id, &Selection::default())?;
    let on = TierOnPlatforms::resolve(data, id)?;
    Ok(TierDoc {
        id,
        title: &t.title,
        summary: &t.summary,
        inherits: &t.inherits,
        toolchain: r.toolchain.map(|(name, spec)| ToolchainDoc { name, spec }),
        techniques: r.techniques,
        optional: r.optional,
        platforms: on.json(data),
    })
}

/// `explain <tier>` as text: its techniques on every platform, then those of some platforms
/// (with them), the linker per platform, the optional ones.
fn explain_tier(data: &TierData, id: &str, out: &mut Out) -> Result<i32> {
    let t = data.tier(id)?;
    let r = resolve(data, id, &Selection::default())?;
    writeln!(out, "{id}: {} — {}", t.title, t.summary)?;
    if let Some(p) = &t.inherits {
        writeln!(out, "inherits: {p}")?;
    }
    match &r.toolchain {
        Some((n, spec)) => writeln!(
            out,
            "toolchain: {n} ({} {}, components: {})",
            spec.channel.as_str(),
            spec.version
                .as_deref()
                .or(spec.date.as_deref())
                .unwrap_or(""),
            spec.components.join(", ")
        )?,
        None => writeln!(out, "toolchain: none shipped")?,
    }
    let on = TierOnPlatforms::resolve(data, id)?;
    let only: Vec<(String, String)> = on
        .platform_only()
        .into_iter()
        .map(|(tid, ps)| (tid, format!(" — on {}", ps.join(", "))))
        .collect();
    let listed = on.common().into_iter().map(|tid| (tid, String::new()));
    for (tid, where_) in listed.chain(only) {
        let x = &data.techniques[&tid];
        let note = if x.shipped {
            String::new()
        } else {
            format!(" [not shipped: {}]", x.why_not.as_deref().unwrap_or(""))
        };
        writeln!(
            out,
            "  {tid:24} {} ({}, rustc {}){note}{where_}",
            x.title,
            x.channel.as_str(),
            x.min_rust
        )?;
    }
    if on.on.iter().any(|(_, r)| linker_of(data, r).is_some()) {
        writeln!(out, "linker: {}", on.linkers(data))?;
    }
    if !r.optional.is_empty() {
        writeln!(out, "optional (--with): {}", r.optional.join(", "))?;
    }
    Ok(0)
}

pub fn explain(data: &TierData, id: &str, format: Format, out: &mut Out) -> Result<i32> {
    if data.tiers.contains_key(id) {
        if format == Format::Json {
            writeln!(out, "{}", crate::output::json_doc(&tier_doc(data, id)?)?)?;
            return Ok(0);
        }
        return explain_tier(data, id, out);
    }
    let rule = id.parse::<Rule>().ok();
    let Some(t) = data.techniques.get(id) else {
        let Some(rule) = rule else {
            let known = data
                .tiers
                .keys()
                .chain(data.techniques.keys())
                .map(String::as_str);
            bail!(
                "unknown tier, technique or rule {id:?}{} (`tiercheck tiers` lists tiers and techniques, `tiercheck explain --rules` the rules)",
                suggest::did_you_mean(id, known.chain(Rule::ALL.iter().map(|r| r.id())))
            );
        };
        return explain_rule(rule, format, out);
    };
    if format == Format::Json {
        writeln!(
            out,
            "{}",
            crate::output::json_doc(&TechniqueDoc::of(id, t))?
        )?;
        return Ok(0);
    }
    explain_technique(data, id, t, out)?;
    // An id that names a technique and a rule (`llvm-passes`): the text shows both.
    if let Some(rule) = rule {
        writeln!(out)?;
        explain_rule(rule, format, out)?;
    }
    Ok(0)
}

/// `tier1, tier2 (on aarch64-linux)   optional in: ...`, or `none`: the same resolution `tiers`
/// uses (per platform; optional techniques are inherited).
fn tiers_line(data: &TierData, id: &str) -> Result<String> {
    let mut s = tiers_using(data, &all_tiers(data)?, id, ", ");
    if s.is_empty() {
        s.push_str("none");
    }
    let optional = optional_in(data, id);
    if !optional.is_empty() {
        s.push_str(&format!("   optional in: {}", optional.join(", ")));
    }
    Ok(s)
}

/// `explain <technique>` as text.
fn explain_technique(data: &TierData, id: &str, t: &Technique, out: &mut Out) -> Result<()> {
    writeln!(out, "{id}: {}", t.title)?;
    writeln!(
        out,
        "  report risk tier: {}   category: {}   channel: {}   rustc: {}",
        t.report_tier,
        t.category,
        t.channel.as_str(),
        t.min_rust
    )?;
    writeln!(out, "  tiers: {}", tiers_line(data, id)?)?;
    if let Some(p) = &t.platforms {
        writeln!(out, "  platforms: {}", p.join(", "))?;
    }
    if !t.rustflags.is_empty() {
        writeln!(out, "  rustflags: {}", t.rustflags.join(" "))?;
    }
    if let Some(l) = &t.linker {
        writeln!(out, "  linker: {l}")?;
    }
    for (p, keys) in &t.profile {
        for (k, v) in keys {
            writeln!(out, "  profile.{p}.{k} = {v}")?;
        }
    }
    for (k, v) in &t.env {
        writeln!(out, "  env {k}={v}")?;
    }
    if !t.tools.is_empty() {
        let tools: Vec<String> = t
            .tools
            .iter()
            .map(|n| format!("{n} >= {}", data.tools[n].min_version))
            .collect();
        writeln!(out, "  tools: {}", tools.join(", "))?;
    }
    if !t.components.is_empty() {
        writeln!(out, "  components: {}", t.components.join(", "))?;
    }
    writeln!(out, "  effect: {}", t.effect)?;
    if let Some(e) = &t.report_error {
        writeln!(out, "  the report got it wrong: {e}")?;
    }
    if !t.shipped {
        writeln!(out, "  not shipped: {}", t.why_not.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

fn explain_rule(rule: Rule, format: Format, out: &mut Out) -> Result<i32> {
    let d = RuleDoc::of(rule);
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
        return Ok(0);
    }
    writeln!(out, "{}: {}", d.id, d.what)?;
    writeln!(out, "  severity: {}", severity_word(d.severity))?;
    writeln!(out, "  why: {}", d.why)?;
    writeln!(out, "  fix: {}", d.fix)?;
    writeln!(out, "  docs: {}", d.docs)?;
    Ok(0)
}

/// Every rule: `id  severity  what`, or the documented JSON list.
fn list_rules(format: Format, out: &mut Out) -> Result<i32> {
    let docs: Vec<RuleDoc> = Rule::ALL.iter().map(|r| RuleDoc::of(*r)).collect();
    if format == Format::Json {
        let list = RuleList {
            schema: crate::report::SCHEMA,
            rules: docs,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(0);
    }
    for d in &docs {
        writeln!(
            out,
            "{:30} {:7} {}",
            d.id,
            severity_word(d.severity),
            d.what
        )?;
    }
    writeln!(
        out,
        "\n`tiercheck explain <rule>` says why and how to fix; docs: {DOCS_URL}"
    )?;
    Ok(0)
}

#[derive(Serialize)]
struct RuleList {
    schema: &'static str,
    rules: Vec<RuleDoc>,
}
