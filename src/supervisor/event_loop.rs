//! The supervisor's only poll(2) call and its handlers. Every source is visible
//! here: the signal pipe, the listening socket, the pty master and the clients.
//! Interest is computed from state on every turn; the poll timeout is the next
//! deadline (checkpoint, idle TTL, stop escalation, the model catching up with
//! a burst of output), never a periodic tick.

use super::clients::{Client, Keys, Role};
use super::log::Log;
use super::model::Model;
use super::recorder::Recorder;
use super::SessionSpec;
use crate::protocol::{AttachMode, DetachReason, Frame, Request};
use crate::pty::{self, Child};
use crate::registry::{Attachment, EndReason, Record, Registry, Status};
use crate::screen::{render, Screen};
use crate::sys::poll::{self, PollSet};
use crate::sys::signal::SignalPipe;
use crate::sys::{fd, proc, socket};
use crate::units;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

/// Per-turn pty read size: one read per wake-up, large enough for floods.
const PTY_READ_CHUNK: usize = 64 * 1024;
/// What one read of a Linux pty master returns at most while output is
/// flooding (the tty layer's buffer, less one).
const TTY_CHUNK: usize = 4095;
/// Screen and record checkpoints follow a change within this delay, never per byte.
const CHECKPOINT_DELAY: Duration = Duration::from_secs(2);
/// How long the model may wait for more output before it catches up with
/// what it has (output reaches clients at once either way).
const MODEL_LAG: Duration = Duration::from_millis(2);
/// How long a finished session keeps flushing output to its clients.
const EXIT_FLUSH: Duration = Duration::from_secs(3);
/// History lines replayed into the terminal's scrollback on attach.
const ATTACH_HISTORY: usize = 5_000;
/// Pending input to the program beyond this is dropped (a stuck program).
const PTY_INPUT_MAX: usize = 4 << 20;
/// After a few typed keys the loop polls without sleeping this long, giving
/// the CPU away between polls (`sched_yield`), waiting for the echo: waking a
/// sleeping process costs more than the echo takes to come back (side by side:
/// echo p50 94 -> 65 us). At most this much CPU per keystroke.
const ECHO_SPIN: Duration = Duration::from_micros(150);
/// Input larger than this (a paste) is not waited on.
const ECHO_SPIN_INPUT_MAX: usize = 64;
/// A client that has not said what it wants within this time is dropped.
const NEW_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Src {
    Signals,
    Listener,
    Pty,
    Client(usize),
    /// The terminal of client `i`, when the supervisor reads its keys.
    Terminal(usize),
}

pub struct Session {
    rec: Record,
    child: Child,
    listener: Option<UnixListener>,
    signals: SignalPipe,
    log: Log,
    model: Model,
    recorder: Option<Recorder>,
    clients: Vec<Client>,
    client_since: Vec<Instant>,
    read_buf: Vec<u8>,
    pty_in: Vec<u8>,
    pty_open: bool,
    exit: Option<proc::ExitInfo>,
    last_activity: Instant,
    last_activity_wall: i64,
    checkpoint_at: Option<Instant>,
    stop: Option<Stopping>,
    finished_at: Option<Instant>,
    /// Set for attached `run` until its client is in (see `attach_on_start`).
    awaiting_attach: bool,
    /// After a keystroke, poll without sleeping until then (`ECHO_SPIN`).
    echo_wait_until: Option<Instant>,
    /// Keys read from a client's terminal, reused.
    keys_buf: Vec<u8>,
}

struct Stopping {
    reason: EndReason,
    kill_at: Instant,
    killed: bool,
}

