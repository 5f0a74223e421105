//! The session's screen model, fed behind the output.
//!
//! Program output reaches clients at once; the model catches up when the
//! event loop has nothing else to do, a slice at a time (`work`), so that
//! modelling a flood never holds up reading the pty or writing to clients.
//! Only when it lags by `MAX_LAG` bytes does it catch up at once. A flood is
//! cheapest to model in large pieces: whole lines that scroll off go
//! straight to history (`screen::fastscroll`), and each slice leaves its
//! last screenful of lines for the next one (`Screen::feed_ahead`).
//! Whatever reads the model gets it up to date first (`screen`,
//! `screen_mut`), and the event loop catches it up before it sleeps, so a
//! program waiting for the answer to a query gets it.

use crate::screen::{Screen, FEED_AHEAD_MAX};

/// Output gathered before the model catches up regardless.
const MAX_LAG: usize = 1024 * 1024;
/// Output fed at a time while the loop has nothing else to do; each slice
/// feeds at least `SLICE - FEED_AHEAD_MAX` bytes.
const SLICE: usize = 64 * 1024;
const _: () = assert!(SLICE > FEED_AHEAD_MAX);
/// A gathered buffer larger than this is given back once the model is idle.
const KEEP: usize = 64 * 1024;

pub struct Model {
    screen: Screen,
    /// Output gathered; `backlog[fed..]` is not yet in the model.
    backlog: Vec<u8>,
    fed: usize,
}

impl Model {
    pub fn new(screen: Screen) -> Model {
        Model {
            screen,
            backlog: Vec::new(),
            fed: 0,
        }
    }

    /// Program output, for the model.
    pub fn output(&mut self, bytes: &[u8]) {
        // What was fed is dropped once it is half the buffer: each byte is
        // moved at most once on average.
        if self.fed > 0 && self.fed * 2 >= self.backlog.len() {
            self.backlog.drain(..self.fed);
            self.fed = 0;
        }
        self.backlog.extend_from_slice(bytes);
        if self.lag() >= MAX_LAG {
            // More is coming: the model may leave the last lines for the
            // next piece.
            self.fed += self.screen.feed_ahead(&self.backlog[self.fed..]);
        }
    }

    fn lag(&self) -> usize {
        self.backlog.len() - self.fed
    }

    /// Output not yet fed to the model.
    pub fn behind(&self) -> bool {
        self.lag() > 0
    }

    /// Enough gathered to feed a slice (`work`) while output keeps coming.
    pub fn has_work(&self) -> bool {
        self.lag() >= SLICE
    }

    /// Feed one slice of what was gathered, leaving the last lines for
    /// later.
    pub fn work(&mut self) {
        let end = self.backlog.len().min(self.fed + SLICE);
        self.fed += self.screen.feed_ahead(&self.backlog[self.fed..end]);
    }

    /// Feed what was gathered.
    pub fn settle(&mut self) {
        if self.behind() {
            self.screen.feed(&self.backlog[self.fed..]);
        }
        self.backlog.clear();
        self.fed = 0;
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
        // Past `MAX_LAG`, with slices fed now and then as the loop does.
        for i in 0..200_000 {
            let line = format!("line {i}\r\n");
            m.output(line.as_bytes());
            direct.feed(line.as_bytes());
            if i % 7 == 0 && m.has_work() {
                m.work();
            }
            if i == 150_000 {
                assert_eq!(m.screen().state_eq(&direct), Ok(()));
            }
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
