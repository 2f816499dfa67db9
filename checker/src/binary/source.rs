//! Reading a binary without mapping it. A mapped file that shrinks while it is read kills the
//! reader with SIGBUS; here every read is a `read(2)` that fails cleanly instead. Only the
//! parts the inspector asks for are read (a 1 GiB file with an ELF at its start costs a few
//! reads), each read is capped, and a file that changes while it is read is an error.

use std::cell::Cell;
use std::fs::{File, Metadata};
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use object::read::{ReadCache, ReadRef};

use super::bounds::{self, Input};
use super::inspect::{self, ElfFacts};
use crate::fsread;

/// The largest single read through `object` (a symbol table; see `bounds` for each section's).
pub const READ_CAP: u64 = bounds::SYMTAB_CAP;
/// All reads of one file kept in memory together.
pub const TOTAL_CAP: u64 = 2 << 30;

/// A file read on demand through `object`'s cache, with the caps above. Sections scanned in
/// chunks are read through a second handle and not kept.
pub struct Source {
    cache: ReadCache<File>,
    file: File,
    budget: Cell<u64>,
    refused: Cell<Option<Refusal>>,
}

#[derive(Clone, Copy)]
enum Refusal {
    Once(u64),
    InAll,
}

impl Source {
    fn charge(&self, size: u64) -> Result<(), ()> {
        if size > READ_CAP {
            self.refused.set(Some(Refusal::Once(size)));
            return Err(());
        }
        if size > self.budget.get() {
            self.refused.set(Some(Refusal::InAll));
            return Err(());
        }
        self.budget.set(self.budget.get() - size);
        Ok(())
    }
}

impl<'a> ReadRef<'a> for &'a Source {
    fn len(self) -> Result<u64, ()> {
        (&self.cache).len()
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        // Past the end is an error object reports, not memory to account for.
        let len = (&self.cache).len()?;
        if offset.checked_add(size).is_none_or(|end| end > len) {
            return Err(());
        }
        self.charge(size)?;
        (&self.cache).read_bytes_at(offset, size)
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        // object reads at most 4 KiB per string and keeps each: a symbol table of millions of
        // entries naming long strings adds up, so what is kept is charged too.
        let s = (&self.cache).read_bytes_at_until(range, delimiter)?;
        self.charge(s.len() as u64 + 1)?;
        Ok(s)
    }
}

impl<'a> Input<'a> for &'a Source {
    fn copy_at(self, offset: u64, buf: &mut [u8]) -> bool {
        self.file.read_exact_at(buf, offset).is_ok()
    }

    #[cfg(any(target_os = "linux", target_vendor = "apple"))]
    fn data_from(self, offset: u64) -> u64 {
        // The cache seeks before each of its reads, so moving the shared offset is harmless.
        match rustix::fs::seek(&self.file, rustix::fs::SeekFrom::Data(offset)) {
            Ok(at) => at.max(offset),
            Err(rustix::io::Errno::NXIO) => u64::MAX,
            Err(_) => offset,
        }
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
        cache: ReadCache::new(
            file.try_clone()
                .with_context(|| format!("{shown}: cannot open twice"))?,
        ),
        file,
        budget: Cell::new(TOTAL_CAP),
        refused: Cell::new(None),
    };
    let facts = inspect::inspect(&source);
    let after = source
        .file
        .metadata()
        .with_context(|| format!("{shown}: cannot stat"))?;
    if Stamp::of(&before) != Stamp::of(&after) {
        bail!(
            "{shown}: changed while being read ({} bytes, then {}): read it again when nothing writes it",
            before.len(),
            after.len()
        );
    }
    match source.refused.get() {
        Some(Refusal::Once(size)) => bail!("{shown}: asks tiercheck to read {size} bytes at once (limit {READ_CAP}): not inspected"),
        Some(Refusal::InAll) => bail!("{shown}: asks tiercheck to keep more than {TOTAL_CAP} bytes in memory: not inspected"),
        None => {}
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

    /// A scan skips a sparse file's holes (reading 2 GiB of them took 10 s here) and still finds
    /// the strings on both sides.
    #[test]
    fn a_scan_skips_holes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sparse");
        let f = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        f.write_all_at(b"abc\0", 0).unwrap();
        f.write_all_at(b"\0x.dwo\0", 3 << 30).unwrap();
        let source = Source {
            cache: ReadCache::new(f.try_clone().unwrap()),
            file: f,
            budget: Cell::new(TOTAL_CAP),
            refused: Cell::new(None),
        };
        let len = (&source).len().unwrap();
        let start = std::time::Instant::now();
        let mut found = vec![];
        assert!(bounds::scan_strings(&source, 0, len, |s| found
            .push(String::from_utf8_lossy(s).into_owned())));
        assert_eq!(found, ["abc", "x.dwo"]);
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
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
