//! The few styles text reports use, so every table colors alike. Whether
//! color is on at all is decided once, in `app`, through `colored`'s global
//! override (which also honours `NO_COLOR`).

use colored::{ColoredString, Colorize};
use comfy_table::{ContentArrangement, Table, presets};

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

/// A table with our look and the given header.
pub(crate) fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    t
}
