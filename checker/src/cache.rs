//! Is the compile cache sccache is pointed at reachable? A bounded TCP connect to the Redis or
//! WebDAV endpoint in SCCACHE_* (S3/GCS/GHA go through their own SDKs and are not probed).
//! `dist`: the client side of sccache-dist (distributed compilation).

pub mod dist;
mod http;
pub mod server;

use std::time::Duration;

/// (variable, host, port) of the configured network backend, if any.
pub fn endpoint(get: impl Fn(&str) -> Option<String>) -> Option<(String, String, u16)> {
    for (var, default_port) in [
        ("SCCACHE_REDIS_ENDPOINT", 6379),
        ("SCCACHE_REDIS", 6379),
        ("SCCACHE_WEBDAV_ENDPOINT", 80),
    ] {
        let Some(url) = get(var) else { continue };
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let https = url.starts_with("https://");
        let hostport = rest.split(['/', '?']).next().unwrap_or("");
        let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_matches(['[', ']']).to_string(),
                p.parse().unwrap_or(default_port),
            ),
            _ => (hostport.to_string(), if https { 443 } else { default_port }),
        };
        return Some((var.to_string(), host, port));
    }
    None
}

/// Connects with a timeout; the error says what failed.
pub fn probe(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    http::connect(host, port, timeout).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(var: &str, v: &str) -> Option<(String, String, u16)> {
        endpoint(|k| (k == var).then(|| v.to_string()))
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            ep("SCCACHE_REDIS_ENDPOINT", "redis://127.0.0.1:7001/2"),
            Some(("SCCACHE_REDIS_ENDPOINT".into(), "127.0.0.1".into(), 7001))
        );
        assert_eq!(
            ep("SCCACHE_REDIS", "redis://user:pw@cache.internal"),
            Some(("SCCACHE_REDIS".into(), "cache.internal".into(), 6379))
        );
        assert_eq!(
            ep("SCCACHE_WEBDAV_ENDPOINT", "https://dav.example/cache"),
            Some(("SCCACHE_WEBDAV_ENDPOINT".into(), "dav.example".into(), 443))
        );
        assert_eq!(endpoint(|_| None), None);
    }

    #[test]
    fn closed_port_is_reported_quickly() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let t = std::time::Instant::now();
        assert!(probe("127.0.0.1", port, Duration::from_secs(2)).is_err());
        assert!(t.elapsed() < Duration::from_secs(3));
    }
}
