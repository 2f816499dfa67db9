//! Facts from an ELF file's bytes: who compiled and linked it, how it was stripped, whether BOLT
//! or PGO touched it. Pure (no file system access): it reads through `object`'s `ReadRef`, a
//! byte slice (the fuzz target) or a file read on demand (`source.rs`).

use std::borrow::Cow;
use std::collections::HashSet;

use anyhow::{anyhow, bail, Result};
use object::{Object, ObjectSection, ObjectSymbol};
use serde::{Deserialize, Serialize};

use super::bounds::{self, Input, COMMENT_CAP, SCAN_CAP, SMALL_CAP};
use super::states::{ElfClass, Linkage, LinkerSeen, ObjectKind, Stripped};
use crate::tiers::Channel;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ElfFacts {
    pub class: ElfClass,
    pub machine: String,
    pub kind: ObjectKind,
    /// `rustc version ...` strings from `.comment`, deduplicated.
    pub rustc: Vec<String>,
    /// From the first rustc string.
    pub rustc_channel: Option<Channel>,
    pub cranelift: bool,
    pub linker: LinkerSeen,
    pub linker_comment: Option<String>,
    pub comment: Vec<String>,
    pub bolt: Option<Bolt>,
    /// `.rela.text` kept (linked with -q / --emit-relocs), which BOLT needs.
    pub bolt_ready: bool,
    pub pgo_instrumented: bool,
    pub stripped: Stripped,
    pub debug_sections: Vec<String>,
    /// `.dwo` names the skeleton compile units point at.
    pub dwo_names: Vec<String>,
    pub build_id: Option<String>,
    pub pie: bool,
    pub interpreter: Option<String>,
    pub linkage: Linkage,
    pub needed: Vec<String>,
    pub runpath: Vec<String>,
    pub rpath: Vec<String>,
    /// Heuristic: symbols with `.llvm.<N>` suffixes (ThinLTO promotes locals that way).
    pub llvm_suffixed_symbols: usize,
    pub symbols: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bolt {
    pub instrumented: bool,
    pub info: String,
}

/// One `.comment` string says who linked: rust-lld, system LLD, mold, Wild.
pub fn linker_of_comment(s: &str) -> Option<LinkerSeen> {
    if s.starts_with("Linker: Wild ") {
        return Some(LinkerSeen::Wild);
    }
    if s.starts_with("mold ") {
        return Some(LinkerSeen::Mold);
    }
    // `Linker: LLD 22.1.2 (/checkout/src/llvm-project ...)` is rustc's bundled rust-lld;
    // `Linker: Debian LLD 22.1.8` or `Linker: LLD 19.1.7` is a system one.
    let rest = s.strip_prefix("Linker: ")?;
    let lld = rest
        .split(' ')
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] == "LLD" && w[1].starts_with(|c: char| c.is_ascii_digit()));
    if !lld {
        return None;
    }
    Some(
        if s.contains("/checkout/src/llvm-project") || s.contains("rust-lang/llvm-project") {
            LinkerSeen::RustLld
        } else {
            LinkerSeen::Lld
        },
    )
}

/// The NUL-separated strings of a section, trimmed; borrowed unless they need UTF-8 repair.
fn nul_strings(data: &[u8]) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    data.split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| match String::from_utf8_lossy(s) {
            Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
            Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
        })
}

/// A section read whole (`None` when there is none). One that is larger than `cap` or cannot be
/// read (no memory, or the file changed) is an error naming it, never taken as absent.
fn section_data<'a, R: Input<'a>>(
    file: &object::File<'a, R>,
    name: &str,
    cap: u64,
) -> Result<Option<&'a [u8]>> {
    let Some(s) = file.section_by_name(name) else {
        return Ok(None);
    };
    if s.size() > cap && s.file_range().is_some() {
        bail!(
            "section `{name}` is {} bytes, more than tiercheck reads ({cap})",
            s.size()
        );
    }
    s.data().map(Some).map_err(|e| {
        let (offset, size) = s.file_range().unwrap_or((0, 0));
        anyhow!("section `{name}` ({size} bytes at offset {offset}) cannot be read: {e}")
    })
}

