//! The terminal state machine: `vte` parses, `Term` (a `vte::Perform`) turns
//! each action into grid edits, mode changes and query replies.
//!
//! The reference is xterm (ctlseqs.txt). Choices worth knowing:
//! - BS in the wrap-pending state moves left from the last column (xterm,
//!   alacritty; tmux stays on it). REP wraps like printed text.
//! - On the primary screen, lines leaving a scroll region whose top is the
//!   first row go to history (xterm); IL/DL never feed history.
//! - Erases fill with the pen's background (xterm's BCE).
//! - DECSC saves position, pen, origin mode and charsets, one slot per screen.
//! - One mouse tracking mode at a time; resetting any of them turns tracking
//!   off (xterm).
//! - RIS keeps the history and the title.
//! - Line drawing (DEC special graphics) is stored as the characters it
//!   shows, flagged so that a redraw draws them the same way (`flag::DEC`).
//! - `CSI K` at a pending wrap erases nothing (tmux, VTE, konsole).
//! - The kitty flags query is not answered (see `csi_dispatch`).
//!
//! Every handler clamps its arguments: no input may panic.

use unicode_width::UnicodeWidthChar;
use vte::{Params, Perform};

use super::cell::{attr, flag, underline, Cell, Color, Style};
use super::grid::{Grid, Row};
use super::history::History;
use super::printable_run;

/// Replies kept for the supervisor; a program flooding queries while nobody
/// reads them must not grow memory.
const MAX_REPLIES: usize = 4096;
/// Kitty keeps a bounded stack of keyboard modes; so do we.
const KITTY_STACK_MAX: usize = 16;
/// Longest title kept, in bytes.
const MAX_TITLE: usize = 1024;
/// Distinct hyperlinks a screen keeps; past this, unused ones are dropped
/// and new ones beyond it are not recorded (the text still is).
const MAX_LINKS: usize = 512;
/// Titles kept by `CSI 22 t` (xterm keeps 10).
const TITLE_STACK_MAX: usize = 10;

/// G0/G1 designations we understand: ASCII and DEC special graphics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Charset {
    #[default]
    Ascii,
    DecSpecial,
}

/// The cursor. `pending_wrap` is xterm's "wrap next": a character was printed
/// in the last column with autowrap on, and the next printable character
/// goes to the start of the next line first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub row: usize,
    pub col: usize,
    pub pending_wrap: bool,
}

/// What DECSC saves and DECRC restores (one slot per screen, as in xterm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Saved {
    pub row: usize,
    pub col: usize,
    pub style: Style,
    pub origin: bool,
    pub charsets: [Charset; 2],
    pub gl: u8,
}

/// Modes a re-attached terminal must get back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    /// DECAWM (?7).
    pub autowrap: bool,
    /// DECOM (?6): CUP/VPA/DSR relative to the scroll region.
    pub origin: bool,
    /// IRM (4).
    pub insert: bool,
    /// DECTCEM (?25).
    pub cursor_visible: bool,
    /// DECSCUSR `CSI n SP q` (0 is the terminal's default).
    pub cursor_style: u8,
    /// DECCKM (?1).
    pub app_cursor: bool,
    /// DECKPAM / DECKPNM (ESC = / ESC >).
    pub app_keypad: bool,
    /// ?2004.
    pub bracketed_paste: bool,
    /// Mouse tracking: 0 (off), 9, 1000, 1002 or 1003; xterm lets one be active.
    pub mouse: u16,
    /// Mouse encoding: 0 (X10), 1005, 1006 or 1015.
    pub mouse_encoding: u16,
    /// ?1004.
    pub focus: bool,
    /// xterm modifyOtherKeys level (`CSI > 4 ; n m`).
    pub modify_other_keys: u8,
}

impl Default for Modes {
    fn default() -> Self {
        Modes {
            autowrap: true,
            origin: false,
            insert: false,
            cursor_visible: true,
            cursor_style: 0,
            app_cursor: false,
            app_keypad: false,
            bracketed_paste: false,
            mouse: 0,
            mouse_encoding: 0,
            focus: false,
            modify_other_keys: 0,
        }
    }
}

pub struct Term {
    pub cols: usize,
    pub rows: usize,
    pub primary: Grid,
    pub alt: Grid,
    pub alt_active: bool,
    pub history: History,
    pub cursor: Cursor,
    /// The pen: the style of the next printed character.
    pub style: Style,
    /// The hyperlink (OSC 8) of the next printed character: 0 for none,
    /// else `links[link - 1]`.
    pub link: u16,
    /// OSC 8 targets in use, as `params;uri`; cells refer to them by index.
    pub links: Vec<String>,
    /// DECSC slots: `[primary, alternate]`.
    pub saved: [Saved; 2],
    /// Scroll region, inclusive, absolute rows.
    pub top: usize,
    pub bottom: usize,
    pub tabs: Vec<bool>,
    pub charsets: [Charset; 2],
    /// 0 when G0 is invoked into GL (SI), 1 for G1 (SO).
    pub gl: u8,
    pub modes: Modes,
    /// Kitty keyboard flag stacks `[primary, alternate]`; the last entry is
    /// the current flags and the stack is never empty.
    pub kitty: [Vec<u8>; 2],
    pub title: String,
    /// `CSI 22 t` pushes the title here, `CSI 23 t` pops it.
    pub title_stack: Vec<String>,
    pub replies: Vec<u8>,
    /// For REP.
    pub(super) last_char: Option<char>,
    /// ?2026 synchronized output: accepted and reported, never replayed.
    pub sync: bool,
    /// Set by a dispatch after which `vte` is back in its ground state
    /// (CSI, ESC, BEL-terminated OSC); `Screen::feed` clears it and reads it
    /// through `Perform::terminated`.
    pub(crate) seq_done: bool,
}

/// Columns between the tab stops a screen starts with.
pub(super) const TAB_WIDTH: usize = 8;

/// Whether column `c` has a tab stop on a screen that set none of its own.
pub(super) fn default_stop(c: usize) -> bool {
    c % TAB_WIDTH == 0 && c != 0
}

fn default_tabs(cols: usize) -> Vec<bool> {
    (0..cols).map(default_stop).collect()
}

