//! SVG chart: one group per measurement, bars growing from the 1.0x line of the first baseline
//! (right = faster) on a log scale, min–max whiskers, the median in seconds beside each bar.
//! Reference configurations (stock, GNU ld, `cargo check`) are vertical lines, not bars. Each
//! configuration keeps its colour in every chart.

use std::fmt::Write as _;

use super::presets::Config;
use super::runner::Measure;
use super::stats::Series;

/// A fixed colour per configuration name, so every chart agrees.
pub fn colour(name: &str) -> &'static str {
    match name {
        "stock" => "#616161",
        "gnu-ld-full-debug" => "#b71c1c",
        "check" => "#212121",
        "cargo-wizard" => "#8d6e63",
        "bevy" => "#d81b60",
        "report-tier1" => "#f9a825",
        "tier1" => "#1e88e5",
        "tier2" => "#00897b",
        "tier3" => "#f4511e",
        "tier4" => "#8e24aa",
        "tier1+sccache" => "#43a047",
        n if n.ends_with("+pgo+bolt") => "#6d4c41",
        n if n.ends_with("+pgo") => "#ffb74d",
        n if n.ends_with("+sccache") => "#66bb6a",
        _ => {
            const MORE: &[&str] = &["#3949ab", "#00acc1", "#7cb342", "#c0ca33", "#5e35b1"];
            let h = name
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
            MORE[h % MORE.len()]
        }
    }
}

/// At most `n` characters, cut with an ellipsis.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars()
            .take(n.saturating_sub(1))
            .chain(std::iter::once('…'))
            .collect()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Scale {
    lo: f64,
    hi: f64,
    left: f64,
    width: f64,
}

impl Scale {
    fn x(&self, r: f64) -> f64 {
        let r = r.clamp(self.lo, self.hi);
        self.left + (r.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln()) * self.width
    }
}

fn is_reference(cfgs: &[Config], name: &str) -> bool {
    cfgs.iter().any(|c| c.name == name && c.reference)
}

/// Ratio range of a series against the baseline median: (baseline/max, baseline/min).
fn whisker(s: &Series) -> Option<(f64, f64)> {
    let r = s.ratio?;
    let base = r * s.median;
    Some((base / s.max, base / s.min))
}

/// Layout constants: row height, group head, left label column, plot width.
const ROW: f64 = 22.0;
const HEAD: f64 = 34.0;
const WIDTH: f64 = 960.0;
const TICKS: [f64; 11] = [0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0];

