//! The client side of the protocol: connect (with the version check), one-shot
//! requests, and the attach loop that joins the user's raw terminal to a session.

use crate::error::{Error, Result};
use crate::keys::{self, DetachMatcher, Key, ESC_WAIT};
use crate::protocol::{self, AttachMode, DetachReason, Frame, Request};
use crate::registry::{Record, Registry};
use crate::screen::render;
use crate::sys::poll::{self, PollSet};
use crate::sys::{fd, proc, signal::SignalPipe, socket, term};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// How long to wait for a supervisor's greeting and replies to requests.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Conn {
    pub id: String,
    sock: UnixStream,
    dec: protocol::Decoder,
    buf: Vec<u8>,
}

fn connect_err(id: &str, e: &io::Error) -> Error {
    Error::runtime(format!(
        "cannot connect to session {id}: {}",
        crate::error::io_reason(e)
    ))
}

/// Connect to a live session's supervisor and check its protocol version. A
/// missing socket of a live supervisor is re-created by SIGUSR1, then retried.
pub fn connect(reg: &Registry, rec: &Record) -> Result<Conn> {
    connect_within(reg, rec, REPLY_TIMEOUT)
}

/// `connect`, giving up when the supervisor has not greeted within `timeout`
/// (a stopped or wedged supervisor accepts but never answers).
pub fn connect_within(reg: &Registry, rec: &Record, timeout: Duration) -> Result<Conn> {
    let path = reg.socket_path(&rec.id);
    let sock = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            if !rec.supervisor_alive() {
                return Err(Error::runtime(format!("session {} is not running", rec.id)));
            }
            if let Some(pid) = rec.supervisor_pid {
                let _ = proc::kill(pid, libc::SIGUSR1);
            }
            let deadline = Instant::now() + Duration::from_secs(3);
            let mut delay = Duration::from_millis(5);
            loop {
                std::thread::sleep(delay);
                match UnixStream::connect(&path) {
                    Ok(s) => break s,
                    Err(e) if Instant::now() >= deadline => return Err(connect_err(&rec.id, &e)),
                    Err(_) => delay = (delay * 2).min(Duration::from_millis(200)),
                }
            }
        }
        Err(e) => return Err(connect_err(&rec.id, &e)),
    };
    let mut conn = Conn {
        id: rec.id.clone(),
        sock,
        dec: protocol::Decoder::new(),
        buf: vec![0; 256 * 1024],
    };
    conn.greet(timeout)?;
    Ok(conn)
}

