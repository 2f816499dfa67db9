//! The command line: what every command's arguments share (`--tier`, `--with`, the global
//! `--color`/`-q`/`-v`), the output buffer commands write into, and how it reaches stdout.
//! Both binaries (`tiercheck`, `cargo-tiercheck`) parse with `app::Cli` and run `main`.

use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::builder::{PossibleValue, PossibleValuesParser};

use crate::report::Report;
use crate::resolve::Selection;
use crate::tiers::TierData;

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

/// The tiers of the embedded data, with their titles, as clap's possible values.
pub fn tier_parser() -> PossibleValuesParser {
    let values: Vec<PossibleValue> = TierData::embedded()
        .map(|d| {
            d.tiers
                .iter()
                .map(|(id, t)| PossibleValue::new(id.clone()).help(t.title.clone()))
                .collect()
        })
        .unwrap_or_default();
    PossibleValuesParser::new(values)
}

/// A directory argument that must exist: anything else is a usage error (exit 2, one line
/// `DIR: problem`, as tiercheck's other input errors), not an empty report.
#[derive(Clone)]
pub struct ExistingDir;

impl clap::builder::TypedValueParser for ExistingDir {
    type Value = PathBuf;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<PathBuf, clap::Error> {
        let p = PathBuf::from(value);
        let why = match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => return Ok(p),
            Ok(_) => "not a directory".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "no such directory".to_string(),
            Err(e) => e.to_string(),
        };
        Err(clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!(
                "{}: {why}\n",
                crate::termsafe::field(&p.display().to_string())
            ),
        ))
    }
}

/// A `--target` value: a target name as rustc spells them (`x86_64-unknown-linux-gnu`,
/// `thumbv8m.main-none-eabihf`), never a path. A custom target spec (a `.json` file, which Cargo
/// takes) is refused: tiercheck knows builtin targets only, and must not hand rustc a file.
pub fn target_name(s: &str) -> Result<String, String> {
    if s.ends_with(".json") {
        return Err(
            "custom target specs (.json) are not supported: tiercheck checks builtin targets only"
                .into(),
        );
    }
    let parts: Vec<&str> = s.split('-').collect();
    let part_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.'))
    };
    if s.len() <= 100
        && (2..=5).contains(&parts.len())
        && !s.contains("..")
        && parts.iter().all(part_ok)
    {
        Ok(s.to_string())
    } else {
        Err(
            "not a target name (such as x86_64-unknown-linux-gnu; see rustc --print target-list)"
                .into(),
        )
    }
}

/// `--tier` where it is optional; inside a tier shell it defaults to `$RUST_TIERS_TIER`.
#[derive(clap::Args, Clone, Default)]
pub struct TierArg {
    /// The tier to check against (default: $RUST_TIERS_TIER, set by the tier shells and `env`)
    #[arg(long, env = "RUST_TIERS_TIER", value_parser = tier_parser())]
    pub tier: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal (and neither NO_COLOR nor CARGO_TERM_COLOR=never says no)
    #[default]
    Auto,
    Always,
    Never,
}

/// Options every command takes.
#[derive(clap::Args, Clone, Default)]
pub struct Global {
    /// Coloured output: auto (a terminal, unless NO_COLOR; CARGO_TERM_COLOR is honoured), always, never
    #[arg(long, value_enum, global = true, value_name = "WHEN")]
    pub color: Option<ColorWhen>,
    /// Print less: findings only, no facts or summary (progress stays off)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: each finding's rule documentation
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl Global {
    /// Whether stdout gets ANSI colour: `--color`, else CARGO_TERM_COLOR, else auto (a
    /// terminal and no NO_COLOR, as anstream decides for clap itself).
    pub fn color_on(&self) -> bool {
        let when =
            self.color
                .unwrap_or_else(|| match std::env::var("CARGO_TERM_COLOR").as_deref() {
                    Ok("always") => ColorWhen::Always,
                    Ok("never") => ColorWhen::Never,
                    _ => ColorWhen::Auto,
                });
        match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        }
    }
}

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

/// How a report is printed.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people: facts, then `severity[rule] file:line:col: key: message`
    Text,
    /// The documented JSON report (checker/SCHEMA.md)
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::...`)
    Github,
    /// SARIF 2.1.0, for code scanning
    Sarif,
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
            let log = crate::ci_output::sarif(report, base);
            writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?;
        }
        // Workflow commands have their own escaping of newline and `%` (`ci_output::gh_data`).
        ReportFormat::Github => out.push_str(&crate::ci_output::github(report, base)),
        ReportFormat::Text => {
            let shown = report.for_text();
            if !out.quiet {
                let facts = paint_facts(out, &text_facts.render(&shown));
                out.push_str(&facts);
            }
            let findings = crate::report::findings_text(&shown, out);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_never_paths() {
        for ok in [
            "x86_64-unknown-linux-gnu",
            "thumbv8m.main-none-eabihf",
            "aarch64-unknown-nto-qnx710_iosock",
            "wasm32-wasip1",
        ] {
            assert_eq!(target_name(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "../../x",
            "..-x",
            "x86_64-unknown-linux-gnu/../y",
            "/abs-x",
            "my-spec.json",
            "x86_64",
            "",
            "X86_64-unknown-linux-gnu",
            "a b-c",
            "a--b",
        ] {
            assert!(target_name(bad).is_err(), "{bad}");
        }
    }

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
}
