//! The tier's environment on this machine: the toolchain rustup runs for it, the tools it
//! needs found on this machine, and its variables with their real paths. A service: `env`
//! prints it, `build`, `pgo`, `bench` and `tune` build with it, `binary` and `toolchain`
//! check against it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::env::{cargo_config_args, ensure_shipped, env_key, raw_env, substitute, tools_needed};
use crate::resolve::{resolve, Resolved, Selection};
use crate::tiers::{Channel, TierData};
use crate::toolchain_file;
use crate::{rustup, toolchain, tools};

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
    /// The rustup toolchain the tier runs with (`RUSTUP_TOOLCHAIN`), when rustup manages rustc.
    pub toolchain: Option<String>,
    /// `rustc -vV` of that toolchain: what every later probe and build of this command uses
    /// (`None` only for `--raw`, which describes another machine).
    pub rustc: Option<toolchain::RustcInfo>,
    /// Whether the project's own toolchain file was followed or overridden.
    pub project_toolchain: rustup::ProjectToolchain,
    /// This machine's `tiercheck tune` settings: applied (and which), or why not.
    pub tuned: Option<Tuned>,
    /// Which toolchain runs instead of the Nix pin, and why (`rustup::Choice::pin_note`).
    pub pin_note: Option<String>,
}

/// What `apply` did, for the line that says so and for the checks of a build.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tuned {
    /// The line: applied (which, from where) or why not.
    pub note: String,
    /// Techniques the tuned settings switched on or off (empty when not applied).
    pub with: Vec<String>,
    pub without: Vec<String>,
}

/// The toolchain file rustup would use in `dir` (none where a `rustup override` decides), read
/// without running anything.
pub fn project_pin(dir: &Path) -> Option<rustup::ProjectPin> {
    let overrides = toolchain_file::rustup_overrides();
    let file = toolchain_file::find(dir, |d| overrides.iter().any(|(p, _)| p == d))?;
    let shown = file.display().to_string();
    let pin = toolchain_file::read(&file, &shown, dir);
    let name = match pin.spec {
        toolchain_file::Spec::Named(n) if crate::toolchain_name::valid_name(&n) => Some(n),
        _ => None,
    };
    Some(rustup::ProjectPin { file: shown, name })
}

/// The tier's environment on this machine. `project`: the directory whose toolchain file is
/// followed when it fits the tier.
pub fn host_env(
    data: &TierData,
    tier: &str,
    profile: Option<&str>,
    sel: &Selection,
    project: Option<&Path>,
) -> Result<HostEnv> {
    let mut sel = sel.clone();
    sel.profile_root = profile.map(profile_root);
    sel.cores = Some(std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Unshipped techniques and the tier's toolchain do not depend on the platform.
    let any_platform = resolve(data, tier, &sel)?;
    ensure_shipped(data, &any_platform)?;
    let resolve_for = |info: &toolchain::RustcInfo| -> Result<Resolved> {
        let mut s = sel.clone();
        s.platform = Some(
            data.platform_of_triple(&info.host)
                .with_context(|| format!("host {} is not a platform in nix/tiers.toml", info.host))?
                .to_string(),
        );
        resolve(data, tier, &s)
    };
    let spec = any_platform.toolchain.as_ref().map(|(_, spec)| spec);
    let pin = project.and_then(project_pin);
    let choice = rustup::choose(spec, pin.as_ref(), &|info| {
        require_toolchain(data, &resolve_for(info)?, info)
    })?;
    let info = choice.info;
    let resolved = resolve_for(&info)?;
    let mut env = raw_env(data, &resolved, &info.host)?;
    // llvm-profdata must match the LLVM of the rustc that will build, whatever the Nix pin says.
    let found = tools::require_all(data, &tools_needed(&env), Some(&info))?;
    let mut paths = BTreeMap::new();
    for (name, f) in found {
        paths.insert(name.clone(), usable_path(&name, &f.path, &env)?);
    }
    substitute(&mut env, &paths);
    Ok(HostEnv {
        cargo_config: cargo_config_args(data, &resolved),
        resolved,
        triple: info.host.clone(),
        env,
        tools: paths,
        toolchain: choice.rustup_toolchain,
        rustc: Some(info),
        project_toolchain: choice.project,
        tuned: None,
        pin_note: choice.pin_note,
    })
}

/// A tool path as Cargo can take it from `env`: UTF-8 (Cargo reads its environment as text),
/// and without whitespace where it lands in a `*RUSTFLAGS` variable (Cargo splits those on
/// whitespace; the TOML-array form needs nightly `-Zadvanced-env`). Otherwise the environment
/// would break the build, so refuse it, naming the path.
fn usable_path(tool: &str, path: &Path, env: &BTreeMap<String, String>) -> Result<String> {
    let Some(p) = path.to_str() else {
        bail!(
            "tool {tool} at {path:?}: the path is not UTF-8 and Cargo reads its environment as UTF-8; put {tool} in a directory with a UTF-8 name or point TIERCHECK_TOOL_{} at another copy",
            env_key(tool)
        );
    };
    let placeholder = format!("@{tool}@");
    let in_flags = env
        .iter()
        .find(|(k, v)| k.ends_with("RUSTFLAGS") && v.contains(&placeholder));
    if let Some((key, _)) = in_flags {
        if p.chars().any(char::is_whitespace) {
            bail!(
                "tool {tool} at {p:?}: the path contains whitespace, and Cargo splits {key} on whitespace, so no build could use it; put {tool} in a directory without whitespace or point TIERCHECK_TOOL_{} at another copy",
                env_key(tool)
            );
        }
    }
    Ok(p.to_string())
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
            "{} needs a nightly rustc for {}, {} is not nightly",
            r.tier,
            nightly.join(", "),
            info.release
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_roots() {
        assert_eq!(profile_root("release-fat"), "release");
        assert_eq!(profile_root("test"), "dev");
    }

    #[test]
    fn whitespace_in_a_rustflags_tool_path_is_refused() {
        let env = BTreeMap::from([
            ("CARGO_TARGET_X_LINKER".to_string(), "@clang@".to_string()),
            (
                "CARGO_TARGET_X_RUSTFLAGS".to_string(),
                "-C link-arg=--ld-path=@mold@".to_string(),
            ),
        ]);
        assert_eq!(
            usable_path("clang", Path::new("/a b/clang"), &env).unwrap(),
            "/a b/clang"
        );
        let e = usable_path("mold", Path::new("/a b/mold"), &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"/a b/mold\"") && e.contains("CARGO_TARGET_X_RUSTFLAGS"),
            "{e}"
        );
        use std::os::unix::ffi::OsStrExt;
        let bad = Path::new(std::ffi::OsStr::from_bytes(b"/x\xff/clang"));
        assert!(usable_path("clang", bad, &env).is_err());
    }
}
