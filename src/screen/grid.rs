//! Rows of cells and the edits on them: erase, insert, delete, scroll.
//!
//! Coordinates here are absolute (row 0 is the top of the screen); scroll
//! regions and origin mode are the caller's business (`term.rs`). Every
//! method tolerates out-of-range arguments by clamping or doing nothing, so
//! that no input can make the model panic.
//!
//! Invariant kept by every method: a `WIDE` cell is always followed by its
//! `SPACER`, and a `SPACER` always follows a `WIDE` cell. An edit that splits
//! a pair blanks the orphaned half, as xterm and tmux do.

use std::collections::VecDeque;

use super::cell::{flag, Cell, Style};

/// Combining marks kept per cell beyond this are dropped: a program printing
/// endless accents on one cell must not grow memory.
const MAX_MARK_BYTES: usize = 32;

/// One screen line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// The line continued on the next row because text wrapped at the right
    /// margin (not because of a newline). Kept for history and optional reflow.
    pub wrapped: bool,
    /// With `wrapped`: the last cell was skipped because a wide character
    /// did not fit there and went to the next row. When that cell is blank
    /// it is not text (history and reflow drop it).
    pub pad: bool,
    /// Combining marks of cells with the `MARKS` flag, by column. Almost always
    /// empty; a side table keeps `Cell` a small `Copy` type.
    pub marks: Vec<(u16, String)>,
}

impl Row {
    pub fn new(cols: usize) -> Row {
        Row {
            cells: vec![Cell::BLANK; cols],
            wrapped: false,
            pad: false,
            marks: Vec::new(),
        }
    }

    /// The last cell is padding before a wide character on `next`: a blank
    /// that an erase could have left (only a background colour).
    pub fn pad_before(&self, next: Option<&Row>) -> bool {
        self.wrapped
            && self.pad
            && self
                .cells
                .last()
                .is_some_and(|c| c.ch == ' ' && c.flags == 0 && c.style == c.style.erased())
            && next.is_some_and(|n| n.cells.first().is_some_and(|c| c.is_wide()))
    }

    /// Blank the whole row in `style`, keeping its allocation.
    pub fn clear(&mut self, style: Style) {
        self.cells.fill(Cell::blank(style));
        self.marks.clear();
        self.wrapped = false;
        self.pad = false;
    }

    /// Combining marks of the cell at `col` ("" when none).
    pub fn marks_at(&self, col: usize) -> &str {
        self.marks
            .iter()
            .find(|(c, _)| *c as usize == col)
            .map_or("", |(_, s)| s.as_str())
    }

    /// Append a combining mark to the cell at `col`.
    pub fn add_mark(&mut self, col: usize, mark: char) {
        let Some(cell) = self.cells.get_mut(col) else {
            return;
        };
        cell.flags |= flag::MARKS;
        let key = col as u16;
        match self.marks.iter_mut().find(|(c, _)| *c == key) {
            Some((_, s)) => {
                if s.len() + mark.len_utf8() <= MAX_MARK_BYTES {
                    s.push(mark);
                }
            }
            None => self.marks.push((key, mark.to_string())),
        }
    }

    /// Store `cell` at `col`, dropping marks of the cell it replaces.
    #[inline]
    pub fn set(&mut self, col: usize, cell: Cell) {
        if let Some(slot) = self.cells.get_mut(col) {
            if slot.flags & flag::MARKS != 0 {
                let key = col as u16;
                self.marks.retain(|(c, _)| *c != key);
            }
            *slot = cell;
        }
    }

    /// Before writing `width` cells at `col`: blank the halves of wide
    /// characters that the write would split.
    #[inline]
    pub fn split_wide(&mut self, col: usize, width: usize) {
        let n = self.cells.len();
        if col < n && self.cells[col].is_spacer() && col > 0 {
            let style = self.cells[col - 1].style;
            self.set(col - 1, Cell::blank(style));
        }
        let last = col + width - 1;
        if last < n && self.cells[last].is_wide() && last + 1 < n {
            let style = self.cells[last + 1].style;
            self.set(last + 1, Cell::blank(style));
        }
    }

