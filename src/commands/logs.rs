//! `linger logs`: scrollback and screen as text (from the supervisor while it
//! runs, else from its last checkpoint); `--follow` streams until exit.

use super::snapshot::{session_lines, strip_ansi};
use crate::client;
use crate::error::{Error, Result};
use crate::protocol::{Frame, Request};
use crate::registry::Registry;
use std::io::Write;

pub fn logs(
    sel: &str,
    tail: Option<usize>,
    follow: bool,
    screen: bool,
    ansi: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if follow && rec.is_live() {
        return follow_live(&reg, &rec, tail, screen, ansi, out);
    }
    let (history, screen_lines) = session_lines(&reg, &rec, screen)?;
    let mut lines: Vec<String> = history.into_iter().chain(screen_lines).collect();
    if !ansi {
        lines = lines.iter().map(|l| strip_ansi(l)).collect();
    }
    // The screen's empty bottom rows are not output.
    while lines.last().is_some_and(|l| strip_ansi(l).is_empty()) {
        lines.pop();
    }
    let skip = tail.map_or(0, |n| lines.len().saturating_sub(n));
    // One write per 8 KiB, not per line (stdout is line-buffered).
    let mut buffered = std::io::BufWriter::new(&mut *out);
    for l in &lines[skip..] {
        writeln!(buffered, "{l}")?;
    }
    buffered.flush()?;
    drop(buffered);
    if follow {
        // An exited session: nothing more will come.
        return Ok(rec.exit_code.unwrap_or(0));
    }
    Ok(0)
}

fn follow_live(
    reg: &Registry,
    rec: &crate::registry::Record,
    tail: Option<usize>,
    screen: bool,
    ansi: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let mut c = client::connect(reg, rec)?;
    c.send(&Frame::Request(Request::Follow))?;
    let mut head = Vec::new();
    let mut stripper = TextStream::default();
    loop {
        match c.recv(None)? {
            Some(Frame::Output(b)) => head.extend_from_slice(&b),
            Some(Frame::Reply(_)) => break,
            Some(Frame::Exited { code, .. }) => return Ok(code),
            Some(Frame::Error(m)) => return Err(Error::runtime(m)),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if screen || ansi {
        // The follower's head is all lines as plain text; for the screen only
        // or with colours, ask again now that we follow (output in between
        // may show twice, never not at all).
        let (history, screen_lines) = session_lines(reg, rec, screen)?;
        lines = history.into_iter().chain(screen_lines).collect();
        if !ansi {
            lines = lines.iter().map(|l| strip_ansi(l)).collect();
        }
    }
    while lines
        .last()
        .is_some_and(|l| strip_ansi(l).trim().is_empty())
    {
        lines.pop();
    }
    let skip = tail.map_or(0, |n| lines.len().saturating_sub(n));
    for l in &lines[skip..] {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    let mut buf = Vec::new();
    loop {
        match c.recv(None) {
            Ok(Some(Frame::Output(b))) => {
                buf.clear();
                stripper.push(&b, &mut buf);
                out.write_all(&buf)?;
                out.flush()?;
            }
            Ok(Some(Frame::Exited { code, .. })) => return Ok(code),
            Ok(Some(_)) => {}
            Ok(None) => {}
            Err(e) => {
                // The supervisor may have gone: the record has the verdict.
                let now = reg.ended_record(&rec.id)?;
                return if now.is_live() { Err(e) } else { now.outcome() };
            }
        }
    }
}

/// Terminal output → plain text: escape sequences dropped, CR LF → LF, lone
/// CRs dropped. State carries across chunks.
#[derive(Default)]
pub struct TextStream {
    state: u8,
}

impl TextStream {
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        const TEXT: u8 = 0;
        const ESC: u8 = 1;
        const CSI: u8 = 2;
        const STRING: u8 = 3; // OSC, DCS, APC...: until BEL or ST
        const STRING_ESC: u8 = 4;
        for &b in input {
            self.state = match (self.state, b) {
                (TEXT, 0x1b) => ESC,
                (TEXT, b'\r') => TEXT,
                (TEXT, b'\n' | b'\t') => {
                    out.push(b);
                    TEXT
                }
                (TEXT, b) if b < 0x20 || b == 0x7f => TEXT,
                (TEXT, b) => {
                    out.push(b);
                    TEXT
                }
                (ESC, b'[') => CSI,
                (ESC, b']' | b'P' | b'_' | b'^' | b'X') => STRING,
                (ESC, b'(' | b')' | b'*' | b'+' | b'#' | b'%' | b' ') => ESC,
                (ESC, _) => TEXT,
                (CSI, 0x40..=0x7e) => TEXT,
                (CSI, _) => CSI,
                (STRING, 0x07) => TEXT,
                (STRING, 0x1b) => STRING_ESC,
                (STRING, _) => STRING,
                (STRING_ESC, b'\\') => TEXT,
                (STRING_ESC, _) => STRING,
                _ => TEXT,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_stream_strips_escapes_across_chunks() {
        let mut t = super::TextStream::default();
        let mut out = Vec::new();
        t.push(b"a\x1b[3", &mut out);
        t.push(b"1mred\x1b[0m\r\n\x1b]0;title\x07b", &mut out);
        assert_eq!(out, b"ared\nb");
    }
}
