//! exprs: parses and evaluates arithmetic expressions. `exprs --bench N SEED` generates N
//! deterministic expressions from SEED and evaluates them (the PGO training and benchmark
//! workload: a branchy recursive-descent parser); `exprs FILE` evaluates one per line.

use std::process::ExitCode;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&mut self) -> Option<u8> {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
        self.s.get(self.i).copied()
    }
    fn expr(&mut self) -> Result<i64, String> {
        let mut v = self.term()?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            let r = self.term()?;
            v = if op == b'+' { v.wrapping_add(r) } else { v.wrapping_sub(r) };
        }
        Ok(v)
    }
    fn term(&mut self) -> Result<i64, String> {
        let mut v = self.atom()?;
        while let Some(op @ (b'*' | b'/' | b'%')) = self.peek() {
            self.i += 1;
            let r = self.atom()?;
            v = match (op, r) {
                (b'*', _) => v.wrapping_mul(r),
                (_, 0) => return Err("division by zero".into()),
                (b'/', _) => v.wrapping_div(r),
                _ => v.wrapping_rem(r),
            };
        }
        Ok(v)
    }
    fn atom(&mut self) -> Result<i64, String> {
        match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let v = self.expr()?;
                if self.peek() != Some(b')') {
                    return Err(format!("missing ) at {}", self.i));
                }
                self.i += 1;
                Ok(v)
            }
            Some(b'-') => {
                self.i += 1;
                Ok(self.atom()?.wrapping_neg())
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?.parse().map_err(|e| format!("{e}"))
            }
            other => Err(format!("unexpected {:?} at {}", other.map(char::from), self.i)),
        }
    }
}

pub fn eval(line: &str) -> Result<i64, String> {
    let mut p = Parser { s: line.as_bytes(), i: 0 };
    let v = p.expr()?;
    match p.peek() {
        None => Ok(v),
        Some(c) => Err(format!("trailing {:?} at {}", char::from(c), p.i)),
    }
}

fn generate(state: &mut u64, depth: u32, out: &mut String) {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let r = (*state >> 33) as u32;
    if depth == 0 || r % 5 == 0 {
        out.push_str(&(1 + r % 997).to_string());
        return;
    }
    if r % 7 == 0 {
        out.push('(');
        generate(state, depth - 1, out);
        out.push(')');
        return;
    }
    generate(state, depth - 1, out);
    out.push_str([" + ", " - ", " * ", " / ", " % "][(r % 5) as usize]);
    generate(state, depth - 1, out);
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines: Vec<String> = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--bench", n, seed] => {
            let (Ok(n), Ok(mut state)) = (n.parse::<usize>(), seed.parse::<u64>()) else {
                eprintln!("exprs: --bench N SEED takes two numbers");
                return ExitCode::from(2);
            };
            (0..n)
                .map(|_| {
                    let mut s = String::new();
                    generate(&mut state, 6, &mut s);
                    s
                })
                .collect()
        }
        [path] => match std::fs::read_to_string(path) {
            Ok(t) => t.lines().map(String::from).collect(),
            Err(e) => {
                eprintln!("exprs: {path}: {e}");
                return ExitCode::from(1);
            }
        },
        _ => {
            eprintln!("usage: exprs FILE | exprs --bench N SEED");
            return ExitCode::from(2);
        }
    };
    let (mut sum, mut errors) = (0i64, 0usize);
    for l in &lines {
        match eval(l) {
            Ok(v) => sum = sum.wrapping_add(v),
            Err(_) => errors += 1,
        }
    }
    println!("{} expressions, sum {sum}, {errors} errors", lines.len());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #[test]
    fn evaluates() {
        assert_eq!(super::eval("1 + 2 * (3 - 1)"), Ok(5));
        assert!(super::eval("1 / 0").is_err());
    }
}
