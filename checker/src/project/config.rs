//! Cargo's configuration exactly as Cargo builds it: `.cargo/config` (which wins over
//! `.cargo/config.toml` in the same directory) in the working directory and every ancestor, then
//! CARGO_HOME; each file's `include`s merged under it; files merged nearest-wins with arrays
//! joined (farthest first); `CARGO_*` environment variables over files, appended to arrays.
//! Every value keeps where it was defined (file, line, column, or `env:NAME`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::fsread::Kind;
use std::sync::Arc;

use crate::project::member_glob::normalize;
use crate::toml_doc::{Spans, TomlFile};

/// Where a value was defined: a file and a byte offset in it (turned into line and column only
/// when a finding needs them, so huge one-line arrays stay linear), or `env:NAME`.
#[derive(Debug, Clone)]
pub struct Def {
    /// A file as findings show it, or `env:NAME`.
    pub file: String,
    offset: Option<usize>,
    spans: Option<Arc<Spans>>,
}

impl PartialEq for Def {
    fn eq(&self, other: &Def) -> bool {
        self.file == other.file && self.offset == other.offset
    }
}

impl Def {
    pub fn env(name: &str) -> Def {
        Def::named(format!("env:{name}"))
    }
    /// A definition without a position (a file named only, or something built in).
    pub fn named(file: impl Into<String>) -> Def {
        Def {
            file: file.into(),
            offset: None,
            spans: None,
        }
    }
    /// A position in a loaded file.
    pub fn at(f: &TomlFile, offset: Option<usize>) -> Def {
        Def {
            file: f.shown.clone(),
            offset,
            spans: Some(f.spans.clone()),
        }
    }
    /// Where a finding about this definition points.
    pub fn location(&self) -> crate::report::Location {
        use crate::report::Location;
        match self.env_name() {
            Some(name) => Location::Env(name.to_string()),
            None => Location::file(self.file.clone()),
        }
    }
    /// The variable, for a definition in the environment.
    pub fn env_name(&self) -> Option<&str> {
        self.file.strip_prefix("env:")
    }
    pub fn is_env(&self) -> bool {
        self.env_name().is_some()
    }
    /// 1-based line and column (in characters), when the definition is in a file.
    pub fn pos(&self) -> Option<(u32, u32)> {
        Some(self.spans.as_ref()?.pos_at(self.offset?))
    }
}

/// A config value with its definition, as Cargo's `ConfigValue`.
#[derive(Debug, Clone)]
pub enum CV {
    Str(String, Def),
    Int(i64, Def),
    Bool(bool, Def),
    /// Floats and datetimes: Cargo refuses them where it reads a key; kept to report.
    Other(String, Def),
    List(Vec<CV>, Def),
    Table(BTreeMap<String, CV>, Def),
}

impl CV {
    pub fn def(&self) -> &Def {
        match self {
            CV::Str(_, d)
            | CV::Int(_, d)
            | CV::Bool(_, d)
            | CV::Other(_, d)
            | CV::List(_, d)
            | CV::Table(_, d) => d,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CV::Str(s, _) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            CV::Bool(b, _) => Some(*b),
            _ => None,
        }
    }
    pub fn as_table(&self) -> Option<&BTreeMap<String, CV>> {
        match self {
            CV::Table(t, _) => Some(t),
            _ => None,
        }
    }
    fn desc(&self) -> &'static str {
        match self {
            CV::Str(..) => "a string",
            CV::Int(..) => "an integer",
            CV::Bool(..) => "a boolean",
            CV::Other(..) => "a float or datetime",
            CV::List(..) => "an array",
            CV::Table(..) => "a table",
        }
    }

    /// The value at `keys` below this table.
    pub fn get(&self, keys: &[&str]) -> Option<&CV> {
        let mut cur = self;
        for k in keys {
            cur = cur.as_table()?.get(*k)?;
        }
        Some(cur)
    }

    /// Cargo's merge (`ConfigValue::merge`): tables merge key by key, arrays join (`force`:
    /// incoming last, else incoming first), scalars keep the existing value unless `force`,
    /// and an array or table never merges with anything else.
    fn merge(&mut self, from: CV, force: bool, key: &str) -> Result<()> {
        match (self, from) {
            (CV::List(old, _), CV::List(mut new, _)) => {
                if force {
                    old.append(&mut new);
                } else {
                    new.append(old);
                    *old = new;
                }
            }
            (CV::Table(old, _), CV::Table(new, _)) => {
                for (k, v) in new {
                    let sub = if key.is_empty() {
                        k.clone()
                    } else {
                        format!("{key}.{k}")
                    };
                    match old.get_mut(&k) {
                        Some(existing) => existing.merge(v, force, &sub)?,
                        None => {
                            old.insert(k, v);
                        }
                    }
                }
            }
            (old @ (CV::List(..) | CV::Table(..)), new)
            | (old, new @ (CV::List(..) | CV::Table(..))) => {
                bail!(
                    "{}: cannot merge `{key}` with {}: {} there, {} here (Cargo refuses this)",
                    new.def().file,
                    old.def().file,
                    old.desc(),
                    new.desc()
                );
            }
            (old, new) => {
                if force {
                    *old = new;
                }
            }
        }
        Ok(())
    }
}

