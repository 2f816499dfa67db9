//! The tier data model: `nix/tiers.toml`, embedded at build time so tiercheck and the flake
//! read one file (`data/tiers.toml` is a symlink to it, so the published crate carries a copy). Validation lives here too; the test suite runs it on the embedded copy.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The data file, as checked in. Nix reads the same bytes with `builtins.fromTOML`; the
/// symlink `data/tiers.toml` points at `nix/tiers.toml` (`cargo package` stores its content).
pub const TIERS_TOML: &str = include_str!("../data/tiers.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierData {
    pub schema: u32,
    pub platforms: BTreeMap<String, Platform>,
    pub toolchains: BTreeMap<String, ToolchainSpec>,
    pub pipeline: Pipeline,
    pub tools: BTreeMap<String, Tool>,
    pub tiers: BTreeMap<String, Tier>,
    pub techniques: BTreeMap<String, Technique>,
}

/// The PGO + BOLT release pipeline's flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    pub instrument_rustflags: Vec<String>,
    pub optimize_rustflags: Vec<String>,
    pub bolt_link_rustflags: Vec<String>,
    pub bolt_flags: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub triple: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolchainSpec {
    pub channel: Channel,
    pub version: Option<String>,
    pub date: Option<String>,
    pub components: Vec<String>,
    /// What running this pin instead of an older compiler was measured to buy (a sentence with
    /// its figures and where they come from), for `toolchain --tier`'s advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Stable,
    Beta,
    Nightly,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stable => "stable",
            Channel::Beta => "beta",
            Channel::Nightly => "nightly",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub exe: String,
    pub nixpkgs: Option<String>,
    #[serde(default)]
    pub source: ToolSource,
    #[serde(default)]
    pub llvm_matched: bool,
    pub version_args: Option<Vec<String>>,
    pub min_version: String,
    pub install: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolSource {
    #[default]
    Nixpkgs,
    Toolchain,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub title: String,
    pub summary: String,
    pub inherits: Option<String>,
    pub toolchain: Option<String>,
    #[serde(default)]
    pub techniques: Vec<String>,
    #[serde(default)]
    pub optional: Vec<String>,
    /// Platform -> techniques added after `techniques` when resolving for that platform (an
    /// exclusive group lets one replace the tier's general choice, e.g. rust-lld for mold).
    #[serde(default)]
    pub platform_techniques: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    pub title: String,
    pub report_tier: u8,
    pub category: String,
    pub channel: Channel,
    pub min_rust: String,
    pub platforms: Option<Vec<String>>,
    pub group: Option<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    pub linker: Option<String>,
    #[serde(default)]
    pub rustflags: Vec<String>,
    /// profile name -> Cargo profile key -> value (string, integer or boolean).
    #[serde(default)]
    pub profile: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// profile name -> key -> value for every dependency, i.e. Cargo's
    /// `[profile.<p>.package."*"]`. Cargo reads package overrides from files and `--config`
    /// only, never from the environment, so `tiercheck init` writes them and builds pass them.
    #[serde(default)]
    pub dependency_profile: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Left out on a machine with fewer cores (where it measured slower); kept when the core
    /// count is unknown (another platform, Nix evaluation).
    pub min_cores: Option<u32>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    pub project: Option<ProjectSign>,
    pub binary: Option<BinarySign>,
    #[serde(default)]
    pub pipeline: bool,
    pub effect: String,
    pub report_error: Option<String>,
    pub shipped: bool,
    pub why_not: Option<String>,
}

/// How a technique that sets no profile key shows in a project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSign {
    #[serde(default)]
    pub custom_profiles: Vec<String>,
    pub env: Option<String>,
}

/// What a binary built with the technique must show.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinarySign {
    pub linker: Option<String>,
    pub split_debuginfo: Option<String>,
    pub strip: Option<String>,
    pub codegen: Option<String>,
    pub bolt: Option<bool>,
    pub pgo_instrumented: Option<bool>,
    pub lto_hint: Option<bool>,
    /// A codegen backend whose binaries cannot show the sign (`"cranelift"`: it writes no
    /// `.dwo` files): a binary that backend compiled is not checked for it.
    pub not_with_codegen: Option<String>,
    /// Profiles the sign applies to; empty = every profile.
    #[serde(default)]
    pub profiles: Vec<String>,
}

impl Technique {
    pub fn min_rust_req(&self) -> Result<semver::VersionReq> {
        semver::VersionReq::parse(&self.min_rust)
            .with_context(|| format!("min_rust {:?} is not a semver requirement", self.min_rust))
    }

