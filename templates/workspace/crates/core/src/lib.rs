//! The workspace's library crate.

/// Word frequencies of a text, most frequent first (ties by word).
pub fn word_counts(text: &str) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::word_counts("a b A")[0], ("a".to_string(), 2));
    }
}
