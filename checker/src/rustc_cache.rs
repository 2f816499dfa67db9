//! rustc's answers kept between runs, as Cargo keeps them in `target/.rustc_info.json` (cargo's
//! `util/rustc.rs`: a key of the rustc binary's fingerprint, the program, its arguments and
//! environment). Kept only for a rustc whose files cannot change under the same fingerprint: a
//! toolchain rustup installed from its channels (an update or a component change rewrites
//! `bin/rustc` or `lib/rustlib/components`) and one in the Nix store, and only for questions
//! whose answer depends on nothing else (no `native` CPU, no target spec file). The key holds a
//! SHA-256 digest of the whole environment but the shell's bookkeeping (`PWD`, `OLDPWD`,
//! `SHLVL`, `_`): a variable missed costs a miss, never a stale answer, and no secret in the
//! environment is written down. Only successful, UTF-8 answers are kept, in a directory only the
//! user can read; an entry that cannot be read, or that another user could have written, is a
//! miss. `TIERCHECK_NO_CACHE` (any value) turns it off.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output};

use serde::{Deserialize, Serialize};

/// What one answer depends on, in full (compared on every read: the file name is only a hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    version: u32,
    program: PathBuf,
    fingerprint: Vec<String>,
    args: Vec<String>,
    /// SHA-256 of the sorted `NAME=value` lines, in hex.
    env: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: Key,
    stdout: String,
    stderr: String,
}

/// Where answers are kept: `$XDG_CACHE_HOME/tiercheck/rustc`, else `~/.cache/tiercheck/rustc`.
pub fn default_dir() -> Option<PathBuf> {
    if std::env::var_os("TIERCHECK_NO_CACHE").is_some() {
        return None;
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    base.is_absolute()
        .then(|| base.join("tiercheck").join("rustc"))
}

/// The key of running `program` with `args` in this process's environment; `None` when its
/// answers are not kept (see the module doc). `rustup_home`: where rustup's toolchains live.
pub fn key(program: &Path, args: &[String], rustup_home: Option<&Path>) -> Option<Key> {
    if !answer_is_the_toolchains(args) {
        return None;
    }
    let program = std::fs::canonicalize(program).ok()?;
    let fingerprint = fingerprint(&program, rustup_home)?;
    Some(Key {
        version: 2,
        program,
        fingerprint,
        args: args.to_vec(),
        env: env_digest(),
    })
}

/// Whether the answer to `args` depends only on the toolchain and the environment: not on the
/// machine's CPU (`target-cpu=native`) nor on a target spec file (a `--target` that is not one
/// of rustc's built-in targets).
fn answer_is_the_toolchains(args: &[String]) -> bool {
    let builtin = |t: &str| cfg_expr::targets::get_builtin_target_by_triple(t).is_some();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        let target = match a.strip_prefix("--target") {
            Some("") => args.next().map(String::as_str),
            Some(v) => v.strip_prefix('='),
            None => None,
        };
        if a.contains("native") || target.is_some_and(|t| !builtin(t)) {
            return false;
        }
    }
    true
}

