//! Unit tests for the tricky corners of the model.

use super::render::{self, Lines};
use super::{Limits, Screen};

fn screen(cols: u16, rows: u16, input: &str) -> Screen {
    let mut s = Screen::new(cols, rows, Limits::default());
    s.feed(input.as_bytes());
    s
}

fn rows(s: &Screen) -> Vec<String> {
    render::text_lines(s, Lines::Screen, false)
}

#[test]
fn wide_char_at_last_column_wraps() {
    let s = screen(5, 3, "abcd中");
    assert_eq!(rows(&s), vec!["abcd", "中"]);
    assert_eq!(s.cursor(), (1, 2));
}

#[test]
fn overwriting_half_of_wide_char_clears_other_half() {
    let s = screen(6, 2, "中文\x1b[1;2Hx");
    assert_eq!(rows(&s), vec![" x文"]);
    let s = screen(6, 2, "中文\x1b[1;3Hy");
    assert_eq!(rows(&s), vec!["中y"]);
}

#[test]
fn combining_mark_after_wide_char_joins_it() {
    let s = screen(6, 2, "中\u{301}a");
    assert_eq!(rows(&s), vec!["中\u{301}a"]);
    assert_eq!(s.cursor(), (0, 3));
}

#[test]
fn combining_mark_in_pending_wrap_joins_last_cell() {
    let s = screen(3, 2, "abe\u{301}");
    assert_eq!(rows(&s), vec!["abe\u{301}"]);
}

#[test]
fn scroll_region_with_il_dl() {
    let s = screen(3, 5, "1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[3;1H\x1b[L");
    assert_eq!(rows(&s), vec!["1", "2", "", "3", "5"]);
    let s = screen(3, 5, "1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[2;1H\x1b[2M");
    assert_eq!(rows(&s), vec!["1", "4", "", "", "5"]);
}

#[test]
fn origin_mode_cup_is_relative_and_clamped() {
    let s = screen(5, 5, "\x1b[2;3r\x1b[?6h\x1b[1;1Hx\x1b[9;2Hy\x1b[6n");
    assert_eq!(rows(&s), vec!["", "x", " y"]);
    let mut s = s;
    assert_eq!(s.take_replies(), b"\x1b[2;3R");
}

#[test]
fn pending_wrap_then_cr_does_not_wrap() {
    let s = screen(3, 2, "abc\r\nd");
    assert_eq!(rows(&s), vec!["abc", "d"]);
}

#[test]
fn history_gets_lines_scrolled_off_primary_only() {
    let mut s = screen(4, 2, "a\r\nb\r\nc\r\n");
    assert_eq!(
        render::text_lines(&s, Lines::History, false),
        vec!["a", "b"]
    );
    s.feed(b"\x1b[?1049hx\r\ny\r\nz\r\n\x1b[?1049l");
    assert_eq!(s.history_len(), 2, "alt screen scrolled into history");
}

#[test]
fn replies_are_bounded() {
    let mut s = screen(10, 3, "");
    for _ in 0..10_000 {
        s.feed(b"\x1b[6n");
    }
    assert!(s.take_replies().len() <= 4096);
}

#[test]
fn long_osc_is_cut() {
    let mut s = screen(10, 3, "\x1b]2;");
    s.feed(&vec![b'x'; 1 << 20]);
    s.feed(b"\x07ok");
    assert!(s.title().len() <= 1024);
    assert_eq!(rows(&s), vec!["ok"]);
}

#[test]
fn tiny_and_huge_sizes() {
    let mut s = screen(1, 1, "中abc\r\n\x1b[5;5H\x1b[L");
    s.resize(u16::MAX, u16::MAX);
    s.resize(0, 0);
    s.feed(b"xyz");
    assert_eq!(s.size(), (1, 1));
}
