//! Command line → `Command` (plain data). Two stages, as ripgrep does: the lexopt
//! loop only collects, then validation builds the typed command. No I/O here.

use crate::error::{Error, Result};
use crate::units;
use lexopt::prelude::*;
use std::ffi::OsString;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunArgs {
    pub detached: bool,
    pub quiet: bool,
    pub name: Option<String>,
    pub profile: Option<String>,
    pub workdir: Option<String>,
    pub env: Vec<(String, String)>,
    pub scrollback: Option<usize>,
    /// Seconds; Some(0) means explicitly off.
    pub idle_ttl: Option<u64>,
    pub record: Option<String>,
    pub resume_cmd: Option<String>,
    pub command: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Help(&'static str),
    Version,
    Run(RunArgs),
    Ps {
        all: bool,
        json: bool,
        quiet: bool,
    },
    Attach {
        sel: String,
        read_only: bool,
        takeover: bool,
    },
    Detach {
        sel: String,
    },
    Stop {
        sels: Vec<String>,
        timeout: u64,
        force: bool,
        idle: Option<u64>,
    },
    Inspect {
        sel: String,
        json: bool,
    },
    Prune {
        dry_run: bool,
        older_than: Option<u64>,
        keep: Option<usize>,
    },
    Logs {
        sel: String,
        tail: Option<usize>,
        follow: bool,
        screen: bool,
        ansi: bool,
    },
    Send {
        sel: String,
        keys: bool,
        enter: bool,
        args: Vec<String>,
    },
    Wait {
        sels: Vec<String>,
        timeout: Option<std::time::Duration>,
    },
    Pause {
        sel: String,
    },
    Unpause {
        sel: String,
    },
    Save {
        sel: String,
        to: Option<String>,
    },
    Restore {
        from: String,
        detached: bool,
        quiet: bool,
    },
    Restart {
        sel: String,
        detached: bool,
        quiet: bool,
    },
}

pub const USAGE: &str = "\
Usage: linger <COMMAND> [ARGS]

Keep terminal sessions alive after the terminal that started them goes away.

Commands:
  run       Start a command in a new session (attached, or -d detached)
  attach    Attach this terminal to a session
  detach    Disconnect a session's clients
  ps        List sessions
  inspect   Show every field of a session's record
  logs      Print a session's scrollback and screen as text
  send      Type input into a session
  wait      Wait for sessions to exit and pass on the exit code
  stop      End sessions
  pause     Stop a session's processes (SIGSTOP)
  unpause   Continue a paused session (SIGCONT)
  save      Write a JSON snapshot of a session
  restore   Start a session from a snapshot
  restart   Start an exited session again
  prune     Remove records of exited sessions

Options:
  -h, --help     Show help (also: linger <COMMAND> --help)
  -V, --version  Show the version

See linger(1) for details.
";

const RUN: &str = "\
Usage: linger run [-d|--detached] [-q|--quiet] [--name NAME] [--profile NAME] [-C|--workdir DIR]
                  [-e|--env KEY=VAL]... [--scrollback LINES] [--idle-ttl DUR] [--record FILE]
                  [--resume-cmd CMD] [--] COMMAND [ARG...]

Start COMMAND in a new session. Attached by default (needs a terminal);
detach with the detach sequence (default: ctrl-] d).

  -d, --detached        Start detached; print the id and how to attach
  -q, --quiet           With -d, print only the id
      --name NAME       Session name (default: a generated adjective-noun)
      --profile NAME    Apply [profiles.NAME] from the config file
  -C, --workdir DIR     Working directory of the command
  -e, --env KEY=VAL     Set an environment variable (repeatable)
      --scrollback N    Lines of history to keep
      --idle-ttl DUR    Stop when detached and idle this long (90m, 24h, 7d, off)
      --record FILE     Write all output as an asciicast v2 file
      --resume-cmd CMD  Command line that `linger restart` runs instead
";
const PS: &str = "\
Usage: linger ps [-a|--all] [--json] [-q|--quiet]

