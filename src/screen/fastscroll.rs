//! Whole lines that scroll straight from the bytes into history.
//!
//! In a flood (a build log, `cat` of a big file) nearly every line printed
//! at the bottom of the screen scrolls off again before anyone looks at it,
//! and most history is dropped unread. Writing such a line into cells,
//! scrolling the grid and compacting the cells back into a history line is
//! most of what the model would cost.
//!
//! When the screen is in the state a log needs (primary screen, whole-screen
//! scroll region, autowrap, no insert mode or line drawing, the cursor at the
//! start of a blank bottom row), `FastScroll::run` reads ahead over complete
//! *simple* lines: printable text, plain SGR, tabs and `CSI K`, ended by
//! CR LF. Each of them only prints left to right and scrolls whole rows in at
//! the bottom. A line followed by at least a screen's worth of such rows
//! will have scrolled off by the end of the input, so history keeps it as
//! the bytes the program wrote (`RawLine`), with the pen and background it
//! started from; `materialize` turns it into text and style spans when
//! someone reads it. The rows above the cursor go to history first, as
//! scrolling would have sent them; history then drops that many rows when
//! the ordinary path, given the rest of the input, scrolls the (now stale)
//! rows off. `Screen::feed_ahead` may hold that rest back until more
//! output comes; the next run then resumes with the rows still stale. The
//! model ends in exactly the state the ordinary path alone reaches;
//! `tests/screen.rs` checks it against the parser-only path.

use std::collections::VecDeque;

use unicode_width::UnicodeWidthChar;

use super::cell::{Cell, Style};
use super::history::{raw_cost_bound, Line, RawLine};
use super::term::{apply_sgr_values, default_stop, Charset, Term, TAB_WIDTH};
use super::{parse_sgr, printable_run, SGR_MAX};

/// Longest line (bytes) taken this way; longer ones are rare and left to
/// the ordinary path.
const MAX_LINE: usize = 32 * 1024;

/// What reading one simple line found.
struct Scanned {
    /// Where the line ends (after its CR LF).
    end: usize,
    /// Screen rows it takes, at least (a line read in bulk counts one).
    rows: usize,
    /// Cells it takes.
    width: u32,
    /// The last character it printed (for REP).
    last_char: Option<char>,
    /// The pen after the line.
    pen: Style,
    /// The style of the blank row its line feed scrolled in.
    fill: Style,
}

/// A line read ahead, waiting to be known to scroll off.
struct Pending {
    /// Its bytes, CR LF included, start here.
    from: usize,
    scanned: Scanned,
    /// The pen and blank row it starts with.
    pen: Style,
    fill: Style,
}

#[derive(Default)]
pub(super) struct FastScroll {
    /// Lines read ahead, oldest first.
    pending: VecDeque<Pending>,
    /// The next run goes on where the last one stopped
    /// (`Screen::feed_ahead`), rows above the cursor still stale.
    resume: bool,
    /// Lines taken so far (tests check that the path is used at all).
    pub(super) taken_lines: u64,
}