fn def_in(f: &TomlFile, keys: &[String]) -> Def {
    Def::at(f, f.spans.key_offset_owned(keys))
}

/// A file's values as CVs, each with its position.
pub fn from_file(f: &TomlFile) -> CV {
    CV::Table(table_to_cv(&f.table, f, &mut vec![]), def_in(f, &[]))
}

/// A table's entries as CVs; `path` is the table's key path in `f`.
fn table_to_cv(t: &toml::Table, f: &TomlFile, path: &mut Vec<String>) -> BTreeMap<String, CV> {
    t.iter()
        .map(|(k, x)| {
            path.push(k.clone());
            let cv = value_to_cv(x, f, path, None);
            path.pop();
            (k.clone(), cv)
        })
        .collect()
}

/// The value at key path `path`; `elem` is its offset when it is a scalar element of an array.
fn value_to_cv(v: &toml::Value, f: &TomlFile, path: &mut Vec<String>, elem: Option<usize>) -> CV {
    // An element's offset comes from its array's list, looked up once per array.
    let def = match elem {
        Some(o) => Def::at(f, Some(o)),
        None => def_in(f, path),
    };
    match v {
        toml::Value::String(s) => CV::Str(s.clone(), def),
        toml::Value::Integer(i) => CV::Int(*i, def),
        toml::Value::Boolean(b) => CV::Bool(*b, def),
        toml::Value::Float(x) => CV::Other(x.to_string(), def),
        toml::Value::Datetime(d) => CV::Other(d.to_string(), def),
        toml::Value::Array(a) => CV::List(array_to_cv(a, f, path), def),
        toml::Value::Table(t) => CV::Table(table_to_cv(t, f, path), def),
    }
}

/// An array's elements as CVs: a nested array or table is found by its index in the key path,
/// a scalar by its offset in the array's list.
fn array_to_cv(a: &[toml::Value], f: &TomlFile, path: &mut Vec<String>) -> Vec<CV> {
    let offsets = f.spans.elem_offsets(path).cloned().unwrap_or_default();
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            let nested = x.is_table() || x.is_array();
            if nested {
                path.push(i.to_string());
            }
            let at = if nested {
                None
            } else {
                offsets.get(i).copied()
            };
            let cv = value_to_cv(x, f, path, at);
            if nested {
                path.pop();
            }
            cv
        })
        .collect()
}

/// The config files Cargo reads and the merged result.
#[derive(Debug)]
pub struct Config {
    /// Every file read, in Cargo's order (nearest discovered file first; a file's includes
    /// right after it).
    pub files: Vec<TomlFile>,
    pub merged: CV,
    /// The environment Cargo would see (only `CARGO_*` keys matter for config).
    pub env: BTreeMap<String, String>,
}

/// Cargo's `ConfigKey::as_env_key`: `target.x86_64-unknown-linux-gnu.rustflags` ->
/// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS`.
pub fn env_key(keys: &[&str]) -> String {
    let mut s = String::from("CARGO");
    for k in keys {
        s.push('_');
        s.extend(k.chars().map(|c| {
            if c == '-' || c == '.' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        }));
    }
    s
}

/// Cargo's `get_file_path`: `config` (anything that opens, even a directory) wins over
/// `config.toml`; a dangling or looping link is as good as absent.
fn config_file_in(dir: &Path) -> Option<PathBuf> {
    ["config", "config.toml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| Kind::of_target(p) != Kind::Missing)
}

pub struct Loader<'a> {
    pub shown: &'a dyn Fn(&Path) -> String,
    pub files: Vec<TomlFile>,
}

/// A config file being loaded: its own values (merged last), the includes not yet loaded, and
/// what the loaded ones merged to.
struct Pending {
    base: PathBuf,
    own: CV,
    includes: std::vec::IntoIter<(String, bool, Def)>,
    merged: CV,
}

