//! Records that let the next tiercheck run finish or undo what a killed one left half done, in
//! `<workspace root>/target/rust-tiers-recovery/`:
//! - `tx-*.json`, the journal of a several-file write (`safe_write::write_all`): "committed"
//!   means every temp file was complete, so recovery renames the ones still there into place
//!   (roll forward); otherwise it removes them and the directories the write created (roll back).
//! - `edit-*.json` + `edit-*.orig`, a source file that `bench --edit` changes for minutes: the
//!   edited text, and the original bytes (written after the record, removed before it, so a
//!   record without its copy means the file was never edited or is back already). Recovery
//!   writes the original back when the file still holds the edit, and refuses (naming both
//!   copies) when someone changed it since. A copy without a record is one `abandon` kept for
//!   the user, and stays.
//!
//! Every step is safe to be killed at: `.ci/crash_points.py` kills each writer, and `recover`
//! itself, on entry to each state-changing system call in turn.
//!
//! Each record has a `.lock` beside it that the run which wrote it holds (an advisory lock the
//! kernel drops when the process dies, SIGKILL included): `recover` leaves a record alone while
//! its lock is held, so a second tiercheck (or bench's own PGO build) never undoes a live edit.
//!
//! Paths in records are relative to the root and resolved again through `checked_write::Root`, and
//! only files named as our temp files are ever removed: a record found in a checkout cannot make
//! tiercheck write outside the project or delete a file it did not create.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::atomic_fs;
use crate::checked_write::{self, Planned, Root};

const DIR: &str = "target/rust-tiers-recovery";

#[derive(Serialize, Deserialize)]
struct TxRecord {
    committed: bool,
    /// (target, temp), relative to the root.
    files: Vec<(PathBuf, PathBuf)>,
    /// Directories the write creates, outermost first, relative to the root.
    created_dirs: Vec<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct EditRecord {
    /// The edited file, relative to the root.
    file: PathBuf,
    /// The text the bench writes there; the original is in the `.orig` beside the record.
    edited: String,
}

/// A several-file write in progress (see `safe_write::write_all`).
pub struct Journal {
    path: PathBuf,
    record: TxRecord,
    root: PathBuf,
    lock: Held,
}

impl Journal {
    pub fn begin(
        root: &Root,
        targets: &[PathBuf],
        temps: &[PathBuf],
        dirs: &[PathBuf],
    ) -> Result<Journal> {
        let rel = |p: &PathBuf| p.strip_prefix(root.path()).unwrap_or(p).to_path_buf();
        let record = TxRecord {
            committed: false,
            files: targets.iter().map(rel).zip(temps.iter().map(rel)).collect(),
            created_dirs: dirs.iter().map(rel).collect(),
        };
        let dir = records_dir(root)?;
        let path = dir.join(format!("tx-{}.json", std::process::id()));
        let j = Journal {
            lock: Held::take(&path)?,
            path,
            record,
            root: root.path().to_path_buf(),
        };
        j.save()?;
        Ok(j)
    }

    fn save(&self) -> Result<()> {
        let text = serde_json::to_vec_pretty(&self.record)?;
        put(&self.path, &text)
    }

    /// Every temp file is complete: from now on recovery rolls forward.
    pub fn commit(&mut self) -> Result<()> {
        self.record.committed = true;
        self.save()
    }

    /// Removes the temp files and created directories, then the journal.
    pub fn roll_back(self) -> Result<()> {
        let abs = |p: &PathBuf| self.root.join(p);
        let temps: Vec<PathBuf> = self.record.files.iter().map(|(_, t)| abs(t)).collect();
        let dirs: Vec<PathBuf> = self.record.created_dirs.iter().map(abs).collect();
        atomic_fs::remove_created(&temps, &dirs);
        self.finish()
    }

    pub fn finish(self) -> Result<()> {
        remove_record(&self.path)?;
        self.lock.release();
        Ok(())
    }
}

/// The lock file of a record (`x.json` -> `x.lock`).
fn lock_path(record: &Path) -> PathBuf {
    record.with_extension("lock")
}

/// A record's lock, held by the run that wrote the record for as long as it is live.
struct Held {
    path: PathBuf,
    // Holding the open file holds the lock; the kernel releases it when the process dies.
    _file: std::fs::File,
}

impl Held {
    /// Creates (or opens) `record`'s lock file and locks it; taken before the record is written.
    fn take(record: &Path) -> Result<Held> {
        let path = lock_path(record);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("{}: cannot create", path.display()))?;
        file.try_lock().map_err(|e| {
            anyhow::anyhow!("{}: held by another tiercheck run ({e})", path.display())
        })?;
        Ok(Held { path, _file: file })
    }