impl FastScroll {
    /// Take the simple lines at `bytes[start..]` that will scroll off into
    /// history. Returns where the ordinary path goes on (after the last line
    /// taken; `start` when none was) and where reading ahead stopped (no
    /// point trying again before it).
    pub(super) fn run(&mut self, term: &mut Term, bytes: &[u8], start: usize) -> (usize, usize) {
        let resume = std::mem::take(&mut self.resume);
        // Rows of later lines that must follow a line for it to scroll off:
        // all the screen but the cursor's row.
        let keep = term.rows - 1;
        let Some(mut fill) = ready(term, resume) else {
            return (start, start);
        };
        let cols = term.cols;
        // `materialize` prints tabs with the default stops.
        let tabs = tab_stops(&term.tabs);
        let max_cost = term.history.max_bytes();
        let mut pen = term.style;
        let mut pos = start;
        let mut queued_rows = 0;
        let mut taken = start;
        let mut last = None;
        let mut last_char = None;
        let stop = loop {
            let scanned = match read_line(bytes, pos, pen, fill, cols, tabs) {
                // A line that alone could fill history is evicted row by row
                // by the ordinary path.
                Ok(s) if raw_cost_bound(s.end - pos, cols) <= max_cost => s,
                Ok(_) => break pos,
                // What stops a line the input cuts short (a sequence or a
                // character split across reads) is only known with the
                // rest of it: reading ahead stopped at the end.
                Err(at) if !bytes[at..].contains(&b'\n') => break bytes.len(),
                Err(at) => break at,
            };
            let from = pos;
            (pos, queued_rows) = (scanned.end, queued_rows + scanned.rows);
            let (next_pen, next_fill) = (scanned.pen, scanned.fill);
            self.pending.push_back(Pending {
                from,
                scanned,
                pen,
                fill,
            });
            (pen, fill) = (next_pen, next_fill);
            while self
                .pending
                .front()
                .is_some_and(|p| queued_rows - p.scanned.rows >= keep)
            {
                let Some(p) = self.pending.pop_front() else {
                    break;
                };
                if last.is_none() && !resume {
                    // The rows above the cursor scroll off first.
                    for row in term.primary.rows.range(..keep) {
                        term.history.push_row(row);
                    }
                }
                let s = &p.scanned;
                let raw = &bytes[p.from..s.end];
                term.history.push_raw(raw, p.pen, p.fill.bg, cols as u16);
                queued_rows -= s.rows;
                if s.last_char.is_some() {
                    last_char = s.last_char;
                }
                self.taken_lines += 1;
                last = Some(p.scanned);
            }
        };
        self.pending.clear();
        if let Some(s) = last {
            // The screen as the ordinary path would leave it after the last
            // line taken, but for the rows above the cursor, whose lines are
            // in history already and which the rest of the input scrolls off.
            term.history.skip_rows(keep);
            if let Some(row) = term.primary.rows.get_mut(keep) {
                row.clear(s.fill);
            }
            term.style = s.pen;
            if last_char.is_some() {
                term.last_char = last_char;
            }
            taken = s.end;
        }
        (taken, stop)
    }

    /// The caller stops where the last run did, and feeds the rest next
    /// time, before anything else. Rows still to be skipped are the stale
    /// rows a run left (the ordinary path has not scrolled since).
    pub(super) fn resume_at_next_run(&mut self, term: &Term) {
        self.resume = term.history.rows_to_skip() > 0;
    }
}

/// The screen state in which simple lines only print left to right on the
/// bottom row and scroll whole rows into history; the style of the blank
/// cursor row. `resume`: the last run left the rows above the cursor stale.
fn ready(term: &Term, resume: bool) -> Option<Style> {
    let bottom = term.rows - 1;
    let stale = if resume { bottom } else { 0 };
    let plain = !term.alt_active
        && term.cols >= 2
        && term.top == 0
        && term.bottom == bottom
        && term.primary.rows.len() == term.rows
        && term.cursor.row == bottom
        && term.cursor.col == 0
        && !term.cursor.pending_wrap
        && !term.modes.insert
        && term.modes.autowrap
        && term.charsets[term.gl as usize & 1] == Charset::Ascii
        && term.link == 0
        && term.history.rows_to_skip() == stale;
    if !plain {
        return None;
    }
    // Nothing above may continue into the cursor's row (it would join the
    // first line in history). Stale rows ended in a line the last run took.
    let joins = match bottom.checked_sub(1) {
        _ if resume => false,
        Some(above) => term.primary.rows[above].wrapped,
        None => term.history.continues(),
    };
    let row = &term.primary.rows[bottom];
    let fill = row.cells.first()?.style;
    let blank = Cell::blank(fill);
    let is_blank = fill == fill.erased()
        && !row.wrapped
        && !row.pad
        && row.marks.is_empty()
        && row.cells.iter().all(|&c| c == blank);
    (is_blank && !joins).then_some(fill)
}

/// Tab stops for `scan_into`: the default ones (every eight columns), or
/// none usable when the program set others.
#[derive(Clone, Copy)]
enum Tabs {
    Default,
    Custom,
}

fn tab_stops(tabs: &[bool]) -> Tabs {
    let default = tabs.iter().enumerate().all(|(c, &t)| t == default_stop(c));
    if default {
        Tabs::Default
    } else {
        Tabs::Custom
    }
}

/// Read one line to take: in bulk when that says where the pen ends up,
/// else cell by cell (`scan_into`).
fn read_line(
    bytes: &[u8],
    start: usize,
    pen: Style,
    fill: Style,
    cols: usize,
    tabs: Tabs,
) -> Result<Scanned, usize> {
    let bulk = scan_bulk(bytes, start, tabs)?;
    let end_pen = match bulk.pen {
        PenChange::None => pen,
        PenChange::Reset => Style::default(),
        PenChange::Other => return scan_into(bytes, start, pen, fill, cols, tabs, &mut Measure),
    };
    Ok(Scanned {
        end: bulk.end,
        rows: 1,
        width: 0,
        last_char: bulk.last_char,
        pen: end_pen,
        fill: end_pen.erased(),
    })
}

