//! Issue 4: logs, send, wait, several clients, pause, idle TTL, save /
//! restore / restart and --record, end to end through the real binary.

mod common;
use common::*;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Exit code, stdout, stderr of a bounded run of an arbitrary Command.
fn run_cmd(mut c: Command) -> (i32, String, String) {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("command did not finish");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A child whose stdout is collected by a thread; killed on drop.
struct Streaming {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Streaming {
    fn spawn(mut c: Command) -> Streaming {
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("spawn");
        let mut stdout = child.stdout.take().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Streaming { child, out }
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }
    #[track_caller]
    fn expect(&self, needle: &str) {
        wait_for(&format!("{needle:?} in streamed output"), || {
            self.text().contains(needle).then_some(())
        });
    }
    #[track_caller]
    fn wait_exit(&mut self) -> i32 {
        let st = wait_for("streaming child to exit", || self.child.try_wait().unwrap());
        // Let the reader thread drain the pipe.
        std::thread::sleep(Duration::from_millis(50));
        st.code().unwrap_or(-1)
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn logs(sb: &Sandbox, args: &[&str]) -> String {
    let mut full = vec!["logs"];
    full.extend_from_slice(args);
    sb.linger(&full).ok().stdout
}

#[track_caller]
fn wait_logs(sb: &Sandbox, sel: &str, needle: &str) -> String {
    wait_for(&format!("{needle:?} in logs of {sel}"), || {
        let l = logs(sb, &[sel]);
        l.contains(needle).then_some(l)
    })
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn kill_lost(rec: &serde_json::Value) {
    let spid = rec["supervisor_pid"].as_i64().unwrap() as i32;
    let pid = rec["pid"].as_i64().unwrap() as i32;
    // SAFETY: signalling processes this test started.
    unsafe {
        libc::kill(spid, libc::SIGKILL);
        libc::killpg(pid, libc::SIGKILL);
    }
    wait_for("supervisor to die", || {
        (!std::path::Path::new(&format!("/proc/{spid}")).exists() || zombie(spid)).then_some(())
    });
}

fn zombie(pid: i32) -> bool {
    read(format!("/proc/{pid}/stat"))
        .rsplit(')')
        .next()
        .is_some_and(|s| s.trim_start().starts_with('Z'))
}

fn attach_pty(sb: &Sandbox, args: &[&str], cols: u16, rows: u16) -> Pty {
    let mut full = vec!["attach"];
    full.extend_from_slice(args);
    Pty::spawn(sb.cmd(&full), cols, rows)
}

// ---------------------------------------------------------------- logs

const COLOURFUL: &str =
    "for i in $(seq 1 40); do echo line$i; done; printf '\\033[31mRED\\033[0m plain\\n'; exec sleep 100";

#[test]
fn logs_tail_screen_and_ansi_on_a_running_session() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", COLOURFUL]);
    let all = wait_logs(&sb, &id, "RED plain");
    assert!(!all.contains('\x1b'), "no escapes without --ansi: {all:?}");
    let l = lines(&all);
    assert_eq!(l[0], "line1", "{all}");
    assert_eq!(l.last().unwrap(), &"RED plain", "{all}");
    assert!(l.contains(&"line40"));
    let tail = logs(&sb, &[&id, "--tail", "3"]);
    assert_eq!(lines(&tail), ["line39", "line40", "RED plain"], "{tail:?}");
    let screen = logs(&sb, &[&id, "--screen"]);
    let sl = lines(&screen);
    assert!(sl.len() <= 24, "{screen}");
    assert!(sl.contains(&"line40") && !sl.contains(&"line1"), "{screen}");
    let ansi = logs(&sb, &[&id, "--ansi"]);
    let red = ansi.lines().find(|l| l.contains("RED")).unwrap();
    assert!(red.contains("\x1b[") && red.contains("31"), "{red:?}");
    assert!(
        red.find("\x1b[").unwrap() < red.find("RED").unwrap(),
        "{red:?}"
    );
    let ansi_screen = logs(&sb, &[&id, "--screen", "--ansi", "--tail", "1"]);
    assert!(ansi_screen.contains("\x1b[") && ansi_screen.contains("RED"));
    sb.linger(["stop", &id]).ok();
}

#[test]
fn logs_of_a_running_session_are_fresh() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "echo first; read x; echo second-$x; exec sleep 100",
    ]);
    // Let the first checkpoint be written, then print more.
    let ckpt = sb.dir.join(format!("{id}.screen.json"));
    wait_for("checkpoint with 'first'", || {
        read(&ckpt).contains("first").then_some(())
    });
    sb.linger(["send", &id, "--enter", "now"]).ok();
    // Well within the checkpoint delay: logs must ask the supervisor.
    let start = Instant::now();
    loop {
        let l = logs(&sb, &[&id]);
        if l.contains("second-now") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "logs stale: {l:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sb.linger(["stop", &id]).ok();
}

#[test]
fn logs_of_an_exited_session() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "echo hello; printf '\\033[1;32mgreen\\033[0m\\n'; exit 3",
    ]);
    sb.wait_exited(&id);
    let all = logs(&sb, &[&id]);
    assert_eq!(lines(&all), ["hello", "green"], "{all:?}");
    assert_eq!(logs(&sb, &[&id, "--tail", "1"]), "green\n");
    assert!(logs(&sb, &[&id, "--screen"]).contains("hello"));
    let ansi = logs(&sb, &[&id, "--ansi"]);
    assert!(ansi.contains("\x1b[") && ansi.contains("32"), "{ansi:?}");
    // --follow on an exited session prints and exits with its code.
    let r = sb.linger(["logs", "-f", &id]).code(3);
    assert!(r.stdout.contains("green"), "{}", r.stdout);
}

