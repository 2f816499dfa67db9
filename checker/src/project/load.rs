//! Reads what Cargo reads for a project: the workspace root and members, the configuration
//! (see `config`), the toolchain file rustup would use, and the environment — each value with
//! the file, line and column it came from.

use std::collections::BTreeMap;
use std::env;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::fsread::Kind;
use crate::project::config::{self, Config, Def, CV};
use crate::project::members;
pub use crate::toml_doc::TomlFile;
use crate::toolchain_file;
pub use crate::toolchain_file::ToolchainPin;
use crate::toolchain_name::parse_channel;

/// Reads a TOML file; a syntax error becomes one line with the file, line and column.
pub fn read_toml(path: &Path, shown: &str) -> Result<toml::Table> {
    Ok(TomlFile::load(path, shown)?.table)
}

pub fn shown_path(dir: &Path, path: &Path) -> String {
    shown(dir, path)
}

fn shown(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

pub fn get<'a>(table: &'a toml::Table, keys: &[&str]) -> Option<&'a toml::Value> {
    let (last, head) = keys.split_last()?;
    let mut t = table;
    for k in head {
        t = t.get(*k)?.as_table()?;
    }
    t.get(*last)
}

/// Where a profile's `inherits` chain leads in a manifest: the built-in profile it ends at, and
/// the keys the custom profiles on the way set themselves.
pub struct ProfileChain {
    /// "dev" or "release"; `None` when the chain is broken or the profile is not in the file.
    pub root: Option<&'static str>,
    pub keys: Vec<String>,
}

/// dev/release for a profile, following `inherits` in the project's Cargo.toml.
pub fn profile_root_in(p: &Project, profile: &str) -> String {
    profile_chain(&p.root.table, profile)
        .root
        .map_or_else(|| crate::host_env::profile_root(profile), String::from)
}

pub fn profile_chain(manifest: &toml::Table, profile: &str) -> ProfileChain {
    let mut cur = profile.to_string();
    let mut keys = vec![];
    for _ in 0..8 {
        match cur.as_str() {
            "dev" | "test" => {
                return ProfileChain {
                    root: Some("dev"),
                    keys,
                }
            }
            "release" | "bench" => {
                return ProfileChain {
                    root: Some("release"),
                    keys,
                }
            }
            _ => {}
        }
        let Some(t) = get(manifest, &["profile", &cur]).and_then(|v| v.as_table()) else {
            break;
        };
        keys.extend(t.keys().filter(|k| *k != "inherits").cloned());
        match t.get("inherits").and_then(|v| v.as_str()) {
            Some(parent) => cur = parent.to_string(),
            None => break,
        }
    }
    ProfileChain { root: None, keys }
}

fn cargo_home(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    env.get("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

fn toolchain_pin(dir: &Path, tree: &Path) -> Option<ToolchainPin> {
    let overrides = toolchain_file::rustup_overrides();
    let file = toolchain_file::find(dir, |d| overrides.iter().any(|(p, _)| p == d))?;
    Some(toolchain_file::read(&file, &shown(dir, &file), tree))
}

/// The variables that change what Cargo does: every `CARGO_*` (config keys), the rustflags
/// variables, the wrapper, and the tier markers.
pub fn relevant_env() -> BTreeMap<String, String> {
    const EXACT: &[&str] = &[
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_BOOTSTRAP",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUST_TIERS_TIER",
        "RUST_TIERS_TECHNIQUES",
        "RUSTUP_TOOLCHAIN",
    ];
    env::vars()
        .filter(|(k, _)| {
            EXACT.contains(&k.as_str()) || k.starts_with("CARGO_") || k.starts_with("SCCACHE_")
        })
        .collect()
}

/// One profile key after Cargo's merge: the value and where it was defined.
#[derive(Debug, Clone)]
pub struct ProfileEntry {
    pub value: toml::Value,
    pub def: Def,
}

/// Profiles as the files define them before `inherits` is applied: `[profile]` from the root
/// manifest with the configuration's `[profile]` over it, key by key. `CARGO_PROFILE_*` variables
/// win over both (see `Project::profile_env`).
pub type Profiles = BTreeMap<String, BTreeMap<String, ProfileEntry>>;

fn to_toml(cv: &CV) -> toml::Value {
    match cv {
        CV::Str(s, _) | CV::Other(s, _) => toml::Value::String(s.clone()),
        CV::Int(i, _) => toml::Value::Integer(*i),
        CV::Bool(b, _) => toml::Value::Boolean(*b),
        CV::List(l, _) => toml::Value::Array(l.iter().map(to_toml).collect()),
        CV::Table(t, _) => {
            toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), to_toml(v))).collect())
        }
    }
}

