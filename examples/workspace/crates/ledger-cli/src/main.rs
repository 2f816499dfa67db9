//! ledger: summarizes JSON Lines ledger entries per account.
//! `ledger FILE` reads entries; `ledger --sample N` uses deterministic generated ones.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let entries = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--version"] => {
            println!("ledger {} ({})", env!("CARGO_PKG_VERSION"), env!("LEDGER_BUILD"));
            return ExitCode::SUCCESS;
        }
        ["--sample", n] => match n.parse() {
            Ok(n) => ledger_core::sample(n),
            Err(e) => {
                eprintln!("ledger: --sample {n}: {e}");
                return ExitCode::from(2);
            }
        },
        [path] => match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| ledger_core::parse_lines(&t)) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("ledger: {path}: {e}");
                return ExitCode::from(1);
            }
        },
        _ => {
            eprintln!("usage: ledger FILE | ledger --sample N | ledger --version");
            return ExitCode::from(2);
        }
    };
    match serde_json::to_string_pretty(&ledger_core::summarize(&entries)) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ledger: {e}");
            ExitCode::from(1)
        }
    }
}
