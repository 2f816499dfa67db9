//! A tier as nix/tiers.toml resolves it on each platform (`platform_techniques`, techniques a
//! platform lacks): what `tiers` and `explain` show, since "tier1 links with mold" is true on
//! aarch64 Linux only (x86_64 Linux keeps rustc's rust-lld).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::resolve::{resolve, LeftOut, Resolved, Selection};
use crate::tiers::TierData;

/// The platforms of the data file, Linux first, x86_64 before aarch64.
pub fn platforms(data: &TierData) -> Vec<String> {
    let mut p: Vec<String> = data.platforms.keys().cloned().collect();
    p.sort_by_key(|p| (!p.ends_with("-linux"), !p.starts_with("x86_64"), p.clone()));
    p
}

/// One tier, resolved for each platform (in `platforms` order).
pub struct TierOnPlatforms {
    pub on: Vec<(String, Resolved)>,
}

/// What a platform gets (`tiers --format json`: a tier's `platforms`).
#[derive(Serialize)]
pub struct PlatformTechniques {
    pub techniques: Vec<String>,
    pub left_out: Vec<LeftOut>,
    /// The technique that picks the linker, or null: rustc's default for the target.
    pub linker: Option<String>,
}

impl TierOnPlatforms {
    pub fn resolve(data: &TierData, tier: &str) -> Result<TierOnPlatforms> {
        let on = platforms(data)
            .into_iter()
            .map(|p| {
                let sel = Selection {
                    platform: Some(p.clone()),
                    ..Default::default()
                };
                resolve(data, tier, &sel).map(|r| (p, r))
            })
            .collect::<Result<_>>()?;
        Ok(TierOnPlatforms { on })
    }

    /// Techniques every platform gets, in the first platform's order.
    pub fn common(&self) -> Vec<String> {
        let Some((_, first)) = self.on.first() else {
            return vec![];
        };
        first
            .techniques
            .iter()
            .filter(|t| self.on.iter().all(|(_, r)| r.techniques.contains(t)))
            .cloned()
            .collect()
    }

    /// The platforms where `id` is on.
    pub fn platforms_with(&self, id: &str) -> Vec<&str> {
        self.on
            .iter()
            .filter(|(_, r)| r.techniques.iter().any(|t| t == id))
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// Techniques some platforms get and others do not, each with its platforms, in order of
    /// first appearance.
    pub fn platform_only(&self) -> Vec<(String, Vec<&str>)> {
        let common = self.common();
        let mut out: Vec<(String, Vec<&str>)> = vec![];
        for (_, r) in &self.on {
            for t in &r.techniques {
                if !common.contains(t) && !out.iter().any(|(x, _)| x == t) {
                    out.push((t.clone(), self.platforms_with(t)));
                }
            }
        }
        out
    }

    /// The linker per platform, platforms with the same one together:
    /// `lld (x86_64-linux), mold (aarch64-linux), default (aarch64-darwin)`.
    pub fn linkers(&self, data: &TierData) -> String {
        let mut groups: Vec<(String, Vec<&str>)> = vec![];
        for (p, r) in &self.on {
            let l = linker_of(data, r).unwrap_or("default").to_string();
            match groups.iter_mut().find(|(x, _)| *x == l) {
                Some((_, ps)) => ps.push(p),
                None => groups.push((l, vec![p])),
            }
        }
        groups
            .iter()
            .map(|(l, ps)| format!("{l} ({})", ps.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn json(&self, data: &TierData) -> BTreeMap<String, PlatformTechniques> {
        self.on
            .iter()
            .map(|(p, r)| {
                let t = PlatformTechniques {
                    techniques: r.techniques.clone(),
                    left_out: r.left_out.clone(),
                    linker: linker_of(data, r).map(String::from),
                };
                (p.clone(), t)
            })
            .collect()
    }
}

/// The technique of the `linker` group a resolved tier has, if any.
pub fn linker_of<'a>(data: &TierData, r: &'a Resolved) -> Option<&'a str> {
    r.techniques
        .iter()
        .find(|t| data.techniques[t.as_str()].group.as_deref() == Some("linker"))
        .map(String::as_str)
}

/// `items` joined with ", " into lines of at most `width` columns, each after `indent` spaces.
pub fn wrap(items: &[String], indent: usize, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        if !line.is_empty() && indent + line.len() + 1 + piece.len() > width {
            lines.push(format!("{}{line}", " ".repeat(indent)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(format!("{}{line}", " ".repeat(indent)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier1_links_with_rust_lld_on_x86_64_and_mold_on_aarch64() {
        let data = TierData::embedded().unwrap();
        let t = TierOnPlatforms::resolve(&data, "tier1").unwrap();
        assert_eq!(
            t.linkers(&data),
            "lld (x86_64-linux), mold (aarch64-linux), default (aarch64-darwin)"
        );
        assert!(!t.common().contains(&"mold".to_string()));
        assert_eq!(t.platforms_with("lld"), ["x86_64-linux"]);
        let t3 = TierOnPlatforms::resolve(&data, "tier3").unwrap();
        assert_eq!(
            t3.linkers(&data),
            "wild (x86_64-linux, aarch64-linux), default (aarch64-darwin)"
        );
    }

    #[test]
    fn wrapping_keeps_to_the_width() {
        let items: Vec<String> = (0..30).map(|i| format!("technique-{i}")).collect();
        let lines = wrap(&items, 7, 100);
        assert!(lines
            .iter()
            .all(|l| l.len() <= 100 && l.starts_with("       t")));
        assert_eq!(lines.join(" ").split_whitespace().count(), 30);
    }
}