/// DEC special graphics (VT100 line drawing) for `0x5f..=0x7e`.
const DEC_SPECIAL: [char; 32] = [
    ' ', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺', '⎻', '─',
    '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
];

/// What `c` draws in the DEC special graphics set (itself if nothing else).
fn dec_special(c: char) -> char {
    match c {
        '\x5f'..='\x7e' => DEC_SPECIAL[c as usize - 0x5f],
        _ => c,
    }
}

/// The ASCII character that draws `c` in the DEC special graphics set.
pub(super) fn dec_special_source(c: char) -> Option<char> {
    let i = DEC_SPECIAL.iter().position(|&d| d == c)?;
    char::from_u32(0x5f + i as u32)
}

impl Term {
    pub fn new(cols: usize, rows: usize, history: History) -> Term {
        Term {
            cols,
            rows,
            primary: Grid::new(cols, rows),
            alt: Grid::new(cols, rows),
            alt_active: false,
            history,
            cursor: Cursor::default(),
            style: Style::default(),
            link: 0,
            links: Vec::new(),
            saved: [Saved::default(); 2],
            top: 0,
            bottom: rows - 1,
            tabs: default_tabs(cols),
            charsets: [Charset::Ascii; 2],
            gl: 0,
            modes: Modes::default(),
            kitty: [vec![0], vec![0]],
            title: String::new(),
            title_stack: Vec::new(),
            replies: Vec::new(),
            last_char: None,
            sync: false,
            seq_done: false,
        }
    }

    pub fn grid(&self) -> &Grid {
        if self.alt_active {
            &self.alt
        } else {
            &self.primary
        }
    }

    fn grid_mut(&mut self) -> &mut Grid {
        if self.alt_active {
            &mut self.alt
        } else {
            &mut self.primary
        }
    }

    fn cur_row(&mut self) -> Option<&mut Row> {
        let row = self.cursor.row;
        self.grid_mut().rows.get_mut(row)
    }

    fn reply(&mut self, bytes: &[u8]) {
        if self.replies.len() + bytes.len() <= MAX_REPLIES {
            self.replies.extend_from_slice(bytes);
        }
    }

    // ---- printing ----

    /// The common case: printable ASCII in the ASCII charset, replacing a
    /// plain cell that is not the last of the line. Anything else (wide
    /// chars, marks, wrap, insert mode, line drawing) takes `print_slow`.
    #[inline]
    fn print_char(&mut self, c: char) {
        if (' '..'\x7f').contains(&c)
            && !self.cursor.pending_wrap
            && !self.modes.insert
            && self.charsets[self.gl as usize & 1] == Charset::Ascii
            && self.cursor.col + 1 < self.cols
        {
            let (row, col, style, link) = (self.cursor.row, self.cursor.col, self.style, self.link);
            let grid = if self.alt_active {
                &mut self.alt
            } else {
                &mut self.primary
            };
            if let Some(slot) = grid.rows.get_mut(row).and_then(|r| r.cells.get_mut(col)) {
                if slot.flags == 0 {
                    *slot = Cell {
                        ch: c,
                        style,
                        flags: 0,
                        link,
                    };
                    self.cursor.col = col + 1;
                    self.last_char = Some(c);
                    return;
                }
            }
        } else if !c.is_ascii() && self.print_other(c) {
            return;
        }
        self.print_slow(c);
    }

    /// `print_slow` for a non-ASCII character of width 1 or 2 that ends
    /// before the last column, outside insert mode, on cells without wide
    /// or mark flags (so nothing to split or drop). Line drawing does not
    /// apply (it maps ASCII only). False when it does not apply.
    #[inline]
    fn print_other(&mut self, c: char) -> bool {
        if self.cursor.pending_wrap || self.modes.insert {
            return false;
        }
        let width = match c.width() {
            Some(w @ (1 | 2)) => w,
            _ => return false,
        };
        let (row, col, cols) = (self.cursor.row, self.cursor.col, self.cols);
        if col + width >= cols {
            return false;
        }
        let (style, link) = (self.style, self.link);
        let grid = if self.alt_active {
            &mut self.alt
        } else {
            &mut self.primary
        };
        let Some(cells) = grid
            .rows
            .get_mut(row)
            .and_then(|r| r.cells.get_mut(col..col + width))
        else {
            return false;
        };
        if cells.iter().any(|c| c.flags != 0) {
            return false;
        }
        if width == 1 {
            cells[0] = Cell {
                ch: c,
                style,
                flags: 0,
                link,
            };
        } else {
            cells[0] = Cell {
                ch: c,
                style,
                flags: flag::WIDE,
                link,
            };
            cells[1] = Cell {
                ch: ' ',
                style,
                flags: flag::SPACER,
                link,
            };
        }
        self.cursor.col = col + width;
        self.last_char = Some(c);
        true
    }

    /// Text the parser would hand over in its ground state, with the same
    /// print and execute calls (`vte`'s `ground_dispatch`), printable ASCII
    /// in bulk.
    pub(crate) fn ground_text(&mut self, text: &str) {
        self.ground_bytes(text, text.as_bytes());
    }

