//! Quoting for output that a shell evaluates (`eval "$(tiercheck env ...)"`, `... | source`).
//! Each shell gets its own rules; a value always comes back byte for byte and never runs.

/// POSIX sh (bash, dash, zsh): inside single quotes nothing is special, not even a backslash,
/// so the only character to handle is `'` itself: close, add `\'`, reopen.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// fish: inside single quotes `\'` and `\\` are escapes, everything else (newlines included)
/// is literal. The sh form `'\''` would let `\'` close nothing and leak the rest.
pub fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A comment line's text: no line breaks or other control characters can end the comment.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(sh_quote("$(x) `y` \\"), "'$(x) `y` \\'");
        assert_eq!(fish_quote("a'b\\c"), "'a\\'b\\\\c'");
        assert_eq!(fish_quote("\\'(cmd)"), "'\\\\\\'(cmd)'");
        assert_eq!(comment("a\nb\rc"), "a b c");
    }
}
