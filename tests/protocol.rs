//! The wire protocol and the supervisor's defences, from outside: peer
//! credentials, malformed and oversize frames, another protocol version, a
//! deleted socket, a client that never reads.

mod common;
use common::*;
use linger::protocol::{self, AttachMode, Frame};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

fn socket_of(sb: &Sandbox, id: &str) -> String {
    sb.inspect(id)["socket"].as_str().unwrap().to_string()
}

/// Read until EOF or `limit` bytes, with a deadline.
fn read_some(s: &mut UnixStream, limit: usize) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < limit {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn malformed_and_oversize_frames_close_only_that_connection() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    let path = socket_of(&sb, &id);
    for garbage in [
        vec![99u8, 0, 0, 0, 0],                  // unknown kind
        vec![2u8, 0xff, 0xff, 0xff, 0xff],       // oversize input frame
        vec![5u8, 0, 0, 0, 3, b'{', b'x', b'}'], // request that is not JSON
        vec![3u8, 0, 0, 0, 1, 7],                // short resize
    ] {
        let mut s = UnixStream::connect(&path).unwrap();
        let greeting = read_some(&mut s, protocol::GREETING_LEN);
        assert_eq!(protocol::parse_greeting(&greeting), Some(protocol::VERSION));
        s.write_all(&garbage).unwrap();
        // The supervisor closes this connection: we read EOF.
        let rest = read_some(&mut s, 1 << 20);
        assert!(rest.is_empty(), "unexpected reply to garbage: {rest:?}");
    }
    // The session is unaffected.
    sb.linger(["send", &id, "--enter", "still-alive"]).ok();
    wait_for("echo", || {
        sb.linger(["logs", &id])
            .stdout
            .contains("still-alive")
            .then_some(())
    });
    assert_eq!(sb.status(&id), "running");
    sb.linger(["stop", &id]).ok();
}

#[test]
fn another_protocol_version_is_reported_not_hung_on() {
    let sb = Sandbox::new();
    // A fake supervisor (this test process) that speaks protocol 99.
    let run = sb.dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let sock = run.join("abc123.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let me = std::process::id() as i32;
    let ticks = linger::sys::proc::start_ticks(me).unwrap();
    let rec = serde_json::json!({
        "version": 1, "id": "abc123", "name": "future", "status": "running", "attachment": "detached",
        "viewers": 0, "pid": me, "supervisor_pid": me, "started_at": "2026-11-22T01:02:03Z",
        "ended_at": null, "exit_code": null, "exit_signal": null, "end_reason": null,
        "command": ["x"], "profile": null, "workdir": "/", "socket": sock.display().to_string(),
        "cols": 80, "rows": 24, "last_activity_at": "2026-11-22T01:02:03Z", "idle_ttl_secs": null,
        "scrollback_lines": 10, "record_file": null, "supervisor_start": ticks,
        "boot_id": linger::sys::proc::boot_id()
    });
    std::fs::write(sb.dir.join("abc123.json"), rec.to_string()).unwrap();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut c, _) = listener.accept().unwrap();
            c.write_all(b"LNGR\x00\x63").unwrap();
            let _ = read_some(&mut c, 1 << 16);
        }
    });
    let start = Instant::now();
    let r = sb.linger(["send", "future", "hi"]).code(1);
    assert_eq!(
        r.stderr,
        "linger: session abc123 speaks protocol 99; this linger speaks 2\n"
    );
    let mut pty = Pty::spawn(sb.cmd(["attach", "future"]), 80, 24);
    assert_eq!(pty.wait_exit(), 1);
    assert!(
        pty.text()
            .contains("speaks protocol 99; this linger speaks 2"),
        "{:?}",
        pty.text()
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    server.join().unwrap();
    // The record was not touched: upgrading never loses sessions.
    assert_eq!(sb.status("future"), "running");
    std::fs::remove_file(sb.dir.join("abc123.json")).unwrap();
}

#[test]
fn deleted_socket_is_recreated_on_demand() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    let path = socket_of(&sb, &id);
    std::fs::remove_file(&path).unwrap();
    // `send` finds it missing, signals the supervisor (SIGUSR1) and retries.
    sb.linger(["send", &id, "--enter", "after-tmp-cleaner"])
        .ok();
    assert!(std::path::Path::new(&path).exists());
    wait_for("echo", || {
        sb.linger(["logs", &id])
            .stdout
            .contains("after-tmp-cleaner")
            .then_some(())
    });
    sb.linger(["stop", &id]).ok();
}

