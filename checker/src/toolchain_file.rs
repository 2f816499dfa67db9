//! The toolchain rustup would pick for a directory, found the way rustup finds it (RUSTUP_TOOLCHAIN,
//! then per directory walking up: a `rustup override`, `rust-toolchain`, `rust-toolchain.toml`),
//! without ever running or following what a checkout names: a toolchain `path`, a FIFO, a
//! symlink out of the tree are reported, not used.

use std::path::{Path, PathBuf};

use crate::fsread::{self, Kind};
use crate::tiers::Channel;
use crate::toolchain_name::{parse_channel, valid_name};

/// What a toolchain file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A toolchain name (`stable`, `1.95.0`, `nightly-2026-05-19`, `my-linked-toolchain`).
    Named(String),
    /// Only `profile`/`components`/`targets`: rustup uses the default toolchain with them.
    Default,
    /// `[toolchain] path = ...` or a legacy file holding a path: rustup would run that rustc.
    Path(String),
    /// rustup refuses the file (the reason as rustup would put it).
    Invalid(String),
    /// Not a regular file (a FIFO hangs rustup), or unreadable.
    Unreadable(String),
    /// A symlink whose target leaves the tree it sits in; not read.
    OutsideTree(PathBuf),
}

#[derive(Debug, Clone)]
pub struct ToolchainPin {
    pub path: PathBuf,
    /// How findings name the file.
    pub shown: String,
    pub spec: Spec,
    /// The name as written, or a placeholder describing the spec (for messages and facts).
    pub channel_text: String,
    /// Known only for a valid name.
    pub channel: Option<Channel>,
    /// Set when the pin is a version (`1.95.0`, `1.95`).
    pub version: Option<semver::Version>,
    /// Line and column of the channel/path value in the file, when it came from TOML.
    pub at: Option<(usize, usize)>,
}

fn is_path_like(s: &str) -> bool {
    s.contains('/') || s.contains('\\')
}

fn named(name: &str) -> Spec {
    if is_path_like(name) {
        Spec::Path(name.to_string())
    } else if valid_name(name) {
        Spec::Named(name.to_string())
    } else {
        Spec::Invalid(format!("invalid toolchain name {name:?}"))
    }
}

/// rustup's reading of a toolchain file: one line in `rust-toolchain` is a name (or a path),
/// anything longer is TOML with a `[toolchain]` table.
fn parse_text(text: &str, legacy: bool) -> (Spec, Option<usize>) {
    if text.lines().count() == 0 || text.trim().is_empty() {
        return (Spec::Invalid("empty toolchain file".into()), None);
    }
    if legacy && text.lines().count() == 1 {
        return (named(text.trim()), None);
    }
    let doc = match toml::de::DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            return (
                Spec::Invalid(format!("invalid TOML: {}", e.message().trim())),
                None,
            )
        }
    };
    let Some(tc) = doc.get_ref().get("toolchain") else {
        return (Spec::Invalid("no [toolchain] table".into()), None);
    };
    let Some(tc) = tc.get_ref().as_table() else {
        return (Spec::Invalid("`toolchain` is not a table".into()), None);
    };
    let str_at = |k: &str| {
        tc.get(k)
            .map(|v| (v.get_ref().as_str().map(String::from), v.span().start))
    };
    if let Some((v, at)) = str_at("path") {
        return match v {
            Some(p) => (Spec::Path(p), Some(at)),
            None => (Spec::Invalid("`path` is not a string".into()), Some(at)),
        };
    }
    if let Some((v, at)) = str_at("channel") {
        return match v {
            Some(c) => (named(&c), Some(at)),
            None => (Spec::Invalid("`channel` is not a string".into()), Some(at)),
        };
    }
    let known = ["components", "targets", "profile"];
    if known.iter().any(|k| tc.contains_key(*k)) {
        (Spec::Default, None)
    } else {
        (
            Spec::Invalid(
                "[toolchain] sets no channel, path, components, targets or profile".into(),
            ),
            None,
        )
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, col)
}

