//! The screen model: bytes in, cells out. Pure: no fds, clock or environment.
//!
//! STUB: the real model replaces this file (issue 3). The public API below is the
//! contract the supervisor, `logs` and snapshots rely on; keep it.

pub mod render;

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

pub struct Screen {
    cols: u16,
    rows: u16,
    #[allow(dead_code)]
    limits: Limits,
    replies: Vec<u8>,
    text: Vec<u8>,
}

impl Screen {
    pub fn new(cols: u16, rows: u16, limits: Limits) -> Screen {
        Screen {
            cols: cols.max(1),
            rows: rows.max(1),
            limits,
            replies: Vec::new(),
            text: Vec::new(),
        }
    }
    /// Feed program output.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.text.extend_from_slice(bytes);
        if self.text.len() > 1 << 16 {
            let cut = self.text.len() - (1 << 16);
            self.text.drain(..cut);
        }
    }
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.cols = cols.max(1);
        self.rows = rows.max(1);
    }
    /// (cols, rows)
    pub fn size(&self) -> (u16, u16) {
        (self.cols, self.rows)
    }
    /// Answers to queries (DSR 6, DA1, DA2) that the program asked since the last call.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.replies)
    }
    /// Cursor as (row, col), 0-based.
    pub fn cursor(&self) -> (u16, u16) {
        (0, 0)
    }
    pub fn title(&self) -> &str {
        ""
    }
    pub fn alternate_active(&self) -> bool {
        false
    }
    /// Lines of scrollback held.
    pub fn history_len(&self) -> usize {
        0
    }
    #[doc(hidden)]
    pub fn stub_text(&self) -> &[u8] {
        &self.text
    }
}
