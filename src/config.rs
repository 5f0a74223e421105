//! The optional config file (`config.toml`, SPEC §3) → `Config` with defaults.
//! STUB: validation to be completed. Keep the struct and `load`.

use crate::error::{Error, Result};
use crate::keys::{self, Key};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    let Some(path) = path() else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(Error::Config(format!(
            "{}: {}",
            path.display(),
            crate::error::io_reason(&e)
        ))),
    }
}

/// Parse config text; errors name the file, the key and the reason.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let bad = |key: &str, why: String| Error::Config(format!("{}: {key}: {why}", path.display()));
    let value: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad("(syntax)", e.message().to_string()))?;
    let mut cfg = Config::default();
    if let Some(seq) = value
        .get("ui")
        .and_then(|u| u.get("detach_sequence"))
        .and_then(|v| v.as_str())
    {
        cfg.detach_keys = keys::parse_sequence(seq).map_err(|e| bad("ui.detach_sequence", e))?;
    }
    Ok(cfg)
}
