//! Key tokens ("ctrl-] d", "enter", "esc") ↔ bytes. One grammar for the detach
//! sequence (config `ui.detach_sequence`) and `linger send --keys`.
//!
//! # Tokens
//!
//! | token | key | legacy bytes |
//! | --- | --- | --- |
//! | one printable character: `d`, `D`, `]`, `é` | that character | its UTF-8 |
//! | `esc` (`escape`) | Escape | `1b` |
//! | `tab` | Tab | `09` |
//! | `enter` (`return`) | Enter | `0d` |
//! | `space` | Space | `20` |
//! | `backspace` | Backspace | `7f` |
//! | `ctrl-<c>` for `c` in `a`–`z`, `@ [ \ ] ^ _ ? /` | control chord | `c` xor `0x40` (`ctrl-a` 01, `ctrl-]` 1d, `ctrl-\` 1c, `ctrl-@` 00, `ctrl-?` 7f, `ctrl-/` 1f) |
//! | `ctrl-space` | control chord | `00` |
//! | `alt-<c>`, `meta-<c>`, `alt-space` | meta chord | `1b` then the character |
//! | `up` `down` `right` `left` | arrows | `1b [ A` … `1b [ D` (normal cursor-key mode, not DECCKM's `1b O A`) |
//! | `home` `end` | | `1b [ H`, `1b [ F` |
//! | `insert` `delete` (`del`) `pageup` (`pgup`) `pagedown` (`pgdn`) | | `1b [ 2 ~`, `1b [ 3 ~`, `1b [ 5 ~`, `1b [ 6 ~` |
//! | `f1` … `f12` | function keys | `1b O P` … `1b O S`, `1b [ 15 ~` … `1b [ 24 ~` |
//!
//! Names and the `ctrl-`/`alt-`/`meta-` prefixes are case-insensitive, and
//! `ctrl-A` is `ctrl-a` (a terminal cannot tell them apart). A single character
//! is case-sensitive: `D` is shift-d. Whitespace and control characters are not
//! tokens (write `space`, `tab`, `ctrl-x`).
//!
//! A detach sequence ([`parse_sequence`]) is at least two space-separated
//! presses of characters, `esc`, `tab`, `enter`, `space`, `backspace`,
//! `ctrl-<c>` or `alt-<c>` (not `alt-[`, which is the start of every escape
//! sequence). Arrows, editing and function keys are for `send --keys` only.
//!
//! # Matching the detach sequence
//!
//! [`DetachMatcher`] recognises each press in any of the encodings a terminal
//! may use, because programs such as Claude Code switch the user's terminal
//! into an extended keyboard mode and may leave it there:
//!
//! - legacy bytes (table above);
//! - kitty keyboard protocol, `CSI code[:shifted[:base]] [; mods[:event] [; text]] u`,
//!   mods = 1 + (shift 1 | alt 2 | ctrl 4 | super 8 | hyper 16 | meta 32 |
//!   caps-lock 64 | num-lock 128); the lock bits are ignored. `ctrl-]` is
//!   `CSI 93;5u`, `d` may be `d` or `CSI 100u`, `D` may be `CSI 100;2u` or
//!   `CSI 100:68;2u`, `ctrl-@` may be `CSI 50:64;6u`. Event type 1 (press) and
//!   2 (repeat) count as presses; releases (3) never do;
//! - xterm modifyOtherKeys, `CSI 27 ; mods ; code ~` (`ctrl-]` is `CSI 27;5;93~`).
//!
//! Shift is ignored for `ctrl-` chords (as in legacy encoding). `ctrl-space` and
//! `ctrl-@` match each other, being the same NUL byte in legacy encoding.
//!
//! Input bytes are held back only while they are a prefix of some encoding of
//! the next expected press. Once at least one press has matched, kitty release
//! events (of any key: a chord's keys may be released in any order, and its
//! release then reports other modifiers) and events of bare modifier keys
//! (left-ctrl and friends, sent with "report all keys") are held too without
//! counting; they are forwarded if the sequence breaks. When
//! the sequence breaks, every held byte is forwarded in order and matching
//! restarts from the second held press, so `ctrl-] ctrl-] d` forwards one
//! `ctrl-]` and detaches. Escape sequences that cannot match (arrows, mouse
//! reports, bracketed-paste markers, terminal replies) are forwarded whole,
//! so a key inside them is never mistaken for a press.
//!
//! Caveats, by design:
//! - A lone ESC is a prefix of every kitty encoding, so it is held until the
//!   next byte shows what it was. The client calls [`DetachMatcher::timeout`]
//!   after a short quiet spell while [`DetachMatcher::escape_pending`] to
//!   release it (or, if the next expected press is `esc`, count it).
//! - A legacy ESC press matches `esc` as soon as the next byte is anything but
//!   `[`; it cannot be told apart from a meta chord (`alt-x` is ESC `x`).
//! - Pasted text is not special: a paste that contains the sequence detaches.

use std::collections::VecDeque;
use std::fmt;

const ESC: u8 = 0x1b;

/// One key press.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A single printable character.
    Char(char),
    /// `ctrl-<char>`; letters are stored lowercase, `ctrl-space` as `' '`.
    Ctrl(char),
    Esc,
    Tab,
    Enter,
    Space,
    Backspace,
    /// `alt-<char>` / `meta-<char>`: ESC, then the character.
    Alt(char),
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Delete,
    /// `f1` … `f12`.
    F(u8),
}