fn env_digest() -> String {
    use sha2::Digest;
    // Set by the shell or a benchmark harness on every run, read by no rustc.
    let skipped = [
        "PWD",
        "OLDPWD",
        "SHLVL",
        "_",
        "HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET",
    ];
    let mut env: Vec<_> = std::env::vars_os()
        .filter(|(k, _)| !skipped.iter().any(|s| k == s))
        .collect();
    env.sort();
    let mut digest = sha2::Sha256::new();
    // Each part with its length first: no two environments give the same stream.
    for part in env.iter().flat_map(|(k, v)| [k, v]) {
        let bytes = part.as_encoded_bytes();
        digest.update((bytes.len() as u64).to_le_bytes());
        digest.update(bytes);
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files whose change changes rustc's answers, as "path size mtime inode" lines.
fn fingerprint(program: &Path, rustup_home: Option<&Path>) -> Option<Vec<String>> {
    if program.file_stem()? != "rustc" {
        return None;
    }
    let toolchain = program.parent().filter(|b| b.ends_with("bin"))?.parent()?;
    let official = rustup_home.is_some_and(|h| {
        let dir = h.join("toolchains");
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        toolchain.parent() == Some(dir.as_path())
            && toolchain
                .file_name()
                .is_some_and(|n| crate::toolchain_name::is_channel_name(&n.to_string_lossy()))
    });
    if official {
        let components = toolchain.join("lib/rustlib/components");
        return [program, components.as_path()]
            .iter()
            .map(|p| stamp(p))
            .collect();
    }
    // A store path never changes: its name holds the hash of what built it.
    program
        .starts_with("/nix/store")
        .then(|| stamp(program))
        .flatten()
        .map(|s| vec![s])
}

fn stamp(p: &Path) -> Option<String> {
    let m = std::fs::metadata(p).ok()?;
    Some(format!(
        "{} {} {}.{} {}",
        p.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ino()
    ))
}

fn file_of(dir: &Path, key: &Key) -> Option<PathBuf> {
    let text = serde_json::to_string(key).ok()?;
    // Only a file name: the whole key is compared on reading.
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    Some(dir.join(format!("{:016x}.json", h.finish())))
}

/// The kept answer for `key`, if any: from a file (in a directory) only this user can have
/// written. A hit marks the entry used, so pruning keeps it.
pub fn get(dir: &Path, key: &Key) -> Option<Output> {
    let file = file_of(dir, key)?;
    if !only_ours(dir) || !only_ours(&file) {
        return None;
    }
    let bytes = crate::fsread::read_bytes(&file, "rustc cache", 1 << 24).ok()?;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    if entry.key != *key {
        return None;
    }
    let _ = std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
    Some(Output {
        status: ExitStatus::from_raw(0),
        stdout: entry.stdout.into_bytes(),
        stderr: entry.stderr.into_bytes(),
    })
}

/// Whether `p` (not followed if a link) belongs to this user and no one else may write it.
fn only_ours(p: &Path) -> bool {
    std::fs::symlink_metadata(p)
        .is_ok_and(|m| m.uid() == rustix::process::geteuid().as_raw() && m.mode() & 0o022 == 0)
}

/// Keeps a successful answer (written to a temp file only the user can read, then renamed: a
/// reader sees all or none). Failing to keep it changes nothing but the next run's time.
pub fn put(dir: &Path, key: &Key, out: &Output) {
    let (Ok(stdout), Ok(stderr)) = (
        String::from_utf8(out.stdout.clone()),
        String::from_utf8(out.stderr.clone()),
    ) else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let entry = Entry {
        key: key.clone(),
        stdout,
        stderr,
    };
    let (Some(file), Ok(bytes)) = (file_of(dir, key), serde_json::to_vec(&entry)) else {
        return;
    };
    let made = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    if made.is_err() || !only_ours(dir) {
        return;
    }
    let temp = crate::atomic_fs::temp_name(&file);
    if write_private(&temp, &bytes).is_err() || std::fs::rename(&temp, &file).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    prune(dir, MAX_ENTRIES);
}

fn write_private(temp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?
        .write_all(bytes)
}

/// Entries kept at most: an environment that changes on every run (a job id) adds one a run.
const MAX_ENTRIES: usize = 512;

/// Over `max` entries, removes the least recently used half; and our temp files an hour old (a
/// run killed between write and rename). Only files named as either are touched, in this
/// directory that only this module writes.
fn prune(dir: &Path, max: usize) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for e in read.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(modified) = e.metadata().ok().and_then(|m| m.modified().ok()) else {
            continue;
        };
        if is_entry_name(&name) {
            entries.push((modified, e.path()));
        } else if crate::atomic_fs::is_temp_name(&name) && modified < hour_ago {
            let _ = std::fs::remove_file(e.path());
        }
    }
    if entries.len() <= max {
        return;
    }
    entries.sort();
    for (_, p) in &entries[..entries.len() - max / 2] {
        let _ = std::fs::remove_file(p);
    }
}

fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".json")
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toolchain(home: &Path, name: &str) -> PathBuf {
        let dir = home.join("toolchains").join(name);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("lib/rustlib")).unwrap();
        std::fs::write(dir.join("lib/rustlib/components"), "rustc\n").unwrap();
        std::fs::write(dir.join("bin/rustc"), "").unwrap();
        dir.join("bin/rustc")
    }

    fn ok(stdout: &str) -> Output {
        Output {
            status: ExitStatus::from_raw(0),
            stdout: stdout.into(),
            stderr: vec![],
        }
    }

    #[test]
    fn only_installed_channels_are_kept() {
        let home = tempfile::tempdir().unwrap();
        let stable = toolchain(home.path(), "stable-x86_64-unknown-linux-gnu");
        let linked = toolchain(home.path(), "stage1");
        let args = ["-vV".to_string()];
        assert!(key(&stable, &args, Some(home.path())).is_some());
        assert!(key(&linked, &args, Some(home.path())).is_none());
        assert!(key(&stable, &args, None).is_none());
        let cargo = stable.with_file_name("cargo");
        std::fs::write(&cargo, "").unwrap();
        assert!(key(&cargo, &args, Some(home.path())).is_none());
    }

    #[test]
    fn answers_are_kept_until_the_toolchain_changes() {
        let home = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let rustc = toolchain(home.path(), "nightly-2026-10-29-x86_64-unknown-linux-gnu");
        let args = ["--print=cfg".to_string()];
        let k = key(&rustc, &args, Some(home.path())).unwrap();
        assert!(get(cache.path(), &k).is_none());
        put(cache.path(), &k, &ok("unix\n"));
        assert_eq!(get(cache.path(), &k).unwrap().stdout, b"unix\n");
        // Another question, a failure, a component added: not the kept answer.
        let other = key(&rustc, &["-vV".to_string()], Some(home.path())).unwrap();
        assert!(get(cache.path(), &other).is_none());
        let mut failed = ok("");
        failed.status = ExitStatus::from_raw(1 << 8);
        put(cache.path(), &other, &failed);
        assert!(get(cache.path(), &other).is_none());
        let components = home
            .path()
            .join("toolchains/nightly-2026-10-29-x86_64-unknown-linux-gnu/lib/rustlib/components");
        std::fs::write(components, "rustc\nrustc-codegen-cranelift-preview\n").unwrap();
        let changed = key(&rustc, &args, Some(home.path())).unwrap();
        assert!(get(cache.path(), &changed).is_none());
        // Over the limit, the older half goes, and nothing not named as an entry.
        std::fs::write(cache.path().join("notes.txt"), "").unwrap();
        prune(cache.path(), 0);
        assert!(get(cache.path(), &k).is_none());
        assert!(cache.path().join("notes.txt").exists());
        put(cache.path(), &k, &ok("unix\n"));
        // A file that is not an entry is a miss.
        std::fs::write(file_of(cache.path(), &k).unwrap(), "{").unwrap();
        assert!(get(cache.path(), &k).is_none());
    }

    #[test]
    fn machine_and_spec_file_answers_are_not_kept() {
        let home = tempfile::tempdir().unwrap();
        let rustc = toolchain(home.path(), "stable-x86_64-unknown-linux-gnu");
        let with = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            key(&rustc, &args, Some(home.path())).is_some()
        };
        assert!(with(&["--print=cfg", "--target", "aarch64-apple-darwin"]));
        assert!(with(&["--print=cfg", "--target=wasm32-unknown-unknown"]));
        assert!(!with(&["--print=cfg", "-C", "target-cpu=native"]));
        assert!(!with(&["--print=cfg", "--target", "my-board.json"]));
        assert!(!with(&["--print=cfg", "--target=my-board"]));
    }

    #[test]
    fn entries_are_private_and_hold_no_environment() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let dir = cache.path().join("tiercheck/rustc");
        let rustc = toolchain(home.path(), "stable-x86_64-unknown-linux-gnu");
        let k = key(&rustc, &["-vV".to_string()], Some(home.path())).unwrap();
        put(&dir, &k, &ok("rustc 1.98.0\n"));
        let file = file_of(&dir, &k).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
        let text = std::fs::read_to_string(&file).unwrap();
        let path = std::env::var("PATH").unwrap();
        assert!(!text.contains(&path), "{text}");
        // Writable by others: a miss.
        assert!(get(&dir, &k).is_some());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(get(&dir, &k).is_none());
        // A run killed before its rename leaves a temp file: gone once an hour old.
        let temp = crate::atomic_fs::temp_name(&file);
        std::fs::write(&temp, "").unwrap();
        prune(&dir, MAX_ENTRIES);
        assert!(temp.exists());
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&temp)
            .and_then(|f| f.set_modified(old))
            .unwrap();
        prune(&dir, MAX_ENTRIES);
        assert!(!temp.exists());
    }
}
