//! run / ps / inspect / stop / prune end to end, through the real binary.

mod common;
use common::*;

#[test]
fn run_detached_prints_exactly_the_spec_lines() {
    let sb = Sandbox::new();
    let r = sb.linger(["run", "-d", "--", "sleep", "100"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{:?}", r.stdout);
    let id = lines[0]
        .strip_prefix("Started detached session ")
        .and_then(|s| s.strip_suffix('.'))
        .unwrap();
    assert_eq!(id.len(), 6);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(lines[1], format!("Attach with: linger attach {id}"));
    // Ready means attachable: the socket accepts right away.
    let rec = sb.inspect(id);
    assert_eq!(rec["status"], "running");
    assert!(std::os::unix::net::UnixStream::connect(rec["socket"].as_str().unwrap()).is_ok());
    sb.linger(["stop", id]).ok();
}

#[test]
fn quick_exit_is_a_successful_start_and_records_the_code() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "true"]);
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["exit_code"], 0);
    assert_eq!(rec["end_reason"], "exited");
    let id = sb.start(&["--", "sh", "-c", "exit 3"]);
    assert_eq!(sb.wait_exited(&id)["exit_code"], 3);
    let ps = sb.linger(["ps", "-a"]).ok().stdout;
    assert!(ps.contains("exited:3"), "{ps}");
}

#[test]
fn exec_failure_fails_the_run_with_127_or_126() {
    let sb = Sandbox::new();
    let r = sb
        .linger(["run", "-d", "--name", "nf", "--", "no-such-command-xyz"])
        .code(127);
    assert!(
        r.stderr
            .starts_with("linger: cannot run 'no-such-command-xyz': "),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    let rec = sb.inspect("nf");
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "exec_failed");
    let script = sb.root.join("noexec.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let r = sb
        .linger(["run", "-d", "--", script.to_str().unwrap()])
        .code(126);
    assert!(r.stderr.contains("cannot run"), "{}", r.stderr);
    // Nothing keeps running.
    assert!(sb.linger(["ps", "-q"]).ok().stdout.trim().is_empty());
}

#[test]
fn environment_workdir_and_term_reach_the_command() {
    let sb = Sandbox::new();
    let wd = sb.root.join("work");
    std::fs::create_dir_all(&wd).unwrap();
    let out = sb.root.join("env.txt");
    let script = format!(
        "echo \"$LINGER_SESSION $LINGER_NAME $TERM $FOO $(pwd)\" > {}",
        out.display()
    );
    let id = sb.start(&[
        "--name",
        "envy",
        "-C",
        wd.to_str().unwrap(),
        "-e",
        "FOO=bar",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    sb.wait_exited(&id);
    let got = read(&out);
    let wd = std::fs::canonicalize(&wd).unwrap();
    assert_eq!(
        got.trim(),
        format!("{id} envy xterm-256color bar {}", wd.display())
    );
    // TERM=dumb becomes xterm-256color; other values are inherited.
    let mut sb2 = Sandbox::new();
    sb2.extra_env.push(("TERM".into(), "screen".into()));
    let id = sb2.start(&["--", "sh", "-c", &format!("echo $TERM > {}", out.display())]);
    sb2.wait_exited(&id);
    assert_eq!(read(&out).trim(), "screen");
}

#[test]
fn ps_table_json_and_quiet() {
    let sb = Sandbox::new();
    let empty = sb.linger(["ps"]).ok().stdout;
    assert_eq!(empty, "SESSION    NAME         STATUS     ATTACH     PID      UPTIME     PROFILE        COMMAND\n");
    assert_eq!(sb.linger(["ps", "--json"]).ok().stdout.trim(), "[]");
    let a = sb.start(&["--name", "first", "--", "sleep", "100"]);
    let b = sb.start(&["--", "sleep", "100"]);
    let q = sb.linger(["ps", "-q"]).ok().stdout;
    assert_eq!(q, format!("{a}\n{b}\n"), "oldest first");
    let t = sb.linger(["ps"]).ok().stdout;
    let row = t.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!("{a}     first        running    detached   ")),
        "{row}"
    );
    assert!(row.ends_with("sleep 100"), "{row}");
    let j: serde_json::Value =
        serde_json::from_str(&sb.linger(["ps", "--json"]).ok().stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 2);
    for rec in j.as_array().unwrap() {
        assert_eq!(rec["version"], 1);
        for key in [
            "id",
            "name",
            "status",
            "attachment",
            "viewers",
            "pid",
            "supervisor_pid",
            "started_at",
            "socket",
            "cols",
            "rows",
            "command",
            "workdir",
            "last_activity_at",
            "scrollback_lines",
        ] {
            assert!(rec.get(key).is_some(), "missing {key}");
        }
    }
    sb.linger(["stop", a.as_str(), b.as_str()]).ok();
    assert!(sb.linger(["ps", "-q"]).ok().stdout.is_empty());
    assert_eq!(sb.linger(["ps", "-a", "-q"]).ok().stdout.lines().count(), 2);
    // Exited: the name is free again, shown as `-` (as in the SPEC's table).
    let t = sb.linger(["ps", "-a"]).ok().stdout;
    let row = t.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!("{a}     -            exited:")),
        "{row}"
    );
    assert_eq!(sb.inspect(&a)["name"], "first");
}

