//! Tier resolution: inheritance, exclusive groups, `--with`/`--without`, platform and profile.
//! nix/lib/resolveTier.nix implements the same steps; a test compares the two.

use anyhow::{bail, Result};
use serde::Serialize;

use crate::tiers::{TierData, ToolchainSpec};

#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub with: Vec<String>,
    pub without: Vec<String>,
    /// `x86_64-linux` etc.; `None` keeps techniques of every platform.
    pub platform: Option<String>,
    /// "dev" or "release" (the built-in profile a build's profile inherits from); `None` keeps all.
    pub profile_root: Option<String>,
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

#[derive(Debug, Clone, Serialize)]
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

pub fn resolve(data: &TierData, tier_id: &str, sel: &Selection) -> Result<Resolved> {
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

    let mut techniques = vec![];
    let mut optional: Vec<String> = vec![];
    let mut toolchain = None;
    for id in &chain {
        let t = data.tier(id)?;
        for x in &t.techniques {
            add(data, &mut techniques, x)?;
        }
        optional.extend(t.optional.iter().cloned());
        if let Some(tc) = &t.toolchain {
            toolchain = Some(tc.clone());
        }
    }
    for w in &sel.with {
        let t = data.technique(w)?;
        if !t.shipped {
            bail!(
                "technique {w} is not shipped: {}",
                t.why_not.as_deref().unwrap_or("")
            );
        }
        add(data, &mut techniques, w)?;
    }
    for w in &sel.without {
        data.technique(w)?;
        if !techniques.contains(w) {
            bail!("--without {w}: {tier_id} does not switch it on");
        }
        techniques.retain(|t| t != w);
    }
    let mut seen = vec![];
    optional.retain(|o| {
        !techniques.contains(o) && !seen.contains(o) && {
            seen.push(o.clone());
            true
        }
    });

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
    if let Some(p) = &sel.profile_root {
        techniques.retain(|id| data.techniques[id].applies_to(Some(p)));
    }
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
