//! Two fixed plain-HTTP/1.1 requests to an sccache-dist scheduler, each bounded in time and size.
//! Own code rather than an HTTP crate: the scheduler speaks HTTP/1.1 with `Connection: close`, we
//! need a status line and a small JSON body, and a client crate only pays off with TLS, whose
//! stacks (rustls with ring/aws-lc) would dwarf tiercheck. An `https://` scheduler is probed at
//! the TCP level only (see `dist::probe_scheduler`).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most of a response we read: a status JSON or an error body is a few hundred bytes.
const RESPONSE_CAP: usize = 64 << 10;

#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Resolves `host:port` and connects to the first address that answers within `timeout`.
pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("no address for {host}");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                last = format!("{a} did not accept a connection in {}", seconds(timeout));
            }
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(last)
}

/// Sends `request` (a complete HTTP/1.1 request with `Connection: close`) and reads the answer,
/// all within `timeout` overall.
pub fn exchange(
    host: &str,
    port: u16,
    request: &str,
    timeout: Duration,
) -> Result<Response, String> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(host, port, timeout)?;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    stream
        .set_write_timeout(Some(left()))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                format!(
                    "{host}:{port}: did not take the request in {}",
                    seconds(timeout)
                )
            }
            _ => format!("{host}:{port}: cannot send: {e}"),
        })?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if Instant::now() >= deadline {
            return Err(no_answer(host, port, timeout, &raw));
        }
        stream
            .set_read_timeout(Some(left()))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > RESPONSE_CAP {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A read timeout is EAGAIN on Linux ("Resource temporarily unavailable (os error
            // 11)") and ETIMEDOUT elsewhere: both mean the peer said nothing in time.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(no_answer(host, port, timeout, &raw));
            }
            Err(e) => return Err(format!("{host}:{port}: {e}")),
        }
    }
    parse_response(&raw).ok_or_else(|| format!("{host}:{port}: not an HTTP answer"))
}

/// A peer that accepted the connection and then stayed (partly) silent: a hung scheduler.
fn no_answer(host: &str, port: u16, timeout: Duration, got: &[u8]) -> String {
    let what = if got.is_empty() {
        "did not answer"
    } else {
        "did not finish its answer"
    };
    format!("{host}:{port} {what} in {}", seconds(timeout))
}

/// `2 s`, `1.5 s`, `300 ms`: a time limit as people write it.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Status code and body of a raw HTTP/1.x response.
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_line = head.lines().next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    Some(Response {
        status,
        body: body.to_string(),
    })
}

/// `GET path` asking for JSON.
pub fn get_json(host: &str, port: u16, path: &str, timeout: Duration) -> Result<Response, String> {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    exchange(host, port, &req, timeout)
}

/// `POST path` with a bearer token and an empty body (no job can come of it).
pub fn post_empty_with_bearer(
    host: &str,
    port: u16,
    path: &str,
    token: &str,
    timeout: Duration,
) -> Result<Response, String> {
    if token.contains(['\r', '\n']) {
        return Err("the token contains a line break (not a valid HTTP header value)".into());
    }
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    exchange(host, port, &req, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn parses_status_and_body() {
        let r = parse_response(b"HTTP/1.1 401 Unauthorized\r\nX: y\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!((r.status, r.body.as_str()), (401, "{\"a\":1}"));
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n").is_none());
        assert!(parse_response(b"").is_none());
    }

    #[test]
    fn a_silent_server_is_cut_off_in_time() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        // Accepts (the kernel does) but never answers.
        let t = Instant::now();
        let r = get_json("127.0.0.1", port, "/", Duration::from_millis(300));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        // Said as it is, not as the errno a read timeout gives ("Resource temporarily
        // unavailable (os error 11)" on Linux).
        assert_eq!(r, Err(format!("127.0.0.1:{port} did not answer in 300 ms")));
        drop(l);
    }

    #[test]
    fn a_server_that_stops_mid_answer_is_cut_off_in_time() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\n").unwrap();
            std::thread::sleep(Duration::from_millis(600));
        });
        let r = get_json("127.0.0.1", port, "/", Duration::from_millis(300));
        assert_eq!(
            r,
            Err(format!(
                "127.0.0.1:{port} did not finish its answer in 300 ms"
            ))
        );
        server.join().unwrap();
    }

    #[test]
    fn time_limits_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(300)), "300 ms");
    }

    #[test]
    fn a_real_exchange() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .unwrap();
            req
        });
        let r =
            post_empty_with_bearer("127.0.0.1", port, "/x", "tok", Duration::from_secs(2)).unwrap();
        assert_eq!(r.status, 400);
        let req = server.join().unwrap();
        assert!(req.starts_with("POST /x HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("Authorization: Bearer tok\r\n"), "{req}");
    }
}
