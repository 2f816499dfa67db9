//! `init --tuned`: the project choices `tiercheck tune` confirmed on this machine for this
//! project and tier, as `[profile]` settings for Cargo.toml.

use std::path::Path;

use anyhow::{bail, Result};

use super::merge::Setting;

/// The record's project choices as settings; what Cargo.toml cannot hold goes to `notes`.
pub fn settings(root: &Path, tier: &str, notes: &mut Vec<String>) -> Result<Vec<Setting>> {
    let Some((path, record)) = crate::tuned::load(root, tier)? else {
        bail!(
            "{}: no `tiercheck tune --tier {tier}` result for this project on this machine (run it first)",
            root.display()
        );
    };
    if record.project_changes.is_empty() {
        notes.push(format!(
            "{}: tune ({}) kept the tier's defaults for the project's choices: nothing to add",
            path.display(),
            record.date
        ));
    }
    let mut out = vec![];
    for change in &record.project_changes {
        match setting(change) {
            Some(s) => out.push(s),
            None => notes.push(not_written(change)),
        }
    }
    Ok(out)
}

/// `split-debuginfo=off` -> `profile.dev.split-debuginfo = "off"`,
/// `deps.debug=line-tables-only` -> `profile.dev.package."*".debug = "line-tables-only"`.
fn setting(change: &str) -> Option<Setting> {
    let (key, value) = change.split_once('=')?;
    let path: Vec<&str> = match key {
        "split-debuginfo" => vec!["dev", "split-debuginfo"],
        "deps.debug" => vec!["dev", "package", "*", "debug"],
        _ => return None,
    };
    // Typed as Cargo types a `CARGO_PROFILE_*` value: the same spelling as a tune change.
    let value = crate::project::load::env_value(value);
    Some((path.into_iter().map(String::from).collect(), value))
}

fn not_written(change: &str) -> String {
    if let Some(rest) = change.strip_prefix("package.") {
        if let Some((name, _)) = rest.split_once(".codegen-backend=") {
            return format!(
                "Cargo.toml: the LLVM fallback for {name} is not written: Cargo refuses `codegen-backend` in a profile without `cargo-features = [\"codegen-backend\"]` (nightly only, so stable builds would break); this machine's tune record keeps it and `tiercheck build --tier` passes it as --config"
            );
        }
    }
    format!("Cargo.toml: tune's {change} is not a Cargo.toml setting: not written")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_choices_become_profile_settings() {
        let (path, v) = setting("deps.debug=line-tables-only").unwrap();
        assert_eq!(path, ["dev", "package", "*", "debug"]);
        assert_eq!(v, toml::Value::String("line-tables-only".into()));
        let (path, v) = setting("split-debuginfo=off").unwrap();
        assert_eq!(path, ["dev", "split-debuginfo"]);
        assert_eq!(v, toml::Value::String("off".into()));
        assert_eq!(setting("deps.debug=0").unwrap().1, toml::Value::Integer(0));
        assert!(setting("package.ring.codegen-backend=llvm").is_none());
        assert!(not_written("package.ring.codegen-backend=llvm").contains("for ring"));
    }
}
