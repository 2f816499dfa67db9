//! sccache-dist, client side. sccache 0.19 reads its distribution settings only from its client
//! config file (`$SCCACHE_CONF`, else the user's config dir; src/config.rs `config_file`): the
//! scheduler URL, the auth token and the toolchain cache size. That file holds a secret, so the
//! tier cannot set it; tiercheck reads it (never a file the project chooses to be trusted), probes
//! the scheduler within a time bound, and checks that the rustc in use can be packaged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::http;
use crate::fsread;
use crate::report::{Finding, Location, Rule};
use crate::toml_doc::TomlFile;
use crate::toolchain::RustcInfo;

/// sccache's default `toolchain_cache_size` (src/config.rs `default_toolchain_cache_size`).
pub const DEFAULT_TOOLCHAIN_CACHE: u64 = 10 << 30;
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// The string only a `dist-client` (or `dist-server`) build of sccache contains.
const DIST_CLIENT_MARK: &[u8] = b"/api/v1/scheduler/alloc_job";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Auth {
    /// No `[dist.auth]`: sccache sends its insecure default token.
    Insecure,
    /// `type = "token"`; the token itself is never printed.
    Token {
        #[serde(skip)]
        token: String,
    },
    /// An OAuth2 flavour (`mozilla`, `oauth2_code_grant_pkce`, `oauth2_implicit`).
    Oauth2 { flavour: String },
}

/// What the client config says about distribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientConfig {
    pub path: PathBuf,
    pub exists: bool,
    pub scheduler_url: Option<String>,
    pub auth: Auth,
    pub toolchain_cache_size: u64,
    /// `[[dist.toolchains]]` entries (path_override archives).
    pub toolchain_overrides: usize,
    /// Unix permission bits of the file.
    #[serde(skip)]
    pub mode: Option<u32>,
}

/// Where sccache reads its client config: `$SCCACHE_CONF`, else the `directories` crate's config
/// dir for ("", "Mozilla", "sccache").
pub fn config_path(get: &dyn Fn(&str) -> Option<String>, macos: bool) -> Option<PathBuf> {
    if let Some(p) = get("SCCACHE_CONF").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    if macos {
        let home = home?;
        let new = home.join("Library/Application Support/Mozilla.sccache/config");
        let old = home.join("Library/Preferences/Mozilla.sccache/config");
        return Some(if !new.exists() && old.exists() {
            old
        } else {
            new
        });
    }
    let base = get("XDG_CONFIG_HOME")
        .filter(|x| x.starts_with('/'))
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".config")))?;
    Some(base.join("sccache/config"))
}

/// sccache's size syntax: bytes, or a number with K/M/G/T (binary units).
pub fn parse_size(v: &toml::Value) -> Option<u64> {
    match v {
        toml::Value::Integer(i) => u64::try_from(*i).ok(),
        toml::Value::String(s) => {
            let mult: u64 = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
                Some('K') => 1 << 10,
                Some('M') => 1 << 20,
                Some('G') => 1 << 30,
                Some('T') => 1 << 40,
                _ => 1,
            };
            let digits = if mult > 1 { &s[..s.len() - 1] } else { s };
            digits.parse::<u64>().ok()?.checked_mul(mult)
        }
        _ => None,
    }
}

/// Parses the config text; `Err` is a one-line reason (sccache itself would refuse to start).
pub fn parse(path: &Path, text: &str) -> Result<ClientConfig, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{}: not TOML: {}", path.display(), e.message()))?;
    let dist = table.get("dist").and_then(|d| d.as_table());
    let get = |k: &str| dist.and_then(|d| d.get(k));
    let auth = match get("auth").and_then(|a| a.as_table()) {
        None => Auth::Insecure,
        Some(a) => match a.get("type").and_then(|t| t.as_str()) {
            Some("token") => Auth::Token {
                token: a
                    .get("token")
                    .and_then(|t| t.as_str())
                    .unwrap_or("")
                    .to_string(),
            },
            Some(t) => Auth::Oauth2 {
                flavour: t.to_string(),
            },
            None => return Err(format!("{}: [dist.auth] has no type", path.display())),
        },
    };
    let toolchain_cache_size = match get("toolchain_cache_size") {
        None => DEFAULT_TOOLCHAIN_CACHE,
        Some(v) => parse_size(v).ok_or_else(|| {
            format!(
                "{}: [dist] toolchain_cache_size {v} is not a size",
                path.display()
            )
        })?,
    };
    Ok(ClientConfig {
        path: path.to_path_buf(),
        exists: true,
        scheduler_url: get("scheduler_url")
            .and_then(|u| u.as_str())
            .map(String::from),
        auth,
        toolchain_cache_size,
        toolchain_overrides: get("toolchains")
            .and_then(|t| t.as_array())
            .map_or(0, Vec::len),
        mode: None,
    })
}

