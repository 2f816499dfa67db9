//! Workspace `members` globs walked as the `glob` crate 0.3 walks them for Cargo (the same
//! matches in the same order), with one change: a directory reached again at the same point of
//! the pattern (same canonical directory) is not walked again. `glob` follows symbolic links
//! until the kernel's 40-link limit, so `crates/**` next to `crates/loop -> ..` and
//! `crates/loop2 -> ..` visits 2^40 paths: cargo 1.95 never finishes (measured) and tiercheck
//! used to grow without bound. Such a second visit through a different path is an `Alias`: the
//! caller decides (Cargo would see every match below it twice).

use std::collections::HashMap;
use std::fs;
use std::path::{is_separator, Component, Path, PathBuf};

use anyhow::{anyhow, Result};
use glob::{MatchOptions, Pattern};

/// Lexical normalisation as Cargo's `paths::normalize_path` (no filesystem access).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// A directory the walk reached again through another path, and the path it first came by.
pub struct Alias {
    pub path: PathBuf,
    pub first: PathBuf,
}

#[derive(Default)]
pub struct Expansion {
    pub matches: Vec<PathBuf>,
    pub aliases: Vec<Alias>,
}

/// One `/`-separated piece of the pattern.
struct Comp {
    pat: Pattern,
    text: String,
    recursive: bool,
    meta: bool,
}

struct Entry {
    path: PathBuf,
    is_dir: bool,
}

impl Entry {
    fn new(path: PathBuf) -> Entry {
        let is_dir = fs::metadata(&path).is_ok_and(|m| m.is_dir());
        Entry { path, is_dir }
    }
}

/// `usize::MAX` as an index: already matched (glob's convention).
const MATCHED: usize = usize::MAX;
const OPTS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

struct Walk {
    comps: Vec<Comp>,
    require_dir: bool,
    todo: Vec<Result<(Entry, usize)>>,
    /// (canonical directory, pattern index) -> the path it was first walked by.
    walked: HashMap<(PathBuf, usize), PathBuf>,
    out: Expansion,
}

/// Every match of `pattern` (glob 0.3 syntax and order), and the aliases left unwalked.
pub fn expand(pattern: &str) -> Result<Expansion> {
    Pattern::new(pattern)?;
    let (scope, comps, require_dir) = parse(pattern)?;
    let mut w = Walk {
        comps,
        require_dir,
        todo: vec![],
        walked: HashMap::new(),
        out: Expansion::default(),
    };
    w.fill(0, &Entry::new(scope));
    while let Some(item) = w.todo.pop() {
        let (entry, idx) = item?;
        w.step(entry, idx);
    }
    Ok(w.out)
}

/// glob's `glob_with`: the fixed root, the pattern pieces after it, and whether only directories
/// match (a trailing separator).
fn parse(pattern: &str) -> Result<(PathBuf, Vec<Comp>, bool)> {
    let rest: PathBuf = Path::new(pattern)
        .components()
        .skip_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
        .map(|c| c.as_os_str())
        .collect();
    let normalized: PathBuf = Path::new(pattern).iter().collect();
    let len = |p: &Path| p.to_str().map_or(0, str::len);
    let root_len = len(&normalized).saturating_sub(len(&rest));
    let scope = match pattern.get(..root_len) {
        Some(r) if root_len > 0 => PathBuf::from(r),
        _ => PathBuf::from("."),
    };
    let tail = pattern.get(root_len.min(pattern.len())..).unwrap_or("");
    let mut comps = vec![];
    for text in tail.split_terminator(is_separator) {
        comps.push(Comp {
            pat: Pattern::new(text)?,
            text: text.to_string(),
            recursive: text == "**",
            meta: text.contains(['*', '?', '[']),
        });
    }
    if root_len == pattern.len() {
        comps.push(Comp {
            pat: Pattern::new("")?,
            text: String::new(),
            recursive: false,
            meta: false,
        });
    }
    Ok((scope, comps, pattern.ends_with(is_separator)))
}

