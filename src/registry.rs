//! The registry: one JSON record per session in the state directory.
//!
//! Writers take an exclusive `flock` on a separate `<id>.lock` (a rename replaces
//! the record's inode, so a lock on the record itself would protect nothing),
//! write a temporary file, fsync it and rename it over the record: a reader sees
//! the old record or the new one, never half. Creating a session also holds
//! `registry.lock`, which makes id and name allocation race-free.

use crate::error::{Error, Result};
use crate::sys::{self, dirs, fd, proc};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const RECORD_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Paused,
    Exited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attachment {
    Attached,
    Detached,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Exited,
    Stopped,
    Killed,
    Lost,
    ExecFailed,
    Idle,
}

/// One session, exactly as stored and as printed by `inspect --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    pub id: String,
    pub name: String,
    pub status: Status,
    pub attachment: Attachment,
    pub viewers: u32,
    pub pid: Option<i32>,
    pub supervisor_pid: Option<i32>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<String>,
    pub end_reason: Option<EndReason>,
    pub command: Vec<String>,
    pub profile: Option<String>,
    pub workdir: String,
    pub socket: String,
    pub cols: u16,
    pub rows: u16,
    pub last_activity_at: String,
    pub idle_ttl_secs: Option<u64>,
    pub scrollback_lines: usize,
    pub record_file: Option<String>,
    /// Identity of the supervisor process (start time in clock ticks since boot
    /// and the boot id), so a reused pid is never mistaken for it.
    #[serde(default)]
    pub supervisor_start: Option<u64>,
    #[serde(default)]
    pub boot_id: Option<String>,
    /// What `restart` runs instead of `command`, when given at `run`.
    #[serde(default)]
    pub resume_command: Option<String>,
    /// Scrollback budget in bytes, so `restart` keeps it.
    #[serde(default)]
    pub scrollback_bytes: Option<usize>,
    /// Start time in nanoseconds since the epoch: orders sessions started
    /// within the same second (`started_at` has whole seconds).
    #[serde(default)]
    pub started_ns: Option<u64>,
}

impl Record {
    pub fn is_live(&self) -> bool {
        self.status != Status::Exited
    }

    /// The STATUS column: `running`, `paused`, `exited:0`, `exited:SIGKILL`, `lost`.
    pub fn status_text(&self) -> String {
        match self.status {
            Status::Running => "running".into(),
            Status::Paused => "paused".into(),
            Status::Exited if self.end_reason == Some(EndReason::Lost) => "lost".into(),
            Status::Exited => match (&self.exit_signal, self.exit_code) {
                (Some(sig), _) => format!("exited:{sig}"),
                (None, Some(code)) => format!("exited:{code}"),
                (None, None) => "exited".into(),
            },
        }
    }

    /// Is the supervisor that wrote this record still that same process?
    pub fn supervisor_alive(&self) -> bool {
        match (self.supervisor_pid, self.supervisor_start, &self.boot_id) {
            (Some(pid), Some(ticks), Some(boot)) => proc::is_same_process(pid, ticks, boot),
            _ => false,
        }
    }

    /// What a command waiting on the session reports once it ended: its
    /// exit code, or an error when its supervisor was lost (there is no code
    /// to pass on).
    pub fn outcome(&self) -> Result<i32> {
        if self.end_reason == Some(EndReason::Lost) {
            return Err(Error::runtime(format!(
                "session {} was lost: its supervisor is gone",
                self.id
            )));
        }
        Ok(self.exit_code.unwrap_or(1))
    }

    /// Mark as ended now.
    pub fn set_ended(&mut self, reason: EndReason, exit: Option<proc::ExitInfo>) {
        self.status = Status::Exited;
        self.attachment = Attachment::Detached;
        self.viewers = 0;
        self.ended_at = Some(crate::units::rfc3339(now()));
        self.end_reason = Some(reason);
        if let Some(e) = exit {
            self.exit_code = Some(e.code());
            self.exit_signal = match e {
                proc::ExitInfo::Signal(s) => Some(sys::signal::name(s)),
                proc::ExitInfo::Code(_) => None,
            };
        }
    }
}

