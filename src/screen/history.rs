//! Scrollback: lines that scrolled off the top of the primary screen.
//!
//! History holds logical lines: a row that was soft-wrapped is joined with
//! the row after it when that one scrolls off too. History is therefore
//! independent of the screen width; the screen re-wraps on resize and lines
//! move between screen and history without loss (see `Term::resize`).
//!
//! Each line is stored compactly as its text plus a run-length list of style
//! spans, trimmed of trailing default blanks: an 80-column ASCII line costs
//! about 80 bytes plus one span per style change, not 80 cells of 24 bytes.
//! A line that went to history straight from the program's output
//! (`fastscroll`) is kept as those bytes in one ring (`History::raw`) and
//! worked out when read (`History::iter_from`): in a flood most history is
//! dropped unread. Both limits (lines and bytes) apply; the oldest lines go
//! first.

use std::collections::VecDeque;

use unicode_width::UnicodeWidthChar;

use std::borrow::Cow;

use super::cell::{flag, Cell, Color, Style};
use super::grid::Row;

/// A logical line stops growing at about this many bytes of text and the
/// next row starts a new line (still marked as continued). Without it an
/// endless line would be one buffer that doubles to twice the byte limit
/// before it is evicted whole.
const MAX_LINE_TEXT: usize = 256 * 1024;

/// Fixed cost charged per line on top of its text and spans (the `Line`
/// struct and its two heap blocks), so that many empty lines still count.
const LINE_OVERHEAD: usize = 64;

/// Bytes one style span costs.
const SPAN_COST: usize = std::mem::size_of::<(u32, Style)>();

/// Smallest text and span buffers a stored line gets.
const MIN_TEXT: usize = 16;
const MIN_SPANS: usize = 2;

/// Spare buffers kept per size class for the next lines.
const POOL_PER_CLASS: usize = 32;

/// The capacity a stored line's buffer of `len` items has: the next power of
/// two (at least `min`), none when empty. A pure function of the length, so
/// that a line costs the same however it was built (`fastscroll` builds
/// lines without cells) and never more than twice what it holds.
fn class_cap(len: usize, min: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.checked_next_power_of_two().unwrap_or(len).max(min)
    }
}

/// One history line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// Cell text left to right: wide characters once (their spacer cell has
    /// no text), combining marks after their base character.
    pub text: String,
    /// `(column, style)`: the style of cells from `column` up to the next span.
    /// Empty when the whole line is in the default style.
    pub spans: Vec<(u32, Style)>,
    /// Width in cells.
    pub width: u32,
    /// The line continues on the top row of the screen (it was soft-wrapped
    /// there and has not scrolled off yet).
    pub wrapped: bool,
    /// `Row::pad` of the last row joined.
    pub pad: bool,
}

/// A line kept as the bytes the program wrote (`fastscroll`), which are in
/// `History::raw`: what printing them starts from is a blank row of `cols`
/// cells in the background `fill`, with `pen`. Text and spans are worked
/// out when it is read (`History::iter_from`); in a flood most history is
/// dropped unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawLine {
    pub pen: Style,
    pub fill: Color,
    pub cols: u16,
    pub len: u32,
}

/// The most a raw line of `raw_len` bytes on a row of `cols` could cost as
/// text and spans: its text is at most its bytes plus a row of blanks, and
/// each span needs at least a byte of it.
pub(super) fn raw_cost_bound(raw_len: usize, cols: usize) -> usize {
    Line::cost_of(raw_len + cols, raw_len + 1)
}

/// What history holds for one line.
#[derive(Clone, Debug)]
enum Entry {
    Line(Line),
    Raw(RawLine),
}

impl Entry {
    fn cost(&self) -> usize {
        match self {
            Entry::Line(l) => l.cost(),
            Entry::Raw(r) => LINE_OVERHEAD + r.len as usize,
        }
    }

