//! `cargo tiercheck ...`: cargo runs `cargo-tiercheck tiercheck ...`; drop that argument and
//! run the same command line as `tiercheck`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "tiercheck") {
        args.remove(1);
    }
    if let Some(argv0) = args.first_mut() {
        *argv0 = "cargo tiercheck".into();
    }
    tiercheck::app::main(args)
}