impl Walk {
    /// glob's `Paths::next` for one entry taken from the to-do stack.
    fn step(&mut self, entry: Entry, mut idx: usize) {
        let last = self.comps.len() - 1;
        if idx == MATCHED {
            if !self.require_dir || entry.is_dir {
                self.out.matches.push(entry.path);
            }
            return;
        }
        if self.comps[idx].recursive {
            let mut next = idx;
            while next < last && self.comps[next + 1].recursive {
                next += 1;
            }
            if entry.is_dir {
                self.fill(next, &entry);
                if next == last {
                    self.out.matches.push(entry.path);
                    return;
                }
            } else if next == last {
                return;
            }
            idx = next + 1;
            return self.match_name(entry, idx);
        }
        self.match_name(entry, idx);
    }

    fn match_name(&mut self, entry: Entry, idx: usize) {
        let Some(name) = entry.path.file_name().and_then(|s| s.to_str()) else {
            return;
        };
        if !self.comps[idx].pat.matches_with(name, OPTS) {
            return;
        }
        if idx < self.comps.len() - 1 {
            self.fill(idx + 1, &entry);
        } else if !self.require_dir || entry.is_dir {
            self.out.matches.push(entry.path);
        }
    }

    /// Whether `dir` is walked for piece `idx`: not when it was already, by this path or another
    /// (then an alias, unless both paths are the same once `.`/`..` are resolved as Cargo does).
    fn first_walk(&mut self, dir: &Path, idx: usize) -> bool {
        let canon = fs::canonicalize(dir).unwrap_or_else(|_| normalize(dir));
        match self.walked.get(&(canon.clone(), idx)) {
            None => {
                self.walked.insert((canon, idx), dir.to_path_buf());
                true
            }
            Some(first) => {
                if normalize(first) != normalize(dir) {
                    self.out.aliases.push(Alias {
                        path: dir.to_path_buf(),
                        first: first.clone(),
                    });
                }
                false
            }
        }
    }

    /// glob's `fill_todo` (pushes what is below `start` for piece `idx` onto the to-do stack),
    /// with its recursion (literal pieces, `.` and `..`) on an explicit stack in the same order.
    fn fill(&mut self, idx: usize, start: &Entry) {
        let mut pending = self.fill_walked(idx, start);
        pending.reverse();
        while let Some((idx, at)) = pending.pop() {
            let more = self.fill_walked(idx, &at);
            // Reversed, so the first of them is filled first, as the recursion did.
            pending.extend(more.into_iter().rev());
        }
    }

    fn fill_walked(&mut self, idx: usize, at: &Entry) -> Vec<(usize, Entry)> {
        if self.first_walk(&at.path, idx) {
            self.fill_one(idx, at)
        } else {
            vec![]
        }
    }

    /// One level of `fill_todo`; the paths it would recurse into come back.
    fn fill_one(&mut self, idx: usize, at: &Entry) -> Vec<(usize, Entry)> {
        let comp = &self.comps[idx];
        let curdir = at.path == Path::new(".");
        let join = |s: &str| {
            if curdir {
                PathBuf::from(s)
            } else {
                at.path.join(s)
            }
        };
        if !comp.meta {
            let special = comp.text == "." || comp.text == "..";
            let next = Entry::new(join(&comp.text));
            let exists = if special {
                at.is_dir
            } else {
                fs::symlink_metadata(&next.path).is_ok()
            };
            return if exists { self.add(idx, next) } else { vec![] };
        }
        if !at.is_dir {
            return vec![];
        }
        if let Err(e) = self.push_children(idx, &at.path, curdir) {
            self.todo.push(Err(e));
            return vec![];
        }
        let mut more = vec![];
        if self.comps[idx].text.starts_with('.') {
            for special in [".", ".."] {
                if self.comps[idx].pat.matches_with(special, OPTS) {
                    more.extend(self.add(idx, Entry::new(at.path.join(special))));
                }
            }
        }
        more
    }

    /// glob's `add`: a match of the last piece goes on the to-do stack as matched; anything else
    /// is filled for the next piece.
    fn add(&mut self, idx: usize, next: Entry) -> Vec<(usize, Entry)> {
        if idx + 1 == self.comps.len() {
            self.todo.push(Ok((next, MATCHED)));
            return vec![];
        }
        vec![(idx + 1, next)]
    }

