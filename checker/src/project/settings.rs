//! One normalisation per profile key. Cargo and rustc accept several spellings of one setting
//! (`debug = true` / `2` / `"full"`, `lto = true` / `"fat"`, `strip = true` / `"symbols"`, an
//! integer or its text in a `CARGO_PROFILE_*` variable): each is read into one typed value, so
//! equal settings compare equal wherever they were written. The same types read rustc's own
//! `-C` values, so a rustflag can be compared with a profile key (see `command_line`).

use std::fmt;

/// `-C debuginfo` / `debug`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Debuginfo {
    None,
    LineDirectivesOnly,
    LineTablesOnly,
    Limited,
    Full,
}

/// `-C lto` / `lto`. `ThinLocal` is Cargo's `lto = false` (rustc's default: no `-C lto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lto {
    ThinLocal,
    Off,
    Thin,
    Fat,
}

/// `-C strip` / `strip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    None,
    Debuginfo,
    Symbols,
}

/// One setting, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Debug(Debuginfo),
    Lto(Lto),
    Strip(Strip),
    /// "0".."3", "s", "z".
    OptLevel(String),
    Int(i64),
    Bool(bool),
    Text(String),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Debug(d) => write!(f, "{}", debuginfo_flag(*d).unwrap_or("0")),
            Setting::Lto(l) => f.write_str(match l {
                Lto::ThinLocal => "false",
                Lto::Off => "off",
                Lto::Thin => "thin",
                Lto::Fat => "fat",
            }),
            Setting::Strip(s) => f.write_str(match s {
                Strip::None => "none",
                Strip::Debuginfo => "debuginfo",
                Strip::Symbols => "symbols",
            }),
            Setting::OptLevel(s) | Setting::Text(s) => f.write_str(s),
            Setting::Int(i) => write!(f, "{i}"),
            Setting::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// How Cargo writes a debuginfo level on rustc's command line (`None`: it passes nothing).
pub fn debuginfo_flag(d: Debuginfo) -> Option<&'static str> {
    match d {
        Debuginfo::None => None,
        Debuginfo::LineDirectivesOnly => Some("line-directives-only"),
        Debuginfo::LineTablesOnly => Some("line-tables-only"),
        Debuginfo::Limited => Some("1"),
        Debuginfo::Full => Some("2"),
    }
}

const DEBUG_VALUES: &str = "a boolean, 0, 1, 2, \"none\", \"limited\", \"full\", \"line-tables-only\", or \"line-directives-only\"";

fn debug(v: &toml::Value) -> Result<Setting, String> {
    let d = match v {
        toml::Value::Boolean(true) | toml::Value::Integer(2) => Debuginfo::Full,
        toml::Value::Boolean(false) | toml::Value::Integer(0) => Debuginfo::None,
        toml::Value::Integer(1) => Debuginfo::Limited,
        toml::Value::String(s) => match s.as_str() {
            "none" => Debuginfo::None,
            "limited" => Debuginfo::Limited,
            "full" => Debuginfo::Full,
            "line-tables-only" => Debuginfo::LineTablesOnly,
            "line-directives-only" => Debuginfo::LineDirectivesOnly,
            _ => return Err(format!("invalid value {v}, expected {DEBUG_VALUES}")),
        },
        _ => return Err(format!("invalid value {v}, expected {DEBUG_VALUES}")),
    };
    Ok(Setting::Debug(d))
}

fn lto(v: &toml::Value) -> Result<Setting, String> {
    const WHY: &str =
        "must be a boolean (`true`/`false`) or a string (`\"thin\"`/`\"fat\"`/`\"off\"`)";
    let l = match v {
        toml::Value::Boolean(true) => Lto::Fat,
        toml::Value::Boolean(false) => Lto::ThinLocal,
        // Cargo refuses the strings that look like booleans and passes any other on to rustc.
        toml::Value::String(s) if s == "true" || s == "false" => {
            return Err(format!("lto = {v}: {WHY}"))
        }
        toml::Value::String(s) => match rustc_lto(Some(s)) {
            Some(l) => l,
            None => return Err(format!("lto = {v}: rustc refuses it ({WHY})")),
        },
        _ => return Err(format!("lto = {v}: {WHY}")),
    };
    Ok(Setting::Lto(l))
}

