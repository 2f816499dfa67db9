//! Tier resolution: inheritance, exclusive groups, `--with`/`--without`, platform and profile.
//! nix/lib/resolveTier.nix implements the same steps; a test compares the two.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::tiers::{TierData, ToolchainSpec};

#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub with: Vec<String>,
    pub without: Vec<String>,
    /// `x86_64-linux` etc.; `None` keeps techniques of every platform.
    pub platform: Option<String>,
    /// "dev" or "release" (the built-in profile a build's profile inherits from); `None` keeps all.
    pub profile_root: Option<String>,
    /// The machine's cores, when the tier is resolved for this machine: techniques with a
    /// higher `min_cores` are left out. `None` (another platform, Nix) keeps them.
    pub cores: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Resolved {
    pub tier: String,
    pub toolchain: Option<(String, ToolchainSpec)>,
    /// On, in application order.
    pub techniques: Vec<String>,
    /// Could be switched on with `--with`.
    pub optional: Vec<String>,
    /// Part of the tier but not available on the platform.
    pub left_out: Vec<LeftOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeftOut {
    pub id: String,
    pub reason: String,
}

/// Adds `id`, replacing an earlier technique of the same exclusive group.
fn add(data: &TierData, list: &mut Vec<String>, id: &str) -> Result<()> {
    let group = data.technique(id)?.group.clone();
    if let Some(g) = group {
        list.retain(|t| data.techniques.get(t).and_then(|x| x.group.as_ref()) != Some(&g));
    }
    list.retain(|t| t != id);
    list.push(id.to_string());
    Ok(())
}

/// `--with`/`--without` that contradict each other would silently drop a technique the user
/// asked for: the same id in both, or two ids of one exclusive group.
fn check_selection(data: &TierData, sel: &Selection) -> Result<()> {
    if let Some(both) = sel.with.iter().find(|w| sel.without.contains(w)) {
        bail!("--with {both} and --without {both} contradict each other; give one");
    }
    for (i, a) in sel.with.iter().enumerate() {
        let group = data.technique(a)?.group.as_ref();
        for b in &sel.with[i + 1..] {
            if a != b && group.is_some() && data.technique(b)?.group.as_ref() == group {
                bail!(
                    "--with {a} and --with {b} exclude each other (both in group {}); give one",
                    group.map_or("", |g| g.as_str())
                );
            }
        }
    }
    Ok(())
}

/// A Cargo profile name as Cargo 1.95 accepts it for `--profile`: letters, digits, `-` and
/// `_`, not one of its reserved names (checked against `cargo build --profile`). Usable as a
/// clap `value_parser`.
pub fn profile_name(s: &str) -> Result<String, String> {
    const RESERVED: &[&str] = &[
        "build",
        "check",
        "clean",
        "config",
        "fetch",
        "fix",
        "install",
        "metadata",
        "package",
        "publish",
        "report",
        "root",
        "run",
        "rust",
        "rustc",
        "rustdoc",
        "target",
        "tmp",
        "uninstall",
    ];
    if s.is_empty() {
        return Err("a profile name cannot be empty".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "invalid character {c:?} in profile name {s:?}: Cargo allows letters, numbers, '-' and '_'"
        ));
    }
    let lower = s.to_lowercase();
    if lower == "debug" {
        return Err(format!(
            "profile name {s:?} is reserved: the development profile is called \"dev\""
        ));
    }
    if lower == "build-override" || RESERVED.contains(&s) || lower.starts_with("cargo") {
        return Err(format!("profile name {s:?} is reserved by Cargo"));
    }
    Ok(s.to_string())
}

pub fn resolve(data: &TierData, tier_id: &str, sel: &Selection) -> Result<Resolved> {
    let chain = inheritance_chain(data, tier_id)?;
    let FromChain {
        mut techniques,
        optional,
        toolchain,
    } = from_chain(data, &chain, sel)?;
    check_selection(data, sel)?;
    add_with(data, &mut techniques, &sel.with)?;
    drop_without(data, &mut techniques, &sel.without, tier_id)?;
    let optional = optional_left(optional, &techniques);
    let left_out = fit_selection(data, &mut techniques, sel);
    let toolchain = toolchain.map(|name| {
        let spec = data.toolchains[&name].clone();
        (name, spec)
    });
    Ok(Resolved {
        tier: tier_id.to_string(),
        toolchain,
        techniques,
        optional,
        left_out,
    })
}

