//! The session's screen model, fed in large batches.
//!
//! Program output reaches clients at once; the model may lag behind by up
//! to `BATCH` bytes while output keeps coming. A flood is cheapest to model
//! in large pieces: whole lines that scroll off go straight to history
//! (`screen::fastscroll`), and the last screenful of each piece is the
//! expensive part. Whatever reads the model gets it up to date first
//! (`screen`, `screen_mut`), and the event loop catches it up before it
//! sleeps, so a program waiting for the answer to a query gets it.

use crate::screen::Screen;

/// Output gathered before the model is fed regardless.
const BATCH: usize = 256 * 1024;
/// A gathered buffer larger than this is given back once the model is idle.
const KEEP: usize = 64 * 1024;

pub struct Model {
    screen: Screen,
    backlog: Vec<u8>,
}

impl Model {
    pub fn new(screen: Screen) -> Model {
        Model {
            screen,
            backlog: Vec::new(),
        }
    }

    /// Program output, for the model.
    pub fn output(&mut self, bytes: &[u8]) {
        self.backlog.extend_from_slice(bytes);
        if self.backlog.len() >= BATCH {
            // More is coming: the model may leave the last lines for the
            // next batch (`Screen::feed_ahead`).
            let fed = self.screen.feed_ahead(&self.backlog);
            self.backlog.drain(..fed);
        }
    }

    /// Output not yet fed to the model.
    pub fn behind(&self) -> bool {
        !self.backlog.is_empty()
    }

    /// Feed what was gathered.
    pub fn settle(&mut self) {
        if !self.backlog.is_empty() {
            self.screen.feed(&self.backlog);
            self.backlog.clear();
        }
    }

    /// Catch up before the loop sleeps, and give back a large buffer.
    pub fn idle(&mut self) {
        self.settle();
        if self.backlog.capacity() > KEEP {
            self.backlog = Vec::new();
        }
    }

    /// Answers to queries in the output fed so far (what is gathered is
    /// fed, and answered, once the loop is idle or the batch is full).
    pub fn take_replies(&mut self) -> Vec<u8> {
        self.screen.take_replies()
    }

    /// The model, up to date.
    pub fn screen(&mut self) -> &Screen {
        self.settle();
        &self.screen
    }

    pub fn screen_mut(&mut self) -> &mut Screen {
        self.settle();
        &mut self.screen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::Limits;

    #[test]
    fn reads_see_all_output_whatever_the_batching() {
        let mut m = Model::new(Screen::new(20, 3, Limits::default()));
        let mut direct = Screen::new(20, 3, Limits::default());
        // Past a batch, so that the model feeds ahead.
        for i in 0..50_000 {
            let line = format!("line {i}\r\n");
            m.output(line.as_bytes());
            direct.feed(line.as_bytes());
        }
        m.output(b"tail");
        direct.feed(b"tail");
        assert!(m.behind());
        assert_eq!(m.screen().cursor(), direct.cursor());
        assert!(!m.behind());
        assert_eq!(m.screen().state_eq(&direct), Ok(()));
        assert_eq!(m.screen().history_len(), direct.history_len());
    }
}
