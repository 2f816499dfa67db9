//! Workspace root and members as Cargo computes them (`Workspace::find_root`, `find_members`):
//! `members` globs expanded with the `glob` crate Cargo uses (directories only; a pattern that
//! matches nothing stays as written and must then hold a package), `exclude` unless a member
//! entry is a prefix, implicit members from path dependencies inside the workspace (followed
//! transitively), `default-members`, paths normalised lexically so `sub/..` is the root.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::fsread::Kind;
use crate::project::member_glob::{self, normalize};
use crate::toml_doc::TomlFile;

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

/// The `[workspace]` of a root manifest.
pub struct WorkspaceDecl {
    pub root_dir: PathBuf,
    pub members: Option<Vec<String>>,
    pub default_members: Option<Vec<String>>,
    pub exclude: Vec<String>,
}

impl WorkspaceDecl {
    pub fn of(manifest: &TomlFile) -> Option<WorkspaceDecl> {
        let ws = manifest.table.get("workspace")?.as_table()?;
        Some(WorkspaceDecl {
            root_dir: manifest.path.parent()?.to_path_buf(),
            members: ws.get("members").map(|v| strings(Some(v))),
            default_members: ws.get("default-members").map(|v| strings(Some(v))),
            exclude: strings(ws.get("exclude")),
        })
    }

    /// Cargo's `is_excluded`: under an `exclude` entry and under no `members` entry (entries
    /// compared as written, globs unexpanded).
    pub fn is_excluded(&self, manifest: &Path) -> bool {
        let under = |list: &[String]| {
            list.iter()
                .any(|e| manifest.starts_with(self.root_dir.join(e)))
        };
        under(&self.exclude) && !self.members.as_deref().is_some_and(under)
    }

    /// Cargo's `members_paths`: each pattern joined to the root and globbed; a pattern that
    /// matches nothing is kept as written, matches that are not directories are dropped. A
    /// directory the glob reaches again through a symbolic link is walked once (see
    /// `member_glob`); if Cargo would take what lies below it as more members, `refusal` says
    /// why Cargo refuses the workspace (one manifest read twice), or would never finish.
    pub fn expand(&self, patterns: &[String]) -> Result<Expanded> {
        let mut out = Expanded::default();
        for pat in patterns {
            let full = self.root_dir.join(pat);
            let Some(text) = full.to_str() else { continue };
            let found = member_glob::expand(text)
                .map_err(|e| anyhow::anyhow!("workspace member pattern `{pat}`: {e}"))?;
            if out.refusal.is_none() {
                out.refusal = self.alias_refusal(&found, pat);
            }
            if found.matches.is_empty() {
                out.dirs.push((full, pat.clone()));
            } else {
                out.dirs.extend(
                    found
                        .matches
                        .into_iter()
                        .filter(|p| p.is_dir())
                        .map(|p| (p, pat.clone())),
                );
            }
        }
        Ok(out)
    }

    /// The first match Cargo's glob would find again below an alias and take as a member (not
    /// excluded), as an error naming both paths.
    fn alias_refusal(&self, found: &member_glob::Expansion, pat: &str) -> Option<String> {
        let shown = |p: &Path| {
            let p = p.strip_prefix(&self.root_dir).unwrap_or(p);
            p.display().to_string()
        };
        for a in &found.aliases {
            let (alias, first) = (normalize(&a.path), normalize(&a.first));
            for m in found.matches.iter().filter(|m| m.is_dir()) {
                let Ok(below) = normalize(m).strip_prefix(&first).map(Path::to_path_buf) else {
                    continue;
                };
                let again = alias.join(&below);
                if self.is_excluded(&again.join("Cargo.toml")) {
                    continue;
                }
                let via = if below.as_os_str().is_empty() {
                    String::new()
                } else {
                    format!(" (`{}` is `{}`)", shown(&alias), shown(&first))
                };
                return Some(format!(
                    "{}: workspace member `{}` (matched by `{pat}`) is `{}` again through a symbolic link{via}: Cargo would read one manifest twice and refuse the workspace, or never finish on a link loop",
                    shown(&self.root_dir.join("Cargo.toml")),
                    shown(&again),
                    shown(&first.join(&below)),
                ));
            }
        }
        None
    }
}

