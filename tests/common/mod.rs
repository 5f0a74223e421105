//! Test harness: a private linger world per test (Sandbox) and a real PTY to
//! drive interactive commands (Pty). Every wait is bounded; every process a
//! test starts is killed by pid when its owner drops.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_linger");
/// Generous: CI machines are slow and shared.
pub const DEADLINE: Duration = Duration::from_secs(20);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Poll `f` until it returns Some, with backoff 5 → 200 ms, up to DEADLINE.
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    let mut delay = Duration::from_millis(5);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success; stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        self
    }
    #[track_caller]
    pub fn code(self, want: i32) -> Run {
        assert_eq!(
            self.code, want,
            "exit code; stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A private world: its own HOME, LINGER_DIR and config path; a clean env.
pub struct Sandbox {
    pub root: PathBuf,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub extra_env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!("linger-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let dir = root.join("state");
        std::fs::create_dir_all(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let config = root.join("config.toml");
        Sandbox {
            root,
            dir,
            config,
            extra_env: Vec::new(),
        }
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).unwrap();
    }

    /// A Command for the linger binary in this sandbox's environment.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(BIN);
        c.args(args);
        c.env_clear();
        c.env(
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        );
        c.env("HOME", &self.root);
        c.env("LINGER_DIR", &self.dir);
        c.env("LINGER_CONFIG", &self.config);
        c.env("TERM", "xterm-256color");
        c.current_dir(&self.root);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Run linger to completion with stdin from /dev/null (bounded).
    pub fn linger<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.linger_stdin(args, None)
    }

    pub fn linger_stdin<I, S>(&self, args: I, input: Option<&[u8]>) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.cmd(args);
        c.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn linger");
        if let Some(data) = input {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(data).unwrap();
        }
        // Read while it runs: output larger than a pipe would block it.
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > DEADLINE * 2 {
                let _ = child.kill();
                let _ = child.wait();
                let err = err.join().unwrap_or_default();
                panic!("linger did not finish: {:?}", String::from_utf8_lossy(&err));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Run::from(Output {
            status,
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
        })
    }

    /// `run -d -q` and return the id.
    pub fn start(&self, args: &[&str]) -> String {
        let mut full = vec!["run", "-d", "-q"];
        full.extend_from_slice(args);
        let r = self.linger(&full).ok();
        let id = r.stdout.trim().to_string();
        assert_eq!(id.len(), 6, "id from run -d -q: {:?}", r.stdout);
        id
    }

    pub fn inspect(&self, sel: &str) -> serde_json::Value {
        let r = self.linger(["inspect", sel, "--json"]).ok();
        serde_json::from_str(&r.stdout).expect("inspect --json is JSON")
    }

    /// `inspect --json`, or None while the session does not exist (yet).
    pub fn try_inspect(&self, sel: &str) -> Option<serde_json::Value> {
        let r = self.linger(["inspect", sel, "--json"]);
        if r.code != 0 {
            return None;
        }
        serde_json::from_str(&r.stdout).ok()
    }

    /// Wait until the session exists and `attachment` is "attached".
    pub fn wait_attached(&self, sel: &str) -> serde_json::Value {
        wait_for(&format!("{sel} to be attached"), || {
            self.try_inspect(sel)
                .filter(|r| r["attachment"] == "attached")
        })
    }

    pub fn status(&self, sel: &str) -> String {
        self.inspect(sel)["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn wait_exited(&self, sel: &str) -> serde_json::Value {
        wait_for(&format!("{sel} to exit"), || {
            let r = self.inspect(sel);
            (r["status"] == "exited").then_some(r)
        })
    }

    pub fn records(&self) -> Vec<serde_json::Value> {
        let mut v = Vec::new();
        if let Ok(d) = std::fs::read_dir(&self.dir) {
            for e in d.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "json")
                    && !p.to_string_lossy().contains(".screen.")
                {
                    if let Ok(t) = std::fs::read(&p) {
                        if let Ok(j) = serde_json::from_slice::<serde_json::Value>(&t) {
                            v.push(j);
                        }
                    }
                }
            }
        }
        v
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Kill every supervisor and command this sandbox started, by pid.
        for rec in self.records() {
            for key in ["pid", "supervisor_pid"] {
                if let Some(pid) = rec[key].as_i64().filter(|&p| p > 1) {
                    let pid = pid as i32;
                    if is_alive_linger_or_child(pid, &self.dir) {
                        // SAFETY: signalling a pid this test started.
                        unsafe {
                            libc::killpg(pid, libc::SIGKILL);
                            libc::kill(pid, libc::SIGKILL);
                        }
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Only kill a pid if it still exists (it may have been reused only if long gone;
/// tests are short, but check /proc anyway).
fn is_alive_linger_or_child(pid: i32, _dir: &Path) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// A real pseudo-terminal running one command (a linger client).
pub struct Pty {
    pub master: OwnedFd,
    pub child: Child,
    pub output: Vec<u8>,
}

pub fn openpty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let mut m = 0;
    let mut s = 0;
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two fds; ws is a valid winsize.
    let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(r, 0, "openpty");
    // SAFETY: both fds are fresh and ours.
    unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

impl Pty {
    /// Spawn `cmd` with the PTY slave as its controlling terminal and stdio.
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let (master, slave) = openpty(cols, rows);
        let sfd = slave.as_raw_fd();
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()));
        cmd.stdout(Stdio::from(slave.try_clone().unwrap()));
        cmd.stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                let _ = sfd;
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn in pty");
        // SAFETY: F_SETFL on our master fd.
        unsafe {
            let fl = libc::fcntl(master.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(master.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK);
        }
        Pty {
            master,
            child,
            output: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let mut off = 0;
        let start = Instant::now();
        while off < bytes.len() {
            // SAFETY: writing from a valid buffer.
            let n = unsafe {
                libc::write(
                    self.master.as_raw_fd(),
                    bytes[off..].as_ptr().cast(),
                    bytes.len() - off,
                )
            };
            if n > 0 {
                off += n as usize;
            } else {
                assert!(start.elapsed() < DEADLINE, "pty write stuck");
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Read what is available (waiting up to `wait` for the first byte).
    pub fn pump(&mut self, wait: Duration) -> usize {
        let mut pfd = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, wait.as_millis() as i32) };
        if r <= 0 {
            return 0;
        }
        let mut buf = [0u8; 65536];
        let mut total = 0;
        loop {
            // SAFETY: buf is valid for its length.
            let n =
                unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return total;
            }
            self.output.extend_from_slice(&buf[..n as usize]);
            total += n as usize;
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// Wait until the output (since `from`) contains `needle`.
    #[track_caller]
    pub fn expect_from(&mut self, from: usize, needle: &str) -> usize {
        let start = Instant::now();
        loop {
            if let Some(pos) = find(
                &self.output[from.min(self.output.len())..],
                needle.as_bytes(),
            ) {
                return from + pos + needle.len();
            }
            if start.elapsed() > DEADLINE {
                panic!(
                    "timed out waiting for {needle:?} in pty output: {:?}",
                    String::from_utf8_lossy(&self.output[from.min(self.output.len())..])
                );
            }
            self.pump(Duration::from_millis(50));
        }
    }

    #[track_caller]
    pub fn expect(&mut self, needle: &str) -> usize {
        self.expect_from(0, needle)
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ on our master; the kernel signals the foreground group.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    }

    /// Wait for the client to exit, draining its output; returns its exit code.
    #[track_caller]
    pub fn wait_exit(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            self.pump(Duration::from_millis(20));
            if let Some(st) = self.child.try_wait().unwrap() {
                self.pump(Duration::from_millis(50));
                return st.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < DEADLINE,
                "client did not exit; output: {:?}",
                self.text()
            );
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read a file to string, or empty.
pub fn read(path: impl AsRef<Path>) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    s
}
