//! `tiercheck project`: a project's configuration against the pitfalls and, with `--tier`, the tier.

pub mod cfg;
pub mod load;
pub mod rules;
pub mod rustflags;
pub mod tier_match;
pub mod toolchain_file;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use crate::cli::{print_report, SelectArgs};
use crate::report::Report;
use crate::resolve::{resolve, Selection};
use crate::tiers::{Channel, TierData};
use crate::toolchain;
use crate::Format;

/// Check a project's Cargo.toml, .cargo/config.toml, rust-toolchain and env
#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    tier: Option<String>,
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    select: SelectArgs,
}

pub fn run(args: Args, data: &TierData) -> Result<i32> {
    let report = check(
        data,
        &args.dir,
        args.tier.as_deref(),
        &args.select.selection(),
    )?;
    let facts = crate::explain::project_facts_text(&report);
    print_report(&report, args.format, &facts)
}

pub fn check(data: &TierData, dir: &Path, tier: Option<&str>, sel: &Selection) -> Result<Report> {
    // Resolve the tier first: an unknown tier is a usage error even for a broken project.
    let host = toolchain::rustc_info(Some(dir)).ok();
    let triple = host.as_ref().map_or_else(
        || "x86_64-unknown-linux-gnu".to_string(),
        |h| h.host.clone(),
    );
    let mut sel = sel.clone();
    sel.platform = data.platform_of_triple(&triple).map(String::from);
    let resolved = tier.map(|t| resolve(data, t, &sel)).transpose()?;
    let p = load::Project::load(dir)?;
    let (channel, rustc_version) = build_toolchain(&p, host.as_ref());
    let ctx = rules::Ctx {
        data,
        sources: rustflags::sources(&p, &triple),
        p: &p,
        triple: triple.clone(),
        channel,
        rustc_version,
    };
    let mut report = Report::new("project", tier, p.dir.display().to_string());
    rules::all(&ctx, &mut report.findings);
    let statuses = resolved
        .as_ref()
        .map(|r| tier_match::check(&ctx, r, &mut report.findings));
    report.facts = json!({
        "dir": p.dir,
        "manifest": p.root.shown,
        "members": p.members.iter().map(|m| &m.shown).collect::<Vec<_>>(),
        "configs": p.configs.iter().map(|c| &c.shown).collect::<Vec<_>>(),
        "toolchain_file": p.toolchain.as_ref().map(|t| json!({"file": t.shown, "channel": t.channel_text})),
        "channel": channel.map(|c| c.as_str()),
        "rust_version": p.rust_version().map(|(_, v)| v.to_string()),
        "triple": triple,
        "techniques_used": rules::used_techniques(&ctx).into_iter().map(|(id, f, k)| json!({"id": id, "file": f, "key": k})).collect::<Vec<_>>(),
        "tier_techniques": statuses,
    });
    report.finish();
    Ok(report)
}

/// The channel and version builds in this project will use: what the probe of the toolchain
/// rustup selects found, else what the pin's name says; unknown when the pin cannot be used.
fn build_toolchain(
    p: &load::Project,
    host: Option<&toolchain::RustcInfo>,
) -> (Option<Channel>, Option<semver::Version>) {
    use toolchain_file::Spec;
    let probed = (host.map(|h| h.channel), host.map(|h| h.version.clone()));
    match p.toolchain.as_ref() {
        None => probed,
        Some(pin) => match &pin.spec {
            Spec::Default => probed,
            Spec::Named(_) if host.is_some() => probed,
            Spec::Named(_) => (pin.channel, pin.version.clone()),
            _ => (None, None),
        },
    }
}