/// A `CARGO_PROFILE_*` value as Cargo types it (bool, integer, else string).
pub fn env_value(v: &str) -> toml::Value {
    match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => v
            .parse::<i64>()
            .map_or_else(|_| toml::Value::String(v.into()), toml::Value::Integer),
    }
}

fn merge_profiles(root: &TomlFile, cfg: &Config) -> Profiles {
    let mut out = Profiles::new();
    let mut put = |name: &str, key: &str, value: toml::Value, def: Def| {
        out.entry(name.to_string())
            .or_default()
            .insert(key.to_string(), ProfileEntry { value, def });
    };
    if let Some(t) = root.table.get("profile").and_then(|v| v.as_table()) {
        for (name, p) in t {
            for (key, v) in p.as_table().into_iter().flatten() {
                let keys = ["profile", name, key].map(String::from);
                let def = Def::at(root, root.spans.key_offset_owned(&keys));
                put(name, key, v.clone(), def);
            }
        }
    }
    for (name, p) in cfg
        .get(&["profile"])
        .and_then(CV::as_table)
        .into_iter()
        .flatten()
    {
        for (key, v) in p.as_table().into_iter().flatten() {
            put(name, key, to_toml(v), v.def().clone());
        }
    }
    out
}

pub struct Project {
    pub dir: PathBuf,
    /// The workspace root manifest (the package's own when there is no workspace).
    pub root: TomlFile,
    /// Workspace members other than the root package, as Cargo finds them.
    pub members: Vec<TomlFile>,
    /// Default members (manifest paths).
    pub default_members: Vec<PathBuf>,
    /// Config files read, nearest first (includes right after the file that names them).
    pub configs: Vec<TomlFile>,
    /// The merged configuration, with the environment.
    pub config: Config,
    pub profiles: Profiles,
    pub toolchain: Option<ToolchainPin>,
    /// Variables that change what Cargo does (RUSTFLAGS, CARGO_*, ...).
    pub env: BTreeMap<String, String>,
}

/// The workspace root for the manifest in `dir`: itself when it has `[workspace]`, the root its
/// `package.workspace` points to, else the nearest ancestor with a `[workspace]` that does not
/// exclude it.
fn find_root(dir: &Path, current: TomlFile, shown: &dyn Fn(&Path) -> String) -> Result<TomlFile> {
    if current.table.contains_key("workspace") {
        return Ok(current);
    }
    if let Some(ptr) = current
        .table
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(|w| w.as_str())
    {
        let m = crate::project::member_glob::normalize(&dir.join(ptr).join("Cargo.toml"));
        return TomlFile::load(&m, &shown(&m));
    }
    for up in dir.ancestors().skip(1) {
        let m = up.join("Cargo.toml");
        if Kind::of_target(&m) == Kind::Missing {
            continue;
        }
        let t = TomlFile::load(&m, &shown(&m))?;
        if let Some(decl) = members::WorkspaceDecl::of(&t) {
            if !decl.is_excluded(&current.path) {
                return Ok(t);
            }
        }
    }
    Ok(current)
}

/// Layouts Cargo refuses before it does anything: the package in DIR under a workspace root
/// that neither lists it (nor reaches it by a path dependency) nor excludes it ("current
/// package believes it's in a workspace when it's not"), and a member with a `[workspace]` of
/// its own ("multiple workspace roots found in the same workspace").
fn refused_layout(
    root: &TomlFile,
    manifest: &Path,
    members: &[TomlFile],
    shown: &dyn Fn(&Path) -> String,
) -> Result<()> {
    if let Some(m) = members.iter().find(|m| m.table.contains_key("workspace")) {
        bail!(
            "{}: a workspace member with a [workspace] of its own, inside the workspace of {}: Cargo refuses it (\"multiple workspace roots found in the same workspace\")",
            m.shown,
            shown(&root.path)
        );
    }
    let is_member = root.path == manifest || members.iter().any(|m| m.path == manifest);
    if !is_member && root.table.contains_key("workspace") {
        bail!(
            "Cargo.toml: the package is under the workspace of {} but neither a member nor excluded: Cargo refuses it (\"current package believes it's in a workspace when it's not\"); add it to `workspace.members` or `exclude`, or give it a [workspace] of its own",
            shown(&root.path)
        );
    }
    Ok(())
}

/// The directory of the workspace root that Cargo would use for the manifest in `dir` (the
/// only manifest whose `[profile]` tables Cargo reads).
pub fn workspace_root_dir(dir: &Path) -> Result<PathBuf> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", dir.display()))?;
    let current = TomlFile::load(&dir.join("Cargo.toml"), "Cargo.toml")?;
    let root = find_root(&dir, current, &|p| shown(&dir, p))?;
    Ok(root.path.parent().map_or(dir, Path::to_path_buf))
}