    fn raw_len(&self) -> usize {
        match self {
            Entry::Line(_) => 0,
            Entry::Raw(r) => r.len as usize,
        }
    }
}
/// Cells of `row` that hold content: all of them when the row wrapped (a
/// space at the margin is part of the text), else up to the last non-blank.
fn content(row: &Row) -> &[Cell] {
    if row.wrapped {
        &row.cells
    } else {
        &row.cells[..row.content_len()]
    }
}

impl Line {
    pub fn from_row(row: &Row) -> Line {
        let mut line = Line::default();
        line.fill_from_row(row);
        line
    }

    /// Replace the contents with `row`, reusing this line's buffers.
    pub fn fill_from_row(&mut self, row: &Row) {
        self.text.clear();
        self.spans.clear();
        self.width = 0;
        self.wrapped = false;
        self.pad = false;
        self.append_row(row);
    }

    /// Add the cells of `row` at the end: the row continues this line.
    pub fn append_row(&mut self, row: &Row) {
        let mut cells = content(row);
        if self.wrapped && self.pad && row.cells.first().is_some_and(|c| c.is_wide()) {
            // A wide character that did not fit at the margin left a blank
            // there: it is not text (`Row::pad_before`).
            let end = self.style_at_end();
            if self.text.ends_with(' ') && end == end.erased() {
                self.text.pop();
                self.width = self.width.saturating_sub(1);
                if self.spans.last().is_some_and(|s| s.0 >= self.width) {
                    self.spans.pop();
                }
            }
        }
        // Work on locals: pushing through `self` makes the compiler store
        // the length back to memory after every character.
        let mut text = std::mem::take(&mut self.text);
        let mut spans = std::mem::take(&mut self.spans);
        let base = self.width;
        let mut cur = self.style_at_end_of(&spans);
        text.reserve(cells.len());
        // Fast path: plain ASCII in one style, the bulk of any log.
        let first = cells.first().map_or(cur, |c| c.style);
        let qualifies = |c: &Cell| c.flags == 0 && c.style == first && c.ch.is_ascii();
        // The last cell first: a styled row usually fails there at once.
        let plain = cells.last().is_none_or(qualifies) && cells.iter().all(qualifies);
        if plain {
            // Every character is ASCII (checked above): one byte each.
            text.extend(cells.iter().map(|c| c.ch));
        }
        if plain {
            if first != cur && !cells.is_empty() {
                spans.push((base, first));
            }
        } else {
            if cells.len() > u32::MAX as usize - base as usize {
                cells = &[];
            }
            for (col, cell) in cells.iter().enumerate() {
                if cell.is_spacer() {
                    continue;
                }
                if cell.style != cur {
                    spans.push((base + col as u32, cell.style));
                    cur = cell.style;
                }
                text.push(cell.ch);
                if cell.flags & flag::MARKS != 0 {
                    text.push_str(row.marks_at(col));
                }
            }
        }
        self.width = base.saturating_add(cells.len() as u32);
        self.text = text;
        self.spans = spans;
        self.wrapped = row.wrapped;
        self.pad = row.pad;
        if !self.wrapped {
            // A finished line keeps no trailing blanks, whatever rows it
            // was joined from (a wrapped row keeps its spaces until then).
            self.trim_end();
        }
    }

    /// Drop trailing blanks in the default style, as a finished line keeps
    /// none (the cells past the text are blank).
    pub(super) fn trim_end(&mut self) {
        while self.text.ends_with(' ') && self.style_at_end().is_default() {
            self.text.pop();
            self.width = self.width.saturating_sub(1);
            if self.spans.last().is_some_and(|s| s.0 >= self.width) {
                self.spans.pop();
            }
        }
    }

    fn style_at_end_of(&self, spans: &[(u32, Style)]) -> Style {
        spans.last().map_or(Style::default(), |s| s.1)
    }

    fn style_at_end(&self) -> Style {
        self.style_at_end_of(&self.spans)
    }