    /// Blank any half of a wide pair whose other half is missing, and drop
    /// marks whose cell no longer carries the flag. Used after edits that
    /// move or cut cells in bulk.
    pub fn sanitize(&mut self) {
        let n = self.cells.len();
        for i in 0..n {
            let c = self.cells[i];
            let orphan = (c.is_wide() && !(i + 1 < n && self.cells[i + 1].is_spacer()))
                || (c.is_spacer() && !(i > 0 && self.cells[i - 1].is_wide()));
            if orphan {
                self.cells[i] = Cell::blank(c.style);
            }
        }
        if !self.marks.is_empty() {
            let cells = &self.cells;
            self.marks.retain(|(c, _)| {
                cells
                    .get(*c as usize)
                    .is_some_and(|cell| cell.flags & flag::MARKS != 0)
            });
        }
    }

    /// Blank cells `from..to` in `style`.
    pub fn erase(&mut self, from: usize, to: usize, style: Style) {
        let to = to.min(self.cells.len());
        if from >= to {
            return;
        }
        self.cells[from..to].fill(Cell::blank(style));
        self.sanitize();
    }

    /// Move the marks table along with cells shifted by `delta` columns in
    /// `from..`; marks shifted out of the row are dropped by `sanitize`.
    fn shift_marks(&mut self, from: usize, delta: isize) {
        for (c, _) in self.marks.iter_mut() {
            if *c as usize >= from {
                let moved = *c as isize + delta;
                *c = if moved < 0 { u16::MAX } else { moved as u16 };
            }
        }
    }

    /// ICH: insert `n` blanks at `col`, shifting the rest right; cells pushed
    /// past the right margin are lost.
    pub fn insert_blanks(&mut self, col: usize, n: usize, style: Style) {
        let len = self.cells.len();
        if col >= len {
            return;
        }
        let n = n.min(len - col);
        self.cells[col..].rotate_right(n);
        self.cells[col..col + n].fill(Cell::blank(style));
        if !self.marks.is_empty() {
            self.shift_marks(col, n as isize);
        }
        self.sanitize();
    }

    /// DCH: delete `n` cells at `col`, shifting the rest left and filling the
    /// right end with blanks.
    pub fn delete_cells(&mut self, col: usize, n: usize, style: Style) {
        let len = self.cells.len();
        if col >= len {
            return;
        }
        let n = n.min(len - col);
        if !self.marks.is_empty() {
            // Marks of deleted cells must go before the shift hides them.
            let key_range = col..col + n;
            self.marks
                .retain(|(c, _)| !key_range.contains(&(*c as usize)));
            self.shift_marks(col + n, -(n as isize));
        }
        self.cells[col..].rotate_left(n);
        self.cells[len - n..].fill(Cell::blank(style));
        self.sanitize();
    }

    /// Change the width, cutting or padding on the right.
    pub fn resize(&mut self, cols: usize) {
        self.cells.resize(cols, Cell::BLANK);
        self.pad = false;
        self.sanitize();
    }

    /// Columns up to the last cell that is not a default blank.
    pub fn content_len(&self) -> usize {
        self.cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1)
    }
}

/// The cells of one screen (primary or alternate).
#[derive(Clone, Debug)]
pub struct Grid {
    /// A ring of rows: a full-screen scroll rotates the deque instead of
    /// moving or reallocating cells.
    pub rows: VecDeque<Row>,
    pub cols: usize,
}

impl Grid {
    pub fn new(cols: usize, rows: usize) -> Grid {
        Grid {
            rows: (0..rows).map(|_| Row::new(cols)).collect(),
            cols,
        }
    }

    pub fn height(&self) -> usize {
        self.rows.len()
    }

    pub fn clear(&mut self, style: Style) {
        for row in self.rows.iter_mut() {
            row.clear(style);
        }
    }

