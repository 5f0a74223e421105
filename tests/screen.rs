//! Screen model tests: golden screens, recordings checked against tmux,
//! round trips through the renderer, robustness and throughput.
//!
//! Fixtures live in `tests/screen/`:
//! - `NAME.in`: the program output. Raw bytes, or, when the file starts with
//!   a line `#esc COLSxROWS`, a textual form: `\e` ESC, `\a` BEL, `\r`, `\n`,
//!   `\t`, `\b`, `\xHH` a byte, `\\` a backslash; literal newlines are
//!   ignored (so each sequence can sit on its own line) and lines starting
//!   with `#` are comments. Raw fixtures are 80x24 unless the `.txt` says
//!   otherwise.
//! - `NAME.txt`: the expected `render::dump` (size, cursor, modes, rows,
//!   style markers). `LINGER_BLESS=1 cargo test --test screen` rewrites it.
//! - `NAME.tmux` (recordings only): `tmux capture-pane -p` of the same
//!   moment; the model's plain rows must equal it. `scripts/record-fixture.sh`
//!   makes both files.
//!
//! Where xterm and tmux disagree the model follows xterm, and goldens note
//! it (backspace in the wrap-pending state, HPR, CHT, REP across the margin,
//! charsets saved by DECSC, a wide character's orphaned half).
//!
//! Longer runs: `LINGER_STREAMS=60000 LINGER_SEED=7` for the round trips,
//! `LINGER_FUZZ_MB=200` for the random bytes (use `--release`).
//! Throughput: `cargo test --release --test screen screen_throughput --
//! --ignored --nocapture`.

use std::path::PathBuf;

use linger::screen::cell::Style;
use linger::screen::render::{self, Lines, Redraw};
use linger::screen::{Limits, Screen};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/screen")
}

fn parse_size(line: &str) -> Option<(u16, u16)> {
    let spec = line.split_whitespace().find(|w| w.contains('x'))?;
    let (c, r) = spec.split_once('x')?;
    Some((c.parse().ok()?, r.parse().ok()?))
}

/// Decode the textual fixture form (see the module docs).
fn decode_esc(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        if line.starts_with('#') {
            continue;
        }
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'\\' || i + 1 >= b.len() {
                out.push(b[i]);
                i += 1;
                continue;
            }
            i += 2;
            match b[i - 1] {
                b'e' => out.push(0x1b),
                b'a' => out.push(0x07),
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'b' => out.push(0x08),
                b'x' => {
                    let hex = std::str::from_utf8(&b[i..i + 2]).expect("hex digits");
                    out.push(u8::from_str_radix(hex, 16).expect("hex byte"));
                    i += 2;
                }
                other => out.push(other),
            }
        }
    }
    out
}

/// The bytes and size of fixture `name`.
fn fixture(name: &str) -> (Vec<u8>, (u16, u16)) {
    let raw = std::fs::read(dir().join(format!("{name}.in"))).expect("read .in");
    if raw.starts_with(b"#esc ") {
        let text = String::from_utf8(raw).expect("textual fixture is UTF-8");
        let size = parse_size(text.lines().next().unwrap_or("")).expect("#esc COLSxROWS");
        return (decode_esc(&text), size);
    }
    let size = std::fs::read_to_string(dir().join(format!("{name}.txt")))
        .ok()
        .and_then(|t| t.lines().next().and_then(parse_size))
        .unwrap_or((80, 24));
    (raw, size)
}

fn run(input: &[u8], size: (u16, u16)) -> Screen {
    let mut s = Screen::new(size.0, size.1, Limits::default());
    s.feed(input);
    s
}

/// Tiny xorshift PRNG: reproducible streams without a rand dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Render `a` both ways, feed each to a fresh model of the same size and
/// require the same state. For `Attach`, the fresh model's history must end
/// with `a`'s last lines.
fn round_trip(a: &Screen, what: &str) {
    let (cols, rows) = a.size();
    let b = run(&render::redraw(a, Redraw::Resync), (cols, rows));
    if let Err(e) = a.state_eq(&b) {
        panic!("{what}: Resync round trip differs: {e}");
    }
    let n = 5;
    let bytes = render::redraw(a, Redraw::Attach { history: n });
    assert!(
        !bytes.windows(4).any(|w| w == b"\x1b[3J"),
        "{what}: Attach emitted CSI 3 J"
    );
    let b = run(&bytes, (cols, rows));
    if let Err(e) = a.state_eq(&b) {
        panic!("{what}: Attach round trip differs: {e}");
    }
    // History is kept as logical lines, independent of the width, so the
    // fresh model must end with the same lines. The newest line of `a` may
    // still continue on the screen (soft-wrapped into a row since erased):
    // compare with trailing blanks trimmed, as a finished line is.
    let ha = a.term().history.materialized();
    let hb = b.term().history.materialized();
    let want: Vec<_> = ha
        .iter()
        .skip(ha.len().saturating_sub(n))
        .map(norm)
        .collect();
    let got: Vec<_> = hb
        .iter()
        .skip(hb.len().saturating_sub(want.len()))
        .map(norm)
        .collect();
    // One column cannot show a wide character: nothing to compare then.
    if cols >= 2 {
        assert_eq!(got, want, "{what}: Attach history tail differs");
    }
}

