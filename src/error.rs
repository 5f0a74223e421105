//! One error type for the whole program; every message is one line and every
//! exit status is decided here.

use std::fmt;
use std::io;

/// Exit status for usage and config errors (SPEC §4).
pub const EXIT_USAGE: u8 = 2;
/// Exit status for "no such session" and ambiguous selectors.
pub const EXIT_NO_SESSION: u8 = 3;

#[derive(Debug)]
pub enum Error {
    /// Bad command line: exit 2.
    Usage(String),
    /// Bad config file: exit 2. The message names the file, the key and the reason.
    Config(String),
    /// No session matches, or the selector is ambiguous: exit 3.
    NoSession(String),
    /// Anything that went wrong at run time: exit 1.
    Runtime(String),
    /// The command could not be executed: exit 127 or 126.
    Exec { code: u8, msg: String },
    /// An I/O error with the object it concerns.
    Io { what: String, err: io::Error },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
    pub fn runtime(msg: impl Into<String>) -> Self {
        Error::Runtime(msg.into())
    }
    pub fn io(what: impl Into<String>, err: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            err,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Config(_) => EXIT_USAGE,
            Error::NoSession(_) => EXIT_NO_SESSION,
            Error::Exec { code, .. } => *code,
            Error::Runtime(_) | Error::Io { .. } => 1,
        }
    }

    /// `linger ps | head -1` must exit quietly, as ripgrep does.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { err, .. } if err.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) | Error::NoSession(m) | Error::Runtime(m) => {
                f.write_str(m)
            }
            Error::Exec { msg, .. } => f.write_str(msg),
            Error::Io { what, err } => write!(f, "{what}: {}", io_reason(err)),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            return Error::Io {
                what: "write".into(),
                err,
            };
        }
        Error::Io {
            what: "i/o".into(),
            err,
        }
    }
}

/// strerror-style text without Rust's " (os error N)" suffix.
pub fn io_reason(err: &io::Error) -> String {
    let s = err.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
