//! Screen checkpoints (written by the supervisor, read by `logs` once it is
//! gone) and `save` / `restore` / `restart`.

use crate::client;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::Request;
use crate::registry::{Record, Registry};
use crate::screen::{render, Limits, Screen};
use crate::supervisor::SessionSpec;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The checkpoint file: the screen as ANSI text lines.
#[derive(Serialize, Deserialize, Default)]
pub struct ScreenFile {
    pub version: u32,
    pub cols: u16,
    pub rows: u16,
    /// 0-based (row, col).
    pub cursor: (u16, u16),
    pub history: Vec<String>,
    pub screen: Vec<String>,
}

pub fn screen_file(screen: &Screen) -> ScreenFile {
    let (cols, rows) = screen.size();
    ScreenFile {
        version: 1,
        cols,
        rows,
        cursor: screen.cursor(),
        history: render::text_lines(screen, render::Lines::History, true),
        screen: render::text_lines(screen, render::Lines::Screen, true),
    }
}

/// Write the checkpoint atomically (temporary file, then rename).
pub fn write_screen_file(path: &Path, screen: &Screen) -> std::io::Result<()> {
    let body = serde_json::to_vec(&screen_file(screen))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, body)?;
    std::fs::rename(&tmp, path)
}

pub fn read_screen_file(path: &Path) -> Option<ScreenFile> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Remove SGR (and any other CSI) sequences: ANSI lines → plain text.
pub fn strip_ansi(line: &str) -> String {
    // The same escape-sequence rules as `logs --follow` (CSI, OSC 8 links...).
    let mut out = Vec::with_capacity(line.len());
    super::logs::TextStream::default().push(line.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}

/// Scrollback and screen of any session as ANSI lines: live from the
/// supervisor, else from its last checkpoint.
pub fn session_lines(
    reg: &Registry,
    rec: &Record,
    screen_only: bool,
) -> Result<(Vec<String>, Vec<String>)> {
    if rec.is_live() {
        if let Ok(text) = client::request_text(
            reg,
            rec,
            Request::Lines {
                ansi: true,
                screen_only: true,
            },
        ) {
            let screen = lines_of(&text);
            if screen_only {
                return Ok((Vec::new(), screen));
            }
            let all = lines_of(&client::request_text(
                reg,
                rec,
                Request::Lines {
                    ansi: true,
                    screen_only: false,
                },
            )?);
            let hist = all.len().saturating_sub(screen.len());
            return Ok((all[..hist].to_vec(), all[hist..].to_vec()));
        }
    }
    match read_screen_file(&reg.screen_path(&rec.id)) {
        Some(f) => Ok((if screen_only { Vec::new() } else { f.history }, f.screen)),
        None => Ok((Vec::new(), Vec::new())),
    }
}

fn lines_of(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text)
        .lines()
        .map(str::to_string)
        .collect()
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    record: Record,
    scrollback: Vec<String>,
    screen: Vec<String>,
    cursor: Cursor,
    scrollback_ansi: Vec<String>,
    screen_ansi: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    row: u16,
    col: u16,
}

pub fn save(sel: &str, to: Option<&str>, out: &mut dyn Write) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    let (history, screen) = session_lines(&reg, &rec, false)?;
    // A running session's cursor comes from its supervisor (the checkpoint
    // may be seconds old or not written yet).
    let live_cursor = rec
        .is_live()
        .then(|| client::request(&reg, &rec, Request::Status).ok())
        .flatten()
        .and_then(|v| serde_json::from_value::<(u16, u16)>(v.get("cursor")?.clone()).ok());
    let cursor = live_cursor
        .or_else(|| read_screen_file(&reg.screen_path(&rec.id)).map(|f| f.cursor))
        .unwrap_or((0, 0));
    let snap = Snapshot {
        version: 1,
        scrollback: history.iter().map(|l| strip_ansi(l)).collect(),
        screen: screen.iter().map(|l| strip_ansi(l)).collect(),
        cursor: Cursor {
            row: cursor.0,
            col: cursor.1,
        },
        scrollback_ansi: history,
        screen_ansi: screen,
        record: rec.clone(),
    };
    let body = serde_json::to_string_pretty(&snap).map_err(|e| Error::runtime(e.to_string()))?;
    let default = format!("linger-{}.json", rec.id);
    let path = to.unwrap_or(&default);
    if path == "-" {
        writeln!(out, "{body}")?;
    } else {
        // The screen may hold secrets: private, like the records.
        write_private(path, format!("{body}\n").as_bytes())
            .map_err(|e| Error::io(format!("cannot write {path}"), e))?;
        writeln!(out, "Saved session {} to {path}.", rec.id)?;
    }
    Ok(0)
}

