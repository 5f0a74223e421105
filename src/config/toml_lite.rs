//! A small TOML reader for the config file: the TOML 1.0 subset a config needs,
//! into a tree of [`Value`]s. It replaces the `toml` crate, which cost the
//! static binary more than the rest of the config code together.
//!
//! Supported: comments, `[table]` headers (dotted, quoted keys), bare and
//! quoted keys, dotted keys (`ui.detach_sequence = ...`), basic and literal
//! strings (also the `"""`/`'''` multi-line forms) with all TOML 1.0 escapes,
//! integers (decimal with `_` separators and a sign, `0x`/`0o`/`0b`), floats,
//! booleans, arrays (nested, multi-line, trailing comma) and inline tables.
//! TOML's rules hold: no duplicate keys, no table defined twice, inline tables
//! are closed, tables made by dotted keys are not reopened by headers.
//!
//! Not supported, and rejected with a clear error: dates and times, and arrays
//! of tables (`[[name]]`). Every error carries the 1-based line it was found on.
//! Tables are sorted by key (like the `toml` crate without `preserve_order`).

use std::collections::BTreeMap;
use std::fmt;

/// A TOML table: keys in sorted order.
pub type Table = BTreeMap<String, Value>;

/// A TOML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(String),
    Integer(i64),
    /// A float, as validated text that `f64::from_str` accepts: only
    /// [`Value::as_float`] turns it into a number (linger has no float
    /// settings, and float parsing is big in a static binary).
    Float(String),
    Boolean(bool),
    Array(Vec<Value>),
    Table(Table),
}

impl Value {
    /// "a string", "an integer": the type with its article, for messages.
    pub fn a_type(&self) -> String {
        let t = self.type_str();
        let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {t}")
    }

    /// The TOML type name: "string", "integer", "float", "boolean", "array", "table".
    pub fn type_str(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => f.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_table(&self) -> bool {
        matches!(self, Value::Table(_))
    }
}

/// A syntax error: the 1-based line and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for Error {}

/// Parse a whole document into its root table.
pub fn parse(text: &str) -> Result<Table, Error> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
    };
    p.document()
}

/// Arrays and inline tables nested deeper than this are refused (no stack overflow).
const MAX_DEPTH: usize = 64;

/// How a table came to exist, which decides how it may be extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Named on the way to a `[header]`; a header of its own may still define it.
    Implicit,
    /// Defined by its own `[header]`.
    Header,
    /// Made by a dotted key; more dotted keys (and sub-table headers) may add to it.
    Dotted,
    /// An inline table: closed.
    Inline,
}

/// The kind of every table reachable by a key path (the root is not listed).
type Kinds = BTreeMap<Vec<String>, Kind>;

/// A key path as it would be written: `a.b."c d"`.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for (i, k) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        let bare = !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if bare {
            out.push_str(k);
        } else {
            out.push_str(&format!("{k:?}"));
        }
    }
    out
}

/// Walk `path` down from `t`, creating missing tables as `create`. Existing
/// tables from index `check_from` on must allow it: a header may pass through
/// anything but an inline table, a dotted key only through tables made by
/// dotted keys.
fn descend<'t>(
    mut t: &'t mut Table,
    kinds: &mut Kinds,
    path: &[String],
    check_from: usize,
    create: Kind,
) -> Result<&'t mut Table, String> {
    for (i, key) in path.iter().enumerate() {
        let here = &path[..=i];
        let entry = t.entry(key.clone()).or_insert_with(|| {
            kinds.insert(here.to_vec(), create);
            Value::Table(Table::new())
        });
        let Value::Table(sub) = entry else {
            return Err(format!(
                "key `{}` is {}, not a table",
                dotted(here),
                entry.a_type()
            ));
        };
        if i >= check_from {
            match (kinds.get(here).copied(), create) {
                (Some(Kind::Inline), _) => {
                    return Err(format!(
                        "inline table `{}` cannot be extended",
                        dotted(here)
                    ))
                }
                (Some(Kind::Dotted), Kind::Dotted) | (_, Kind::Implicit) => {}
                _ => {
                    return Err(format!(
                        "table `{}` is defined elsewhere; dotted keys cannot add to it",
                        dotted(here)
                    ))
                }
            }
        }
        t = sub;
    }
    Ok(t)
}

/// Insert `value` at `base` + `keys` (a key/value line or an inline table entry).
fn insert(
    root: &mut Table,
    kinds: &mut Kinds,
    base: &[String],
    keys: Vec<String>,
    value: Value,
) -> Result<(), String> {
    let mut path = base.to_vec();
    path.extend(keys);
    let Some((last, parents)) = path.split_last() else {
        return Err("expected a key".into());
    };
    let t = descend(root, kinds, parents, base.len(), Kind::Dotted)?;
    if t.contains_key(last) {
        return Err(format!("duplicate key `{}`", dotted(&path)));
    }
    if value.is_table() {
        kinds.insert(path.clone(), Kind::Inline);
    }
    t.insert(last.clone(), value);
    Ok(())
}