/// The tier and the tiers it inherits from, the root first.
fn inheritance_chain(data: &TierData, tier_id: &str) -> Result<Vec<String>> {
    let mut chain = vec![];
    let mut cur = Some(tier_id.to_string());
    while let Some(id) = cur {
        let t = data.tier(&id)?;
        if chain.contains(&id) {
            bail!("tier inheritance cycle at {id}");
        }
        chain.push(id);
        cur = t.inherits.clone();
    }
    chain.reverse();
    Ok(chain)
}

/// What an inheritance chain sets, before `--with`/`--without` and the machine.
struct FromChain {
    techniques: Vec<String>,
    optional: Vec<String>,
    /// The last one a tier of the chain names.
    toolchain: Option<String>,
}

fn from_chain(data: &TierData, chain: &[String], sel: &Selection) -> Result<FromChain> {
    let mut techniques = vec![];
    let mut optional: Vec<String> = vec![];
    let mut toolchain = None;
    for id in chain {
        let t = data.tier(id)?;
        let on_platform = sel
            .platform
            .as_ref()
            .and_then(|p| t.platform_techniques.get(p));
        for x in t.techniques.iter().chain(on_platform.into_iter().flatten()) {
            add(data, &mut techniques, x)?;
        }
        optional.extend(t.optional.iter().cloned());
        if let Some(tc) = &t.toolchain {
            toolchain = Some(tc.clone());
        }
    }
    Ok(FromChain {
        techniques,
        optional,
        toolchain,
    })
}

/// `--with`: shipped techniques only, each replacing one of its exclusive group.
fn add_with(data: &TierData, techniques: &mut Vec<String>, with: &[String]) -> Result<()> {
    for w in with {
        let t = data.technique(w)?;
        if !t.shipped {
            bail!(
                "technique {w} is not shipped: {}",
                t.why_not.as_deref().unwrap_or("")
            );
        }
        add(data, techniques, w)?;
    }
    Ok(())
}

/// `--without`: only a technique the tier switches on.
fn drop_without(
    data: &TierData,
    techniques: &mut Vec<String>,
    without: &[String],
    tier_id: &str,
) -> Result<()> {
    for w in without {
        data.technique(w)?;
        if !techniques.contains(w) {
            bail!("--without {w}: {tier_id} does not switch it on");
        }
        techniques.retain(|t| t != w);
    }
    Ok(())
}

/// The optional techniques not on already, each once, in order.
fn optional_left(mut optional: Vec<String>, techniques: &[String]) -> Vec<String> {
    let mut seen = vec![];
    optional.retain(|o| {
        !techniques.contains(o) && !seen.contains(o) && {
            seen.push(o.clone());
            true
        }
    });
    optional
}

