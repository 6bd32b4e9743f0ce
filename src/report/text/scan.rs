//! The scan report as text: laid out for the terminal's width, one target
//! in full, or one row per endpoint and the counts per profile; then the
//! verdict, and the reasons for the CI log ([`policy_lines`]).
//!
//! The words a scan is said in (how far a profile was confirmed, whose
//! suite order decides, why not) are defined here once; the Markdown,
//! JUnit and HTML printers use them from here.

use std::io::{self, Write};

use crate::model::negotiate::Preference;
use crate::model::version::TlsVersion;
use crate::report::layout::{Cell, Grid, Paint, Row, labelled, width, wrap};
use crate::report::{View, policy_label, profile_order, style};
use crate::results::{
    CertificateSummary, Confirmed, PolicyReport, PolicyStatus, ProfileReport, ScanReport,
    ServerReport, TargetReport, TargetStatus, Verdict, Violation, date_text,
};

/// Whose order decides, per version: "the server's", or
/// "tls1.0 the server's, tls1.2 the client's" when versions differ.
pub(crate) fn order_text(server: &crate::results::ServerReport) -> String {
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
pub(crate) fn reason_text(p: &ProfileReport) -> Option<String> {
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
pub(crate) fn accepted_by_version(t: &TargetReport, view: &View) -> Vec<(TlsVersion, Vec<String>)> {
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

/// One endpoint's report, in page order: the heading, the addresses, then
/// either the error or what the server accepts and how each profile fares,
/// the legs with the manager, the findings and notes.
pub(crate) fn target_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    heading_text(out, t, view)?;
    addresses_text(out, t, view)?;
    if let Some(e) = &t.error {
        let label = format!("{}:", e.kind);
        write_lines(
            out,
            labelled(2, &label, Paint::Bad, &view.text(&e.message), view.width),
        )?;
        return directions_text(out, t, view);
    }
    if t.status == TargetStatus::NotScanned {
        return Ok(());
    }
    if let Some(server) = &t.server {
        server_text(out, t, server, view)?;
    }
    if !t.profiles.is_empty() {
        writeln!(out)?;
        write_lines(out, profile_grid(t, view).render(view.width))?;
    }
    directions_text(out, t, view)?;
    findings_text(out, t, view)
}

/// `TARGET (ROLE) at ADDRESS: STATUS`, the target styled as a heading and
/// the status in its colour.
fn heading_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
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
    let mut lines = wrap(&format!("{head} {status_word}"), view.width, "", "  ");
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
    write_lines(out, lines)
}

/// The addresses the name resolved to, when more than one, and which were
/// probed.
fn addresses_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    if t.resolved.len() <= 1 {
        return Ok(());
    }
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
            view.width,
            "  ",
            "    ",
        ),
    )
}

/// What the server accepts per version, its suite order, whether it asks
/// for a client certificate, its certificate, and what it behaves like.
fn server_text(
    out: &mut dyn Write,
    t: &TargetReport,
    server: &ServerReport,
    view: &View,
) -> io::Result<()> {
    let max = view.width;
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
        certificate_text(out, c, max)?;
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
    Ok(())
}

/// The certificate's subject, key and expiry (in the bad colour once
/// expired).
fn certificate_text(out: &mut dyn Write, c: &CertificateSummary, max: usize) -> io::Result<()> {
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
    Ok(())
}

/// The findings, then the notes (issues), each with its code.
fn findings_text(out: &mut dyn Write, t: &TargetReport, view: &View) -> io::Result<()> {
    for finding in &t.findings {
        let text = format!("{} [{}]", view.text(&finding.message), finding.code);
        write_lines(out, labelled(2, "finding:", Paint::Warn, &text, view.width))?;
    }
    for issue in &t.issues {
        let text = format!("{} [{}]", view.text(&issue.message), issue.code);
        write_lines(out, labelled(2, "note:", Paint::Warn, &text, view.width))?;
    }
    Ok(())
}

/// `agent-initiated works; manager-initiated fails: why`.
pub(crate) fn directions_summary(legs: &[crate::results::LegVerdict]) -> String {
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
    let words = policy_label(policy);
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

pub(crate) fn status_word(s: TargetStatus) -> &'static str {
    match s {
        TargetStatus::Ok => "ok",
        TargetStatus::Error => "error",
        TargetStatus::NotScanned => "not scanned",
    }
}

/// "dsa-10.0: compatible with 240 of 970 endpoints".
pub(crate) fn profile_counts(report: &ScanReport) -> Vec<String> {
    // In the order the profiles were given; the JSON map is alphabetical.
    let mut ids = profile_order(report);
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
    use crate::report::escape::terminal;
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
pub(crate) fn reasons(policy: &PolicyReport) -> impl Iterator<Item = (&'static str, &Violation)> {
    let failed = policy.violations.iter().map(|v| ("failed", v));
    let unknown = policy.unresolved.iter().map(|v| ("cannot tell", v));
    failed.chain(unknown)
}
