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
//! - Sizes are clamped to `1..=MAX_COLS` x `1..=MAX_ROWS` so that a bogus
//!   window size cannot make the model allocate gigabytes.

pub mod cell;
pub mod grid;
pub mod history;
pub mod render;
pub mod term;

use history::History;
use term::Term;

/// Widest screen the model keeps; wider requests are clamped.
pub const MAX_COLS: u16 = 2000;
/// Tallest screen the model keeps; taller requests are clamped.
pub const MAX_ROWS: u16 = 1000;
/// Longest OSC string passed to the parser. `vte` buffers OSC payloads
/// without a bound, so longer ones are cut here (we only use titles).
const MAX_OSC: usize = 4096;

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
        }
    }

    /// Feed program output.
    pub fn feed(&mut self, bytes: &[u8]) {
        // The parser sees every byte except the tail of an over-long OSC
        // string; this loop only looks for ESC and OSC terminators.
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
                        // The terminator reaches the parser and ends the
                        // (truncated) string there.
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
