//! Every child process tiercheck starts (cargo, training commands, LLVM tools, benchmark runs).
//!
//! A child runs in its own process group, so whatever it starts can be killed with it. It is
//! waited for with an optional time limit; on timeout its whole group gets SIGTERM, then SIGKILL
//! after a grace period. When tiercheck itself gets SIGINT or SIGTERM it forwards the signal to
//! every live child group, kills what is left after the grace period and exits 130 / 143, so no
//! training script or build is orphaned.
//!
//! Children read stdin from /dev/null: a process outside the terminal's foreground group that
//! reads the terminal would be stopped (SIGTTIN).
//!
//! A program is always started by its absolute path (`command` looks a bare name up as
//! `path_search::which` does), never through the OS's PATH search, and a child gets PATH without its
//! empty and relative entries: either would run a file of the checkout tiercheck runs in.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use std::time::Duration;
//! let status = tiercheck::child::run(
//!     tiercheck::child::command("sleep")?.arg("1"),
//!     "sleep",
//!     Some(Duration::from_secs(5)),
//! )?;
//! assert!(status.success());
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use rustix::process::{kill_process_group, test_kill_process_group, Pid, Signal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// How long a group gets between SIGTERM (or the forwarded SIGINT) and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(3);

/// Process groups of the children still running; the signal watcher kills these.
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// Set when a signal arrived: the watcher ends the process, nothing else may.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);
/// What puts a file back as it was if a signal ends the process (see `restore_on_signal`).
type Restore = Box<dyn Fn() -> Result<()> + Send>;
static RESTORE: Mutex<Vec<(PathBuf, Restore)>> = Mutex::new(Vec::new());
/// Set once the signal watcher runs (Ok), or why it could not be installed.
static WATCHER: OnceLock<Result<(), String>> = OnceLock::new();

/// A child killed because it ran longer than its limit.
#[derive(Debug)]
pub struct TimedOut {
    pub what: String,
    pub limit: Duration,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ran longer than its limit of {} and was killed with its process group",
            self.what,
            humantime::format_duration(self.limit)
        )
    }
}

impl std::error::Error for TimedOut {}

/// A started child. Dropping it without `wait` leaves the child running (std's behaviour);
/// the signal watcher still kills its group.
pub struct Running {
    child: Option<Child>,
    pgid: i32,
    what: String,
}

/// Installs the SIGINT/SIGTERM/SIGHUP/SIGQUIT watcher (once per process). `spawn` calls it; a command may call
/// it earlier so that a signal before its first child also exits 130/143.
pub fn install_signal_watcher() -> Result<()> {
    WATCHER
        .get_or_init(|| {
            let mut signals =
                Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]).map_err(|e| e.to_string())?;
            thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        shut_down(sig);
                    }
                })
                .map_err(|e| e.to_string())?;
            Ok(())
        })
        .clone()
        .map_err(|e| anyhow!("cannot watch SIGINT/SIGTERM/SIGHUP/SIGQUIT: {e}"))
}

/// Until `forget_restore(path)`, a SIGINT/SIGTERM/SIGHUP/SIGQUIT runs `restore` before the
/// process exits (after the children are gone, so no build reads a half-restored file).
pub fn restore_on_signal(path: &Path, restore: Restore) {
    if let Ok(mut r) = RESTORE.lock() {
        r.push((path.to_path_buf(), restore));
    }
}

pub fn forget_restore(path: &Path) {
    if let Ok(mut r) = RESTORE.lock() {
        r.retain(|(p, _)| p != path);
    }
}