impl Loader<'_> {
    /// Cargo's `_load_file` with includes: the includes (in order, each with its own includes)
    /// merged with force, then the file itself over them. An explicit stack, not recursion: a
    /// chain of 9,000 includes overflowed tiercheck's stack (cargo 1.95's too, from ~8,000).
    fn load_with_includes(&mut self, path: &Path, seen: &mut HashSet<PathBuf>) -> Result<CV> {
        let mut parents: Vec<Pending> = vec![];
        let mut cur = self.open(path, seen)?;
        loop {
            if let Some((inc, optional, def)) = cur.includes.next() {
                if let Some(abs) = include_path(&cur.base, &inc, optional, &def)? {
                    let next = self.open(&abs, seen)?;
                    parents.push(std::mem::replace(&mut cur, next));
                }
                continue;
            }
            let mut done = cur.merged;
            done.merge(cur.own, true, "")?;
            match parents.pop() {
                Some(mut parent) => {
                    parent.merged.merge(done, true, "")?;
                    cur = parent;
                }
                None => return Ok(done),
            }
        }
    }

    /// Reads one file and takes its `include` list. Cargo never forgets a file it read: one
    /// included twice, even without a loop, is a cycle to it too.
    fn open(&mut self, path: &Path, seen: &mut HashSet<PathBuf>) -> Result<Pending> {
        if !seen.insert(path.to_path_buf()) {
            bail!(
                "{}: config `include` cycle: the file is included a second time (Cargo refuses that even without a loop)",
                (self.shown)(path)
            );
        }
        let file = TomlFile::load(path, &(self.shown)(path))?;
        let mut own = from_file(&file);
        let includes = take_includes(&mut own, &file.shown)?;
        self.files.push(file);
        Ok(Pending {
            base: path.parent().unwrap_or(Path::new("/")).to_path_buf(),
            merged: CV::Table(BTreeMap::new(), own.def().clone()),
            own,
            includes: includes.into_iter(),
        })
    }
}

/// Where an include points; `None` for a missing optional one.
fn include_path(base: &Path, inc: &str, optional: bool, def: &Def) -> Result<Option<PathBuf>> {
    let abs = normalize(&base.join(inc));
    if Kind::of_target(&abs) != Kind::Missing {
        return Ok(Some(abs));
    }
    if optional {
        return Ok(None);
    }
    bail!(
        "{}:{}: config include `{inc}` not found ({})",
        def.file,
        def.pos().map_or(0, |p| p.0),
        abs.display()
    );
}

/// Removes and validates `include` (an array of strings or of `{ path, optional }` tables; each
/// path ends in `.toml`, without globs or braces).
fn take_includes(value: &mut CV, shown: &str) -> Result<Vec<(String, bool, Def)>> {
    let CV::Table(t, _) = value else {
        return Ok(vec![]);
    };
    let items = match t.remove("include") {
        None => return Ok(vec![]),
        Some(CV::List(l, _)) => l,
        // Cargo 1.95: "expected a list of strings or a list of tables, but found string".
        Some(other) => bail!(
            "{shown}: `include` must be an array of paths or of {{ path, optional }} tables, found {}",
            other.desc()
        ),
    };
    let mut out = vec![];
    for (i, item) in items.into_iter().enumerate() {
        let (path, optional, def) = match item {
            CV::Str(s, d) => (s, false, d),
            CV::Table(mut t, d) => {
                let Some(CV::Str(p, _)) = t.remove("path") else {
                    bail!("{shown}: missing string field `path` at `include[{i}]`");
                };
                let optional = match t.remove("optional") {
                    None => false,
                    Some(CV::Bool(b, _)) => b,
                    Some(_) => bail!("{shown}: `include[{i}].optional` must be a boolean"),
                };
                (p, optional, d)
            }
            other => bail!(
                "{shown}: `include[{i}]` must be a string or a table, found {}",
                other.desc()
            ),
        };
        if !path.ends_with(".toml") {
            bail!("{shown}: config include `{path}` must end with `.toml`");
        }
        if path.contains(['*', '?', '[', '{', '}']) {
            bail!("{shown}: config include `{path}` must not hold glob patterns or braces");
        }
        out.push((path, optional, def));
    }
    Ok(out)
}

