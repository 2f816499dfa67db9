//! `tiercheck env <tier>`: the tier's variables with this machine's tool paths, for sh, fish or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};

use crate::cli::{tier_parser, SelectArgs};
use crate::env::{cargo_config_args, raw_env};
use crate::host_env::{host_env, profile_root, HostEnv};
use crate::output::Out;
use crate::resolve::{resolve, Selection};
use crate::shell::{comment, fish_quote, sh_quote};
use crate::tiers::TierData;
use crate::{rustup, toolchain, EnvFormat};

/// Print the environment that switches a tier on, with tools found on PATH
#[derive(clap::Args)]
pub struct Args {
    /// The tier (default: $RUST_TIERS_TIER)
    #[arg(env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    tier: String,
    #[arg(long, value_enum, default_value = "sh")]
    format: EnvFormat,
    /// Only the techniques for this profile (dev, release, or a custom one inheriting them)
    #[arg(long, value_parser = crate::resolve::profile_name)]
    profile: Option<String>,
    /// Leave tools as @name@ placeholders and skip the host checks (for another machine)
    #[arg(long)]
    raw: bool,
    /// Print what undoes this environment (`eval "$(tiercheck env --unset tier1)"`)
    #[arg(long)]
    unset: bool,
    /// With --raw: the platform, a key of [platforms] in nix/tiers.toml (x86_64-linux, aarch64-linux, aarch64-darwin)
    #[arg(long, requires = "raw")]
    platform: Option<String>,
    #[command(flatten)]
    select: SelectArgs,
}

pub fn run(args: Args, data: &TierData, out: &mut Out) -> Result<i32> {
    let sel = args.select.selection();
    let profile = args.profile.as_deref();
    // The directory Cargo would run in: the tuned settings and the project's own profile keys
    // are looked up from it (not for --raw, which describes another machine).
    let cwd = if args.raw {
        None
    } else {
        Some(std::env::current_dir().context("the current directory")?)
    };
    let h = match &cwd {
        None => raw_host_env(data, &args.tier, profile, args.platform.as_deref(), &sel)?,
        Some(cwd) => {
            let h = host_env(data, &args.tier, profile, &sel, Some(cwd))?;
            crate::tuned::apply(data, &args.tier, profile, &sel, cwd, h)?
        }
    };
    if let Some(t) = &h.tuned {
        crate::termsafe::eprint_line(&t.note);
    }
    if let Some(n) = &h.pin_note {
        crate::termsafe::eprint_line(n);
    }
    if let rustup::ProjectToolchain::Overridden { .. } = &h.project_toolchain {
        if let Some(m) = h.project_toolchain.message(&args.tier) {
            crate::termsafe::eprint_line(&m);
        }
    }
    if let Some(cwd) = cwd.as_deref().filter(|_| !args.unset) {
        for n in crate::project::replaced::notes_for(cwd, &h.env) {
            crate::termsafe::eprint_line(&n);
        }
    }
    if args.unset {
        out.push_str(&render_unset(args.format, &h)?);
        return Ok(0);
    }
    let shadowing: Vec<&str> = ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
        .into_iter()
        .filter(|k| !args.raw && std::env::var_os(k).is_some())
        .collect();
    out.push_str(&render(&args.tier, args.format, &h, &shadowing)?);
    Ok(0)
}

/// `env --raw`: the variables with `@tool@` placeholders for any platform, no host checks.
fn raw_host_env(
    data: &TierData,
    tier: &str,
    profile: Option<&str>,
    platform: Option<&str>,
    sel: &Selection,
) -> Result<HostEnv> {
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
            let known: Vec<&str> = data.platforms.keys().map(String::as_str).collect();
            format!(
                "unknown platform {platform:?} (known: {})",
                known.join(", ")
            )
        })?
        .triple
        .clone();
    let mut sel = sel.clone();
    sel.platform = Some(platform);
    sel.profile_root = profile.map(profile_root);
    let resolved = resolve(data, tier, &sel)?;
    let env = raw_env(data, &resolved, &triple)?;
    Ok(HostEnv {
        cargo_config: cargo_config_args(data, &resolved),
        resolved,
        triple,
        env,
        tools: BTreeMap::new(),
        toolchain: None,
        rustc: None,
        project_toolchain: rustup::ProjectToolchain::None,
        tuned: None,
        pin_note: None,
    })
}