/// Define the table of a `[header]`.
fn define(root: &mut Table, kinds: &mut Kinds, path: &[String]) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("expected a table name".into());
    };
    let t = descend(root, kinds, parents, 0, Kind::Implicit)?;
    match t.get(last) {
        None => {
            t.insert(last.clone(), Value::Table(Table::new()));
            kinds.insert(path.to_vec(), Kind::Header);
            Ok(())
        }
        Some(Value::Table(_)) => match kinds.get(path).copied() {
            Some(Kind::Implicit) => {
                kinds.insert(path.to_vec(), Kind::Header);
                Ok(())
            }
            Some(Kind::Inline) => Err(format!(
                "table [{}] is already defined as an inline table",
                dotted(path)
            )),
            Some(Kind::Dotted) => Err(format!(
                "table [{}] is already defined by dotted keys",
                dotted(path)
            )),
            _ => Err(format!("table [{}] is defined twice", dotted(path))),
        },
        Some(v) => Err(format!(
            "table [{}] is already defined as {}",
            dotted(path),
            v.a_type()
        )),
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    /// An error at byte offset `at`.
    fn err_at(&self, at: usize, message: impl Into<String>) -> Error {
        let line = 1 + self.b[..at.min(self.b.len())]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        Error {
            line,
            message: message.into(),
        }
    }

    fn err(&self, message: impl Into<String>) -> Error {
        self.err_at(self.pos, message)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.b[self.pos..].starts_with(s.as_bytes())
    }

    /// The character at the cursor, for messages.
    fn here(&self) -> String {
        match self.s[self.pos..].chars().next() {
            None => "end of file".into(),
            Some('\n' | '\r') => "end of line".into(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("`{c}`"),
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// A newline (`\n` or `\r\n`) at the cursor: consume it.
    fn newline(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b'\n') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'\r') if self.b.get(self.pos + 1) == Some(&b'\n') => {
                self.pos += 2;
                Ok(true)
            }
            Some(b'\r') => Err(self.err("carriage return without a newline")),
            _ => Ok(false),
        }
    }

    /// A `#` comment at the cursor: consume it up to (not including) the newline.
    fn comment(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'#') {
            return Ok(());
        }
        while let Some(c) = self.peek() {
            match c {
                b'\n' | b'\r' => break,
                b'\t' => {}
                c if c < 0x20 || c == 0x7f => {
                    return Err(self.err("control character in a comment"))
                }
                _ => {}
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// Whitespace, a comment, then the end of the line or file.
    fn end_of_line(&mut self, what: &str) -> Result<(), Error> {
        self.skip_ws();
        self.comment()?;
        if self.pos == self.b.len() || self.newline()? {
            Ok(())
        } else {
            Err(self.err(format!("unexpected {} after {what}", self.here())))
        }
    }

    /// Whitespace, comments and newlines (inside arrays).
    fn skip_blank(&mut self) -> Result<(), Error> {
        loop {
            self.skip_ws();
            self.comment()?;
            if !self.newline()? {
                return Ok(());
            }
        }
    }

    fn document(&mut self) -> Result<Table, Error> {
        let mut root = Table::new();
        let mut kinds = Kinds::new();
        let mut current: Vec<String> = Vec::new();
        loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                None => return Ok(root),
                Some(b'#' | b'\n' | b'\r') => self.end_of_line("a comment")?,
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek() == Some(b'[') {
                        return Err(self.err("arrays of tables ([[...]]) are not supported"));
                    }
                    self.skip_ws();
                    let path = self.key_path()?;
                    self.skip_ws();
                    if self.peek() != Some(b']') {
                        return Err(self.err(format!(
                            "expected `.` or `]` in the table header, found {}",
                            self.here()
                        )));
                    }
                    self.pos += 1;
                    self.end_of_line("the table header")?;
                    define(&mut root, &mut kinds, &path).map_err(|m| self.err_at(start, m))?;
                    current = path;
                }
                Some(_) => {
                    let (keys, value) = self.key_value(0)?;
                    self.end_of_line("the value")?;
                    insert(&mut root, &mut kinds, &current, keys, value)
                        .map_err(|m| self.err_at(start, m))?;
                }
            }
        }
    }

    /// `key = value`, the cursor on the key.
    fn key_value(&mut self, depth: usize) -> Result<(Vec<String>, Value), Error> {
        let keys = self.key_path()?;
        self.skip_ws();
        if self.peek() != Some(b'=') {
            return Err(self.err(format!(
                "expected `.` or `=` after a key, found {}",
                self.here()
            )));
        }
        self.pos += 1;
        self.skip_ws();
        let value = self.value(depth)?;
        Ok((keys, value))
    }

    /// `a.b."c"`: one or more keys separated by dots.
    fn key_path(&mut self) -> Result<Vec<String>, Error> {
        let mut keys = vec![self.key()?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.peek() != Some(b'.') {
                self.pos = save;
                return Ok(keys);
            }
            self.pos += 1;
            self.skip_ws();
            keys.push(self.key()?);
        }
    }

    /// One bare or quoted key.
    fn key(&mut self) -> Result<String, Error> {
        match self.peek() {
            Some(b'"' | b'\'') if self.starts_with("\"\"\"") || self.starts_with("'''") => {
                Err(self.err("a key cannot be a multi-line string"))
            }
            Some(b'"') => self.basic_string(),
            Some(b'\'') => self.literal_string(),
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(self.err(format!("expected a key, found {}", self.here())));
                }
                Ok(self.s[start..self.pos].to_string())
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth >= MAX_DEPTH {
            return Err(self.err("arrays and inline tables nested too deeply"));
        }
        match self.peek() {
            Some(b'"') if self.starts_with("\"\"\"") => self.ml_string(b'"').map(Value::String),
            Some(b'\'') if self.starts_with("'''") => self.ml_string(b'\'').map(Value::String),
            Some(b'"') => self.basic_string().map(Value::String),
            Some(b'\'') => self.literal_string().map(Value::String),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.inline_table(depth + 1),
            _ => self.scalar(),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        self.pos += 1; // [
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            items.push(self.value(depth)?);
            self.skip_blank()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => {
                    return Err(self.err(format!(
                        "expected `,` or `]` in an array, found {}",
                        self.here()
                    )))
                }
            }
        }
    }

    fn inline_table(&mut self, depth: usize) -> Result<Value, Error> {
        self.pos += 1; // {
        let mut table = Table::new();
        let mut kinds = Kinds::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Table(table));
        }
        loop {
            self.skip_ws();
            if matches!(self.peek(), Some(b'\n' | b'\r')) {
                return Err(self.err("an inline table must be on one line"));
            }
            if self.peek() == Some(b'}') {
                return Err(self.err("trailing comma in an inline table"));
            }
            let start = self.pos;
            let (keys, value) = self.key_value(depth)?;
            insert(&mut table, &mut kinds, &[], keys, value).map_err(|m| self.err_at(start, m))?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Table(table));
                }
                Some(b'\n' | b'\r') => return Err(self.err("an inline table must be on one line")),
                _ => {
                    return Err(self.err(format!(
                        "expected `,` or `}}` in an inline table, found {}",
                        self.here()
                    )))
                }
            }
        }
    }

    /// A control character other than tab is not allowed in strings.
    fn control(&self, c: u8) -> Result<(), Error> {
        if (c < 0x20 && c != b'\t') || c == 0x7f {
            Err(self.err(format!(
                "control character {:?} in a string (use an escape)",
                c as char
            )))
        } else {
            Ok(())
        }
    }

    /// `"..."`, the cursor on the opening quote.
    fn basic_string(&mut self) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n' | b'\r') => return Err(self.err_at(open, "unterminated string")),
                Some(b'"') => {
                    out.push_str(&self.s[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.s[run..self.pos]);
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                Some(c) => {
                    self.control(c)?;
                    self.pos += 1;
                }
            }
        }
    }

    /// An escape sequence, the cursor on the backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let at = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'b') => '\u{8}',
            Some(b't') => '\t',
            Some(b'n') => '\n',
            Some(b'f') => '\u{c}',
            Some(b'r') => '\r',
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(u @ (b'u' | b'U')) => {
                let n = if u == b'u' { 4 } else { 8 };
                let hex = self.b.get(self.pos + 1..self.pos + 1 + n);
                let code = hex
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
                let Some(code) = code else {
                    return Err(self.err_at(
                        at,
                        format!("invalid escape: \\{} needs {n} hex digits", u as char),
                    ));
                };
                let Some(c) = char::from_u32(code) else {
                    return Err(self.err_at(
                        at,
                        format!("invalid escape: U+{code:X} is not a Unicode scalar value"),
                    ));
                };
                self.pos += n;
                c
            }
            None | Some(b'\n' | b'\r') => {
                return Err(self.err_at(at, "invalid escape at the end of the line"))
            }
            Some(_) => return Err(self.err_at(at, format!("invalid escape \\{}", self.here()))),
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    /// `'...'`, the cursor on the opening quote.
    fn literal_string(&mut self) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n' | b'\r') => return Err(self.err_at(open, "unterminated string")),
                Some(b'\'') => {
                    self.pos += 1;
                    return Ok(self.s[start..self.pos - 1].to_string());
                }
                Some(c) => {
                    self.control(c)?;
                    self.pos += 1;
                }
            }
        }
    }

    /// `"""..."""` or `'''...'''`, the cursor on the opening quotes.
    fn ml_string(&mut self, q: u8) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 3;
        self.newline()?; // a newline right after the opening quotes is trimmed
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err_at(open, "unterminated multi-line string")),
                Some(c) if c == q => {
                    let n = self.b[self.pos..].iter().take_while(|&&c| c == q).count();
                    if n < 3 {
                        self.pos += n;
                        continue;
                    }
                    // Up to two quotes before the closing three belong to the string.
                    let n = n.min(5);
                    out.push_str(&self.s[run..self.pos + n - 3]);
                    self.pos += n;
                    return Ok(out);
                }
                Some(b'\\') if q == b'"' => {
                    out.push_str(&self.s[run..self.pos]);
                    let save = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if matches!(self.peek(), Some(b'\n' | b'\r')) {
                        // A line-ending backslash: drop it and all blank space after it.
                        while self.newline()? {
                            self.skip_ws();
                        }
                    } else {
                        self.pos = save;
                        self.escape(&mut out)?;
                    }
                    run = self.pos;
                }
                Some(b'\n' | b'\r') => {
                    self.newline()?;
                }
                Some(c) => {
                    self.control(c)?;
                    self.pos += 1;
                }
            }
        }
    }

    /// A boolean or a number, the cursor on its first character.
    fn scalar(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-' | b'.' | b':'))
        {
            self.pos += 1;
        }
        let tok = &self.s[start..self.pos];
        if tok.is_empty() {
            return Err(self.err(format!("expected a value, found {}", self.here())));
        }
        let bad = |what: &str| Err(self.err_at(start, format!("{what} `{tok}`")));
        match tok {
            "true" => return Ok(Value::Boolean(true)),
            "false" => return Ok(Value::Boolean(false)),
            "inf" | "+inf" | "-inf" | "nan" | "+nan" | "-nan" => {
                return Ok(Value::Float(tok.to_string()))
            }
            _ => {}
        }
        let unsigned = tok.trim_start_matches(['+', '-']);
        if unsigned.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return bad("invalid value (strings need quotes):");
        }
        let t = tok.as_bytes();
        let is_date = tok.contains(':')
            || (t.len() >= 5 && t[..4].iter().all(u8::is_ascii_digit) && t[4] == b'-');
        if is_date {
            return bad("dates and times are not supported:");
        }
        if let Some(radix) = match tok.get(..2) {
            Some("0x") => Some(16),
            Some("0o") => Some(8),
            Some("0b") => Some(2),
            _ => None,
        } {
            return match digits(&tok[2..], radix) {
                Some(d) => match i64::from_str_radix(&d, radix) {
                    Ok(n) => Ok(Value::Integer(n)),
                    Err(_) => bad("integer out of range:"),
                },
                None => bad("invalid number"),
            };
        }
        let (sign, body) = match t[0] {
            b'+' | b'-' => (&tok[..1], &tok[1..]),
            _ => ("", tok),
        };
        // The integer part: no leading zeros.
        let int_len = body.find(['.', 'e', 'E']).unwrap_or(body.len());
        let (int, rest) = body.split_at(int_len);
        let Some(int) = digits(int, 10) else {
            return bad("invalid number");
        };
        if int.len() > 1 && int.starts_with('0') {
            return bad("leading zeros are not allowed:");
        }
        if rest.is_empty() {
            return match format!("{sign}{int}").parse::<i64>() {
                Ok(n) => Ok(Value::Integer(n)),
                Err(_) => bad("integer out of range:"),
            };
        }
        // A float: int, then `.digits`, `e[+-]digits` or both.
        let (frac, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let mut text = format!("{sign}{int}");
        if !frac.is_empty() {
            match frac.strip_prefix('.').and_then(|f| digits(f, 10)) {
                Some(f) => text = format!("{text}.{f}"),
                None => return bad("invalid number"),
            }
        }
        if let Some(exp) = exp {
            let (esign, e) = match exp.as_bytes().first() {
                Some(b'+' | b'-') => exp.split_at(1),
                _ => ("", exp),
            };
            match digits(e, 10) {
                Some(e) => text = format!("{text}e{esign}{e}"),
                None => return bad("invalid number"),
            }
        }
        Ok(Value::Float(text))
    }
}