/// The description of the first ELF note in a note section (for `.note.gnu.build-id`).
fn note_desc(data: &[u8], little: bool) -> Option<&[u8]> {
    let word = |i: usize| -> Option<usize> {
        let b: [u8; 4] = data.get(i..i + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        } as usize)
    };
    let (namesz, descsz) = (word(0)?, word(4)?);
    let start = 12usize.checked_add(namesz.checked_add(3)? & !3)?;
    data.get(start..start.checked_add(descsz)?)
}

/// (tag, value) pairs of `.dynamic`, decoded by hand for 32/64-bit and either endianness.
fn dynamic_entries(data: &[u8], is64: bool, little: bool) -> Vec<(i64, u64)> {
    let size = if is64 { 16 } else { 8 };
    let half = size / 2;
    let read = |b: &[u8]| -> u64 {
        let mut v = 0u64;
        for (i, byte) in b.iter().enumerate() {
            let shift = if little { i } else { b.len() - 1 - i } * 8;
            v |= u64::from(*byte) << shift;
        }
        v
    };
    let mut out = vec![];
    for e in data.chunks_exact(size) {
        let tag = read(&e[..half]);
        let tag = if is64 {
            tag as i64
        } else {
            i64::from(tag as u32 as i32)
        };
        if tag == 0 {
            break;
        }
        out.push((tag, read(&e[half..])));
    }
    out
}

/// The string at `off` in `.dynstr`; an offset outside it is an error, not a missing entry.
fn dynstr(strtab: &[u8], off: u64) -> Result<String> {
    let rest = usize::try_from(off).ok().and_then(|o| strtab.get(o..));
    let end = rest.and_then(|r| r.iter().position(|b| *b == 0));
    match (rest, end) {
        (Some(r), Some(end)) => Ok(String::from_utf8_lossy(&r[..end]).to_string()),
        _ => bail!("section `.dynamic` names string {off}, which is not in `.dynstr`"),
    }
}

/// The strings in first-seen order, each once (linear: a `.comment` may hold millions).
fn distinct<'a>(strings: impl Iterator<Item = Cow<'a, str>>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = vec![];
    for s in strings {
        if !seen.contains(&s) {
            out.push(s.to_string());
            seen.insert(s);
        }
    }
    out
}

const DT_NEEDED: i64 = 1;
const DT_RPATH: i64 = 15;
const DT_RUNPATH: i64 = 29;
const DT_FLAGS_1: i64 = 0x6fff_fffb;
const DF_1_PIE: u64 = 0x0800_0000;

pub fn inspect<'a, R: Input<'a>>(data: R) -> Result<ElfFacts> {
    if data.read_bytes_at(0, 4) != Ok(b"\x7fELF") {
        if let Some(why) = super::macho::refusal(data.read_bytes_at(0, 4).unwrap_or(&[])) {
            bail!(why);
        }
        bail!("not an ELF file");
    }
    bounds::check_layout(data)?;
    let file = match object::File::parse(data) {
        Ok(f) => f,
        Err(e) => bail!("truncated or malformed ELF: {e}"),
    };
    let mut f = ElfFacts {
        class: if file.is_64() {
            ElfClass::Elf64
        } else {
            ElfClass::Elf32
        },
        machine: format!("{:?}", file.architecture()).to_lowercase(),
        ..Default::default()
    };
    read_toolchain(&file, &mut f)?;
    read_bolt(&file, &mut f)?;
    read_sections(data, &file, &mut f)?;
    read_symbols(&file, &mut f)?;
    read_dynamic(&file, &mut f)?;
    Ok(f)
}

