//! Findings and how they are printed. The JSON shape is documented in checker/SCHEMA.md;
//! change `SCHEMA` when a field changes meaning or disappears.

use serde::Serialize;

pub const SCHEMA: &str = "tiercheck/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
    /// The file the finding comes from (or `env:NAME` for an environment variable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The key inside that file (`build.linker`, `profile.dev.split-debuginfo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, rule: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            rule: rule.into(),
            file: None,
            key: None,
            message: message.into(),
            fix: None,
        }
    }
    pub fn at(mut self, file: impl Into<String>, key: impl Into<String>) -> Finding {
        self.file = Some(file.into());
        let k: String = key.into();
        self.key = (!k.is_empty()).then_some(k);
        self
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// One command's result. `facts` is the command-specific part (see SCHEMA.md).
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    pub subject: String,
    pub facts: serde_json::Value,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    pub fn new(command: &str, tier: Option<&str>, subject: impl Into<String>) -> Report {
        Report {
            schema: SCHEMA,
            command: command.into(),
            tier: tier.map(String::from),
            subject: subject.into(),
            facts: serde_json::Value::Null,
            findings: vec![],
            summary: Summary::default(),
        }
    }

    pub fn finish(&mut self) {
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        self.summary = Summary {
            errors: self.count(Severity::Error),
            warnings: self.count(Severity::Warning),
            infos: self.count(Severity::Info),
        };
    }

    fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// 1 when any finding is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary.errors > 0)
    }

    pub fn findings_text(&self) -> String {
        let mut s = String::new();
        for f in &self.findings {
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            s.push_str(&format!("{sev}[{}]", f.rule));
            match (&f.file, &f.key) {
                (Some(file), Some(key)) => s.push_str(&format!(" {file}: {key}:")),
                (Some(file), None) => s.push_str(&format!(" {file}:")),
                _ => s.push(':'),
            }
            s.push_str(&format!(" {}", f.message));
            if let Some(fix) = &f.fix {
                s.push_str(&format!(" (fix: {fix})"));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "{}: {} error(s), {} warning(s), {} info\n",
            self.subject, self.summary.errors, self.summary.warnings, self.summary.infos
        ));
        s
    }
}
