//! The session's pseudo-terminal and the command in it: open the pair, start
//! the command as a session leader with the slave as its controlling tty,
//! report exec failures through a close-on-exec pipe.

use crate::sys::{self, fd, proc, pty, signal, term};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// What to start.
pub struct Spawn<'a> {
    pub argv: &'a [String],
    pub workdir: &'a str,
    pub cols: u16,
    pub rows: u16,
}

/// A started command.
pub struct Child {
    pub master: OwnedFd,
    pub pid: i32,
}

/// Why the command could not be started: errno from exec (or chdir).
#[derive(Debug)]
pub struct ExecError {
    pub errno: i32,
    pub during: &'static str,
}

impl ExecError {
    /// 127 for "not found", 126 for "found but cannot be executed", like a shell.
    pub fn exit_code(&self) -> u8 {
        if self.errno == libc::ENOENT && self.during == "exec" {
            127
        } else {
            126
        }
    }
}

/// Start the command in a new pty. The environment must already be set in this
/// process (the supervisor sets it before calling). Returns after the exec
/// happened (or failed): the child closes the error pipe on exec.
pub fn spawn(s: &Spawn) -> io::Result<Result<Child, ExecError>> {
    let (master, slave_path) = pty::open()?;
    term::set_winsize(master.as_raw_fd(), s.cols, s.rows)?;
    let slave_c =
        CString::new(slave_path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let workdir = CString::new(s.workdir.as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let args = proc::ExecArgs::new(s.argv)?;
    let (err_rd, err_wr) = fd::pipe_cloexec()?;

    match proc::fork()? {
        proc::Fork::Child => {
            // Only async-signal-safe work from here to exec.
            drop(err_rd);
            let fail = |during: u8, e: io::Error| -> ! {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                let mut msg = [during, 0, 0, 0, 0];
                msg[1..].copy_from_slice(&errno.to_be_bytes());
                let _ = fd::write(err_wr.as_raw_fd(), &msg);
                proc::exit_now(127)
            };
            if let Err(e) = proc::setsid() {
                fail(b's', e);
            }
            let slave = match pty::open_slave(&slave_c) {
                Ok(fd) => fd,
                Err(e) => fail(b's', e),
            };
            if let Err(e) = pty::set_controlling(slave) {
                fail(b's', e);
            }
            for target in 0..3 {
                if let Err(e) = fd::dup2(slave, target) {
                    fail(b's', e);
                }
            }
            if slave > 2 {
                // Our own fd, no longer needed after dup2.
                fd::close_raw(slave);
            }
            drop(master);
            if let Err(e) = proc::chdir(&workdir) {
                fail(b'c', e);
            }
            signal::reset_for_exec();
            let e = args.exec();
            fail(b'x', e)
        }
        proc::Fork::Parent(pid) => {
            drop(err_wr);
            let msg = fd::read_to_end(&err_rd)?;
            if msg.len() >= 5 {
                let errno = i32::from_be_bytes([msg[1], msg[2], msg[3], msg[4]]);
                let during = match msg[0] {
                    b'c' => "chdir",
                    b'x' => "exec",
                    _ => "setup",
                };
                let _ = proc::wait_blocking(pid);
                return Ok(Err(ExecError { errno, during }));
            }
            fd::set_nonblocking(&master, true)?;
            Ok(Ok(Child { master, pid }))
        }
    }
}

/// Resize the pty; the kernel sends SIGWINCH to the foreground process group.
pub fn resize(master: &OwnedFd, cols: u16, rows: u16) -> io::Result<()> {
    term::set_winsize(master.as_raw_fd(), cols, rows)
}

/// Signal the command's process group (falls back to the pid alone).
pub fn signal_group(pgid: i32, sig: i32) {
    if proc::killpg(pgid, sig).is_err() {
        let _ = proc::kill(pgid, sig);
    }
}

/// Kill whatever is left in the command's session (processes that left its
/// process group or ignored SIGHUP/SIGTERM), so a stopped session leaves nothing.
pub fn kill_session(sid: i32) {
    for pid in sys::proc::pids_in_session(sid) {
        let _ = proc::kill(pid, libc::SIGKILL);
    }
}
