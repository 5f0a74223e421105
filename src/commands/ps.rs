//! `linger ps`: the registry as a table, ids, or one JSON array.

use crate::error::Result;
use crate::registry::{self, Record, Registry};
use crate::units;
use std::io::Write;

pub fn ps(all: bool, json: bool, quiet: bool, out: &mut dyn Write) -> Result<i32> {
    // One write per 8 KiB, not per row (stdout is line-buffered).
    let out = &mut std::io::BufWriter::new(out);
    let reg = Registry::open()?;
    let recs: Vec<Record> = reg
        .list()?
        .into_iter()
        .filter(|r| all || r.is_live())
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&recs)
            .map_err(|e| crate::error::Error::runtime(e.to_string()))?;
        writeln!(out, "{text}")?;
    } else if quiet {
        for r in &recs {
            writeln!(out, "{}", r.id)?;
        }
    } else {
        writeln!(
            out,
            "{}",
            row(["SESSION", "NAME", "STATUS", "ATTACH", "PID", "UPTIME", "PROFILE", "COMMAND"])
        )?;
        let now = registry::now();
        for r in &recs {
            let live = r.is_live();
            let attach = if !live {
                "-".to_string()
            } else {
                format!("{:?}", r.attachment).to_lowercase()
            };
            let pid = match (live, r.pid) {
                (true, Some(p)) => p.to_string(),
                _ => "-".into(),
            };
            // An exited session's name is free for a new one (as in the
            // table of SPEC/man page): `-` here, kept in the record.
            let name = if live { r.name.as_str() } else { "-" };
            let cmd = r.command.join(" ");
            writeln!(
                out,
                "{}",
                row([
                    &r.id,
                    name,
                    &r.status_text(),
                    &attach,
                    &pid,
                    &units::format_age(uptime(r, now)),
                    r.profile.as_deref().unwrap_or("-"),
                    &cmd,
                ])
            )?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// How long it has run (or ran, for exited sessions).
pub fn uptime(r: &Record, now: i64) -> u64 {
    let start = units::parse_rfc3339(&r.started_at).unwrap_or(now);
    let end = r
        .ended_at
        .as_deref()
        .and_then(units::parse_rfc3339)
        .unwrap_or(now);
    (end - start).max(0) as u64
}

fn row(cols: [&str; 8]) -> String {
    format!(
        "{:<10} {:<12} {:<10} {:<10} {:<8} {:<10} {:<14} {}",
        cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]
    )
    .trim_end()
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_matches_the_spec() {
        assert_eq!(
            super::row(["SESSION", "NAME", "STATUS", "ATTACH", "PID", "UPTIME", "PROFILE", "COMMAND"]),
            "SESSION    NAME         STATUS     ATTACH     PID      UPTIME     PROFILE        COMMAND"
        );
        assert_eq!(
            super::row(["a3f7c2", "calm-node", "running", "detached", "4821", "2m", "claude-code", "claude"]),
            "a3f7c2     calm-node    running    detached   4821     2m         claude-code    claude"
        );
    }
}