/// What a line read in bulk does to the pen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PenChange {
    /// No SGR at all.
    None,
    /// Its last SGR resets it (`CSI m`, `CSI 0 m`).
    Reset,
    /// Something only reading the values can tell.
    Other,
}

struct Bulk {
    end: usize,
    pen: PenChange,
    last_char: Option<char>,
}

/// Read one line of the kind `scan_into` takes without placing its cells:
/// most lines of a log end in an SGR reset or have no SGR at all, and where
/// they wrap or what their cells hold only matters to someone reading
/// history (`materialize`). Positions it cannot place the same way as the
/// ordinary path (a wide character at the margin, a tab or `CSI K` at a
/// pending wrap) still only change the line's own rows; `materialize`
/// reads such a line with the parser.
fn scan_bulk(bytes: &[u8], start: usize, tabs: Tabs) -> Result<Bulk, usize> {
    let mut p = start;
    let mut pen = PenChange::None;
    // Where the last character printed starts.
    let mut last_print = None;
    loop {
        let Some(&b) = bytes.get(p) else {
            return Err(p);
        };
        match b {
            0x20..=0x7e => {
                p += printable_run(&bytes[p..]);
                last_print = Some(p - 1);
            }
            0x80..=0xff => {
                let mut q = p;
                while let Some((ch, len)) = bytes.get(q..).and_then(decode_utf8) {
                    if !prints_simply(ch) {
                        return Err(q);
                    }
                    last_print = Some(q);
                    q += len;
                }
                if q == p {
                    return Err(p);
                }
                p = q;
            }
            0x1b => {
                if let Some((len, reset)) = sgr_shape(&bytes[p..]) {
                    pen = if reset {
                        PenChange::Reset
                    } else {
                        PenChange::Other
                    };
                    p += len;
                } else if let Some(seq) = erase_in_line(&bytes[p..]) {
                    p += seq;
                } else {
                    return Err(p);
                }
            }
            b'\t' if matches!(tabs, Tabs::Default) => p += 1,
            b'\r' if bytes.get(p + 1) == Some(&b'\n') => {
                p += 2;
                break;
            }
            _ => return Err(p),
        }
    }
    if p - start > MAX_LINE {
        return Err(p);
    }
    Ok(Bulk {
        end: p,
        pen,
        last_char: last_print.and_then(|i| char_at(bytes, i)),
    })
}

/// A character the simple paths print: one or two cells, not a C1 control
/// (executed) or a zero-width one (joins the cell before).
fn prints_simply(ch: char) -> bool {
    matches!(ch.width(), Some(1 | 2)) && !('\u{80}'..='\u{9f}').contains(&ch)
}

/// The character starting at `bytes[i]`.
fn char_at(bytes: &[u8], i: usize) -> Option<char> {
    match *bytes.get(i)? {
        b @ 0..=0x7f => Some(b as char),
        _ => decode_utf8(&bytes[i..]).map(|(ch, _)| ch),
    }
}

/// The length of `CSI K` or `CSI 0 K` at the start of `bytes`.
fn erase_in_line(bytes: &[u8]) -> Option<usize> {
    [b"\x1b[K".as_slice(), b"\x1b[0K".as_slice()]
        .into_iter()
        .find(|seq| bytes.starts_with(seq))
        .map(<[u8]>::len)
}

/// The length of the SGR `parse_sgr` would read at the start of `bytes`,
/// and whether it resets the pen whatever it was (a single value 0).
pub(super) fn sgr_shape(bytes: &[u8]) -> Option<(usize, bool)> {
    if bytes.get(1) != Some(&b'[') {
        return None;
    }
    // The same bounds as `parse_sgr`.
    let end = bytes.len().min(2 + 128);
    let mut separators = 0;
    let mut nonzero = false;
    let mut k = 2;
    while k < end {
        match bytes[k] {
            // One arm for all digits: which digit comes is unpredictable.
            b @ b'0'..=b'9' => nonzero |= b != b'0',
            b';' => {
                if separators + 2 >= SGR_MAX {
                    return None;
                }
                separators += 1;
            }
            b'm' => return Some((k + 1, separators == 0 && !nonzero)),
            _ => return None,
        }
        k += 1;
    }
    None
}