/// Named keys: accepted spelling → key. The first spelling of each key is canonical.
const NAMED: &[(&str, Key)] = &[
    ("esc", Key::Esc),
    ("escape", Key::Esc),
    ("tab", Key::Tab),
    ("enter", Key::Enter),
    ("return", Key::Enter),
    ("space", Key::Space),
    ("backspace", Key::Backspace),
    ("up", Key::Up),
    ("down", Key::Down),
    ("left", Key::Left),
    ("right", Key::Right),
    ("home", Key::Home),
    ("end", Key::End),
    ("pageup", Key::PageUp),
    ("pgup", Key::PageUp),
    ("pagedown", Key::PageDown),
    ("pgdn", Key::PageDown),
    ("insert", Key::Insert),
    ("delete", Key::Delete),
    ("del", Key::Delete),
];

/// The characters `ctrl-` accepts besides letters and `space`, for messages.
const CTRL_CHARS: &str = "a letter, space or one of @ [ \\ ] ^ _ ? /";

/// The normalised character of `ctrl-<c>`, or None when `c` has no control code.
fn ctrl_char(c: char) -> Option<char> {
    match c {
        'a'..='z' | '@' | '[' | '\\' | ']' | '^' | '_' | '?' | '/' | ' ' => Some(c),
        'A'..='Z' => Some(c.to_ascii_lowercase()),
        _ => None,
    }
}

/// The legacy control code of `ctrl-<c>`.
fn ctrl_code(c: char) -> Option<u8> {
    match ctrl_char(c)? {
        ' ' | '@' => Some(0),
        '?' => Some(0x7f),
        '/' => Some(0x1f),
        c => Some(c.to_ascii_uppercase() as u8 ^ 0x40),
    }
}

/// Strip an ASCII prefix case-insensitively.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The single character of `text`, if it is exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut it = text.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// Parse one token.
pub fn parse_token(token: &str) -> Result<Key, String> {
    if token.is_empty() {
        return Err("empty key".into());
    }
    if let Some(c) = single_char(token) {
        return match c {
            ' ' => Err("unknown key ' ' (write 'space')".into()),
            c if c.is_control() || c.is_whitespace() => Err(format!(
                "unknown key {token:?} (write a key name such as 'tab')"
            )),
            c => Ok(Key::Char(c)),
        };
    }
    if let Some(&(_, key)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(token)) {
        return Ok(key);
    }
    if let Some(n) = strip_prefix_ci(token, "f").and_then(|n| n.parse::<u8>().ok()) {
        if (1..=12).contains(&n) && !token[1..].starts_with(['0', '+']) {
            return Ok(Key::F(n));
        }
    }
    if let Some(rest) = strip_prefix_ci(token, "ctrl-") {
        let c = if rest.eq_ignore_ascii_case("space") {
            Some(' ')
        } else {
            single_char(rest)
        };
        return match c {
            Some(c) => ctrl_char(c)
                .map(Key::Ctrl)
                .ok_or_else(|| format!("unknown key '{token}' (ctrl- needs {CTRL_CHARS})")),
            None => Err(format!("unknown key '{token}' (ctrl- needs {CTRL_CHARS})")),
        };
    }
    if let Some(rest) = strip_prefix_ci(token, "alt-").or_else(|| strip_prefix_ci(token, "meta-")) {
        if rest.eq_ignore_ascii_case("space") {
            return Ok(Key::Alt(' '));
        }
        return match single_char(rest) {
            Some(c) if !c.is_control() && !c.is_whitespace() => Ok(Key::Alt(c)),
            _ => Err(format!(
                "unknown key '{token}' (alt- needs one printable character or space)"
            )),
        };
    }
    Err(format!("unknown key '{token}'"))
}

/// Whether `key` may be part of a detach sequence (see the module doc).
fn detachable(key: Key) -> bool {
    match key {
        Key::Char(_) | Key::Ctrl(_) | Key::Esc | Key::Tab | Key::Enter | Key::Space => true,
        Key::Backspace => true,
        Key::Alt(c) => c != '[',
        _ => false,
    }
}

/// Parse a detach sequence: space-separated tokens, at least two.
pub fn parse_sequence(text: &str) -> Result<Vec<Key>, String> {
    let keys = text
        .split_whitespace()
        .map(parse_token)
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(k) = keys.iter().find(|k| !detachable(**k)) {
        return Err(format!(
            "key '{k}' cannot be part of a detach sequence \
             (use characters, esc, tab, enter, space, backspace, ctrl-<char> or alt-<char>)"
        ));
    }
    if keys.len() < 2 {
        return Err(format!(
            "a detach sequence needs at least two key presses, got {} (e.g. 'ctrl-] d')",
            keys.len()
        ));
    }
    Ok(keys)
}

/// The canonical token text of a sequence, for messages: `ctrl-] d`.
pub fn describe(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Key {
    /// The canonical token: `parse_token(&key.to_string()) == Ok(key)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Key::Char(' ') | Key::Space => f.write_str("space"),
            Key::Char(c) => write!(f, "{c}"),
            Key::Ctrl(' ') => f.write_str("ctrl-space"),
            Key::Ctrl(c) => write!(f, "ctrl-{c}"),
            Key::Alt(' ') => f.write_str("alt-space"),
            Key::Alt(c) => write!(f, "alt-{c}"),
            Key::F(n) => write!(f, "f{n}"),
            key => {
                let name = NAMED.iter().find(|(_, k)| *k == key).map(|(n, _)| *n);
                f.write_str(name.unwrap_or("?"))
            }
        }
    }
}

