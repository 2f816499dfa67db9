//! What an ELF file may make tiercheck read. Every section's declared place is checked against
//! the file's real size before anything is read (a 4 KB file may declare a 2 GiB `.comment`),
//! and sections are read whole only up to a cap: a sparse file of 3 GiB that costs 4 KB on disk
//! declared a 2 GiB `.comment`, and tiercheck allocated and read all of it (2.2 GB, minutes).
//! `.debug_str`, which real binaries fill with hundreds of MB, is scanned in chunks instead.

use anyhow::{anyhow, bail, Result};
use object::elf::{FileHeader32, FileHeader64, SHT_DYNSYM, SHT_SYMTAB, SHT_SYMTAB_SHNDX};
use object::read::elf::{FileHeader, SectionHeader};
use object::{Endianness, FileKind, ReadRef};

/// `.comment`, read whole: a toolchain writes a few hundred bytes; 100 MB of distinct strings
/// is still read (hostile, but a real file of that size).
pub const COMMENT_CAP: u64 = 256 << 20;
/// Notes, `.interp`, `.dynamic`, `.dynstr`, read whole: kilobytes in real files.
pub const SMALL_CAP: u64 = 64 << 20;
/// Symbol tables, which `object` reads whole: rustc_driver's `.symtab` is 4 MB.
pub const SYMTAB_CAP: u64 = 512 << 20;
/// Section and program header tables (16 MiB is 262,144 section headers).
pub const TABLE_CAP: u64 = 16 << 20;
/// `.debug_str`, scanned `CHUNK` bytes at a time (time, not memory, is what this bounds).
pub const SCAN_CAP: u64 = 4 << 30;
const CHUNK: u64 = 1 << 20;
/// A `.debug_str` string longer than this is no file name; it is skipped, not kept.
const MAX_STRING: usize = 64 << 10;

/// What the inspector reads: `object`'s `ReadRef`, plus copies that are not kept, for sections
/// scanned in chunks.
pub trait Input<'a>: ReadRef<'a> {
    /// Fills `buf` with the bytes at `offset`; false when they cannot be read.
    fn copy_at(self, offset: u64, buf: &mut [u8]) -> bool;

    /// Where data resumes at or after `offset` (`u64::MAX`: nowhere). A sparse file's holes read
    /// as zeros, which hold no strings, so a scan skips them: reading 2 GiB of holes took 10 s.
    fn data_from(self, offset: u64) -> u64 {
        offset
    }
}

impl<'a> Input<'a> for &'a [u8] {
    fn copy_at(self, offset: u64, buf: &mut [u8]) -> bool {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?));
        match src {
            Some(src) => {
                buf.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// The header tables and every section against the file's size and the caps, before `object`
/// parses the file (which reads the symbol tables whole).
pub fn check_layout<'a, R: ReadRef<'a>>(data: R) -> Result<()> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => check::<FileHeader32<Endianness>, R>(data),
        Ok(FileKind::Elf64) => check::<FileHeader64<Endianness>, R>(data),
        _ => bail!("truncated or malformed ELF: unknown ELF class"),
    }
}

fn check<'a, Elf, R>(data: R) -> Result<()>
where
    Elf: FileHeader<Endian = Endianness>,
    R: ReadRef<'a>,
{
    let bad = |e: object::read::Error| anyhow!("truncated or malformed ELF: {e}");
    let len = data
        .len()
        .map_err(|()| anyhow!("cannot tell the file's size"))?;
    let header = Elf::parse(data).map_err(bad)?;
    let endian = header.endian().map_err(bad)?;
    for (what, count, size) in [
        (
            "section",
            header.shnum(endian, data).map_err(bad)?,
            header.e_shentsize(endian),
        ),
        (
            "program",
            header.phnum(endian, data).map_err(bad)?,
            header.e_phentsize(endian),
        ),
    ] {
        let bytes = u64::from(count) * u64::from(size);
        if bytes > TABLE_CAP {
            bail!("declares {count} {what} headers ({bytes} bytes, more than tiercheck reads: {TABLE_CAP})");
        }
    }
    let sections = header.sections(endian, data).map_err(bad)?;
    for (i, s) in sections.iter().enumerate() {
        let name = sections.section_name(endian, s).map_err(|_| {
            anyhow!("section header {i}: its name is outside the section name table")
        })?;
        let name = String::from_utf8_lossy(name);
        let Some((offset, size)) = s.file_range(endian) else {
            continue;
        };
        if offset.checked_add(size).is_none_or(|end| end > len) {
            bail!("section `{name}` ({size} bytes at offset {offset}) runs past the end of the file ({len} bytes)");
        }
        let whole = [SHT_SYMTAB, SHT_DYNSYM, SHT_SYMTAB_SHNDX].contains(&s.sh_type(endian));
        if whole && size > SYMTAB_CAP {
            bail!("section `{name}` is {size} bytes, more than tiercheck reads ({SYMTAB_CAP})");
        }
    }
    Ok(())
}

