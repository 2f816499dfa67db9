//! rustc's answers kept between runs, as Cargo keeps them in `target/.rustc_info.json` (cargo's
//! `util/rustc.rs`: a key of the rustc binary's fingerprint, the program, its arguments and
//! environment). Kept only for a rustc whose files cannot change under the same fingerprint: a
//! toolchain rustup installed from its channels (an update or a component change rewrites
//! `bin/rustc` or `lib/rustlib/components`) and one in the Nix store. The key holds the whole
//! environment but the shell's bookkeeping (`PWD`, `OLDPWD`, `SHLVL`, `_`): a variable missed
//! costs a miss, never a stale answer. Only successful, UTF-8 answers are kept; an entry that
//! cannot be read is a miss. `TIERCHECK_NO_CACHE` (any value) turns it off.

use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
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
    env: Vec<(String, String)>,
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
    let program = std::fs::canonicalize(program).ok()?;
    let fingerprint = fingerprint(&program, rustup_home)?;
    // Set by the shell or a benchmark harness on every run, read by no rustc.
    let skipped = [
        "PWD",
        "OLDPWD",
        "SHLVL",
        "_",
        "HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET",
    ];
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter(|(k, _)| !skipped.iter().any(|s| k == s))
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    env.sort();
    Some(Key {
        version: 1,
        program,
        fingerprint,
        args: args.to_vec(),
        env,
    })
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
                .is_some_and(|n| crate::rustup_home::is_channel_name(&n.to_string_lossy()))
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

/// The kept answer for `key`, if any.
pub fn get(dir: &Path, key: &Key) -> Option<Output> {
    let bytes = crate::fsread::read_bytes(&file_of(dir, key)?, "rustc cache", 1 << 24).ok()?;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    (entry.key == *key).then(|| Output {
        status: ExitStatus::from_raw(0),
        stdout: entry.stdout.into_bytes(),
        stderr: entry.stderr.into_bytes(),
    })
}

/// Keeps a successful answer (written to a temp file and renamed: a reader sees all or none).
/// Failing to keep it changes nothing but the next run's time.
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
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temp = crate::atomic_fs::temp_name(&file);
    if crate::atomic_fs::write_temp(&temp, &file, &bytes).is_ok()
        && std::fs::rename(&temp, &file).is_err()
    {
        let _ = std::fs::remove_file(&temp);
    }
    prune(dir, MAX_ENTRIES);
}

/// Entries kept at most: an environment that changes on every run (a job id) adds one a run.
const MAX_ENTRIES: usize = 512;

/// Over `max` entries, removes the older half: only files named as entries are, in this
/// directory that only this module writes.
fn prune(dir: &Path, max: usize) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = read
        .flatten()
        .filter(|e| is_entry_name(&e.file_name().to_string_lossy()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
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
}
