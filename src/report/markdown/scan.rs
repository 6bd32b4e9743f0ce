//! The scan report in Markdown for a change ticket: the text's summary
//! (one table row per endpoint from two targets on), each target's section,
//! then the verdict. Every cell and line from outside is escaped.

use std::io::{self, Write};

use crate::report::escape::md_code;
use crate::report::layout::{md_cell, md_table};
use crate::report::text::scan::{
    SUMMARY_FROM, accepted_by_version, confirmed_text, directions_summary, order_text,
    profile_counts, reason_text, reasons, status_word,
};
use crate::report::{View, escape, policy_label};
use crate::results::{
    ProfileReport, ScanReport, ServerReport, SummaryRow, TargetReport, TargetStatus, Verdict,
};

/// Markdown for a change ticket: the same summary as the text (one table
/// row per endpoint when there are two or more targets; every target's
/// section with one or with `--details`), then the verdict. Tables render
/// on GitHub and GitLab: every cell is escaped.
pub fn markdown(out: &mut dyn Write, report: &ScanReport, view: &View) -> io::Result<()> {
    writeln!(out, "# tlscompat scan\n")?;
    let many = report.targets.len() >= SUMMARY_FROM;
    if many {
        summary_markdown(out, report, view)?;
    }
    if !many || view.details {
        for t in &report.targets {
            target_markdown(out, t, view)?;
        }
    }
    writeln!(out, "**Policy: {}**", policy_label(&report.policy))?;
    for (word, v) in reasons(&report.policy) {
        writeln!(
            out,
            "- {word}: {}: {}: {}",
            md_text(&v.target),
            md_text(&v.rule),
            md_text(&view.text(&v.message))
        )?;
    }
    Ok(())
}

/// The summary of two or more targets: a table row per endpoint listed,
/// the counts per profile, and where the full reports are.
fn summary_markdown(out: &mut dyn Write, report: &ScanReport, view: &View) -> io::Result<()> {
    writeln!(out, "## Summary\n")?;
    let rows: Vec<Vec<String>> = report
        .targets
        .iter()
        .zip(&report.summary.endpoints)
        .filter(|(t, _)| view.lists(t))
        .map(|(t, r)| summary_row(t, r, view))
        .collect();
    out.write_all(
        md_table(
            &[
                "Target",
                "Role",
                "Status",
                "Behaves like",
                "Compatible",
                "Not compatible",
                "Findings",
            ],
            &rows,
        )
        .as_bytes(),
    )?;
    writeln!(out)?;
    for line in profile_counts(report) {
        writeln!(out, "- {line}")?;
    }
    writeln!(out)?;
    if !view.details {
        writeln!(out, "Every target's full report: `--details`.\n")?;
    }
    Ok(())
}

/// One endpoint's summary row: its status, what it behaves like, the
/// profiles that connect and those that do not, its findings.
fn summary_row(t: &TargetReport, r: &SummaryRow, view: &View) -> Vec<String> {
    let not: Vec<String> = t
        .profiles
        .iter()
        .filter(|p| p.verdict != Verdict::Compatible)
        .map(|p| match p.verdict {
            Verdict::Inconclusive => format!("{} ({})", p.profile, p.verdict),
            _ => p.profile.clone(),
        })
        .collect();
    let status = match t.status {
        TargetStatus::Ok if !t.complete => "incomplete".to_string(),
        TargetStatus::Error => match &t.error {
            Some(e) => format!("error ({}: {})", e.kind, view.text(&e.message)),
            None => "error".into(),
        },
        s => status_word(s).to_string(),
    };
    vec![
        md_cell(&r.target),
        md_cell(&r.role.to_string()),
        md_cell(&status),
        md_cell(&r.behaves_like.join(", ")),
        md_cell(&r.compatible.join(", ")),
        md_cell(&not.join(", ")),
        md_cell(
            &r.findings
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
}

/// Data outside a table, escaped (see `escape::markdown`).
fn md_text(s: &str) -> String {
    escape::markdown(s)
}

/// One target's section: what it accepts, then a table row per profile,
/// then the legs with the manager, the findings and notes.
fn target_markdown(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    writeln!(out, "## {} ({})\n", md_text(&t.target), t.role)?;
    if let Some(e) = &t.error {
        writeln!(
            out,
            "**Could not be scanned** ({}): {}\n",
            e.kind,
            md_text(&view.text(&e.message))
        )?;
        return Ok(());
    }
    if t.status == TargetStatus::NotScanned {
        return writeln!(out, "**Not scanned**: the run was interrupted\n");
    }
    if let Some(server) = &t.server {
        server_markdown(out, t, server, view)?;
    }
    let rows: Vec<Vec<String>> = t.profiles.iter().map(|p| profile_row(p, view)).collect();
    out.write_all(
        md_table(
            &[
                "Profile",
                "Result",
                "Version",
                "Cipher suite",
                "Confirmed",
                "Reason",
            ],
            &rows,
        )
        .as_bytes(),
    )?;
    notes_markdown(out, t, view)?;
    writeln!(out)
}

/// What the server accepts per version, its suite order, whether it asks
/// for a client certificate, and what it behaves like.
fn server_markdown(
    out: &mut dyn Write,
    t: &TargetReport,
    server: &ServerReport,
    view: &View,
) -> io::Result<()> {
    for (v, suites) in accepted_by_version(t, view) {
        let list = if suites.is_empty() {
            "-".to_string()
        } else {
            suites
                .iter()
                .map(|s| md_code(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "- accepted {v}: {list}")?;
    }
    writeln!(out, "- suite order: {}", order_text(server))?;
    writeln!(
        out,
        "- client certificate: {}",
        server.client_certificate.name()
    )?;
    if !server.matches_profiles.is_empty() {
        writeln!(
            out,
            "- behaves like: {}",
            md_text(&server.matches_profiles.join(", "))
        )?;
    }
    writeln!(out)
}

/// One profile's row: its verdict, what it negotiated, how far that was
/// confirmed, and why.
fn profile_row(p: &ProfileReport, view: &View) -> Vec<String> {
    let mark = match p.verdict {
        Verdict::Inconclusive => "❔",
        Verdict::Compatible => "✅",
        Verdict::Incompatible => "❌",
    };
    let result = format!("{mark} {}", p.verdict);
    let (version, suite) = match &p.negotiated {
        Some(a) => (a.version.to_string(), md_code(&view.suite(a.cipher_suite))),
        None => (String::new(), String::new()),
    };
    vec![
        md_cell(&p.profile),
        result.to_string(),
        version,
        suite,
        md_cell(&confirmed_text(p)),
        reason_text(p)
            .map(|r| md_cell(&view.text(&r)))
            .unwrap_or_default(),
    ]
}

/// The quoted lines under the table: the legs with the manager, the
/// findings, the notes (issues).
fn notes_markdown(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    if let Some(legs) = &t.directions {
        writeln!(
            out,
            "\n> with the manager: {}",
            md_text(&view.text(&directions_summary(legs)))
        )?;
    }
    for finding in &t.findings {
        writeln!(
            out,
            "\n> finding (`{}`): {}",
            finding.code,
            md_text(&view.text(&finding.message))
        )?;
    }
    for issue in &t.issues {
        writeln!(
            out,
            "\n> note (`{}`): {}",
            issue.code,
            md_text(&view.text(&issue.message))
        )?;
    }
    Ok(())
}
