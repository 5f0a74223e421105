//! attach / run (attached) in a real PTY: detach keys, exit codes, redraw,
//! resize, terminal restore, closing the terminal.

mod common;
use common::*;
use linger::screen::{render, Limits, Screen};
use std::time::Duration;

/// What a terminal of this size would show after receiving `bytes`.
fn screen_of(bytes: &[u8], cols: u16, rows: u16) -> Vec<String> {
    let mut s = Screen::new(cols, rows, Limits::default());
    s.feed(bytes);
    render::text_lines(&s, render::Lines::Screen, false)
}

#[test]
fn run_attached_passes_output_and_exit_code() {
    let sb = Sandbox::new();
    let mut pty = Pty::spawn(
        sb.cmd([
            "run",
            "--name",
            "quick",
            "--",
            "sh",
            "-c",
            "echo hello-from-session; exit 7",
        ]),
        80,
        24,
    );
    assert_eq!(pty.wait_exit(), 7);
    let text = pty.text();
    assert!(text.contains("hello-from-session"), "{text:?}");
    let id = sb.inspect("quick")["id"].as_str().unwrap().to_string();
    assert!(
        text.contains(&format!("[session {id} exited with code 7]")),
        "{text:?}"
    );
}

#[test]
fn detach_key_returns_and_session_keeps_running_then_reattach_redraws() {
    let sb = Sandbox::new();
    let mut pty = Pty::spawn(sb.cmd(["run", "--name", "keep", "--", "cat"]), 80, 24);
    let id = sb.wait_attached("keep")["id"].as_str().unwrap().to_string();
    pty.send(b"line-one\r");
    pty.expect("line-one\r\nline-one");
    pty.send(b"\x1dd");
    assert_eq!(pty.wait_exit(), 0);
    assert!(
        pty.text()
            .contains(&format!("[detached from session {id}]")),
        "{:?}",
        pty.text()
    );
    assert_eq!(sb.status("keep"), "running");
    assert_eq!(sb.inspect("keep")["attachment"], "detached");

    // Output while detached is kept; re-attach shows the current screen.
    sb.linger(["send", "keep", "--enter", "while-away"]).ok();
    let mut again = Pty::spawn(sb.cmd(["attach", "keep"]), 80, 24);
    // The redraw may arrive in pieces: wait until the whole screen is there.
    let shown = wait_for("the redrawn screen", || {
        again.pump(Duration::from_millis(50));
        let shown = screen_of(&again.output, 80, 24);
        let echoed = shown.iter().filter(|l| l.as_str() == "while-away").count() == 2;
        (echoed && shown.iter().any(|l| l == "line-one")).then_some(shown)
    });
    assert_eq!(shown[0], "line-one", "{shown:?}");
    again.send(b"\x1dd");
    assert_eq!(again.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

#[test]
fn detach_sequence_in_kitty_and_modify_other_keys_forms() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    for ctrl_bracket in [&b"\x1b[93;5u"[..], &b"\x1b[27;5;93~"[..]] {
        let mut pty = Pty::spawn(sb.cmd(["attach", &id]), 80, 24);
        sb.wait_attached(&id);
        pty.send(ctrl_bracket);
        pty.send(b"d");
        assert_eq!(pty.wait_exit(), 0);
        assert!(
            pty.text().contains("[detached from session"),
            "{:?}",
            pty.text()
        );
    }
    // Bytes that only start like the sequence reach the program.
    let mut pty = Pty::spawn(sb.cmd(["attach", &id]), 80, 24);
    sb.wait_attached(&id);
    pty.send(b"\x1dx-after\r");
    pty.expect("x-after");
    pty.send(b"\x1dd");
    assert_eq!(pty.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

#[test]
fn custom_detach_sequence_from_config() {
    let sb = Sandbox::new();
    sb.write_config("[ui]\ndetach_sequence = \"ctrl-a x\"\n");
    let id = sb.start(&["--", "cat"]);
    let mut pty = Pty::spawn(sb.cmd(["attach", &id]), 80, 24);
    sb.wait_attached(&id);
    pty.send(b"\x1dd"); // the default no longer detaches
    pty.send(b"\x01x");
    assert_eq!(pty.wait_exit(), 0);
    assert!(pty.text().contains("[detached from session"));
    sb.linger(["stop", &id]).ok();
}

#[test]
fn second_writer_is_refused_and_takeover_works() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "cat"]);
    let mut first = Pty::spawn(sb.cmd(["attach", &id]), 80, 24);
    sb.wait_attached(&id);
    let mut second = Pty::spawn(sb.cmd(["attach", &id]), 80, 24);
    assert_eq!(second.wait_exit(), 1);
    assert!(
        second.text().contains(&format!(
            "linger: session {id} is already attached (use --takeover or --read-only)"
        )),
        "{:?}",
        second.text()
    );
    let mut thief = Pty::spawn(sb.cmd(["attach", &id, "--takeover"]), 80, 24);
    assert_eq!(first.wait_exit(), 0);
    assert!(
        first.text().contains("[detached: taken over]"),
        "{:?}",
        first.text()
    );
    thief.send(b"stolen\r");
    thief.expect("stolen");
    thief.send(b"\x1dd");
    assert_eq!(thief.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

#[test]
fn resize_follows_the_writer() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh"]);
    let mut pty = Pty::spawn(sb.cmd(["attach", &id]), 100, 30);
    sb.wait_attached(&id);
    wait_for("size applied", || {
        (sb.inspect(&id)["cols"] == 100).then_some(())
    });
    pty.send(b"stty size\r");
    pty.expect("30 100");
    pty.resize(120, 40);
    // The client gets SIGWINCH because it is in the pty's foreground group.
    wait_for("resize", || {
        (sb.inspect(&id)["cols"] == 120 && sb.inspect(&id)["rows"] == 40).then_some(())
    });
    let mark = pty.output.len();
    pty.send(b"stty size\r");
    pty.expect_from(mark, "40 120");
    pty.send(b"\x1dd");
    assert_eq!(pty.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

#[test]
fn terminal_is_restored_after_detach_and_exit() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "printf '\\033[?1049h\\033[?2004h\\033[?1000h\\033[?25l'; exec cat",
    ]);
    let script = format!("stty -g; {} attach {id}; stty -g; echo restored-ok", BIN);
    let mut shell = std::process::Command::new("sh");
    shell.args(["-c", &script]);
    shell
        .env("LINGER_DIR", &sb.dir)
        .env("LINGER_CONFIG", &sb.config)
        .env("HOME", &sb.root);
    let mut pty = Pty::spawn(shell, 80, 24);
    sb.wait_attached(&id);
    pty.send(b"\x1dd");
    pty.expect("restored-ok");
    let text = pty.text();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_control()))
        .collect();
    let gs: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.matches(':').count() > 10)
        .collect();
    assert!(gs.len() >= 2, "{text:?}");
    assert_eq!(gs[0], gs[gs.len() - 1], "stty settings restored");
    // The modes the session set are undone: alt screen left, paste/mouse off, cursor shown.
    let tail = &text[text.find("[detached").unwrap_or(0).saturating_sub(200)..];
    for seq in ["\x1b[?1049l", "\x1b[?2004l", "\x1b[?1000l", "\x1b[?25h"] {
        assert!(text.contains(seq), "missing {seq:?} in {tail:?}");
    }
    sb.linger(["stop", &id]).ok();
}