/// `s` as digits of `radix` with single `_` between digits allowed; the digits
/// without the underscores, or None.
fn digits(s: &str, radix: u32) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut prev_digit = false;
    for c in s.chars() {
        if c == '_' {
            if !prev_digit {
                return None;
            }
            prev_digit = false;
        } else if c.is_digit(radix) {
            out.push(c);
            prev_digit = true;
        } else {
            return None;
        }
    }
    prev_digit.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Table {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    /// The value of `x = <v>`.
    fn val(v: &str) -> Value {
        let mut t = ok(&format!("x = {v}"));
        t.remove("x").unwrap()
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    /// The error for `text` as "line N: message".
    fn err(text: &str) -> String {
        match parse(text) {
            Ok(t) => panic!("{text:?}: expected an error, got {t:?}"),
            Err(e) => {
                assert!(!e.message.contains('\n'), "{e}");
                e.to_string()
            }
        }
    }

    fn table(pairs: &[(&str, Value)]) -> Value {
        Value::Table(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn strings() {
        assert_eq!(val(r#""plain""#), s("plain"));
        assert_eq!(val(r#""""#), s(""));
        assert_eq!(val(r#""café ☕""#), s("café ☕"));
        assert_eq!(
            val(r#""q\" b\\ n\n t\t r\r b\b f\f""#),
            s("q\" b\\ n\n t\t r\r b\u{8} f\u{c}")
        );
        assert_eq!(val(r#""\u00e9\U0001F600\u0000""#), s("é😀\0"));
        assert_eq!(val("\"tab\tinside\""), s("tab\tinside"));
        assert_eq!(val(r"'C:\path\n'"), s(r"C:\path\n"));
        assert_eq!(val("''"), s(""));
        assert_eq!(val(r#"'say "hi"'"#), s(r#"say "hi""#));
        // Multi-line basic: first newline trimmed, line-ending backslash, quotes.
        assert_eq!(val("\"\"\"\none\ntwo\"\"\""), s("one\ntwo"));
        assert_eq!(val("\"\"\"a \\\n    \n   b\"\"\""), s("a b"));
        assert_eq!(val("\"\"\"a \\  \r\n b\"\"\""), s("a b"));
        assert_eq!(val(r#""""say "hi"""""#), s(r#"say "hi""#));
        assert_eq!(val("\"\"\"two\"\"\"\"\""), s("two\"\""));
        assert_eq!(val(r#""""a""b\tc""""#), s("a\"\"b\tc"));
        assert_eq!(val("\"\"\"x\r\ny\"\"\""), s("x\r\ny"));
        // Multi-line literal: no escapes.
        assert_eq!(val("'''\nraw \\n\n'''"), s("raw \\n\n"));
        assert_eq!(val("''''quoted'''''"), s("'quoted''"));
    }

    #[test]
    fn numbers_and_booleans() {
        for (text, n) in [
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("42", 42),
            ("+17", 17),
            ("-17", -17),
            ("1_000_000", 1_000_000),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("0xDEAD_beef", 0xdead_beef),
            ("0o755", 0o755),
            ("0b1010", 10),
            ("0x7fffffffffffffff", i64::MAX),
        ] {
            assert_eq!(val(text), Value::Integer(n), "{text}");
        }
        for (text, f) in [
            ("1.5", 1.5),
            ("-0.25", -0.25),
            ("+3.0", 3.0),
            ("1e3", 1000.0),
            ("6.25E-2", 0.0625),
            ("1_000.000_1", 1000.0001),
            ("2e+0_2", 200.0),
            ("0.0", 0.0),
            ("inf", f64::INFINITY),
            ("+inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
        ] {
            assert_eq!(val(text).as_float(), Some(f), "{text}");
        }
        assert!(val("nan").as_float().unwrap().is_nan());
        assert!(val("-nan").as_float().unwrap().is_nan());
        assert_eq!(val("true"), Value::Boolean(true));
        assert_eq!(val("false").as_bool(), Some(false));
    }

    #[test]
    fn arrays_and_inline_tables() {
        assert_eq!(val("[]"), Value::Array(vec![]));
        assert_eq!(
            val(r#"[ "a", 'b', 1, true, [2, [3]], { k = "v" } ]"#),
            Value::Array(vec![
                s("a"),
                s("b"),
                Value::Integer(1),
                Value::Boolean(true),
                Value::Array(vec![
                    Value::Integer(2),
                    Value::Array(vec![Value::Integer(3)])
                ]),
                table(&[("k", s("v"))]),
            ])
        );
        assert_eq!(
            val("[\n  \"claude\",  # the program\n\n  \"--resume\", # trailing comma\n]"),
            Value::Array(vec![s("claude"), s("--resume")])
        );
        assert_eq!(val("{}"), table(&[]));
        assert_eq!(val("{ }"), table(&[]));
        assert_eq!(
            val(r#"{ A = "1", "b c" = '2', d.e = 3, d.f = 4 }"#),
            table(&[
                ("A", s("1")),
                ("b c", s("2")),
                (
                    "d",
                    table(&[("e", Value::Integer(3)), ("f", Value::Integer(4))])
                ),
            ])
        );
        assert_eq!(
            val("{ t = { u = [1] } }"),
            table(&[("t", table(&[("u", Value::Array(vec![Value::Integer(1)]))]))])
        );
    }

    #[test]
    fn keys_tables_and_comments() {
        let t = ok(r#"
# leading comment
top = 1 # after a value
"quoted key" = 2
'lit.key' = 3
a.b.c = 4
a . b . d = 5
bare-key_09 = 6
[t1]   # after a header
x = 1
[ t2 . "my app" . 'v.2' ]
y = 2
[t3.sub]
z = 3
[t3]
w = 4
[a.b.e]
q = 5
"#);
        let int = |n| Value::Integer(n);
        assert_eq!(t["top"], int(1));
        assert_eq!(t["quoted key"], int(2));
        assert_eq!(t["lit.key"], int(3));
        assert_eq!(t["bare-key_09"], int(6));
        assert_eq!(
            t["a"],
            table(&[(
                "b",
                table(&[("c", int(4)), ("d", int(5)), ("e", table(&[("q", int(5))]))])
            )])
        );
        assert_eq!(t["t1"], table(&[("x", int(1))]));
        assert_eq!(
            t["t2"],
            table(&[("my app", table(&[("v.2", table(&[("y", int(2))]))]))])
        );
        assert_eq!(
            t["t3"],
            table(&[("sub", table(&[("z", int(3))])), ("w", int(4))])
        );
        // CRLF line endings, no final newline, comment at the end of the file.
        let t = ok("[ui]\r\ndetach_sequence = \"ctrl-a d\"\r\n# end");
        assert_eq!(t["ui"], table(&[("detach_sequence", s("ctrl-a d"))]));
        assert_eq!(ok(""), Table::new());
        assert_eq!(ok("\n\n  \t\n# only a comment"), Table::new());
        // Keys are sorted.
        let keys: Vec<_> = ok("b = 1\na = 2\nc = 3").into_keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    #[test]
    fn value_accessors() {
        let v = val("[1]");
        assert_eq!(v.type_str(), "array");
        assert_eq!(v.as_array().map(Vec::len), Some(1));
        assert_eq!(v.as_str(), None);
        assert_eq!(val("7").as_integer(), Some(7));
        assert_eq!(val("'s'").as_str(), Some("s"));
        assert!(val("{}").is_table() && val("{}").as_table().is_some());
        let types: Vec<_> = ["''", "1", "1.0", "true", "[]", "{}"]
            .iter()
            .map(|v| val(v).type_str())
            .collect();
        assert_eq!(
            types,
            ["string", "integer", "float", "boolean", "array", "table"]
        );
    }

    #[test]
    fn spec_example() {
        let t = ok(r#"[ui]
detach_sequence = "ctrl-] d"   # default; space-separated key presses, at least two

[session]
scrollback_lines = 10000        # lines of history kept per session
scrollback_bytes = "4MiB"       # and never more than this many bytes of it
idle_ttl = "off"                # or a duration: "90m", "24h", "7d"

[profiles.claude-code]          # named presets for `run --profile`
command = ["claude"]
workdir = "~/projects/api"
env = { CLAUDE_CONFIG_DIR = "~/.claude" }

[profiles."build.v2"]
command = [
    "make",
    "-j4",   # parallel
]
"#);
        let want = table(&[
            ("ui", table(&[("detach_sequence", s("ctrl-] d"))])),
            (
                "session",
                table(&[
                    ("scrollback_lines", Value::Integer(10000)),
                    ("scrollback_bytes", s("4MiB")),
                    ("idle_ttl", s("off")),
                ]),
            ),
            (
                "profiles",
                table(&[
                    (
                        "claude-code",
                        table(&[
                            ("command", Value::Array(vec![s("claude")])),
                            ("workdir", s("~/projects/api")),
                            ("env", table(&[("CLAUDE_CONFIG_DIR", s("~/.claude"))])),
                        ]),
                    ),
                    (
                        "build.v2",
                        table(&[("command", Value::Array(vec![s("make"), s("-j4")]))]),
                    ),
                ]),
            ),
        ]);
        assert_eq!(Value::Table(t), want);
    }

    #[test]
    fn errors_give_line_and_reason() {
        let cases: &[(&str, &str)] = &[
            // Keys and tables defined twice.
            ("a = 1\na = 2", "line 2: duplicate key `a`"),
            ("a = 1\n\"a\" = 2", "line 2: duplicate key `a`"),
            ("[t]\nx.y = 1\nx.y = 2", "line 3: duplicate key `t.x.y`"),
            ("[t]\n\n[t]", "line 3: table [t] is defined twice"),
            ("[a.b]\n[a]\n[a]", "line 3: table [a] is defined twice"),
            (
                "a = 1\n[a]",
                "line 2: table [a] is already defined as an integer",
            ),
            ("a = 1\n[a.b]", "line 2: key `a` is an integer, not a table"),
            (
                "a = {}\n[a]",
                "line 2: table [a] is already defined as an inline table",
            ),
            (
                "a = {}\n[a.b]",
                "line 2: inline table `a` cannot be extended",
            ),
            (
                "a = { b = 1 }\na.c = 2",
                "line 2: inline table `a` cannot be extended",
            ),
            (
                "a.b = 1\n[a]",
                "line 2: table [a] is already defined by dotted keys",
            ),
            (
                "[t]\na.b = 1\n[t.a]",
                "line 3: table [t.a] is already defined by dotted keys",
            ),
            (
                "[a.b]\nx = 1\n[a]\nb.y = 2",
                "line 4: table `a.b` is defined elsewhere; dotted keys cannot add to it",
            ),
            ("x = { a = 1, a = 2 }", "line 1: duplicate key `a`"),
            (
                "x = [1]\nx.y = 2",
                "line 2: key `x` is an array, not a table",
            ),
            (
                "[profiles.\"my app\"]\n[profiles.\"my app\"]",
                "line 2: table [profiles.\"my app\"] is defined twice",
            ),
            // Strings.
            ("x = \"open\ny = 1", "line 1: unterminated string"),
            ("\n\nx = 'open", "line 3: unterminated string"),
            (
                "x = \"\"\"\nopen\n\"\"",
                "line 1: unterminated multi-line string",
            ),
            ("x = '''\nopen", "line 1: unterminated multi-line string"),
            ("\nx = \"bad \\q\"", "line 2: invalid escape \\`q`"),
            ("x = \"\\x41\"", "line 1: invalid escape \\`x`"),
            (
                "x = \"\\u12\"",
                "line 1: invalid escape: \\u needs 4 hex digits",
            ),
            (
                "x = \"\\U0000004\"",
                "line 1: invalid escape: \\U needs 8 hex digits",
            ),
            (
                "x = \"\\uD800\"",
                "line 1: invalid escape: U+D800 is not a Unicode scalar value",
            ),
            (
                "x = \"\\U00110000\"",
                "line 1: invalid escape: U+110000 is not a Unicode scalar value",
            ),
            ("x = \"\"\"\n\n\\q\"\"\"", "line 3: invalid escape \\`q`"),
            (
                "x = \"a\u{1}b\"",
                "line 1: control character '\\u{1}' in a string (use an escape)",
            ),
            (
                "x = 'a\u{7f}b'",
                "line 1: control character '\\u{7f}' in a string (use an escape)",
            ),
            (
                "x = 1 # bell \u{7}",
                "line 1: control character in a comment",
            ),
            ("x = \"a\"\r", "line 1: carriage return without a newline"),
            (
                "\"\"\"k\"\"\" = 1",
                "line 1: a key cannot be a multi-line string",
            ),
            // Junk after values and headers.
            ("x = \"a\" \"b\"", "line 1: unexpected `\"` after the value"),
            ("\nx = 1 2", "line 2: unexpected `2` after the value"),
            (
                "x = 'a' # ok\ny = true false",
                "line 2: unexpected `f` after the value",
            ),
            ("[t] x = 1", "line 1: unexpected `x` after the table header"),
            ("[t]]", "line 1: unexpected `]` after the table header"),
            // Structure.
            (
                "[ui]\n\n[session\n",
                "line 3: expected `.` or `]` in the table header, found end of line",
            ),
            ("[]", "line 1: expected a key, found `]`"),
            ("[a.]", "line 1: expected a key, found `]`"),
            ("= 1", "line 1: expected a key, found `=`"),
            (
                "x",
                "line 1: expected `.` or `=` after a key, found end of file",
            ),
            (
                "x y = 1",
                "line 1: expected `.` or `=` after a key, found `y`",
            ),
            ("x = ", "line 1: expected a value, found end of file"),
            ("x =\ny = 1", "line 1: expected a value, found end of line"),
            ("x = ]", "line 1: expected a value, found `]`"),
            (
                "[[t]]",
                "line 1: arrays of tables ([[...]]) are not supported",
            ),
            (
                "x = [1 2]",
                "line 1: expected `,` or `]` in an array, found `2`",
            ),
            (
                "x = [1,\n2,\n",
                "line 3: expected a value, found end of file",
            ),
            ("x = [,]", "line 1: expected a value, found `,`"),
            (
                "x = { a = 1 b = 2 }",
                "line 1: expected `,` or `}` in an inline table, found `b`",
            ),
            (
                "x = { a = 1, }",
                "line 1: trailing comma in an inline table",
            ),
            (
                "x = { a = 1,\n b = 2 }",
                "line 1: an inline table must be on one line",
            ),
            (
                "x = { a = 1\n}",
                "line 1: an inline table must be on one line",
            ),
            ("x = {", "line 1: expected a key, found end of file"),
            // Scalars.
            (
                "x = claude",
                "line 1: invalid value (strings need quotes): `claude`",
            ),
            (
                "x = True",
                "line 1: invalid value (strings need quotes): `True`",
            ),
            (
                "x = 1979-05-27",
                "line 1: dates and times are not supported: `1979-05-27`",
            ),
            (
                "x = 07:32:00",
                "line 1: dates and times are not supported: `07:32:00`",
            ),
            (
                "x = 1979-05-27T07:32:00Z",
                "line 1: dates and times are not supported: `1979-05-27T07:32:00Z`",
            ),
            ("x = 012", "line 1: leading zeros are not allowed: `012`"),
            ("x = 1__0", "line 1: invalid number `1__0`"),
            ("x = _1", "line 1: invalid number `_1`"),
            ("x = 1_", "line 1: invalid number `1_`"),
            (
                "x = 9223372036854775808",
                "line 1: integer out of range: `9223372036854775808`",
            ),
            (
                "x = -9223372036854775809",
                "line 1: integer out of range: `-9223372036854775809`",
            ),
            (
                "x = 0xffffffffffffffff",
                "line 1: integer out of range: `0xffffffffffffffff`",
            ),
            ("x = 0x", "line 1: invalid number `0x`"),
            ("x = 0x_1", "line 1: invalid number `0x_1`"),
            ("x = -0x1", "line 1: invalid number `-0x1`"),
            ("x = 0b102", "line 1: invalid number `0b102`"),
            ("x = 1.", "line 1: invalid number `1.`"),
            ("x = .5", "line 1: invalid number `.5`"),
            ("x = 1.2.3", "line 1: invalid number `1.2.3`"),
            ("x = 1e", "line 1: invalid number `1e`"),
            ("x = 1e5.0", "line 1: invalid number `1e5.0`"),
            ("x = 1.e5", "line 1: invalid number `1.e5`"),
            ("x = 00.5", "line 1: leading zeros are not allowed: `00.5`"),
        ];
        for (text, want) in cases {
            assert_eq!(&err(text), want, "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            err(&deep),
            "line 1: arrays and inline tables nested too deeply"
        );
        let deep = format!("x = {}", "{ a = ".repeat(10_000));
        assert!(err(&deep).contains("nested too deeply"));
        let ok_depth = format!("x = {}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        ok(&ok_depth);
    }

    /// Thousands of mutated and random documents: always Ok or Err, never a panic.
    #[test]
    fn no_panics_on_garbage() {
        let seeds = [
            "[ui]\ndetach_sequence = \"ctrl-] d\"   # c\n",
            "[session]\nscrollback_lines = 1_000\nscrollback_bytes = \"4MiB\"\nidle_ttl = 0x10\n",
            "[profiles.\"my app\"]\ncommand = [\"a\", 'b',\n \"\"\"c\\\n d\"\"\", '''e''']\nenv = { A = \"\\u00e9\", b.c = 1.5e3 }\n",
            "a.b = [[1, 2], [true], {x = -inf}]\n[c.d]\n",
        ];
        let alphabet: &[u8] = b"[]{}=.,\"'\\#\n\r\t _-+0123456789abcdefxobeEuUtrnsi:\x01\x7f";
        let pieces = [
            "\"",
            "'",
            "\"\"\"",
            "'''",
            "\\u",
            "\\U0010FFFF",
            "é",
            "☕",
            "[[",
            "]]",
            "{",
            "}",
            "=",
            "\n",
            "\r\n",
            "#",
            "0x",
            "1e",
            "_",
            ".",
            "inf",
            "nan",
            "1979-05-27",
            "\\",
        ];
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        let (mut oks, mut errs) = (0, 0);
        for round in 0..20_000 {
            let mut doc: Vec<u8> = if round % 5 == 4 {
                Vec::new()
            } else {
                seeds[next(seeds.len())].as_bytes().to_vec()
            };
            for _ in 0..1 + next(6) {
                let at = if doc.is_empty() {
                    0
                } else {
                    next(doc.len() + 1)
                };
                match next(4) {
                    0 if !doc.is_empty() => {
                        let end = (at + 1 + next(8)).min(doc.len());
                        doc.drain(at.min(end)..end);
                    }
                    1 => {
                        let p = pieces[next(pieces.len())].as_bytes();
                        doc.splice(at..at, p.iter().copied());
                    }
                    _ => doc.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            // Only valid UTF-8 reaches the parser (config.rs checks it first).
            let text = String::from_utf8_lossy(&doc);
            match parse(&text) {
                Ok(_) => oks += 1,
                Err(e) => {
                    assert!(
                        e.line >= 1 && e.line <= 1 + text.matches('\n').count(),
                        "{e}"
                    );
                    assert!(!e.message.is_empty() && !e.message.contains('\n'), "{e}");
                    errs += 1;
                }
            }
        }
        assert!(oks > 100 && errs > 100, "{oks} ok, {errs} errors");
    }
}