List live sessions, oldest first.

  -a, --all    Include exited sessions
      --json   Print one JSON array of records
  -q, --quiet  Print ids only
";
const ATTACH: &str = "\
Usage: linger attach <SESSION> [--read-only] [--takeover]

Attach this terminal to a session: redraw its screen, then stream live.

  -r, --read-only  Watch without typing (any number of viewers)
      --takeover   Detach the current read-write client and attach instead
";
const DETACH: &str = "\
Usage: linger detach <SESSION>

Disconnect the session's clients; the session keeps running.
";
const STOP: &str = "\
Usage: linger stop <SESSION>... [--timeout SECS] [--force]
       linger stop --idle DUR

End sessions: SIGHUP and SIGTERM to the command's process group, SIGKILL after
the timeout.

  -t, --timeout SECS  Grace period before SIGKILL (default 10)
  -f, --force         Kill at once
      --idle DUR      Stop every detached session idle for longer than DUR
";
const INSPECT: &str = "\
Usage: linger inspect <SESSION> [--json]

Print every field of the session's record as key: value lines, or JSON.
";
const PRUNE: &str = "\
Usage: linger prune [--dry-run] [--older-than AGE] [--keep N]

Remove records, logs and sockets of exited sessions.

  -n, --dry-run         Show what would be removed
      --older-than AGE  Only sessions that ended longer ago (7 = 7 days; 90m, 24h, 7d)
      --keep N          Keep the N most recently ended sessions
";
const LOGS: &str = "\
Usage: linger logs <SESSION> [--tail N] [-f|--follow] [--screen] [--ansi]

Print the session's scrollback and screen as text, oldest line first.

  -n, --tail N    Only the last N lines
  -f, --follow    Keep streaming new output until the session exits
      --screen    Only the visible screen
      --ansi      Keep colours and attributes as SGR sequences
";
const SEND: &str = "\
Usage: linger send <SESSION> [--keys] [--enter] [--] ARG...

Type input into the session. ARGs are literal text joined by spaces; - reads stdin.

  -k, --keys   ARGs are key tokens (ctrl-c, enter, esc, up, ...)
      --enter  Append Enter
";
const WAIT: &str = "\
Usage: linger wait <SESSION>... [--timeout SECS]

Block until every session has exited; exit with the last one's code (124 on timeout).
";
const PAUSE: &str = "\
Usage: linger pause <SESSION>

Stop the command's process group (SIGSTOP).
";
const UNPAUSE: &str = "\
Usage: linger unpause <SESSION>

Continue a paused session (SIGCONT).
";
const SAVE: &str = "\
Usage: linger save <SESSION> [--to FILE]

Write a JSON snapshot (record, scrollback and screen as text, cursor).
Default file: linger-<id>.json; - is stdout.
";
const RESTORE: &str = "\
Usage: linger restore --from FILE [-d|--detached] [-q|--quiet]

Start a new session from a snapshot, with the old scrollback above the new output.
";
const RESTART: &str = "\
Usage: linger restart <SESSION> [-d|--detached] [-q|--quiet]

Start an exited or lost session again: same name, command (or --resume-cmd),
workdir, profile and size; the old scrollback stays above the new output.
";

/// Every long flag the CLI accepts, per command (the man page must name each).
pub const LONG_FLAGS: &[(&str, &[&str])] = &[
    (
        "run",
        &[
            "detached",
            "quiet",
            "name",
            "profile",
            "workdir",
            "env",
            "scrollback",
            "idle-ttl",
            "record",
            "resume-cmd",
        ],
    ),
    ("ps", &["all", "json", "quiet"]),
    ("attach", &["read-only", "takeover"]),
    ("detach", &[]),
    ("stop", &["timeout", "force", "idle"]),
    ("inspect", &["json"]),
    ("prune", &["dry-run", "older-than", "keep"]),
    ("logs", &["tail", "follow", "screen", "ansi"]),
    ("send", &["keys", "enter"]),
    ("wait", &["timeout"]),
    ("pause", &[]),
    ("unpause", &[]),
    ("save", &["to"]),
    ("restore", &["from", "detached", "quiet"]),
    ("restart", &["detached", "quiet"]),
];