fn strip(v: &toml::Value) -> Result<Setting, String> {
    let s = match v {
        toml::Value::Boolean(true) => Strip::Symbols,
        toml::Value::Boolean(false) => Strip::None,
        toml::Value::String(s) => match rustc_strip(s) {
            Some(s) => s,
            None => {
                return Err(format!(
                    "strip = {v}: rustc refuses it (either `none`, `debuginfo`, or `symbols`)"
                ))
            }
        },
        _ => return Err(format!("strip = {v}: expected a boolean or a string")),
    };
    Ok(Setting::Strip(s))
}

fn opt_level(v: &toml::Value) -> Result<Setting, String> {
    match v {
        toml::Value::Integer(i @ 0..=3) => Ok(Setting::OptLevel(i.to_string())),
        toml::Value::String(s) if s == "s" || s == "z" => Ok(Setting::OptLevel(s.clone())),
        _ => Err(format!(
            "opt-level = {v}: must be `0`, `1`, `2`, `3`, `s` or `z`"
        )),
    }
}

/// The typed value of profile key `key` (as in a file, or a `CARGO_PROFILE_*` variable typed
/// by `load::env_value`); `Err` when Cargo (or rustc, for what Cargo passes on) refuses it.
pub fn normalize(key: &str, v: &toml::Value) -> Result<Setting, String> {
    match key {
        "debug" => debug(v),
        "lto" => lto(v),
        "strip" => strip(v),
        "opt-level" => opt_level(v),
        "codegen-units" => match v {
            toml::Value::Integer(i) if *i > 0 && *i <= u32::MAX as i64 => Ok(Setting::Int(*i)),
            _ => Err(format!("codegen-units = {v}: expected a positive integer")),
        },
        "debug-assertions" | "overflow-checks" | "incremental" | "rpath" => match v {
            toml::Value::Boolean(b) => Ok(Setting::Bool(*b)),
            _ => Err(format!("{key} = {v}: expected a boolean")),
        },
        "panic" => match v.as_str() {
            Some(s @ ("unwind" | "abort")) => Ok(Setting::Text(s.to_string())),
            _ => Err(format!("panic = {v}: must be \"unwind\" or \"abort\"")),
        },
        _ => Ok(match v {
            toml::Value::String(s) => Setting::Text(s.clone()),
            toml::Value::Integer(i) => Setting::Int(*i),
            toml::Value::Boolean(b) => Setting::Bool(*b),
            other => Setting::Text(other.to_string()),
        }),
    }
}

