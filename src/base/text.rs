//! Text from outside (the network, a user's file) made visible for a
//! terminal or a log line, in one way for every layer.
//!
//! The printers in `report::escape` use it for every text format, and the
//! modules below them (the manager API client quoting an HTTP reason, say)
//! use the very same escape without depending on the printers; it sits at
//! the bottom of the module graph for that.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text for one terminal or log line: every control character (ESC, CR,
/// LF, NUL, DEL, the C1 range) shown as a visible escape (`\x1b`, `\r`,
/// `\n`), so text from a file or the network can neither break the line
/// nor drive the terminal. A backslash stays as it is: the escapes are for
/// people, not to be read back.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

pub(crate) fn push_visible(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => out.push(c),
    }
}
