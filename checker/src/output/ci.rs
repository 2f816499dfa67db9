//! Findings for CI: GitHub workflow annotations and SARIF 2.1.0 (code scanning). Both are
//! rendered from the same `Report`; a finding's `file` is made relative to the current
//! directory (the repository root in a workflow) when it lies below it.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{place, Finding, Location, Report, Rule, Severity};
use crate::rule_docs::{markdown, RuleDoc, REPOSITORY_URL};

/// Where a finding's file is, for a finding that comes from a real file (not `env:`/`tool:`).
/// `base` is the directory relative `file` names are relative to (the project directory).
pub fn file_path(f: &Finding, base: Option<&Path>) -> Option<PathBuf> {
    let p = Path::new(f.location.as_ref()?.path()?);
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

/// The message of a finding placed somewhere else than its own file: its place (`env:NAME`,
/// `tool:mold`) first, without repeating a key that only names the variable again.
fn message_with_place(f: &Finding) -> String {
    let Some(p) = place(f) else {
        return message_with_fix(f);
    };
    let key_is_the_variable = f
        .key
        .as_deref()
        .is_some_and(|k| matches!(&f.location, Some(Location::Env(v)) if v == k));
    if key_is_the_variable {
        let bare = Finding {
            key: None,
            ..f.clone()
        };
        return format!("{p}: {}", message_with_fix(&bare));
    }
    format!("{p}: {}", message_with_fix(f))
}

/// `::error file=F,line=L,col=C,title=tiercheck RULE::message` per finding.
pub fn github(report: &Report, base: Option<&Path>) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let mut props = vec![];
        if let Some(p) = file_path(f, base) {
            props.push(format!("file={}", gh_prop(&p.to_string_lossy())));
            let loc = f.location.as_ref();
            if let Some(l) = loc.and_then(Location::line) {
                props.push(format!("line={l}"));
            }
            if let Some(c) = loc.and_then(Location::column) {
                props.push(format!("col={c}"));
            }
        }
        props.push(format!(
            "title={}",
            gh_prop(&format!("tiercheck {}", f.rule))
        ));
        let msg = if file_path(f, base).is_none() {
            message_with_place(f)
        } else {
            message_with_fix(f)
        };
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

/// The SARIF 2.1.0 subset tiercheck writes (field names as the standard spells them).
#[derive(Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<SarifRun>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun {
    tool: SarifTool,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult>,
    properties: RunProperties,
}

#[derive(Serialize)]
struct SarifTool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct RunProperties {
    command: String,
    tier: Option<String>,
    subject: String,
}

/// The key of tiercheck's fingerprint in `partialFingerprints` (versioned: a change of what
/// it hashes must not match alerts of the old scheme).
pub const FINGERPRINT_KEY: &str = "tiercheck/v1";

fn sarif_rule(r: Rule) -> ReportingDescriptor {
    let d = RuleDoc::of(r);
    ReportingDescriptor {
        id: d.id,
        short_description: Message {
            text: d.what.into(),
        },
        full_description: Message { text: d.why.into() },
        help: MultiformatMessage {
            text: format!("{} Fix: {}", d.why, d.fix),
            markdown: format!(
                "{}\n\n**Fix:** {}\n\n[{}]({})",
                markdown(d.why),
                markdown(d.fix),
                d.id,
                d.docs
            ),
        },
        help_uri: d.docs,
        default_configuration: Configuration {
            level: sarif_level(r.severity()),
        },
    }
}

