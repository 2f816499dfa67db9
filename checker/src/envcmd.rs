//! `tiercheck env <tier>`: the tier's variables with this machine's tool paths, for sh, fish or JSON.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cli::SelectArgs;
use crate::env::{cargo_config_args, raw_env, substitute, tools_needed};
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};
use crate::{toolchain, tools, EnvFormat};

/// "dev"/"release" for a built-in or custom profile (custom ones are looked up in no file here,
/// so a name other than dev/test -> dev and release/bench -> release is taken as release-like
/// only if it says so; `build` passes the real root).
pub fn profile_root(profile: &str) -> String {
    match profile {
        "dev" | "test" => "dev".into(),
        "release" | "bench" => "release".into(),
        other if other.contains("release") || other.contains("prof") => "release".into(),
        _ => "dev".into(),
    }
}

/// Everything a build under a tier needs: resolved techniques, env with real tool paths.
pub struct HostEnv {
    pub resolved: Resolved,
    pub triple: String,
    pub env: BTreeMap<String, String>,
    pub tools: BTreeMap<String, String>,
    /// What Cargo takes from files or `--config` only (see `env::cargo_config_args`).
    pub cargo_config: Vec<String>,
}

pub fn host_env(
    data: &TierData,
    tier: &str,
    profile: Option<&str>,
    sel: &Selection,
) -> Result<HostEnv> {
    let info = toolchain::rustc_info(None).context("reading the host toolchain")?;
    let mut sel = sel.clone();
    sel.platform = Some(
        data.platform_of_triple(&info.host)
            .with_context(|| format!("host {} is not a platform in nix/tiers.toml", info.host))?
            .to_string(),
    );
    sel.profile_root = profile.map(profile_root);
    sel.cores = Some(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let resolved = resolve(data, tier, &sel)?;
    let mut env = raw_env(data, &resolved, &info.host)?;
    require_toolchain(data, &resolved, &info)?;
    // llvm-profdata must match the LLVM of the rustc that will build, whatever the Nix pin says.
    let found = tools::require_all(data, &tools_needed(&env), info.llvm_major)?;
    let paths: BTreeMap<String, String> = found
        .into_iter()
        .map(|(n, f)| (n, f.path.display().to_string()))
        .collect();
    substitute(&mut env, &paths);
    Ok(HostEnv {
        cargo_config: cargo_config_args(data, &resolved),
        resolved,
        triple: info.host,
        env,
        tools: paths,
    })
}

/// The active rustc must have the channel and components the resolved techniques need.
pub fn require_toolchain(data: &TierData, r: &Resolved, info: &toolchain::RustcInfo) -> Result<()> {
    let nightly: Vec<&str> = r
        .techniques
        .iter()
        .filter(|id| data.techniques[*id].channel == Channel::Nightly)
        .map(String::as_str)
        .collect();
    if !nightly.is_empty() && info.channel != Channel::Nightly {
        bail!(
            "{} needs a nightly rustc for {}, the active one is {}; run with RUSTUP_TOOLCHAIN=nightly (or pin nightly in rust-toolchain.toml)",
            r.tier, nightly.join(", "), info.release
        );
    }
    for id in &r.techniques {
        for c in &data.techniques[id].components {
            if c.contains("cranelift") && !toolchain::has_cranelift(info) {
                bail!(
                    "{id} needs the {c} component, which rustc {} lacks; install: rustup component add {c} --toolchain nightly (or use --without {id}, or --profile release)",
                    info.release
                );
            }
        }
    }
    Ok(())
}

/// Print the environment that switches a tier on, with tools found on PATH
#[derive(clap::Args)]
pub struct Args {
    tier: String,
    #[arg(long, value_enum, default_value = "sh")]
    format: EnvFormat,
    /// Only the techniques for this profile (dev, release, or a custom one inheriting them)
    #[arg(long, value_parser = crate::resolve::profile_name)]
    profile: Option<String>,
    /// Leave tools as @name@ placeholders and skip the host checks (for another machine)
    #[arg(long)]
    raw: bool,
    /// With --raw: the platform, a key of [platforms] in nix/tiers.toml (x86_64-linux, aarch64-linux, aarch64-darwin)
    #[arg(long, requires = "raw")]
    platform: Option<String>,
    #[command(flatten)]
    select: SelectArgs,
}

pub fn run(args: Args, data: &TierData) -> Result<i32> {
    let sel = args.select.selection();
    let profile = args.profile.as_deref();
    if args.raw {
        let platform = args.platform.as_deref();
        print_raw(data, &args.tier, args.format, profile, platform, &sel)
    } else {
        print_host(data, &args.tier, args.format, profile, &sel)
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `env --raw`: the variables with `@tool@` placeholders for any platform, no host checks.
fn print_raw(
    data: &TierData,
    tier: &str,
    format: EnvFormat,
    profile: Option<&str>,
    platform: Option<&str>,
    sel: &Selection,
) -> Result<i32> {
    let platform = match platform {
        Some(p) => p.to_string(),
        None => {
            let host =
                toolchain::host_triple().context("no --platform given and no rustc to ask")?;
            data.platform_of_triple(&host)
                .with_context(|| format!("host {host} is not a platform in nix/tiers.toml"))?
                .to_string()
        }
    };
    let triple = data
        .platforms
        .get(&platform)
        .with_context(|| {
            format!(
                "unknown platform {platform:?} (known: {})",
                data.platforms
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?
        .triple
        .clone();
    let mut sel = sel.clone();
    sel.platform = Some(platform);
    sel.profile_root = profile.map(profile_root);
    let resolved = resolve(data, tier, &sel)?;
    let env = raw_env(data, &resolved, &triple)?;
    print_env(
        tier,
        format,
        &HostEnv {
            cargo_config: cargo_config_args(data, &resolved),
            resolved,
            triple,
            env,
            tools: BTreeMap::new(),
        },
        &[],
    )
}

fn print_host(
    data: &TierData,
    tier: &str,
    format: EnvFormat,
    profile: Option<&str>,
    sel: &Selection,
) -> Result<i32> {
    let h = host_env(data, tier, profile, sel)?;
    let shadowing: Vec<&str> = ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
        .into_iter()
        .filter(|k| std::env::var_os(k).is_some())
        .collect();
    print_env(tier, format, &h, &shadowing)
}

fn print_env(tier: &str, format: EnvFormat, h: &HostEnv, shadowing: &[&str]) -> Result<i32> {
    match format {
        EnvFormat::Json => {
            let out = json!({
                "schema": crate::report::SCHEMA, "command": "env", "tier": tier, "triple": h.triple,
                "techniques": h.resolved.techniques, "left_out": h.resolved.left_out,
                "tools": h.tools, "env": h.env, "unset": shadowing, "cargo_config": h.cargo_config,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        EnvFormat::Sh | EnvFormat::Fish => {
            println!("# rust-tiers {tier}: {}", h.resolved.techniques.join(", "));
            for l in &h.resolved.left_out {
                println!("# left out: {} ({})", l.id, l.reason);
            }
            for c in &h.cargo_config {
                println!("# not expressible in the environment (`tiercheck init` writes it; or cargo --config): {c}");
            }
            for k in shadowing {
                println!("# {k} would replace the tier's target rustflags");
                println!(
                    "{}",
                    if format == EnvFormat::Sh {
                        format!("unset {k}")
                    } else {
                        format!("set -e {k}")
                    }
                );
            }
            for (k, v) in &h.env {
                match format {
                    EnvFormat::Sh => println!("export {k}={}", sh_quote(v)),
                    _ => println!("set -gx {k} {}", sh_quote(v)),
                }
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_profiles() {
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(profile_root("release-fat"), "release");
        assert_eq!(profile_root("test"), "dev");
    }
}
