//! The one way tiercheck changes files in a user's project. A file is never written in place:
//! its new bytes go to a temp file in the same directory, are synced, get the old file's mode
//! (and owner, when we may), and are renamed over it; then the directory is synced. So a full
//! disk, a file-size limit or a SIGKILL leaves the old file or the new one, never a cut one.
//!
//! Several files are written all-or-nothing: every precondition (each path stays in the project,
//! each parent is a directory, each file still holds what the caller read) is checked and every
//! temp file prepared before the first rename, under a journal (`recovery`) that the next run
//! rolls forward when it says "committed", and back otherwise.
//!
//! A path whose real location leaves the project root through a symlink is refused; a symlink
//! that stays inside is followed (its target is written, the link stays a link).

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{bail, Context, Result};

use crate::recovery::Journal;

/// One file to write: where (relative to the project root), what the caller read there
/// (`None`: it must not exist), and the new bytes. `shown` names it in messages.
pub struct Planned {
    pub rel: PathBuf,
    pub shown: String,
    pub old: Option<Vec<u8>>,
    pub new: Vec<u8>,
}

/// The project root that writes must stay inside, resolved once.
#[derive(Clone)]
pub struct Root {
    real: PathBuf,
}

impl Root {
    pub fn new(dir: &Path) -> Result<Root> {
        let real = dir
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", dir.display()))?;
        Ok(Root { real })
    }

    pub fn path(&self) -> &Path {
        &self.real
    }

    /// `path` relative to the root, when its directory (which must exist) is inside it.
    pub fn relative(&self, path: &Path, shown: &str) -> Result<PathBuf> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            bail!("{shown}: not a file name");
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{shown}: cannot resolve its directory"))?;
        let rel = dir
            .strip_prefix(&self.real)
            .with_context(|| format!("{shown}: not inside the project {}", self.real.display()))?;
        Ok(rel.join(name))
    }

    /// Where writing `rel` (relative to the root) really lands: symlinks are followed as long as
    /// they stay inside; a missing tail is kept as it is (it will be created).
    pub fn resolve(&self, rel: &Path, shown: &str) -> Result<PathBuf> {
        let mut cur = self.real.clone();
        for c in rel.components() {
            match c {
                Component::Normal(name) => cur = self.step(&cur.join(name), shown)?,
                Component::CurDir => {}
                _ => bail!("{shown}: not inside the project ({})", rel.display()),
            }
        }
        Ok(cur)
    }

    fn step(&self, next: &Path, shown: &str) -> Result<PathBuf> {
        match std::fs::symlink_metadata(next) {
            Ok(m) if m.file_type().is_symlink() => {
                let real = next.canonicalize().with_context(|| {
                    format!("{shown}: {} is a symlink to nothing", next.display())
                })?;
                if !real.starts_with(&self.real) {
                    bail!(
                        "{shown}: {} is a symlink out of the project (to {}); not written",
                        next.display(),
                        real.display()
                    );
                }
                Ok(real)
            }
            Ok(_) => Ok(next.to_path_buf()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(next.to_path_buf()),
            Err(e) if e.kind() == ErrorKind::NotADirectory => {
                let up = next.parent().unwrap_or(next);
                bail!("{shown}: {} is not a directory", up.display())
            }
            Err(e) => Err(e).with_context(|| format!("{shown}: cannot inspect {}", next.display())),
        }
    }
}

/// A file checked and ready to be renamed into place.
struct Prepared {
    target: PathBuf,
    temp: PathBuf,
}

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

/// One file: the same guarantees, without a journal (one rename is atomic by itself).
pub fn write_one(root: &Root, file: &Planned) -> Result<()> {
    let target = check(root, file)?;
    let temp = temp_name(&target);
    let prepared = prepare(
        std::slice::from_ref(file),
        std::slice::from_ref(&target),
        std::slice::from_ref(&temp),
        &missing_dirs(root, std::slice::from_ref(&target)),
    )?;
    for p in &prepared {
        std::fs::rename(&p.temp, &p.target)
            .with_context(|| format!("{}: cannot rename into place", p.target.display()))?;
        sync_parent(&p.target)?;
    }
    Ok(())
}