    /// Scroll rows `top..=bottom` up by `n`: the top rows leave through `gone`
    /// (oldest first), blank rows in `style` enter at the bottom.
    pub fn scroll_up(
        &mut self,
        top: usize,
        bottom: usize,
        n: usize,
        style: Style,
        mut gone: impl FnMut(&Row),
    ) {
        let bottom = bottom.min(self.rows.len().saturating_sub(1));
        if top > bottom {
            return;
        }
        let n = n.min(bottom - top + 1);
        for row in self.rows.range(top..top + n) {
            gone(row);
        }
        if top == 0 && bottom + 1 == self.rows.len() {
            // The whole screen: turn the ring, no row moves.
            self.rows.rotate_left(n);
        } else {
            self.rows.make_contiguous()[top..=bottom].rotate_left(n);
        }
        for row in self.rows.range_mut(bottom + 1 - n..=bottom) {
            row.clear(style);
        }
    }

    /// Scroll rows `top..=bottom` down by `n`: bottom rows are lost, blank
    /// rows enter at the top.
    pub fn scroll_down(&mut self, top: usize, bottom: usize, n: usize, style: Style) {
        let bottom = bottom.min(self.rows.len().saturating_sub(1));
        if top > bottom {
            return;
        }
        let n = n.min(bottom - top + 1);
        if top == 0 && bottom + 1 == self.rows.len() {
            self.rows.rotate_right(n);
        } else {
            self.rows.make_contiguous()[top..=bottom].rotate_right(n);
        }
        for row in self.rows.range_mut(top..top + n) {
            row.clear(style);
        }
    }

    /// Change the width and re-wrap: rows joined by soft wraps (`wrapped`)
    /// form one logical line, which is split again at `cols`, so narrowing
    /// and widening again loses no text. The cell under the cursor
    /// `(row, col)` keeps the cursor; its new position is returned. The row
    /// count may change; the caller fits it to the screen height.
    pub fn reflow(&mut self, cols: usize, cursor: (usize, usize)) -> (usize, usize) {
        let old = std::mem::take(&mut self.rows);
        self.cols = cols;
        let mut new_cursor = (0, 0);
        let mut line: Vec<Cell> = Vec::new();
        let mut marks: Vec<(usize, String)> = Vec::new();
        let mut cursor_at: Option<usize> = None;
        let mut rows = old.into_iter().enumerate().peekable();
        while let Some((r, row)) = rows.next() {
            let take = if row.pad_before(rows.peek().map(|(_, n)| n)) {
                row.cells.len() - 1
            } else if row.wrapped {
                row.cells.len()
            } else {
                row.content_len()
            };
            if r == cursor.0 {
                cursor_at = Some(line.len() + cursor.1);
            }
            for (c, cell) in row.cells.iter().take(take).enumerate() {
                if cell.flags & flag::MARKS != 0 {
                    marks.push((line.len(), row.marks_at(c).to_string()));
                }
                line.push(*cell);
            }
            if !row.wrapped || rows.peek().is_none() {
                let start = self.rows.len();
                if let Some(pos) = self.split_line(&line, &marks, cursor_at, row.wrapped) {
                    new_cursor = (start + pos.0, pos.1);
                }
                line.clear();
                marks.clear();
                cursor_at = None;
            }
        }
        if self.rows.is_empty() {
            self.rows.push_back(Row::new(cols));
        }
        new_cursor
    }

    /// `row` (any width) split into rows `cols` wide, as `reflow` would.
    pub fn split_row(row: Row, cols: usize) -> Vec<Row> {
        let mut g = Grid {
            rows: VecDeque::from(vec![row]),
            cols,
        };
        g.reflow(cols, (usize::MAX, 0));
        g.rows.into()
    }

