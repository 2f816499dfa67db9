//! `tiercheck init --tier T [DIR]`: writes into a project what a tier's environment cannot carry,
//! in the shapes the templates use: dependency profiles (`[profile.<p>.package."*"]`) and the
//! custom profiles (release-fat, profiling) unless a profile of the project's plays that role;
//! with `--env-settings` also the profile keys the environment sets (for builds outside
//! `tiercheck env` and the tier shells); with `--toolchain-file` a rust-toolchain.toml pinning
//! the tier's toolchain (the templates pin none, so switching tiers stays a one-line change).
//!
//! It never undoes what the project chose (`crate::profile_intent`): its own values stay (and are reported),
//! Cargo's defaults and settings that would strip debuginfo a profile asks for are not written,
//! and no file is written that would hold nothing. A second run changes nothing. It shows the
//! diff first, then writes (all files or none, `safe_write`) with `--yes` or after a "y" on a
//! terminal; without a terminal and without `--yes` it only shows the diff (exit 1 when there is
//! one).

mod merge;
mod tuned;

pub use merge::CUSTOM_PROFILES;

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use toml_edit::DocumentMut;

use crate::cli::{tier_parser, SelectArgs};
use crate::output::Out;
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
    /// Also write the profile settings the tier's environment sets (for builds outside
    /// `tiercheck env` and the tier shells); the project's own values are kept
    #[arg(long)]
    env_settings: bool,
    /// Also write the project choices `tiercheck tune --tier T` confirmed on this machine
    /// (split debuginfo, dependency debuginfo) in place of the tier's; the project's own values
    /// are kept
    #[arg(long)]
    tuned: bool,
    #[command(flatten)]
    select: SelectArgs,
}

/// One file's planned change. `old` is the file's bytes as read; `old_text` and `new` are in
/// the file's own line endings and BOM, `shown` is relative to the workspace root.
struct Change {
    rel: PathBuf,
    shown: String,
    old: Option<Vec<u8>>,
    old_text: Option<String>,
    new: String,
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
    let plain = safe_write::plain(&text);
    let tuned = if args.tuned {
        tuned::settings(root.path(), &args.tier, notes)?
    } else {
        vec![]
    };
    let merged = merge::merge_manifest(&plain, data, &r, args.env_settings, &tuned, notes)?;
    let mut changes = vec![Change {
        new: safe_write::in_style_of(&text, &merged),
        old: Some(bytes),
        old_text: Some(text),
        rel: "Cargo.toml".into(),
        shown: "Cargo.toml".into(),
    }];
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
        let painted = crate::output::paint_diff(out, &diff(c));
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