    /// Memory charged against `Limits::bytes`: what a stored line's buffers
    /// hold (`History` gives every line buffers of `class_cap` capacity).
    pub fn cost(&self) -> usize {
        Line::cost_of(self.text.len(), self.spans.len())
    }

    /// What `cost` is with `text_len` bytes of text and `spans` spans.
    pub(super) fn cost_of(text_len: usize, spans: usize) -> usize {
        LINE_OVERHEAD + class_cap(text_len, MIN_TEXT) + class_cap(spans, MIN_SPANS) * SPAN_COST
    }

    /// Back to cells, with the same width rules `print` uses. The row is as
    /// wide as the text needs, at least `min_cols`.
    pub fn to_row(&self, min_cols: usize) -> Row {
        let mut row = Row::new(0);
        let mut spans = self.spans.iter().peekable();
        let mut style = Style::default();
        for ch in self.text.chars() {
            let width = ch.width().unwrap_or(0);
            let col = row.cells.len();
            if width == 0 {
                if col > 0 {
                    let base = if row.cells[col - 1].is_spacer() && col >= 2 {
                        col - 2
                    } else {
                        col - 1
                    };
                    row.add_mark(base, ch);
                }
                continue;
            }
            while let Some(&&(start, s)) = spans.peek() {
                if start as usize > col {
                    break;
                }
                style = s;
                spans.next();
            }
            if width == 2 {
                row.cells.push(Cell {
                    ch,
                    style,
                    flags: flag::WIDE,
                    link: 0,
                });
                row.cells.push(Cell {
                    ch: ' ',
                    style,
                    flags: flag::SPACER,
                    link: 0,
                });
            } else {
                row.cells.push(Cell {
                    ch,
                    style,
                    flags: 0,
                    link: 0,
                });
            }
        }
        if row.cells.len() < min_cols {
            row.cells.resize(min_cols, Cell::BLANK);
        }
        row.wrapped = self.wrapped;
        row.pad = self.pad;
        row
    }
}

/// The scrollback of one screen model.
#[derive(Clone, Debug, Default)]
pub struct History {
    lines: VecDeque<Entry>,
    bytes: usize,
    /// The bytes of raw lines (`RawLine`), oldest first: they are dropped
    /// in the order they were added, like the lines.
    raw: VecDeque<u8>,
    /// Rows still on the screen whose lines are already here (`fastscroll`
    /// sent them): the next this many rows pushed are dropped.
    skip_rows: usize,
    max_lines: usize,
    max_bytes: usize,
    /// Where rows are turned into a line before it is stored.
    scratch: Line,
    pool: Pool,
}

/// Buffers of evicted lines by size class (`class_cap`), so that storing a
/// line in a flood copies it into a spare buffer instead of allocating.
#[derive(Clone, Debug, Default)]
struct Pool {
    text: Vec<Vec<String>>,
    spans: Vec<Vec<Vec<(u32, Style)>>>,
}

/// The class of a buffer of `cap` items (`class_cap` capacities only).
fn class_of(cap: usize) -> Option<usize> {
    (cap.is_power_of_two()).then(|| cap.trailing_zeros() as usize)
}

impl Pool {
    fn give(&mut self, line: Line) {
        if let Some(c) = class_of(line.text.capacity()) {
            keep(&mut self.text, c, line.text);
        }
        if let Some(c) = class_of(line.spans.capacity()) {
            keep(&mut self.spans, c, line.spans);
        }
    }

    /// A copy of `src` in buffers of exactly `class_cap` capacity.
    fn store(&mut self, src: &Line) -> Line {
        let cap = class_cap(src.text.len(), MIN_TEXT);
        let mut text = spare(&mut self.text, cap).unwrap_or_else(|| String::with_capacity(cap));
        text.clear();
        text.push_str(&src.text);
        let cap = class_cap(src.spans.len(), MIN_SPANS);
        let mut spans = spare(&mut self.spans, cap).unwrap_or_else(|| Vec::with_capacity(cap));
        spans.clear();
        spans.extend_from_slice(&src.spans);
        Line {
            text,
            spans,
            width: src.width,
            wrapped: src.wrapped,
            pad: src.pad,
        }
    }
}

