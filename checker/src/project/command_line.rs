//! rustc's command line as Cargo builds it for a workspace member in one profile, for the `-C`
//! options a profile sets (cargo's `build_base_args`): first what Cargo derives from the
//! profile (opt-level, panic, lto, codegen-units, debuginfo, split-debuginfo), then the
//! profile's own rustflags, then debug-assertions / overflow-checks, rpath and strip, and last
//! the rustflags in force. rustc takes the last value of each of these options, so a rustflag
//! wins over the profile and over a `CARGO_PROFILE_*` variable.

use std::collections::BTreeMap;

use crate::flags::Opt;
use crate::project::config::Def;
use crate::project::load::Project;
use crate::project::rustflags::{Kind, Source};
use crate::project::settings::{self, Debuginfo, Lto, Setting, Strip};

/// The `-C` options whose last value the model tracks.
pub const OPTIONS: &[&str] = &[
    "opt-level",
    "panic",
    "lto",
    "codegen-units",
    "debuginfo",
    "split-debuginfo",
    "debug-assertions",
    "overflow-checks",
    "rpath",
    "strip",
];

/// The profile keys the model reads (what Cargo's defaults cover, and what it passes on).
pub const KEYS: &[&str] = &[
    "opt-level",
    "debug",
    "lto",
    "strip",
    "codegen-units",
    "split-debuginfo",
    "panic",
    "debug-assertions",
    "overflow-checks",
    "rpath",
];

/// Where one argument on rustc's command line comes from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Cargo's built-in value for the profile.
    Default,
    /// A profile key (in a file or a `CARGO_PROFILE_*` variable), and its value as written.
    Profile {
        key: String,
        def: Def,
        raw: toml::Value,
    },
    /// A rustflags source (`build.rustflags`, `RUSTFLAGS`, a profile's `rustflags`, ...).
    Rustflags { key: String, def: Def },
}

/// One `-C <option>[=<value>]` on rustc's command line.
#[derive(Debug, Clone)]
pub struct Arg {
    pub option: String,
    pub value: Option<String>,
    pub origin: Origin,
}

impl Arg {
    /// The setting this argument gives its profile key (`None`: a value rustc refuses).
    pub fn setting(&self) -> Option<Setting> {
        settings::from_rustc(&self.option, self.value.as_deref())
    }
    /// `-C opt-level=3` as written.
    pub fn shown(&self) -> String {
        match &self.value {
            Some(v) => format!("-C {}={v}", self.option),
            None => format!("-C {}", self.option),
        }
    }
}

/// A profile after `inherits` and Cargo's defaults: each modelled key with its origin.
pub type Resolved = BTreeMap<&'static str, (Setting, Origin)>;

fn defaults(root: &str) -> Resolved {
    let release = root == "release";
    let v = |s: Setting| (s, Origin::Default);
    let mut r = Resolved::new();
    r.insert(
        "opt-level",
        v(Setting::OptLevel(if release { "3" } else { "0" }.into())),
    );
    let debug = if release {
        Debuginfo::None
    } else {
        Debuginfo::Full
    };
    r.insert("debug", v(Setting::Debug(debug)));
    r.insert("debug-assertions", v(Setting::Bool(!release)));
    r.insert("overflow-checks", v(Setting::Bool(!release)));
    r.insert("lto", v(Setting::Lto(Lto::ThinLocal)));
    r.insert("panic", v(Setting::Text("unwind".into())));
    r.insert("rpath", v(Setting::Bool(false)));
    r
}

/// The profiles from the built-in root to `name` (`["dev", "test"]`, `["release", "ci"]`).
pub fn chain(p: &Project, name: &str) -> Option<Vec<String>> {
    let mut out = vec![name.to_string()];
    let mut cur = name.to_string();
    for _ in 0..32 {
        let parent = match cur.as_str() {
            "dev" | "release" => {
                out.reverse();
                return Some(out);
            }
            "test" | "doc" if p.profile_effective(&cur, "inherits").is_none() => "dev".into(),
            "bench" if p.profile_effective(&cur, "inherits").is_none() => "release".into(),
            _ => p
                .profile_effective(&cur, "inherits")?
                .value
                .as_str()?
                .to_string(),
        };
        if out.contains(&parent) {
            return None;
        }
        out.push(parent.clone());
        cur = parent;
    }
    None
}

/// Profile `name` as Cargo resolves it: the root's defaults, then each profile of the chain
/// (files, with `CARGO_PROFILE_*` over them). Values Cargo refuses are left out (another rule
/// reports them). `None` when the chain is broken.
pub fn resolve(p: &Project, name: &str) -> Option<Resolved> {
    let chain = chain(p, name)?;
    let mut r = defaults(&chain[0]);
    for prof in &chain {
        for key in KEYS {
            let Some(e) = p.profile_effective(prof, key) else {
                continue;
            };
            if let Ok(s) = settings::normalize(key, &e.value) {
                let origin = Origin::Profile {
                    key: format!("profile.{prof}.{key}"),
                    def: e.def.clone(),
                    raw: e.value.clone(),
                };
                r.insert(key, (s, origin));
            }
        }
    }
    Some(r)
}

fn arg(option: &str, value: Option<String>, origin: &Origin) -> Arg {
    Arg {
        option: option.to_string(),
        value,
        origin: origin.clone(),
    }
}

