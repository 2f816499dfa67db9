//! "Did you mean": the closest known id to a typo (tiers, techniques, rules).

/// The candidate closest to `word`, if one is close enough to be what was meant: at most two
/// edits away, or very similar by Jaro-Winkler (which forgives a dropped or swapped suffix).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                c,
                strsim::jaro_winkler(word, c),
                strsim::levenshtein(word, c),
            )
        })
        .filter(|&(_, jw, lev)| lev <= 2 || jw >= 0.85)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .map(|(c, _, _)| c)
}

/// ` (did you mean "x"?)`, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_id_and_nonsense_finds_none() {
        let ids = [
            "tier1",
            "tier2",
            "mold",
            "build-linker-key",
            "linker-not-a-driver",
        ];
        assert_eq!(closest("teir1", ids), Some("tier1"));
        assert_eq!(closest("mlod", ids), Some("mold"));
        assert_eq!(closest("build-linker", ids), Some("build-linker-key"));
        assert_eq!(closest("warp-drive", ids), None);
    }
}
