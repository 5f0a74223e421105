//! Screen → bytes (redraw for a terminal) and → text (logs, snapshots, goldens).
//! STUB: replaced by the real renderer (issue 3); keep the signatures.

use super::Screen;

/// How a redraw is laid out on the client's terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redraw {
    /// First paint after `attach`: on the primary screen the last `history` lines
    /// of scrollback flow out first (so they land in the terminal's own
    /// scrollback), then the screen rows; never `CSI 3 J`.
    Attach { history: usize },
    /// In-place repaint of the visible screen (a client that fell behind).
    Resync,
}

/// Bytes that reproduce the model on an xterm-compatible terminal of the same size.
pub fn redraw(screen: &Screen, how: Redraw) -> Vec<u8> {
    let _ = how;
    screen.stub_text().to_vec()
}

/// Which lines `text_lines` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    History,
    Screen,
    All,
}

/// Lines as text, oldest first, trailing blanks trimmed; with `ansi`, colours and
/// attributes are kept as SGR sequences (each line ends with attributes reset).
pub fn text_lines(screen: &Screen, which: Lines, ansi: bool) -> Vec<String> {
    let _ = (which, ansi);
    String::from_utf8_lossy(screen.stub_text())
        .lines()
        .map(str::to_string)
        .collect()
}

/// Bytes that undo, on the client's terminal, the modes the session set: leave
/// the alternate screen, cursor visible, mouse, bracketed paste, focus and
/// kitty keyboard flags off, attributes reset. Never a full reset.
pub fn restore_sequence(screen: &Screen) -> Vec<u8> {
    let mut out = Vec::new();
    if screen.alternate_active() {
        out.extend_from_slice(b"\x1b[?1049l");
    }
    out.extend_from_slice(b"\x1b[0m\x1b[?25h\x1b[?1l\x1b>\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l");
    out
}
