//! Printers: turn results into text, Markdown, JUnit XML, JSON (and YAML,
//! JSON Lines) or HTML.
//!
//! Reports never touch the network and never decide anything: they get plain
//! data and a writer. They are organised by format, because a format's rules
//! (how it escapes, how it lays out, what a reader of it expects) are what a
//! printer has to get right, and the printers of one format share them:
//!
//! - [`text`]: for people at a terminal, one file per command, laid out for
//!   the view's width with [`layout`] and painted with `style`; the words
//!   each command's other printers reuse (a verdict's reason, a plan's
//!   status line) live here too.
//! - [`markdown`]: for a change ticket, one file per command, every cell and
//!   line escaped ([`escape::markdown`]).
//! - [`junit`]: the scan as JUnit XML, for a CI's test view.
//! - [`json`]: the stable documents (JSON, YAML, JSON Lines) and their
//!   schemas. The shapes are separate `…Json` types that only serialize, so
//!   the schema (`schema_version`) cannot drift when the internal model
//!   changes.
//! - [`html`]: self-contained pages for `scan`, `matrix` and `plan`.
//!
//! Shared by all: [`escape`] (text from outside made safe per format),
//! [`layout`] (widths, wrapping, grids, Markdown tables) and `style`
//! (colors). Dependencies point one way: `markdown`, `junit` and `html` may
//! use `text`'s words; `text` uses none of them.

pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod layout;
pub mod markdown;
pub(crate) mod style;
pub mod text;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use crate::results::{SCHEMA_VERSION, Tool};
pub use layout::{SuiteNames, View};

/// The profile ids a scan report checked, in the order they first appear
/// (the order the profiles were given, not alphabetical).
pub(crate) fn profile_order(report: &crate::results::ScanReport) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for p in report.targets.iter().flat_map(|t| &t.profiles) {
        if !ids.contains(&p.profile) {
            ids.push(p.profile.clone());
        }
    }
    ids
}

/// The policy's status in words: `passed`, `failed` or `incomplete` when
/// rules were checked; with no rule given, "no policy" (and whether the
/// scan itself was incomplete), never a "passed" that nothing was checked
/// for.
pub(crate) fn policy_label(p: &crate::results::PolicyReport) -> &'static str {
    use crate::results::PolicyStatus;
    match (p.rules, p.status) {
        (0, PolicyStatus::Passed) => "no policy",
        (0, PolicyStatus::Incomplete) => "no policy; scan incomplete",
        (_, s) => s.name(),
    }
}

/// The time of a log line (`serve`, text and JSON alike), RFC 3339 in UTC.
pub(crate) fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