fn usage_err(e: lexopt::Error, cmd: &str) -> Error {
    let hint = if cmd.is_empty() {
        "linger --help".to_string()
    } else {
        format!("linger {cmd} --help")
    };
    let msg = match e {
        lexopt::Error::UnexpectedOption(o) => format!("unknown option '{o}'"),
        lexopt::Error::UnexpectedArgument(a) => {
            format!("unexpected argument '{}'", a.to_string_lossy())
        }
        lexopt::Error::MissingValue { option: Some(o) } => format!("option '{o}' needs a value"),
        other => other.to_string(),
    };
    Error::Usage(format!("{msg} (see '{hint}')"))
}

fn string(v: OsString, what: &str) -> Result<String> {
    v.into_string().map_err(|v| {
        Error::usage(format!(
            "{what} is not valid UTF-8: {}",
            v.to_string_lossy()
        ))
    })
}

fn number<T: std::str::FromStr>(v: OsString, flag: &str) -> Result<T> {
    let s = string(v, flag)?;
    s.parse()
        .map_err(|_| Error::usage(format!("invalid value '{s}' for {flag}")))
}

/// What [`seconds`] made of its argument.
#[derive(Debug, PartialEq)]
enum Seconds {
    Ok(std::time::Duration),
    /// Not a number at all.
    Invalid,
    /// A number, but negative, infinite or NaN.
    OutOfRange,
}

/// A number of seconds, with the syntax `f64::from_str` accepts (`10`, `0.5`,
/// `.25`, `2.`, `1e3`, `inf`...), as a Duration (rounded to the nanosecond,
/// saturating). Done by hand to keep float parsing out of the binary.
fn seconds(s: &str) -> Seconds {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if ["inf", "infinity", "nan"]
        .iter()
        .any(|w| body.eq_ignore_ascii_case(w))
    {
        return Seconds::OutOfRange;
    }
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() || !all_digits(int) || !all_digits(frac) {
        return Seconds::Invalid;
    }
    let mut scale: i64 = 9 - frac.len() as i64;
    if let Some(exp) = exp {
        let (eneg, e) = match exp.as_bytes().first() {
            Some(b'-') => (true, &exp[1..]),
            Some(b'+') => (false, &exp[1..]),
            _ => (false, exp),
        };
        if e.is_empty() || !all_digits(e) {
            return Seconds::Invalid;
        }
        let e = e.trim_start_matches('0');
        let e: i64 = if e.len() > 6 {
            1_000_000
        } else {
            e.parse().unwrap_or(0)
        };
        scale += if eneg { -e } else { e };
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Seconds::Ok(std::time::Duration::ZERO);
    }
    if neg {
        return Seconds::OutOfRange;
    }
    let len = digits.len() as i64;
    if len + scale > 30 {
        return Seconds::Ok(std::time::Duration::MAX);
    }
    // Nanoseconds: the digits, shifted by `scale` places (at most 30 digits).
    let kept = (len + scale.min(0)).max(0) as usize;
    let mut nanos: u128 = digits[..kept].parse().unwrap_or(0);
    // Round to the nearest nanosecond, as `Duration::from_secs_f64` does.
    if len + scale >= 0 && digits.as_bytes().get(kept).is_some_and(|&d| d >= b'5') {
        nanos += 1;
    }
    for _ in 0..scale.max(0) {
        nanos *= 10;
    }
    match u64::try_from(nanos / 1_000_000_000) {
        Ok(secs) => Seconds::Ok(std::time::Duration::new(
            secs,
            (nanos % 1_000_000_000) as u32,
        )),
        Err(_) => Seconds::Ok(std::time::Duration::MAX),
    }
}

fn duration(v: OsString, flag: &str, bare_unit: u64) -> Result<u64> {
    let s = string(v, flag)?;
    units::parse_duration(&s, bare_unit).map_err(|e| Error::usage(format!("{flag}: {e}")))
}

