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
fn erase_right_at_a_pending_wrap_keeps_the_last_character() {
    // grep --color ends a match with `ESC [ m ESC [ K`; a match that ends at
    // the margin keeps its last character (tmux, VTE, konsole) and the next
    // character still wraps.
    let s = screen(4, 3, "ab\x1b[31mcd\x1b[m\x1b[Ke");
    assert_eq!(rows(&s), vec!["abcd", "e"]);
    assert_eq!(s.cursor(), (1, 1));
    // Not at a pending wrap: the rest of the row is erased as ever.
    let s = screen(4, 3, "abcd\x1b[1;3H\x1b[K");
    assert_eq!(rows(&s), vec!["ab"]);
}

#[test]
fn line_drawing_is_redrawn_as_drawn_and_read_as_text() {
    let s = screen(10, 2, "\x1b(0lqk\x1b(B-q\x1b(0\x1b[2b");
    assert_eq!(rows(&s), vec!["┌─┐-q──"], "REP repeats the drawn character");
    let redraw = render::redraw(&s, render::Redraw::Resync);
    let text = String::from_utf8_lossy(&redraw);
    assert!(text.contains("\x1b(0lqk\x1b(B-q\x1b(0qq\x1b(B"), "{text:?}");
    assert!(!text.contains('─'), "{text:?}");
    let ansi = render::text_lines(&s, Lines::Screen, true);
    assert_eq!(ansi, vec!["┌─┐-q──"]);
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

#[test]
fn shrinking_rows_keeps_cursor_line_and_feeds_history() {
    let mut s = screen(10, 5, "1\r\n2\r\n3\r\n4\r\n5");
    s.resize(10, 3);
    assert_eq!(rows(&s), vec!["3", "4", "5"]);
    assert_eq!(
        render::text_lines(&s, Lines::History, false),
        vec!["1", "2"]
    );
    assert_eq!(s.cursor(), (2, 1));
    // Growing pulls the lines back down.
    s.resize(10, 5);
    assert_eq!(rows(&s), vec!["1", "2", "3", "4", "5"]);
    assert_eq!(s.history_len(), 0);
    assert_eq!(s.cursor(), (4, 1));
}

#[test]
fn shrinking_rows_drops_blank_rows_below_cursor_first() {
    let mut s = screen(10, 5, "prompt$ ");
    s.resize(10, 2);
    assert_eq!(rows(&s), vec!["prompt$"]);
    assert_eq!(s.history_len(), 0);
    assert_eq!(s.cursor(), (0, 8));
}

#[test]
fn shrinking_cols_cuts_wide_char_in_half_on_alt_screen() {
    let mut s = screen(6, 2, "\x1b[?1049hab中x");
    s.resize(3, 2);
    assert_eq!(rows(&s), vec!["ab"]);
    assert_eq!(s.cursor(), (0, 2));
    s.resize(8, 2);
    s.feed(b"\x1b[1;4Hz");
    assert_eq!(rows(&s), vec!["ab z"]);
}

#[test]
fn primary_screen_reflows_and_cursor_follows() {
    let mut s = screen(12, 8, "$ echo hello\r\nhello world!\r\n$ ab");
    s.resize(5, 8);
    assert_eq!(
        rows(&s),
        vec!["$ ech", "o hel", "lo", "hello", " worl", "d!", "$ ab"]
    );
    assert_eq!(s.cursor(), (6, 4), "cursor after '$ ab'");
    s.resize(12, 4);
    assert_eq!(rows(&s), vec!["$ echo hello", "hello world!", "$ ab"]);
    assert_eq!(s.cursor(), (2, 4));
    assert_eq!(s.history_len(), 0);
    // A wide char that does not fit moves down and comes back.
    let mut s = screen(6, 3, "ab中x");
    s.resize(3, 3);
    assert_eq!(rows(&s), vec!["ab", "中x"]);
    s.resize(6, 3);
    assert_eq!(rows(&s), vec!["ab中x"]);
}

#[test]
fn ansi_text_lines_are_compact_and_reset() {
    let s = screen(
        20,
        3,
        "\x1b[1;31mred\x1b[22m plain-red\x1b[0m none\r\nplain",
    );
    let lines = render::text_lines(&s, Lines::Screen, true);
    assert_eq!(
        lines,
        vec![
            "\x1b[1;31mred\x1b[0;31m plain-red\x1b[0m none".to_string(),
            "plain".to_string()
        ]
    );
    let plain = render::text_lines(&s, Lines::All, false);
    assert_eq!(plain, vec!["red plain-red none", "plain"]);
}

#[test]
fn query_replies() {
    let mut s = screen(
        10,
        5,
        "\x1b[3;4H\x1b[6n\x1b[5n\x1b[c\x1b[>c\x1b[?2026$p\x1b[>1u\x1b[?u",
    );
    let want: &[u8] = b"\x1b[3;4R\x1b[0n\x1b[?62;22c\x1b[>1;10;0c\x1b[?2026;2$y";
    assert_eq!(
        String::from_utf8_lossy(&s.take_replies()),
        String::from_utf8_lossy(want)
    );
    assert!(s.take_replies().is_empty(), "replies not taken");
}

#[test]
fn attach_redraw_flows_history_and_never_clears_scrollback() {
    let s = screen(10, 3, "h1\r\nh2\r\nh3\r\nr1\r\nr2\r\nr3");
    let out = render::redraw(&s, render::Redraw::Attach { history: 2 });
    let text = String::from_utf8_lossy(&out);
    assert!(
        !text.contains("\x1b[3J") && !text.contains("\x1b[2J"),
        "{text:?}"
    );
    let h2 = text.find("h2").expect("history line h2");
    let r1 = text.find("r1").expect("screen row r1");
    assert!(h2 < r1 && !text.contains("h1"), "{text:?}");
}

#[test]
fn title_stack_push_pop() {
    let mut s = screen(10, 2, "\x1b]2;shell\x07\x1b[22;0t\x1b]2;vim\x07");
    assert_eq!(s.title(), "vim");
    s.feed(b"\x1b[23;0t");
    assert_eq!(s.title(), "shell");
    s.feed(b"\x1b[18t");
    assert_eq!(s.take_replies(), b"\x1b[8;2;10t");
}

#[test]
fn attach_keeps_soft_wraps_as_soft_wraps() {
    let a = screen(5, 3, "abcdefgh\r\nxy");
    let out = render::redraw(&a, render::Redraw::Attach { history: 0 });
    let mut b = Screen::new(5, 3, Limits::default());
    b.feed(&out);
    assert_eq!(rows(&b), vec!["abcde", "fgh", "xy"]);
    let wrapped: Vec<bool> = b.term().primary.rows.iter().map(|r| r.wrapped).collect();
    assert_eq!(wrapped, vec![true, false, false]);
    assert!(!String::from_utf8_lossy(&out).contains("abcde\r\n"));
}

#[test]
fn reflow_through_history_is_lossless() {
    let mut s = screen(12, 4, "$ echo hello\r\nhello world!\r\n$ ab");
    s.resize(5, 4);
    assert_eq!(rows(&s), vec!["hello", " worl", "d!", "$ ab"]);
    assert_eq!(
        render::text_lines(&s, Lines::History, false),
        vec!["$ echo hello"],
        "history holds the logical line"
    );
    s.resize(12, 4);
    assert_eq!(rows(&s), vec!["$ echo hello", "hello world!", "$ ab"]);
    assert_eq!(s.history_len(), 0);
    assert_eq!(s.cursor(), (2, 4));
}

#[test]
fn history_joins_wrapped_rows_and_drops_wide_padding() {
    let s = screen(3, 1, "ab中d\r\nx");
    assert_eq!(render::text_lines(&s, Lines::History, false), vec!["ab中d"]);
    // A real space at the margin is text.
    let s = screen(3, 1, "ab cd\r\nx");
    assert_eq!(render::text_lines(&s, Lines::History, false), vec!["ab cd"]);
}

#[test]
fn endless_line_is_cut_into_bounded_history_lines() {
    let mut s = screen(80, 24, "");
    s.feed(&vec![b'x'; 1 << 20]);
    let lines = render::text_lines(&s, Lines::History, false);
    assert!(lines.len() >= 4, "one logical line kept growing");
    assert!(lines.iter().all(|l| l.len() <= 256 * 1024 + 80));
    let all = render::text_lines(&s, Lines::All, false).concat();
    assert_eq!(all.len(), 1 << 20, "text lost");
}

#[test]
fn hyperlink_table_is_bounded_and_collected() {
    let mut s = screen(20, 2, "");
    for i in 0..5000 {
        s.feed(format!("\x1b]8;;https://e.x/{i}\x1b\\x\x1b]8;;\x1b\\\r").as_bytes());
    }
    assert!(s.term().links.len() <= 512, "link table grew");
    // The cell still on screen keeps its (last) link.
    let id = s.term().primary.rows[0].cells[0].link;
    assert_eq!(s.term().link_target(id), Some(";https://e.x/4999"));
}

#[test]
fn restore_sequence_undoes_modes_a_shell_would_suffer_from() {
    let s = screen(
        20,
        5,
        "\x1b[2;4r\x1b[?7l\x1b[4h\x1b(0\x1b[5 q\x1b]8;;http://x\x1b\\\x1b[3g\x1b[3;3H",
    );
    let out = render::restore_sequence(&s);
    // Apply it to a model in the same state: it ends up with defaults.
    let mut t = screen(20, 5, "");
    t.feed(b"\x1b[2;4r\x1b[?7l\x1b[4h\x1b(0\x1b[5 q\x1b]8;;http://x\x1b\\\x1b[3g\x1b[3;3H");
    t.feed(&out);
    let fresh = screen(20, 5, "\x1b[3;3H");
    assert_eq!(t.state_eq(&fresh), Ok(()));
}

#[test]
fn printable_run_matches_a_byte_loop() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in 0..200 {
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly printable, with every boundary byte now and then.
                    match x % 16 {
                        0 => {
                            [0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0x9f, 0xff][(x >> 8) as usize % 8]
                        }
                        _ => 0x20 + (x >> 8) as u8 % 95,
                    }
                })
                .collect();
            let want = bytes
                .iter()
                .position(|c| !(0x20..0x7f).contains(c))
                .unwrap_or(bytes.len());
            assert_eq!(super::printable_run(&bytes), want, "{bytes:?}");
        }
    }
}

