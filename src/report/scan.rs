//! The scan report in every format: text (laid out for the terminal's
//! width: one target in full, or one row per endpoint), JSON and YAML (the
//! stable schema), JSON Lines (one object per endpoint, then the verdict),
//! JUnit XML (one test case per profile) and Markdown (the text's summary,
//! for a change ticket).

use std::io::{self, Write};

use serde::Serialize;

use super::escape::md_code;
use super::layout::{Cell, Grid, Paint, Row, labelled, md_cell, md_table, width, wrap};
use super::style;
use super::{SCHEMA_VERSION, Tool, View};
use crate::model::negotiate::Preference;
use crate::model::version::TlsVersion;
use crate::results::{
    Confirmed, PolicyReport, PolicyStatus, ProfileReport, ScanReport, TargetReport, TargetStatus,
    Verdict, Violation, ViolationCode, date_text,
};

/// The report as JSON.
pub fn json(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    super::write_json(out, report)
}

/// The report as YAML.
pub fn yaml(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    super::write_yaml(out, report)
}

/// A JSON Lines line for one target: the target report with the document's
/// version and tool.
#[derive(Serialize, schemars::JsonSchema)]
struct TargetLine<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: &'a Tool,
    /// Which run (and shard) wrote the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a crate::results::RunRef>,
    /// The target's report.
    #[serde(flatten)]
    target: &'a TargetReport,
}

/// The last JSON Lines line: the verdict.
#[derive(Serialize, schemars::JsonSchema)]
struct PolicyLine<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: &'a Tool,
    /// Every endpoint at a glance.
    summary: &'a crate::results::Summary,
    /// The verdict over every target.
    policy: &'a PolicyReport,
    /// What identifies the run (the closing line of a shard says which).
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a crate::results::RunIdentity>,
}

/// Any line of `scan --format jsonl`.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum Line<'a> {
    /// One per target, in the order given.
    Target(TargetLine<'a>),
    /// The last line.
    Policy(PolicyLine<'a>),
}

/// The JSON Schema of the report (`scan --format json`).
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<ScanReport>()
}

/// The JSON Schema of one line of `scan --format jsonl`: a target line or
/// the final policy line.
pub fn line_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<Line<'static>>()
}

/// One JSON object per target, then one with the verdict.
pub fn jsonl(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let run = report
        .run
        .as_ref()
        .map(crate::results::RunIdentity::reference);
    for target in &report.targets {
        jsonl_target(out, &report.tool, run.as_ref(), target)?;
    }
    jsonl_policy(out, report)
}

