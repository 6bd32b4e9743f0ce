//! The few styles text reports use, so every table colors alike. Whether
//! color is on at all is decided once, in `app`, through `colored`'s global
//! override (which also honours `NO_COLOR`).

use colored::{ColoredString, Colorize};

pub(crate) fn good(s: &str) -> ColoredString {
    s.green()
}

pub(crate) fn bad(s: &str) -> ColoredString {
    s.red()
}

pub(crate) fn warn(s: &str) -> ColoredString {
    s.yellow()
}

pub(crate) fn heading(s: &str) -> ColoredString {
    s.bold()
}

pub(crate) fn dim(s: &str) -> ColoredString {
    s.dimmed()
}
