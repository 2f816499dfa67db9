//! `init` never loses a byte of the project: each defect that once cut, half-applied or wrote
//! outside a project is a case here.

use std::path::Path;
use std::process::{Command, Output};

const TC: &str = env!("CARGO_BIN_EXE_tiercheck");
const MANIFEST: &str = "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

fn project(manifest: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(d.path().join("Cargo.toml"), manifest).unwrap();
    d
}

fn sh(script: &str, dir: &Path) -> Output {
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .env("TC", TC)
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .unwrap()
}

fn init(dir: &Path) -> Output {
    sh("exec \"$TC\" init --tier tier1 --yes .", dir)
}

/// Every file under `dir` with its bytes (symlinks as their target), sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.strip_prefix(dir).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&p).unwrap();
                out.push((name, to.as_os_str().as_encoded_bytes().to_vec()));
            } else if meta.is_dir() {
                out.push((name + "/", vec![]));
                stack.push(p);
            } else {
                out.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn assert_refused(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(2), "{what}: {o:?}");
    assert!(
        o.stdout.is_empty(),
        "{what}: exit 2 prints nothing on stdout"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
}

#[test]
fn a_file_size_limit_leaves_the_manifest_whole() {
    let big = MANIFEST.to_string() + &"# padding padding padding padding padding\n".repeat(5000);
    let d = project(&big);
    let before = tree(d.path());
    let o = sh(
        "ulimit -f 100; exec \"$TC\" init --tier tier1 --yes .",
        d.path(),
    );
    assert_refused(&o, "ulimit -f");
    assert!(String::from_utf8_lossy(&o.stderr).contains("Cargo.toml"));
    assert_eq!(
        tree(d.path()),
        before,
        "nothing changed, nothing left behind"
    );
}

#[test]
fn a_cargo_dir_that_is_a_file_is_left_alone() {
    let d = project(MANIFEST);
    std::fs::write(d.path().join(".cargo"), "a plain file").unwrap();
    let o = init(d.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(d.path().join(".cargo")).unwrap(),
        "a plain file"
    );
    let after = std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap();
    assert!(after.starts_with(MANIFEST) && after.contains("[profile.profiling]"));
}

#[test]
fn symlinks_out_of_the_project_are_never_written_or_shown() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.toml");
    std::fs::write(&secret, "SECRET-CONTENT = 1\n[package]\nname = \"s\"\n").unwrap();
    let d = project(MANIFEST);
    std::fs::remove_file(d.path().join("Cargo.toml")).unwrap();
    std::os::unix::fs::symlink(&secret, d.path().join("Cargo.toml")).unwrap();
    let o = init(d.path());
    assert_refused(&o, "Cargo.toml links out");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("SECRET"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("out of the project"));
    assert!(std::fs::read_to_string(&secret)
        .unwrap()
        .starts_with("SECRET"));

    let d = project(MANIFEST);
    std::os::unix::fs::symlink(outside.path(), d.path().join("rust-toolchain.toml")).unwrap();
    let o = sh(
        "exec \"$TC\" init --tier tier1 --yes --toolchain-file .",
        d.path(),
    );
    assert_refused(&o, "rust-toolchain.toml links out");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

#[test]
fn line_endings_bom_and_mode_are_kept() {
    let crlf = format!("\u{feff}{}", MANIFEST.replace('\n', "\r\n"));
    let d = project(&crlf);
    let manifest = d.path().join("Cargo.toml");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = init(d.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let after = std::fs::read_to_string(&manifest).unwrap();
    assert!(after.starts_with('\u{feff}'), "BOM kept");
    assert!(after.contains("[profile.profiling]\r\n"), "{after:?}");
    assert!(
        !after.replace("\r\n", "").contains('\n'),
        "CRLF throughout: {after:?}"
    );
    let mode = std::fs::metadata(&manifest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!d.path().join("target").exists(), "no records left");
}

#[test]
fn in_a_member_it_writes_the_workspace_root() {
    let d = project("[workspace]\nmembers = [\"m\"]\nresolver = \"2\"\n");
    std::fs::remove_dir_all(d.path().join("src")).unwrap();
    let m = d.path().join("m");
    std::fs::create_dir_all(m.join("src")).unwrap();
    std::fs::write(m.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(m.join("Cargo.toml"), MANIFEST).unwrap();
    let o = init(&m);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(m.join("Cargo.toml")).unwrap(),
        MANIFEST
    );
    let root = std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap();
    assert!(root.contains("[profile.profiling]"), "{root}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("member of the workspace"));
}

#[test]
fn equal_values_are_not_reported_as_kept() {
    let d = project(&format!(
        "{MANIFEST}\n[profile.release]\nlto = 'thin' # ours\ncodegen-units = 0x1\n"
    ));
    let o = sh(
        "exec \"$TC\" init --tier tier1 --yes --env-settings .",
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("kept"), "{err}");
}

#[test]
fn a_toml_error_is_one_line_without_the_source() {
    let long = "x".repeat(200_000);
    let d = project(&format!("{MANIFEST}bad = [{long}\n"));
    let o = init(d.path());
    assert_refused(&o, "invalid TOML");
    assert!(
        o.stderr.len() < 400,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_inline_profile_table_is_merged() {
    // A top-level key must come before the first table header.
    let d = project(&format!(
        "profile = {{ release = {{ lto = false }} }}\n{MANIFEST}"
    ));
    let o = sh(
        "exec \"$TC\" init --tier tier1 --yes --env-settings .",
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let after = std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap();
    let parsed: toml::Table = after.parse().unwrap();
    assert_eq!(parsed["profile"]["release"]["lto"].as_bool(), Some(false));
    assert_eq!(
        parsed["profile"]["release"]["codegen-units"].as_integer(),
        Some(1)
    );
    assert!(parsed["profile"]["release-fat"].is_table(), "{after}");
}
