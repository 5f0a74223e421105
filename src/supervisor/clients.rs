//! One connected client: its decoder, a bounded output queue, its role, and
//! the terminal an attached client passed (`direct`).

pub use super::direct::Keys;
use super::direct::{DirectTerminal, Written};
use crate::protocol::{self, Decoder, Frame};
use crate::screen::{render, Screen};
use crate::sys::fd;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// A client whose queue would grow past this is sent a fresh screen instead of
/// the backlog: memory stays bounded and a slow client never stalls the pty.
pub const CLIENT_QUEUE_MAX: usize = 4 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Connected, greeting sent, no first frame yet.
    New,
    /// The read-write client.
    Writer,
    /// A read-only viewer.
    Viewer,
    /// `logs --follow`: live output after the text of the screen.
    Follower,
    /// `wait`, `stop`: told when the command exits.
    Waiter,
    /// A one-shot request.
    Control,
}

pub struct Client {
    pub sock: UnixStream,
    pub decoder: Decoder,
    /// Bytes for the peer: the greeting while it is queued, then whole frames.
    outq: Vec<u8>,
    /// How much of `outq` is written.
    sent: usize,
    /// Where frames start in `outq` (after the greeting while it is queued).
    frames_from: usize,
    pub role: Role,
    /// Close once the queue is written.
    pub closing: bool,
    /// Gone: remove at the end of the turn.
    pub dead: bool,
    /// Its backlog was dropped; send the current screen.
    pub needs_resync: bool,
    /// A terminal fd the client passed with its first frames, not yet used.
    pub passed_terminal: Option<OwnedFd>,
    /// The attached client's terminal, used directly when it may be.
    direct: Option<DirectTerminal>,
}

impl Client {
    pub fn new(sock: UnixStream) -> Client {
        let mut c = Client {
            sock,
            decoder: Decoder::new(),
            outq: Vec::new(),
            sent: 0,
            frames_from: 0,
            role: Role::New,
            closing: false,
            dead: false,
            needs_resync: false,
            passed_terminal: None,
            direct: None,
        };
        c.outq.extend_from_slice(&protocol::greeting());
        c.frames_from = c.outq.len();
        c
    }

    pub fn fd(&self) -> i32 {
        self.sock.as_raw_fd()
    }

    pub fn wants_write(&self) -> bool {
        self.sent < self.outq.len()
    }

    pub fn receives_output(&self) -> bool {
        matches!(self.role, Role::Writer | Role::Viewer | Role::Follower) && !self.closing
    }

    pub fn queue(&mut self, frame: &Frame) {
        frame.encode(&mut self.outq);
    }

    /// Send a last frame and close once it is written. The client writes
    /// what follows (restore bytes, a message): nothing goes direct any more.
    pub fn finish(&mut self, frame: &Frame) {
        self.direct = None;
        self.queue(frame);
        self.closing = true;
        self.flush();
    }

    /// Queue output that must arrive whole (a redraw, text for `logs`).
    pub fn queue_raw_output(&mut self, bytes: &[u8]) {
        protocol::encode_output(&mut self.outq, bytes);
        self.relayed();
    }

    /// Use the terminal the client passed, if it is one: output goes to it
    /// directly once the client has written what is relayed from here on,
    /// and when the client opened it for reading too, keys are read from it
    /// (watching for `detach`). Returns whether keys are read here.
    pub fn adopt_terminal(&mut self, detach: &str) -> bool {
        self.direct = self
            .passed_terminal
            .take()
            .and_then(|fd| DirectTerminal::adopt(fd, detach));
        self.keys_fd().is_some()
    }

    /// The terminal to read keys from, when the supervisor does.
    pub fn keys_fd(&self) -> Option<i32> {
        self.direct.as_ref()?.keys_fd()
    }

    /// When a held lone Esc must be let through.
    pub fn escape_deadline(&self) -> Option<Instant> {
        self.direct.as_ref()?.escape_deadline()
    }