/// Reads the client config at `path` (a missing file means sccache's defaults: no scheduler).
pub fn load(path: &Path) -> Result<ClientConfig, String> {
    let shown = path.display().to_string();
    match fsread::read_text(path, &shown, 1 << 20) {
        Ok(text) => {
            let mut c = parse(path, &text)?;
            c.mode = std::fs::metadata(path).ok().map(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o777
            });
            Ok(c)
        }
        Err(e) if e.is_not_found() => Ok(ClientConfig {
            path: path.to_path_buf(),
            exists: false,
            scheduler_url: None,
            auth: Auth::Insecure,
            toolchain_cache_size: DEFAULT_TOOLCHAIN_CACHE,
            toolchain_overrides: 0,
            mode: None,
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// (https, host, port) of a scheduler URL.
pub fn url_endpoint(url: &str) -> Option<(bool, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let https = match scheme {
        "http" => false,
        "https" => true,
        _ => return None,
    };
    let hostport = rest.split(['/', '?', '#']).next()?;
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let default = if https { 443 } else { 80 };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains('[') || h.ends_with(']') => (h, p.parse().ok()?),
        _ => (hostport, default),
    };
    let host = host.trim_matches(['[', ']']);
    (!host.is_empty()).then(|| (https, host.to_string(), port))
}

/// What the scheduler said to a bounded probe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchedulerProbe {
    pub url: String,
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_servers: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_cpus: Option<u64>,
    pub token: TokenCheck,
}

/// What the scheduler said of this client's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenCheck {
    Accepted,
    Refused,
    /// Not asked: https, OAuth2, no token to send, or no answer.
    Unchecked,
}

impl TokenCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenCheck::Accepted => "accepted",
            TokenCheck::Refused => "refused",
            TokenCheck::Unchecked => "unchecked",
        }
    }
}

/// What the scheduler's status answer holds that is reported (sccache-dist's
/// `SchedulerStatusResult`; a part missing, or not a count, is unknown).
#[derive(Debug, Default, serde::Deserialize)]
struct SchedulerStatus {
    #[serde(default, deserialize_with = "count_or_none")]
    num_servers: Option<u64>,
    #[serde(default, deserialize_with = "count_or_none")]
    num_cpus: Option<u64>,
}

fn count_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(v.as_u64())
}

/// `GET /api/v1/scheduler/status` (no auth), then a `POST /api/v1/scheduler/alloc_job` with the
/// token and no body: the scheduler checks the bearer token first (401 when refused) and only
/// then the body (400), so no job is ever allocated. https: TCP connect only.
pub fn probe_scheduler(url: &str, auth: &Auth, timeout: Duration) -> SchedulerProbe {
    let mut p = SchedulerProbe {
        url: url.to_string(),
        reachable: false,
        error: None,
        num_servers: None,
        num_cpus: None,
        token: TokenCheck::Unchecked,
    };
    let Some((https, host, port)) = url_endpoint(url) else {
        p.error = Some("not an http:// or https:// URL".into());
        return p;
    };
    if https {
        match http::connect(&host, port, timeout) {
            Ok(_) => p.reachable = true,
            Err(e) => p.error = Some(e),
        }
        return p;
    }
    match http::get_json(&host, port, "/api/v1/scheduler/status", timeout) {
        Ok(r) if r.status == 200 => {
            p.reachable = true;
            let status: SchedulerStatus = serde_json::from_str(&r.body).unwrap_or_default();
            p.num_servers = status.num_servers;
            p.num_cpus = status.num_cpus;
        }
        Ok(r) => {
            p.reachable = true;
            p.error = Some(format!(
                "status answered HTTP {}: not an sccache-dist scheduler?",
                r.status
            ));
            return p;
        }
        Err(e) => {
            p.error = Some(e);
            return p;
        }
    }
    // A refused token costs more than a 401: sccache-dist 0.19's scheduler logs every refusal
    // as `User token <sent> != expected token <its real token>` (token_check.rs, at warn level,
    // printed whenever SCCACHE_LOG is set). So a token known to be wrong is never sent: no
    // `[dist.auth]` (sccache's insecure default, reported as sccache-dist-no-auth) or an empty
    // one. A configured token is sent: the build would send the same one anyway.
    let token = match auth {
        Auth::Token { token } if !token.is_empty() => token.as_str(),
        Auth::Token { .. } | Auth::Insecure | Auth::Oauth2 { .. } => return p,
    };
    if let Ok(r) =
        http::post_empty_with_bearer(&host, port, "/api/v1/scheduler/alloc_job", token, timeout)
    {
        p.token = match r.status {
            401 => TokenCheck::Refused,
            400 => TokenCheck::Accepted,
            _ => TokenCheck::Unchecked,
        };
    }
    p
}

