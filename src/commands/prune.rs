//! `linger prune`: remove records, logs, sockets and snapshots of exited sessions.

use crate::error::Result;
use crate::registry::{self, Record, Registry};
use crate::units;
use std::io::Write;

/// Which exited sessions go (pure, for unit tests): older than `older_than`
/// seconds AND beyond the `keep` most recently ended.
pub fn select(
    recs: &[Record],
    now: i64,
    older_than: Option<u64>,
    keep: Option<usize>,
) -> Vec<Record> {
    let mut exited: Vec<&Record> = recs.iter().filter(|r| !r.is_live()).collect();
    // Most recently ended first.
    exited.sort_by_key(|r| std::cmp::Reverse(ended(r, now)));
    exited
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.is_none_or(|k| *i >= k))
        .filter(|(_, r)| older_than.is_none_or(|age| now - ended(r, now) >= age as i64))
        .map(|(_, r)| r.clone())
        .collect()
}

fn ended(r: &Record, now: i64) -> i64 {
    r.ended_at
        .as_deref()
        .and_then(units::parse_rfc3339)
        .unwrap_or(now)
}

pub fn prune(
    dry_run: bool,
    older_than: Option<u64>,
    keep: Option<usize>,
    out: &mut dyn Write,
) -> Result<i32> {
    let reg = Registry::open()?;
    let now = registry::now();
    let doomed = select(&reg.list()?, now, older_than, keep);
    let verb = if dry_run { "Would remove" } else { "Removed" };
    let mut n = 0;
    for r in &doomed {
        if !dry_run {
            // Re-check under the lock: never remove a session that came back.
            let _lock = reg.lock(&r.id)?;
            match reg.read(&r.id) {
                Ok(now_rec) if !now_rec.is_live() => reg.remove_files(&r.id),
                _ => continue,
            }
        }
        n += 1;
        let age = units::format_age((now - ended(r, now)).max(0) as u64);
        writeln!(out, "{verb} {} ({}, ended {age} ago)", r.id, r.name)?;
    }
    writeln!(out, "{verb} {n} sessions.")?;
    Ok(0)
}