/// Whether two values of profile key `key` are the same setting (raw equality when either is
/// not a valid value).
pub fn same(key: &str, a: &toml::Value, b: &toml::Value) -> bool {
    match (normalize(key, a), normalize(key, b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// rustc's boolean option values (`y`, `yes`, `on`, `true`, no value; `n`, `no`, `off`, `false`).
pub fn rustc_bool(v: Option<&str>) -> Option<bool> {
    match v {
        None | Some("y" | "yes" | "on" | "true") => Some(true),
        Some("n" | "no" | "off" | "false") => Some(false),
        _ => None,
    }
}

fn rustc_lto(v: Option<&str>) -> Option<Lto> {
    match v {
        Some("thin") => Some(Lto::Thin),
        Some("fat") => Some(Lto::Fat),
        v => rustc_bool(v).map(|on| if on { Lto::Fat } else { Lto::Off }),
    }
}

fn rustc_strip(v: &str) -> Option<Strip> {
    match v {
        "none" => Some(Strip::None),
        "debuginfo" => Some(Strip::Debuginfo),
        "symbols" => Some(Strip::Symbols),
        _ => None,
    }
}

/// The `-C` option Cargo derives from profile key `key`.
pub fn rustc_option(key: &str) -> Option<&'static str> {
    Some(match key {
        "opt-level" => "opt-level",
        "debug" => "debuginfo",
        "lto" => "lto",
        "strip" => "strip",
        "codegen-units" => "codegen-units",
        "split-debuginfo" => "split-debuginfo",
        "panic" => "panic",
        "debug-assertions" => "debug-assertions",
        "overflow-checks" => "overflow-checks",
        "rpath" => "rpath",
        _ => return None,
    })
}

/// A `-C <option>[=<value>]` as the setting of the profile key it corresponds to; `None` when
/// rustc would refuse the value.
pub fn from_rustc(option: &str, value: Option<&str>) -> Option<Setting> {
    Some(match option {
        "debuginfo" => Setting::Debug(match value? {
            "0" | "none" => Debuginfo::None,
            "1" | "limited" => Debuginfo::Limited,
            "2" | "full" => Debuginfo::Full,
            "line-tables-only" => Debuginfo::LineTablesOnly,
            "line-directives-only" => Debuginfo::LineDirectivesOnly,
            _ => return None,
        }),
        "opt-level" => match value? {
            v @ ("0" | "1" | "2" | "3" | "s" | "z") => Setting::OptLevel(v.to_string()),
            _ => return None,
        },
        "lto" => Setting::Lto(rustc_lto(value)?),
        "strip" => Setting::Strip(rustc_strip(value?)?),
        "codegen-units" => Setting::Int(value?.parse().ok()?),
        "debug-assertions" | "overflow-checks" | "rpath" => Setting::Bool(rustc_bool(value)?),
        _ => Setting::Text(value?.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value as V;

    fn s(x: &str) -> V {
        V::String(x.into())
    }

    #[test]
    fn spellings_of_one_setting_are_equal() {
        for (a, b) in [
            (V::Boolean(true), V::Integer(2)),
            (V::Boolean(true), s("full")),
            (V::Integer(1), s("limited")),
            (V::Boolean(false), s("none")),
            (V::Integer(0), V::Boolean(false)),
        ] {
            assert!(same("debug", &a, &b), "{a} {b}");
        }
        assert!(same("lto", &V::Boolean(true), &s("fat")));
        assert!(
            !same("lto", &V::Boolean(false), &s("off")),
            "false is thin-local, off is none"
        );
        assert!(same("strip", &V::Boolean(true), &s("symbols")));
        assert!(same("strip", &V::Boolean(false), &s("none")));
        assert!(!same("debug", &s("line-tables-only"), &V::Integer(1)));
        assert!(same("opt-level", &V::Integer(3), &V::Integer(3)));
    }

    #[test]
    fn what_cargo_refuses() {
        assert!(normalize("debug", &s("bogus")).is_err());
        assert!(normalize("debug", &V::Integer(3)).is_err());
        assert!(normalize("opt-level", &s("3")).is_err());
        assert!(normalize("lto", &s("false")).is_err());
        assert!(normalize("codegen-units", &s("16")).is_err());
        assert!(normalize("panic", &s("foo")).is_err());
        assert_eq!(normalize("lto", &s("yes")), Ok(Setting::Lto(Lto::Fat)));
    }

    #[test]
    fn rustc_values_meet_profile_values() {
        assert_eq!(
            from_rustc("debuginfo", Some("2")),
            normalize("debug", &V::Boolean(true)).ok()
        );
        assert_eq!(from_rustc("lto", None), Some(Setting::Lto(Lto::Fat)));
        assert_eq!(from_rustc("lto", Some("off")), Some(Setting::Lto(Lto::Off)));
        assert_eq!(
            from_rustc("debug-assertions", Some("no")),
            Some(Setting::Bool(false))
        );
        assert_eq!(from_rustc("opt-level", Some("9")), None);
    }
}
