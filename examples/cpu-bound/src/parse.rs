//! S-expression reader.

use std::rc::Rc;

use crate::value::{Symbols, Value};

pub fn parse_all(src: &str, syms: &mut Symbols) -> Result<Vec<Value>, String> {
    let tokens = tokenize(src);
    let mut pos = 0;
    let mut out = vec![];
    while pos < tokens.len() {
        out.push(read(&tokens, &mut pos, syms)?);
    }
    Ok(out)
}

fn tokenize(src: &str) -> Vec<String> {
    let mut out = vec![];
    let mut chars = src.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ';' => while chars.next().is_some_and(|c| c != '\n') {},
            '(' | ')' | '\'' => {
                out.push(c.to_string());
                chars.next();
            }
            '"' => {
                chars.next();
                let mut s = String::from("\"");
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    s.push(c);
                }
                out.push(s);
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(s);
            }
        }
    }
    out
}

fn read(tokens: &[String], pos: &mut usize, syms: &mut Symbols) -> Result<Value, String> {
    let tok = tokens.get(*pos).ok_or("unexpected end of input")?;
    *pos += 1;
    match tok.as_str() {
        "(" => {
            let mut items = vec![];
            loop {
                match tokens.get(*pos).map(String::as_str) {
                    None => return Err("missing )".into()),
                    Some(")") => {
                        *pos += 1;
                        return Ok(Value::list(items));
                    }
                    _ => items.push(read(tokens, pos, syms)?),
                }
            }
        }
        ")" => Err("unexpected )".into()),
        "'" => {
            let quoted = read(tokens, pos, syms)?;
            Ok(Value::list(vec![Value::Sym(syms.intern("quote")), quoted]))
        }
        "#t" => Ok(Value::Bool(true)),
        "#f" => Ok(Value::Bool(false)),
        t if t.starts_with('"') => Ok(Value::Str(Rc::from(&t[1..]))),
        t => Ok(t
            .parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::Sym(syms.intern(t)))),
    }
}