    /// `ground_text` for the ASCII at the start of `b`, up to an ESC or a
    /// byte of 0x80 or more; returns the bytes taken.
    pub(crate) fn ground_ascii(&mut self, b: &[u8]) -> usize {
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if (0x20..0x7f).contains(&c) {
                let n = printable_run(&b[i..]);
                self.print_ascii(&b[i..i + n]);
                i += n;
            } else if c == 0x1b || c >= 0x80 {
                break;
            } else if c < 0x20 {
                self.execute(c);
                i += 1;
            } else {
                self.print_char(c as char);
                i += 1;
            }
        }
        i
    }

    /// `text` is `bytes` as a `str`.
    #[inline(always)]
    fn ground_bytes(&mut self, text: &str, b: &[u8]) {
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if (0x20..0x7f).contains(&c) {
                let n = printable_run(&b[i..]);
                self.print_ascii(&b[i..i + n]);
                i += n;
            } else if c < 0x20 {
                self.execute(c);
                i += 1;
            } else if c < 0x80 {
                self.print_char(c as char);
                i += 1;
            } else {
                // `i` is on a character boundary: `b[i]` starts a character.
                let Some(ch) = text.get(i..).and_then(|t| t.chars().next()) else {
                    break;
                };
                if ('\u{80}'..='\u{9f}').contains(&ch) {
                    self.execute(ch as u8);
                } else {
                    self.print_char(ch);
                }
                i += ch.len_utf8();
            }
        }
    }

    /// `print_char` for each byte of `run` (printable ASCII), storing
    /// stretches that take its fast path in one go.
    fn print_ascii(&mut self, mut run: &[u8]) {
        while let Some((&first, rest)) = run.split_first() {
            let cols = self.cols;
            let (row, col) = (self.cursor.row, self.cursor.col);
            if self.cursor.pending_wrap
                || self.modes.insert
                || self.charsets[self.gl as usize & 1] != Charset::Ascii
                || col + 1 >= cols
            {
                self.print_char(first as char);
                run = rest;
                continue;
            }
            let (style, link) = (self.style, self.link);
            let grid = if self.alt_active {
                &mut self.alt
            } else {
                &mut self.primary
            };
            // Up to the last column, which `print_char` handles (wrap).
            let n = run.len().min(cols - 1 - col);
            let stored = match grid.rows.get_mut(row) {
                Some(r) if col < r.cells.len() => {
                    let end = (col + n).min(r.cells.len());
                    let cells = &mut r.cells[col..end];
                    // Cells with wide or mark flags need `print_slow`.
                    let k = cells
                        .iter()
                        .position(|c| c.flags != 0)
                        .unwrap_or(cells.len());
                    for (slot, &ch) in cells[..k].iter_mut().zip(&run[..k]) {
                        *slot = Cell {
                            ch: ch as char,
                            style,
                            flags: 0,
                            link,
                        };
                    }
                    k
                }
                _ => 0,
            };
            if stored == 0 {
                self.print_char(first as char);
                run = rest;
                continue;
            }
            self.cursor.col = col + stored;
            self.last_char = Some(run[stored - 1] as char);
            run = &run[stored..];
        }
    }

    fn print_slow(&mut self, c: char) {
        let line_drawing = self.charsets[self.gl as usize & 1] == Charset::DecSpecial
            && ('\x5f'..='\x7e').contains(&c);
        // REP repeats what was sent (`q`), drawn as the charset then says.
        let sent = c;
        let c = if line_drawing { dec_special(c) } else { c };
        let width = if (' '..'\x7f').contains(&c) {
            1
        } else {
            match c.width() {
                Some(w) => w,
                None => return,
            }
        };
        if width == 0 {
            self.add_mark(c);
            return;
        }
        self.last_char = Some(sent);
        let cols = self.cols;
        if width == 2 && cols < 2 {
            return;
        }
        if self.cursor.pending_wrap {
            self.wrap_line(false);
        }
        if width == 2 && self.cursor.col + 1 >= cols {
            if !self.modes.autowrap {
                return;
            }
            self.wrap_line(true);
        }
        let (row, col) = (self.cursor.row, self.cursor.col);
        let insert = self.modes.insert;
        let (style, link) = (self.style, self.link);
        let Some(r) = self.grid_mut().rows.get_mut(row) else {
            return;
        };
        if insert {
            r.insert_blanks(col, width, Style::default());
        }
        r.split_wide(col, width);
        if width == 1 {
            r.set(
                col,
                Cell {
                    ch: c,
                    style,
                    flags: if line_drawing { flag::DEC } else { 0 },
                    link,
                },
            );
        } else {
            r.set(
                col,
                Cell {
                    ch: c,
                    style,
                    flags: flag::WIDE,
                    link,
                },
            );
            r.set(
                col + 1,
                Cell {
                    ch: ' ',
                    style,
                    flags: flag::SPACER,
                    link,
                },
            );
        }
        if col + width >= cols {
            self.cursor.col = cols - 1;
            self.cursor.pending_wrap = self.modes.autowrap;
        } else {
            self.cursor.col = col + width;
        }
    }

    /// A zero-width character joins the cell before the cursor.
    fn add_mark(&mut self, c: char) {
        let mut col = if self.cursor.pending_wrap {
            self.cursor.col
        } else if self.cursor.col == 0 {
            return;
        } else {
            self.cursor.col - 1
        };
        if let Some(r) = self.cur_row() {
            if col > 0 && r.cells.get(col).is_some_and(|c| c.is_spacer()) {
                col -= 1;
            }
            r.add_mark(col, c);
        }
    }

    /// Continue on the next line; `pad`: the last cell was skipped by a
    /// wide character that did not fit.
    fn wrap_line(&mut self, pad: bool) {
        if let Some(r) = self.cur_row() {
            r.wrapped = true;
            r.pad = pad;
        }
        self.cursor.col = 0;
        self.cursor.pending_wrap = false;
        self.index();
    }

    // ---- vertical movement and scrolling ----

    pub fn index(&mut self) {
        self.cursor.pending_wrap = false;
        if self.cursor.row == self.bottom {
            self.scroll_up(1);
        } else if self.cursor.row + 1 < self.rows {
            self.cursor.row += 1;
        }
    }

    fn reverse_index(&mut self) {
        self.cursor.pending_wrap = false;
        if self.cursor.row == self.top {
            self.scroll_down(1);
        } else if self.cursor.row > 0 {
            self.cursor.row -= 1;
        }
    }

    /// Scroll the region up; on the primary screen, lines leaving a region
    /// that starts at the top row go to history.
    fn scroll_up(&mut self, n: usize) {
        let (top, bottom) = (self.top, self.bottom);
        self.scroll_up_in(top, bottom, n, true);
    }

    fn scroll_up_in(&mut self, top: usize, bottom: usize, n: usize, keep: bool) {
        let keep = keep && !self.alt_active && top == 0;
        let erased = self.style.erased();
        let history = &mut self.history;
        let grid = if self.alt_active {
            &mut self.alt
        } else {
            &mut self.primary
        };
        grid.scroll_up(top, bottom, n, erased, |row| {
            if keep {
                history.push_row(row);
            }
        });
    }

    fn scroll_down(&mut self, n: usize) {
        let (top, bottom, erased) = (self.top, self.bottom, self.style.erased());
        self.grid_mut().scroll_down(top, bottom, n, erased);
    }

    // ---- cursor movement ----

    fn goto(&mut self, row: usize, col: usize) {
        self.cursor = Cursor {
            row: row.min(self.rows - 1),
            col: col.min(self.cols - 1),
            pending_wrap: false,
        };
    }

    /// CUP with origin mode: rows count from the top margin and stay inside.
    fn goto_origin(&mut self, row: usize, col: usize) {
        if self.modes.origin {
            let row = (self.top + row).min(self.bottom);
            self.goto(row, col);
        } else {
            self.goto(row, col);
        }
    }

    fn up(&mut self, n: usize) {
        let limit = if self.cursor.row >= self.top {
            self.top
        } else {
            0
        };
        let row = self.cursor.row.saturating_sub(n).max(limit);
        let col = self.cursor.col;
        self.goto(row, col);
    }

    fn down(&mut self, n: usize) {
        let limit = if self.cursor.row <= self.bottom {
            self.bottom
        } else {
            self.rows - 1
        };
        let row = self.cursor.row.saturating_add(n).min(limit);
        let col = self.cursor.col;
        self.goto(row, col);
    }

    fn tab_forward(&mut self, n: usize) {
        let mut col = self.cursor.col;
        for _ in 0..n {
            match (col + 1..self.cols).find(|&c| self.tabs.get(c) == Some(&true)) {
                Some(c) => col = c,
                None => {
                    col = self.cols - 1;
                    break;
                }
            }
        }
        self.cursor.col = col;
        self.cursor.pending_wrap = false;
    }

    fn tab_backward(&mut self, n: usize) {
        let mut col = self.cursor.col;
        for _ in 0..n {
            match (0..col).rev().find(|&c| self.tabs.get(c) == Some(&true)) {
                Some(c) => col = c,
                None => {
                    col = 0;
                    break;
                }
            }
        }
        self.cursor.col = col;
        self.cursor.pending_wrap = false;
    }

    // ---- erase ----

    fn erase_display(&mut self, mode: u16) {
        let erased = self.style.erased();
        let (row, col, cols) = (self.cursor.row, self.cursor.col, self.cols);
        self.cursor.pending_wrap = false;
        match mode {
            0 => {
                let g = self.grid_mut();
                for (i, r) in g.rows.iter_mut().enumerate().skip(row) {
                    if i == row {
                        r.erase(col, cols, erased);
                        r.wrapped = false;
                    } else {
                        r.clear(erased);
                    }
                }
            }
            1 => {
                let g = self.grid_mut();
                for (i, r) in g.rows.iter_mut().enumerate().take(row + 1) {
                    if i == row {
                        r.erase(0, col + 1, erased);
                    } else {
                        r.clear(erased);
                    }
                }
            }
            2 => self.grid_mut().clear(erased),
            3 => self.history.clear(),
            _ => {}
        }
    }

    fn erase_line(&mut self, mode: u16) {
        if mode == 0 && self.cursor.pending_wrap {
            // A line that filled the row, then `CSI K` (grep and ls colour
            // output end each item so): tmux, VTE and konsole erase nothing
            // and keep the wrap pending; xterm would take the last character.
            return;
        }
        let erased = self.style.erased();
        let (col, cols) = (self.cursor.col, self.cols);
        self.cursor.pending_wrap = false;
        let Some(r) = self.cur_row() else { return };
        match mode {
            0 => {
                r.erase(col, cols, erased);
                r.wrapped = false;
            }
            1 => r.erase(0, col + 1, erased),
            2 => r.clear(erased),
            _ => {}
        }
    }

    // ---- save / restore, screens, resets ----

    fn save_cursor(&mut self) {
        let i = self.alt_active as usize;
        self.saved[i] = Saved {
            row: self.cursor.row,
            col: self.cursor.col,
            style: self.style,
            origin: self.modes.origin,
            charsets: self.charsets,
            gl: self.gl,
        };
    }

    fn restore_cursor(&mut self) {
        let s = self.saved[self.alt_active as usize];
        self.style = s.style;
        self.modes.origin = s.origin;
        self.charsets = s.charsets;
        self.gl = s.gl;
        // As xterm's CursorRestore: with origin mode the saved row is
        // re-applied relative to the margins, so the cursor stays inside.
        if s.origin {
            let row = s.row.clamp(self.top, self.bottom);
            self.goto(row, s.col);
        } else {
            self.goto(s.row, s.col);
        }
    }

    fn set_alt(&mut self, on: bool) {
        self.alt_active = on;
    }

    /// DECSTR: reset modes and the pen, keep the screen and the cursor.
    fn soft_reset(&mut self) {
        self.modes.cursor_visible = true;
        self.modes.insert = false;
        self.modes.origin = false;
        self.modes.autowrap = true;
        self.modes.app_keypad = false;
        self.modes.app_cursor = false;
        self.top = 0;
        self.bottom = self.rows - 1;
        self.charsets = [Charset::Ascii; 2];
        self.gl = 0;
        self.style = Style::default();
        self.cursor.pending_wrap = false;
        self.saved = [Saved::default(); 2];
    }

    /// RIS: everything but the history and the title back to power-on.
    fn full_reset(&mut self) {
        self.primary.clear(Style::default());
        self.alt.clear(Style::default());
        self.alt_active = false;
        self.cursor = Cursor::default();
        self.style = Style::default();
        self.saved = [Saved::default(); 2];
        self.top = 0;
        self.bottom = self.rows - 1;
        self.tabs = default_tabs(self.cols);
        self.charsets = [Charset::Ascii; 2];
        self.gl = 0;
        self.modes = Modes::default();
        self.kitty = [vec![0], vec![0]];
        self.title_stack.clear();
        self.link = 0;
        self.links.clear();
        self.last_char = None;
        self.sync = false;
    }

    fn set_mode(&mut self, private: bool, mode: u16, on: bool) {
        if !private {
            if mode == 4 {
                self.modes.insert = on;
            }
            return;
        }
        match mode {
            1 => self.modes.app_cursor = on,
            // DECNKM: the keypad mode of ESC = / ESC >, set through a mode.
            66 => self.modes.app_keypad = on,
            6 => {
                self.modes.origin = on;
                self.goto_origin(0, 0);
            }
            7 => {
                self.modes.autowrap = on;
                if !on {
                    self.cursor.pending_wrap = false;
                }
            }
            9 | 1000 | 1002 | 1003 => self.modes.mouse = if on { mode } else { 0 },
            1005 | 1006 | 1015 => {
                if on {
                    self.modes.mouse_encoding = mode;
                } else if self.modes.mouse_encoding == mode {
                    self.modes.mouse_encoding = 0;
                }
            }
            1004 => self.modes.focus = on,
            25 => self.modes.cursor_visible = on,
            2004 => self.modes.bracketed_paste = on,
            2026 => self.sync = on,
            47 => self.set_alt(on),
            1047 => {
                if !on && self.alt_active {
                    self.alt.clear(Style::default());
                }
                self.set_alt(on);
            }
            1048 => {
                if on {
                    self.save_cursor();
                } else {
                    self.restore_cursor();
                }
            }
            1049 => {
                if on {
                    if !self.alt_active {
                        self.save_cursor();
                        self.set_alt(true);
                    }
                    let erased = self.style.erased();
                    self.alt.clear(erased);
                } else {
                    self.set_alt(false);
                    self.restore_cursor();
                }
            }
            _ => {}
        }
    }

    /// DECRQM answer: 1 set, 2 reset, 0 unknown.
    fn mode_state(&self, private: bool, mode: u16) -> u8 {
        let b = |on: bool| if on { 1 } else { 2 };
        if !private {
            return if mode == 4 { b(self.modes.insert) } else { 0 };
        }
        match mode {
            1 => b(self.modes.app_cursor),
            66 => b(self.modes.app_keypad),
            6 => b(self.modes.origin),
            7 => b(self.modes.autowrap),
            9 | 1000 | 1002 | 1003 => b(self.modes.mouse == mode),
            1005 | 1006 | 1015 => b(self.modes.mouse_encoding == mode),
            1004 => b(self.modes.focus),
            25 => b(self.modes.cursor_visible),
            2004 => b(self.modes.bracketed_paste),
            2026 => b(self.sync),
            47 | 1047 | 1049 => b(self.alt_active),
            _ => 0,
        }
    }

    fn set_title(&mut self, parts: &[&[u8]]) {
        let mut title = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                title.push(';');
            }
            title.push_str(&String::from_utf8_lossy(p));
        }
        title.retain(|c| !c.is_control());
        if title.len() > MAX_TITLE {
            let mut cut = MAX_TITLE;
            while !title.is_char_boundary(cut) {
                cut -= 1;
            }
            title.truncate(cut);
        }
        self.title = title;
    }

    /// The id of hyperlink `key`, adding it to the table (0 when full).
    fn intern_link(&mut self, key: String) -> u16 {
        if key.chars().any(|c| c.is_control()) {
            return 0;
        }
        if let Some(i) = self.links.iter().position(|l| *l == key) {
            return i as u16 + 1;
        }
        if self.links.len() >= MAX_LINKS {
            self.collect_links();
        }
        if self.links.len() >= MAX_LINKS {
            return 0;
        }
        self.links.push(key);
        self.links.len() as u16
    }

    /// Drop links no cell and not the pen uses, renumbering the rest.
    fn collect_links(&mut self) {
        let mut used = vec![false; self.links.len() + 1];
        let grids = [&self.primary, &self.alt];
        for cell in grids
            .iter()
            .flat_map(|g| g.rows.iter().flat_map(|r| r.cells.iter()))
        {
            if let Some(u) = used.get_mut(cell.link as usize) {
                *u = true;
            }
        }
        if let Some(u) = used.get_mut(self.link as usize) {
            *u = true;
        }
        let mut map = vec![0u16; used.len()];
        let mut kept = Vec::new();
        for (i, link) in std::mem::take(&mut self.links).into_iter().enumerate() {
            if used[i + 1] {
                kept.push(link);
                map[i + 1] = kept.len() as u16;
            }
        }
        self.links = kept;
        for g in [&mut self.primary, &mut self.alt] {
            for cell in g.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
                cell.link = map.get(cell.link as usize).copied().unwrap_or(0);
            }
        }
        self.link = map.get(self.link as usize).copied().unwrap_or(0);
    }

    /// The `params;uri` of link `id`, if any.
    pub fn link_target(&self, id: u16) -> Option<&str> {
        let i = (id as usize).checked_sub(1)?;
        self.links.get(i).map(String::as_str)
    }

    fn kitty_stack(&mut self) -> &mut Vec<u8> {
        &mut self.kitty[self.alt_active as usize]
    }

    // ---- SGR ----

    fn sgr(&mut self, params: &Params) {
        self.sgr_params(params.is_empty(), params.iter());
    }

    /// SGR with plain `;`-separated values (no subparameters), as
    /// `Screen::feed` parses the common `CSI ... m` itself.
    pub(crate) fn sgr_values(&mut self, values: &[u16]) {
        apply_sgr_values(&mut self.style, values);
    }

    fn sgr_params<'a>(&mut self, empty: bool, it: impl Iterator<Item = &'a [u16]>) {
        apply_sgr(&mut self.style, empty, it);
    }
}

