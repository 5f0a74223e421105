//! Durations ("90m", "24h", "7d"), ages ("45s", "2m"), byte sizes ("4MiB") and
//! RFC 3339 timestamps. Pure functions: no clock, no environment.
//!
//! Rules (the man page repeats them):
//!
//! - **Duration**: a whole number followed by one unit, `s` (seconds), `m`
//!   (minutes), `h` (hours), `d` (days) or `w` (weeks), lowercase, no space:
//!   `30s`, `90m`, `24h`, `7d`, `2w`. A bare number is in the caller's unit
//!   (`prune --older-than 7` means days; elsewhere seconds). No fractions, no
//!   signs, no compound forms (`1h30m`); at most `i64::MAX` seconds.
//! - **Size**: a whole number, optionally followed (spaces allowed) by a unit,
//!   case-insensitive. IEC units `KiB`, `MiB`, `GiB`, `TiB` and the single
//!   letters `K`, `M`, `G`, `T` are powers of 1024 (as in `sort -S`); SI units
//!   `kB`, `MB`, `GB`, `TB` are powers of 1000; `B` or no unit is bytes.
//! - **Timestamps**: RFC 3339 UTC, `2026-11-22T01:02:03Z`, whole seconds.

/// The hint appended to every duration error.
const DURATION_HINT: &str = "use e.g. 90m, 24h, 7d";
/// The hint appended to every size error.
const SIZE_HINT: &str = "use e.g. 4MiB, 512KiB, 1048576";

/// Parse a duration; a bare number is in `bare_unit_secs` units (days for `prune
/// --older-than`, seconds elsewhere).
pub fn parse_duration(text: &str, bare_unit_secs: u64) -> Result<u64, String> {
    let bad = |why: &str| format!("invalid duration '{text}' ({why})");
    let t = text.trim();
    if t.is_empty() {
        return Err(bad(DURATION_HINT));
    }
    if t.starts_with('-') {
        return Err(bad("must not be negative"));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let mult = match unit {
        "" => bare_unit_secs,
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad(DURATION_HINT)),
    };
    if num.is_empty() {
        return Err(bad(DURATION_HINT));
    }
    // Digits only, so a parse failure can only be overflow.
    let n: u64 = num.parse().map_err(|_| bad("too large"))?;
    n.checked_mul(mult)
        .filter(|&s| s <= i64::MAX as u64)
        .ok_or_else(|| bad("too large"))
}