/// The bytes a terminal sends for `key` in its legacy (non-kitty) encoding.
/// A `Ctrl` of a character without a control code (only constructible by
/// hand) sends the character itself; `F(n)` outside 1..=12 sends nothing.
pub fn key_bytes(key: Key) -> Vec<u8> {
    let utf8 = |c: char| c.to_string().into_bytes();
    match key {
        Key::Char(c) => utf8(c),
        Key::Ctrl(c) => ctrl_code(c).map_or_else(|| utf8(c), |b| vec![b]),
        Key::Alt(c) => [vec![ESC], utf8(c)].concat(),
        Key::Esc => vec![ESC],
        Key::Tab => vec![b'\t'],
        Key::Enter => vec![b'\r'],
        Key::Space => vec![b' '],
        Key::Backspace => vec![0x7f],
        Key::Up => b"\x1b[A".to_vec(),
        Key::Down => b"\x1b[B".to_vec(),
        Key::Right => b"\x1b[C".to_vec(),
        Key::Left => b"\x1b[D".to_vec(),
        Key::Home => b"\x1b[H".to_vec(),
        Key::End => b"\x1b[F".to_vec(),
        Key::Insert => b"\x1b[2~".to_vec(),
        Key::Delete => b"\x1b[3~".to_vec(),
        Key::PageUp => b"\x1b[5~".to_vec(),
        Key::PageDown => b"\x1b[6~".to_vec(),
        Key::F(n @ 1..=4) => vec![ESC, b'O', b'P' + (n - 1)],
        Key::F(n @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            format!("\x1b[{code}~").into_bytes()
        }
        Key::F(_) => Vec::new(),
    }
}

// Kitty modifier bits (the wire value is 1 + these).
const SHIFT: u32 = 1;
const ALT: u32 = 2;
const CTRL: u32 = 4;
/// super, hyper, meta: chords we never match.
const OTHER_MODS: u32 = 8 | 16 | 32;
/// caps-lock, num-lock: states, not chords; ignored.
const LOCK_MODS: u32 = 64 | 128;
/// Most bytes held while matching (presses plus swallowed events) before we give up.
const MAX_HELD: usize = 512;
/// Longest parameter string of a key report we hold back.
const MAX_CSI_PARAMS: usize = 32;

/// One key event decoded from a kitty CSI-u or modifyOtherKeys report.
#[derive(Debug)]
struct KeyEvent {
    code: u32,
    shifted: Option<u32>,
    /// Modifier bits without the lock bits.
    mods: u32,
    press: bool,
}

/// Decode the parameters of `CSI params final` as a key event, if it is one.
fn parse_key_event(params: &[u8], fin: u8) -> Option<KeyEvent> {
    let text = std::str::from_utf8(params).ok()?;
    let fields: Vec<&str> = text.split(';').collect();
    let num = |t: &str| t.parse::<u32>().ok();
    let opt = |t: Option<&str>| match t {
        None | Some("") => Some(None),
        Some(t) => num(t).map(Some),
    };
    let (code, shifted, mods, event) = match fin {
        b'u' if fields.len() <= 3 => {
            let mut f0 = fields[0].split(':');
            let code = num(f0.next()?)?;
            let shifted = opt(f0.next())?;
            opt(f0.next())?; // base-layout key: irrelevant here
            if f0.next().is_some() {
                return None;
            }
            let mut f1 = fields.get(1).copied().unwrap_or("").split(':');
            let mods = opt(f1.next())?.unwrap_or(1);
            let event = opt(f1.next())?.unwrap_or(1);
            if f1.next().is_some() {
                return None;
            }
            (code, shifted, mods, event)
        }
        b'~' if fields.len() == 3 && fields[0] == "27" && !text.contains(':') => {
            (num(fields[2])?, None, opt(Some(fields[1]))?.unwrap_or(1), 1)
        }
        _ => return None,
    };
    let press = match event {
        1 | 2 => true, // press, repeat (a held key repeats in legacy mode too)
        3 => false,
        _ => return None,
    };
    let mods = mods.checked_sub(1)? & !LOCK_MODS;
    Some(KeyEvent {
        code,
        shifted,
        mods,
        press,
    })
}

/// Kitty codes of bare modifier and lock keys (left-shift … iso-level5-shift,
/// caps/scroll/num lock).
fn is_modifier_code(code: u32) -> bool {
    (57441..=57454).contains(&code) || (57358..=57360).contains(&code)
}

/// Whether `c` with no modifiers but maybe shift is what `ev` reports.
fn char_matches(c: char, ev: &KeyEvent) -> bool {
    let shift = ev.mods & SHIFT != 0;
    if ev.shifted == Some(c as u32) {
        return true;
    }
    if ev.code == c as u32 {
        return !shift || !c.is_lowercase();
    }
    let mut lower = c.to_lowercase();
    shift && c.is_uppercase() && lower.next() == char::from_u32(ev.code) && lower.next().is_none()
}

/// The kitty codes a press of `key` may report (besides a shifted alternate).
fn key_codes(key: Key) -> Vec<u32> {
    match key {
        Key::Char(c) | Key::Alt(c) => {
            let mut v = vec![c as u32];
            if c.is_uppercase() {
                v.extend(c.to_lowercase().map(|l| l as u32));
            }
            v
        }
        Key::Ctrl(' ' | '@') => vec![32, 64],
        Key::Ctrl(c) if c.is_ascii_lowercase() => vec![c as u32, c.to_ascii_uppercase() as u32],
        Key::Ctrl(c) => vec![c as u32],
        Key::Esc => vec![27],
        Key::Enter => vec![13],
        Key::Tab => vec![9],
        Key::Backspace => vec![127],
        Key::Space => vec![32],
        _ => Vec::new(),
    }
}

/// Whether a press of `key` may report a code not in [`key_codes`] (a symbol
/// reached with shift on some layout, reported by its base key's code).
fn any_code(key: Key) -> bool {
    match key {
        Key::Char(c) | Key::Alt(c) | Key::Ctrl(c) => !c.is_ascii_alphanumeric() || c.is_uppercase(),
        _ => false,
    }
}