#[test]
fn logs_follow_streams_until_exit_with_its_code() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "echo start; read x; printf '\\033[33mgot-%s\\033[0m\\n' $x; sleep 0.3; echo more; exit 7",
    ]);
    wait_logs(&sb, &id, "start");
    let mut f = Streaming::spawn(sb.cmd(["logs", "--follow", &id]));
    f.expect("start");
    sb.linger(["send", &id, "--enter", "abc"]).ok();
    f.expect("got-abc");
    f.expect("more");
    assert_eq!(f.wait_exit(), 7);
    let text = f.text();
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(!text.contains('\r'), "{text:?}");
    assert!(text.find("start").unwrap() < text.find("more").unwrap());
}

#[test]
fn logs_of_a_lost_session_come_from_the_checkpoint() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo lost-marker; exec sleep 100"]);
    let ckpt = sb.dir.join(format!("{id}.screen.json"));
    wait_for("checkpoint with the marker", || {
        read(&ckpt).contains("lost-marker").then_some(())
    });
    let rec = sb.inspect(&id);
    kill_lost(&rec);
    let l = logs(&sb, &[&id]);
    assert!(l.contains("lost-marker"), "{l:?}");
    let rec = sb.inspect(&id);
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "lost");
    assert!(logs(&sb, &[&id, "--screen"]).contains("lost-marker"));
    assert_eq!(logs(&sb, &[&id, "--tail", "1"]), "lost-marker\n");
}

// ---------------------------------------------------------------- send

#[test]
fn send_text_stdin_keys_and_enter() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "c", "--", "cat"]);
    sb.linger(["send", "c", "--enter", "hello", "world"]).ok();
    let l = wait_logs(&sb, "c", "hello world");
    // cat echoes the typed line and prints it back.
    wait_for("cat's copy", || {
        (logs(&sb, &["c"]).matches("hello world").count() >= 2).then_some(())
    });
    assert!(!l.contains('\x1b'), "{l:?}");
    sb.linger_stdin(["send", "c", "-"], Some(b"from-stdin\n"))
        .ok();
    wait_for("stdin text twice", || {
        (logs(&sb, &["c"]).matches("from-stdin").count() >= 2).then_some(())
    });
    // Without --enter nothing is submitted yet; the key token completes it.
    sb.linger(["send", "c", "partial"]).ok();
    wait_logs(&sb, "c", "partial");
    sb.linger(["send", "c", "--keys", "x", "enter"]).ok();
    wait_for("partialx twice", || {
        (logs(&sb, &["c"]).matches("partialx").count() >= 2).then_some(())
    });
    // ctrl-c interrupts the program.
    sb.linger(["send", &id, "--keys", "ctrl-c"]).ok();
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["exit_code"], 130, "{rec}");
    // Sending to an exited session fails.
    let r = sb.linger(["send", &id, "late"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("linger: "), "{}", r.stderr);
}

#[test]
fn send_keys_ctrl_c_interrupts_sleep() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    sb.linger(["send", &id, "--keys", "ctrl-c"]).ok();
    let r = sb.linger(["wait", &id, "--timeout", "10"]);
    assert_eq!(r.code, 130, "{}", r.stderr);
    let r = sb.linger(["send", &id, "--keys", "no-such-key"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn send_reaches_a_session_with_a_client_attached() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "read x; echo got:$x; exec cat"]);
    let mut p = attach_pty(&sb, &[&id], 80, 24);
    wait_for("attached", || {
        (sb.inspect(&id)["attachment"] == "attached").then_some(())
    });
    sb.linger(["send", &id, "--enter", "via-send"]).ok();
    p.expect("got:via-send");
    let l = wait_logs(&sb, &id, "got:via-send");
    assert!(!l.contains('\x1b'));
    p.send(b"\x1dd");
    assert_eq!(p.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

// ---------------------------------------------------------------- wait

#[test]
fn wait_passes_on_codes_signals_and_times_out() {
    let sb = Sandbox::new();
    let t = sb.start(&["--", "sh", "-c", "sleep 0.3; kill -TERM $$"]);
    sb.linger(["wait", &t]).code(143);
    let a = sb.start(&["--", "sh", "-c", "sleep 0.5; exit 3"]);
    let b = sb.start(&["--", "sh", "-c", "sleep 1; exit 5"]);
    let start = Instant::now();
    sb.linger(["wait", &a, &b]).code(5);
    assert!(start.elapsed() >= Duration::from_millis(600));
    sb.wait_exited(&a);
    // Already exited: immediately, its code; the last one counts.
    let start = Instant::now();
    sb.linger(["wait", &b, &a]).code(3);
    sb.linger(["wait", &t]).code(143);
    assert!(start.elapsed() < Duration::from_secs(3));
    let s = sb.start(&["--", "sleep", "100"]);
    let start = Instant::now();
    sb.linger(["wait", &s, "--timeout", "0.5"]).code(124);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(sb.status(&s), "running");
    sb.linger(["wait", "no-such"]).code(3);
    sb.linger(["stop", &s]).ok();
}

// ---------------------------------------------------------------- clients

#[test]
fn detach_sequence_and_exit_while_attached() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo ready; read x; exit 4"]);
    let mut p = attach_pty(&sb, &[&id], 80, 24);
    p.expect("ready");
    p.send(b"\x1d");
    p.send(b"d");
    let at = p.expect(&format!("[detached from session {id}]"));
    assert_eq!(p.wait_exit(), 0, "{}", p.text());
    let _ = at;
    assert_eq!(sb.status(&id), "running");
    assert_eq!(sb.inspect(&id)["attachment"], "detached");
    let mut p = attach_pty(&sb, &[&id], 80, 24);
    p.expect("ready");
    p.send(b"bye\r");
    p.expect(&format!("[session {id} exited with code 4]"));
    assert_eq!(p.wait_exit(), 4);
    // An exited session cannot be attached.
    let r = sb.linger(["attach", &id]).code(1);
    assert_eq!(
        r.stderr.trim(),
        format!("linger: session {id} has exited (code 4)")
    );
}