    /// Read typed keys from the client's terminal; bytes for the program are
    /// appended to `out`.
    pub fn read_keys(&mut self, out: &mut Vec<u8>) -> Keys {
        let Some(d) = &mut self.direct else {
            return Keys::Typed;
        };
        let keys = d.read_keys(out);
        if keys == Keys::Gone {
            self.direct = None;
        }
        keys
    }

    /// No more keys came after a lone Esc: it is a key press of its own.
    pub fn escape_timeout(&mut self, out: &mut Vec<u8>) -> Keys {
        match &mut self.direct {
            Some(d) => d.escape_timeout(out),
            None => Keys::Typed,
        }
    }

    /// The client answered `Flush(n)`.
    pub fn flushed(&mut self, n: u32) {
        if let Some(ask) = self.direct.as_mut().and_then(|d| d.flushed(n)) {
            Frame::Flush(ask).encode(&mut self.outq);
        }
    }

    /// Output went through the socket: ask the client to say when it has
    /// written it (see `direct`).
    fn relayed(&mut self) {
        if let Some(ask) = self.direct.as_mut().and_then(DirectTerminal::relayed) {
            Frame::Flush(ask).encode(&mut self.outq);
        }
    }

    /// Live output: straight to the client's terminal when that keeps
    /// order and the terminal takes it now, else queued and relayed. Returns
    /// false when the client has fallen too far behind: its backlog is
    /// dropped and it needs `resync` once the model has seen these bytes.
    pub fn output(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        if let Some(d) = &mut self.direct {
            match d.write(bytes) {
                Written::All => return true,
                Written::Part(n) => rest = &bytes[n..],
                // The client will notice too; relay meanwhile.
                Written::Gone => self.direct = None,
            }
        }
        if self.outq.len() - self.sent + rest.len() <= CLIENT_QUEUE_MAX {
            protocol::encode_output(&mut self.outq, rest);
            self.relayed();
            self.flush();
            return true;
        }
        // Drop the backlog but keep the frame being written: the peer would
        // otherwise see half a frame. A `Flush` may go with it.
        self.outq.truncate(self.partial_frame_end());
        if let Some(d) = &mut self.direct {
            d.forget_ask();
        }
        false
    }

    /// After a dropped backlog: the current screen instead of what was missed.
    pub fn resync(&mut self, screen: &Screen) {
        if self.role == Role::Follower {
            // A text follower cannot use a redraw; it skips the backlog.
            protocol::encode_output(
                &mut self.outq,
                b"\r\n[... output skipped: reader too slow ...]\r\n",
            );
            return;
        }
        self.queue_raw_output(&render::redraw(screen, render::Redraw::Resync));
    }

