//! minilisp: runs Lisp scripts and prints what they display. A deterministic, branchy,
//! allocation-heavy workload: the kind of program PGO and BOLT speed up.

mod eval;
mod parse;
mod value;

use std::io::Write;
use std::process::ExitCode;

fn run(path: &str) -> Result<String, String> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (mut interp, env) = eval::Interp::new();
    let forms = parse::parse_all(&src, &mut interp.syms).map_err(|e| format!("{path}: {e}"))?;
    for f in &forms {
        interp.eval(f, &env).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(std::mem::take(&mut interp.out))
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: minilisp SCRIPT...");
        return ExitCode::from(2);
    }
    let mut stdout = std::io::stdout().lock();
    for p in &paths {
        match run(p) {
            Ok(out) => {
                let _ = stdout.write_all(out.as_bytes());
            }
            Err(e) => {
                eprintln!("minilisp: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