/// How long a session whose supervisor is gone may still be written as
/// ended (by `stop --force`) before it counts as lost.
pub const LOST_GRACE: Duration = Duration::from_secs(2);

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// An exclusive `flock` held until drop.
pub struct Lock(#[allow(dead_code)] File);

impl Lock {
    fn take(path: &Path) -> Result<Lock> {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        sys::fd_flock(f.as_raw_fd())
            .map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
        Ok(Lock(f))
    }
}

pub struct Registry {
    pub state: PathBuf,
    pub run: PathBuf,
}

/// Ids are 6 lowercase hex digits; names are checked before becoming paths.
pub fn valid_id(id: &str) -> bool {
    id.len() == 6
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Names: 1-64 of letters, digits, `-`, `_`, `.`; not starting with `-` or `.`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['-', '.'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

impl Registry {
    /// Open (and create, privately) the state and socket directories.
    pub fn open() -> Result<Registry> {
        let state = dirs::state_dir()?;
        let run = dirs::runtime_dir()?;
        dirs::ensure_private(&state)?;
        dirs::ensure_private(&run)?;
        Ok(Registry { state, run })
    }

    pub fn record_path(&self, id: &str) -> PathBuf {
        self.state.join(format!("{id}.json"))
    }
    pub fn socket_path(&self, id: &str) -> PathBuf {
        self.run.join(format!("{id}.sock"))
    }
    /// Screen and scrollback checkpoint, read by `logs` when the supervisor is gone.
    pub fn screen_path(&self, id: &str) -> PathBuf {
        self.state.join(format!("{id}.screen.json"))
    }
    pub fn debug_log_path(&self, id: &str) -> PathBuf {
        self.state.join(format!("{id}.debug.log"))
    }
    fn lock_path(&self, id: &str) -> PathBuf {
        self.state.join(format!("{id}.lock"))
    }

    /// Every file that belongs to a session (for prune).
    pub fn session_files(&self, id: &str) -> Vec<PathBuf> {
        vec![
            self.socket_path(id),
            self.screen_path(id),
            self.debug_log_path(id),
            self.record_path(id),
            self.lock_path(id),
        ]
    }

    /// Hold the registry-wide lock (id and name allocation).
    pub fn lock_all(&self) -> Result<Lock> {
        Lock::take(&self.state.join("registry.lock"))
    }

    pub fn lock(&self, id: &str) -> Result<Lock> {
        Lock::take(&self.lock_path(id))
    }

    /// Read one record. Errors: missing or corrupt.
    pub fn read(&self, id: &str) -> Result<Record> {
        let path = self.record_path(id);
        let text =
            fs::read(&path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        parse_record(&text)
            .map_err(|why| Error::runtime(format!("corrupt record {}: {why}", path.display())))
    }

    /// Atomically replace a record. The caller holds its lock.
    pub fn write(&self, rec: &Record) -> Result<()> {
        if !valid_id(&rec.id) {
            return Err(Error::runtime(format!("invalid session id '{}'", rec.id)));
        }
        let path = self.record_path(&rec.id);
        let tmp = self
            .state
            .join(format!(".{}.json.{}.tmp", rec.id, proc::pid()));
        let body = serde_json::to_vec_pretty(rec).map_err(|e| Error::runtime(e.to_string()))?;
        let result = (|| -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&body)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io(format!("cannot write {}", path.display()), e));
        }
        Ok(())
    }

    /// Read, change and write one record under its lock.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Record)) -> Result<Record> {
        let _lock = self.lock(id)?;
        let mut rec = self.read(id)?;
        f(&mut rec);
        self.write(&rec)?;
        Ok(rec)
    }

    /// All records, oldest first. Corrupt ones are reported on stderr and skipped;
    /// lost ones are marked `exited`/`lost` on the way.
    pub fn list(&self) -> Result<Vec<Record>> {
        let dir = fs::read_dir(&self.state)
            .map_err(|e| Error::io(format!("cannot read {}", self.state.display()), e))?;
        let mut out = Vec::new();
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if !valid_id(id) {
                continue;
            }
            let path = entry.path();
            let text = match fd::read_small(&path) {
                Ok(t) => t,
                Err(_) => continue, // removed meanwhile (prune)
            };
            match parse_record(&text) {
                Ok(rec) => out.push(self.check_lost(rec)),
                Err(why) => warn_corrupt(&path, &why),
            }
        }
        // Oldest first; the supervisor's start time (clock ticks) orders sessions
        // started within the same second.
        out.sort_by(|a, b| {
            a.started_at
                .cmp(&b.started_at)
                .then(a.started_ns.cmp(&b.started_ns))
                .then(a.supervisor_start.cmp(&b.supervisor_start))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// A live record whose supervisor is gone is rewritten as lost, under the lock.
    pub fn check_lost(&self, rec: Record) -> Record {
        if !rec.is_live() || rec.supervisor_alive() {
            return rec;
        }
        let id = rec.id.clone();
        let updated = (|| -> Result<Record> {
            let _lock = self.lock(&id)?;
            let mut fresh = self.read(&id)?;
            if fresh.is_live() && !fresh.supervisor_alive() {
                fresh.set_ended(EndReason::Lost, None);
                self.write(&fresh)?;
            }
            Ok(fresh)
        })();
        updated.unwrap_or(rec)
    }

    /// The record of a session whose connection just broke. Whoever ended it
    /// (`stop --force` kills the supervisor, then writes `killed`) gets
    /// `LOST_GRACE` to write the final record; a record that still says
    /// running with its supervisor gone is then lost. Still live after that
    /// when the supervisor is there (the connection broke for another reason).
    pub fn ended_record(&self, id: &str) -> Result<Record> {
        let deadline = Instant::now() + LOST_GRACE;
        let mut delay = Duration::from_millis(2);
        loop {
            let rec = self.read(id)?;
            // (Not "the supervisor is alive": a killed one may not have
            // finished dying when its sockets close.)
            if !rec.is_live() {
                return Ok(rec);
            }
            if Instant::now() >= deadline {
                return Ok(self.check_lost(rec));
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(100));
        }
    }

    /// Resolve a selector: exact name (among all sessions, live first), full id,
    /// unique id prefix. A name beats an id prefix.
    pub fn select(&self, sel: &str) -> Result<Record> {
        let all = self.list()?;
        pick(&all, sel).cloned()
    }

    pub fn remove_files(&self, id: &str) {
        for p in self.session_files(id) {
            let _ = fs::remove_file(p);
        }
    }
}

fn warn_corrupt(path: &Path, why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "linger: skipping corrupt record {}: {why}",
        path.display()
    );
}

/// Parse and validate one record.
pub fn parse_record(text: &[u8]) -> std::result::Result<Record, String> {
    let rec: Record = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if !valid_id(&rec.id) {
        return Err(format!("invalid id '{}'", rec.id));
    }
    if !valid_name(&rec.name) {
        return Err(format!("invalid name '{}'", rec.name));
    }
    Ok(rec)
}

/// The selector rules on a list of records (pure, for unit tests).
pub fn pick<'a>(all: &'a [Record], sel: &str) -> Result<&'a Record> {
    let no_match = || Error::NoSession(format!("no session matches '{sel}'"));
    if sel.is_empty() {
        return Err(no_match());
    }
    // Exact name: a live session wins; among exited ones, the newest.
    let named: Vec<&Record> = all.iter().filter(|r| r.name == sel).collect();
    if let Some(r) = named.iter().rev().find(|r| r.is_live()).or(named.last()) {
        return Ok(r);
    }
    if let Some(r) = all.iter().find(|r| r.id == sel) {
        return Ok(r);
    }
    let prefixed: Vec<&Record> = all.iter().filter(|r| r.id.starts_with(sel)).collect();
    match prefixed.as_slice() {
        [] => Err(no_match()),
        [one] => Ok(one),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|r| format!("{} ({})", r.id, r.name))
                .collect();
            Err(Error::NoSession(format!(
                "'{sel}' is ambiguous: {}",
                list.join(", ")
            )))
        }
    }
}