/// A history line's text and spans without trailing default blanks.
fn norm(l: &linger::screen::history::Line) -> (String, Vec<(u32, Style)>) {
    let mut text = l.text.clone();
    let mut spans = l.spans.clone();
    let mut width = l.width;
    let end_default = |spans: &[(u32, Style)]| match spans.last() {
        Some(s) => s.1.is_default(),
        None => true,
    };
    while text.ends_with(' ') && end_default(&spans) {
        text.pop();
        width -= 1;
        while spans.last().is_some_and(|s| s.0 >= width) {
            spans.pop();
        }
    }
    (text, spans)
}

fn check(name: &str) {
    let (input, size) = fixture(name);
    let s = run(&input, size);
    let got = render::dump(&s);
    let txt = dir().join(format!("{name}.txt"));
    if std::env::var_os("LINGER_BLESS").is_some() {
        std::fs::write(&txt, &got).expect("bless");
    } else {
        let want = std::fs::read_to_string(&txt).unwrap_or_default();
        assert!(
            want == got,
            "{name}: screen differs (LINGER_BLESS=1 accepts)\n--- want\n{want}--- got\n{got}"
        );
    }
    // Same result whatever the chunking: sequences and UTF-8 split anywhere.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ input.len() as u64);
    let mut chunked = Screen::new(size.0, size.1, Limits::default());
    let mut rest = &input[..];
    while !rest.is_empty() {
        let n = (1 + rng.below(17) as usize).min(rest.len());
        chunked.feed(&rest[..n]);
        rest = &rest[n..];
    }
    assert_eq!(render::dump(&chunked), got, "{name}: chunked feed differs");
    // Recordings: the model's rows equal tmux's capture of the same moment.
    if let Ok(tmux) = std::fs::read_to_string(dir().join(format!("{name}.tmux"))) {
        let mut want: Vec<&str> = tmux.lines().map(str::trim_end).collect();
        while want.last() == Some(&"") {
            want.pop();
        }
        let got = render::text_lines(&s, Lines::Screen, false);
        let got: Vec<&str> = got.iter().map(|l| l.trim_end()).collect();
        assert_eq!(got, want, "{name}: rows differ from tmux capture-pane");
    }
    round_trip(&s, name);
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { check(stringify!($name)); } )*
    };
}

golden!(
    text_wrap,
    erase,
    scroll_region,
    wide_chars,
    combining,
    tabs,
    origin_mode,
    insert_mode,
    dec_graphics,
    sgr_variants,
    alt_screen_restore,
    pending_wrap,
    save_restore,
    ris,
    modes,
    title,
    insert_delete,
    rep,
    scroll_up_down,
    cursor_motion,
    soft_reset,
    kitty_keyboard,
    backspace_pending_wrap,
    hyperlinks,
);

golden!(
    rec_vim,
    rec_less,
    rec_htop,
    rec_man,
    rec_ls_color,
    rec_wide,
    rec_top,
    rec_git_log,
    rec_bash,
    rec_wide_edge,
    rec_vim_scroll,
    rec_ink,
    rec_vim_split,
    rec_htop_tree,
    rec_less_chop,
);

/// Every fixture on disk has a test above (a new one must be listed).
#[test]
fn every_fixture_is_listed() {
    let src = std::fs::read_to_string(file!()).expect("read tests/screen.rs");
    for entry in std::fs::read_dir(dir()).expect("fixture dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "in") {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            assert!(
                src.contains(&format!(" {stem},")) || src.contains(&format!("({stem},")),
                "fixture {stem} has no golden! entry"
            );
        }
    }
}

// ---- random streams ----

