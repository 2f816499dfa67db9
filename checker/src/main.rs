//! tiercheck: proves a Rust project, its toolchain and its binaries got their rust-tiers tier.
//! Exit codes: 0 clean, 1 error-level findings, 2 usage or input error.
//! This file only parses and dispatches; each command's arguments live beside its code.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use tiercheck::tiers::TierData;
use tiercheck::{bench, binary, build, envcmd, explain, project, toolchain_check};

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

#[derive(Subcommand)]
enum Cmd {
    Tiers(explain::TiersArgs),
    Explain(explain::Args),
    Env(envcmd::Args),
    Project(project::Args),
    Binary(binary::Args),
    Build(build::Args),
    Bench(bench::Args),
    Toolchain(toolchain_check::Args),
}

fn run(cli: Cli) -> Result<i32> {
    let data = TierData::embedded()?;
    match cli.command {
        Cmd::Tiers(args) => explain::run_tiers(args, &data),
        Cmd::Explain(args) => explain::run(args, &data),
        Cmd::Env(args) => envcmd::run(args, &data),
        Cmd::Project(args) => project::run(args, &data),
        Cmd::Binary(args) => binary::run(args, &data),
        Cmd::Build(args) => build::run(args, &data),
        Cmd::Bench(args) => bench::run(args, &data),
        Cmd::Toolchain(args) => toolchain_check::run(args, &data),
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