#[test]
fn writer_viewers_and_the_window_size() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo ready; exec cat"]);
    let mut w = attach_pty(&sb, &[&id], 100, 30);
    w.expect("ready");
    wait_for("writer size", || {
        let r = sb.inspect(&id);
        (r["cols"] == 100 && r["rows"] == 30).then_some(())
    });
    let mut v1 = attach_pty(&sb, &[&id, "--read-only"], 60, 10);
    let mut v2 = attach_pty(&sb, &[&id, "--read-only"], 70, 12);
    v1.expect("ready");
    v2.expect("ready");
    let rec = wait_for("two viewers", || {
        let r = sb.inspect(&id);
        (r["viewers"] == 2).then_some(r)
    });
    assert_eq!(rec["attachment"], "attached");
    assert_eq!(
        (rec["cols"].as_i64(), rec["rows"].as_i64()),
        (Some(100), Some(30))
    );
    let ps: serde_json::Value =
        serde_json::from_str(&sb.linger(["ps", "--json"]).ok().stdout).unwrap();
    assert_eq!(ps[0]["attachment"], "attached");
    assert_eq!(ps[0]["viewers"], 2);
    let table = sb.linger(["ps"]).ok().stdout;
    assert!(table.contains(" attached "), "{table}");
    // Viewers' input and size changes are ignored.
    v1.send(b"from-viewer\r");
    v1.resize(50, 8);
    w.send(b"from-writer\r");
    let v1_at = v1.expect("from-writer");
    v2.expect("from-writer");
    std::thread::sleep(Duration::from_millis(300));
    let l = logs(&sb, &[&id]);
    assert!(!l.contains("from-viewer"), "{l}");
    let r = sb.inspect(&id);
    assert_eq!(
        (r["cols"].as_i64(), r["rows"].as_i64()),
        (Some(100), Some(30))
    );
    // A viewer's detach sequence works.
    v1.send(b"\x1dd");
    v1.expect_from(v1_at, &format!("[detached from session {id}]"));
    assert_eq!(v1.wait_exit(), 0);
    wait_for("one viewer", || {
        (sb.inspect(&id)["viewers"] == 1).then_some(())
    });
    // A second writer is refused.
    let mut second = attach_pty(&sb, &[&id], 80, 24);
    assert_eq!(second.wait_exit(), 1, "{}", second.text());
    assert!(
        second.text().contains(&format!(
            "linger: session {id} is already attached (use --takeover or --read-only)"
        )),
        "{}",
        second.text()
    );
    // `linger detach` disconnects the writer and the viewer.
    let r = sb.linger(["detach", &id]).ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(w.wait_exit(), 0, "{}", w.text());
    assert_eq!(v2.wait_exit(), 0);
    let rec = wait_for("detached", || {
        let r = sb.inspect(&id);
        (r["attachment"] == "detached" && r["viewers"] == 0).then_some(r)
    });
    assert_eq!(rec["status"], "running");
    let r = sb.linger(["detach", &id]).ok();
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .trim_end()
            .ends_with(&format!("session {id} is not attached")),
        "{}",
        r.stderr
    );
    sb.linger(["stop", &id]).ok();
}

#[test]
fn takeover_detaches_the_old_writer() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo ready; exec cat"]);
    let mut a = attach_pty(&sb, &[&id], 80, 24);
    a.expect("ready");
    wait_for("attached", || {
        (sb.inspect(&id)["attachment"] == "attached").then_some(())
    });
    let mut b = attach_pty(&sb, &[&id, "--takeover"], 90, 20);
    b.expect("ready");
    a.expect("[detached: taken over]");
    assert_eq!(a.wait_exit(), 0);
    b.send(b"typed-by-b\r");
    wait_logs(&sb, &id, "typed-by-b");
    let r = sb.inspect(&id);
    assert_eq!(r["attachment"], "attached");
    assert_eq!(
        (r["cols"].as_i64(), r["rows"].as_i64()),
        (Some(90), Some(20))
    );
    sb.linger(["stop", &id]).ok();
    let code = b.wait_exit();
    assert!(code == 129 || code == 143, "{code} {}", b.text());
}

#[test]
fn attach_refusals() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let r = sb.linger(["attach", &id]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.starts_with("linger: "), "{}", r.stderr);
    let mut c = sb.cmd(["attach", &id]);
    c.env("LINGER_SESSION", &id);
    let (code, _, err) = run_cmd(c);
    assert_eq!(code, 1);
    assert_eq!(err.trim(), "linger: refusing to attach a session to itself");
    // Also from a terminal.
    let mut c = sb.cmd(["attach", &id]);
    c.env("LINGER_SESSION", &id);
    let mut p = Pty::spawn(c, 80, 24);
    assert_eq!(p.wait_exit(), 1);
    assert!(p
        .text()
        .contains("linger: refusing to attach a session to itself"));
    assert_eq!(sb.inspect(&id)["attachment"], "detached");
    sb.linger(["stop", &id]).ok();
}

// ---------------------------------------------------------------- pause

