//! The supervisor: one process per session, double forked, in its own process
//! session with no controlling terminal. `start` is called by `run`; it returns
//! in the caller once the record is written and the socket accepts connections
//! (or the exec failed), and the supervisor lives on in the grandchild.

mod clients;
mod direct;
mod event_loop;
mod log;
mod model;
mod recorder;

use crate::error::{Error, Result};
use crate::registry::{self, Attachment, EndReason, Record, Registry, Status};
use crate::screen::Limits;
use crate::sys::{self, fd, proc};
use crate::{pty, units};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;

/// Everything a new session needs, decided by `run`, `restart` or `restore`.
#[derive(Clone, Debug, Default)]
pub struct SessionSpec {
    pub name: Option<String>,
    pub command: Vec<String>,
    pub workdir: String,
    pub env: Vec<(String, String)>,
    pub profile: Option<String>,
    pub cols: u16,
    pub rows: u16,
    pub limits: Limits,
    pub idle_ttl: Option<u64>,
    pub record_file: Option<String>,
    pub resume_command: Option<String>,
    /// Old scrollback (ANSI lines) shown above the new output (restart/restore).
    pub seed_lines: Vec<String>,
    pub term: String,
    /// `run` (attached) will attach right away: a command that exits before
    /// the client connects must still show its output and exit code to it.
    pub attach_on_start: bool,
}

/// What the supervisor tells `run` through the readiness pipe.
#[derive(Serialize, Deserialize)]
enum Ready {
    Started { id: String, name: String },
    Failed { code: u8, msg: String },
}

/// A started session.
pub struct Started {
    pub id: String,
    pub name: String,
}

/// Fork the supervisor and wait until it is ready (fail-closed: no readiness
/// message means failure).
pub fn start(spec: SessionSpec, reg: &Registry) -> Result<Started> {
    let (ready_rd, ready_wr) = fd::pipe_cloexec().map_err(|e| Error::io("pipe", e))?;
    match proc::fork().map_err(|e| Error::io("fork", e))? {
        proc::Fork::Child => {
            drop(ready_rd);
            // Intermediate child: new session, fork again so the supervisor is
            // not a session leader and is reparented away from the caller.
            let _ = proc::setsid();
            match proc::fork() {
                Ok(proc::Fork::Child) => {
                    let code = supervise(spec, reg, ready_wr);
                    proc::exit_now(code)
                }
                _ => proc::exit_now(0),
            }
        }
        proc::Fork::Parent(pid) => {
            drop(ready_wr);
            let _ = proc::wait_blocking(pid);
            let msg = fd::read_to_end(&ready_rd).map_err(|e| Error::io("readiness pipe", e))?;
            match serde_json::from_slice::<Ready>(&msg) {
                Ok(Ready::Started { id, name }) => Ok(Started { id, name }),
                Ok(Ready::Failed { code, msg }) => Err(match code {
                    126 | 127 => Error::Exec { code, msg },
                    2 => Error::Usage(msg),
                    _ => Error::Runtime(msg),
                }),
                Err(_) => Err(Error::runtime("the session supervisor failed to start")),
            }
        }
    }
}

fn send_ready(fd: &OwnedFd, ready: &Ready) {
    let body = serde_json::to_vec(ready).unwrap_or_default();
    let _ = fd::write_all(fd.as_raw_fd(), &body);
}

/// Close every fd but stdio and `keep`, so the caller's pipes (a `$(...)`
/// capture, a test harness) are not held open by the supervisor.
fn close_inherited(keep: RawFd) {
    let fds: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in fds {
        if fd > 2 && fd != keep {
            // Inherited descriptors nobody in this process uses.
            fd::close_raw(fd);
        }
    }
}

