//! `tiercheck binary`: what built ELF files show, and whether that is what a tier promises.

pub mod bounds;
pub mod facts;
pub mod inspect;
pub mod macho;
pub mod source;
pub mod states;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::{CheckArgs, TierArg};
use crate::host_env::profile_root;
use crate::output::{print_report, Out};
use crate::report::{Finding, Report, Rule};
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{BinarySign, Channel, TierData};
pub use facts::{facts_text, Binaries, BinaryFacts};
use states::{LinkerSeen, SplitDebuginfo, Stripped};

/// Inspect built ELF binaries: rustc, linker, strip and debuginfo state, BOLT, PGO
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tier: TierArg,
    /// The profile the files were built with (default: from target/<dir>/)
    #[arg(long, value_parser = crate::resolve::profile_name)]
    profile: Option<String>,
    /// The files came out of the PGO/BOLT pipeline: require BOLT
    #[arg(long)]
    pipeline: bool,
    #[command(flatten)]
    check: CheckArgs,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let sel = args.check.select.selection();
    let opts = Options {
        tier: args.tier.tier.as_deref(),
        profile: args.profile.as_deref(),
        select: &sel,
        pipeline: args.pipeline,
        host: None,
    };
    let (mut report, _, errors) = check(data, &args.files, &opts)?;
    report.anchor = args.files.first().cloned();
    if !errors.is_empty() {
        // Exit 2 prints nothing on stdout: a partial report would read as a clean one.
        for e in &errors {
            crate::termsafe::eprint_line(&e.replace('\n', " "));
        }
        return Ok(2);
    }
    print_report(out, &report, args.check.format, &facts_text, None)
}

/// Reads one file's ELF facts (never mapped: see source.rs); every failure is one line naming
/// the file.
pub fn read(path: &Path) -> Result<BinaryFacts> {
    let shown = path.display().to_string();
    let (elf, size) = source::inspect_file(path, &shown)?;
    let dwp = PathBuf::from(format!("{shown}.dwp"));
    let dwp = dwp.is_file().then(|| dwp.display().to_string());
    let dwo_found = elf
        .dwo_names
        .iter()
        .filter(|n| dwo_path(path, n).is_file())
        .count();
    let split_debuginfo = match (elf.dwo_names.is_empty(), &dwp) {
        (true, _) => SplitDebuginfo::Off,
        (false, Some(_)) => SplitDebuginfo::Packed,
        (false, None) => SplitDebuginfo::Unpacked,
    };
    Ok(BinaryFacts {
        file: shown,
        size,
        profile: None,
        split_debuginfo,
        dwo_found,
        dwp,
        elf,
    })
}

/// A skeleton's dwo name is absolute, or relative to the compile dir (Cargo's target/<p>/deps).
fn dwo_path(bin: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    bin.parent()
        .map_or_else(|| p.to_path_buf(), |d| d.join("deps").join(p))
}

/// The profile of a file in a Cargo profile directory (`<target>/[<triple>/]<dir>/`, or its
/// `deps/` or `examples/`): `debug` -> dev, any other directory name -> that profile. Only a
/// directory Cargo made (it holds `.fingerprint/`) counts, so a file elsewhere (the PGO
/// pipeline's result, an install dir) gets no guess from its directory's name.
pub fn profile_from_path(path: &Path) -> Option<String> {
    let dir = path.parent()?;
    let name = dir.file_name()?.to_str()?;
    if name == "deps" || name == "examples" {
        return profile_from_path(dir);
    }
    let made_by_cargo =
        std::fs::symlink_metadata(dir.join(".fingerprint")).is_ok_and(|m| m.is_dir());
    if !made_by_cargo {
        return None;
    }
    match name {
        "debug" => Some("dev".into()),
        other => crate::resolve::profile_name(other).ok(),
    }
}

pub struct Options<'a> {
    pub tier: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub select: &'a Selection,
    /// The binaries came out of the PGO/BOLT pipeline: BOLT must be there.
    pub pipeline: bool,
    /// The host triple when the command has probed its rustc already (`build`: the tier's);
    /// `None`: the default rustc is asked.
    pub host: Option<&'a str>,
}