impl Session {
    pub(super) fn new(
        spec: SessionSpec,
        rec: Record,
        child: Child,
        listener: UnixListener,
        signals: SignalPipe,
        log: Log,
    ) -> Session {
        let mut screen = Screen::new(spec.cols, spec.rows, spec.limits);
        for line in &spec.seed_lines {
            screen.feed(line.as_bytes());
            screen.feed(b"\x1b[0m\r\n");
        }
        let recorder = spec.record_file.as_deref().and_then(|path| {
            let shell = std::env::var("SHELL").unwrap_or_default();
            match Recorder::create(path, spec.cols, spec.rows, &spec.term, &shell) {
                Ok(r) => Some(r),
                Err(e) => {
                    log.line(&format!(
                        "cannot record to {path}: {}",
                        crate::error::io_display(&e)
                    ));
                    None
                }
            }
        });
        let spec_attach = spec.attach_on_start;
        Session {
            rec,
            child,
            listener: Some(listener),
            signals,
            log,
            model: Model::new(screen),
            recorder,
            clients: Vec::new(),
            client_since: Vec::new(),
            read_buf: vec![0; PTY_READ_CHUNK],
            pty_in: Vec::new(),
            echo_wait_until: None,
            keys_buf: Vec::new(),
            pty_open: true,
            exit: None,
            last_activity: Instant::now(),
            last_activity_wall: crate::registry::now(),
            checkpoint_at: None,
            stop: None,
            finished_at: None,
            awaiting_attach: spec_attach,
        }
    }

    fn writer(&self) -> Option<usize> {
        self.clients
            .iter()
            .position(|c| c.role == Role::Writer && !c.closing && !c.dead)
    }

    fn viewers(&self) -> u32 {
        self.clients
            .iter()
            .filter(|c| c.role == Role::Viewer && !c.closing && !c.dead)
            .count() as u32
    }

    fn next_deadline(&self) -> Option<Instant> {
        let mut d: Option<Instant> = self.checkpoint_at;
        let mut consider = |t: Instant| d = Some(d.map_or(t, |x| x.min(t)));
        if let Some(s) = &self.stop {
            if !s.killed {
                consider(s.kill_at);
            }
        }
        if let Some(t) = self.idle_deadline() {
            consider(t);
        }
        if let Some(f) = self.finished_at {
            consider(f + EXIT_FLUSH);
        }
        for (c, since) in self.clients.iter().zip(&self.client_since) {
            if c.role == Role::New {
                consider(*since + NEW_CLIENT_TIMEOUT);
            }
            if let Some(t) = c.escape_deadline() {
                consider(t);
            }
        }
        d
    }

    fn idle_deadline(&self) -> Option<Instant> {
        let ttl = self.rec.idle_ttl_secs.filter(|&t| t > 0)?;
        if self.exit.is_some()
            || self.stop.is_some()
            || self.writer().is_some()
            || self.viewers() > 0
        {
            return None;
        }
        Some(self.last_activity + Duration::from_secs(ttl))
    }

    fn touch(&mut self) {
        self.last_activity = Instant::now();
        self.last_activity_wall = crate::registry::now();
        if self.checkpoint_at.is_none() {
            self.checkpoint_at = Some(self.last_activity + CHECKPOINT_DELAY);
        }
    }

    fn save_record(&mut self, reg: &Registry) {
        self.rec.attachment = if self.writer().is_some() {
            Attachment::Attached
        } else {
            Attachment::Detached
        };
        self.rec.viewers = self.viewers();
        self.rec.last_activity_at = units::rfc3339(self.last_activity_wall);
        let id = self.rec.id.clone();
        let rec = self.rec.clone();
        let result = reg.lock(&id).and_then(|_lock| reg.write(&rec));
        if let Err(e) = result {
            self.log.line(&format!("record write failed: {e}"));
        }
    }

    fn checkpoint(&mut self, reg: &Registry) {
        self.checkpoint_at = None;
        if let Some(r) = &mut self.recorder {
            r.flush();
        }
        if let Err(e) = crate::commands::snapshot::write_screen_file(
            &reg.screen_path(&self.rec.id),
            self.model.screen(),
        ) {
            self.log.line(&format!(
                "checkpoint failed: {}",
                crate::error::io_display(&e)
            ));
        }
        self.save_record(reg);
    }
}