#[test]
fn pause_really_stops_the_program() {
    let mut sb = Sandbox::new();
    sb.extra_env.push(("LINGER_LOG".into(), "debug".into()));
    let counter = sb.root.join("counter");
    let script = format!(
        "i=0; while true; do i=$((i+1)); echo $i > {}; sleep 0.05; done",
        counter.display()
    );
    let id = sb.start(&["--name", "counting", "--", "sh", "-c", &script]);
    let num = || read(&counter).trim().parse::<u64>().unwrap_or(0);
    wait_for("counter to run", || (num() > 3).then_some(()));
    let r = sb.linger(["pause", "counting"]).ok();
    assert_eq!(r.stdout.trim(), format!("Paused session {id}."));
    assert_eq!(sb.status(&id), "paused");
    let ps = sb.linger(["ps"]).ok().stdout;
    assert!(ps.lines().nth(1).unwrap().contains(" paused "), "{ps}");
    std::thread::sleep(Duration::from_millis(200));
    let n = num();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(num(), n, "a paused program must not advance");
    // prune never touches it.
    sb.linger(["prune"]).ok();
    assert_eq!(sb.status(&id), "paused");
    sb.linger(["unpause", "counting"]).ok();
    assert_eq!(sb.status(&id), "running");
    wait_for("counter to advance again", || (num() > n + 3).then_some(()));
    sb.linger(["pause", &id]).ok();
    let start = Instant::now();
    sb.linger(["stop", &id]).ok();
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{}",
        read(sb.dir.join(format!("{id}.debug.log")))
    );
    let rec = sb.inspect(&id);
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "stopped");
}

// ---------------------------------------------------------------- idle TTL

#[test]
fn idle_ttl_stops_a_quiet_detached_session_only() {
    let sb = Sandbox::new();
    let start = Instant::now();
    let quiet = sb.start(&["--idle-ttl", "2s", "--", "sleep", "100"]);
    let busy = sb.start(&[
        "--idle-ttl",
        "2s",
        "--",
        "sh",
        "-c",
        "while true; do echo tick; sleep 0.3; done",
    ]);
    assert_eq!(sb.inspect(&quiet)["idle_ttl_secs"], 2);
    let rec = sb.wait_exited(&quiet);
    assert!(start.elapsed() >= Duration::from_millis(1900));
    assert_eq!(rec["end_reason"], "idle", "{rec}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(sb.status(&busy), "running");
    sb.linger(["stop", &busy]).ok();
}

#[test]
fn idle_ttl_from_config() {
    let sb = Sandbox::new();
    sb.write_config("[session]\nidle_ttl = \"2s\"\n");
    let id = sb.start(&["--", "sleep", "100"]);
    assert_eq!(sb.inspect(&id)["idle_ttl_secs"], 2);
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["end_reason"], "idle", "{rec}");
    // An attached session is never idle-stopped.
    let id = sb.start(&["--", "sh", "-c", "echo ready; exec sleep 100"]);
    let mut p = attach_pty(&sb, &[&id], 80, 24);
    p.expect("ready");
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(sb.status(&id), "running");
    p.send(b"\x1dd");
    assert_eq!(p.wait_exit(), 0);
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["end_reason"], "idle", "{rec}");
}

#[test]
fn stop_idle_stops_only_idle_detached_sessions() {
    let sb = Sandbox::new();
    let quiet = sb.start(&["--", "sleep", "100"]);
    let busy = sb.start(&[
        "--",
        "sh",
        "-c",
        "while true; do echo tick; sleep 0.2; done",
    ]);
    let attached = sb.start(&["--", "sh", "-c", "echo ready; exec sleep 100"]);
    let mut p = attach_pty(&sb, &[&attached], 80, 24);
    p.expect("ready");
    std::thread::sleep(Duration::from_millis(2600));
    let r = sb.linger(["stop", "--idle", "1s"]).ok();
    assert_eq!(r.stdout, format!("Stopped session {quiet}.\n"));
    let rec = sb.inspect(&quiet);
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "idle");
    assert_eq!(sb.status(&busy), "running");
    assert_eq!(sb.status(&attached), "running");
    sb.linger(["stop", &busy, &attached]).ok();
    let code = p.wait_exit();
    assert!(code == 129 || code == 143, "{code}");
}

// ---------------------------------------------------------------- save / restore / restart

const GENERATION: &str = "n=$(cat gen 2>/dev/null || echo 0); n=$((n+1)); echo $n > gen; echo generation-$n; exec sleep 100";

#[test]
fn save_writes_a_snapshot() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--name",
        "keeper",
        "--",
        "sh",
        "-c",
        "for i in $(seq 1 30); do echo old$i; done; printf 'prompt> '; exec sleep 100",
    ]);
    wait_logs(&sb, &id, "prompt>");
    let r = sb.linger(["save", "keeper"]).ok();
    let file = sb.root.join(format!("linger-{id}.json"));
    assert!(file.exists(), "{}", r.stdout);
    let snap: serde_json::Value = serde_json::from_str(&read(&file)).unwrap();
    assert_eq!(snap["record"]["id"], id.as_str());
    assert_eq!(snap["record"]["name"], "keeper");
    let sb_lines = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let scroll = sb_lines(&snap["scrollback"]);
    let screen = sb_lines(&snap["screen"]);
    assert!(scroll.contains(&"old1".to_string()), "{scroll:?}");
    assert!(screen.contains(&"old30".to_string()), "{screen:?}");
    assert!(
        screen.iter().any(|l| l.starts_with("prompt>")),
        "{screen:?}"
    );
    let row = snap["cursor"]["row"].as_u64().unwrap() as usize;
    assert!(screen[row].starts_with("prompt>"), "{snap}");
    assert_eq!(snap["cursor"]["col"], 8);
    let to = sb.root.join("snap.json");
    sb.linger(["save", &id, "--to", to.to_str().unwrap()]).ok();
    let j: serde_json::Value = serde_json::from_str(&read(&to)).unwrap();
    assert_eq!(j["record"]["id"], id.as_str());
    let out = sb.linger(["save", &id, "--to", "-"]).ok().stdout;
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["record"]["id"], id.as_str());
    sb.linger(["stop", &id]).ok();
}

