//! What a tier leaves open within its risk class, on this machine: one decision per setting,
//! each with the tier's default, the candidates worth measuring here, and what cannot be
//! measured meaningfully here (and why).

use serde::Serialize;

use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};

/// Where a decision's result may live: machine-dependent ones stay on this machine, project
/// ones may be written into the project for the whole team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Machine,
    Project,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The change, as a configuration name spells it (`codegen-units=8`, `with=mold`).
    pub change: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub id: &'static str,
    pub title: &'static str,
    pub scope: Scope,
    /// The tier's choice on this machine, in words.
    pub default: String,
    pub candidates: Vec<Candidate>,
    /// Choices not measured here, each with the reason.
    pub not_measured: Vec<String>,
}

/// The machine and tier facts the decisions depend on.
pub struct Facts<'a> {
    pub data: &'a TierData,
    pub tier: &'a str,
    pub platform: &'a str,
    pub cores: usize,
    /// The tier's dev-profile environment on this machine (what `bench` measures as `tierN`).
    pub env: &'a std::collections::BTreeMap<String, String>,
    /// Whether the tier's toolchain here has the Cranelift component.
    pub cranelift: bool,
    /// Whether the project has dependencies (from the registry or git).
    pub has_dependencies: bool,
    /// Whether a tool of nix/tiers.toml is installed.
    pub installed: &'a dyn Fn(&str) -> bool,
}

/// The tier as nix/tiers.toml writes it (no platform, no core count): what it switches on.
fn written(f: &Facts) -> Option<Resolved> {
    resolve(f.data, f.tier, &Selection::default()).ok()
}

/// The highest risk tier (the research report's 1-5) among the tier's techniques: candidates
/// may not exceed it.
pub fn risk(data: &TierData, r: &Resolved) -> u8 {
    r.techniques
        .iter()
        .filter_map(|t| data.techniques.get(t))
        .map(|t| t.report_tier)
        .max()
        .unwrap_or(1)
}

/// Every decision open for the tier, in the order tune takes them (the largest expected effect
/// first, so a short budget spends itself where it matters).
pub fn open(f: &Facts) -> Vec<Decision> {
    let Some(w) = written(f) else {
        return vec![];
    };
    let on = |id: &str| w.techniques.iter().any(|t| t == id);
    let mut out = vec![codegen_units(f), linker(f, &w)];
    if on("parallel-frontend") {
        out.push(threads(f));
    }
    if on("cranelift") {
        out.push(cranelift(f));
    }
    if on("split-debuginfo") {
        out.push(split_debuginfo());
    }
    if on("deps-no-debuginfo") {
        out.push(deps_debuginfo(f));
    }
    out
}