    /// Frame boundaries in `outq`, first to last (the end of the queue last).
    fn boundaries(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(self.frames_from), |&pos| {
            let h = self.outq.get(pos..pos + 5)?;
            let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
            Some(pos + 5 + len).filter(|&end| end <= self.outq.len())
        })
    }

    /// End of the frame that is partly written (or `sent` when on a
    /// boundary): what must still go out whole.
    fn partial_frame_end(&self) -> usize {
        self.boundaries()
            .find(|&b| b >= self.sent)
            .unwrap_or(self.outq.len())
    }

    /// The last frame boundary at or before what is written.
    fn written_frames_end(&self) -> usize {
        self.boundaries()
            .take_while(|&b| b <= self.sent)
            .last()
            .unwrap_or(0)
    }

    /// Write as much of the queue as the socket takes now.
    pub fn flush(&mut self) {
        while self.sent < self.outq.len() {
            match fd::write(self.fd(), &self.outq[self.sent..]) {
                Ok(0) => {
                    self.dead = true;
                    return;
                }
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.dead = true;
                    return;
                }
            }
        }
        if self.sent == self.outq.len() {
            self.outq.clear();
            self.sent = 0;
            self.frames_from = 0;
            if self.closing {
                self.dead = true;
            }
        } else if self.sent > (1 << 20) && self.sent * 2 >= self.outq.len() {
            // Keep the queue from creeping: drop the frames written, so that
            // the queue still starts on a frame boundary. Only once they are
            // half of it: each byte is moved at most once on average.
            let done = self.written_frames_end();
            if done >= self.frames_from {
                self.outq.drain(..done);
                self.sent -= done;
                self.frames_from = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::FromRawFd;
    use std::time::Duration;

    /// A slow peer: the queue is dropped (and a redraw queued) while a frame
    /// is half written and after written frames were trimmed off the front.
    /// Whatever arrives must still be the greeting and whole frames.
    #[test]
    fn dropped_backlog_keeps_frames_whole() {
        let (ours, mut peer) = UnixStream::pair().expect("socketpair");
        ours.set_nonblocking(true).expect("nonblocking");
        peer.set_nonblocking(true).expect("nonblocking");
        let mut c = Client::new(ours);
        c.role = Role::Writer;
        let chunk = vec![b'x'; 60_000];
        let mut got = Vec::new();
        let mut buf = vec![0; 1 << 16];
        let mut read_some = |peer: &mut UnixStream, got: &mut Vec<u8>, max: usize| {
            let mut n = 0;
            while n < max {
                match peer.read(&mut buf) {
                    Ok(k) if k > 0 => {
                        got.extend_from_slice(&buf[..k]);
                        n += k;
                    }
                    _ => break,
                }
            }
        };
        let mut dropped = 0;
        for i in 0..600 {
            if !c.output(&chunk) {
                dropped += 1;
                c.queue_raw_output(b"REDRAW");
            }
            c.flush();
            if i % 2 == 0 {
                read_some(&mut peer, &mut got, 50_000);
            }
        }
        for _ in 0..10_000 {
            if !c.wants_write() {
                break;
            }
            c.flush();
            read_some(&mut peer, &mut got, usize::MAX);
        }
        read_some(&mut peer, &mut got, usize::MAX);
        assert!(dropped > 0, "the queue never overflowed");
        assert!(!c.wants_write(), "queue never drained");
        assert_eq!(protocol::parse_greeting(&got), Some(protocol::VERSION));
        let mut d = Decoder::new();
        d.push(&got[protocol::GREETING_LEN..]);
        let mut redraws = 0;
        loop {
            match d.next_frame() {
                Ok(Some(Frame::Output(bytes))) => redraws += (bytes == b"REDRAW") as usize,
                Ok(Some(other)) => panic!("unexpected frame {other:?}"),
                Ok(None) => break,
                Err(e) => panic!("stream corrupt after {} bytes: {e:?}", got.len()),
            }
        }
        assert_eq!(d.pending(), 0, "a frame was cut");
        assert_eq!(redraws, dropped);
    }

    /// The client's end of the socket: frames it has been sent so far.
    struct Peer {
        sock: UnixStream,
        dec: Decoder,
        greeting: usize,
    }

    impl Peer {
        fn frames(&mut self) -> Vec<Frame> {
            let mut buf = vec![0; 1 << 16];
            while let Ok(n) = self.sock.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // The greeting is not a frame.
                let skip = self.greeting.min(n);
                self.greeting -= skip;
                self.dec.push(&buf[skip..n]);
            }
            std::iter::from_fn(|| self.dec.next_frame().expect("frames")).collect()
        }
    }

    fn terminal_reads(master: &OwnedFd) -> Vec<u8> {
        let mut buf = [0u8; 4096];
        match fd::read(master.as_raw_fd(), &mut buf) {
            Ok(n) => buf[..n].to_vec(),
            Err(_) => Vec::new(),
        }
    }

    /// Output goes direct only once the client has answered a Flush sent
    /// after everything relayed; a stale answer or one overtaken by more
    /// relayed output does not count.
    #[test]
    fn direct_output_waits_for_the_client_to_catch_up() {
        let (ours, sock) = UnixStream::pair().expect("socketpair");
        ours.set_nonblocking(true).expect("nonblocking");
        sock.set_nonblocking(true).expect("nonblocking");
        let mut peer = Peer {
            sock,
            dec: Decoder::new(),
            greeting: protocol::GREETING_LEN,
        };
        let (master, path) = crate::sys::pty::open().expect("pty");
        let path = std::ffi::CString::new(path).expect("path");
        // SAFETY: a fresh fd from open_slave, owned from here on.
        let slave =
            unsafe { OwnedFd::from_raw_fd(crate::sys::pty::open_slave(&path).expect("slave")) };
        fd::set_nonblocking(&master, true).expect("nonblocking");
        fd::set_nonblocking(&slave, true).expect("nonblocking");
        // Raw, as the client leaves its terminal; the guard's restore is not
        // wanted (the fd is closed by then).
        std::mem::forget(crate::sys::term::RawMode::enter(slave.as_raw_fd()).expect("raw"));
        let mut c = Client::new(ours);
        c.role = Role::Writer;
        c.passed_terminal = Some(slave);

        assert!(c.adopt_terminal("ctrl-] d"), "opened read-write: keys too");
        c.queue_raw_output(b"P");
        c.flush();
        assert_eq!(
            peer.frames(),
            [Frame::Output(b"P".to_vec()), Frame::Flush(0)]
        );
        assert!(c.output(b"A"), "relayed while the client has not answered");
        c.flush();
        assert_eq!(peer.frames(), [Frame::Output(b"A".to_vec())]);
        // The answer to Flush(0) came before A was written: ask again.
        c.flushed(0);
        c.flush();
        assert_eq!(peer.frames(), [Frame::Flush(1)]);
        assert!(c.output(b"B"));
        c.flush();
        assert_eq!(peer.frames(), [Frame::Output(b"B".to_vec())]);
        assert!(terminal_reads(&master).is_empty(), "nothing direct yet");
        c.flushed(0); // stale
        c.flushed(1); // overtaken by B
        assert!(c.output(b"E"));
        c.flush();
        assert_eq!(
            peer.frames(),
            [Frame::Flush(2), Frame::Output(b"E".to_vec())]
        );
        assert!(terminal_reads(&master).is_empty(), "nothing direct yet");
        c.flushed(2);
        c.flush();
        assert_eq!(peer.frames(), [Frame::Flush(3)]);
        c.flushed(3);
        assert!(c.output(b"C"));
        c.flush();
        assert!(peer.frames().is_empty(), "C went direct");
        assert_eq!(terminal_reads(&master), b"C");
        // A redraw is relayed: direct writes wait again.
        c.queue_raw_output(b"R");
        assert!(c.output(b"D"));
        c.flush();
        assert_eq!(
            peer.frames(),
            [
                Frame::Output(b"R".to_vec()),
                Frame::Flush(4),
                Frame::Output(b"D".to_vec())
            ]
        );
        // Keys typed at the terminal are read here, the detach sequence found.
        assert!(c.keys_fd().is_some());
        fd::write_all(master.as_raw_fd(), b"ab\x1d").expect("type");
        let mut typed = Vec::new();
        let keys_arrive = |c: &Client| {
            let fd = c.keys_fd().expect("keys fd");
            assert!(crate::sys::poll::wait_readable(fd, Some(Duration::from_secs(10))).unwrap());
        };
        keys_arrive(&c);
        assert_eq!(c.read_keys(&mut typed), Keys::Typed);
        assert_eq!(typed, b"ab", "ctrl-] is held: it may begin the sequence");
        fd::write_all(master.as_raw_fd(), b"d").expect("type");
        keys_arrive(&c);
        assert_eq!(c.read_keys(&mut typed), Keys::Detach);
        assert_eq!(typed, b"ab");
        // A lone Esc is held, then let through when nothing follows.
        fd::write_all(master.as_raw_fd(), b"\x1b").expect("type");
        typed.clear();
        keys_arrive(&c);
        assert_eq!(c.read_keys(&mut typed), Keys::Typed);
        assert!(typed.is_empty() && c.escape_deadline().is_some());
        assert_eq!(c.escape_timeout(&mut typed), Keys::Typed);
        assert_eq!(typed, b"\x1b");
        assert_eq!(c.escape_deadline(), None);
        // Detached: the client writes what follows; nothing goes direct.
        c.flushed(4);
        c.finish(&Frame::Detach);
        assert!(c.direct.is_none() && c.keys_fd().is_none());
    }
}
