//! `linger stop`: ask the supervisor to end the session (SIGHUP+SIGTERM to the
//! command's group, SIGKILL after the timeout); if the supervisor itself does
//! not finish in time, kill everything and record `killed`.

use crate::client;
use crate::error::{Error, Result};
use crate::protocol::{Frame, Request};
use crate::registry::{EndReason, Record, Registry};
use crate::sys::proc;
use std::io::Write;
use std::time::{Duration, Instant};

pub fn stop(
    sels: &[String],
    timeout: u64,
    force: bool,
    idle: Option<u64>,
    out: &mut dyn Write,
) -> Result<i32> {
    let reg = Registry::open()?;
    if let Some(idle_secs) = idle {
        return stop_idle(&reg, idle_secs, timeout, out);
    }
    // Resolve every selector first: a typo stops nothing.
    let recs = sels
        .iter()
        .map(|s| reg.select(s))
        .collect::<Result<Vec<_>>>()?;
    for rec in recs {
        if !rec.is_live() {
            super::note(&format!(
                "session {} is not running ({})",
                rec.id,
                rec.status_text()
            ));
            continue;
        }
        stop_one(&reg, &rec, timeout, force, false)?;
        writeln!(out, "Stopped session {}.", rec.id)?;
        out.flush()?;
    }
    Ok(0)
}

fn stop_idle(reg: &Registry, idle_secs: u64, timeout: u64, out: &mut dyn Write) -> Result<i32> {
    for rec in reg.list()? {
        if !rec.is_live() {
            continue;
        }
        let Ok(status) = client::request(reg, &rec, Request::Status) else {
            continue;
        };
        let detached = status.get("attachment").and_then(|v| v.as_str()) == Some("detached")
            && status.get("viewers").and_then(|v| v.as_u64()) == Some(0);
        // Milliseconds: whole seconds would make "idle for 1.9 s" not longer than 1 s.
        let idle_ms = status.get("idle_ms").and_then(|v| v.as_u64()).or_else(|| {
            status
                .get("idle_secs")
                .and_then(|v| v.as_u64())
                .map(|s| s * 1000)
        });
        if detached && idle_ms.unwrap_or(0) > idle_secs.saturating_mul(1000) {
            stop_one(reg, &rec, timeout, false, true)?;
            writeln!(out, "Stopped session {}.", rec.id)?;
            out.flush()?;
        }
    }
    Ok(0)
}

/// Stop one live session and return once its record says `exited`.
pub fn stop_one(reg: &Registry, rec: &Record, timeout: u64, force: bool, idle: bool) -> Result<()> {
    if force {
        return kill_everything(reg, rec);
    }
    let deadline = Instant::now() + Duration::from_secs(timeout) + Duration::from_secs(2);
    let asked = (|| -> Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut c = client::connect_within(reg, rec, left)?;
        c.send(&Frame::Request(Request::Stop {
            timeout_secs: timeout,
            idle,
        }))?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match c.recv(Some(left))? {
                Some(Frame::Exited { .. }) => return Ok(()),
                Some(_) => continue,
                None => return Err(Error::runtime("timed out")),
            }
        }
    })();
    if asked.is_err() {
        // No answer on the socket: fall back to SIGTERM for the supervisor.
        if let Some(pid) = rec.supervisor_pid.filter(|_| rec.supervisor_alive()) {
            let _ = proc::kill(pid, libc::SIGTERM);
        }
    }
    // The supervisor writes the final record before it says Exited; wait for
    // it to finish (and for the record) until the deadline.
    let mut delay = Duration::from_millis(2);
    loop {
        let now = reg.read(&rec.id)?;
        if !now.is_live() && !now.supervisor_alive() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return kill_everything(reg, &now);
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

/// `--force`, or a supervisor that did not finish: SIGKILL the command's
/// process group and session and the supervisor, then record `killed`.
fn kill_everything(reg: &Registry, rec: &Record) -> Result<()> {
    // The supervisor first: it must not record the command's death as an
    // ordinary exit while we are killing it.
    let supervisor_alive = rec.supervisor_alive();
    if let Some(spid) = rec.supervisor_pid.filter(|_| supervisor_alive) {
        let _ = proc::kill(spid, libc::SIGKILL);
    }
    // Only while the record is live (checked against the supervisor's
    // identity) do we trust its command pid.
    if let Some(pid) = rec
        .pid
        .filter(|&p| p > 1 && (supervisor_alive || rec.is_live()))
    {
        let _ = proc::killpg(pid, libc::SIGKILL);
        crate::pty::kill_session(pid);
    }
    let _ = std::fs::remove_file(reg.socket_path(&rec.id));
    reg.update(&rec.id, |r| {
        r.set_ended(
            EndReason::Killed,
            Some(proc::ExitInfo::Signal(libc::SIGKILL)),
        )
    })?;
    Ok(())
}
