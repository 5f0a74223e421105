//! One module per command. `dispatch` loads the config and runs the command;
//! normal output goes through `out`, so a closed pipe is an error, not a panic.

pub mod attach;
pub mod detach;
pub mod inspect;
pub mod logs;
pub mod pause;
pub mod prune;
pub mod ps;
pub mod run;
pub mod send;
pub mod snapshot;
pub mod stop;
pub mod wait;

use crate::cli::Command;
use crate::config;
use crate::error::Result;
use std::io::Write;

/// Run one command; returns the process exit status.
pub fn dispatch(cmd: Command, out: &mut dyn Write) -> Result<i32> {
    match cmd {
        Command::Help(text) => {
            out.write_all(text.as_bytes())?;
            return Ok(0);
        }
        Command::Version => {
            writeln!(out, "linger {}", env!("CARGO_PKG_VERSION"))?;
            return Ok(0);
        }
        _ => {}
    }
    let cfg = config::load()?;
    match cmd {
        Command::Help(_) | Command::Version => Ok(0),
        Command::Run(args) => run::run(&cfg, args, out),
        Command::Ps { all, json, quiet } => ps::ps(all, json, quiet, out),
        Command::Attach {
            sel,
            read_only,
            takeover,
        } => attach::attach(&cfg, &sel, read_only, takeover),
        Command::Detach { sel } => detach::detach(&sel, out),
        Command::Stop {
            sels,
            timeout,
            force,
            idle,
        } => stop::stop(&sels, timeout, force, idle, out),
        Command::Inspect { sel, json } => inspect::inspect(&sel, json, out),
        Command::Prune {
            dry_run,
            older_than,
            keep,
        } => prune::prune(dry_run, older_than, keep, out),
        Command::Logs {
            sel,
            tail,
            follow,
            screen,
            ansi,
        } => logs::logs(&sel, tail, follow, screen, ansi, out),
        Command::Send {
            sel,
            keys,
            enter,
            args,
        } => send::send(&sel, keys, enter, &args),
        Command::Wait { sels, timeout } => wait::wait(&sels, timeout),
        Command::Pause { sel } => pause::pause(&sel, true, out),
        Command::Unpause { sel } => pause::pause(&sel, false, out),
        Command::Save { sel, to } => snapshot::save(&sel, to.as_deref(), out),
        Command::Restore {
            from,
            detached,
            quiet,
        } => snapshot::restore(&cfg, &from, detached, quiet, out),
        Command::Restart {
            sel,
            detached,
            quiet,
        } => snapshot::restart(&cfg, &sel, detached, quiet, out),
    }
}

/// Expand a leading `~/` with $HOME.
pub fn expand_home(path: &str) -> String {
    match (
        path.strip_prefix("~/")
            .or(if path == "~" { Some("") } else { None }),
        std::env::var("HOME"),
    ) {
        (Some(rest), Ok(home)) => format!("{}/{}", home.trim_end_matches('/'), rest)
            .trim_end_matches('/')
            .to_string(),
        _ => path.to_string(),
    }
}

/// Write a note (not an error: the command still succeeds) to stderr, as
/// SPEC words them (`session a3f7c2 is not attached`): no `linger: ` prefix,
/// which marks errors.
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}