/// Whether the sccache binary was built with `dist-client` (its bytes hold the scheduler API
/// paths only then). `None` when it cannot be read.
pub fn sccache_has_dist_client(exe: &Path) -> Option<bool> {
    let bytes = fsread::read_bytes(exe, &exe.display().to_string(), 512 << 20).ok()?;
    Some(
        bytes
            .windows(DIST_CLIENT_MARK.len())
            .any(|w| w == DIST_CLIENT_MARK),
    )
}

/// What sccache would package for the build servers: `$sysroot/bin/rustc` (must be an ELF: sccache
/// packages the executable and its `ldd` dependencies) plus `lib/rustlib` without `src` and `etc`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolchainPackage {
    pub rustc: PathBuf,
    pub packageable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Uncompressed bytes of what would be packaged.
    pub bytes: u64,
}

pub fn toolchain_package(info: &RustcInfo, overrides: usize) -> Option<ToolchainPackage> {
    let sysroot = PathBuf::from(info.sysroot.as_ref()?);
    let rustc = sysroot.join("bin/rustc");
    let linux = info.host.ends_with("-linux-gnu")
        && (info.host.starts_with("x86_64-") || info.host.starts_with("aarch64-"));
    let head = fsread::read_bytes(&rustc, &rustc.display().to_string(), 1 << 30)
        .map(|b| b.get(..4).map(<[u8]>::to_vec).unwrap_or_default());
    let problem = match &head {
        _ if !linux && overrides == 0 => Some(format!(
            "sccache packages a Rust toolchain by itself only on x86_64/aarch64 Linux; on {} it needs a [[dist.toolchains]] path_override archive",
            info.host
        )),
        Err(e) => Some(e.to_string()),
        Ok(h) if h.as_slice() != b"\x7fELF" && linux => Some(format!(
            "{} is not an ELF executable (a wrapper script?): sccache packages rustc with its ldd dependencies, so every compile falls back to local",
            rustc.display()
        )),
        Ok(_) => None,
    };
    let mut bytes = std::fs::metadata(&rustc).map_or(0, |m| m.len());
    bytes += dir_size(&sysroot.join("lib"), &["src", "etc"], 0);
    Some(ToolchainPackage {
        rustc,
        packageable: problem.is_none(),
        problem,
        bytes,
    })
}

/// Bytes of regular files under `dir`, skipping `lib/rustlib/{src,etc}`; symlinks not followed.
fn dir_size(dir: &Path, skip_in_rustlib: &[&str], depth: u32) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    let in_rustlib = dir.file_name().is_some_and(|n| n == "rustlib");
    let mut total = 0;
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() && depth < 12 {
            if in_rustlib && skip_in_rustlib.iter().any(|s| e.file_name() == *s) {
                continue;
            }
            total += dir_size(&e.path(), skip_in_rustlib, depth + 1);
        } else if t.is_file() {
            total += e.metadata().map_or(0, |m| m.len());
        }
    }
    total
}

/// Everything tiercheck knows about the client side, for the JSON facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientFacts {
    pub config: Option<ClientConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<SchedulerProbe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<ToolchainPackage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sccache_dist_client: Option<bool>,
}

/// The inputs of the client check, passed explicitly (tests give their own).
pub struct ClientCheck<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The project directory (`project`), whose files must not hold the config.
    pub project_dir: Option<&'a Path>,
    pub rustc: Option<&'a RustcInfo>,
    pub sccache: Option<PathBuf>,
    pub timeout: Duration,
}

