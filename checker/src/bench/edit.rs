//! `--edit FILE FROM TO`: a real source change, not just a new mtime. A touch leaves rustc's
//! incremental caches all green; an edit makes it compile and link the changed code again, which
//! is what settings such as the number of codegen units trade against. Each edit rebuild flips the
//! file between its original text and the one with FROM replaced by TO, so every configuration
//! builds a text it did not build last; the file is written back when the run ends, and by the
//! signal watcher if the run is interrupted.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::proof;

/// The two texts an edit rebuild alternates between.
pub struct Edit {
    pub file: PathBuf,
    /// The manifest of the package `file` belongs to: it must be recompiled.
    pub manifest: PathBuf,
    original: String,
    edited: String,
}

impl Edit {
    /// FROM must occur exactly once and TO not at all, so the edit is unambiguous and reversible.
    pub fn new(file: PathBuf, from: &str, to: &str) -> Result<Edit> {
        let shown = format!("--edit {}", file.display());
        let original = crate::fsread::read_text(&file, &shown, crate::fsread::TEXT_CAP)?;
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
            original,
            edited,
        })
    }

    /// Writes the edited text (`there`) or the original one back.
    pub fn apply(&self, there: bool) -> Result<()> {
        let text = if there { &self.edited } else { &self.original };
        std::fs::write(&self.file, text)
            .with_context(|| format!("{}: cannot write the edit", self.file.display()))
    }

    /// Until `release`, a signal puts the original text back.
    pub fn guard(&self) {
        crate::child::restore_on_signal(&self.file, self.original.clone().into_bytes());
    }

    /// Writes the original text back and drops the signal-time restore.
    pub fn release(&self) -> Result<()> {
        let r = self.apply(false);
        crate::child::forget_restore(&self.file);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("Cargo.toml"),
            "[package]\nname = \"e\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        std::fs::create_dir(d.path().join("src")).unwrap();
        let f = d.path().join("src/main.rs");
        std::fs::write(&f, text).unwrap();
        (d, f)
    }

    #[test]
    fn an_edit_flips_and_is_written_back() {
        let (_d, f) = project("fn main() { println!(\"a\"); }\n");
        let e = Edit::new(f.clone(), "\"a\"", "\"b\"").unwrap();
        e.guard();
        e.apply(true).unwrap();
        assert!(std::fs::read_to_string(&f).unwrap().contains("\"b\""));
        e.apply(false).unwrap();
        e.apply(true).unwrap();
        e.release().unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "fn main() { println!(\"a\"); }\n"
        );
    }

    #[test]
    fn an_ambiguous_or_irreversible_edit_is_refused() {
        let (_d, f) = project("fn main() { let a = 1; let b = 1; }\n");
        let err = |from: &str, to: &str| Edit::new(f.clone(), from, to).err().unwrap().to_string();
        assert!(err("= 1", "= 2").contains("occurs 2 times"));
        assert!(err("= 3", "= 2").contains("does not occur"));
        assert!(err("a = 1", "b = 1").contains("already occurs"));
        assert!(err("", "x").contains("non-empty"));
    }
}
