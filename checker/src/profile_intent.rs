//! What a project chose on purpose, which `init` must not undo or repeat: a value equal to
//! Cargo's default (writing it changes nothing), a strip that would remove debuginfo the profile
//! asks for, and a custom profile whose role another profile of the project already plays.

use toml::Value;
use toml_edit::TableLike;

/// The value of `key` in a table, however it is spelled there.
pub fn value_of(t: &dyn TableLike, key: &str) -> Option<Value> {
    let have = t.get(key)?.as_value()?;
    let mut bare = have.clone();
    bare.decor_mut().clear();
    let parsed: toml::Table = format!("v = {bare}").parse().ok()?;
    parsed.get("v").cloned()
}

/// Whether `debug = v` keeps debuginfo (Cargo: true, 1, 2, "limited", "full", "line-tables-only",
/// "line-directives-only"; not false, 0, "none").
pub fn keeps_debuginfo(v: &Value) -> bool {
    match v {
        Value::Boolean(b) => *b,
        Value::Integer(i) => *i > 0,
        Value::String(s) => s != "none",
        _ => false,
    }
}

/// Whether `strip = v` removes debuginfo (true, "debuginfo", "symbols").
pub fn strips_debuginfo(v: &Value) -> bool {
    match v {
        Value::Boolean(b) => *b,
        Value::String(s) => s == "debuginfo" || s == "symbols",
        _ => false,
    }
}

/// Cargo's built-in value for the profile keys tiers set: writing it would change nothing.
pub fn is_cargo_default(profile: &str, key: &str, v: &Value) -> bool {
    let dev = profile == "dev" || profile == "test";
    match (key, v) {
        ("incremental", Value::Boolean(b)) => *b == dev,
        ("codegen-units", Value::Integer(n)) => *n == if dev { 256 } else { 16 },
        ("opt-level", Value::Integer(n)) => *n == if dev { 0 } else { 3 },
        ("lto", Value::Boolean(false)) => true,
        ("lto", Value::String(s)) => s == "false",
        ("debug", v) if dev => {
            matches!(v, Value::Boolean(true) | Value::Integer(2)) || v.as_str() == Some("full")
        }
        ("debug", v) => !keeps_debuginfo(v),
        _ => false,
    }
}

/// Why writing `key = want` into the profile table `t` would undo the project's choice.
pub fn weakens(t: &dyn TableLike, key: &str, want: &Value) -> Option<String> {
    let debug = value_of(t, "debug")?;
    (key == "strip" && strips_debuginfo(want) && keeps_debuginfo(&debug))
        .then(|| format!("the profile asks for debug = {debug} and strip = {want} would remove it"))
}

/// The roles of the tier's custom profiles.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// Release with fat LTO.
    ReleaseFat,
    /// Release with debuginfo kept, for profilers.
    Profiling,
}

impl Role {
    pub fn of_template(name: &str) -> Option<Role> {
        match name {
            "release-fat" => Some(Role::ReleaseFat),
            "profiling" => Some(Role::Profiling),
            _ => None,
        }
    }

    /// Whether the profile `name` (its table `t`) plays this role: `release` itself, or a
    /// profile inheriting from it.
    pub fn played_by(self, name: &str, t: &dyn TableLike) -> bool {
        let inherits = value_of(t, "inherits");
        if name != "release" && inherits.as_ref().and_then(Value::as_str) != Some("release") {
            return false;
        }
        match self {
            Role::ReleaseFat => match value_of(t, "lto") {
                Some(Value::Boolean(b)) => b,
                Some(Value::String(s)) => s == "fat" || s == "true",
                _ => false,
            },
            Role::Profiling => {
                value_of(t, "debug").is_some_and(|d| keeps_debuginfo(&d))
                    && !value_of(t, "strip").is_some_and(|s| strips_debuginfo(&s))
            }
        }
    }
}

/// The project's profile (other than `name`) that already plays the role of the template
/// profile `name`.
pub fn same_role(profiles: &dyn TableLike, name: &str) -> Option<String> {
    let role = Role::of_template(name)?;
    profiles
        .iter()
        .filter(|(n, _)| *n != name)
        .find(|(n, item)| item.as_table_like().is_some_and(|t| role.played_by(n, t)))
        .map(|(n, _)| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml_edit::DocumentMut;

    fn profiles(text: &str) -> DocumentMut {
        text.parse().unwrap()
    }

    #[test]
    fn a_fat_lto_profile_plays_release_fat() {
        let doc = profiles(
            "[profile.release-lto]\ninherits = 'release'\nlto = \"fat\"\nstrip = \"symbols\"\n",
        );
        let p = doc["profile"].as_table_like().unwrap();
        assert_eq!(same_role(p, "release-fat").as_deref(), Some("release-lto"));
        assert_eq!(same_role(p, "profiling"), None, "it strips its symbols");
        let doc = profiles("[profile.release]\ndebug = 1\n");
        let p = doc["profile"].as_table_like().unwrap();
        assert_eq!(same_role(p, "profiling").as_deref(), Some("release"));
    }

    #[test]
    fn strip_never_removes_debuginfo_asked_for() {
        let doc = profiles("[profile.release]\ndebug = 1\n");
        let t = doc["profile"]["release"].as_table_like().unwrap();
        assert!(weakens(t, "strip", &Value::String("debuginfo".into())).is_some());
        assert!(weakens(t, "lto", &Value::String("thin".into())).is_none());
        let none = profiles("[profile.release]\ndebug = \"none\"\n");
        let t = none["profile"]["release"].as_table_like().unwrap();
        assert!(weakens(t, "strip", &Value::Boolean(true)).is_none());
    }

    #[test]
    fn defaults_are_recognised() {
        assert!(is_cargo_default(
            "dev",
            "incremental",
            &Value::Boolean(true)
        ));
        assert!(!is_cargo_default(
            "release",
            "incremental",
            &Value::Boolean(true)
        ));
        assert!(is_cargo_default(
            "release",
            "codegen-units",
            &Value::Integer(16)
        ));
        assert!(!is_cargo_default(
            "dev",
            "codegen-units",
            &Value::Integer(16)
        ));
        assert!(!is_cargo_default(
            "dev",
            "debug",
            &Value::String("line-tables-only".into())
        ));
    }
}
