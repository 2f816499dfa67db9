//! `--edit FILE FROM TO`: a real source change, not just a new mtime. A touch leaves rustc's
//! incremental caches all green; an edit makes it compile and link the changed code again, which
//! is what settings such as the number of codegen units trade against. Each edit rebuild flips the
//! file between its original text and the one with FROM replaced by TO, so every configuration
//! builds a text it did not build last; the file is written back when the run ends, and by the
//! signal watcher if the run is interrupted.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};

use super::proof;
use crate::recovery::EditGuard;
use crate::safe_write::{self, Planned, Root};

/// The two texts an edit rebuild alternates between.
pub struct Edit {
    pub file: PathBuf,
    /// The manifest of the package `file` belongs to: it must be recompiled.
    pub manifest: PathBuf,
    root: Root,
    /// `file` relative to the root.
    rel: PathBuf,
    original: String,
    edited: String,
    /// What the file holds as far as we know: the last text we wrote (or read).
    current: Arc<Mutex<Vec<u8>>>,
    guard: std::sync::OnceLock<EditGuard>,
    /// Set when the user changed the file: from then on we never write it.
    given_up: std::sync::atomic::AtomicBool,
}

impl Edit {
    /// FROM must occur exactly once and TO not at all, so the edit is unambiguous and reversible.
    /// The file must be inside the project `root`.
    pub fn new(root: &Root, file: PathBuf, from: &str, to: &str) -> Result<Edit> {
        let shown = format!("--edit {}", file.display());
        let rel = root.relative(&file, &shown)?;
        let real = root.resolve(&rel, &shown)?;
        let original = crate::fsread::read_text(&real, &shown, crate::fsread::TEXT_CAP)?;
        if from.is_empty() || from == to {
            bail!("{shown}: FROM must be non-empty and differ from TO");
        }
        match original.matches(from).count() {
            1 => {}
            0 => bail!("{shown}: {from:?} does not occur in the file"),
            n => bail!("{shown}: {from:?} occurs {n} times; give text that occurs once"),
        }
        if original.contains(to) {
            bail!("{shown}: {to:?} already occurs in the file, so the edit would not be undone");
        }
        let manifest = proof::owning_manifest(&file).with_context(|| shown.clone())?;
        let edited = original.replacen(from, to, 1);
        Ok(Edit {
            file,
            manifest,
            root: root.clone(),
            rel,
            current: Arc::new(Mutex::new(original.clone().into_bytes())),
            original,
            edited,
            guard: std::sync::OnceLock::new(),
            given_up: Default::default(),
        })
    }

    /// An edit that appends `text` (on a line of its own) and takes it away again: `tune`'s
    /// automatic edit when the user names none.
    pub fn append(root: &Root, file: PathBuf, text: &str) -> Result<Edit> {
        let shown = format!("{}", file.display());
        let rel = root.relative(&file, &shown)?;
        let real = root.resolve(&rel, &shown)?;
        let original = crate::fsread::read_text(&real, &shown, crate::fsread::TEXT_CAP)?;
        if original.contains(text.trim()) {
            bail!("{shown}: already holds {:?}; remove it first", text.trim());
        }
        let sep = if original.is_empty() || original.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        let edited = format!("{original}{sep}{text}");
        let manifest = proof::owning_manifest(&file).with_context(|| shown.clone())?;
        Ok(Edit {
            file,
            manifest,
            root: root.clone(),
            rel,
            current: Arc::new(Mutex::new(original.clone().into_bytes())),
            original,
            edited,
            guard: std::sync::OnceLock::new(),
            given_up: Default::default(),
        })
    }

    /// Writes the edited text (`there`) or the original one back, after checking that the file
    /// still holds what we wrote last: when someone saved it meanwhile, stops and leaves it so.
    pub fn apply(&self, there: bool) -> Result<()> {
        let text = if there { &self.edited } else { &self.original };
        let mut current = self
            .current
            .lock()
            .map_err(|_| anyhow::anyhow!("edit state"))?;
        let now = self.read_now()?;
        if now != *current {
            self.given_up
                .store(true, std::sync::atomic::Ordering::SeqCst);
            if let Some(g) = self.guard.get() {
                g.abandon()?;
            }
            crate::child::forget_restore(&self.file);
            bail!(
                "{}: changed during the bench (saved by someone else): stopped, and the file is \
                 left as saved; it may hold the bench's edit; its text before the bench is in {}",
                self.file.display(),
                self.original_copy()
            );
        }
        write(&self.root, &self.rel, now, text.as_bytes())?;
        *current = text.clone().into_bytes();
        Ok(())
    }

    fn read_now(&self) -> Result<Vec<u8>> {
        let shown = self.file.display().to_string();
        let real = self.root.resolve(&self.rel, &shown)?;
        Ok(crate::fsread::read_bytes(
            &real,
            &shown,
            crate::fsread::TEXT_CAP,
        )?)
    }

