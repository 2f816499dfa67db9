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
    let dir_name = if is_bare_channel(name) {
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

/// A release channel with no host part (`stable`, `1.98`, `1.98.0-beta.2`, `nightly-2026-10-29`):
/// rustup appends the host. A name with a full host is its directory's name, as is a custom
/// toolchain's; one with a partial host (`stable-msvc`) has no directory of that name, so it
/// is left to rustup.
fn is_bare_channel(name: &str) -> bool {
    let (channel, rest) = split_channel(name);
    channel && (rest.is_empty() || is_date(rest))
}

/// Whether `name` names a release channel (with or without a date and host): a toolchain
/// rustup installs from its servers, not one linked from a local build.
pub fn is_channel_name(name: &str) -> bool {
    split_channel(name).0
}

/// Whether `name` starts with a channel, and what follows it (after a `-`): rustup's
/// `TOOLCHAIN_CHANNEL_RE` (`src/dist/mod.rs`), whose versions run from 1.0 to 9.999.99 with
/// an optional `-beta` or `-beta.N`.
fn split_channel(name: &str) -> (bool, &str) {
    for c in ["nightly", "beta", "stable"] {
        if let Some(rest) = name.strip_prefix(c) {
            if rest.is_empty() {
                return (true, "");
            }
            if let Some(r) = rest.strip_prefix('-') {
                return (true, r);
            }
        }
    }
    let end = name.find('-').unwrap_or(name.len());
    let (version, rest) = name.split_at(end);
    if !is_release_version(version) {
        return (false, name);
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let Some(beta) = rest.strip_prefix("beta") else {
        return (true, rest);
    };
    let beta_end = beta.find('-').unwrap_or(beta.len());
    let (number, after) = beta.split_at(beta_end);
    let number_ok = number.is_empty() || number.strip_prefix('.').is_some_and(|n| digits(n, 1, 2));
    if !number_ok {
        return (false, name);
    }
    (true, after.strip_prefix('-').unwrap_or(after))
}

/// `[0-9]\.(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]?))?`
fn is_release_version(v: &str) -> bool {
    let no_lead_zero = |p: &str, max: usize| p == "0" || (!p.starts_with('0') && digits(p, 1, max));
    match v.split('.').collect::<Vec<_>>()[..] {
        [major, minor] => digits(major, 1, 1) && no_lead_zero(minor, 3),
        [major, minor, patch] => {
            digits(major, 1, 1) && no_lead_zero(minor, 3) && no_lead_zero(patch, 2)
        }
        _ => false,
    }
}

fn digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_channels_get_the_host() {
        for n in [
            "stable",
            "beta",
            "nightly",
            "1.98",
            "1.98.0",
            "1.98.0-beta",
            "1.98.0-beta.2",
        ] {
            assert!(is_bare_channel(n), "{n}");
        }
        for n in [
            "nightly-2026-10-29",
            "1.98.0-2026-10-29",
            "1.99-beta.1-2026-10-29",
        ] {
            assert!(is_bare_channel(n), "{n}");
        }
        for n in [
            "stable-x86_64-unknown-linux-gnu",
            "nightly-2026-10-29-x86_64-unknown-linux-gnu",
            "stable-msvc",
            "my-toolchain",
            "stage1",
            "1.98.x",
            "1",
            "stablex",
            "10.0",
            "01.95",
            "1.095",
            "1.1000",
            "1.95.100",
            "1.95.0-beta.100",
            "1.95.01",
        ] {
            assert!(!is_bare_channel(n), "{n}");
        }
    }

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
