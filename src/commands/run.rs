//! `linger run`: decide the session spec, start the supervisor, then attach
//! as an ordinary client (or print how to attach with `--detached`).

use crate::cli::RunArgs;
use crate::client::{self, AttachEnd};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::AttachMode;
use crate::registry::Registry;
use crate::screen::Limits;
use crate::supervisor::{self, SessionSpec};
use crate::sys::term;
use std::io::Write;

/// TERM inside the session: the caller's, unless unset or `dumb`.
pub fn session_term() -> String {
    match std::env::var("TERM") {
        Ok(t) if !t.is_empty() && t != "dumb" => t,
        _ => "xterm-256color".to_string(),
    }
}

pub fn run(cfg: &Config, args: RunArgs, out: &mut dyn Write) -> Result<i32> {
    if !args.detached && !term::isatty(0) {
        return Err(Error::usage("stdin is not a terminal; use --detached"));
    }
    let profile = match &args.profile {
        Some(p) => Some(
            cfg.profiles
                .get(p)
                .ok_or_else(|| Error::usage(format!("unknown profile '{p}'")))?
                .clone(),
        ),
        None => None,
    };
    let mut command = args.command.clone();
    if command.is_empty() {
        command = profile
            .as_ref()
            .and_then(|p| p.command.clone())
            .unwrap_or_default();
    }
    if command.is_empty() {
        return Err(Error::usage("missing COMMAND (see 'linger run --help')"));
    }
    let workdir = match args
        .workdir
        .clone()
        .or_else(|| profile.as_ref().and_then(|p| p.workdir.clone()))
    {
        Some(w) => super::expand_home(&w),
        None => std::env::current_dir()
            .map(|d| d.display().to_string())
            .map_err(|e| Error::io("cannot read the current directory", e))?,
    };
    let workdir = std::fs::canonicalize(&workdir)
        .map_err(|e| Error::io(format!("cannot use workdir '{workdir}'"), e))?
        .display()
        .to_string();
    if !std::path::Path::new(&workdir).is_dir() {
        return Err(Error::runtime(format!(
            "cannot use workdir '{workdir}': not a directory"
        )));
    }
    let mut env: Vec<(String, String)> = profile
        .as_ref()
        .map(|p| {
            p.env
                .iter()
                .map(|(k, v)| (k.clone(), super::expand_home(v)))
                .collect()
        })
        .unwrap_or_default();
    env.extend(args.env.iter().cloned());
    let (cols, rows) = if args.detached {
        (80, 24)
    } else {
        term::winsize(0).unwrap_or((80, 24))
    };
    let idle_ttl = match args.idle_ttl {
        Some(0) => None,
        Some(t) => Some(t),
        None => cfg.idle_ttl,
    };
    let record_file = args.record.as_deref().map(absolute);
    if let Some(path) = &record_file {
        // Fail the run, not the recording: the supervisor has nowhere to say it.
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(format!("cannot write the recording '{path}'"), e))?;
    }
    let spec = SessionSpec {
        name: args.name.clone(),
        command,
        workdir,
        env,
        profile: args.profile.clone(),
        cols,
        rows,
        limits: Limits {
            lines: args.scrollback.unwrap_or(cfg.scrollback_lines),
            bytes: cfg.scrollback_bytes,
        },
        idle_ttl,
        record_file,
        resume_command: args.resume_cmd.clone(),
        seed_lines: Vec::new(),
        term: session_term(),
        attach_on_start: !args.detached,
    };
    start_and_report(cfg, spec, args.detached, args.quiet, out)
}

fn absolute(path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        return path.to_string();
    }
    std::env::current_dir()
        .map(|d| d.join(p).display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

/// Start a session; print how to attach (detached) or attach now.
pub fn start_and_report(
    cfg: &Config,
    spec: SessionSpec,
    detached: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let reg = Registry::open()?;
    let started = supervisor::start(spec, &reg)?;
    if detached {
        if quiet {
            writeln!(out, "{}", started.id)?;
        } else {
            writeln!(out, "Started detached session {}.", started.id)?;
            writeln!(out, "Attach with: linger attach {}", started.id)?;
        }
        out.flush()?;
        return Ok(0);
    }
    let rec = reg.read(&started.id)?;
    match client::attach(&reg, &rec, AttachMode::Writer, &cfg.detach_keys) {
        Ok(AttachEnd::Exited(code)) => Ok(code),
        Ok(_) => Ok(0),
        Err(e) => {
            // The command may have finished before we could attach.
            let rec = reg.read(&started.id)?;
            match rec.exit_code {
                Some(code) if !rec.is_live() => Ok(code),
                _ => Err(e),
            }
        }
    }
}
