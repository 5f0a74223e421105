//! Durations ("90m", "24h", "7d"), ages ("45s", "2m") and byte sizes ("4MiB").
//! STUB: to be completed. Keep the signatures.

/// Parse a duration; a bare number is in `bare_unit_secs` units (days for `prune
/// --older-than`, seconds elsewhere).
pub fn parse_duration(text: &str, bare_unit_secs: u64) -> Result<u64, String> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1),
        Some((i, 'm')) => (&t[..i], 60),
        Some((i, 'h')) => (&t[..i], 3600),
        Some((i, 'd')) => (&t[..i], 86400),
        _ => (t, bare_unit_secs),
    };
    num.parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("invalid duration '{text}'"))
}

/// Compact age for tables: `45s`, `2m`, `3h`, `4d`.
pub fn format_age(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// Parse a byte size: `4MiB`, `512KiB`, `1048576`.
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim();
    for (suffix, mult) in [
        ("GiB", 1usize << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("B", 1),
    ] {
        if let Some(n) = t.strip_suffix(suffix) {
            return n
                .trim()
                .parse::<usize>()
                .map(|n| n * mult)
                .map_err(|_| format!("invalid size '{text}'"));
        }
    }
    t.parse::<usize>()
        .map_err(|_| format!("invalid size '{text}'"))
}
