//! Signals arrive as bytes on a self-pipe, so the poll loop sees them like any fd.

use super::{cvt, fd};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let _errno = super::ErrnoGuard::save();
    let byte = sig as u8;
    let fd = WAKE_FD.load(Ordering::Relaxed);
    // SAFETY: write(2) is async-signal-safe; fd is our non-blocking pipe. A full
    // pipe drops the byte harmlessly: the loop re-checks waitpid and its flags,
    // not the byte count.
    unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
}

/// The read end of the self-pipe; drop it only at exit.
pub struct SignalPipe {
    read: OwnedFd,
    _write: OwnedFd,
}

impl SignalPipe {
    /// Route `signals` to the pipe. Call once per process.
    pub fn install(signals: &[libc::c_int]) -> io::Result<SignalPipe> {
        let (read, write) = fd::pipe_cloexec()?;
        fd::set_nonblocking(&read, true)?;
        fd::set_nonblocking(&write, true)?;
        WAKE_FD.store(write.as_raw_fd(), Ordering::Relaxed);
        for &sig in signals {
            // SAFETY: a zeroed sigaction is valid; we set the handler and flags.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as *const () as usize;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                cvt(libc::sigaction(sig, &sa, std::ptr::null_mut()))?;
            }
        }
        Ok(SignalPipe {
            read,
            _write: write,
        })
    }

    pub fn fd(&self) -> i32 {
        self.read.as_raw_fd()
    }

    /// Read every pending signal number (deduplicated, in arrival order).
    pub fn drain(&self) -> Vec<libc::c_int> {
        let mut buf = [0u8; 64];
        let mut sigs = Vec::new();
        while let Ok(n) = fd::read(self.read.as_raw_fd(), &mut buf) {
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                let s = b as libc::c_int;
                if !sigs.contains(&s) {
                    sigs.push(s);
                }
            }
        }
        sigs
    }
}

/// Put every signal back to its default disposition and unblock all of them:
/// done in a forked child just before exec, so the command does not inherit
/// Rust's ignored SIGPIPE or our handlers.
pub fn reset_for_exec() {
    // SAFETY: signal() and sigprocmask with valid arguments; called in a
    // single-threaded child between fork and exec.
    unsafe {
        for sig in 1..32 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

/// `signal(sig, SIG_IGN)`.
pub fn ignore(sig: libc::c_int) {
    // SAFETY: setting a disposition to SIG_IGN is always valid.
    unsafe { libc::signal(sig, libc::SIG_IGN) };
}

/// Signal name (`SIGTERM`) for a number; `SIG<N>` for unknown ones.
pub fn name(sig: i32) -> String {
    let known = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGCHLD, "SIGCHLD"),
        (libc::SIGCONT, "SIGCONT"),
        (libc::SIGSTOP, "SIGSTOP"),
        (libc::SIGTSTP, "SIGTSTP"),
        (libc::SIGTTIN, "SIGTTIN"),
        (libc::SIGTTOU, "SIGTTOU"),
        (libc::SIGURG, "SIGURG"),
        (libc::SIGXCPU, "SIGXCPU"),
        (libc::SIGXFSZ, "SIGXFSZ"),
        (libc::SIGVTALRM, "SIGVTALRM"),
        (libc::SIGPROF, "SIGPROF"),
        (libc::SIGWINCH, "SIGWINCH"),
        (libc::SIGIO, "SIGIO"),
        (libc::SIGPWR, "SIGPWR"),
        (libc::SIGSYS, "SIGSYS"),
    ];
    known
        .iter()
        .find(|(n, _)| *n == sig)
        .map(|(_, s)| s.to_string())
        .unwrap_or(format!("SIG{sig}"))
}

/// Number for a signal name (`SIGTERM` or `TERM`).
pub fn number(name: &str) -> Option<i32> {
    let want = if name.starts_with("SIG") {
        name.to_string()
    } else {
        format!("SIG{name}")
    };
    (1..32).find(|&n| self::name(n) == want)
}
