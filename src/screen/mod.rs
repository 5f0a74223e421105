//! The screen model: bytes in, cells out. Pure: no fds, clock or environment.
//!
//! `vte` parses the program's output; [`term::Term`] applies each action to
//! two grids (primary and alternate screen), the cursor, the modes and the
//! scrollback. [`render`] turns the model back into bytes for a terminal
//! (re-attach, resync) or into text (`logs`, snapshots, golden tests).
//!
//! Design notes:
//! - A cell is a 24-byte `Copy` value (char, style, flags). Combining marks
//!   live in a per-row side table keyed by column, so cells stay small and
//!   printing plain text never allocates.
//! - Rows are preallocated and kept in a `VecDeque`; a full-screen scroll
//!   rotates the ring instead of moving cells.
//! - Scrollback stores logical lines (soft-wrapped rows joined) as text plus
//!   style spans ([`history::Line`]), bounded by both `Limits::lines` and
//!   `Limits::bytes`; it does not depend on the screen width.
//! - In a flood, whole simple lines that will scroll off skip the cells and
//!   go to history as the bytes they were (`fastscroll`).
//! - `Screen::feed` keeps `vte` out of the common case: while the parser
//!   is known to be in its ground state, text and plain `CSI ... m` are
//!   applied directly (printable ASCII stored in bulk), with exactly the
//!   calls `vte` would make; `tests/screen.rs` checks this against the
//!   parser-only path (`feed_reference`).
//! - Sizes are clamped to `1..=MAX_COLS` x `1..=MAX_ROWS` so that a bogus
//!   window size cannot make the model allocate gigabytes.

pub mod cell;
mod fastscroll;
pub mod grid;
pub mod history;
pub mod render;
pub mod term;

use history::History;
use term::Term;
use vte::Perform;

/// Widest screen the model keeps; wider requests are clamped.
pub const MAX_COLS: u16 = 2000;
/// Tallest screen the model keeps; taller requests are clamped.
pub const MAX_ROWS: u16 = 1000;
/// Longest OSC string passed to the parser. `vte` buffers OSC payloads
/// without a bound, so longer ones are cut here (we only use titles).
const MAX_OSC: usize = 4096;
/// Bytes given to the parser at a time while `feed` waits for it to get
/// back to its ground state.
const PARSE_STEP: usize = 256;

/// How much history a screen keeps: both limits apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub lines: usize,
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            lines: 10_000,
            bytes: 4 << 20,
        }
    }
}

/// Where the OSC length guard is in the byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Osc {
    /// Outside any OSC string.
    Ground,
    /// Just saw ESC: a `]` starts an OSC string.
    Esc,
    /// Inside an OSC string, this many bytes so far.
    In(usize),
    /// Inside an OSC string that got too long: dropping bytes until its end.
    Skip,
}

fn osc_end(b: u8) -> bool {
    // BEL ends it; CAN and SUB abort it; ESC ends it and starts a sequence.
    matches!(b, 0x07 | 0x18 | 0x1a | 0x1b)
}

pub struct Screen {
    parser: vte::Parser,
    term: Term,
    osc: Osc,
    /// The parser is in its ground state with no partial UTF-8 character:
    /// `feed` may handle text itself.
    ground: bool,
    /// With `ground`: the start of a UTF-8 character cut off by the end of
    /// the last input (what `vte` would have kept), `stash_len` bytes.
    stash: [u8; 4],
    stash_len: usize,
    fast: fastscroll::FastScroll,
}

/// Parameters `parse_sgr` takes: `vte` keeps at most 32, and the edge is
/// left to it.
const SGR_MAX: usize = 32;

/// A complete `CSI Ps ; ... m` at the start of `bytes` with only digits and
/// `;`, read as `vte` reads it (values saturate at 65535, an empty one is 0):
/// its length and the number of values stored in `values`.
fn parse_sgr(bytes: &[u8], values: &mut [u16; SGR_MAX]) -> Option<(usize, usize)> {
    if bytes.get(1) != Some(&b'[') {
        return None;
    }
    let mut n = 0;
    // Below 65536 * 10 + 9 at every step, so u32 never overflows; clamping
    // each step is what saturating u16 arithmetic does.
    let mut cur: u32 = 0;
    let end = bytes.len().min(2 + 128);
    let mut k = 2;
    while k < end {
        match bytes[k] {
            b @ b'0'..=b'9' => cur = (cur * 10 + (b - b'0') as u32).min(u16::MAX as u32),
            b';' => {
                if n + 2 >= SGR_MAX {
                    return None;
                }
                values[n] = cur as u16;
                n += 1;
                cur = 0;
            }
            b'm' => {
                values[n] = cur as u16;
                return Some((k + 1, n + 1));
            }
            _ => return None,
        }
        k += 1;
    }
    None
}