/// Whether the key event `ev` is a press-or-release of `key` (ignoring `ev.press`).
fn event_is(key: Key, ev: &KeyEvent) -> bool {
    let chord = ev.mods & (ALT | CTRL | OTHER_MODS);
    match key {
        Key::Char(c) => chord == 0 && char_matches(c, ev),
        Key::Alt(c) => chord == ALT && char_matches(c, ev),
        Key::Ctrl(_) => {
            let codes = key_codes(key);
            chord == CTRL
                && (codes.contains(&ev.code) || ev.shifted.is_some_and(|s| codes.contains(&s)))
        }
        Key::Esc | Key::Enter | Key::Tab | Key::Backspace | Key::Space => {
            ev.mods == 0 && key_codes(key).contains(&ev.code)
        }
        _ => false,
    }
}

/// What the bytes held for the current press are.
#[derive(Debug, PartialEq)]
enum Class {
    /// A proper prefix of some encoding of the expected press: keep holding.
    Partial,
    /// The first n bytes are a press of the expected key.
    Press(usize),
    /// The first n bytes are an event to hold without counting.
    Swallow(usize),
    /// Not the expected press.
    NoMatch,
}

/// Classify `p` (non-empty) against the expected `key`, whose legacy bytes
/// are `legacy`. `matching`: at least one press of the sequence has matched.
fn classify(p: &[u8], key: Key, legacy: &[u8], matching: bool) -> Class {
    if legacy == [ESC] {
        // ESC alone may still become `CSI 27u`; any other second byte settles it.
        if p.len() >= 2 && p[0] == ESC && p[1] != b'[' {
            return Class::Press(1);
        }
    } else if !legacy.is_empty() && p.starts_with(legacy) {
        return Class::Press(legacy.len());
    }
    let legacy_prefix = legacy.starts_with(p);
    if p[0] != ESC {
        return if legacy_prefix {
            Class::Partial
        } else {
            Class::NoMatch
        };
    }
    if p.len() == 1 {
        return Class::Partial;
    }
    if p[1] != b'[' {
        return if legacy_prefix {
            Class::Partial
        } else {
            Class::NoMatch
        };
    }
    for (i, &b) in p.iter().enumerate().skip(2) {
        if b.is_ascii_digit() || b == b':' || b == b';' {
            continue;
        }
        let Some(ev) = parse_key_event(&p[2..i], b) else {
            return Class::NoMatch;
        };
        return if ev.press && event_is(key, &ev) {
            Class::Press(i + 1)
        } else if matching && (!ev.press || is_modifier_code(ev.code)) {
            Class::Swallow(i + 1)
        } else {
            Class::NoMatch
        };
    }
    if csi_plausible(&p[2..], key, matching) {
        Class::Partial
    } else {
        Class::NoMatch
    }
}

/// Whether the unfinished parameters `params` can still become a report that
/// we would act on.
fn csi_plausible(params: &[u8], key: Key, matching: bool) -> bool {
    if params.len() > MAX_CSI_PARAMS || params.iter().filter(|&&b| b == b';').count() > 2 {
        return false;
    }
    // A release of any key of the sequence, or a modifier key, may follow.
    if matching || any_code(key) {
        return true;
    }
    let end = params.iter().position(|&b| b == b':' || b == b';');
    let code = &params[..end.unwrap_or(params.len())];
    key_codes(key)
        .into_iter()
        .chain([27]) // modifyOtherKeys: CSI 27 ; mods ; code ~
        .any(|c| {
            let s = c.to_string();
            if end.is_some() {
                s.as_bytes() == code
            } else {
                s.as_bytes().starts_with(code)
            }
        })
}

/// The rest of a foreign escape sequence that is being passed through.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Skip {
    None,
    /// Inside `CSI`: parameter and intermediate bytes until a final byte.
    Csi,
    /// After `ESC O`: one more byte.
    Ss3,
}

/// How many leading bytes of `p` (which did not match at the start of a
/// sequence) to forward as one unit, and what remains of it to pass through.
fn unit_len(p: &[u8]) -> (usize, Skip) {
    if p[0] != ESC || p.len() == 1 {
        return (1, Skip::None);
    }
    match p[1] {
        b'[' => {
            for (i, &b) in p.iter().enumerate().skip(2) {
                match b {
                    0x20..=0x3f => {}
                    0x40..=0x7e => return (i + 1, Skip::None),
                    _ => return (i, Skip::None),
                }
            }
            (p.len(), Skip::Csi)
        }
        b'O' if p.len() == 2 => (2, Skip::Ss3),
        b'O' if (0x20..=0x7e).contains(&p[2]) => (3, Skip::None),
        b'O' => (2, Skip::None),
        _ => (1, Skip::None),
    }
}

/// How long a lone Esc is held before it is taken as an Esc press (see
/// [`DetachMatcher::timeout`]).
pub const ESC_WAIT: std::time::Duration = std::time::Duration::from_millis(30);

/// Finds the detach sequence in a client's input stream.
pub struct DetachMatcher {
    keys: Vec<Key>,
    /// Legacy bytes of each key.
    legacy: Vec<Vec<u8>>,
    /// Bytes held back: the matched presses, held events, and the current partial press.
    held: Vec<u8>,
    /// Presses matched so far.
    matched: usize,
    /// End of the first matched press in `held` (valid when `matched > 0`).
    first_end: usize,
    /// Start of the current partial press in `held`.
    cur: usize,
    skip: Skip,
}

impl DetachMatcher {
    pub fn new(keys: &[Key]) -> DetachMatcher {
        DetachMatcher {
            keys: keys.to_vec(),
            legacy: keys.iter().map(|k| key_bytes(*k)).collect(),
            held: Vec::new(),
            matched: 0,
            first_end: 0,
            cur: 0,
            skip: Skip::None,
        }
    }