/// Parse everything after the program name.
pub fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Command> {
    let mut p = lexopt::Parser::from_args(args);
    let cmd = match p.next().map_err(|e| usage_err(e, ""))? {
        Some(Short('h') | Long("help")) => return Ok(Command::Help(USAGE)),
        Some(Short('V') | Long("version")) => return Ok(Command::Version),
        Some(Value(v)) => string(v, "command")?,
        Some(other) => return Err(usage_err(other.unexpected(), "")),
        None => return Err(Error::usage("no command given (see 'linger --help')")),
    };
    let c = cmd.as_str();
    let e = |err: lexopt::Error| usage_err(err, c);
    let mut pos: Vec<String> = Vec::new();
    macro_rules! flags {
        ($help:expr, { $($pat:pat => $body:expr,)* }) => {
            while let Some(arg) = p.next().map_err(e)? {
                match arg {
                    Short('h') | Long("help") => return Ok(Command::Help($help)),
                    $($pat => $body,)*
                    Value(v) => pos.push(string(v, "argument")?),
                    other => return Err(e(other.unexpected())),
                }
            }
        };
    }
    let one = |pos: &mut Vec<String>, help: &'static str| -> Result<String> {
        let what = help
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("Usage: ");
        match pos.len() {
            0 => Err(Error::usage(format!("missing session (usage: {what})"))),
            1 => Ok(pos.remove(0)),
            _ => Err(Error::usage(format!(
                "unexpected argument '{}' (usage: {what})",
                pos[1]
            ))),
        }
    };
    match c {
        "run" => parse_run(&mut p),
        "ps" | "ls" | "list" => {
            let (mut all, mut json, mut quiet) = (false, false, false);
            flags!(PS, {
                Short('a') | Long("all") => all = true,
                Long("json") => json = true,
                Short('q') | Long("quiet") => quiet = true,
            });
            if let Some(x) = pos.first() {
                return Err(Error::usage(format!(
                    "unexpected argument '{x}' (see 'linger ps --help')"
                )));
            }
            Ok(Command::Ps { all, json, quiet })
        }
        "attach" | "a" => {
            let (mut read_only, mut takeover) = (false, false);
            flags!(ATTACH, {
                Short('r') | Long("read-only") => read_only = true,
                Long("takeover") => takeover = true,
            });
            if read_only && takeover {
                return Err(Error::usage(
                    "--read-only and --takeover cannot be used together",
                ));
            }
            Ok(Command::Attach {
                sel: one(&mut pos, ATTACH)?,
                read_only,
                takeover,
            })
        }
        "detach" => {
            flags!(DETACH, {});
            Ok(Command::Detach {
                sel: one(&mut pos, DETACH)?,
            })
        }
        "stop" | "kill" => {
            let (mut timeout, mut force, mut idle) = (10, false, None);
            flags!(STOP, {
                Short('t') | Long("timeout") => timeout = number(p.value().map_err(e)?, "--timeout")?,
                Short('f') | Long("force") => force = true,
                Long("idle") => idle = Some(duration(p.value().map_err(e)?, "--idle", 1)?),
            });
            match (idle.is_some(), pos.is_empty()) {
                (true, false) => {
                    return Err(Error::usage(
                        "--idle takes no sessions (see 'linger stop --help')",
                    ))
                }
                (false, true) => {
                    return Err(Error::usage("missing session (see 'linger stop --help')"))
                }
                _ => {}
            }
            Ok(Command::Stop {
                sels: pos,
                timeout,
                force,
                idle,
            })
        }
        "inspect" => {
            let mut json = false;
            flags!(INSPECT, { Long("json") => json = true, });
            Ok(Command::Inspect {
                sel: one(&mut pos, INSPECT)?,
                json,
            })
        }
        "prune" => {
            let (mut dry_run, mut older_than, mut keep) = (false, None, None);
            flags!(PRUNE, {
                Short('n') | Long("dry-run") => dry_run = true,
                Long("older-than") => older_than = Some(duration(p.value().map_err(e)?, "--older-than", 86400)?),
                Long("keep") => keep = Some(number(p.value().map_err(e)?, "--keep")?),
            });
            if let Some(x) = pos.first() {
                return Err(Error::usage(format!(
                    "unexpected argument '{x}' (see 'linger prune --help')"
                )));
            }
            Ok(Command::Prune {
                dry_run,
                older_than,
                keep,
            })
        }
        "logs" => {
            let (mut tail, mut follow, mut screen, mut ansi) = (None, false, false, false);
            flags!(LOGS, {
                Short('n') | Long("tail") => tail = Some(number(p.value().map_err(e)?, "--tail")?),
                Short('f') | Long("follow") => follow = true,
                Long("screen") => screen = true,
                Long("ansi") => ansi = true,
            });
            Ok(Command::Logs {
                sel: one(&mut pos, LOGS)?,
                tail,
                follow,
                screen,
                ansi,
            })
        }
        "send" => {
            let (mut keys, mut enter) = (false, false);
            let mut args = Vec::new();
            while let Some(arg) = p.next().map_err(e)? {
                match arg {
                    Short('h') | Long("help") => return Ok(Command::Help(SEND)),
                    Short('k') | Long("keys") => keys = true,
                    Long("enter") => enter = true,
                    Long("") => {}
                    Value(v) if pos.is_empty() => pos.push(string(v, "session")?),
                    // Options count anywhere before `--` (`send x hi --enter`);
                    // text that starts with `-` goes after it.
                    Value(v) => args.push(string(v, "argument")?),
                    other => return Err(e(other.unexpected())),
                }
            }
            let sel = pos
                .pop()
                .ok_or_else(|| Error::usage("missing session (see 'linger send --help')"))?;
            if args.is_empty() && !enter {
                return Err(Error::usage("nothing to send (see 'linger send --help')"));
            }
            Ok(Command::Send {
                sel,
                keys,
                enter,
                args,
            })
        }
        "wait" => {
            let mut timeout = None;
            flags!(WAIT, {
                Short('t') | Long("timeout") => {
                    let s = string(p.value().map_err(e)?, "--timeout")?;
                    match seconds(&s) {
                        Seconds::Ok(t) => timeout = Some(t),
                        Seconds::Invalid => {
                            return Err(Error::usage(format!("invalid value '{s}' for --timeout")))
                        }
                        Seconds::OutOfRange => {
                            return Err(Error::usage("invalid value for --timeout"))
                        }
                    }
                },
            });
            if pos.is_empty() {
                return Err(Error::usage("missing session (see 'linger wait --help')"));
            }
            Ok(Command::Wait { sels: pos, timeout })
        }
        "pause" => {
            flags!(PAUSE, {});
            Ok(Command::Pause {
                sel: one(&mut pos, PAUSE)?,
            })
        }
        "unpause" | "resume" => {
            flags!(UNPAUSE, {});
            Ok(Command::Unpause {
                sel: one(&mut pos, UNPAUSE)?,
            })
        }
        "save" => {
            let mut to = None;
            flags!(SAVE, { Long("to") => to = Some(string(p.value().map_err(e)?, "--to")?), });
            Ok(Command::Save {
                sel: one(&mut pos, SAVE)?,
                to,
            })
        }
        "restore" => {
            let (mut from, mut detached, mut quiet) = (None, false, false);
            flags!(RESTORE, {
                Long("from") => from = Some(string(p.value().map_err(e)?, "--from")?),
                Short('d') | Long("detached") => detached = true,
                Short('q') | Long("quiet") => quiet = true,
            });
            if let Some(x) = pos.first() {
                return Err(Error::usage(format!(
                    "unexpected argument '{x}' (see 'linger restore --help')"
                )));
            }
            let from = from
                .ok_or_else(|| Error::usage("missing --from FILE (see 'linger restore --help')"))?;
            Ok(Command::Restore {
                from,
                detached,
                quiet,
            })
        }
        "restart" => {
            let (mut detached, mut quiet) = (false, false);
            flags!(RESTART, {
                Short('d') | Long("detached") => detached = true,
                Short('q') | Long("quiet") => quiet = true,
            });
            Ok(Command::Restart {
                sel: one(&mut pos, RESTART)?,
                detached,
                quiet,
            })
        }
        "help" => Ok(Command::Help(match p.next().map_err(e)? {
            Some(Value(v)) => help_for(&v.to_string_lossy()).unwrap_or(USAGE),
            _ => USAGE,
        })),
        other => Err(Error::usage(format!(
            "unknown command '{other}' (see 'linger --help')"
        ))),
    }
}