/// The length of the printable ASCII (0x20..=0x7e) at the start of `b`,
/// eight bytes at a time: most output is long runs of it.
pub(crate) fn printable_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        // Cannot fail: the chunk has eight bytes. Zeros would stop the run.
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let low = w & !HIGH;
        // Per byte, the high bit ends up set when the byte is 0x80 or more,
        // its low seven bits are 0x7f (DEL), or they are below 0x20. No sum
        // carries into the next byte.
        let stop = (w | (low + ONES) | !(low + 0x60 * ONES)) & HIGH;
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = &b[i..];
    i + rest
        .iter()
        .position(|c| !(0x20..0x7f).contains(c))
        .unwrap_or(rest.len())
}

/// Bytes of ordinary output after a `fastscroll` try that took nothing
/// before the next try: trying costs a read-ahead.
const FAST_RETRY_GAP: usize = 2048;

/// Most output `Screen::feed_ahead` leaves for the next call: some
/// screenfuls of lines.
pub const FEED_AHEAD_MAX: usize = 32 * 1024;

/// The index after the first line feed at or after `from` (or the end).
fn after_newline(bytes: &[u8], from: usize) -> usize {
    match bytes
        .get(from..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
    {
        Some(p) => from + p + 1,
        None => bytes.len(),
    }
}

fn clamp_size(cols: u16, rows: u16) -> (usize, usize) {
    (
        cols.clamp(1, MAX_COLS) as usize,
        rows.clamp(1, MAX_ROWS) as usize,
    )
}

impl Screen {
    pub fn new(cols: u16, rows: u16, limits: Limits) -> Screen {
        let (cols, rows) = clamp_size(cols, rows);
        Screen {
            parser: vte::Parser::new(),
            term: Term::new(cols, rows, History::new(limits.lines, limits.bytes)),
            osc: Osc::Ground,
            ground: true,
            stash: [0; 4],
            stash_len: 0,
            fast: fastscroll::FastScroll::default(),
        }
    }

    /// Feed program output.
    ///
    /// While the parser is known to be in its ground state (no sequence
    /// under way, no partial UTF-8 character), text up to the next ESC is
    /// handled here without `vte`: the same print/execute calls its ground
    /// state would make, with runs of printable ASCII written in bulk.
    /// Everything from an ESC on goes through the parser until it signals
    /// (`Perform::terminated`) that a dispatched sequence brought it back to
    /// ground.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.feed_until(bytes, false);
    }

    /// Feed program output that more output is known to follow: stop
    /// before a tail of whole lines that would scroll straight into history
    /// (`fastscroll`) if only a screenful more came after them. Returns how
    /// many bytes were fed, at least all but `FEED_AHEAD_MAX`; the caller
    /// passes the rest again, with what follows, to `feed` or `feed_ahead`,
    /// and must do so before anything else reads or changes the screen.
    ///
    /// A flood fed in pieces then costs what it costs fed whole: otherwise
    /// the last screenful of every piece takes the ordinary path.
    pub fn feed_ahead(&mut self, bytes: &[u8]) -> usize {
        self.feed_until(bytes, true)
    }

    fn feed_until(&mut self, bytes: &[u8], ahead: bool) -> usize {
        let mut i = 0;
        // Where whole lines are worth trying next (`fastscroll`): a line
        // start, and after a try that took nothing, not for a while.
        let mut fast_from = 0;
        while i < bytes.len() {
            if self.stash_len > 0 {
                i = self.finish_partial(bytes, i);
            } else if self.ground {
                if i >= fast_from {
                    let (taken, stop) = self.fast.run(&mut self.term, bytes, i);
                    if ahead && stop == bytes.len() && bytes.len() - taken <= FEED_AHEAD_MAX {
                        self.fast.resume_at_next_run(&self.term);
                        return taken;
                    }
                    // A try that read whole lines in vain waits a while; one
                    // that could not start (not at a line start) does not.
                    let retry = if taken > i || stop == i {
                        stop
                    } else {
                        stop.max(i + FAST_RETRY_GAP)
                    };
                    i = taken;
                    fast_from = after_newline(bytes, retry);
                }
                i = self.feed_ground(&bytes[..fast_from], i);
            } else {
                i = self.feed_parser(bytes, i);
            }
        }
        i
    }

    /// Ground-state text from `i` up to the next ESC (which is left for the
    /// parser). Mirrors `vte`'s `advance_ground` exactly.
    fn feed_ground(&mut self, bytes: &[u8], mut i: usize) -> usize {
        // ASCII and plain SGR, the bulk of most output, in one loop.
        loop {
            let Some(&b) = bytes.get(i) else {
                return i;
            };
            if b == 0x1b {
                match self.try_sgr(&bytes[i..]) {
                    Some(n) => i += n,
                    None => {
                        // The ESC goes to the parser, which leaves ground.
                        self.ground = false;
                        return i;
                    }
                }
            } else if b < 0x80 {
                // ASCII needs no UTF-8 validation.
                i += self.term.ground_ascii(&bytes[i..]);
            } else {
                break;
            }
        }
        let rest = &bytes[i..];
        let run_len = rest.iter().position(|&b| b == 0x1b).unwrap_or(rest.len());
        let run = &rest[..run_len];
        let at_esc = run_len < rest.len();
        match std::str::from_utf8(run) {
            Ok(text) => {
                self.term.ground_text(text);
                i + run_len
            }
            Err(err) => {
                let valid = err.valid_up_to();
                // The first `valid_up_to` bytes are UTF-8, so this cannot fail.
                let text = std::str::from_utf8(&run[..valid]).unwrap_or_default();
                self.term.ground_text(text);
                match err.error_len() {
                    Some(len) => {
                        if len == 1 && run[valid] <= 0x9f {
                            self.term.execute(run[valid]);
                        } else {
                            self.term.print('\u{fffd}');
                        }
                        i + valid + len
                    }
                    None if at_esc => {
                        // A character cut off by ESC.
                        self.term.print('\u{fffd}');
                        i + run_len
                    }
                    None => {
                        // Cut off by the end of the input: keep the start of
                        // the character, as the parser would have.
                        let tail = &run[valid..];
                        self.stash[..tail.len()].copy_from_slice(tail);
                        self.stash_len = tail.len();
                        i + run_len
                    }
                }
            }
        }
    }

    /// `bytes` starts with ESC, the parser is in ground: a complete plain
    /// SGR (`parse_sgr`) is applied here, as `vte` would dispatch it, and the
    /// parser stays in ground. Returns the bytes taken, or `None` for
    /// anything else (left to the parser).
    fn try_sgr(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut values = [0u16; SGR_MAX];
        let (len, n) = parse_sgr(bytes, &mut values)?;
        self.term.sgr_values(&values[..n]);
        Some(len)
    }

    /// The start of a UTF-8 character was kept at the end of the last
    /// input: complete it exactly as `vte`'s `advance_partial_utf8` does
    /// (including which bytes it consumes when the input is invalid).
    fn finish_partial(&mut self, bytes: &[u8], i: usize) -> usize {
        let old = self.stash_len;
        let copy = (bytes.len() - i).min(self.stash.len() - old);
        let mut buf = self.stash;
        buf[old..old + copy].copy_from_slice(&bytes[i..i + copy]);
        let total = old + copy;
        let first = |b: &[u8]| std::str::from_utf8(b).ok().and_then(|s| s.chars().next());
        match std::str::from_utf8(&buf[..total]) {
            Ok(text) => {
                self.stash_len = 0;
                let c = text.chars().next().unwrap_or('\u{fffd}');
                self.term.print(c);
                i + c.len_utf8() - old
            }
            Err(err) => {
                let valid = err.valid_up_to();
                if valid > 0 {
                    self.stash_len = 0;
                    if let Some(c) = first(&buf[..valid]) {
                        self.term.print(c);
                    }
                    return i + valid - old;
                }
                match err.error_len() {
                    Some(len) => {
                        self.stash_len = 0;
                        self.term.print('\u{fffd}');
                        i + len.saturating_sub(old)
                    }
                    None => {
                        self.stash = buf;
                        self.stash_len = total;
                        i + copy
                    }
                }
            }
        }
    }

    /// Give the parser bytes from `i`, through the OSC length guard, until
    /// it is back in ground after a sequence or a guard step ends.
    fn feed_parser(&mut self, bytes: &[u8], i: usize) -> usize {
        match self.osc {
            Osc::Ground => {
                // Up to and including the next ESC, in steps of at most
                // `PARSE_STEP` bytes (the parser usually stops much earlier,
                // at the end of a sequence). An ESC that starts anything but
                // an OSC string is part of the step: the guard is back in
                // ground after its second byte.
                let mut from = i;
                if bytes[i] == 0x1b && bytes.get(i + 1).is_some_and(|&b| b != b']' && b != 0x1b) {
                    from = i + 2;
                }
                let lim = bytes.len().min(from + PARSE_STEP);
                let end = match bytes[from..lim].iter().position(|&b| b == 0x1b) {
                    Some(p) => from + p + 1,
                    None => lim,
                };
                let n = self.parse(&bytes[i..end]);
                if !self.ground && end > from && bytes[end - 1] == 0x1b {
                    self.osc = Osc::Esc;
                }
                i + n
            }
            Osc::Esc => {
                let b = bytes[i];
                self.parse(&bytes[i..i + 1]);
                self.osc = if self.ground {
                    Osc::Ground
                } else {
                    match b {
                        b']' => Osc::In(0),
                        0x1b => Osc::Esc,
                        _ => Osc::Ground,
                    }
                };
                i + 1
            }
            Osc::In(len) => {
                let end = bytes.len().min(i + (MAX_OSC - len));
                match bytes[i..end].iter().position(|&b| osc_end(b)) {
                    Some(p) => {
                        let n = self.parse(&bytes[i..i + p + 1]);
                        if !self.ground {
                            self.osc = if bytes[i + p] == 0x1b {
                                Osc::Esc
                            } else {
                                Osc::Ground
                            };
                        }
                        i + n
                    }
                    None => {
                        let n = self.parse(&bytes[i..end]);
                        if !self.ground {
                            let len = len + (end - i);
                            self.osc = if len >= MAX_OSC {
                                Osc::Skip
                            } else {
                                Osc::In(len)
                            };
                        }
                        i + n
                    }
                }
            }
            Osc::Skip => match bytes[i..].iter().position(|&b| osc_end(b)) {
                Some(p) => {
                    // The terminator reaches the parser and ends the
                    // (truncated) string there.
                    self.osc = Osc::In(0);
                    i + p
                }
                None => bytes.len(),
            },
        }
    }

    /// Run the parser over `bytes` until a sequence it dispatched left it in
    /// ground (then `self.ground` is set and the guard is reset). Returns
    /// the bytes consumed.
    fn parse(&mut self, bytes: &[u8]) -> usize {
        self.term.seq_done = false;
        let n = self.parser.advance_until_terminated(&mut self.term, bytes);
        if self.term.seq_done {
            self.term.seq_done = false;
            self.ground = true;
            self.osc = Osc::Ground;
        }
        n
    }

    /// `feed` as it was before the ground-state fast path: every byte through
    /// `vte`. Kept only so that tests can check that both agree; do not mix
    /// the two on one screen.
    #[doc(hidden)]
    pub fn feed_reference(&mut self, bytes: &[u8]) {
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match self.osc {
                Osc::Ground => match bytes[i..].iter().position(|&b| b == 0x1b) {
                    Some(p) => {
                        i += p + 1;
                        self.osc = Osc::Esc;
                    }
                    None => break,
                },
                Osc::Esc => {
                    self.osc = match bytes[i] {
                        b']' => Osc::In(0),
                        0x1b => Osc::Esc,
                        _ => Osc::Ground,
                    };
                    i += 1;
                }
                Osc::In(len) => {
                    let end = bytes.len().min(i + (MAX_OSC - len));
                    match bytes[i..end].iter().position(|&b| osc_end(b)) {
                        Some(p) => {
                            self.osc = if bytes[i + p] == 0x1b {
                                Osc::Esc
                            } else {
                                Osc::Ground
                            };
                            i += p + 1;
                        }
                        None => {
                            let len = len + (end - i);
                            i = end;
                            if len >= MAX_OSC {
                                self.parser.advance(&mut self.term, &bytes[start..i]);
                                start = i;
                                self.osc = Osc::Skip;
                            } else {
                                self.osc = Osc::In(len);
                            }
                        }
                    }
                }
                Osc::Skip => match bytes[i..].iter().position(|&b| osc_end(b)) {
                    Some(p) => {
                        i += p;
                        start = i;
                        self.osc = Osc::In(0);
                    }
                    None => {
                        i = bytes.len();
                        start = i;
                    }
                },
            }
        }
        self.parser.advance(&mut self.term, &bytes[start..]);
    }

    /// Resize. A width change re-wraps the primary screen: soft-wrapped rows
    /// (and the history line the top row continues) are joined and split
    /// again, the cursor follows its cell. The alternate screen is cut or
    /// padded, since its program redraws anyway. Shrinking the height drops
    /// blank rows below the cursor, then pushes top rows of the primary
    /// screen into history so the cursor row stays visible; growing pulls
    /// history lines back, split at the new width. History keeps logical
    /// lines, so narrowing and widening again loses no text. The scroll
    /// region is reset, as xterm does; cursor, saved cursors and tab stops
    /// are clamped.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (cols, rows) = clamp_size(cols, rows);
        self.term.resize(cols, rows);
    }

    /// (cols, rows)
    pub fn size(&self) -> (u16, u16) {
        (self.term.cols as u16, self.term.rows as u16)
    }

    /// Answers to queries (DSR 5/6, DA1, DA2, DECRQM, CSI 18 t) that the
    /// program asked since the last call. At most 4 KiB are kept.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.term.replies)
    }

    /// Cursor as (row, col), 0-based.
    pub fn cursor(&self) -> (u16, u16) {
        (self.term.cursor.row as u16, self.term.cursor.col as u16)
    }

    pub fn title(&self) -> &str {
        &self.term.title
    }

    pub fn alternate_active(&self) -> bool {
        self.term.alt_active
    }

    /// Lines in the scrollback.
    pub fn history_len(&self) -> usize {
        self.term.history.len()
    }

    /// Bytes charged against `Limits::bytes`.
    /// Lines that went to history without cells (`fastscroll`), for tests.
    pub fn fast_lines(&self) -> u64 {
        self.fast.taken_lines
    }

    pub fn history_bytes(&self) -> usize {
        self.term.history.bytes()
    }

    /// The whole model state, for the renderer and for tests.
    pub fn term(&self) -> &Term {
        &self.term
    }

    /// Compare what a terminal would show and how it would behave: visible
    /// cells with their hyperlinks (and the primary screen under an active
    /// alternate one), cursor (with pending wrap), pen, modes, margins, charsets, tab stops, kitty
    /// flags, title and saved cursors. History, the inactive alternate screen
    /// and transient state (?2026) are not compared. `Err` names the first
    /// difference.
    pub fn state_eq(&self, other: &Screen) -> Result<(), String> {
        let (a, b) = (&self.term, &other.term);
        macro_rules! same {
            ($what:expr, $x:expr, $y:expr) => {
                if $x != $y {
                    return Err(format!("{}: {:?} != {:?}", $what, $x, $y));
                }
            };
        }
        same!("size", (a.cols, a.rows), (b.cols, b.rows));
        same!("alternate screen", a.alt_active, b.alt_active);
        let mut grids = vec![("screen", a.grid(), b.grid())];
        if a.alt_active {
            grids.push(("primary", &a.primary, &b.primary));
        }
        for (name, ga, gb) in grids {
            for (r, (ra, rb)) in ga.rows.iter().zip(gb.rows.iter()).enumerate() {
                for (c, (ca, cb)) in ra.cells.iter().zip(rb.cells.iter()).enumerate() {
                    let what = || format!("{name} cell {r},{c}");
                    // Link ids are per model: compare what they point to.
                    let unlinked = |x: &cell::Cell| cell::Cell { link: 0, ..*x };
                    same!(what(), unlinked(ca), unlinked(cb));
                    same!(what(), a.link_target(ca.link), b.link_target(cb.link));
                    same!(what(), ra.marks_at(c), rb.marks_at(c));
                }
            }
        }
        same!("cursor", a.cursor, b.cursor);
        same!("pen", a.style, b.style);
        same!("pen link", a.link_target(a.link), b.link_target(b.link));
        same!("modes", a.modes, b.modes);
        same!("scroll region", (a.top, a.bottom), (b.top, b.bottom));
        same!("charsets", (a.charsets, a.gl), (b.charsets, b.gl));
        same!("tab stops", a.tabs, b.tabs);
        same!("kitty flags", a.kitty[0], b.kitty[0]);
        same!("saved cursor", a.saved[0], b.saved[0]);
        if a.alt_active {
            same!("alt kitty flags", a.kitty[1], b.kitty[1]);
            same!("alt saved cursor", a.saved[1], b.saved[1]);
        }
        same!("title", a.title, b.title);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
