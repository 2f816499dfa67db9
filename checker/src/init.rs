//! `tiercheck init --tier T [DIR]`: writes into a project what a tier's environment cannot carry,
//! in the shapes the templates use: the profile settings of the tier's stable techniques,
//! dependency profiles (`[profile.<p>.package."*"]`), the custom profiles (release-fat,
//! profiling), a commented `.cargo/config.toml` if there is none, and with `--toolchain-file`
//! a rust-toolchain.toml pinning the tier's toolchain (the templates pin none, so switching
//! tiers stays a one-line change; the env and `build` select the toolchain).
//!
//! It merges with toml_edit: comments, order and formatting stay; only missing keys and tables
//! are added, a value the project already sets is kept (and reported), so a second run changes
//! nothing. It shows the diff first, then writes with `--yes` or after a "y" on a terminal;
//! without a terminal and without `--yes` it only shows the diff (exit 1 when there is one).

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use toml_edit::{DocumentMut, Item, Table};

use crate::cli::{tier_parser, Out, SelectArgs};
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};

/// Write the tier's profiles (and optionally its toolchain file) into a project, merging with
/// what is there; shows the diff first
#[derive(clap::Args)]
pub struct Args {
    /// The tier (default: $RUST_TIERS_TIER, set by the tier shells and `env`)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    tier: String,
    /// The project directory (its Cargo.toml is the workspace or package root)
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write without asking
    #[arg(long, short = 'y')]
    yes: bool,
    /// Also pin the tier's toolchain in rust-toolchain.toml (if the project has no toolchain file)
    #[arg(long)]
    toolchain_file: bool,
    #[command(flatten)]
    select: SelectArgs,
}

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

/// The `.cargo/config.toml` of templates/workspace (a test keeps them equal).
pub const CARGO_CONFIG: &str = r#"# The tier's linker and flags come from its environment (`nix develop`, `tiercheck env`,
# `tiercheck build`), as CARGO_TARGET_<TRIPLE>_RUSTFLAGS / _LINKER and CARGO_PROFILE_*, so this
# project builds under every tier without an edit here. Flags of the project's own go under
# [target.<triple>], where Cargo joins them with the tier's:
#
# [target.x86_64-unknown-linux-gnu]
# rustflags = ["-C", "target-cpu=x86-64-v2"]
#
# Not under [build] rustflags (ignored once target rustflags exist), and not RUSTFLAGS in the
# environment (it replaces both). A linker forced here (-fuse-ld=mold) would override the tier's:
# tier3/tier4 link the dev profile with Wild and the release profile with the default linker.
"#;

/// One file's planned change.
struct Change {
    path: PathBuf,
    shown: String,
    old: Option<String>,
    new: String,
}

/// What the tier wants in `[profile.*]`: (profile, key, value) for keys Cargo.toml can hold on a
/// stable toolchain (no tool paths, no rustflags, no nightly-only keys), then dependency profiles.
fn profile_settings(data: &TierData, r: &Resolved) -> Vec<(Vec<String>, toml::Value)> {
    let mut out = vec![];
    for id in &r.techniques {
        let t = &data.techniques[id];
        if t.channel != Channel::Stable {
            continue;
        }
        for (profile, keys) in &t.profile {
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

/// The table at `path` under `[profile]`, created (implicit, so no empty headers) when missing.
/// `None` when something there is not a table (the project's own shape wins).
fn table_at<'a>(doc: &'a mut DocumentMut, path: &[String]) -> Option<&'a mut Table> {
    let mut cur = doc.as_table_mut();
    for (i, name) in std::iter::once("profile")
        .chain(path.iter().map(String::as_str))
        .enumerate()
    {
        let entry = cur.entry(name).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(i + 1 < path.len() + 1);
            Item::Table(t)
        });
        cur = entry.as_table_mut()?;
    }
    Some(cur)
}