/// Member directories with the pattern that matched each, and why Cargo would refuse them.
#[derive(Default)]
pub struct Expanded {
    pub dirs: Vec<(PathBuf, String)>,
    pub refusal: Option<String>,
}

/// Path dependencies of a manifest (every dependency table, also under `[target.*]`, and
/// `workspace = true` entries resolved through `[workspace.dependencies]`), as manifest paths.
fn path_deps(m: &TomlFile, ws_root: Option<&TomlFile>) -> Vec<PathBuf> {
    const TABLES: [&str; 5] = [
        "dependencies",
        "dev-dependencies",
        "dev_dependencies",
        "build-dependencies",
        "build_dependencies",
    ];
    let dir = m.path.parent().unwrap_or(Path::new("/"));
    let ws_deps = ws_root.and_then(|r| {
        Some((
            r.table.get("workspace")?.get("dependencies")?.as_table()?,
            r.path.parent()?,
        ))
    });
    let mut tables = vec![&m.table];
    if let Some(t) = m.table.get("target").and_then(|t| t.as_table()) {
        tables.extend(t.values().filter_map(|v| v.as_table()));
    }
    let mut out = vec![];
    for t in tables {
        for name in TABLES {
            for (dep, spec) in t.get(name).and_then(|d| d.as_table()).into_iter().flatten() {
                if let Some(p) = spec.get("path").and_then(|p| p.as_str()) {
                    out.push(dir.join(p).join("Cargo.toml"));
                } else if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                    let key = spec.get("package").and_then(|p| p.as_str()).unwrap_or(dep);
                    if let Some((deps, root)) = ws_deps {
                        let d = deps.get(dep).or_else(|| deps.get(key));
                        if let Some(p) = d.and_then(|d| d.get("path")).and_then(|p| p.as_str()) {
                            out.push(root.join(p).join("Cargo.toml"));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The members Cargo finds, in the order it finds them (root manifest included when it is a
/// package), plus the default members.
pub struct Members {
    pub all: Vec<TomlFile>,
    pub default: Vec<PathBuf>,
}

struct Walk<'a> {
    decl: &'a WorkspaceDecl,
    root: &'a TomlFile,
    shown: &'a dyn Fn(&Path) -> String,
    seen: HashSet<PathBuf>,
    found: Vec<TomlFile>,
}

impl Walk<'_> {
    /// Cargo's `find_path_deps` from `manifest`, depth first: a manifest, then each of its path
    /// dependencies with theirs, in order. An explicit stack, not recursion: a chain of 10,000
    /// path dependencies overflowed the stack.
    fn visit(&mut self, manifest: &Path, why: &str, is_path_dep: bool) -> Result<()> {
        let mut stack = vec![(manifest.to_path_buf(), why.to_string(), is_path_dep)];
        while let Some((manifest, why, is_path_dep)) = stack.pop() {
            let deps = self.visit_one(&manifest, &why, is_path_dep)?;
            // Reversed, so the first dependency is visited first, as the recursion did.
            stack.extend(
                deps.into_iter()
                    .rev()
                    .map(|d| (d, "a path dependency".to_string(), true)),
            );
        }
        Ok(())
    }

    /// One manifest: recorded as a member when it is a package; its path dependencies.
    fn visit_one(&mut self, manifest: &Path, why: &str, is_path_dep: bool) -> Result<Vec<PathBuf>> {
        let manifest = normalize(manifest);
        if self.seen.contains(&manifest) {
            return Ok(vec![]);
        }
        let dir = manifest.parent().unwrap_or(Path::new("/"));
        if is_path_dep && !dir.starts_with(&self.decl.root_dir) {
            return Ok(vec![]);
        }
        if self.decl.is_excluded(&manifest) {
            return Ok(vec![]);
        }
        self.seen.insert(manifest.clone());
        let file = if manifest == self.root.path {
            None
        } else {
            if Kind::of_target(&manifest) == Kind::Missing {
                bail!(
                    "{}: workspace member `{}` ({why}) has no Cargo.toml; Cargo refuses the workspace",
                    (self.shown)(&self.root.path),
                    (self.shown)(dir),
                );
            }
            Some(TomlFile::load(&manifest, &(self.shown)(&manifest))?)
        };
        let m = file.as_ref().unwrap_or(self.root);
        if !m.table.contains_key("package") {
            return Ok(vec![]);
        }
        let deps = path_deps(m, Some(self.root));
        if let Some(f) = file {
            self.found.push(f);
        }
        Ok(deps)
    }
}

impl Walk<'_> {
    /// `default-members` after the walk: each must be a member, or listed and excluded.
    fn default_members(
        &self,
        list: &[String],
        listed: &[(PathBuf, String)],
    ) -> Result<Vec<PathBuf>> {
        let expanded = self.decl.expand(list)?;
        if let Some(why) = expanded.refusal {
            bail!(why);
        }
        let mut out = vec![];
        for (dir, pat) in expanded.dirs {
            let dir = normalize(&dir);
            let m = dir.join("Cargo.toml");
            if self.seen.contains(&m) {
                out.push(m);
            } else if !(listed.iter().any(|(l, _)| normalize(l) == dir)
                && self.decl.is_excluded(&dir))
            {
                bail!(
                    "{}: `{pat}` is listed in default-members but is not a member; Cargo refuses the workspace",
                    (self.shown)(&self.root.path)
                );
            }
        }
        Ok(out)
    }
}

/// Members of the workspace whose root manifest is `root` (`current` is the manifest in the
/// directory being checked; `default-members` apply only when it is the root).
pub fn find(root: &TomlFile, current: &Path, shown: &dyn Fn(&Path) -> String) -> Result<Members> {
    let Some(decl) = WorkspaceDecl::of(root) else {
        return Ok(Members {
            all: vec![],
            default: vec![root.path.clone()],
        });
    };
    let Expanded {
        dirs: listed,
        refusal,
    } = decl.expand(decl.members.as_deref().unwrap_or_default())?;
    let mut walk = Walk {
        decl: &decl,
        root,
        shown,
        seen: HashSet::new(),
        found: vec![],
    };
    for (dir, pat) in &listed {
        let why = if decl.root_dir.join(pat) == *dir {
            "listed in `members`".to_string()
        } else {
            format!("matched by `{pat}`")
        };
        walk.visit(&dir.join("Cargo.toml"), &why, false)?;
    }
    walk.visit(&root.path, "the root", false)?;
    // After the walk: Cargo reports a member without a manifest first (measured).
    if let Some(why) = refusal {
        bail!(why);
    }
    let is_package = root.table.contains_key("package");
    let default = match (&decl.default_members, root.path == current) {
        (Some(list), true) => walk.default_members(list, &listed)?,
        // Below the root, Cargo builds the package whose directory it runs in.
        (_, false) => vec![current.to_path_buf()],
        // A virtual workspace: every member (not the root, which is no package), in a stable
        // order (`seen` is a set, and holds the root manifest too).
        _ if !is_package => {
            let mut all: Vec<PathBuf> = walk.found.iter().map(|m| m.path.clone()).collect();
            all.sort();
            all
        }
        _ => vec![current.to_path_buf()],
    };
    Ok(Members {
        all: walk.found,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, s: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    }

    fn pkg(dir: &Path, name: &str, extra: &str) {
        write(
            &dir.join("Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{extra}"),
        );
    }

    fn names(root: &Path) -> Result<Vec<String>> {
        let shown = |p: &Path| p.display().to_string();
        let r = TomlFile::load(&root.join("Cargo.toml"), "Cargo.toml")?;
        let m = find(&r, &root.join("Cargo.toml"), &shown)?;
        let mut n: Vec<String> = m
            .all
            .iter()
            .map(|f| f.table["package"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        Ok(n)
    }

    #[test]
    fn globs_exclude_path_deps_and_parent_dirs() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(
            &r.join("Cargo.toml"),
            "[workspace]\nmembers = [\"cr*tes/a?\", \"[xy]\", \"sub/..\", \"app\", \"app\"]\nexclude = [\"crates/ab\"]\n",
        );
        pkg(
            &r.join("crates/a1"),
            "a1",
            "[dependencies]\nhidden = { path = \"../../hidden\" }\n",
        );
        pkg(&r.join("crates/ab"), "ab", "");
        pkg(&r.join("x"), "x", "");
        pkg(
            &r.join("app"),
            "app",
            "[dev-dependencies]\nx = { path = \"../x\" }\n",
        );
        pkg(&r.join("hidden"), "hidden", "");
        std::fs::create_dir_all(r.join("sub")).unwrap();
        assert_eq!(names(r).unwrap(), ["a1", "app", "hidden", "x"]);
    }

    /// Cargo: a virtual workspace's default members are all its members (never the root, which
    /// is no package); they used to come from a HashSet, root included, in a random order.
    #[test]
    fn a_virtual_workspace_defaults_to_every_member_in_a_stable_order() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(&r.join("Cargo.toml"), "[workspace]\nmembers = [\"c/*\"]\n");
        for n in ["m3", "m1", "m2", "m0"] {
            pkg(&r.join("c").join(n), n, "");
        }
        let shown = |p: &Path| p.display().to_string();
        let root = TomlFile::load(&r.join("Cargo.toml"), "Cargo.toml").unwrap();
        let want: Vec<PathBuf> = ["m0", "m1", "m2", "m3"]
            .iter()
            .map(|n| r.join("c").join(n).join("Cargo.toml"))
            .collect();
        for _ in 0..5 {
            let m = find(&root, &r.join("Cargo.toml"), &shown).unwrap();
            assert_eq!(m.default, want);
        }
        // In a member's directory, `cargo build` builds that member only.
        let member = r.join("c/m2/Cargo.toml");
        let m = find(&root, &member, &shown).unwrap();
        assert_eq!(m.default, [member]);
    }

    fn member_names(m: &Members) -> Vec<&str> {
        m.all
            .iter()
            .map(|f| f.table["package"]["name"].as_str().unwrap())
            .collect()
    }

    /// The walk used to recurse once per path dependency: a 10,000-deep chain overflowed the
    /// main thread's stack (SIGABRT). 3,000 on a 1 MiB stack is the same defect, cheaper to set
    /// up (the 10,000 case is in .ci/e2e-harden-bounds.sh). Members keep Cargo's order.
    #[test]
    fn a_path_dependency_chain_deeper_than_the_stack_is_walked_in_order() {
        const N: usize = 3_000;
        let d = tempfile::tempdir().unwrap();
        let r = d.path().to_path_buf();
        write(&r.join("Cargo.toml"), "[workspace]\nmembers = [\"c/c0\"]\n");
        for i in 0..N {
            let dep = if i + 1 < N {
                format!("[dependencies]\nc{0} = {{ path = \"../c{0}\" }}\n", i + 1)
            } else {
                String::new()
            };
            pkg(&r.join(format!("c/c{i}")), &format!("c{i}"), &dep);
        }
        let walk = move || {
            let shown = |p: &Path| p.display().to_string();
            let root = TomlFile::load(&r.join("Cargo.toml"), "Cargo.toml").unwrap();
            let m = find(&root, &r.join("Cargo.toml"), &shown).unwrap();
            member_names(&m)
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
        };
        let got = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(walk)
            .unwrap()
            .join()
            .unwrap();
        let want: Vec<String> = (0..N).map(|i| format!("c{i}")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn path_dependencies_are_visited_depth_first_in_key_order() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(
            &r.join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\", \"e\"]\n",
        );
        let deps = |names: &[&str]| {
            let mut s = String::from("[dependencies]\n");
            for n in names {
                s += &format!("{n} = {{ path = \"../{n}\" }}\n");
            }
            s
        };
        pkg(&r.join("a"), "a", &deps(&["b", "c"]));
        pkg(&r.join("b"), "b", &deps(&["d"]));
        pkg(&r.join("c"), "c", &deps(&["a"]));
        pkg(&r.join("d"), "d", "");
        pkg(&r.join("e"), "e", &deps(&["d", "f"]));
        pkg(&r.join("f"), "f", "");
        let shown = |p: &Path| p.display().to_string();
        let root = TomlFile::load(&r.join("Cargo.toml"), "Cargo.toml").unwrap();
        let m = find(&root, &r.join("Cargo.toml"), &shown).unwrap();
        assert_eq!(member_names(&m), ["a", "b", "d", "c", "e", "f"]);
    }

    #[test]
    fn a_member_without_manifest_is_an_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        write(
            &d.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"gone\"]\n",
        );
        let e = names(d.path()).unwrap_err().to_string();
        assert!(e.contains("gone` (listed in `members`)"), "{e}");
    }
}
