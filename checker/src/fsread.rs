//! Reads a file only when it is a regular file, up to a size cap, so that no input can hang or
//! exhaust tiercheck: a FIFO would block `open`/`read`, a character device never ends, a
//! directory or a symlink loop fails late with an unhelpful message.
//!
//! The file is opened with `O_NONBLOCK` (opening a FIFO without a writer then returns at once)
//! and checked with `fstat` on the opened descriptor, so a swap between the check and the read
//! cannot slip a FIFO in. Every error is one line that names the file as the caller shows it.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Above any real manifest, config or toolchain file, and above the 100 MB rustflags array
/// tiercheck must still read as Cargo does (issue 9); bounded so a huge file is refused.
pub const TEXT_CAP: u64 = 256 << 20;

/// What kind of thing sits at a path (`Missing` when nothing does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    Regular,
    Directory,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Symlink,
    Other,
}

impl Kind {
    fn of(t: std::fs::FileType) -> Kind {
        if t.is_file() {
            Kind::Regular
        } else if t.is_dir() {
            Kind::Directory
        } else if t.is_symlink() {
            Kind::Symlink
        } else if t.is_fifo() {
            Kind::Fifo
        } else if t.is_socket() {
            Kind::Socket
        } else if t.is_char_device() {
            Kind::CharDevice
        } else if t.is_block_device() {
            Kind::BlockDevice
        } else {
            Kind::Other
        }
    }

    /// The kind of the path itself, a symlink not followed.
    pub fn of_link(path: &Path) -> Kind {
        std::fs::symlink_metadata(path).map_or(Kind::Missing, |m| Kind::of(m.file_type()))
    }

    /// The kind of what the path leads to, symlinks followed (`Missing` for a dangling link).
    pub fn of_target(path: &Path) -> Kind {
        std::fs::metadata(path).map_or(Kind::Missing, |m| Kind::of(m.file_type()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Regular => "a regular file",
            Kind::Directory => "a directory",
            Kind::Fifo => "a FIFO",
            Kind::Socket => "a socket",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
            Kind::Symlink => "a symbolic link",
            Kind::Other => "not a regular file",
        }
    }
}

#[derive(Debug)]
pub enum Problem {
    NotFound,
    NotRegular(Kind),
    TooLarge { cap: u64 },
    NotUtf8,
    Io(io::Error),
}

/// A read that failed: the file as the caller names it, and why.
#[derive(Debug)]
pub struct ReadError {
    pub shown: String,
    pub problem: Problem,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shown;
        match &self.problem {
            Problem::NotFound => write!(f, "{s}: no such file"),
            Problem::NotRegular(k) => write!(f, "{s}: is {}, not a regular file", k.as_str()),
            Problem::TooLarge { cap } => write!(f, "{s}: larger than {cap} bytes, not read"),
            Problem::NotUtf8 => write!(f, "{s}: not valid UTF-8"),
            Problem::Io(e) => {
                // io::Error's text may carry the OS's own wording; keep it on one line.
                let text = e.to_string().replace('\n', " ");
                write!(f, "{s}: cannot read: {text}")
            }
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self.problem, Problem::NotFound)
    }
}

fn open_regular(path: &Path) -> Result<File, Problem> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Problem::NotFound,
            _ => Problem::Io(e),
        })?;
    let kind = Kind::of(file.metadata().map_err(Problem::Io)?.file_type());
    if kind != Kind::Regular {
        return Err(Problem::NotRegular(kind));
    }
    Ok(file)
}

/// `path` opened for reading, if it is (or a symlink leads to) a regular file; for readers that
/// must not load the whole file (ELF binaries).
pub fn open(path: &Path, shown: &str) -> Result<File, ReadError> {
    open_regular(path).map_err(|problem| ReadError {
        shown: shown.to_string(),
        problem,
    })
}

/// The bytes of `path`, if it is (or a symlink leads to) a regular file of at most `cap` bytes.
pub fn read_bytes(path: &Path, shown: &str, cap: u64) -> Result<Vec<u8>, ReadError> {
    let err = |problem| ReadError {
        shown: shown.to_string(),
        problem,
    };
    let file = open_regular(path).map_err(err)?;
    let mut buf = Vec::new();
    // Read one byte past the cap so a file that grew after fstat is still caught.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| err(Problem::Io(e)))?;
    if buf.len() as u64 > cap {
        return Err(err(Problem::TooLarge { cap }));
    }
    Ok(buf)
}

/// The UTF-8 text of a regular file of at most `cap` bytes.
pub fn read_text(path: &Path, shown: &str, cap: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, shown, cap)?;
    String::from_utf8(bytes).map_err(|_| ReadError {
        shown: shown.to_string(),
        problem: Problem::NotUtf8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn reads_regular_files_and_follows_symlinks_to_them() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, "x = 1\n").unwrap();
        std::os::unix::fs::symlink(&f, d.path().join("link")).unwrap();
        assert_eq!(read_text(&f, "a.toml", 100).unwrap(), "x = 1\n");
        assert_eq!(
            read_text(&d.path().join("link"), "link", 100).unwrap(),
            "x = 1\n"
        );
    }

    #[test]
    fn refuses_what_is_not_a_regular_file_at_once() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let start = Instant::now();
        let e = read_text(&fifo, "rust-toolchain", 100).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(
            e.to_string(),
            "rust-toolchain: is a FIFO, not a regular file"
        );

        let e = read_text(d.path(), ".cargo/config.toml", 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            ".cargo/config.toml: is a directory, not a regular file"
        );
        let e = read_text(Path::new("/dev/zero"), "zero", 100).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");

        let looped = d.path().join("loop");
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        let e = read_text(&looped, "loop", 100).unwrap_err();
        assert!(e.to_string().starts_with("loop: cannot read: "), "{e}");
        assert!(!e.to_string().contains('\n'));

        let e = read_text(&d.path().join("none"), "none", 100).unwrap_err();
        assert!(e.is_not_found(), "{e}");
    }

    #[test]
    fn caps_the_size_and_checks_utf8() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("big");
        std::fs::write(&f, vec![b'a'; 101]).unwrap();
        assert!(read_bytes(&f, "big", 101).is_ok());
        let e = read_bytes(&f, "big", 100).unwrap_err();
        assert_eq!(e.to_string(), "big: larger than 100 bytes, not read");
        std::fs::write(&f, [0xff, 0xfe]).unwrap();
        assert_eq!(
            read_text(&f, "big", 100).unwrap_err().to_string(),
            "big: not valid UTF-8"
        );
    }
}
