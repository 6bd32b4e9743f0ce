//! The diagnosis as a checklist for a ticket: one table row per step.

use std::io::{self, Write};

use crate::diagnose::Diagnosis;
use crate::report::text::diagnose::{mark, verdict};

/// A checklist for a ticket.
pub fn markdown(out: &mut dyn Write, d: &Diagnosis) -> io::Result<()> {
    writeln!(
        out,
        "### tlscompat diagnose {} as {}\n",
        d.manager, d.profile
    )?;
    writeln!(out, "| | Step | Evidence | What to change |")?;
    writeln!(out, "|---|---|---|---|")?;
    let cell = |s: &str| s.replace('|', "\\|");
    for s in &d.steps {
        let scope = if s.on_path { "" } else { " (informs)" };
        writeln!(
            out,
            "| {} | {}{scope} | {} | {} |",
            mark(s.status),
            cell(&s.title),
            cell(&s.evidence),
            cell(s.advice.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out, "\n**Diagnosis {}**: {}", d.status, verdict(d))
}
