//! tiercheck: proves a Rust project, its toolchain and its binaries got their rust-tiers tier.
//! Exit codes: 0 clean, 1 error-level findings, 2 usage or input error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use tiercheck::report::Report;
use tiercheck::resolve::Selection;
use tiercheck::tiers::TierData;
use tiercheck::{
    bench, binary, build, envcmd, explain, pgo, project, toolchain_check, EnvFormat, Format,
};

#[derive(Parser)]
#[command(
    name = "tiercheck",
    version,
    about = "Verify that a Rust project, toolchain and binaries got their rust-tiers build tier"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Args, Clone, Default)]
pub struct SelectArgs {
    /// Switch on an optional technique (repeatable)
    #[arg(long = "with", value_name = "TECHNIQUE")]
    with: Vec<String>,
    /// Switch off one of the tier's techniques (repeatable)
    #[arg(long = "without", value_name = "TECHNIQUE")]
    without: Vec<String>,
}

impl SelectArgs {
    fn selection(&self) -> Selection {
        Selection {
            with: self.with.clone(),
            without: self.without.clone(),
            ..Default::default()
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// List tiers and techniques
    Tiers {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Explain a tier or a technique: what it does, channel, minimum rustc, tools, effect
    Explain {
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the environment that switches a tier on, with tools found on PATH
    Env {
        tier: String,
        #[arg(long, value_enum, default_value = "sh")]
        format: EnvFormat,
        /// Only the techniques for this profile (dev, release, or a custom one inheriting them)
        #[arg(long)]
        profile: Option<String>,
        /// Leave tools as @name@ placeholders and skip the host checks (for another machine)
        #[arg(long)]
        raw: bool,
        /// With --raw: the platform (x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin)
        #[arg(long, requires = "raw")]
        platform: Option<String>,
        #[command(flatten)]
        select: SelectArgs,
    },
    /// Check a project's Cargo.toml, .cargo/config.toml, rust-toolchain and env
    Project {
        #[arg(long)]
        tier: Option<String>,
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        select: SelectArgs,
    },
    /// Inspect built ELF binaries: rustc, linker, strip and debuginfo state, BOLT, PGO
    Binary {
        #[arg(long)]
        tier: Option<String>,
        /// The profile the files were built with (default: from target/<dir>/)
        #[arg(long)]
        profile: Option<String>,
        /// The files came out of the PGO/BOLT pipeline: require BOLT
        #[arg(long)]
        pipeline: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        select: SelectArgs,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Build a project under a tier (no Nix needed) and verify the project and every binary
    Build {
        #[arg(long)]
        tier: String,
        /// Build the release profile
        #[arg(long, conflicts_with = "profile")]
        release: bool,
        /// Build this Cargo profile
        #[arg(long)]
        profile: Option<String>,
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        select: SelectArgs,
        /// Run the PGO (+ BOLT) pipeline with this training command ("$BIN" is the binary; repeatable)
        #[arg(long = "pgo", value_name = "COMMAND")]
        pgo: Vec<String>,
        /// Where the training commands run (default: DIR)
        #[arg(long)]
        train_dir: Option<PathBuf>,
        /// PGO only, no BOLT
        #[arg(long)]
        no_bolt: bool,
        /// Reuse a merged .profdata (skips the instrumented build and its training)
        #[arg(long)]
        profdata: Option<PathBuf>,
        /// Reuse a merged .fdata (skips BOLT's instrumentation and training)
        #[arg(long)]
        fdata: Option<PathBuf>,
        /// The executable to train and optimize when there are several
        #[arg(long)]
        bin: Option<String>,
        /// Extra arguments for cargo build (after --)
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
    /// Measure configurations side by side (interleaved rounds): clean debug build, incremental
    /// rebuild, clean release build, release runtime; Markdown table and SVG chart
    Bench {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Configurations: stock, gnu-ld-full-debug, tier1..tier4, tierN+pgo (repeatable)
        #[arg(long = "config", required = true)]
        configs: Vec<String>,
        /// The configuration(s) ratios are taken against (repeatable; the first is the chart's)
        #[arg(long = "baseline", required = true)]
        baselines: Vec<String>,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// The file touched before the incremental rebuild (default: the first src/main.rs)
        #[arg(long)]
        touch: Option<PathBuf>,
        /// Held-out command timed on each release binary ("$BIN" is the binary)
        #[arg(long)]
        run: Option<String>,
        #[arg(long, default_value_t = 3)]
        runs_per_round: usize,
        /// Training commands for tierN+pgo configurations (repeatable)
        #[arg(long = "train")]
        training: Vec<String>,
        /// Measurements to skip: clean-debug, incremental, clean-release
        #[arg(long)]
        skip: Vec<String>,
        /// Write the Markdown table here (default: stdout)
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Write the SVG chart here
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the raw samples as JSON here
        #[arg(long)]
        json: Option<PathBuf>,
        /// Scratch directory for the configurations' target dirs
        #[arg(long, default_value = "target/rust-tiers-bench")]
        work: PathBuf,
    },
    /// Check the toolchain and tools on PATH (against a tier's needs with --tier)
    Toolchain {
        #[arg(long)]
        tier: Option<String>,
        /// Only what a build of this profile needs
        #[arg(long)]
        profile: Option<String>,
        /// Directory whose rust-toolchain file selects the toolchain
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        select: SelectArgs,
    },
}

fn print_report(report: &Report, format: Format, text_facts: &str) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(report)?)?,
        Format::Text => write!(out, "{text_facts}{}", report.findings_text())?,
    }
    Ok(report.exit_code())
}

fn run(cli: Cli) -> Result<i32> {
    let data = TierData::embedded()?;
    match cli.command {
        Cmd::Tiers { format } => explain::tiers(&data, format),
        Cmd::Explain { id, format } => explain::explain(&data, &id, format),
        Cmd::Env {
            tier,
            format,
            profile,
            raw,
            platform,
            select,
        } => {
            let sel = select.selection();
            if raw {
                envcmd::run_raw(
                    &data,
                    &tier,
                    format,
                    profile.as_deref(),
                    platform.as_deref(),
                    &sel,
                )
            } else {
                envcmd::run(&data, &tier, format, profile.as_deref(), &sel)
            }
        }
        Cmd::Project {
            tier,
            dir,
            format,
            select,
        } => {
            let report = project::check(&data, &dir, tier.as_deref(), &select.selection())?;
            let facts = explain::project_facts_text(&report);
            print_report(&report, format, &facts)
        }
        Cmd::Binary {
            tier,
            profile,
            pipeline,
            format,
            select,
            files,
        } => {
            let sel = select.selection();
            let opts = binary::Options {
                tier: tier.as_deref(),
                profile: profile.as_deref(),
                select: &sel,
                pipeline,
            };
            let (report, errors) = binary::check(&data, &files, &opts)?;
            for e in &errors {
                eprintln!("tiercheck: {}", e.replace('\n', " "));
            }
            let code = print_report(&report, format, &binary::facts_text(&report))?;
            Ok(if errors.is_empty() { code } else { 2 })
        }
        Cmd::Build {
            tier,
            release,
            profile,
            dir,
            format,
            select,
            pgo,
            train_dir,
            no_bolt,
            profdata,
            fdata,
            bin,
            cargo_args,
        } => {
            let sel = select.selection();
            let pipeline = !pgo.is_empty() || profdata.is_some();
            let default_profile = if release || pipeline {
                "release"
            } else {
                "dev"
            };
            let profile = profile.unwrap_or_else(|| default_profile.into());
            let opts = build::Options {
                tier: &tier,
                profile,
                dir: &dir,
                select: &sel,
                cargo_args: &cargo_args,
            };
            if pipeline {
                let popts = pgo::PgoOptions {
                    training: pgo,
                    train_dir,
                    bolt: !no_bolt,
                    profdata,
                    fdata,
                    bin,
                };
                let report = pgo::run(&data, &opts, &popts)?;
                return print_report(&report, format, &pgo::facts_text(&report));
            }
            let report = build::run(&data, &opts)?;
            print_report(&report, format, &build::facts_text(&report))
        }
        Cmd::Bench {
            dir,
            configs,
            baselines,
            rounds,
            touch,
            run,
            runs_per_round,
            training,
            skip,
            markdown,
            svg,
            json,
            work,
        } => {
            let title = format!(
                "rust-tiers bench: {}",
                dir.canonicalize().unwrap_or(dir.clone()).display()
            );
            let opts = bench::Options {
                dir,
                configs,
                baselines: baselines.clone(),
                rounds,
                touch,
                run,
                runs_per_round,
                training,
                skip,
                work,
            };
            let (series, cfgs) = bench::run(&data, &opts)?;
            let md = bench::markdown(&series, &cfgs, &baselines);
            match markdown {
                Some(p) => std::fs::write(&p, &md)
                    .with_context(|| format!("{}: cannot write", p.display()))?,
                None => println!("{md}"),
            }
            if let Some(p) = svg {
                std::fs::write(&p, bench::svg(&series, &cfgs, &baselines[0], &title))
                    .with_context(|| format!("{}: cannot write", p.display()))?;
            }
            if let Some(p) = json {
                std::fs::write(&p, serde_json::to_string_pretty(&series)?)
                    .with_context(|| format!("{}: cannot write", p.display()))?;
            }
            Ok(0)
        }
        Cmd::Toolchain {
            tier,
            profile,
            dir,
            format,
            select,
        } => {
            let report = toolchain_check::check(
                &data,
                &dir,
                tier.as_deref(),
                profile.as_deref(),
                &select.selection(),
            )?;
            let facts = toolchain_check::facts_text(&report);
            print_report(&report, format, &facts)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("tiercheck: {msg}");
            ExitCode::from(2)
        }
    }
}