/// Calls `each` with every non-empty NUL-separated string of the `size` bytes at `offset`,
/// reading one chunk at a time; strings longer than `MAX_STRING` are skipped. False when a read
/// fails.
pub fn scan_strings<'a, R: Input<'a>>(
    data: R,
    offset: u64,
    size: u64,
    mut each: impl FnMut(&[u8]),
) -> bool {
    let mut buf = vec![0; CHUNK.min(size) as usize];
    let mut part = Partial::default();
    let mut pos = 0;
    while pos < size {
        if part.is_empty() {
            let data_at = data.data_from(offset + pos).saturating_sub(offset);
            if data_at > pos {
                pos = data_at.min(size);
                continue;
            }
        }
        let n = (size - pos).min(CHUNK) as usize;
        if !data.copy_at(offset + pos, &mut buf[..n]) {
            return false;
        }
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            if part.is_empty() {
                rest = &rest[zeros(rest)..];
            }
            match rest.iter().position(|b| *b == 0) {
                Some(end) => {
                    part.push(&rest[..end]);
                    part.finish(&mut each);
                    rest = &rest[end + 1..];
                }
                None => {
                    part.push(rest);
                    rest = &[];
                }
            }
        }
        pos += n as u64;
    }
    part.finish(&mut each);
    true
}

/// How many NUL bytes `b` starts with, 64 at a time (a loop the compiler vectorises).
fn zeros(b: &[u8]) -> usize {
    let all_zero = |c: &&[u8]| c.iter().fold(0, |a, x| a | x) == 0;
    let blocks = b.chunks_exact(64).take_while(all_zero).count() * 64;
    blocks + b[blocks..].iter().take_while(|x| **x == 0).count()
}

/// A string that goes on in the next chunk.
#[derive(Default)]
struct Partial {
    bytes: Vec<u8>,
    too_long: bool,
}

impl Partial {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && !self.too_long
    }

    fn push(&mut self, piece: &[u8]) {
        if self.bytes.len() + piece.len() > MAX_STRING {
            self.too_long = true;
            self.bytes.clear();
        } else if !self.too_long {
            self.bytes.extend_from_slice(piece);
        }
    }

    fn finish(&mut self, each: &mut impl FnMut(&[u8])) {
        if !self.bytes.is_empty() {
            each(&self.bytes);
        }
        self.bytes.clear();
        self.too_long = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(data: &[u8], chunk_offset: u64) -> Vec<String> {
        let mut out = vec![];
        let size = data.len() as u64 - chunk_offset;
        assert!(scan_strings(data, chunk_offset, size, |s| out
            .push(String::from_utf8_lossy(s).into_owned())));
        out
    }

    #[test]
    fn strings_across_chunks_come_whole_and_overlong_ones_are_skipped() {
        let mut data = vec![b'x'; 3];
        data.push(0);
        data.extend(vec![b'a'; CHUNK as usize + 10]);
        data.push(0);
        data.extend(b"b.dwo\0tail");
        let got = scan(&data, 0);
        assert_eq!(got, ["xxx", "b.dwo", "tail"]);
        assert!(scan(&[0; 100], 0).is_empty());
        let mut long = vec![b'y'; 10];
        long.push(0);
        long.extend(vec![b'z'; MAX_STRING - 1]);
        long.extend(b"\0\0end");
        assert_eq!(scan(&long, 2)[0], "yyyyyyyy");
        assert_eq!(scan(&long, 2)[1].len(), MAX_STRING - 1);
        assert_eq!(scan(&long, 0).last().map(String::as_str), Some("end"));
        // Past the end of the data: a failed read, not a short one.
        assert!(!scan_strings(&data[..], 5, data.len() as u64, |_| {}));
    }
}