/// Forwards `sig` to every live group, SIGKILLs what outlives the grace period, restores the
/// files registered with `restore_on_signal`, exits 128+sig.
fn shut_down(sig: i32) -> ! {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    let groups: Vec<i32> = LIVE
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default();
    let forwarded = if sig == SIGINT {
        Signal::INT
    } else {
        Signal::TERM
    };
    for g in &groups {
        signal_group(*g, forwarded);
    }
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline && groups.iter().any(|g| group_alive(*g)) {
        thread::sleep(Duration::from_millis(20));
    }
    for g in &groups {
        signal_group(*g, Signal::KILL);
    }
    let files = RESTORE
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    for (path, restore) in files {
        if let Err(e) = restore() {
            crate::termsafe::eprint_line(&format!(
                "{}: could not restore its contents: {e:#}",
                path.display()
            ));
        }
    }
    std::process::exit(128 + sig);
}

fn signal_group(pgid: i32, sig: Signal) {
    // A pgid of 0 or 1 would mean "our own group" / "every process": never signal those.
    if pgid > 1 {
        if let Some(pid) = Pid::from_raw(pgid) {
            let _ = kill_process_group(pid, sig);
        }
    }
}

fn group_alive(pgid: i32) -> bool {
    pgid > 1 && Pid::from_raw(pgid).is_some_and(|p| test_kill_process_group(p).is_ok())
}

/// After a signal, a thread whose child just died must not go on (it would report the child's
/// failure and exit 2 before the watcher has killed everything and exited 130/143).
fn stop_if_shutting_down() {
    while SHUTTING_DOWN.load(Ordering::SeqCst) {
        thread::park();
    }
}

fn forget(pgid: i32) {
    if let Ok(mut l) = LIVE.lock() {
        l.retain(|g| *g != pgid);
    }
}

/// A command for the program `name`: a bare name looked up in PATH's absolute entries, a path
/// made absolute (see `path_search::program`).
pub fn command(name: &str) -> Result<Command> {
    Ok(Command::new(crate::path_search::program(name)?))
}

/// Starts `cmd` in a new process group with stdin from /dev/null. `what` names the child in
/// errors ("cargo", "training", ...). The program must be an absolute path (see `command`).
pub fn spawn(cmd: &mut Command, what: &str) -> Result<Running> {
    install_signal_watcher()?;
    stop_if_shutting_down();
    if !Path::new(cmd.get_program()).is_absolute() {
        bail!(
            "{what}: {:?} is not an absolute path; tiercheck never leaves the lookup to PATH",
            cmd.get_program()
        );
    }
    if !cmd.get_envs().any(|(k, _)| k == "PATH") {
        if let Some(path) = crate::path_search::safe_path_var() {
            cmd.env("PATH", path);
        }
    }
    cmd.process_group(0).stdin(Stdio::null());
    // Hold the lock across spawn: a signal arriving now finds the child registered.
    let mut live = LIVE
        .lock()
        .map_err(|_| anyhow!("child registry poisoned"))?;
    let child = cmd
        .spawn()
        .with_context(|| format!("{what}: cannot start {:?}", cmd.get_program()))?;
    let pgid = i32::try_from(child.id()).context("child pid out of range")?;
    live.push(pgid);
    Ok(Running {
        child: Some(child),
        pgid,
        what: what.to_string(),
    })
}

impl Running {
    /// The child's stdout, when the command was set up with `Stdio::piped()` (once).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.as_mut().and_then(|c| c.stdout.take())
    }

    pub fn id(&self) -> u32 {
        self.pgid as u32
    }

    /// Waits for the child. With a limit, a child still running after it is killed with its
    /// group and the error is a [`TimedOut`].
    pub fn wait(mut self, limit: Option<Duration>) -> Result<ExitStatus> {
        let mut child = self.child.take().context("child already waited for")?;
        let what = self.what.clone();
        let Some(limit) = limit else {
            let status = child.wait().with_context(|| format!("waiting for {what}"));
            stop_if_shutting_down();
            forget(self.pgid);
            return status;
        };
        let (tx, rx) = mpsc::channel();
        let waiter = thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let result = match rx.recv_timeout(limit) {
            Ok(status) => status.with_context(|| format!("waiting for {what}")),
            Err(_) => {
                signal_group(self.pgid, Signal::TERM);
                if rx.recv_timeout(GRACE).is_err() {
                    signal_group(self.pgid, Signal::KILL);
                    let _ = rx.recv();
                }
                // Members that ignored SIGTERM outlive the leader; they go too.
                signal_group(self.pgid, Signal::KILL);
                Err(TimedOut { what, limit }.into())
            }
        };
        let _ = waiter.join();
        stop_if_shutting_down();
        forget(self.pgid);
        result
    }
}