    /// A directory's entries on the to-do stack for piece `idx`, last name first (so they come
    /// off it in name order).
    fn push_children(&mut self, idx: usize, dir: &Path, curdir: bool) -> Result<()> {
        let read_err = |e| {
            anyhow!(
                "attempting to read `{}` resulted in an error: {e}",
                dir.display()
            )
        };
        let mut children = vec![];
        for e in fs::read_dir(dir).map_err(read_err)? {
            let e = e.map_err(read_err)?;
            let path = if curdir {
                PathBuf::from(e.file_name())
            } else {
                e.path()
            };
            // As glob: the entry's own type, except that a link is followed.
            let is_dir = match e.file_type() {
                Ok(t) if !t.is_symlink() => t.is_dir(),
                _ => fs::metadata(&path).is_ok_and(|m| m.is_dir()),
            };
            children.push((Entry { path, is_dir }, e.file_name()));
        }
        children.sort_by(|a, b| b.1.cmp(&a.1));
        self.todo
            .extend(children.into_iter().map(|(e, _)| Ok((e, idx))));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree(root: &Path) {
        for d in [
            "crates/a/src",
            "crates/ab/x",
            "crates/b",
            ".hidden/x",
            "sub/deep/x/y",
            "sub/x",
            "other/real",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in ["crates/a/Cargo.toml", "crates/file", "sub/deep/x/f"] {
            fs::write(root.join(f), "").unwrap();
        }
        // Links that reach no directory twice: outside the tree, dangling, to a file.
        let outside = tempfile::tempdir().unwrap().keep();
        fs::create_dir_all(outside.join("o/p")).unwrap();
        symlink(&outside, root.join("crates/out")).unwrap();
        symlink(root.join("nowhere"), root.join("crates/dangling")).unwrap();
        symlink(root.join("crates/file"), root.join("sub/to-file")).unwrap();
    }

    /// Without aliases the walk is the `glob` crate's, match for match and in its order.
    #[test]
    fn matches_the_glob_crate_in_order() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        tree(&root);
        for pat in [
            "*",
            "**",
            "crates/*",
            "crates/**",
            "crates/**/",
            "**/x",
            "c?ates/[ab]*",
            "sub/..",
            "sub/../crates/*",
            ".*",
            ".*/x",
            "crates/*/",
            "sub/**/x/**",
            "**/**/y",
            "nomatch/*",
            "crates/a",
            "crates",
            "crates/[!a]*",
            "sub/*/*/*",
            "crates/out/**",
            "",
        ] {
            let full = root.join(pat);
            let text = full.to_str().unwrap();
            let want: Vec<PathBuf> = glob::glob(text).unwrap().map(|p| p.unwrap()).collect();
            let got = expand(text).unwrap();
            assert_eq!(got.matches, want, "{pat}");
            assert!(got.aliases.is_empty(), "{pat}");
        }
    }

    /// `a/loop -> .` and `a/up -> ..`: glob goes 40 links deep and, with two links back, never
    /// ends. Here each directory is walked once and the second paths are aliases.
    #[test]
    fn link_loops_are_walked_once_and_reported() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        fs::create_dir_all(root.join("crates/a")).unwrap();
        symlink(".", root.join("crates/a/loop")).unwrap();
        symlink("..", root.join("crates/a/up")).unwrap();
        symlink("..", root.join("crates/a/up2")).unwrap();
        let got = expand(root.join("crates/**").to_str().unwrap()).unwrap();
        let rel = |v: &[PathBuf]| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(
            rel(&got.matches),
            ["crates/a", "crates/a/loop", "crates/a/up", "crates/a/up2"]
        );
        let aliases: Vec<(PathBuf, PathBuf)> = got
            .aliases
            .iter()
            .map(|a| (a.path.clone(), a.first.clone()))
            .collect();
        let want = [
            ("crates/a/loop", "crates/a"),
            ("crates/a/up", "crates"),
            ("crates/a/up2", "crates"),
        ]
        .map(|(a, b)| (root.join(a), root.join(b)));
        assert_eq!(aliases, want);
    }
}