/// The client-side findings for sccache-dist, and the facts behind them.
pub fn check_client(c: &ClientCheck) -> (ClientFacts, Vec<Finding>) {
    let mut out = vec![];
    let macos = c.rustc.is_some_and(|i| i.host.contains("-apple-"));
    let mut facts = ClientFacts {
        config: None,
        scheduler: None,
        toolchain: None,
        sccache_dist_client: c.sccache.as_deref().and_then(sccache_has_dist_client),
    };
    if let (Some(false), Some(exe)) = (facts.sccache_dist_client, &c.sccache) {
        out.push(
            Finding::new(Rule::SccacheDistNoClient, format!("{} was built without the dist-client feature: it never distributes", exe.display()))
                .fix("cargo install --locked sccache (default features include dist-client), or nixpkgs' sccache"),
        );
    }
    let Some(path) = config_path(c.env, macos) else {
        out.push(Finding::new(Rule::SccacheDistNoScheduler, "neither SCCACHE_CONF nor HOME is set: no sccache client config, nothing is distributed"));
        return (facts, out);
    };
    let shown = path.display().to_string();
    let cfg = match load(&path) {
        Ok(cfg) => cfg,
        Err(e) => {
            let msg = format!("{e}: sccache refuses to start with it");
            out.push(Finding::new(Rule::SccacheDistNoScheduler, msg).at(&shown, ""));
            return (facts, out);
        }
    };
    let in_project = c.project_dir.is_some_and(|d| inside(&path, d));
    secret_findings(&cfg, &shown, in_project, &mut out);
    match &cfg.scheduler_url {
        None => out.push(no_scheduler(&cfg, &shown)),
        // A config the project placed is not trusted with a network probe.
        Some(url) if !in_project => {
            let probe = probe_scheduler(url, &cfg.auth, c.timeout);
            probe_findings(&probe, &shown, &mut out);
            facts.scheduler = Some(probe);
        }
        Some(_) => {}
    }
    if cfg.scheduler_url.is_some() {
        facts.toolchain = c
            .rustc
            .and_then(|info| toolchain_findings(info, &cfg, &shown, &mut out));
    }
    facts.config = Some(cfg);
    (facts, out)
}

/// Where the token lives and who can read it; whether there is one at all.
fn secret_findings(cfg: &ClientConfig, shown: &str, in_project: bool, out: &mut Vec<Finding>) {
    if in_project {
        out.push(
            Finding::new(Rule::SccacheDistConfigInProject, format!("the sccache client config {shown} is inside the project: its scheduler token would be committed with it"))
                .at(shown, "dist.auth.token")
                .fix("keep it in ~/.config/sccache/config (mode 600); in CI write it from a secret to a temp file and point SCCACHE_CONF there"),
        );
    }
    let has_secret = matches!(&cfg.auth, Auth::Token { token } if !token.is_empty());
    if let Some(mode) = cfg.mode.filter(|m| has_secret && m & 0o077 != 0) {
        let msg = format!(
            "{shown} holds the scheduler token and is readable by others (mode {mode:03o})"
        );
        out.push(
            Finding::new(Rule::SccacheDistTokenExposed, msg)
                .at(shown, "dist.auth.token")
                .fix(format!("chmod 600 {shown}")),
        );
    }
    if cfg.scheduler_url.is_some() && cfg.auth == Auth::Insecure {
        out.push(
            Finding::new(Rule::SccacheDistNoAuth, format!("{shown} has no [dist.auth]: sccache sends its insecure default token, which only a scheduler open to anyone accepts"))
                .at(shown, "dist.auth")
                .fix("use [dist.auth] type = \"token\" with the scheduler's client_auth token"),
        );
    }
}

fn no_scheduler(cfg: &ClientConfig, shown: &str) -> Finding {
    let what = if cfg.exists {
        "has no [dist] scheduler_url"
    } else {
        "does not exist"
    };
    Finding::new(Rule::SccacheDistNoScheduler, format!("the sccache client config {shown} {what}: nothing is distributed"))
        .at(shown, "dist.scheduler_url")
        .fix("put `[dist] scheduler_url = \"https://<scheduler>\"` and `[dist.auth] type = \"token\"`, `token = \"<the scheduler's client token>\"` there (mode 600), then `sccache --stop-server`")
}