    pub fn runs_on(&self, platform: &str) -> bool {
        self.platforms
            .as_ref()
            .is_none_or(|p| p.iter().any(|x| x == platform))
    }

    /// Whether the technique matters for a build of `profile_root` ("dev" or "release", the
    /// built-in profile a custom profile inherits from). `None` means every profile.
    pub fn applies_to(&self, profile_root: Option<&str>) -> bool {
        match profile_root {
            None => true,
            Some(p) => self.profiles.is_empty() || self.profiles.iter().any(|x| x == p),
        }
    }

    /// Every `@tool@` placeholder in what the technique sets, plus its declared tools.
    pub fn tool_refs(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.tools.iter().cloned().collect();
        let profile_strings = self
            .profile
            .values()
            .flat_map(|keys| keys.values())
            .filter_map(|v| v.as_str());
        let values = self
            .rustflags
            .iter()
            .map(String::as_str)
            .chain(self.linker.as_deref())
            .chain(self.env.values().map(String::as_str))
            .chain(profile_strings);
        for v in values {
            out.extend(placeholders(v));
        }
        out
    }
}

/// The tool names inside `@name@` placeholders of a value.
pub fn placeholders(value: &str) -> Vec<String> {
    let parts: Vec<&str> = value.split('@').collect();
    parts
        .iter()
        .enumerate()
        .filter(|(i, s)| i % 2 == 1 && *i + 1 < parts.len() && !s.is_empty())
        .map(|(_, s)| s.to_string())
        .collect()
}

impl TierData {
    /// The embedded data, parsed and validated.
    pub fn embedded() -> Result<TierData> {
        Self::shared().cloned()
    }