#[test]
fn closing_the_terminal_only_detaches() {
    let sb = Sandbox::new();
    let pty = Pty::spawn(sb.cmd(["run", "--name", "survivor", "--", "cat"]), 80, 24);
    sb.wait_attached("survivor");
    let client_pid = pty.child.id() as i32;
    // Close the terminal: hang up the client's session.
    drop(pty);
    wait_for("client gone", || {
        (!std::path::Path::new(&format!("/proc/{client_pid}/stat")).exists()).then_some(())
    });
    wait_for("detached", || {
        (sb.inspect("survivor")["attachment"] == "detached").then_some(())
    });
    assert_eq!(sb.status("survivor"), "running");
    sb.linger(["stop", "survivor"]).ok();
}

#[test]
fn attach_errors() {
    let sb = Sandbox::new();
    sb.linger(["attach", "nothing"]).code(3);
    let id = sb.start(&["--", "sh", "-c", "exit 4"]);
    sb.wait_exited(&id);
    let r = sb.linger(["attach", &id]).code(1);
    assert_eq!(
        r.stderr,
        format!("linger: session {id} has exited (code 4)\n")
    );
    let live = sb.start(&["--", "cat"]);
    sb.linger(["attach", &live]).code(2);
    let mut me = sb.cmd(["attach", &live]);
    me.env("LINGER_SESSION", &live);
    let mut pty = Pty::spawn(me, 80, 24);
    assert_eq!(pty.wait_exit(), 1);
    assert!(pty
        .text()
        .contains("linger: refusing to attach a session to itself"));
    sb.linger(["stop", &live]).ok();
}

