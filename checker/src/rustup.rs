//! Which toolchain a tier runs with on a plain machine. When rustup manages `rustc`, the tier's
//! environment must select the toolchain itself (`RUSTUP_TOOLCHAIN`), or a shell that evals it
//! builds with whatever the default is. The name is always one tiercheck chose from the tier
//! data (or the user's own `RUSTUP_TOOLCHAIN`), probed from outside any checkout, so no
//! `rust-toolchain` file can pick the rustc that runs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::tiers::{Channel, ToolchainSpec};
use crate::toolchain::{self, RustcInfo};
use crate::tools::which;

/// The toolchain a tier's environment uses.
pub struct Choice {
    /// The `RUSTUP_TOOLCHAIN` value to export; `None` when rustup does not manage `rustc`, or
    /// when the project's own toolchain file is followed.
    pub rustup_toolchain: Option<String>,
    pub info: RustcInfo,
    pub project: ProjectToolchain,
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

/// rustup toolchain names for a spec, most exact first: the pin, then the channel.
pub fn candidates(spec: &ToolchainSpec) -> Vec<String> {
    let pin = match spec.channel {
        Channel::Nightly => spec.date.as_ref().map(|d| format!("nightly-{d}")),
        _ => spec.version.clone(),
    };
    pin.into_iter()
        .chain([spec.channel.as_str().to_string()])
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
        });
    }
    if let Some(user) = std::env::var_os("RUSTUP_TOOLCHAIN") {
        let Some(name) = user.to_str() else {
            bail!(
                "RUSTUP_TOOLCHAIN is not UTF-8: {}",
                PathBuf::from(&user).display()
            );
        };
        // The user's own choice (it may be a path): rustup reads it from the environment.
        let info = toolchain::rustc_info_of("rustc", &toolchain::Choice::UserEnv)
            .context("RUSTUP_TOOLCHAIN")?;
        accept(&info).with_context(|| format!("RUSTUP_TOOLCHAIN={name}"))?;
        return Ok(Choice {
            rustup_toolchain: Some(name.to_string()),
            info,
            project: ProjectToolchain::None,
        });
    }
    let project = match pin.map(|p| (p, follow(p, spec, accept))) {
        Some((p, Ok(info))) => {
            let name = p.name.clone().unwrap_or_default();
            return Ok(Choice {
                rustup_toolchain: None,
                info,
                project: ProjectToolchain::Followed {
                    file: p.file.clone(),
                    name,
                },
            });
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
    let names = match spec {
        Some(s) => candidates(s),
        None => vec!["stable".to_string()],
    };
    let mut refused = vec![];
    let mut installed = false;
    for name in &names {
        let info = match probe(name) {
            Ok(info) => info,
            Err(e) => {
                refused.push(format!("{e:#}"));
                continue;
            }
        };
        installed = true;
        match accept(&info) {
            Ok(()) => {
                return Ok(Choice {
                    rustup_toolchain: Some(name.clone()),
                    info,
                    project,
                })
            }
            Err(e) => refused.push(format!("{name}: {e:#}")),
        }
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
        let c = candidates(nightly);
        assert_eq!(c.last().map(String::as_str), Some("nightly"));
        assert!(c[0].starts_with("nightly-20"), "{c:?}");
        let stable = candidates(&data.toolchains["stable"]);
        assert_eq!(stable.last().map(String::as_str), Some("stable"));
    }
}