/// Can sccache package this rustc, and does the package fit the client's toolchain cache?
fn toolchain_findings(
    info: &RustcInfo,
    cfg: &ClientConfig,
    shown: &str,
    out: &mut Vec<Finding>,
) -> Option<ToolchainPackage> {
    let pkg = toolchain_package(info, cfg.toolchain_overrides)?;
    if let Some(problem) = &pkg.problem {
        out.push(
            Finding::new(Rule::SccacheDistToolchain, problem.clone())
                .at(shown, "dist.toolchains")
                .fix("use a rustup or rust-overlay toolchain (an ELF rustc in its sysroot), or configure a [[dist.toolchains]] path_override archive"),
        );
    } else if pkg.bytes > cfg.toolchain_cache_size {
        out.push(
            Finding::new(Rule::SccacheDistToolchainCache, format!("the toolchain sccache packages is {} MiB before compression, toolchain_cache_size is {} MiB: if the archive does not fit, every compile fails (sccache does not fall back)", pkg.bytes >> 20, cfg.toolchain_cache_size >> 20))
                .at(shown, "dist.toolchain_cache_size")
                .fix("raise [dist] toolchain_cache_size (default 10 GiB)"),
        );
    }
    Some(pkg)
}

/// `toolchain` and `project`: the client check against this process's environment, with the
/// sccache that RUSTC_WRAPPER names (else the one on PATH).
pub fn check_here(
    project_dir: Option<&Path>,
    rustc: Option<&RustcInfo>,
) -> (ClientFacts, Vec<Finding>) {
    let env = |k: &str| std::env::var(k).ok();
    let sccache = std::env::var("RUSTC_WRAPPER")
        .ok()
        .filter(|w| w.contains("sccache"))
        .map(|w| {
            if w.contains('/') {
                Some(PathBuf::from(w))
            } else {
                crate::path_search::which(&w)
            }
        })
        .unwrap_or_else(|| crate::path_search::which("sccache"));
    let (facts, mut out) = check_client(&ClientCheck {
        env: &env,
        project_dir,
        rustc,
        sccache: sccache.clone(),
        timeout: PROBE_TIMEOUT,
    });
    // `toolchain` only: asking the running server means running sccache, which `project` (an
    // inspection of a checkout) leaves alone.
    if let (None, Some(exe), Some(cfg)) = (project_dir, &sccache, &facts.config) {
        if let Some(running) = super::server::running_dist_state(&env, exe) {
            let shown = cfg.path.display().to_string();
            out.extend(super::server::stale_finding(
                cfg.scheduler_url.as_deref(),
                &running,
                &shown,
            ));
        }
    }
    // `project` has its own incremental rule (profiles and config included).
    if project_dir.is_none() {
        if let Some(v) = env("CARGO_INCREMENTAL").filter(|v| v != "0") {
            out.push(
                Finding::new(Rule::SccacheIncremental, format!("CARGO_INCREMENTAL={v}: incremental crates are neither cached nor distributed"))
                    .located(Location::Env("CARGO_INCREMENTAL".into()), "CARGO_INCREMENTAL")
                    .fix("CARGO_INCREMENTAL=0, as the tier environment sets it"),
            );
        }
    }
    (facts, out)
}

/// Cargo hands a config's `[env]` to the rustc wrapper too (checked with a wrapper that prints its
/// environment), and the first wrapper call starts the sccache server with it: a checkout that
/// sets `SCCACHE_CONF`, `SCCACHE_REDIS`, ... there chooses where its code is compiled and cached.
pub fn project_env_findings(configs: &[TomlFile]) -> Vec<Finding> {
    let mut out = vec![];
    for c in configs {
        let Some(env) = c.table.get("env").and_then(|e| e.as_table()) else {
            continue;
        };
        for key in env.keys().filter(|k| k.starts_with("SCCACHE_")) {
            let f = Finding::new(Rule::SccacheEnvInProject, format!("{} sets [env] {key}: Cargo passes it to the rustc wrapper, so an sccache server this build starts takes its config, cache or scheduler from the checkout", c.shown))
                .at(&c.shown, format!("env.{key}"))
                .fix("remove it; sccache's settings belong to the machine (environment or ~/.config/sccache/config), not the project");
            out.push(match c.pos(&["env", key]) {
                Some((l, col)) => f.span(l, col),
                None => f,
            });
        }
    }
    out
}

/// One line for the text printers: where the work would go, from the JSON facts.
pub fn facts_line(f: &ClientFacts) -> String {
    let config = f
        .config
        .as_ref()
        .map_or_else(|| "-".to_string(), |c| c.path.display().to_string());
    let scheduler = match &f.scheduler {
        None => "no scheduler".to_string(),
        Some(s) if s.reachable => format!(
            "{}: {} server(s), token {}",
            s.url,
            s.num_servers.map_or("?".into(), |n| n.to_string()),
            s.token.as_str()
        ),
        Some(s) => format!("{}: unreachable", s.url),
    };
    let toolchain = match &f.toolchain {
        Some(t) if t.packageable => format!("toolchain packageable ({} MiB)", t.bytes >> 20),
        Some(_) => "toolchain NOT packageable".into(),
        None => "toolchain not checked".into(),
    };
    format!("sccache-dist: {config}; {scheduler}; {toolchain}")
}