impl Config {
    /// Discovers and merges as Cargo does from `cwd` (the directory cargo would run in).
    pub fn load(
        cwd: &Path,
        cargo_home: Option<&Path>,
        env: BTreeMap<String, String>,
        shown: &dyn Fn(&Path) -> String,
    ) -> Result<Config> {
        let mut loader = Loader {
            shown,
            files: vec![],
        };
        let mut merged = CV::Table(BTreeMap::new(), Def::named("(built-in)"));
        let mut seen_dirs = vec![];
        let walk = |file: PathBuf, loader: &mut Loader, merged: &mut CV| -> Result<()> {
            let v = loader.load_with_includes(&file, &mut HashSet::new())?;
            merged.merge(v, false, "")
        };
        for d in cwd.ancestors() {
            let cdir = d.join(".cargo");
            if let Some(f) = config_file_in(&cdir) {
                walk(f, &mut loader, &mut merged)?;
            }
            seen_dirs.push(cdir.canonicalize().unwrap_or(cdir));
        }
        if let Some(home) = cargo_home {
            let canon = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
            if !seen_dirs.contains(&canon) && !seen_dirs.iter().any(|d| d == home) {
                if let Some(f) = config_file_in(home) {
                    walk(f, &mut loader, &mut merged)?;
                }
            }
        }
        Ok(Config {
            files: loader.files,
            merged,
            env,
        })
    }

    pub fn get(&self, keys: &[&str]) -> Option<&CV> {
        self.merged.get(keys)
    }

    /// A string key as Cargo reads it: `CARGO_<KEY>` over the files.
    pub fn string(&self, keys: &[&str]) -> Option<(String, Def)> {
        let name = env_key(keys);
        if let Some(v) = self.env.get(&name) {
            return Some((v.clone(), Def::env(&name)));
        }
        match self.get(keys)? {
            CV::Str(s, d) => Some((s.clone(), d.clone())),
            _ => None,
        }
    }

