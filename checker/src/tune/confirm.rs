//! The confirmation run: the result of the search against the tier's defaults and stock, in a
//! fresh interleaved run, so a change adopted on one run's luck is caught by another.

use anyhow::Result;
use serde::Serialize;

use super::budget::{Costs, Shape, MIN_ROUNDS};
use super::rule::{self, Measured};
use super::search::Ctx;
use crate::bench::presets::Config;
use crate::bench::stats::{self, Series};

#[derive(Debug, Serialize)]
pub struct Confirmation {
    pub shape: Option<Shape>,
    pub configs: Vec<String>,
    /// The configuration with every adopted change, if any was adopted.
    pub tuned: Option<String>,
    /// The tuned configuration against the tier's defaults, by the rule.
    pub against_defaults: Vec<Measured>,
    pub confirmed: bool,
    /// Medians and ratios against stock and the tier's defaults.
    pub series: Vec<Series>,
    /// The budget was spent before this run; it ran anyway to confirm the adopted changes.
    pub over_budget: bool,
    pub why: String,
}

/// Runs stock, the tier's defaults and (with adopted changes) the tuned configuration.
pub fn confirm(
    ctx: &mut Ctx,
    costs: &Costs,
    adopted: &[String],
) -> Result<(Confirmation, Vec<Config>)> {
    let defaults = ctx.name(&[]);
    let tuned = (!adopted.is_empty()).then(|| ctx.name(adopted));
    let mut names = vec!["stock".to_string(), defaults.clone()];
    names.extend(tuned.clone());
    let fresh = names.iter().filter(|n| !ctx.built.contains(*n)).count();
    let left = ctx.left();
    // Only a result to confirm earns more than the minimum.
    let shape = match &tuned {
        Some(_) => costs.shape(names.len(), fresh, left, left),
        None => costs.shape(names.len(), fresh, left, left).map(|s| Shape {
            rounds: MIN_ROUNDS,
            ..s
        }),
    };
    let mut c = Confirmation {
        shape,
        configs: names.clone(),
        tuned: tuned.clone(),
        against_defaults: vec![],
        confirmed: false,
        series: vec![],
        over_budget: false,
        why: String::new(),
    };
    if c.shape.is_none() && tuned.is_some() {
        c.over_budget = true;
        c.shape = Some(Shape {
            rounds: MIN_ROUNDS,
            clean: false,
        });
    }
    let Some(shape) = c.shape else {
        c.why = "the budget ran out before the comparison with stock".into();
        return Ok((c, vec![]));
    };
    let (cfgs, run) = ctx.run(&names, shape, "confirmation")?;
    let samples = run.samples;
    c.series = stats::series(&samples, &names, &["stock".into(), defaults.clone()]);
    if let Some(t) = &tuned {
        c.against_defaults = rule::measure_all(&samples, &defaults, t);
        c.confirmed = rule::acceptable(&c.against_defaults);
        c.why = if c.confirmed {
            format!("{t} is faster than {defaults} beyond the noise again, and slower nowhere")
        } else {
            format!(
                "{t} was not faster than {defaults} beyond the noise in this run: nothing is kept"
            )
        };
    } else {
        c.why = format!("no change was adopted: {defaults} as it is");
    }
    Ok((c, cfgs))
}