    /// Feed typed bytes; bytes to forward to the session are appended to `out`.
    /// Returns true when the detach sequence was completed (bytes after it are dropped).
    /// Bytes that may begin the sequence stay held across calls.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        let mut replay = VecDeque::new();
        let mut i = 0;
        loop {
            let b = match replay.pop_front() {
                Some(b) => b,
                None => {
                    // Fast path: nothing held, so bytes that cannot start a press pass.
                    if self.held.is_empty() && self.skip == Skip::None {
                        let first = self.legacy.first().and_then(|l| l.first()).copied();
                        let n = input[i..]
                            .iter()
                            .position(|&b| b == ESC || Some(b) == first)
                            .unwrap_or(input.len() - i);
                        out.extend_from_slice(&input[i..i + n]);
                        i += n;
                    }
                    match input.get(i) {
                        Some(&b) => {
                            i += 1;
                            b
                        }
                        None => return false,
                    }
                }
            };
            if self.feed(b, out, &mut replay) {
                return true;
            }
        }
    }

    /// Process one byte. Bytes to re-examine go to the front of `replay`.
    fn feed(&mut self, b: u8, out: &mut Vec<u8>, replay: &mut VecDeque<u8>) -> bool {
        match self.skip {
            Skip::None => {}
            Skip::Csi => {
                if (0x20..=0x7e).contains(&b) {
                    out.push(b);
                    if b >= 0x40 {
                        self.skip = Skip::None;
                    }
                    return false;
                }
                self.skip = Skip::None; // malformed: b starts afresh
            }
            Skip::Ss3 => {
                self.skip = Skip::None;
                if (0x20..=0x7e).contains(&b) {
                    out.push(b);
                    return false;
                }
            }
        }
        let Some(&key) = self.keys.get(self.matched) else {
            out.push(b); // an empty sequence never matches
            return false;
        };
        self.held.push(b);
        let p = &self.held[self.cur..];
        let (press, n) = match classify(p, key, &self.legacy[self.matched], self.matched > 0) {
            Class::Partial => return false,
            Class::Press(n) => (true, n),
            Class::Swallow(n) if self.held.len() <= MAX_HELD => (false, n),
            Class::Swallow(_) | Class::NoMatch => {
                let rest = if self.matched > 0 {
                    out.extend_from_slice(&self.held[..self.first_end]);
                    self.held.split_off(self.first_end)
                } else {
                    let (n, skip) = unit_len(&self.held);
                    out.extend_from_slice(&self.held[..n]);
                    self.skip = skip;
                    self.held.split_off(n)
                };
                self.reset();
                requeue(replay, rest);
                return false;
            }
        };
        // A legacy ESC is settled by the byte after it, which belongs to what follows.
        let end = self.cur + n;
        let rest = self.held.split_off(end);
        requeue(replay, rest);
        self.feed_settled(press, end)
    }

    /// A press (or a held event) ends at `end` in `held`.
    fn feed_settled(&mut self, press: bool, end: usize) -> bool {
        if press {
            self.matched += 1;
            if self.matched == 1 {
                self.first_end = end;
            }
            if self.matched == self.keys.len() {
                self.reset();
                return true;
            }
        }
        self.cur = end;
        false
    }

    fn reset(&mut self) {
        self.held.clear();
        self.matched = 0;
        self.first_end = 0;
        self.cur = 0;
    }

    /// The bytes currently held back.
    pub fn held(&self) -> &[u8] {
        &self.held
    }

    /// Give up on the current attempt: return the held bytes (to forward) and
    /// start afresh.
    pub fn take_held(&mut self) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        self.reset();
        self.skip = Skip::None;
        held
    }

    /// Whether an unfinished escape sequence is held: the client should call
    /// [`DetachMatcher::timeout`] if no more input arrives soon (e.g. 50 ms).
    pub fn escape_pending(&self) -> bool {
        self.held.get(self.cur) == Some(&ESC)
    }

    /// No input arrived for a while. Terminals write an escape sequence in one
    /// go, so an unfinished one held now was a lone Esc press: it counts if
    /// `esc` is the next expected press (returns true if that completes the
    /// sequence), else it and everything held before it are forwarded to `out`.
    /// Completed presses without a pending escape stay held: a sequence may be
    /// typed slowly.
    pub fn timeout(&mut self, out: &mut Vec<u8>) -> bool {
        self.skip = Skip::None;
        if !self.escape_pending() {
            return false;
        }
        if self.held.len() == self.cur + 1 && self.legacy[self.matched] == [ESC] {
            let end = self.held.len();
            return self.feed_settled(true, end);
        }
        out.append(&mut self.held);
        self.reset();
        false
    }
}