/// Runs `cmd` to completion (stdout and stderr inherited).
pub fn run(cmd: &mut Command, what: &str, limit: Option<Duration>) -> Result<ExitStatus> {
    spawn(cmd, what)?.wait(limit)
}

/// Runs `cmd` and captures stdout and stderr.
pub fn output(cmd: &mut Command, what: &str, limit: Option<Duration>) -> Result<Output> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut running = spawn(cmd, what)?;
    let child = running.child.as_mut().context("child already waited for")?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = vec![];
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let status = running.wait(limit)?;
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// A time limit from the command line; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub Option<Duration>);

/// Parses a time limit such as `30m`, `90s`, `1h 30m` (a bare number is seconds); `0` or `none`
/// means no limit. Usable as a clap `value_parser`.
pub fn parse_limit(s: &str) -> Result<Limit, String> {
    let t = s.trim();
    if t == "none" || t == "0" {
        return Ok(Limit(None));
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Limit(Some(Duration::from_secs(secs))));
    }
    humantime::parse_duration(t)
        .map(|d| Limit((!d.is_zero()).then_some(d)))
        .map_err(|e| format!("{s:?}: {e} (e.g. 30m, 90s, 1h; 0 for none)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_reports_status() {
        let st = run(command("sh").unwrap().args(["-c", "exit 3"]), "sh", None).unwrap();
        assert_eq!(st.code(), Some(3));
        let out = output(
            command("sh")
                .unwrap()
                .args(["-c", "echo out; echo err >&2"]),
            "sh",
            Some(Duration::from_secs(20)),
        )
        .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild");
        // The grandchild ignores SIGTERM; only the group kill with SIGKILL ends it.
        let script = format!(
            "sh -c 'trap \"\" TERM; echo $$ > {}; exec sleep 30' & wait",
            pidfile.display()
        );
        let t = Instant::now();
        let err = run(
            command("sh").unwrap().args(["-c", &script]),
            "test script",
            Some(Duration::from_millis(300)),
        )
        .unwrap_err();
        assert!(err.downcast_ref::<TimedOut>().is_some(), "{err:#}");
        assert!(t.elapsed() < Duration::from_secs(15));
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        thread::sleep(Duration::from_millis(200));
        let alive = rustix::process::test_kill_process(Pid::from_raw(pid).unwrap()).is_ok()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ");
        assert!(!alive, "grandchild {pid} survived the timeout");
    }

    #[test]
    fn bare_and_relative_programs_are_refused() {
        for prog in ["sh", "./sh", "bin/sh"] {
            let e = run(&mut Command::new(prog), "prog", None).unwrap_err();
            assert!(format!("{e:#}").contains("not an absolute path"), "{e:#}");
        }
    }

    #[test]
    fn missing_program_is_an_error() {
        let e = run(&mut Command::new("/nonexistent/prog"), "prog", None).unwrap_err();
        assert!(format!("{e:#}").contains("prog: cannot start"));
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit("90"), Ok(Limit(Some(Duration::from_secs(90)))));
        assert_eq!(
            parse_limit("30m"),
            Ok(Limit(Some(Duration::from_secs(1800))))
        );
        assert_eq!(parse_limit("0"), Ok(Limit(None)));
        assert_eq!(parse_limit("none"), Ok(Limit(None)));
        assert!(parse_limit("soon").is_err());
        assert!(parse_limit("-5").is_err());
    }
}
