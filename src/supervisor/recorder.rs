//! `run --record FILE`: the output stream as an asciicast v2 file. Events are
//! buffered and written in large chunks so recording never slows the loop.

use std::fs::File;
use std::io::Write;
use std::time::Instant;

const FLUSH_AT: usize = 64 * 1024;

pub struct Recorder {
    file: File,
    buf: Vec<u8>,
    start: Instant,
    /// An incomplete UTF-8 sequence at the end of the last chunk: asciicast
    /// event data must be valid UTF-8, so it waits for the rest.
    carry: Vec<u8>,
}

impl Recorder {
    pub fn create(
        path: &str,
        cols: u16,
        rows: u16,
        term: &str,
        shell: &str,
    ) -> std::io::Result<Recorder> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(path)?;
        let header = serde_json::json!({
            "version": 2,
            "width": cols,
            "height": rows,
            "timestamp": crate::registry::now(),
            "env": { "TERM": term, "SHELL": shell },
        });
        writeln!(file, "{header}")?;
        Ok(Recorder {
            file,
            buf: Vec::with_capacity(FLUSH_AT * 2),
            start: Instant::now(),
            carry: Vec::new(),
        })
    }

    fn event(&mut self, kind: &str, data: &str) {
        // Seconds with 6 decimals, rounded, as `{:.6}` of the f64 would print.
        let micros = (self.start.elapsed().as_nanos() + 500) / 1000;
        let (secs, frac) = (micros / 1_000_000, micros % 1_000_000);
        let _ = write!(self.buf, "[{secs}.{frac:06}, \"{kind}\", ");
        let _ = serde_json::to_writer(&mut self.buf, data);
        self.buf.extend_from_slice(b"]\n");
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    pub fn output(&mut self, bytes: &[u8]) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let valid_up_to = match std::str::from_utf8(&data) {
            Ok(_) => data.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => data.len(), // invalid bytes: replaced below
        };
        self.carry = data.split_off(valid_up_to);
        if !data.is_empty() {
            let text = String::from_utf8_lossy(&data).into_owned();
            self.event("o", &text);
        }
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.event("r", &format!("{cols}x{rows}"));
    }

    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            let _ = self.file.write_all(&self.buf);
            self.buf.clear();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if !self.carry.is_empty() {
            let text = String::from_utf8_lossy(&self.carry).into_owned();
            self.carry.clear();
            self.event("o", &text);
        }
        self.flush();
    }
}