/// rustc (version, channel, Cranelift) and the linker, from `.comment`.
fn read_toolchain<'a, R: Input<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) -> Result<()> {
    if let Some(c) = section_data(file, ".comment", COMMENT_CAP)? {
        f.comment = distinct(nul_strings(c));
    }
    f.rustc = f
        .comment
        .iter()
        .filter(|s| s.starts_with("rustc version "))
        .cloned()
        .collect();
    f.cranelift = f.rustc.iter().any(|s| s.contains("with cranelift"));
    f.rustc_channel = f.rustc.first().map(|s| {
        let v = s
            .trim_start_matches("rustc version ")
            .split(' ')
            .next()
            .unwrap_or("");
        if v.contains("-nightly") || v.contains("-dev") {
            Channel::Nightly
        } else if v.contains("-beta") {
            Channel::Beta
        } else {
            Channel::Stable
        }
    });
    let linker = f
        .comment
        .iter()
        .find_map(|s| linker_of_comment(s).map(|l| (l, s.clone())));
    let gold = file.section_by_name(".note.gnu.gold-version").is_some();
    (f.linker, f.linker_comment) = match (linker, gold) {
        (Some((l, s)), _) => (l, Some(s)),
        (None, true) => (LinkerSeen::Gold, None),
        (None, false) => (LinkerSeen::NoneRecorded, None),
    };
    Ok(())
}

/// Whether BOLT rewrote the binary (and how), and whether it could (relocations kept).
fn read_bolt<'a, R: Input<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) -> Result<()> {
    if let Some(note) = section_data(file, ".note.bolt_info", SMALL_CAP)? {
        let info: String = nul_strings(note)
            .filter(|s| s.contains("BOLT"))
            .collect::<Vec<_>>()
            .join(" ");
        let info = info
            .get(info.find("BOLT").unwrap_or(0)..)
            .unwrap_or("")
            .to_string();
        f.bolt = Some(Bolt {
            instrumented: info.contains("-instrument"),
            info,
        });
    } else if file.section_by_name(".bolt.org.text").is_some() {
        f.bolt = Some(Bolt {
            instrumented: false,
            info: "(.bolt.org.text present, no .note.bolt_info)".into(),
        });
    }
    f.bolt_ready = file.section_by_name(".rela.text").is_some();
    Ok(())
}

/// Debug sections, what was stripped, PGO instrumentation sections, the .dwo files named.
fn read_sections<'a, R: Input<'a>>(
    data: R,
    file: &object::File<'a, R>,
    f: &mut ElfFacts,
) -> Result<()> {
    let mut has_symtab = false;
    for s in file.sections() {
        // Every name was read once already (bounds::check_layout); not UTF-8 is no error.
        let name = String::from_utf8_lossy(s.name_bytes()?);
        match &*name {
            ".symtab" => has_symtab = true,
            "__llvm_prf_cnts" | "__llvm_prf_data" | "__llvm_prf_names" => f.pgo_instrumented = true,
            n if n.starts_with(".debug_") && n != ".debug_gdb_scripts" => {
                f.debug_sections.push(n.to_string())
            }
            _ => {}
        }
    }
    f.stripped = match (has_symtab, f.debug_sections.is_empty()) {
        (false, _) => Stripped::Symbols,
        (true, true) => Stripped::Debuginfo,
        (true, false) => Stripped::None,
    };
    f.dwo_names = dwo_names(data, file)?;
    Ok(())
}

/// The `.dwo` names in `.debug_str`, sorted, each once. Scanned in chunks: the section is
/// hundreds of MB in large binaries with full debuginfo.
fn dwo_names<'a, R: Input<'a>>(data: R, file: &object::File<'a, R>) -> Result<Vec<String>> {
    const MAX_NAMES: usize = 1_000_000;
    let Some((offset, size)) = file
        .section_by_name(".debug_str")
        .and_then(|s| s.file_range())
    else {
        return Ok(vec![]);
    };
    if size > SCAN_CAP {
        bail!("section `.debug_str` is {size} bytes, more than tiercheck reads ({SCAN_CAP})");
    }
    let mut names = std::collections::BTreeSet::new();
    let read = bounds::scan_strings(data, offset, size, |s| {
        if names.len() < MAX_NAMES {
            let s = String::from_utf8_lossy(s);
            if s.trim().ends_with(".dwo") {
                names.insert(s.trim().to_string());
            }
        }
    });
    if !read {
        bail!("section `.debug_str` ({size} bytes at offset {offset}) cannot be read");
    }
    if names.len() >= MAX_NAMES {
        bail!("section `.debug_str` names more than {MAX_NAMES} .dwo files");
    }
    Ok(names.into_iter().collect())
}

