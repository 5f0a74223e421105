//! The optional config file (`config.toml`, SPEC §3) → `Config` with defaults.
//!
//! ```toml
//! [ui]
//! detach_sequence = "ctrl-] d"   # key tokens (see `keys`), at least two presses
//!
//! [session]
//! scrollback_lines = 10000        # integer ≥ 0
//! scrollback_bytes = "4MiB"       # size string (see `units`) or integer bytes
//! idle_ttl = "off"                # "off", a duration string ("90m"; bare number = seconds)
//!                                 # or integer seconds; never zero
//!
//! [profiles.claude-code]          # name: letters, digits, '-', '_', '.'
//! command = ["claude"]            # non-empty array of strings
//! workdir = "~/projects/api"      # string; '~' is expanded by the caller
//! env = { CLAUDE_CONFIG_DIR = "~/.claude" }   # string → string
//! ```
//!
//! Every section and key is optional; a missing file means defaults. Anything
//! else is an [`Error::Config`] shaped `<path>: <key>: <reason>`, the key dotted
//! (`profiles.claude-code.command`); TOML syntax errors are
//! `<path>: line N: <message>`. Unknown sections and keys are errors, so a typo
//! never silently falls back to a default.
//!
//! The TOML is read by [`toml_lite`], a small parser for the subset a config
//! needs (no dates, no arrays of tables).

use crate::error::{Error, Result};
use crate::keys::{self, Key};
use crate::units;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml_lite::{Table, Value};

pub mod toml_lite;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub detach_keys: Vec<Key>,
    pub scrollback_lines: usize,
    pub scrollback_bytes: usize,
    /// Seconds; None = off.
    pub idle_ttl: Option<u64>,
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub command: Option<Vec<String>>,
    /// As written (a leading `~` is expanded by the caller).
    pub workdir: Option<String>,
    pub env: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            detach_keys: vec![Key::Ctrl(']'), Key::Char('d')],
            scrollback_lines: 10_000,
            scrollback_bytes: 4 << 20,
            idle_ttl: None,
            profiles: BTreeMap::new(),
        }
    }
}

/// Where the config file lives: LINGER_CONFIG, else XDG_CONFIG_HOME, else ~/.config.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LINGER_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(x).join("linger/config.toml"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/linger/config.toml"))
}

/// Load the config; a missing file means defaults.
pub fn load() -> Result<Config> {
    match path() {
        Some(path) => load_from(&path),
        None => Ok(Config::default()),
    }
}

