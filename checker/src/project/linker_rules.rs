//! Findings from the one linker resolution (`linker::resolve`): a link that fails, and rust-lld
//! silently given up for GNU ld.

use crate::flags;
use crate::project::config::Def;
use crate::project::ctx::{at_def, Ctx};
use crate::project::linker::{self, Failure, LinkerKind, Outcome, Resolution};
use crate::report::{Finding, Rule};

fn located(f: Finding, at: &Option<(String, Def)>) -> Finding {
    match at {
        Some((key, def)) => at_def(f, def, key),
        None => f,
    }
}

fn failure(why: &Failure) -> Finding {
    match why {
        Failure::NotADriver { program, kind: "ld-style" } => Finding::new(Rule::LinkerNotADriver, format!("rustc takes linker {program:?} for a bare ld from its name and runs it without the C driver (no startup files, no library paths): the link fails"))
            .fix(format!("name a C driver (cc, gcc, clang) as the linker, and select the linker with `-C link-arg=-fuse-ld=<name>` (or clang's `--ld-path=<path to {program}>`)")),
        Failure::NotADriver { program, kind } => Finding::new(Rule::LinkerNotADriver, format!("linker {program:?} is a bare {kind} linker: rustc passes cc-style arguments, so the link fails"))
            .fix(format!("set the linker to clang and add `-C link-arg=--ld-path=<path to {program}>` (or `-C link-arg=-fuse-ld={kind}`)")),
        Failure::GccLdPath { path } => Finding::new(Rule::LinkerFails, format!("`--ld-path={path}` reaches gcc, which does not take it (only clang does): the link fails with \"unrecognized command-line option\""))
            .fix("set the linker to clang (`[target.<triple>] linker = \"clang\"`), or use `-C link-arg=-fuse-ld=<name>`"),
        Failure::NotFound { name, driver } => Finding::new(Rule::LinkerFails, format!("{driver} finds no `{name}` (in its -B directories, its own directories or PATH): the link fails"))
            .fix(format!("install {name}, or give clang its path with `--ld-path=`")),
        Failure::SelfContainedOff { driver } => Finding::new(Rule::LinkSelfContainedAlone, format!("the self-contained linker is off, but rustc still asks {driver} for LLD (`-fuse-ld=lld`) and no system ld.lld is found: the link fails"))
            .fix("use `-C linker-features=-lld` to opt out of rust-lld"),
        Failure::CfgLinkers { first, second } => Finding::new(Rule::CfgLinkersConflict, format!("two matching tables set `linker`, [target.'{first}'] and [target.'{second}']: Cargo stops (\"several matching instances of `target.'cfg(..)'.linker`\")"))
            .fix("keep one of them, or set [target.<triple>] linker, which Cargo takes before any cfg table"),
    }
}

/// Whether the user's own arguments choose the linker (so GNU ld is what they asked for).
fn chosen_explicitly(inp: &linker::Inputs) -> bool {
    inp.args.iter().any(|a| {
        let v = a.opt.value.as_deref().unwrap_or("");
        (a.opt.kind == 'C'
            && ["linker-features", "linker-flavor", "link-self-contained"]
                .contains(&a.opt.name.as_str()))
            || (a.opt.is('C', "link-arg") || a.opt.is('C', "link-args"))
                && (v.contains("-fuse-ld=") || v.contains("--ld-path=") || v.starts_with("-B"))
    })
}

/// Every finding the linker resolution gives for the checked target.
pub fn findings(ctx: &Ctx, out: &mut Vec<Finding>) {
    let inp = linker::inputs(ctx);
    let r: Resolution = linker::resolve(&inp, &linker::Host::current());
    match &r.outcome {
        Outcome::Fails(why) => out.push(located(failure(why), &r.decided_by)),
        Outcome::Links(LinkerKind::GnuLd) if inp.lld_default => {
            let Some(prog) = r.program.as_deref() else {
                return;
            };
            if flags::drops_self_contained_lld(prog) && !chosen_explicitly(&inp) {
                out.push(located(
                    Finding::new(Rule::CcLinkerDropsRustLld, format!("naming {prog:?} as the linker without a linker flag silently switches from rust-lld to the system linker, GNU ld (2.35x slower incremental rebuilds measured)"))
                        .fix("add `-C link-arg=--ld-path=<mold|wild|ld.lld>` or `-C link-arg=-fuse-ld=mold`, or drop the linker setting"),
                    &r.decided_by,
                ));
            }
        }
        Outcome::Links(_) => {}
    }
}
