//! `tiercheck build --pgo CMD`: the PGO + BOLT release pipeline on a machine without Nix. The
//! steps are nix/scripts/*.sh, embedded here and run with tools from PATH, so the host runs the
//! very scripts the Nix derivations run. The flags come from nix/tiers.toml's [pipeline].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::binary;
use crate::build::{profile_root_in, run_cargo, select_toolchain, Options};
use crate::env::env_key;
use crate::envcmd::host_env;
use crate::project::load::Project;
use crate::report::{Finding, Report, Rule};
use crate::tiers::TierData;
use crate::{toolchain, tools};

const SCRIPTS: &[(&str, &str)] = &[
    ("train.sh", include_str!("../../nix/scripts/train.sh")),
    (
        "pgo-merge.sh",
        include_str!("../../nix/scripts/pgo-merge.sh"),
    ),
    (
        "bolt-instrument.sh",
        include_str!("../../nix/scripts/bolt-instrument.sh"),
    ),
    (
        "bolt-merge.sh",
        include_str!("../../nix/scripts/bolt-merge.sh"),
    ),
    (
        "bolt-optimize.sh",
        include_str!("../../nix/scripts/bolt-optimize.sh"),
    ),
];

pub struct PgoOptions {
    /// Training commands; `"$BIN"` in them is the binary being trained.
    pub training: Vec<String>,
    /// Where the training commands run (default: the project directory).
    pub train_dir: Option<PathBuf>,
    pub bolt: bool,
    /// A merged .profdata from an earlier run: skips the instrumented build and its training.
    pub profdata: Option<PathBuf>,
    /// A merged .fdata from an earlier run: skips BOLT's instrumentation and training.
    pub fdata: Option<PathBuf>,
    /// Which executable to train and optimize when the project has several.
    pub bin: Option<String>,
}

struct Step {
    name: &'static str,
    seconds: f64,
}

fn run_script(dir: &Path, name: &str, env: &[(&str, String)]) -> Result<()> {
    let status = crate::child::run(
        Command::new("bash")
            .arg(dir.join(name))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str()))),
        name,
        None,
    )?;
    if !status.success() {
        bail!("pipeline step {name} failed (its message is above)");
    }
    Ok(())
}

fn fill(flags: &[String], key: &str, value: &str) -> Vec<String> {
    flags
        .iter()
        .map(|f| f.replace(&format!("@{key}@"), value))
        .collect()
}

fn pick_bin(exes: &[PathBuf], want: Option<&str>) -> Result<PathBuf> {
    let names: Vec<String> = exes
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .collect();
    match (want, exes) {
        (Some(w), _) => exes
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == w))
            .cloned()
            .with_context(|| format!("--bin {w}: cargo built {}", names.join(", "))),
        (None, [one]) => Ok(one.clone()),
        (None, []) => bail!("cargo built no executable to optimize"),
        (None, _) => bail!(
            "cargo built several executables ({}); choose one with --bin",
            names.join(", ")
        ),
    }
}

