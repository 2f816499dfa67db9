//! A resolved tier -> the environment variables that switch it on.
//! nix/lib/tierEnv.nix builds the same map from the same data.

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use crate::resolve::Resolved;
use crate::tiers::{placeholders, TierData};

/// `x86_64-unknown-linux-gnu` -> `X86_64_UNKNOWN_LINUX_GNU`, as Cargo spells env keys.
pub fn env_key(s: &str) -> String {
    s.to_uppercase().replace(['-', '.'], "_")
}

pub fn profile_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Unshipped techniques make the tier unusable; say which and why.
pub fn ensure_shipped(data: &TierData, r: &Resolved) -> Result<()> {
    let unshipped: Vec<String> = r
        .techniques
        .iter()
        .filter(|id| !data.techniques[*id].shipped)
        .map(|id| {
            format!(
                "{id} ({})",
                data.techniques[id].why_not.as_deref().unwrap_or("")
            )
        })
        .collect();
    if !unshipped.is_empty() {
        bail!("{} ships nothing usable: {}", r.tier, unshipped.join("; "));
    }
    Ok(())
}

/// The variables, with `@tool@` left for `substitute`. Tools in values are not resolved here,
/// so the map can be compared with Nix's byte for byte.
pub fn raw_env(data: &TierData, r: &Resolved, triple: &str) -> Result<BTreeMap<String, String>> {
    ensure_shipped(data, r)?;
    let target = env_key(triple);
    let mut env = BTreeMap::new();
    let mut rustflags: Vec<String> = vec![];
    let set = |env: &mut BTreeMap<String, String>, k: String, v: String, by: &str| {
        if let Some(old) = env.get(&k) {
            if *old != v {
                bail!("{by} sets {k}={v}, but an earlier technique set {old}");
            }
        }
        env.insert(k, v);
        Ok(())
    };
    for id in &r.techniques {
        let t = &data.techniques[id];
        rustflags.extend(t.rustflags.iter().cloned());
        if let Some(l) = &t.linker {
            set(
                &mut env,
                format!("CARGO_TARGET_{target}_LINKER"),
                l.clone(),
                id,
            )?;
        }
        for (profile, keys) in &t.profile {
            for (key, value) in keys {
                let k = format!("CARGO_PROFILE_{}_{}", env_key(profile), env_key(key));
                set(&mut env, k, profile_value(value), id)?;
            }
        }
        for (k, v) in &t.env {
            set(&mut env, k.clone(), v.clone(), id)?;
        }
    }
    if !rustflags.is_empty() {
        env.insert(
            format!("CARGO_TARGET_{target}_RUSTFLAGS"),
            rustflags.join(" "),
        );
    }
    env.insert("RUST_TIERS_TIER".into(), r.tier.clone());
    env.insert("RUST_TIERS_TECHNIQUES".into(), r.techniques.join(","));
    Ok(env)
}

/// `--config` values for what the environment cannot carry: `[profile.<p>.package."*"]`
/// (dependency profiles), in technique order. `tiercheck init` writes the same into Cargo.toml.
pub fn cargo_config_args(data: &TierData, r: &Resolved) -> Vec<String> {
    let mut out = vec![];
    for id in &r.techniques {
        for (profile, keys) in &data.techniques[id].dependency_profile {
            for (key, value) in keys {
                out.push(format!("profile.{profile}.package.\"*\".{key}={value}"));
            }
        }
    }
    out
}

/// Every tool named by a placeholder in `env`.
pub fn tools_needed(env: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = env.values().flat_map(|v| placeholders(v)).collect();
    out.sort();
    out.dedup();
    out
}

/// Replaces `@tool@` with `paths[tool]`.
pub fn substitute(env: &mut BTreeMap<String, String>, paths: &BTreeMap<String, String>) {
    for v in env.values_mut() {
        for (tool, path) in paths {
            *v = v.replace(&format!("@{tool}@"), path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::{resolve, Selection};

    fn env_of(tier: &str) -> BTreeMap<String, String> {
        let data = TierData::embedded().unwrap();
        let r = resolve(&data, tier, &Selection::default()).unwrap();
        raw_env(&data, &r, "x86_64-unknown-linux-gnu").unwrap()
    }

    #[test]
    fn tier1_env() {
        let env = env_of("tier1");
        assert_eq!(
            env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"],
            "@clang@"
        );
        assert_eq!(
            env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS"],
            "-C link-arg=--ld-path=@mold@"
        );
        assert_eq!(env["CARGO_PROFILE_DEV_SPLIT_DEBUGINFO"], "unpacked");
        assert_eq!(env["CARGO_PROFILE_RELEASE_CODEGEN_UNITS"], "1");
        assert_eq!(env["CARGO_PROFILE_DEV_INCREMENTAL"], "true");
        assert_eq!(env["CARGO_PROFILE_RELEASE_LTO"], "thin");
        assert_eq!(tools_needed(&env), ["clang", "mold"]);
    }

    #[test]
    fn tier3_env_uses_wild_and_cranelift() {
        let env = env_of("tier3");
        let flags = &env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS"];
        assert_eq!(flags, "-Z threads=8", "mold is replaced, wild is dev-only");
        assert_eq!(
            env["CARGO_PROFILE_DEV_RUSTFLAGS"],
            "-C linker=@clang@ -C link-arg=--ld-path=@wild@"
        );
        assert_eq!(env["CARGO_UNSTABLE_PROFILE_RUSTFLAGS"], "true");
        assert!(!env.contains_key("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"));
        assert_eq!(env["CARGO_PROFILE_DEV_CODEGEN_BACKEND"], "cranelift");
        assert_eq!(env["CARGO_UNSTABLE_CODEGEN_BACKEND"], "true");
    }

    #[test]
    fn tier5_refuses() {
        let data = TierData::embedded().unwrap();
        let r = resolve(&data, "tier5", &Selection::default()).unwrap();
        let e = raw_env(&data, &r, "x86_64-unknown-linux-gnu")
            .unwrap_err()
            .to_string();
        assert!(e.contains("std-offload"), "{e}");
    }

    #[test]
    fn substitute_paths() {
        let mut env = env_of("tier1");
        let paths = BTreeMap::from([("clang".into(), "/c".into()), ("mold".into(), "/m".into())]);
        substitute(&mut env, &paths);
        assert!(tools_needed(&env).is_empty());
    }
}
