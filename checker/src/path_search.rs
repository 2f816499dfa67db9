//! The one lookup of programs: by name in PATH's absolute directories only (an empty or relative
//! entry would run a file of the checkout tiercheck runs in), or a path made absolute. Below
//! `child`, which starts nothing the OS's PATH search chose, and `tools`, which finds a tier's
//! tools with it.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The directories of a PATH value a program may come from: absolute ones only. An empty entry
/// means the current directory and a relative one is relative to it, so either would run a
/// file of the checkout tiercheck runs in (Go's `exec.LookPath` refuses them for this reason).
pub fn search_dirs(path: &OsStr) -> Vec<PathBuf> {
    env::split_paths(path).filter(|d| d.is_absolute()).collect()
}

pub fn path_dirs() -> Vec<PathBuf> {
    env::var_os("PATH")
        .map(|p| search_dirs(&p))
        .unwrap_or_default()
}

/// PATH without its empty and relative entries, for children; `None` when PATH has none.
pub fn safe_path_var() -> Option<OsString> {
    let path = env::var_os("PATH")?;
    let dirs = search_dirs(&path);
    if dirs.len() == env::split_paths(&path).count() {
        return None;
    }
    env::join_paths(dirs).ok()
}

/// An executable regular file.
pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The one lookup of a program by name: the first executable `name` in an absolute PATH
/// directory. A name holding a `/` is a path, not looked up.
pub fn which(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('/') {
        return None;
    }
    path_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// What to start for `name`, always an absolute path, so no spawn relies on the OS's PATH
/// search: a bare name as `which` finds it; a path (from the user's environment, such as
/// `RUSTC`) made absolute against the current directory.
pub fn program(name: &str) -> Result<PathBuf> {
    if name.contains('/') {
        return std::path::absolute(name).with_context(|| format!("{name}: cannot make absolute"));
    }
    which(name).with_context(|| {
        format!("{name}: not found on PATH (empty and relative PATH entries are never searched)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_path_entries_are_searched() {
        let dirs = search_dirs(OsStr::new(":.:bin:/usr/bin::./x:/opt/t/:../y"));
        assert_eq!(dirs, [PathBuf::from("/usr/bin"), PathBuf::from("/opt/t/")]);
        assert!(search_dirs(OsStr::new("")).is_empty());
    }

    #[test]
    fn programs_are_absolute_and_paths_are_not_looked_up() {
        assert!(program("./rustc").unwrap().is_absolute());
        assert!(program("bin/rustc").unwrap().is_absolute());
        assert_eq!(which("bin/sh"), None);
        assert_eq!(which(""), None);
        if let Some(sh) = which("sh") {
            assert!(sh.is_absolute(), "{}", sh.display());
        }
    }
}