    /// Append `line` split at `self.cols` as new rows; returns where cell
    /// `cursor_at` landed (relative to the first new row).
    fn split_line(
        &mut self,
        line: &[Cell],
        marks: &[(usize, String)],
        cursor_at: Option<usize>,
        wrapped: bool,
    ) -> Option<(usize, usize)> {
        let cols = self.cols;
        let mut out: Vec<Row> = vec![Row::new(cols)];
        let mut col: usize = 0;
        let mut found = None;
        for (k, cell) in line.iter().enumerate() {
            if cell.is_spacer() {
                if cursor_at == Some(k) {
                    found = Some((out.len() - 1, col.saturating_sub(1)));
                }
                continue;
            }
            let w = if cell.is_wide() { 2 } else { 1 };
            if w > cols {
                continue;
            }
            if col + w > cols {
                if let Some(last) = out.last_mut() {
                    last.wrapped = true;
                    last.pad = col < cols;
                }
                out.push(Row::new(cols));
                col = 0;
            }
            if cursor_at == Some(k) {
                found = Some((out.len() - 1, col));
            }
            let Some(row) = out.last_mut() else { break };
            row.cells[col] = *cell;
            if w == 2 {
                row.cells[col + 1] = Cell {
                    flags: flag::SPACER,
                    link: cell.link,
                    ..Cell::blank(cell.style)
                };
            }
            if cell.flags & flag::MARKS != 0 {
                if let Some((_, m)) = marks.iter().find(|(i, _)| *i == k) {
                    row.marks.push((col as u16, m.clone()));
                }
            }
            col += w;
        }
        if let (None, Some(at)) = (found, cursor_at) {
            // The cursor sits past the text: keep its distance from the end.
            let total = col + (at.saturating_sub(line.len()));
            let (down, c) = (total / cols, total % cols);
            for _ in 0..down {
                if let Some(last) = out.last_mut() {
                    last.wrapped = true;
                }
                out.push(Row::new(cols));
            }
            found = Some((out.len() - 1, c));
        }
        if let Some(last) = out.last_mut() {
            last.wrapped = wrapped;
        }
        self.rows.extend(out);
        found
    }

    /// Change the width of every row (no reflow).
    pub fn resize_cols(&mut self, cols: usize) {
        self.cols = cols;
        for row in self.rows.iter_mut() {
            row.resize(cols);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide(ch: char) -> [Cell; 2] {
        [
            Cell {
                ch,
                style: Style::default(),
                flags: flag::WIDE,
                link: 0,
            },
            Cell {
                ch: ' ',
                style: Style::default(),
                flags: flag::SPACER,
                link: 0,
            },
        ]
    }

    #[test]
    fn delete_through_wide_pair_blanks_orphan() {
        let mut row = Row::new(5);
        let [a, b] = wide('中');
        row.cells[1] = a;
        row.cells[2] = b;
        row.delete_cells(1, 1, Style::default());
        assert!(
            row.cells.iter().all(|c| c.flags == 0),
            "orphan spacer left: {:?}",
            row.cells
        );
    }

    #[test]
    fn insert_shifts_marks() {
        let mut row = Row::new(5);
        row.cells[1].ch = 'e';
        row.add_mark(1, '\u{301}');
        row.insert_blanks(0, 2, Style::default());
        assert_eq!(row.marks_at(3), "\u{301}");
        assert_eq!(row.cells[3].ch, 'e');
        row.delete_cells(0, 4, Style::default());
        assert!(row.marks.is_empty(), "marks of deleted cell survived");
    }

    #[test]
    fn partial_region_scroll_keeps_outside_rows() {
        let mut g = Grid::new(3, 4);
        for (i, row) in g.rows.iter_mut().enumerate() {
            row.cells[0].ch = char::from(b'a' + i as u8);
        }
        let mut gone = Vec::new();
        g.scroll_up(1, 2, 1, Style::default(), |r| gone.push(r.cells[0].ch));
        let firsts: String = g.rows.iter().map(|r| r.cells[0].ch).collect();
        assert_eq!(firsts, "ac d");
        assert_eq!(gone, vec!['b']);
        g.scroll_down(0, 3, 1, Style::default());
        let firsts: String = g.rows.iter().map(|r| r.cells[0].ch).collect();
        assert_eq!(firsts, " ac ");
    }
}