const SGRS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "4:3",
    "4:0",
    "21",
    "5",
    "7",
    "8",
    "9",
    "53",
    "22",
    "23",
    "24",
    "27",
    "31",
    "42",
    "97",
    "104",
    "39",
    "49",
    "38;5;123",
    "48;5;17",
    "38;2;10;20;30",
    "38:2::1:2:3",
    "48:2:4:5:6",
    "58:5:9",
    "58;2;1;2;3",
    "59",
    "1;4;31;44",
];

const MODES: &[&str] = &[
    "?1", "?6", "?7", "?25", "?47", "?1047", "?1048", "?1049", "?2004", "?1000", "?1002", "?1003",
    "?1006", "?1005", "?1004", "4", "?2026",
];

/// A weighted mix of text and the control sequences the model supports.
fn random_stream(rng: &mut Rng, len: usize, cols: u16, rows: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let n = |rng: &mut Rng, max: u16| rng.below(max as u64 + 3);
    while out.len() < len {
        let piece: String = match rng.below(100) {
            0..=29 => {
                let k = 1 + rng.below(12);
                (0..k)
                    .map(|_| (b' ' + rng.below(95) as u8) as char)
                    .collect()
            }
            30..=35 => rng
                .pick(&["中", "文字", "😀", "ｶ", "é", "e\u{301}", "\u{301}", "─"])
                .to_string(),
            36..=45 => rng
                .pick(&["\r", "\n", "\r\n", "\x08", "\t", "\x0e", "\x0f", "\x0b"])
                .to_string(),
            46..=55 => {
                let p: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(SGRS)).collect();
                format!("\x1b[{}m", p.join(";"))
            }
            56..=65 => {
                let r = n(rng, rows);
                let c = n(rng, cols);
                match rng.below(16) {
                    0 => format!("\x1b[{r};{c}H"),
                    1 => format!("\x1b[{r}A"),
                    2 => format!("\x1b[{r}B"),
                    3 => format!("\x1b[{c}C"),
                    4 => format!("\x1b[{c}D"),
                    5 => format!("\x1b[{r}E"),
                    6 => format!("\x1b[{r}F"),
                    7 => format!("\x1b[{c}G"),
                    8 => format!("\x1b[{r}d"),
                    9 => format!("\x1b[{c}`"),
                    10 => format!("\x1b[{c}a"),
                    11 => format!("\x1b[{r}e"),
                    12 => format!("\x1b[{r};{c}f"),
                    13 => format!("\x1b[{}I", rng.below(3)),
                    14 => format!("\x1b[{}Z", rng.below(3)),
                    _ => "\x1b[H".into(),
                }
            }
            66..=75 => {
                let k = rng.below(4);
                match rng.below(14) {
                    0 => format!("\x1b[{}J", rng.below(4)),
                    1 => format!("\x1b[{}K", rng.below(3)),
                    2 => format!("\x1b[{k}X"),
                    3 => format!("\x1b[{k}L"),
                    4 => format!("\x1b[{k}M"),
                    5 => format!("\x1b[{k}@"),
                    6 => format!("\x1b[{k}P"),
                    7 => format!("\x1b[{k}S"),
                    8 => format!("\x1b[{k}T"),
                    9 => format!("\x1b[{k}b"),
                    10 => format!("\x1b[{};{}r", n(rng, rows), n(rng, rows)),
                    11 => "\x1b[r".into(),
                    12 => format!("\x1b[{}g", rng.pick(&[0, 3])),
                    _ => "\x1bH".into(),
                }
            }
            76..=83 => {
                let m = rng.pick(MODES);
                let hl = if rng.below(2) == 0 { 'h' } else { 'l' };
                format!("\x1b[{m}{hl}")
            }
            84..=91 => rng
                .pick(&[
                    "\x1b7",
                    "\x1b8",
                    "\x1b[s",
                    "\x1b[u",
                    "\x1bD",
                    "\x1bE",
                    "\x1bM",
                    "\x1b=",
                    "\x1b>",
                    "\x1b(0",
                    "\x1b(B",
                    "\x1b)0",
                    "\x1b)B",
                    "\x1b[!p",
                    "\x1b[3 q",
                    "\x1b[0 q",
                    "\x1b[>1u",
                    "\x1b[>5u",
                    "\x1b[<u",
                    "\x1b[<3u",
                    "\x1b[=3;1u",
                    "\x1b[=8;2u",
                    "\x1b[>4;2m",
                    "\x1b[>4m",
                    "\x1b[6n",
                    "\x1b[c",
                ])
                .to_string(),
            92..=94 => format!("\x1b]2;title {}\x07", rng.below(100)),
            95 => match rng.below(3) {
                0 => "\x1b]0;icon and title\x1b\\".into(),
                1 => format!("\x1b]8;;https://e.x/{}\x1b\\", rng.below(4)),
                _ => "\x1b]8;;\x07".into(),
            },
            96 => "\x1bc".into(),
            _ => {
                // Long runs to scroll and fill history.
                let k = rng.below(3 * cols as u64 + 1);
                let mut s: String = (0..k).map(|i| (b'a' + (i % 26) as u8) as char).collect();
                s.push_str("\r\n");
                s
            }
        };
        out.extend_from_slice(piece.as_bytes());
    }
    out
}

