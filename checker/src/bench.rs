//! `tiercheck bench`: what each tier buys on a project, measured side by side in one run.
//! Configurations are interleaved (A B C A B C ...) after a warm-up round, so drift on a shared
//! machine spreads over all of them; the report gives medians, min-max and ratios to a baseline.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::env::env_key;
use crate::envcmd::host_env;
use crate::resolve::Selection;
use crate::tiers::{Channel, TierData};
use crate::toolchain;

/// Measure configurations side by side (interleaved rounds): clean debug build, incremental
/// rebuild, clean release build, release runtime; Markdown table and SVG chart
#[derive(clap::Args)]
pub struct Args {
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Configurations: stock, gnu-ld-full-debug, tier1..tier4, tierN+pgo (repeatable)
    #[arg(long = "config", required = true)]
    configs: Vec<String>,
    /// The configuration(s) ratios are taken against (repeatable; the first is the chart's)
    #[arg(long = "baseline", required = true)]
    baselines: Vec<String>,
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The file touched before the incremental rebuild (default: the first src/main.rs)
    #[arg(long)]
    touch: Option<PathBuf>,
    /// Held-out command timed on each release binary ("$BIN" is the binary)
    #[arg(long)]
    run: Option<String>,
    #[arg(long, default_value_t = 3)]
    runs_per_round: usize,
    /// Training commands for tierN+pgo configurations (repeatable)
    #[arg(long = "train")]
    training: Vec<String>,
    /// Measurements to skip: clean-debug, incremental, clean-release
    #[arg(long)]
    skip: Vec<String>,
    /// Write the Markdown table here (default: stdout)
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write the SVG chart here
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Write the raw samples as JSON here
    #[arg(long)]
    json: Option<PathBuf>,
    /// Scratch directory for the configurations' target dirs
    #[arg(long, default_value = "target/rust-tiers-bench")]
    work: PathBuf,
}

