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
    /// The `RUSTUP_TOOLCHAIN` value to export; `None` when rustup does not manage `rustc`.
    pub rustup_toolchain: Option<String>,
    pub info: RustcInfo,
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
    accept: &dyn Fn(&RustcInfo) -> Result<()>,
) -> Result<Choice> {
    if !manages_rustc() {
        let info =
            toolchain::rustc_info(Some(Path::new("/"))).context("reading the toolchain on PATH")?;
        accept(&info)?;
        return Ok(Choice {
            rustup_toolchain: None,
            info,
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
        });
    }
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