fn artifact(p: &Path) -> ArtifactLocation {
    if p.is_absolute() {
        ArtifactLocation {
            uri: format!("file://{}", uri_path(p)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri_path(p),
            uri_base_id: Some("SRCROOT"),
        }
    }
}

/// The file a result is placed in: its own, else the report's anchor (GitHub code scanning
/// rejects a whole upload when one result has no location), else `Cargo.toml` here.
fn result_file(f: &Finding, report: &Report, base: Option<&Path>) -> (PathBuf, bool) {
    if let Some(p) = file_path(f, base) {
        return (p, true);
    }
    let anchor = report
        .anchor
        .as_deref()
        .unwrap_or_else(|| Path::new("Cargo.toml"));
    (relative_to_cwd(anchor), false)
}

/// FNV-1a (64 bit): stable across Rust releases and platforms, unlike std's hasher.
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn sarif_result(f: &Finding, report: &Report, base: Option<&Path>) -> SarifResult {
    let (file, own) = result_file(f, report, base);
    // Placed elsewhere, the finding's own place (`env:RUSTFLAGS`) stays in the message.
    let text = if own {
        message_with_fix(f)
    } else {
        message_with_place(f)
    };
    let loc = f.location.as_ref();
    let region = loc
        .and_then(Location::line)
        .filter(|_| own)
        .map(|line| Region {
            start_line: line,
            start_column: loc.and_then(Location::column),
        });
    let artifact_location = artifact(&file);
    // Rule, location and the finding's own file and key: not the message (which carries values
    // and versions) nor the line (which moves with unrelated edits).
    let fingerprint = fnv1a(&[
        f.rule.id(),
        &artifact_location.uri,
        &loc.map(Location::shown).unwrap_or_default(),
        f.key.as_deref().unwrap_or(""),
    ]);
    SarifResult {
        rule_id: f.rule.id(),
        rule_index: Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0),
        level: sarif_level(f.severity),
        message: Message { text },
        locations: vec![SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location,
                region,
            },
            logical_locations: f
                .key
                .iter()
                .map(|k| LogicalLocation {
                    fully_qualified_name: k.clone(),
                    kind: "member",
                })
                .collect(),
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
    }
}

/// Two results with one fingerprint would merge into one alert: later ones get `:2`, `:3`.
fn distinct_fingerprints(results: &mut [SarifResult]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        let Some(fp) = r.partial_fingerprints.get_mut(FINGERPRINT_KEY) else {
            continue;
        };
        let n = seen.entry(fp.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            fp.push_str(&format!(":{n}"));
        }
    }
}

/// One SARIF 2.1.0 log with one run; every rule is listed so `ruleIndex` is stable.
pub fn sarif(report: &Report, base: Option<&Path>) -> SarifLog {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = format!("file://{}/", uri_path(&cwd).trim_end_matches('/'));
    let mut results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| sarif_result(f, report, base))
        .collect();
    distinct_fingerprints(&mut results);
    SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![SarifRun {
            tool: SarifTool {
                driver: Driver {
                    name: "tiercheck",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: REPOSITORY_URL,
                    rules: Rule::ALL.iter().map(|r| sarif_rule(*r)).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                "SRCROOT",
                ArtifactLocation {
                    uri: root,
                    uri_base_id: None,
                },
            )]),
            results,
            properties: RunProperties {
                command: report.command.clone(),
                tier: report.tier.clone(),
                subject: report.subject.clone(),
            },
        }],
    }
}

/// The file CI output pins a project's location-less findings to: the workspace root's
/// Cargo.toml (DIR's own when it cannot be read; the report names the problem).
pub fn manifest_anchor(dir: &Path) -> PathBuf {
    crate::project::load::workspace_root_dir(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .join("Cargo.toml")
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
        r.findings.push(
            Finding::new(Rule::SccacheTargetDirEnv, "m")
                .located(Location::Env("CARGO_TARGET_DIR".into()), ""),
        );
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
    fn every_result_has_a_location_and_its_own_fingerprint() {
        let mut r = Report::new("toolchain", None, "x");
        for _ in 0..2 {
            r.findings.push(Finding::new(Rule::ToolchainPin, "m"));
        }
        r.anchor = Some(PathBuf::from("/nowhere/rust-toolchain.toml"));
        let log = serde_json::to_value(sarif(&r, None)).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        for res in results {
            let uri = &res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            assert_eq!(uri, "file:///nowhere/rust-toolchain.toml");
        }
        let fp = |i: usize| results[i]["partialFingerprints"][FINGERPRINT_KEY].clone();
        assert_eq!(format!("{}:2", fp(0).as_str().unwrap()), fp(1));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path(Path::new("/a b/c#d%")), "/a%20b/c%23d%25");
    }
}