fn probe_findings(p: &SchedulerProbe, shown: &str, out: &mut Vec<Finding>) {
    if !p.reachable {
        out.push(
            Finding::new(Rule::SccacheDistUnreachable, format!("the sccache-dist scheduler {} does not answer ({}): every crate compiles locally", p.url, p.error.as_deref().unwrap_or("?")))
                .at(shown, "dist.scheduler_url")
                .fix("start the scheduler or fix scheduler_url; builds keep working locally meanwhile"),
        );
        return;
    }
    if let Some(e) = &p.error {
        out.push(
            Finding::new(Rule::SccacheDistUnreachable, format!("{}: {e}", p.url))
                .at(shown, "dist.scheduler_url"),
        );
    }
    if p.num_servers == Some(0) {
        out.push(
            Finding::new(Rule::SccacheDistNoServers, format!("the scheduler {} has no build server registered: every crate compiles locally", p.url))
                .fix("start `sccache-dist server` on the build machines (their scheduler_url and JWT token must match)"),
        );
    }
    if p.token == TokenCheck::Refused {
        out.push(
            Finding::new(Rule::SccacheDistTokenRefused, format!("the scheduler {} refuses this client's token (HTTP 401): sccache 0.19 does not fall back to a local compile on a refusal, so every distributable compile fails", p.url))
                .at(shown, "dist.auth.token")
                .fix("set the scheduler's client_auth token in [dist.auth], or remove scheduler_url to build locally"),
        );
    }
}