/// Compact age for tables: `45s`, `2m`, `3h`, `4d` (rounded down).
pub fn format_age(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// Parse a byte size: `4MiB`, `512KiB`, `4M` (binary), `4MB` (decimal), `1048576`.
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let bad = |why: &str| format!("invalid size '{text}' ({why})");
    let t = text.trim();
    if t.starts_with('-') {
        return Err(bad("must not be negative"));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    if num.is_empty() {
        return Err(bad(SIZE_HINT));
    }
    let mult: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(bad(SIZE_HINT)),
    };
    let n: u64 = num.parse().map_err(|_| bad("too large"))?;
    n.checked_mul(mult)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| bad("too large"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`, valid for every i64 year that does not overflow).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = i64::from((m + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1..=12, day 1..=31).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 UTC with whole seconds: `2026-11-22T01:02:03Z`.
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let sod = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Parse an RFC 3339 timestamp to Unix seconds. Accepts `T`/`t`/space between
/// date and time, fractional seconds (dropped), and `Z`/`z` or a `±HH:MM` offset.
/// A leap second (`:60`) counts as the next second. None when malformed.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let sep = |i: usize, ok: &[u8]| b.get(i).is_some_and(|c| ok.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d) = (i64::from(num(0..4)?), num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        i += frac;
    }
    let offset: i64 = match b.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] if b.len() == i + 6 && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let local = days_from_civil(y, mo, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s);
    Some(local - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s", 1), Ok(30));
        assert_eq!(parse_duration("90m", 1), Ok(5400));
        assert_eq!(parse_duration("24h", 1), Ok(86_400));
        assert_eq!(parse_duration("7d", 1), Ok(7 * 86_400));
        assert_eq!(parse_duration("1w", 1), Ok(7 * 86_400));
        assert_eq!(parse_duration(" 5m ", 1), Ok(300));
        assert_eq!(parse_duration("0", 86_400), Ok(0));
        // prune --older-than 7 means 7 days
        assert_eq!(parse_duration("7", 86_400), Ok(7 * 86_400));
        assert_eq!(parse_duration("45", 1), Ok(45));
    }

    #[test]
    fn bad_durations() {
        for bad in [
            "", " ", "x", "m", "5x", "5 m", "1.5h", "-5", "-5m", "+5", "5M", "1h30m",
        ] {
            let err = parse_duration(bad, 1).expect_err(bad);
            assert!(
                err.starts_with(&format!("invalid duration '{bad}'")),
                "{err}"
            );
        }
        assert_eq!(
            parse_duration("x", 1),
            Err("invalid duration 'x' (use e.g. 90m, 24h, 7d)".into())
        );
        assert!(parse_duration("-5", 1).unwrap_err().contains("negative"));
        for big in [
            "99999999999999999999",
            "9223372036854775807w",
            "9223372036854775808",
        ] {
            assert!(
                parse_duration(big, 1).unwrap_err().contains("too large"),
                "{big}"
            );
        }
        assert!(parse_duration("999999999999999", 86_400)
            .unwrap_err()
            .contains("too large"));
        assert_eq!(
            parse_duration("9223372036854775807", 1),
            Ok(i64::MAX as u64)
        );
    }

    #[test]
    fn ages() {
        assert_eq!(format_age(0), "0s");
        assert_eq!(format_age(45), "45s");
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(60), "1m");
        assert_eq!(format_age(179), "2m");
        assert_eq!(format_age(3599), "59m");
        assert_eq!(format_age(3 * 3600 + 3599), "3h");
        assert_eq!(format_age(86_399), "23h");
        assert_eq!(format_age(4 * 86_400 + 86_399), "4d");
        assert_eq!(format_age(400 * 86_400), "400d");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("0"), Ok(0));
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("100B"), Ok(100));
        assert_eq!(parse_bytes("512KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("4MiB"), Ok(4 << 20));
        assert_eq!(parse_bytes("4 MiB"), Ok(4 << 20));
        assert_eq!(parse_bytes("4mib"), Ok(4 << 20));
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("4K"), Ok(4 << 10));
        assert_eq!(parse_bytes("4k"), Ok(4 << 10));
        assert_eq!(parse_bytes("4M"), Ok(4 << 20));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        assert_eq!(parse_bytes("4kB"), Ok(4_000));
        assert_eq!(parse_bytes("4KB"), Ok(4_000));
        assert_eq!(parse_bytes("4MB"), Ok(4_000_000));
        assert_eq!(parse_bytes("1GB"), Ok(1_000_000_000));
    }

    #[test]
    fn bad_sizes() {
        for bad in [
            "", "MiB", "4X", "4MiBs", "1.5MiB", "-1", "-4MiB", "4 M B", "0x10",
        ] {
            let err = parse_bytes(bad).expect_err(bad);
            assert!(err.starts_with(&format!("invalid size '{bad}'")), "{err}");
        }
        assert!(parse_bytes("99999999999999999999")
            .unwrap_err()
            .contains("too large"));
        assert!(parse_bytes("99999999999TiB")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_309_323), "2026-11-22T01:02:03Z");
        assert_eq!(parse_rfc3339("2026-11-22T01:02:03Z"), Some(1_795_309_323));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn rfc3339_round_trips() {
        let mut t: i64 = -86_400 * 366 * 3;
        while t < 86_400 * 366 * 200 {
            let s = rfc3339(t);
            assert_eq!(parse_rfc3339(&s), Some(t), "{s}");
            t += 86_400 * 13 + 3_607;
        }
        for y in [1900, 1970, 1972, 2000, 2024, 2100, 2400] {
            for (m, d) in [(2, 28), (3, 1), (12, 31), (1, 1)] {
                let days = days_from_civil(y, m, d);
                assert_eq!(civil_from_days(days), (y, m, d));
            }
        }
        for y in [1972, 2000, 2024, 2400] {
            let s = format!("{y}-02-29T12:00:00Z");
            assert_eq!(parse_rfc3339(&s).map(rfc3339), Some(s));
        }
    }

    #[test]
    fn rfc3339_variants_and_junk() {
        let base = parse_rfc3339("2026-11-22T01:02:03Z");
        assert_eq!(parse_rfc3339("2026-11-22t01:02:03z"), base);
        assert_eq!(parse_rfc3339("2026-11-22 01:02:03Z"), base);
        assert_eq!(parse_rfc3339("2026-11-22T01:02:03.999Z"), base);
        assert_eq!(parse_rfc3339("2026-11-22T03:02:03+02:00"), base);
        assert_eq!(parse_rfc3339("2026-11-21T23:32:03-01:30"), base);
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22T01:02:03",
            "2026-11-22T01:02:03+0200",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T01:60:00Z",
            "2026-11-22T01:02:03.Z",
            "2026-11-22T01:02:03Zjunk",
            "2026-1-22T01:02:03Z",
            "+026-11-22T01:02:03Z",
            "2026-11-22T01:02:03\u{e9}",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