/// Sockets are 0600 whatever the umask made of them.
pub(crate) fn set_socket_mode(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

/// The supervisor's life; returns its exit status.
fn supervise(spec: SessionSpec, reg: &Registry, ready: OwnedFd) -> i32 {
    close_inherited(ready.as_raw_fd());
    if let Ok(null) = fd::open_dev_null() {
        for target in 0..3 {
            let _ = fd::dup2(null.as_raw_fd(), target);
        }
    }
    sys::set_umask(0o077);
    let _ = std::env::set_current_dir("/");
    match prepare(spec, reg, &ready) {
        Ok(mut session) => {
            drop(ready);
            // Start-up is over: its code need not stay resident.
            sys::mem::drop_code_pages();
            event_loop::run(&mut session, reg)
        }
        Err((code, msg)) => {
            send_ready(&ready, &Ready::Failed { code, msg });
            1
        }
    }
}

/// Allocate the id and name, bind the socket, start the command and write the
/// record, all under the registry lock so concurrent `run`s never collide.
fn prepare(
    spec: SessionSpec,
    reg: &Registry,
    ready: &OwnedFd,
) -> std::result::Result<event_loop::Session, (u8, String)> {
    let fail = |e: Error| (e.exit_code(), e.to_string());
    let _all_lock = reg.lock_all().map_err(fail)?;
    let all = reg.list().map_err(fail)?;
    if let Some(n) = &spec.name {
        if let Some(other) = all.iter().find(|r| r.is_live() && &r.name == n) {
            return Err((
                1,
                format!("a session named '{n}' already exists ({})", other.id),
            ));
        }
    }
    let id = registry::new_id(&all, reg);
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| registry::new_name(&all));
    let log = log::Log::open(reg, &id);

    let sock_path = reg.socket_path(&id);
    let _ = std::fs::remove_file(&sock_path);
    let listener = UnixListener::bind(&sock_path).map_err(|e| {
        (
            1,
            format!(
                "cannot listen on {}: {}",
                sock_path.display(),
                crate::error::io_reason(&e)
            ),
        )
    })?;
    fd::set_nonblocking(&listener, true).map_err(|e| (1, crate::error::io_display(&e)))?;
    set_socket_mode(&sock_path);
    let signals = sys::signal::SignalPipe::install(&[
        libc::SIGCHLD,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGUSR1,
    ])
    .map_err(|e| (1, format!("signals: {}", crate::error::io_display(&e))))?;

    // The command inherits this environment.
    for (k, v) in &spec.env {
        std::env::set_var(k, v);
    }
    std::env::set_var("LINGER_SESSION", &id);
    std::env::set_var("LINGER_NAME", &name);
    std::env::set_var("TERM", &spec.term);

    let now = units::rfc3339(registry::now());
    let me = proc::pid();
    let mut rec = Record {
        version: registry::RECORD_VERSION,
        id: id.clone(),
        name: name.clone(),
        status: Status::Running,
        attachment: Attachment::Detached,
        viewers: 0,
        pid: None,
        supervisor_pid: Some(me),
        started_at: now.clone(),
        ended_at: None,
        exit_code: None,
        exit_signal: None,
        end_reason: None,
        command: spec.command.clone(),
        profile: spec.profile.clone(),
        workdir: spec.workdir.clone(),
        socket: sock_path.display().to_string(),
        cols: spec.cols,
        rows: spec.rows,
        last_activity_at: now,
        idle_ttl_secs: spec.idle_ttl,
        scrollback_lines: spec.limits.lines,
        record_file: spec.record_file.clone(),
        supervisor_start: proc::start_ticks(me),
        boot_id: Some(proc::boot_id()),
        resume_command: spec.resume_command.clone(),
        scrollback_bytes: Some(spec.limits.bytes),
        started_ns: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_nanos() as u64),
    };

    let child = pty::spawn(&pty::Spawn {
        argv: &spec.command,
        workdir: &spec.workdir,
        cols: spec.cols,
        rows: spec.rows,
    });
    let child = match child {
        Err(e) => {
            let _ = std::fs::remove_file(&sock_path);
            return Err((
                1,
                format!("cannot start the session: {}", crate::error::io_reason(&e)),
            ));
        }
        Ok(Err(exec)) => {
            let code = exec.exit_code();
            rec.set_ended(
                EndReason::ExecFailed,
                Some(proc::ExitInfo::Code(code as i32)),
            );
            let _lock = reg.lock(&id);
            let _ = reg.write(&rec);
            let _ = std::fs::remove_file(&sock_path);
            let what = match exec.during {
                "chdir" => format!(
                    "cannot run '{}': cannot enter {}: ",
                    spec.command[0], spec.workdir
                ),
                _ => format!("cannot run '{}': ", spec.command[0]),
            };
            return Err((code, format!("{what}{}", sys::errno_text(exec.errno))));
        }
        Ok(Ok(child)) => child,
    };
    rec.pid = Some(child.pid);
    {
        let _lock = reg.lock(&id).map_err(fail)?;
        reg.write(&rec).map_err(fail)?;
    }
    log.line(&format!("started pid {} for {:?}", child.pid, spec.command));
    send_ready(
        ready,
        &Ready::Started {
            id: id.clone(),
            name,
        },
    );
    Ok(event_loop::Session::new(
        spec, rec, child, listener, signals, log,
    ))
}
