//! Proof that a merged profile came from the trained binary: it must hold functions of the
//! binary's own crate with non-zero counts. Build scripts and proc macros are instrumented too
//! and write profiles of their own crates, so "some .profraw exists" proves nothing.
//!
//! Function names in `llvm-profdata show --all-functions --counts` are mangled symbols, those
//! with local linkage prefixed by the codegen unit that compiled them (`<crate>.<hash>-cgu.N;`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    /// The trained binary's crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Functions of that crate in the profile.
    pub functions: usize,
    /// Of those, how many ran during training.
    pub executed: usize,
    /// Functions of any crate in the profile.
    pub total_functions: usize,
}

/// The crate name Cargo gives a binary target: its name with `-` as `_`.
pub fn crate_of_binary(bin: &Path) -> String {
    bin.file_name()
        .map(|n| n.to_string_lossy().replace('-', "_"))
        .unwrap_or_default()
}

/// Whether a profile function name belongs to `krate` (compiled in it, or defined in it).
fn in_crate(name: &str, krate: &str) -> bool {
    let (cgu, symbol) = match name.rsplit_once(';') {
        Some((c, s)) => (Some(c), s),
        None => (None, name),
    };
    if cgu.is_some_and(|c| c.split('.').next() == Some(krate)) {
        return true;
    }
    let ident = format!("{}{krate}", krate.len());
    if let Some(rest) = symbol.strip_prefix("_ZN") {
        return rest.starts_with(&ident);
    }
    // v0 mangling: the crate root is `C`, an optional `s<base-62>_` disambiguator, then the name.
    symbol.starts_with("_R")
        && symbol.match_indices(&ident).any(|(i, _)| {
            let before = &symbol[..i];
            before.ends_with('C')
                || before
                    .rsplit_once('C')
                    .is_some_and(|(_, d)| d.starts_with('s') && d.ends_with('_'))
        })
}

/// Reads the text of `llvm-profdata show --all-functions --counts`.
pub fn parse(show: &str, krate: &str) -> Coverage {
    let mut c = Coverage {
        krate: krate.to_string(),
        functions: 0,
        executed: 0,
        total_functions: 0,
    };
    let mut current_in_crate = false;
    for line in show.lines() {
        if let Some(name) = line
            .strip_prefix("  ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.strip_suffix(':'))
        {
            c.total_functions += 1;
            current_in_crate = in_crate(name, krate);
            if current_in_crate {
                c.functions += 1;
            }
        } else if let Some(counts) = line.trim_start().strip_prefix("Block counts:") {
            let ran = counts
                .split(|ch: char| !ch.is_ascii_digit())
                .any(|n| !n.is_empty() && n.bytes().any(|b| b != b'0'));
            if current_in_crate && ran {
                c.executed += 1;
            }
            current_in_crate = false;
        }
    }
    c
}

/// Runs llvm-profdata on `profdata` and fails unless training ran code of `bin`'s crate.
pub fn check(llvm_profdata: &Path, profdata: &Path, bin: &Path) -> Result<Coverage> {
    let krate = crate_of_binary(bin);
    let out = crate::child::output(
        Command::new(llvm_profdata)
            .args(["show", "--all-functions", "--counts"])
            .arg(profdata),
        "llvm-profdata show",
        Some(Duration::from_secs(600)),
    )?;
    if !out.status.success() {
        bail!(
            "llvm-profdata show {} failed: {}",
            profdata.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
    }
    let c = parse(&String::from_utf8_lossy(&out.stdout), &krate);
    if c.executed == 0 {
        bail!(
            "the training never ran {}: the merged profile has {} function(s) of crate {} with counts ({} functions in all, from other programs). Make the --pgo commands run \"$BIN\"",
            bin.display(),
            c.executed,
            krate,
            c.total_functions
        );
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shape of LLVM 22's output on examples/cpu-bound (names shortened).
    const SHOW: &str = "Counters:
  minilisp.fb7a95dc1b213d11-cgu.0;_ZN8minilisp4eval6Interp9body_list17h54c67d7cf606aaefE:
    Hash: 0x01e04958b87042dd
    Counters: 6
    Block counts: [1167852, 583926, 0, 0, 0, 0]
  minilisp.fb7a95dc1b213d11-cgu.0;_ZN4core3ptr42drop_in_place17h6e96b99ca0d2b465E:
    Hash: 0x0ae15a43ac976867
    Counters: 2
    Block counts: [0, 0]
  _ZN8minilisp4main17h65b014c711e10372E:
    Hash: 0x02fc737de43e0eb4
    Counters: 3
    Block counts: [49, 0, 1]
  _ZN3std2rt10lang_start17hd2459899a8cb6abeE:
    Hash: 0x0a4d0ad3efffffff
    Counters: 1
    Block counts: [7]
Instrumentation level: IR  entry_first = 0  instrument_loop_entries = 0
Functions shown: 4
";

    #[test]
    fn counts_the_crates_functions_that_ran() {
        let c = parse(SHOW, "minilisp");
        assert_eq!((c.functions, c.executed, c.total_functions), (3, 2, 4));
        // A build script's profile: functions, none of the binary's crate.
        let c = parse(SHOW, "ledger");
        assert_eq!((c.functions, c.executed), (0, 0));
    }

    #[test]
    fn crate_names_in_mangled_symbols() {
        assert!(in_crate(
            "_ZN8minilisp4main17h65b014c711e10372E",
            "minilisp"
        ));
        assert!(!in_crate("_ZN8minilisp4main17h65b014c711e10372E", "mini"));
        assert!(!in_crate("_ZN9minilisp24main17hE", "minilisp"));
        assert!(in_crate("_RNvCs1a2b_8minilisp4main", "minilisp"));
        assert!(in_crate("_RNvC8minilisp4main", "minilisp"));
        assert!(!in_crate("_RNvCs1a2b_3std8minilisp", "minilisp"));
        assert!(in_crate(
            "app.abc-cgu.3;_ZN4core3ptr13drop_in_placeE",
            "app"
        ));
        assert!(!in_crate(
            "build_script_build.abc-cgu.0;_ZN18build_script_build4mainE",
            "app"
        ));
        assert_eq!(crate_of_binary(Path::new("/t/release/my-app")), "my_app");
    }
}
