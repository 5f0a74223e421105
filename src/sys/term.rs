//! The user's terminal: raw mode (restored on drop), window size, isatty.

use super::cvt;
use std::io;
use std::os::fd::RawFd;

/// `isatty(3)`.
pub fn isatty(fd: RawFd) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// `ioctl(TIOCGWINSZ)`: (cols, rows), or None when the fd is not a terminal
/// or reports a zero size.
/// Whether two fds are the same device (e.g. one terminal on stdin and stdout).
pub fn same_device(a: RawFd, b: RawFd) -> bool {
    let rdev = |fd| {
        // SAFETY: fstat fills a plain struct for an fd we borrow.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            (libc::fstat(fd, &mut st) == 0).then_some(st.st_rdev)
        }
    };
    matches!((rdev(a), rdev(b)), (Some(x), Some(y)) if x == y)
}

pub fn winsize(fd: RawFd) -> Option<(u16, u16)> {
    // SAFETY: ws is a valid winsize for the kernel to fill.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
            Some((ws.ws_col, ws.ws_row))
        } else {
            None
        }
    }
}

/// `ioctl(TIOCSWINSZ)`: on a pty master this also sends SIGWINCH to the
/// foreground process group of the slave.
pub fn set_winsize(fd: RawFd, cols: u16, rows: u16) -> io::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: ws is a valid winsize read by the kernel.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) }).map(drop)
}

/// `tcgetpgrp(3)`: the foreground process group of a terminal (or pty master).
pub fn foreground_pgrp(fd: RawFd) -> Option<i32> {
    // SAFETY: tcgetpgrp only inspects the descriptor.
    let pg = unsafe { libc::tcgetpgrp(fd) };
    (pg > 0).then_some(pg)
}

/// `tcsetattr(fd, TCSADRAIN, raw)`: the terminal stays raw until the guard drops.
pub struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    pub fn enter(fd: RawFd) -> io::Result<RawMode> {
        // SAFETY: termios structs are plain data filled by tcgetattr.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            cvt(libc::tcgetattr(fd, &mut saved))?;
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            cvt(libc::tcsetattr(fd, libc::TCSADRAIN, &raw))?;
            Ok(RawMode { fd, saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the attributes saved in enter().
        unsafe { libc::tcsetattr(self.fd, libc::TCSADRAIN, &self.saved) };
    }
}