/// Cargo.toml with the tier's settings merged in; notes name values the project keeps.
fn merge_manifest(
    text: &str,
    data: &TierData,
    r: &Resolved,
    notes: &mut Vec<String>,
) -> Result<String> {
    let mut doc: DocumentMut = text.parse().context("Cargo.toml: invalid TOML")?;
    for (path, value) in profile_settings(data, r) {
        let (key, tables) = path.split_last().context("empty profile path")?;
        let shown = format!("profile.{}", path.join("."));
        let Some(t) = table_at(&mut doc, tables) else {
            notes.push(format!(
                "Cargo.toml: {shown} not written: the project has a non-table there"
            ));
            continue;
        };
        let want = edit_value(&value)?;
        match t.get(key).and_then(Item::as_value) {
            None if !t.contains_key(key) => {
                t.insert(key, toml_edit::value(want));
            }
            Some(have) if have.to_string().trim() != want.to_string().trim() => notes.push(format!(
                "Cargo.toml: kept {shown} = {} (the tier sets {}; its environment overrides the file)",
                have.to_string().trim(),
                want.to_string().trim()
            )),
            _ => {}
        }
    }
    if r.techniques.iter().any(|t| t == "custom-profiles") {
        let custom: DocumentMut = CUSTOM_PROFILES.parse().context("custom profiles")?;
        // New tables go after everything the file has, in the template's order.
        let mut next = last_position(doc.as_table()) + 1;
        let profiles = table_at(&mut doc, &[]).context("Cargo.toml: [profile] is not a table")?;
        let wanted = custom["profile"].as_table().context("custom profiles")?;
        for (name, item) in wanted.iter() {
            if !profiles.contains_key(name) {
                let mut item = item.clone();
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
        }
    }
    Ok(doc.to_string())
}

/// The highest table position in a document (tables print in position order).
fn last_position(t: &Table) -> isize {
    t.iter()
        .filter_map(|(_, item)| item.as_table())
        .map(|sub| sub.position().unwrap_or(0).max(last_position(sub)))
        .max()
        .unwrap_or(0)
}

fn read_opt(path: &Path, shown: &str) -> Result<Option<String>> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    Ok(Some(crate::fsread::read_text(
        path,
        shown,
        crate::fsread::TEXT_CAP,
    )?))
}

fn toolchain_file(data: &TierData, r: &Resolved) -> Result<Option<String>> {
    let Some((_, spec)) = &r.toolchain else {
        return Ok(None);
    };
    let channel = match spec.channel {
        Channel::Nightly => format!(
            "nightly-{}",
            spec.date
                .as_deref()
                .context("nightly toolchain without a date")?
        ),
        _ => spec
            .version
            .clone()
            .unwrap_or_else(|| spec.channel.as_str().into()),
    };
    let mut doc = DocumentMut::new();
    doc["toolchain"] = toml_edit::table();
    doc["toolchain"]["channel"] = toml_edit::value(channel);
    let components: toml_edit::Array = spec.components.iter().map(String::as_str).collect();
    doc["toolchain"]["components"] = toml_edit::value(components);
    let _ = data;
    Ok(Some(format!(
        "# The toolchain of rust-tiers {} (written by `tiercheck init --toolchain-file`).\n{doc}",
        r.tier
    )))
}

