//! `linger inspect`: every field of one record, as `key: value` lines or JSON.

use crate::error::{Error, Result};
use crate::registry::Registry;
use std::io::Write;

pub fn inspect(sel: &str, json: bool, out: &mut dyn Write) -> Result<i32> {
    let reg = Registry::open()?;
    let rec = reg.select(sel)?;
    let value = serde_json::to_value(&rec).map_err(|e| Error::runtime(e.to_string()))?;
    if json {
        let text =
            serde_json::to_string_pretty(&value).map_err(|e| Error::runtime(e.to_string()))?;
        writeln!(out, "{text}")?;
    } else if let serde_json::Value::Object(map) = value {
        // A serde_json Map sorts its keys; print in the record's own order.
        for key in FIELD_ORDER {
            if let Some(v) = map.get(*key) {
                writeln!(out, "{key}: {}", text_value(v))?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// Record fields in the order SPEC §4 lists them, then ours.
const FIELD_ORDER: &[&str] = &[
    "version",
    "id",
    "name",
    "status",
    "attachment",
    "viewers",
    "pid",
    "supervisor_pid",
    "started_at",
    "ended_at",
    "exit_code",
    "exit_signal",
    "end_reason",
    "command",
    "profile",
    "workdir",
    "socket",
    "cols",
    "rows",
    "last_activity_at",
    "idle_ttl_secs",
    "scrollback_lines",
    "record_file",
    "supervisor_start",
    "boot_id",
    "resume_command",
    "scrollback_bytes",
    "started_ns",
];

fn text_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(text_value).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_output_names_every_record_field() {
        let rec = crate::registry::parse_record(
            br#"{"version":1,"id":"a3f7c2","name":"x","status":"running","attachment":"detached","viewers":0,
            "pid":null,"supervisor_pid":null,"started_at":"2026-11-22T01:02:03Z","ended_at":null,"exit_code":null,
            "exit_signal":null,"end_reason":null,"command":["sh"],"profile":null,"workdir":"/","socket":"/s",
            "cols":80,"rows":24,"last_activity_at":"2026-11-22T01:02:03Z","idle_ttl_secs":null,
            "scrollback_lines":10,"record_file":null}"#,
        )
        .unwrap();
        let value = serde_json::to_value(&rec).unwrap();
        for key in value.as_object().unwrap().keys() {
            assert!(
                super::FIELD_ORDER.contains(&key.as_str()),
                "{key} missing from FIELD_ORDER"
            );
        }
    }
}