/// The history line a raw line (`RawLine`) stands for: its bytes printed
/// from where they started, as the ordinary path prints them.
pub(super) fn materialize(bytes: &[u8], origin: RawLine) -> Line {
    let fill = Style {
        bg: origin.fill,
        ..Style::default()
    };
    let mut sink = Build::default();
    let cols = origin.cols as usize;
    match scan_into(bytes, 0, origin.pen, fill, cols, Tabs::Default, &mut sink) {
        Ok(s) => {
            let mut line = Line {
                text: String::from_utf8(sink.text).unwrap_or_default(),
                spans: sink.spans,
                width: s.width,
                ..Line::default()
            };
            line.trim_end();
            line
        }
        // A line read in bulk that `scan_into` cannot place (`scan_bulk`):
        // the parser on a scratch screen can.
        Err(_) => materialize_slowly(bytes, origin, fill),
    }
}

fn materialize_slowly(bytes: &[u8], origin: RawLine, fill: Style) -> Line {
    let limits = super::Limits {
        lines: 1,
        bytes: usize::MAX,
    };
    let mut scratch = super::Screen::new(origin.cols, 1, limits);
    scratch.term.style = origin.pen;
    if let Some(row) = scratch.term.primary.rows.get_mut(0) {
        row.clear(fill);
    }
    scratch.feed_reference(bytes);
    scratch.term.history.pop_newest().unwrap_or_default()
}

/// Where a scanned line's text and style spans go.
trait Sink {
    /// Whether it keeps style spans (measuring needs none).
    const SPANS: bool;
    /// Text known to be UTF-8.
    fn text(&mut self, piece: &[u8]);
    fn spaces(&mut self, n: usize);
    fn span(&mut self, col: u32, style: Style);
}

/// Nowhere: the line is kept raw (`FastScroll::run`).
struct Measure;

impl Sink for Measure {
    const SPANS: bool = false;
    fn text(&mut self, _: &[u8]) {}
    fn spaces(&mut self, _: usize) {}
    fn span(&mut self, _: u32, _: Style) {}
}

/// Into a history line (`materialize`).
#[derive(Default)]
struct Build {
    text: Vec<u8>,
    spans: Vec<(u32, Style)>,
}

impl Sink for Build {
    const SPANS: bool = true;
    fn text(&mut self, piece: &[u8]) {
        self.text.extend_from_slice(piece);
    }
    fn spaces(&mut self, n: usize) {
        self.text.resize(self.text.len() + n, b' ');
    }
    fn span(&mut self, col: u32, style: Style) {
        self.spans.push((col, style));
    }
}

/// Read one simple line at `bytes[start..]`, starting with `pen` on a blank
/// row in `fill`, giving its text and spans (as history holds them) to
/// `sink`. `Err` gives where it stopped being simple, or the end of the
/// input when it is cut short.
fn scan_into(
    bytes: &[u8],
    start: usize,
    mut pen: Style,
    fill: Style,
    cols: usize,
    tabs: Tabs,
    sink: &mut impl Sink,
) -> Result<Scanned, usize> {
    let mut row = RowTrack {
        cols,
        col: 0,
        rows: 1,
        fill,
        cur: Style::default(),
        x: 0,
    };
    let mut last_char = None;
    let mut p = start;
    loop {
        let Some(&b) = bytes.get(p) else {
            return Err(p);
        };
        match b {
            0x20..=0x7e => {
                let n = printable_run(&bytes[p..]);
                let mut q = 0;
                while q < n {
                    row.make_room(pen);
                    let k = (n - q).min(cols - row.col);
                    row.cells(sink, pen, k);
                    q += k;
                }
                sink.text(&bytes[p..p + n]);
                last_char = Some(bytes[p + n - 1] as char);
                p += n;
            }
            0x80..=0xff => {
                let mut q = p;
                while let Some((ch, len)) = bytes.get(q..).and_then(decode_utf8) {
                    let width = match ch.width() {
                        Some(w) if prints_simply(ch) => w,
                        _ => return Err(q),
                    };
                    row.make_room(pen);
                    // A wide character that does not fit leaves a pad cell.
                    if row.col + width > cols {
                        return Err(q);
                    }
                    row.cells(sink, pen, width);
                    last_char = Some(ch);
                    q += len;
                }
                // Invalid or cut UTF-8 is left to the ordinary path.
                if q == p {
                    return Err(p);
                }
                sink.text(&bytes[p..q]);
                p = q;
            }
            0x1b => {
                let mut values = [0u16; SGR_MAX];
                if let Some((len, count)) = parse_sgr(&bytes[p..], &mut values) {
                    apply_sgr_values(&mut pen, &values[..count]);
                    p += len;
                } else {
                    // `CSI K` / `CSI 0 K` turns the rest of the row (blank
                    // so far) into blanks of the pen's background; at a
                    // pending wrap the parser's rule applies (`erase_line`).
                    match erase_in_line(&bytes[p..]) {
                        Some(len) if row.col < cols => {
                            row.fill = pen.erased();
                            p += len;
                        }
                        _ => return Err(p),
                    }
                }
            }
            b'\t' => {
                // A tab at a pending wrap stays on the last cell, which the
                // next character then overwrites: not simple.
                if row.col == cols || matches!(tabs, Tabs::Custom) {
                    return Err(p);
                }
                let next = ((row.col / TAB_WIDTH + 1) * TAB_WIDTH).min(cols - 1);
                // The cells passed over keep their blanks.
                let gap = next - row.col;
                let fill = row.fill;
                row.cells(sink, fill, gap);
                sink.spaces(gap);
                p += 1;
            }
            b'\r' if bytes.get(p + 1) == Some(&b'\n') => {
                p += 2;
                break;
            }
            _ => return Err(p),
        }
    }
    // Checked once: the input is at most a batch, so reading a long line
    // to its end costs no more than the ordinary path would.
    if p - start > MAX_LINE {
        return Err(p);
    }
    // The rest of the last row is blank in its fill; history keeps such
    // blanks unless they are default ones.
    if !row.fill.is_default() && row.col < cols {
        let gap = cols - row.col;
        let fill = row.fill;
        row.cells(sink, fill, gap);
        sink.spaces(gap);
    }
    Ok(Scanned {
        end: p,
        rows: row.rows,
        width: row.x,
        last_char,
        pen,
        fill: pen.erased(),
    })
}

