//! The only home of `unsafe`, libc and raw file descriptors. Every wrapper names
//! the syscall it makes; callers above this layer see `io::Result` and owned fds.

pub mod dirs;
pub mod fd;
pub mod mem;
pub mod poll;
pub mod proc;
pub mod pty;
pub mod signal;
pub mod socket;
#[cfg(all(target_feature = "crt-static", not(test)))]
mod static_libc;
pub mod term;

use std::io;

/// Turn a libc return value into `io::Result`, reading errno on -1.
pub(crate) fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Saves errno on creation and puts it back on drop: signal handlers must not
/// clobber the errno of the code they interrupted.
pub struct ErrnoGuard(libc::c_int);

impl ErrnoGuard {
    pub fn save() -> Self {
        // SAFETY: __errno_location returns this thread's errno slot, always valid.
        ErrnoGuard(unsafe { *libc::__errno_location() })
    }
}

impl Drop for ErrnoGuard {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { *libc::__errno_location() = self.0 };
    }
}

/// What std's start-up would do before `main` and linger relies on (the
/// binary has its own `main`): fds 0-2 open, on /dev/null if they were closed,
/// so files we open never land there; and SIGPIPE ignored, so writes to a
/// closed pipe fail with EPIPE.
pub fn init_process() {
    for fd in 0..3 {
        // SAFETY: F_GETFD on any number is harmless; open of a constant path.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && *libc::__errno_location() == libc::EBADF
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR, 0) == -1
            {
                libc::abort();
            }
        }
    }
    signal::ignore(libc::SIGPIPE);
}

/// `getuid(2)`.
pub fn uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
}

/// `umask(2)`: sockets and files we create are private to the user.
pub fn set_umask(mask: u32) {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(mask as libc::mode_t) };
}

/// `strerror`-style text for an errno value, without Rust's "(os error N)".
pub fn errno_text(errno: i32) -> String {
    crate::error::errno_reason(errno)
}

/// `flock(fd, LOCK_EX)`, retried on EINTR; released when the fd closes.
pub fn fd_flock(fd: std::os::fd::RawFd) -> io::Result<()> {
    loop {
        // SAFETY: flock on an fd the caller owns.
        match cvt(unsafe { libc::flock(fd, libc::LOCK_EX) }) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r.map(drop),
        }
    }
}