const ADJECTIVES: &[&str] = &[
    "amber", "bold", "brave", "brisk", "calm", "clear", "cool", "crisp", "deep", "eager", "fair",
    "fast", "fond", "glad", "gold", "grand", "green", "happy", "keen", "kind", "light", "lucid",
    "merry", "mild", "neat", "nimble", "noble", "plain", "proud", "quick", "quiet", "rapid",
    "ready", "royal", "sharp", "shy", "silent", "sleek", "smooth", "snug", "solid", "spry",
    "steady", "still", "sunny", "swift", "tidy", "true", "vivid", "warm", "wise", "witty", "young",
    "zesty",
];
const NOUNS: &[&str] = &[
    "anchor", "badger", "beacon", "birch", "breeze", "brook", "canyon", "cedar", "cloud", "comet",
    "coral", "crane", "delta", "dune", "ember", "falcon", "fern", "field", "fjord", "forest",
    "fox", "galaxy", "glade", "harbor", "hawk", "heron", "island", "lagoon", "lake", "lark",
    "maple", "meadow", "mesa", "moon", "moss", "node", "oak", "orbit", "otter", "owl", "pebble",
    "pine", "planet", "pond", "quartz", "raven", "reef", "ridge", "river", "robin", "sparrow",
    "spruce", "star", "stone", "summit", "tide", "valley", "willow", "wren",
];