/// A kept buffer of capacity `cap` (a `class_cap`), if there is one.
fn spare<T>(classes: &mut [Vec<T>], cap: usize) -> Option<T> {
    classes.get_mut(class_of(cap)?)?.pop()
}

/// Keep `buf` in `classes[class]` unless that class is full.
fn keep<T>(classes: &mut Vec<Vec<T>>, class: usize, buf: T) {
    if classes.len() <= class {
        classes.resize_with(class + 1, Vec::new);
    }
    if classes[class].len() < POOL_PER_CLASS {
        classes[class].push(buf);
    }
}

impl History {
    pub fn new(max_lines: usize, max_bytes: usize) -> History {
        History {
            lines: VecDeque::new(),
            bytes: 0,
            raw: VecDeque::new(),
            skip_rows: 0,
            max_lines,
            max_bytes,
            scratch: Line::default(),
            pool: Pool::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub(super) fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.raw.clear();
        self.bytes = 0;
        self.skip_rows = 0;
    }

    pub fn push_row(&mut self, row: &Row) {
        if self.skip_rows > 0 {
            self.skip_rows -= 1;
            return;
        }
        if self.max_lines == 0 {
            return;
        }
        let joinable = |l: &&mut Line| l.wrapped && l.text.len() < MAX_LINE_TEXT;
        let last = match self.lines.back_mut() {
            Some(Entry::Line(l)) => Some(l).filter(joinable),
            _ => None,
        };
        if let Some(last) = last {
            // The row continues the newest line.
            self.bytes -= last.cost();
            last.append_row(row);
            // Growing by doubling keeps a `class_cap` capacity, mostly.
            let canonical = last.text.capacity() == class_cap(last.text.len(), MIN_TEXT)
                && last.spans.capacity() == class_cap(last.spans.len(), MIN_SPANS);
            if !canonical {
                let grown = self.pool.store(last);
                self.pool.give(std::mem::replace(last, grown));
            }
            self.bytes += last.cost();
            self.evict();
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.fill_from_row(row);
        self.push_new(&scratch, row.content_len());
        self.scratch = scratch;
        self.evict();
    }

    /// Store a copy of `line` as the newest line; `size` as for `make_room`.
    fn push_new(&mut self, line: &Line, size: usize) {
        self.make_room(size);
        let stored = self.pool.store(line);
        self.bytes += stored.cost();
        self.lines.push_back(Entry::Line(stored));
    }

    /// Before a new line of about `size` bytes: at the line limit, or when
    /// the byte budget is about to evict, the oldest line goes first (and
    /// its buffers go back to the pool).
    fn make_room(&mut self, size: usize) {
        let full = self.lines.len() >= self.max_lines
            || self.bytes + LINE_OVERHEAD + size > self.max_bytes;
        if full {
            self.drop_oldest();
        }
    }

    /// Evict the oldest line; false when there is none.
    fn drop_oldest(&mut self) -> bool {
        let Some(old) = self.lines.pop_front() else {
            return false;
        };
        self.bytes -= old.cost();
        match old {
            Entry::Raw(raw) => {
                let len = (raw.len as usize).min(self.raw.len());
                self.raw.drain(..len);
            }
            Entry::Line(line) => self.pool.give(line),
        }
        true
    }

    /// Add a raw line (`RawLine`): `bytes`, CR LF included, printed from a
    /// blank row of `cols` in background `fill` with `pen`.
    pub(super) fn push_raw(&mut self, bytes: &[u8], pen: Style, fill: Color, cols: u16) {
        if self.max_lines == 0 {
            return;
        }
        self.make_room(bytes.len());
        let raw = Entry::Raw(RawLine {
            pen,
            fill,
            cols,
            len: bytes.len() as u32,
        });
        self.raw.extend(bytes);
        self.bytes += raw.cost();
        self.lines.push_back(raw);
        self.evict();
    }

    /// The lines from the `first` oldest on, as text and spans.
    pub fn iter_from(&self, first: usize) -> impl Iterator<Item = Cow<'_, Line>> + '_ {
        let first = first.min(self.lines.len());
        // Raw lines' bytes follow each other in `raw`, oldest first.
        let mut at: usize = self.lines.range(..first).map(Entry::raw_len).sum();
        self.lines.range(first..).map(move |entry| match entry {
            Entry::Line(line) => Cow::Borrowed(line),
            Entry::Raw(raw) => {
                let end = (at + raw.len as usize).min(self.raw.len());
                let bytes: Vec<u8> = self.raw.range(at.min(end)..end).copied().collect();
                at = end;
                Cow::Owned(super::fastscroll::materialize(&bytes, *raw))
            }
        })
    }

    /// Every line as text and spans, oldest first.
    pub fn materialized(&self) -> Vec<Line> {
        self.iter_from(0).map(Cow::into_owned).collect()
    }

    fn evict(&mut self) {
        while self.lines.len() > self.max_lines || self.bytes > self.max_bytes {
            if !self.drop_oldest() {
                break;
            }
        }
    }

    /// Take the newest line back (a screen that grows pulls lines down).
    pub fn pop_newest(&mut self) -> Option<Line> {
        let entry = self.lines.pop_back()?;
        self.bytes -= entry.cost();
        match entry {
            Entry::Line(line) => Some(line),
            Entry::Raw(raw) => {
                // The newest raw line's bytes are the last ones.
                let from = self.raw.len().saturating_sub(raw.len as usize);
                let bytes: Vec<u8> = self.raw.drain(from..).collect();
                Some(super::fastscroll::materialize(&bytes, raw))
            }
        }
    }

    /// True when the newest line continues on the screen: a row pushed now
    /// would join it.
    pub(super) fn continues(&self) -> bool {
        matches!(self.lines.back(), Some(Entry::Line(l)) if l.wrapped)
    }

    /// Drop the next `n` rows pushed: their lines are here already.
    pub(super) fn skip_rows(&mut self, n: usize) {
        self.skip_rows = n;
    }

    pub(super) fn rows_to_skip(&self) -> usize {
        self.skip_rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::cell::Color;

    #[test]
    fn line_round_trips_wide_marks_and_styles() {
        let mut row = Row::new(8);
        let red = Style {
            fg: Color::indexed(1),
            ..Style::default()
        };
        row.cells[0] = Cell {
            ch: 'a',
            style: red,
            flags: 0,
            link: 0,
        };
        row.cells[1] = Cell {
            ch: '中',
            style: red,
            flags: flag::WIDE,
            link: 0,
        };
        row.cells[2] = Cell {
            ch: ' ',
            style: red,
            flags: flag::SPACER,
            link: 0,
        };
        row.cells[3].ch = 'e';
        row.add_mark(3, '\u{301}');
        let line = Line::from_row(&row);
        assert_eq!(line.text, "a中e\u{301}");
        assert_eq!(line.to_row(8), row);
    }

    #[test]
    fn limits_evict_oldest() {
        let mut h = History::new(3, 1 << 20);
        let row = Row::new(4);
        for _ in 0..10 {
            h.push_row(&row);
        }
        assert_eq!(h.len(), 3);
        let mut h = History::new(1000, 2 * LINE_OVERHEAD + 10);
        for _ in 0..10 {
            h.push_row(&row);
        }
        assert_eq!(h.len(), 2);
        assert!(h.bytes() <= 2 * LINE_OVERHEAD + 10);
    }
}