/// Drops the techniques the selected platform, cores or profile rule out; those of the
/// platform and the cores are returned with the reason.
fn fit_selection(data: &TierData, techniques: &mut Vec<String>, sel: &Selection) -> Vec<LeftOut> {
    let mut left_out = vec![];
    if let Some(p) = &sel.platform {
        techniques.retain(|id| {
            let on = data.techniques[id].runs_on(p);
            if !on {
                left_out.push(LeftOut {
                    id: id.clone(),
                    reason: format!("not available on {p}"),
                });
            }
            on
        });
    }
    if let Some(cores) = sel.cores {
        techniques.retain(|id| {
            let need = data.techniques[id].min_cores.unwrap_or(0) as usize;
            if cores < need {
                left_out.push(LeftOut {
                    id: id.clone(),
                    reason: format!("needs {need}+ cores, this machine has {cores}"),
                });
            }
            cores >= need
        });
    }
    if let Some(p) = &sel.profile_root {
        techniques.retain(|id| data.techniques[id].applies_to(Some(p)));
    }
    left_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> TierData {
        TierData::embedded().unwrap()
    }

    #[test]
    fn tier3_replaces_mold_with_wild_and_keeps_tier1() {
        let r = resolve(&data(), "tier3", &Selection::default()).unwrap();
        assert!(r.techniques.contains(&"wild".into()));
        assert!(!r.techniques.contains(&"mold".into()));
        assert!(r.techniques.contains(&"split-debuginfo".into()));
        assert!(r.techniques.contains(&"parallel-frontend".into()));
        assert_eq!(r.toolchain.unwrap().0, "nightly-cranelift");
    }

    #[test]
    fn with_and_without() {
        let sel = Selection {
            with: vec!["fat-lto".into(), "sccache".into()],
            without: vec!["debug-line-tables-only".into()],
            ..Default::default()
        };
        let r = resolve(&data(), "tier1", &sel).unwrap();
        assert!(r.techniques.contains(&"fat-lto".into()));
        assert!(
            !r.techniques.contains(&"thin-lto".into()),
            "lto group is exclusive"
        );
        assert!(!r.techniques.contains(&"debug-line-tables-only".into()));
        assert!(!r.optional.contains(&"sccache".into()));
    }

    #[test]
    fn without_unknown_or_absent_fails() {
        let sel = Selection {
            without: vec!["cranelift".into()],
            ..Default::default()
        };
        assert!(resolve(&data(), "tier1", &sel).is_err());
        let sel = Selection {
            with: vec!["rust-gpu".into()],
            ..Default::default()
        };
        assert!(resolve(&data(), "tier1", &sel).is_err());
    }

    #[test]
    fn contradicting_selections_fail() {
        let both = Selection {
            with: vec!["fat-lto".into()],
            without: vec!["fat-lto".into()],
            ..Default::default()
        };
        let e = resolve(&data(), "tier1", &both).unwrap_err().to_string();
        assert!(e.contains("--with fat-lto and --without fat-lto"), "{e}");
        let group = Selection {
            with: vec!["fat-lto".into(), "thin-lto".into()],
            ..Default::default()
        };
        let e = resolve(&data(), "tier1", &group).unwrap_err().to_string();
        assert!(e.contains("exclude each other"), "{e}");
        let repeated = Selection {
            with: vec!["fat-lto".into(), "fat-lto".into()],
            ..Default::default()
        };
        assert!(resolve(&data(), "tier1", &repeated).is_ok());
    }

    #[test]
    fn profile_names_as_cargo_takes_them() {
        // Each verdict checked with `cargo build --profile NAME` (1.95).
        for ok in [
            "dev",
            "release",
            "release-fat",
            "my_profile2",
            "_x",
            "x-",
            "é",
        ] {
            assert_eq!(profile_name(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "",
            "debug",
            "Debug",
            "a b",
            "a.b",
            "../x",
            "x/y",
            "run",
            "rel\nease",
            "cargo-x",
            "build-override",
            "x=1",
            "$(id)",
        ] {
            assert!(profile_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn darwin_leaves_out_elf_tools() {
        let sel = Selection {
            platform: Some("aarch64-darwin".into()),
            ..Default::default()
        };
        let r = resolve(&data(), "tier3", &sel).unwrap();
        let out: Vec<_> = r.left_out.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(out, ["wild", "bolt"]);
    }

    #[test]
    fn release_profile_drops_cranelift() {
        let sel = Selection {
            profile_root: Some("release".into()),
            ..Default::default()
        };
        let r = resolve(&data(), "tier3", &sel).unwrap();
        assert!(!r.techniques.contains(&"cranelift".into()));
        assert!(r.techniques.contains(&"pgo".into()));
    }
}

#[cfg(test)]
mod with_every_technique {
    use super::*;
    use crate::env::raw_env;

    /// Every shipped technique can be switched on in every tier on every platform: two
    /// techniques that set one key differently must share an exclusive group, or `--with` fails.
    #[test]
    fn with_any_shipped_technique_gives_an_env() {
        let data = TierData::embedded().unwrap();
        let mut failures = vec![];
        for tier in data.tiers.keys() {
            let plain = resolve(&data, tier, &Selection::default()).unwrap();
            if crate::env::ensure_shipped(&data, &plain).is_err() {
                continue; // tier5: nothing to add to
            }
            for (id, t) in &data.techniques {
                if !t.shipped {
                    continue;
                }
                for (platform, p) in &data.platforms {
                    let sel = Selection {
                        with: vec![id.clone()],
                        platform: Some(platform.clone()),
                        ..Default::default()
                    };
                    let r = resolve(&data, tier, &sel).and_then(|r| raw_env(&data, &r, &p.triple));
                    if let Err(e) = r {
                        failures.push(format!("{tier} --with {id} on {platform}: {e:#}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