/// The variables to export: the tier's, plus the toolchain selection.
fn exported(h: &HostEnv) -> BTreeMap<String, String> {
    let mut env = h.env.clone();
    if let Some(t) = &h.toolchain {
        env.insert("RUSTUP_TOOLCHAIN".into(), t.clone());
    }
    env
}

/// `env --format json`.
#[derive(serde::Serialize)]
struct EnvDoc<'a> {
    schema: &'static str,
    command: &'static str,
    tier: &'a str,
    triple: &'a str,
    techniques: &'a [String],
    left_out: &'a [crate::resolve::LeftOut],
    tools: &'a BTreeMap<String, String>,
    toolchain: &'a Option<String>,
    env: &'a BTreeMap<String, String>,
    unset: &'a [&'a str],
    cargo_config: &'a [String],
    project_toolchain: &'a rustup::ProjectToolchain,
    tuned: Option<&'a str>,
    toolchain_note: &'a Option<String>,
}

/// `env --unset --format json`.
#[derive(serde::Serialize)]
struct UnsetDoc<'a> {
    unset: &'a [String],
}

fn render(tier: &str, format: EnvFormat, h: &HostEnv, shadowing: &[&str]) -> Result<String> {
    let env = exported(h);
    if format == EnvFormat::Json {
        let doc = EnvDoc {
            schema: crate::report::SCHEMA,
            command: "env",
            tier,
            triple: &h.triple,
            techniques: &h.resolved.techniques,
            left_out: &h.resolved.left_out,
            tools: &h.tools,
            toolchain: &h.toolchain,
            env: &env,
            unset: shadowing,
            cargo_config: &h.cargo_config,
            project_toolchain: &h.project_toolchain,
            tuned: h.tuned.as_ref().map(|t| t.note.as_str()),
            toolchain_note: &h.pin_note,
        };
        return Ok(crate::output::json_doc(&doc)? + "\n");
    }
    let fish = format == EnvFormat::Fish;
    let mut s = String::new();
    let techniques = comment(&h.resolved.techniques.join(", "));
    writeln!(s, "# rust-tiers {}: {techniques}", comment(tier))?;
    for l in &h.resolved.left_out {
        writeln!(
            s,
            "# left out: {}",
            comment(&format!("{} ({})", l.id, l.reason))
        )?;
    }
    if let Some(m) = h.project_toolchain.message(tier) {
        writeln!(s, "# toolchain: {}", comment(&m))?;
    }
    if let Some(n) = &h.pin_note {
        writeln!(s, "# toolchain: {}", comment(n))?;
    }
    if let Some(t) = &h.tuned {
        writeln!(s, "# {}", comment(&t.note))?;
    }
    for c in &h.cargo_config {
        let c = comment(c);
        writeln!(s, "# not expressible in the environment (`tiercheck init` writes it; or cargo --config): {c}")?;
    }
    for k in shadowing {
        writeln!(s, "# {k} would replace the tier's target rustflags")?;
        writeln!(s, "{} {k}", if fish { "set -e" } else { "unset" })?;
    }
    for (k, v) in &env {
        if fish {
            writeln!(s, "set -gx {k} {}", fish_quote(v))?;
        } else {
            writeln!(s, "export {k}={}", sh_quote(v))?;
        }
    }
    Ok(s)
}

/// What undoes an `env` of the same tier: every variable it exports, unset.
fn render_unset(format: EnvFormat, h: &HostEnv) -> Result<String> {
    let mut names: Vec<String> = exported(h).into_keys().collect();
    // Exported by an `env` run where no toolchain file was followed.
    if h.rustc.is_some() && !names.iter().any(|n| n == "RUSTUP_TOOLCHAIN") {
        names.push("RUSTUP_TOOLCHAIN".into());
    }
    Ok(match format {
        EnvFormat::Json => crate::output::json_doc(&UnsetDoc { unset: &names })? + "\n",
        EnvFormat::Fish => names.iter().map(|n| format!("set -e {n}\n")).collect(),
        EnvFormat::Sh => format!("unset {}\n", names.join(" ")),
    })
}