#[test]
fn queries_are_answered_while_detached() {
    let sb = Sandbox::new();
    let out = sb.root.join("answer.txt");
    // Ask for the cursor position with nobody attached; read the answer raw.
    let script = format!(
        "stty raw -echo; printf 'ab\\033[6n'; dd bs=1 count=6 2>/dev/null > {}; stty sane; sleep 100",
        out.display()
    );
    let id = sb.start(&["--", "sh", "-c", &script]);
    wait_for("answer", || (read(&out).len() >= 6).then_some(()));
    assert_eq!(read(&out), "\x1b[1;3R");
    sb.linger(["stop", &id]).ok();
    let _ = Duration::from_secs(0);
}

/// The supervisor reads keys from the client's terminal and writes live
/// output to it itself once the client has written what was relayed (the
/// client is then off the keystroke-echo path): typing, output and the
/// detach sequence all work while the client process is stopped.
#[test]
fn keys_and_output_bypass_a_stopped_client() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "direct", "--", "cat"]);
    let mut pty = Pty::spawn(sb.cmd(["attach", "direct"]), 80, 24);
    sb.wait_attached("direct");
    // One round trip: the client has answered the supervisor's Flush.
    pty.send(b"ping\r");
    pty.expect("ping\r\nping");
    let client = pty.child.id() as i32;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(client, libc::SIGSTOP) };
    pty.send(b"typed-while-stopped\r");
    pty.expect("typed-while-stopped\r\ntyped-while-stopped");
    sb.linger(["send", "direct", "--enter", "sent-while-stopped"])
        .ok();
    let seen = pty.expect("sent-while-stopped\r\nsent-while-stopped");
    pty.send(b"\x1dd");
    wait_for("the supervisor to detach the stopped client", || {
        (sb.inspect("direct")["attachment"] == "detached").then_some(())
    });
    // SAFETY: as above.
    unsafe { libc::kill(client, libc::SIGCONT) };
    assert_eq!(pty.wait_exit(), 0);
    let after = String::from_utf8_lossy(&pty.output[seen..]).into_owned();
    assert!(
        after.contains(&format!("[detached from session {id}]")),
        "{after:?}"
    );
    assert_eq!(sb.status("direct"), "running");
    sb.linger(["stop", &id]).ok();
}