/// The generator and stream count for a randomized test: LINGER_SEED=N
/// picks other streams, LINGER_STREAMS=N runs more (or fewer).
fn seeded(seed: u64, count: u64) -> (Rng, u64) {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    (
        Rng(env("LINGER_SEED").unwrap_or(seed) | 1),
        env("LINGER_STREAMS").unwrap_or(count),
    )
}

/// The user's terminal is not always fresh when it attaches: text left on
/// the prompt's line, tab stops of its own, its alternate screen on. The
/// Attach redraw must reproduce the session all the same.
#[test]
fn attach_redraw_onto_a_dirty_terminal() {
    let dirty: [&[u8]; 4] = [
        b"abc",
        b"\x1b[3g\x1b[1;4H\x1bH\x1b[1;1Hx",
        b"\x1b[?1049hjunk on the alternate screen\x1b[3;3H",
        b"prompt$ \x1b[?1049h\x1b[5;5H\x1b7",
    ];
    let (mut rng, count) = seeded(0x5eed_d1e7, 400);
    for i in 0..count {
        let cols = 2 + rng.below(30) as u16;
        let rows = 1 + rng.below(10) as u16;
        let len = 50 + rng.below(800) as usize;
        let stream = random_stream(&mut rng, len, cols, rows);
        let mut a = Screen::new(cols, rows, Limits::default());
        a.feed(&stream);
        let (cols, rows) = a.size();
        for d in dirty {
            let mut bytes = d.to_vec();
            bytes.extend(render::redraw(&a, Redraw::Attach { history: 5 }));
            let b = run(&bytes, (cols, rows));
            if let Err(e) = a.state_eq(&b) {
                panic!(
                    "stream {i} ({cols}x{rows}) onto {:?}: {e}; stream {:?}",
                    String::from_utf8_lossy(d),
                    String::from_utf8_lossy(&stream)
                );
            }
        }
    }
}

#[test]
fn random_streams_round_trip() {
    let (mut rng, count) = seeded(0x2545_f491_4f6c_dd1d, 3000);
    for i in 0..count {
        let cols = 1 + rng.below(30) as u16;
        let rows = 1 + rng.below(10) as u16;
        let len = 50 + rng.below(1500) as usize;
        let stream = random_stream(&mut rng, len, cols, rows);
        let mut a = Screen::new(cols, rows, Limits::default());
        // Every fourth stream is cut in pieces with resizes in between.
        if i % 4 == 3 {
            for piece in stream.chunks(1 + stream.len() / 3) {
                a.feed(piece);
                a.resize(1 + rng.below(30) as u16, 1 + rng.below(10) as u16);
            }
        } else {
            a.feed(&stream);
        }
        let (cols, rows) = a.size();
        round_trip(
            &a,
            &format!(
                "stream {i} ({cols}x{rows}): {:?}",
                String::from_utf8_lossy(&stream)
            ),
        );
    }
}

/// Random bytes (biased to escape-sequence material) in random chunks with
/// random resizes: no panic, history within limits.
#[test]
fn random_bytes_never_panic_and_stay_bounded() {
    let limits = Limits {
        lines: 200,
        bytes: 16 * 1024,
    };
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut s = Screen::new(80, 24, limits);
    const ALPHABET: &[u8] = b"\x1b\x1b\x1b[[[]?;;;0123456789:>< mhlHJKLMPSTXr@`abdefgqsu\x07\x08\t\n\r\x0e\x0f\x18\x9b\xe4\xb8\xad\xcc\x81";
    let mut total = 0;
    let budget = std::env::var("LINGER_FUZZ_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4usize);
    while total < budget << 20 {
        let len = 1 + rng.below(4096) as usize;
        let chunk: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(3) == 0 {
                    rng.next() as u8
                } else {
                    *rng.pick(ALPHABET)
                }
            })
            .collect();
        s.feed(&chunk);
        total += len;
        if rng.below(20) == 0 {
            let cols = rng.below(300) as u16;
            let rows = rng.below(120) as u16;
            s.resize(cols, rows);
        }
        assert!(s.history_len() <= limits.lines, "history lines over limit");
        assert!(
            s.history_bytes() <= limits.bytes,
            "history bytes over limit"
        );
        let (row, col) = s.cursor();
        let (cols, rows) = s.size();
        assert!(row < rows && col < cols, "cursor outside the screen");
        // Now and then: whatever state that left still round-trips.
        if rng.below(25) == 0 {
            let b = run(&render::redraw(&s, Redraw::Resync), (cols, rows));
            if let Err(e) = s.state_eq(&b) {
                panic!("after {total} random bytes: Resync differs: {e}");
            }
            let b = run(
                &render::redraw(&s, Redraw::Attach { history: 50 }),
                (cols, rows),
            );
            if let Err(e) = s.state_eq(&b) {
                panic!("after {total} random bytes: Attach differs: {e}");
            }
        }
    }
    let _ = render::text_lines(&s, Lines::All, true);
}

