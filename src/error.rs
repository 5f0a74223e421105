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
///
/// Written out instead of using `io::Error`'s `Display`: that calls glibc's
/// `strerror_r`, which drags printf, gettext and iconv into the static binary.
pub fn io_reason(err: &io::Error) -> String {
    if let Some(code) = err.raw_os_error() {
        return errno_reason(code);
    }
    if let Some(inner) = err.get_ref() {
        return inner.to_string();
    }
    match err.kind() {
        // std's `read_exact`; linger itself never makes a bare UnexpectedEof.
        io::ErrorKind::UnexpectedEof => "failed to fill whole buffer".to_string(),
        // A bare kind prints as the kind (`ErrorKind`'s own `Display`).
        kind => kind.to_string(),
    }
}

/// Exactly what `io::Error`'s `Display` prints (for log lines).
pub fn io_display(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => format!("{} (os error {code})", errno_reason(code)),
        None => io_reason(err),
    }
}

/// glibc's `strerror` text (C locale) for an errno value.
pub fn errno_reason(code: i32) -> String {
    match usize::try_from(code).ok().and_then(|i| ERRNO_TEXT.get(i)) {
        Some(text) if !text.is_empty() => (*text).to_string(),
        _ => format!("Unknown error {code}"),
    }
}

/// glibc 2.3x `_sys_errlist`, indexed by errno; "" where glibc has no text.
const ERRNO_TEXT: [&str; 134] = [
    "Success",
    "Operation not permitted",
    "No such file or directory",
    "No such process",
    "Interrupted system call",
    "Input/output error",
    "No such device or address",
    "Argument list too long",
    "Exec format error",
    "Bad file descriptor",
    "No child processes",
    "Resource temporarily unavailable",
    "Cannot allocate memory",
    "Permission denied",
    "Bad address",
    "Block device required",
    "Device or resource busy",
    "File exists",
    "Invalid cross-device link",
    "No such device",
    "Not a directory",
    "Is a directory",
    "Invalid argument",
    "Too many open files in system",
    "Too many open files",
    "Inappropriate ioctl for device",
    "Text file busy",
    "File too large",
    "No space left on device",
    "Illegal seek",
    "Read-only file system",
    "Too many links",
    "Broken pipe",
    "Numerical argument out of domain",
    "Numerical result out of range",
    "Resource deadlock avoided",
    "File name too long",
    "No locks available",
    "Function not implemented",
    "Directory not empty",
    "Too many levels of symbolic links",
    "",
    "No message of desired type",
    "Identifier removed",
    "Channel number out of range",
    "Level 2 not synchronized",
    "Level 3 halted",
    "Level 3 reset",
    "Link number out of range",
    "Protocol driver not attached",
    "No CSI structure available",
    "Level 2 halted",
    "Invalid exchange",
    "Invalid request descriptor",
    "Exchange full",
    "No anode",
    "Invalid request code",
    "Invalid slot",
    "",
    "Bad font file format",
    "Device not a stream",
    "No data available",
    "Timer expired",
    "Out of streams resources",
    "Machine is not on the network",
    "Package not installed",
    "Object is remote",
    "Link has been severed",
    "Advertise error",
    "Srmount error",
    "Communication error on send",
    "Protocol error",
    "Multihop attempted",
    "RFS specific error",
    "Bad message",
    "Value too large for defined data type",
    "Name not unique on network",
    "File descriptor in bad state",
    "Remote address changed",
    "Can not access a needed shared library",
    "Accessing a corrupted shared library",
    ".lib section in a.out corrupted",
    "Attempting to link in too many shared libraries",
    "Cannot exec a shared library directly",
    "Invalid or incomplete multibyte or wide character",
    "Interrupted system call should be restarted",
    "Streams pipe error",
    "Too many users",
    "Socket operation on non-socket",
    "Destination address required",
    "Message too long",
    "Protocol wrong type for socket",
    "Protocol not available",
    "Protocol not supported",
    "Socket type not supported",
    "Operation not supported",
    "Protocol family not supported",
    "Address family not supported by protocol",
    "Address already in use",
    "Cannot assign requested address",
    "Network is down",
    "Network is unreachable",
    "Network dropped connection on reset",
    "Software caused connection abort",
    "Connection reset by peer",
    "No buffer space available",
    "Transport endpoint is already connected",
    "Transport endpoint is not connected",
    "Cannot send after transport endpoint shutdown",
    "Too many references: cannot splice",
    "Connection timed out",
    "Connection refused",
    "Host is down",
    "No route to host",
    "Operation already in progress",
    "Operation now in progress",
    "Stale file handle",
    "Structure needs cleaning",
    "Not a XENIX named type file",
    "No XENIX semaphores available",
    "Is a named type file",
    "Remote I/O error",
    "Disk quota exceeded",
    "No medium found",
    "Wrong medium type",
    "Operation canceled",
    "Required key not available",
    "Key has expired",
    "Key has been revoked",
    "Key was rejected by service",
    "Owner died",
    "State not recoverable",
    "Operation not possible due to RF-kill",
    "Memory page has hardware error",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_text_matches_libc() {
        for code in -2..200 {
            let e = io::Error::from_raw_os_error(code);
            assert_eq!(io_display(&e), e.to_string(), "errno {code}");
        }
    }

    #[test]
    fn non_os_errors_match_display() {
        let cases = [
            io::Error::from(io::ErrorKind::NotFound),
            io::Error::from(io::ErrorKind::BrokenPipe),
            io::Error::from(io::ErrorKind::WriteZero),
            io::Error::from(io::ErrorKind::InvalidInput),
            io::Error::new(io::ErrorKind::InvalidData, "custom text"),
            io::Error::other("other text"),
            io::Error::new(io::ErrorKind::InvalidData, Error::runtime("inner")),
        ];
        for e in &cases {
            assert_eq!(io_reason(e), e.to_string());
            assert_eq!(io_display(e), e.to_string());
        }
        let mut buf = [0u8; 4];
        let short = std::io::Read::read_exact(&mut &b"ab"[..], &mut buf).unwrap_err();
        assert_eq!(io_reason(&short), short.to_string());
    }
}