fn codegen_units(f: &Facts) -> Decision {
    let default: u32 = f
        .env
        .get("CARGO_PROFILE_DEV_CODEGEN_UNITS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // 256 is rustc's own number for an incremental crate; about four units per core is the
    // other end: more LLVM parallelism on a big machine, fewer objects on a small one.
    let per_core = (f.cores as u32 * 4).clamp(4, 64);
    let mut candidates = vec![];
    for n in [256, per_core] {
        if n != default
            && !candidates
                .iter()
                .any(|c: &Candidate| c.change.ends_with(&format!("={n}")))
        {
            candidates.push(Candidate {
                change: format!("codegen-units={n}"),
                text: format!("{n} codegen units for the workspace's crates"),
            });
        }
    }
    Decision {
        id: "codegen-units",
        title: "codegen units (dev profile)",
        scope: Scope::Machine,
        default: format!("{default}"),
        candidates,
        not_measured: vec![],
    }
}

/// The linker techniques the tier's risk class allows on this platform, other than the tier's.
fn linker(f: &Facts, w: &Resolved) -> Decision {
    let group = |id: &str| f.data.techniques[id].group.as_deref() == Some("linker");
    let nightly = w
        .toolchain
        .as_ref()
        .is_some_and(|(_, s)| s.channel == Channel::Nightly);
    let sel = Selection {
        platform: Some(f.platform.to_string()),
        ..Default::default()
    };
    let default = resolve(f.data, f.tier, &sel)
        .ok()
        .and_then(|r| r.techniques.into_iter().find(|t| group(t)))
        .unwrap_or_else(|| "rustc's default".into());
    let (mut candidates, mut not_measured) = (vec![], vec![]);
    for (id, t) in &f.data.techniques {
        if !group(id) || *id == default || !t.shipped || t.report_tier > risk(f.data, w) {
            continue;
        }
        if !t.runs_on(f.platform) || (t.channel == Channel::Nightly && !nightly) {
            continue;
        }
        match t.tools.iter().find(|x| !(f.installed)(x)) {
            Some(missing) => not_measured.push(format!("{id}: {missing} is not installed")),
            None => candidates.push(Candidate {
                change: format!("with={id}"),
                text: t.title.clone(),
            }),
        }
    }
    Decision {
        id: "linker",
        title: "linker",
        scope: Scope::Machine,
        default,
        candidates,
        not_measured,
    }
}

fn threads(f: &Facts) -> Decision {
    let t = &f.data.techniques["parallel-frontend"];
    let need = t.min_cores.unwrap_or(0) as usize;
    let tier_threads: usize = t
        .rustflags
        .iter()
        .find_map(|x| x.strip_prefix("threads="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    let default = if f.cores >= need { tier_threads } else { 1 };
    // At most half the cores (2 on the smallest machines): more measured slower (bun#31096).
    let cap = (f.cores / 2).max(2).min(f.cores.max(1));
    let mut fit: Vec<usize> = [2, 4, 8, 16, 32, 64]
        .into_iter()
        .filter(|n| *n <= cap && *n != default)
        .collect();
    let fit = fit.split_off(fit.len().saturating_sub(2));
    let mut candidates: Vec<Candidate> = fit
        .iter()
        .map(|n| Candidate {
            change: format!("threads={n}"),
            text: format!("-Z threads={n}"),
        })
        .collect();
    if default > 1 {
        candidates.push(Candidate {
            change: "threads=1".into(),
            text: "no parallel front-end".into(),
        });
    }
    let above: Vec<String> = [4, 8, tier_threads, f.cores]
        .into_iter()
        .filter(|n| *n > cap && *n > 1)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|n| format!("threads={n}"))
        .collect();
    let mut not_measured = vec![];
    if !above.is_empty() {
        not_measured.push(format!(
            "{}: above {} of this machine's {} cores, where front-end threads contend with codegen and each other (t8y2/dbx#9828: 4 threads on 4 vCPUs doubled a clean build; oven-sh/bun#31096: 32 threads on 32 cores were slower than 8)",
            above.join(", "),
            if cap >= f.cores { "all" } else { "half" },
            f.cores
        ));
    }
    Decision {
        id: "threads",
        title: "parallel front-end threads",
        scope: Scope::Machine,
        default: if default > 1 {
            format!("-Z threads={default}")
        } else {
            format!("off (the tier leaves it out below {need} cores)")
        },
        candidates,
        not_measured,
    }
}

fn cranelift(f: &Facts) -> Decision {
    let mut d = Decision {
        id: "cranelift",
        title: "codegen backend (dev profile)",
        scope: Scope::Machine,
        default: "Cranelift, LLVM for packages it cannot compile".into(),
        candidates: vec![Candidate {
            change: "without=cranelift".into(),
            text: "LLVM for the dev profile".into(),
        }],
        not_measured: vec![],
    };
    if !f.cranelift {
        d.default = "LLVM (Cranelift is not installed)".into();
        d.candidates.clear();
        d.not_measured.push(
            "Cranelift: the tier's toolchain lacks rustc-codegen-cranelift-preview (rustup component add rustc-codegen-cranelift-preview --toolchain nightly)".into(),
        );
    }
    d
}

fn split_debuginfo() -> Decision {
    Decision {
        id: "split-debuginfo",
        title: "split debuginfo (dev profile)",
        scope: Scope::Project,
        default: "unpacked".into(),
        candidates: vec![Candidate {
            change: "split-debuginfo=off".into(),
            text: "debuginfo linked into the binary".into(),
        }],
        not_measured: vec!["packed: a .dwp is written on every link, slower by design".into()],
    }
}

fn deps_debuginfo(f: &Facts) -> Decision {
    let mut d = Decision {
        id: "deps-debuginfo",
        title: "dependency debuginfo (dev profile)",
        scope: Scope::Project,
        default: "debug = 0 for every dependency".into(),
        candidates: vec![Candidate {
            change: "deps.debug=line-tables-only".into(),
            text: "file:line for dependencies too (more debuggable)".into(),
        }],
        not_measured: vec![],
    };
    if !f.has_dependencies {
        d.candidates.clear();
        d.not_measured
            .push("the project has no dependencies: nothing to measure".into());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn open_for(tier: &str, cores: usize, installed: &dyn Fn(&str) -> bool) -> Vec<Decision> {
        let data = TierData::embedded().unwrap();
        let env = BTreeMap::from([(
            "CARGO_PROFILE_DEV_CODEGEN_UNITS".to_string(),
            "16".to_string(),
        )]);
        let f = Facts {
            data: &data,
            tier,
            platform: "x86_64-linux",
            cores,
            env: &env,
            cranelift: false,
            has_dependencies: true,
            installed,
        };
        open(&f)
    }

    fn changes(d: &Decision) -> Vec<&str> {
        d.candidates.iter().map(|c| c.change.as_str()).collect()
    }

    #[test]
    fn tier1_leaves_units_linker_and_debuginfo_open() {
        let ds = open_for("tier1", 2, &|_| true);
        let ids: Vec<&str> = ds.iter().map(|d| d.id).collect();
        assert_eq!(
            ids,
            [
                "codegen-units",
                "linker",
                "split-debuginfo",
                "deps-debuginfo"
            ]
        );
        assert_eq!(changes(&ds[0]), ["codegen-units=256", "codegen-units=8"]);
        // Wild is risk tier 3: not tier1's to try. mold is.
        assert_eq!(ds[1].default, "lld");
        assert_eq!(changes(&ds[1]), ["with=mold"]);
        let ds = open_for("tier1", 2, &|t| t != "mold");
        assert!(ds[1].candidates.is_empty());
        assert_eq!(ds[1].not_measured, ["mold: mold is not installed"]);
    }

    #[test]
    fn threads_stay_within_the_cores() {
        let ds = open_for("tier2", 2, &|_| true);
        let t = ds.iter().find(|d| d.id == "threads").unwrap();
        assert!(t.default.starts_with("off"), "{}", t.default);
        assert_eq!(changes(t), ["threads=2"]);
        assert!(
            t.not_measured[0]
                .starts_with("threads=4, threads=8: above all of this machine's 2 cores"),
            "{}",
            t.not_measured[0]
        );
        let ds = open_for("tier2", 32, &|_| true);
        let t = ds.iter().find(|d| d.id == "threads").unwrap();
        assert_eq!(t.default, "-Z threads=8");
        assert_eq!(changes(t), ["threads=4", "threads=16", "threads=1"]);
        assert!(
            t.not_measured[0].starts_with("threads=32: above half"),
            "{:?}",
            t.not_measured
        );
        assert_eq!(changes(&ds[0]), ["codegen-units=256", "codegen-units=64"]);
    }

    #[test]
    fn tier3_tries_the_other_linkers_and_says_cranelift_is_missing() {
        let ds = open_for("tier3", 2, &|_| true);
        let l = ds.iter().find(|d| d.id == "linker").unwrap();
        assert_eq!(l.default, "wild");
        assert_eq!(changes(l), ["with=lld", "with=mold"]);
        let c = ds.iter().find(|d| d.id == "cranelift").unwrap();
        assert!(c.candidates.is_empty());
        assert!(c.not_measured[0].contains("rustc-codegen-cranelift-preview"));
    }
}