/// Whether a symlink at `link` leads somewhere under `root`.
fn stays_under(link: &Path, root: &Path) -> Option<PathBuf> {
    let target = link.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    (!target.starts_with(&root)).then_some(target)
}

/// Reads one toolchain file. `tree` is the checkout the file belongs to: a symlink must stay in it.
pub fn read(path: &Path, shown: &str, tree: &Path) -> ToolchainPin {
    let legacy = path.file_name().is_some_and(|n| n == "rust-toolchain");
    let within = if path.starts_with(tree) {
        tree.to_path_buf()
    } else {
        path.parent()
            .map_or_else(|| tree.to_path_buf(), Path::to_path_buf)
    };
    let (spec, at) = if Kind::of_link(path) == Kind::Symlink {
        match stays_under(path, &within) {
            Some(target) => (Spec::OutsideTree(target), None),
            None => read_spec(path, shown, legacy),
        }
    } else {
        read_spec(path, shown, legacy)
    };
    let (channel, version, channel_text) = match &spec {
        Spec::Named(n) => {
            let (c, v) = parse_channel(n);
            (c, v, n.clone())
        }
        Spec::Default => (None, None, "(default toolchain)".to_string()),
        Spec::Path(p) => (None, None, format!("(path {p})")),
        Spec::Invalid(_) | Spec::Unreadable(_) | Spec::OutsideTree(_) => {
            (None, None, "(unknown)".to_string())
        }
    };
    ToolchainPin {
        path: path.to_path_buf(),
        shown: shown.to_string(),
        spec,
        channel_text,
        channel,
        version,
        at,
    }
}

fn read_spec(path: &Path, shown: &str, legacy: bool) -> (Spec, Option<(usize, usize)>) {
    match fsread::read_text(path, shown, 1 << 20) {
        Ok(text) => {
            let (spec, at) = parse_text(&text, legacy);
            (spec, at.map(|o| line_col(&text, o)))
        }
        Err(e) => (Spec::Unreadable(e.to_string()), None),
    }
}

/// The toolchain file rustup would use in `dir`: nearest directory first, `rust-toolchain`
/// before `rust-toolchain.toml` in one directory. `stop_at_override` tells whether a directory
/// has a `rustup override`, which wins from that directory up.
pub fn find(dir: &Path, has_override: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    for d in dir.ancestors() {
        if has_override(d) {
            return None;
        }
        for name in ["rust-toolchain", "rust-toolchain.toml"] {
            let p = d.join(name);
            if Kind::of_link(&p) != Kind::Missing {
                return Some(p);
            }
        }
    }
    None
}

/// `rustup override set` entries (path -> toolchain) from RUSTUP_HOME/settings.toml.
pub fn rustup_overrides() -> Vec<(PathBuf, String)> {
    crate::rustup_home::home()
        .and_then(|h| crate::rustup_home::Settings::load(&h))
        .map(|s| s.overrides)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_as_rustup_reads_them() {
        assert_eq!(parse_text("1.95.0\n", true).0, Spec::Named("1.95.0".into()));
        assert_eq!(
            parse_text("/opt/evil\n", true).0,
            Spec::Path("/opt/evil".into())
        );
        assert!(matches!(
            parse_text("hello world\n", true).0,
            Spec::Invalid(_)
        ));
        assert!(matches!(parse_text("", true).0, Spec::Invalid(_)));
        let t = "[toolchain]\nprofile = \"minimal\"\ncomponents = [\"clippy\"]\n";
        assert_eq!(parse_text(t, false).0, Spec::Default);
        let t = "[toolchain]\npath = \"/abs/dir\"\n";
        assert_eq!(parse_text(t, false).0, Spec::Path("/abs/dir".into()));
        let t = "[toolchain]\nchannel = \"nightly-2026-05-19\"\n";
        let (s, at) = parse_text(t, false);
        assert_eq!(s, Spec::Named("nightly-2026-05-19".into()));
        assert_eq!(line_col(t, at.unwrap()), (2, 11));
        // A legacy file of several lines is TOML.
        assert_eq!(
            parse_text(t, true).0,
            Spec::Named("nightly-2026-05-19".into())
        );
    }
}