#[test]
fn selectors_names_and_errors() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "web", "--", "sleep", "100"]);
    assert_eq!(sb.inspect("web")["id"], id.as_str());
    assert_eq!(sb.inspect(&id[..3])["id"], id.as_str());
    let r = sb.linger(["inspect", "nope"]).code(3);
    assert_eq!(r.stderr, "linger: no session matches 'nope'\n");
    // Names are unique among live sessions.
    let r = sb.linger(["run", "-d", "--name", "web", "--", "sleep", "1"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("web"), "{}", r.stderr);
    // Text inspect is key: value lines.
    let t = sb.linger(["inspect", "web"]).ok().stdout;
    assert!(t.lines().any(|l| l == "status: running"), "{t}");
    assert!(t.lines().any(|l| l == format!("id: {id}")), "{t}");
    sb.linger(["stop", "web"]).ok();
}

#[test]
fn generated_names_are_adjective_noun() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "true"]);
    let name = sb.inspect(&id)["name"].as_str().unwrap().to_string();
    let parts: Vec<&str> = name.split('-').collect();
    assert_eq!(parts.len(), 2, "{name}");
    assert!(
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase())),
        "{name}"
    );
}

#[test]
fn thirty_concurrent_runs_get_distinct_ids_and_names() {
    let sb = Sandbox::new();
    let children: Vec<_> = (0..30)
        .map(|_| {
            let mut c = sb.cmd(["run", "-d", "-q", "--", "sleep", "100"]);
            c.stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.insert(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    assert_eq!(ids.len(), 30);
    let recs = sb.records();
    let names: std::collections::HashSet<_> = recs
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 30);
    let all: Vec<String> = ids.into_iter().collect();
    let mut args = vec!["stop".to_string(), "--force".to_string()];
    args.extend(all);
    sb.linger(&args).ok();
}

#[test]
fn stop_signals_the_whole_group_and_escalates() {
    let sb = Sandbox::new();
    // A child in the same process group that ignores SIGTERM and SIGHUP.
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "trap '' TERM HUP; sleep 1000 & trap '' TERM HUP; wait",
    ]);
    let rec = sb.inspect(&id);
    let pid = rec["pid"].as_i64().unwrap() as i32;
    let start = std::time::Instant::now();
    let r = sb.linger(["stop", &id, "--timeout", "1"]).ok();
    assert_eq!(r.stdout, format!("Stopped session {id}.\n"));
    assert!(start.elapsed() < std::time::Duration::from_secs(8));
    let rec = sb.inspect(&id);
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "stopped");
    // Nothing of the group is left.
    wait_for("process group to be gone", || {
        // SAFETY: probing a pgid with signal 0.
        (unsafe { libc::killpg(pid, 0) } != 0).then_some(())
    });
    assert!(
        !std::path::Path::new(rec["socket"].as_str().unwrap()).exists(),
        "socket removed"
    );
    // Already exited: a note, exit 0.
    let r = sb.linger(["stop", &id]).ok();
    assert!(r.stderr.contains(&id), "{}", r.stderr);
}

#[test]
fn stop_force_kills_at_once_and_records_killed() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sh", "-c", "trap '' TERM HUP; sleep 1000"]);
    let sup = sb.inspect(&id)["supervisor_pid"].as_i64().unwrap() as i32;
    let r = sb.linger(["stop", "--force", &id]).ok();
    assert_eq!(r.stdout, format!("Stopped session {id}.\n"));
    let rec = sb.inspect(&id);
    assert_eq!(rec["end_reason"], "killed");
    wait_for("supervisor gone", || {
        (!std::path::Path::new(&format!("/proc/{sup}")).exists() || proc_is_zombie(sup))
            .then_some(())
    });
}