pub fn svg(
    series: &[Series],
    cfgs: &[Config],
    baseline: &str,
    title: &str,
    subtitle: &str,
) -> String {
    let groups: Vec<(Measure, Vec<&Series>)> = Measure::ALL
        .iter()
        .map(|m| {
            let rows = series
                .iter()
                .filter(|s| s.measure == *m && s.ratio.is_some())
                .collect::<Vec<_>>();
            (*m, rows)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let sc = scale(series);
    let mut body = String::new();
    let mut y = 84.0;
    for (m, rows) in &groups {
        y = group(&mut body, &sc, cfgs, *m, rows, y);
    }
    y = legend(&mut body, cfgs, baseline, y + 16.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{y:.0}" viewBox="0 0 {WIDTH:.0} {y:.0}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="12" y="24" font-size="16" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="12" y="44" fill="#444">{}</text>"##,
        esc(subtitle)
    );
    let _ = writeln!(
        s,
        r##"<text x="12" y="62" fill="#444">speed-up vs {} (median; bar right of 1.0x = faster; whisker = min–max; log scale)</text>"##,
        esc(baseline)
    );
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}

/// A log scale covering every ratio and whisker, and at least 0.8x–1.25x.
fn scale(series: &[Series]) -> Scale {
    let (mut lo, mut hi) = (0.8f64, 1.25f64);
    for s in series {
        let Some(r) = s.ratio else { continue };
        let (a, b) = whisker(s).unwrap_or((r, r));
        lo = lo.min(a).min(r);
        hi = hi.max(b).max(r);
    }
    Scale {
        lo: lo / 1.08,
        hi: hi * 1.08,
        left: 230.0,
        width: 470.0,
    }
}

fn legend(s: &mut String, cfgs: &[Config], baseline: &str, mut y: f64) -> f64 {
    for c in cfgs {
        let note = match (c.name == baseline, c.reference) {
            (true, _) => " (the 1.0x line)",
            (false, true) => " (reference line)",
            _ => "",
        };
        if c.reference {
            let dash = if c.name == baseline {
                ""
            } else {
                r#" stroke-dasharray="4 2""#
            };
            let _ = writeln!(
                s,
                r#"<line x1="12" y1="{:.0}" x2="26" y2="{:.0}" stroke="{}" stroke-width="2"{dash}/>"#,
                y + 6.0,
                y + 6.0,
                colour(&c.name)
            );
        } else {
            let _ = writeln!(
                s,
                r#"<rect x="12" y="{y:.0}" width="14" height="12" fill="{}"/>"#,
                colour(&c.name)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="32" y="{:.0}"><tspan font-weight="bold">{}</tspan>{note}: {}</text>"#,
            y + 10.0,
            esc(&c.name),
            esc(&short(
                &c.label,
                112usize.saturating_sub(c.name.len() + note.len())
            ))
        );
        y += 18.0;
    }
    y + 14.0
}

/// One measurement: its title, tick labels and grid, a bar per configuration, then the
/// reference configurations as vertical lines labelled below the bars. Returns the next y.
fn group(s: &mut String, sc: &Scale, cfgs: &[Config], m: Measure, rows: &[&Series], y: f64) -> f64 {
    let _ = writeln!(
        s,
        r#"<text x="12" y="{:.0}" font-size="13" font-weight="bold">{}</text>"#,
        y + 14.0,
        esc(m.title())
    );
    let top = y + HEAD - 8.0;
    let bars: Vec<&&Series> = rows
        .iter()
        .filter(|r| !is_reference(cfgs, &r.config))
        .collect();
    let bottom = y + HEAD + bars.len() as f64 * ROW;
    let mut last = f64::NEG_INFINITY;
    for t in TICKS.into_iter().filter(|t| *t > sc.lo && *t < sc.hi) {
        let x = sc.x(t);
        // Keep tick labels apart on a wide scale.
        if x - last < 34.0 {
            continue;
        }
        last = x;
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{:.0}" fill="#888" font-size="10" text-anchor="middle">{t}x</text><line x1="{x:.1}" y1="{:.0}" x2="{x:.1}" y2="{bottom:.0}" stroke="#e8e8e8"/>"##,
            top - 2.0,
            top + 2.0
        );
    }
    for (i, r) in bars.iter().enumerate() {
        bar(s, sc, r, y + HEAD + i as f64 * ROW);
    }
    let mut next = bottom;
    for (i, r) in rows
        .iter()
        .filter(|r| is_reference(cfgs, &r.config))
        .enumerate()
    {
        let ratio = r.ratio.unwrap_or(1.0);
        let x = sc.x(ratio);
        let dash = if (ratio - 1.0).abs() < 1e-9 {
            ""
        } else {
            r#" stroke-dasharray="5 3""#
        };
        let ly = bottom + 12.0 + 12.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{:.0}" x2="{x:.1}" y2="{bottom:.0}" stroke="{}" stroke-width="2"{dash}/><text x="{x:.1}" y="{ly:.0}" fill="{}" font-size="10" text-anchor="middle">{} {ratio:.2}x · {:.2} s</text>"#,
            top + 2.0,
            colour(&r.config),
            colour(&r.config),
            esc(&r.config),
            r.median
        );
        next = ly;
    }
    next + 22.0
}

/// A bar from 1.0x to the ratio, its min–max whisker, and "ratio · median" on the right.
fn bar(s: &mut String, sc: &Scale, r: &Series, y: f64) {
    let ratio = r.ratio.unwrap_or(1.0);
    let (x0, x1) = (sc.x(1.0), sc.x(ratio));
    let _ = writeln!(
        s,
        r#"<text x="{:.0}" y="{:.0}" text-anchor="end">{}</text><rect x="{:.1}" y="{:.0}" width="{:.1}" height="14" fill="{}"/>"#,
        sc.left - 8.0,
        y + 15.0,
        esc(&r.config),
        x0.min(x1),
        y + 4.0,
        (x1 - x0).abs().max(1.0),
        colour(&r.config)
    );
    if let Some((a, b)) = whisker(r) {
        let (xa, xb, ym) = (sc.x(a), sc.x(b), y + 11.0);
        let _ = writeln!(
            s,
            r##"<path d="M{xa:.1} {ym:.0}H{xb:.1}M{xa:.1} {:.0}V{:.0}M{xb:.1} {:.0}V{:.0}" stroke="#222" stroke-width="1.2" fill="none"/>"##,
            ym - 4.0,
            ym + 4.0,
            ym - 4.0,
            ym + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.0}" y="{:.0}">{ratio:.2}x · {:.2} s</text>"#,
        sc.left + sc.width + 12.0,
        y + 15.0,
        r.median
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_belong_to_names_not_positions() {
        assert_eq!(colour("tier1"), colour("tier1"));
        assert_ne!(colour("tier1"), colour("stock"));
        assert_eq!(colour("tier2+pgo"), colour("tier3+pgo"));
        assert_eq!(colour("some-new-preset"), colour("some-new-preset"));
    }

    #[test]
    fn the_scale_is_logarithmic_around_one() {
        let sc = Scale {
            lo: 0.5,
            hi: 2.0,
            left: 0.0,
            width: 100.0,
        };
        assert!((sc.x(1.0) - 50.0).abs() < 1e-9);
        assert!((sc.x(0.5) - 0.0).abs() < 1e-9 && (sc.x(4.0) - 100.0).abs() < 1e-9);
    }
}
