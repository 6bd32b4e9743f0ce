//! Markdown for a change ticket or a pull request comment: one printer per
//! command, tables that render on GitHub and GitLab.
//!
//! Why one folder: every Markdown printer keeps the same promise, that no
//! string from outside (a certificate subject, a host name, a reason) can
//! add a heading, a link, an image or a table cell: cells go through
//! `layout::md_cell`, text and code spans through [`super::escape`]. The
//! words are the text printers' ([`super::text`]).

pub mod diagnose;
pub mod matrix;
pub mod observe;
pub mod plan;
pub mod scan;
pub mod whatif;