/// What Cargo passes for the profile before the profile's rustflags (`build_base_args`).
fn leading(r: &Resolved, out: &mut Vec<Arg>) {
    let get = |k: &str| r.get(k);
    if let Some((Setting::OptLevel(o), from)) = get("opt-level") {
        if o != "0" {
            out.push(arg("opt-level", Some(o.clone()), from));
        }
    }
    if let Some((Setting::Text(p), from)) = get("panic") {
        if p != "unwind" {
            out.push(arg("panic", Some(p.clone()), from));
        }
    }
    if let Some((Setting::Lto(l), from)) = get("lto") {
        // `lto = true` is a bare `-C lto`; a string is passed on as written.
        match (l, from) {
            (Lto::ThinLocal, _) => {}
            (
                _,
                Origin::Profile {
                    raw: toml::Value::String(s),
                    ..
                },
            ) => out.push(arg("lto", Some(s.clone()), from)),
            (Lto::Fat, _) => out.push(arg("lto", None, from)),
            (l, _) => out.push(arg("lto", Some(Setting::Lto(*l).to_string()), from)),
        }
    }
    if let Some((Setting::Int(n), from)) = get("codegen-units") {
        out.push(arg("codegen-units", Some(n.to_string()), from));
    }
    if let Some((Setting::Debug(d), from)) = get("debug") {
        if let Some(v) = settings::debuginfo_flag(*d) {
            out.push(arg("debuginfo", Some(v.to_string()), from));
            // Only with debuginfo on, and only values the target supports (Linux: all three).
            if let Some((Setting::Text(s), sfrom)) = get("split-debuginfo") {
                if ["off", "packed", "unpacked"].contains(&s.as_str()) {
                    out.push(arg("split-debuginfo", Some(s.clone()), sfrom));
                }
            }
        }
    }
}

/// What Cargo passes after the profile's rustflags.
fn trailing(r: &Resolved, out: &mut Vec<Arg>) {
    let flag = |k: &str| match r.get(k) {
        Some((Setting::Bool(b), from)) => (*b, from.clone()),
        _ => (false, Origin::Default),
    };
    let opt0 = matches!(r.get("opt-level"), Some((Setting::OptLevel(o), _)) if o == "0");
    let (da, da_from) = flag("debug-assertions");
    let (oc, oc_from) = flag("overflow-checks");
    let onoff = |b: bool| Some(if b { "on" } else { "off" }.to_string());
    // `-C overflow-checks` only where it differs from the debug-assertions rustc gets.
    let da_passed = if opt0 { !da } else { da };
    if da_passed {
        out.push(arg("debug-assertions", onoff(da), &da_from));
    }
    if oc != da {
        out.push(arg("overflow-checks", onoff(oc), &oc_from));
    }
    if let (true, from) = flag("rpath") {
        out.push(arg("rpath", None, &from));
    }
    let strip = match r.get("strip") {
        Some((Setting::Strip(s), from)) => Some((*s, from.clone())),
        // Since 1.77 Cargo strips debuginfo when none is asked for and strip is not set.
        _ => match r.get("debug") {
            Some((Setting::Debug(Debuginfo::None), from)) => Some((Strip::Debuginfo, from.clone())),
            _ => None,
        },
    };
    if let Some((s, from)) = strip.filter(|(s, _)| *s != Strip::None) {
        out.push(arg("strip", Some(Setting::Strip(s).to_string()), &from));
    }
}

fn rustflag_args(src: &Source, out: &mut Vec<Arg>) {
    for o in src.opts().iter().filter(|o| o.kind == 'C') {
        if OPTIONS.contains(&o.name.as_str()) {
            out.push(from_opt(src, o));
        }
    }
}

fn from_opt(src: &Source, o: &Opt) -> Arg {
    Arg {
        option: o.name.clone(),
        value: o.value.clone(),
        origin: Origin::Rustflags {
            key: src.key.clone(),
            def: src.def_of(o).clone(),
        },
    }
}

/// The modelled `-C` arguments rustc gets for profile `name`, in order: Cargo's from the
/// profile, the profile's rustflags, Cargo's trailing ones, then `rustflags` (the sources in
/// force for the target). `None` when the profile's `inherits` chain is broken.
pub fn args(
    p: &Project,
    name: &str,
    sources: &[Source],
    rustflags: &[&Source],
) -> Option<Vec<Arg>> {
    let chain = chain(p, name)?;
    let r = resolve(p, name)?;
    let mut out = vec![];
    leading(&r, &mut out);
    // The nearest profile of the chain that has its own rustflags (nightly profile-rustflags).
    let own = chain.iter().rev().find_map(|prof| {
        let key = format!("profile.{prof}.rustflags");
        sources
            .iter()
            .find(|s| s.kind == Kind::Profile && s.key == key)
    });
    if let Some(s) = own {
        rustflag_args(s, &mut out);
    }
    trailing(&r, &mut out);
    for s in rustflags {
        rustflag_args(s, &mut out);
    }
    Some(out)
}

/// The last argument of each option: what rustc uses.
pub fn last_wins(args: Vec<Arg>) -> BTreeMap<String, Arg> {
    let mut out = BTreeMap::new();
    for a in args {
        out.insert(a.option.clone(), a);
    }
    out
}