/// Put `bytes` back in front of the bytes still to be processed.
fn requeue(replay: &mut VecDeque<u8>, bytes: Vec<u8>) {
    for b in bytes.into_iter().rev() {
        replay.push_front(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(text: &str) -> Vec<Key> {
        parse_sequence(text).unwrap()
    }

    /// Feed `chunks` to a matcher for `sequence`: (forwarded bytes, detached).
    fn run(sequence: &str, chunks: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut m = DetachMatcher::new(&seq(sequence));
        let mut out = Vec::new();
        for chunk in chunks {
            if m.push(chunk, &mut out) {
                return (out, true);
            }
        }
        (out, false)
    }

    /// Like `run` with the whole input in one push, and again byte by byte:
    /// both must agree.
    fn run_all(sequence: &str, input: &[u8]) -> (Vec<u8>, bool) {
        let whole = run(sequence, &[input]);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            run(sequence, &bytes),
            whole,
            "split byte by byte differs for {:?}",
            String::from_utf8_lossy(input)
        );
        whole
    }

    #[test]
    fn tokens() {
        let cases = [
            ("d", Key::Char('d')),
            ("D", Key::Char('D')),
            ("]", Key::Char(']')),
            ("é", Key::Char('é')),
            ("esc", Key::Esc),
            ("ESC", Key::Esc),
            ("escape", Key::Esc),
            ("tab", Key::Tab),
            ("enter", Key::Enter),
            ("Return", Key::Enter),
            ("space", Key::Space),
            ("backspace", Key::Backspace),
            ("ctrl-a", Key::Ctrl('a')),
            ("ctrl-A", Key::Ctrl('a')),
            ("CTRL-a", Key::Ctrl('a')),
            ("ctrl-]", Key::Ctrl(']')),
            ("ctrl-\\", Key::Ctrl('\\')),
            ("ctrl-@", Key::Ctrl('@')),
            ("ctrl-space", Key::Ctrl(' ')),
            ("ctrl-?", Key::Ctrl('?')),
            ("ctrl-/", Key::Ctrl('/')),
            ("alt-x", Key::Alt('x')),
            ("meta-X", Key::Alt('X')),
            ("alt-space", Key::Alt(' ')),
            ("up", Key::Up),
            ("down", Key::Down),
            ("left", Key::Left),
            ("right", Key::Right),
            ("home", Key::Home),
            ("end", Key::End),
            ("pageup", Key::PageUp),
            ("pgdn", Key::PageDown),
            ("insert", Key::Insert),
            ("delete", Key::Delete),
            ("f1", Key::F(1)),
            ("F12", Key::F(12)),
        ];
        for (token, key) in cases {
            assert_eq!(parse_token(token), Ok(key), "{token}");
            assert_eq!(
                parse_token(&key.to_string()),
                Ok(key),
                "canonical form of {token}"
            );
        }
    }

    #[test]
    fn bad_tokens() {
        for (token, want) in [
            ("", "empty key"),
            ("ctrl-é", "unknown key 'ctrl-é'"),
            ("ctrl-1", "unknown key 'ctrl-1'"),
            ("ctrl-", "unknown key 'ctrl-'"),
            ("ctrl-ab", "unknown key 'ctrl-ab'"),
            ("alt-", "unknown key 'alt-'"),
            ("alt-ab", "unknown key 'alt-ab'"),
            ("foo", "unknown key 'foo'"),
            ("f0", "unknown key 'f0'"),
            ("f13", "unknown key 'f13'"),
            ("f01", "unknown key 'f01'"),
            (" ", "unknown key ' '"),
            ("\t", "unknown key"),
            ("\u{1}", "unknown key"),
        ] {
            let err = parse_token(token).expect_err(token);
            assert!(err.starts_with(want), "{token:?}: {err}");
        }
    }

    #[test]
    fn sequences() {
        assert_eq!(seq("ctrl-] d"), vec![Key::Ctrl(']'), Key::Char('d')]);
        assert_eq!(
            seq("  ctrl-a   ctrl-b x "),
            vec![Key::Ctrl('a'), Key::Ctrl('b'), Key::Char('x')]
        );
        for bad in [
            "",
            "   ",
            "ctrl-]",
            "ctrl-] up",
            "f1 d",
            "alt-[ d",
            "ctrl-] bogus",
        ] {
            assert!(parse_sequence(bad).is_err(), "{bad:?}");
        }
        assert!(parse_sequence("d").unwrap_err().contains("at least two"));
        assert!(parse_sequence("ctrl-] bogus")
            .unwrap_err()
            .contains("'bogus'"));
        assert!(parse_sequence("ctrl-] up").unwrap_err().contains("'up'"));
        assert_eq!(describe(&seq("CTRL-] d")), "ctrl-] d");
        assert_eq!(
            describe(&seq("ctrl-space Escape ctrl-A")),
            "ctrl-space esc ctrl-a"
        );
    }

    #[test]
    fn legacy_bytes() {
        let b = |t: &str| key_bytes(parse_token(t).unwrap());
        assert_eq!(b("ctrl-a"), [0x01]);
        assert_eq!(b("ctrl-z"), [0x1a]);
        assert_eq!(b("ctrl-]"), [0x1d]);
        assert_eq!(b("ctrl-\\"), [0x1c]);
        assert_eq!(b("ctrl-["), [0x1b]);
        assert_eq!(b("ctrl-^"), [0x1e]);
        assert_eq!(b("ctrl-_"), [0x1f]);
        assert_eq!(b("ctrl-/"), [0x1f]);
        assert_eq!(b("ctrl-@"), [0x00]);
        assert_eq!(b("ctrl-space"), [0x00]);
        assert_eq!(b("ctrl-?"), [0x7f]);
        assert_eq!(b("enter"), b"\r");
        assert_eq!(b("tab"), b"\t");
        assert_eq!(b("space"), b" ");
        assert_eq!(b("backspace"), [0x7f]);
        assert_eq!(b("esc"), [0x1b]);
        assert_eq!(b("é"), "é".as_bytes());
        assert_eq!(b("alt-x"), b"\x1bx");
        assert_eq!(b("up"), b"\x1b[A");
        assert_eq!(b("down"), b"\x1b[B");
        assert_eq!(b("right"), b"\x1b[C");
        assert_eq!(b("left"), b"\x1b[D");
        assert_eq!(b("home"), b"\x1b[H");
        assert_eq!(b("end"), b"\x1b[F");
        assert_eq!(b("insert"), b"\x1b[2~");
        assert_eq!(b("delete"), b"\x1b[3~");
        assert_eq!(b("pageup"), b"\x1b[5~");
        assert_eq!(b("pagedown"), b"\x1b[6~");
        assert_eq!(b("f1"), b"\x1bOP");
        assert_eq!(b("f4"), b"\x1bOS");
        assert_eq!(b("f5"), b"\x1b[15~");
        assert_eq!(b("f10"), b"\x1b[21~");
        assert_eq!(b("f11"), b"\x1b[23~");
        assert_eq!(b("f12"), b"\x1b[24~");
    }

    #[test]
    fn legacy_sequence() {
        assert_eq!(run_all("ctrl-] d", b"\x1dd"), (vec![], true));
        assert_eq!(run_all("ctrl-] d", b"abc\x1ddzzz"), (b"abc".to_vec(), true));
        assert_eq!(run_all("ctrl-] d", b"\x1dx"), (b"\x1dx".to_vec(), false));
        assert_eq!(run_all("ctrl-] d", b"\x1d\x1dd"), (b"\x1d".to_vec(), true));
        assert_eq!(run_all("ctrl-] d", b"d\x1d"), (b"d".to_vec(), false));
        assert_eq!(run_all("a a b", b"aaab"), (b"a".to_vec(), true));
        assert_eq!(
            run_all("ctrl-a ctrl-b x", b"\x01\x02\x01\x02x"),
            (b"\x01\x02".to_vec(), true)
        );
        assert_eq!(run_all("ctrl-] é", "\x1dé".as_bytes()), (vec![], true));
        assert_eq!(
            run_all("ctrl-] é", "\x1dè".as_bytes()),
            ("\x1dè".as_bytes().to_vec(), false)
        );
        assert_eq!(run_all("ctrl-space d", b"\x00d"), (vec![], true));
        assert_eq!(run_all("ctrl-] D", b"\x1dD"), (vec![], true));
        assert_eq!(run_all("ctrl-] D", b"\x1dd"), (b"\x1dd".to_vec(), false));
        assert_eq!(run_all("alt-x d", b"\x1bxd"), (vec![], true));
    }

    #[test]
    fn held_across_pushes() {
        let mut m = DetachMatcher::new(&seq("ctrl-] d"));
        let mut out = Vec::new();
        assert!(!m.push(b"ab\x1d", &mut out));
        assert_eq!((out.as_slice(), m.held()), (&b"ab"[..], &b"\x1d"[..]));
        assert!(m.push(b"d", &mut out));
        assert_eq!(out, b"ab");
        // Split inside a kitty report.
        let (out, done) = run("ctrl-] d", &[b"\x1b", b"[9", b"3;", b"5", b"u", b"d"]);
        assert_eq!((out, done), (vec![], true));
        let mut m = DetachMatcher::new(&seq("ctrl-] d"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1b[93;", &mut out));
        assert_eq!(m.take_held(), b"\x1b[93;");
        assert!(m.held().is_empty());
    }

    #[test]
    fn kitty_reports() {
        let yes: &[&[u8]] = &[
            b"\x1b[93;5ud",
            b"\x1b[93;5u\x1b[100u",
            b"\x1b[93;5:1u\x1b[100;1:1u",
            b"\x1b[93;5:2ud",                     // a repeat counts
            b"\x1b[93:125;5u\x1b[100::100;;100u", // alternate keys, text field
            b"\x1b[93;69ud",                      // caps lock on
            b"\x1b[93;5u\x1b[93;5:3ud",           // release swallowed
            b"\x1b[93;5u\x1b[93;5:3u\x1b[57442;1:3u\x1b[100u\x1b[100;1:3u", // report-all-keys
            b"\x1b[93;6ud",                       // shift ignored for ctrl chords
            b"\x1b[93;5u\x1b[57442;1:3u\x1b[93;1:3ud", // ctrl released first
            b"\x1b[93;5u\x1b[120;1:3ud",          // an earlier key's release
            b"\x1b[27;5;93~d",                    // modifyOtherKeys
            b"\x1d\x1b[100u",                     // mixed encodings
            b"\x1b[93;5ud",
        ];
        for input in yes {
            assert_eq!(
                run_all("ctrl-] d", input),
                (vec![], true),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        // A modifier key pressed before the chord is the program's.
        assert_eq!(
            run_all("ctrl-] d", b"\x1b[57442;5u\x1b[93;5u\x1b[100u"),
            (b"\x1b[57442;5u".to_vec(), true)
        );
        let no: &[&[u8]] = &[
            b"\x1b[93;5ux",
            b"\x1b[93;5u\x1b[93;5:3ux",
            b"\x1b[93;5:3ud",         // a release is not a press
            b"\x1b[93;3ud",           // alt-], not ctrl-]
            b"\x1b[93;13ud",          // ctrl-super-]
            b"\x1b[93;5u\x1b[100;2u", // shift-d
            b"\x1b[93;5u\x1b[100;5u", // ctrl-d
            b"\x1b[93ud",             // plain ]
            b"\x1b[27;3;93~d",
            b"\x1b[27;5;93:1~d",
            b"\x1b[93;5;1;1ud",
            b"\x1b[93;0ud",
            b"\x1b[;5ud",
        ];
        for input in no {
            assert_eq!(
                run_all("ctrl-] d", input),
                (input.to_vec(), false),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn kitty_named_and_shifted() {
        assert_eq!(run_all("esc enter", b"\x1b[27u\x1b[13u"), (vec![], true));
        assert_eq!(
            run_all("tab backspace", b"\x1b[9u\x1b[127u"),
            (vec![], true)
        );
        assert_eq!(run_all("tab backspace", b"\t\x7f"), (vec![], true));
        assert_eq!(
            run_all("tab space", b"\x1b[9;2u "),
            (b"\x1b[9;2u ".to_vec(), false)
        );
        assert_eq!(
            run_all("ctrl-] D", b"\x1b[93;5u\x1b[100;2u"),
            (vec![], true)
        );
        assert_eq!(
            run_all("ctrl-] D", b"\x1b[93;5u\x1b[100:68;2u"),
            (vec![], true)
        );
        assert_eq!(
            run_all("ctrl-] D", b"\x1b[93;5u\x1b[57441;2u\x1b[100:68;2u"),
            (vec![], true)
        );
        assert_eq!(run_all("ctrl-@ d", b"\x1b[50:64;6ud"), (vec![], true));
        assert_eq!(run_all("ctrl-space d", b"\x1b[32;5ud"), (vec![], true));
        assert_eq!(run_all("ctrl-a d", b"\x1b[97;5ud"), (vec![], true));
        assert_eq!(run_all("ctrl-A d", b"\x01d"), (vec![], true));
        assert_eq!(run_all("alt-x d", b"\x1b[120;3ud"), (vec![], true));
        assert_eq!(run_all("alt-x d", b"\x1b[27;3;120~d"), (vec![], true));
        assert_eq!(run_all("ctrl-] é", b"\x1b[93;5u\x1b[233u"), (vec![], true));
    }

    #[test]
    fn escape_sequences_pass_whole() {
        // An arrow typed mid-sequence breaks it; everything is forwarded in order.
        assert_eq!(
            run_all("ctrl-] d", b"\x1d\x1b[Ad"),
            (b"\x1d\x1b[Ad".to_vec(), false)
        );
        assert_eq!(
            run_all("ctrl-] d", b"\x1d\x1b[Ad\x1dd"),
            (b"\x1d\x1b[Ad".to_vec(), true)
        );
        // Keys inside escape sequences never start a match.
        assert_eq!(run_all("A B", b"\x1bOAB"), (b"\x1bOAB".to_vec(), false));
        assert_eq!(
            run_all("A B", b"\x1b[1;5AB"),
            (b"\x1b[1;5AB".to_vec(), false)
        );
        assert_eq!(run_all("u d", b"\x1b[?1ud"), (b"\x1b[?1ud".to_vec(), false));
        for input in [
            &b"\x1b[200~hello\x1b[201~"[..],
            b"\x1b[?1;2c",
            b"\x1b[?1u",
            b"\x1b[<0;10;5M",
            b"\x1b]11;rgb:0000/0000/0000\x1b\\",
            b"\x1bOP\x1b[15~\x1b[3;5~",
        ] {
            assert_eq!(
                run_all("ctrl-] d", input),
                (input.to_vec(), false),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        // A paste is not special (documented).
        assert_eq!(
            run_all("ctrl-] d", b"\x1b[200~a\x1dd"),
            (b"\x1b[200~a".to_vec(), true)
        );
    }

    #[test]
    fn lone_escape() {
        let mut m = DetachMatcher::new(&seq("ctrl-] d"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1b", &mut out));
        assert!(out.is_empty() && m.escape_pending(), "a lone ESC is held");
        assert!(!m.push(b"x", &mut out));
        assert_eq!(out, b"\x1bx");
        out.clear();
        assert!(!m.push(b"\x1b", &mut out));
        assert!(!m.timeout(&mut out));
        assert_eq!(out, b"\x1b");
        assert!(m.held().is_empty() && !m.escape_pending());
        // ESC then ctrl-]: the ctrl-] starts a match.
        assert_eq!(run_all("ctrl-] d", b"\x1b\x1dd"), (b"\x1b".to_vec(), true));
        assert_eq!(
            run_all("ctrl-] d", b"\x1d\x1bd"),
            (b"\x1d\x1bd".to_vec(), false)
        );
        // A matched press with nothing pending survives a timeout.
        let mut m = DetachMatcher::new(&seq("ctrl-] d"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1d", &mut out));
        assert!(!m.timeout(&mut out));
        assert!(m.push(b"d", &mut out) && out.is_empty());
        // ... but not a pending ESC after it.
        let mut m = DetachMatcher::new(&seq("ctrl-] d"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1d\x1b", &mut out));
        assert!(!m.timeout(&mut out));
        assert_eq!(out, b"\x1d\x1b");
    }

    #[test]
    fn esc_in_sequence() {
        assert_eq!(run_all("esc x", b"\x1bx"), (vec![], true));
        assert_eq!(run_all("esc x", b"\x1b[27ux"), (vec![], true));
        assert_eq!(run_all("esc x", b"\x1b[Ax"), (b"\x1b[Ax".to_vec(), false));
        assert_eq!(run_all("esc esc", b"\x1b\x1b\x1b"), (vec![], true));
        assert_eq!(run_all("ctrl-] esc", b"\x1d\x1bq"), (vec![], true));
        let mut m = DetachMatcher::new(&seq("ctrl-] esc"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1d\x1b", &mut out));
        assert!(
            m.timeout(&mut out),
            "a lone ESC after the timeout is the esc press"
        );
        assert!(out.is_empty());
        let mut m = DetachMatcher::new(&seq("esc x"));
        let mut out = Vec::new();
        assert!(!m.push(b"\x1b", &mut out));
        assert!(!m.timeout(&mut out));
        assert!(m.push(b"x", &mut out) && out.is_empty());
    }

    /// Forwarded bytes are always the input minus what is still held, in order.
    #[test]
    fn never_loses_or_reorders() {
        let alphabet: &[&[u8]] = &[
            b"\x1b",
            b"[",
            b"9",
            b"3",
            b";",
            b"5",
            b"u",
            b"d",
            b"x",
            b":",
            b"3",
            b"~",
            b"O",
            b"A",
            b"\x1d",
            b"\x1b[93;5u",
            b"\x1b[93;5:3u",
            b"\x1b[57442;1:3u",
            b"\x1b[A",
            b"27",
            b"\xc3",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..rand(12) {
                input.extend_from_slice(alphabet[rand(alphabet.len())]);
            }
            for sequence in ["ctrl-] d", "esc x", "a a b"] {
                let mut m = DetachMatcher::new(&seq(sequence));
                let mut out = Vec::new();
                let mut done = false;
                let mut rest = &input[..];
                while !rest.is_empty() && !done {
                    let n = 1 + rand(rest.len());
                    done = m.push(&rest[..n], &mut out);
                    rest = &rest[n..];
                }
                if done {
                    assert!(input.starts_with(&out), "{input:?} → {out:?}");
                } else {
                    out.extend_from_slice(m.held());
                    assert_eq!(out, input, "{sequence}");
                }
            }
        }
    }
}