/// The character at the start of `b` and its length, if `b` starts with a
/// complete, valid UTF-8 sequence of two to four bytes (the rules of
/// `str::from_utf8`: no overlong forms, surrogates or values past U+10FFFF).
#[inline]
fn decode_utf8(b: &[u8]) -> Option<(char, usize)> {
    let cont = |i: usize| {
        b.get(i)
            .filter(|&&c| c & 0xc0 == 0x80)
            .map(|&c| (c & 0x3f) as u32)
    };
    let lead = *b.first()?;
    let (len, value) = match lead {
        0xc2..=0xdf => (2, (lead as u32 & 0x1f) << 6 | cont(1)?),
        0xe0..=0xef => {
            let second = match (lead, *b.get(1)?) {
                (0xe0, 0xa0..=0xbf)
                | (0xe1..=0xec | 0xee..=0xef, 0x80..=0xbf)
                | (0xed, 0x80..=0x9f) => cont(1)?,
                _ => return None,
            };
            (3, (lead as u32 & 0x0f) << 12 | second << 6 | cont(2)?)
        }
        0xf0..=0xf4 => {
            let second = match (lead, *b.get(1)?) {
                (0xf0, 0x90..=0xbf) | (0xf1..=0xf3, 0x80..=0xbf) | (0xf4, 0x80..=0x8f) => cont(1)?,
                _ => return None,
            };
            (
                4,
                (lead as u32 & 0x07) << 18 | second << 12 | cont(2)? << 6 | cont(3)?,
            )
        }
        _ => return None,
    };
    Some((char::from_u32(value)?, len))
}

/// Where a simple line is on the screen rows it takes, and the style spans
/// of its cells.
struct RowTrack {
    cols: usize,
    /// Column of the next cell; `cols` stands for a pending wrap.
    col: usize,
    /// Rows taken so far.
    rows: usize,
    /// The style of the current row's blanks.
    fill: Style,
    /// The style of the last cell: a span starts where it changes.
    cur: Style,
    /// Cells of the line so far.
    x: u32,
}

impl RowTrack {
    /// Before a character: at a pending wrap, continue on a new row, which
    /// scrolls in blank in the pen's background.
    fn make_room(&mut self, pen: Style) {
        if self.col == self.cols {
            self.rows += 1;
            self.col = 0;
            self.fill = pen.erased();
        }
    }

    /// `n` cells in `style` (their text is the caller's); they fit on the row.
    fn cells<S: Sink>(&mut self, sink: &mut S, style: Style, n: usize) {
        if n == 0 {
            return;
        }
        if S::SPANS && style != self.cur {
            sink.span(self.x, style);
            self.cur = style;
        }
        self.col += n;
        self.x += n as u32;
    }
}