/// One target's JSON Lines line (streamed as each target finishes), with
/// the run it belongs to.
pub fn jsonl_target(
    out: &mut dyn Write,
    tool: &Tool,
    run: Option<&crate::results::RunRef>,
    target: &TargetReport,
) -> io::Result<()> {
    let line = TargetLine {
        schema_version: SCHEMA_VERSION,
        tool,
        run,
        target,
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// The last JSON Lines line: the summary and the verdict.
pub fn jsonl_policy(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let line = PolicyLine {
        schema_version: SCHEMA_VERSION,
        tool: &report.tool,
        summary: &report.summary,
        policy: &report.policy,
        run: report.run.as_ref(),
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// Whose order decides, per version: "the server's", or
/// "tls1.0 the server's, tls1.2 the client's" when versions differ.
fn order_text(server: &crate::results::ServerReport) -> String {
    let whose = |p: &Preference| match p {
        Preference::Server => "the server's",
        Preference::Client => "the client's",
    };
    let mut distinct: Vec<&Preference> = server.preference.values().collect();
    distinct.dedup();
    let mut text = match distinct.as_slice() {
        [] => "undetermined".to_string(),
        [one] => whose(one).into(),
        _ => server
            .preference
            .iter()
            .map(|(v, p)| format!("{v} {}", whose(p)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    // Never an order that was not measured: say how much of it was.
    let partial: Vec<String> = server
        .preference
        .iter()
        .filter(|(_, p)| **p == Preference::Server)
        .filter_map(|(v, _)| {
            let n = server.cipher_suites.get(v).map_or(0, Vec::len);
            let m = server.order_measured.get(v).copied().unwrap_or(0);
            (m < n).then(|| match m {
                0 => format!("{v}: not measured, listed by id"),
                m => format!("{v}: measured for the first {m} of {n}, the rest by id"),
            })
        })
        .collect();
    if !partial.is_empty() {
        text.push_str(&format!(
            " ({}; --all-suites measures the whole order)",
            partial.join("; ")
        ));
    }
    text
}

/// How far a profile's result was proved, for people.
pub(crate) fn confirmed_text(p: &ProfileReport) -> String {
    let engine = p.engine.map(|e| format!(" ({e})")).unwrap_or_default();
    match p.confirmed {
        Confirmed::FullHandshake => format!("full handshake{engine}"),
        Confirmed::ClientCertificateRequired => "client certificate required".into(),
        Confirmed::Failed => format!("handshake failed{engine}"),
        Confirmed::NotAttempted if p.verdict == Verdict::Compatible => "first flight only".into(),
        Confirmed::NotAttempted => String::new(),
    }
}

/// Text for people, laid out for the view's width: with one target (or
/// `--details`) its full report; with two or more, one row per endpoint and
/// the counts per profile; then the verdict.
pub fn text(out: &mut dyn Write, report: &ScanReport, view: &View) -> io::Result<()> {
    let details = view.details || report.targets.len() < SUMMARY_FROM;
    if details {
        for (i, t) in report.targets.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            target_text(out, t, view)?;
        }
        writeln!(out)?;
    }
    summary_text(out, report, view, details)
}

/// From this many targets on, text and Markdown show the one-row-per-
/// endpoint summary instead of every target's full report (`--details`
/// shows both).
pub const SUMMARY_FROM: usize = 2;

/// A profile's verdict as a word, with its paint (text and demo alike).
pub(crate) fn verdict_cell(p: &ProfileReport) -> Cell {
    let paint = match p.verdict {
        Verdict::Inconclusive => Paint::Warn,
        Verdict::Compatible => Paint::Good,
        Verdict::Incompatible => Paint::Bad,
    };
    Cell::new(p.verdict.name(), paint)
}

/// Why not, for people: the reason, or what stopped a compatible profile
/// short of a handshake.
fn reason_text(p: &ProfileReport) -> Option<String> {
    if p.confirmed == Confirmed::ClientCertificateRequired {
        return Some("suite accepted; the endpoint requires a client certificate".into());
    }
    p.reason.clone()
}

/// The target's status as a word, with its paint.
fn status_cell(t: &TargetReport) -> Cell {
    match t.status {
        TargetStatus::Ok if t.complete => Cell::new("ok", Paint::Good),
        TargetStatus::Ok => Cell::new("incomplete", Paint::Warn),
        TargetStatus::Error => Cell::new("error", Paint::Bad),
        TargetStatus::NotScanned => Cell::new("not scanned", Paint::Warn),
    }
}

/// Per version probed: what the endpoint accepted, named the view's way.
fn accepted_by_version(t: &TargetReport, view: &View) -> Vec<(TlsVersion, Vec<String>)> {
    let Some(server) = &t.server else {
        return Vec::new();
    };
    TlsVersion::ALL
        .iter()
        .filter(|v| server.probed.versions.contains(v) || server.versions.contains(v))
        .map(|v| {
            let suites = server
                .cipher_suites
                .get(v)
                .map(|s| s.iter().map(|id| view.suite(*id)).collect())
                .unwrap_or_default();
            (*v, suites)
        })
        .collect()
}

fn write_lines(out: &mut dyn Write, lines: Vec<String>) -> io::Result<()> {
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One target's full report: what it accepts, its certificate, and a line
/// per profile with the reason underneath.
pub(crate) fn target_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    let max = view.width;
    let address = match (&t.address, t.addresses.len()) {
        (Some(a), n) if n > 1 => format!(" at {a} (of {n} addresses)"),
        (Some(a), _) if a != &t.host => format!(" at {a}"),
        _ => String::new(),
    };
    let status = status_cell(t);
    let status_word = if t.status == TargetStatus::NotScanned {
        "not scanned (interrupted)".to_string()
    } else {
        status.text().to_string()
    };
    let head = format!("{} ({}){address}:", t.target, t.role);
    let mut lines = wrap(&format!("{head} {status_word}"), max, "", "  ");
    if let Some(first) = lines.first_mut() {
        if let Some(rest) = first.strip_prefix(&head) {
            *first = format!("{}{rest}", style::heading(&head));
        }
    }
    if let Some(last) = lines.last_mut() {
        if let Some(start) = last.strip_suffix(&status_word) {
            *last = format!("{start}{}", status.paint().apply(&status_word));
        }
    }
    write_lines(out, lines)?;
    if t.resolved.len() > 1 {
        let each: Vec<String> = t
            .resolved
            .iter()
            .map(|r| {
                let how = if r.probed { "probed" } else { "not probed" };
                format!("{} ({how})", r.address)
            })
            .collect();
        write_lines(
            out,
            wrap(
                &format!(
                    "addresses: {} (--all-addresses scans each)",
                    each.join(", ")
                ),
                max,
                "  ",
                "    ",
            ),
        )?;
    }
    if let Some(e) = &t.error {
        let label = format!("{}:", e.kind);
        write_lines(
            out,
            labelled(2, &label, Paint::Bad, &view.text(&e.message), max),
        )?;
        return directions_text(out, t, view);
    }
    if t.status == TargetStatus::NotScanned {
        return Ok(());
    }
    if let Some(server) = &t.server {
        writeln!(out, "  accepted:")?;
        for (v, suites) in accepted_by_version(t, view) {
            let label = format!("    {v}: ");
            let hang = " ".repeat(width(&label));
            let list = if suites.is_empty() {
                "-".to_string()
            } else {
                suites.join(", ")
            };
            write_lines(out, wrap(&list, max, &label, &hang))?;
        }
        write_lines(
            out,
            wrap(
                &format!("suite order: {}", order_text(server)),
                max,
                "  ",
                "    ",
            ),
        )?;
        writeln!(
            out,
            "  client certificate: {}",
            server.client_certificate.name()
        )?;
        if let Some(c) = &server.certificate {
            let expiry = if c.expired {
                format!("expired {}", date_text(c.not_after))
            } else {
                format!("valid until {}", date_text(c.not_after))
            };
            let text = format!(
                "certificate: {} ({} {}), {expiry}",
                c.subject, c.key_type, c.key_bits
            );
            for line in wrap(&text, max, "  ", "    ") {
                let paint = if c.expired { Paint::Bad } else { Paint::Plain };
                writeln!(out, "{}", paint.apply(&line))?;
            }
        }
        if !server.matches_profiles.is_empty() {
            write_lines(
                out,
                wrap(
                    &format!("behaves like: {}", server.matches_profiles.join(", ")),
                    max,
                    "  ",
                    "    ",
                ),
            )?;
        }
    }
    if !t.profiles.is_empty() {
        writeln!(out)?;
        write_lines(out, profile_grid(t, view).render(max))?;
    }
    directions_text(out, t, view)?;
    for finding in &t.findings {
        let text = format!("{} [{}]", view.text(&finding.message), finding.code);
        write_lines(out, labelled(2, "finding:", Paint::Warn, &text, max))?;
    }
    for issue in &t.issues {
        let text = format!("{} [{}]", view.text(&issue.message), issue.code);
        write_lines(out, labelled(2, "note:", Paint::Warn, &text, max))?;
    }
    Ok(())
}

/// `agent-initiated works; manager-initiated fails: why`.
fn directions_summary(legs: &[crate::results::LegVerdict]) -> String {
    use crate::results::LegStatus;
    legs.iter()
        .map(|l| match (l.status(), &l.reason) {
            (LegStatus::Works, _) => format!("{} works", l.direction),
            (LegStatus::Fails, Some(r)) => format!("{} fails: {r}", l.direction),
            (LegStatus::Fails, None) => format!("{} fails", l.direction),
            (LegStatus::Unknown, Some(r)) => format!("{} unknown: {r}", l.direction),
            (LegStatus::Unknown, None) => format!("{} unknown", l.direction),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The lines about an agent's legs with the manager of the same run.
fn directions_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    let Some(legs) = &t.directions else {
        return Ok(());
    };
    let all_work = legs.iter().all(|l| l.verdict == Verdict::Compatible);
    let paint = if all_work { Paint::Good } else { Paint::Warn };
    let text = view.text(&directions_summary(legs));
    write_lines(
        out,
        labelled(2, "with the manager:", paint, &text, view.width),
    )
}

/// A line per profile: verdict, version, suite (and, when it fits, how
/// far it was confirmed); the reason underneath.
fn profile_grid(t: &TargetReport, view: &View) -> Grid {
    let mut grid = Grid::new(
        2,
        vec!["Profile", "Result", "Version", "Cipher suite", "Confirmed"],
    )
    .optional(4)
    .notes_header("Reason");
    for p in &t.profiles {
        let (version, suite) = match &p.negotiated {
            Some(a) => (a.version.to_string(), view.suite(a.cipher_suite)),
            None => (String::new(), String::new()),
        };
        let mut row = Row::new(vec![
            p.profile.as_str().into(),
            verdict_cell(p),
            version.into(),
            suite.into(),
            confirmed_text(p).into(),
        ]);
        if let Some(reason) = reason_text(p) {
            row = row.note(view.text(&reason));
        }
        if p.verdict == Verdict::Compatible && p.confirmed == Confirmed::NotAttempted {
            row = row.narrow_note("first flight only: not confirmed by a handshake");
        }
        grid.push(row);
    }
    grid
}

/// The one-row-per-endpoint grid: status, compatible profiles, what it
/// behaves like; an error or findings underneath.
fn fleet_grid(report: &ScanReport, view: &View) -> Grid {
    let mut grid = Grid::new(
        0,
        vec!["Target", "Role", "Status", "Compatible", "Behaves like"],
    )
    .notes_header("Notes");
    for (t, r) in report
        .targets
        .iter()
        .zip(&report.summary.endpoints)
        .filter(|(t, _)| view.lists(t))
    {
        let checked = t.profiles.len();
        let count = |v: Verdict| t.profiles.iter().filter(|p| p.verdict == v).count();
        let compatible = count(Verdict::Compatible);
        let inconclusive = count(Verdict::Inconclusive);
        let count = if t.status != TargetStatus::Ok {
            Cell::from("-")
        } else {
            let paint = if compatible == checked {
                Paint::Good
            } else if compatible + inconclusive == checked {
                Paint::Warn
            } else {
                Paint::Bad
            };
            Cell::new(format!("{compatible} of {checked}"), paint)
        };
        let mut row = Row::new(vec![
            r.target.as_str().into(),
            r.role.to_string().into(),
            status_cell(t),
            count,
            r.behaves_like.join(", ").into(),
        ]);
        if let Some(e) = &t.error {
            row = row.note(Cell::new(
                format!("{}: {}", e.kind, view.text(&e.message)),
                Paint::Bad,
            ));
        }
        // A leg that does not work with the run's manager (all working: quiet).
        if let Some(legs) = t
            .directions
            .as_ref()
            .filter(|l| l.iter().any(|l| l.verdict != Verdict::Compatible))
        {
            row = row.note(Cell::new(
                format!("with the manager: {}", view.text(&directions_summary(legs))),
                Paint::Warn,
            ));
        }
        if !r.findings.is_empty() {
            let names: Vec<&str> = r.findings.iter().map(|f| f.name()).collect();
            row = row.note(Cell::new(
                format!("findings: {}", names.join(", ")),
                Paint::Warn,
            ));
        }
        grid.push(row);
    }
    grid
}

/// The fleet summary (two or more targets), the counts, and the verdict.
fn summary_text(
    out: &mut dyn Write,
    report: &ScanReport,
    view: &View,
    details: bool,
) -> io::Result<()> {
    let max = view.width;
    if report.targets.len() >= SUMMARY_FROM {
        write_lines(out, fleet_grid(report, view).render(max))?;
        writeln!(out)?;
        for line in profile_counts(report) {
            write_lines(out, wrap(&line, max, "", "  "))?;
        }
        writeln!(out)?;
    }
    let errors = report
        .targets
        .iter()
        .filter(|t| t.status != TargetStatus::Ok)
        .count();
    let incomplete = report
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Ok && !t.complete)
        .count();
    let counts = format!(
        "{} target(s): {} ok, {} incomplete, {} could not be scanned",
        report.targets.len(),
        report.targets.len() - errors - incomplete,
        incomplete,
        errors
    );
    write_lines(out, wrap(&counts, max, "", "  "))?;
    if !details {
        write_lines(
            out,
            wrap(
                "(--details prints every target's full report)",
                max,
                "",
                "  ",
            )
            .into_iter()
            .map(|l| Paint::Dim.apply(&l))
            .collect(),
        )?;
    }
    let policy = &report.policy;
    let words = super::policy_label(policy);
    let label = match (policy.rules, policy.status) {
        (0, PolicyStatus::Passed) => colored::Colorize::normal(words),
        (_, PolicyStatus::Passed) => style::good(words),
        (_, PolicyStatus::Failed) => style::bad(words),
        (_, PolicyStatus::Incomplete) => style::warn(words),
    };
    writeln!(out, "policy: {label}")?;
    for (word, v) in reasons(policy) {
        let text = format!("{}: {}: {}", v.target, v.rule, view.text(&v.message));
        let paint = if word == "failed" {
            Paint::Bad
        } else {
            Paint::Warn
        };
        write_lines(out, labelled(2, &format!("{word}:"), paint, &text, max))?;
    }
    Ok(())
}

fn status_word(s: TargetStatus) -> &'static str {
    match s {
        TargetStatus::Ok => "ok",
        TargetStatus::Error => "error",
        TargetStatus::NotScanned => "not scanned",
    }
}

/// "dsa-10.0: compatible with 240 of 970 endpoints".
fn profile_counts(report: &ScanReport) -> Vec<String> {
    // In the order the profiles were given; the JSON map is alphabetical.
    let mut ids = super::profile_order(report);
    ids.extend(
        report
            .summary
            .profiles
            .keys()
            .filter(|k| !ids.contains(k))
            .cloned()
            .collect::<Vec<_>>(),
    );
    ids.iter()
        .filter_map(|id| report.summary.profiles.get(id).map(|c| (id, c)))
        .map(|(id, c)| {
            format!(
                "{id}: compatible with {} of {} endpoint{}",
                c.compatible,
                c.of,
                if c.of == 1 { "" } else { "s" }
            )
        })
        .collect()
}

/// The reasons in the CI log: one line per failed rule and per rule that
/// could not be decided, whatever the report's format (the caller writes
/// them to standard error). Never wrapped: one rule, one line, whatever
/// the target, the rule or the message hold (control characters shown as
/// escapes: a server's line break cannot forge a line).
pub fn policy_lines(out: &mut dyn Write, policy: &PolicyReport) -> io::Result<()> {
    use super::escape::terminal;
    for (word, v) in reasons(policy) {
        writeln!(
            out,
            "{word}: {}: {}: {}",
            terminal(&v.target),
            terminal(&v.rule),
            terminal(&v.message)
        )?;
    }
    Ok(())
}

/// Every failed rule (`failed`), then every rule that could not be decided
/// (`cannot tell`).
fn reasons(policy: &PolicyReport) -> impl Iterator<Item = (&'static str, &Violation)> {
    let failed = policy.violations.iter().map(|v| ("failed", v));
    let unknown = policy.unresolved.iter().map(|v| ("cannot tell", v));
    failed.chain(unknown)
}

/// Markdown for a change ticket: the same summary as the text (one table
/// row per endpoint when there are two or more targets; every target's
/// section with one or with `--details`), then the verdict. Tables render
/// on GitHub and GitLab: every cell is escaped.
pub fn markdown(out: &mut dyn Write, report: &ScanReport, view: &View) -> io::Result<()> {
    writeln!(out, "# tlscompat scan\n")?;
    let many = report.targets.len() >= SUMMARY_FROM;
    if many {
        writeln!(out, "## Summary\n")?;
        let rows: Vec<Vec<String>> = report
            .targets
            .iter()
            .zip(&report.summary.endpoints)
            .filter(|(t, _)| view.lists(t))
            .map(|(t, r)| {
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
            })
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
    }
    if !many || view.details {
        for t in &report.targets {
            target_markdown(out, t, view)?;
        }
    }
    writeln!(out, "**Policy: {}**", super::policy_label(&report.policy))?;
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

/// Data outside a table, escaped (see `escape::markdown`).
fn md_text(s: &str) -> String {
    super::escape::markdown(s)
}

/// One target's section: what it accepts, then a table row per profile.
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
        writeln!(out)?;
    }
    let rows: Vec<Vec<String>> = t
        .profiles
        .iter()
        .map(|p| {
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
        })
        .collect();
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
    writeln!(out)
}

/// Text for an XML attribute or element: markup escaped; a line break or
/// tab as a character reference (kept, and never a raw break in a CI log
/// that prints the message); any other control character, which XML 1.0
/// forbids or a terminal would obey, shown as a visible escape (`\x1b`).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() => out.push_str(&super::escape::terminal(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

/// One JUnit test case: its name and, when it did not pass, a failure
/// or an error element.
struct Case {
    name: String,
    failure: Option<String>,
    error: Option<(String, String)>,
    out: Option<String>,
}

/// The cases of one target, decided once from the report's own verdicts
/// (the policy's violations and each profile's `conclusive`), so that the
/// counts in the attributes are the counts of the elements.
fn cases(report: &ScanReport, t: &TargetReport) -> Vec<Case> {
    let mut cases = Vec::new();
    if t.listens_on_nothing_as_expected() {
        // Not an error: the policy leaves it out too (see `policy::verdict`).
        let message = t.error.as_ref().map(|e| e.message.clone());
        cases.push(Case {
            name: "scan".into(),
            failure: None,
            error: None,
            out: message,
        });
    } else if let Some(e) = &t.error {
        cases.push(Case {
            name: "scan".into(),
            failure: None,
            error: Some((e.kind.to_string(), e.message.clone())),
            out: None,
        });
    } else if t.status == TargetStatus::NotScanned {
        cases.push(Case {
            name: "scan".into(),
            failure: None,
            error: Some(("not_scanned".into(), "the run was interrupted".into())),
            out: None,
        });
    }
    for p in &t.profiles {
        let violation = report
            .policy
            .violations
            .iter()
            .find(|v| v.target == t.target && v.profile.as_ref() == Some(&p.profile));
        let reason = p.reason.clone().unwrap_or_default();
        let mut case = Case {
            name: p.profile.clone(),
            failure: None,
            error: None,
            out: None,
        };
        match (violation, p.verdict) {
            (Some(v), _) => case.failure = Some(v.message.clone()),
            (None, Verdict::Inconclusive) => {
                let code = p.reason_code.map_or(p.verdict.name(), |c| c.name());
                case.error = Some((code.to_string(), reason));
            }
            (None, Verdict::Compatible) => {
                let how = match &p.negotiated {
                    Some(a) => format!(" {} {}", a.version, a.cipher_suite),
                    None => String::new(),
                };
                case.out = Some(format!("{}:{how} ({})", p.verdict, confirmed_text(p)));
            }
            (None, Verdict::Incompatible) => case.out = Some(format!("{}: {reason}", p.verdict)),
        }
        cases.push(case);
    }
    // Every other failed rule (forbidden versions and suites, certificate,
    // exposed agent port) is a failing case of its own.
    for v in report
        .policy
        .violations
        .iter()
        .filter(|v| v.target == t.target && v.profile.is_none())
    {
        cases.push(Case {
            name: v.rule.clone(),
            failure: Some(v.message.clone()),
            error: None,
            out: None,
        });
    }
    for v in report.policy.unresolved.iter().filter(|v| {
        v.target == t.target && v.profile.is_none() && v.code != ViolationCode::NotScanned
    }) {
        cases.push(Case {
            name: v.rule.clone(),
            failure: None,
            error: Some((v.code.to_string(), v.message.clone())),
            out: None,
        });
    }
    cases
}

/// JUnit XML: a test suite per target, a test case per profile. A required
/// profile that is incompatible fails; a target that could not be scanned,
/// or a profile whose answer is unknown, is an error.
///
/// The document is written with `quick-xml`'s writer (elements, nesting,
/// indentation); values go through [`xml`] first, which keeps line breaks
/// as character references and shows other control characters visibly
/// (XML 1.0 cannot carry them at all). `tests/it/junit.rs` reads the output
/// back with `junit-parser`.
pub fn junit(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    use quick_xml::Writer;
    use quick_xml::events::{BytesDecl, BytesText, Event};
    let suites: Vec<(&TargetReport, Vec<Case>)> = report
        .targets
        .iter()
        .map(|t| (t, cases(report, t)))
        .collect();
    let count = |cases: &[Case], f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count();
    let total =
        |f: &dyn Fn(&Case) -> bool| -> usize { suites.iter().map(|(_, c)| count(c, f)).sum() };
    let failed = |c: &Case| c.failure.is_some();
    let errored = |c: &Case| c.error.is_some();
    let mut w = Writer::new_with_indent(io::BufWriter::new(out), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attribute(attr("name", "tlscompat"))
        .with_attribute(attr("tests", &total(&|_| true).to_string()))
        .with_attribute(attr("failures", &total(&failed).to_string()))
        .with_attribute(attr("errors", &total(&errored).to_string()))
        .write_inner_content(|w| {
            for (t, cases) in &suites {
                w.create_element("testsuite")
                    .with_attribute(attr("name", &t.target))
                    .with_attribute(attr("tests", &cases.len().to_string()))
                    .with_attribute(attr("failures", &count(cases, &failed).to_string()))
                    .with_attribute(attr("errors", &count(cases, &errored).to_string()))
                    .write_inner_content(|w| {
                        for c in cases {
                            let case = w
                                .create_element("testcase")
                                .with_attribute(attr("classname", &t.target))
                                .with_attribute(attr("name", &c.name));
                            if c.failure.is_none() && c.error.is_none() && c.out.is_none() {
                                case.write_empty()?;
                                continue;
                            }
                            case.write_inner_content(|w| {
                                if let Some(message) = &c.failure {
                                    w.create_element("failure")
                                        .with_attribute(attr("message", message))
                                        .write_empty()?;
                                }
                                if let Some((kind, message)) = &c.error {
                                    w.create_element("error")
                                        .with_attribute(attr("type", kind))
                                        .with_attribute(attr("message", message))
                                        .write_empty()?;
                                }
                                if let Some(text) = &c.out {
                                    w.create_element("system-out")
                                        .write_text_content(BytesText::from_escaped(xml(text)))?;
                                }
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.write_all(b"\n")?;
    out.flush()
}

/// An attribute whose value is escaped by [`xml`] (quick-xml's own escaping
/// would leave line breaks to be read back as spaces).
fn attr<'a>(key: &'a str, value: &str) -> quick_xml::events::attributes::Attribute<'a> {
    quick_xml::events::attributes::Attribute {
        key: quick_xml::name::QName(key.as_bytes()),
        value: std::borrow::Cow::Owned(xml(value).into_bytes()),
    }
}
