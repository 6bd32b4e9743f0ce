//! The scan report in every format: text (tables per endpoint), JSON and
//! YAML (the stable schema), JSON Lines (one object per endpoint, then the
//! verdict), JUnit XML (one test case per profile) and Markdown.

use std::io::{self, Write};

use serde::Serialize;

use super::style;
use super::{SCHEMA_VERSION, Tool};
use crate::negotiate::Preference;
use crate::results::{
    Confirmed, PolicyReport, PolicyStatus, ProfileReport, ScanReport, TargetReport, TargetStatus,
};
use crate::version::TlsVersion;

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
    for target in &report.targets {
        jsonl_target(out, &report.tool, target)?;
    }
    jsonl_policy(out, report)
}

/// One target's JSON Lines line (streamed as each target finishes).
pub fn jsonl_target(out: &mut dyn Write, tool: &Tool, target: &TargetReport) -> io::Result<()> {
    let line = TargetLine {
        schema_version: SCHEMA_VERSION,
        tool,
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
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// A profile's result as the reports label it.
enum Verdict {
    Compatible,
    Incompatible,
    /// The profile's own hello got no usable answer.
    Unknown,
}

impl Verdict {
    fn of(p: &ProfileReport) -> Verdict {
        match (p.conclusive, p.compatible) {
            (false, _) => Verdict::Unknown,
            (true, true) => Verdict::Compatible,
            (true, false) => Verdict::Incompatible,
        }
    }
}

/// The negotiated version and suite, or two empty cells.
fn negotiated_cells(p: &ProfileReport) -> (String, String) {
    match &p.negotiated {
        Some(a) => (a.version.to_string(), a.cipher_suite.to_string()),
        None => (String::new(), String::new()),
    }
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
    match distinct.as_slice() {
        [] => "undetermined".into(),
        [one] => whose(one).into(),
        _ => server
            .preference
            .iter()
            .map(|(v, p)| format!("{v} {}", whose(p)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// How far a profile's result was proved, for people.
fn confirmed_text(p: &ProfileReport) -> String {
    let engine = p.engine.map(|e| format!(" ({e})")).unwrap_or_default();
    match p.confirmed {
        Confirmed::FullHandshake => format!("full handshake{engine}"),
        Confirmed::ClientCertificateRequired => "client certificate required".into(),
        Confirmed::Failed => format!("handshake failed{engine}"),
        Confirmed::NotAttempted if p.compatible => "first flight only".into(),
        Confirmed::NotAttempted => String::new(),
    }
}

fn accepted_lines(t: &TargetReport) -> Vec<String> {
    let Some(server) = &t.server else {
        return Vec::new();
    };
    TlsVersion::ALL
        .iter()
        .filter(|v| server.probed.versions.contains(v) || server.versions.contains(v))
        .map(|v| match server.cipher_suites.get(v) {
            Some(suites) => format!(
                "{v}: {}",
                suites
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!("{v}: -"),
        })
        .collect()
}

/// Tables for people: per target what it accepts, then per profile.
pub fn text(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    for (i, t) in report.targets.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        target_text(out, t)?;
    }
    writeln!(out)?;
    summary_text(out, report)
}

pub(crate) fn target_text(out: &mut dyn Write, t: &TargetReport) -> io::Result<()> {
    let status = match t.status {
        TargetStatus::Ok if t.complete => style::good("ok"),
        TargetStatus::Ok => style::warn("incomplete"),
        TargetStatus::Error => style::bad("error"),
        TargetStatus::NotScanned => style::warn("not scanned (interrupted)"),
    };
    let address = match (&t.address, t.addresses.len()) {
        (Some(a), n) if n > 1 => format!(" at {a} (of {n} addresses)"),
        (Some(a), _) if a != &t.host => format!(" at {a}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} ({}){address}: {status}",
        style::heading(&t.target),
        t.role
    )?;
    if t.resolved.len() > 1 {
        let each: Vec<String> = t
            .resolved
            .iter()
            .map(|r| {
                let how = if r.probed { "probed" } else { "not probed" };
                format!("{} ({how})", r.address)
            })
            .collect();
        writeln!(
            out,
            "  addresses: {} (--all-addresses scans each)",
            each.join(", ")
        )?;
    }
    if let Some(e) = &t.error {
        writeln!(
            out,
            "  {} {}",
            style::bad(&format!("{}:", e.kind)),
            e.message
        )?;
        return Ok(());
    }
    if t.status == TargetStatus::NotScanned {
        return Ok(());
    }
    if let Some(server) = &t.server {
        writeln!(out, "  accepted:")?;
        for line in accepted_lines(t) {
            writeln!(out, "    {line}")?;
        }
        writeln!(out, "  suite order: {}", order_text(server))?;
        writeln!(
            out,
            "  client certificate: {}",
            server.client_certificate.name()
        )?;
        if let Some(c) = &server.certificate {
            let expiry = if c.expired {
                style::bad(&format!("expired {}", c.not_after))
            } else {
                style::dim(&format!("valid until {}", c.not_after))
            };
            writeln!(
                out,
                "  certificate: {} ({} {}) {expiry}",
                c.subject, c.key_type, c.key_bits
            )?;
            if c.key_type != "rsa" {
                writeln!(
                    out,
                    "    {}",
                    style::warn("not RSA: no Deep Security cipher suite can use this certificate")
                )?;
            }
        }
        if !server.matches_profiles.is_empty() {
            writeln!(
                out,
                "  behaves like: {}",
                server.matches_profiles.join(", ")
            )?;
        }
    }
    if !t.profiles.is_empty() {
        let mut table = style::table([
            "Profile",
            "Result",
            "Version",
            "Cipher suite",
            "Confirmed",
            "Reason",
        ]);
        for p in &t.profiles {
            let result = match Verdict::of(p) {
                Verdict::Unknown => style::warn("unknown"),
                Verdict::Compatible => style::good("compatible"),
                Verdict::Incompatible => style::bad("incompatible"),
            };
            let (version, suite) = negotiated_cells(p);
            let mut reason = p.reason.clone().unwrap_or_default();
            if p.confirmed == Confirmed::ClientCertificateRequired {
                reason = "suite accepted; the endpoint requires a client certificate".into();
            }
            table.add_row(vec![
                p.profile.clone(),
                result.to_string(),
                version,
                suite,
                confirmed_text(p),
                reason,
            ]);
        }
        writeln!(out, "{table}")?;
    }
    for finding in &t.findings {
        writeln!(
            out,
            "  {} {} [{}]",
            style::warn("finding:"),
            finding.message,
            finding.code
        )?;
    }
    for issue in &t.issues {
        writeln!(
            out,
            "  {} {} [{}]",
            style::warn("note:"),
            issue.message,
            issue.code
        )?;
    }
    Ok(())
}

/// The one-row-per-endpoint table and the counts per profile, shown when
/// there are several targets.
fn fleet_text(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let s = &report.summary;
    if s.endpoints.len() < 2 {
        return Ok(());
    }
    let mut table = style::table([
        "Target",
        "Role",
        "Status",
        "Behaves like",
        "Compatible",
        "Findings",
    ]);
    for r in &s.endpoints {
        table.add_row(vec![
            r.target.clone(),
            r.role.to_string(),
            status_word(r.status).to_string(),
            r.behaves_like.join(", "),
            r.compatible.join(", "),
            r.findings
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    writeln!(out, "{table}")?;
    for line in profile_counts(report) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)
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
    report
        .summary
        .profiles
        .iter()
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

fn summary_text(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    fleet_text(out, report)?;
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
    writeln!(
        out,
        "{} target(s): {} ok, {} incomplete, {} could not be scanned",
        report.targets.len(),
        report.targets.len() - errors - incomplete,
        incomplete,
        errors
    )?;
    let policy = &report.policy;
    let label = match policy.status {
        PolicyStatus::Passed => style::good("passed"),
        PolicyStatus::Failed => style::bad("failed"),
        PolicyStatus::Incomplete => style::warn("incomplete"),
    };
    writeln!(out, "policy: {label}")?;
    reason_lines(out, policy, "  ")
}

/// The reasons in the CI log: one line per failed rule and per rule that
/// could not be decided, whatever the report's format (the caller writes
/// them to standard error).
pub fn policy_lines(out: &mut dyn Write, policy: &PolicyReport) -> io::Result<()> {
    reason_lines(out, policy, "")
}

/// `failed: TARGET: RULE: why` and `cannot tell: …`, after `indent`.
fn reason_lines(out: &mut dyn Write, policy: &PolicyReport, indent: &str) -> io::Result<()> {
    for (word, list) in [
        ("failed", &policy.violations),
        ("cannot tell", &policy.unresolved),
    ] {
        for v in list {
            writeln!(
                out,
                "{indent}{word}: {}: {}: {}",
                v.target, v.rule, v.message
            )?;
        }
    }
    Ok(())
}

/// Sections with tables, for pull requests and wikis.
pub fn markdown(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    writeln!(out, "# tlscompat scan\n")?;
    for t in &report.targets {
        writeln!(out, "## {} ({})\n", t.target, t.role)?;
        if let Some(e) = &t.error {
            writeln!(
                out,
                "**Could not be scanned** ({}): {}\n",
                e.kind,
                e.message.replace('|', "\\|")
            )?;
            continue;
        }
        if t.status == TargetStatus::NotScanned {
            writeln!(out, "**Not scanned**: the run was interrupted\n")?;
            continue;
        }
        if let Some(server) = &t.server {
            for line in accepted_lines(t) {
                writeln!(out, "- accepted {line}")?;
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
                    server.matches_profiles.join(", ")
                )?;
            }
            writeln!(out)?;
        }
        writeln!(
            out,
            "| Profile | Result | Version | Cipher suite | Confirmed | Reason |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for p in &t.profiles {
            let result = match Verdict::of(p) {
                Verdict::Unknown => "❔ unknown",
                Verdict::Compatible => "✅ compatible",
                Verdict::Incompatible => "❌ incompatible",
            };
            let (version, suite) = negotiated_cells(p);
            let suite = if suite.is_empty() {
                suite
            } else {
                format!("`{suite}`")
            };
            let reason = p.reason.clone().unwrap_or_default().replace('|', "\\|");
            writeln!(
                out,
                "| {} | {result} | {version} | {suite} | {} | {reason} |",
                p.profile,
                confirmed_text(p)
            )?;
        }
        for finding in &t.findings {
            writeln!(out, "\n> finding (`{}`): {}", finding.code, finding.message)?;
        }
        for issue in &t.issues {
            writeln!(out, "\n> note (`{}`): {}", issue.code, issue.message)?;
        }
        writeln!(out)?;
    }
    if report.summary.endpoints.len() >= 2 {
        writeln!(out, "## Summary\n")?;
        writeln!(
            out,
            "| Target | Role | Status | Behaves like | Compatible | Findings |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for r in &report.summary.endpoints {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.target,
                r.role,
                status_word(r.status),
                r.behaves_like.join(", "),
                r.compatible.join(", "),
                r.findings
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        writeln!(out)?;
        for line in profile_counts(report) {
            writeln!(out, "- {line}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "**Policy {}**", report.policy.status)?;
    for (what, list) in [
        ("failed", &report.policy.violations),
        ("unknown", &report.policy.unresolved),
    ] {
        for v in list {
            writeln!(
                out,
                "- {what}: {}: {}: {}",
                v.target,
                v.rule,
                v.message.replace('|', "\\|")
            )?;
        }
    }
    Ok(())
}

fn xml(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => String::new(),
            c => c.to_string(),
        })
        .collect()
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
    if let Some(e) = &t.error {
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
        let rule = format!("require {}", p.profile);
        let violation = report
            .policy
            .violations
            .iter()
            .find(|v| v.target == t.target && v.rule == rule);
        let reason = p.reason.clone().unwrap_or_default();
        let mut case = Case {
            name: p.profile.clone(),
            failure: None,
            error: None,
            out: None,
        };
        if let Some(v) = violation {
            case.failure = Some(v.message.clone());
        } else if !p.conclusive {
            let code = p.reason_code.map_or("inconclusive", |c| c.name());
            case.error = Some((code.to_string(), reason));
        } else {
            case.out = Some(match &p.negotiated {
                Some(a) if p.compatible => format!(
                    "compatible: {} {} ({})",
                    a.version,
                    a.cipher_suite,
                    confirmed_text(p)
                ),
                _ => format!("incompatible: {reason}"),
            });
        }
        cases.push(case);
    }
    // Every other failed rule (forbidden versions and suites, certificate,
    // exposed agent port) is a failing case of its own.
    for v in report
        .policy
        .violations
        .iter()
        .filter(|v| v.target == t.target && !v.rule.starts_with("require "))
    {
        cases.push(Case {
            name: v.rule.clone(),
            failure: Some(v.message.clone()),
            error: None,
            out: None,
        });
    }
    for v in report
        .policy
        .unresolved
        .iter()
        .filter(|v| v.target == t.target && !v.rule.starts_with("require ") && v.rule != "scan")
    {
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
/// Written by hand: four elements and attribute escaping (`xml`) do not
/// justify `quick-junit` and its dependencies (chrono, uuid, quick-xml);
/// `tests/it/junit.rs` reads the output back with `junit-parser`.
pub fn junit(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let suites: Vec<(&TargetReport, Vec<Case>)> = report
        .targets
        .iter()
        .map(|t| (t, cases(report, t)))
        .collect();
    let count = |f: &dyn Fn(&Case) -> bool| -> usize {
        suites
            .iter()
            .map(|(_, c)| c.iter().filter(|c| f(c)).count())
            .sum()
    };
    let tests = count(&|_| true);
    let failures = count(&|c| c.failure.is_some());
    let errors = count(&|c| c.error.is_some());
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="tlscompat" tests="{tests}" failures="{failures}" errors="{errors}">"#
    )?;
    for (t, cases) in &suites {
        let name = xml(&t.target);
        let failures = cases.iter().filter(|c| c.failure.is_some()).count();
        let errors = cases.iter().filter(|c| c.error.is_some()).count();
        writeln!(
            out,
            r#"  <testsuite name="{name}" tests="{}" failures="{failures}" errors="{errors}">"#,
            cases.len()
        )?;
        for c in cases {
            writeln!(
                out,
                r#"    <testcase classname="{name}" name="{}">"#,
                xml(&c.name)
            )?;
            if let Some(message) = &c.failure {
                writeln!(out, r#"      <failure message="{}"/>"#, xml(message))?;
            }
            if let Some((kind, message)) = &c.error {
                writeln!(
                    out,
                    r#"      <error type="{}" message="{}"/>"#,
                    xml(kind),
                    xml(message)
                )?;
            }
            if let Some(text) = &c.out {
                writeln!(out, "      <system-out>{}</system-out>", xml(text))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
