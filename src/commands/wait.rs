//! `linger wait`: block on the supervisor's socket until the command exits;
//! pass its code on (124 on timeout). Never spins.

use crate::client;
use crate::error::Result;
use crate::protocol::{Frame, Request};
use crate::registry::{self, Record, Registry};
use std::time::{Duration, Instant};

pub const EXIT_TIMEOUT: i32 = 124;

pub fn wait(sels: &[String], timeout: Option<Duration>) -> Result<i32> {
    let reg = Registry::open()?;
    let recs = sels
        .iter()
        .map(|s| reg.select(s))
        .collect::<Result<Vec<_>>>()?;
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut code = 0;
    for rec in recs {
        match wait_one(&reg, &rec, deadline)? {
            Some(c) => code = c,
            None => {
                super::note(&format!("linger: timed out waiting for session {}", rec.id));
                return Ok(EXIT_TIMEOUT);
            }
        }
    }
    Ok(code)
}

/// The exit code, or None on timeout.
pub fn wait_one(reg: &Registry, rec: &Record, deadline: Option<Instant>) -> Result<Option<i32>> {
    if rec.is_live() {
        if let Ok(mut c) = client::connect(reg, rec) {
            c.send(&Frame::Request(Request::Wait))?;
            loop {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                match c.recv(left) {
                    Ok(Some(Frame::Exited { code, .. })) => return Ok(Some(code)),
                    Ok(Some(_)) => continue,
                    Ok(None) => return Ok(None),
                    Err(_) => break, // connection lost: read the record below
                }
            }
        }
    }
    // Exited already, or the supervisor went away: the record decides, with a
    // bounded backoff while it still says running.
    let lost_after = Instant::now() + registry::LOST_GRACE;
    let mut delay = Duration::from_millis(5);
    loop {
        let mut now = reg.read(&rec.id)?;
        if Instant::now() >= lost_after {
            now = reg.check_lost(now);
        }
        if !now.is_live() {
            return now.outcome().map(Some);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}
