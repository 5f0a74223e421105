//! The wire format between clients and a supervisor. One file, versioned,
//! length-framed, with a pure incremental decoder and a bounded frame size.
//!
//! On accept the supervisor writes a greeting: `b"LNGR"` + version (u16 BE).
//! The greeting never changes shape, so a client of any version can tell which
//! protocol a supervisor speaks. Then both sides exchange frames:
//! `kind: u8, len: u32 BE, payload[len]`.
//!
//! An attaching client whose stdout is a terminal passes a non-blocking fd of
//! it (SCM_RIGHTS) with its Attach frame. The supervisor then writes live
//! output straight to that terminal whenever the client has written
//! everything relayed before (`Flush`/`Flushed` tell it so), which takes the
//! client out of the keystroke-echo path; output it cannot write at once is
//! relayed in Output frames as before. When the fd is also the client's stdin
//! (opened for reading and writing), the supervisor reads the keys from it
//! too and watches for the detach sequence the Attach frame names; `Attached`
//! says whether it does, and the client then leaves its stdin alone.
//!
//! VERSION: bump on any change to `Frame` or its encoding.

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 4] = b"LNGR";
pub const VERSION: u16 = 2;
pub const GREETING_LEN: usize = 6;
/// Largest payload accepted; a peer sending more is dropped. Output frames are
/// cut well below this.
pub const MAX_FRAME: usize = 1 << 20;
const HEADER: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachMode {
    /// The one read-write client.
    Writer,
    /// Read-only viewer: input ignored, size not applied.
    Viewer,
    /// Read-write, detaching the current writer.
    Takeover,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetachReason {
    /// The client asked (detach key) or `linger detach`.
    Requested,
    /// Another client attached with `--takeover`.
    TakenOver,
    /// The client fell too far behind and is resynced... never sent; reserved.
    Stopped,
}

/// Control requests: rare, so JSON is fine here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Live status: attachment, viewers, size, last activity.
    Status,
    /// Disconnect every attached client.
    Detach,
    /// Write bytes to the program as if typed.
    Send {
        data: Vec<u8>,
    },
    /// Screen and scrollback as text lines.
    Lines {
        ansi: bool,
        screen_only: bool,
    },
    /// Stream output after the current screen until the session exits.
    Follow,
    /// Reply once the command has exited.
    Wait,
    Pause,
    Unpause,
    /// End the session: SIGHUP+SIGTERM, then SIGKILL after `timeout_secs`.
    Stop {
        timeout_secs: u64,
        idle: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    // client → supervisor
    Attach {
        mode: AttachMode,
        cols: u16,
        rows: u16,
        /// The client's detach sequence (`ctrl-] d`), for a supervisor that
        /// reads the client's terminal itself.
        detach: String,
    },
    Input(Vec<u8>),
    Resize {
        cols: u16,
        rows: u16,
    },
    Detach,
    Request(Request),
    /// Every output frame before `Flush(n)` is written to the terminal.
    Flushed(u32),
    // supervisor → client
    /// `direct_input`: the supervisor reads the terminal the client passed
    /// (keys, detach sequence); the client must not read it.
    Attached {
        direct_input: bool,
    },
    Output(Vec<u8>),
    /// The client is detached; `restore` undoes the modes the session set on its terminal.
    Detached {
        reason: DetachReason,
        restore: Vec<u8>,
    },
    /// The command exited with this code (128+N for signal N); `restore` as above.
    Exited {
        code: i32,
        restore: Vec<u8>,
    },
    Reply(serde_json::Value),
    Error(String),
    /// Answer `Flushed(n)` once the output frames before this one are written.
    Flush(u32),
}

mod kind {
    pub const ATTACH: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const RESIZE: u8 = 3;
    pub const DETACH: u8 = 4;
    pub const REQUEST: u8 = 5;
    pub const FLUSHED: u8 = 6;
    pub const ATTACHED: u8 = 16;
    pub const OUTPUT: u8 = 17;
    pub const DETACHED: u8 = 18;
    pub const EXITED: u8 = 19;
    pub const REPLY: u8 = 20;
    pub const ERROR: u8 = 21;
    pub const FLUSH: u8 = 22;
}

pub fn greeting() -> [u8; GREETING_LEN] {
    let v = VERSION.to_be_bytes();
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], v[0], v[1]]
}

