//! What every command's arguments share, and how a report reaches stdout.

use std::io::Write;

use anyhow::Result;

use crate::report::Report;
use crate::resolve::Selection;
use crate::Format;

#[derive(clap::Args, Clone, Default)]
pub struct SelectArgs {
    /// Switch on an optional technique (repeatable)
    #[arg(long = "with", value_name = "TECHNIQUE")]
    pub with: Vec<String>,
    /// Switch off one of the tier's techniques (repeatable)
    #[arg(long = "without", value_name = "TECHNIQUE")]
    pub without: Vec<String>,
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            with: self.with.clone(),
            without: self.without.clone(),
            ..Default::default()
        }
    }
}

/// Prints a finished report (facts text first in text mode); returns the exit code.
pub fn print_report(report: &Report, format: Format, text_facts: &str) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(report)?)?,
        Format::Text => write!(out, "{text_facts}{}", report.findings_text())?,
    }
    Ok(report.exit_code())
}
