//! linger: terminal sessions that outlive the terminal that started them.
//!
//! The binary is `src/main.rs`; this library holds everything so that the
//! integration tests can reach the pure parts (screen model, protocol, keys,
//! config, units) directly.

pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod error;
pub mod keys;
pub mod protocol;
pub mod pty;
pub mod registry;
pub mod screen;
pub mod supervisor;
#[doc(hidden)]
pub mod sys;
pub mod units;