    fn original_copy(&self) -> String {
        self.guard.get().map_or("(no copy)".into(), |g| {
            g.original_copy().display().to_string()
        })
    }

    /// Before the first edit: a recovery record (so a SIGKILL is undone by the next run), and a
    /// signal-time restore (SIGINT, SIGTERM, SIGHUP, SIGQUIT).
    pub fn guard(&self) -> Result<()> {
        let guard = EditGuard::begin(
            &self.root,
            &self.rel,
            self.original.as_bytes(),
            &self.edited,
        )?;
        let (root, rel) = (self.root.clone(), self.rel.clone());
        let (original, edited) = (self.original.clone(), self.edited.clone());
        let record = guard.clone();
        crate::child::restore_on_signal(
            &self.file,
            Box::new(move || put_back(&root, &rel, &original, &edited, &record)),
        );
        self.guard
            .set(guard)
            .map_err(|_| anyhow::anyhow!("{}: guarded twice", self.file.display()))
    }

    /// Writes the original text back (unless someone changed the file since our last write) and
    /// drops the record and the signal-time restore.
    pub fn release(&self) -> Result<()> {
        crate::child::forget_restore(&self.file);
        let Some(g) = self.guard.get() else {
            return Ok(());
        };
        if self.given_up.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        put_back(&self.root, &self.rel, &self.original, &self.edited, g)
    }
}

/// Puts the original back when the file holds the edit (or already the original), then drops
/// the record; refuses when the file holds neither, keeping the copy of the original.
fn put_back(root: &Root, rel: &Path, original: &str, edited: &str, g: &EditGuard) -> Result<()> {
    let shown = rel.display().to_string();
    let real = root.resolve(rel, &shown)?;
    let now = crate::fsread::read_bytes(&real, &shown, crate::fsread::TEXT_CAP)?;
    if now == edited.as_bytes() {
        write(root, rel, now, original.as_bytes())?;
    } else if now != original.as_bytes() {
        g.abandon()?;
        bail!(
            "{shown}: changed during the bench (saved by someone else): left as saved; its text \
             before the bench is in {}",
            g.original_copy().display()
        );
    }
    g.end()
}

fn write(root: &Root, rel: &Path, old: Vec<u8>, new: &[u8]) -> Result<()> {
    let p = Planned {
        rel: rel.to_path_buf(),
        shown: rel.display().to_string(),
        old: Some(old),
        new: new.to_vec(),
    };
    safe_write::write_one(root, &p).context("--edit")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> (tempfile::TempDir, PathBuf, Root) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("Cargo.toml"),
            "[package]\nname = \"e\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        std::fs::create_dir(d.path().join("src")).unwrap();
        let f = d.path().join("src/main.rs");
        std::fs::write(&f, text).unwrap();
        let root = Root::new(d.path()).unwrap();
        (d, f, root)
    }

    #[test]
    fn an_edit_flips_and_is_written_back() {
        let (d, f, root) = project("fn main() { println!(\"a\"); }\n");
        let e = Edit::new(&root, f.clone(), "\"a\"", "\"b\"").unwrap();
        e.guard().unwrap();
        e.apply(true).unwrap();
        assert!(std::fs::read_to_string(&f).unwrap().contains("\"b\""));
        e.apply(false).unwrap();
        e.apply(true).unwrap();
        e.release().unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "fn main() { println!(\"a\"); }\n"
        );
        assert!(!d.path().join("target").exists(), "the record is gone");
    }

    #[test]
    fn a_change_saved_during_the_bench_stops_it_and_is_kept() {
        let (_d, f, root) = project("fn main() { let a = 1; }\n");
        let e = Edit::new(&root, f.clone(), "= 1", "= 2").unwrap();
        e.guard().unwrap();
        e.apply(true).unwrap();
        std::fs::write(&f, "fn main() { let a = 3; }\n").unwrap();
        let err = e.apply(false).unwrap_err().to_string();
        assert!(err.contains("changed during the bench"), "{err}");
        e.release().unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "fn main() { let a = 3; }\n"
        );
    }

    #[test]
    fn an_ambiguous_or_irreversible_edit_is_refused() {
        let (_d, f, root) = project("fn main() { let a = 1; let b = 1; }\n");
        let err = |from: &str, to: &str| {
            Edit::new(&root, f.clone(), from, to)
                .err()
                .unwrap()
                .to_string()
        };
        assert!(err("= 1", "= 2").contains("occurs 2 times"));
        assert!(err("= 3", "= 2").contains("does not occur"));
        assert!(err("a = 1", "b = 1").contains("already occurs"));
        assert!(err("", "x").contains("non-empty"));
    }
}
