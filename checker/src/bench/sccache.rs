//! `tierN+sccache`: a team's loop, i.e. a clean debug build of a second checkout while a shared
//! cache (Redis, S3, ...) is warm from a first one. The bench runs its own sccache server on a
//! private port against the backend the caller's SCCACHE_* variables name, builds a copy of the
//! project once to warm it, and proves every measured clean build took hits from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::presets::Config;
use super::proof::cargo_in;

/// Variables that name a shared sccache backend (a local disk cache is not shared).
const SHARED_BACKENDS: &[&str] = &[
    "SCCACHE_REDIS_ENDPOINT",
    "SCCACHE_REDIS_CLUSTER_ENDPOINTS",
    "SCCACHE_REDIS",
    "SCCACHE_BUCKET",
    "SCCACHE_GCS_BUCKET",
    "SCCACHE_AZURE_CONNECTION_STRING",
    "SCCACHE_WEBDAV_ENDPOINT",
    "SCCACHE_MEMCACHED_ENDPOINT",
    "SCCACHE_GHA_ENABLED",
];

/// Gives the configuration its own sccache server (a free port, no idle shutdown), after
/// checking a shared backend is configured.
pub fn prepare(cfg: &mut Config) -> Result<()> {
    if !SHARED_BACKENDS
        .iter()
        .any(|k| std::env::var_os(k).is_some())
    {
        bail!(
            "{} measures a shared cache: set one of {} (e.g. SCCACHE_REDIS_ENDPOINT=redis://127.0.0.1:6379 with a local redis-server)",
            cfg.name,
            SHARED_BACKENDS[..2].join(", ")
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("no free port for the sccache server")?
        .port();
    cfg.env
        .insert("SCCACHE_SERVER_PORT".into(), port.to_string());
    cfg.env.insert("SCCACHE_IDLE_TIMEOUT".into(), "0".into());
    Ok(())
}

pub struct Sccache {
    pub config: String,
    exe: PathBuf,
    env: BTreeMap<String, String>,
}

impl Sccache {
    /// Starts the server and fills the cache from a first checkout (a copy of `project` in
    /// `work`).
    pub fn warm(project: &Path, work: &Path, cfg: &Config) -> Result<Sccache> {
        let exe = PathBuf::from(
            cfg.env
                .get("RUSTC_WRAPPER")
                .with_context(|| format!("{}: the tier sets no RUSTC_WRAPPER", cfg.name))?,
        );
        let s = Sccache {
            config: cfg.name.clone(),
            exe,
            env: cfg.env.clone(),
        };
        s.command(&["--start-server"])?;
        let dir = crate::variant::dir_name(&cfg.name);
        let first = work.join(format!("{dir}.first-checkout"));
        let _ = std::fs::remove_dir_all(&first);
        copy_tree(project, &first)?;
        let target = work.join(&dir);
        let _ = std::fs::remove_dir_all(&target);
        let log = work.join(format!("{dir}.first-checkout.log"));
        cargo_in(&first, cfg, &target, &[], &log)?;
        let _ = std::fs::remove_dir_all(&target);
        Ok(s)
    }

    fn command(&self, args: &[&str]) -> Result<String> {
        let mut c = Command::new(&self.exe);
        c.args(args).envs(&self.env).stdin(Stdio::null());
        let out =
            crate::child::output(&mut c, "sccache", Some(std::time::Duration::from_secs(60)))?;
        if !out.status.success() {
            bail!(
                "sccache {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Cache hits so far (every language).
    pub fn hits(&self) -> Result<u64> {
        hits_in(&self.command(&["--show-stats", "--stats-format", "json"])?)
    }

    /// The build since `before` took objects from the cache.
    pub fn prove_hits(&self, before: u64) -> Result<()> {
        let after = self.hits()?;
        if after <= before {
            bail!(
                "{}: the clean build took no object from the shared cache (sccache hits stayed at {after})",
                self.config
            );
        }
        Ok(())
    }

    pub fn stop(&self) {
        let _ = self.command(&["--stop-server"]);
    }
}

/// What the bench reads of `sccache --show-stats --stats-format json`: the cache hits per
/// language. A field sccache leaves out (no hits yet, an older version) counts as none.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ShowStats {
    stats: ServerStats,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ServerStats {
    cache_hits: PerLanguage,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PerLanguage {
    counts: BTreeMap<String, u64>,
}

/// Cache hits of every language in a `--show-stats` JSON document.
fn hits_in(text: &str) -> Result<u64> {
    let s: ShowStats = serde_json::from_str(text).context("sccache --show-stats: not JSON")?;
    Ok(s.stats.cache_hits.counts.values().sum())
}

/// Copies a source tree, leaving out `target` and `.git` directories.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("{}: cannot create", to.display()))?;
    let cannot_read = || format!("{}: cannot read", from.display());
    for e in std::fs::read_dir(from).with_context(cannot_read)? {
        let e = e.with_context(cannot_read)?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e
            .file_type()
            .with_context(|| format!("{}: cannot stat", src.display()))?;
        if t.is_dir() {
            if e.file_name() != "target" && e.file_name() != ".git" {
                copy_tree(&src, &dst)?;
            }
        } else if t.is_symlink() {
            let link = std::fs::read_link(&src)
                .with_context(|| format!("{}: cannot read the link", src.display()))?;
            std::os::unix::fs::symlink(link, &dst)
                .with_context(|| format!("{}: cannot create", dst.display()))?;
        } else if t.is_file() {
            std::fs::copy(&src, &dst)
                .with_context(|| format!("{}: cannot copy to {}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `sccache --show-stats --stats-format json` of a server that compiled Rust and C.
    const SHOW_STATS: &str = r#"{"stats":{"compile_requests":57,"requests_unsupported_compiler":0,
        "requests_not_compile":12,"requests_not_cacheable":6,"requests_executed":39,
        "cache_errors":{"counts":{},"adv_counts":{}},
        "cache_hits":{"counts":{"Rust":31,"C/C++":4},"adv_counts":{"rust":31,"gcc":4}},
        "cache_misses":{"counts":{"Rust":4},"adv_counts":{"rust":4}},"cache_timeouts":0,
        "cache_read_errors":0,"non_cacheable_compilations":0,"forced_recaches":0,
        "cache_write_errors":0,"cache_writes":4,
        "cache_write_duration":{"secs":0,"nanos":41377091},
        "cache_read_hit_duration":{"secs":0,"nanos":90873011},
        "compiler_write_duration":{"secs":3,"nanos":512018437},
        "not_cached":{"crate-type":6},"dist_compiles":{},"dist_errors":0},
        "cache_location":"Redis: redis://127.0.0.1:6379/","use_preprocessor_cache_mode":false,
        "cache_size":null,"max_cache_size":null,"version":"0.8.2"}"#;

    #[test]
    fn hits_are_the_sum_over_languages() {
        assert_eq!(super::hits_in(SHOW_STATS).unwrap(), 35);
        let fresh =
            r#"{"stats":{"compile_requests":0,"cache_hits":{"counts":{},"adv_counts":{}}}}"#;
        assert_eq!(super::hits_in(fresh).unwrap(), 0);
        assert_eq!(super::hits_in(r#"{"version":"0.8.2"}"#).unwrap(), 0);
        let e = format!("{:#}", super::hits_in("sccache: error").unwrap_err());
        assert!(e.starts_with("sccache --show-stats: not JSON"), "{e}");
    }

    #[test]
    fn a_copy_that_fails_names_the_file() {
        let d = tempfile::tempdir().unwrap();
        let (from, to) = (d.path().join("from"), d.path().join("to"));
        std::fs::create_dir_all(&from).unwrap();
        std::fs::create_dir_all(to.join("l")).unwrap();
        std::os::unix::fs::symlink("x", from.join("l")).unwrap();
        let e = format!("{:#}", super::copy_tree(&from, &to).unwrap_err());
        let want = format!("{}: cannot create: ", to.join("l").display());
        assert!(e.starts_with(&want), "{e}");
    }
}