    /// Removes the lock file (after the record), lets go of the lock, and tidies the records
    /// directory.
    fn release(self) {
        let _ = std::fs::remove_file(&self.path);
        let dir = self.path.parent().map(Path::to_path_buf);
        drop(self);
        if let Some(dir) = dir {
            tidy(&dir);
        }
    }
}

/// Whether a live run holds `record`'s lock (then its record must be left alone). Without a
/// lock file (a run killed before it made one, or after it removed its record) nobody does.
fn held_by_a_live_run(record: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .write(true)
        .open(lock_path(record))
    else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// Marks a records directory whose `target/` tiercheck created, so that only then is the
/// `target/` removed with it.
const MADE_TARGET: &str = "made-target";

/// The records directory, created when missing. A `target/` it has to create is made under a
/// temp name with the mark inside and renamed into place, so a kill never leaves a `target/`
/// that cannot be told from the user's.
fn records_dir(root: &Root) -> Result<PathBuf> {
    let dir = root.path().join(DIR);
    let target = root.path().join("target");
    if std::fs::symlink_metadata(&target).is_err() {
        let temp = atomic_fs::temp_name(&target);
        let inner = temp.join(DIR.trim_start_matches("target/"));
        std::fs::create_dir_all(&inner)
            .and_then(|()| std::fs::write(inner.join(MADE_TARGET), b""))
            .and_then(|()| std::fs::rename(&temp, &target))
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    Ok(dir)
}

/// Removes a record; then the records directory when no record is left in it (and `target/`
/// when tiercheck created it and it is empty).
fn remove_record(path: &Path) -> Result<()> {
    std::fs::remove_file(path).with_context(|| format!("{}: cannot remove", path.display()))?;
    if !held_by_a_live_run(path) {
        // A dead run's lock file; a live run removes its own after this.
        let _ = std::fs::remove_file(lock_path(path));
    }
    if let Some(dir) = path.parent() {
        tidy(dir);
    }
    Ok(())
}

/// Removes the records directory when no record is left in it (our temp files, dead runs' locks
/// and the mark do not count), and `target/` too when tiercheck made it and nothing else is in it.
fn tidy(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    let ours = |p: &PathBuf| {
        let n = p.file_name().unwrap_or_default().to_string_lossy();
        n == MADE_TARGET
            || (n.ends_with(".lock") && !held_by_a_live_run(&p.with_extension("json")))
            || atomic_fs::is_temp_name(&n)
    };
    if !names.iter().all(ours) || remove_made_target(dir) {
        return;
    }
    // The mark goes last: a kill before it leaves a directory the next run still knows as ours.
    let (mark, rest): (Vec<&PathBuf>, Vec<&PathBuf>) = names
        .iter()
        .partition(|p| p.file_name().is_some_and(|n| n == MADE_TARGET));
    rest.into_iter()
        .chain(mark)
        .for_each(|p| drop(std::fs::remove_file(p)));
    let _ = std::fs::remove_dir(dir);
}

/// Removes `target/` when tiercheck made it (the mark is in `dir`) and it holds nothing but
/// `dir`: renamed to one of our temp names in one step, so a kill leaves either the marked
/// `target/` or a temp that the next run removes, never an unmarked empty `target/`.
fn remove_made_target(dir: &Path) -> bool {
    let (Some(target), Some(name)) = (dir.parent(), dir.file_name()) else {
        return false;
    };
    let only_records = std::fs::read_dir(target)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name())
                .eq([name.to_os_string()])
        })
        .unwrap_or(false);
    if !dir.join(MADE_TARGET).exists() || !only_records {
        return false;
    }
    let temp = atomic_fs::temp_name(target);
    if std::fs::rename(target, &temp).is_err() {
        return false;
    }
    let _ = std::fs::remove_dir_all(&temp);
    true
}