/// The version in a greeting, or None when it is not ours at all.
pub fn parse_greeting(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < GREETING_LEN || &bytes[..4] != MAGIC {
        return None;
    }
    Some(u16::from_be_bytes([bytes[4], bytes[5]]))
}

fn header(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    out.extend_from_slice(&(len as u32).to_be_bytes());
}

/// Append an Output frame without building a `Frame` (the hot path).
pub fn encode_output(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(MAX_FRAME) {
        header(out, kind::OUTPUT, chunk.len());
        out.extend_from_slice(chunk);
    }
}

/// Append an Input frame without building a `Frame`.
pub fn encode_input(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(MAX_FRAME) {
        header(out, kind::INPUT, chunk.len());
        out.extend_from_slice(chunk);
    }
}

fn with_u16s(kind: u8, a: u16, b: u16, out: &mut Vec<u8>) {
    header(out, kind, 4);
    out.extend_from_slice(&a.to_be_bytes());
    out.extend_from_slice(&b.to_be_bytes());
}

impl Frame {
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Attach {
                mode,
                cols,
                rows,
                detach,
            } => {
                let m = match mode {
                    AttachMode::Writer => 0,
                    AttachMode::Viewer => 1,
                    AttachMode::Takeover => 2,
                };
                header(out, kind::ATTACH, 5 + detach.len());
                out.push(m);
                out.extend_from_slice(&cols.to_be_bytes());
                out.extend_from_slice(&rows.to_be_bytes());
                out.extend_from_slice(detach.as_bytes());
            }
            Frame::Input(b) => encode_input(out, b),
            Frame::Resize { cols, rows } => with_u16s(kind::RESIZE, *cols, *rows, out),
            Frame::Detach => header(out, kind::DETACH, 0),
            Frame::Request(r) => json(out, kind::REQUEST, r),
            Frame::Attached { direct_input } => {
                header(out, kind::ATTACHED, 1);
                out.push(*direct_input as u8);
            }
            Frame::Output(b) => encode_output(out, b),
            Frame::Detached { reason, restore } => {
                header(out, kind::DETACHED, 1 + restore.len());
                out.push(match reason {
                    DetachReason::Requested => 0,
                    DetachReason::TakenOver => 1,
                    DetachReason::Stopped => 2,
                });
                out.extend_from_slice(restore);
            }
            Frame::Exited { code, restore } => {
                header(out, kind::EXITED, 4 + restore.len());
                out.extend_from_slice(&code.to_be_bytes());
                out.extend_from_slice(restore);
            }
            Frame::Reply(v) => json(out, kind::REPLY, v),
            Frame::Error(m) => {
                header(out, kind::ERROR, m.len());
                out.extend_from_slice(m.as_bytes());
            }
            Frame::Flush(n) => counter(out, kind::FLUSH, *n),
            Frame::Flushed(n) => counter(out, kind::FLUSHED, *n),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

fn counter(out: &mut Vec<u8>, kind: u8, n: u32) {
    header(out, kind, 4);
    out.extend_from_slice(&n.to_be_bytes());
}

fn counter_of(p: &[u8], what: &'static str) -> Result<u32, ProtoError> {
    let b: [u8; 4] = p.try_into().map_err(|_| ProtoError::Malformed(what))?;
    Ok(u32::from_be_bytes(b))
}

fn json<T: Serialize>(out: &mut Vec<u8>, kind: u8, value: &T) {
    let body = serde_json::to_vec(value).unwrap_or_default();
    header(out, kind, body.len());
    out.extend_from_slice(&body);
}

#[derive(Debug, PartialEq, Eq)]
pub enum ProtoError {
    TooLarge(usize),
    UnknownKind(u8),
    Malformed(&'static str),
}

impl std::fmt::Display for ProtoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProtoError::TooLarge(n) => write!(f, "frame of {n} bytes exceeds the limit"),
            ProtoError::UnknownKind(k) => write!(f, "unknown frame kind {k}"),
            ProtoError::Malformed(what) => write!(f, "malformed {what} frame"),
        }
    }
}

