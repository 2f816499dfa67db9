//! `tiercheck`: proves a Rust project, its toolchain and its binaries got their rust-tiers tier.
//! The command line lives in `tiercheck::app`, shared with `cargo-tiercheck`.

use std::process::ExitCode;

fn main() -> ExitCode {
    tiercheck::app::main(std::env::args_os())
}