#[test]
fn restore_starts_the_same_session_with_old_lines_above() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "keeper", "--", "sh", "-c", GENERATION]);
    wait_logs(&sb, &id, "generation-1");
    let to = sb.root.join("snap.json");
    sb.linger(["save", "keeper", "--to", to.to_str().unwrap()])
        .ok();
    // While it still runs, the name is taken.
    let r = sb.linger(["restore", "--from", to.to_str().unwrap(), "-d"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    sb.linger(["stop", &id]).ok();
    let r = sb
        .linger(["restore", "--from", to.to_str().unwrap(), "-d"])
        .ok();
    let new = r
        .stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("Started detached session ")
        .and_then(|s| s.strip_suffix('.'))
        .unwrap()
        .to_string();
    assert_ne!(new, id);
    let l = wait_logs(&sb, &new, "generation-2");
    assert!(
        l.find("generation-1").unwrap() < l.find("generation-2").unwrap(),
        "{l}"
    );
    let rec = sb.inspect("keeper");
    assert_eq!(rec["id"], new.as_str());
    assert_eq!(rec["status"], "running");
    sb.linger(["stop", &new]).ok();
}

#[test]
fn restart_exited_and_lost_sessions() {
    let sb = Sandbox::new();
    let wd = sb.root.join("wd");
    std::fs::create_dir_all(&wd).unwrap();
    let id = sb.start(&[
        "--name",
        "again",
        "-C",
        wd.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        GENERATION,
    ]);
    wait_logs(&sb, &id, "generation-1");
    let r = sb.linger(["restart", "again", "-d"]);
    assert_eq!(r.code, 1, "restarting a running session: {}", r.stdout);
    assert!(r.stderr.starts_with("linger: "));
    sb.linger(["stop", &id]).ok();
    // Nothing restarts by itself.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sb.linger(["ps", "-a", "-q"]).ok().stdout.lines().count(), 1);
    let r = sb.linger(["restart", "again", "-d", "-q"]).ok();
    let second = r.stdout.trim().to_string();
    assert_eq!(second.len(), 6);
    assert_ne!(second, id);
    let l = wait_logs(&sb, &second, "generation-2");
    assert!(l.find("generation-1").unwrap() < l.find("generation-2").unwrap());
    let rec = sb.inspect(&second);
    assert_eq!(rec["name"], "again");
    assert_eq!(rec["command"], sb.inspect(&id)["command"]);
    assert_eq!(rec["workdir"], sb.inspect(&id)["workdir"]);
    // A lost session restarts too, from its checkpoint.
    let ckpt = sb.dir.join(format!("{second}.screen.json"));
    wait_for("checkpoint", || {
        read(&ckpt).contains("generation-2").then_some(())
    });
    kill_lost(&rec);
    let r = sb.linger(["restart", "again", "-d", "-q"]).ok();
    let third = r.stdout.trim().to_string();
    assert_eq!(sb.inspect(&second)["end_reason"], "lost");
    let l = wait_logs(&sb, &third, "generation-3");
    let (a, b, c) = (
        l.find("generation-1").unwrap(),
        l.find("generation-2").unwrap(),
        l.find("generation-3").unwrap(),
    );
    assert!(a < b && b < c, "{l}");
    sb.linger(["stop", &third]).ok();
}

#[test]
fn restart_uses_the_resume_command_in_the_same_workdir() {
    let sb = Sandbox::new();
    let wd = sb.root.join("proj");
    std::fs::create_dir_all(&wd).unwrap();
    let id = sb.start(&[
        "--name",
        "agent",
        "-C",
        wd.to_str().unwrap(),
        "--resume-cmd",
        "echo resumed-in-$(pwd); exec sleep 100",
        "--",
        "sh",
        "-c",
        "echo first-run; exit 0",
    ]);
    sb.wait_exited(&id);
    let new = sb
        .linger(["restart", &id, "-d", "-q"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let wd = std::fs::canonicalize(&wd).unwrap();
    let want = format!("resumed-in-{}", wd.display());
    let l = wait_logs(&sb, &new, &want);
    assert!(l.find("first-run").unwrap() < l.find(&want).unwrap(), "{l}");
    assert_eq!(sb.inspect(&new)["name"], "agent");
    sb.linger(["stop", &new]).ok();
}

// ---------------------------------------------------------------- record

#[test]
fn record_writes_asciicast_v2_with_resizes() {
    let sb = Sandbox::new();
    let cast = sb.root.join("out.cast");
    let id = sb.start(&[
        "--record",
        cast.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "echo recorded-text; read x; echo bye-$x",
    ]);
    let mut p = attach_pty(&sb, &[&id], 100, 30);
    p.expect("recorded-text");
    wait_for("size from the client", || {
        (sb.inspect(&id)["cols"] == 100).then_some(())
    });
    p.resize(90, 20);
    let _ = p.child.id();
    // SIGWINCH reaches the client through the pty's foreground group.
    wait_for("resize to reach the session", || {
        (sb.inspect(&id)["cols"] == 90).then_some(())
    });
    p.send(b"done\r");
    assert_eq!(p.wait_exit(), 0);
    sb.wait_exited(&id);
    let text = read(&cast);
    let mut it = text.lines();
    let header: serde_json::Value = serde_json::from_str(it.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert!(header["width"].as_u64().is_some() && header["height"].as_u64().is_some());
    assert!(header["timestamp"].as_i64().is_some());
    assert!(header["env"].is_object());
    let mut out = String::new();
    let mut resizes = Vec::new();
    let mut last_t = 0.0;
    for line in it {
        let ev: serde_json::Value = serde_json::from_str(line).expect("event is JSON");
        let ev = ev.as_array().unwrap();
        assert_eq!(ev.len(), 3);
        let t = ev[0].as_f64().unwrap();
        assert!(t >= last_t);
        last_t = t;
        match ev[1].as_str().unwrap() {
            "o" => out.push_str(ev[2].as_str().unwrap()),
            "r" => resizes.push(ev[2].as_str().unwrap().to_string()),
            other => panic!("unexpected event type {other}"),
        }
    }
    assert!(out.contains("recorded-text"), "{out:?}");
    assert!(out.contains("bye-done"), "{out:?}");
    assert!(resizes.contains(&"100x30".to_string()), "{resizes:?}");
    assert!(resizes.contains(&"90x20".to_string()), "{resizes:?}");
}

// ---------------------------------------------------------------- more edges

#[test]
fn stop_idle_measures_idleness_finer_than_whole_seconds() {
    let sb = Sandbox::new();
    let quiet = sb.start(&["--", "sleep", "100"]);
    // Idle for well over 1 s (but under 2 s): "longer than 1s".
    std::thread::sleep(Duration::from_millis(1600));
    let r = sb.linger(["stop", "--idle", "1s"]).ok();
    assert_eq!(r.stdout, format!("Stopped session {quiet}.\n"));
    assert_eq!(sb.inspect(&quiet)["end_reason"], "idle");
}

#[test]
fn restart_keeps_size_and_the_profile_environment() {
    let sb = Sandbox::new();
    sb.write_config("[profiles.p]\nenv = { FOO = \"from-profile\" }\n");
    let id = sb.start(&[
        "--name",
        "prof",
        "--profile",
        "p",
        "--",
        "sh",
        "-c",
        "echo foo=$FOO; exec sleep 100",
    ]);
    wait_logs(&sb, &id, "foo=from-profile");
    let mut p = attach_pty(&sb, &[&id], 100, 30);
    p.expect("foo=from-profile");
    wait_for("client size", || {
        (sb.inspect(&id)["cols"] == 100).then_some(())
    });
    p.send(b"\x1dd");
    assert_eq!(p.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
    let new = sb
        .linger(["restart", "prof", "-d", "-q"])
        .ok()
        .stdout
        .trim()
        .to_string();
    wait_for("second run output", || {
        (logs(&sb, &[&new]).matches("foo=").count() >= 2).then_some(())
    });
    let l = logs(&sb, &[&new]);
    assert_eq!(l.matches("foo=from-profile").count(), 2, "{l}");
    let rec = sb.inspect(&new);
    assert_eq!(rec["profile"], "p");
    assert_eq!(
        (rec["cols"].as_i64(), rec["rows"].as_i64()),
        (Some(100), Some(30))
    );
    sb.linger(["stop", &new]).ok();
}

#[test]
fn viewers_survive_a_takeover_and_see_the_exit_code() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo ready; read x; exit 6"]);
    let mut v = attach_pty(&sb, &[&id, "--read-only"], 80, 24);
    v.expect("ready");
    wait_for("viewer", || (sb.inspect(&id)["viewers"] == 1).then_some(()));
    let r = sb.inspect(&id);
    assert_eq!(r["attachment"], "detached");
    let mut a = attach_pty(&sb, &[&id], 80, 24);
    a.expect("ready");
    let mut b = attach_pty(&sb, &[&id, "--takeover"], 80, 24);
    b.expect("ready");
    a.expect("[detached: taken over]");
    assert_eq!(a.wait_exit(), 0);
    assert_eq!(sb.inspect(&id)["viewers"], 1);
    b.send(b"go\r");
    b.expect(&format!("[session {id} exited with code 6]"));
    v.expect(&format!("[session {id} exited with code 6]"));
    assert_eq!(b.wait_exit(), 6);
    assert_eq!(v.wait_exit(), 6);
}

#[test]
fn logs_follow_with_tail_and_send_mixed_stdin() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "for i in 1 2 3 4 5; do echo head$i; done; read x; echo got:$x; exit 0",
    ]);
    wait_logs(&sb, &id, "head5");
    let mut f = Streaming::spawn(sb.cmd(["logs", "-f", "--tail", "2", &id]));
    f.expect("head5");
    assert!(!f.text().contains("head3"), "{}", f.text());
    sb.linger_stdin(["send", &id, "--enter", "a", "-", "b"], Some(b"mid"))
        .ok();
    f.expect("got:a mid b");
    assert_eq!(f.wait_exit(), 0);
}

#[test]
fn pause_stops_a_job_running_in_an_interactive_shell() {
    let sb = Sandbox::new();
    let counter = sb.root.join("counter");
    let id = sb.start(&["--", "bash", "--norc", "--noprofile", "-i"]);
    let job = format!(
        "sh -c 'i=0; while true; do i=$((i+1)); echo $i > {}; sleep 0.05; done'",
        counter.display()
    );
    sb.linger(["send", &id, "--enter", &job]).ok();
    let num = || read(&counter).trim().parse::<u64>().unwrap_or(0);
    wait_for("job to run", || (num() > 3).then_some(()));
    sb.linger(["pause", &id]).ok();
    std::thread::sleep(Duration::from_millis(200));
    let n = num();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(num(), n, "the shell's foreground job must stop too");
    sb.linger(["unpause", &id]).ok();
    wait_for("job to advance again", || (num() > n + 3).then_some(()));
    // The shell did not take the job for stopped: ctrl-c still reaches it.
    sb.linger(["send", &id, "--keys", "ctrl-c"]).ok();
    std::thread::sleep(Duration::from_millis(300));
    let m = num();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(num(), m, "ctrl-c ends the foreground job");
    let l = logs(&sb, &[&id]);
    assert!(!l.contains("Stopped"), "{l}");
    sb.linger(["stop", &id]).ok();
}

#[test]
fn killed_clients_are_no_longer_counted() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "echo ready; exec cat"]);
    let mut w = attach_pty(&sb, &[&id], 80, 24);
    let mut v = attach_pty(&sb, &[&id, "--read-only"], 80, 24);
    w.expect("ready");
    v.expect("ready");
    wait_for("writer and viewer", || {
        let r = sb.inspect(&id);
        (r["attachment"] == "attached" && r["viewers"] == 1).then_some(())
    });
    drop(v);
    drop(w);
    wait_for("both gone", || {
        let r = sb.inspect(&id);
        (r["attachment"] == "detached" && r["viewers"] == 0).then_some(())
    });
    assert_eq!(sb.status(&id), "running");
    // And a new writer is welcome.
    let mut w = attach_pty(&sb, &[&id], 80, 24);
    w.expect("ready");
    w.send(b"\x1dd");
    assert_eq!(w.wait_exit(), 0);
    sb.linger(["stop", &id]).ok();
}