/// Log-like output: mostly whole lines of text, SGR, tabs and `CSI K`,
/// with now and then something that is not (colour where a row scrolls in,
/// a lone CR or LF, cursor moves, wide characters at the margin, marks, C1,
/// modes, links, the alternate screen) — what `fastscroll` takes or must
/// leave alone.
fn log_stream(rng: &mut Rng, len: usize, cols: u16) -> Vec<u8> {
    let mut out = Vec::new();
    // How often something is not simple differs from stream to stream.
    let odd = 35 + rng.below(400);
    while out.len() < len {
        let mut line = String::new();
        for _ in 0..rng.below(12) {
            let r = rng.below(odd);
            let piece: String = match if r < 40 { r } else { r % 22 } {
                0..=14 => {
                    let k = 1 + rng.below(2 * cols as u64);
                    (0..k)
                        .map(|_| (b' ' + rng.below(95) as u8) as char)
                        .collect()
                }
                15..=17 => " ".repeat(1 + rng.below(cols as u64) as usize),
                18..=21 => rng
                    .pick(&["é", "中", "─", "✓", "→", "漢字", "ｶ", "😀"])
                    .to_string(),
                22..=29 => rng
                    .pick(&[
                        "\x1b[0m",
                        "\x1b[m",
                        "\x1b[1m",
                        "\x1b[31m",
                        "\x1b[1;35m",
                        "\x1b[4m",
                        "\x1b[38;5;208m",
                        "\x1b[38;2;1;2;3m",
                        "\x1b[22;39m",
                        "\x1b[41m",
                        "\x1b[48;5;17m",
                        "\x1b[49m",
                        "\x1b[7m",
                        "\x1b[0;1m",
                    ])
                    .to_string(),
                30..=31 => "\t".into(),
                32..=33 => rng.pick(&["\x1b[K", "\x1b[0K"]).to_string(),
                34 => rng
                    .pick(&[
                        "\r",
                        "\n",
                        "\x08",
                        "\x1b[1K",
                        "\x1b[2J",
                        "\x1b[H",
                        "\x1b[5;1H",
                        "\x1b[A",
                        "\x1b[3;5r",
                        "\x1b[r",
                        "\x1b[4h",
                        "\x1b[4l",
                        "\x1b[?7l",
                        "\x1b[?7h",
                        "\x1b(0",
                        "\x1b(B",
                        "\x0e",
                        "\x0f",
                        "\x1b[?1049h",
                        "\x1b[?1049l",
                        "\x1b]8;;http://x\x1b\\",
                        "\x1b]8;;\x1b\\",
                        "e\u{301}",
                        "\u{85}",
                        "\x1b[3g",
                        "\x1bH",
                        "\x1b[2b",
                        "\x1b[6n",
                        "\x1b[?2004h",
                        "\x1bc",
                        "\x1b[3J",
                        "\x7f",
                        "\x1b[1;2m\r\r\n",
                    ])
                    .to_string(),
                _ => {
                    // Up to a wide character near the margin.
                    let k = rng.below(cols as u64 + 2) as usize;
                    format!("{}中", "x".repeat(k))
                }
            };
            line.push_str(&piece);
        }
        if rng.below(3) == 0 {
            line.push_str("\x1b[0m");
        }
        if rng.below(30) != 0 {
            line.push_str("\r\n");
        }
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// `fastscroll` (whole lines straight into history) must leave the model
/// exactly as the parser alone does, history included, for any chunking and
/// any history limits; and it must actually be used.
#[test]
fn fastscroll_matches_parser() {
    let (mut rng, count) = seeded(0x7a3c_9e11_04d2_b8f5, 1200);
    let mut used = 0;
    let mut total = 0;
    for i in 0..count {
        let cols = 2 + rng.below(40) as u16;
        let rows = 1 + rng.below(12) as u16;
        let len = 200 + rng.below(8000) as usize;
        let stream = log_stream(&mut rng, len, cols);
        let limits = match rng.below(3) {
            0 => Limits::default(),
            1 => Limits {
                lines: 1 + rng.below(60) as usize,
                bytes: 1 << 20,
            },
            _ => Limits {
                lines: 1000,
                bytes: 200 + rng.below(3000) as usize,
            },
        };
        let mut a = Screen::new(cols, rows, limits);
        let mut b = Screen::new(cols, rows, limits);
        let mut rest = &stream[..];
        let max = *rng.pick(&[7u64, 300, 4096, 65536]);
        // As the supervisor feeds a flood: each piece with what
        // `feed_ahead` left of the last, the rest at the end. The parser
        // gets the pieces the model took: `vte` reads a C1 control split
        // across two pieces differently from a whole one.
        let ahead = rng.below(2) == 0;
        let mut held = Vec::new();
        while !rest.is_empty() {
            let n = (1 + rng.below(max) as usize).min(rest.len());
            if ahead {
                held.extend_from_slice(&rest[..n]);
                let fed = a.feed_ahead(&held);
                b.feed_reference(&held[..fed]);
                held.drain(..fed);
            } else {
                a.feed(&rest[..n]);
                b.feed_reference(&rest[..n]);
            }
            rest = &rest[n..];
        }
        a.feed(&held);
        b.feed_reference(&held);
        used += a.fast_lines();
        total += stream.windows(2).filter(|w| w == b"\r\n").count() as u64;
        let what = || {
            format!(
                "stream {i} ({cols}x{rows}, {limits:?}, ahead {ahead}): {:?}",
                String::from_utf8_lossy(&stream)
            )
        };
        if let Err(e) = a.state_eq(&b) {
            panic!("{}: fastscroll differs: {e}", what());
        }
        // Lines kept raw cost their bytes rather than their text and spans,
        // so under a tight byte budget the two may keep different numbers
        // of old lines; the newest ones must be the same.
        let (ha, hb) = (
            a.term().history.materialized(),
            b.term().history.materialized(),
        );
        let n = ha.len().min(hb.len());
        let (ta, tb) = (&ha[ha.len() - n..], &hb[hb.len() - n..]);
        let tight = limits.bytes < 1 << 20;
        if ta != tb || (!tight && ha.len() != hb.len()) {
            let k = ta.iter().zip(tb.iter()).position(|(x, y)| x != y);
            panic!(
                "{}: history differs ({} vs {} lines), first at {k:?} of the last {n}: {:?} vs {:?}",
                what(),
                ha.len(),
                hb.len(),
                k.map(|k| &ta[k]),
                k.map(|k| &tb[k])
            );
        }
        assert!(
            a.history_bytes() <= limits.bytes,
            "{}: history bytes",
            what()
        );
        // A taller screen pulls lines back out of history, raw ones too.
        if !tight && rng.below(3) == 0 {
            let taller = rows + 1 + rng.below(5) as u16;
            a.resize(cols, taller);
            b.resize(cols, taller);
            if let Err(e) = a.state_eq(&b) {
                panic!("{}: differs after growing to {taller} rows: {e}", what());
            }
            assert!(
                a.term().history.materialized() == b.term().history.materialized(),
                "{}: history differs after growing",
                what()
            );
        }
        same_replies_and_redraw(&mut a, &mut b, &what);
    }
    assert!(
        used * 10 > total,
        "fastscroll took only {used} of {total} lines"
    );
}

/// CPU time of this thread from /proc (utime + stime, clock ticks of 10 ms).
/// The ground-state fast path in `Screen::feed` must do exactly what the
/// parser alone does (`feed_reference`), whatever the chunking: random
/// streams and random bytes (invalid and cut UTF-8, long OSC strings, CAN
/// inside sequences), cut into the same random pieces for both.
#[test]
fn fast_path_matches_parser() {
    let mut rng = Rng(0x51ed_2701_a3c9_44b1);
    const ALPHABET: &[u8] = b"\x1b\x1b\x1b[[[]?;;;0123456789:>< mhlHJKLMPSTXr@`abdefgqsu\x07\x08\t\n\r\x0e\x0f\x18\x1a\x9b\x9c\xc2\x85\xe4\xb8\xad\xcc\x81\xf0\x9f\x98\x80";
    for i in 0..1500 {
        let cols = 1 + rng.below(30) as u16;
        let rows = 1 + rng.below(10) as u16;
        let len = 50 + rng.below(2000) as usize;
        let stream: Vec<u8> = match i % 3 {
            0 => random_stream(&mut rng, len, cols, rows),
            1 => (0..len)
                .map(|_| match rng.below(4) {
                    0 => rng.next() as u8,
                    1 => b' ' + rng.below(95) as u8,
                    _ => *rng.pick(ALPHABET),
                })
                .collect(),
            _ => {
                // Text with wide characters and a long OSC now and then.
                let mut v = random_stream(&mut rng, len, cols, rows);
                // SGR edge cases (`Screen::feed` parses plain SGR itself).
                for _ in 0..rng.below(6) {
                    let at = rng.below(v.len() as u64) as usize;
                    let many = "1;".repeat(rng.below(40) as usize);
                    let sgr = match rng.below(8) {
                        0 => format!("\x1b[{many}31m"),
                        1 => "\x1b[65567;38;5;65537;48;2;1;2;70000m".into(),
                        2 => "\x1b[;;4;m".into(),
                        3 => "\x1b[38:2::1:2:3m".into(),
                        4 => "\x1b[?1m".into(),
                        5 => "\x1b[1\r;3\n2m".into(),
                        6 => "\x1b[38;5m\x1b[48;2;1m".into(),
                        _ => format!("\x1b[{}m", rng.below(110)),
                    };
                    v.splice(at..at, sgr.into_bytes());
                }
                if rng.below(4) == 0 {
                    let at = rng.below(v.len() as u64) as usize;
                    let mut osc = b"\x1b]2;".to_vec();
                    osc.resize(5000 + rng.below(200) as usize, b'x');
                    osc.extend_from_slice("中\x07".as_bytes());
                    v.splice(at..at, osc);
                }
                v
            }
        };
        let limits = Limits {
            lines: 50,
            bytes: 4096,
        };
        let mut a = Screen::new(cols, rows, limits);
        let mut b = Screen::new(cols, rows, limits);
        let mut rest = &stream[..];
        let max = *rng.pick(&[3u64, 17, 200, 5000]);
        while !rest.is_empty() {
            let n = (1 + rng.below(max) as usize).min(rest.len());
            a.feed(&rest[..n]);
            b.feed_reference(&rest[..n]);
            rest = &rest[n..];
        }
        let what = || format!("stream {i}: {:?}", String::from_utf8_lossy(&stream));
        if let Err(e) = a.state_eq(&b) {
            panic!("{}: fast path differs: {e}", what());
        }
        assert!(
            a.term().history.materialized() == b.term().history.materialized(),
            "{}: history differs",
            what()
        );
        same_replies_and_redraw(&mut a, &mut b, &what);
    }
}

/// Both models owe the program the same answers and redraw the same.
fn same_replies_and_redraw(a: &mut Screen, b: &mut Screen, what: &dyn Fn() -> String) {
    assert_eq!(a.take_replies(), b.take_replies(), "{}: replies", what());
    assert_eq!(
        render::redraw(a, Redraw::Resync),
        render::redraw(b, Redraw::Resync),
        "{}: redraw differs",
        what()
    );
}

fn thread_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Plain text and SGR-heavy output must not make the model the bottleneck.
/// `cargo test --release --test screen screen_throughput -- --ignored --nocapture`
#[test]
#[ignore]
#[allow(clippy::print_stderr)]
fn screen_throughput() {
    let mut plain = Vec::new();
    let mut i = 0u64;
    while plain.len() < 64 << 20 {
        plain.extend_from_slice(
            format!(
                "{i:08} the quick brown fox jumps over the lazy dog, line of ordinary text\r\n"
            )
            .as_bytes(),
        );
        i += 1;
    }
    let mut sgr = Vec::new();
    while sgr.len() < 32 << 20 {
        for c in 0..8 {
            sgr.extend_from_slice(
                format!(
                    "\x1b[1;3{c}mword\x1b[0m \x1b[38;5;{}m\x1b[48;2;1;2;{c}mcolour\x1b[m ",
                    i % 256
                )
                .as_bytes(),
            );
        }
        sgr.extend_from_slice(b"\r\n");
        i += 1;
    }
    // Long soft-wrapped lines: history joins rows into logical lines.
    let mut long = Vec::new();
    while long.len() < 32 << 20 {
        long.resize(long.len() + 5000, b'x');
        long.extend_from_slice(b"\r\n");
    }
    // One line with no newline at all (`cat /dev/zero | tr`): history
    // keeps joining rows to one logical line until the byte limit.
    let endless = vec![b'x'; 32 << 20];
    // CJK: every character is wide.
    let cjk = "漢字かな交じり文、全角の文字列です。\r\n".repeat(1 << 20);
    // What `make bench` sends (scripts/bench.py `make_payload`): words,
    // some non-ASCII, SGR colours now and then, a reset at each line end.
    let mut rng = Rng(1234);
    let words: Vec<&str> = "the quick brown fox jumps over lazy dog linger session attach \
        detach supervisor scrollback terminal cargo build test error warning ok done compile \
        module function return value 0123 456789 ./src/main.rs:42:7 [INFO] [WARN] {\"k\":1} \
        a-b_c x=y (paren) #hash 100% 3.14 café naïve → ✓ ─── │ ┌┐ └┘"
        .split_whitespace()
        .collect();
    let sgrs = [
        "\x1b[0m",
        "\x1b[1m",
        "\x1b[31m",
        "\x1b[32m",
        "\x1b[33m",
        "\x1b[34m",
        "\x1b[1;35m",
        "\x1b[36m",
        "\x1b[38;5;208m",
        "\x1b[38;5;99m",
        "\x1b[48;5;17m",
        "\x1b[38;2;9;120;60m",
        "\x1b[4m",
        "\x1b[7m",
        "\x1b[22;39m",
        "\x1b[49m",
    ];
    let mut log = Vec::new();
    while log.len() < 64 << 20 {
        let n = *rng.pick(&[0, 3, 6, 8, 10, 12, 14, 20, 30]);
        for _ in 0..n {
            if rng.below(10) < 3 {
                log.extend_from_slice(rng.pick(&sgrs).as_bytes());
            }
            log.extend_from_slice(rng.pick(&words).as_bytes());
            log.push(b' ');
        }
        log.extend_from_slice(b"\x1b[0m\r\n");
    }
    for (name, data) in [
        ("log", &log),
        ("plain", &plain),
        ("sgr", &sgr),
        ("long-lines", &long),
        ("no-newline", &endless),
        ("cjk", &cjk.into_bytes()),
    ] {
        // Best of three: the machine may be shared.
        let mut best_cpu = f64::MAX;
        let mut best_wall = f64::MAX;
        let mut fast = 0;
        for _ in 0..3 {
            let mut s = Screen::new(120, 40, Limits::default());
            let start = std::time::Instant::now();
            let cpu_start = thread_cpu_secs();
            for chunk in data.chunks(64 * 1024) {
                s.feed(chunk);
            }
            best_wall = best_wall.min(start.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(thread_cpu_secs() - cpu_start);
            fast = s.fast_lines();
        }
        // CPU time is what the model costs; wall time also counts other
        // load on a shared machine.
        let mb = data.len() as f64 / 1e6;
        eprintln!(
            "screen_throughput {name}: {:.0} MB/s (CPU time), {:.0} MB/s (wall), {} MB, \
             {fast} lines straight to history",
            mb / best_cpu.max(0.01),
            mb / best_wall,
            data.len() >> 20
        );
    }
}

/// A fixed input for instruction counts (`valgrind --tool=callgrind`):
/// `LINGER_CG=plain|sgr|cjk` (default plain), 8 MB fed in 64 KiB chunks.
/// Count the inclusive cost of `Screen::feed` and divide by 8.
#[test]
#[ignore]
fn screen_callgrind() {
    let kind = std::env::var("LINGER_CG").unwrap_or_else(|_| "plain".into());
    let mut data = Vec::with_capacity(9 << 20);
    let mut i = 0u64;
    while data.len() < 8 << 20 {
        match kind.as_str() {
            "sgr" => {
                for c in 0..8 {
                    data.extend_from_slice(
                        format!(
                            "\x1b[3{c}mline {i} \x1b[1mbold\x1b[0m some text here \x1b[38;5;{}mmore\x1b[m ",
                            i % 256
                        )
                        .as_bytes(),
                    );
                }
                data.extend_from_slice(b"\r\n");
            }
            "cjk" => data.extend_from_slice("漢字かな交じり文、全角の文字列です。\r\n".as_bytes()),
            _ => data.extend_from_slice(
                format!(
                    "{i:08} the quick brown fox jumps over the lazy dog, line of ordinary text\r\n"
                )
                .as_bytes(),
            ),
        }
        i += 1;
    }
    data.truncate(8 << 20);
    let mut s = Screen::new(120, 40, Limits::default());
    for chunk in data.chunks(64 * 1024) {
        s.feed(chunk);
    }
    assert!(s.history_len() > 0);
}
