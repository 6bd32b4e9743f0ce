//! The diagnosis as a checklist, coloured by result. Printers only format:
//! the steps and the status were decided in [`crate::diagnose`]; the marks
//! and the verdict sentence are shared with the Markdown printer.

use std::io::{self, Write};

use crate::diagnose::{Diagnosis, StepStatus};
use crate::report::layout::wrap;
use crate::report::{View, style};
use crate::results::PolicyStatus;

pub(crate) fn mark(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Pass => "✓",
        StepStatus::Fail => "✗",
        StepStatus::Unknown => "?",
        StepStatus::Info => "i",
    }
}

pub(crate) fn verdict(d: &Diagnosis) -> &'static str {
    match d.status {
        PolicyStatus::Passed => "every step on the heartbeat's path passed",
        PolicyStatus::Failed => "the agent cannot talk to the manager: see ✗ above",
        PolicyStatus::Incomplete => "some step on the heartbeat's path could not be determined (?)",
    }
}

/// The checklist, coloured by result, within the view's width (80 columns
/// unless the terminal or `COLUMNS` says otherwise).
pub fn text(out: &mut dyn Write, d: &Diagnosis, view: &View) -> io::Result<()> {
    let w = view.width;
    let head = format!("diagnose {} as {}", d.manager, d.profile);
    for (i, l) in wrap(&head, w, "", "  ").into_iter().enumerate() {
        if i == 0 {
            writeln!(out, "{}", style::heading(&l))?;
        } else {
            writeln!(out, "{l}")?;
        }
    }
    for s in &d.steps {
        let m = mark(s.status);
        let m = match s.status {
            StepStatus::Pass => style::good(m),
            StepStatus::Fail if s.on_path => style::bad(m),
            StepStatus::Fail | StepStatus::Unknown => style::warn(m),
            StepStatus::Info => style::dim(m),
        };
        let scope = if s.on_path { "" } else { " (informs)" };
        for (i, l) in wrap(
            &format!("{}{scope}", s.title),
            w.saturating_sub(2),
            "",
            "  ",
        )
        .into_iter()
        .enumerate()
        {
            if i == 0 {
                writeln!(out, "{m} {l}")?;
            } else {
                writeln!(out, "  {l}")?;
            }
        }
        for l in wrap(&view.text(&s.evidence), w, "    ", "    ") {
            writeln!(out, "{l}")?;
        }
        if let Some(a) = &s.advice {
            for (i, l) in wrap(a, w.saturating_sub(6), "", "").into_iter().enumerate() {
                if i == 0 {
                    writeln!(out, "    {} {l}", style::warn("→"))?;
                } else {
                    writeln!(out, "      {l}")?;
                }
            }
        }
    }
    let status = match d.status {
        PolicyStatus::Passed => style::good("passed"),
        PolicyStatus::Failed => style::bad("failed"),
        PolicyStatus::Incomplete => style::warn("incomplete"),
    };
    let tail = format!("diagnosis: {}: {}", d.status, verdict(d));
    writeln!(out)?;
    for (i, l) in wrap(&tail, w, "", "  ").into_iter().enumerate() {
        if i == 0 {
            // The status word coloured, the rest as wrapped.
            let rest = l
                .strip_prefix(&format!("diagnosis: {}", d.status))
                .unwrap_or(&l);
            writeln!(out, "diagnosis: {status}{rest}")?;
        } else {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}