/// The real target of `f`, after checking it stays in the project, its ancestors are
/// directories (or missing), it is a regular file (or missing), and it holds `f.old`.
fn check(root: &Root, f: &Planned) -> Result<PathBuf> {
    let target = root.resolve(&f.rel, &f.shown)?;
    for up in target.ancestors().skip(1) {
        if up == root.path() || !up.starts_with(root.path()) {
            break;
        }
        match std::fs::metadata(up) {
            Ok(m) if !m.is_dir() => bail!("{}: not a directory", up.display()),
            _ => {}
        }
    }
    let now = match std::fs::symlink_metadata(&target) {
        Ok(m) if !m.is_file() => bail!("{}: not a regular file", f.shown),
        Ok(_) => Some(
            crate::fsread::read_bytes(&target, &f.shown, crate::fsread::TEXT_CAP)
                .map_err(anyhow::Error::from)?,
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("{}: cannot inspect", f.shown)),
    };
    if now != f.old {
        bail!(
            "{}: changed since tiercheck read it; nothing was written (run again)",
            f.shown
        );
    }
    Ok(target)
}

/// The directories that writing `targets` must create, outermost first.
fn missing_dirs(root: &Root, targets: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![];
    for t in targets {
        let mut chain: Vec<PathBuf> = t
            .ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(root.path()) && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        chain.reverse();
        for d in chain {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    dirs
}

/// Creates the missing directories and every temp file (synced, with the old file's mode).
/// On failure, removes what it created.
fn prepare(
    files: &[Planned],
    targets: &[PathBuf],
    temps: &[PathBuf],
    dirs: &[PathBuf],
) -> Result<Vec<Prepared>> {
    let made = (|| {
        for d in dirs {
            std::fs::create_dir(d).with_context(|| format!("{}: cannot create", d.display()))?;
        }
        let mut out = vec![];
        for ((f, target), temp) in files.iter().zip(targets).zip(temps) {
            write_temp(temp, target, &f.new)
                .with_context(|| format!("{}: cannot write", f.shown))?;
            out.push(Prepared {
                target: target.clone(),
                temp: temp.clone(),
            });
        }
        Ok(out)
    })();
    if made.is_err() {
        remove_created(temps, dirs);
    }
    made
}

/// Removes temp files and then the directories (innermost first, only when empty).
pub(crate) fn remove_created(temps: &[PathBuf], dirs: &[PathBuf]) {
    for t in temps {
        let _ = std::fs::remove_file(t);
    }
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

fn write_temp(temp: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
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

/// Syncs the directory holding `p`, so the rename itself survives a power cut.
pub fn sync_parent(p: &Path) -> Result<()> {
    let dir = p.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("{}: cannot sync", dir.display()))
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

    fn planned(rel: &str, old: Option<&str>, new: &str) -> Planned {
        Planned {
            shown: rel.to_string(),
            rel: rel.into(),
            old: old.map(|o| o.as_bytes().to_vec()),
            new: new.as_bytes().to_vec(),
        }
    }

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
    fn symlinks_out_of_the_project_are_refused_and_inside_followed() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "keep").unwrap();
        let root = Root::new(d.path()).unwrap();
        std::os::unix::fs::symlink(&secret, root.path().join("Cargo.toml")).unwrap();
        let err = write_one(&root, &planned("Cargo.toml", Some("keep"), "x")).unwrap_err();
        assert!(err.to_string().contains("out of the project"), "{err}");
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep");
        std::os::unix::fs::symlink(outside.path(), root.path().join(".cargo")).unwrap();
        assert!(write_one(&root, &planned(".cargo/config.toml", None, "x")).is_err());
        assert!(!outside.path().join("config.toml").exists());
        let real = root.path().join("real.toml");
        std::fs::write(&real, "a").unwrap();
        let alias = root.path().join("alias.toml");
        std::os::unix::fs::symlink("real.toml", &alias).unwrap();
        write_one(&root, &planned("alias.toml", Some("a"), "b")).unwrap();
        assert!(std::fs::symlink_metadata(&alias)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "b");
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
        assert!(is_temp_of(
            &temp_name(Path::new("/p/Cargo.toml")),
            Path::new("/p/Cargo.toml")
        ));
        assert!(!is_temp_of(
            Path::new("/p/.Cargo.toml.x"),
            Path::new("/p/Cargo.toml")
        ));
    }
}
