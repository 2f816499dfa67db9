//! What tiercheck prints can carry text a checkout chose: file and member names, TOML values,
//! package names. A name with an escape sequence in it could retitle the terminal, rewrite a
//! line that was already printed (`\r`, cursor moves), hide a finding, or reorder what the reader
//! sees (Unicode bidi controls, "Trojan source"). Everything written to stdout and stderr passes
//! through `escape`: control characters other than newline and tab, and bidi controls, become
//! `\uXXXX`, which is also what they mean inside a JSON string (serde_json already escapes C0
//! there; DEL, C1 and bidi it leaves raw). Only the exact colour sequences tiercheck itself
//! painted are kept.

use std::borrow::Cow;

/// `text` with every control character except `\n` and `\t`, and every bidi control, written
/// as `\uXXXX`, except where one of `keep` (tiercheck's own SGR sequences) starts at that point.
pub fn escape<'a>(text: &'a str, keep: &[String]) -> Cow<'a, str> {
    escape_where(text, keep, is_unsafe)
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

/// One line of tiercheck's own on stderr (`tiercheck: ...`), escaped like stdout: messages name
/// files and values a checkout chose.
pub fn eprint_line(msg: &str) {
    eprintln!("tiercheck: {}", escape(msg, &[]));
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
    fn json_stays_json() {
        let v = serde_json::json!({"name": "a\u{7f}b\u{85}c\u{1b}\u{202e}d"});
        let text = serde_json::to_string(&v).unwrap();
        let back: serde_json::Value = serde_json::from_str(&escape(&text, &[])).unwrap();
        assert_eq!(back, v);
    }
}