/// Writes one of our own records: temp file, sync, rename, sync the directory.
fn put(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = atomic_fs::temp_name(path);
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::File::open(&temp)?.sync_all())
        .and_then(|()| std::fs::rename(&temp, path))
        .with_context(|| format!("{}: cannot write", path.display()))?;
    atomic_fs::sync_parent(path)
}

/// A file `bench --edit` (or `tune`) changes for a while: guarded by a record from `begin` to
/// `end`, and put back by `recover` if the process dies in between.
#[derive(Clone)]
pub struct EditGuard {
    record: PathBuf,
    orig: PathBuf,
    lock: std::sync::Arc<std::sync::Mutex<Option<Held>>>,
}

impl EditGuard {
    /// Saves the original bytes and the edited text before the file is first changed.
    pub fn begin(root: &Root, rel: &Path, original: &[u8], edited: &str) -> Result<EditGuard> {
        let dir = records_dir(root)?;
        let stem = format!("edit-{:016x}", fnv1a(rel.as_os_str().as_encoded_bytes()));
        let (record, orig) = (
            dir.join(format!("{stem}.json")),
            dir.join(format!("{stem}.orig")),
        );
        if record.exists() {
            bail!(
                "{}: a record of an earlier edit of {} is still there",
                record.display(),
                rel.display()
            );
        }
        let lock = Held::take(&record)?;
        // The record first, then the copy: a copy without its record would be indistinguishable
        // from the one `abandon` keeps for the user; a record without its copy means the file
        // was not edited yet (or is back already), which `recover` can tell.
        let r = EditRecord {
            file: rel.to_path_buf(),
            edited: edited.to_string(),
        };
        put(&record, &serde_json::to_vec_pretty(&r)?)?;
        put(&orig, original)?;
        Ok(EditGuard {
            record,
            orig,
            lock: std::sync::Arc::new(std::sync::Mutex::new(Some(lock))),
        })
    }

    fn release(&self) {
        if let Some(h) = self.lock.lock().ok().and_then(|mut l| l.take()) {
            h.release();
        }
    }

    /// Where the original bytes are kept while the edit runs.
    pub fn original_copy(&self) -> &Path {
        &self.orig
    }

    /// The file is back: drops the copy, then the record (a kill in between leaves a record
    /// without a copy, which `recover` drops).
    pub fn end(&self) -> Result<()> {
        std::fs::remove_file(&self.orig)
            .with_context(|| format!("{}: cannot remove", self.orig.display()))?;
        remove_record(&self.record)?;
        self.release();
        Ok(())
    }

    /// Drops the record but keeps the copy of the original (the user changed the file).
    pub fn abandon(&self) -> Result<()> {
        remove_record(&self.record)?;
        self.release();
        Ok(())
    }
}

/// Finishes or undoes what an earlier, killed run left in `root`; returns one line per file
/// it put right. Refuses (error) when a file changed since, naming both copies.
pub fn recover(root: &Root) -> Result<Vec<String>> {
    remove_stray_temps(&root.path().join("target"));
    let dir = root.path().join(DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(vec![]);
    };
    let mut names: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let mut notes = vec![];
    for path in names {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if held_by_a_live_run(&path) {
            notes.push(format!(
                "{}: left alone: a running tiercheck is editing or writing this project",
                path.display()
            ));
            continue;
        }
        if name.starts_with("tx-") {
            notes.extend(recover_tx(root, &path)?);
        } else if name.starts_with("edit-") {
            notes.extend(recover_edit(root, &path)?);
        }
    }
    tidy(&dir);
    Ok(notes)
}

fn read_record<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = crate::fsread::read_bytes(path, &path.display().to_string(), 1 << 30)?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a tiercheck recovery record", path.display()))
}

