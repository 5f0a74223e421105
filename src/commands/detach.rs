//! `linger detach`: ask the supervisor to disconnect the session's clients.

use crate::client;
use crate::error::{Error, Result};
use crate::protocol::Request;
use crate::registry::Registry;
use std::io::Write;

pub fn detach(sel: &str, out: &mut dyn Write) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if !rec.is_live() {
        return Err(Error::runtime(super::attach::exited_message(&rec)));
    }
    let reply = client::request(&reg, &rec, Request::Detach)?;
    if reply.get("detached").and_then(|v| v.as_u64()).unwrap_or(0) == 0 {
        super::note(&format!("session {} is not attached", rec.id));
        return Ok(0);
    }
    writeln!(out, "Detached session {}.", rec.id)?;
    Ok(0)
}