/// Incremental decoder: push bytes as they arrive, pull whole frames out.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    start: usize,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet decoded.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ProtoError> {
        let avail = &self.buf[self.start..];
        if avail.len() < HEADER {
            self.compact();
            return Ok(None);
        }
        let k = avail[0];
        let len = u32::from_be_bytes([avail[1], avail[2], avail[3], avail[4]]) as usize;
        if len > MAX_FRAME {
            return Err(ProtoError::TooLarge(len));
        }
        if avail.len() < HEADER + len {
            self.compact();
            return Ok(None);
        }
        let frame = decode(k, &avail[HEADER..HEADER + len])?;
        self.start += HEADER + len;
        Ok(Some(frame))
    }

    /// Append the payloads of consecutive whole Output frames to `out` without
    /// building a `Frame` each (the client's hot path: one write per batch).
    /// Stops at the first frame of another kind or an incomplete one.
    pub fn take_output(&mut self, out: &mut Vec<u8>) {
        self.take_payloads(kind::OUTPUT, out);
    }

    /// The same for Input frames (the supervisor's keystroke path).
    pub fn take_input(&mut self, out: &mut Vec<u8>) {
        self.take_payloads(kind::INPUT, out);
    }

    fn take_payloads(&mut self, want: u8, out: &mut Vec<u8>) {
        loop {
            let avail = &self.buf[self.start..];
            if avail.len() < HEADER || avail[0] != want {
                return;
            }
            let len = u32::from_be_bytes([avail[1], avail[2], avail[3], avail[4]]) as usize;
            if len > MAX_FRAME || avail.len() < HEADER + len {
                return; // next_frame() reports the error or waits for the rest
            }
            out.extend_from_slice(&avail[HEADER..HEADER + len]);
            self.start += HEADER + len;
        }
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

fn u16_at(p: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([p[i], p[i + 1]])
}

fn decode(k: u8, p: &[u8]) -> Result<Frame, ProtoError> {
    Ok(match k {
        kind::ATTACH => {
            if p.len() < 5 {
                return Err(ProtoError::Malformed("attach"));
            }
            let mode = match p[0] {
                0 => AttachMode::Writer,
                1 => AttachMode::Viewer,
                2 => AttachMode::Takeover,
                _ => return Err(ProtoError::Malformed("attach")),
            };
            let detach =
                std::str::from_utf8(&p[5..]).map_err(|_| ProtoError::Malformed("attach"))?;
            Frame::Attach {
                mode,
                cols: u16_at(p, 1),
                rows: u16_at(p, 3),
                detach: detach.to_string(),
            }
        }
        kind::INPUT => Frame::Input(p.to_vec()),
        kind::RESIZE => {
            if p.len() != 4 {
                return Err(ProtoError::Malformed("resize"));
            }
            Frame::Resize {
                cols: u16_at(p, 0),
                rows: u16_at(p, 2),
            }
        }
        kind::DETACH => Frame::Detach,
        kind::REQUEST => {
            Frame::Request(serde_json::from_slice(p).map_err(|_| ProtoError::Malformed("request"))?)
        }
        kind::ATTACHED => Frame::Attached {
            direct_input: match p {
                [0] => false,
                [1] => true,
                _ => return Err(ProtoError::Malformed("attached")),
            },
        },
        kind::OUTPUT => Frame::Output(p.to_vec()),
        kind::DETACHED => {
            let reason = match p.first() {
                Some(0) => DetachReason::Requested,
                Some(1) => DetachReason::TakenOver,
                Some(2) => DetachReason::Stopped,
                _ => return Err(ProtoError::Malformed("detached")),
            };
            Frame::Detached {
                reason,
                restore: p[1..].to_vec(),
            }
        }
        kind::EXITED => {
            if p.len() < 4 {
                return Err(ProtoError::Malformed("exited"));
            }
            Frame::Exited {
                code: i32::from_be_bytes([p[0], p[1], p[2], p[3]]),
                restore: p[4..].to_vec(),
            }
        }
        kind::REPLY => {
            Frame::Reply(serde_json::from_slice(p).map_err(|_| ProtoError::Malformed("reply"))?)
        }
        kind::ERROR => Frame::Error(String::from_utf8_lossy(p).into_owned()),
        kind::FLUSH => Frame::Flush(counter_of(p, "flush")?),
        kind::FLUSHED => Frame::Flushed(counter_of(p, "flushed")?),
        other => return Err(ProtoError::UnknownKind(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(f: Frame) {
        let bytes = f.to_bytes();
        let mut d = Decoder::new();
        // Byte by byte: the decoder must cope with any split.
        for (i, b) in bytes.iter().enumerate() {
            d.push(&[*b]);
            let got = d.next_frame().unwrap();
            if i + 1 < bytes.len() {
                assert_eq!(got, None, "frame complete too early at byte {i}");
            } else {
                assert_eq!(got, Some(f.clone()));
            }
        }
    }

    #[test]
    fn frames_roundtrip_split_anywhere() {
        roundtrip(Frame::Attach {
            mode: AttachMode::Takeover,
            cols: 132,
            rows: 43,
            detach: "ctrl-] d".into(),
        });
        roundtrip(Frame::Attach {
            mode: AttachMode::Writer,
            cols: 80,
            rows: 24,
            detach: String::new(),
        });
        roundtrip(Frame::Input(b"hello\x1b[A".to_vec()));
        roundtrip(Frame::Resize { cols: 80, rows: 24 });
        roundtrip(Frame::Detach);
        roundtrip(Frame::Request(Request::Stop {
            timeout_secs: 10,
            idle: false,
        }));
        roundtrip(Frame::Request(Request::Send { data: vec![3, 13] }));
        roundtrip(Frame::Attached { direct_input: true });
        roundtrip(Frame::Attached {
            direct_input: false,
        });
        roundtrip(Frame::Output(vec![0; 1000]));
        roundtrip(Frame::Detached {
            reason: DetachReason::TakenOver,
            restore: b"\x1b[?25h".to_vec(),
        });
        roundtrip(Frame::Exited {
            code: 130,
            restore: vec![],
        });
        roundtrip(Frame::Reply(serde_json::json!({"viewers": 2})));
        roundtrip(Frame::Error("nope".into()));
        roundtrip(Frame::Flush(7));
        roundtrip(Frame::Flushed(u32::MAX));
    }

    #[test]
    fn oversize_frame_is_rejected_before_buffering_it() {
        let mut d = Decoder::new();
        d.push(&[kind::INPUT, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(d.next_frame(), Err(ProtoError::TooLarge(0xffff_ffff)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut d = Decoder::new();
        d.push(&[99, 0, 0, 0, 0]);
        assert_eq!(d.next_frame(), Err(ProtoError::UnknownKind(99)));
        let mut d = Decoder::new();
        d.push(&[kind::RESIZE, 0, 0, 0, 1, 7]);
        assert_eq!(d.next_frame(), Err(ProtoError::Malformed("resize")));
        let mut d = Decoder::new();
        d.push(&[kind::REQUEST, 0, 0, 0, 2, b'{', b'}']);
        assert_eq!(d.next_frame(), Err(ProtoError::Malformed("request")));
        let mut d = Decoder::new();
        d.push(&[kind::FLUSHED, 0, 0, 0, 2, 0, 1]);
        assert_eq!(d.next_frame(), Err(ProtoError::Malformed("flushed")));
    }

    #[test]
    fn several_frames_in_one_push() {
        let mut bytes = Frame::Input(b"a".to_vec()).to_bytes();
        Frame::Detach.encode(&mut bytes);
        let mut d = Decoder::new();
        d.push(&bytes);
        assert_eq!(d.next_frame().unwrap(), Some(Frame::Input(b"a".to_vec())));
        assert_eq!(d.next_frame().unwrap(), Some(Frame::Detach));
        assert_eq!(d.next_frame().unwrap(), None);
    }

    #[test]
    fn take_output_batches_output_frames_only() {
        let mut bytes = Frame::Output(b"ab".to_vec()).to_bytes();
        Frame::Output(b"cd".to_vec()).encode(&mut bytes);
        Frame::Detach.encode(&mut bytes);
        Frame::Output(b"ef".to_vec()).encode(&mut bytes);
        let mut d = Decoder::new();
        d.push(&bytes[..bytes.len() - 1]);
        let mut out = Vec::new();
        d.take_output(&mut out);
        assert_eq!(out, b"abcd");
        assert_eq!(d.next_frame().unwrap(), Some(Frame::Detach));
        d.take_output(&mut out);
        assert_eq!(out, b"abcd", "incomplete frame stays");
        d.push(&bytes[bytes.len() - 1..]);
        d.take_output(&mut out);
        assert_eq!(out, b"abcdef");
    }

    #[test]
    fn greeting_carries_the_version() {
        assert_eq!(parse_greeting(&greeting()), Some(VERSION));
        assert_eq!(parse_greeting(b"HTTP/1"), None);
    }
}