impl Project {
    /// Loads with this process's environment.
    pub fn load(dir: &Path) -> Result<Project> {
        Project::load_with(dir, relevant_env())
    }

    /// Loads as Cargo would run in `dir` with `env` (passed explicitly so callers such as
    /// `build` can add the tier's variables).
    pub fn load_with(dir: &Path, env: BTreeMap<String, String>) -> Result<Project> {
        if !dir.is_dir() {
            bail!("{}: not a directory", dir.display());
        }
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", dir.display()))?;
        let manifest = dir.join("Cargo.toml");
        if Kind::of_target(&manifest) == Kind::Missing {
            bail!("{}: no Cargo.toml (not a Cargo project)", dir.display());
        }
        let shown_in = |p: &Path| shown(&dir, p);
        let current = TomlFile::load(&manifest, "Cargo.toml")?;
        let root = find_root(&dir, current, &shown_in)?;
        let found = members::find(&root, &manifest, &shown_in)?;
        refused_layout(&root, &manifest, &found.all, &shown_in)?;
        let root_dir = root
            .path
            .parent()
            .map_or_else(|| dir.clone(), Path::to_path_buf);
        let mut config = Config::load(&dir, cargo_home(&env).as_deref(), env.clone(), &shown_in)?;
        let configs = std::mem::take(&mut config.files);
        let profiles = merge_profiles(&root, &config);
        Ok(Project {
            toolchain: toolchain_pin(&dir, &root_dir),
            dir,
            root,
            members: found.all,
            default_members: found.default,
            configs,
            config,
            profiles,
            env,
        })
    }

    /// `[profile.<p>.<key>]` after the merge (environment, configuration, manifest).
    pub fn profile_value(&self, profile: &str, key: &str) -> Option<&ProfileEntry> {
        self.profiles.get(profile)?.get(key)
    }

    /// `[profile.<p>.package."*"].<key>` (every dependency) after the merge.
    pub fn dependency_profile_value(&self, profile: &str, key: &str) -> Option<&toml::Value> {
        self.profile_value(profile, "package")?
            .value
            .get("*")?
            .get(key)
    }

    /// `CARGO_PROFILE_<NAME>_<KEY>`, which wins over the files.
    pub fn profile_env(&self, profile: &str, key: &str) -> Option<ProfileEntry> {
        let name = config::env_key(&["profile", profile, key]);
        let v = self.env.get(&name)?;
        Some(ProfileEntry {
            value: env_value(v),
            def: Def::env(&name),
        })
    }

    /// The value Cargo uses: the variable, else the files.
    pub fn profile_effective(&self, profile: &str, key: &str) -> Option<ProfileEntry> {
        self.profile_env(profile, key)
            .or_else(|| self.profile_value(profile, key).cloned())
    }

    /// Every profile the files define (manifest and configuration), merged.
    pub fn profiles(&self) -> impl Iterator<Item = (&String, &BTreeMap<String, ProfileEntry>)> {
        self.profiles.iter()
    }

    /// The lowest `rust-version` the root package, the workspace or any member declares.
    pub fn rust_version(&self) -> Option<(String, semver::Version)> {
        let mut found = vec![];
        for f in std::iter::once(&self.root).chain(&self.members) {
            for path in [
                &["package", "rust-version"][..],
                &["workspace", "package", "rust-version"][..],
            ] {
                if let Some(v) = get(&f.table, path).and_then(|v| v.as_str()) {
                    if let (_, Some(ver)) = parse_channel(v) {
                        found.push((format!("{}: {}", f.shown, path.join(".")), ver));
                    }
                }
            }
        }
        found.into_iter().min_by(|a, b| a.1.cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_chains() {
        let t: toml::Table = "[profile.fat]\ninherits = \"prof\"\nlto = \"fat\"\n[profile.prof]\ninherits = \"release\"\nstrip = \"none\"\n[profile.loop]\ninherits = \"loop\"\n".parse().unwrap();
        let c = profile_chain(&t, "fat");
        assert_eq!(
            (c.root, c.keys),
            (
                Some("release"),
                vec!["lto".to_string(), "strip".to_string()]
            )
        );
        assert_eq!(profile_chain(&t, "test").root, Some("dev"));
        assert_eq!(profile_chain(&t, "missing").root, None);
        assert_eq!(
            profile_chain(&t, "loop").root,
            None,
            "a cycle ends without a root"
        );
    }
}
