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
    Float(f64),
    Boolean(bool),
    Array(Vec<Value>),
    Table(Table),
}

impl Value {
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
            Value::Float(f) => Some(*f),
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
                a_type(entry)
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
            a_type(v)
        )),
    }
}

/// "a string", "an integer".
fn a_type(v: &Value) -> String {
    let t = v.type_str();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
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
            "inf" | "+inf" => return Ok(Value::Float(f64::INFINITY)),
            "-inf" => return Ok(Value::Float(f64::NEG_INFINITY)),
            "nan" | "+nan" | "-nan" => return Ok(Value::Float(f64::NAN)),
            _ => {}
        }
        let unsigned = tok.trim_start_matches(['+', '-']);
        if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
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
        match text.parse::<f64>() {
            Ok(f) => Ok(Value::Float(f)),
            Err(_) => bad("invalid number"),
        }
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
