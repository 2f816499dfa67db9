//! Which toolchain a tier runs with on a plain machine. When rustup manages `rustc`, the tier's
//! environment must select the toolchain itself (`RUSTUP_TOOLCHAIN`), or a shell that evals it
//! builds with whatever the default is. The name is always one tiercheck chose from the tier
//! data (or the user's own `RUSTUP_TOOLCHAIN`), probed from outside any checkout, so no
//! `rust-toolchain` file can pick the rustc that runs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::path_search::which;
use crate::tiers::{Channel, ToolchainSpec};
use crate::toolchain::{self, RustcInfo};

/// The toolchain a tier's environment uses.
pub struct Choice {
    /// The `RUSTUP_TOOLCHAIN` value to export; `None` when rustup does not manage `rustc`, or
    /// when the project's own toolchain file is followed.
    pub rustup_toolchain: Option<String>,
    pub info: RustcInfo,
    pub project: ProjectToolchain,
    /// Said when the tier pins a toolchain and this machine runs another one: which, and why.
    pub pin_note: Option<String>,
}

/// A project's toolchain file as `choose` sees it: how to name the file, and the toolchain
/// name in it (`None` for a `path`, an unreadable or an invalid file: never run).
pub struct ProjectPin {
    pub file: String,
    pub name: Option<String>,
}

/// What became of the project's toolchain file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ProjectToolchain {
    /// No file, or the user's own `RUSTUP_TOOLCHAIN` decided.
    #[default]
    None,
    /// It fits the tier: rustup takes it from the file, nothing is exported.
    Followed { file: String, name: String },
    /// It does not fit: the tier's toolchain overrides it, for this reason.
    Overridden {
        file: String,
        name: String,
        why: String,
    },
}

impl ProjectToolchain {
    /// One line for users, when there is something to say.
    pub fn message(&self, tier: &str) -> Option<String> {
        match self {
            ProjectToolchain::None => None,
            ProjectToolchain::Followed { file, name } => Some(format!(
                "{file} pins {name}, which fits {tier}: it is used (RUSTUP_TOOLCHAIN left unset)"
            )),
            ProjectToolchain::Overridden { file, name, why } => Some(format!(
                "{file} pins {name}, which does not fit {tier} ({why}): the tier's toolchain overrides it"
            )),
        }
    }
}