#[test]
fn other_users_are_refused_by_peer_credentials() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: needs root to connect as another uid");
        }
        return;
    }
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    let path = socket_of(&sb, &id);
    // Let anyone reach the socket file, so only SO_PEERCRED stands in the way.
    use std::os::unix::fs::PermissionsExt;
    for p in [sb.root.as_path(), sb.dir.as_path(), &sb.dir.join("run")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o711)).unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    // Connect as uid 65534 from a forked child: exit 0 means EOF without a
    // greeting (refused), 1 means the supervisor talked to it, 2 an error.
    let cpath = std::ffi::CString::new(path.clone()).unwrap();
    // SAFETY: the child only makes raw syscalls and _exits.
    let code = unsafe {
        let pid = libc::fork();
        if pid == 0 {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                libc::_exit(2);
            }
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
            let mut addr: libc::sockaddr_un = std::mem::zeroed();
            addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
            for (i, b) in cpath.as_bytes().iter().enumerate() {
                addr.sun_path[i] = *b as libc::c_char;
            }
            let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
            if libc::connect(fd, (&addr as *const libc::sockaddr_un).cast(), len) != 0 {
                libc::_exit(2);
            }
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            if libc::poll(&mut pfd, 1, 5000) != 1 {
                libc::_exit(2);
            }
            let mut b = [0u8; 16];
            let n = libc::read(fd, b.as_mut_ptr().cast(), 16);
            libc::_exit(if n == 0 {
                0
            } else if n > 0 {
                1
            } else {
                2
            });
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        libc::WEXITSTATUS(status)
    };
    assert_eq!(
        code, 0,
        "another uid must be closed at once without a greeting"
    );
    for p in [sb.root.as_path(), sb.dir.as_path(), &sb.dir.join("run")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    sb.linger(["send", &id, "--enter", "unaffected"]).ok();
    wait_for("echo", || {
        sb.linger(["logs", &id])
            .stdout
            .contains("unaffected")
            .then_some(())
    });
    sb.linger(["stop", &id]).ok();
}

fn rss_kib(pid: i64) -> u64 {
    read(format!("/proc/{pid}/status"))
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

#[test]
fn a_client_that_never_reads_does_not_stall_the_session() {
    let sb = Sandbox::new();
    let marker = sb.root.join("done");
    let script = format!(
        "head -c 60000000 /dev/zero | tr '\\0' 'x'; touch {}; sleep 100",
        marker.display()
    );
    let id = sb.start(&["--", "sh", "-c", "read go; exec sh -c \"$0\"", &script]);
    let path = socket_of(&sb, &id);
    // Attach as a viewer and then never read a byte.
    let mut stuck = UnixStream::connect(&path).unwrap();
    let _ = read_some(&mut stuck, protocol::GREETING_LEN);
    stuck
        .write_all(
            &Frame::Attach {
                mode: AttachMode::Viewer,
                cols: 80,
                rows: 24,
                detach: String::new(),
            }
            .to_bytes(),
        )
        .unwrap();
    wait_for("viewer counted", || {
        (sb.inspect(&id)["viewers"] == 1).then_some(())
    });
    sb.linger(["send", &id, "--enter", "go"]).ok();
    // 60 MB go through the pty while the viewer's socket is full.
    wait_for("the flood to finish", || marker.exists().then_some(()));
    let sup = sb.inspect(&id)["supervisor_pid"].as_i64().unwrap();
    let rss = rss_kib(sup);
    assert!(
        rss < 32 * 1024,
        "supervisor RSS {rss} KiB: the queue must be bounded"
    );
    drop(stuck);
    sb.linger(["stop", &id]).ok();
}

/// Read frames from a raw client connection until `want` matches one.
fn frames_until(s: &mut UnixStream, what: &str, want: impl Fn(&Frame) -> bool) -> Vec<Frame> {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut d = protocol::Decoder::new();
    let mut seen = Vec::new();
    let start = Instant::now();
    let mut buf = [0u8; 65536];
    loop {
        while let Some(f) = d.next_frame().expect("well-formed frames") {
            let done = want(&f);
            seen.push(f);
            if done {
                return seen;
            }
        }
        assert!(start.elapsed() < DEADLINE, "no {what} in {seen:?}");
        match s.read(&mut buf) {
            Ok(0) => panic!("connection closed before {what}: {seen:?}"),
            Ok(n) => d.push(&buf[..n]),
            Err(_) => {}
        }
    }
}

/// A client may pass one fd with its Attach frame, and only a terminal is
/// used: anything else is closed and all output is relayed as frames.
#[test]
fn a_passed_fd_that_is_not_a_terminal_is_not_used() {
    use std::os::fd::AsRawFd;
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    let path = socket_of(&sb, &id);
    let mut s = UnixStream::connect(&path).unwrap();
    let greeting = read_some(&mut s, protocol::GREETING_LEN);
    assert_eq!(protocol::parse_greeting(&greeting), Some(protocol::VERSION));
    let (r, w) = linger::sys::fd::pipe_cloexec().unwrap();
    let attach = Frame::Attach {
        mode: AttachMode::Writer,
        cols: 80,
        rows: 24,
        detach: "ctrl-] d".into(),
    }
    .to_bytes();
    let sent = linger::sys::socket::send_with_fd(s.as_raw_fd(), &attach, w.as_raw_fd()).unwrap();
    assert_eq!(sent, attach.len());
    drop(w);
    let seen = frames_until(&mut s, "Attached", |f| matches!(f, Frame::Attached { .. }));
    assert_eq!(
        seen.last(),
        Some(&Frame::Attached {
            direct_input: false
        })
    );
    s.write_all(&Frame::Input(b"relayed\r".to_vec()).to_bytes())
        .unwrap();
    frames_until(
        &mut s,
        "the echo as Output",
        |f| matches!(f, Frame::Output(b) if find(b, b"relayed").is_some()),
    );
    // The supervisor let go of the pipe's write end while still connected.
    wait_for("the supervisor to close the passed pipe", || {
        let mut pfd = libc::pollfd {
            fd: r.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no waiting.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        (n == 1 && pfd.revents & libc::POLLHUP != 0).then_some(())
    });
    drop(s);
    sb.linger(["stop", &id]).ok();
}