/// `sgr_values` on any style.
pub(super) fn apply_sgr_values(s: &mut Style, values: &[u16]) {
    apply_sgr(
        s,
        values.is_empty(),
        values.iter().map(std::slice::from_ref),
    );
}

/// Apply SGR parameters (each with its subparameters) to `s`.
fn apply_sgr<'a>(s: &mut Style, empty: bool, mut it: impl Iterator<Item = &'a [u16]>) {
    if empty {
        *s = Style::default();
        return;
    }
    while let Some(p) = it.next() {
        match p[0] {
            0 => *s = Style::default(),
            1 => s.attrs |= attr::BOLD,
            2 => s.attrs |= attr::DIM,
            3 => s.attrs |= attr::ITALIC,
            4 => {
                s.underline = match p.get(1) {
                    None => underline::SINGLE,
                    Some(&n) if n <= 5 => n as u8,
                    Some(_) => underline::SINGLE,
                }
            }
            5 | 6 => s.attrs |= attr::BLINK,
            7 => s.attrs |= attr::REVERSE,
            8 => s.attrs |= attr::HIDDEN,
            9 => s.attrs |= attr::STRIKE,
            21 => s.underline = underline::DOUBLE,
            22 => s.attrs &= !(attr::BOLD | attr::DIM),
            23 => s.attrs &= !attr::ITALIC,
            24 => s.underline = underline::NONE,
            25 => s.attrs &= !attr::BLINK,
            27 => s.attrs &= !attr::REVERSE,
            28 => s.attrs &= !attr::HIDDEN,
            29 => s.attrs &= !attr::STRIKE,
            n @ 30..=37 => s.fg = Color::indexed((n - 30) as u8),
            39 => s.fg = Color::DEFAULT,
            n @ 40..=47 => s.bg = Color::indexed((n - 40) as u8),
            49 => s.bg = Color::DEFAULT,
            53 => s.attrs |= attr::OVERLINE,
            55 => s.attrs &= !attr::OVERLINE,
            59 => s.ul_color = Color::DEFAULT,
            n @ 90..=97 => s.fg = Color::indexed((n - 90 + 8) as u8),
            n @ 100..=107 => s.bg = Color::indexed((n - 100 + 8) as u8),
            n @ (38 | 48 | 58) => {
                let color = if p.len() > 1 {
                    extended_color_sub(p)
                } else {
                    extended_color_semicolon(&mut it)
                };
                if let Some(c) = color {
                    match n {
                        38 => s.fg = c,
                        48 => s.bg = c,
                        _ => s.ul_color = c,
                    }
                }
            }
            _ => {}
        }
    }
}

