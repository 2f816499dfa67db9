//! Evaluates the `cfg(...)` keys of `[target.'cfg(...)']` tables for a target triple.

/// `None` when the expression uses something this evaluator does not know; callers treat that
/// as "may apply".
pub fn matches(expr: &str, triple: &str) -> Option<bool> {
    let inner = expr.trim().strip_prefix("cfg(")?.strip_suffix(')')?;
    eval(inner.trim(), triple)
}

fn target_facts(triple: &str) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = triple.split('-').collect();
    let arch = parts.first().copied().unwrap_or("");
    let os = if triple.contains("linux") {
        "linux"
    } else if triple.contains("darwin") {
        "macos"
    } else if triple.contains("windows") {
        "windows"
    } else {
        parts.get(2).copied().unwrap_or("")
    };
    let env = ["gnu", "musl", "msvc"]
        .into_iter()
        .find(|e| triple.ends_with(e))
        .unwrap_or("");
    let family = if os == "windows" { "windows" } else { "unix" };
    let width = if arch.contains("64") { "64" } else { "32" };
    vec![
        ("target_arch", arch.into()),
        ("target_os", os.into()),
        ("target_env", env.into()),
        ("target_family", family.into()),
        ("target_pointer_width", width.into()),
    ]
}

fn split_args(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0, 0, vec![]);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn eval(e: &str, triple: &str) -> Option<bool> {
    for (op, all) in [("all(", true), ("any(", false)] {
        if let Some(body) = e.strip_prefix(op).and_then(|b| b.strip_suffix(')')) {
            let vals: Option<Vec<bool>> =
                split_args(body).iter().map(|a| eval(a, triple)).collect();
            let vals = vals?;
            return Some(if all {
                vals.iter().all(|v| *v)
            } else {
                vals.iter().any(|v| *v)
            });
        }
    }
    if let Some(body) = e.strip_prefix("not(").and_then(|b| b.strip_suffix(')')) {
        return eval(body, triple).map(|v| !v);
    }
    let facts = target_facts(triple);
    match e {
        "unix" | "windows" => {
            return Some(facts.iter().any(|(k, v)| *k == "target_family" && v == e))
        }
        _ => {}
    }
    let (k, v) = e.split_once('=')?;
    let v = v.trim().trim_matches('"');
    facts
        .iter()
        .find(|(name, _)| *name == k.trim())
        .map(|(_, actual)| actual == v)
}

#[cfg(test)]
mod tests {
    use super::matches;
    const T: &str = "x86_64-unknown-linux-gnu";

    #[test]
    fn evaluates() {
        assert_eq!(matches("cfg(all())", T), Some(true));
        assert_eq!(matches("cfg(unix)", T), Some(true));
        assert_eq!(matches("cfg(windows)", T), Some(false));
        assert_eq!(matches("cfg(target_os = \"linux\")", T), Some(true));
        assert_eq!(
            matches(
                "cfg(all(target_arch = \"x86_64\", not(target_env = \"musl\")))",
                T
            ),
            Some(true)
        );
        assert_eq!(
            matches("cfg(any(target_os = \"macos\", windows))", T),
            Some(false)
        );
        assert_eq!(matches("cfg(feature = \"x\")", T), None);
    }
}
