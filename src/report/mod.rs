//! Printers: turn results into text, JSON, YAML, Markdown or HTML.
//!
//! Reports never touch the network and never decide anything: they get plain
//! data and a writer. The JSON and YAML shapes are separate `…Json` types that
//! only serialize, so the stable schema (`schema_version`) cannot drift when
//! the internal model changes.

pub mod demo;
pub mod diagnose;
pub mod escape;
pub mod html;
pub mod layout;
pub mod matrix;
pub mod observe;
pub mod plan;
pub mod profiles;
pub mod scan;
pub mod serve;
pub(crate) mod style;
pub mod whatif;

use std::io::{self, Write};

use serde::Serialize;

pub use crate::results::{SCHEMA_VERSION, Tool};
pub use layout::{SuiteNames, View};

/// Writes `value` as pretty JSON and a final newline.
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes `value` as a YAML document.
pub fn write_yaml<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let text = serde_yaml::to_string(value).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}

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
