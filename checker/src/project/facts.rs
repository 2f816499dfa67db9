//! What `project` found: the report's `facts` (SCHEMA.md), as one typed document.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::load::{self, Project};
use super::model::CargoView;
use super::rules::Used;
use super::tier_match::{SuppliedBy, TechniqueStatus};
use crate::cache::dist::ClientFacts;
use crate::report::Report;
use crate::tiers::Channel;

#[derive(Serialize)]
pub struct ProjectFacts<'a> {
    pub dir: &'a Path,
    pub manifest: &'a str,
    pub members: Vec<&'a str>,
    pub default_members: Vec<String>,
    pub configs: Vec<&'a str>,
    pub toolchain_file: Option<ToolchainFile<'a>>,
    pub channel: Option<&'static str>,
    pub rust_version: Option<String>,
    /// The first of `targets`: the one the tier is matched against.
    pub triple: String,
    pub targets: Vec<String>,
    pub techniques_used: Vec<TechniqueUse>,
    pub tier_techniques: Option<Vec<TechniqueStatus>>,
    /// What Cargo would pass, per target.
    pub cargo: Vec<CargoView>,
    pub sccache_dist: Option<ClientFacts>,
}

#[derive(Serialize)]
pub struct ToolchainFile<'a> {
    pub file: &'a str,
    pub channel: &'a str,
}

/// A technique the project turns on itself, and where.
#[derive(Serialize)]
pub struct TechniqueUse {
    pub id: String,
    pub file: String,
    pub key: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// What the checks of one project gathered, beside their findings.
pub struct Gathered {
    pub channel: Option<Channel>,
    pub targets: Vec<String>,
    pub used: Vec<Used>,
    pub statuses: Option<Vec<TechniqueStatus>>,
    pub views: Vec<CargoView>,
    pub dist: Option<ClientFacts>,
}

pub fn of(p: &Project, g: Gathered) -> ProjectFacts<'_> {
    ProjectFacts {
        dir: &p.dir,
        manifest: &p.root.shown,
        members: p.members.iter().map(|m| m.shown.as_str()).collect(),
        default_members: p
            .default_members
            .iter()
            .map(|m| load::shown_path(&p.dir, m))
            .collect(),
        configs: p.configs.iter().map(|c| c.shown.as_str()).collect(),
        toolchain_file: p.toolchain.as_ref().map(|t| ToolchainFile {
            file: &t.shown,
            channel: &t.channel_text,
        }),
        channel: g.channel.map(Channel::as_str),
        rust_version: p.rust_version().map(|(_, v)| v.to_string()),
        triple: g.targets[0].clone(),
        targets: g.targets,
        techniques_used: g
            .used
            .into_iter()
            .map(|u| TechniqueUse {
                line: u.def.pos().map(|p| p.0),
                column: u.def.pos().map(|p| p.1),
                id: u.id,
                file: u.def.file,
                key: u.key,
            })
            .collect(),
        tier_techniques: g.statuses,
        cargo: g.views,
        sccache_dist: g.dist,
    }
}

/// What the text header shows of `ProjectFacts`, read back typed from the report (where every
/// string is escaped already); the rest of the document is not read.
#[derive(Deserialize)]
struct Header {
    channel: Option<String>,
    rust_version: Option<String>,
    triple: String,
    tier_techniques: Option<Vec<TechniqueStatus>>,
}

/// The text header of a `project` report.
pub fn text(r: &Report) -> String {
    let mut s = format!("project {}\n", r.subject);
    let h = match Header::deserialize(&r.facts) {
        Ok(h) => h,
        Err(e) => return format!("{s}  (project facts unreadable: {e})\n"),
    };
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let _ = writeln!(
        s,
        "  channel {}   rust-version {}   triple {}",
        dash(h.channel),
        dash(h.rust_version),
        h.triple
    );
    let Some(list) = h.tier_techniques else {
        return s;
    };
    // What the tier's environment supplies is no task for the user: one line for all.
    let (env, own): (Vec<_>, Vec<_>) = list
        .iter()
        .partition(|t| t.supplied_by == Some(SuppliedBy::TierEnv));
    for t in own {
        let _ = writeln!(s, "  {:12} {:24} {}", t.status.as_str(), t.id, t.detail);
    }
    if !env.is_empty() {
        let tier = r.tier.as_deref().unwrap_or("");
        let _ = writeln!(
            s,
            "  {} settings come from the tier's environment (`tiercheck env {tier}` / `nix develop .#{tier}`)",
            env.len()
        );
    }
    s
}
