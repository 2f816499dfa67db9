//! The one way tiercheck changes files in a user's project. A file is never written in place:
//! its new bytes go to a temp file in the same directory, are synced, get the old file's mode
//! (and owner, when we may), and are renamed over it; then the directory is synced. So a full
//! disk, a file-size limit or a SIGKILL leaves the old file or the new one, never a cut one.
//!
//! One file is written by `checked_write::write_one` (re-exported here with its `Root` and
//! `Planned`). Several files are written all-or-nothing: every precondition (each path stays in
//! the project, each parent is a directory, each file still holds what the caller read) is checked
//! and every temp file prepared before the first rename, under a journal (`recovery`) that the
//! next run rolls forward when it says "committed", and back otherwise.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::atomic_fs::{sync_parent, temp_name};
use crate::checked_write::{check, missing_dirs, prepare};
pub use crate::checked_write::{write_one, Planned, Root};
use crate::recovery::Journal;

/// Writes `files` all-or-nothing (see the module doc). Returns after every directory is synced.
pub fn write_all(root: &Root, files: &[Planned]) -> Result<()> {
    let targets = files
        .iter()
        .map(|f| check(root, f))
        .collect::<Result<Vec<_>>>()?;
    let dirs = missing_dirs(root, &targets);
    let temps: Vec<PathBuf> = targets.iter().map(|t| temp_name(t)).collect();
    let mut journal = Journal::begin(root, &targets, &temps, &dirs)?;
    let prepared = match prepare(files, &targets, &temps, &dirs) {
        Ok(p) => p,
        Err(e) => {
            journal.roll_back()?;
            return Err(e);
        }
    };
    journal.commit()?;
    for p in &prepared {
        std::fs::rename(&p.temp, &p.target)
            .with_context(|| format!("{}: cannot rename into place", p.target.display()))?;
    }
    for p in &prepared {
        sync_parent(&p.target)?;
    }
    journal.finish()
}

/// `new` in the line endings and byte-order mark of `old`: a file that was CRLF throughout stays
/// CRLF, one with a UTF-8 BOM keeps it. `new` is expected with LF endings and no BOM.
pub fn in_style_of(old: &str, new: &str) -> String {
    const BOM: char = '\u{feff}';
    let body = new.strip_prefix(BOM).unwrap_or(new);
    let crlf = old.contains("\r\n") && !old.replace("\r\n", "").contains('\n');
    let body = if crlf {
        body.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        body.to_string()
    };
    if old.starts_with(BOM) {
        format!("{BOM}{body}")
    } else {
        body
    }
}

/// `text` as an editor of it would read it: no BOM, LF line endings.
pub fn plain(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checked_write::tests::planned;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_keep_the_mode_and_create_directories() {
        let d = tempfile::tempdir().unwrap();
        let root = Root::new(d.path()).unwrap();
        let a = root.path().join("Cargo.toml");
        std::fs::write(&a, "old").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
        let b = root.path().join(".cargo/config.toml");
        write_all(
            &root,
            &[
                planned("Cargo.toml", Some("old"), "new"),
                planned(".cargo/config.toml", None, "c"),
            ],
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "c");
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().flatten().collect();
        assert_eq!(
            left.len(),
            2,
            "no temp, journal or recovery dir left: {left:?}"
        );
    }

    #[test]
    fn a_failed_precondition_changes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let root = Root::new(d.path()).unwrap();
        let a = root.path().join("Cargo.toml");
        std::fs::write(&a, "old").unwrap();
        std::fs::write(root.path().join(".cargo"), "a file").unwrap();
        let err = write_all(
            &root,
            &[
                planned("Cargo.toml", Some("old"), "new"),
                planned(".cargo/config.toml", None, "c"),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        let changed = write_one(&root, &planned("Cargo.toml", Some("other"), "new")).unwrap_err();
        assert!(changed.to_string().contains("changed since"), "{changed}");
    }

    #[test]
    fn line_endings_and_bom_are_kept() {
        assert_eq!(in_style_of("a\r\nb\r\n", "a\nb\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(in_style_of("\u{feff}a\n", "a\nb\n"), "\u{feff}a\nb\n");
        assert_eq!(
            in_style_of("a\r\nb\n", "a\nb\n"),
            "a\nb\n",
            "mixed stays as given"
        );
        assert_eq!(plain("\u{feff}a\r\nb\r\n"), "a\nb\n");
    }
}
