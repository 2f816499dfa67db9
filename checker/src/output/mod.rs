//! The one output layer: the buffer every command writes into (`Out`, which reaches stdout
//! only on exit 0 or 1), and the printers of a report in each format: text (the facts, then
//! the findings), the JSON document, GitHub annotations and SARIF (`ci`). It depends on
//! `report`, never the other way round.

pub mod ci;

use std::fmt;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::cli::{Global, ReportFormat};
use crate::report::{place, Report, Severity};
use crate::rule_docs::severity_word;

/// What a command prints, buffered: it reaches stdout only when the command exits 0 or 1, so
/// exit 2 always leaves stdout empty. Carries the presentation choices the printers need.
#[derive(Default)]
pub struct Out {
    pub text: String,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// The SGR sequences `paint` wrote: the only escape sequences `termsafe` lets through.
    painted: std::cell::RefCell<Vec<String>>,
}

impl Out {
    pub fn new(g: &Global) -> Out {
        Out {
            text: String::new(),
            color: g.color_on(),
            quiet: g.quiet,
            verbose: g.verbose,
            painted: Default::default(),
        }
    }
    /// The buffer as it may reach a terminal (see `termsafe`).
    pub fn safe_text(&self) -> std::borrow::Cow<'_, str> {
        crate::termsafe::escape(&self.text, &self.painted.borrow())
    }
    pub fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// Writes what is buffered now (an interactive command showing something before it asks).
    pub fn flush_now(&mut self) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(self.safe_text().as_bytes())?;
        stdout.flush()?;
        self.text.clear();
        Ok(())
    }
    /// `s` in `style` when colour is on.
    pub fn paint(&self, style: anstyle::Style, s: &str) -> String {
        if self.color {
            let (on, off) = (style.render().to_string(), style.render_reset().to_string());
            let mut painted = self.painted.borrow_mut();
            for seq in [&on, &off] {
                if !painted.contains(seq) {
                    painted.push(seq.clone());
                }
            }
            format!("{on}{s}{off}")
        } else {
            s.to_string()
        }
    }
}

impl fmt::Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

/// A JSON document as pretty text, its keys sorted at every level: the order tiercheck's
/// documents have always had, whatever the field order of the struct they come from.
pub fn json_doc(doc: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(&serde_json::to_value(doc)?)?)
}

/// The text header of a report (its facts), for `print_report`.
pub trait TextFacts {
    /// `shown` is the report as `Report::for_text` gives it: every string already escaped.
    fn render(&self, shown: &Report) -> String;
}

/// A renderer reading the report: what every command should pass.
impl<F: Fn(&Report) -> String> TextFacts for F {
    fn render(&self, shown: &Report) -> String {
        self(shown)
    }
}

/// Text rendered beforehand: printed as it is, so it must hold no checkout-chosen value (or
/// escape each with `termsafe::field`).
impl TextFacts for String {
    fn render(&self, _: &Report) -> String {
        self.clone()
    }
}

/// Renders a finished report into `out` (facts text first in text mode); returns the exit code.
/// `base` is the directory relative file names in findings are relative to. Text is rendered
/// from `Report::for_text`, so no value from the checkout can start a line of its own.
pub fn print_report(
    out: &mut Out,
    report: &Report,
    format: ReportFormat,
    text_facts: &(impl TextFacts + ?Sized),
    base: Option<&Path>,
) -> Result<i32> {
    match format {
        ReportFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(report)?)?,
        ReportFormat::Sarif => {
            let log = ci::sarif(report, base);
            writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?;
        }
        // Workflow commands have their own escaping of newline and `%` (`ci::gh_data`).
        ReportFormat::Github => out.push_str(&ci::github(report, base)),
        ReportFormat::Text => {
            let shown = report.for_text();
            if !out.quiet {
                let facts = paint_facts(out, &text_facts.render(&shown));
                out.push_str(&facts);
            }
            let findings = findings_text(&shown, out);
            out.push_str(&findings);
        }
    }
    Ok(report.exit_code())
}

