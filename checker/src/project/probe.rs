//! Where Cargo asks rustc, ask the trusted rustc the same question. Before it compiles anything
//! Cargo learns the target with `rustc - --crate-name ___ --print=file-names <rustflags>
//! [--target T] --crate-type bin ... --print=sysroot --print=split-debuginfo --print=crate-name
//! --print=cfg` (cargo's `target_info.rs`), and stops when rustc refuses a flag: an unknown
//! option, a value rustc does not take, a value stable only for some values
//! (`-C linker-features=+lld`, `-C link-self-contained=+linker`, `-C linker-flavor=gnu-lld-cc`
//! on stable or beta). tiercheck runs that call with the trusted toolchain (absolute rustc, the
//! toolchain named, from `/`, stdin empty) on the rustflags in force, minus every flag that would
//! load code into rustc, make it write or read files the checkout names, or run a program
//! (`stripped`), and maps a refusal to the flag's own file:line:col.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::project::config::Def;
use crate::project::ctx::{at_def, Ctx};
use crate::report::{Finding, Rule};
use crate::tiers::Channel;
use crate::toolchain::{Choice, Rustc};

/// One rustc argument of the rustflags (a flag and its value, one or two tokens).
#[derive(Debug, Clone)]
pub struct RArg {
    pub tokens: Vec<String>,
    pub key: String,
    pub def: Def,
}

impl RArg {
    /// The flag and its value as one string (`-C`/`-Z` options as `C:name`).
    fn flag(&self) -> (&str, Option<&str>) {
        let first = self.tokens[0].as_str();
        let rest = self.tokens.get(1).map(String::as_str);
        match first {
            "-C" | "--codegen" | "-Z" | "-L" | "-l" | "-o" | "-W" | "-A" | "-D" | "-F" => {
                (first, rest)
            }
            s if s.starts_with("--") => match s.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (s, rest),
            },
            s if s.len() > 2 && s.starts_with('-') && "CZLloWADF".contains(&s[1..2]) => {
                (&s[..2], Some(&s[2..]))
            }
            s => (s, rest),
        }
    }
    pub fn shown(&self) -> String {
        self.tokens.join(" ")
    }
}

/// rustc's options that take a value (a separate token unless joined with `=` or attached).
const SHORT_WITH_VALUE: &[&str] = &["-C", "-Z", "-L", "-l", "-o", "-W", "-A", "-D", "-F"];
const LONG_WITH_VALUE: &[&str] = &[
    "--codegen",
    "--cfg",
    "--check-cfg",
    "--crate-type",
    "--crate-name",
    "--edition",
    "--emit",
    "--print",
    "--out-dir",
    "--explain",
    "--target",
    "--cap-lints",
    "--extern",
    "--sysroot",
    "--error-format",
    "--json",
    "--color",
    "--diagnostic-width",
    "--remap-path-prefix",
    "--remap-path-scope",
    "--env-set",
    "--warn",
    "--allow",
    "--deny",
    "--forbid",
    "--force-warn",
    "--extern-location",
    "--unpretty",
    "--out-dir",
    "--default-linker-libraries",
];

/// Splits rustflags tokens into rustc arguments, each with where its first token came from.
pub fn rustc_args(tokens: &[(String, String, Def)]) -> Vec<RArg> {
    let mut out = vec![];
    let mut i = 0;
    while i < tokens.len() {
        let (t, key, def) = &tokens[i];
        let takes_next = SHORT_WITH_VALUE.contains(&t.as_str())
            || (LONG_WITH_VALUE.contains(&t.as_str()) && !t.contains('='));
        let n = if takes_next && i + 1 < tokens.len() {
            2
        } else {
            1
        };
        out.push(RArg {
            tokens: tokens[i..i + n].iter().map(|(t, _, _)| t.clone()).collect(),
            key: key.clone(),
            def: def.clone(),
        });
        i += n;
    }
    out
}

fn codegen_backend_is_path(v: &str) -> bool {
    v.contains('/') || [".so", ".dylib", ".dll"].iter().any(|s| v.ends_with(s))
}

/// `-Z` options that load code, write files, read files the checkout names, or print instead
/// of answering (nightly `rustc -Z help`); a name not listed and unknown to rustc is refused
/// while options are parsed, before anything runs.
const Z_STRIPPED: &[&str] = &[
    "llvm-plugins",        // dlopened into LLVM, which --print=cfg starts
    "self-profile",        // writes <crate>-<pid>.mm_profdata at exit
    "temps-dir",           // a directory rustc writes to
    "split-dwarf-out-dir", // writes .dwo files there
    "metrics-dir",         // writes metrics
    "remark-dir",          // writes remarks
    "nll-facts",           // writes facts files
    "nll-facts-dir",
    "llvm-time-trace",            // writes llvm_timings.json
    "print-codegen-stats-json",   // writes a JSON file
    "profile-sample-use",         // reads a file relative to rustc's directory
    "sanitizer-dataflow-abilist", // reads files
    "shell-argfiles",             // turns on @shell: argument files
    "ls",                         // prints crate metadata instead of answering
    "unpretty",                   // prints the source instead of answering
    "link-only",                  // reads the input as an .rlink file
];