#[test]
fn input_alone_keeps_a_session_from_idling_out() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--idle-ttl",
        "2s",
        "--",
        "sh",
        "-c",
        "stty -echo; exec sleep 100",
    ]);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(3500) {
        sb.linger(["send", &id, "x"]).ok();
        std::thread::sleep(Duration::from_millis(400));
    }
    assert_eq!(sb.status(&id), "running");
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["end_reason"], "idle");
}

#[test]
fn record_to_a_relative_path() {
    let sb = Sandbox::new();
    let id = sb.start(&["--record", "rel.cast", "--", "echo", "relative-rec"]);
    sb.wait_exited(&id);
    let text = wait_for("cast file", || {
        let t = read(sb.root.join("rel.cast"));
        t.contains("relative-rec").then_some(t)
    });
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(80), Some(24))
    );
    assert_eq!(header["env"]["TERM"], "xterm-256color");
}

#[test]
fn restart_attached_shows_old_lines_then_new_output() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "att", "--", "sh", "-c", GENERATION]);
    wait_logs(&sb, &id, "generation-1");
    sb.linger(["stop", &id]).ok();
    // Without a terminal: a usage error.
    let r = sb.linger(["restart", "att"]).code(2);
    assert!(r.stderr.starts_with("linger: "), "{}", r.stderr);
    let mut p = Pty::spawn(sb.cmd(["restart", "att"]), 80, 24);
    let at = p.expect("generation-1");
    p.expect_from(at, "generation-2");
    p.send(b"\x1dd");
    p.expect("[detached from session ");
    assert_eq!(p.wait_exit(), 0);
    let rec = sb.inspect("att");
    assert_ne!(rec["id"], id.as_str());
    assert_eq!(rec["status"], "running");
    sb.linger(["stop", "att"]).ok();
}

