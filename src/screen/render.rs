//! Screen → bytes (redraw for a terminal) and → text (logs, snapshots, goldens).
//!
//! A redraw is written for an xterm-compatible terminal of the model's size.
//! It is wrapped in synchronized output (?2026) so supporting terminals show
//! it at once, hides the cursor while painting, and ends by restoring every
//! piece of state a program relies on: margins, cursor (including a pending
//! wrap), pen, saved cursor, charsets, tab stops, input modes, kitty keyboard
//! flags, title. Transient state (?2026 set by the program, unanswered
//! queries) is not replayed.

use std::fmt::Write as _;

use super::cell::{attr, flag, Cell, Color, ColorValue, Style};
use super::grid::{Grid, Row};
use super::term::{Charset, Saved, Term};
use super::Screen;

/// How a redraw is laid out on the client's terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redraw {
    /// First paint after `attach`: on the primary screen the last `history`
    /// lines of scrollback flow out first (so they land in the terminal's own
    /// scrollback), then the screen rows; never `CSI 3 J`.
    Attach { history: usize },
    /// In-place repaint of the visible screen (a client that fell behind).
    Resync,
}

/// Bytes that reproduce the model on an xterm-compatible terminal of the same size.
///
/// `Attach` starts where the terminal's cursor is and only moves it by
/// writing lines, so the user's earlier output and the session's history
/// scroll into the terminal's scrollback; the screen rows then sit exactly on
/// rows 1..R. `Resync` assumes the terminal shows (some version of) this
/// session and repaints in place.
pub fn redraw(screen: &Screen, how: Redraw) -> Vec<u8> {
    let t = screen.term();
    let mut out = Vec::with_capacity(t.cols * t.rows * 2 + 256);
    out.extend_from_slice(b"\x1b[?2026h\x1b[?25l\x1b[0m\x1b(B\x1b)B\x0f\x1b[4l\x1b[?7h");
    match how {
        Redraw::Resync => {
            // Back to the primary screen, no margins, origin mode off.
            out.extend_from_slice(b"\x1b[?1049l\x1b[r\x1b[?6l");
            paint_in_place(&mut out, &t.primary, t.cols, &t.links);
        }
        Redraw::Attach { history } => {
            // The user's terminal may be on its alternate screen: leave it.
            // ?1047, not ?1049: that one restores a cursor saved by the last
            // ?1049h even on the primary screen (tmux), which would start the
            // paint over the user's lines instead of below them.
            out.extend_from_slice(b"\x1b[?1047l");
            // Margins off without moving the cursor from the user's prompt,
            // then the start of its line (it may hold text: `printf x;
            // linger attach`).
            out.extend_from_slice(b"\x1b7\x1b[r\x1b8\r");
            paint_flowing(&mut out, t, history);
        }
    }
    kitty(&mut out, &t.kitty[0], how == Redraw::Resync);
    saved_cursor(&mut out, &t.saved[0]);
    if t.alt_active {
        // ?1049h saves the cursor in the primary slot just set, as when the
        // program switched, then clears the alternate screen.
        out.extend_from_slice(b"\x1b[?1049h");
        reset_pen_and_charsets(&mut out);
        paint_in_place(&mut out, &t.alt, t.cols, &t.links);
        kitty(&mut out, &t.kitty[1], true);
        saved_cursor(&mut out, &t.saved[1]);
        out.extend_from_slice(b"\x1b7");
    } else {
        out.extend_from_slice(b"\x1b7");
    }
    reset_pen_and_charsets(&mut out);
    // The user's terminal may have stops of its own (`tabs -4`).
    tab_stops(&mut out, t, matches!(how, Redraw::Attach { .. }));
    finish(&mut out, t);
    out.extend_from_slice(b"\x1b[?2026l");
    out
}

