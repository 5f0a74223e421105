//! Pseudo-terminal pairs: `posix_openpt`, `grantpt`, `unlockpt`, `ptsname_r`.

use super::cvt;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Open a new pty: (master, slave path).
pub fn open() -> io::Result<(OwnedFd, String)> {
    // SAFETY: posix_openpt returns a new fd or -1.
    let fd = cvt(unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) })?;
    // SAFETY: fd was just opened and is owned by nobody else.
    let master = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: grantpt/unlockpt take the master fd; ptsname_r fills name within its length.
    unsafe {
        cvt(libc::grantpt(fd))?;
        cvt(libc::unlockpt(fd))?;
        let r = libc::ptsname_r(fd, name.as_mut_ptr(), name.len());
        if r != 0 {
            return Err(io::Error::from_raw_os_error(r));
        }
    }
    // SAFETY: ptsname_r wrote a NUL-terminated string into name.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Ok((master, path))
}

/// Open the slave side (in the child, after setsid, so it becomes the controlling tty).
pub fn open_slave(path: &std::ffi::CStr) -> io::Result<RawFd> {
    // SAFETY: path is a valid C string; the fd is handed to dup2 by the caller.
    cvt(unsafe { libc::open(path.as_ptr(), libc::O_RDWR) })
}

/// `ioctl(TIOCSCTTY)`: make `fd` the controlling terminal of this session.
pub fn set_controlling(fd: RawFd) -> io::Result<()> {
    // SAFETY: plain ioctl on an fd we own.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCSCTTY, 0) }).map(drop)
}
