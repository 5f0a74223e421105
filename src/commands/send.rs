//! `linger send`: input as if typed, attached or not. Key tokens share the
//! grammar of the detach sequence (`keys`).

use crate::client;
use crate::error::{Error, Result};
use crate::keys;
use crate::protocol::Request;
use crate::registry::Registry;
use std::io::Read;

/// The bytes `send` writes, from its arguments (pure apart from `-` = stdin).
pub fn input_bytes(
    keys_mode: bool,
    enter: bool,
    args: &[String],
    stdin: &mut dyn Read,
) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    if keys_mode {
        for a in args {
            let k = keys::parse_token(a).map_err(|e| Error::usage(format!("--keys: {e}")))?;
            data.extend_from_slice(&keys::key_bytes(k));
        }
    } else {
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                data.push(b' ');
            }
            if a == "-" {
                stdin
                    .read_to_end(&mut data)
                    .map_err(|e| Error::io("cannot read stdin", e))?;
            } else {
                data.extend_from_slice(a.as_bytes());
            }
        }
    }
    if enter {
        data.push(b'\r');
    }
    Ok(data)
}

pub fn send(sel: &str, keys_mode: bool, enter: bool, args: &[String]) -> Result<i32> {
    let data = input_bytes(keys_mode, enter, args, &mut std::io::stdin())?;
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    if !rec.is_live() {
        return Err(Error::runtime(super::attach::exited_message(&rec)));
    }
    // Large input goes in pieces well under the frame limit.
    for chunk in data.chunks(64 * 1024) {
        let reply = client::request(
            &reg,
            &rec,
            Request::Send {
                data: chunk.to_vec(),
            },
        )?;
        if let Some(e) = reply.get("error").and_then(|v| v.as_str()) {
            return Err(Error::runtime(format!("session {}: {e}", rec.id)));
        }
    }
    Ok(0)
}
