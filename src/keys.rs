//! Key tokens ("ctrl-] d", "enter", "esc") ↔ bytes. One grammar for the detach
//! sequence (config `ui.detach_sequence`) and `linger send --keys`.
//!
//! STUB: to be completed (issue 2 item 6). Keep the signatures.

/// One key press.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A single printable character.
    Char(char),
    /// `ctrl-<char>`.
    Ctrl(char),
    Esc,
    Tab,
    Enter,
    Space,
    Backspace,
}

/// Parse one token.
pub fn parse_token(token: &str) -> Result<Key, String> {
    match token {
        "esc" => Ok(Key::Esc),
        "tab" => Ok(Key::Tab),
        "enter" => Ok(Key::Enter),
        "space" => Ok(Key::Space),
        "backspace" => Ok(Key::Backspace),
        t if t.starts_with("ctrl-") && t.chars().count() == 6 => {
            Ok(Key::Ctrl(t.chars().nth(5).unwrap_or(' ')))
        }
        t if t.chars().count() == 1 => Ok(Key::Char(t.chars().next().unwrap_or(' '))),
        t => Err(format!("unknown key '{t}'")),
    }
}

/// Parse a detach sequence: space-separated tokens, at least two.
pub fn parse_sequence(text: &str) -> Result<Vec<Key>, String> {
    let keys = text
        .split_whitespace()
        .map(parse_token)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.len() < 2 {
        return Err("a detach sequence needs at least two key presses".into());
    }
    Ok(keys)
}

/// The bytes a terminal sends for `key` in its legacy (non-kitty) encoding.
pub fn key_bytes(key: Key) -> Vec<u8> {
    match key {
        Key::Char(c) => c.to_string().into_bytes(),
        Key::Ctrl(c) => vec![(c.to_ascii_uppercase() as u8) ^ 0x40],
        Key::Esc => vec![0x1b],
        Key::Tab => vec![b'\t'],
        Key::Enter => vec![b'\r'],
        Key::Space => vec![b' '],
        Key::Backspace => vec![0x7f],
    }
}

/// Finds the detach sequence in a client's input stream.
pub struct DetachMatcher {
    seq: Vec<u8>,
    held: Vec<u8>,
}

impl DetachMatcher {
    pub fn new(keys: &[Key]) -> DetachMatcher {
        DetachMatcher {
            seq: keys.iter().flat_map(|k| key_bytes(*k)).collect(),
            held: Vec::new(),
        }
    }

    /// Feed typed bytes; bytes to forward to the session are appended to `out`.
    /// Returns true when the detach sequence was completed (bytes after it are dropped).
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        for &b in input {
            self.held.push(b);
            if self.held == self.seq {
                self.held.clear();
                return true;
            }
            if !self.seq.starts_with(&self.held) {
                out.append(&mut self.held);
            }
        }
        false
    }
}
