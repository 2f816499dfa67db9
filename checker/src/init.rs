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
use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::cli::{tier_parser, Out, SelectArgs};
use crate::resolve::{resolve, Resolved, Selection};
use crate::safe_write::{self, Planned, Root};
use crate::tiers::{Channel, TierData};

/// Write the tier's profiles (and optionally its toolchain file) into a project, merging with
/// what is there; shows the diff first
#[derive(clap::Args)]
pub struct Args {
    /// The tier (default: $RUST_TIERS_TIER, set by the tier shells and `env`)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    tier: String,
    #[command(flatten)]
    project: crate::cli::ProjectArgs,
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

/// One file's planned change. `old` is the file's bytes as read; `old_text` and `new` are in
/// the file's own line endings and BOM, `shown` is relative to the workspace root.
struct Change {
    rel: PathBuf,
    shown: String,
    old: Option<Vec<u8>>,
    old_text: Option<String>,
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

/// Cargo.toml with the tier's settings merged in; notes name values the project keeps.
fn merge_manifest(
    text: &str,
    data: &TierData,
    r: &Resolved,
    notes: &mut Vec<String>,
) -> Result<String> {
    crate::project::toml_doc::parse(text.to_string(), "Cargo.toml")?;
    let mut doc: DocumentMut = text.parse().context("Cargo.toml: invalid TOML")?;
    for (path, value) in profile_settings(data, r) {
        let (key, tables) = path.split_last().context("empty profile path")?;
        let shown = format!("profile.{}", path.join("."));
        let Some((t, _)) = table_at(&mut doc, tables) else {
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
            Some(have) if !same_value(have, &value) => notes.push(format!(
                "Cargo.toml: kept {shown} = {} (the tier sets {}; its environment overrides the file)",
                bare(have),
                bare(&want)
            )),
            _ => {}
        }
    }
    if r.techniques.iter().any(|t| t == "custom-profiles") {
        let custom: DocumentMut = CUSTOM_PROFILES.parse().context("custom profiles")?;
        // New tables go after everything the file has, in the template's order.
        let mut next = last_position(doc.as_table()) + 1;
        let (profiles, inline) =
            table_at(&mut doc, &[]).context("Cargo.toml: [profile] is not a table")?;
        let wanted = custom["profile"].as_table().context("custom profiles")?;
        for (name, item) in wanted.iter() {
            if profiles.contains_key(name) {
                continue;
            }
            if inline {
                let value = item.clone().into_value().ok().context("custom profiles")?;
                profiles.insert(name, Item::Value(value));
                continue;
            }
            {
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

/// The file at `rel` in the project (through symlinks only while they stay inside it), as
/// bytes and as text, or `None` when it does not exist.
fn read_opt(root: &Root, rel: &str) -> Result<Option<(Vec<u8>, String)>> {
    let path = root.resolve(Path::new(rel), rel)?;
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let bytes = crate::fsread::read_bytes(&path, rel, crate::fsread::TEXT_CAP)?;
    let text = String::from_utf8(bytes.clone()).with_context(|| format!("{rel}: not UTF-8"))?;
    Ok(Some((bytes, text)))
}

/// Whether `rel` exists in the project (a symlink out of it is an error, not "absent").
fn exists(root: &Root, rel: &str) -> Result<bool> {
    let path = root.resolve(Path::new(rel), rel)?;
    Ok(std::fs::symlink_metadata(path).is_ok())
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

/// The workspace root whose manifest Cargo reads profiles from; a note when it is not `dir`.
fn project_root(dir: &Path, notes: &mut Vec<String>) -> Result<Root> {
    let here = Root::new(dir)?;
    if !exists(&here, "Cargo.toml")? {
        bail!(
            "{}: no Cargo.toml (init writes into an existing project; `cargo init` first)",
            dir.display()
        );
    }
    let root_dir = crate::project::load::workspace_root_dir(here.path())?;
    if root_dir != here.path() {
        notes.push(format!(
            "{}: a member of the workspace at {}; Cargo reads [profile] only from the workspace \
             root, so init writes there",
            dir.display(),
            root_dir.display()
        ));
    }
    Root::new(&root_dir)
}

fn plan(args: &Args, data: &TierData, root: &Root, notes: &mut Vec<String>) -> Result<Vec<Change>> {
    let mut sel: Selection = args.select.selection();
    sel.platform = crate::toolchain::host_triple()
        .ok()
        .and_then(|t| data.platform_of_triple(&t).map(String::from));
    let r = resolve(data, &args.tier, &sel)?;
    crate::env::ensure_shipped(data, &r)?;
    let (bytes, text) = read_opt(root, "Cargo.toml")?.context("Cargo.toml: disappeared")?;
    let merged = merge_manifest(&safe_write::plain(&text), data, &r, notes)?;
    let mut changes = vec![Change {
        new: safe_write::in_style_of(&text, &merged),
        old: Some(bytes),
        old_text: Some(text),
        rel: "Cargo.toml".into(),
        shown: "Cargo.toml".into(),
    }];
    if !exists(root, ".cargo/config.toml")? && !exists(root, ".cargo/config")? {
        changes.push(new_file(".cargo/config.toml", CARGO_CONFIG.into()));
    }
    if args.toolchain_file {
        let mut has = None;
        for f in ["rust-toolchain", "rust-toolchain.toml"] {
            if has.is_none() && exists(root, f)? {
                has = Some(f);
            }
        }
        match (has, toolchain_file(data, &r)?) {
            (Some(f), _) => notes.push(format!("{f}: kept (the project pins its own toolchain)")),
            (None, Some(new)) => changes.push(new_file("rust-toolchain.toml", new)),
            (None, None) => {}
        }
    }
    changes.retain(|c| c.old_text.as_deref() != Some(c.new.as_str()));
    Ok(changes)
}

fn new_file(rel: &str, new: String) -> Change {
    Change {
        rel: rel.into(),
        shown: rel.into(),
        old: None,
        old_text: None,
        new,
    }
}

fn diff(c: &Change) -> String {
    let old = safe_write::plain(c.old_text.as_deref().unwrap_or(""));
    let new = safe_write::plain(&c.new);
    let a = if c.old.is_some() {
        format!("a/{}", c.shown)
    } else {
        "/dev/null".into()
    };
    similar::TextDiff::from_lines(&old, &new)
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

/// Every change, all-or-nothing (see `safe_write`).
fn write(root: &Root, changes: &[Change]) -> Result<()> {
    let files: Vec<Planned> = changes
        .iter()
        .map(|c| Planned {
            rel: c.rel.clone(),
            shown: c.shown.clone(),
            old: c.old.clone(),
            new: c.new.clone().into_bytes(),
        })
        .collect();
    safe_write::write_all(root, &files)
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let mut notes = vec![];
    let dir = args.project.dir();
    let root = project_root(&dir, &mut notes)?;
    notes.extend(crate::recovery::recover(&root)?);
    let changes = plan(&args, data, &root, &mut notes)?;
    for n in &notes {
        crate::termsafe::eprint_line(n);
    }
    if changes.is_empty() {
        writeln!(out, "{}: nothing to add for {}", dir.display(), args.tier)?;
        return Ok(0);
    }
    for c in &changes {
        let painted = crate::cli::paint_diff(out, &diff(c));
        out.push_str(&painted);
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
    write(&root, &changes)?;
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