#[test]
fn logs_screen_of_a_full_screen_program() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "echo before-alt; printf '\\033[?1049h\\033[H\\033[2Jalt-content\\n'; exec sleep 100",
    ]);
    let s = wait_for("alt screen in logs", || {
        let s = logs(&sb, &[&id, "--screen"]);
        s.contains("alt-content").then_some(s)
    });
    assert!(!s.contains("before-alt"), "{s}");
    let ckpt = sb.dir.join(format!("{id}.screen.json"));
    wait_for("checkpoint of the alt screen", || {
        read(&ckpt).contains("alt-content").then_some(())
    });
    let rec = sb.inspect(&id);
    kill_lost(&rec);
    let s = logs(&sb, &[&id, "--screen"]);
    assert!(s.contains("alt-content"), "{s}");
}

#[test]
fn logs_follow_honours_screen_and_ansi_for_what_is_there() {
    let sb = Sandbox::new();
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "for i in $(seq 1 40); do echo line$i; done; printf '\\033[31mRED\\033[0m\\n'; read x; echo tail-$x; exit 0",
    ]);
    wait_logs(&sb, &id, "RED");
    let mut f = Streaming::spawn(sb.cmd(["logs", "-f", "--screen", &id]));
    f.expect("RED");
    let head = f.text();
    assert!(head.lines().any(|l| l == "line40"), "{head}");
    assert!(!head.lines().any(|l| l == "line1"), "--screen: {head}");
    let mut g = Streaming::spawn(sb.cmd(["logs", "-f", "--ansi", "--tail", "1", &id]));
    g.expect("RED");
    assert!(g.text().contains("\x1b["), "--ansi: {:?}", g.text());
    assert!(!g.text().contains("line40"), "{:?}", g.text());
    sb.linger(["send", &id, "--enter", "end"]).ok();
    f.expect("tail-end");
    g.expect("tail-end");
    assert_eq!(f.wait_exit(), 0);
    assert_eq!(g.wait_exit(), 0);
    let t = g.text();
    let after = &t[t.find("RED").unwrap()..];
    let streamed = &after[after.find('\n').unwrap()..];
    assert!(
        !streamed.contains("\x1b"),
        "the stream is text: {streamed:?}"
    );
    assert_eq!(f.text().matches("tail-end").count(), 1);
}