/// Whether `path` lies inside `dir` (both resolved as far as they exist).
fn inside(path: &Path, dir: &Path) -> bool {
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let parent_resolved = path
        .parent()
        .map(|p| abs(p).join(path.file_name().unwrap_or_default()))
        .unwrap_or_else(|| path.to_path_buf());
    parent_resolved.starts_with(abs(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn scheduler_status_counts_are_read_when_they_are_counts() {
        let read = |body: &str| {
            let s: SchedulerStatus = serde_json::from_str(body).unwrap_or_default();
            (s.num_servers, s.num_cpus)
        };
        assert_eq!(
            read(r#"{"num_servers":1,"num_cpus":2,"in_progress":0}"#),
            (Some(1), Some(2))
        );
        assert_eq!(read(r#"{"num_servers":"1","num_cpus":-2}"#), (None, None));
        assert_eq!(read(r#"{"num_cpus":4}"#), (None, Some(4)));
        assert_eq!(read("<html>"), (None, None));
    }

    #[test]
    fn config_path_follows_sccache() {
        let e = env(&[("SCCACHE_CONF", "/etc/sc.toml"), ("HOME", "/h")]);
        assert_eq!(config_path(&e, false), Some("/etc/sc.toml".into()));
        let e = env(&[("HOME", "/h")]);
        assert_eq!(
            config_path(&e, false),
            Some("/h/.config/sccache/config".into())
        );
        let e = env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(config_path(&e, false), Some("/x/sccache/config".into()));
        let e = env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "relative")]);
        assert_eq!(
            config_path(&e, false),
            Some("/h/.config/sccache/config".into())
        );
        let e = env(&[("HOME", "/nonexistent-home")]);
        assert_eq!(
            config_path(&e, true),
            Some("/nonexistent-home/Library/Application Support/Mozilla.sccache/config".into())
        );
        assert_eq!(config_path(&env(&[]), false), None);
    }

    #[test]
    fn sizes_as_sccache_reads_them() {
        assert_eq!(parse_size(&toml::Value::Integer(5)), Some(5));
        assert_eq!(parse_size(&toml::Value::String("2G".into())), Some(2 << 30));
        assert_eq!(
            parse_size(&toml::Value::String("10m".into())),
            Some(10 << 20)
        );
        assert_eq!(parse_size(&toml::Value::String("x".into())), None);
        assert_eq!(parse_size(&toml::Value::Integer(-1)), None);
        assert_eq!(
            parse_size(&toml::Value::String("99999999999T".into())),
            None
        );
    }

    #[test]
    fn parses_the_quickstart_config() {
        let text = "[dist]\nscheduler_url = \"https://10.0.0.1\"\ntoolchains = []\ntoolchain_cache_size = 5368709120\n[dist.auth]\ntype = \"token\"\ntoken = \"secret\"\n";
        let c = parse(Path::new("/c"), text).unwrap();
        assert_eq!(c.scheduler_url.as_deref(), Some("https://10.0.0.1"));
        assert_eq!(
            c.auth,
            Auth::Token {
                token: "secret".into()
            }
        );
        assert_eq!(c.toolchain_cache_size, 5 << 30);
        // The token never reaches JSON.
        assert!(!serde_json::to_string(&c).unwrap().contains("secret"));
        let c = parse(Path::new("/c"), "[dist]\nscheduler_url = \"http://s\"\n").unwrap();
        assert_eq!(
            (c.auth, c.toolchain_cache_size),
            (Auth::Insecure, DEFAULT_TOOLCHAIN_CACHE)
        );
        let c = parse(Path::new("/c"), "[dist.auth]\ntype = \"mozilla\"\n").unwrap();
        assert_eq!(
            c.auth,
            Auth::Oauth2 {
                flavour: "mozilla".into()
            }
        );
        assert!(parse(Path::new("/c"), "[dist")
            .unwrap_err()
            .starts_with("/c: not TOML"));
        assert!(parse(Path::new("/c"), "[dist]\ntoolchain_cache_size = \"lots\"\n").is_err());
    }

    #[test]
    fn scheduler_urls() {
        assert_eq!(
            url_endpoint("http://127.0.0.1:10600"),
            Some((false, "127.0.0.1".into(), 10600))
        );
        assert_eq!(
            url_endpoint("https://sched.internal/"),
            Some((true, "sched.internal".into(), 443))
        );
        assert_eq!(
            url_endpoint("http://[::1]:8080/x"),
            Some((false, "::1".into(), 8080))
        );
        assert_eq!(
            url_endpoint("http://[::1]"),
            Some((false, "::1".into(), 80))
        );
        assert_eq!(url_endpoint("ftp://x"), None);
        assert_eq!(url_endpoint("http://:80"), None);
        assert_eq!(url_endpoint("http://h:notaport"), None);
    }

    #[test]
    fn a_dead_scheduler_is_reported_in_bounded_time() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let t = std::time::Instant::now();
        let p = probe_scheduler(
            &format!("http://127.0.0.1:{port}"),
            &Auth::Insecure,
            Duration::from_secs(2),
        );
        assert!(!p.reachable && p.token == TokenCheck::Unchecked);
        assert!(t.elapsed() < Duration::from_secs(3));
        let mut out = vec![];
        probe_findings(&p, "/c", &mut out);
        assert_eq!(out[0].rule, Rule::SccacheDistUnreachable);
    }

    /// A fake scheduler answering like sccache-dist 0.19: status without auth, alloc_job 401
    /// unless the bearer token matches (then 400 for the empty body).
    fn fake_scheduler(token: &'static str) -> u16 {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming().take(2) {
                let mut s = s.unwrap();
                let mut buf = [0u8; 2048];
                let n = s.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let answer = if req.starts_with("GET /api/v1/scheduler/status") {
                    "HTTP/1.1 200 OK\r\n\r\n{\"num_servers\":2,\"num_cpus\":4,\"in_progress\":0}"
                        .to_string()
                } else if req.contains(&format!("Authorization: Bearer {token}\r\n")) {
                    "HTTP/1.1 400 Bad Request\r\n\r\n".to_string()
                } else {
                    "HTTP/1.1 401 Unauthorized\r\n\r\n".to_string()
                };
                let _ = s.write_all(answer.as_bytes());
            }
        });
        port
    }

    #[test]
    fn a_token_known_to_be_wrong_is_never_sent() {
        // The fake refuses every token but "good": a POST would come back "refused".
        for auth in [Auth::Insecure, Auth::Token { token: "".into() }] {
            let url = format!("http://127.0.0.1:{}", fake_scheduler("good"));
            let p = probe_scheduler(&url, &auth, Duration::from_secs(2));
            assert_eq!(
                (p.reachable, p.token),
                (true, TokenCheck::Unchecked),
                "{auth:?}"
            );
        }
    }

    #[test]
    fn token_accepted_or_refused() {
        let url = format!("http://127.0.0.1:{}", fake_scheduler("good"));
        let p = probe_scheduler(
            &url,
            &Auth::Token {
                token: "good".into(),
            },
            Duration::from_secs(2),
        );
        assert_eq!(
            (p.reachable, p.num_servers, p.token),
            (true, Some(2), TokenCheck::Accepted)
        );
        let url = format!("http://127.0.0.1:{}", fake_scheduler("good"));
        let p = probe_scheduler(
            &url,
            &Auth::Token {
                token: "bad".into(),
            },
            Duration::from_secs(2),
        );
        assert_eq!(p.token, TokenCheck::Refused);
        let mut out = vec![];
        probe_findings(&p, "/c", &mut out);
        assert_eq!(
            out.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![Rule::SccacheDistTokenRefused]
        );
    }

    #[test]
    fn config_in_project_is_an_error_and_not_probed() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("sccache.toml");
        std::fs::write(&conf, "[dist]\nscheduler_url = \"http://127.0.0.1:9\"\n[dist.auth]\ntype = \"token\"\ntoken = \"t\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o644)).unwrap();
        let conf_s = conf.display().to_string();
        let e = move |k: &str| (k == "SCCACHE_CONF").then(|| conf_s.clone());
        let (facts, out) = check_client(&ClientCheck {
            env: &e,
            project_dir: Some(dir.path()),
            rustc: None,
            sccache: None,
            timeout: Duration::from_millis(200),
        });
        let rules: Vec<_> = out.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![
                Rule::SccacheDistConfigInProject,
                Rule::SccacheDistTokenExposed
            ]
        );
        assert!(facts.scheduler.is_none());
    }

    #[test]
    fn missing_config_means_no_scheduler() {
        let e = |k: &str| (k == "SCCACHE_CONF").then(|| "/nonexistent/sccache/config".to_string());
        let (_, out) = check_client(&ClientCheck {
            env: &e,
            project_dir: None,
            rustc: None,
            sccache: None,
            timeout: Duration::from_millis(200),
        });
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, Rule::SccacheDistNoScheduler);
        assert!(
            out[0].message.contains("does not exist"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn sccache_env_in_project_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[env]\nRUST_LOG = \"x\"\nSCCACHE_CONF = { value = \"sc.toml\", relative = true }\n",
        )
        .unwrap();
        let file = TomlFile::load(&path, ".cargo/config.toml").unwrap();
        let out = project_env_findings(&[file]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, Rule::SccacheEnvInProject);
        assert_eq!(
            (
                out[0].key.as_deref(),
                out[0].location.as_ref().and_then(|l| l.line())
            ),
            (Some("env.SCCACHE_CONF"), Some(3))
        );
    }

    #[test]
    fn facts_line_says_where_work_goes() {
        let f = ClientFacts {
            config: Some(ClientConfig {
                path: "/c".into(),
                exists: true,
                scheduler_url: Some("http://s:1".into()),
                auth: Auth::Insecure,
                toolchain_cache_size: 0,
                toolchain_overrides: 0,
                mode: None,
            }),
            scheduler: Some(SchedulerProbe {
                url: "http://s:1".into(),
                reachable: true,
                error: None,
                num_servers: Some(2),
                num_cpus: None,
                token: TokenCheck::Accepted,
            }),
            toolchain: Some(ToolchainPackage {
                rustc: "/r/bin/rustc".into(),
                packageable: true,
                problem: None,
                bytes: 3 << 20,
            }),
            sccache_dist_client: None,
        };
        assert_eq!(
            facts_line(&f),
            "sccache-dist: /c; http://s:1: 2 server(s), token accepted; toolchain packageable (3 MiB)"
        );
    }

    #[test]
    fn wrapper_script_rustc_is_not_packageable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::create_dir_all(dir.path().join("lib/rustlib/src")).unwrap();
        std::fs::write(
            dir.path().join("bin/rustc"),
            "#!/bin/sh\nexec real-rustc \"$@\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("lib/rustlib/src/big"), vec![0u8; 4096]).unwrap();
        let mut info =
            crate::toolchain::parse_rustc_vv("release: 1.95.0\nhost: x86_64-unknown-linux-gnu\n")
                .unwrap();
        info.sysroot = Some(dir.path().display().to_string());
        let p = toolchain_package(&info, 0).unwrap();
        assert!(!p.packageable);
        assert!(p.problem.unwrap().contains("not an ELF"));
        assert!(p.bytes < 4096, "src/ is not packaged");
        info.host = "aarch64-apple-darwin".into();
        let p = toolchain_package(&info, 0).unwrap();
        assert!(p.problem.unwrap().contains("path_override"));
        assert!(toolchain_package(&info, 1).unwrap().packageable);
    }
}