pub fn pipeline(data: &TierData, opts: &Options, pgo: &PgoOptions) -> Result<Report> {
    data.tier(opts.tier)?;
    let p = Project::load(opts.dir)?;
    let root = profile_root_in(&p, &opts.profile);
    if root != "release" {
        bail!(
            "the PGO pipeline builds a release-like profile; {} inherits from {root}",
            opts.profile
        );
    }
    if pgo.training.is_empty() && pgo.profdata.is_none() {
        bail!("give training commands with --pgo (\"$BIN\" is the binary) or a merged profile with --profdata");
    }
    let toolchain = select_toolchain(data, opts.tier, &root, &p, opts.select)?;
    if let Some(t) = &toolchain {
        std::env::set_var("RUSTUP_TOOLCHAIN", t);
    }
    let env = host_env(data, opts.tier, Some(&root), opts.select)?;
    if !env.resolved.techniques.iter().any(|t| t == "pgo") {
        bail!(
            "{} has no pgo technique for release builds; use tier3/tier4 or --with pgo",
            opts.tier
        );
    }
    let bolt = pgo.bolt && env.resolved.techniques.iter().any(|t| t == "bolt");
    let info = toolchain::rustc_info(Some(&p.dir))?;
    let profdata_tool = tools::find(data, "llvm-profdata", info.llvm_major)?;
    let bolt_tools = if bolt {
        Some((
            tools::find(data, "llvm-bolt", None)?,
            tools::find(data, "merge-fdata", None)?,
        ))
    } else {
        None
    };

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| p.dir.join("target"));
    let work = target.join("rust-tiers-pgo");
    std::fs::create_dir_all(&work).with_context(|| format!("{}: cannot create", work.display()))?;
    let work = work.canonicalize()?;
    let scripts = work.join("scripts");
    std::fs::create_dir_all(&scripts)?;
    for (name, text) in SCRIPTS {
        std::fs::write(scripts.join(name), text).with_context(|| format!("writing {name}"))?;
    }
    let flags_var = format!("CARGO_TARGET_{}_RUSTFLAGS", env_key(&env.triple));
    let tier_flags = env.env.get(&flags_var).cloned().unwrap_or_default();
    let with_flags = |extra: Vec<String>, dir: &str| -> BTreeMap<String, String> {
        let joined = [tier_flags.clone(), extra.join(" ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        BTreeMap::from([
            (flags_var.clone(), joined),
            (
                "CARGO_TARGET_DIR".to_string(),
                work.join(dir).display().to_string(),
            ),
        ])
    };
    let training = pgo.training.join("\n");
    let train_dir = pgo
        .train_dir
        .clone()
        .unwrap_or_else(|| p.dir.clone())
        .display()
        .to_string();
    // One training run: KIND pgo (profraw via LLVM_PROFILE_FILE) or bolt (fdata), same commands.
    let train = |kind: &str, bin: &Path, out_dir: &Path| {
        run_script(
            &scripts,
            "train.sh",
            &[
                ("KIND", kind.to_string()),
                ("BIN", bin.display().to_string()),
                ("TRAINING", training.clone()),
                ("TRAIN_DIR", train_dir.clone()),
                ("OUT_DIR", out_dir.display().to_string()),
            ],
        )
    };
    let mut steps = vec![];
    let mut timed = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        eprintln!("== pgo: {name}");
        let t = Instant::now();
        f()?;
        steps.push(Step {
            name,
            seconds: t.elapsed().as_secs_f64(),
        });
        Ok(())
    };

    let profdata = match &pgo.profdata {
        Some(given) => given
            .canonicalize()
            .with_context(|| format!("{}: --profdata", given.display()))?,
        None => {
            let raw_dir = work.join("profraw");
            let _ = std::fs::remove_dir_all(&raw_dir);
            let mut instrumented = PathBuf::new();
            timed("instrumented build", &mut || {
                let extra = fill(
                    &data.pipeline.instrument_rustflags,
                    "profile_dir",
                    &raw_dir.display().to_string(),
                );
                let (ok, exes) = run_cargo(
                    opts,
                    &env,
                    toolchain.as_deref(),
                    &with_flags(extra, "instrumented"),
                )?;
                if !ok {
                    bail!("the instrumented build failed");
                }
                instrumented = pick_bin(&exes, pgo.bin.as_deref())?;
                Ok(())
            })?;
            let out = work.join("merged.profdata");
            timed("PGO training", &mut || {
                train("pgo", &instrumented, &raw_dir)
            })?;
            timed("llvm-profdata merge", &mut || {
                run_script(
                    &scripts,
                    "pgo-merge.sh",
                    &[
                        ("LLVM_PROFDATA", profdata_tool.path.display().to_string()),
                        ("RUSTC", "rustc".into()),
                        ("PROFILE_DIR", raw_dir.display().to_string()),
                        ("OUT", out.display().to_string()),
                    ],
                )
            })?;
            out
        }
    };

    let mut optimized = PathBuf::new();
    timed("PGO-optimized build", &mut || {
        let mut extra = fill(
            &data.pipeline.optimize_rustflags,
            "profdata",
            &profdata.display().to_string(),
        );
        if bolt {
            extra.extend(data.pipeline.bolt_link_rustflags.iter().cloned());
        }
        let (ok, exes) = run_cargo(
            opts,
            &env,
            toolchain.as_deref(),
            &with_flags(extra, "optimized"),
        )?;
        if !ok {
            bail!("the optimized build failed");
        }
        optimized = pick_bin(&exes, pgo.bin.as_deref())?;
        Ok(())
    })?;
    let name = optimized
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let final_bin = work.join(&name);
    let mut fdata_out = None;
    match &bolt_tools {
        Some((llvm_bolt, merge_fdata)) => {
            let fdata = match &pgo.fdata {
                Some(given) => given
                    .canonicalize()
                    .with_context(|| format!("{}: --fdata", given.display()))?,
                None => {
                    let fdata_dir = work.join("fdata");
                    let _ = std::fs::remove_dir_all(&fdata_dir);
                    let instr = work.join(format!("{name}.bolt-instrumented"));
                    timed("BOLT instrumentation", &mut || {
                        run_script(
                            &scripts,
                            "bolt-instrument.sh",
                            &[
                                ("LLVM_BOLT", llvm_bolt.path.display().to_string()),
                                ("BIN", optimized.display().to_string()),
                                ("OUT", instr.display().to_string()),
                                ("OUT_DIR", fdata_dir.display().to_string()),
                            ],
                        )
                    })?;
                    timed("BOLT training", &mut || train("bolt", &instr, &fdata_dir))?;
                    let out = work.join("merged.fdata");
                    timed("merge-fdata", &mut || {
                        run_script(
                            &scripts,
                            "bolt-merge.sh",
                            &[
                                ("MERGE_FDATA", merge_fdata.path.display().to_string()),
                                ("FDATA_DIR", fdata_dir.display().to_string()),
                                ("OUT", out.display().to_string()),
                            ],
                        )
                    })?;
                    out
                }
            };
            timed("BOLT optimization", &mut || {
                run_script(
                    &scripts,
                    "bolt-optimize.sh",
                    &[
                        ("LLVM_BOLT", llvm_bolt.path.display().to_string()),
                        ("BIN", optimized.display().to_string()),
                        ("FDATA", fdata.display().to_string()),
                        ("OUT", final_bin.display().to_string()),
                        ("BOLT_FLAGS", data.pipeline.bolt_flags.join("\n")),
                    ],
                )
            })?;
            fdata_out = Some(fdata);
        }
        None => {
            std::fs::copy(&optimized, &final_bin)
                .with_context(|| format!("copying {}", optimized.display()))?;
        }
    }

    let bopts = binary::Options {
        tier: Some(opts.tier),
        profile: Some(&opts.profile),
        select: opts.select,
        pipeline: bolt,
    };
    let (breport, errors) = binary::check(data, std::slice::from_ref(&final_bin), &bopts)?;
    if let Some(e) = errors.first() {
        bail!("{e}");
    }
    let mut report = Report::new("build", Some(opts.tier), p.dir.display().to_string());
    report.findings.extend(breport.findings);
    if !bolt {
        let why = if pgo.bolt {
            "the tier has no bolt technique on this platform"
        } else {
            "--no-bolt"
        };
        report.findings.push(Finding::new(
            Rule::BoltSkipped,
            format!("BOLT not run: {why}"),
        ));
    }
    report.facts = json!({
        "profile": opts.profile, "profile_root": root, "toolchain": toolchain,
        "techniques": env.resolved.techniques, "tools": env.tools,
        "pgo": {
            "binary": final_bin, "optimized_before_bolt": optimized, "profdata": profdata, "fdata": fdata_out,
            "bolt": bolt, "training": pgo.training,
            "steps": steps.iter().map(|s| json!({"step": s.name, "seconds": (s.seconds * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        },
        "binaries": breport.facts["binaries"],
    });
    report.finish();
    Ok(report)
}

pub fn facts_text(r: &Report) -> String {
    let p = &r.facts["pgo"];
    let mut s = format!(
        "PGO{} pipeline, {} profile, tier {}\n",
        if p["bolt"] == true { " + BOLT" } else { "" },
        r.facts["profile"].as_str().unwrap_or(""),
        r.tier.as_deref().unwrap_or("")
    );
    for step in p["steps"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "  {:22} {:>7.1} s\n",
            step["step"].as_str().unwrap_or(""),
            step["seconds"].as_f64().unwrap_or(0.0)
        ));
    }
    s.push_str(&format!(
        "  profile data: {} {}\n",
        p["profdata"].as_str().unwrap_or("-"),
        p["fdata"].as_str().unwrap_or("")
    ));
    s.push_str(&format!(
        "  result: {}\n",
        p["binary"].as_str().unwrap_or("-")
    ));
    s.push_str(&binary::facts_text(r));
    s
}