/// Run the loop until the session is over; returns the supervisor's exit status.
pub fn run(s: &mut Session, reg: &Registry) -> i32 {
    let mut set: PollSet<Src> = PollSet::new();
    let mut events = Vec::new();
    loop {
        set.clear();
        set.add(Src::Signals, s.signals.fd(), poll::READ);
        if let Some(l) = &s.listener {
            set.add(Src::Listener, l.as_raw_fd(), poll::READ);
        }
        if s.pty_open {
            let mut interest = poll::READ;
            if !s.pty_in.is_empty() {
                interest |= poll::WRITE;
            }
            set.add(Src::Pty, s.child.master.as_raw_fd(), interest);
        }
        for (i, c) in s.clients.iter().enumerate() {
            let mut interest = if c.closing { 0 } else { poll::READ };
            if c.wants_write() {
                interest |= poll::WRITE;
            }
            set.add(Src::Client(i), c.fd(), interest);
            if let Some(fd) = c.keys_fd().filter(|_| !c.closing) {
                set.add(Src::Terminal(i), fd, poll::READ);
            }
        }
        let mut timeout = s
            .next_deadline()
            .map(|d| d.saturating_duration_since(Instant::now()));
        if let Some(t) = s.echo_wait_until {
            if Instant::now() < t {
                // Anything else runnable here (the kworker passing the echo
                // on) goes first.
                proc::yield_now();
                timeout = Some(Duration::ZERO);
            } else {
                s.echo_wait_until = None;
            }
        }
        if s.model.has_work() {
            // The model has a slice to catch up on: only look whether
            // anything more urgent is ready.
            timeout = Some(Duration::ZERO);
        } else if s.model.behind() {
            // The model lags while output keeps coming (`Model`): wait only
            // a moment for more before it catches up.
            timeout = Some(timeout.map_or(MODEL_LAG, |t| t.min(MODEL_LAG)));
        }
        if let Err(e) = set.wait(timeout, &mut events) {
            s.log
                .line(&format!("poll failed: {}", crate::error::io_display(&e)));
            return 1;
        }
        if events.is_empty() && s.model.has_work() {
            // Nothing ready: the pty and clients wait on no one while the
            // model catches up in the gaps of a flood.
            s.model.work();
            answer_queries(s);
            continue;
        }
        if events.is_empty() && s.model.behind() {
            // Nothing to do: the model catches up, and answers any query,
            // before the loop sleeps.
            s.model.idle();
            answer_queries(s);
            continue;
        }
        for ev in events.iter().copied() {
            match ev.token {
                Src::Signals => on_signals(s, reg),
                Src::Listener => on_accept(s),
                Src::Pty => {
                    if ev.writable() {
                        write_pty(s);
                    }
                    if ev.readable() {
                        on_pty(s, reg);
                    }
                }
                Src::Client(i) => {
                    if ev.readable() && !s.clients[i].closing {
                        on_client(s, reg, i);
                    }
                    if ev.writable() {
                        s.clients[i].flush();
                    }
                }
                Src::Terminal(i) => {
                    if !s.clients[i].closing {
                        let mut typed = std::mem::take(&mut s.keys_buf);
                        typed.clear();
                        let keys = s.clients[i].read_keys(&mut typed);
                        on_keys(s, reg, i, keys, &typed);
                        s.keys_buf = typed;
                    }
                }
            }
        }
        on_deadlines(s, reg);
        sweep_clients(s, reg);
        if let Some(f) = s.finished_at {
            let flushed = s.clients.iter().all(|c| !c.wants_write());
            if (flushed && !s.awaiting_attach) || f.elapsed() >= EXIT_FLUSH {
                let _ = std::fs::remove_file(reg.socket_path(&s.rec.id));
                return 0;
            }
        }
    }
}

fn on_signals(s: &mut Session, reg: &Registry) {
    for sig in s.signals.drain() {
        match sig {
            libc::SIGCHLD => {}
            libc::SIGTERM | libc::SIGINT | libc::SIGHUP => {
                s.log.line(&format!("signal {sig}: stopping"));
                begin_stop(s, reg, Duration::from_secs(10), EndReason::Stopped);
            }
            libc::SIGUSR1 => recreate_socket(s, reg),
            _ => {}
        }
    }
    // Re-check the child whatever arrived: a dropped byte must not lose an exit.
    if s.exit.is_none() {
        if let Ok(Some(exit)) = proc::try_wait(s.child.pid) {
            on_child_exit(s, reg, exit);
        }
    }
    proc::reap_others();
}