/// Random bytes from the kernel (no extra crate needed).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if let Ok(mut f) = File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut buf);
    }
    buf
}

/// A fresh id not used by any record (live or exited).
pub fn new_id(all: &[Record], reg: &Registry) -> String {
    loop {
        let b: [u8; 3] = random_bytes();
        let id = format!("{:02x}{:02x}{:02x}", b[0], b[1], b[2]);
        if !all.iter().any(|r| r.id == id) && !reg.record_path(&id).exists() {
            return id;
        }
    }
}

/// A fresh `adjective-noun` name unused among live sessions.
pub fn new_name(all: &[Record]) -> String {
    for attempt in 0.. {
        let b: [u8; 4] = random_bytes();
        let adj = ADJECTIVES[u16::from_le_bytes([b[0], b[1]]) as usize % ADJECTIVES.len()];
        let noun = NOUNS[u16::from_le_bytes([b[2], b[3]]) as usize % NOUNS.len()];
        let name = if attempt < 50 {
            format!("{adj}-{noun}")
        } else {
            format!("{adj}-{noun}-{}", attempt)
        };
        if !all.iter().any(|r| r.is_live() && r.name == name) {
            return name;
        }
    }
    unreachable!("the loop returns")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, name: &str, status: Status) -> Record {
        Record {
            version: 1,
            id: id.into(),
            name: name.into(),
            status,
            attachment: Attachment::Detached,
            viewers: 0,
            pid: None,
            supervisor_pid: None,
            started_at: "2026-11-22T01:02:03Z".into(),
            ended_at: None,
            exit_code: None,
            exit_signal: None,
            end_reason: None,
            command: vec!["sh".into()],
            profile: None,
            workdir: "/".into(),
            socket: "/tmp/x.sock".into(),
            cols: 80,
            rows: 24,
            last_activity_at: "2026-11-22T01:02:03Z".into(),
            idle_ttl_secs: None,
            scrollback_lines: 10000,
            record_file: None,
            supervisor_start: None,
            boot_id: None,
            resume_command: None,
            scrollback_bytes: None,
            started_ns: None,
        }
    }

    #[test]
    fn selectors() {
        let all = vec![
            rec("a3f7c2", "calm-node", Status::Running),
            rec("a3e111", "a3f", Status::Running),
            rec("b8e1d4", "job", Status::Exited),
        ];
        assert_eq!(pick(&all, "a3f7c2").unwrap().id, "a3f7c2");
        assert_eq!(pick(&all, "calm-node").unwrap().id, "a3f7c2");
        assert_eq!(pick(&all, "b8").unwrap().id, "b8e1d4");
        // A name beats an id prefix.
        assert_eq!(pick(&all, "a3f").unwrap().id, "a3e111");
        let amb = pick(&all, "a3").unwrap_err();
        assert_eq!(amb.exit_code(), 3);
        assert!(
            amb.to_string().contains("a3f7c2") && amb.to_string().contains("a3e111"),
            "{amb}"
        );
        let none = pick(&all, "zz").unwrap_err();
        assert_eq!(none.to_string(), "no session matches 'zz'");
        assert_eq!(none.exit_code(), 3);
    }

    #[test]
    fn status_text() {
        let mut r = rec("a3f7c2", "x", Status::Running);
        assert_eq!(r.status_text(), "running");
        r.set_ended(EndReason::Exited, Some(proc::ExitInfo::Code(3)));
        assert_eq!(r.status_text(), "exited:3");
        r.set_ended(EndReason::Stopped, Some(proc::ExitInfo::Signal(9)));
        assert_eq!(r.status_text(), "exited:SIGKILL");
        assert_eq!(r.exit_code, Some(137));
        r.end_reason = Some(EndReason::Lost);
        assert_eq!(r.status_text(), "lost");
    }

    #[test]
    fn record_codec_roundtrip_and_rejects_bad_ids() {
        let r = rec("a3f7c2", "calm-node", Status::Running);
        let text = serde_json::to_vec(&r).unwrap();
        assert_eq!(parse_record(&text).unwrap(), r);
        let bad = String::from_utf8(text).unwrap().replace("a3f7c2", "../etc");
        assert!(parse_record(bad.as_bytes()).is_err());
        assert!(parse_record(b"{\"version\": 1").is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("calm-node") && valid_name("job_1.x"));
        assert!(!valid_name("") && !valid_name("../x") && !valid_name("a/b") && !valid_name("-x"));
        assert!(valid_id("a3f7c2") && !valid_id("A3F7C2") && !valid_id("a3f7c"));
    }
}
