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
