//! One connected client: its decoder, a bounded output queue and its role.

use crate::protocol::{self, Decoder, Frame};
use crate::screen::{render, Screen};
use crate::sys::fd;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

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
    outq: Vec<u8>,
    sent: usize,
    pub role: Role,
    /// Close once the queue is written.
    pub closing: bool,
    /// Gone: remove at the end of the turn.
    pub dead: bool,
    /// Its backlog was dropped; send the current screen.
    pub needs_resync: bool,
}

impl Client {
    pub fn new(sock: UnixStream) -> Client {
        let mut c = Client {
            sock,
            decoder: Decoder::new(),
            outq: Vec::new(),
            sent: 0,
            role: Role::New,
            closing: false,
            dead: false,
            needs_resync: false,
        };
        c.outq.extend_from_slice(&protocol::greeting());
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

    /// Send a last frame and close once it is written.
    pub fn finish(&mut self, frame: &Frame) {
        self.queue(frame);
        self.closing = true;
        self.flush();
    }

    /// Queue output that must arrive whole (a redraw, text for `logs`).
    pub fn queue_raw_output(&mut self, bytes: &[u8]) {
        protocol::encode_output(&mut self.outq, bytes);
    }

    /// Queue live output. Returns false when the client has fallen too far
    /// behind: its backlog is dropped and it needs `resync` once the model
    /// has seen these bytes.
    pub fn queue_output(&mut self, bytes: &[u8]) -> bool {
        if self.outq.len() - self.sent + bytes.len() <= CLIENT_QUEUE_MAX {
            protocol::encode_output(&mut self.outq, bytes);
            return true;
        }
        // Drop the backlog but keep the frame being written: the peer would
        // otherwise see half a frame.
        self.outq.truncate(self.partial_frame_end());
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
        protocol::encode_output(
            &mut self.outq,
            &render::redraw(screen, render::Redraw::Resync),
        );
    }

    /// End of the frame that is partly written (or `sent` when on a boundary).
    fn partial_frame_end(&self) -> usize {
        let mut pos = 0;
        while pos < self.outq.len() {
            if pos >= self.sent {
                return pos;
            }
            let Some(h) = self.outq.get(pos..pos + 5) else {
                return self.outq.len();
            };
            let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
            pos += 5 + len;
        }
        self.outq.len()
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
            if self.closing {
                self.dead = true;
            }
        } else if self.sent > (1 << 20) {
            // Keep the queue from creeping: drop what was written.
            self.outq.drain(..self.sent);
            self.sent = 0;
        }
    }
}
