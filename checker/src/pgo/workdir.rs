//! The pipeline's directory, `<target>/rust-tiers-pgo`. One run at a time holds its lock; a
//! run works in `run/` and publishes its results (the optimized binary, `merged.profdata`,
//! `merged.fdata`, `timings.json`) into the directory only when every step succeeded. The
//! previous run's results are removed when a run starts, so a failed run leaves nothing that
//! looks current. The cargo target dirs (`instrumented/`, `optimized/`) stay as caches.

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
        std::fs::create_dir_all(root)
            .with_context(|| format!("{}: cannot create", root.display()))?;
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

    /// Removes the previous run's published results (every regular file but the lock).
    pub fn clear_results(&self) -> Result<()> {
        let entries = std::fs::read_dir(&self.root)
            .with_context(|| format!("{}: cannot list", self.root.display()))?;
        for e in entries.flatten() {
            let is_file = e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink());
            if is_file && e.file_name() != ".lock" && e.file_name() != "timings.json" {
                remove(&e.path())?;
            }
        }
        Ok(())
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
        std::fs::rename(file, &to)
            .with_context(|| format!("{} -> {}: cannot move", file.display(), to.display()))?;
        Ok(to)
    }
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
        std::fs::create_dir_all(root.join("optimized")).unwrap();
        std::fs::write(root.join("merged.profdata"), "old").unwrap();
        std::fs::write(root.join("app"), "old binary").unwrap();
        let w = WorkDir::lock(&root).unwrap();
        let input = w
            .take_input(&root.join("merged.profdata"), "given.profdata")
            .unwrap();
        w.clear_results().unwrap();
        assert!(!root.join("merged.profdata").exists());
        assert!(!root.join("app").exists());
        assert!(root.join("optimized").is_dir(), "cargo's cache stays");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "old");
        std::fs::write(w.run.join("app"), "new").unwrap();
        let published = w.publish(&w.run.join("app")).unwrap();
        assert_eq!(std::fs::read_to_string(published).unwrap(), "new");
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