/// PGO runtime symbols and ThinLTO's `.llvm.<N>` suffixes. A name that cannot be read is an
/// error, not a symbol without a name (non-UTF-8 names are read as bytes).
fn read_symbols<'a, R: Input<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) -> Result<()> {
    for sym in file.symbols() {
        f.symbols += 1;
        let name = sym
            .name_bytes()
            .map_err(|e| anyhow!("symbol {} of `.symtab`: {e}", sym.index().0))?;
        if name.starts_with(b"__llvm_profile_") {
            f.pgo_instrumented = true;
        }
        let suffix = name
            .windows(6)
            .position(|w| w == b".llvm.")
            .and_then(|pos| name.get(pos + 6));
        if suffix.is_some_and(u8::is_ascii_digit) {
            f.llvm_suffixed_symbols += 1;
        }
    }
    Ok(())
}

/// Build ID, interpreter, DT_NEEDED/RUNPATH/RPATH, and from them kind, PIE and linkage.
fn read_dynamic<'a, R: Input<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) -> Result<()> {
    let little = file.is_little_endian();
    if let Some(d) = section_data(file, ".note.gnu.build-id", SMALL_CAP)? {
        let Some(id) = note_desc(d, little) else {
            bail!("section `.note.gnu.build-id` holds no whole note");
        };
        f.build_id = Some(id.iter().map(|b| format!("{b:02x}")).collect());
    }
    f.interpreter = section_data(file, ".interp", SMALL_CAP)?.map(|d| {
        String::from_utf8_lossy(d)
            .trim_end_matches('\0')
            .to_string()
    });
    let pie_flag = read_dynamic_tags(file, f)?;
    let is_dyn = file.kind() == object::ObjectKind::Dynamic;
    f.kind = match file.kind() {
        object::ObjectKind::Executable => ObjectKind::Executable,
        object::ObjectKind::Dynamic if f.interpreter.is_some() || pie_flag => {
            ObjectKind::Executable
        }
        object::ObjectKind::Dynamic => ObjectKind::SharedObject,
        object::ObjectKind::Relocatable => ObjectKind::Relocatable,
        object::ObjectKind::Core => ObjectKind::Core,
        _ => ObjectKind::Unknown,
    };
    f.pie = is_dyn && (f.interpreter.is_some() || pie_flag);
    f.linkage = match (f.interpreter.is_some() || !f.needed.is_empty(), is_dyn) {
        (true, _) => Linkage::Dynamic,
        (false, true) => Linkage::StaticPie,
        (false, false) => Linkage::Static,
    };
    Ok(())
}