/// Colours a facts block (when colour is on): a header line (no indent) in bold, and in each
/// indented `label  value ...` line the label in cyan and the first value word in bold: the key
/// facts (linker, strip state, rustc, channel ...) stand out.
pub fn paint_facts(out: &Out, text: &str) -> String {
    if !out.color {
        return text.to_string();
    }
    use anstyle::{AnsiColor, Style};
    let bold = Style::new().bold();
    let label_style = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    let mut s = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let Some(rest) = body.strip_prefix("  ") else {
            s.push_str(&out.paint(bold, body));
            s.push_str(nl);
            continue;
        };
        let label_end = rest.find(' ').unwrap_or(rest.len());
        let (label, tail) = rest.split_at(label_end);
        let value_start = tail.len() - tail.trim_start().len();
        let (pad, value) = tail.split_at(value_start);
        let word_end = value.find([' ', ';']).unwrap_or(value.len());
        let (word, after) = value.split_at(word_end);
        s.push_str("  ");
        s.push_str(&out.paint(label_style, label));
        s.push_str(pad);
        s.push_str(&out.paint(bold, word));
        s.push_str(after);
        s.push_str(nl);
    }
    s
}

/// A unified diff in colour when colour is on: headers bold, hunks cyan, `-` red, `+` green.
pub fn paint_diff(out: &Out, diff: &str) -> String {
    if !out.color {
        return diff.to_string();
    }
    use anstyle::{AnsiColor, Style};
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    let mut s = String::new();
    for line in diff.split_inclusive('\n') {
        let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let style = if body.starts_with("---") || body.starts_with("+++") {
            Style::new().bold()
        } else if body.starts_with("@@") {
            fg(AnsiColor::Cyan)
        } else if body.starts_with('-') {
            fg(AnsiColor::Red)
        } else if body.starts_with('+') {
            fg(AnsiColor::Green)
        } else {
            s.push_str(line);
            continue;
        };
        s.push_str(&out.paint(style, body));
        s.push_str(nl);
    }
    s
}

/// The findings as text, one per line (cargo style: `error[rule] file:line:col: key: message`),
/// then a summary line. Quiet: findings only; verbose: each rule's documentation too.
pub fn findings_text(r: &Report, out: &Out) -> String {
    let mut s = String::new();
    for f in &r.findings {
        let sev = out.paint(severity_style(f.severity), severity_word(f.severity));
        s.push_str(&format!("{sev}[{}]", f.rule));
        match (place(f), &f.key) {
            (Some(place), Some(key)) => s.push_str(&format!(" {place}: {key}:")),
            (Some(place), None) => s.push_str(&format!(" {place}:")),
            _ => s.push(':'),
        }
        s.push_str(&format!(" {}", f.message));
        if let Some(fix) = &f.fix {
            s.push_str(&format!(" (fix: {fix})"));
        }
        s.push('\n');
        if out.verbose {
            s.push_str(&format!("  = {}: {}\n", f.rule, f.rule.doc()));
        }
    }
    if !out.quiet {
        let bold = anstyle::Style::new().bold();
        let mut line = format!(
            "{}: {} error(s), {} warning(s), {} info",
            r.subject, r.summary.errors, r.summary.warnings, r.summary.infos
        );
        if !r.allowed.is_empty() {
            let mut ids: Vec<&str> = r.allowed.iter().map(|f| f.rule.id()).collect();
            ids.dedup();
            line.push_str(&format!(
                ", {} allowed ({})",
                r.allowed.len(),
                ids.join(", ")
            ));
        }
        s.push_str(&out.paint(bold, &line));
        s.push('\n');
    }
    s
}

fn severity_style(s: Severity) -> anstyle::Style {
    use anstyle::{AnsiColor, Style};
    let c = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, Rule};

    #[test]
    fn facts_painting_keeps_the_text() {
        let text =
            "a.out: ELF64\n  linker     mold  (mold 1.10.1)\n  strip      none stripped; 7\n";
        let mut out = Out::default();
        assert_eq!(paint_facts(&out, text), text);
        out.color = true;
        let painted = paint_facts(&out, text);
        let plain: String = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(plain, text);
        assert!(painted.contains("\u{1b}[1mmold\u{1b}[0m"), "{painted:?}");
    }

    #[test]
    fn text_shows_file_line_column() {
        let mut rep = Report::new("project", None, "x");
        rep.findings.push(
            Finding::new(Rule::MinRust, "m")
                .severity(Severity::Warning)
                .at("Cargo.toml", "rust-version")
                .span(3, 1),
        );
        rep.finish();
        let text = findings_text(&rep, &Out::default());
        assert!(
            text.starts_with("warning[min-rust] Cargo.toml:3:1: rust-version: m\n"),
            "{text}"
        );
        assert_eq!(rep.summary.warnings, 1);
    }
}