fn byte(v: u16) -> u8 {
    v.min(255) as u8
}

/// `38:5:n`, `38:2:r:g:b` or `38:2:cs:r:g:b` (one param with subparams).
fn extended_color_sub(p: &[u16]) -> Option<Color> {
    match p.get(1)? {
        5 => Some(Color::palette(byte(*p.get(2)?))),
        2 => {
            let rgb = if p.len() >= 6 { &p[3..6] } else { p.get(2..5)? };
            Some(Color::rgb(byte(rgb[0]), byte(rgb[1]), byte(rgb[2])))
        }
        _ => None,
    }
}

/// `38;5;n` or `38;2;r;g;b`: the colour takes the following params.
fn extended_color_semicolon<'a>(it: &mut impl Iterator<Item = &'a [u16]>) -> Option<Color> {
    match it.next()?.first()? {
        5 => Some(Color::palette(byte(*it.next()?.first()?))),
        2 => {
            let r = *it.next()?.first()?;
            let g = *it.next()?.first()?;
            let b = *it.next()?.first()?;
            Some(Color::rgb(byte(r), byte(g), byte(b)))
        }
        _ => None,
    }
}

/// First value of each param; missing ones read as 0 ("default").
struct Args {
    v: [u16; 32],
    n: usize,
}

impl Args {
    fn new(params: &Params) -> Args {
        let mut v = [0u16; 32];
        let mut n = 0;
        for p in params.iter() {
            if n < v.len() {
                v[n] = p.first().copied().unwrap_or(0);
                n += 1;
            }
        }
        Args { v, n }
    }
    /// Param `i` or `default` when missing or 0.
    fn get(&self, i: usize, default: u16) -> u16 {
        match self.v.get(i) {
            Some(&v) if i < self.n && v != 0 => v,
            _ => default,
        }
    }
    /// A count: missing or 0 means 1.
    fn count(&self, i: usize) -> usize {
        self.get(i, 1) as usize
    }
    fn raw(&self, i: usize) -> u16 {
        if i < self.n {
            self.v[i]
        } else {
            0
        }
    }
    fn all(&self) -> &[u16] {
        &self.v[..self.n]
    }
}