    /// A `StringList` key (rustflags): the files' array (or string split on whitespace) with the
    /// variable's whitespace-split words appended, as cargo 1.95 passes them. `None` when nothing
    /// sets it.
    pub fn string_list(&self, keys: &[&str]) -> Option<Vec<(String, Def)>> {
        let name = env_key(keys);
        let env = self.env.get(&name);
        let env_words = |out: &mut Vec<(String, Def)>| {
            if let Some(v) = env {
                let d = Def::env(&name);
                out.extend(v.split_whitespace().map(|w| (w.to_string(), d.clone())));
            }
        };
        let mut out = vec![];
        match self.get(keys) {
            Some(CV::List(items, _)) => {
                out.extend(
                    items
                        .iter()
                        .filter_map(|i| Some((i.as_str()?.to_string(), i.def().clone()))),
                );
                env_words(&mut out);
            }
            // cargo 1.95 appends the variable's words to a file's string too (measured).
            Some(CV::Str(s, d)) => {
                out.extend(s.split_whitespace().map(|w| (w.to_string(), d.clone())));
                env_words(&mut out);
            }
            Some(_) | None if env.is_some() => env_words(&mut out),
            _ => return None,
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, s: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    }

    fn load(cwd: &Path, env: &[(&str, &str)]) -> Config {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let base = cwd.to_path_buf();
        let shown = move |p: &Path| {
            p.strip_prefix(&base)
                .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
        };
        Config::load(cwd, None, env, &shown).unwrap()
    }

    fn words(v: Option<Vec<(String, Def)>>) -> Vec<String> {
        v.unwrap_or_default().into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn hierarchy_joins_arrays_farthest_first_and_nearest_scalar_wins() {
        let d = tempfile::tempdir().unwrap();
        let inner = d.path().join("a/b");
        write(
            &d.path().join(".cargo/config.toml"),
            "[build]\nrustflags = [\"-Cfar\"]\njobs = 1\n",
        );
        write(
            &inner.join(".cargo/config.toml"),
            "[build]\nrustflags = [\"-Cnear\"]\njobs = 2\n",
        );
        let c = load(&inner, &[("CARGO_BUILD_RUSTFLAGS", "-Cenv1 -Cenv2")]);
        assert_eq!(
            words(c.string_list(&["build", "rustflags"])),
            ["-Cfar", "-Cnear", "-Cenv1", "-Cenv2"]
        );
        assert!(matches!(c.get(&["build", "jobs"]), Some(CV::Int(2, _))));
        let (_, def) = &c.string_list(&["build", "rustflags"]).unwrap()[1];
        assert_eq!(
            (def.file.as_str(), def.pos()),
            (".cargo/config.toml", Some((2, 14)))
        );
    }

    #[test]
    fn config_without_extension_wins_and_includes_merge_under_the_file() {
        let d = tempfile::tempdir().unwrap();
        write(
            &d.path().join(".cargo/config.toml"),
            "[build]\nrustflags = [\"-Ctoml\"]\n",
        );
        write(
            &d.path().join(".cargo/config"),
            "include = [\"inc/a.toml\", { path = \"missing.toml\", optional = true }]\n[build]\nrustflags = [\"-Cplain\"]\njobs = 3\n",
        );
        write(
            &d.path().join(".cargo/inc/a.toml"),
            "[build]\nrustflags = [\"-Cinc\"]\njobs = 9\ntarget-dir = \"t\"\n",
        );
        let c = load(d.path(), &[]);
        assert_eq!(
            words(c.string_list(&["build", "rustflags"])),
            ["-Cinc", "-Cplain"]
        );
        assert!(matches!(c.get(&["build", "jobs"]), Some(CV::Int(3, _))));
        assert_eq!(c.string(&["build", "target-dir"]).unwrap().0, "t");
        assert_eq!(c.files.len(), 2, "config.toml is not read");
    }

    #[test]
    fn env_words_follow_a_file_string_and_empty_arrays_stay_empty() {
        let d = tempfile::tempdir().unwrap();
        write(
            &d.path().join(".cargo/config.toml"),
            "[build]\nrustflags = \"-Cfile\"\n[target.x]\nrustflags = []\n",
        );
        let c = load(d.path(), &[("CARGO_BUILD_RUSTFLAGS", "-Cenv")]);
        assert_eq!(
            words(c.string_list(&["build", "rustflags"])),
            ["-Cfile", "-Cenv"]
        );
        assert_eq!(c.string_list(&["target", "x", "rustflags"]), Some(vec![]));
    }

    /// Loading used to recurse once per include: 9,000 chained includes overflowed the stack
    /// (SIGABRT). 2,000 on a 1 MiB stack is the same defect, cheaper to set up (the 9,000 case is
    /// in .ci/e2e-harden-bounds.sh). The nearest file still wins over what it includes.
    #[test]
    fn an_include_chain_deeper_than_the_stack_loads_in_order() {
        const N: usize = 2_000;
        let d = tempfile::tempdir().unwrap();
        let c = d.path().join(".cargo");
        write(
            &c.join("config.toml"),
            "include = [\"i0.toml\"]\n[build]\njobs = 1\n",
        );
        for i in 0..N {
            let inc = if i + 1 < N {
                format!("include = [\"i{}.toml\"]\n", i + 1)
            } else {
                String::new()
            };
            write(
                &c.join(format!("i{i}.toml")),
                &format!("{inc}[build]\njobs = {}\nrustflags = [\"-Ci{i}\"]\n", i + 2),
            );
        }
        let dir = d.path().to_path_buf();
        let config = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || load(&dir, &[]))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(config.files.len(), N + 1);
        assert!(matches!(
            config.get(&["build", "jobs"]),
            Some(CV::Int(1, _))
        ));
        let flags = words(config.string_list(&["build", "rustflags"]));
        let want: Vec<String> = (0..N).rev().map(|i| format!("-Ci{i}")).collect();
        assert_eq!(flags, want, "the deepest include's array comes first");
    }

    /// Cargo 1.95 (`cargo metadata`): a file included twice without a loop (a diamond) is a
    /// cycle too ("config `include` cycle detected with path `.../c.toml`").
    #[test]
    fn a_file_included_twice_is_a_cycle_as_in_cargo() {
        let d = tempfile::tempdir().unwrap();
        let c = d.path().join(".cargo");
        write(
            &c.join("config.toml"),
            "include = [\"a.toml\", \"b.toml\"]\n",
        );
        write(&c.join("a.toml"), "include = [\"c.toml\"]\n");
        write(&c.join("b.toml"), "include = [\"c.toml\"]\n");
        write(&c.join("c.toml"), "[env]\nX = \"1\"\n");
        let shown = |p: &Path| p.display().to_string();
        let e = Config::load(d.path(), None, BTreeMap::new(), &shown).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("c.toml: config `include` cycle"), "{e}");
    }

    #[test]
    fn merge_conflicts_and_include_cycles_are_errors() {
        let d = tempfile::tempdir().unwrap();
        write(
            &d.path().join("a/.cargo/config.toml"),
            "[build]\nrustflags = \"-Cx\"\n",
        );
        write(
            &d.path().join(".cargo/config.toml"),
            "[build]\nrustflags = [\"-Cy\"]\n",
        );
        let shown = |p: &Path| p.display().to_string();
        assert!(Config::load(&d.path().join("a"), None, BTreeMap::new(), &shown).is_err());
        write(
            &d.path().join("b/.cargo/config.toml"),
            "include = [\"config.toml\"]\n",
        );
        let e = Config::load(&d.path().join("b"), None, BTreeMap::new(), &shown).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
    }
}
