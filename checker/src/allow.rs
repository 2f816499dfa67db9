//! A project's accepted findings: `allow = ["rule-id", ...]` under
//! `[package.metadata.tiercheck]` or `[workspace.metadata.tiercheck]` of DIR/Cargo.toml.
//! Allowed findings leave `findings` (and the exit code) but stay visible under `allowed`.

use std::path::Path;

use anyhow::{bail, Result};

use crate::report::{Report, Rule};

/// The rules DIR/Cargo.toml allows (both tables together). A missing or unreadable manifest
/// allows nothing (the command's own checks report it); an unknown rule id is an input error.
pub fn allowed_rules(dir: &Path) -> Result<Vec<Rule>> {
    let path = dir.join("Cargo.toml");
    if !path.is_file() {
        return Ok(vec![]);
    }
    let Ok(table) = crate::project::load::read_toml(&path, "Cargo.toml") else {
        return Ok(vec![]);
    };
    let mut rules = vec![];
    for top in ["package", "workspace"] {
        let key = format!("{top}.metadata.tiercheck.allow");
        let Some(v) = table
            .get(top)
            .and_then(|t| t.get("metadata"))
            .and_then(|t| t.get("tiercheck"))
            .and_then(|t| t.get("allow"))
        else {
            continue;
        };
        let Some(list) = v.as_array() else {
            bail!("Cargo.toml: {key} must be an array of rule ids");
        };
        for item in list {
            let Some(id) = item.as_str() else {
                bail!("Cargo.toml: {key}: {item} is not a string");
            };
            match id.parse::<Rule>() {
                Ok(r) => rules.push(r),
                Err(e) => bail!(
                    "Cargo.toml: {key}: {e}{} (`tiercheck explain --rules` lists them)",
                    crate::suggest::did_you_mean(id, Rule::ALL.iter().map(|r| r.id()))
                ),
            }
        }
    }
    Ok(rules)
}

/// Moves the findings of allowed rules to `report.allowed` and recounts.
pub fn apply(report: &mut Report, dir: &Path) -> Result<()> {
    let rules = allowed_rules(dir)?;
    if rules.is_empty() {
        return Ok(());
    }
    let (allowed, kept) = std::mem::take(&mut report.findings)
        .into_iter()
        .partition(|f| rules.contains(&f.rule));
    report.findings = kept;
    report.allowed = allowed;
    report.finish();
    Ok(())
}
