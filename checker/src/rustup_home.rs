//! rustup's home as its proxy reads it: `settings.toml` (the default toolchain, the host a bare
//! channel name resolves for, `rustup override` entries) and the toolchain a name selects, so a
//! question can go to the toolchain's own `rustc` without starting rustup first. Only what is
//! read here exactly as rustup reads it (rustup's `src/config.rs`: `find_override_config`,
//! `get_default`, `default_host_tuple`; `src/dist/mod.rs`: `PartialToolchainDesc::resolve`)
//! is resolved; anything else is left to the proxy.

use std::path::{Path, PathBuf};

use crate::fsread;

/// The parts of `$RUSTUP_HOME/settings.toml` tiercheck reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settings {
    pub default_toolchain: Option<String>,
    pub default_host_triple: Option<String>,
    /// `rustup override set` entries: directory -> toolchain name.
    pub overrides: Vec<(PathBuf, String)>,
}

/// rustup's home: `$RUSTUP_HOME`, else `~/.rustup`.
pub fn home() -> Option<PathBuf> {
    std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
}

impl Settings {
    /// The settings of `home` (empty when the file is missing), as rustup 1.29 reads them:
    /// `None` when rustup would refuse them (unreadable, not TOML, not metadata version 12).
    pub fn load(home: &Path) -> Option<Settings> {
        let file = home.join("settings.toml");
        if file.symlink_metadata().is_err() {
            return Some(Settings::default());
        }
        let text = fsread::read_text(&file, "settings.toml", 1 << 20).ok()?;
        let t = text.parse::<toml::Table>().ok()?;
        let version = t.get("version").and_then(|v| v.as_str());
        (version == Some("12")).then(|| Settings::from_table(&t))
    }

    fn from_table(t: &toml::Table) -> Settings {
        let text = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let overrides = t
            .get("overrides")
            .and_then(|o| o.as_table())
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((PathBuf::from(k), v.as_str()?.to_string())))
            .collect();
        Settings {
            default_toolchain: text("default_toolchain"),
            default_host_triple: text("default_host_triple"),
            overrides,
        }
    }

    /// The host a name without one gets: the setting, else rustup's override variable, else
    /// unknown (`None`): rustup's last resort (its `uname` table) is not copied.
    fn host(&self, env_host: &EnvHost) -> Option<String> {
        match (&self.default_host_triple, env_host) {
            (Some(h), _) => Some(h.clone()),
            (None, EnvHost::Set(h)) => Some(h.clone()),
            (None, EnvHost::Unset | EnvHost::Unclear) => None,
        }
    }
}

/// rustup's host override variable, which it takes when `default_host_triple` is unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvHost {
    Unset,
    Set(String),
    /// rustup 1.29 reads `RUSTUP_OVERRIDE_HOST_TRIPLE`, later ones `RUSTUP_OVERRIDE_HOST_TUPLE`
    /// first: set differently, the installed rustup decides.
    Unclear,
}

/// `EnvHost` from the environment (an empty variable is unset, as rustup reads it).
pub fn env_host() -> EnvHost {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("RUSTUP_OVERRIDE_HOST_TUPLE"),
        get("RUSTUP_OVERRIDE_HOST_TRIPLE"),
    ) {
        (None, None) => EnvHost::Unset,
        (None, Some(t)) => EnvHost::Set(t),
        (Some(a), Some(b)) if a == b => EnvHost::Set(a),
        _ => EnvHost::Unclear,
    }
}

/// The `rustc` rustup's proxy starts for toolchain `name` (`None`: no name given, so the
/// default, asked from `/` as tiercheck asks), when this can be told without rustup: the name
/// resolves to an installed toolchain directory whose `bin/rustc` is a file. `None` otherwise.
pub fn rustc_of(
    home: &Path,
    settings: &Settings,
    env_host: &EnvHost,
    name: Option<&str>,
) -> Option<PathBuf> {
    let name = match name {
        Some(n) => n,
        None if decides_in_root(settings) => return None,
        None => settings.default_toolchain.as_deref()?,
    };
    // A relative home is relative to the directory rustup starts in: left to rustup. `none`
    // is reserved (rustup refuses it as a custom name).
    if !crate::toolchain_name::valid_name(name) || !home.is_absolute() || name == "none" {
        return None;
    }
    let dir_name = if crate::toolchain_name::is_bare_channel(name) {
        format!("{name}-{}", settings.host(env_host)?)
    } else {
        name.to_string()
    };
    let exe = home
        .join("toolchains")
        .join(dir_name)
        .join("bin")
        .join(format!("rustc{}", std::env::consts::EXE_SUFFIX));
    exe.is_file().then_some(exe)
}