fn proc_is_zombie(pid: i32) -> bool {
    read(format!("/proc/{pid}/stat"))
        .split(") ")
        .nth(1)
        .is_some_and(|s| s.starts_with('Z'))
}

#[test]
fn lost_supervisor_is_detected_and_marked() {
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "doomed", "--", "sleep", "1000"]);
    let rec = sb.inspect(&id);
    let sup = rec["supervisor_pid"].as_i64().unwrap() as i32;
    let child = rec["pid"].as_i64().unwrap() as i32;
    // SAFETY: killing processes this test started.
    unsafe {
        libc::kill(sup, libc::SIGKILL);
        libc::killpg(child, libc::SIGKILL);
    }
    wait_for("supervisor to die", || {
        (!std::path::Path::new(&format!("/proc/{sup}")).exists() || proc_is_zombie(sup))
            .then_some(())
    });
    let ps = sb.linger(["ps", "-a"]).ok().stdout;
    assert!(ps.contains("lost"), "{ps}");
    let rec = sb.inspect(&id);
    assert_eq!(rec["status"], "exited");
    assert_eq!(rec["end_reason"], "lost");
    // The name is free again.
    let id2 = sb.start(&["--name", "doomed", "--", "true"]);
    assert_ne!(id, id2);
}

#[test]
fn corrupt_records_are_skipped_with_a_warning_never_deleted() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let bad = sb.dir.join("abcdef.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let r = sb.linger(["ps"]).ok();
    assert!(r.stdout.contains(&id));
    assert!(
        r.stderr.contains(&format!(
            "linger: skipping corrupt record {}: ",
            bad.display()
        )),
        "{}",
        r.stderr
    );
    assert!(bad.exists());
    sb.linger(["stop", &id]).ok();
}

#[test]
fn directories_are_private_and_unsafe_ones_refused() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let run = sb.dir.join("run");
    assert_eq!(std::fs::metadata(&run).unwrap().mode() & 0o777, 0o700);
    let rec_file = sb.dir.join(format!("{id}.json"));
    assert_eq!(std::fs::metadata(&rec_file).unwrap().mode() & 0o777, 0o600);
    let sock = sb.inspect(&id)["socket"].as_str().unwrap().to_string();
    assert_eq!(std::fs::metadata(&sock).unwrap().mode() & 0o777, 0o600);
    sb.linger(["stop", &id]).ok();

    let open = Sandbox::new();
    std::fs::set_permissions(&open.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = open.linger(["ps"]).code(1);
    assert!(
        r.stderr.starts_with("linger: ") && r.stderr.contains(open.dir.to_str().unwrap()),
        "{}",
        r.stderr
    );

    let link = Sandbox::new();
    let target = link.root.join("real");
    std::fs::create_dir(&target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).unwrap();
    let l = link.root.join("link");
    std::os::unix::fs::symlink(&target, &l).unwrap();
    let mut c = link.cmd(["ps"]);
    c.env("LINGER_DIR", &l);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symlink"));
    assert!(
        std::fs::read_dir(&target).unwrap().next().is_none(),
        "nothing written through the symlink"
    );
}