pub fn run(args: Args, data: &TierData) -> Result<i32> {
    let title = format!(
        "rust-tiers bench: {}",
        args.dir
            .canonicalize()
            .unwrap_or(args.dir.clone())
            .display()
    );
    let baselines = args.baselines.clone();
    let opts = Options {
        dir: args.dir,
        configs: args.configs,
        baselines: args.baselines,
        rounds: args.rounds,
        touch: args.touch,
        run: args.run,
        runs_per_round: args.runs_per_round,
        training: args.training,
        skip: args.skip,
        work: args.work,
    };
    let (series, cfgs) = measure(data, &opts)?;
    let md = markdown(&series, &cfgs, &baselines);
    match args.markdown {
        Some(p) => {
            std::fs::write(&p, &md).with_context(|| format!("{}: cannot write", p.display()))?
        }
        None => println!("{md}"),
    }
    if let Some(p) = args.svg {
        std::fs::write(&p, svg(&series, &cfgs, &baselines[0], &title))
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    if let Some(p) = args.json {
        std::fs::write(&p, serde_json::to_string_pretty(&series)?)
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(0)
}

/// One configuration: a name and the environment cargo runs with.
pub struct Config {
    pub name: String,
    pub label: String,
    pub env: BTreeMap<String, String>,
    /// Release binaries come from `tiercheck build --pgo` with these training commands.
    pub pgo: Option<Vec<String>>,
    pub tier: Option<String>,
}

pub struct Options {
    pub dir: PathBuf,
    pub configs: Vec<String>,
    /// The first is the chart's; the Markdown has a ratio column for each.
    pub baselines: Vec<String>,
    pub rounds: usize,
    /// File touched before the incremental rebuild (default: src/main.rs or the first bin's).
    pub touch: Option<PathBuf>,
    /// Held-out command timed on each release binary ("$BIN" is the binary).
    pub run: Option<String>,
    pub runs_per_round: usize,
    /// PGO training commands for `tierN+pgo` configurations.
    pub training: Vec<String>,
    pub skip: Vec<String>,
    pub work: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct Series {
    pub measure: String,
    pub config: String,
    pub samples: Vec<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Baseline median / this median, for the first baseline (above 1 = faster).
    pub ratio: Option<f64>,
    /// The same against every baseline.
    pub ratios: BTreeMap<String, f64>,
}

pub const MEASURES: &[(&str, &str)] = &[
    ("clean-debug", "clean debug build"),
    ("incremental", "incremental rebuild (touch + build)"),
    ("clean-release", "clean release build"),
    ("runtime", "release binary runtime (held-out input)"),
];

/// Builds a configuration from its spec: `stock`, `gnu-ld-full-debug`, `tierN` or `tierN+pgo`.
pub fn config(data: &TierData, spec: &str, triple: &str) -> Result<Config> {
    let flags = format!("CARGO_TARGET_{}_RUSTFLAGS", env_key(triple));
    match spec {
        "stock" => Ok(Config {
            name: spec.into(),
            label: "stock toolchain as installed".into(),
            env: BTreeMap::new(),
            pgo: None,
            tier: None,
        }),
        "gnu-ld-full-debug" => Ok(Config {
            name: spec.into(),
            label: "GNU ld + full debuginfo (nixpkgs' rustc default)".into(),
            env: BTreeMap::from([
                (flags, "-C linker-features=-lld".into()),
                ("CARGO_PROFILE_DEV_DEBUG".into(), "true".into()),
            ]),
            pgo: None,
            tier: None,
        }),
        _ => {
            let (tier, pgo) = match spec.strip_suffix("+pgo") {
                Some(t) => (t, true),
                None => (spec, false),
            };
            data.tier(tier)?;
            let (mut env, dropped) = host_env_for(data, tier)?;
            if needs_nightly(data, tier)? {
                env.insert("RUSTUP_TOOLCHAIN".into(), "nightly".into());
            }
            let mut label = format!(
                "{tier} ({}){}",
                data.tiers[tier].title,
                if pgo { " + PGO/BOLT release" } else { "" }
            );
            if !dropped.is_empty() {
                label.push_str(&format!(
                    ", without {} (not installed here)",
                    dropped.join(", ")
                ));
            }
            Ok(Config {
                name: spec.into(),
                label,
                env,
                pgo: pgo.then(Vec::new),
                tier: Some(tier.into()),
            })
        }
    }
}

fn needs_nightly(data: &TierData, tier: &str) -> Result<bool> {
    let r = crate::resolve::resolve(data, tier, &Selection::default())?;
    Ok(r.techniques
        .iter()
        .any(|id| data.techniques[id].channel == Channel::Nightly))
}

/// The tier's environment for dev and release together, skipping techniques this machine lacks
/// the component for (Cranelift) so the rest of the tier is still measured.
fn host_env_for(data: &TierData, tier: &str) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let nightly = needs_nightly(data, tier)?;
    if nightly {
        // host_env and the component check below ask `rustc`: make it the one cargo will run.
        std::env::set_var("RUSTUP_TOOLCHAIN", "nightly");
    }
    let result = (|| {
        let info = toolchain::rustc_info(None)?;
        let mut sel = Selection::default();
        let r = crate::resolve::resolve(data, tier, &sel)?;
        if r.techniques.iter().any(|t| t == "cranelift") && !toolchain::has_cranelift(&info) {
            sel.without.push("cranelift".into());
        }
        let env = host_env(data, tier, None, &sel)?.env;
        Ok((env, sel.without))
    })();
    if nightly {
        std::env::remove_var("RUSTUP_TOOLCHAIN");
    }
    result
}

/// Runs cargo quietly; returns the wall time and the executables cargo reported.
fn cargo(
    dir: &Path,
    target: &Path,
    env: &BTreeMap<String, String>,
    args: &[&str],
    log: &Path,
) -> Result<(f64, Vec<PathBuf>)> {
    let logf = std::fs::File::create(log)?;
    let mut c = Command::new("cargo");
    c.args(args)
        .arg("--message-format=json")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTUP_AUTO_INSTALL", "0");
    for k in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"] {
        c.env_remove(k);
    }
    c.envs(env).stderr(logf);
    let t = Instant::now();
    let out = c.output().context("cargo: cannot run")?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("cargo {} failed; see {}", args.join(" "), log.display());
    }
    let exes = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .collect();
    Ok((secs, exes))
}

fn time_run(cmd: &str, bin: &Path, dir: &Path) -> Result<f64> {
    let t = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .env("BIN", bin)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()?;
    let secs = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!("--run command failed with {}", bin.display());
    }
    Ok(secs)
}

fn touch(path: &Path) -> Result<()> {
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("{}: cannot touch", path.display()))?;
    f.set_modified(std::time::SystemTime::now())?;
    Ok(())
}

fn default_touch(dir: &Path) -> Option<PathBuf> {
    let p = crate::project::load::Project::load(dir).ok()?;
    std::iter::once(&p.root)
        .chain(&p.members)
        .filter_map(|m| m.path.parent().map(|d| d.join("src/main.rs")))
        .find(|f| f.is_file())
}

