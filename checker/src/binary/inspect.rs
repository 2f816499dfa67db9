//! Facts from an ELF file's bytes: who compiled and linked it, how it was stripped, whether BOLT
//! or PGO touched it. Pure (no file system access): it reads through `object`'s `ReadRef`, a
//! byte slice (the fuzz target) or a file read on demand (`source.rs`).

use std::borrow::Cow;
use std::collections::HashSet;

use anyhow::{bail, Result};
use object::{Object, ObjectSection, ObjectSymbol, ReadRef};
use serde::Serialize;

#[derive(Debug, Default, Serialize)]
pub struct ElfFacts {
    pub class: &'static str,
    pub machine: String,
    pub kind: &'static str,
    /// `rustc version ...` strings from `.comment`, deduplicated.
    pub rustc: Vec<String>,
    /// stable | beta | nightly (from the first rustc string).
    pub rustc_channel: Option<String>,
    pub cranelift: bool,
    /// rust-lld | lld | mold | wild | gold | none-recorded
    pub linker: String,
    pub linker_comment: Option<String>,
    pub comment: Vec<String>,
    pub bolt: Option<Bolt>,
    /// `.rela.text` kept (linked with -q / --emit-relocs), which BOLT needs.
    pub bolt_ready: bool,
    pub pgo_instrumented: bool,
    /// none | debuginfo | symbols
    pub stripped: &'static str,
    pub debug_sections: Vec<String>,
    /// `.dwo` names the skeleton compile units point at.
    pub dwo_names: Vec<String>,
    pub build_id: Option<String>,
    pub pie: bool,
    pub interpreter: Option<String>,
    /// static | static-pie | dynamic
    pub linkage: &'static str,
    pub needed: Vec<String>,
    pub runpath: Vec<String>,
    pub rpath: Vec<String>,
    /// Heuristic: symbols with `.llvm.<N>` suffixes (ThinLTO promotes locals that way).
    pub llvm_suffixed_symbols: usize,
    pub symbols: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bolt {
    pub instrumented: bool,
    pub info: String,
}

/// One `.comment` string says who linked: rust-lld, system LLD, mold, Wild.
pub fn linker_of_comment(s: &str) -> Option<&'static str> {
    if s.starts_with("Linker: Wild ") {
        return Some("wild");
    }
    if s.starts_with("mold ") {
        return Some("mold");
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
            "rust-lld"
        } else {
            "lld"
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

fn section_data<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, name: &str) -> Option<&'a [u8]> {
    file.section_by_name(name).and_then(|s| s.data().ok())
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

fn dynstr(strtab: &[u8], off: u64) -> Option<String> {
    let rest = strtab.get(usize::try_from(off).ok()?..)?;
    let end = rest.iter().position(|b| *b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).to_string())
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

pub fn inspect<'a, R: ReadRef<'a>>(data: R) -> Result<ElfFacts> {
    if data.read_bytes_at(0, 4) != Ok(b"\x7fELF") {
        if let Some(why) = super::macho::refusal(data.read_bytes_at(0, 4).unwrap_or(&[])) {
            bail!(why);
        }
        bail!("not an ELF file");
    }
    let file = match object::File::parse(data) {
        Ok(f) => f,
        Err(e) => bail!("truncated or malformed ELF: {e}"),
    };
    let mut f = ElfFacts {
        class: if file.is_64() { "ELF64" } else { "ELF32" },
        machine: format!("{:?}", file.architecture()).to_lowercase(),
        ..Default::default()
    };
    read_toolchain(&file, &mut f);
    read_bolt(&file, &mut f);
    read_sections(&file, &mut f);
    read_symbols(&file, &mut f);
    read_dynamic(&file, &mut f);
    Ok(f)
}

/// rustc (version, channel, Cranelift) and the linker, from `.comment`.
fn read_toolchain<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) {
    if let Some(c) = section_data(file, ".comment") {
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
            "nightly"
        } else if v.contains("-beta") {
            "beta"
        } else {
            "stable"
        }
        .to_string()
    });
    let linker = f
        .comment
        .iter()
        .find_map(|s| linker_of_comment(s).map(|l| (l, s.clone())));
    let gold = file.section_by_name(".note.gnu.gold-version").is_some();
    (f.linker, f.linker_comment) = match (linker, gold) {
        (Some((l, s)), _) => (l.to_string(), Some(s)),
        (None, true) => ("gold".into(), None),
        (None, false) => ("none-recorded".into(), None),
    };
}

