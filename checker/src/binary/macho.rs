//! Mach-O (darwin) executables: recognised, and refused with the reason, not read as facts.
//!
//! What a Mach-O executable records, and what a tier check could take from it:
//! - the linker: `LC_BUILD_VERSION` lists tool entries (`TOOL_LD` = 3 for ld64, `TOOL_LLD` = 4,
//!   `TOOL_LD_PRIME` = 5, with versions; dyld's `MachOAnalyzer.cpp` names them). No darwin tier
//!   technique changes the linker (mold, Wild and BOLT are ELF-only), so there is nothing to check.
//! - no rustc version: rustc's `llvm.ident` becomes `.comment` only where LLVM's asm info has
//!   `HasIdentDirective` (ELF, COFF, Wasm; not Darwin, e.g. `AArch64MCAsmInfo.cpp`), so neither
//!   the channel nor Cranelift (`with cranelift`) can be seen in the binary.
//! - `LC_UUID`, the `LC_SYMTAB` symbol table (strip state), `N_OSO` debug-map stabs naming the
//!   object files (split debuginfo unpacked) and `__DATA,__llvm_prf_*` sections (PGO
//!   instrumentation) could be read; until that is built, darwin checks verify the project only
//!   (`tiercheck-project-only-...` in the flake), and this says so instead of "not an ELF file".

/// A one-line refusal when `magic` (the file's first 4 bytes) starts a Mach-O or universal file.
pub fn refusal(magic: &[u8]) -> Option<&'static str> {
    const MAGICS: [[u8; 4]; 5] = [
        [0xcf, 0xfa, 0xed, 0xfe], // MH_MAGIC_64, little-endian (x86_64, arm64)
        [0xce, 0xfa, 0xed, 0xfe], // MH_MAGIC, little-endian
        [0xfe, 0xed, 0xfa, 0xcf], // MH_MAGIC_64, big-endian
        [0xfe, 0xed, 0xfa, 0xce], // MH_MAGIC, big-endian
        [0xca, 0xfe, 0xba, 0xbe], // FAT_MAGIC (universal binary)
    ];
    MAGICS.iter().any(|m| magic.starts_with(m)).then_some(
        "a Mach-O file: tiercheck binary reads ELF only (Mach-O records no rustc version); \
         on darwin verify the project with tiercheck project",
    )
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn recognises_thin_and_universal_mach_o_only() {
        for magic in [
            &b"\xcf\xfa\xed\xfe\x0c\x00"[..],
            b"\xca\xfe\xba\xbe",
            b"\xce\xfa\xed\xfe",
        ] {
            assert!(refusal(magic).unwrap().contains("Mach-O"));
        }
        for other in [&b"\x7fELF"[..], b"MZ\x90\0", b"", b"\xcf\xfa"] {
            assert!(refusal(other).is_none());
        }
    }
}
