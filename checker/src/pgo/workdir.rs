//! The pipeline's directory, `<target>/rust-tiers-pgo`. One run at a time holds its lock; a
//! run works in `run/` and publishes its results (the optimized binary, `merged.profdata`,
//! `merged.fdata`, `timings.json`) into the directory only when every step succeeded. The
//! previous run's results are removed when a run starts, so a failed run leaves nothing that
//! looks current. The cargo target dirs (`instrumented/`, `optimized/`) stay as caches.
//!
//! It deletes only what it made: the directory is created by tiercheck and marked so (a
//! symlink there, or a directory with files and no mark, is refused), and the results removed
//! are the ones a run recorded in `published` when it moved them in.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rustix::fs::{flock, FlockOperation};

pub struct WorkDir {
    pub root: PathBuf,
    /// This run's scratch and results before they are published.
    pub run: PathBuf,
    _lock: File,
}

impl WorkDir {
    /// Creates and locks `root` (waiting for another run to finish), then clears the previous
    /// results and the scratch dir.
    pub fn lock(root: &Path) -> Result<WorkDir> {
        claim(root)?;
        let root = root
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", root.display()))?;
        let lock_path = root.join(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("{}: cannot open", lock_path.display()))?;
        if flock(&lock, FlockOperation::NonBlockingLockExclusive).is_err() {
            crate::termsafe::eprint_line(&format!(
                "another PGO run holds {}; waiting for it",
                lock_path.display()
            ));
            flock(&lock, FlockOperation::LockExclusive)
                .with_context(|| format!("{}: cannot lock", lock_path.display()))?;
        }
        let run = root.join("run");
        remove(&run)?;
        std::fs::create_dir_all(&run)
            .with_context(|| format!("{}: cannot create", run.display()))?;
        let w = WorkDir {
            root,
            run,
            _lock: lock,
        };
        Ok(w)
    }

    /// Removes the previous run's published results: the names it recorded, nothing else.
    pub fn clear_results(&self) -> Result<()> {
        for name in self.published()? {
            remove(&self.root.join(name))?;
        }
        remove(&self.root.join(PUBLISHED))
    }

    /// The names recorded in `published` (plain file names only: never a path out of here).
    fn published(&self) -> Result<Vec<String>> {
        let p = self.root.join(PUBLISHED);
        if !p.exists() {
            return Ok(vec![]);
        }
        let text = crate::fsread::read_text(&p, &p.display().to_string(), 1 << 20)?;
        Ok(text
            .lines()
            .filter(|n| is_plain_name(n))
            .map(String::from)
            .collect())
    }

    /// Copies an input given by the user (`--profdata`, `--fdata`) into the run dir, so that
    /// clearing the results cannot remove it even when it is one of them.
    pub fn take_input(&self, given: &Path, name: &str) -> Result<PathBuf> {
        let to = self.run.join(name);
        let meta = std::fs::metadata(given)
            .with_context(|| format!("{}: cannot read", given.display()))?;
        if !meta.is_file() {
            bail!("{}: not a regular file", given.display());
        }
        std::fs::copy(given, &to).with_context(|| format!("{}: cannot copy", given.display()))?;
        Ok(to)
    }

    /// Moves `file` (in the run dir) into the work dir under the same name; returns the new path.
    pub fn publish(&self, file: &Path) -> Result<PathBuf> {
        let name = file
            .file_name()
            .with_context(|| format!("{}: no file name", file.display()))?;
        let to = self.root.join(name);
        let mut names = self.published()?;
        names.push(name.to_string_lossy().into_owned());
        std::fs::write(self.root.join(PUBLISHED), names.join("\n") + "\n")
            .with_context(|| format!("{}: cannot write", self.root.join(PUBLISHED).display()))?;
        std::fs::rename(file, &to)
            .with_context(|| format!("{} -> {}: cannot move", file.display(), to.display()))?;
        Ok(to)
    }
}

