//! `poll(2)` with typed tokens. Reports hang-ups and errors instead of masking them.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

pub const READ: i16 = libc::POLLIN;
pub const WRITE: i16 = libc::POLLOUT;

/// One readiness report.
#[derive(Clone, Copy, Debug)]
pub struct Event<T> {
    pub token: T,
    pub revents: i16,
}

impl<T> Event<T> {
    /// Readable, or hung up / in error (a read will tell which).
    pub fn readable(&self) -> bool {
        self.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
    }
    pub fn writable(&self) -> bool {
        self.revents & (libc::POLLOUT | libc::POLLERR | libc::POLLHUP) != 0
    }
}

/// A set of fds to wait on, rebuilt every turn from the current state.
pub struct PollSet<T> {
    fds: Vec<libc::pollfd>,
    tokens: Vec<T>,
}

impl<T: Copy> Default for PollSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> PollSet<T> {
    pub fn new() -> Self {
        PollSet {
            fds: Vec::with_capacity(8),
            tokens: Vec::with_capacity(8),
        }
    }

    pub fn clear(&mut self) {
        self.fds.clear();
        self.tokens.clear();
    }

    pub fn add(&mut self, token: T, fd: RawFd, events: i16) {
        self.fds.push(libc::pollfd {
            fd,
            events,
            revents: 0,
        });
        self.tokens.push(token);
    }

    /// Wait up to `timeout` (None = forever). EINTR yields an empty list: the
    /// caller's signal pipe is in the set and will be readable next turn.
    pub fn wait(&mut self, timeout: Option<Duration>, out: &mut Vec<Event<T>>) -> io::Result<()> {
        out.clear();
        let ms = timeout_ms(timeout);
        // SAFETY: fds is a valid array of fds.len() pollfd structs.
        let n = unsafe { libc::poll(self.fds.as_mut_ptr(), self.fds.len() as libc::nfds_t, ms) };
        if n < 0 {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(err)
            };
        }
        for (pfd, tok) in self.fds.iter().zip(&self.tokens) {
            if pfd.revents != 0 {
                out.push(Event {
                    token: *tok,
                    revents: pfd.revents,
                });
            }
        }
        Ok(())
    }
}

fn timeout_ms(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        // Round up so a deadline 0.4 ms away does not spin with timeout 0.
        Some(d) => d.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int,
    }
}

/// Block until one fd is readable (or the timeout passes). Ok(false) on timeout.
pub fn wait_readable(fd: RawFd, timeout: Option<Duration>) -> io::Result<bool> {
    wait_one(fd, libc::POLLIN, timeout)
}

/// Block until one fd is writable (or the timeout passes). Ok(false) on timeout.
pub fn wait_writable(fd: RawFd, timeout: Option<Duration>) -> io::Result<bool> {
    wait_one(fd, libc::POLLOUT, timeout)
}

fn wait_one(fd: RawFd, events: i16, timeout: Option<Duration>) -> io::Result<bool> {
    let mut set = PollSet::new();
    set.add((), fd, events);
    let mut out = Vec::new();
    set.wait(timeout, &mut out)?;
    Ok(!out.is_empty())
}
