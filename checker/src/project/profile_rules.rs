//! Profile settings as they reach rustc: values Cargo (or rustc) refuses, in any manifest Cargo
//! parses, and profile keys a rustflag replaces (rustflags come after Cargo's profile flags on
//! rustc's command line, and rustc takes the last value).

use crate::project::command_line::{self, Arg, Origin};
use crate::project::config::{env_key, Def};
use crate::project::ctx::{at_def, Ctx};
use crate::project::load::ProfileEntry;
use crate::project::settings;
use crate::report::{Finding, Rule};

const BUILTIN: &[&str] = &["dev", "release", "test", "bench"];

/// Every profile Cargo knows in the project: the built-in ones and those the files define.
fn profile_names(ctx: &Ctx) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
    names.extend(ctx.p.profiles().map(|(n, _)| n.clone()));
    names.sort();
    names.dedup();
    names
}

/// The profile keys with a `-C` counterpart that the files or the variables set.
fn set_keys(ctx: &Ctx) -> Vec<(String, &'static str, ProfileEntry)> {
    let mut out = vec![];
    for name in profile_names(ctx) {
        for key in command_line::KEYS {
            if let Some(e) = ctx.p.profile_effective(&name, key) {
                out.push((name.clone(), *key, e));
            }
        }
    }
    out
}

/// Where an argument came from, as a finding shows it (`build.rustflags (.cargo/config.toml:2:14)`).
fn shown_origin(a: &Arg) -> String {
    match &a.origin {
        Origin::Rustflags { key, def } | Origin::Profile { key, def, .. } => match def.pos() {
            Some((l, c)) => format!("{key} ({}:{l}:{c})", def.file),
            None => format!("{key} ({})", def.file),
        },
        Origin::Default => "Cargo's default".into(),
    }
}

/// The rustflag that wins over profile key `key` of profile `name` when it sets another value
/// than `value` (`None`: the key is not set, so any such rustflag decides).
pub fn rustflag_over(ctx: &Ctx, name: &str, key: &str, value: Option<&toml::Value>) -> Option<Arg> {
    let option = settings::rustc_option(key)?;
    let eff = ctx.effective();
    let args = command_line::args(ctx.p, name, &ctx.sources, &eff)?;
    let last = command_line::last_wins(args).remove(option)?;
    let differs = value.is_none_or(|v| settings::normalize(key, v).ok() != last.setting());
    (matches!(last.origin, Origin::Rustflags { .. }) && differs).then_some(last)
}

/// Profile keys (in a file, or a `CARGO_PROFILE_*` variable such as the tier's) that a later
/// rustflag for the same rustc option replaces.
pub fn overridden_by_rustflags(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (name, key, e) in set_keys(ctx) {
        let Some(a) = rustflag_over(ctx, &name, key, Some(&e.value)) else {
            continue;
        };
        let what = match e.def.env_name() {
            Some(var) => format!("{var}={}", e.value),
            None => format!("{key} = {}", e.value),
        };
        out.push(
            at_def(Finding::new(Rule::OverriddenByRustflags, format!("{what} does not reach rustc: `{}` from {} comes after Cargo's profile flags on rustc's command line and wins", a.shown(), shown_origin(&a))), &e.def, &format!("profile.{name}.{key}"))
                .fix(format!("drop `{}` from the rustflags, or set the profile key to its value", a.shown())),
        );
    }
}

fn invalid(def: &Def, key: &str, why: String, file_kind: &str) -> Finding {
    at_def(
        Finding::new(
            Rule::ProfileValueInvalid,
            format!("{why}: the build stops (Cargo refuses the {file_kind}, or rustc the flag)"),
        ),
        def,
        key,
    )
}