/// Why a flag must not reach the probe (`None`: it is safe to ask rustc about).
pub fn stripped(a: &RArg, nightly: bool) -> Option<&'static str> {
    if a.tokens[0].starts_with('@') {
        return Some("an argument file: rustc would read the file it names");
    }
    let (flag, value) = a.flag();
    let v = value.unwrap_or("");
    let name = v.split_once('=').map_or(v, |(n, _)| n).replace('_', "-");
    match flag {
        "-Z" if !nightly => {
            Some("a -Z flag on a non-nightly toolchain (nightly-flag-on-stable reports it)")
        }
        "-Z" if name == "codegen-backend" && codegen_backend_is_path(v) => {
            Some("a codegen backend by path: rustc would load that library")
        }
        "-Z" if name.starts_with("dump-") || Z_STRIPPED.contains(&name.as_str()) => {
            Some("a -Z flag that loads code, writes or reads files, or prints instead of answering")
        }
        "-C" | "--codegen" => c_stripped(&name),
        "--extern" => Some("an extern crate: a proc macro there would be loaded into rustc"),
        "--sysroot" => Some("a sysroot the checkout names: rustc loads codegen backends from it"),
        "-o" | "--out-dir" => Some("an output path: rustc would write there"),
        "--emit" | "--print" if v.contains('=') => Some("an output path: rustc would write there"),
        "--target" if v.contains('/') || v.ends_with(".json") => {
            Some("a target spec file: rustc would read it")
        }
        "--error-format" | "--json" | "--color" | "--diagnostic-width" => {
            Some("changes how rustc prints its answer, not what it accepts")
        }
        _ => None,
    }
}

fn c_stripped(name: &str) -> Option<&'static str> {
    match name {
        "linker" | "dlltool" => {
            Some("a program the checkout names: never run, not even asked about")
        }
        "incremental" => Some("an incremental directory: rustc creates session directories there"),
        "profile-generate" => Some("a profile directory (written by the built program)"),
        "profile-use" => Some(
            "a profile file: rustc checks it relative to its own directory, which is not Cargo's",
        ),
        "save-temps" => Some("keeps temporary files"),
        _ => None,
    }
}

/// What rustc answered to one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    /// rustc's first error line.
    Refused(String),
    /// rustc printed something else (`--version`, `--help` in the rustflags): Cargo cannot read it.
    Unreadable,
}

type Key = (String, String, Vec<String>);
static CACHE: Mutex<Option<HashMap<Key, Answer>>> = Mutex::new(None);

fn choice_key(c: &Choice) -> String {
    match c {
        Choice::UserEnv => "(RUSTUP_TOOLCHAIN)".into(),
        Choice::Named(n) => n.clone(),
        Choice::Default => "(default)".into(),
    }
}

/// Cargo's target-info call with these flags, asked once per (toolchain, target, flags) a run.
pub fn ask(rustc: &Rustc, triple: &str, flags: &[String]) -> anyhow::Result<Answer> {
    let key = (
        choice_key(&rustc.choice),
        triple.to_string(),
        flags.to_vec(),
    );
    if let Some(a) = CACHE
        .lock()
        .ok()
        .and_then(|c| c.as_ref()?.get(&key).cloned())
    {
        return Ok(a);
    }
    let out = rustc.target_info_probe(triple, flags)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let answer = if !out.status.success() {
        let first = stderr
            .lines()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or_else(|| stderr.lines().next().unwrap_or("rustc failed"));
        Answer::Refused(first.trim().to_string())
    } else if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l == "___")
    {
        Answer::Accepted
    } else {
        Answer::Unreadable
    };
    if let Ok(mut c) = CACHE.lock() {
        c.get_or_insert_with(HashMap::new)
            .insert(key, answer.clone());
    }
    Ok(answer)
}

/// A rustflags element with whitespace that is not a list option's value.
fn spaced(a: &RArg) -> bool {
    let mut prev = None;
    a.tokens.iter().any(|t| {
        let bad =
            t.contains(char::is_whitespace) && !crate::flags::whitespace_in_list_value(prev, t);
        prev = Some(t.as_str());
        bad
    })
}

fn tokens_of(args: &[&RArg]) -> Vec<String> {
    args.iter().flat_map(|a| a.tokens.iter().cloned()).collect()
}

/// The first argument whose addition makes rustc refuse (a bisection over prefixes: rustc's
/// checks of one option do not depend on the options after it).
fn culprit(rustc: &Rustc, triple: &str, args: &[&RArg]) -> anyhow::Result<usize> {
    let (mut lo, mut hi) = (0, args.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        match ask(rustc, triple, &tokens_of(&args[..mid]))? {
            Answer::Accepted => lo = mid,
            _ => hi = mid,
        }
    }
    Ok(hi - 1)
}