/// Whether something in `/` (an override, a toolchain file) decides before the default does.
fn decides_in_root(settings: &Settings) -> bool {
    let root = Path::new("/");
    settings.overrides.iter().any(|(d, _)| d == root)
        || ["rust-toolchain", "rust-toolchain.toml"]
            .iter()
            .any(|f| root.join(f).symlink_metadata().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_with(dirs: &[&str]) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        for d in dirs {
            let bin = home.path().join("toolchains").join(d).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("rustc"), "").unwrap();
        }
        home
    }

    #[test]
    fn names_resolve_to_installed_toolchains() {
        let host = "x86_64-unknown-linux-gnu";
        let home = home_with(&[
            &format!("stable-{host}"),
            &format!("nightly-2026-10-29-{host}"),
            "stage1",
        ]);
        let with_host = Settings {
            default_toolchain: Some(format!("stable-{host}")),
            default_host_triple: Some(host.into()),
            overrides: vec![],
        };
        let at = |s: &Settings, env: Option<&str>, n: Option<&str>| {
            let env = env.map_or(EnvHost::Unset, |h| EnvHost::Set(h.into()));
            rustc_of(home.path(), s, &env, n).map(|p| {
                let rel = p.strip_prefix(home.path().join("toolchains")).unwrap();
                rel.iter().next().unwrap().to_string_lossy().into_owned()
            })
        };
        let stable = Some(format!("stable-{host}"));
        assert_eq!(at(&with_host, None, Some("stable")), stable);
        assert_eq!(at(&with_host, None, None), stable);
        assert_eq!(at(&with_host, None, Some("stage1")), Some("stage1".into()));
        assert_eq!(
            at(&with_host, None, Some("nightly-2026-10-29")),
            Some(format!("nightly-2026-10-29-{host}"))
        );
        // Not installed, a partial host, a path: rustup decides.
        assert_eq!(at(&with_host, None, Some("beta")), None);
        assert_eq!(at(&with_host, None, Some("stable-gnu")), None);
        assert_eq!(at(&with_host, None, Some("/opt/rust")), None);
        // No host setting: a bare channel is left to rustup unless rustup's variable says.
        let no_host = Settings {
            default_host_triple: None,
            ..with_host.clone()
        };
        assert_eq!(at(&no_host, None, Some("stable")), None);
        assert_eq!(at(&no_host, Some(host), Some("stable")), stable);
        assert_eq!(at(&no_host, None, None), stable);
        // No default: rustup's fallback settings or an error, its business.
        let no_default = Settings {
            default_toolchain: None,
            ..with_host.clone()
        };
        assert_eq!(at(&no_default, None, None), None);
        let root_override = Settings {
            overrides: vec![("/".into(), "stage1".into())],
            ..with_host
        };
        assert_eq!(at(&root_override, None, None), None);
    }

    #[test]
    fn settings_as_rustup_writes_them() {
        let t: toml::Table = "version = \"12\"\ndefault_toolchain = \"stable-x86_64-unknown-linux-gnu\"\nprofile = \"default\"\n\n[overrides]\n\"/work/p\" = \"nightly-x86_64-unknown-linux-gnu\"\n"
            .parse()
            .unwrap();
        let s = Settings::from_table(&t);
        assert_eq!(
            s.default_toolchain.as_deref(),
            Some("stable-x86_64-unknown-linux-gnu")
        );
        assert_eq!(s.default_host_triple, None);
        assert_eq!(
            s.overrides,
            [("/work/p".into(), "nightly-x86_64-unknown-linux-gnu".into())]
        );
    }
}
