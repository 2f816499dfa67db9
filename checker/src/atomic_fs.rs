//! The pieces of replacing a file so that a crash leaves its old bytes or its new ones: a temp
//! file beside it (named so that only tiercheck's own are ever recognised, and removed), written
//! with the old file's mode and synced, and the sync of the directory that makes a rename last.
//! `checked_write`, `safe_write` and `recovery` build on these; nothing here knows a project.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};

/// Writes `bytes` to the new file `temp` with `target`'s mode (and owner, when we may), synced.
/// On failure, removes `temp`.
pub fn write_temp(temp: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let old = std::fs::metadata(target).ok();
    let mode = old
        .as_ref()
        .map_or(0o666, |m| m.permissions().mode() & 0o7777);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(temp)?;
    let result = (|| {
        f.write_all(bytes)?;
        if let Some(m) = &old {
            // open() applied the umask: give the file exactly the old mode, and the old owner
            // where we are allowed to (as root, or when it is ours already).
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
            let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
        }
        f.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    Ok(result?)
}

/// Removes temp files and then the directories (innermost first, only when empty).
pub fn remove_created(temps: &[PathBuf], dirs: &[PathBuf]) {
    for t in temps {
        let _ = std::fs::remove_file(t);
    }
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// `.<name>.tiercheck-<pid>-<n>.tmp` beside `target`: recognisably ours, unique per process.
pub fn temp_name(target: &Path) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut name = OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".tiercheck-{}-{n}.tmp", std::process::id()));
    target.with_file_name(name)
}

/// Whether `p` is named like one of our temp files for `target` (recovery removes only these).
pub fn is_temp_of(p: &Path, target: &Path) -> bool {
    let (Some(name), Some(t)) = (p.file_name(), target.file_name()) else {
        return false;
    };
    let (name, t) = (name.to_string_lossy(), t.to_string_lossy());
    p.parent() == target.parent()
        && name
            .strip_prefix(&format!(".{t}.tiercheck-"))
            .is_some_and(|rest| rest.ends_with(".tmp"))
}

/// Whether a file name looks like one of our temp files, for whatever target.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tiercheck-") && name.ends_with(".tmp")
}

/// Syncs the directory holding `p`, so the rename itself survives a power cut.
pub fn sync_parent(p: &Path) -> Result<()> {
    let dir = p.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("{}: cannot sync", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_as_ours_and_only_ours() {
        let temp = temp_name(Path::new("/p/Cargo.toml"));
        assert!(is_temp_of(&temp, Path::new("/p/Cargo.toml")));
        assert!(is_temp_name(&temp.file_name().unwrap().to_string_lossy()));
        assert!(!is_temp_of(
            Path::new("/p/.Cargo.toml.x"),
            Path::new("/p/Cargo.toml")
        ));
        assert!(!is_temp_of(&temp, Path::new("/q/Cargo.toml")));
        assert!(!is_temp_name(".Cargo.toml.x"));
    }
}
