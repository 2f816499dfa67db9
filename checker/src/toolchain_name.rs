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

/// A release channel with no host part (`stable`, `1.98`, `1.98.0-beta.2`, `nightly-2026-10-29`):
/// rustup appends the host. A name with a full host is its directory's name, as is a custom
/// toolchain's; one with a partial host (`stable-msvc`) has no directory of that name, so it
/// is left to rustup.
pub fn is_bare_channel(name: &str) -> bool {
    let (channel, rest) = split_channel(name);
    channel && (rest.is_empty() || is_date(rest))
}

/// Whether `name` names a release channel (with or without a date and host): a toolchain
/// rustup installs from its servers, not one linked from a local build.
pub fn is_channel_name(name: &str) -> bool {
    split_channel(name).0
}

/// Whether `name` starts with a channel, and what follows it (after a `-`): rustup's
/// `TOOLCHAIN_CHANNEL_RE` (`src/dist/mod.rs`), whose versions run from 1.0 to 9.999.99 with
/// an optional `-beta` or `-beta.N`.
fn split_channel(name: &str) -> (bool, &str) {
    for c in ["nightly", "beta", "stable"] {
        if let Some(rest) = name.strip_prefix(c) {
            if rest.is_empty() {
                return (true, "");
            }
            if let Some(r) = rest.strip_prefix('-') {
                return (true, r);
            }
        }
    }
    let end = name.find('-').unwrap_or(name.len());
    let (version, rest) = name.split_at(end);
    if !is_release_version(version) {
        return (false, name);
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let Some(beta) = rest.strip_prefix("beta") else {
        return (true, rest);
    };
    let beta_end = beta.find('-').unwrap_or(beta.len());
    let (number, after) = beta.split_at(beta_end);
    let number_ok = number.is_empty() || number.strip_prefix('.').is_some_and(|n| digits(n, 1, 2));
    if !number_ok {
        return (false, name);
    }
    (true, after.strip_prefix('-').unwrap_or(after))
}

/// `[0-9]\.(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]?))?`
fn is_release_version(v: &str) -> bool {
    let no_lead_zero = |p: &str, max: usize| p == "0" || (!p.starts_with('0') && digits(p, 1, max));
    match v.split('.').collect::<Vec<_>>()[..] {
        [major, minor] => digits(major, 1, 1) && no_lead_zero(minor, 3),
        [major, minor, patch] => {
            digits(major, 1, 1) && no_lead_zero(minor, 3) && no_lead_zero(patch, 2)
        }
        _ => false,
    }
}

fn digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD` (digits and dashes in place; a nightly's or a dated channel's date).
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
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

    #[test]
    fn bare_channels_get_the_host() {
        for n in [
            "stable",
            "beta",
            "nightly",
            "1.98",
            "1.98.0",
            "1.98.0-beta",
            "1.98.0-beta.2",
        ] {
            assert!(is_bare_channel(n), "{n}");
        }
        for n in [
            "nightly-2026-10-29",
            "1.98.0-2026-10-29",
            "1.99-beta.1-2026-10-29",
        ] {
            assert!(is_bare_channel(n), "{n}");
        }
        for n in [
            "stable-x86_64-unknown-linux-gnu",
            "nightly-2026-10-29-x86_64-unknown-linux-gnu",
            "stable-msvc",
            "my-toolchain",
            "stage1",
            "1.98.x",
            "1",
            "stablex",
            "10.0",
            "01.95",
            "1.095",
            "1.1000",
            "1.95.100",
            "1.95.0-beta.100",
            "1.95.01",
        ] {
            assert!(!is_bare_channel(n), "{n}");
        }
    }
}