/// Profile values Cargo (or rustc, for what Cargo passes on) refuses: in the merged profiles
/// and variables, and in every member's manifest (Cargo parses members' profiles too).
pub fn values_invalid(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (name, t) in ctx.p.profiles() {
        for (key, e) in t {
            check_value(key, &e.value, &e.def, &format!("profile.{name}.{key}"), out);
        }
    }
    for name in profile_names(ctx) {
        for key in command_line::KEYS {
            if let Some(e) = ctx.p.profile_env(&name, key) {
                let var = env_key(&["profile", &name, key]);
                check_value(key, &e.value, &e.def, &var, out);
            }
        }
    }
    for m in &ctx.p.members {
        let Some(t) = m.table.get("profile").and_then(|v| v.as_table()) else {
            continue;
        };
        for (name, prof) in t {
            for (key, v) in prof.as_table().into_iter().flatten() {
                let keys = ["profile", name, key].map(String::from);
                let def = Def::at(m, m.spans.key_offset_owned(&keys));
                check_value(key, v, &def, &keys.join("."), out);
            }
        }
    }
}

fn check_value(key: &str, v: &toml::Value, def: &Def, shown: &str, out: &mut Vec<Finding>) {
    // Nested tables (`package.<name>`, `build-override`) take the same keys.
    if let Some(t) = v.as_table() {
        for (k, x) in t {
            check_value(k, x, def, &format!("{shown}.{k}"), out);
        }
        return;
    }
    if let Err(why) = settings::normalize(key, v) {
        let kind = if def.is_env() {
            "variable"
        } else if def.file.ends_with("Cargo.toml") {
            "manifest"
        } else {
            "configuration"
        };
        out.push(invalid(def, shown, why, kind));
    }
}

/// Profile key `key` of profile `name` as Cargo resolves `inherits` (`command_line::chain`,
/// the variable over the files at each step). `None`: Cargo's default, or a broken chain.
fn inherited(ctx: &Ctx, name: &str, key: &str) -> Option<ProfileEntry> {
    let chain = command_line::chain(ctx.p, name)?;
    chain
        .iter()
        .rev()
        .find_map(|prof| ctx.p.profile_effective(prof, key))
}

fn shown_entry(key: &str, e: &ProfileEntry) -> String {
    match e.def.pos() {
        Some((l, c)) => format!("{key} = {} ({}:{l}:{c})", e.value, e.def.file),
        None => format!("{key} = {} ({})", e.value, e.def.file),
    }
}

/// A profile that asks for debuginfo and strips it: rustc builds it, the linker throws it away
/// (with split-debuginfo the `.dwo`/`.dwp` files stay, but the stripped binary no longer has the
/// skeleton units that point debuggers at them). Reported once per pair of definitions.
pub fn strip_removes_debug(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = vec![];
    // The profiles that define keys first, so a pair is reported where it is written.
    let mut names = profile_names(ctx);
    names.sort_by_key(|n| match n.as_str() {
        "dev" => 0,
        "release" => 1,
        "test" | "bench" => 3,
        _ => 2,
    });
    for name in names {
        let (Some(debug), Some(strip)) = (
            inherited(ctx, &name, "debug"),
            inherited(ctx, &name, "strip"),
        ) else {
            continue;
        };
        let wanted = matches!(settings::normalize("debug", &debug.value), Ok(settings::Setting::Debug(d)) if d != settings::Debuginfo::None);
        let stripped = matches!(settings::normalize("strip", &strip.value), Ok(settings::Setting::Strip(s)) if s != settings::Strip::None);
        if !wanted || !stripped || seen.contains(&(debug.def.clone(), strip.def.clone())) {
            continue;
        }
        seen.push((debug.def.clone(), strip.def.clone()));
        out.push(
            at_def(Finding::new(Rule::StripRemovesDebug, format!("profile `{name}`: {} asks for debuginfo, and {} removes it from the binary: rustc builds it, the linker throws it away", shown_entry("debug", &debug), shown_entry("strip", &strip))), &strip.def, &format!("profile.{name}.strip"))
                .fix("if the debuginfo is wanted, set strip = \"none\" (or strip only symbols in a separate step); otherwise set debug = false and save the compile time"),
        );
    }
}
