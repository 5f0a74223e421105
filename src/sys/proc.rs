//! Processes: fork, setsid, exec, waitpid, kill, and the identity checks that
//! make a stored pid safe to signal (start time from /proc/PID/stat, boot id).

use super::cvt;
use std::ffi::CString;
use std::io;

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitInfo {
    Code(i32),
    Signal(i32),
}

impl ExitInfo {
    /// The shell convention: a signal N becomes 128+N.
    pub fn code(self) -> i32 {
        match self {
            ExitInfo::Code(c) => c,
            ExitInfo::Signal(s) => 128 + s,
        }
    }
}

pub enum Fork {
    Child,
    Parent(i32),
}

/// `fork(2)`. Only called while the process has a single thread.
pub fn fork() -> io::Result<Fork> {
    // SAFETY: linger never starts threads, so the child is a faithful copy.
    match cvt(unsafe { libc::fork() })? {
        0 => Ok(Fork::Child),
        pid => Ok(Fork::Parent(pid)),
    }
}

/// `setsid(2)`.
pub fn setsid() -> io::Result<()> {
    // SAFETY: no arguments.
    cvt(unsafe { libc::setsid() }).map(drop)
}

/// `_exit(2)`: leave a forked child without running the parent's destructors.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and is always safe to call.
    unsafe { libc::_exit(code) }
}

/// `getpid(2)`.
pub fn pid() -> i32 {
    // SAFETY: cannot fail.
    unsafe { libc::getpid() }
}

/// Arguments prepared before fork, so the child only calls async-signal-safe code.
pub struct ExecArgs {
    argv: Vec<CString>,
}

impl ExecArgs {
    pub fn new(argv: &[String]) -> io::Result<ExecArgs> {
        let argv = argv
            .iter()
            .map(|a| {
                CString::new(a.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
            })
            .collect::<io::Result<Vec<_>>>()?;
        if argv.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        Ok(ExecArgs { argv })
    }

    /// `execvp(3)`: returns only on failure, with its errno.
    pub fn exec(&self) -> io::Error {
        let mut ptrs: Vec<*const libc::c_char> = self.argv.iter().map(|a| a.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        // SAFETY: ptrs is a NULL-terminated array of valid C strings that outlive the call.
        unsafe { libc::execvp(ptrs[0], ptrs.as_ptr()) };
        io::Error::last_os_error()
    }
}

/// `waitpid(pid, WNOHANG)`: Some once the child has ended.
pub fn try_wait(pid: i32) -> io::Result<Option<ExitInfo>> {
    let mut status = 0;
    // SAFETY: status is a valid int for the kernel to fill.
    let r = cvt(unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) })?;
    if r == 0 {
        return Ok(None);
    }
    Ok(Some(decode_status(status)))
}

/// `waitpid(pid, 0)`, retried on EINTR.
pub fn wait_blocking(pid: i32) -> io::Result<ExitInfo> {
    loop {
        let mut status = 0;
        // SAFETY: as above.
        match cvt(unsafe { libc::waitpid(pid, &mut status, 0) }) {
            Ok(_) => return Ok(decode_status(status)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Reap any other children (the exec'd command's orphans never become ours,
/// but be safe): `waitpid(-1, WNOHANG)` until none are left.
pub fn reap_others() {
    let mut status = 0;
    // SAFETY: as above.
    while unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } > 0 {}
}

fn decode_status(status: libc::c_int) -> ExitInfo {
    if libc::WIFSIGNALED(status) {
        ExitInfo::Signal(libc::WTERMSIG(status))
    } else {
        ExitInfo::Code(libc::WEXITSTATUS(status))
    }
}

/// `kill(2)`.
pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    if pid <= 0 {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    // SAFETY: plain syscall; pid > 0 so never a broadcast.
    cvt(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// `killpg(2)`.
pub fn killpg(pgid: i32, sig: i32) -> io::Result<()> {
    if pgid <= 1 {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    // SAFETY: plain syscall; pgid > 1 so never our own group by accident of 0.
    cvt(unsafe { libc::killpg(pgid, sig) }).map(drop)
}

/// Does the process exist (signal 0)? EPERM means it exists but is not ours.
pub fn exists(pid: i32) -> bool {
    match kill(pid, 0) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() == Some(libc::EPERM),
    }
}

/// Fields of /proc/PID/stat after the command name (which may hold spaces).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let bytes = super::fd::read_small(format!("/proc/{pid}/stat").as_ref()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// Start time in clock ticks since boot (field 22 of /proc/PID/stat).
pub fn start_ticks(pid: i32) -> Option<u64> {
    // Field 22 overall is index 19 after "pid (comm)".
    stat_fields(pid)?.get(19)?.parse().ok()
}

/// Process state letter and session id, for finding a session's leftovers.
pub fn state_and_sid(pid: i32) -> Option<(char, i32)> {
    let f = stat_fields(pid)?;
    Some((f.first()?.chars().next()?, f.get(3)?.parse().ok()?))
}

/// This boot's id, so a record from before a reboot is never trusted.
pub fn boot_id() -> String {
    // Read once per process: `ps` checks it for every record.
    static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    })
    .clone()
}

/// Is `pid` still the process that was started at `ticks` during this boot?
/// A zombie counts as gone: it will never serve the session again.
pub fn is_same_process(pid: i32, ticks: u64, boot: &str) -> bool {
    if pid <= 0 || boot != boot_id() {
        return false;
    }
    let Some(f) = stat_fields(pid) else {
        return false;
    };
    let zombie = f.first().is_some_and(|st| st.starts_with(['Z', 'X']));
    !zombie && f.get(19).and_then(|t| t.parse::<u64>().ok()) == Some(ticks)
}

/// Every pid in session `sid` (to make sure a stopped session leaves nothing behind).
pub fn pids_in_session(sid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| matches!(state_and_sid(pid), Some((st, s)) if s == sid && st != 'Z'))
        .collect()
}

/// `chdir(2)` for the forked child.
pub fn chdir(path: &CString) -> io::Result<()> {
    // SAFETY: path is a valid C string.
    cvt(unsafe { libc::chdir(path.as_ptr()) }).map(drop)
}

/// `sched_yield(2)`: let another runnable task on this CPU go first.
pub fn yield_now() {
    // SAFETY: no arguments, no memory.
    unsafe { libc::sched_yield() };
}
