//! `main` is ours, not std's: std's runtime start-up asks glibc for the main
//! thread's stack bounds (`pthread_getattr_np`, which parses /proc/self/maps
//! with `sscanf`), and in the static binary that alone links glibc's scanf and
//! strtod family (~100 KB). What else std's start-up does that linger relies
//! on, `sys::init_process` does; std collects the arguments itself on glibc.
#![no_main]

use linger::{cli, commands, sys};
use std::ffi::{c_char, c_int};
use std::io::{self, Write};

#[no_mangle]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    sys::init_process();
    let mut out = io::stdout().lock();
    let result =
        cli::parse(std::env::args_os().skip(1)).and_then(|c| commands::dispatch(c, &mut out));
    let code = match result {
        Ok(code) => code.clamp(0, 255),
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(io::stderr(), "linger: {e}");
            c_int::from(e.exit_code())
        }
    };
    // std's start-up would flush stdout on the way out; so do we.
    let _ = out.flush();
    code
}
