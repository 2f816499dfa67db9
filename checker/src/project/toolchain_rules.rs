//! The toolchain builds will use against what the project asks of it: each package's
//! `rust-version` (Cargo refuses to build a package above the active rustc), and a
//! `RUSTUP_TOOLCHAIN` that silently replaces the project's toolchain file.

use crate::project::ctx::{at_key, Ctx};
use crate::project::load::{get, TomlFile};
use crate::report::{Finding, Rule, Severity};
use crate::toolchain_file::Spec;
use crate::toolchain_name::parse_channel;

/// A package's `rust-version` and where it is written (its own key, or the workspace's for
/// `rust-version.workspace = true`).
struct Declared<'a> {
    package: String,
    /// Whether plain `cargo build` here builds it (a default member).
    by_default: bool,
    file: &'a TomlFile,
    keys: &'static [&'static str],
    version: semver::Version,
}

fn declared<'a>(ctx: &Ctx<'a>) -> Vec<Declared<'a>> {
    let root = &ctx.p.root;
    let mut out = vec![];
    for f in std::iter::once(root).chain(&ctx.p.members) {
        let Some(name) = get(&f.table, &["package", "name"]).and_then(|v| v.as_str()) else {
            continue;
        };
        let (file, keys): (&TomlFile, &'static [&'static str]) =
            match get(&f.table, &["package", "rust-version"]) {
                Some(toml::Value::String(_)) => (f, &["package", "rust-version"]),
                Some(toml::Value::Table(t)) if t.get("workspace") == Some(&true.into()) => {
                    (root, &["workspace", "package", "rust-version"])
                }
                _ => continue,
            };
        let text = get(&file.table, keys)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        if let (_, Some(version)) = parse_channel(text) {
            out.push(Declared {
                package: name.to_string(),
                by_default: ctx.p.default_members.contains(&f.path),
                file,
                keys,
                version,
            });
        }
    }
    out
}

/// Cargo compares `rust-version` with the release number alone: a nightly or beta of 1.97
/// satisfies `rust-version = "1.97"`.
fn release(v: &semver::Version) -> semver::Version {
    semver::Version::new(v.major, v.minor, v.patch)
}

/// Every package whose `rust-version` is above the rustc builds will use: Cargo refuses to
/// build it ("rustc X is not supported by the following package"), before compiling anything.
/// An error for a package plain `cargo build` builds here; a warning for other members, which
/// only `--workspace` or `-p` builds refuse (measured with cargo 1.95).
pub fn rust_version_above_toolchain(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(rustc) = ctx.rustc_version.as_ref().map(release) else {
        return;
    };
    let above: Vec<Declared> = declared(ctx)
        .into_iter()
        .filter(|d| d.version > rustc)
        .collect();
    // One finding per definition and kind: the members sharing the workspace's rust-version
    // are one fix, not one line each.
    let mut groups: Vec<(&Declared, Vec<&str>)> = vec![];
    for d in &above {
        match groups.iter_mut().find(|(g, _)| {
            g.file.shown == d.file.shown && g.keys == d.keys && g.by_default == d.by_default
        }) {
            Some((_, names)) => names.push(&d.package),
            None => groups.push((d, vec![&d.package])),
        }
    }
    for (d, names) in groups {
        out.push(above_finding(d, &names, &rustc));
    }
}

fn above_finding(d: &Declared, names: &[&str], rustc: &semver::Version) -> Finding {
    let (severity, when) = if d.by_default {
        (Severity::Error, "Cargo refuses to build it")
    } else {
        (Severity::Warning, "`cargo build --workspace` (or `-p` naming it) refuses to build it; plain `cargo build` here does not build it")
    };
    let who = match names {
        [one] => format!("package `{one}` declares"),
        many => format!("packages `{}` declare", many.join("`, `")),
    };
    let v = &d.version;
    let f = Finding::new(Rule::RustVersionAboveToolchain, format!("{who} rust-version {v}, above rustc {rustc}, which builds here: {when}"))
        .severity(severity)
        .fix(format!("use a toolchain of {v} or newer (`rustup toolchain install {v}`), or lower rust-version if it builds with {rustc}"));
    at_key(f, d.file, d.keys)
}

/// rustup names a toolchain with or without the host triple (`stable` and
/// `stable-x86_64-unknown-linux-gnu` are the same one).
fn same_toolchain(a: &str, b: &str, host: &str) -> bool {
    let strip = |s: &str| s.strip_suffix(&format!("-{host}")).unwrap_or(s).to_string();
    strip(a) == strip(b)
}

/// `RUSTUP_TOOLCHAIN` in the environment wins over the project's toolchain file: builds here do
/// not use the toolchain the project pins. Not reported when the tier's environment set it (the
/// tier's own toolchain findings cover that).
pub fn env_overrides_file(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (Some(env), Some(pin)) = (ctx.p.env.get("RUSTUP_TOOLCHAIN"), ctx.p.toolchain.as_ref())
    else {
        return;
    };
    if ctx.tier_vars.iter().any(|v| v == "RUSTUP_TOOLCHAIN") {
        return;
    }
    let Spec::Named(name) = &pin.spec else {
        return;
    };
    if same_toolchain(env, name, ctx.triple()) {
        return;
    }
    let f = Finding::new(Rule::ToolchainEnvOverridesFile, format!("RUSTUP_TOOLCHAIN={env} overrides the project's toolchain file ({name}): rustup takes the variable first, so builds here do not use the toolchain the project pins"))
        .fix(format!("unset RUSTUP_TOOLCHAIN to build with {name}, or change the toolchain file if {env} is meant"))
        .at(&pin.shown, "");
    out.push(match pin.at {
        Some((l, c)) => f.span(l as u32, c as u32),
        None => f,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toolchain_name_with_and_without_the_host_is_one_toolchain() {
        let host = "x86_64-unknown-linux-gnu";
        assert!(same_toolchain(
            "stable",
            "stable-x86_64-unknown-linux-gnu",
            host
        ));
        assert!(same_toolchain("1.95.0", "1.95.0", host));
        assert!(!same_toolchain("nightly", "stable", host));
        assert!(!same_toolchain("1.95", "1.95.0", host));
    }

    #[test]
    fn a_nightly_satisfies_its_own_release() {
        let v = semver::Version::parse("1.97.0-nightly").unwrap();
        assert!(semver::Version::new(1, 97, 0) <= release(&v));
        assert!(semver::Version::new(1, 98, 0) > release(&v));
    }
}
