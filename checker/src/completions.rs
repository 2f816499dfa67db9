//! `tiercheck completions SHELL`: a completion script from the command line's own definition
//! (clap_complete), tier names included.

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Out;

/// Print a shell completion script: `source <(tiercheck completions bash)`,
/// `tiercheck completions fish | source`, or save it where your shell loads completions
#[derive(clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args, out: &mut Out) -> Result<i32> {
    let mut cmd = crate::app::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tiercheck", &mut buf);
    out.push_str(&String::from_utf8(buf).context("completion script is not UTF-8")?);
    Ok(0)
}