/// SIGUSR1: a tmp cleaner deleted our socket file; bind it again.
fn recreate_socket(s: &mut Session, reg: &Registry) {
    if s.finished_at.is_some() {
        return;
    }
    let path = reg.socket_path(&s.rec.id);
    let _ = std::fs::remove_file(&path);
    let _ = crate::sys::dirs::ensure_private(&reg.run);
    match UnixListener::bind(&path) {
        Ok(l) => {
            let _ = fd::set_nonblocking(&l, true);
            super::set_socket_mode(&path);
            s.listener = Some(l);
            s.log.line("socket re-created");
        }
        Err(e) => s.log.line(&format!(
            "cannot re-create socket: {}",
            crate::error::io_display(&e)
        )),
    }
}

fn on_accept(s: &mut Session) {
    let Some(listener) = &s.listener else { return };
    loop {
        match listener.accept() {
            Ok((sock, _)) => {
                // Same user only: anyone else is closed at once.
                match socket::peer_uid(&sock) {
                    Ok(uid) if uid == crate::sys::uid() => {}
                    other => {
                        s.log
                            .line(&format!("refused connection from uid {other:?}"));
                        continue;
                    }
                }
                if fd::set_nonblocking(&sock, true).is_err() {
                    continue;
                }
                let mut c = Client::new(sock);
                c.flush();
                s.clients.push(c);
                s.client_since.push(Instant::now());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                s.log
                    .line(&format!("accept failed: {}", crate::error::io_display(&e)));
                return;
            }
        }
    }
}

