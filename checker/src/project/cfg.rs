//! `[target.'cfg(...)']` keys evaluated as Cargo evaluates them: with Cargo's own parser and
//! matcher (`cargo_platform::CfgExpr::matches_key`: a key that does not parse, an unknown
//! predicate, `cfg()` simply do not match) against the target's cfg set — what `rustc --print
//! cfg --target T` says (the trusted toolchain; no target needs installing), else cfg-expr's
//! built-in target table — adjusted by the cfg-changing rustflags, as Cargo passes its
//! rustflags to that rustc call.

use std::str::FromStr;

use cargo_platform::{Cfg, CfgExpr};

use crate::flags::Opt;

/// Deeper than this, tiercheck does not parse a key (Cargo's recursive parser overflows its
/// stack: measured with Cargo 1.95 at 30 000 nested `not(`; 1 000 still works).
pub const MAX_DEPTH: usize = 1000;

#[derive(Debug, Clone)]
pub struct CfgSet {
    pub triple: String,
    pub cfgs: Vec<Cfg>,
    /// "rustc" or "built-in table" (or "triple" when neither knows the target).
    pub source: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    /// Nested deeper than `MAX_DEPTH`: Cargo crashes on it.
    TooDeep,
}

fn nesting(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in s.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

impl CfgSet {
    /// Parses `rustc --print cfg` output.
    pub fn from_rustc(triple: &str, text: &str) -> CfgSet {
        CfgSet {
            triple: triple.to_string(),
            cfgs: text
                .lines()
                .filter_map(|l| Cfg::from_str(l.trim()).ok())
                .collect(),
            source: "rustc",
        }
    }

    /// From cfg-expr's table of rustc's built-in targets (plus what rustc adds at opt-level 0).
    pub fn builtin(triple: &str) -> CfgSet {
        let kv = |k: &str, v: &str| Cfg::KeyPair(ident(k), v.to_string());
        let mut cfgs = vec![Cfg::Name(ident("debug_assertions"))];
        let Some(t) = cfg_expr::targets::get_builtin_target_by_triple(triple) else {
            return CfgSet::from_triple(triple);
        };
        cfgs.push(kv("target_arch", t.arch.as_str()));
        cfgs.push(kv(
            "target_os",
            t.os.as_ref().map_or("none", |o| o.as_str()),
        ));
        cfgs.push(kv("target_env", t.env.as_ref().map_or("", |e| e.as_str())));
        cfgs.push(kv("target_abi", t.abi.as_ref().map_or("", |e| e.as_str())));
        cfgs.push(kv(
            "target_vendor",
            t.vendor.as_ref().map_or("unknown", |v| v.as_str()),
        ));
        let endian = match t.endian {
            cfg_expr::targets::Endian::big => "big",
            _ => "little",
        };
        cfgs.push(kv("target_endian", endian));
        cfgs.push(kv("target_pointer_width", &t.pointer_width.to_string()));
        cfgs.push(kv("panic", t.panic.as_ref()));
        for f in t.families.iter() {
            cfgs.push(kv("target_family", f.as_str()));
            if ["unix", "windows", "wasm"].contains(&f.as_str()) {
                cfgs.push(Cfg::Name(ident(f.as_str())));
            }
        }
        for a in t.has_atomics.iter() {
            cfgs.push(kv("target_has_atomic", &a.to_string()));
        }
        CfgSet {
            triple: triple.to_string(),
            cfgs,
            source: "built-in table",
        }
    }

    /// A last resort for a triple nobody knows: arch and os from its parts.
    fn from_triple(triple: &str) -> CfgSet {
        let parts: Vec<&str> = triple.split('-').collect();
        let kv = |k: &str, v: &str| Cfg::KeyPair(ident(k), v.to_string());
        let mut cfgs = vec![Cfg::Name(ident("debug_assertions"))];
        if let Some(a) = parts.first() {
            cfgs.push(kv("target_arch", a));
        }
        let os = ["linux", "windows", "darwin", "freebsd", "android"]
            .into_iter()
            .find(|o| triple.contains(o))
            .map(|o| if o == "darwin" { "macos" } else { o });
        if let Some(os) = os {
            cfgs.push(kv("target_os", os));
            let family = if os == "windows" { "windows" } else { "unix" };
            cfgs.push(kv("target_family", family));
            cfgs.push(Cfg::Name(ident(family)));
        }
        CfgSet {
            triple: triple.to_string(),
            cfgs,
            source: "triple",
        }
    }

    /// The set as Cargo's `rustc --print cfg` call sees it with these rustflags: `--cfg`,
    /// `-C target-feature`, `-C debug-assertions`, `-C opt-level`, `-C panic`.
    pub fn with_flags(mut self, opts: &[Opt]) -> CfgSet {
        let mut debug_assertions: Option<bool> = None;
        for o in opts {
            let v = o.value.as_deref().unwrap_or("");
            match (o.kind, o.name.as_str()) {
                ('-', "--cfg") => {}
                ('C', "target-feature") => {
                    for f in v.split(',') {
                        let (on, name) = match f.split_at_checked(1) {
                            Some(("+", n)) => (true, n),
                            Some(("-", n)) => (false, n),
                            _ => continue,
                        };
                        let cfg = Cfg::KeyPair(ident("target_feature"), name.to_string());
                        self.cfgs.retain(|c| *c != cfg);
                        if on {
                            self.cfgs.push(cfg);
                        }
                    }
                }
                ('C', "debug-assertions") => {
                    debug_assertions = Some(matches!(v, "" | "y" | "yes" | "on" | "true"))
                }
                ('C', "opt-level") if debug_assertions.is_none() => {
                    debug_assertions = Some(v == "0")
                }
                ('C', "panic") => {
                    self.cfgs
                        .retain(|c| !matches!(c, Cfg::KeyPair(k, _) if k.name == "panic"));
                    self.cfgs.push(Cfg::KeyPair(ident("panic"), v.to_string()));
                }
                _ => {}
            }
        }
        // `--cfg X` arrives as two tokens; the flag parser keeps them as '-' options.
        for w in opts.windows(2) {
            if w[0].kind == '-' && w[0].name == "--cfg" {
                if let Ok(c) = Cfg::from_str(&w[1].name) {
                    self.cfgs.push(c);
                }
            }
        }
        for o in opts {
            if let Some(c) = o
                .name
                .strip_prefix("--cfg=")
                .and_then(|c| Cfg::from_str(c).ok())
            {
                self.cfgs.push(c);
            }
        }
        if let Some(on) = debug_assertions {
            let da = Cfg::Name(ident("debug_assertions"));
            self.cfgs.retain(|c| *c != da);
            if on {
                self.cfgs.push(da);
            }
        }
        self
    }

    /// Cargo's `CfgExpr::matches_key`, guarded against nesting that crashes Cargo.
    pub fn matches_key(&self, key: &str) -> Match {
        let depth = nesting(key);
        if depth > MAX_DEPTH {
            return Match::TooDeep;
        }
        let matched = if depth > 64 {
            // Cargo's parser recurses per level: give deep keys a stack that surely holds them.
            let (key, cfgs) = (key.to_string(), self.cfgs.clone());
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn(move || CfgExpr::matches_key(&key, &cfgs))
                .ok()
                .and_then(|h| h.join().ok())
                .unwrap_or(false)
        } else {
            CfgExpr::matches_key(key, &self.cfgs)
        };
        if matched {
            Match::Yes
        } else {
            Match::No
        }
    }

    /// Whether a `[target.<key>]` table applies: the exact triple, or a matching `cfg(...)`.
    pub fn applies(&self, key: &str) -> bool {
        if key.starts_with("cfg(") {
            self.matches_key(key) == Match::Yes
        } else {
            key == self.triple
        }
    }
}

fn ident(name: &str) -> cargo_platform::Ident {
    cargo_platform::Ident {
        name: name.to_string(),
        raw: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> CfgSet {
        CfgSet::builtin("x86_64-unknown-linux-gnu")
    }

    #[test]
    fn evaluates_as_cargo() {
        let t = linux();
        assert_eq!(t.matches_key("cfg(all())"), Match::Yes);
        assert_eq!(t.matches_key("cfg(unix)"), Match::Yes);
        assert_eq!(t.matches_key("cfg(windows)"), Match::No);
        assert_eq!(t.matches_key("cfg(debug_assertions)"), Match::Yes);
        assert_eq!(t.matches_key("cfg(not(debug_assertions))"), Match::No);
        assert_eq!(
            t.matches_key("cfg(all(windows, debug_assertions))"),
            Match::No
        );
        assert_eq!(
            t.matches_key("cfg(all(target_arch = \"x86_64\", not(target_env = \"musl\")))"),
            Match::Yes
        );
        // Unknown predicates and malformed keys do not match; nothing errors.
        for k in [
            "cfg(foo)",
            "cfg()",
            "cfg(feature = \"x\")",
            "cfg(all(",
            "cfg(x = 1)",
        ] {
            assert_eq!(t.matches_key(k), Match::No, "{k}");
        }
    }

    #[test]
    fn other_targets_without_installing_them() {
        let w = CfgSet::builtin("x86_64-pc-windows-msvc");
        assert_eq!(
            w.matches_key("cfg(all(windows, target_env = \"msvc\"))"),
            Match::Yes
        );
        let m = CfgSet::builtin("aarch64-apple-darwin");
        assert_eq!(m.matches_key("cfg(target_os = \"macos\")"), Match::Yes);
        assert_eq!(m.matches_key("cfg(unix)"), Match::Yes);
        assert!(
            CfgSet::builtin("aarch64-unknown-linux-gnu").applies("cfg(target_arch = \"aarch64\")")
        );
        assert!(CfgSet::builtin("x86_64-apple-darwin").applies("x86_64-apple-darwin"));
    }

    #[test]
    fn rustflags_change_the_set() {
        let opts = crate::flags::parse(
            &[
                "--cfg",
                "mine",
                "-C",
                "target-feature=+crt-static",
                "-C",
                "opt-level=3",
            ]
            .map(String::from),
        );
        let t = linux().with_flags(&opts);
        assert_eq!(t.matches_key("cfg(mine)"), Match::Yes);
        assert_eq!(
            t.matches_key("cfg(target_feature = \"crt-static\")"),
            Match::Yes
        );
        assert_eq!(t.matches_key("cfg(debug_assertions)"), Match::No);
    }

    #[test]
    fn deep_nesting_neither_overflows_nor_matches() {
        let n = 30_000;
        let key = format!("cfg({}unix{})", "not(".repeat(n), ")".repeat(n));
        assert_eq!(linux().matches_key(&key), Match::TooDeep);
        // 998 (an even number of) `not(` inside `cfg(`: deep, but within what Cargo parses.
        let key = format!("cfg({}unix{})", "not(".repeat(998), ")".repeat(998));
        assert_eq!(linux().matches_key(&key), Match::Yes);
    }
}
