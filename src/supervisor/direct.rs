//! An attached client's own terminal, passed over the socket (see
//! `protocol`): the supervisor writes live output to it directly, and reads
//! the keys from it, so that neither waits for the client process.
//!
//! Output may go direct only while the client has written everything
//! relayed through it before; the client confirms that by answering a
//! `Flush(n)` frame queued after the relayed output. Any output relayed
//! after that frame makes its answer stale, and a new one is asked for.

use crate::keys::{self, DetachMatcher, ESC_WAIT};
use crate::sys::{fd, term};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

pub struct DirectTerminal {
    fd: OwnedFd,
    /// The client has written all relayed output: direct writes keep order.
    caught_up: bool,
    /// The `Flush` frame awaiting its answer.
    asked: Option<u32>,
    /// Output relayed after that `Flush`: its answer is not enough.
    relayed_since_ask: bool,
    next_ask: u32,
    input: Option<DirectInput>,
}

/// Keys read from the client's terminal by the supervisor.
struct DirectInput {
    matcher: DetachMatcher,
    /// A lone Esc is held until then (it may begin a kitty key report).
    escape_deadline: Option<Instant>,
}

/// What reading a client's terminal gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Keys {
    /// Bytes for the program (possibly none yet: a detach prefix is held).
    Typed,
    /// The detach sequence; bytes before it were typed.
    Detach,
    /// The terminal is gone; the client sees that too and leaves.
    Gone,
}

/// How a direct write went.
pub enum Written {
    /// All of it.
    All,
    /// This much (maybe none): the terminal is full; relay the rest.
    Part(usize),
    /// The terminal is gone; relay it all.
    Gone,
}

impl DirectTerminal {
    /// Use `fd` if it is a terminal. Keys are read from it when the client
    /// opened it for reading too and `detach` is a valid detach sequence.
    pub fn adopt(fd: OwnedFd, detach: &str) -> Option<DirectTerminal> {
        if !term::isatty(fd.as_raw_fd()) {
            return None;
        }
        let keys = keys::parse_sequence(detach).ok().filter(|k| k.len() >= 2);
        let input = match keys {
            Some(keys) if fd::is_read_write(&fd) => Some(DirectInput {
                matcher: DetachMatcher::new(&keys),
                escape_deadline: None,
            }),
            _ => None,
        };
        Some(DirectTerminal {
            fd,
            caught_up: false,
            asked: None,
            relayed_since_ask: false,
            next_ask: 0,
            input,
        })
    }

    /// The terminal to read keys from, when the supervisor does.
    pub fn keys_fd(&self) -> Option<RawFd> {
        self.input.as_ref().map(|_| self.fd.as_raw_fd())
    }

    /// When a held lone Esc must be let through.
    pub fn escape_deadline(&self) -> Option<Instant> {
        self.input.as_ref()?.escape_deadline
    }

    /// Read typed keys; bytes for the program are appended to `out`.
    pub fn read_keys(&mut self, out: &mut Vec<u8>) -> Keys {
        let Some(input) = &mut self.input else {
            return Keys::Typed;
        };
        let mut buf = [0u8; 16 * 1024];
        let n = match fd::read(self.fd.as_raw_fd(), &mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Keys::Typed,
            Err(_) => 0,
        };
        if n == 0 {
            return Keys::Gone;
        }
        let detach = input.matcher.push(&buf[..n], out);
        input.escape_deadline = input
            .matcher
            .escape_pending()
            .then(|| Instant::now() + ESC_WAIT);
        if detach {
            Keys::Detach
        } else {
            Keys::Typed
        }
    }

    /// No more keys came after a lone Esc: it is a key press of its own.
    pub fn escape_timeout(&mut self, out: &mut Vec<u8>) -> Keys {
        let Some(input) = &mut self.input else {
            return Keys::Typed;
        };
        input.escape_deadline = None;
        if input.matcher.timeout(out) {
            Keys::Detach
        } else {
            Keys::Typed
        }
    }

    /// Write live output directly if order allows and the terminal takes it
    /// now. `Part(0)` when order does not allow.
    pub fn write(&mut self, bytes: &[u8]) -> Written {
        if !self.caught_up {
            return Written::Part(0);
        }
        match fd::write(self.fd.as_raw_fd(), bytes) {
            Ok(n) if n == bytes.len() => Written::All,
            Ok(n) => Written::Part(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Written::Part(0),
            Err(_) => Written::Gone,
        }
    }

    /// Output went through the socket: direct writes wait until the client
    /// says it has written it. Returns the `Flush` to queue after it, if one
    /// is not already on its way.
    pub fn relayed(&mut self) -> Option<u32> {
        self.caught_up = false;
        if self.asked.is_some() {
            self.relayed_since_ask = true;
            return None;
        }
        let n = self.next_ask;
        self.next_ask = n.wrapping_add(1);
        self.asked = Some(n);
        Some(n)
    }

    /// The client answered `Flush(n)`. Returns a new `Flush` to queue when
    /// output was relayed after the one answered.
    pub fn flushed(&mut self, n: u32) -> Option<u32> {
        if self.asked != Some(n) {
            return None; // stale
        }
        self.asked = None;
        if std::mem::take(&mut self.relayed_since_ask) {
            return self.relayed();
        }
        self.caught_up = true;
        None
    }

    /// The queued `Flush` may have been dropped with a backlog: a late
    /// answer to it no longer counts.
    pub fn forget_ask(&mut self) {
        self.asked = None;
        self.relayed_since_ask = false;
    }
}