/// Marks a directory tiercheck created for the pipeline.
const MARK: &str = ".rust-tiers-pgo";
/// The results a run moved into the directory, one name a line.
const PUBLISHED: &str = "published";

/// Makes `root` the pipeline's own directory: creates and marks it, or checks the mark. A
/// symlink, or a directory holding files without the mark, is somebody else's: refused.
fn claim(root: &Path) -> Result<()> {
    match std::fs::symlink_metadata(root) {
        Ok(m) if m.file_type().is_symlink() => bail!(
            "{}: a symlink; the PGO pipeline works only in a directory it creates (remove it)",
            root.display()
        ),
        Ok(m) if !m.is_dir() => bail!("{}: not a directory", root.display()),
        Ok(_) => {
            let empty = std::fs::read_dir(root)
                .with_context(|| format!("{}: cannot list", root.display()))?
                .next()
                .is_none();
            // `.lock`: a directory from a tiercheck before the mark.
            let ours = root.join(MARK).is_file() || root.join(".lock").is_file();
            if !ours && !empty {
                bail!(
                    "{}: not created by tiercheck (no {MARK} in it), so the PGO pipeline will \
                     not clear it; move it away",
                    root.display()
                );
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => std::fs::create_dir_all(root)
            .with_context(|| format!("{}: cannot create", root.display()))?,
        Err(e) => return Err(e).with_context(|| format!("{}: cannot inspect", root.display())),
    }
    let mark = root.join(MARK);
    std::fs::write(&mark, "created by tiercheck build --pgo\n")
        .with_context(|| format!("{}: cannot write", mark.display()))
}

fn is_plain_name(n: &str) -> bool {
    !n.is_empty() && n != "." && n != ".." && !n.contains('/') && n != MARK && n != ".lock"
}

fn remove(p: &Path) -> Result<()> {
    let r = match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
    };
    r.with_context(|| format!("{}: cannot remove", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_cleared_and_inputs_survive() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("rust-tiers-pgo");
        let w = WorkDir::lock(&root).unwrap();
        std::fs::create_dir_all(root.join("optimized")).unwrap();
        for (name, text) in [("merged.profdata", "old"), ("app", "old binary")] {
            std::fs::write(w.run.join(name), text).unwrap();
            w.publish(&w.run.join(name)).unwrap();
        }
        std::fs::write(root.join("mine.txt"), "the user's").unwrap();
        drop(w);
        let w = WorkDir::lock(&root).unwrap();
        let input = w
            .take_input(&root.join("merged.profdata"), "given.profdata")
            .unwrap();
        w.clear_results().unwrap();
        assert!(!root.join("merged.profdata").exists());
        assert!(!root.join("app").exists());
        assert!(root.join("optimized").is_dir(), "cargo's cache stays");
        assert!(
            root.join("mine.txt").exists(),
            "a file it never wrote stays"
        );
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "old");
        std::fs::write(w.run.join("app"), "new").unwrap();
        let published = w.publish(&w.run.join("app")).unwrap();
        assert_eq!(std::fs::read_to_string(published).unwrap(), "new");
    }

    #[test]
    fn a_symlink_or_a_foreign_directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let elsewhere = d.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("precious"), "x").unwrap();
        let link = d.path().join("rust-tiers-pgo");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let err = WorkDir::lock(&link).err().unwrap().to_string();
        assert!(err.contains("a symlink"), "{err}");
        let err = WorkDir::lock(&elsewhere).err().unwrap().to_string();
        assert!(err.contains("not created by tiercheck"), "{err}");
        assert!(elsewhere.join("precious").exists());
    }

    #[test]
    fn a_second_run_waits_for_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("w");
        let first = WorkDir::lock(&root).unwrap();
        let root2 = root.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let _second = WorkDir::lock(&root2).unwrap();
            tx.send(()).unwrap();
        });
        let waited = rx.recv_timeout(std::time::Duration::from_millis(300));
        assert!(
            waited.is_err(),
            "the second run must wait while the first holds the lock"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        t.join().unwrap();
    }
}
