//! rustup's toolchain names: which strings are names (anything else, a path, is never handed to
//! rustup) and the channel and version a name stands for. Pure functions of the text.

use crate::tiers::Channel;

/// Whether rustup accepts `name` as a toolchain name without it being a path. Anything else is
/// never handed to rustup.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
}

/// The channel and version a toolchain name stands for (custom names: neither).
pub fn parse_channel(text: &str) -> (Option<Channel>, Option<semver::Version>) {
    let t = text.trim();
    if t == "nightly" || t.starts_with("nightly-") {
        return (Some(Channel::Nightly), None);
    }
    if t == "beta" || t.starts_with("beta-") {
        return (Some(Channel::Beta), None);
    }
    if t == "stable" || t.starts_with("stable-") {
        return (Some(Channel::Stable), None);
    }
    let v = t.split('-').next().unwrap_or(t);
    let parts: Option<Vec<u64>> = v.split('.').map(|p| p.parse().ok()).collect();
    let version = match parts.as_deref() {
        Some([a, b]) => semver::Version::new(*a, *b, 0),
        Some([a, b, c]) => semver::Version::new(*a, *b, *c),
        _ => return (None, None),
    };
    if t[v.len()..].starts_with("-beta") {
        return (Some(Channel::Beta), Some(version));
    }
    (Some(Channel::Stable), Some(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_channels() {
        assert_eq!(
            parse_channel("1.95.0"),
            (Some(Channel::Stable), Some(semver::Version::new(1, 95, 0)))
        );
        assert_eq!(
            parse_channel("1.70").1,
            Some(semver::Version::new(1, 70, 0))
        );
        assert_eq!(
            parse_channel("nightly-2026-05-19").0,
            Some(Channel::Nightly)
        );
        assert_eq!(parse_channel("stable"), (Some(Channel::Stable), None));
        assert_eq!(parse_channel("hello world"), (None, None));
        assert_eq!(parse_channel("my-toolchain"), (None, None));
        assert!(valid_name("nightly-2026-05-19-x86_64-unknown-linux-gnu"));
        assert!(!valid_name("../x") && !valid_name("-x") && !valid_name("a b") && !valid_name(""));
    }
}