fn on_pty(s: &mut Session, reg: &Registry) {
    let mut filled = 0;
    loop {
        match fd::read(s.child.master.as_raw_fd(), &mut s.read_buf[filled..]) {
            Ok(0) => {
                s.pty_open = false;
                break;
            }
            Ok(n) => {
                filled += n;
                // A small read is interactive output: forward it now. A full
                // tty chunk means a flood: gather more before waking clients,
                // so they get one write per up to PTY_READ_CHUNK bytes.
                if n < TTY_CHUNK || filled == s.read_buf.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // Linux read(2) on the master returns EIO, not 0, once the last slave fd
            // closes. Treat it as EOF; the exit status comes separately through SIGCHLD.
            Err(_) => {
                s.pty_open = false;
                break;
            }
        }
    }
    if filled > 0 {
        s.echo_wait_until = None;
        output(s, filled);
    }
    if !s.pty_open && s.exit.is_none() {
        if let Ok(Some(exit)) = proc::try_wait(s.child.pid) {
            on_child_exit(s, reg, exit);
        }
    }
}

/// Pass `read_buf[..n]` to every client, then to the model and the recorder.
fn output(s: &mut Session, n: usize) {
    let bytes = &s.read_buf[..n];
    // Clients first: the model is not on the keystroke-echo path.
    let mut behind = false;
    for c in s.clients.iter_mut() {
        if c.receives_output() && !c.output(bytes) {
            c.needs_resync = true;
            behind = true;
        }
    }
    s.model.output(bytes);
    if let Some(r) = &mut s.recorder {
        r.output(bytes);
    }
    if behind {
        for c in s.clients.iter_mut().filter(|c| c.needs_resync) {
            c.needs_resync = false;
            c.resync(s.model.screen());
            c.flush();
        }
    }
    answer_queries(s);
    s.touch();
}

/// While a client is attached its real terminal answers queries; otherwise
/// the model does, so programs that ask do not hang.
fn answer_queries(s: &mut Session) {
    let replies = s.model.take_replies();
    if !replies.is_empty() && s.writer().is_none() {
        queue_input(s, &replies);
    }
}

fn queue_input(s: &mut Session, bytes: &[u8]) {
    if s.pty_in.len() + bytes.len() > PTY_INPUT_MAX {
        s.log.line("input queue full: dropping input");
        return;
    }
    s.pty_in.extend_from_slice(bytes);
    write_pty(s);
}

fn write_pty(s: &mut Session) {
    while !s.pty_in.is_empty() && s.pty_open {
        match fd::write(s.child.master.as_raw_fd(), &s.pty_in) {
            Ok(n) => {
                s.pty_in.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(_) => {
                s.pty_in.clear();
                return;
            }
        }
    }
}

fn on_client(s: &mut Session, reg: &Registry, i: usize) {
    let mut buf = [0u8; 16 * 1024];
    let mut fds = Vec::new();
    let got = socket::recv_with_fds(s.clients[i].fd(), &mut buf, &mut fds);
    // Only a new client may pass its terminal, once; any other fd is closed.
    let c = &mut s.clients[i];
    if c.role == Role::New && c.passed_terminal.is_none() {
        c.passed_terminal = fds.pop();
    }
    drop(fds);
    match got {
        Ok(0) => {
            s.clients[i].dead = true;
            return;
        }
        Ok(n) => s.clients[i].decoder.push(&buf[..n]),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
        Err(_) => {
            s.clients[i].dead = true;
            return;
        }
    }
    loop {
        if s.clients[i].dead || s.clients[i].closing {
            return;
        }
        if s.clients[i].role == Role::Writer {
            // Keystrokes go straight to the program's queue, no Frame built.
            let before = s.pty_in.len();
            s.clients[i].decoder.take_input(&mut s.pty_in);
            typed(s, before);
        }
        match s.clients[i].decoder.next_frame() {
            Ok(Some(frame)) => on_frame(s, reg, i, frame),
            Ok(None) => return,
            Err(e) => {
                // A malformed, oversize or unexpected frame closes that connection only.
                s.log.line(&format!("client {i}: {e}; closing it"));
                s.clients[i].dead = true;
                return;
            }
        }
    }
}

/// Input appended to `pty_in` after `before` was typed: send it on (or drop
/// it whole when the program is that far behind reading).
fn typed(s: &mut Session, before: usize) {
    let n = s.pty_in.len().saturating_sub(before);
    if n == 0 {
        return;
    }
    if s.pty_in.len() > PTY_INPUT_MAX {
        s.log.line("input queue full: dropping input");
        s.pty_in.truncate(before);
    }
    write_pty(s);
    s.touch();
    if n <= ECHO_SPIN_INPUT_MAX {
        s.echo_wait_until = Some(Instant::now() + ECHO_SPIN);
    }
}

/// Keys the supervisor read from client `i`'s terminal itself.
fn on_keys(s: &mut Session, reg: &Registry, i: usize, keys: Keys, bytes: &[u8]) {
    if s.clients[i].role == Role::Writer {
        let before = s.pty_in.len();
        s.pty_in.extend_from_slice(bytes);
        typed(s, before);
    }
    if keys == Keys::Detach {
        detach_client(s, reg, i);
    }
}

/// The client asked to detach (its detach sequence).
fn detach_client(s: &mut Session, reg: &Registry, i: usize) {
    let restore = restore_bytes(s.model.screen());
    s.clients[i].finish(&Frame::Detached {
        reason: DetachReason::Requested,
        restore,
    });
    s.save_record(reg);
}

fn restore_bytes(screen: &Screen) -> Vec<u8> {
    render::restore_sequence(screen)
}

/// Tell client `i` how the command exited, then close it.
fn finish_exited(s: &mut Session, i: usize) {
    let f = exited_frame(s);
    s.clients[i].finish(&f);
}

/// Text lines as one newline-terminated block.
fn joined_lines(lines: &[String]) -> Vec<u8> {
    let mut text = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    text
}

fn exited_frame(s: &mut Session) -> Frame {
    let code = s.exit.map(|e| e.code()).unwrap_or(0);
    Frame::Exited {
        code,
        restore: restore_bytes(s.model.screen()),
    }
}

fn on_frame(s: &mut Session, reg: &Registry, i: usize, frame: Frame) {
    let role = s.clients[i].role;
    match (role, frame) {
        (
            Role::New,
            Frame::Attach {
                mode,
                cols,
                rows,
                detach,
            },
        ) => attach(s, reg, i, mode, (cols, rows), &detach),
        (Role::New, Frame::Request(req)) => request(s, reg, i, req),
        (Role::Writer, Frame::Input(bytes)) => {
            queue_input(s, &bytes);
            s.touch();
        }
        (Role::Viewer, Frame::Input(_)) => {}
        (Role::Writer, Frame::Resize { cols, rows }) => resize(s, reg, cols, rows),
        (Role::Viewer, Frame::Resize { .. }) => {}
        (Role::Writer | Role::Viewer, Frame::Flushed(n)) => s.clients[i].flushed(n),
        (Role::Writer | Role::Viewer, Frame::Detach) => detach_client(s, reg, i),
        (_, other) => {
            s.log.line(&format!(
                "client {i} ({role:?}): unexpected frame {other:?}; closing it"
            ));
            s.clients[i].dead = true;
        }
    }
}

fn attach(
    s: &mut Session,
    reg: &Registry,
    i: usize,
    mode: AttachMode,
    (cols, rows): (u16, u16),
    detach: &str,
) {
    if s.finished_at.is_some() {
        // Attached `run` of a command that already ended: show what it printed.
        let c = &mut s.clients[i];
        if s.awaiting_attach && mode != AttachMode::Viewer {
            s.awaiting_attach = false;
            c.queue(&Frame::Attached {
                direct_input: false,
            });
            let paint = render::redraw(
                s.model.screen(),
                render::Redraw::Attach {
                    history: ATTACH_HISTORY,
                },
            );
            c.queue_raw_output(&paint);
        }
        finish_exited(s, i);
        return;
    }
    match mode {
        AttachMode::Writer => {
            if s.writer().is_some() {
                let msg = format!(
                    "session {} is already attached (use --takeover or --read-only)",
                    s.rec.id
                );
                let c = &mut s.clients[i];
                c.finish(&Frame::Error(msg));
                return;
            }
        }
        AttachMode::Takeover => {
            if let Some(w) = s.writer() {
                let restore = restore_bytes(s.model.screen());
                let old = &mut s.clients[w];
                old.finish(&Frame::Detached {
                    reason: DetachReason::TakenOver,
                    restore,
                });
            }
        }
        AttachMode::Viewer => {}
    }
    let writer = mode != AttachMode::Viewer;
    if writer {
        s.awaiting_attach = false;
    }
    s.clients[i].role = if writer { Role::Writer } else { Role::Viewer };
    if writer && cols > 0 && rows > 0 {
        resize(s, reg, cols, rows);
    }
    let history = s.model.screen().history_len().min(ATTACH_HISTORY);
    let paint = render::redraw(s.model.screen(), render::Redraw::Attach { history });
    let c = &mut s.clients[i];
    let direct_input = c.adopt_terminal(detach);
    c.queue(&Frame::Attached { direct_input });
    c.queue_raw_output(&paint);
    c.flush();
    s.save_record(reg);
}

fn resize(s: &mut Session, reg: &Registry, cols: u16, rows: u16) {
    if cols == 0 || rows == 0 || (cols, rows) == s.model.screen().size() {
        return;
    }
    let _ = pty::resize(&s.child.master, cols, rows);
    s.model.screen_mut().resize(cols, rows);
    if let Some(r) = &mut s.recorder {
        r.resize(cols, rows);
    }
    s.rec.cols = cols;
    s.rec.rows = rows;
    s.save_record(reg);
}

fn reply(s: &mut Session, i: usize, value: serde_json::Value, close: bool) {
    let c = &mut s.clients[i];
    c.queue(&Frame::Reply(value));
    c.closing = close;
    c.flush();
}

fn request(s: &mut Session, reg: &Registry, i: usize, req: Request) {
    s.clients[i].role = Role::Control;
    match req {
        Request::Status => {
            let v = serde_json::json!({
                "attachment": if s.writer().is_some() { "attached" } else { "detached" },
                "viewers": s.viewers(),
                "cols": s.model.screen().size().0,
                "rows": s.model.screen().size().1,
                "last_activity_at": units::rfc3339(s.last_activity_wall),
                "idle_secs": s.last_activity.elapsed().as_secs(),
                "idle_ms": s.last_activity.elapsed().as_millis() as u64,
                "cursor": s.model.screen().cursor(),
            });
            reply(s, i, v, true);
        }
        Request::Detach => {
            let restore = restore_bytes(s.model.screen());
            let mut n = 0;
            for c in s.clients.iter_mut() {
                if matches!(c.role, Role::Writer | Role::Viewer) && !c.closing {
                    c.finish(&Frame::Detached {
                        reason: DetachReason::Requested,
                        restore: restore.clone(),
                    });
                    n += 1;
                }
            }
            reply(s, i, serde_json::json!({ "detached": n }), true);
            s.save_record(reg);
        }
        Request::Send { data } => {
            if s.exit.is_some() {
                reply(
                    s,
                    i,
                    serde_json::json!({ "error": "the session has exited" }),
                    true,
                );
                return;
            }
            queue_input(s, &data);
            s.touch();
            reply(s, i, serde_json::json!({ "ok": true }), true);
        }
        Request::Lines { ansi, screen_only } => {
            let which = if screen_only {
                render::Lines::Screen
            } else {
                render::Lines::All
            };
            let lines = render::text_lines(s.model.screen(), which, ansi);
            let c = &mut s.clients[i];
            let text = joined_lines(&lines);
            c.queue_raw_output(&text);
            c.finish(&Frame::Reply(serde_json::json!({ "lines": lines.len() })));
        }
        Request::Follow => {
            let lines = render::text_lines(s.model.screen(), render::Lines::All, false);
            let text = joined_lines(&lines);
            let c = &mut s.clients[i];
            c.queue_raw_output(&text);
            c.queue(&Frame::Reply(serde_json::json!({ "lines": lines.len() })));
            c.role = Role::Follower;
            c.flush();
            if s.exit.is_some() {
                finish_exited(s, i);
            }
        }
        Request::Wait => {
            s.clients[i].role = Role::Waiter;
            if s.exit.is_some() {
                finish_exited(s, i);
            }
        }
        Request::Pause | Request::Unpause => {
            let pause = req == Request::Pause;
            if s.exit.is_none() {
                // A shell's foreground job has its own process group: stop it
                // too. The shell first (so it never sees the job stop) and
                // continued last (so it never sees it either).
                let fg = foreground_group(s);
                if pause {
                    pty::signal_group(s.child.pid, libc::SIGSTOP);
                    if let Some(g) = fg {
                        // The shell must really be stopped before its job is,
                        // or its waitpid reports the job stopped (bounded wait).
                        let until = Instant::now() + Duration::from_millis(200);
                        while Instant::now() < until
                            && !proc::state_and_sid(s.child.pid)
                                .is_some_and(|(st, _)| st == 'T' || st == 't')
                        {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        pty::signal_group(g, libc::SIGSTOP);
                    }
                } else {
                    if let Some(g) = fg {
                        pty::signal_group(g, libc::SIGCONT);
                    }
                    pty::signal_group(s.child.pid, libc::SIGCONT);
                }
                s.rec.status = if pause {
                    Status::Paused
                } else {
                    Status::Running
                };
                s.save_record(reg);
            }
            reply(s, i, serde_json::json!({ "status": s.rec.status }), true);
        }
        Request::Stop { timeout_secs, idle } => {
            s.clients[i].role = Role::Waiter;
            let reason = if idle {
                EndReason::Idle
            } else {
                EndReason::Stopped
            };
            begin_stop(s, reg, Duration::from_secs(timeout_secs), reason);
            if s.exit.is_some() {
                finish_exited(s, i);
            }
        }
    }
}

/// The pty's foreground process group when it is not the command's own (a
/// job started by a shell).
fn foreground_group(s: &Session) -> Option<i32> {
    crate::sys::term::foreground_pgrp(s.child.master.as_raw_fd())
        .filter(|&pg| pg > 1 && pg != s.child.pid)
}

/// SIGHUP then SIGTERM to the command's process group; SIGKILL at the deadline.
fn begin_stop(s: &mut Session, _reg: &Registry, timeout: Duration, reason: EndReason) {
    if s.exit.is_some() {
        return;
    }
    if let Some(st) = &mut s.stop {
        // A second request can only make it sooner.
        st.kill_at = st.kill_at.min(Instant::now() + timeout);
        return;
    }
    s.log
        .line(&format!("stopping ({reason:?}), kill after {timeout:?}"));
    let pgid = s.child.pid;
    pty::signal_group(pgid, libc::SIGHUP);
    pty::signal_group(pgid, libc::SIGTERM);
    if s.rec.status == Status::Paused {
        if let Some(g) = foreground_group(s) {
            pty::signal_group(g, libc::SIGCONT);
        }
        pty::signal_group(pgid, libc::SIGCONT);
    }
    s.stop = Some(Stopping {
        reason,
        kill_at: Instant::now() + timeout,
        killed: false,
    });
}

fn on_deadlines(s: &mut Session, reg: &Registry) {
    let now = Instant::now();
    if let Some(st) = &mut s.stop {
        if !st.killed && now >= st.kill_at {
            st.killed = true;
            s.log.line("grace period over: SIGKILL");
            pty::signal_group(s.child.pid, libc::SIGKILL);
            pty::kill_session(s.child.pid);
        }
    }
    if s.idle_deadline().is_some_and(|t| now >= t) {
        s.log.line("idle TTL reached");
        begin_stop(s, reg, Duration::from_secs(10), EndReason::Idle);
    }
    if s.checkpoint_at.is_some_and(|t| now >= t) && s.finished_at.is_none() {
        s.checkpoint(reg);
    }
    for (c, since) in s.clients.iter_mut().zip(&s.client_since) {
        if c.role == Role::New && now.duration_since(*since) >= NEW_CLIENT_TIMEOUT {
            c.dead = true;
        }
    }
    for i in 0..s.clients.len() {
        if s.clients[i].escape_deadline().is_some_and(|t| now >= t) {
            let mut typed = Vec::new();
            let keys = s.clients[i].escape_timeout(&mut typed);
            on_keys(s, reg, i, keys, &typed);
        }
    }
}

fn sweep_clients(s: &mut Session, reg: &Registry) {
    if !s.clients.iter().any(|c| c.dead) {
        return;
    }
    let had_writer_or_viewer = s
        .clients
        .iter()
        .any(|c| c.dead && matches!(c.role, Role::Writer | Role::Viewer));
    let mut i = 0;
    while i < s.clients.len() {
        if s.clients[i].dead {
            s.clients.swap_remove(i);
            s.client_since.swap_remove(i);
        } else {
            i += 1;
        }
    }
    if had_writer_or_viewer && s.finished_at.is_none() {
        s.save_record(reg);
    }
}

fn on_child_exit(s: &mut Session, reg: &Registry, exit: proc::ExitInfo) {
    s.exit = Some(exit);
    s.log.line(&format!("command exited: {exit:?}"));
    // Drain what the program wrote before it died (bounded: a leftover
    // process holding the slave open must not keep us here).
    let mut budget = 64usize;
    while s.pty_open && budget > 0 {
        budget -= 1;
        match fd::read(s.child.master.as_raw_fd(), &mut s.read_buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => output(s, n),
        }
    }
    let reason = s
        .stop
        .as_ref()
        .map(|st| st.reason)
        .unwrap_or(EndReason::Exited);
    if reason != EndReason::Exited {
        // Leave nothing of a stopped session behind.
        pty::signal_group(s.child.pid, libc::SIGKILL);
        pty::kill_session(s.child.pid);
    }
    s.rec.pid = Some(s.child.pid);
    s.recorder = None; // flushes
    if let Err(e) =
        crate::commands::snapshot::write_screen_file(&reg.screen_path(&s.rec.id), s.model.screen())
    {
        s.log.line(&format!(
            "final checkpoint failed: {}",
            crate::error::io_display(&e)
        ));
    }
    s.rec.last_activity_at = units::rfc3339(s.last_activity_wall);
    s.rec.set_ended(reason, Some(exit));
    let rec = s.rec.clone();
    if let Err(e) = reg.lock(&rec.id).and_then(|_l| reg.write(&rec)) {
        s.log.line(&format!("final record write failed: {e}"));
    }
    // No new clients; the socket file goes (unless `run` is about to attach).
    if !s.awaiting_attach {
        s.listener = None;
        let _ = std::fs::remove_file(reg.socket_path(&s.rec.id));
    }
    let f = exited_frame(s);
    for c in s.clients.iter_mut() {
        if matches!(
            c.role,
            Role::Writer | Role::Viewer | Role::Follower | Role::Waiter
        ) && !c.closing
        {
            c.finish(&f);
        }
    }
    s.pty_open = false;
    s.finished_at = Some(Instant::now());
}
