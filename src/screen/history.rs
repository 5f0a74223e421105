//! Scrollback: lines that scrolled off the top of the primary screen.
//!
//! Each line is stored compactly as its text plus a run-length list of style
//! spans, trimmed of trailing default blanks: an 80-column ASCII line costs
//! about 80 bytes plus one span per style change, not 80 cells of 20 bytes.
//! Both limits (lines and bytes) apply; the oldest lines go first.

use std::collections::VecDeque;

use unicode_width::UnicodeWidthChar;

use super::cell::{flag, Cell, Style};
use super::grid::Row;

/// Fixed cost charged per line on top of its text and spans (the `Line`
/// struct and its two heap blocks), so that many empty lines still count.
const LINE_OVERHEAD: usize = 64;

/// One history line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Cell text left to right: wide characters once (their spacer cell has
    /// no text), combining marks after their base character.
    pub text: String,
    /// `(column, style)`: the style of cells from `column` up to the next span.
    /// Empty when the whole line is in the default style.
    pub spans: Vec<(u16, Style)>,
    /// The line continued on the next one because text wrapped.
    pub wrapped: bool,
}

impl Line {
    pub fn from_row(row: &Row) -> Line {
        let mut line = Line {
            text: String::new(),
            spans: Vec::new(),
            wrapped: false,
        };
        line.fill_from_row(row);
        line
    }

    /// Replace the contents with `row`, reusing this line's buffers.
    pub fn fill_from_row(&mut self, row: &Row) {
        let len = row.content_len();
        // Work on locals: pushing through `self` makes the compiler store
        // the length back to memory after every character.
        let mut text = std::mem::take(&mut self.text);
        let mut spans = std::mem::take(&mut self.spans);
        text.clear();
        spans.clear();
        text.reserve(len);
        let cells = &row.cells[..len];
        // Fast path: plain ASCII in one style, the bulk of any log.
        let first = cells.first().map_or(Style::default(), |c| c.style);
        if cells
            .iter()
            .all(|c| c.flags == 0 && c.style == first && c.ch.is_ascii())
        {
            if !first.is_default() {
                spans.push((0, first));
            }
            let mut bytes = text.into_bytes();
            bytes.extend(cells.iter().map(|c| c.ch as u8));
            // All ASCII, checked above.
            text = String::from_utf8(bytes).unwrap_or_default();
            self.text = text;
            self.spans = spans;
            self.wrapped = row.wrapped;
            return;
        }
        let mut cur = Style::default();
        for (col, cell) in row.cells[..len].iter().enumerate() {
            if cell.is_spacer() {
                continue;
            }
            if cell.style != cur {
                spans.push((col as u16, cell.style));
                cur = cell.style;
            }
            text.push(cell.ch);
            if cell.flags & flag::MARKS != 0 {
                text.push_str(row.marks_at(col));
            }
        }
        self.text = text;
        self.spans = spans;
        self.wrapped = row.wrapped;
    }

    /// Memory charged against `Limits::bytes`: what the buffers really
    /// hold (capacity), since they are reused.
    pub fn cost(&self) -> usize {
        LINE_OVERHEAD
            + self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<(u16, Style)>()
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
                });
                row.cells.push(Cell {
                    ch: ' ',
                    style,
                    flags: flag::SPACER,
                });
            } else {
                row.cells.push(Cell {
                    ch,
                    style,
                    flags: 0,
                });
            }
        }
        if row.cells.len() < min_cols {
            row.cells.resize(min_cols, Cell::BLANK);
        }
        row.wrapped = self.wrapped;
        row
    }
}

/// The scrollback of one screen model.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub lines: VecDeque<Line>,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
}

impl History {
    pub fn new(max_lines: usize, max_bytes: usize) -> History {
        History {
            lines: VecDeque::new(),
            bytes: 0,
            max_lines,
            max_bytes,
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

    pub fn clear(&mut self) {
        self.lines.clear();
        self.bytes = 0;
    }

    pub fn push_row(&mut self, row: &Row) {
        if self.max_lines == 0 {
            return;
        }
        // At the line limit the oldest line goes anyway: reuse its buffers
        // rather than free one allocation and make another.
        let line = if self.lines.len() >= self.max_lines {
            self.lines.pop_front().map(|mut old| {
                self.bytes -= old.cost();
                old.fill_from_row(row);
                old
            })
        } else {
            None
        };
        let line = line.unwrap_or_else(|| Line::from_row(row));
        self.bytes += line.cost();
        self.lines.push_back(line);
        while self.lines.len() > self.max_lines || self.bytes > self.max_bytes {
            match self.lines.pop_front() {
                Some(old) => self.bytes -= old.cost(),
                None => break,
            }
        }
    }

    /// Take the newest line back (a screen that grows pulls lines down).
    pub fn pop_newest(&mut self) -> Option<Line> {
        let line = self.lines.pop_back()?;
        self.bytes -= line.cost();
        Some(line)
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
        };
        row.cells[1] = Cell {
            ch: '中',
            style: red,
            flags: flag::WIDE,
        };
        row.cells[2] = Cell {
            ch: ' ',
            style: red,
            flags: flag::SPACER,
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
