//! A TOML file read once into values and the positions of its keys and array elements, so a
//! finding can say `file:line:column`. Parsed with toml's spanned document parser in one pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use toml::de::{DeTable, DeValue};

use crate::fsread;

/// Byte offsets of keys (`["profile", "dev", "lto"]`) and of array elements, plus the text to
/// turn an offset into a line and a character column.
#[derive(Debug, Default)]
pub struct Spans {
    text: String,
    line_starts: Vec<usize>,
    keys: HashMap<Vec<String>, usize>,
    elems: HashMap<Vec<String>, Vec<usize>>,
}

impl Spans {
    fn pos_of(&self, offset: usize) -> (u32, u32) {
        spans_pos(&self.text, &self.line_starts, offset)
    }

    /// Line and column (1-based, characters) of a byte offset.
    pub fn pos_at(&self, offset: usize) -> (u32, u32) {
        self.pos_of(offset)
    }

    /// Byte offset of a key.
    pub fn key_offset_owned(&self, keys: &[String]) -> Option<usize> {
        self.keys.get(keys).copied()
    }

    /// Byte offsets of the elements of the array at `keys`.
    pub fn elem_offsets(&self, keys: &[String]) -> Option<&Vec<usize>> {
        self.elems.get(keys)
    }

    /// Line and column (1-based) of a key.
    pub fn key(&self, keys: &[&str]) -> Option<(u32, u32)> {
        let k: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        self.keys.get(&k).map(|o| self.pos_of(*o))
    }

    /// Line and column of element `idx` of the array at `keys`.
    pub fn elem(&self, keys: &[&str], idx: usize) -> Option<(u32, u32)> {
        let k: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        self.elems
            .get(&k)
            .and_then(|v| v.get(idx))
            .map(|o| self.pos_of(*o))
    }
}

#[derive(Debug)]
pub struct TomlFile {
    pub path: PathBuf,
    /// How findings name the file: relative to the project dir when inside it.
    pub shown: String,
    pub table: toml::Table,
    pub spans: std::sync::Arc<Spans>,
}

impl TomlFile {
    /// Reads and parses; a non-regular file, an oversized one or a syntax error is one line that
    /// names the file (and the line and column for syntax errors).
    pub fn load(path: &Path, shown: &str) -> Result<TomlFile> {
        let text = fsread::read_text(path, shown, fsread::TEXT_CAP)?;
        let (table, spans) = parse(text, shown)?;
        Ok(TomlFile {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            table,
            spans: std::sync::Arc::new(spans),
        })
    }

    /// Line and column of a key in this file.
    pub fn pos(&self, keys: &[&str]) -> Option<(u32, u32)> {
        self.spans.key(keys)
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// Parses `text` into a table and its spans.
pub fn parse(text: String, shown: &str) -> Result<(toml::Table, Spans)> {
    let mut spans = Spans {
        line_starts: line_starts(&text),
        ..Spans::default()
    };
    let table = {
        let doc = DeTable::parse(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| spans_pos(&text, &spans.line_starts, s.start));
            anyhow::anyhow!(
                "{shown}: invalid TOML{}: {}",
                at.map(|(l, c)| format!(" at line {l} column {c}"))
                    .unwrap_or_default(),
                e.message().trim().replace('\n', " ")
            )
        })?;
        let mut path = vec![];
        convert_table(doc.into_inner(), &mut path, &mut spans)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?
    };
    spans.text = text;
    Ok((table, spans))
}

fn spans_pos(text: &str, starts: &[usize], offset: usize) -> (u32, u32) {
    let line = starts.partition_point(|s| *s <= offset);
    let start = starts[line.saturating_sub(1)];
    let col = text
        .get(start..offset.min(text.len()))
        .map_or(0, |s| s.chars().count());
    (line as u32, col as u32 + 1)
}

fn convert_table(
    t: DeTable<'_>,
    path: &mut Vec<String>,
    spans: &mut Spans,
) -> Result<toml::Table, String> {
    let mut out = toml::Table::new();
    for (k, v) in t {
        let key_at = k.span().start;
        let key = k.into_inner().into_owned();
        path.push(key.clone());
        spans.keys.entry(path.clone()).or_insert(key_at);
        let value = convert(v.into_inner(), path, spans)?;
        path.pop();
        out.insert(key, value);
    }
    Ok(out)
}

fn convert(
    v: DeValue<'_>,
    path: &mut Vec<String>,
    spans: &mut Spans,
) -> Result<toml::Value, String> {
    Ok(match v {
        DeValue::String(s) => toml::Value::String(s.into_owned()),
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| {
                format!("integer {} out of range at {}", i.as_str(), path.join("."))
            })?)
        }
        DeValue::Float(f) => toml::Value::Float(
            f.as_str()
                .parse()
                .map_err(|_| format!("invalid float {} at {}", f.as_str(), path.join(".")))?,
        ),
        DeValue::Boolean(b) => toml::Value::Boolean(b),
        DeValue::Datetime(d) => toml::Value::Datetime(d),
        DeValue::Array(a) => {
            let mut offsets = Vec::with_capacity(a.len());
            let mut items = Vec::with_capacity(a.len());
            for (i, e) in a.into_iter().enumerate() {
                offsets.push(e.span().start);
                let inner = e.into_inner();
                let nested = matches!(inner, DeValue::Table(_) | DeValue::Array(_));
                if nested {
                    path.push(i.to_string());
                }
                items.push(convert(inner, path, spans)?);
                if nested {
                    path.pop();
                }
            }
            spans.elems.insert(path.clone(), offsets);
            toml::Value::Array(items)
        }
        DeValue::Table(t) => toml::Value::Table(convert_table(t, path, spans)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_positions() {
        let text = "[profile.dev]\nlto = \"thin\"\n\n[build]\nrustflags = [\n  \"-C\", \"é\", \"-Zx\",\n]\nn = 0x10\n";
        let (t, s) = parse(text.into(), "c.toml").unwrap();
        assert_eq!(t["profile"]["dev"]["lto"].as_str(), Some("thin"));
        assert_eq!(t["build"]["n"].as_integer(), Some(16));
        assert_eq!(s.key(&["profile", "dev", "lto"]), Some((2, 1)));
        assert_eq!(s.key(&["build", "rustflags"]), Some((5, 1)));
        assert_eq!(s.elem(&["build", "rustflags"], 0), Some((6, 3)));
        // Columns count characters, not bytes.
        assert_eq!(s.elem(&["build", "rustflags"], 2), Some((6, 14)));
    }

    #[test]
    fn syntax_errors_are_one_line_with_position() {
        let e = parse("[package]\nname = \"x\nversion = 1\n".into(), "Cargo.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Cargo.toml: invalid TOML at line 2"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
