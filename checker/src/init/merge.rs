//! The manifest merge of `init`: the tier's profile settings and custom profiles added to a
//! Cargo.toml with toml_edit, so comments, order and formatting stay; only missing keys and
//! tables are added, and what the project chose (see `crate::profile_intent`) is kept and reported.

use anyhow::{bail, Context, Result};
use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::profile_intent as intent;
use crate::resolve::Resolved;
use crate::tiers::{Channel, TierData};

/// The custom profiles, as templates/*/Cargo.toml define them (a test keeps them equal).
pub const CUSTOM_PROFILES: &str = r#"# Shipping build: fat LTO.
[profile.release-fat]
inherits = "release"
lto = "fat"

# For perf and other profilers: release code with line tables and symbols.
[profile.profiling]
inherits = "release"
debug = "line-tables-only"
strip = "none"
"#;

/// A key under `[profile]` (`["dev", "package", "*", "debug"]`) and its value.
pub type Setting = (Vec<String>, toml::Value);

/// What the tier wants in `[profile.*]`: the dependency profiles (which the environment cannot
/// carry), and with `env_settings` also the profile keys its environment sets that Cargo.toml can
/// hold on a stable toolchain (no tool paths, no rustflags, no nightly-only keys).
fn profile_settings(data: &TierData, r: &Resolved, env_settings: bool) -> Vec<Setting> {
    let mut out = vec![];
    for id in &r.techniques {
        let t = &data.techniques[id];
        if t.channel != Channel::Stable {
            continue;
        }
        let carried = if env_settings {
            &t.profile
        } else {
            &Default::default()
        };
        for (profile, keys) in carried {
            for (key, value) in keys {
                let tool_path = value.as_str().is_some_and(|s| s.contains('@'));
                if key == "rustflags" || tool_path {
                    continue;
                }
                out.push((vec![profile.clone(), key.clone()], value.clone()));
            }
        }
        for (profile, keys) in &t.dependency_profile {
            for (key, value) in keys {
                let path = vec![profile.clone(), "package".into(), "*".into(), key.clone()];
                out.push((path, value.clone()));
            }
        }
    }
    out
}

fn edit_value(v: &toml::Value) -> Result<toml_edit::Value> {
    Ok(match v {
        toml::Value::String(s) => s.as_str().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Float(f) => (*f).into(),
        other => bail!("tier data: profile value {other} is not a scalar"),
    })
}

/// The table at `path` under `[profile]` (and whether it is an inline table), created when
/// missing: implicit, so no empty headers, or inline inside an inline table. `None` when
/// something there is not a table (the project's own shape wins).
fn table_at<'a>(
    doc: &'a mut DocumentMut,
    path: &[String],
) -> Option<(&'a mut dyn TableLike, bool)> {
    let mut cur: &mut dyn TableLike = doc.as_table_mut();
    let mut inline = false;
    for name in std::iter::once("profile").chain(path.iter().map(String::as_str)) {
        let entry = cur.entry(name).or_insert_with(|| {
            if inline {
                Item::Value(toml_edit::Value::InlineTable(Default::default()))
            } else {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            }
        });
        inline |= entry.is_inline_table();
        cur = entry.as_table_like_mut()?;
    }
    Some((cur, inline))
}

