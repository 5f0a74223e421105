//! `linger attach`: find the session, attach, turn the way it ended into an exit status.

use crate::client::{self, AttachEnd};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::AttachMode;
use crate::registry::Registry;
use crate::sys::term;

pub fn attach(cfg: &Config, sel: &str, read_only: bool, takeover: bool) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if std::env::var("LINGER_SESSION").ok().as_deref() == Some(rec.id.as_str()) {
        return Err(Error::runtime("refusing to attach a session to itself"));
    }
    if !rec.is_live() {
        return Err(Error::runtime(exited_message(&rec)));
    }
    if !term::isatty(0) {
        return Err(Error::usage("stdin is not a terminal"));
    }
    let mode = match (read_only, takeover) {
        (true, _) => AttachMode::Viewer,
        (_, true) => AttachMode::Takeover,
        _ => AttachMode::Writer,
    };
    match client::attach(&reg, &rec, mode, &cfg.detach_keys)? {
        AttachEnd::Exited(code) => Ok(code),
        AttachEnd::Detached | AttachEnd::TakenOver | AttachEnd::Hangup => Ok(0),
    }
}

/// `session a3f7c2 has exited (code N)`.
pub fn exited_message(rec: &crate::registry::Record) -> String {
    match rec.exit_code {
        Some(code) => format!("session {} has exited (code {code})", rec.id),
        None => format!("session {} has exited ({})", rec.id, rec.status_text()),
    }
}