#[test]
fn prune_removes_only_exited_sessions() {
    let sb = Sandbox::new();
    let live = sb.start(&["--name", "live", "--", "sleep", "100"]);
    let done = sb.start(&["--name", "done", "--", "true"]);
    sb.wait_exited(&done);
    let r = sb.linger(["prune", "--dry-run"]).ok();
    assert!(
        r.stdout
            .contains(&format!("Would remove {done} (done, ended ")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("Would remove 1 sessions.\n"),
        "{}",
        r.stdout
    );
    assert!(sb.dir.join(format!("{done}.json")).exists());
    let r = sb.linger(["prune"]).ok();
    assert!(
        r.stdout
            .starts_with(&format!("Removed {done} (done, ended ")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("Removed 1 sessions.\n"));
    assert!(!sb.dir.join(format!("{done}.json")).exists());
    assert!(!sb.dir.join(format!("{done}.screen.json")).exists());
    assert_eq!(sb.status(&live), "running");
    // --keep and --older-than.
    for _ in 0..3 {
        let id = sb.start(&["--", "true"]);
        sb.wait_exited(&id);
    }
    let r = sb.linger(["prune", "--older-than", "7"]).ok();
    assert!(r.stdout.ends_with("Removed 0 sessions.\n"), "{}", r.stdout);
    let r = sb.linger(["prune", "--keep", "1"]).ok();
    assert!(r.stdout.ends_with("Removed 2 sessions.\n"), "{}", r.stdout);
    assert_eq!(sb.linger(["ps", "-a", "-q"]).ok().stdout.lines().count(), 2);
    sb.linger(["stop", &live]).ok();
}

#[test]
fn usage_errors_and_version() {
    let sb = Sandbox::new();
    let v = sb.linger(["--version"]).ok().stdout;
    assert!(
        v.starts_with("linger ") && v.trim().split(' ').count() == 2,
        "{v}"
    );
    let r = sb.linger(["ps", "--bogus"]).code(2);
    assert!(
        r.stderr.starts_with("linger: ") && r.stderr.lines().count() == 1,
        "{}",
        r.stderr
    );
    let r = sb.linger(["run", "--", "true"]).code(2);
    assert_eq!(
        r.stderr,
        "linger: stdin is not a terminal; use --detached\n"
    );
    for cmd in [
        "run", "ps", "attach", "detach", "stop", "inspect", "prune", "logs", "send", "wait",
        "pause", "unpause", "save", "restore", "restart",
    ] {
        let r = sb.linger([cmd, "--help"]).ok();
        assert!(r.stdout.contains("Usage: linger"), "{cmd}");
    }
    let r = sb
        .linger(["run", "-d", "--profile", "nope", "--", "true"])
        .code(2);
    assert!(r.stderr.contains("nope"));
}

#[test]
fn config_errors_name_file_key_and_reason() {
    let sb = Sandbox::new();
    sb.write_config("[ui]\ndetach_sequence = \"ctrl-]\"\n");
    let r = sb.linger(["ps"]).code(2);
    assert!(
        r.stderr.contains(sb.config.to_str().unwrap()) && r.stderr.contains("ui.detach_sequence"),
        "{}",
        r.stderr
    );
    sb.write_config("[session]\nscrollback_lines = \"many\"\n");
    let r = sb.linger(["ps"]).code(2);
    assert!(
        r.stderr.contains("session.scrollback_lines"),
        "{}",
        r.stderr
    );
}

#[test]
fn profiles_apply_command_workdir_env() {
    let sb = Sandbox::new();
    let wd = sb.root.join("proj");
    std::fs::create_dir_all(&wd).unwrap();
    let out = sb.root.join("p.txt");
    sb.write_config(&format!(
        "[profiles.agent]\ncommand = [\"sh\", \"-c\", \"echo $AGENT_MODE $(pwd) > {}\"]\nworkdir = \"{}\"\nenv = {{ AGENT_MODE = \"fast\" }}\n",
        out.display(),
        wd.display()
    ));
    let id = sb.start(&["--profile", "agent"]);
    let rec = sb.wait_exited(&id);
    assert_eq!(rec["profile"], "agent");
    assert_eq!(
        read(&out).trim(),
        format!("fast {}", std::fs::canonicalize(&wd).unwrap().display())
    );
}

/// Missing parents of the state directory are created private too.
#[test]
fn missing_parent_directories_are_created_private() {
    use std::os::unix::fs::MetadataExt;
    let mut sb = Sandbox::new();
    sb.dir = sb.root.join("a").join("b").join("state");
    let id = sb.start(&["--", "sleep", "100"]);
    for d in [sb.root.join("a"), sb.root.join("a/b"), sb.dir.clone()] {
        let mode = std::fs::metadata(&d).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", d.display());
    }
    sb.linger(["stop", &id]).ok();
}

/// A supervisor that accepts but never answers (stopped) does not make
/// `stop` wait longer than its timeout plus 2 s; it is killed and recorded so.
#[test]
fn stop_of_a_wedged_supervisor_keeps_to_the_timeout() {
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let sup = sb.inspect(&id)["supervisor_pid"].as_i64().unwrap() as i32;
    // SAFETY: signalling the supervisor this test started.
    unsafe { libc::kill(sup, libc::SIGSTOP) };
    let start = std::time::Instant::now();
    sb.linger(["stop", "--timeout", "1", &id]).ok();
    let took = start.elapsed();
    assert!(
        took < std::time::Duration::from_secs(6),
        "stop took {took:?}"
    );
    let rec = sb.inspect(&id);
    assert_eq!(rec["end_reason"], "killed");
    assert_eq!(rec["exit_code"], 137);
}
