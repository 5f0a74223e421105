//! Where linger keeps its files, and the checks that make them private.
//!
//! State (records, logs, snapshots): `$LINGER_DIR`, else `$XDG_STATE_HOME/linger`,
//! else `~/.local/state/linger`. Sockets: `$LINGER_DIR/run`, else
//! `$XDG_RUNTIME_DIR/linger`, else `/tmp/linger-$UID`.

use crate::error::{Error, Result};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> Result<PathBuf> {
    env_path("HOME")
        .ok_or_else(|| Error::runtime("HOME is not set; set LINGER_DIR or XDG_STATE_HOME"))
}

/// Directory for records, logs and snapshots (not created here).
pub fn state_dir() -> Result<PathBuf> {
    if let Some(d) = env_path("LINGER_DIR") {
        return Ok(d);
    }
    if let Some(x) = env_path("XDG_STATE_HOME") {
        return Ok(x.join("linger"));
    }
    Ok(home()?.join(".local/state/linger"))
}

/// Directory for sockets (not created here).
pub fn runtime_dir() -> Result<PathBuf> {
    if let Some(d) = env_path("LINGER_DIR") {
        return Ok(d.join("run"));
    }
    if let Some(x) = env_path("XDG_RUNTIME_DIR") {
        return Ok(x.join("linger"));
    }
    Ok(PathBuf::from(format!("/tmp/linger-{}", super::uid())))
}

/// Create `dir` (mode 0700) if missing, then refuse it unless it is a real
/// directory owned by us with no group or world access. Parents are created
/// with the default mode, like `mkdir -p`.
pub fn ensure_private(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                // Missing parents are ours too: private like the rest.
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
            }
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                // Another linger created it first: check what is there now.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(format!("cannot create {}", dir.display()), e)),
            }
        }
        Err(e) => return Err(Error::io(format!("cannot use {}", dir.display()), e)),
        Ok(_) => {}
    }
    check_private(dir)
}

fn check_private(dir: &Path) -> Result<()> {
    let md = std::fs::symlink_metadata(dir)
        .map_err(|e| Error::io(format!("cannot use {}", dir.display()), e))?;
    let refuse = |why: &str| {
        Err(Error::runtime(format!(
            "refusing to use {}: {why}",
            dir.display()
        )))
    };
    if md.file_type().is_symlink() {
        return refuse("it is a symlink");
    }
    if !md.is_dir() {
        return refuse("it is not a directory");
    }
    if md.uid() != super::uid() {
        return refuse(&format!(
            "it is owned by uid {}, not {}",
            md.uid(),
            super::uid()
        ));
    }
    if md.mode() & 0o077 != 0 {
        return refuse(&format!(
            "it is accessible by group or others (mode {:o}; want 700)",
            md.mode() & 0o777
        ));
    }
    Ok(())
}
