//! Replacements for three glibc functions, linked only into the static binary.
//!
//! In a static glibc link, `__assert_fail` and `strerror_r` each drag in
//! gettext message translation, which drags in iconv, which drags in the
//! dynamic loader (~150 KB). glibc calls these only on internal assertion
//! failures and for `%m`/`perror`-style messages; ours print the same text
//! for the C locale (the only locale linger runs in: it never calls
//! `setlocale`).

use std::ffi::{c_char, c_int, c_uint, CStr};

/// glibc's message is `prog: file:line: function: Assertion `expr' failed.`;
/// then it aborts. So do we.
#[no_mangle]
pub unsafe extern "C" fn __assert_fail(
    assertion: *const c_char,
    file: *const c_char,
    line: c_uint,
    function: *const c_char,
) -> ! {
    let text = |p: *const c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: glibc passes NUL-terminated string literals.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let mut msg = format!("linger: {}:{line}: ", text(file));
    if !function.is_null() {
        msg.push_str(&text(function));
        msg.push_str(": ");
    }
    msg.push_str(&format!("Assertion `{}' failed.\n", text(assertion)));
    // SAFETY: writing a buffer we own to stderr, then aborting.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::abort()
    }
}

/// Copy `text` into `buf` (NUL-terminated, truncated to `len`).
unsafe fn fill(text: &str, buf: *mut c_char, len: usize) -> bool {
    if buf.is_null() || len == 0 {
        return false;
    }
    let n = text.len().min(len - 1);
    // SAFETY: the caller guarantees `buf` holds `len` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    n == text.len()
}

/// GNU `strerror_r`: the message, in `buf`.
#[no_mangle]
pub unsafe extern "C" fn __strerror_r(errnum: c_int, buf: *mut c_char, len: usize) -> *mut c_char {
    // SAFETY: as the caller promised for `buf`.
    if unsafe { fill(&crate::error::errno_reason(errnum), buf, len) } || !buf.is_null() && len > 0 {
        buf
    } else {
        c"".as_ptr().cast_mut()
    }
}

/// The same, under its public name.
#[no_mangle]
pub unsafe extern "C" fn strerror_r(errnum: c_int, buf: *mut c_char, len: usize) -> *mut c_char {
    // SAFETY: forwarded as is.
    unsafe { __strerror_r(errnum, buf, len) }
}

/// XSI `strerror_r`: 0, or ERANGE if `buf` is too small.
#[no_mangle]
pub unsafe extern "C" fn __xpg_strerror_r(errnum: c_int, buf: *mut c_char, len: usize) -> c_int {
    // SAFETY: as the caller promised for `buf`.
    if unsafe { fill(&crate::error::errno_reason(errnum), buf, len) } {
        0
    } else {
        libc::ERANGE
    }
}