fn plan(args: &Args, data: &TierData, notes: &mut Vec<String>) -> Result<Vec<Change>> {
    let mut sel: Selection = args.select.selection();
    sel.platform = crate::toolchain::host_triple()
        .ok()
        .and_then(|t| data.platform_of_triple(&t).map(String::from));
    let r = resolve(data, &args.tier, &sel)?;
    crate::env::ensure_shipped(data, &r)?;
    let manifest = args.dir.join("Cargo.toml");
    let Some(text) = read_opt(&manifest, "Cargo.toml")? else {
        bail!(
            "{}: no Cargo.toml (init writes into an existing project; `cargo init` first)",
            args.dir.display()
        );
    };
    let mut changes = vec![Change {
        new: merge_manifest(&text, data, &r, notes)?,
        old: Some(text),
        path: manifest,
        shown: "Cargo.toml".into(),
    }];
    let config = args.dir.join(".cargo/config.toml");
    let legacy = args.dir.join(".cargo/config");
    if std::fs::symlink_metadata(&config).is_err() && std::fs::symlink_metadata(&legacy).is_err() {
        changes.push(Change {
            path: config,
            shown: ".cargo/config.toml".into(),
            old: None,
            new: CARGO_CONFIG.into(),
        });
    }
    if args.toolchain_file {
        let has = ["rust-toolchain", "rust-toolchain.toml"]
            .iter()
            .find(|f| std::fs::symlink_metadata(args.dir.join(f)).is_ok());
        match (has, toolchain_file(data, &r)?) {
            (Some(f), _) => notes.push(format!("{f}: kept (the project pins its own toolchain)")),
            (None, Some(new)) => changes.push(Change {
                path: args.dir.join("rust-toolchain.toml"),
                shown: "rust-toolchain.toml".into(),
                old: None,
                new,
            }),
            (None, None) => {}
        }
    }
    changes.retain(|c| c.old.as_deref() != Some(c.new.as_str()));
    Ok(changes)
}

fn diff(c: &Change) -> String {
    let old = c.old.as_deref().unwrap_or("");
    let a = if c.old.is_some() {
        format!("a/{}", c.shown)
    } else {
        "/dev/null".into()
    };
    similar::TextDiff::from_lines(old, &c.new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &format!("b/{}", c.shown))
        .to_string()
}

fn ask() -> Result<bool> {
    eprint!("tiercheck: write these changes? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn write(c: &Change) -> Result<()> {
    if let Some(parent) = c.path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
    }
    std::fs::write(&c.path, &c.new).with_context(|| format!("{}: cannot write", c.shown))
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let mut notes = vec![];
    let changes = plan(&args, data, &mut notes)?;
    for n in &notes {
        crate::termsafe::eprint_line(n);
    }
    if changes.is_empty() {
        writeln!(
            out,
            "{}: nothing to add for {}",
            args.dir.display(),
            args.tier
        )?;
        return Ok(0);
    }
    for c in &changes {
        out.push_str(&diff(c));
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let go = if args.yes {
        true
    } else if interactive {
        out.flush_now()?;
        ask()?
    } else {
        crate::termsafe::eprint_line("not written (no terminal to ask): rerun with --yes to write");
        false
    };
    if !go {
        return Ok(1);
    }
    for c in &changes {
        write(c)?;
    }
    let names: Vec<&str> = changes.iter().map(|c| c.shown.as_str()).collect();
    writeln!(out, "wrote {} for {}", names.join(", "), args.tier)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(path: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn shapes_match_the_templates() {
        assert_eq!(
            template("templates/workspace/.cargo/config.toml"),
            CARGO_CONFIG
        );
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
        let data = TierData::embedded().unwrap();
        let r = resolve(&data, "tier1", &Selection::default()).unwrap();
        let text = "# my project\n[package]\nname = \"p\" # the name\nversion = \"0.1.0\"\n\n[profile.release]\n# ours\nlto = \"fat\"\n";
        let mut notes = vec![];
        let once = merge_manifest(text, &data, &r, &mut notes).unwrap();
        assert!(once.starts_with(text.trim_end_matches('\n')), "{once}");
        assert!(
            once.contains("[profile.dev.package.\"*\"]\ndebug = 0"),
            "{once}"
        );
        assert!(once.contains("[profile.release-fat]"), "{once}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("kept profile.release.lto = \"fat\"")),
            "{notes:?}"
        );
        let twice = merge_manifest(&once, &data, &r, &mut vec![]).unwrap();
        assert_eq!(once, twice);
    }
}
