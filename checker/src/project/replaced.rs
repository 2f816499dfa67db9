//! Profile keys the project's files set that a `CARGO_PROFILE_*` variable replaces: Cargo takes
//! the environment over Cargo.toml and `.cargo/config.toml`, so a tier's environment would undo
//! what the project chose without a word. `project` reports them as findings, `env` and `build`
//! say so on stderr.

use crate::project::load::{ProfileEntry, Project};

/// One replaced key: where the project set it, and the variable that wins.
#[derive(Debug, Clone)]
pub struct Replaced {
    pub profile: String,
    pub key: String,
    /// The project's entry (value and where it is written).
    pub project: ProfileEntry,
    /// The variable's name and its text.
    pub var: String,
    pub env_value: String,
}

impl Replaced {
    /// `Cargo.toml:12: profile.dev.debug = 2 is replaced by CARGO_PROFILE_DEV_DEBUG=line-tables-only`.
    pub fn line(&self) -> String {
        let at = match self.project.def.pos() {
            Some((line, _)) => format!("{}:{line}", self.project.def.file),
            None => self.project.def.file.clone(),
        };
        format!(
            "{at}: profile.{}.{} = {} is replaced by {}={}",
            self.profile, self.key, self.project.value, self.var, self.env_value
        )
    }
}

/// Every key the files set and the project's environment (`Project::env`) replaces with another
/// setting (a variable that says the same in another spelling replaces nothing).
pub fn replaced(p: &Project) -> Vec<Replaced> {
    let mut out = vec![];
    for (name, t) in p.profiles() {
        for (key, e) in t {
            let Some(env) = p.profile_env(name, key) else {
                continue;
            };
            if crate::project::settings::same(key, &e.value, &env.value) {
                continue;
            }
            let var = env.def.env_name().unwrap_or_default().to_string();
            out.push(Replaced {
                profile: name.clone(),
                key: key.clone(),
                env_value: p.env.get(&var).cloned().unwrap_or_default(),
                project: e.clone(),
                var,
            });
        }
    }
    out
}

/// The lines `env` prints for the project in `dir` under the tier's variables `tier_env`: one per
/// key of the project's that a tier variable replaces. Not a Cargo project: none; a project that
/// cannot be read: one line saying so (never silence).
pub fn notes_for(
    dir: &std::path::Path,
    tier_env: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    // Cargo's own search: the nearest directory up from `dir` with a Cargo.toml.
    let Some(dir) = dir.ancestors().find(|d| d.join("Cargo.toml").exists()) else {
        return vec![];
    };
    let mut env = crate::project::load::relevant_env();
    env.extend(tier_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    match Project::load_with(dir, env) {
        Ok(p) => replaced(&p)
            .into_iter()
            .filter(|r| tier_env.contains_key(&r.var))
            .map(|r| {
                format!(
                    "the tier replaces the project's choice: {} (unset {} to keep the project's)",
                    r.line(),
                    r.var
                )
            })
            .collect(),
        Err(e) => vec![format!(
            "the project's profiles were not compared with the tier's variables: {e:#}"
        )],
    }
}
