//! What `binary` found in each file, typed: the report's JSON facts are these structs serialised
//! (`{"binaries": [...]}`), and the text lines are rendered from them.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::inspect::ElfFacts;
use super::states::SplitDebuginfo;
use crate::report::Report;

#[derive(Debug, Serialize, Deserialize)]
pub struct BinaryFacts {
    pub file: String,
    pub size: u64,
    /// The Cargo profile the file was built with (`--profile`, or target/<dir>/ it sits in).
    pub profile: Option<String>,
    pub split_debuginfo: SplitDebuginfo,
    pub dwo_found: usize,
    pub dwp: Option<String>,
    pub elf: ElfFacts,
}

/// The facts document of `binary` (and the `binaries` part of `build`'s).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Binaries {
    pub binaries: Vec<BinaryFacts>,
}

/// The text lines of a report whose facts hold `binaries` (`binary`, `build`, the PGO
/// pipeline). `r` is the report as `Report::for_text` gives it: every string escaped already.
pub fn facts_text(r: &Report) -> String {
    match Binaries::deserialize(&r.facts) {
        Ok(doc) => lines(&doc.binaries),
        Err(e) => format!("(binary facts unreadable: {e})\n"),
    }
}

/// The text lines of each binary.
pub fn lines(binaries: &[BinaryFacts]) -> String {
    binaries.iter().map(text).collect()
}

fn text(b: &BinaryFacts) -> String {
    let e = &b.elf;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut s = String::new();
    let pie = if e.pie { "PIE " } else { "" };
    let _ = writeln!(
        s,
        "{}: {} {} {pie}{} {} (profile {})",
        b.file,
        e.class,
        e.machine,
        e.linkage,
        e.kind,
        or_dash(&b.profile)
    );
    let rustc = if e.rustc.is_empty() {
        "none recorded".into()
    } else {
        e.rustc.join("; ")
    };
    let channel = e.rustc_channel.map_or("-", |c| c.as_str());
    let cranelift = if e.cranelift { " [cranelift]" } else { "" };
    let _ = writeln!(s, "  rustc      {rustc} ({channel}){cranelift}");
    let comment = e.linker_comment.as_ref().map(|c| format!("  ({c})"));
    let _ = writeln!(
        s,
        "  linker     {}{}",
        e.linker,
        comment.unwrap_or_default()
    );
    s + &layout_text(b)
}

/// Strip and debuginfo state, BOLT and PGO, the dynamic section, the LTO hint.
fn layout_text(b: &BinaryFacts) -> String {
    let e = &b.elf;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".into()
        } else {
            v.join(":")
        }
    };
    let mut s = String::new();
    let dwp = b.dwp.as_ref().map(|d| format!(", {d}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "  strip      {} stripped; {} debug sections; split debuginfo {} ({} .dwo named, {} on disk{dwp})",
        e.stripped,
        e.debug_sections.len(),
        b.split_debuginfo,
        e.dwo_names.len(),
        b.dwo_found
    );
    let bolt = match &e.bolt {
        None => "no".to_string(),
        Some(x) if x.instrumented => "instrumented".into(),
        Some(x) => format!("yes ({})", shorten(&x.info, 100)),
    };
    let _ = writeln!(
        s,
        "  bolt       {bolt}; BOLT-ready (.rela.text): {}; PGO-instrumented: {}",
        e.bolt_ready, e.pgo_instrumented
    );
    let _ = writeln!(
        s,
        "  build-id   {}; interpreter {}; runpath {}; rpath {}",
        or_dash(&e.build_id),
        or_dash(&e.interpreter),
        list(&e.runpath),
        list(&e.rpath)
    );
    let _ = writeln!(
        s,
        "  lto hint   {} `.llvm.<N>` symbols of {} (heuristic)",
        e.llvm_suffixed_symbols, e.symbols
    );
    s
}

/// At most `max` characters, cut at a word boundary and marked with "…" (JSON has it whole).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let at_word = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end_matches([',', ';', ' ']))
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_bolt_info_is_cut_at_a_word() {
        let s =
            "BOLT revision: 1234abcd, command line: llvm-bolt in -o out -reorder-blocks=ext-tsp";
        assert_eq!(super::shorten(s, 200), s);
        assert_eq!(super::shorten(s, 30), "BOLT revision: 1234abcd…");
    }
}