/// Whether BOLT rewrote the binary (and how), and whether it could (relocations kept).
fn read_bolt<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) {
    if let Some(note) = section_data(file, ".note.bolt_info") {
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
}

/// Debug sections, what was stripped, PGO instrumentation sections, the .dwo files named.
fn read_sections<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) {
    let mut has_symtab = false;
    for s in file.sections() {
        let Ok(name) = s.name() else { continue };
        match name {
            ".symtab" => has_symtab = true,
            "__llvm_prf_cnts" | "__llvm_prf_data" | "__llvm_prf_names" => f.pgo_instrumented = true,
            n if n.starts_with(".debug_") && n != ".debug_gdb_scripts" => {
                f.debug_sections.push(n.to_string())
            }
            _ => {}
        }
    }
    f.stripped = match (has_symtab, f.debug_sections.is_empty()) {
        (false, _) => "symbols",
        (true, true) => "debuginfo",
        (true, false) => "none",
    };
    if let Some(strs) = section_data(file, ".debug_str") {
        f.dwo_names = nul_strings(strs)
            .filter(|s| s.ends_with(".dwo"))
            .map(Cow::into_owned)
            .collect();
        f.dwo_names.sort();
        f.dwo_names.dedup();
    }
}

/// PGO runtime symbols and ThinLTO's `.llvm.<N>` suffixes.
fn read_symbols<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) {
    for sym in file.symbols() {
        f.symbols += 1;
        let Ok(name) = sym.name() else { continue };
        if name.starts_with("__llvm_profile_") {
            f.pgo_instrumented = true;
        }
        if let Some(pos) = name.find(".llvm.") {
            if name[pos + 6..].starts_with(|c: char| c.is_ascii_digit()) {
                f.llvm_suffixed_symbols += 1;
            }
        }
    }
}

/// Build ID, interpreter, DT_NEEDED/RUNPATH/RPATH, and from them kind, PIE and linkage.
fn read_dynamic<'a, R: ReadRef<'a>>(file: &object::File<'a, R>, f: &mut ElfFacts) {
    let (is64, little) = (file.is_64(), file.is_little_endian());
    f.build_id = section_data(file, ".note.gnu.build-id")
        .and_then(|d| note_desc(d, little))
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect());
    f.interpreter = section_data(file, ".interp").map(|d| {
        String::from_utf8_lossy(d)
            .trim_end_matches('\0')
            .to_string()
    });
    let dynstr_data = section_data(file, ".dynstr").unwrap_or(&[]);
    let mut pie_flag = false;
    if let Some(dynamic) = section_data(file, ".dynamic") {
        for (tag, val) in dynamic_entries(dynamic, is64, little) {
            match tag {
                DT_NEEDED => f.needed.extend(dynstr(dynstr_data, val)),
                DT_RUNPATH => f.runpath.extend(
                    dynstr(dynstr_data, val)
                        .map(|s| s.split(':').map(String::from).collect::<Vec<_>>())
                        .unwrap_or_default(),
                ),
                DT_RPATH => f.rpath.extend(
                    dynstr(dynstr_data, val)
                        .map(|s| s.split(':').map(String::from).collect::<Vec<_>>())
                        .unwrap_or_default(),
                ),
                DT_FLAGS_1 => pie_flag = val & DF_1_PIE != 0,
                _ => {}
            }
        }
    }
    let is_dyn = file.kind() == object::ObjectKind::Dynamic;
    f.kind = match file.kind() {
        object::ObjectKind::Executable => "executable",
        object::ObjectKind::Dynamic if f.interpreter.is_some() || pie_flag => "executable",
        object::ObjectKind::Dynamic => "shared-object",
        object::ObjectKind::Relocatable => "relocatable",
        object::ObjectKind::Core => "core",
        _ => "unknown",
    };
    f.pie = is_dyn && (f.interpreter.is_some() || pie_flag);
    f.linkage = match (f.interpreter.is_some() || !f.needed.is_empty(), is_dyn) {
        (true, _) => "dynamic",
        (false, true) => "static-pie",
        (false, false) => "static",
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linker_strings_from_real_binaries() {
        assert_eq!(
            linker_of_comment("Linker: LLD 22.1.2 (/checkout/src/llvm-project/llvm 4f0d2ab)"),
            Some("rust-lld")
        );
        assert_eq!(linker_of_comment("Linker: Debian LLD 22.1.8"), Some("lld"));
        assert_eq!(
            linker_of_comment("mold 1.10.1 (compatible with GNU ld)"),
            Some("mold")
        );
        assert_eq!(linker_of_comment("Linker: Wild 0.10.0"), Some("wild"));
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
            assert_eq!(f.class, "ELF64");
            assert!(!f.rustc.is_empty());
        }
        // Every prefix must be an error or facts, never a panic.
        for cut in [16, 64, 100, 1000, data.len() / 2, data.len() - 1] {
            let _ = inspect(&data[..cut]);
        }
    }
}
