//! Self-contained HTML reports (`--format html`) for `scan`, `matrix` and
//! `plan`.
//!
//! Why a separate printer: a fleet audit is read by people who do not run
//! the tool (change boards, the team that owns the agents), often offline or
//! printed. One file carries everything: inline style and script (allowed
//! by hash in a Content-Security-Policy, nothing loaded from anywhere), a
//! summary, a grid coloured by verdict with the verdict word in each cell,
//! and the details folded underneath. The page reads fine with scripts off;
//! the script only adds filtering and sorting.
//!
//! Every string from the network or from input (certificate subjects, host
//! names, reasons, labels, profile names) is escaped: reports build markup
//! only through [`page::Markup`]. Each report maps its model onto
//! [`page::Page`]; a new report needs only such a mapping.

pub mod matrix;
pub mod page;
pub mod plan;
pub mod scan;

use std::io::{self, Write};

use crate::results::ScanReport;

/// `scan --format html`.
pub fn scan(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    scan::write(out, report)
}

/// `matrix --format html`.
pub fn matrix(out: &mut dyn Write, m: &crate::offline::matrix::Matrix) -> io::Result<()> {
    matrix::page(m).write(out)
}

/// `plan --format html`.
pub fn plan(out: &mut dyn Write, p: &crate::offline::plan::PlanReport) -> io::Result<()> {
    plan::write(out, p)
}