/// A value as written, without its comments and spacing.
fn bare(v: &toml_edit::Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// Whether the project's value is the tier's, however it is spelled (`'thin'`, `"thin"`).
fn same_value(have: &toml_edit::Value, want: &toml::Value) -> bool {
    format!("v = {}", bare(have))
        .parse::<toml::Table>()
        .is_ok_and(|t| t.get("v") == Some(want))
}

/// Cargo.toml with the tier's settings merged in; notes name what the project keeps.
/// `tuned` are `tiercheck tune`'s confirmed project choices: they replace the tier's value for
/// the same key, never the project's own.
pub fn merge_manifest(
    text: &str,
    data: &TierData,
    r: &Resolved,
    env_settings: bool,
    tuned: &[Setting],
    notes: &mut Vec<String>,
) -> Result<String> {
    crate::toml_doc::parse(text.to_string(), "Cargo.toml")?;
    let mut doc: DocumentMut = text.parse().context("Cargo.toml: invalid TOML")?;
    let mut settings = profile_settings(data, r, env_settings);
    settings.retain(|(path, _)| !tuned.iter().any(|(p, _)| p == path));
    settings.extend(tuned.iter().cloned());
    for (path, value) in settings {
        merge_setting(&mut doc, &path, &value, notes)?;
    }
    if r.techniques.iter().any(|t| t == "custom-profiles") {
        add_custom_profiles(&mut doc, notes)?;
    }
    Ok(doc.to_string())
}

/// One `profile.<path> = value`: added when missing, unless it is Cargo's default or would undo
/// what the profile asks for; a different value the project set is kept.
fn merge_setting(
    doc: &mut DocumentMut,
    path: &[String],
    value: &toml::Value,
    notes: &mut Vec<String>,
) -> Result<()> {
    let (key, tables) = path.split_last().context("empty profile path")?;
    let shown = format!("profile.{}", path.join("."));
    if tables.len() == 1 && intent::is_cargo_default(&tables[0], key, value) {
        return Ok(());
    }
    let Some((t, _)) = table_at(doc, tables) else {
        notes.push(format!(
            "Cargo.toml: {shown} not written: the project has a non-table there"
        ));
        return Ok(());
    };
    let want = edit_value(value)?;
    if let Some(why) = intent::weakens(t, key, value) {
        notes.push(format!(
            "Cargo.toml: {shown} = {} not written: {why}",
            bare(&want)
        ));
        return Ok(());
    }
    match t.get(key).and_then(Item::as_value) {
        None if !t.contains_key(key) => {
            t.insert(key, toml_edit::value(want));
        }
        Some(have) if !same_value(have, value) => notes.push(format!(
            "Cargo.toml: kept {shown} = {} (the tier sets {})",
            bare(have),
            bare(&want)
        )),
        _ => {}
    }
    Ok(())
}

/// The tier's custom profiles the project lacks, after everything the file has, in the
/// template's order; a profile of the project's that plays the same role is used instead.
fn add_custom_profiles(doc: &mut DocumentMut, notes: &mut Vec<String>) -> Result<()> {
    let custom: DocumentMut = CUSTOM_PROFILES.parse().context("custom profiles")?;
    let mut next = last_position(doc.as_table()) + 1;
    let (profiles, inline) = table_at(doc, &[]).context("Cargo.toml: [profile] is not a table")?;
    let wanted = custom["profile"].as_table().context("custom profiles")?;
    for (name, item) in wanted.iter() {
        if profiles.contains_key(name) {
            continue;
        }
        if let Some(other) = intent::same_role(profiles, name) {
            notes.push(format!(
                "Cargo.toml: profile.{other} already plays the role of {name}: not added"
            ));
            continue;
        }
        let mut item = item.clone();
        if inline {
            let value = item.into_value().ok().context("custom profiles")?;
            profiles.insert(name, Item::Value(value));
            continue;
        }
        if let Some(t) = item.as_table_mut() {
            t.set_position(next);
            next += 1;
            // A blank line before the comment that introduces the table.
            let prefix = t.decor().prefix().and_then(|p| p.as_str()).unwrap_or("");
            if !prefix.starts_with('\n') {
                let spaced = format!("\n{prefix}");
                t.decor_mut().set_prefix(spaced);
            }
        }
        profiles.insert(name, item);
    }
    Ok(())
}

/// The highest table position in a document (tables print in position order).
fn last_position(t: &Table) -> isize {
    t.iter()
        .filter_map(|(_, item)| item.as_table())
        .map(|sub| sub.position().unwrap_or(0).max(last_position(sub)))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::{resolve, Selection};

    fn template(path: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path);
        std::fs::read_to_string(p).unwrap()
    }

    fn merged(text: &str, env_settings: bool) -> (String, Vec<String>) {
        let data = TierData::embedded().unwrap();
        let r = resolve(&data, "tier1", &Selection::default()).unwrap();
        let mut notes = vec![];
        let once = merge_manifest(text, &data, &r, env_settings, &[], &mut notes).unwrap();
        let twice = merge_manifest(&once, &data, &r, env_settings, &[], &mut vec![]).unwrap();
        assert_eq!(once, twice, "a second run changes nothing");
        (once, notes)
    }

    #[test]
    fn shapes_match_the_templates() {
        let custom: DocumentMut = CUSTOM_PROFILES.parse().unwrap();
        for t in [
            "templates/workspace/Cargo.toml",
            "templates/minimal/Cargo.toml",
        ] {
            let doc: DocumentMut = template(t).parse().unwrap();
            for name in ["release-fat", "profiling"] {
                let want = custom["profile"][name].as_table().unwrap();
                let have = doc["profile"][name].as_table().unwrap();
                let kv = |t: &Table| -> Vec<(String, String)> {
                    t.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string().trim().to_string()))
                        .collect()
                };
                assert_eq!(kv(have), kv(want), "{t} [profile.{name}]");
            }
        }
    }

    #[test]
    fn merge_keeps_comments_adds_once_and_keeps_user_values() {
        let text = "# my project\n[package]\nname = \"p\" # the name\nversion = \"0.1.0\"\n\n[profile.release]\n# ours\nlto = false\n";
        let (once, notes) = merged(text, true);
        assert!(once.starts_with(text.trim_end_matches('\n')), "{once}");
        assert!(
            once.contains("[profile.dev.package.\"*\"]\ndebug = 0"),
            "{once}"
        );
        assert!(once.contains("[profile.release-fat]"), "{once}");
        assert!(
            !once.contains("incremental"),
            "Cargo's default is not written: {once}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("kept profile.release.lto = false")),
            "{notes:?}"
        );
    }

    #[test]
    fn without_env_settings_only_what_the_environment_cannot_carry() {
        let (once, _) = merged("[package]\nname = \"p\"\nversion = \"0.1.0\"\n", false);
        assert!(once.contains("[profile.dev.package.\"*\"]"), "{once}");
        assert!(!once.contains("[profile.release]"), "{once}");
        assert!(!once.contains("split-debuginfo"), "{once}");
    }

    /// ripgrep 15.1.0's profiles: its release debuginfo stays, release-lto is release-fat.
    #[test]
    fn ripgrep_keeps_its_debuginfo_and_its_lto_profile() {
        let text = "[package]\nname = \"ripgrep\"\nversion = \"15.1.0\"\n\n[profile.release]\ndebug = 1\n\n[profile.release-lto]\ninherits = \"release\"\nopt-level = 3\ndebug = \"none\"\nstrip = \"symbols\"\nlto = \"fat\"\ncodegen-units = 1\n";
        for env_settings in [false, true] {
            let (once, notes) = merged(text, env_settings);
            let doc: toml::Table = once.parse().unwrap();
            let release = doc["profile"]["release"].as_table().unwrap();
            assert_eq!(release.get("strip"), None, "{once}");
            assert_eq!(release["debug"].as_integer(), Some(1));
            assert!(doc["profile"].get("release-fat").is_none(), "{once}");
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains("release-lto already plays")),
                "{notes:?}"
            );
        }
    }
}
