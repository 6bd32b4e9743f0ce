//! The diagnosis as a checklist (text), a document (JSON) and a ticket
//! comment (Markdown). Printers only format: the steps and the status were
//! decided in [`crate::diagnose`].

use std::io::{self, Write};

use super::style;
use crate::diagnose::{Diagnosis, StepStatus};
use crate::results::PolicyStatus;

fn mark(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Pass => "✓",
        StepStatus::Fail => "✗",
        StepStatus::Unknown => "?",
        StepStatus::Info => "i",
    }
}

fn verdict(d: &Diagnosis) -> &'static str {
    match d.status {
        PolicyStatus::Passed => "every step on the heartbeat's path passed",
        PolicyStatus::Failed => "the agent cannot talk to the manager: see ✗ above",
        PolicyStatus::Incomplete => "some step on the heartbeat's path could not be determined (?)",
    }
}

/// The checklist, coloured by result.
pub fn text(out: &mut dyn Write, d: &Diagnosis) -> io::Result<()> {
    writeln!(
        out,
        "{} as {}",
        style::heading(&format!("diagnose {}", d.manager)),
        d.profile
    )?;
    for s in &d.steps {
        let m = mark(s.status);
        let m = match s.status {
            StepStatus::Pass => style::good(m),
            StepStatus::Fail if s.on_path => style::bad(m),
            StepStatus::Fail | StepStatus::Unknown => style::warn(m),
            StepStatus::Info => style::dim(m),
        };
        let scope = if s.on_path { "" } else { " (informs)" };
        writeln!(out, "{m} {}{scope}", s.title)?;
        writeln!(out, "    {}", s.evidence)?;
        if let Some(a) = &s.advice {
            writeln!(out, "    {} {a}", style::warn("→"))?;
        }
    }
    let status = match d.status {
        PolicyStatus::Passed => style::good("passed"),
        PolicyStatus::Failed => style::bad("failed"),
        PolicyStatus::Incomplete => style::warn("incomplete"),
    };
    writeln!(out, "\ndiagnosis: {status}: {}", verdict(d))
}

/// The document.
pub fn json(out: &mut dyn Write, d: &Diagnosis) -> io::Result<()> {
    super::write_json(out, d)
}

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
