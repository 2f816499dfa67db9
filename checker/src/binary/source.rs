//! Reading a binary without mapping it. A mapped file that shrinks while it is read kills the
//! reader with SIGBUS; here every read is a `read(2)` that fails cleanly instead. Only the
//! parts the inspector asks for are read (a 1 GiB file with an ELF at its start costs a few
//! reads), each read is capped, and a file that changes while it is read is an error.

use std::cell::Cell;
use std::fs::{File, Metadata};
use std::ops::Range;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use object::read::{ReadCache, ReadRef};

use super::inspect::{self, ElfFacts};
use crate::fsread;

/// The largest single read (one section, one symbol table); more than any real binary's
/// `.debug_str` and far below what would exhaust memory.
pub const READ_CAP: u64 = 2 << 30;
/// All reads of one file together.
pub const TOTAL_CAP: u64 = 6 << 30;

/// A file read on demand through `object`'s cache, with the caps above.
pub struct Source {
    cache: ReadCache<File>,
    budget: Cell<u64>,
    refused: Cell<Option<u64>>,
}

impl<'a> ReadRef<'a> for &'a Source {
    fn len(self) -> Result<u64, ()> {
        (&self.cache).len()
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        if size > READ_CAP || size > self.budget.get() {
            self.refused.set(Some(size));
            return Err(());
        }
        self.budget.set(self.budget.get() - size);
        (&self.cache).read_bytes_at(offset, size)
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        // object reads at most 4 KiB per string here.
        (&self.cache).read_bytes_at_until(range, delimiter)
    }
}

/// What identifies one version of a file: a truncation or rewrite changes at least one.
#[derive(PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(m: &Metadata) -> Stamp {
        Stamp {
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

/// The ELF facts of a regular file and its size; every failure is one line naming the file.
pub fn inspect_file(path: &Path, shown: &str) -> Result<(ElfFacts, u64)> {
    let file = fsread::open(path, shown)?;
    let before = file
        .metadata()
        .with_context(|| format!("{shown}: cannot stat"))?;
    if before.len() == 0 {
        bail!("{shown}: empty file");
    }
    let source = Source {
        cache: ReadCache::new(file),
        budget: Cell::new(TOTAL_CAP),
        refused: Cell::new(None),
    };
    let facts = inspect::inspect(&source);
    let file = source.cache.into_inner();
    let after = file
        .metadata()
        .with_context(|| format!("{shown}: cannot stat"))?;
    if Stamp::of(&before) != Stamp::of(&after) {
        bail!(
            "{shown}: changed while being read ({} bytes, then {}): read it again when nothing writes it",
            before.len(),
            after.len()
        );
    }
    if let Some(size) = source.refused.get() {
        bail!("{shown}: asks tiercheck to read {size} bytes at once (limit {READ_CAP}, {TOTAL_CAP} in all): not inspected");
    }
    let facts = facts.with_context(|| shown.to_string())?;
    Ok((facts, before.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_test_binary_like_the_slice_inspector() {
        let exe = std::env::current_exe().unwrap();
        // crane runs these tests on every system the flake declares: on darwin the test binary
        // is Mach-O, which both readers refuse with the same reason (see macho.rs), as in
        // inspect.rs's inspects_the_test_binary_itself.
        if cfg!(target_vendor = "apple") {
            let lazy = format!("{:#}", inspect_file(&exe, "self").unwrap_err());
            let whole = format!(
                "{:#}",
                inspect::inspect(&std::fs::read(&exe).unwrap()[..]).unwrap_err()
            );
            assert!(whole.contains("Mach-O"), "{whole}");
            assert_eq!(lazy, format!("self: {whole}"));
            return;
        }
        let (lazy, size) = inspect_file(&exe, "self").unwrap();
        let whole = inspect::inspect(&std::fs::read(&exe).unwrap()[..]).unwrap();
        assert_eq!(size, std::fs::metadata(&exe).unwrap().len());
        assert_eq!(
            serde_json::to_value(&lazy).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
    }

    #[test]
    fn huge_sparse_file_is_refused_quickly() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sparse");
        let f = File::create(&p).unwrap();
        f.set_len(1 << 40).unwrap();
        let e = format!("{:#}", inspect_file(&p, "sparse").unwrap_err());
        assert!(e.contains("not an ELF"), "{e}");
    }
}