/// One round of every configuration; `record` false is the warm-up.
fn round(
    opts: &Options,
    cfgs: &[Config],
    samples: &mut BTreeMap<(String, String), Vec<f64>>,
    record: bool,
    n: usize,
) -> Result<()> {
    let touch_file = opts
        .touch
        .clone()
        .or_else(|| default_touch(&opts.dir))
        .context("no file to touch: give --touch")?;
    let me = std::env::current_exe()?;
    for cfg in cfgs {
        let target = opts.work.join(&cfg.name);
        let log = opts.work.join(format!("{}.log", cfg.name));
        let mut put = |m: &str, v: f64| {
            eprintln!(
                "  [{}] {:18} {:28} {:8.2} s",
                if record {
                    format!("round {n}")
                } else {
                    "warm-up".into()
                },
                cfg.name,
                m,
                v
            );
            if record {
                samples
                    .entry((m.to_string(), cfg.name.clone()))
                    .or_default()
                    .push(v);
            }
        };
        if !opts.skip.iter().any(|s| s == "clean-debug") {
            let _ = std::fs::remove_dir_all(target.join("debug"));
            put(
                "clean-debug",
                cargo(&opts.dir, &target, &cfg.env, &["build"], &log)?.0,
            );
        }
        if !opts.skip.iter().any(|s| s == "incremental") {
            if !target.join("debug").is_dir() {
                cargo(&opts.dir, &target, &cfg.env, &["build"], &log)?;
            }
            touch(&touch_file)?;
            put(
                "incremental",
                cargo(&opts.dir, &target, &cfg.env, &["build"], &log)?.0,
            );
        }
        let wants_release = !opts.skip.iter().any(|s| s == "clean-release") || opts.run.is_some();
        if !wants_release {
            continue;
        }
        let _ = std::fs::remove_dir_all(target.join("release"));
        let _ = std::fs::remove_dir_all(target.join("rust-tiers-pgo"));
        let bin = match (&cfg.pgo, &cfg.tier) {
            (Some(_), Some(tier)) => {
                let mut c = Command::new(&me);
                c.args(["build", "--tier", tier, "--format", "json"])
                    .arg(&opts.dir);
                for t in &opts.training {
                    c.arg("--pgo").arg(t);
                }
                c.env("CARGO_TARGET_DIR", &target)
                    .stdout(Stdio::piped())
                    .stderr(std::fs::File::create(&log)?);
                let t = Instant::now();
                let out = c.output()?;
                let secs = t.elapsed().as_secs_f64();
                if !out.status.success() {
                    bail!(
                        "{}: the PGO pipeline failed; see {}",
                        cfg.name,
                        log.display()
                    );
                }
                put("clean-release", secs);
                let r: serde_json::Value = serde_json::from_slice(&out.stdout)?;
                PathBuf::from(
                    r["facts"]["pgo"]["binary"]
                        .as_str()
                        .context("no PGO binary in the report")?,
                )
            }
            _ => {
                let (secs, exes) =
                    cargo(&opts.dir, &target, &cfg.env, &["build", "--release"], &log)?;
                put("clean-release", secs);
                exes.into_iter()
                    .next()
                    .context("the release build produced no executable")?
            }
        };
        if let Some(cmd) = &opts.run {
            for _ in 0..opts.runs_per_round {
                put("runtime", time_run(cmd, &bin, &opts.dir)?);
            }
        }
    }
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn measure(data: &TierData, opts: &Options) -> Result<(Vec<Series>, Vec<Config>)> {
    if let Some(b) = opts.baselines.iter().find(|b| !opts.configs.contains(b)) {
        bail!(
            "--baseline {b} is not one of the configurations ({})",
            opts.configs.join(", ")
        );
    }
    if opts.configs.iter().any(|c| c.ends_with("+pgo")) && opts.training.is_empty() {
        bail!("a +pgo configuration needs training commands (--train)");
    }
    let triple = toolchain::host_triple()?;
    let cfgs: Vec<Config> = opts
        .configs
        .iter()
        .map(|c| config(data, c, &triple))
        .collect::<Result<_>>()?;
    std::fs::create_dir_all(&opts.work)?;
    let mut samples = BTreeMap::new();
    eprintln!(
        "bench: {} configuration(s), warm-up + {} round(s), interleaved",
        cfgs.len(),
        opts.rounds
    );
    round(opts, &cfgs, &mut samples, false, 0)?;
    for n in 1..=opts.rounds {
        round(opts, &cfgs, &mut samples, true, n)?;
    }
    let mut series = vec![];
    for (m, _) in MEASURES {
        let base_of = |b: &String| {
            samples
                .get(&(m.to_string(), b.clone()))
                .map(|v| median(&mut v.clone()))
                .filter(|x| *x > 0.0)
        };
        for cfg in &cfgs {
            let Some(v) = samples.get(&(m.to_string(), cfg.name.clone())) else {
                continue;
            };
            let mut v = v.clone();
            let med = median(&mut v);
            let ratios: BTreeMap<String, f64> = opts
                .baselines
                .iter()
                .filter_map(|b| base_of(b).map(|x| (b.clone(), x / med)))
                .collect();
            series.push(Series {
                measure: m.to_string(),
                config: cfg.name.clone(),
                min: v.first().copied().unwrap_or(0.0),
                max: v.last().copied().unwrap_or(0.0),
                median: med,
                ratio: opts.baselines.first().and_then(|b| ratios.get(b).copied()),
                ratios,
                samples: v,
            });
        }
    }
    Ok((series, cfgs))
}

/// Markdown: one table per measurement; a ratio is baseline time / this time (>1 = faster).
pub fn markdown(series: &[Series], cfgs: &[Config], baselines: &[String]) -> String {
    let mut s = String::new();
    for (m, title) in MEASURES {
        let rows: Vec<&Series> = series.iter().filter(|x| x.measure == *m).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n**{title}** (speed-up = baseline median / configuration median; above 1 is faster)\n");
        let heads: String = baselines.iter().map(|b| format!(" vs `{b}` |")).collect();
        let _ = writeln!(s, "| configuration | median | min–max | samples |{heads}");
        let _ = writeln!(s, "|---|---:|---:|---:|{}", "---:|".repeat(baselines.len()));
        for r in rows {
            let label = cfgs
                .iter()
                .find(|c| c.name == r.config)
                .map_or(r.config.clone(), |c| format!("`{}`: {}", c.name, c.label));
            let cols: String = baselines
                .iter()
                .map(|b| {
                    format!(
                        " {} |",
                        r.ratios.get(b).map_or("–".into(), |x| format!("{x:.2}x"))
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "| {label} | {:.2} s | {:.2}–{:.2} s | {} |{cols}",
                r.median,
                r.min,
                r.max,
                r.samples.len()
            );
        }
    }
    s
}

/// A grouped horizontal bar chart of the speed-up ratios, one group per measurement.
pub fn svg(series: &[Series], cfgs: &[Config], baseline: &str, title: &str) -> String {
    const COLORS: &[&str] = &[
        "#9e9e9e", "#5c6bc0", "#26a69a", "#ef6c00", "#ab47bc", "#8d6e63",
    ];
    let groups: Vec<(&str, Vec<&Series>)> = MEASURES
        .iter()
        .map(|(m, t)| {
            (
                *t,
                series
                    .iter()
                    .filter(|s| s.measure == *m && s.ratio.is_some())
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let max = series
        .iter()
        .filter_map(|s| s.ratio)
        .fold(1.0f64, f64::max)
        .max(1.0)
        * 1.15;
    let (left, width, bar) = (250.0, 420.0, 16.0);
    let rows: usize = groups.iter().map(|(_, v)| v.len() + 1).sum();
    let height = 60.0 + rows as f64 * (bar + 4.0) + 30.0 + cfgs.len() as f64 * 18.0;
    let x = |r: f64| left + r / max * width;
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n", left + width + 80.0);
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{title}</text>"
    );
    let _ = writeln!(s, "<text x=\"10\" y=\"38\" fill=\"#555\">speed-up vs {baseline} (median; higher is faster)</text>");
    let mut y = 55.0;
    for (t, rows) in &groups {
        let _ = writeln!(
            s,
            "<text x=\"10\" y=\"{:.0}\" font-weight=\"bold\">{t}</text>",
            y + 12.0
        );
        y += bar + 4.0;
        for r in rows {
            let i = cfgs.iter().position(|c| c.name == r.config).unwrap_or(0);
            let ratio = r.ratio.unwrap_or(0.0);
            let _ = writeln!(
                s,
                "<text x=\"20\" y=\"{:.0}\">{}</text>",
                y + 12.0,
                r.config
            );
            let _ = writeln!(
                s,
                "<rect x=\"{left}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{}\"/>",
                x(ratio) - left,
                COLORS[i % COLORS.len()]
            );
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.0}\">{ratio:.2}x</text>",
                x(ratio) + 4.0,
                y + 12.0
            );
            y += bar + 4.0;
        }
    }
    let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"50\" x2=\"{:.1}\" y2=\"{y:.0}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>", x(1.0), x(1.0));
    y += 20.0;
    for (i, c) in cfgs.iter().enumerate() {
        let _ = writeln!(s, "<rect x=\"10\" y=\"{:.0}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"28\" y=\"{:.0}\">{}: {}</text>", y, COLORS[i % COLORS.len()], y + 10.0, c.name, c.label);
        y += 18.0;
    }
    s.push_str("</svg>\n");
    s
}
