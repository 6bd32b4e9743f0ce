//! The scan report in every format: text (tables per endpoint), JSON and
//! YAML (the stable schema), JSON Lines (one object per endpoint, then the
//! verdict), JUnit XML (one test case per profile) and Markdown.

use std::io::{self, Write};

use serde::Serialize;

use super::style;
use super::{SCHEMA_VERSION, Tool};
use crate::results::{PolicyReport, ProfileReport, ScanReport, TargetReport, TargetStatus};
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// The report as JSON.
pub fn json(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    super::write_json(out, report)
}

/// The report as YAML.
pub fn yaml(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    super::write_yaml(out, report)
}

#[derive(Serialize)]
struct TargetLine<'a> {
    schema_version: u32,
    tool: &'a Tool,
    #[serde(flatten)]
    target: &'a TargetReport,
}

#[derive(Serialize)]
struct PolicyLine<'a> {
    schema_version: u32,
    tool: &'a Tool,
    policy: &'a PolicyReport,
}

/// One JSON object per target, then one with the verdict.
pub fn jsonl(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    for target in &report.targets {
        serde_json::to_writer(
            &mut *out,
            &TargetLine {
                schema_version: SCHEMA_VERSION,
                tool: &report.tool,
                target,
            },
        )
        .map_err(io::Error::from)?;
        writeln!(out)?;
    }
    let line = PolicyLine {
        schema_version: SCHEMA_VERSION,
        tool: &report.tool,
        policy: &report.policy,
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)
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

fn short(s: &CipherSuiteId) -> String {
    s.suite()
        .and_then(|c| c.openssl_name)
        .map(str::to_string)
        .unwrap_or_else(|| s.to_string())
}

fn mutual_text(p: &ProfileReport) -> String {
    p.mutual
        .iter()
        .map(|(v, suites)| {
            format!(
                "{v}: {}",
                suites.iter().map(short).collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
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
    if let Some(e) = &t.error {
        writeln!(
            out,
            "  {} {}",
            style::bad(&format!("{}:", e.kind)),
            e.message
        )?;
        return Ok(());
    }
    if let Some(server) = &t.server {
        writeln!(out, "  accepted:")?;
        for line in accepted_lines(t) {
            writeln!(out, "    {line}")?;
        }
        let order = match server.server_preference {
            Some(true) => "the server's",
            Some(false) => "the client's",
            None => "undetermined",
        };
        writeln!(out, "  suite order: {order}")?;
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
            "Mutual",
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
            if p.confirmed == crate::results::Confirmed::ClientCertificateRequired {
                reason = "suite accepted; the endpoint requires a client certificate".into();
            }
            table.add_row(vec![
                p.profile.clone(),
                result.to_string(),
                version,
                suite,
                mutual_text(p),
                reason,
            ]);
        }
        writeln!(out, "{table}")?;
    }
    for issue in &t.issues {
        writeln!(out, "  {} {issue}", style::warn("note:"))?;
    }
    Ok(())
}

fn summary_text(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let errors = report
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Error)
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
    if report.policy.violations.is_empty() {
        if report.policy.passed {
            writeln!(out, "policy: {}", style::good("passed"))?;
        }
    } else {
        writeln!(out, "policy: {}", style::bad("failed"))?;
        for v in &report.policy.violations {
            writeln!(out, "  {} {}: {}", v.target, v.rule, v.message)?;
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
        if let Some(server) = &t.server {
            for line in accepted_lines(t) {
                writeln!(out, "- accepted {line}")?;
            }
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
            "| Profile | Result | Version | Cipher suite | Reason |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
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
                "| {} | {result} | {version} | {suite} | {reason} |",
                p.profile
            )?;
        }
        for issue in &t.issues {
            writeln!(out, "\n> note: {issue}")?;
        }
        writeln!(out)?;
    }
    let verdict = if report.policy.passed {
        "passed"
    } else {
        "failed"
    };
    writeln!(out, "**Policy {verdict}**")?;
    for v in &report.policy.violations {
        writeln!(
            out,
            "- {}: {}: {}",
            v.target,
            v.rule,
            v.message.replace('|', "\\|")
        )?;
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

/// JUnit XML: a test suite per target, a test case per profile. A required
/// profile that is incompatible fails; a target that could not be scanned
/// is an error.
pub fn junit(out: &mut dyn Write, report: &ScanReport, required: &[String]) -> io::Result<()> {
    let cases: usize = report.targets.iter().map(|t| t.profiles.len().max(1)).sum();
    let failures = report.policy.violations.len();
    let errors = report
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Error)
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="tlscompat" tests="{cases}" failures="{failures}" errors="{errors}">"#
    )?;
    for t in &report.targets {
        let name = xml(&t.target);
        let t_failures = report
            .policy
            .violations
            .iter()
            .filter(|v| v.target == t.target)
            .count();
        let t_errors = usize::from(t.status == TargetStatus::Error);
        let t_cases = t.profiles.len().max(1);
        writeln!(
            out,
            r#"  <testsuite name="{name}" tests="{t_cases}" failures="{t_failures}" errors="{t_errors}">"#
        )?;
        if let Some(e) = &t.error {
            writeln!(out, r#"    <testcase classname="{name}" name="scan">"#)?;
            writeln!(
                out,
                r#"      <error type="{}" message="{}"/>"#,
                xml(&e.kind),
                xml(&e.message)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        for p in &t.profiles {
            writeln!(
                out,
                r#"    <testcase classname="{name}" name="{}">"#,
                xml(&p.profile)
            )?;
            let reason = p.reason.clone().unwrap_or_default();
            if required.contains(&p.profile) && p.conclusive && !p.compatible {
                writeln!(out, r#"      <failure message="{}"/>"#, xml(&reason))?;
            } else if !p.conclusive {
                writeln!(
                    out,
                    r#"      <error type="inconclusive" message="{}"/>"#,
                    xml(&reason)
                )?;
            } else {
                let detail = match &p.negotiated {
                    Some(a) => format!("compatible: {} {}", a.version, a.cipher_suite),
                    None => format!("incompatible: {reason}"),
                };
                writeln!(out, "      <system-out>{}</system-out>", xml(&detail))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
