//! Findings for CI: GitHub workflow annotations and SARIF 2.1.0 (code scanning). Both are
//! rendered from the same `Report`; a finding's `file` is made relative to the current
//! directory (the repository root in a workflow) when it lies below it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::report::{place, Finding, Report, Rule, Severity};

/// Where a finding's file is, for a finding that comes from a real file (not `env:`/`tool:`).
/// `base` is the directory relative `file` names are relative to (the project directory).
pub fn file_path(f: &Finding, base: Option<&Path>) -> Option<PathBuf> {
    let file = f.file.as_deref()?;
    if file.starts_with("env:") || file.starts_with("tool:") {
        return None;
    }
    let p = Path::new(file);
    let full = match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p.to_path_buf(),
    };
    Some(relative_to_cwd(&full))
}

fn relative_to_cwd(p: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return p.to_path_buf();
    };
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let clean: PathBuf = abs.components().collect();
    match clean.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => clean,
    }
}

fn github_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Workflow-command escaping: the message part.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping: a property value.
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn message_with_fix(f: &Finding) -> String {
    let mut m = String::new();
    if let Some(k) = &f.key {
        m.push_str(&format!("{k}: "));
    }
    m.push_str(&f.message);
    if let Some(fix) = &f.fix {
        m.push_str(&format!(" (fix: {fix})"));
    }
    m
}

/// `::error file=F,line=L,col=C,title=tiercheck RULE::message` per finding.
pub fn github(report: &Report, base: Option<&Path>) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let mut props = vec![];
        if let Some(p) = file_path(f, base) {
            props.push(format!("file={}", gh_prop(&p.to_string_lossy())));
            if let Some(l) = f.line {
                props.push(format!("line={l}"));
            }
            if let Some(c) = f.column {
                props.push(format!("col={c}"));
            }
        }
        props.push(format!(
            "title={}",
            gh_prop(&format!("tiercheck {}", f.rule))
        ));
        let mut msg = message_with_fix(f);
        if file_path(f, base).is_none() {
            if let Some(p) = place(f) {
                msg = format!("{p}: {msg}");
            }
        }
        s.push_str(&format!(
            "::{} {}::{}\n",
            github_level(f.severity),
            props.join(","),
            gh_data(&msg)
        ));
    }
    s
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// RFC 3986 percent-encoding of a path for a URI reference (unreserved characters and `/` kept).
pub fn uri_path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut s = String::new();
    for &b in p.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn sarif_rule(r: Rule) -> Value {
    json!({
        "id": r.id(),
        "shortDescription": { "text": r.doc() },
        "defaultConfiguration": { "level": sarif_level(r.severity()) },
    })
}

fn sarif_result(f: &Finding, base: Option<&Path>) -> Value {
    let mut result = json!({
        "ruleId": f.rule.id(),
        "ruleIndex": Rule::ALL.iter().position(|r| *r == f.rule),
        "level": sarif_level(f.severity),
        "message": { "text": message_with_fix(f) },
    });
    if let Some(p) = file_path(f, base) {
        let artifact = if p.is_absolute() {
            json!({ "uri": format!("file://{}", uri_path(&p)) })
        } else {
            json!({ "uri": uri_path(&p), "uriBaseId": "SRCROOT" })
        };
        let mut physical = json!({ "artifactLocation": artifact });
        if let Some(line) = f.line {
            let mut region = json!({ "startLine": line });
            if let Some(c) = f.column {
                region["startColumn"] = json!(c);
            }
            physical["region"] = region;
        }
        let mut location = json!({ "physicalLocation": physical });
        if let Some(k) = &f.key {
            location["logicalLocations"] = json!([{ "fullyQualifiedName": k, "kind": "member" }]);
        }
        result["locations"] = json!([location]);
    }
    result
}

/// One SARIF 2.1.0 log with one run; every rule is listed so `ruleIndex` is stable.
pub fn sarif(report: &Report, base: Option<&Path>) -> Value {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = format!("file://{}/", uri_path(&cwd).trim_end_matches('/'));
    let rules: Vec<Value> = Rule::ALL.iter().map(|r| sarif_rule(*r)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| sarif_result(f, base))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tiercheck",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": { "SRCROOT": { "uri": root } },
            "results": results,
            "properties": { "command": report.command, "tier": report.tier, "subject": report.subject },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_and_places() {
        let mut r = Report::new("project", None, "x");
        r.findings.push(
            Finding::new(Rule::BuildLinkerKey, "50%\nnext")
                .at("/abs/a,b:c/Cargo.toml", "build.linker")
                .span(3, 1),
        );
        r.findings
            .push(Finding::new(Rule::SccacheTargetDirEnv, "m").at("env:CARGO_TARGET_DIR", ""));
        let s = github(&r, None);
        assert_eq!(
            s.lines().next().unwrap(),
            "::error file=/abs/a%2Cb%3Ac/Cargo.toml,line=3,col=1,title=tiercheck build-linker-key::build.linker: 50%25%0Anext"
        );
        assert!(s.lines().nth(1).unwrap().starts_with(
            "::warning title=tiercheck sccache-target-dir-env::env:CARGO_TARGET_DIR: m"
        ));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path(Path::new("/a b/c#d%")), "/a%20b/c%23d%25");
    }
}
