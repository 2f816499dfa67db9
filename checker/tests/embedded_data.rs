//! What the crate embeds is `nix/`'s bytes, never a hand-kept copy: every `include_str!` in
//! `src/` reads from `data/`, every file under `data/` is a relative symlink to the same path
//! under `nix/` (`cargo package` stores the target's content in the published crate), and every
//! such file is embedded. The flake reads `nix/` and the crate reads `data/`: these checks keep
//! them the one file.

use std::fs;
use std::path::{Component, Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `base/rel` with `.` and `..` folded, no symlink followed.
fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    let mut out = base.to_path_buf();
    for c in rel.components() {
        match c {
            Component::ParentDir => assert!(out.pop(), "{} leaves /", rel.display()),
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The literal paths of `include_str!("...")` / `include_bytes!("...")` in one source file.
fn includes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for mac in ["include_str!(\"", "include_bytes!(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(mac) {
            rest = &rest[at + mac.len()..];
            let end = rest.find('"').expect("unterminated include path");
            found.push(rest[..end].to_string());
        }
    }
    found
}

#[test]
fn every_include_reads_data_and_every_data_file_is_embedded() {
    let root = crate_dir();
    let data = root.join("data");
    let mut sources = Vec::new();
    files_under(&root.join("src"), &mut sources);
    let mut embedded = Vec::new();
    for src in sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let text = fs::read_to_string(src).unwrap();
        for rel in includes(&text) {
            let target = lexical_join(src.parent().unwrap(), Path::new(&rel));
            assert!(
                target.starts_with(&data),
                "{} embeds {rel}, outside data/: the published crate would not have it",
                src.display()
            );
            embedded.push(target);
        }
    }
    let mut files = Vec::new();
    files_under(&data, &mut files);
    for f in &files {
        assert!(
            embedded.contains(f),
            "{} is in data/ but nothing embeds it",
            f.display()
        );
    }
    assert!(!files.is_empty());
}

#[test]
fn data_files_are_symlinks_to_the_same_path_under_nix() {
    let root = crate_dir();
    let data = root.join("data");
    let nix = root.parent().unwrap().join("nix");
    let mut files = Vec::new();
    files_under(&data, &mut files);
    for f in &files {
        let rel = f.strip_prefix(&data).unwrap();
        let link = fs::read_link(f).unwrap_or_else(|e| {
            panic!(
                "{} must be a symlink into nix/ (not a copy): {e}",
                f.display()
            )
        });
        assert!(
            link.is_relative(),
            "{} -> {}: use a relative link",
            f.display(),
            link.display()
        );
        let want = nix.join(rel);
        assert_eq!(
            lexical_join(f.parent().unwrap(), &link),
            want,
            "{} must point at nix/{}",
            f.display(),
            rel.display()
        );
        assert_eq!(fs::read(f).unwrap(), fs::read(&want).unwrap());
    }
}

#[test]
fn the_embedded_tier_data_is_nix_tiers_toml() {
    let nix = crate_dir().parent().unwrap().join("nix/tiers.toml");
    assert_eq!(
        tiercheck::tiers::TIERS_TOML,
        fs::read_to_string(nix).unwrap()
    );
}
