//! The bottom layer: what every other module may use and which uses
//! nothing of ours above it.
//!
//! - `input`: every file a user hands us is read through here, within
//!   limits (regular files only, a size cap per kind, YAML depth).
//! - `text`: the one terminal escape for text from outside (a server, a
//!   file), so that no control character drives a terminal or a CI log.
//! - `suggest`: "did you mean" for unknown names (suites, profiles,
//!   columns), bounded in cost.
//! - `duration`: durations read from flags and written back in one syntax.

pub mod duration;
pub mod input;
pub mod suggest;
pub mod text;