/// Create or replace `path` with mode 0600.
fn write_private(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

/// A new session like `rec`, with its old lines above the new output.
fn respawn_spec(cfg: &Config, rec: &Record, seed: Vec<String>) -> SessionSpec {
    let command = match &rec.resume_command {
        Some(cmd) => vec!["/bin/sh".to_string(), "-c".to_string(), cmd.clone()],
        None => rec.command.clone(),
    };
    SessionSpec {
        name: Some(rec.name.clone()),
        command,
        workdir: rec.workdir.clone(),
        // The profile's environment comes with it (explicit `-e` values are
        // not recorded, so they cannot be).
        env: rec
            .profile
            .as_ref()
            .and_then(|p| cfg.profiles.get(p))
            .map(|p| {
                p.env
                    .iter()
                    .map(|(k, v)| (k.clone(), super::expand_home(v)))
                    .collect()
            })
            .unwrap_or_default(),
        profile: rec.profile.clone(),
        cols: rec.cols,
        rows: rec.rows,
        limits: Limits {
            lines: rec.scrollback_lines,
            bytes: rec.scrollback_bytes.unwrap_or(Limits::default().bytes),
        },
        idle_ttl: rec.idle_ttl_secs,
        record_file: None,
        resume_command: rec.resume_command.clone(),
        seed_lines: seed,
        term: super::run::session_term(),
        attach_on_start: false,
    }
}

fn start(
    cfg: &Config,
    mut spec: SessionSpec,
    detached: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    if !detached && !crate::sys::term::isatty(0) {
        return Err(Error::usage("stdin is not a terminal; use --detached"));
    }
    spec.attach_on_start = !detached;
    if !detached {
        if let Some((cols, rows)) = crate::sys::term::winsize(0) {
            spec.cols = cols;
            spec.rows = rows;
        }
    }
    super::run::start_and_report(cfg, spec, detached, quiet, out)
}

pub fn restart(
    cfg: &Config,
    sel: &str,
    detached: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if rec.is_live() {
        return Err(Error::runtime(format!(
            "session {} is still running; stop it first",
            rec.id
        )));
    }
    let (mut seed, screen) = session_lines(&reg, &rec, false)?;
    seed.extend(trim_blank_tail(screen));
    start(cfg, respawn_spec(cfg, &rec, seed), detached, quiet, out)
}

pub fn restore(
    cfg: &Config,
    from: &str,
    detached: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let text = std::fs::read(from).map_err(|e| Error::io(format!("cannot read {from}"), e))?;
    let snap: Snapshot = serde_json::from_slice(&text)
        .map_err(|e| Error::runtime(format!("{from}: not a linger snapshot: {e}")))?;
    let reg = Registry::open()?;
    if let Ok(live) = reg.select(&snap.record.name) {
        if live.is_live() {
            return Err(Error::runtime(format!(
                "a session named '{}' already exists ({})",
                live.name, live.id
            )));
        }
    }
    let mut seed = snap.scrollback_ansi;
    seed.extend(trim_blank_tail(snap.screen_ansi));
    start(
        cfg,
        respawn_spec(cfg, &snap.record, seed),
        detached,
        quiet,
        out,
    )
}

fn trim_blank_tail(mut lines: Vec<String>) -> Vec<String> {
    while lines.last().is_some_and(|l| strip_ansi(l).is_empty()) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn strip_ansi_keeps_text() {
        assert_eq!(
            super::strip_ansi("\x1b[1;31mred\x1b[0m plain  "),
            "red plain"
        );
        assert_eq!(super::strip_ansi("no escapes"), "no escapes");
        assert_eq!(
            super::strip_ansi("\x1b]8;;https://x.y\x1b\\link\x1b]8;;\x1b\\ end"),
            "link end"
        );
    }
}
