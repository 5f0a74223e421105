//! `linger pause` / `unpause`: SIGSTOP / SIGCONT on the command's process group,
//! done by the supervisor so the record's status follows.

use crate::client;
use crate::error::{Error, Result};
use crate::protocol::Request;
use crate::registry::{Registry, Status};
use std::io::Write;

pub fn pause(sel: &str, pause: bool, out: &mut dyn Write) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if !rec.is_live() {
        return Err(Error::runtime(super::attach::exited_message(&rec)));
    }
    let already = if pause {
        Status::Paused
    } else {
        Status::Running
    };
    if rec.status == already {
        let what = if pause {
            "already paused"
        } else {
            "not paused"
        };
        super::note(&format!("session {} is {what}", rec.id));
        return Ok(0);
    }
    client::request(
        &reg,
        &rec,
        if pause {
            Request::Pause
        } else {
            Request::Unpause
        },
    )?;
    let verb = if pause { "Paused" } else { "Unpaused" };
    writeln!(out, "{verb} session {}.", rec.id)?;
    Ok(0)
}