impl Perform for Term {
    #[inline(always)]
    fn terminated(&self) -> bool {
        self.seq_done
    }

    #[inline]
    fn print(&mut self, c: char) {
        self.print_char(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            0x08 => {
                self.cursor.col = self.cursor.col.saturating_sub(1);
                self.cursor.pending_wrap = false;
            }
            0x09 => self.tab_forward(1),
            0x0a..=0x0c => self.index(),
            0x0d => {
                self.cursor.col = 0;
                self.cursor.pending_wrap = false;
            }
            0x0e => self.gl = 1,
            0x0f => self.gl = 0,
            // 8-bit C1 controls, which vte hands over as single bytes.
            0x84 => self.index(),
            0x85 => {
                self.cursor.col = 0;
                self.index();
            }
            0x88 => self.set_tab(),
            0x8d => self.reverse_index(),
            _ => {}
        }
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], bell_terminated: bool) {
        // Ended by BEL, the parser is back in ground; ended by ESC it is
        // not (CAN/SUB also pass `false`, which is only conservative).
        self.seq_done = bell_terminated;
        match params.first() {
            Some(&b"0") | Some(&b"2") => self.set_title(&params[1..]),
            Some(&b"8") if params.len() >= 3 => {
                let uri = params[2..].join(&b';');
                self.link = if uri.is_empty() {
                    0
                } else {
                    let key = format!(
                        "{};{}",
                        String::from_utf8_lossy(params[1]),
                        String::from_utf8_lossy(&uri)
                    );
                    self.intern_link(key)
                };
            }
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], _ignore: bool, byte: u8) {
        self.seq_done = true;
        match (intermediates, byte) {
            ([], b'7') => self.save_cursor(),
            ([], b'8') => self.restore_cursor(),
            ([], b'D') => self.index(),
            ([], b'E') => {
                self.cursor.col = 0;
                self.index();
            }
            ([], b'H') => self.set_tab(),
            ([], b'M') => self.reverse_index(),
            ([], b'c') => self.full_reset(),
            ([], b'=') => self.modes.app_keypad = true,
            ([], b'>') => self.modes.app_keypad = false,
            ([b'('], c) => self.charsets[0] = charset(c),
            ([b')'], c) => self.charsets[1] = charset(c),
            ([b'#'], b'8') => {
                // DECALN: fill with 'E', reset margins, home.
                for r in self.grid_mut().rows.iter_mut() {
                    r.clear(Style::default());
                    r.cells.fill(Cell {
                        ch: 'E',
                        ..Cell::BLANK
                    });
                }
                self.top = 0;
                self.bottom = self.rows - 1;
                self.goto(0, 0);
            }
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        self.seq_done = true;
        if ignore {
            return;
        }
        if intermediates.is_empty() && action == 'm' {
            self.sgr(params);
            return;
        }
        let a = Args::new(params);
        match (intermediates, action) {
            ([], 'm') => self.sgr(params),
            ([], '@') => {
                let (col, n, erased) = (self.cursor.col, a.count(0), self.style.erased());
                self.cursor.pending_wrap = false;
                if let Some(r) = self.cur_row() {
                    r.insert_blanks(col, n, erased);
                }
            }
            ([], 'A') => self.up(a.count(0)),
            ([], 'B') | ([], 'e') => self.down(a.count(0)),
            ([], 'C') | ([], 'a') => {
                let (row, col) = (self.cursor.row, self.cursor.col);
                self.goto(row, col.saturating_add(a.count(0)));
            }
            ([], 'D') => {
                let (row, col) = (self.cursor.row, self.cursor.col);
                self.goto(row, col.saturating_sub(a.count(0)));
            }
            ([], 'E') => {
                self.down(a.count(0));
                self.cursor.col = 0;
            }
            ([], 'F') => {
                self.up(a.count(0));
                self.cursor.col = 0;
            }
            ([], 'G') | ([], '`') => {
                let row = self.cursor.row;
                self.goto(row, a.count(0) - 1);
            }
            ([], 'H') | ([], 'f') => self.goto_origin(a.count(0) - 1, a.count(1) - 1),
            ([], 'd') => {
                let col = self.cursor.col;
                self.goto_origin(a.count(0) - 1, col);
            }
            ([], 'I') => self.tab_forward(a.count(0)),
            ([], 'Z') => self.tab_backward(a.count(0)),
            ([], 'J') | ([b'?'], 'J') => self.erase_display(a.raw(0)),
            ([], 'K') | ([b'?'], 'K') => self.erase_line(a.raw(0)),
            ([], 'L') | ([], 'M') => {
                let row = self.cursor.row;
                if row >= self.top && row <= self.bottom {
                    let (n, bottom, erased) = (a.count(0), self.bottom, self.style.erased());
                    if action == 'L' {
                        self.grid_mut().scroll_down(row, bottom, n, erased);
                    } else {
                        self.scroll_up_in(row, bottom, n, false);
                    }
                    self.goto(row, 0);
                }
            }
            ([], 'P') => {
                let (col, n, erased) = (self.cursor.col, a.count(0), self.style.erased());
                self.cursor.pending_wrap = false;
                if let Some(r) = self.cur_row() {
                    r.delete_cells(col, n, erased);
                }
            }
            ([], 'S') => self.scroll_up(a.count(0)),
            // `CSI Ps ; ... T` with several params is xterm's mouse
            // highlight tracking, not SD.
            ([], 'T') if a.n <= 1 => self.scroll_down(a.count(0)),
            ([], 'X') => {
                let (col, n, erased) = (self.cursor.col, a.count(0), self.style.erased());
                self.cursor.pending_wrap = false;
                if let Some(r) = self.cur_row() {
                    r.erase(col, col.saturating_add(n), erased);
                }
            }
            ([], 'b') => {
                if let Some(c) = self.last_char {
                    // More repeats than cells only scroll the same text by.
                    let n = a.count(0).min(self.cols * self.rows + self.cols);
                    for _ in 0..n {
                        self.print_char(c);
                    }
                }
            }
            ([], 'c') if a.raw(0) == 0 => self.reply(b"\x1b[?62;22c"),
            ([b'>'], 'c') if a.raw(0) == 0 => self.reply(b"\x1b[>1;10;0c"),
            ([], 'g') => match a.raw(0) {
                0 => {
                    let col = self.cursor.col;
                    if let Some(t) = self.tabs.get_mut(col) {
                        *t = false;
                    }
                }
                3 => self.tabs.fill(false),
                _ => {}
            },
            ([], 'h') | ([], 'l') => {
                for &m in a.all() {
                    self.set_mode(false, m, action == 'h');
                }
            }
            ([b'?'], 'h') | ([b'?'], 'l') => {
                for &m in a.all() {
                    self.set_mode(true, m, action == 'h');
                }
            }
            ([], 'n') => match a.raw(0) {
                5 => self.reply(b"\x1b[0n"),
                6 => {
                    let reply = self.cursor_report("");
                    self.reply(reply.as_bytes());
                }
                _ => {}
            },
            ([b'?'], 'n') if a.raw(0) == 6 => {
                let reply = self.cursor_report("?");
                self.reply(reply.as_bytes());
            }
            ([], 'r') => {
                let top = a.get(0, 1) as usize - 1;
                let bottom = (a.get(1, self.rows as u16) as usize).min(self.rows) - 1;
                if top < bottom {
                    self.top = top;
                    self.bottom = bottom;
                    self.goto_origin(0, 0);
                }
            }
            ([], 't') => match a.raw(0) {
                // Text area size in characters.
                18 => {
                    let reply = format!("\x1b[8;{};{}t", self.rows, self.cols);
                    self.reply(reply.as_bytes());
                }
                // Push / pop the title (vim does both around its run).
                22 if matches!(a.raw(1), 0 | 2) => {
                    if self.title_stack.len() >= TITLE_STACK_MAX {
                        self.title_stack.remove(0);
                    }
                    self.title_stack.push(self.title.clone());
                }
                23 if matches!(a.raw(1), 0 | 2) => {
                    if let Some(t) = self.title_stack.pop() {
                        self.title = t;
                    }
                }
                _ => {}
            },
            ([], 's') => self.save_cursor(),
            ([], 'u') => self.restore_cursor(),
            ([b' '], 'q') => self.modes.cursor_style = a.raw(0).min(6) as u8,
            ([b'!'], 'p') => self.soft_reset(),
            ([b'?', b'$'], 'p') | ([b'$'], 'p') => {
                let private = intermediates.len() == 2;
                let mode = a.raw(0);
                let state = self.mode_state(private, mode);
                let q = if private { "?" } else { "" };
                let reply = format!("\x1b[{q}{mode};{state}$y");
                self.reply(reply.as_bytes());
            }
            ([b'>'], 'u') => {
                let flags = (a.raw(0) & 0x1f) as u8;
                let stack = self.kitty_stack();
                stack.push(flags);
                if stack.len() > KITTY_STACK_MAX {
                    stack.remove(0);
                }
            }
            ([b'<'], 'u') => {
                let n = a.count(0);
                let stack = self.kitty_stack();
                let keep = stack.len().saturating_sub(n);
                stack.truncate(keep);
                if stack.is_empty() {
                    stack.push(0);
                }
            }
            ([b'='], 'u') => {
                let flags = (a.raw(0) & 0x1f) as u8;
                let mode = a.get(1, 1);
                let stack = self.kitty_stack();
                if let Some(cur) = stack.last_mut() {
                    match mode {
                        1 => *cur = flags,
                        2 => *cur |= flags,
                        3 => *cur &= !flags,
                        _ => {}
                    }
                }
            }
            // `CSI ? u` (kitty flags query) is deliberately not answered:
            // a program that hears "supported" while detached would keep
            // sending kitty-encoded expectations to a client terminal that
            // may not speak the protocol. Terminals without it stay silent too.
            ([b'>'], 'm') if a.raw(0) == 4 => {
                self.modes.modify_other_keys = a.raw(1).min(3) as u8;
            }
            ([b'>'], 'n') if a.raw(0) == 4 => self.modes.modify_other_keys = 0,
            _ => {}
        }
    }
}

