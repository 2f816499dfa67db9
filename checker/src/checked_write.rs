//! One file written inside the project: checked first (its path stays in the project root, its
//! ancestors are directories, it is a regular file or missing, it still holds what the caller
//! read), then its new bytes go to a temp file beside it that is renamed over it (`atomic_fs`).
//! `safe_write` writes several files all-or-nothing from the same checks; `recovery` restores an
//! edited file through `write_one`.
//!
//! A path whose real location leaves the project root through a symlink is refused; a symlink
//! that stays inside is followed (its target is written, the link stays a link).

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::atomic_fs::{remove_created, sync_parent, temp_name, write_temp};

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
pub(crate) struct Prepared {
    pub(crate) target: PathBuf,
    pub(crate) temp: PathBuf,
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
pub(crate) fn check(root: &Root, f: &Planned) -> Result<PathBuf> {
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
pub(crate) fn missing_dirs(root: &Root, targets: &[PathBuf]) -> Vec<PathBuf> {
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
pub(crate) fn prepare(
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A write of `new` over `old` (None: the file is new) at `rel`, shown as `rel`.
    pub(crate) fn planned(rel: &str, old: Option<&str>, new: &str) -> Planned {
        Planned {
            shown: rel.to_string(),
            rel: rel.into(),
            old: old.map(|o| o.as_bytes().to_vec()),
            new: new.as_bytes().to_vec(),
        }
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
}