fn recover_tx(root: &Root, path: &Path) -> Result<Vec<String>> {
    let rec: TxRecord = read_record(path)?;
    let mut notes = vec![];
    for (target, temp) in &rec.files {
        let shown = target.display().to_string();
        let target = root.resolve(target, &shown)?;
        let temp = root.path().join(temp);
        if !atomic_fs::is_temp_of(&temp, &target) || !temp.is_file() {
            continue;
        }
        if rec.committed {
            std::fs::rename(&temp, &target)
                .with_context(|| format!("{shown}: cannot finish the interrupted write"))?;
            atomic_fs::sync_parent(&target)?;
            notes.push(format!("{shown}: finished an interrupted tiercheck write"));
        } else {
            std::fs::remove_file(&temp)
                .with_context(|| format!("{}: cannot remove", temp.display()))?;
        }
    }
    if !rec.committed {
        for d in rec.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(root.path().join(d));
        }
        notes.push("undid an interrupted tiercheck write (nothing had changed)".into());
    }
    remove_record(path)?;
    Ok(notes)
}

fn recover_edit(root: &Root, path: &Path) -> Result<Vec<String>> {
    let rec: EditRecord = read_record(path)?;
    let orig_path = path.with_extension("orig");
    let shown = rec.file.display().to_string();
    let target = root.resolve(&rec.file, &shown)?;
    let now = crate::fsread::read_bytes(&target, &shown, crate::fsread::TEXT_CAP)?;
    remove_stray_temps(&target);
    if !exists(&orig_path)? {
        return recover_edit_without_copy(path, &rec, &shown, &now);
    }
    let orig = crate::fsread::read_bytes(&orig_path, &orig_path.display().to_string(), 1 << 30)?;
    let note = if now == orig {
        None
    } else if now == rec.edited.as_bytes() {
        let p = Planned {
            rel: rec.file.clone(),
            shown: shown.clone(),
            old: Some(now),
            new: orig,
        };
        checked_write::write_one(root, &p)?;
        Some(format!(
            "{shown}: restored the text an interrupted bench or tune had edited"
        ))
    } else {
        bail!(
            "{shown}: an interrupted bench or tune edited it and it changed since; not restored. Its text \
             before the bench is in {}; compare the two, then delete {}",
            orig_path.display(),
            path.display()
        );
    };
    std::fs::remove_file(&orig_path)
        .with_context(|| format!("{}: cannot remove", orig_path.display()))?;
    remove_record(path)?;
    Ok(note.into_iter().collect())
}

/// A record whose copy of the original is not there: the run was killed after writing the
/// record and before the copy (the file was not edited yet), or after dropping the copy (the
/// file was back). Either way there is nothing to put back, unless the file holds the edit.
fn recover_edit_without_copy(
    path: &Path,
    rec: &EditRecord,
    shown: &str,
    now: &[u8],
) -> Result<Vec<String>> {
    if now == rec.edited.as_bytes() {
        bail!(
            "{shown}: holds the edit of an interrupted bench or tune, and the copy of its \
             original text is gone; undo the edit by hand, then delete {}",
            path.display()
        );
    }
    remove_record(path)?;
    Ok(vec![])
}

fn exists(path: &Path) -> Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("{}: cannot inspect", path.display())),
    }
}

/// Our temp files (or the temp `target/` of `records_dir`) beside `target`, left by a kill
/// between write and rename.
fn remove_stray_temps(target: &Path) {
    let Some(dir) = target.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if atomic_fs::is_temp_of(&e.path(), target) {
            let p = e.path();
            let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir_all(&p));
        }
    }
}