#[test]
fn send_large_stdin_arrives_whole() {
    let sb = Sandbox::new();
    let out = sb.root.join("copy");
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        &format!("stty raw -echo; exec cat > {}", out.display()),
    ]);
    // Let stty run before the input arrives.
    std::thread::sleep(Duration::from_millis(300));
    let mut data = Vec::new();
    for i in 0..20000 {
        data.extend_from_slice(format!("row {i:05} abcdefghij\n").as_bytes());
    }
    sb.linger_stdin(["send", &id, "-"], Some(&data)).ok();
    wait_for("all of it copied", || {
        (std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) >= data.len() as u64).then_some(())
    });
    assert_eq!(std::fs::read(&out).unwrap(), data);
    sb.linger(["stop", &id]).ok();
}

/// A flood far past what the supervisor feeds its model at once: the model
/// catches up in slices, lines left over from one slice resume in the next,
/// and history must come out whole, in order and coloured as printed.
#[test]
fn history_of_a_flood_is_whole_and_in_order() {
    let sb = Sandbox::new();
    let n = 300_000;
    // Written first and sent with `cat`: output as fast as the pty takes it,
    // so that the model lags behind.
    let file = sb.dir.join("flood.txt");
    let lines_of: String = (1..=n)
        .map(|i| format!("\x1b[3{}mline {i}\x1b[0m tail\n", i % 8))
        .collect();
    std::fs::write(&file, lines_of).expect("write flood");
    let script = format!("cat {}; echo FLOOD-DONE; exec sleep 100", file.display());
    let id = sb.start(&["--", "sh", "-c", &script]);
    let all = wait_logs(&sb, &id, "FLOOD-DONE");
    let numbers: Vec<u64> = lines(&all)
        .iter()
        .filter_map(|l| l.strip_prefix("line ")?.strip_suffix(" tail")?.parse().ok())
        .collect();
    // 10,000 lines of history by default, and the screen.
    assert!(numbers.len() >= 9_000, "only {} lines kept", numbers.len());
    assert_eq!(numbers.last(), Some(&n), "last line");
    for pair in numbers.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "gap or repeat in history");
    }
    let ansi = logs(&sb, &[&id, "--ansi", "--tail", "3"]);
    let last = ansi
        .lines()
        .find(|l| l.contains(&format!("line {n}\x1b")))
        .unwrap_or_else(|| panic!("no last line in {ansi:?}"));
    assert!(last.contains(&format!("3{}", n % 8)), "{last:?}");
    // An old line, from well inside history, keeps its colour too.
    let old = n - 5_000;
    let ansi_all = logs(&sb, &[&id, "--ansi"]);
    let line = ansi_all
        .lines()
        .find(|l| l.contains(&format!("line {old}\x1b")))
        .unwrap_or_else(|| panic!("line {old} not in history"));
    assert!(line.contains(&format!("3{}m", old % 8)), "{line:?}");
    sb.linger(["stop", &id]).ok();
}

/// `stop --force` kills the supervisor and then records `killed`: whoever
/// was waiting on the session (`wait`, `logs -f`, an attached client) gets
/// that code, not a broken connection.
#[test]
fn watchers_of_a_force_stopped_session_get_its_code() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "doomed", "--", "sleep", "100"]);
    let socket = sb.inspect(&id)["socket"].as_str().unwrap().to_string();
    let spawn = |args: &[&str]| {
        let mut c = sb.cmd(args);
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        Reaped(Some(c.spawn().expect("spawn")))
    };
    let waiter = spawn(&["wait", &id]);
    let follower = spawn(&["logs", "-f", &id]);
    let mut attached = attach_pty(&sb, &[&id], 80, 24);
    // The listener and three connections (accepted sockets carry its path).
    wait_for("wait, logs -f and attach to connect", || {
        let table = read("/proc/net/unix");
        let n = table
            .lines()
            .filter(|l| l.ends_with(socket.as_str()))
            .count();
        (n >= 4).then_some(())
    });
    sb.linger(["stop", "--force", &id]).ok();
    for (what, p) in [("wait", waiter), ("logs -f", follower)] {
        let (code, stderr) = p.finish();
        assert_eq!(code, Some(137), "{what}: {stderr}");
    }
    assert_eq!(attached.wait_exit(), 137);
    assert!(
        attached
            .text()
            .contains(&format!("[session {id} exited with code 137]")),
        "{:?}",
        attached.text()
    );
}

/// A child process killed when the test ends, however it ends.
struct Reaped(Option<Child>);

impl Reaped {
    /// Wait (bounded) for it to exit: its code and standard error.
    fn finish(mut self) -> (Option<i32>, String) {
        let child = self.0.as_mut().unwrap();
        let status = wait_for("the process to exit", || child.try_wait().unwrap());
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        self.0 = None;
        (status.code(), err)
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `wait` on a session whose supervisor died says so (exit 1, one line); its
/// timeout message is an error line like any other.
#[test]
fn wait_reports_a_lost_session_and_its_timeout() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let r = sb.linger(["wait", "--timeout", "0.2", &id]).code(124);
    assert_eq!(
        r.stderr,
        format!("linger: timed out waiting for session {id}\n")
    );
    kill_lost(&sb.inspect(&id));
    let r = sb.linger(["wait", &id]).code(1);
    assert_eq!(
        r.stderr,
        format!("linger: session {id} was lost: its supervisor is gone\n")
    );
    assert_eq!(sb.inspect(&id)["end_reason"], "lost");
}

/// A recording that cannot be written fails the run before anything starts.
#[test]
fn run_with_an_unwritable_recording_fails() {
    let sb = Sandbox::new();
    let r = sb
        .linger([
            "run",
            "-d",
            "--record",
            "/nonexistent/dir/x.cast",
            "--",
            "sleep",
            "100",
        ])
        .code(1);
    assert_eq!(
        r.stderr,
        "linger: cannot write the recording '/nonexistent/dir/x.cast': No such file or directory\n"
    );
    assert!(sb.records().is_empty(), "a session was started");
}
