//! The local sccache server a build talks to. The first compile starts it, and it keeps the
//! config it started with until `sccache --stop-server` (or 10 idle minutes): after the client
//! config changes, a running server still distributes to the old scheduler with the old token.
//! sccache shows a running server's scheduler (`sccache --dist-status`), not its token, so only
//! a different scheduler can be seen. `--dist-status` starts a server when none runs, so it is
//! asked only after a connect shows one is listening.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::report::{Finding, Rule};

/// sccache's default server port (src/commands.rs `DEFAULT_PORT`).
const DEFAULT_PORT: u16 = 4226;
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const STATUS_LIMIT: Duration = Duration::from_secs(10);

/// What a running server says about distribution.
#[derive(Debug, PartialEq, Eq)]
pub enum DistState {
    /// Started without a scheduler (or without the dist-client feature).
    Disabled,
    /// The scheduler URL it was started with.
    Scheduler(String),
}

/// The TCP port the client's sccache server listens on: `SCCACHE_SERVER_PORT`, else 4226
/// (src/commands.rs `get_addr`).
/// `None` with `SCCACHE_SERVER_UDS` (a Unix socket, possibly abstract: not probed).
pub fn port(env: &dyn Fn(&str) -> Option<String>) -> Option<u16> {
    if env("SCCACHE_SERVER_UDS").is_some() {
        return None;
    }
    // As sccache reads it: a value that is not a port means the default.
    Some(
        env("SCCACHE_SERVER_PORT")
            .and_then(|p| p.parse().ok())
            .unwrap_or(DEFAULT_PORT),
    )
}

/// Whether something listens on 127.0.0.1:`port` (sccache binds the loopback address).
pub fn listening(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).is_ok()
}

/// `sccache --dist-status` output: `{"Disabled":".."}`, `{"NotConnected":[url,why]}` or
/// `{"SchedulerStatus":[url,{..}]}` (sccache's `DistInfo`, src/server.rs).
#[derive(serde::Deserialize)]
enum DistInfo {
    Disabled(serde::de::IgnoredAny),
    NotConnected(Option<String>, serde::de::IgnoredAny),
    SchedulerStatus(Option<String>, serde::de::IgnoredAny),
}

/// The state `sccache --dist-status` printed; `None` when it is no `DistInfo`.
pub fn parse_dist_status(json: &str) -> Option<DistState> {
    let info: DistInfo = serde_json::from_str(json.trim()).ok()?;
    match info {
        DistInfo::Disabled(_)
        | DistInfo::NotConnected(None, _)
        | DistInfo::SchedulerStatus(None, _) => Some(DistState::Disabled),
        DistInfo::NotConnected(Some(url), _) | DistInfo::SchedulerStatus(Some(url), _) => {
            Some(DistState::Scheduler(url))
        }
    }
}

/// The running server's distribution state, when one is running; `None` when none runs or it
/// cannot be asked. Runs `sccache --dist-status` (bounded) outside any checkout.
pub fn running_dist_state(
    env: &dyn Fn(&str) -> Option<String>,
    sccache: &Path,
) -> Option<DistState> {
    if !listening(port(env)?) {
        return None;
    }
    let out = crate::child::output(
        Command::new(sccache).arg("--dist-status").current_dir("/"),
        "sccache --dist-status",
        Some(STATUS_LIMIT),
    )
    .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_dist_status(&String::from_utf8_lossy(&out.stdout))
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// A finding when the running server's scheduler is not the one the config (`shown`) names.
pub fn stale_finding(
    configured: Option<&str>,
    running: &DistState,
    shown: &str,
) -> Option<Finding> {
    let (now, started) = match (configured, running) {
        (Some(c), DistState::Scheduler(r)) if same_url(c, r) => return None,
        (None, DistState::Disabled) => return None,
        (Some(c), DistState::Scheduler(r)) => (c.to_string(), r.clone()),
        (Some(c), DistState::Disabled) => (c.to_string(), "no scheduler".to_string()),
        (None, DistState::Scheduler(r)) => ("no scheduler".to_string(), r.clone()),
    };
    Some(
        Finding::new(Rule::SccacheServerStale, format!("the running sccache server was started with {started}, but {shown} now says {now}: the server keeps the config it started with (its token too), so builds still go where it says"))
            .at(shown, "dist.scheduler_url")
            .fix("sccache --stop-server (the next compile starts a server with the current config)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_status_as_sccache_0_19_prints_it() {
        assert_eq!(
            parse_dist_status("{\"Disabled\":\"disabled\"}\n"),
            Some(DistState::Disabled)
        );
        assert_eq!(
            parse_dist_status("{\"NotConnected\":[\"http://127.0.0.1:39001/\",\"enabled, not connected, will retry in 30.0s\"]}"),
            Some(DistState::Scheduler("http://127.0.0.1:39001/".into()))
        );
        assert_eq!(
            parse_dist_status("{\"SchedulerStatus\":[\"http://s:10600/\",{\"num_servers\":2,\"num_cpus\":4,\"in_progress\":0}]}"),
            Some(DistState::Scheduler("http://s:10600/".into()))
        );
        assert_eq!(
            parse_dist_status("{\"NotConnected\":[null,\"x\"]}"),
            Some(DistState::Disabled)
        );
        assert_eq!(parse_dist_status("sccache: error"), None);
    }

    #[test]
    fn a_server_started_with_another_scheduler_is_reported() {
        let running = DistState::Scheduler("http://127.0.0.1:39001/".into());
        assert!(stale_finding(Some("http://127.0.0.1:39001"), &running, "/c").is_none());
        let f = stale_finding(Some("http://127.0.0.1:39002"), &running, "/c").unwrap();
        assert_eq!(f.rule, Rule::SccacheServerStale);
        assert!(
            f.message.contains("started with http://127.0.0.1:39001/"),
            "{}",
            f.message
        );
        assert!(f
            .fix
            .as_deref()
            .unwrap()
            .starts_with("sccache --stop-server"));
        assert!(stale_finding(Some("http://s"), &DistState::Disabled, "/c").is_some());
        assert!(stale_finding(None, &DistState::Disabled, "/c").is_none());
    }

    #[test]
    fn the_port_sccache_uses() {
        let none = |_: &str| None;
        assert_eq!(port(&none), Some(4226));
        let set = |k: &str| (k == "SCCACHE_SERVER_PORT").then(|| "39111".to_string());
        assert_eq!(port(&set), Some(39111));
        let uds = |k: &str| (k == "SCCACHE_SERVER_UDS").then(|| "/tmp/s".to_string());
        assert_eq!(port(&uds), None);
    }
}
