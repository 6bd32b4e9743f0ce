//! The scan report as JUnit XML, for a CI's test view: a test suite per
//! target, a test case per profile and per other failed rule.
//!
//! Why its own file: XML has its own escaping rules (what XML 1.0 cannot
//! carry at all, what a parser normalizes away), kept next to the one
//! writer that needs them (`xml`).

use std::io::{self, Write};

use crate::report::escape;
use crate::report::text::scan::confirmed_text;
use crate::results::{
    ProfileReport, ScanReport, TargetReport, TargetStatus, Verdict, ViolationCode,
};

/// Text for an XML attribute or element: markup escaped; a line break or
/// tab as a character reference (kept, and never a raw break in a CI log
/// that prints the message); any other control character, which XML 1.0
/// forbids or a terminal would obey, shown as a visible escape (`\x1b`).
///
/// Why this is not `quick_xml::escape::escape` plus the terminal escape
/// (`crate::base::text::terminal`): quick-xml 0.41's public escapes
/// (`escape`, `partial_escape`, `minimal_escape`) replace only the five
/// markup characters and leave a line break, a carriage return or a tab
/// raw, and the one that takes a custom set (`_escape`) is private. Raw in
/// an attribute, a reader's attribute-value normalization (XML 1.0 §3.3.3)
/// turns each into a space, and raw in text, end-of-line handling (§2.11)
/// turns `\r\n` into `\n`: the message read back would not be the message.
/// Escaping them first with the terminal escape would keep them, but as the
/// visible `\n`, not as line breaks. Only a character reference (`&#10;`)
/// keeps them; the other control characters do go through the terminal
/// escape.
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
            c if c.is_control() => out.push_str(&escape::terminal(&c.to_string())),
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
/// counts in the attributes are the counts of the elements: the scan itself
/// (when it did not simply answer), a case per profile, then every other
/// failed or unresolved rule.
fn cases(report: &ScanReport, t: &TargetReport) -> Vec<Case> {
    let mut cases: Vec<Case> = scan_case(t).into_iter().collect();
    cases.extend(t.profiles.iter().map(|p| profile_case(report, t, p)));
    cases.extend(rule_cases(report, t));
    cases
}

/// The scan's own case: passed with the reason when the target listens on
/// nothing as expected, an error when it could not be scanned or was not;
/// none when it answered.
fn scan_case(t: &TargetReport) -> Option<Case> {
    let case = |error, out| Case {
        name: "scan".into(),
        failure: None,
        error,
        out,
    };
    if t.listens_on_nothing_as_expected() {
        // Not an error: the policy leaves it out too (see `policy::verdict`).
        let message = t.error.as_ref().map(|e| e.message.clone());
        Some(case(None, message))
    } else if let Some(e) = &t.error {
        Some(case(Some((e.kind.to_string(), e.message.clone())), None))
    } else if t.status == TargetStatus::NotScanned {
        Some(case(
            Some(("not_scanned".into(), "the run was interrupted".into())),
            None,
        ))
    } else {
        None
    }
}

/// One profile's case: failed when the policy says so, an error when its
/// answer is unknown, else passed with what was negotiated or why not.
fn profile_case(report: &ScanReport, t: &TargetReport, p: &ProfileReport) -> Case {
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
    case
}

/// Every other failed rule (forbidden versions and suites, certificate,
/// exposed agent port) as a failing case of its own, then every rule that
/// could not be judged as an error.
fn rule_cases<'a>(report: &'a ScanReport, t: &'a TargetReport) -> impl Iterator<Item = Case> + 'a {
    let failed = report
        .policy
        .violations
        .iter()
        .filter(|v| v.target == t.target && v.profile.is_none())
        .map(|v| Case {
            name: v.rule.clone(),
            failure: Some(v.message.clone()),
            error: None,
            out: None,
        });
    let unresolved = report
        .policy
        .unresolved
        .iter()
        .filter(|v| {
            v.target == t.target && v.profile.is_none() && v.code != ViolationCode::NotScanned
        })
        .map(|v| Case {
            name: v.rule.clone(),
            failure: None,
            error: Some((v.code.to_string(), v.message.clone())),
            out: None,
        });
    failed.chain(unresolved)
}

/// JUnit XML: a test suite per target, a test case per profile. A required
/// profile that is incompatible fails; a target that could not be scanned,
/// or a profile whose answer is unknown, is an error.
///
/// The document is written with `quick-xml`'s writer (elements, nesting,
/// indentation); values go through `xml` first, which keeps line breaks
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