fn charset(c: u8) -> Charset {
    if c == b'0' {
        Charset::DecSpecial
    } else {
        Charset::Ascii
    }
}

impl Term {
    fn set_tab(&mut self) {
        let col = self.cursor.col;
        if let Some(t) = self.tabs.get_mut(col) {
            *t = true;
        }
    }

    /// CPR: 1-based, relative to the margins in origin mode.
    fn cursor_report(&self, private: &str) -> String {
        let row = if self.modes.origin {
            self.cursor.row.saturating_sub(self.top)
        } else {
            self.cursor.row
        };
        format!("\x1b[{private}{};{}R", row + 1, self.cursor.col + 1)
    }

    /// Resize both screens; see `Screen::resize` for the rules.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        if cols != self.cols {
            // The primary screen re-wraps (its rows are shell output worth
            // keeping); full-screen programs on the alternate screen redraw
            // on SIGWINCH, so it is only cut or padded.
            let on_primary = !self.alt_active;
            let mut at = if on_primary {
                (self.cursor.row, self.cursor.col)
            } else {
                (self.saved[0].row, self.saved[0].col)
            };
            // The top row may continue the newest history line: take that
            // line back so the whole logical line re-wraps.
            if self.history.continues() {
                if let Some(line) = self.history.pop_newest() {
                    self.primary.rows.push_front(line.to_row(0));
                    at.0 += 1;
                }
            }
            let (row, col) = self.primary.reflow(cols, at);
            if on_primary {
                self.cursor.row = row;
                self.cursor.col = col;
            } else {
                self.saved[0].row = row;
                self.saved[0].col = col;
            }
            self.alt.resize_cols(cols);
            let old = self.cols;
            self.tabs.resize(cols, false);
            for c in old..cols {
                self.tabs[c] = c % 8 == 0;
            }
            self.cols = cols;
            self.cursor.pending_wrap = false;
        }
        // The active screen keeps the cursor row in view; the inactive
        // one keeps its saved cursor row in view.
        let mut cur = self.cursor.row;
        let (mut s0, mut s1) = (self.saved[0].row, self.saved[1].row);
        let (p_row, a_row) = if self.alt_active {
            (&mut s0, &mut cur)
        } else {
            (&mut cur, &mut s1)
        };
        resize_rows(&mut self.primary, rows, p_row, Some(&mut self.history));
        resize_rows(&mut self.alt, rows, a_row, None);
        self.cursor.row = cur;
        self.saved[0].row = s0;
        self.saved[1].row = s1;
        self.rows = rows;
        self.top = 0;
        self.bottom = self.rows - 1;
        self.cursor.row = self.cursor.row.min(self.rows - 1);
        self.cursor.col = self.cursor.col.min(self.cols - 1);
        for s in self.saved.iter_mut() {
            s.row = s.row.min(self.rows - 1);
            s.col = s.col.min(self.cols - 1);
        }
    }
}