#[test]
fn palette_colours_keep_the_form_they_were_set_in() {
    // `38;5;1` and `31` are one palette entry, but terminals that brighten
    // bold text do it for the short form only: a redraw repeats each form.
    let s = screen(10, 2, "\x1b[38;5;1mA\x1b[31mB\x1b[48;5;9mC\x1b[101mD");
    let out = String::from_utf8_lossy(&render::redraw(&s, render::Redraw::Resync)).into_owned();
    // Every SGR parameter list in the redraw, split into parameters.
    let params: Vec<&str> = out
        .split("\x1b[")
        .filter_map(|seq| seq.split_once('m').map(|(p, _)| p))
        .flat_map(|p| p.split(';'))
        .collect();
    let has = |seq: &[&str]| params.windows(seq.len()).any(|w| w == seq);
    assert!(has(&["38", "5", "1"]) && has(&["31"]), "{out:?}");
    assert!(has(&["48", "5", "9"]) && has(&["101"]), "{out:?}");
    let again = screen(10, 2, &out);
    assert_eq!(s.state_eq(&again), Ok(()));
}

#[test]
fn sgr_shape_reads_what_parse_sgr_reads() {
    // `fastscroll` reads a line's SGRs in bulk only by their shape; it must
    // accept exactly the sequences `parse_sgr` does, and call a reset only
    // what leaves the pen at its default whatever it was.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = b"0000123456789;;;;mmK:?[ x";
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = match x % 4 {
            0 => (x >> 8) as usize % 6,
            1 => (x >> 8) as usize % 16,
            _ => (x >> 8) as usize % 140,
        };
        let mut bytes = b"\x1b[".to_vec();
        let mut y = x;
        // Now and then only values, up to more than `parse_sgr` takes.
        let long = x % 8 == 3;
        for _ in 0..len {
            y = y
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = (y >> 33) as usize;
            bytes.push(match long {
                true => b"0;1;"[pick % 4],
                false => alphabet[pick % alphabet.len()],
            });
        }
        if long {
            bytes.push(b'm');
        }
        let mut values = [0u16; super::SGR_MAX];
        let parsed = super::parse_sgr(&bytes, &mut values);
        let shape = super::fastscroll::sgr_shape(&bytes);
        assert_eq!(shape.map(|s| s.0), parsed.map(|p| p.0), "{bytes:?}");
        if let (Some((_, reset)), Some((_, n))) = (shape, parsed) {
            let mut pen = crate::screen::cell::Style {
                fg: crate::screen::cell::Color::indexed(3),
                attrs: 5,
                ..Default::default()
            };
            super::term::apply_sgr_values(&mut pen, &values[..n]);
            let resets = n == 1 && values[0] == 0;
            assert_eq!(reset, resets, "{bytes:?}");
            if reset {
                assert_eq!(pen, Default::default(), "{bytes:?}");
            }
        }
    }
}