/// Probes the rustflags in force: each refusal (up to a few) a finding at the refused flag.
pub fn findings(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(rustc) = &ctx.toolchain else { return };
    let nightly = ctx.channel == Some(Channel::Nightly)
        || ctx.p.env.get("RUSTC_BOOTSTRAP").is_some_and(|v| v == "1");
    let tokens: Vec<(String, String, Def)> = ctx
        .effective()
        .iter()
        .flat_map(|s| {
            s.tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), s.key.clone(), s.def_at(i).clone()))
        })
        .collect();
    let all = rustc_args(&tokens);
    let mut kept: Vec<&RArg> = all
        .iter()
        .filter(|a| stripped(a, nightly).is_none())
        .collect();
    for _ in 0..4 {
        if kept.is_empty() {
            return;
        }
        match ask(rustc, ctx.triple(), &tokens_of(&kept)) {
            Ok(Answer::Accepted) | Err(_) => return,
            Ok(_) => {}
        }
        let Ok(i) = culprit(rustc, ctx.triple(), &kept) else {
            return;
        };
        // What rustc says about this flag, after the ones before it (cached by `culprit`).
        let Ok(answer) = ask(rustc, ctx.triple(), &tokens_of(&kept[..=i])) else {
            return;
        };
        let a = kept.remove(i);
        if spaced(a) {
            // One element holding whitespace: rustflags-element-whitespace says it, at it.
            continue;
        }
        let why = match answer {
            Answer::Refused(e) => e,
            _ => "rustc prints something else than the answer Cargo reads".into(),
        };
        out.push(at_def(Finding::new(Rule::RustcRejectsFlag, format!("rustc refuses `{}` ({why}): Cargo stops at its first rustc call, when it learns the target", a.shown())), &a.def, &a.key)
            .fix("remove the flag, or use a toolchain that takes it (unstable values need nightly and `-Z unstable-options`)"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<RArg> {
        let toks: Vec<(String, String, Def)> = s
            .split_whitespace()
            .map(|t| (t.to_string(), "build.rustflags".into(), Def::named("test")))
            .collect();
        rustc_args(&toks)
    }

    fn kept(s: &str, nightly: bool) -> Vec<String> {
        args(s)
            .iter()
            .filter(|a| stripped(a, nightly).is_none())
            .map(RArg::shown)
            .collect()
    }

    #[test]
    fn nothing_that_loads_writes_reads_or_runs_reaches_the_probe() {
        let risky = "@flags.txt -Zcodegen-backend=/tmp/evil.so -Z codegen-backend=./b.so -Zllvm-plugins=/x.so -Zself-profile -Zself-profile=/tmp/p -C incremental=/tmp/i -Cincremental=i -Cprofile-generate=/tmp/pg -Cprofile-use=x.profdata -Clinker=./evil.sh -C linker=cc -Cdlltool=/x -Csave-temps --out-dir /tmp/o --out-dir=/tmp/o -o /tmp/a -o/tmp/a --emit=link=/tmp/x --emit link=/tmp/x --print=cfg=/tmp/c --print cfg=/tmp/c -Zdump-mir=all -Zdump-mir-dir=/tmp/m -Zdump-dep-graph -Ztemps-dir=/tmp/t -Zsplit-dwarf-out-dir=/tmp/d -Zmetrics-dir=/tmp/m -Zremark-dir=/tmp/r -Znll-facts -Zllvm-time-trace -Zprofile-sample-use=p.prof -Zsanitizer-dataflow-abilist=a.txt -Zshell-argfiles -Zls=root -Zunpretty=expanded -Zlink-only --extern evil=/tmp/libevil.so --extern=e=/x --sysroot /tmp/sys --sysroot=/tmp/sys --target /tmp/t.json --target=./t.json --error-format=json --json=artifacts -Zprint-codegen-stats-json=/tmp/s";
        assert_eq!(kept(risky, true), Vec::<String>::new());
        assert_eq!(
            kept("-Zthreads=8 -Z unstable-options", false),
            Vec::<String>::new()
        );
    }

    #[test]
    fn flags_rustc_judges_reach_it() {
        let safe = "-Clinker-features=+lld -C link-self-contained=+linker -Clinker-flavor=gnu-lld-cc -Zcodegen-backend=cranelift -Zthreads=8 --cfg x -Cfoo=1 -Copt-level=9 -C llvm-args=-a --target x86_64-unknown-linux-gnu --print cfg -L native=/usr/lib -lfoo";
        let k = kept(safe, true);
        assert_eq!(k.len(), 13, "{k:?}");
        assert!(k.contains(&"--cfg x".to_string()));
        assert!(k.contains(&"-C llvm-args=-a".to_string()));
    }
}