    /// The embedded data, parsed and validated once per process: building the command line
    /// alone asks for it once per `--tier`/`--with`/`--without` argument of every subcommand.
    pub fn shared() -> Result<&'static TierData> {
        static DATA: std::sync::OnceLock<std::result::Result<TierData, String>> =
            std::sync::OnceLock::new();
        DATA.get_or_init(|| Self::load_embedded().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn load_embedded() -> Result<TierData> {
        let data = Self::parse(TIERS_TOML).context("nix/tiers.toml (embedded)")?;
        data.validate().context("nix/tiers.toml (embedded)")?;
        Ok(data)
    }

    pub fn parse(text: &str) -> Result<TierData> {
        Ok(toml::from_str(text)?)
    }

    pub fn tier(&self, id: &str) -> Result<&Tier> {
        self.tiers.get(id).with_context(|| {
            format!(
                "unknown tier {id:?} (known: {})",
                self.tiers.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    pub fn technique(&self, id: &str) -> Result<&Technique> {
        self.techniques
            .get(id)
            .with_context(|| format!("unknown technique {id:?} (see `tiercheck tiers`)"))
    }

    pub fn tool(&self, id: &str) -> Result<&Tool> {
        self.tools
            .get(id)
            .with_context(|| format!("unknown tool {id:?}"))
    }

    /// The platform name (`x86_64-linux`) whose triple is `triple`.
    pub fn platform_of_triple(&self, triple: &str) -> Option<&str> {
        self.platforms
            .iter()
            .find(|(_, p)| p.triple == triple)
            .map(|(name, _)| name.as_str())
    }

    /// Every structural rule the flake and tiercheck rely on.
    pub fn validate(&self) -> Result<()> {
        if self.schema != 1 {
            bail!("schema {} is not supported (expected 1)", self.schema);
        }
        for (id, t) in &self.techniques {
            self.validate_technique(id, t)?;
        }
        self.validate_tools()?;
        self.validate_toolchains()?;
        let mut reachable = BTreeSet::new();
        for (id, tier) in &self.tiers {
            self.validate_tier(id, tier, &mut reachable)?;
        }
        for (id, t) in &self.techniques {
            if t.shipped && !reachable.contains(id.as_str()) {
                bail!("technique {id} is marked shipped but no tier has it");
            }
        }
        Ok(())
    }

    fn validate_technique(&self, id: &str, t: &Technique) -> Result<()> {
        let ctx = || format!("technique {id}");
        t.min_rust_req().with_context(ctx)?;
        if !(1..=5).contains(&t.report_tier) {
            bail!("technique {id}: report_tier {} is not 1-5", t.report_tier);
        }
        if !t.shipped && t.why_not.is_none() {
            bail!("technique {id} is not shipped but has no why_not");
        }
        for tool in t.tool_refs() {
            self.tool(&tool).with_context(ctx)?;
        }
        for p in t.platforms.iter().flatten() {
            if !self.platforms.contains_key(p) {
                bail!("technique {id}: unknown platform {p:?}");
            }
        }
        let backends = t
            .binary
            .iter()
            .flat_map(|b| [&b.codegen, &b.not_with_codegen]);
        if let Some(c) = backends.flatten().find(|c| *c != "cranelift") {
            bail!("technique {id}: codegen backend {c:?} is not one tiercheck reads from a binary (cranelift)");
        }
        Ok(())
    }

    fn validate_tools(&self) -> Result<()> {
        for (id, tool) in &self.tools {
            semver::Version::parse(&tool.min_version)
                .with_context(|| format!("tool {id}: min_version {:?}", tool.min_version))?;
            if tool.source == ToolSource::Nixpkgs && tool.nixpkgs.is_none() {
                bail!("tool {id}: no nixpkgs attribute and not from the toolchain");
            }
        }
        Ok(())
    }

    fn validate_toolchains(&self) -> Result<()> {
        for (id, tc) in &self.toolchains {
            if tc.version.is_none() == tc.date.is_none() {
                bail!("toolchain {id}: exactly one of version (stable) or date (nightly)");
            }
        }
        Ok(())
    }

    /// Checks tier `id` and adds the techniques it names to `reachable`.
    fn validate_tier<'a>(
        &self,
        id: &str,
        tier: &'a Tier,
        reachable: &mut BTreeSet<&'a str>,
    ) -> Result<()> {
        self.check_inheritance(id)?;
        if let Some(tc) = &tier.toolchain {
            if !self.toolchains.contains_key(tc) {
                bail!("tier {id}: unknown toolchain {tc:?}");
            }
        }
        for (p, list) in &tier.platform_techniques {
            if !self.platforms.contains_key(p) {
                bail!("tier {id}: platform_techniques names unknown platform {p:?}");
            }
            for t in list {
                self.technique(t).with_context(|| format!("tier {id}"))?;
                reachable.insert(t.as_str());
            }
        }
        for t in tier.techniques.iter().chain(&tier.optional) {
            self.technique(t).with_context(|| format!("tier {id}"))?;
            reachable.insert(t.as_str());
        }
        Ok(())
    }

    fn check_inheritance(&self, start: &str) -> Result<()> {
        let mut seen = vec![start.to_string()];
        let mut cur = self.tier(start)?;
        while let Some(parent) = &cur.inherits {
            if seen.contains(parent) {
                bail!("tier inheritance cycle: {} -> {parent}", seen.join(" -> "));
            }
            seen.push(parent.clone());
            cur = self.tier(parent).with_context(|| format!("tier {start}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_validates() {
        TierData::embedded().unwrap();
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholders("link-arg=--ld-path=@mold@"), vec!["mold"]);
        assert_eq!(placeholders("@a@:@b@"), vec!["a", "b"]);
        assert!(placeholders("user@host").is_empty());
    }

    #[test]
    fn cycle_is_rejected() {
        let text = TIERS_TOML.replace("[tiers.tier1]\n", "[tiers.tier1]\ninherits = \"tier4\"\n");
        let data = TierData::parse(&text).unwrap();
        let err = format!("{:#}", data.validate().unwrap_err());
        assert!(err.contains("cycle"), "{err}");
    }

    #[test]
    fn unknown_technique_in_tier_is_rejected() {
        let text = TIERS_TOML.replace(
            "techniques = [\"parallel-frontend\"]",
            "techniques = [\"nope\"]",
        );
        let data = TierData::parse(&text).unwrap();
        assert!(format!("{:#}", data.validate().unwrap_err()).contains("nope"));
    }

    #[test]
    fn shipped_but_unreachable_is_rejected() {
        let text = TIERS_TOML.replace(", \"binary-size\"]", "]");
        let data = TierData::parse(&text).unwrap();
        assert!(format!("{:#}", data.validate().unwrap_err()).contains("binary-size"));
    }

    #[test]
    fn every_tier_but_research_has_a_toolchain() {
        let data = TierData::embedded().unwrap();
        for (id, _) in data.tiers.iter().filter(|(id, _)| *id != "tier5") {
            let r = crate::resolve::resolve(&data, id, &Default::default()).unwrap();
            assert!(r.toolchain.is_some(), "{id}");
        }
    }
}
