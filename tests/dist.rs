//! Packaging: the man page documents exactly the CLI's flags, the shell
//! completions load and complete, `make install`/`uninstall` lay out the tree,
//! pipelines into `head` are quiet, and `--json` output is one document.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A skipped check says so: the test harness shows it on failure and with
/// `--nocapture`.
#[allow(clippy::print_stdout)]
fn note(msg: &str) {
    println!("note: {msg}");
}

fn read(rel: &str) -> String {
    let path = Path::new(ROOT).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `\-\-flag` in a piece of roff, as plain `flag` (`\-` read as `-`).
/// A bare `\-\-` (end of options) is not a flag.
fn roff_long_flags(roff: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = roff;
    while let Some(at) = rest.find(r"\-\-") {
        rest = &rest[at + 4..];
        let mut flag = String::new();
        loop {
            if let Some(r) = rest.strip_prefix(r"\-") {
                if flag.is_empty() {
                    break; // `\-\-\-`: not a flag
                }
                flag.push('-');
                rest = r;
                continue;
            }
            match rest.chars().next() {
                Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {
                    flag.push(c);
                    rest = &rest[1..];
                }
                _ => break,
            }
        }
        if !flag.is_empty() {
            flags.insert(flag);
        }
    }
    flags
}

/// The `.SS` subsection of the man page that documents `cmd` (a heading such
/// as `pause, unpause` counts for both), up to the next `.SS` or `.SH`.
fn man_section<'a>(man: &'a str, cmd: &str) -> Option<&'a str> {
    let mut start = None;
    let mut offset = 0;
    for line in man.split_inclusive('\n') {
        let l = line.trim_end();
        if let Some(s) = start {
            if l.starts_with(".SS") || l.starts_with(".SH") {
                return Some(&man[s..offset]);
            }
        } else if let Some(title) = l.strip_prefix(".SS ") {
            if title.split(", ").any(|w| w.trim() == cmd) {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|s| &man[s..])
}

#[test]
fn man_page_documents_exactly_the_cli_flags() {
    let man = read("man/linger.1");
    let documented = roff_long_flags(&man);
    let mut accepted: BTreeSet<String> = ["help", "version"].map(String::from).into();
    let mut problems = Vec::new();
    for (cmd, flags) in linger::cli::LONG_FLAGS {
        let Some(section) = man_section(&man, cmd) else {
            problems.push(format!("no `.SS {cmd}` section in linger.1"));
            continue;
        };
        let local = roff_long_flags(section);
        for flag in *flags {
            accepted.insert(flag.to_string());
            if !local.contains(*flag) {
                problems.push(format!(
                    "linger {cmd} accepts --{flag}, but its section of linger.1 does not document it"
                ));
            }
        }
        // Short forms, as the command's --help lists them (`  -d, --detached`).
        let help = linger::cli::help_for(cmd).expect("help text for every command");
        for line in help.lines() {
            let line = line.trim_start();
            if let Some((short, long)) = line
                .strip_prefix('-')
                .and_then(|l| l.split_once(", --"))
                .filter(|(s, _)| s.len() == 1)
            {
                let long = long.split_whitespace().next().unwrap_or("");
                let want = format!(r"\-{short}");
                if !section.contains(&want) {
                    problems.push(format!(
                        "linger {cmd}: -{short} (--{long}) is not in its section of linger.1"
                    ));
                }
            }
        }
    }
    for flag in &documented {
        if !accepted.contains(flag) {
            problems.push(format!(
                "linger.1 documents --{flag}, which no command accepts"
            ));
        }
    }
    // Every command appears in the synopsis and has its own section.
    let synopsis = man
        .split(".SH DESCRIPTION")
        .next()
        .expect("a DESCRIPTION section");
    for (cmd, _) in linger::cli::LONG_FLAGS {
        if !synopsis.contains(&format!("linger {cmd}")) && !synopsis.contains(&format!(".B {cmd}"))
        {
            problems.push(format!(
                "the SYNOPSIS of linger.1 does not show `linger {cmd}`"
            ));
        }
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "SECURITY",
        "JSON OUTPUT",
        "EXAMPLES",
    ] {
        if !man.contains(&format!(".SH {section}\n")) {
            problems.push(format!("linger.1 has no {section} section"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn roff_flag_parser() {
    let got = roff_long_flags(r".BR \-\-read\-only , \-\-json \- \-\- x \fB\-\-to\fR");
    let want: BTreeSet<String> = ["read-only", "json", "to"].map(String::from).into();
    assert_eq!(got, want);
}

#[test]
fn man_page_names_every_json_field_and_env_var() {
    let man = read("man/linger.1");
    let json = man
        .split(".SH JSON OUTPUT")
        .nth(1)
        .and_then(|s| s.split("\n.SH ").next())
        .expect("a JSON OUTPUT section");
    // Every field of a real record appears in the example and is described.
    let sb = Sandbox::new();
    let id = sb.start(&["--", "sleep", "100"]);
    let rec = sb.inspect(&id);
    let obj = rec.as_object().expect("inspect --json is an object");
    assert!(obj.len() >= 27, "{rec}");
    for key in obj.keys() {
        let roff_key = key.replace('-', r"\-");
        assert!(
            json.contains(&format!("\"{roff_key}\":")),
            "JSON OUTPUT example lacks \"{key}\""
        );
        assert!(
            json.contains(&format!(".B {roff_key}\n"))
                || json.contains(&format!(".BR {roff_key} "))
                || json.contains(&format!(" {roff_key} \""))
                || json.contains(&format!(" \" {roff_key}\n")),
            "JSON OUTPUT does not describe {key}"
        );
    }
    sb.linger(["stop", &id]).ok();
    let env = man
        .split(".SH ENVIRONMENT")
        .nth(1)
        .expect("an ENVIRONMENT section");
    for var in [
        "LINGER_DIR",
        "LINGER_CONFIG",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_HOME",
        "HOME",
        "TERM",
        "LINGER_SESSION",
        "LINGER_NAME",
        "LINGER_LOG",
    ] {
        assert!(env.contains(var), "ENVIRONMENT does not name {var}");
    }
}

// ---------------------------------------------------------------------------
// Shell completions

/// A shell command in the sandbox's environment, with linger on PATH.
fn shell(sb: &Sandbox, program: &str) -> Command {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );
    let mut c = Command::new(program);
    c.env_clear()
        .env("PATH", path)
        .env("HOME", &sb.root)
        .env("LINGER_DIR", &sb.dir)
        .env("LINGER_CONFIG", &sb.config)
        .env("TERM", "dumb")
        .current_dir(ROOT)
        .stdin(Stdio::null());
    c
}

/// False (after a note) when `program` cannot be started at all.
fn have(program: &str) -> bool {
    match Command::new(program)
        .args(["-c", "exit 0"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => true,
        _ => {
            note(&format!(
                "{program} is not installed; skipping its completion test"
            ));
            false
        }
    }
}

fn run_shell(sb: &Sandbox, program: &str, script: &str) -> String {
    let out = shell(sb, program)
        .args(["-c", script])
        .output()
        .expect("run shell");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} -c {script:?} failed ({}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .map(|w| w.split('\t').next().unwrap_or(w).to_string())
        .collect()
}

/// Long flags each command must complete.
fn long_flags_of(cmd: &str) -> Vec<String> {
    linger::cli::LONG_FLAGS
        .iter()
        .find(|(c, _)| *c == cmd)
        .map(|(_, f)| f.iter().map(|f| format!("--{f}")).collect())
        .unwrap_or_default()
}

fn commands() -> Vec<&'static str> {
    linger::cli::LONG_FLAGS.iter().map(|(c, _)| *c).collect()
}

#[test]
fn bash_completion_loads_and_completes() {
    if !have("bash") {
        return;
    }
    let file = "scripts/completions/linger.bash";
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "comp-bash", "--", "sleep", "100"]);
    let out = run_shell(&sb, "bash", &format!("source {file}; complete -p linger"));
    assert!(
        out.contains("-F _linger") && out.contains("linger"),
        "{out}"
    );

    // With and without the bash-completion package's helpers.
    let mut preludes = vec![String::new()];
    let helpers = "/usr/share/bash-completion/bash_completion";
    if Path::new(helpers).exists() {
        preludes.push(format!("source {helpers}; "));
    } else {
        note("bash-completion is not installed; testing the fallback only");
    }
    for prelude in preludes {
        let complete = |line: &str| -> BTreeSet<String> {
            let script = format!(
                "{prelude}source {file}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
                 read -ra COMP_WORDS <<< \"$COMP_LINE\"; \
                 [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=(''); \
                 COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _linger; printf '%s\\n' \"${{COMPREPLY[@]}}\""
            );
            words(&run_shell(&sb, "bash", &script))
        };
        let cmds = complete("linger ");
        for cmd in commands() {
            assert!(cmds.contains(cmd), "bash: `linger ` lacks {cmd}: {cmds:?}");
        }
        for cmd in commands() {
            let got = complete(&format!("linger {cmd} --"));
            for flag in long_flags_of(cmd) {
                assert!(
                    got.contains(&flag),
                    "bash: linger {cmd} lacks {flag}: {got:?}"
                );
            }
        }
        let sessions = complete("linger attach ");
        assert!(
            sessions.contains(&id) && sessions.contains("comp-bash"),
            "bash: sessions {sessions:?}"
        );
    }
    sb.linger(["stop", &id]).ok();
}

#[test]
fn zsh_completion_loads() {
    if !have("zsh") {
        return;
    }
    let file = "scripts/completions/_linger";
    let sb = Sandbox::new();
    run_shell(&sb, "zsh", &format!("zsh -n {file}"));
    let out = run_shell(
        &sb,
        "zsh",
        &format!(
            "autoload -U compinit; compinit -u -D; source {file}; print -r -- $_comps[linger]"
        ),
    );
    assert_eq!(out.trim(), "_linger");
    // zsh completion needs a terminal to exercise; check the text instead.
    let text = read(file);
    for cmd in commands() {
        assert!(text.contains(&format!("'{cmd}:")), "zsh: no command {cmd}");
        for flag in long_flags_of(cmd) {
            assert!(
                text.contains(&format!("{flag}[")) || text.contains(&format!("{flag}}}'[")),
                "zsh: linger {cmd} lacks {flag}"
            );
        }
    }
    // Session candidates, with compadd stubbed (it only works inside completion).
    let id = sb.start(&["--name", "comp-zsh", "--", "sleep", "100"]);
    let out = run_shell(
        &sb,
        "zsh",
        &format!(
            "autoload -U compinit; compinit -u -D; source {file}; \
             compadd() {{ [[ $1 == -a ]] && print -rl -- ${{(P)2}}; }}; _linger_sessions"
        ),
    );
    let sessions = words(&out);
    assert!(
        sessions.contains(&id) && sessions.contains("comp-zsh"),
        "zsh: sessions {sessions:?}"
    );
    sb.linger(["stop", &id]).ok();
}

#[test]
fn fish_completion_loads_and_completes() {
    if !have("fish") {
        return;
    }
    let file = "scripts/completions/linger.fish";
    let sb = Sandbox::new();
    let id = sb.start(&["--name", "comp-fish", "--", "sleep", "100"]);
    let complete = |line: &str| -> BTreeSet<String> {
        words(&run_shell(
            &sb,
            "fish",
            &format!("source {file}; complete -C '{line}'"),
        ))
    };
    let cmds = complete("linger ");
    for cmd in commands() {
        assert!(cmds.contains(cmd), "fish: `linger ` lacks {cmd}: {cmds:?}");
    }
    for cmd in commands() {
        let got = complete(&format!("linger {cmd} --"));
        for flag in long_flags_of(cmd) {
            assert!(
                got.contains(&flag),
                "fish: linger {cmd} lacks {flag}: {got:?}"
            );
        }
    }
    let sessions = complete("linger attach ");
    assert!(
        sessions.contains(&id) && sessions.contains("comp-fish"),
        "fish: sessions {sessions:?}"
    );
    sb.linger(["stop", &id]).ok();
}

// ---------------------------------------------------------------------------
// make install / uninstall

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn make_install_and_uninstall() {
    if Command::new("make").arg("--version").output().is_err() {
        note("make is not installed; skipping the install test");
        return;
    }
    let sb = Sandbox::new();
    let dest = sb.root.join("destdir");
    let make = |target: &str| {
        let out = Command::new("make")
            .args(["-s", target, "PREFIX=/usr"])
            .arg(format!("DESTDIR={}", dest.display()))
            .arg(format!("LINGER_BIN={BIN}"))
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .output()
            .expect("run make");
        assert!(
            out.status.success(),
            "make {target}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    make("install");
    let want = [
        ("usr/bin/linger", 0o755),
        ("usr/share/man/man1/linger.1", 0o644),
        ("usr/share/man/man5/linger.toml.5", 0o644),
        ("usr/share/bash-completion/completions/linger", 0o644),
        ("usr/share/zsh/site-functions/_linger", 0o644),
        ("usr/share/fish/vendor_completions.d/linger.fish", 0o644),
    ];
    let mut expected: Vec<PathBuf> = want.iter().map(|(p, _)| dest.join(p)).collect();
    expected.sort();
    assert_eq!(files_under(&dest), expected);
    for (rel, mode) in want {
        let md = std::fs::metadata(dest.join(rel)).unwrap();
        assert_eq!(md.permissions().mode() & 0o7777, mode, "mode of {rel}");
    }
    assert_eq!(
        std::fs::read(dest.join("usr/share/man/man1/linger.1")).unwrap(),
        read("man/linger.1").into_bytes()
    );
    let v = Command::new(dest.join("usr/bin/linger"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("linger "));
    make("uninstall");
    assert_eq!(files_under(&dest), Vec::<PathBuf>::new());
}

// ---------------------------------------------------------------------------
// Pipelines and JSON

/// `bash -c 'SCRIPT'` in the sandbox; the script runs linger from PATH.
fn pipeline(sb: &Sandbox, script: &str) -> Run {
    let out = shell(sb, "bash")
        .args(["-c", script])
        .output()
        .expect("run bash");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn pipelines_into_head_exit_quietly() {
    let sb = Sandbox::new();
    // Far more than a pipe buffer (64 KiB), so `head` closing its end makes
    // linger's next write fail with EPIPE.
    let id = sb.start(&[
        "--",
        "sh",
        "-c",
        "yes 0123456789012345678901234567890123456789 | head -n 5000; echo done; sleep 100",
    ]);
    wait_for("the session's output", || {
        let r = sb.linger(["logs", &id, "--screen"]);
        r.stdout.contains("done").then_some(())
    });
    for _ in 0..3 {
        sb.start(&["--", "sleep", "100"]);
    }
    for cmd in [
        format!("linger logs {id} | head -1"),
        format!("linger logs {id} --ansi | head -c 10"),
        format!("linger logs {id} | head -0"),
        "linger ps -a | head -1".to_string(),
        "linger ps -a | head -0".to_string(),
        "linger ps --json | head -c 1".to_string(),
        format!("linger inspect {id} | head -0"),
        "linger --help | head -0".to_string(),
    ] {
        let r = pipeline(&sb, &format!("{cmd}; echo \"rc=${{PIPESTATUS[0]}}\""));
        assert!(
            r.stdout.trim_end().ends_with("rc=0"),
            "{cmd}: linger's exit status: {:?} (stderr {:?})",
            r.stdout,
            r.stderr
        );
        assert_eq!(r.stderr, "", "{cmd}: stderr must be empty");
    }
    let r = pipeline(&sb, "linger ps -q | xargs linger stop");
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn json_output_is_one_document_with_versions() {
    let sb = Sandbox::new();
    let r = sb.linger(["ps", "--json"]).ok();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap(),
        serde_json::json!([])
    );
    let a = sb.start(&["--", "sleep", "100"]);
    let b = sb.start(&["--", "true"]);
    sb.wait_exited(&b);
    for (args, count) in [(vec!["ps", "--json"], 1), (vec!["ps", "-a", "--json"], 2)] {
        let r = sb.linger(&args).ok();
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?} is not one JSON document: {e}\n{}", r.stdout));
        let arr = v.as_array().expect("ps --json is an array");
        assert_eq!(arr.len(), count, "{args:?}");
        for rec in arr {
            assert_eq!(rec["version"], 1, "{rec}");
        }
    }
    for sel in [&a, &b] {
        let r = sb.linger(["inspect", sel, "--json"]).ok();
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["id"], sel.as_str());
    }
    sb.linger(["stop", &a]).ok();
}