/// Inspects every file; input errors are returned beside the report (exit 2 for the caller).
pub fn check(
    data: &TierData,
    files: &[PathBuf],
    opts: &Options,
) -> Result<(Report, Binaries, Vec<String>)> {
    if let Some(t) = opts.tier {
        data.tier(t)?;
    }
    let mut report = Report::new("binary", opts.tier, format!("{} file(s)", files.len()));
    // The host platform decides which of the tier's techniques apply; ask rustc once per run.
    let platform = opts
        .tier
        .and_then(|_| match opts.host {
            Some(h) => Some(h.to_string()),
            None => crate::toolchain::rustc_info(None).ok().map(|i| i.host),
        })
        .and_then(|host| data.platform_of_triple(&host).map(String::from));
    let mut errors = vec![];
    let mut all = vec![];
    for path in files {
        match read(path) {
            Ok(mut b) => {
                b.profile = opts
                    .profile
                    .map(String::from)
                    .or_else(|| profile_from_path(path))
                    // The pipeline builds release-like profiles only.
                    .or_else(|| opts.pipeline.then(|| "release".to_string()));
                if b.profile.is_none() && opts.tier.is_some() {
                    report.findings.push(Finding::new(Rule::ProfileUnknown, "not in a Cargo profile directory: techniques of one profile (dev or release) not checked; give --profile").at(&b.file, ""));
                }
                general_findings(&b, &mut report.findings);
                if let Some(t) = opts.tier {
                    tier_findings(data, t, &b, opts, platform.as_deref(), &mut report.findings)?;
                }
                all.push(b);
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    let doc = Binaries { binaries: all };
    report.facts = serde_json::to_value(&doc)?;
    report.finish();
    Ok((report, doc, errors))
}

fn general_findings(b: &BinaryFacts, out: &mut Vec<Finding>) {
    if b.elf.pgo_instrumented {
        out.push(Finding::new(Rule::PgoInstrumented, "PGO-instrumented binary (__llvm_prf_* / __llvm_profile_*): it writes .profraw files and runs slower; do not ship it").at(&b.file, ""));
    }
    if b.elf.bolt.as_ref().is_some_and(|x| x.instrumented) {
        out.push(
            Finding::new(
                Rule::BoltInstrumented,
                "BOLT-instrumented binary (-instrument): a training build, do not ship it",
            )
            .at(&b.file, ""),
        );
    }
    if b.split_debuginfo == SplitDebuginfo::Unpacked && b.dwo_found < b.elf.dwo_names.len() {
        out.push(Finding::new(Rule::DwoMissing, format!("{} of {} .dwo files the skeleton units name are not on disk: debuggers will lack their debuginfo", b.elf.dwo_names.len() - b.dwo_found, b.elf.dwo_names.len())).at(&b.file, ""));
    }
}

fn mismatch(b: &BinaryFacts, tier: &str, id: &str, msg: String) -> Finding {
    Finding::new(Rule::TierMismatch, format!("{tier} ({id}): {msg}")).at(&b.file, "")
}

/// A nightly tier's binary built by a stable or beta rustc (from `.comment`).
fn toolchain_finding(
    data: &TierData,
    tier: &str,
    b: &BinaryFacts,
    r: &Resolved,
    out: &mut Vec<Finding>,
) {
    if let (Some((_, tc)), Some(ch)) = (&r.toolchain, &b.elf.rustc_channel) {
        let nightly_needed = r
            .techniques
            .iter()
            .any(|id| data.techniques[id].channel == Channel::Nightly);
        if nightly_needed && tc.channel == Channel::Nightly && *ch != Channel::Nightly {
            out.push(mismatch(
                b,
                tier,
                "toolchain",
                format!("built by a {} rustc, the tier uses nightly", ch.as_str()),
            ));
        }
    }
}

fn tier_findings(
    data: &TierData,
    tier: &str,
    b: &BinaryFacts,
    opts: &Options,
    platform: Option<&str>,
    out: &mut Vec<Finding>,
) -> Result<()> {
    let mut sel = opts.select.clone();
    sel.platform = platform.map(String::from);
    let (root, overrides) = profile_in_project(&b.file, b.profile.as_deref())?;
    sel.profile_root = root.clone();
    let r = resolve(data, tier, &sel)?;
    toolchain_finding(data, tier, b, &r, out);
    let mut lto_claimed = false;
    for id in &r.techniques {
        let Some(sign) = &data.techniques[id].binary else {
            continue;
        };
        if !sign.profiles.is_empty() && !root.as_ref().is_some_and(|p| sign.profiles.contains(p)) {
            continue;
        }
        let keys = data.techniques[id].profile.values().flat_map(|k| k.keys());
        if let Some(k) = keys.into_iter().find(|k| overrides.contains(*k)) {
            out.push(
                Finding::new(
                    Rule::ProfileOverrides,
                    format!(
                        "{id} not checked: profile {} sets its own {k}",
                        b.profile.as_deref().unwrap_or("?")
                    ),
                )
                .at(&b.file, ""),
            );
            continue;
        }
        signature_findings(b, tier, id, sign, opts, out);
        lto_claimed |= sign.lto_hint == Some(true);
    }
    if lto_claimed {
        let n = b.elf.llvm_suffixed_symbols;
        let msg = if n > 0 {
            format!("ThinLTO likely ({n} `.llvm.<N>` symbols; a heuristic: LTO and codegen-units leave no marker)")
        } else {
            "no ThinLTO hint (no `.llvm.<N>` symbols; a heuristic: fat LTO, one codegen unit and stripped symbols show none either)".to_string()
        };
        out.push(Finding::new(Rule::LtoHint, msg).at(&b.file, ""));
    }
    Ok(())
}

/// What technique `id`'s binary signature (`[techniques.<id>].binary`) says `b` must show.
fn signature_findings(
    b: &BinaryFacts,
    tier: &str,
    id: &str,
    sign: &BinarySign,
    opts: &Options,
    out: &mut Vec<Finding>,
) {
    if let Some(want) = &sign.linker {
        linker_finding(b, tier, id, want, out);
    }
    if let Some(want) = &sign.split_debuginfo {
        split_debuginfo_finding(b, tier, id, sign, want, out);
    }
    if let Some(want) = &sign.strip {
        strip_finding(b, tier, id, want, out);
    }
    if sign.codegen.as_deref() == Some("cranelift") && !b.elf.cranelift {
        out.push(mismatch(
            b,
            tier,
            id,
            "compiled by LLVM, the tier uses Cranelift for this profile".into(),
        ));
    }
    if sign.pgo_instrumented == Some(false) && b.elf.pgo_instrumented {
        out.push(mismatch(
            b,
            tier,
            id,
            "the binary is PGO-instrumented, not PGO-optimized".into(),
        ));
    }
    if sign.bolt == Some(true) && opts.pipeline {
        bolt_finding(b, tier, id, out);
    }
}

/// The split-debuginfo mode against the tier's `want`, when the binary has debuginfo to split.
fn split_debuginfo_finding(
    b: &BinaryFacts,
    tier: &str,
    id: &str,
    sign: &BinarySign,
    want: &str,
    out: &mut Vec<Finding>,
) {
    // std is LLVM-built in every binary, so `.comment` naming Cranelift at all means the
    // project's own code went through it.
    let exempt = sign.not_with_codegen.as_deref() == Some("cranelift") && b.elf.cranelift;
    if b.split_debuginfo.as_str() != want && !b.elf.debug_sections.is_empty() && !exempt {
        out.push(mismatch(
            b,
            tier,
            id,
            format!(
                "split debuginfo is {}, the tier sets {want}",
                b.split_debuginfo
            ),
        ));
    }
}

/// A binary the PGO pipeline should have BOLT-optimized.
fn bolt_finding(b: &BinaryFacts, tier: &str, id: &str, out: &mut Vec<Finding>) {
    match &b.elf.bolt {
        None => out.push(mismatch(
            b,
            tier,
            id,
            "no .note.bolt_info: BOLT did not process this binary".into(),
        )),
        Some(x) if x.instrumented => out.push(mismatch(
            b,
            tier,
            id,
            "BOLT-instrumented, not BOLT-optimized".into(),
        )),
        Some(_) => {}
    }
}

/// The linker `.comment` records against the one technique `id` links with.
fn linker_finding(b: &BinaryFacts, tier: &str, id: &str, want: &str, out: &mut Vec<Finding>) {
    let got = b.elf.linker;
    let ok = got.is(want);
    if got == LinkerSeen::NoneRecorded && !ok {
        out.push(Finding::new(Rule::LinkerUnknown, format!("{tier} ({id}) links with {want}, but no linker is recorded in .comment (GNU ld, or .comment stripped): cannot confirm")).at(&b.file, ""));
    } else if !ok {
        out.push(mismatch(
            b,
            tier,
            id,
            format!("linked by {got}, the tier links with {want}"),
        ));
    }
}

/// What was stripped against what technique `id` strips.
fn strip_finding(b: &BinaryFacts, tier: &str, id: &str, want: &str, out: &mut Vec<Finding>) {
    if !b.elf.stripped.meets(want) {
        out.push(mismatch(
            b,
            tier,
            id,
            format!("strip state is {}, the tier strips {want}", b.elf.stripped),
        ));
    } else if want == "debuginfo" && b.elf.stripped == Stripped::Symbols {
        out.push(Finding::new(Rule::SymbolsStripped, format!("{tier} ({id}) strips debuginfo only, but .symtab is gone too (mold 1.10 drops it on --strip-debug; rust-lld keeps it); build the `profiling` profile for a binary with symbols")).at(&b.file, ""));
    }
}

/// The built-in profile (`dev`/`release`) a binary's profile inherits from, and the keys its
/// custom profiles set themselves, from the Cargo.toml of the project whose target/ holds the
/// file. Without that manifest the root is guessed from the profile name; a manifest that is
/// there but cannot be read (a FIFO, a directory, broken TOML) is an input error naming it, as
/// Cargo would fail on it too.
fn profile_in_project(file: &str, profile: Option<&str>) -> Result<(Option<String>, Vec<String>)> {
    let Some(profile) = profile else {
        return Ok((None, vec![]));
    };
    let manifest = Path::new(file)
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "target"))
        .and_then(Path::parent)
        .map(|d| d.join("Cargo.toml"))
        .filter(|m| crate::fsread::Kind::of_link(m) != crate::fsread::Kind::Missing);
    let manifest = match manifest {
        Some(m) => Some(crate::project::load::read_toml(
            &m,
            &m.display().to_string(),
        )?),
        None => None,
    };
    let chain = manifest.map(|t| crate::project::load::profile_chain(&t, profile));
    let root = chain
        .as_ref()
        .and_then(|c| c.root)
        .map_or_else(|| profile_root(profile), String::from);
    Ok((Some(root), chain.map(|c| c.keys).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tier3's dev profile compiles with Cranelift, which writes no .dwo files: a Cranelift
    /// binary without split debuginfo is not a mismatch, an LLVM one still is.
    #[test]
    fn split_debuginfo_is_not_asked_of_cranelift_binaries() {
        let data = TierData::embedded().unwrap();
        let sign = data.techniques["split-debuginfo"].binary.clone().unwrap();
        let sel = Selection::default();
        let opts = Options {
            tier: Some("tier3"),
            profile: Some("dev"),
            select: &sel,
            pipeline: false,
            host: None,
        };
        let findings = |cranelift: bool| {
            let elf = inspect::ElfFacts {
                cranelift,
                debug_sections: vec![".debug_info".into(), ".debug_line".into()],
                ..inspect::ElfFacts::default()
            };
            let b = BinaryFacts {
                file: "target/debug/app".into(),
                size: 1,
                profile: Some("dev".into()),
                split_debuginfo: SplitDebuginfo::Off,
                dwo_found: 0,
                dwp: None,
                elf,
            };
            let mut out = vec![];
            signature_findings(&b, "tier3", "split-debuginfo", &sign, &opts, &mut out);
            out
        };
        assert!(findings(true).is_empty(), "{:?}", findings(true));
        let llvm = findings(false);
        assert_eq!(llvm.len(), 1, "{llvm:?}");
        assert!(
            llvm[0].message.contains("split debuginfo is off"),
            "{llvm:?}"
        );
    }

    #[test]
    fn profile_only_from_directories_cargo_made() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("target");
        for dir in [
            "debug",
            "release",
            "release-fat",
            "x86_64-unknown-linux-gnu/release",
        ] {
            std::fs::create_dir_all(t.join(dir).join(".fingerprint")).unwrap();
            std::fs::create_dir_all(t.join(dir).join("deps")).unwrap();
        }
        std::fs::create_dir_all(t.join("rust-tiers-pgo")).unwrap();
        let guess = |p: &str| profile_from_path(&t.join(p));
        assert_eq!(guess("debug/app").as_deref(), Some("dev"));
        assert_eq!(guess("release/deps/app-123").as_deref(), Some("release"));
        assert_eq!(guess("release-fat/app").as_deref(), Some("release-fat"));
        assert_eq!(
            guess("x86_64-unknown-linux-gnu/release/app").as_deref(),
            Some("release")
        );
        // The PGO pipeline's result, and a "release" dir Cargo did not make.
        assert_eq!(guess("rust-tiers-pgo/app"), None);
        std::fs::create_dir_all(d.path().join("dist/release")).unwrap();
        assert_eq!(profile_from_path(&d.path().join("dist/release/app")), None);
        assert_eq!(profile_from_path(Path::new("/usr/bin/ls")), None);
    }
}