/// Load the config at `path`; a missing file means defaults, an unreadable one
/// is an error.
pub fn load_from(path: &Path) -> Result<Config> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(Error::Config(format!(
                "{}: {}",
                path.display(),
                crate::error::io_reason(&e)
            )))
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text, path),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            Err(Error::Config(format!(
                "{}: line {}: invalid UTF-8",
                path.display(),
                line_of(good, good.len())
            )))
        }
    }
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &[u8], at: usize) -> usize {
    1 + text[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Parse config text; errors name the file, the key and the reason.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let file = path.display().to_string();
    let table = toml_lite::parse(text)
        .map_err(|e| Error::Config(format!("{file}: line {}: {}", e.line, e.message)))?;
    let cx = Cx { file: &file };
    let mut cfg = Config::default();
    for (name, value) in &table {
        match name.as_str() {
            "ui" => cx.ui(&mut cfg, cx.table("ui", value)?)?,
            "session" => cx.session(&mut cfg, cx.table("session", value)?)?,
            "profiles" => {
                for (pname, pvalue) in cx.table("profiles", value)? {
                    let key = format!("profiles.{}", key_text(pname));
                    let profile = cx.profile(&key, pname, cx.table(&key, pvalue)?)?;
                    cfg.profiles.insert(pname.clone(), profile);
                }
            }
            other => {
                let what = if value.is_table() { "section" } else { "key" };
                return Err(cx.err(
                    &key_text(other),
                    format!("unknown {what} (expected ui, session or profiles)"),
                ));
            }
        }
    }
    Ok(cfg)
}

/// A key as written in a dotted path: bare when TOML allows, else quoted.
fn key_text(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// Validation context: the file name for messages.
struct Cx<'a> {
    file: &'a str,
}

impl Cx<'_> {
    fn err(&self, key: &str, why: impl std::fmt::Display) -> Error {
        Error::Config(format!("{}: {key}: {why}", self.file))
    }

    fn wrong_type(&self, key: &str, want: &str, v: &Value) -> Error {
        self.err(key, format!("expected {want}, found {}", v.a_type()))
    }

    fn unknown(&self, key: &str, expected: &str) -> Error {
        self.err(key, format!("unknown key (expected {expected})"))
    }

    fn table<'v>(&self, key: &str, v: &'v Value) -> Result<&'v Table> {
        v.as_table()
            .ok_or_else(|| self.wrong_type(key, "a table", v))
    }

    /// A string without NUL bytes (they cannot reach argv, paths or the environment).
    fn string<'v>(&self, key: &str, v: &'v Value) -> Result<&'v str> {
        let s = v
            .as_str()
            .ok_or_else(|| self.wrong_type(key, "a string", v))?;
        if s.contains('\0') {
            return Err(self.err(key, "must not contain a NUL character"));
        }
        Ok(s)
    }

    /// A non-negative integer that fits in usize.
    fn count(&self, key: &str, n: i64) -> Result<usize> {
        if n < 0 {
            return Err(self.err(key, "must not be negative"));
        }
        usize::try_from(n).map_err(|_| self.err(key, "too large"))
    }

    fn ui(&self, cfg: &mut Config, t: &Table) -> Result<()> {
        for (name, v) in t {
            let key = format!("ui.{}", key_text(name));
            match name.as_str() {
                "detach_sequence" => {
                    let s = self.string(&key, v)?;
                    cfg.detach_keys = keys::parse_sequence(s).map_err(|e| self.err(&key, e))?;
                }
                _ => return Err(self.unknown(&key, "detach_sequence")),
            }
        }
        Ok(())
    }

    fn session(&self, cfg: &mut Config, t: &Table) -> Result<()> {
        for (name, v) in t {
            let key = format!("session.{}", key_text(name));
            match name.as_str() {
                "scrollback_lines" => match v {
                    Value::Integer(n) => cfg.scrollback_lines = self.count(&key, *n)?,
                    _ => return Err(self.wrong_type(&key, "an integer", v)),
                },
                "scrollback_bytes" => match v {
                    Value::Integer(n) => cfg.scrollback_bytes = self.count(&key, *n)?,
                    Value::String(s) => {
                        cfg.scrollback_bytes =
                            units::parse_bytes(s).map_err(|e| self.err(&key, e))?
                    }
                    _ => return Err(self.wrong_type(&key, "a size (\"4MiB\") or an integer", v)),
                },
                "idle_ttl" => {
                    cfg.idle_ttl = match v {
                        Value::String(s) if s.trim().eq_ignore_ascii_case("off") => None,
                        Value::String(s) => {
                            Some(units::parse_duration(s, 1).map_err(|e| self.err(&key, e))?)
                        }
                        Value::Integer(n) if *n < 0 => {
                            return Err(self.err(&key, "must not be negative"))
                        }
                        Value::Integer(n) => Some(*n as u64),
                        _ => {
                            return Err(self.wrong_type(
                                &key,
                                "\"off\", a duration (\"90m\") or an integer",
                                v,
                            ))
                        }
                    };
                    if cfg.idle_ttl == Some(0) {
                        return Err(self.err(&key, "must be more than zero (use \"off\")"));
                    }
                }
                _ => {
                    return Err(self.unknown(&key, "scrollback_lines, scrollback_bytes or idle_ttl"))
                }
            }
        }
        Ok(())
    }

    /// `[profiles.NAME]`, reported under `key`.
    fn profile(&self, key: &str, name: &str, t: &Table) -> Result<Profile> {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid {
            return Err(self.err(
                key,
                "invalid profile name (use letters, digits, '-', '_' and '.')",
            ));
        }
        let mut p = Profile::default();
        for (field, v) in t {
            let key = format!("{key}.{}", key_text(field));
            match field.as_str() {
                "command" => {
                    let items = v
                        .as_array()
                        .ok_or_else(|| self.wrong_type(&key, "an array of strings", v))?;
                    let mut argv = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        argv.push(self.string(&format!("{key}[{i}]"), item)?.to_string());
                    }
                    if argv.first().is_none_or(String::is_empty) {
                        return Err(self.err(&key, "must name a program"));
                    }
                    p.command = Some(argv);
                }
                "workdir" => {
                    let dir = self.string(&key, v)?;
                    if dir.is_empty() {
                        return Err(self.err(&key, "must not be empty"));
                    }
                    p.workdir = Some(dir.to_string());
                }
                "env" => {
                    for (var, val) in self.table(&key, v)? {
                        let key = format!("{key}.{}", key_text(var));
                        if var.is_empty() || var.contains(['=', '\0']) {
                            return Err(self.err(&key, "invalid variable name"));
                        }
                        p.env
                            .push((var.clone(), self.string(&key, val)?.to_string()));
                    }
                }
                _ => return Err(self.unknown(&key, "command, workdir or env")),
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/home/u/.config/linger/config.toml";

    fn ok(text: &str) -> Config {
        parse(text, Path::new(FILE)).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// The error message for `text`, which must start with `FILE: `.
    fn err(text: &str) -> String {
        match parse(text, Path::new(FILE)) {
            Err(Error::Config(m)) => m
                .strip_prefix(&format!("{FILE}: "))
                .unwrap_or_else(|| panic!("message does not name the file: {m}"))
                .to_string(),
            other => panic!("{text}: expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(ok(""), Config::default());
        assert_eq!(
            ok("# nothing\n[ui]\n[session]\n[profiles]\n"),
            Config::default()
        );
        let d = Config::default();
        assert_eq!(d.detach_keys, keys::parse_sequence("ctrl-] d").unwrap());
        assert_eq!(
            (d.scrollback_lines, d.scrollback_bytes, d.idle_ttl),
            (10_000, 4 << 20, None)
        );
    }

    #[test]
    fn full_file() {
        let cfg = ok(r#"
[ui]
detach_sequence = "ctrl-a ctrl-A d"   # comment

[session]
scrollback_lines = 500
scrollback_bytes = "512KiB"
idle_ttl = "90m"

[profiles.claude-code]
command = ["claude", "--resume"]
workdir = "~/projects/api"
env = { CLAUDE_CONFIG_DIR = "~/.claude", B = "2" }

[profiles."build.v2"]
command = ["make", "-j4"]

[profiles.empty]
"#);
        assert_eq!(
            cfg.detach_keys,
            vec![Key::Ctrl('a'), Key::Ctrl('a'), Key::Char('d')]
        );
        assert_eq!(cfg.scrollback_lines, 500);
        assert_eq!(cfg.scrollback_bytes, 512 << 10);
        assert_eq!(cfg.idle_ttl, Some(5400));
        assert_eq!(cfg.profiles.len(), 3);
        assert_eq!(
            cfg.profiles["claude-code"],
            Profile {
                command: Some(vec!["claude".into(), "--resume".into()]),
                workdir: Some("~/projects/api".into()),
                env: vec![
                    ("B".into(), "2".into()),
                    ("CLAUDE_CONFIG_DIR".into(), "~/.claude".into())
                ],
            }
        );
        assert_eq!(
            cfg.profiles["build.v2"].command,
            Some(vec!["make".into(), "-j4".into()])
        );
        assert_eq!(cfg.profiles["empty"], Profile::default());
    }

    #[test]
    fn value_forms() {
        let c = ok("[session]\nscrollback_bytes = 1000\nidle_ttl = 30\nscrollback_lines = 0");
        assert_eq!(
            (c.scrollback_bytes, c.idle_ttl, c.scrollback_lines),
            (1000, Some(30), 0)
        );
        assert_eq!(ok("[session]\nidle_ttl = \"off\"").idle_ttl, None);
        assert_eq!(ok("[session]\nidle_ttl = \"OFF\"").idle_ttl, None);
        assert_eq!(
            ok("[session]\nidle_ttl = \"7d\"").idle_ttl,
            Some(7 * 86_400)
        );
        assert_eq!(ok("[session]\nidle_ttl = \"45\"").idle_ttl, Some(45));
        assert_eq!(
            ok("[session]\nscrollback_bytes = \"4M\"").scrollback_bytes,
            4 << 20
        );
        assert_eq!(
            ok("[session]\nscrollback_bytes = \"0\"").scrollback_bytes,
            0
        );
        assert_eq!(ok("session.idle_ttl = \"1h\"").idle_ttl, Some(3600));
    }

    #[test]
    fn errors_name_key_and_reason() {
        let cases = [
            ("[ui]\ndetach_sequence = \"ctrl-]\"", "ui.detach_sequence: a detach sequence needs at least two key presses"),
            ("[ui]\ndetach_sequence = \"ctrl-é d\"", "ui.detach_sequence: unknown key 'ctrl-é'"),
            ("[ui]\ndetach_sequence = \"ctrl-] bogus\"", "ui.detach_sequence: unknown key 'bogus'"),
            ("[ui]\ndetach_sequence = \"\"", "ui.detach_sequence: a detach sequence needs at least two"),
            ("[ui]\ndetach_sequence = 5", "ui.detach_sequence: expected a string, found an integer"),
            ("[ui]\ndetach = \"x y\"", "ui.detach: unknown key (expected detach_sequence)"),
            ("ui = 1", "ui: expected a table, found an integer"),
            ("[uii]\nx = 1", "uii: unknown section"),
            ("colour = true", "colour: unknown key"),
            ("[session]\nscrollback_lines = -1", "session.scrollback_lines: must not be negative"),
            ("[session]\nscrollback_lines = \"100\"", "session.scrollback_lines: expected an integer, found a string"),
            ("[session]\nscrollback_lines = 1.5", "session.scrollback_lines: expected an integer, found a float"),
            ("[session]\nscrollback_bytes = \"4 parsecs\"", "session.scrollback_bytes: invalid size '4 parsecs'"),
            ("[session]\nscrollback_bytes = -4", "session.scrollback_bytes: must not be negative"),
            ("[session]\nscrollback_bytes = true", "session.scrollback_bytes: expected a size (\"4MiB\") or an integer, found a boolean"),
            ("[session]\nidle_ttl = \"soon\"", "session.idle_ttl: invalid duration 'soon' (use e.g. 90m, 24h, 7d)"),
            ("[session]\nidle_ttl = 0", "session.idle_ttl: must be more than zero"),
            ("[session]\nidle_ttl = \"0m\"", "session.idle_ttl: must be more than zero"),
            ("[session]\nidle_ttl = -5", "session.idle_ttl: must not be negative"),
            ("[session]\nidle_ttl = false", "session.idle_ttl: expected \"off\", a duration"),
            ("[session]\nscrollback = 5", "session.scrollback: unknown key (expected scrollback_lines, scrollback_bytes or idle_ttl)"),
            ("profiles = 3", "profiles: expected a table, found an integer"),
            ("[profiles]\nx = 3", "profiles.x: expected a table, found an integer"),
            ("[profiles.\"my app\"]\ncommand = [\"a\"]", "profiles.\"my app\": invalid profile name"),
            ("[profiles.\"\"]\ncommand = [\"a\"]", "profiles.\"\": invalid profile name"),
            ("[profiles.p]\ncommand = \"claude\"", "profiles.p.command: expected an array of strings, found a string"),
            ("[profiles.p]\ncommand = []", "profiles.p.command: must name a program"),
            ("[profiles.p]\ncommand = [\"\"]", "profiles.p.command: must name a program"),
            ("[profiles.p]\ncommand = [\"a\", 1]", "profiles.p.command[1]: expected a string, found an integer"),
            ("[profiles.p]\ncommand = [\"a\\u0000b\"]", "profiles.p.command[0]: must not contain a NUL"),
            ("[profiles.p]\nworkdir = 1", "profiles.p.workdir: expected a string, found an integer"),
            ("[profiles.p]\nworkdir = \"\"", "profiles.p.workdir: must not be empty"),
            ("[profiles.p]\nenv = [\"A=1\"]", "profiles.p.env: expected a table, found an array"),
            ("[profiles.p]\nenv = { A = 1 }", "profiles.p.env.A: expected a string, found an integer"),
            ("[profiles.p]\nenv = { \"A=B\" = \"1\" }", "profiles.p.env.\"A=B\": invalid variable name"),
            ("[profiles.p]\ncmd = [\"a\"]", "profiles.p.cmd: unknown key (expected command, workdir or env)"),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(
                got.starts_with(want),
                "{text:?}\n  got:  {got}\n  want: {want}"
            );
        }
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let got = err("[ui]\ndetach_sequence = \"ctrl-] d\"\n\n[session\n");
        assert!(got.starts_with("line 4: "), "{got}");
        let got = err("a = 1\na = 2\n");
        assert!(got.starts_with("line 2: "), "{got}");
        let got = err("x = \"unterminated\n");
        assert!(got.starts_with("line 1: "), "{got}");
        assert!(!got.contains('\n'), "{got}");
        assert_eq!(err("x = "), "line 1: expected a value, found end of file");
        let got = err("[ui]\n[ui]\n");
        assert!(
            got.starts_with("line 2: table [ui] is defined twice"),
            "{got}"
        );
    }

    #[test]
    fn load_from_files() {
        let dir = std::env::temp_dir().join(format!("linger-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            load_from(&dir.join("missing.toml")).unwrap(),
            Config::default()
        );
        let good = dir.join("good.toml");
        std::fs::write(&good, "[session]\nscrollback_lines = 7\n").unwrap();
        assert_eq!(load_from(&good).unwrap().scrollback_lines, 7);
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[session]\nscrollback_lines = \"x\"\n").unwrap();
        let msg = load_from(&bad).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("{}: session.scrollback_lines: ", bad.display())),
            "{msg}"
        );
        let latin1 = dir.join("latin1.toml");
        std::fs::write(&latin1, b"# ok\n# caf\xe9\n").unwrap();
        let msg = load_from(&latin1).unwrap_err().to_string();
        assert_eq!(msg, format!("{}: line 2: invalid UTF-8", latin1.display()));
        // A directory cannot be read: an error, not defaults.
        let e = load_from(&dir).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(e.to_string().starts_with(&dir.display().to_string()), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