/// Output switches between direct writes and relayed frames as the terminal
/// fills and drains (a reader that stalls): every line still arrives once,
/// in order.
#[test]
fn output_stays_in_order_when_the_terminal_stalls() {
    let sb = Sandbox::new();
    let script = "read go; i=0; while [ $i -lt 40 ]; do \
                  seq $((i*2000+1)) $((i*2000+2000)); i=$((i+1)); \
                  [ $((i % 4)) = 0 ] && sleep 0.05; done; echo ALL-DONE; exec cat";
    let id = sb.start(&["--name", "order", "--", "sh", "-c", script]);
    let mut pty = Pty::spawn(sb.cmd(["attach", "order"]), 80, 24);
    sb.wait_attached("order");
    pty.send(b"go\r");
    let from = pty.expect("go\r\n");
    let deadline = std::time::Instant::now() + DEADLINE * 2;
    let mut round = 0;
    while find(&pty.output[from..], b"ALL-DONE").is_none() {
        assert!(std::time::Instant::now() < deadline, "output never ended");
        round += 1;
        if round % 3 == 0 {
            // Stall: the terminal's buffer fills, direct writes would block.
            std::thread::sleep(Duration::from_millis(40));
        }
        pty.pump(Duration::from_millis(20));
    }
    let text = String::from_utf8_lossy(&pty.output[from..]).into_owned();
    let numbers: Vec<u32> = text
        .split("\r\n")
        .take_while(|l| *l != "ALL-DONE")
        .map(|l| l.parse().unwrap_or_else(|_| panic!("stray line {l:?}")))
        .collect();
    let want: Vec<u32> = (1..=80_000).collect();
    assert!(
        numbers == want,
        "lines lost or out of order ({} lines)",
        numbers.len()
    );
    pty.send(b"\x1dd");
    assert_eq!(pty.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

/// With stdout not a terminal the client passes nothing: it reads the keys
/// (and finds the detach sequence) and writes all output itself.
#[test]
fn a_client_with_stdout_redirected_relays_everything() {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "piped", "--", "cat"]);
    let (master, slave) = openpty(80, 24);
    let mut cmd = sb.cmd(["attach", "piped"]);
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(cmd.spawn().expect("spawn attach"));
    let mut out = child.0.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = out.read_to_end(&mut all);
        all
    });
    sb.wait_attached("piped");
    let typed = |bytes: &[u8]| {
        // SAFETY: writing a valid buffer to our pty master.
        let n = unsafe { libc::write(master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n, bytes.len() as isize);
    };
    typed(b"through-the-client\r");
    wait_for("the echo in the session", || {
        let r = sb.linger(["logs", "piped"]).ok();
        r.stdout
            .contains("through-the-client\nthrough-the-client")
            .then_some(())
    });
    typed(b"\x1dd");
    let code = wait_for("the client to exit", || child.0.try_wait().unwrap());
    assert_eq!(code.code(), Some(0));
    let all = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(
        all.contains("through-the-client\r\nthrough-the-client"),
        "{all:?}"
    );
    assert!(
        all.contains(&format!("[detached from session {id}]")),
        "{all:?}"
    );
    assert_eq!(sb.status("piped"), "running");
    sb.linger(["stop", &id]).ok();
}

/// CPU ticks (utime + stime) a process has used, from /proc.
fn cpu_ticks(pid: i64) -> u64 {
    let stat = read(format!("/proc/{pid}/stat"));
    // Fields after the command name (which may hold spaces) start at state.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

/// After a keystroke the supervisor polls briefly for the echo without
/// sleeping; a program that never echoes must not keep it spinning.
#[test]
fn keystrokes_without_echo_leave_the_supervisor_idle() {
    let sb = Sandbox::new();
    let script = "stty -echo; echo READY; exec cat >/dev/null";
    let id = sb.start(&["--name", "quiet", "--", "sh", "-c", script]);
    let mut pty = Pty::spawn(sb.cmd(["attach", "quiet"]), 80, 24);
    let sup = sb.wait_attached("quiet")["supervisor_pid"]
        .as_i64()
        .unwrap();
    pty.expect("READY");
    for _ in 0..50 {
        pty.send(b"k");
        pty.pump(Duration::from_millis(2));
    }
    let before = cpu_ticks(sup);
    let window = std::time::Instant::now();
    while window.elapsed() < Duration::from_secs(1) {
        pty.pump(Duration::from_millis(50));
    }
    let used = cpu_ticks(sup) - before;
    assert!(used <= 5, "supervisor used {used} ticks in 1 s of silence");
    pty.send(b"\x1dd");
    assert_eq!(pty.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}