/// Change the height of one grid. Shrinking drops blank rows below `cursor`
/// first, then pushes rows off the top (into `history` when given) so the
/// cursor row stays visible, as xterm does. Growing pulls lines back from
/// `history` when there are any, else adds blank rows at the bottom.
fn resize_rows(grid: &mut Grid, rows: usize, cursor: &mut usize, history: Option<&mut History>) {
    let cols = grid.cols;
    let old = grid.rows.len();
    if rows < old {
        let mut excess = old - rows;
        while excess > 0
            && grid.rows.len() > *cursor + 1
            && grid.rows.back().is_some_and(|r| r.content_len() == 0)
        {
            grid.rows.pop_back();
            excess -= 1;
        }
        let mut history = history;
        for _ in 0..excess {
            if let Some(row) = grid.rows.pop_front() {
                if let Some(h) = history.as_deref_mut() {
                    h.push_row(&row);
                }
            }
            *cursor = cursor.saturating_sub(1);
        }
        grid.rows.truncate(rows);
    } else {
        let mut added = rows - old;
        if let Some(h) = history {
            while added > 0 {
                let Some(line) = h.pop_newest() else { break };
                let mut parts = Grid::split_row(line.to_row(0), cols);
                // Rows that do not fit go back to history (joined again).
                let keep = parts.len().min(added);
                let rest: Vec<Row> = parts.drain(..parts.len() - keep).collect();
                for row in &rest {
                    h.push_row(row);
                }
                for row in parts.into_iter().rev() {
                    grid.rows.push_front(row);
                    *cursor += 1;
                    added -= 1;
                }
                if !rest.is_empty() {
                    break;
                }
            }
        }
        for _ in 0..added {
            grid.rows.push_back(Row::new(cols));
        }
    }
}