fn reset_pen_and_charsets(out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[0m\x1b(B\x1b)B\x0f\x1b[?6l");
}

/// Set up cursor, pen, origin mode and charsets as in `s`, for an `ESC 7`
/// (or `?1049h`) that follows. The margins are full at this point, so a
/// CUP lands on the absolute position even with origin mode on.
fn saved_cursor(out: &mut Vec<u8>, s: &Saved) {
    if s.origin {
        out.extend_from_slice(b"\x1b[?6h");
    }
    cup(out, s.row, s.col);
    sgr_from_default(out, &s.style);
    charsets(out, s.charsets, s.gl);
}

fn charsets(out: &mut Vec<u8>, sets: [Charset; 2], gl: u8) {
    if sets[0] == Charset::DecSpecial {
        out.extend_from_slice(b"\x1b(0");
    }
    if sets[1] == Charset::DecSpecial {
        out.extend_from_slice(b"\x1b)0");
    }
    if gl == 1 {
        out.push(0x0e);
    }
}

fn kitty(out: &mut Vec<u8>, stack: &[u8], always: bool) {
    if !always && stack == [0] {
        return;
    }
    // Pop everything the terminal may hold, then rebuild the stack.
    out.extend_from_slice(b"\x1b[<99u");
    if let Some((first, rest)) = stack.split_first() {
        if *first != 0 {
            let _ = write!(Bytes(out), "\x1b[={first};1u");
        }
        for f in rest {
            let _ = write!(Bytes(out), "\x1b[>{f}u");
        }
    }
}

/// The session's tab stops; `always` also when they are the default ones.
fn tab_stops(out: &mut Vec<u8>, t: &Term, always: bool) {
    let default = (0..t.cols).all(|c| t.tabs.get(c) == Some(&(c % 8 == 0 && c != 0)));
    if default && !always {
        return;
    }
    out.extend_from_slice(b"\x1b[3g");
    for (c, _) in t.tabs.iter().enumerate().filter(|(_, &on)| on) {
        cup(out, 0, c);
        out.extend_from_slice(b"\x1bH");
    }
}

/// Margins, cursor, charsets, pen, modes, title: everything after the paint.
fn finish(out: &mut Vec<u8>, t: &Term) {
    let m = &t.modes;
    if t.top != 0 || t.bottom + 1 != t.rows {
        let _ = write!(Bytes(out), "\x1b[{};{}r", t.top + 1, t.bottom + 1);
    }
    if m.origin {
        out.extend_from_slice(b"\x1b[?6h");
    }
    let origin_row = |row: usize| {
        if m.origin {
            row.saturating_sub(t.top)
        } else {
            row
        }
    };
    let c = t.cursor;
    let grid = t.grid();
    match grid.rows.get(c.row) {
        Some(row) if c.pending_wrap => {
            // Write the last cell again: the terminal ends in the same
            // "wrap next" state as the program left it.
            let col = if c.col > 0 && row.cells.get(c.col).is_some_and(|x| x.is_spacer()) {
                c.col - 1
            } else {
                c.col
            };
            cup(out, origin_row(c.row), col);
            let mut pen = Style::default();
            let mut link = LinkPen::new(&t.links);
            let mut drawing = LineDrawing::Terminal(false);
            write_cell(out, row, col, &mut pen, &mut link, &mut drawing);
            drawing.end(out);
            link.set(out, 0);
            out.extend_from_slice(b"\x1b[0m");
        }
        _ => cup(out, origin_row(c.row), c.col),
    }
    charsets(out, t.charsets, t.gl);
    sgr_from_default(out, &t.style);
    let flag = |out: &mut Vec<u8>, mode: &str, on: bool| {
        let _ = write!(Bytes(out), "\x1b[{mode}{}", if on { 'h' } else { 'l' });
    };
    if !m.autowrap {
        out.extend_from_slice(b"\x1b[?7l");
    }
    if m.insert {
        out.extend_from_slice(b"\x1b[4h");
    }
    let _ = write!(Bytes(out), "\x1b[{} q", m.cursor_style);
    flag(out, "?1", m.app_cursor);
    out.extend_from_slice(if m.app_keypad { b"\x1b=" } else { b"\x1b>" });
    flag(out, "?2004", m.bracketed_paste);
    out.extend_from_slice(b"\x1b[?9;1000;1002;1003l\x1b[?1005;1006;1015l");
    if m.mouse != 0 {
        let _ = write!(Bytes(out), "\x1b[?{}h", m.mouse);
    }
    if m.mouse_encoding != 0 {
        let _ = write!(Bytes(out), "\x1b[?{}h", m.mouse_encoding);
    }
    flag(out, "?1004", m.focus);
    if m.modify_other_keys != 0 {
        let _ = write!(Bytes(out), "\x1b[>4;{}m", m.modify_other_keys);
    }
    if t.link != 0 {
        // The program's next text continues its open hyperlink.
        LinkPen::new(&t.links).set(out, t.link);
    }
    if !t.title.is_empty() {
        let _ = write!(Bytes(out), "\x1b]2;{}\x07", t.title);
    }
    if m.cursor_visible {
        out.extend_from_slice(b"\x1b[?25h");
    }
}

/// Repaint every row with CUP; the rest of each row is erased in the
/// default style.
fn paint_in_place(out: &mut Vec<u8>, grid: &Grid, cols: usize, links: &[String]) {
    for (r, row) in grid.rows.iter().enumerate() {
        cup(out, r, 0);
        let mut pen = Style::default();
        let mut link = LinkPen::new(links);
        let width = write_row(
            out,
            row,
            &mut pen,
            &mut link,
            &mut LineDrawing::Terminal(false),
        );
        link.set(out, 0);
        if !pen.is_default() {
            out.extend_from_slice(b"\x1b[0m");
        }
        if width < cols {
            out.extend_from_slice(b"\x1b[K");
        }
    }
}

/// History lines then screen rows as lines joined by CRLF, from wherever
/// the cursor is. A soft-wrapped row that ends at the margin is followed by
/// the next row's text without CRLF: the terminal wraps it itself and so
/// knows the two rows are one line (for its own reflow and selection).
fn paint_flowing(out: &mut Vec<u8>, t: &Term, history: usize) {
    let skip = t.history.len().saturating_sub(history);
    let history_rows = t.history.iter_from(skip).map(|l| l.to_row(0));
    let mut rows = history_rows
        .map(std::borrow::Cow::Owned)
        .chain(t.primary.rows.iter().map(std::borrow::Cow::Borrowed))
        .peekable();
    while let Some(row) = rows.next() {
        // A blank left at the margin by a wide character that wrapped is
        // not written: the terminal skips it again when the wide character
        // comes next and does not fit.
        let pad = row.cells.len() == t.cols && row.pad_before(rows.peek().map(|r| &**r));
        let pending = flow_line(out, &row, t.cols, pad, &t.links);
        match rows.peek() {
            None => break,
            Some(_) if pad => {}
            Some(next) if row.wrapped && pending && (next.wrapped || next.content_len() > 0) => {}
            Some(_) => out.extend_from_slice(b"\r\n"),
        }
    }
}

/// One line of a flowing paint: its cells, then an erase of whatever the
/// terminal had to the right, unless the line ended exactly at the margin
/// (an erase in the wrap-pending state would take the last cell).
/// Returns whether the terminal is left in the wrap-pending state.
fn flow_line(out: &mut Vec<u8>, row: &Row, cols: usize, pad: bool, links: &[String]) -> bool {
    let mut pen = Style::default();
    let mut link = LinkPen::new(links);
    // A soft-wrapped row is written in full: its blanks are text.
    let len = if pad {
        row.cells.len() - 1
    } else if row.wrapped {
        row.cells.len()
    } else {
        row.content_len()
    };
    let mut col = 0;
    let mut pending = false;
    let mut drawing = LineDrawing::Terminal(false);
    let mut i = 0;
    while i < len {
        let w = if row.cells[i].is_wide() { 2 } else { 1 };
        write_cell(out, row, i, &mut pen, &mut link, &mut drawing);
        if pending || col + w > cols {
            col = 0;
        }
        col += w;
        pending = col >= cols;
        i += w;
    }
    drawing.end(out);
    link.set(out, 0);
    if pad {
        // Erase the padding cell in its own background (erase uses the pen's).
        if let Some(cell) = row.cells.get(len) {
            sgr_diff(out, &pen, &cell.style);
            pen = cell.style;
        }
    }
    if !pen.is_default() && !pad {
        out.extend_from_slice(b"\x1b[0m");
        pen = Style::default();
    }
    if !pending {
        out.extend_from_slice(b"\x1b[K");
    }
    if !pen.is_default() {
        out.extend_from_slice(b"\x1b[0m");
    }
    pending
}

/// Cells up to the last non-blank one; returns the columns written.
fn write_row(
    out: &mut Vec<u8>,
    row: &Row,
    pen: &mut Style,
    link: &mut LinkPen,
    drawing: &mut LineDrawing,
) -> usize {
    let len = row.content_len();
    let mut i = 0;
    while i < len {
        write_cell(out, row, i, pen, link, drawing);
        i += if row.cells[i].is_wide() { 2 } else { 1 };
    }
    drawing.end(out);
    len
}

/// One cell (a wide one writes its whole character), switching the pen.
fn write_cell(
    out: &mut Vec<u8>,
    row: &Row,
    col: usize,
    pen: &mut Style,
    link: &mut LinkPen,
    drawing: &mut LineDrawing,
) {
    let Some(cell) = row.cells.get(col) else {
        return;
    };
    sgr_diff(out, pen, &cell.style);
    *pen = cell.style;
    link.set(out, cell.link);
    let ch = if cell.is_spacer() { ' ' } else { cell.ch };
    let ch = drawing.switch(out, cell).unwrap_or(ch);
    let mut buf = [0u8; 4];
    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    if cell.flags & flag::MARKS != 0 {
        out.extend_from_slice(row.marks_at(col).as_bytes());
    }
}

/// Cells drawn through the DEC special graphics set (`flag::DEC`): for a
/// terminal they are written that way again (`ESC ( 0` and the ASCII
/// character), for text as the characters they look like.
enum LineDrawing {
    Text,
    /// Whether G0 is the DEC set now (it starts as ASCII).
    Terminal(bool),
}

impl LineDrawing {
    /// Switch G0 for `cell`; the ASCII character to write when it is drawn.
    fn switch(&mut self, out: &mut Vec<u8>, cell: &Cell) -> Option<char> {
        let LineDrawing::Terminal(dec) = self else {
            return None;
        };
        let source = (cell.flags & flag::DEC != 0)
            .then(|| super::term::dec_special_source(cell.ch))
            .flatten();
        if source.is_some() != *dec {
            out.extend_from_slice(if source.is_some() {
                b"\x1b(0"
            } else {
                b"\x1b(B"
            });
            *dec = source.is_some();
        }
        source
    }

    /// G0 back to ASCII.
    fn end(&mut self, out: &mut Vec<u8>) {
        if let LineDrawing::Terminal(dec @ true) = self {
            out.extend_from_slice(b"\x1b(B");
            *dec = false;
        }
    }
}

/// The hyperlink (OSC 8) the terminal has open while painting.
struct LinkPen<'a> {
    table: &'a [String],
    cur: u16,
}

impl<'a> LinkPen<'a> {
    /// Links from `table`; with an empty table none are written.
    fn new(table: &'a [String]) -> LinkPen<'a> {
        LinkPen { table, cur: 0 }
    }

    /// Switch to link `id` (0: none).
    fn set(&mut self, out: &mut Vec<u8>, id: u16) {
        if id == self.cur {
            return;
        }
        match (id as usize).checked_sub(1).and_then(|i| self.table.get(i)) {
            Some(key) => {
                out.extend_from_slice(b"\x1b]8;");
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\x1b\\");
                self.cur = id;
            }
            None if self.cur != 0 => {
                out.extend_from_slice(b"\x1b]8;;\x1b\\");
                self.cur = 0;
            }
            None => {}
        }
    }
}

fn cup(out: &mut Vec<u8>, row: usize, col: usize) {
    let _ = write!(Bytes(out), "\x1b[{};{}H", row + 1, col + 1);
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

const ATTR_SGR: [(u16, &str); 8] = [
    (attr::BOLD, "1"),
    (attr::DIM, "2"),
    (attr::ITALIC, "3"),
    (attr::BLINK, "5"),
    (attr::REVERSE, "7"),
    (attr::HIDDEN, "8"),
    (attr::STRIKE, "9"),
    (attr::OVERLINE, "53"),
];

fn color_params(p: &mut String, c: Color, base: u8) {
    if !p.is_empty() {
        p.push(';');
    }
    // base is 30 (fg) or 40 (bg).
    let _ = match c.value() {
        ColorValue::Default => write!(p, "{}", base + 9),
        ColorValue::Indexed(n) if n < 8 && !c.long_form() => write!(p, "{}", base + n),
        ColorValue::Indexed(n) if n < 16 && !c.long_form() => {
            write!(p, "{}", base + 60 + n - 8)
        }
        ColorValue::Indexed(n) => write!(p, "{};5;{n}", base + 8),
        ColorValue::Rgb(r, g, b) => write!(p, "{};2;{r};{g};{b}", base + 8),
    };
}

fn ul_color_params(p: &mut String, c: Color) {
    if !p.is_empty() {
        p.push(';');
    }
    // Colon forms: a terminal that does not know 58 skips the whole
    // parameter instead of reading "5" as blink.
    let _ = match c.value() {
        ColorValue::Default => write!(p, "59"),
        ColorValue::Indexed(n) => write!(p, "58:5:{n}"),
        ColorValue::Rgb(r, g, b) => write!(p, "58:2::{r}:{g}:{b}"),
    };
}

/// SGR params that turn `from` into `to` (empty when equal). Removing an
/// attribute goes through a full reset, which is short and always right.
fn sgr_params(from: &Style, to: &Style) -> String {
    let mut p = String::new();
    if from == to {
        return p;
    }
    let mut from = *from;
    if from.attrs & !to.attrs != 0 || to.is_default() {
        p.push('0');
        from = Style::default();
    }
    for (bit, code) in ATTR_SGR {
        if to.attrs & bit != 0 && from.attrs & bit == 0 {
            if !p.is_empty() {
                p.push(';');
            }
            p.push_str(code);
        }
    }
    if to.underline != from.underline {
        if !p.is_empty() {
            p.push(';');
        }
        let _ = match to.underline {
            0 => write!(p, "24"),
            1 => write!(p, "4"),
            n => write!(p, "4:{n}"),
        };
    }
    if to.fg != from.fg {
        color_params(&mut p, to.fg, 30);
    }
    if to.bg != from.bg {
        color_params(&mut p, to.bg, 40);
    }
    if to.ul_color != from.ul_color {
        ul_color_params(&mut p, to.ul_color);
    }
    p
}

fn sgr_diff(out: &mut Vec<u8>, from: &Style, to: &Style) {
    let p = sgr_params(from, to);
    if !p.is_empty() {
        let _ = write!(Bytes(out), "\x1b[{p}m");
    }
}

fn sgr_from_default(out: &mut Vec<u8>, to: &Style) {
    sgr_diff(out, &Style::default(), to);
}

/// Which lines `text_lines` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    History,
    Screen,
    All,
}

/// Lines as text, oldest first, trailing blanks trimmed; with `ansi`, colours and
/// attributes are kept as SGR sequences (each line that set any ends with
/// `ESC [0m`). Plain lines hold no escapes at all.
///
/// `Screen` is the visible screen (the alternate one when active), one
/// string per row; `All` is the history followed by it. History lines are
/// logical lines (rows that soft-wrapped are joined), so they may be longer
/// than the screen is wide. Empty rows at the bottom of the screen are
/// dropped, as a shell prompt near the top leaves many of them.
pub fn text_lines(screen: &Screen, which: Lines, ansi: bool) -> Vec<String> {
    let t = screen.term();
    let mut lines = Vec::new();
    if which != Lines::Screen {
        for line in t.history.iter_from(0) {
            lines.push(row_text(&line.to_row(0), ansi));
        }
    }
    if which != Lines::History {
        let mut rows: Vec<String> = t.grid().rows.iter().map(|r| row_text(r, ansi)).collect();
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        lines.extend(rows);
    }
    lines
}

fn row_text(row: &Row, ansi: bool) -> String {
    let mut out = Vec::new();
    if ansi {
        let mut pen = Style::default();
        // Text keeps colours and attributes only, not hyperlinks.
        write_row(
            &mut out,
            row,
            &mut pen,
            &mut LinkPen::new(&[]),
            &mut LineDrawing::Text,
        );
        if !pen.is_default() {
            out.extend_from_slice(b"\x1b[0m");
        }
    } else {
        let mut i = 0;
        let len = row.content_len();
        while i < len {
            let cell = &row.cells[i];
            let mut buf = [0u8; 4];
            out.extend_from_slice(cell.ch.encode_utf8(&mut buf).as_bytes());
            out.extend_from_slice(row.marks_at(i).as_bytes());
            i += if cell.is_wide() { 2 } else { 1 };
        }
        while out.last() == Some(&b' ') {
            out.pop();
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The model as readable text, for golden tests:
///
/// ```text
/// size 20x4 cursor 3,1 visible            (pending-wrap / hidden as they apply)
/// modes: alt origin ...                   (only when any is not the default)
/// title: ...                              (when set)
/// history 2 lines                         (when any, followed by "h|" lines)
/// |row text
/// :aab                                    (under a row with styled cells: a style letter per column)
/// styles: a=bold,fg=1 b=...               (legend for the letters)
/// ```
pub fn dump(screen: &Screen) -> String {
    let t = screen.term();
    let mut s = String::new();
    let c = t.cursor;
    let _ = write!(
        s,
        "size {}x{} cursor {},{} {}{}",
        t.cols,
        t.rows,
        c.row,
        c.col,
        if t.modes.cursor_visible {
            "visible"
        } else {
            "hidden"
        },
        if c.pending_wrap { " pending-wrap" } else { "" }
    );
    s.push('\n');
    let modes = modes_text(t);
    if !modes.is_empty() {
        let _ = writeln!(s, "modes:{modes}");
    }
    if !t.title.is_empty() {
        let _ = writeln!(s, "title: {}", t.title);
    }
    if !t.history.is_empty() {
        let _ = writeln!(s, "history {} lines", t.history.len());
        for line in t.history.iter_from(0) {
            let _ = writeln!(s, "h|{}", row_text(&line.to_row(0), false));
        }
    }
    let mut legend: Vec<(Style, Option<&str>)> = Vec::new();
    for row in t.grid().rows.iter() {
        let _ = writeln!(s, "|{}", row_text(row, false));
        let len = row.content_len();
        let plain = |c: &super::cell::Cell| c.style.is_default() && c.link == 0;
        if row.cells[..len].iter().all(plain) {
            continue;
        }
        let mut marks = String::from(":");
        for cell in &row.cells[..len] {
            if plain(cell) {
                marks.push(' ');
                continue;
            }
            let key = (cell.style, t.link_target(cell.link));
            let i = match legend.iter().position(|x| *x == key) {
                Some(i) => i,
                None => {
                    legend.push(key);
                    legend.len() - 1
                }
            };
            marks.push(style_letter(i));
        }
        let _ = writeln!(s, "{}", marks.trim_end());
    }
    if !legend.is_empty() {
        s.push_str("styles:");
        for (i, (st, link)) in legend.iter().enumerate() {
            let _ = write!(s, " {}={}", style_letter(i), style_text(st));
            if let Some(link) = link {
                let _ = write!(s, ",link={link}");
            }
        }
        s.push('\n');
    }
    s
}

fn style_letter(i: usize) -> char {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    LETTERS.get(i).map_or('*', |&b| b as char)
}

fn color_text(c: Color) -> String {
    match c.value() {
        ColorValue::Default => "default".into(),
        ColorValue::Indexed(n) => n.to_string(),
        ColorValue::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
    }
}

/// A style as `bold,ul=curly,fg=1,bg=#ff0000`.
pub fn style_text(st: &Style) -> String {
    const NAMES: [(u16, &str); 8] = [
        (attr::BOLD, "bold"),
        (attr::DIM, "dim"),
        (attr::ITALIC, "italic"),
        (attr::BLINK, "blink"),
        (attr::REVERSE, "reverse"),
        (attr::HIDDEN, "hidden"),
        (attr::STRIKE, "strike"),
        (attr::OVERLINE, "overline"),
    ];
    let mut parts: Vec<String> = NAMES
        .iter()
        .filter(|(bit, _)| st.attrs & bit != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    const UL: [&str; 6] = ["none", "single", "double", "curly", "dotted", "dashed"];
    if st.underline != 0 {
        parts.push(format!(
            "ul={}",
            UL.get(st.underline as usize).unwrap_or(&"?")
        ));
    }
    if st.fg != Color::DEFAULT {
        parts.push(format!("fg={}", color_text(st.fg)));
    }
    if st.bg != Color::DEFAULT {
        parts.push(format!("bg={}", color_text(st.bg)));
    }
    if st.ul_color != Color::DEFAULT {
        parts.push(format!("ulc={}", color_text(st.ul_color)));
    }
    if parts.is_empty() {
        "default".into()
    } else {
        parts.join(",")
    }
}

fn modes_text(t: &Term) -> String {
    let m = &t.modes;
    let mut s = String::new();
    let mut add = |cond: bool, text: &str| {
        if cond {
            s.push(' ');
            s.push_str(text);
        }
    };
    add(t.alt_active, "alt");
    add(!m.autowrap, "no-autowrap");
    add(m.origin, "origin");
    add(m.insert, "insert");
    add(m.app_cursor, "app-cursor");
    add(m.app_keypad, "app-keypad");
    add(m.bracketed_paste, "bracketed-paste");
    add(m.focus, "focus");
    add(m.mouse != 0, &format!("mouse={}", m.mouse));
    add(
        m.mouse_encoding != 0,
        &format!("mouse-enc={}", m.mouse_encoding),
    );
    add(
        m.cursor_style != 0,
        &format!("cursor-style={}", m.cursor_style),
    );
    add(
        m.modify_other_keys != 0,
        &format!("modify-other-keys={}", m.modify_other_keys),
    );
    let k = &t.kitty[t.alt_active as usize];
    add(*k != [0], &format!("kitty={k:?}"));
    add(
        t.top != 0 || t.bottom + 1 != t.rows,
        &format!("region={}-{}", t.top, t.bottom),
    );
    add(t.charsets[0] == Charset::DecSpecial, "g0=dec");
    add(t.charsets[1] == Charset::DecSpecial, "g1=dec");
    add(t.gl == 1, "shift-out");
    add(
        !t.style.is_default(),
        &format!("pen={}", style_text(&t.style)),
    );
    if let Some(link) = t.link_target(t.link) {
        add(true, &format!("pen-link={link}"));
    }
    let sv = &t.saved[t.alt_active as usize];
    add(
        *sv != Saved::default(),
        &format!("saved={},{}", sv.row, sv.col),
    );
    let tabs_default = (0..t.cols).all(|c| t.tabs.get(c) == Some(&(c % 8 == 0 && c != 0)));
    if !tabs_default {
        let stops: Vec<String> = t
            .tabs
            .iter()
            .enumerate()
            .filter(|(_, &on)| on)
            .map(|(c, _)| c.to_string())
            .collect();
        add(true, &format!("tabs={}", stops.join(",")));
    }
    s
}

/// Pen, cursor visibility, cursor keys, keypad, mouse reporting, focus
/// events and bracketed paste back to a shell's defaults.
pub const MODES_OFF: &[u8] = b"\x1b[0m\x1b[?25h\x1b[?1l\x1b>\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l";
/// The other mouse modes, autowrap, insert mode, line drawing, cursor shape.
pub const MORE_MODES_OFF: &[u8] =
    b"\x1b[?9l\x1b[?1005l\x1b[?1015l\x1b[?7h\x1b[4l\x1b(B\x1b)B\x0f\x1b[0 q";

/// Bytes that undo, on the client's terminal, the modes the session set: leave
/// the alternate screen, cursor visible, mouse, bracketed paste, focus and
/// kitty keyboard flags off, attributes reset. Never a full reset.
pub fn restore_sequence(screen: &Screen) -> Vec<u8> {
    let mut out = Vec::new();
    if screen.alternate_active() {
        out.extend_from_slice(b"\x1b[?1049l");
    }
    out.extend_from_slice(MODES_OFF);
    let t = screen.term();
    if t.kitty.iter().any(|k| k.as_slice() != [0]) {
        // Pop whatever the session pushed and leave the flags at zero.
        out.extend_from_slice(b"\x1b[<99u\x1b[=0;1u");
    }
    if t.modes.modify_other_keys != 0 {
        out.extend_from_slice(b"\x1b[>4;0m");
    }
    // Also undo what the session (and so a redraw) may have left set that
    // would change how the user's shell behaves: the other mouse modes,
    // autowrap, insert mode, line drawing, cursor shape, an open hyperlink.
    out.extend_from_slice(MORE_MODES_OFF);
    if t.link != 0 {
        out.extend_from_slice(b"\x1b]8;;\x1b\\");
    }
    let margins = t.top != 0 || t.bottom + 1 != t.rows || t.modes.origin;
    let tabs = (0..t.cols).any(|c| t.tabs.get(c) != Some(&(c % 8 == 0 && c != 0)));
    if margins || tabs {
        // Both move the cursor: put it back where the terminal has it (the
        // primary screen's cursor, restored by ?1049l when the alternate
        // screen was active).
        let (row, col) = if t.alt_active {
            (t.saved[0].row, t.saved[0].col)
        } else {
            (t.cursor.row, t.cursor.col)
        };
        out.extend_from_slice(b"\x1b[r\x1b[?6l");
        if tabs {
            out.extend_from_slice(b"\x1b[3g");
            for c in (8..t.cols).step_by(8) {
                cup(&mut out, 0, c);
                out.extend_from_slice(b"\x1bH");
            }
        }
        cup(&mut out, row, col);
    }
    out
}
