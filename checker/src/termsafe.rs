//! What tiercheck prints can carry text a checkout chose: file and member names, TOML values,
//! package names. A name with an escape sequence in it could retitle the terminal, rewrite a
//! line that was already printed (`\r`, cursor moves), hide a finding, or reorder what the reader
//! sees (Unicode bidi controls, "Trojan source"). Everything written to stdout and stderr passes
//! through `escape`: control characters other than newline and tab, and bidi controls, become
//! `\uXXXX`, which is also what they mean inside a JSON string (serde_json already escapes C0
//! there; DEL, C1 and bidi it leaves raw). Only the exact colour sequences tiercheck itself
//! painted are kept.
//!
//! Newline and tab survive `escape` because they are tiercheck's own line structure. A value
//! interpolated into a line must not carry them: `field` escapes those too. Text printers of a
//! report render from `Report::for_text`, in which every string already went through `field`.

use std::borrow::Cow;

/// `text` with every control character except `\n` and `\t`, and every bidi control, written
/// as `\uXXXX`, except where one of `keep` (tiercheck's own SGR sequences) starts at that point.
pub fn escape<'a>(text: &'a str, keep: &[String]) -> Cow<'a, str> {
    escape_where(text, keep, is_unsafe)
}

/// One value inside a line (a file name, a TOML value, a message): like `escape`, and newline,
/// carriage return and tab too, so the value stays on its line and cannot forge another.
pub fn field(text: &str) -> Cow<'_, str> {
    escape_where(text, &[], |c| c.is_control() || is_bidi(c))
}

/// `v` with every string in it, object keys too, escaped as a `field`.
pub fn fields_in(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(field(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(fields_in).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (field(k).into_owned(), fields_in(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn escape_where<'a>(text: &'a str, keep: &[String], is_unsafe: fn(char) -> bool) -> Cow<'a, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if is_unsafe(c) {
            if let Some(k) = keep
                .iter()
                .find(|k| !k.is_empty() && rest.starts_with(k.as_str()))
            {
                out.push_str(k);
                rest = &rest[k.len()..];
                continue;
            }
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// One line of tiercheck's own on stderr (`tiercheck: ...`). `msg` is escaped as a `field`:
/// messages name files and values a checkout chose, and a newline in one must not print a
/// second `tiercheck:` line.
pub fn eprint_line(msg: &str) {
    eprintln!("tiercheck: {}", field(msg));
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi(c)
}

/// The explicit bidi formatting characters: embeddings and overrides (U+202A-U+202E), isolates
/// (U+2066-U+2069) and the marks (LRM, RLM, ALM). Not controls to `char::is_control` (they are
/// format characters), yet they reorder how the rest of a line is shown.
fn is_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("a\tb\nc é", &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(
            escape("x\u{1b}]0;pwned\u{7}\ry\u{7f}\u{9b}", &[]),
            "x\\u001b]0;pwned\\u0007\\u000dy\\u007f\\u009b"
        );
    }

    #[test]
    fn only_the_painted_sequences_survive() {
        let keep = vec!["\u{1b}[1m".to_string(), "\u{1b}[0m".to_string()];
        assert_eq!(
            escape("\u{1b}[1mok\u{1b}[0m \u{1b}[8mhidden", &keep),
            "\u{1b}[1mok\u{1b}[0m \\u001b[8mhidden"
        );
    }

    #[test]
    fn bidi_controls_become_visible_escapes() {
        let trojan = "if x \u{202e}} \u{2066}admin\u{2069}\u{200e}\u{200f}\u{061c}\u{202a}";
        assert_eq!(
            escape(trojan, &[]),
            "if x \\u202e} \\u2066admin\\u2069\\u200e\\u200f\\u061c\\u202a"
        );
        assert!(matches!(escape("é ü ← \u{200d}", &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn a_field_keeps_to_its_line() {
        assert_eq!(
            field("a\nerror[x] forged\r\tb\u{202b}"),
            "a\\u000aerror[x] forged\\u000d\\u0009b\\u202b"
        );
        assert!(matches!(field("Cargo.toml é"), Cow::Borrowed(_)));
        let v = serde_json::json!({"m\n": ["x\ny", 1, null, {"k": "\r"}]});
        assert_eq!(
            fields_in(&v),
            serde_json::json!({"m\\u000a": ["x\\u000ay", 1, null, {"k": "\\u000d"}]})
        );
    }

    #[test]
    fn json_stays_json() {
        let v = serde_json::json!({"name": "a\u{7f}b\u{85}c\u{1b}\u{202e}d"});
        let text = serde_json::to_string(&v).unwrap();
        let back: serde_json::Value = serde_json::from_str(&escape(&text, &[])).unwrap();
        assert_eq!(back, v);
    }
}