/// A stable name for a path (FNV-1a, 64 bits): the same file always has the same record.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, Root) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("src/main.rs"), "a").unwrap();
        let root = Root::new(d.path()).unwrap();
        (d, root)
    }

    #[test]
    fn a_left_edit_is_restored_once() {
        let (d, root) = project();
        let f = d.path().join("src/main.rs");
        let g = EditGuard::begin(&root, Path::new("src/main.rs"), b"a", "b").unwrap();
        std::fs::write(&f, "b").unwrap();
        std::fs::write(atomic_fs::temp_name(&root.path().join("src/main.rs")), "x").unwrap();
        drop(g); // as after SIGKILL: the record stays
        let notes = recover(&root).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a");
        assert_eq!(std::fs::read_dir(d.path().join("src")).unwrap().count(), 1);
        assert!(recover(&root).unwrap().is_empty());
        assert!(!d.path().join("target").exists(), "the records dir is gone");
    }

    #[test]
    fn a_file_changed_since_the_edit_is_not_restored() {
        let (d, root) = project();
        let f = d.path().join("src/main.rs");
        let g = EditGuard::begin(&root, Path::new("src/main.rs"), b"a", "b").unwrap();
        std::fs::write(&f, "user's").unwrap();
        drop(g); // killed
        let err = recover(&root).unwrap_err().to_string();
        assert!(
            err.contains("changed since") && err.contains(".orig"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "user's");
    }

    #[test]
    fn a_record_without_its_copy_is_dropped_unless_the_file_holds_the_edit() {
        let (d, root) = project();
        let f = d.path().join("src/main.rs");
        for (text, restored) in [("a", true), ("b", false)] {
            std::fs::write(&f, text).unwrap();
            let g = EditGuard::begin(&root, Path::new("src/main.rs"), b"a", "b").unwrap();
            std::fs::remove_file(g.original_copy()).unwrap(); // killed between copy and record
            drop(g);
            let got = recover(&root);
            assert_eq!(got.is_ok(), restored, "{text}: {got:?}");
            assert_eq!(std::fs::read_to_string(&f).unwrap(), text, "never written");
        }
        let err = recover(&root).unwrap_err().to_string();
        assert!(err.contains("copy of its original text is gone"), "{err}");
    }

    #[test]
    fn an_abandoned_copy_stays_for_the_user() {
        let (d, root) = project();
        let g = EditGuard::begin(&root, Path::new("src/main.rs"), b"a", "b").unwrap();
        let copy = g.original_copy().to_path_buf();
        std::fs::write(d.path().join("src/main.rs"), "user's").unwrap();
        g.abandon().unwrap();
        assert!(recover(&root).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "a");
    }

    #[test]
    fn a_target_renamed_away_by_a_killed_tidy_is_removed() {
        let (d, root) = project();
        let temp = atomic_fs::temp_name(&root.path().join("target"));
        std::fs::create_dir_all(temp.join("rust-tiers-recovery")).unwrap();
        std::fs::write(temp.join("rust-tiers-recovery").join(MADE_TARGET), "").unwrap();
        assert!(recover(&root).unwrap().is_empty());
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only src/ is left: {left:?}");
    }

    #[test]
    fn a_live_runs_edit_is_left_alone() {
        let (d, root) = project();
        let f = d.path().join("src/main.rs");
        let g = EditGuard::begin(&root, Path::new("src/main.rs"), b"a", "b").unwrap();
        std::fs::write(&f, "b").unwrap();
        // Another tiercheck run (bench's own PGO build, a second terminal) recovers meanwhile.
        let notes = recover(&root).unwrap();
        assert!(notes[0].contains("left alone"), "{notes:?}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "b");
        std::fs::write(&f, "a").unwrap();
        g.end().unwrap();
        assert!(
            !d.path().join("target").exists(),
            "record, copy and lock are gone"
        );
    }

    #[test]
    fn journals_roll_forward_when_committed_and_back_otherwise() {
        let (d, root) = project();
        let target = root.path().join("src/main.rs");
        let newdir = root.path().join(".cargo");
        for committed in [false, true] {
            let temp = atomic_fs::temp_name(&target);
            std::fs::write(&temp, "new").unwrap();
            std::fs::create_dir_all(&newdir).unwrap();
            let mut j = Journal::begin(
                &root,
                std::slice::from_ref(&target),
                std::slice::from_ref(&temp),
                std::slice::from_ref(&newdir),
            )
            .unwrap();
            if committed {
                j.commit().unwrap();
            }
            drop(j); // killed: the record stays, its lock goes
            recover(&root).unwrap();
            assert!(!temp.exists());
            let want = if committed { "new" } else { "a" };
            assert_eq!(std::fs::read_to_string(&target).unwrap(), want);
            assert!(!newdir.exists() || committed);
        }
        assert!(!d.path().join("target").exists());
    }

    #[test]
    fn a_record_cannot_point_out_of_the_project() {
        let (d, root) = project();
        let dir = records_dir(&root).unwrap();
        let rec = TxRecord {
            committed: true,
            files: vec![("../victim".into(), "../.victim.tiercheck-1-0.tmp".into())],
            created_dirs: vec![],
        };
        std::fs::write(dir.join("tx-1.json"), serde_json::to_vec(&rec).unwrap()).unwrap();
        assert!(recover(&root).is_err());
        let _ = d;
    }
}
