//! The supervisor has no terminal: with `LINGER_LOG=debug` it appends to
//! `<id>.debug.log` in the state directory; otherwise this is a no-op.

use crate::registry::Registry;
use std::fs::File;
use std::io::Write;

pub struct Log(Option<File>);

impl Log {
    pub fn open(reg: &Registry, id: &str) -> Log {
        if std::env::var("LINGER_LOG").ok().as_deref() != Some("debug") {
            return Log(None);
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(reg.debug_log_path(id))
            .ok();
        Log(f)
    }

    pub fn line(&self, msg: &str) {
        if let Some(mut f) = self.0.as_ref() {
            let t = crate::units::rfc3339(crate::registry::now());
            let _ = writeln!(f, "{t} {msg}");
        }
    }
}