/// Whether `rustc` on PATH is rustup's proxy (and no `RUSTC` overrides it).
pub fn manages_rustc() -> bool {
    if std::env::var_os("RUSTC").is_some() {
        return false;
    }
    let (Some(rustc), Some(rustup)) = (which("rustc"), which("rustup")) else {
        return false;
    };
    same_file(&rustc, &rustup)
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The exact toolchain name the Nix shells pin for `spec` (`nightly-<date>`, `1.98.0`).
pub fn pin_name(spec: &ToolchainSpec) -> Option<String> {
    match spec.channel {
        Channel::Nightly => spec.date.as_ref().map(|d| format!("nightly-{d}")),
        _ => spec.version.clone(),
    }
}

/// rustup toolchain names for a spec, most exact first: the pin, then the channel, then (for a
/// nightly) the other dated nightlies installed, newest first: rustup may not serve a component
/// for the pinned date (Cranelift for nightly-2026-08-22), so a later dated nightly that has it
/// is the closest the host gets.
pub fn candidates(spec: &ToolchainSpec) -> Vec<String> {
    candidates_with(spec, &installed_toolchains())
}

fn candidates_with(spec: &ToolchainSpec, installed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = pin_name(spec)
        .into_iter()
        .chain([spec.channel.as_str().to_string()])
        .collect();
    if spec.channel == Channel::Nightly {
        let mut dated: Vec<String> = installed
            .iter()
            .filter_map(|n| dated_nightly(n))
            .filter(|n| !out.contains(n))
            .collect();
        dated.sort_unstable_by(|a, b| b.cmp(a));
        dated.dedup();
        out.extend(dated);
    }
    out
}

/// `nightly-YYYY-MM-DD` from a rustup toolchain directory name (`nightly-2026-10-29-<triple>`).
fn dated_nightly(dir_name: &str) -> Option<String> {
    let rest = dir_name.strip_prefix("nightly-")?;
    let date = rest.get(..10)?;
    let tail = &rest[10..];
    let shaped = crate::toolchain_name::is_date(date);
    (shaped && (tail.is_empty() || tail.starts_with('-'))).then(|| format!("nightly-{date}"))
}

/// The toolchain directories under RUSTUP_HOME (read, never run: `rustup toolchain list` would
/// look at the current directory's toolchain file).
fn installed_toolchains() -> Vec<String> {
    let home = crate::rustup_home::home();
    let Some(Ok(dir)) = home.map(|h| std::fs::read_dir(h.join("toolchains"))) else {
        return vec![];
    };
    dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect()
}

/// `rustc -vV` of one rustup toolchain, through the trusted probe (`toolchain::rustc_info_of`:
/// run from `/`, the name given explicitly).
pub fn probe(name: &str) -> Result<RustcInfo> {
    let choice = toolchain::Choice::Named(name.to_string());
    toolchain::rustc_info_of("rustc", &choice).with_context(|| format!("toolchain {name}"))
}

/// The toolchain for `spec`: the user's `RUSTUP_TOOLCHAIN` if set, else the first installed
/// candidate `accept` takes; without rustup, the `rustc` on PATH. `accept` says why it refuses.
pub fn choose(
    spec: Option<&ToolchainSpec>,
    pin: Option<&ProjectPin>,
    accept: &dyn Fn(&RustcInfo) -> Result<()>,
) -> Result<Choice> {
    if !manages_rustc() {
        let info =
            toolchain::rustc_info(Some(Path::new("/"))).context("reading the toolchain on PATH")?;
        accept(&info)?;
        return Ok(Choice {
            rustup_toolchain: None,
            info,
            project: ProjectToolchain::None,
            pin_note: None,
        });
    }
    // rustup reads an empty variable as unset.
    if let Some(user) = std::env::var_os("RUSTUP_TOOLCHAIN").filter(|v| !v.is_empty()) {
        return users_choice(&user, accept);
    }
    let project = match pin.map(|p| (p, follow(p, spec, accept))) {
        Some((p, Ok(info))) => {
            return Ok(Choice {
                rustup_toolchain: None,
                info,
                project: ProjectToolchain::Followed {
                    file: p.file.clone(),
                    name: p.name.clone().unwrap_or_default(),
                },
                pin_note: None,
            })
        }
        Some((p, Err(why))) => ProjectToolchain::Overridden {
            file: p.file.clone(),
            name: p
                .name
                .clone()
                .unwrap_or_else(|| "a toolchain by path".into()),
            why: format!("{why:#}"),
        },
        None => ProjectToolchain::None,
    };
    first_fitting(spec, project, accept)
}

/// The user's `RUSTUP_TOOLCHAIN` (it may be a path: rustup reads it from the environment).
fn users_choice(
    user: &std::ffi::OsStr,
    accept: &dyn Fn(&RustcInfo) -> Result<()>,
) -> Result<Choice> {
    let Some(name) = user.to_str() else {
        bail!(
            "RUSTUP_TOOLCHAIN is not UTF-8: {}",
            PathBuf::from(user).display()
        );
    };
    let info = toolchain::rustc_info_of("rustc", &toolchain::Choice::UserEnv)
        .context("RUSTUP_TOOLCHAIN")?;
    accept(&info).with_context(|| format!("RUSTUP_TOOLCHAIN={name}"))?;
    Ok(Choice {
        rustup_toolchain: Some(name.to_string()),
        info,
        project: ProjectToolchain::None,
        pin_note: None,
    })
}

/// The first installed candidate for `spec` that `accept` takes, with a note when it is not the
/// Nix pin; an error naming why each was refused otherwise.
fn first_fitting(
    spec: Option<&ToolchainSpec>,
    project: ProjectToolchain,
    accept: &dyn Fn(&RustcInfo) -> Result<()>,
) -> Result<Choice> {
    let names = match spec {
        Some(s) => candidates(s),
        None => vec!["stable".to_string()],
    };
    let mut refused = vec![];
    // Why the first candidate (the pin, when there is one) was not taken.
    let mut pin_why: Option<String> = None;
    let mut installed = false;
    for name in &names {
        let info = match probe(name) {
            Ok(info) => info,
            Err(e) => {
                refused.push(format!("{e:#}"));
                pin_why.get_or_insert_with(|| "it is not installed".to_string());
                continue;
            }
        };
        installed = true;
        if let Err(e) = accept(&info) {
            pin_why.get_or_insert_with(|| format!("{e:#}"));
            refused.push(format!("{name}: {e:#}"));
            continue;
        }
        let pin_note = spec.and_then(pin_name).filter(|p| p != name).map(|p| {
            format!(
                "the Nix shells pin {p}; this machine uses {name} (rustc {}) because {p}: {}",
                info.release,
                pin_why.as_deref().unwrap_or("it is not installed")
            )
        });
        return Ok(Choice {
            rustup_toolchain: Some(name.clone()),
            info,
            project,
            pin_note,
        });
    }
    let channel = spec.map_or("stable", |s| s.channel.as_str());
    let hint = if installed {
        String::new()
    } else {
        format!("; install: rustup toolchain install {channel}")
    };
    bail!(
        "no installed rustup toolchain fits the tier ({}){hint}",
        refused.join("; ")
    )
}

/// The project's toolchain, when tiercheck may run it (a name, installed) and it fits the tier.
/// A nightly tier needs a nightly toolchain even where none of its nightly techniques applies
/// on this machine: its toolchain is what it stands for.
fn follow(
    pin: &ProjectPin,
    spec: Option<&ToolchainSpec>,
    accept: &dyn Fn(&RustcInfo) -> Result<()>,
) -> Result<RustcInfo> {
    let name = pin
        .name
        .as_deref()
        .context("it names no toolchain tiercheck runs (a path, or an invalid file)")?;
    let info = probe(name).context("not installed")?;
    if spec.is_some_and(|s| s.channel == Channel::Nightly) && info.channel != Channel::Nightly {
        bail!(
            "the tier runs a nightly toolchain, {} is not nightly",
            info.release
        );
    }
    accept(&info)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_pin_first() {
        let data = crate::tiers::TierData::embedded().unwrap();
        let nightly = &data.toolchains["nightly"];
        let c = candidates_with(nightly, &[]);
        assert_eq!(c.last().map(String::as_str), Some("nightly"));
        assert!(c[0].starts_with("nightly-20"), "{c:?}");
        let stable = candidates_with(&data.toolchains["stable"], &[]);
        assert_eq!(stable.last().map(String::as_str), Some("stable"));
    }

    #[test]
    fn installed_dated_nightlies_follow_the_channel_newest_first() {
        let data = crate::tiers::TierData::embedded().unwrap();
        let spec = &data.toolchains["nightly-cranelift"];
        let pin = pin_name(spec).unwrap();
        let installed: Vec<String> = [
            "nightly-2026-10-29-x86_64-unknown-linux-gnu",
            "nightly-x86_64-unknown-linux-gnu",
            "stable-x86_64-unknown-linux-gnu",
            "nightly-2026-11-02-x86_64-unknown-linux-gnu",
            "nightly-2026-1-02-x86_64-unknown-linux-gnu",
            &format!("{pin}-x86_64-unknown-linux-gnu"),
            "1.98.0-x86_64-unknown-linux-gnu",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            candidates_with(spec, &installed),
            [&pin, "nightly", "nightly-2026-11-02", "nightly-2026-10-29"]
        );
        // A stable spec never picks up nightlies.
        let stable = candidates_with(&data.toolchains["stable"], &installed);
        assert_eq!(stable, ["1.98.0", "stable"]);
    }
}