/// The help text of one command.
pub fn help_for(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "run" => RUN,
        "ps" => PS,
        "attach" => ATTACH,
        "detach" => DETACH,
        "stop" => STOP,
        "inspect" => INSPECT,
        "prune" => PRUNE,
        "logs" => LOGS,
        "send" => SEND,
        "wait" => WAIT,
        "pause" => PAUSE,
        "unpause" => UNPAUSE,
        "save" => SAVE,
        "restore" => RESTORE,
        "restart" => RESTART,
        _ => return None,
    })
}

fn parse_run(p: &mut lexopt::Parser) -> Result<Command> {
    let e = |err: lexopt::Error| usage_err(err, "run");
    let mut r = RunArgs::default();
    while let Some(arg) = p.next().map_err(e)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help(RUN)),
            Short('d') | Long("detached") => r.detached = true,
            Short('q') | Long("quiet") => r.quiet = true,
            Long("name") | Short('n') => r.name = Some(string(p.value().map_err(e)?, "--name")?),
            Long("profile") | Short('p') => {
                r.profile = Some(string(p.value().map_err(e)?, "--profile")?)
            }
            Short('C') | Long("workdir") => {
                r.workdir = Some(string(p.value().map_err(e)?, "--workdir")?)
            }
            Short('e') | Long("env") => {
                let kv = string(p.value().map_err(e)?, "--env")?;
                match kv.split_once('=') {
                    Some((k, v)) if !k.is_empty() && !k.contains('\0') => {
                        r.env.push((k.to_string(), v.to_string()))
                    }
                    _ => return Err(Error::usage(format!("--env needs KEY=VAL, got '{kv}'"))),
                }
            }
            Long("scrollback") => {
                r.scrollback = Some(number(p.value().map_err(e)?, "--scrollback")?)
            }
            Long("idle-ttl") => {
                let v = string(p.value().map_err(e)?, "--idle-ttl")?;
                r.idle_ttl = Some(if v == "off" {
                    0
                } else {
                    units::parse_duration(&v, 1)
                        .map_err(|m| Error::usage(format!("--idle-ttl: {m}")))?
                });
            }
            Long("record") => r.record = Some(string(p.value().map_err(e)?, "--record")?),
            Long("resume-cmd") => {
                r.resume_cmd = Some(string(p.value().map_err(e)?, "--resume-cmd")?)
            }
            Value(v) => {
                // The first free word starts COMMAND: the rest is kept verbatim.
                r.command.push(string(v, "command")?);
                for raw in p.raw_args().map_err(e)? {
                    r.command.push(string(raw, "command")?);
                }
            }
            other => return Err(e(other.unexpected())),
        }
    }
    if let Some(n) = &r.name {
        if !crate::registry::valid_name(n) {
            return Err(Error::usage(format!(
                "invalid name '{n}': use 1-64 letters, digits, '-', '_' or '.', not starting with '-' or '.'"
            )));
        }
    }
    if r.quiet && !r.detached {
        // -q only changes what -d prints; accept it silently otherwise.
    }
    Ok(Command::Run(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os<const N: usize>(a: [&str; N]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn child_flags_pass_through() {
        let Command::Run(r) = parse(os(["run", "--name", "w", "--", "ls", "-l"])).unwrap() else {
            panic!()
        };
        assert_eq!(r.name.as_deref(), Some("w"));
        assert_eq!(r.command, vec!["ls", "-l"]);
        let Command::Run(r) = parse(os(["run", "-d", "sh", "-c", "echo --name"])).unwrap() else {
            panic!()
        };
        assert!(r.detached);
        assert_eq!(r.command, vec!["sh", "-c", "echo --name"]);
    }

    #[test]
    fn usage_errors_exit_2() {
        for bad in [
            os(["ps", "--bogus"]),
            os(["frobnicate"]),
            os(["attach"]),
            os(["attach", "a", "b"]),
            os(["run", "--env", "novalue", "true"]),
            os(["run", "--name", "../x", "true"]),
            os(["stop"]),
            os(["wait", "x", "--timeout", "soon"]),
            os(["wait", "x", "--timeout", "-1"]),
            os(["wait", "x", "--timeout", "inf"]),
            os(["wait", "x", "--timeout", "1e"]),
            os(["prune", "--older-than", "forever"]),
            os([]),
        ] {
            let err = parse(bad.clone()).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }

    #[test]
    fn durations_and_numbers() {
        assert_eq!(
            parse(os(["prune", "--older-than", "7"])).unwrap(),
            Command::Prune {
                dry_run: false,
                older_than: Some(7 * 86400),
                keep: None
            }
        );
        assert_eq!(
            parse(os(["stop", "--idle", "90m"])).unwrap(),
            Command::Stop {
                sels: vec![],
                timeout: 10,
                force: false,
                idle: Some(5400)
            }
        );
        assert_eq!(
            parse(os(["send", "x", "--keys", "ctrl-c", "enter"])).unwrap(),
            Command::Send {
                sel: "x".into(),
                keys: true,
                enter: false,
                args: vec!["ctrl-c".into(), "enter".into()]
            }
        );
        assert_eq!(
            parse(os(["send", "x", "echo hi", "--enter"])).unwrap(),
            Command::Send {
                sel: "x".into(),
                keys: false,
                enter: true,
                args: vec!["echo hi".into()]
            }
        );
        assert!(parse(os(["send", "x", "hi", "-n"])).is_err());
        assert_eq!(
            parse(os(["send", "x", "--", "-n", "hi", "--enter"])).unwrap(),
            Command::Send {
                sel: "x".into(),
                keys: false,
                enter: false,
                args: vec!["-n".into(), "hi".into(), "--enter".into()]
            }
        );
        assert_eq!(
            parse(os(["send", "x", "--", "-n", "hi"])).unwrap(),
            Command::Send {
                sel: "x".into(),
                keys: false,
                enter: false,
                args: vec!["-n".into(), "hi".into()]
            }
        );
    }

    #[test]
    fn help_everywhere() {
        for (cmd, _) in LONG_FLAGS {
            assert!(
                matches!(parse(os([cmd, "--help"])).unwrap(), Command::Help(_)),
                "{cmd}"
            );
        }
    }

    #[test]
    fn wait_timeout_seconds() {
        use std::time::Duration;
        let ok = |t: &str| match seconds(t) {
            Seconds::Ok(d) => d,
            other => panic!("{t}: {other:?}"),
        };
        for t in [
            "10",
            "0.5",
            "2.25",
            ".5",
            "5.",
            "+1",
            "1e3",
            "1E-2",
            "2.5e+1",
            "-0",
            "0e999",
            "00012.50000",
            "0.000000001",
            "1.0000000009",
            "86400.25",
        ] {
            let f: f64 = t.parse().unwrap();
            assert_eq!(ok(t), Duration::from_secs_f64(f), "{t}");
        }
        assert_eq!(ok("1e30"), Duration::MAX);
        assert_eq!(ok("99999999999999999999"), Duration::MAX);
        assert_eq!(ok("1e-99999999999"), Duration::ZERO);
        for t in [
            "", ".", "e5", "1e", "1e+", "1.2.3", "1_0", " 1", "0x10", "soon", "+-1", "1e5.0",
        ] {
            assert!(t.parse::<f64>().is_err(), "{t}");
            assert_eq!(seconds(t), Seconds::Invalid, "{t}");
        }
        for t in ["-1", "-0.5", "inf", "-inf", "+Infinity", "NaN", "-nan"] {
            assert!(t.parse::<f64>().is_ok(), "{t}");
            assert_eq!(seconds(t), Seconds::OutOfRange, "{t}");
        }
    }
}