impl Conn {
    fn greet(&mut self, timeout: Duration) -> Result<()> {
        let mut got = Vec::new();
        let deadline = Instant::now() + timeout;
        while got.len() < protocol::GREETING_LEN {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero()
                || !poll::wait_readable(self.sock.as_raw_fd(), Some(left)).unwrap_or(false)
            {
                if Instant::now() >= deadline {
                    return Err(Error::runtime(format!(
                        "session {} did not answer",
                        self.id
                    )));
                }
                continue;
            }
            let mut b = [0u8; protocol::GREETING_LEN];
            match self.sock.read(&mut b[..protocol::GREETING_LEN - got.len()]) {
                Ok(0) => {
                    return Err(Error::runtime(format!(
                        "session {} closed the connection",
                        self.id
                    )))
                }
                Ok(n) => got.extend_from_slice(&b[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(connect_err(&self.id, &e)),
            }
        }
        match protocol::parse_greeting(&got) {
            Some(v) if v == protocol::VERSION => Ok(()),
            Some(v) => Err(Error::runtime(format!(
                "session {} speaks protocol {v}; this linger speaks {}",
                self.id,
                protocol::VERSION
            ))),
            None => Err(Error::runtime(format!(
                "session {} does not speak the linger protocol",
                self.id
            ))),
        }
    }

    pub fn send(&mut self, frame: &Frame) -> Result<()> {
        self.sock
            .write_all(&frame.to_bytes())
            .map_err(|e| connect_err(&self.id, &e))
    }

    /// Send the Attach frame, with our terminal when stdout is one: the
    /// supervisor then writes live output to it itself (see `protocol`).
    fn send_attach(&mut self, frame: &Frame) -> Result<()> {
        let bytes = frame.to_bytes();
        let Some(terminal) = own_terminal() else {
            return self.send(frame);
        };
        let sent = socket::send_with_fd(self.raw_fd(), &bytes, terminal.as_raw_fd())
            .map_err(|e| connect_err(&self.id, &e))?;
        self.sock
            .write_all(&bytes[sent..])
            .map_err(|e| connect_err(&self.id, &e))
    }

    pub fn raw_fd(&self) -> i32 {
        self.sock.as_raw_fd()
    }

    /// Read once from the socket into the decoder. Ok(false) on end of file.
    fn fill(&mut self) -> Result<bool> {
        loop {
            match self.sock.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.dec.push(&self.buf[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(connect_err(&self.id, &e)),
            }
        }
    }

    fn decoded(&mut self) -> Result<Option<Frame>> {
        self.dec
            .next_frame()
            .map_err(|e| Error::runtime(format!("session {}: {e}", self.id)))
    }

    /// The next frame, waiting up to `timeout` (None = forever). Ok(None) on timeout.
    pub fn recv(&mut self, timeout: Option<Duration>) -> Result<Option<Frame>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(f) = self.decoded()? {
                return Ok(Some(f));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Ok(None);
            }
            if !poll::wait_readable(self.raw_fd(), left).map_err(|e| connect_err(&self.id, &e))? {
                continue;
            }
            if !self.fill()? {
                return Err(Error::runtime(format!(
                    "lost connection to session {}",
                    self.id
                )));
            }
        }
    }
}

/// Send one request and return its reply.
pub fn request(reg: &Registry, rec: &Record, req: Request) -> Result<serde_json::Value> {
    let mut c = connect(reg, rec)?;
    c.send(&Frame::Request(req))?;
    loop {
        match c.recv(Some(REPLY_TIMEOUT))? {
            Some(Frame::Reply(v)) => return Ok(v),
            Some(Frame::Error(m)) => return Err(Error::runtime(m)),
            Some(_) => continue,
            None => return Err(Error::runtime(format!("session {} did not answer", rec.id))),
        }
    }
}

/// Send a request and collect the Output frames that come before its reply.
pub fn request_text(reg: &Registry, rec: &Record, req: Request) -> Result<Vec<u8>> {
    let mut c = connect(reg, rec)?;
    c.send(&Frame::Request(req))?;
    let mut text = Vec::new();
    loop {
        match c.recv(Some(REPLY_TIMEOUT))? {
            Some(Frame::Output(b)) => text.extend_from_slice(&b),
            Some(Frame::Reply(_)) => return Ok(text),
            Some(Frame::Error(m)) => return Err(Error::runtime(m)),
            Some(_) => continue,
            None => return Err(Error::runtime(format!("session {} did not answer", rec.id))),
        }
    }
}

/// How an attach ended.
#[derive(Debug, PartialEq, Eq)]
pub enum AttachEnd {
    Detached,
    TakenOver,
    Exited(i32),
    /// The user's terminal went away: nothing to print, the session runs on.
    Hangup,
}

/// A second, non-blocking open of the terminal on stdout (its own file
/// description, so the flag never reaches the user's shell), for reading too
/// when stdin is the same terminal. None when stdout is not a terminal or
/// cannot be reopened: output is then all relayed.
fn own_terminal() -> Option<OwnedFd> {
    if !term::isatty(1) {
        return None;
    }
    let same = term::isatty(0) && term::same_device(0, 1);
    std::fs::OpenOptions::new()
        .read(same)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
        .open("/proc/self/fd/1")
        .ok()
        .map(OwnedFd::from)
}

fn winsize() -> (u16, u16) {
    term::winsize(0)
        .or_else(|| term::winsize(1))
        .unwrap_or((80, 24))
}

fn out_all(bytes: &[u8]) -> io::Result<()> {
    fd::write_all(1, bytes)
}

/// Attach the terminal on stdin/stdout to a session until detach or exit.
pub fn attach(
    reg: &Registry,
    rec: &Record,
    mode: AttachMode,
    detach_keys: &[Key],
) -> Result<AttachEnd> {
    let mut conn = connect(reg, rec)?;
    let (cols, rows) = winsize();
    conn.send_attach(&Frame::Attach {
        mode,
        cols,
        rows,
        detach: keys::describe(detach_keys),
    })?;
    let keys_read_by_us = match conn.recv(Some(REPLY_TIMEOUT))? {
        Some(Frame::Attached { direct_input }) => !direct_input,
        Some(Frame::Error(m)) => return Err(Error::runtime(m)),
        Some(Frame::Exited { code, .. }) => {
            return Err(Error::runtime(format!(
                "session {} has exited (code {code})",
                rec.id
            )))
        }
        _ => {
            return Err(Error::runtime(format!(
                "session {} did not accept the attach",
                rec.id
            )))
        }
    };
    let signals = SignalPipe::install(&[
        libc::SIGWINCH,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
    ])
    .map_err(|e| Error::io("signals", e))?;
    let raw =
        term::RawMode::enter(0).map_err(|e| Error::io("cannot set the terminal to raw mode", e))?;
    let matcher = keys_read_by_us.then(|| DetachMatcher::new(detach_keys));
    let end = attach_loop(&mut conn, &signals, matcher);
    let (end, restore) = match end {
        Ok((end, restore)) => (Ok(end), restore),
        Err(e) => (
            ended_meanwhile(reg, &rec.id).unwrap_or(Err(e)),
            fallback_restore(),
        ),
    };
    let _ = out_all(&restore);
    drop(raw);
    let id = &rec.id;
    let msg = match &end {
        Ok(AttachEnd::Detached) => Some(format!("[detached from session {id}]")),
        Ok(AttachEnd::TakenOver) => Some("[detached: taken over]".to_string()),
        Ok(AttachEnd::Exited(code)) => Some(format!("[session {id} exited with code {code}]")),
        _ => None,
    };
    if let Some(m) = msg {
        // Bottom of the screen, then a fresh line, as dtach does: the message and
        // the shell prompt after it never overwrite the session's last screen.
        let _ = out_all(format!("\x1b[999H\r\n{m}\r\n").as_bytes());
    }
    end
}

/// The connection broke: when the record says the session ended meanwhile
/// (`stop --force` kills the supervisor), end as for an ordinary exit.
fn ended_meanwhile(reg: &Registry, id: &str) -> Option<Result<AttachEnd>> {
    let rec = reg.ended_record(id).ok()?;
    (!rec.is_live()).then(|| rec.outcome().map(AttachEnd::Exited))
}

/// Used when the supervisor vanished without saying which modes to undo:
/// the modes a session may have set, as in `render::restore_sequence`.
fn fallback_restore() -> Vec<u8> {
    [b"\x1b[?1049l", render::MODES_OFF, render::MORE_MODES_OFF].concat()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Src {
    Stdin,
    Sock,
    Signals,
}

/// Pump bytes both ways; returns how it ended and the bytes that restore the
/// terminal. `matcher` is None when the supervisor reads the keys itself:
/// stdin is then only watched for the terminal going away.
fn attach_loop(
    conn: &mut Conn,
    signals: &SignalPipe,
    mut matcher: Option<DetachMatcher>,
) -> Result<(AttachEnd, Vec<u8>)> {
    let mut set = PollSet::new();
    let mut events = Vec::new();
    let mut inbuf = vec![0u8; 16 * 1024];
    let mut forward = Vec::with_capacity(16 * 1024);
    let mut frame = Vec::with_capacity(16 * 1024);
    let mut outbuf = Vec::with_capacity(256 * 1024);
    loop {
        // Frames already decoded first: output must not wait for more input.
        // Output batched into one write: fewer syscalls under a flood.
        outbuf.clear();
        conn.dec.take_output(&mut outbuf);
        if !outbuf.is_empty() && out_all(&outbuf).is_err() {
            return Ok((AttachEnd::Hangup, Vec::new()));
        }
        while let Some(f) = conn.decoded()? {
            match f {
                Frame::Output(b) if out_all(&b).is_err() => {
                    return Ok((AttachEnd::Hangup, Vec::new()))
                }
                Frame::Detached { reason, restore } => {
                    let end = match reason {
                        DetachReason::TakenOver => AttachEnd::TakenOver,
                        _ => AttachEnd::Detached,
                    };
                    return Ok((end, restore));
                }
                Frame::Exited { code, restore } => return Ok((AttachEnd::Exited(code), restore)),
                Frame::Error(m) => return Err(Error::runtime(m)),
                // Every output frame before it is written (synchronously, above).
                Frame::Flush(n) => conn.send(&Frame::Flushed(n))?,
                _ => {}
            }
        }
        set.clear();
        set.add(Src::Signals, signals.fd(), poll::READ);
        set.add(Src::Sock, conn.raw_fd(), poll::READ);
        set.add(
            Src::Stdin,
            0,
            if matcher.is_some() { poll::READ } else { 0 },
        );
        // A lone Esc may be the start of a kitty key report: give the rest of
        // the sequence a moment, then let it through as a plain Esc press.
        let escape_pending = matcher.as_ref().is_some_and(|m| m.escape_pending());
        let timeout = escape_pending.then_some(ESC_WAIT);
        set.wait(timeout, &mut events)
            .map_err(|e| Error::io("poll", e))?;
        if let Some(m) = matcher
            .as_mut()
            .filter(|_| events.is_empty() && escape_pending)
        {
            forward.clear();
            let detach = m.timeout(&mut forward);
            send_input(conn, &mut frame, &forward)?;
            if detach {
                return detach_now(conn);
            }
            continue;
        }
        for ev in events.iter() {
            match ev.token {
                Src::Signals => {
                    for sig in signals.drain() {
                        match sig {
                            libc::SIGWINCH => {
                                let (cols, rows) = winsize();
                                conn.send(&Frame::Resize { cols, rows })?;
                            }
                            // The terminal or the user's shell ended us: the
                            // session keeps running; nothing to print.
                            _ => return Ok((AttachEnd::Hangup, fallback_restore())),
                        }
                    }
                }
                Src::Sock => {
                    if !conn.fill()? {
                        return Err(Error::runtime(format!(
                            "lost connection to session {}",
                            conn.id
                        )));
                    }
                }
                Src::Stdin => {
                    let Some(m) = matcher.as_mut() else {
                        // Not reading it: only a hangup or error wakes us here.
                        return Ok((AttachEnd::Hangup, Vec::new()));
                    };
                    let n = match fd::read(0, &mut inbuf) {
                        Ok(0) | Err(_) => {
                            // The terminal is gone (closed window, EIO): just leave.
                            return Ok((AttachEnd::Hangup, Vec::new()));
                        }
                        Ok(n) => n,
                    };
                    forward.clear();
                    let detach = m.push(&inbuf[..n], &mut forward);
                    send_input(conn, &mut frame, &forward)?;
                    if detach {
                        return detach_now(conn);
                    }
                }
            }
        }
    }
}

fn send_input(conn: &mut Conn, frame: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    frame.clear();
    protocol::encode_input(frame, bytes);
    conn.sock
        .write_all(frame)
        .map_err(|e| connect_err(&conn.id, &e))
}

/// Ask the supervisor to detach us and wait (briefly) for its restore bytes.
fn detach_now(conn: &mut Conn) -> Result<(AttachEnd, Vec<u8>)> {
    if conn.send(&Frame::Detach).is_err() {
        return Ok((AttachEnd::Detached, fallback_restore()));
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match conn.recv(Some(left)) {
            Ok(Some(Frame::Detached { restore, .. })) => return Ok((AttachEnd::Detached, restore)),
            Ok(Some(Frame::Exited { code, restore })) => {
                return Ok((AttachEnd::Exited(code), restore))
            }
            Ok(Some(Frame::Output(b))) => {
                let _ = out_all(&b);
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Ok((AttachEnd::Detached, fallback_restore())),
        }
    }
}
