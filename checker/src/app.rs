//! The `tiercheck` command line, shared by both binaries: `tiercheck ARGS` and
//! `cargo tiercheck ARGS` (cargo runs `cargo-tiercheck tiercheck ARGS`).
//! Exit codes: 0 clean, 1 error-level findings, 2 usage or input error (stdout then empty).

use std::ffi::OsString;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::error::ErrorKind as ClapError;
use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::cli::Global;
use crate::output::Out;
use crate::termsafe::eprint_line;
use crate::tiers::TierData;
use crate::{
    bench, binary, build, envcmd, explain, init, project, recovercmd, toolchain_check, tune,
};

#[derive(Parser)]
#[command(
    name = "tiercheck",
    version,
    about = "Verify that a Rust project, toolchain and binaries got their rust-tiers build tier"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
    #[command(flatten)]
    global: Global,
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
    Tune(tune::Args),
    Toolchain(toolchain_check::Args),
    Init(init::Args),
    Recover(recovercmd::Args),
    Completions(CompletionsArgs),
}

/// Print a shell completion script: `source <(tiercheck completions bash)`,
/// `tiercheck completions fish | source`, or save it where your shell loads completions
#[derive(clap::Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    shell: Shell,
}

/// `tiercheck completions SHELL`: a completion script from the command line's own definition
/// (clap_complete), tier names included.
fn completions(args: CompletionsArgs, out: &mut Out) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tiercheck", &mut buf);
    out.push_str(&String::from_utf8(buf).context("completion script is not UTF-8")?);
    Ok(0)
}

fn run(cmd: Cmd, out: &mut Out) -> Result<i32> {
    let data = TierData::embedded()?;
    match cmd {
        Cmd::Tiers(args) => explain::run_tiers(args, &data, out),
        Cmd::Explain(args) => explain::run(args, &data, out),
        Cmd::Env(args) => envcmd::run(args, &data, out),
        Cmd::Project(args) => project::run(args, &data, out),
        Cmd::Binary(args) => binary::run(args, &data, out),
        Cmd::Build(args) => build::run(args, &data, out),
        Cmd::Bench(args) => bench::run(args, &data, out),
        Cmd::Tune(args) => tune::run(args, &data, out),
        Cmd::Toolchain(args) => toolchain_check::run(args, &data, out),
        Cmd::Init(args) => init::run(args, &data, out),
        Cmd::Recover(args) => recovercmd::run(args, out),
        Cmd::Completions(args) => completions(args, out),
    }
}

/// Writes a command's output. A reader that went away (`| head -0`) is not an error.
fn emit(out: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprint_line(&format!("stdout: {e}"));
            false
        }
    }
}

/// A clap error on one line, as tiercheck's other input errors: the problem, its tips in
/// parentheses and, for a usage error, clap's `Usage:` line at the end:
/// `unexpected argument '--foo' found (tip: ...). Usage: tiercheck project [OPTIONS] [DIR]`.
/// A value its parser refused (`DIR: no such directory`) names the value and the problem only.
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let (mut problem, mut tips, mut usage) = (vec![], vec![], None);
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(tip) = line.strip_prefix("tip: ") {
            tips.push(format!("(tip: {tip})"));
        } else if line.starts_with("Usage:") {
            usage = Some(line.to_string());
        } else if usage.is_some() && !line.starts_with("For more information") {
            // A second usage form, aligned under the first.
            usage = usage.map(|u| format!("{u} | {line}"));
        } else if !line.starts_with("For more information") {
            problem.push(line.strip_prefix("error: ").unwrap_or(line).to_string());
        }
    }
    problem.extend(tips);
    let mut s = problem.join(" ");
    if let Some(u) = usage.filter(|_| e.kind() != ClapError::ValueValidation) {
        s.push_str(&format!(". {u}"));
    }
    s
}

/// Parses `args` (argv[0] included), runs the command, prints, and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    // Under a file-size limit (`ulimit -f`) a write must fail with EFBIG, which the safe writer
    // turns into an error that changed nothing, instead of SIGXFSZ killing us mid-write.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version go to stdout, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // No subcommand: clap's own help, as it renders it, on stderr (exit 2, like cargo).
        Err(e)
            if matches!(
                e.kind(),
                ClapError::DisplayHelpOnMissingArgumentOrSubcommand | ClapError::MissingSubcommand
            ) =>
        {
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            eprint_line(&one_line(&e));
            return ExitCode::from(2);
        }
    };
    let mut out = Out::new(&cli.global);
    match run(cli.command, &mut out) {
        // Exit 2 leaves stdout empty: the buffer is dropped.
        Ok(2) => ExitCode::from(2),
        Ok(code) if emit(&out.safe_text()) => ExitCode::from(code as u8),
        Ok(_) => ExitCode::from(2),
        Err(e) => {
            // One line, whatever the error carries: a file name with a newline in it is escaped.
            eprint_line(format!("{e:#}").trim());
            ExitCode::from(2)
        }
    }
}