/// DT_NEEDED, DT_RUNPATH and DT_RPATH from `.dynamic`; whether DT_FLAGS_1 says PIE.
fn read_dynamic_tags<'a, R: Input<'a>>(
    file: &object::File<'a, R>,
    f: &mut ElfFacts,
) -> Result<bool> {
    let Some(dynamic) = section_data(file, ".dynamic", SMALL_CAP)? else {
        return Ok(false);
    };
    let entry = if file.is_64() { 16 } else { 8 };
    if dynamic.len() % entry != 0 {
        bail!(
            "section `.dynamic` ({} bytes) is not a whole number of {entry}-byte entries",
            dynamic.len()
        );
    }
    let strtab = section_data(file, ".dynstr", SMALL_CAP)?.unwrap_or(&[]);
    let paths = |val| -> Result<Vec<String>> {
        Ok(dynstr(strtab, val)?.split(':').map(String::from).collect())
    };
    let mut pie_flag = false;
    for (tag, val) in dynamic_entries(dynamic, file.is_64(), file.is_little_endian()) {
        match tag {
            DT_NEEDED => f.needed.push(dynstr(strtab, val)?),
            DT_RUNPATH => f.runpath.extend(paths(val)?),
            DT_RPATH => f.rpath.extend(paths(val)?),
            DT_FLAGS_1 => pie_flag = val & DF_1_PIE != 0,
            _ => {}
        }
    }
    Ok(pie_flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linker_strings_from_real_binaries() {
        assert_eq!(
            linker_of_comment("Linker: LLD 22.1.2 (/checkout/src/llvm-project/llvm 4f0d2ab)"),
            Some(LinkerSeen::RustLld)
        );
        assert_eq!(
            linker_of_comment("Linker: Debian LLD 22.1.8"),
            Some(LinkerSeen::Lld)
        );
        assert_eq!(
            linker_of_comment("mold 1.10.1 (compatible with GNU ld)"),
            Some(LinkerSeen::Mold)
        );
        assert_eq!(
            linker_of_comment("Linker: Wild 0.10.0"),
            Some(LinkerSeen::Wild)
        );
        assert_eq!(linker_of_comment("GCC: (Debian 12.2.0-14) 12.2.0"), None);
        assert_eq!(linker_of_comment("Linker: LLDB thing"), None);
    }

    #[test]
    fn non_elf_and_truncated() {
        assert!(inspect(&b""[..])
            .unwrap_err()
            .to_string()
            .contains("not an ELF"));
        assert!(inspect(&b"hello world"[..])
            .unwrap_err()
            .to_string()
            .contains("not an ELF"));
        let e = inspect(&b"\x7fELF\x02\x01\x01\0\0\0"[..])
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated or malformed"), "{e}");
    }

    #[test]
    fn comment_strings_dedupe_in_order() {
        let strings = ["b", "a", "b", "c", "a"].map(Cow::from);
        assert_eq!(distinct(strings.into_iter()), ["b", "a", "c"]);
        // 300k distinct strings (quadratic `Vec::contains` took minutes; no timing asserted
        // here, the shared machine is noisy: .ci/e2e-harden.sh times the 80k case end to end).
        let many = distinct((0..300_000).map(|i| Cow::from(format!("GCC: build {i}"))));
        assert_eq!(many.len(), 300_000);
    }

    /// Little-endian ELF64 fields, to make hostile copies of the test binary.
    mod elf64 {
        pub fn u16_at(b: &[u8], at: usize) -> usize {
            u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize
        }
        pub fn u32_at(b: &[u8], at: usize) -> usize {
            u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
        }
        pub fn u64_at(b: &[u8], at: usize) -> usize {
            u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize
        }
        pub fn put(b: &mut [u8], at: usize, v: u64, width: usize) {
            b[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
        }
        /// Where the section header of `name` is.
        pub fn shdr(b: &[u8], name: &str) -> usize {
            let (shoff, size) = (u64_at(b, 0x28), u16_at(b, 0x3a));
            let strtab = u64_at(b, shoff + u16_at(b, 0x3e) * size + 0x18);
            (0..u16_at(b, 0x3c))
                .map(|i| shoff + i * size)
                .find(|h| {
                    let n = &b[strtab + u32_at(b, *h)..];
                    n.starts_with(name.as_bytes()) && n[name.len()] == 0
                })
                .unwrap_or_else(|| panic!("no section {name}"))
        }
        /// (file offset, size) of section `name`.
        pub fn range(b: &[u8], name: &str) -> (usize, usize) {
            let h = shdr(b, name);
            (u64_at(b, h + 0x18), u64_at(b, h + 0x20))
        }
    }

    fn test_binary() -> Option<Vec<u8>> {
        let data = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        data.starts_with(b"\x7fELF\x02\x01").then_some(data)
    }

    fn error_of(data: &[u8]) -> String {
        format!("{:#}", inspect(data).expect_err("an error"))
    }

    /// A `.comment` past the end of the file read as "rustc none recorded" (exit 0).
    #[test]
    fn a_section_past_the_end_is_an_error_naming_it() {
        let Some(mut data) = test_binary() else {
            return;
        };
        let h = elf64::shdr(&data, ".comment");
        elf64::put(&mut data, h + 0x20, 2 << 30, 8);
        let e = error_of(&data);
        assert!(
            e.contains("section `.comment` (2147483648 bytes at offset"),
            "{e}"
        );
        assert!(e.contains("runs past the end of the file"), "{e}");
    }

    /// The test binary edited by `patch` must be refused with an error containing `want`.
    fn refused(patch: impl FnOnce(&mut Vec<u8>), want: &str) {
        let Some(mut data) = test_binary() else {
            return;
        };
        patch(&mut data);
        let e = error_of(&data);
        assert!(e.contains(want), "want {want:?} in: {e}");
    }

    // Unreadable used to count as absent, each of these silently.

    /// `.comment` vanished: "rustc none recorded".
    #[test]
    fn a_section_name_outside_shstrtab_is_an_error() {
        refused(
            |d| {
                let h = elf64::shdr(d, ".comment");
                elf64::put(d, h, 0xffff_fff0, 4);
            },
            "its name is outside the section name table",
        );
    }

    /// The symbol was skipped (a `__llvm_profile_*` one would have hidden PGO instrumentation).
    #[test]
    fn a_symbol_name_outside_strtab_is_an_error() {
        refused(
            |d| {
                let (symtab, _) = elf64::range(d, ".symtab");
                elf64::put(d, symtab + 24, 0xffff_fff0, 4);
            },
            "symbol 1 of `.symtab`",
        );
    }

    /// The DT_NEEDED entry was dropped (and with it "dynamic" linkage).
    #[test]
    fn a_dynamic_string_outside_dynstr_is_an_error() {
        refused(
            |d| {
                let (at, _) = elf64::range(d, ".dynamic");
                assert_eq!(elf64::u64_at(d, at), DT_NEEDED as usize);
                elf64::put(d, at + 8, 0xffff_fff0, 8);
            },
            "names string 4294967280, which is not in `.dynstr`",
        );
    }

    /// No build id was shown.
    #[test]
    fn a_build_id_note_cut_short_is_an_error() {
        refused(
            |d| {
                let h = elf64::shdr(d, ".note.gnu.build-id");
                elf64::put(d, h + 0x20, 8, 8);
            },
            "`.note.gnu.build-id` holds no whole note",
        );
    }

    #[test]
    fn dwo_names_come_from_debug_str_in_order() {
        let Some(mut data) = test_binary() else {
            return;
        };
        let (at, size) = elf64::range(&data, ".debug_str");
        let names = b"\0z/b.dwo\0a.dwo\0z/b.dwo\0not-a-dwo\0";
        assert!(size > names.len());
        data[at..at + names.len()].copy_from_slice(names);
        let f = inspect(&data[..]).unwrap();
        assert_eq!(f.dwo_names, ["a.dwo", "z/b.dwo"]);
    }

    #[test]
    fn inspects_the_test_binary_itself() {
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(exe).unwrap();
        // crane runs these tests on every system the flake declares: on darwin the test binary
        // is Mach-O, which inspect refuses with its reason (see macho.rs).
        if cfg!(target_vendor = "apple") {
            let e = inspect(&data[..]).unwrap_err().to_string();
            assert!(e.contains("Mach-O"), "{e}");
        } else {
            let f = inspect(&data[..]).unwrap();
            assert_eq!(f.class, ElfClass::Elf64);
            assert!(!f.rustc.is_empty());
        }
        // Every prefix must be an error or facts, never a panic.
        for cut in [16, 64, 100, 1000, data.len() / 2, data.len() - 1] {
            let _ = inspect(&data[..cut]);
        }
    }
}
