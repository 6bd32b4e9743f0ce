//! `scan --format html`: a [`ScanReport`] mapped onto the page builder.
//! The summary counts endpoints and verdicts per profile and names who
//! loses contact; the grid is endpoint × profile; each endpoint's details
//! (suites per version, per-profile results, certificate, findings, issues)
//! fold underneath.

use std::collections::BTreeMap;

use super::page::{Cell, Facet, Grid, Markup, Page, Row, Section, SortKey, Stat, Tone};
use crate::model::negotiate::Preference;
use crate::model::version::TlsVersion;
use crate::report::text::scan::confirmed_text;
use crate::results::{
    CertificateSummary, PolicyStatus, ProfileReport, ScanReport, ServerReport, TargetReport,
    TargetStatus, Verdict, Violation, date_text,
};

/// How one profile fared on one endpoint: the model's verdict, and its
/// tone on the page.
fn verdict(p: &ProfileReport) -> (Tone, &'static str) {
    let tone = match p.verdict {
        Verdict::Inconclusive => Tone::Unknown,
        Verdict::Compatible => Tone::Good,
        Verdict::Incompatible => Tone::Bad,
    };
    (tone, p.verdict.name())
}

/// Per profile: compatible, incompatible, inconclusive endpoints.
fn counts(report: &ScanReport, ids: &[String]) -> BTreeMap<String, [usize; 3]> {
    let mut m: BTreeMap<String, [usize; 3]> = ids.iter().map(|id| (id.clone(), [0; 3])).collect();
    for p in report.targets.iter().flat_map(|t| &t.profiles) {
        let c = m.entry(p.profile.clone()).or_default();
        match p.verdict {
            Verdict::Compatible => c[0] += 1,
            Verdict::Incompatible => c[1] += 1,
            Verdict::Inconclusive => c[2] += 1,
        }
    }
    m
}

/// Whether the target could be scanned, as a tone and a word.
fn status(t: &TargetReport) -> Option<(Tone, &'static str)> {
    match t.status {
        TargetStatus::Ok => None,
        TargetStatus::Error => Some((Tone::Error, "could not be scanned")),
        TargetStatus::NotScanned => Some((Tone::Error, "not scanned")),
    }
}

/// The worst verdict of an endpoint, for its badge and the verdict sort.
fn worst(t: &TargetReport) -> (Tone, &'static str) {
    if let Some(s) = status(t) {
        return s;
    }
    let w = t
        .profiles
        .iter()
        .map(verdict)
        .min_by_key(|(tone, _)| tone.rank());
    match w {
        Some((Tone::Good, _)) if !t.complete => (Tone::Unknown, "incomplete"),
        Some((Tone::Good, _)) => (Tone::Good, "all compatible"),
        Some(v) => v,
        None => (Tone::Neutral, "scanned"),
    }
}

fn policy_tone(s: PolicyStatus) -> Tone {
    match s {
        PolicyStatus::Passed => Tone::Good,
        PolicyStatus::Failed => Tone::Bad,
        PolicyStatus::Incomplete => Tone::Unknown,
    }
}

/// The page for a scan report.
pub fn page(report: &ScanReport) -> Page {
    let mut page = frame(report);
    page.sections = report.targets.iter().map(|t| Some(section(t))).collect();
    page
}

/// Writes the page, each endpoint's details made only as it is written
/// (they are most of a fleet's page).
pub fn write(out: &mut dyn std::io::Write, report: &ScanReport) -> std::io::Result<()> {
    frame(report).write_streaming(out, &|i| section(&report.targets[i]))
}

/// The page without its details: the heading, the stats, the summary and
/// the grid.
fn frame(report: &ScanReport) -> Page {
    let ids = crate::report::profile_order(report);
    let tally = Tally::of(report);
    let n = tally.endpoints;
    Page {
        title: "tlscompat scan".into(),
        subtitle: format!(
            "{} {} · {n} endpoint{} · {} profile{}",
            report.tool.name,
            report.tool.version,
            if n == 1 { "" } else { "s" },
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
        ),
        stats: stats(report, &tally),
        summary: summary(report, &ids, &tally),
        grid: grid(report, &ids),
        more_grids: Vec::new(),
        sections_heading: "Endpoint details".into(),
        sections: Vec::new(),
    }
}

/// The endpoints counted by how their scan went, for the stats and the
/// summary.
struct Tally<'a> {
    endpoints: usize,
    errors: usize,
    not_scanned: usize,
    /// The endpoints some profile cannot connect to.
    losing: Vec<&'a TargetReport>,
    /// The endpoints with an inconclusive result for some profile.
    inconclusive: usize,
}

impl<'a> Tally<'a> {
    fn of(report: &'a ScanReport) -> Tally<'a> {
        let with = |status| report.targets.iter().filter(|t| t.status == status).count();
        let any =
            |verdict| move |t: &&TargetReport| t.profiles.iter().any(|p| p.verdict == verdict);
        Tally {
            endpoints: report.targets.len(),
            errors: with(TargetStatus::Error),
            not_scanned: with(TargetStatus::NotScanned),
            losing: report
                .targets
                .iter()
                .filter(any(Verdict::Incompatible))
                .collect(),
            inconclusive: report
                .targets
                .iter()
                .filter(any(Verdict::Inconclusive))
                .count(),
        }
    }
}

/// The figures at the top of the page.
fn stats(report: &ScanReport, tally: &Tally) -> Vec<Stat> {
    let Tally {
        endpoints: n,
        errors,
        not_scanned,
        inconclusive,
        ..
    } = *tally;
    let losing = tally.losing.len();
    let tone = |count: usize, none: Tone, some: Tone| if count == 0 { none } else { some };
    let mut stats = vec![
        Stat::new("endpoints", n, Tone::Neutral),
        Stat::new("scanned", n - errors - not_scanned, Tone::Neutral),
        Stat::new(
            "lose contact with some profile",
            losing,
            tone(losing, Tone::Good, Tone::Bad),
        ),
        Stat::new(
            "with inconclusive results",
            inconclusive,
            tone(inconclusive, Tone::Neutral, Tone::Unknown),
        ),
        Stat::new(
            "could not be scanned",
            errors,
            tone(errors, Tone::Neutral, Tone::Error),
        ),
    ];
    if not_scanned > 0 {
        stats.push(Stat::new("not scanned", not_scanned, Tone::Error));
    }
    stats.push(Stat::new(
        "policy",
        crate::report::policy_label(&report.policy),
        policy_tone(report.policy.status),
    ));
    stats
}

/// The summary's parts: per profile, who loses contact, what could not be
/// scanned (if any), the policy.
fn summary(report: &ScanReport, ids: &[String], tally: &Tally) -> Vec<(String, Markup)> {
    let mut summary = vec![
        ("Per profile".to_string(), per_profile(report, ids)),
        ("Who loses contact".to_string(), losers(&tally.losing)),
    ];
    if tally.errors + tally.not_scanned > 0 {
        summary.push(("Could not be scanned".to_string(), failures(report)));
    }
    summary.push(("Policy".to_string(), policy(report)));
    summary
}

/// The endpoints × profiles grid (one status column when no profile was
/// checked).
fn grid(report: &ScanReport, ids: &[String]) -> Grid {
    let columns = if ids.is_empty() {
        vec!["Status".to_string()]
    } else {
        ids.to_vec()
    };
    let rows = report
        .targets
        .iter()
        .map(|t| row(t, ids, columns.len()))
        .collect();
    Grid {
        caption: "Endpoints × profiles".into(),
        head_columns: vec!["Endpoint".into(), "Role".into(), "Behaves like".into()],
        columns,
        rows,
        facets: vec![
            Facet::named("verdict"),
            Facet::named("role"),
            Facet::named("label"),
        ],
        sorts: vec![
            SortKey::new("verdict", "verdict (worst first)"),
            SortKey::new("target", "endpoint"),
            SortKey::new("role", "role"),
        ],
    }
}

fn per_profile(report: &ScanReport, ids: &[String]) -> Markup {
    if ids.is_empty() {
        return Markup::el_text("p", &[("class", "none")], "no profile was checked");
    }
    let counts = counts(report, ids);
    let rows = ids.iter().map(|id| {
        let [ok, bad, unknown] = counts.get(id).copied().unwrap_or_default();
        let badge = |tone, n: usize| {
            if n == 0 {
                Markup::text("0")
            } else {
                Markup::badge(tone, &n.to_string())
            }
        };
        vec![
            Markup::code(id),
            badge(Tone::Good, ok),
            badge(Tone::Bad, bad),
            badge(Tone::Unknown, unknown),
        ]
    });
    Markup::table(
        &["profile", "compatible", "incompatible", "inconclusive"],
        rows,
    )
}

/// How many endpoints a summary list names before it says "… and N more".
const LIST_MAX: usize = 20;

fn losers(losing: &[&TargetReport]) -> Markup {
    Markup::list_capped(
        losing.iter().map(|t| {
            let lost: Vec<&str> = t
                .profiles
                .iter()
                .filter(|p| verdict(p).0 == Tone::Bad)
                .map(|p| p.profile.as_str())
                .collect();
            let mut m = Markup::el_text("strong", &[], &t.target);
            m.push_text(&format!(" ({}): ", t.role)).push(Markup::badge(
                Tone::Bad,
                &format!("incompatible with {}", lost.join(", ")),
            ));
            m
        }),
        LIST_MAX,
        "nobody: every endpoint that answered is compatible with every profile that answered conclusively",
        "filter the grid by verdict incompatible",
    )
}

fn failures(report: &ScanReport) -> Markup {
    Markup::list_capped(
        report.targets.iter().filter_map(|t| {
            let (_, word) = status(t)?;
            let mut m = Markup::el_text("strong", &[], &t.target);
            match &t.error {
                Some(e) => m.push_text(&format!(": {} ({}): {}", word, e.kind, e.message)),
                None => m.push_text(&format!(": {word}")),
            };
            Some(m)
        }),
        LIST_MAX,
        "none",
        "filter the grid by verdict could not be scanned",
    )
}

fn violation(v: &Violation) -> Markup {
    let mut m = Markup::el_text("strong", &[], &v.target);
    m.push_text(&format!(": {}: ", v.rule))
        .push(Markup::text(&v.message))
        .push_text(" ")
        .push(Markup::code(v.code.name()));
    m
}

fn policy(report: &ScanReport) -> Markup {
    let p = &report.policy;
    let mut m = Markup::el(
        "p",
        &[],
        Markup::concat([
            Markup::text("status: "),
            Markup::badge(policy_tone(p.status), crate::report::policy_label(p)),
        ]),
    );
    if !p.violations.is_empty() {
        m.push(Markup::el_text("p", &[], "failed:"))
            .push(Markup::list_capped(
                p.violations.iter().map(violation),
                LIST_MAX,
                "",
                "see each endpoint's details",
            ));
    }
    if !p.unresolved.is_empty() {
        m.push(Markup::el_text("p", &[], "cannot tell:"))
            .push(Markup::list_capped(
                p.unresolved.iter().map(violation),
                LIST_MAX,
                "",
                "see each endpoint's details",
            ));
    }
    m
}

fn row(t: &TargetReport, ids: &[String], width: usize) -> Row {
    let behaves = t
        .server
        .as_ref()
        .map(|s| s.matches_profiles.join(", "))
        .unwrap_or_default();
    let cells: Vec<Cell> = match status(t) {
        Some((tone, word)) => {
            let detail = t
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.kind, e.message))
                .unwrap_or_else(|| "the run was interrupted".into());
            vec![Cell::new(tone, word).detail(detail).span(width)]
        }
        None if ids.is_empty() => vec![Cell::new(Tone::Neutral, "scanned")],
        None => ids
            .iter()
            .map(|id| match t.profiles.iter().find(|p| &p.profile == id) {
                None => Cell::new(Tone::Neutral, "not checked"),
                Some(p) => {
                    let (tone, word) = verdict(p);
                    let detail = match (&p.negotiated, &p.reason) {
                        (Some(a), _) if p.verdict == Verdict::Compatible => {
                            format!("{} {}", a.version, a.cipher_suite)
                        }
                        (_, Some(r)) => r.clone(),
                        _ => String::new(),
                    };
                    let title = format!("{id} on {}: {word}", t.target);
                    let title = match confirmed_text(p) {
                        c if c.is_empty() => title,
                        c => format!("{title}; {c}"),
                    };
                    Cell::new(tone, word).detail(detail).title(title)
                }
            })
            .collect(),
    };
    let mut verdicts: Vec<String> = cells.iter().map(|c| c.word.clone()).collect();
    verdicts.sort();
    verdicts.dedup();
    let (tone, _) = worst(t);
    let labels = t
        .inventory
        .as_ref()
        .map(|e| e.labels.clone())
        .unwrap_or_default();
    let mut search = labels.clone();
    search.extend(t.address.iter().cloned());
    search.extend(t.sni.iter().cloned());
    search.push(behaves.clone());
    Row {
        name: t.target.clone(),
        heads: vec![Markup::text(t.role.name()), Markup::text(&behaves)],
        cells,
        facets: vec![
            ("verdict", verdicts),
            ("role", vec![t.role.name().to_string()]),
            ("label", labels),
        ],
        sort: vec![
            ("verdict", format!("{} {}", tone.rank(), t.target)),
            ("target", t.target.clone()),
            ("role", format!("{} {}", t.role.name(), t.target)),
        ],
        search,
    }
}

fn whose(p: Preference) -> &'static str {
    match p {
        Preference::Server => "the server's",
        Preference::Client => "the client's",
    }
}

/// One endpoint's details, every part in page order: the facts, the
/// accepted suites, the per-profile results, the certificate, the findings
/// and the issues (a part that does not apply is empty).
fn section(t: &TargetReport) -> Section {
    let (tone, word) = worst(t);
    let body = Markup::concat([
        Markup::facts(endpoint_facts(t)),
        accepted_suites(t),
        profile_results(t),
        certificate_part(t),
        findings(t),
        issues(t),
    ]);
    Section {
        title: format!("{} ({})", t.target, t.role),
        badge: Some((tone, word.to_string())),
        body,
    }
}

/// The endpoint's facts: how it was reached, how it failed, what it
/// behaves like, and what the inventory said of it.
fn endpoint_facts(t: &TargetReport) -> Vec<(&'static str, Markup)> {
    let mut facts: Vec<(&'static str, Markup)> = vec![("role", Markup::text(t.role.name()))];
    if let Some(a) = &t.address {
        facts.push(("address", Markup::text(a)));
    }
    if t.addresses.len() > 1 {
        facts.push(("resolved to", Markup::text(&t.addresses.join(", "))));
    }
    facts.push((
        "server name sent",
        Markup::text(t.sni.as_deref().unwrap_or("none")),
    ));
    if let Some(e) = &t.error {
        facts.push((
            "error",
            Markup::concat([
                Markup::badge(Tone::Error, e.kind.name()),
                Markup::text(" "),
                Markup::text(&e.message),
            ]),
        ));
    }
    if t.status == TargetStatus::NotScanned {
        facts.push((
            "status",
            Markup::text("not scanned: the run was interrupted"),
        ));
    }
    if let Some(s) = &t.server {
        facts.push((
            "behaves like",
            Markup::text(&if s.matches_profiles.is_empty() {
                "no shipped profile".to_string()
            } else {
                s.matches_profiles.join(", ")
            }),
        ));
        facts.push(("suite order", Markup::text(&suite_order(s))));
        facts.push((
            "client certificate",
            Markup::text(s.client_certificate.name()),
        ));
    }
    if let Some(e) = t.inventory.as_ref().filter(|e| !e.is_empty()) {
        if !e.labels.is_empty() {
            facts.push(("labels", Markup::text(&e.labels.join(", "))));
        }
        if !e.expect.is_empty() {
            facts.push(("expected", Markup::text(&e.expect.join(" or "))));
        }
        if let Some(v) = &e.agent_version {
            facts.push(("agent version", Markup::text(v)));
        }
    }
    facts
}

/// Whose order picks the suite at each version, and for how many of the
/// server's suites its own order was measured.
fn suite_order(s: &ServerReport) -> String {
    if s.preference.is_empty() {
        return "undetermined".to_string();
    }
    s.preference
        .iter()
        .map(|(v, p)| {
            let n = s.cipher_suites.get(v).map_or(0, Vec::len);
            let m = s.order_measured.get(v).copied().unwrap_or(0);
            let measured = match p {
                Preference::Server if m < n => {
                    format!(" (measured for the first {m} of {n}, the rest by id)")
                }
                _ => String::new(),
            };
            format!("{v}: {}{measured}", whose(*p))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The suites the endpoint accepts, per version probed or accepted.
fn accepted_suites(t: &TargetReport) -> Markup {
    let Some(s) = &t.server else {
        return Markup::new();
    };
    let rows = TlsVersion::ALL
        .iter()
        .filter(|v| s.probed.versions.contains(v) || s.versions.contains(v))
        .map(|v| {
            let suites = s.cipher_suites.get(v).map(Vec::as_slice).unwrap_or(&[]);
            let list = if suites.is_empty() {
                Markup::text("none")
            } else {
                Markup::concat(
                    suites
                        .iter()
                        .map(|c| Markup::el("div", &[], Markup::code(&c.to_string()))),
                )
            };
            vec![Markup::text(&v.to_string()), list]
        });
    Markup::concat([
        Markup::el_text("h3", &[], "Accepted cipher suites"),
        Markup::table(&["version", "cipher suites"], rows),
    ])
}

/// How each profile fared on the endpoint, and why.
fn profile_results(t: &TargetReport) -> Markup {
    if t.profiles.is_empty() {
        return Markup::new();
    }
    let rows = t.profiles.iter().map(|p| {
        let (tone, word) = verdict(p);
        let (version, suite) = match &p.negotiated {
            Some(a) => (a.version.to_string(), a.cipher_suite.to_string()),
            None => (String::new(), String::new()),
        };
        let reason = match (&p.reason, p.reason_code) {
            (Some(r), Some(code)) => Markup::concat([
                Markup::text(r),
                Markup::text(" "),
                Markup::code(code.name()),
            ]),
            (Some(r), None) => Markup::text(r),
            _ => Markup::new(),
        };
        vec![
            Markup::code(&p.profile),
            Markup::badge(tone, word),
            Markup::text(&version),
            Markup::code(&suite),
            Markup::text(&confirmed_text(p)),
            reason,
        ]
    });
    Markup::concat([
        Markup::el_text("h3", &[], "Per profile"),
        Markup::table(
            &[
                "profile",
                "result",
                "version",
                "negotiated suite",
                "confirmed",
                "reason",
            ],
            rows,
        ),
    ])
}

/// The server's certificate under its heading, if it sent one.
fn certificate_part(t: &TargetReport) -> Markup {
    match t.server.as_ref().and_then(|s| s.certificate.as_ref()) {
        Some(c) => Markup::concat([Markup::el_text("h3", &[], "Certificate"), certificate(c)]),
        None => Markup::new(),
    }
}

/// The findings, each with its code.
fn findings(t: &TargetReport) -> Markup {
    if t.findings.is_empty() {
        return Markup::new();
    }
    Markup::concat([
        Markup::el_text("h3", &[], "Findings"),
        Markup::list(
            t.findings.iter().map(|f| {
                Markup::concat([
                    Markup::code(f.code.name()),
                    Markup::text(": "),
                    Markup::text(&f.message),
                ])
            }),
            "none",
        ),
    ])
}

/// The issues, each with its code and the profiles it affects.
fn issues(t: &TargetReport) -> Markup {
    if t.issues.is_empty() {
        return Markup::new();
    }
    Markup::concat([
        Markup::el_text("h3", &[], "Issues"),
        Markup::list(
            t.issues.iter().map(|i| {
                let mut m = Markup::concat([
                    Markup::code(i.code.name()),
                    Markup::text(": "),
                    Markup::text(&i.message),
                ]);
                if !i.profiles.is_empty() {
                    m.push_text(&format!(" (affects {})", i.profiles.join(", ")));
                }
                m
            }),
            "none",
        ),
    ])
}

fn certificate(c: &CertificateSummary) -> Markup {
    let mut facts: Vec<(&'static str, Markup)> = vec![
        ("subject", Markup::text(&c.subject)),
        ("issuer", Markup::text(&c.issuer)),
        (
            "key",
            Markup::text(&format!("{} {} bits", c.key_type, c.key_bits)),
        ),
        ("signature", Markup::text(&c.signature_algorithm)),
        ("valid from", Markup::text(&date_text(c.not_before))),
    ];
    let until = if c.expired {
        Markup::concat([
            Markup::text(&date_text(c.not_after)),
            Markup::text(" "),
            Markup::badge(Tone::Bad, "expired"),
        ])
    } else {
        Markup::text(&date_text(c.not_after))
    };
    facts.push(("valid until", until));
    if !c.subject_alt_names.is_empty() {
        facts.push((
            "alternative names",
            Markup::text(&c.subject_alt_names.join(", ")),
        ));
    }
    facts.push((
        "self-signed",
        Markup::text(if c.self_signed { "yes" } else { "no" }),
    ));
    facts.push(("chain length", Markup::text(&c.chain_length.to_string())));
    Markup::facts(facts)
}

#[cfg(test)]
mod tests {
    use super::super::page::escape;
    use super::*;

    /// Markup an endpoint, an inventory or a certificate might carry.
    const HOSTILE: &str = r#"<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>" onmouseover="alert(1)" x='"#;

    /// Two endpoints (one answered, one refused) with `HOSTILE` in every
    /// string that comes from the network or the input.
    fn report() -> ScanReport {
        let h = HOSTILE;
        let v = serde_json::json!({
            "schema_version": 2,
            "tool": {"name": "tlscompat", "version": "0.0.0"},
            "targets": [{
                "target": format!("{h}:4120"), "host": h, "port": 4120,
                "address": "127.0.0.1", "addresses": ["127.0.0.1", h],
                "role": "manager", "sni": h, "status": "ok", "error": null,
                "server": {
                    "versions": ["tls1.2"],
                    "cipher_suites": {"tls1.2": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]},
                    "server_preference": true,
                    "preference": {"tls1.2": "server"},
                    "client_certificate": "none",
                    "certificate": {
                        "subject": format!("CN={h}"), "issuer": format!("O={h}"),
                        "key_type": "rsa", "key_bits": 2048,
                        "signature_algorithm": h,
                        "not_before": "2026-01-01T00:00:00Z",
                        "not_after": "2027-01-01T00:00:00Z",
                        "expired": false, "self_signed": true,
                        "subject_alt_names": [h], "chain_length": 1
                    },
                    "matches_profiles": [h],
                    "probed": {"versions": ["tls1.2"], "pairs": 1, "all_suites": false},
                    "hello_retry": false
                },
                "profiles": [
                    {"profile": h, "compatible": false, "negotiated": null, "mutual": {},
                     "confirmed": "not_attempted", "engine": null, "reason": h,
                     "reason_code": "no_common_suite", "conclusive": true},
                    {"profile": "dsa-11", "compatible": true,
                     "negotiated": {"version": "tls1.2",
                                    "cipher_suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
                     "mutual": {}, "confirmed": "full_handshake", "engine": "rustls",
                     "reason": null, "reason_code": null, "conclusive": true},
                    {"profile": "dsa-10.0", "compatible": false, "negotiated": null,
                     "mutual": {}, "confirmed": "not_attempted", "engine": null,
                     "reason": h, "reason_code": "inconclusive", "conclusive": false}
                ],
                "complete": false,
                "issues": [{"code": "inconclusive", "message": h, "probes": 1, "profiles": [h]}],
                "findings": [{"code": "unexpected_profile", "message": h}],
                "inventory": {"expect": [h], "agent_version": h, "note": h, "require": [],
                              "direction": null, "labels": [h, "web"]},
                "stats": {"probes": 1, "connect_attempts": 1, "connections": 1,
                          "bytes_sent": 1, "bytes_received": 1, "elapsed_ms": 1}
            }, {
                "target": "127.0.0.1:1", "host": "127.0.0.1", "port": 1,
                "address": null, "addresses": ["127.0.0.1"], "role": "agent",
                "sni": null, "status": "error",
                "error": {"kind": "refused", "message": h},
                "server": null, "profiles": [], "complete": false, "issues": [],
                "findings": [], "inventory": null,
                "stats": {"probes": 0, "connect_attempts": 1, "connections": 0,
                          "bytes_sent": 0, "bytes_received": 0, "elapsed_ms": 1}
            }],
            "policy": {
                "status": "failed", "passed": false,
                "violations": [{"target": h, "rule": h, "code": "incompatible", "message": h}],
                "unresolved": [{"target": h, "rule": h, "code": "not_scanned", "message": h}]
            }
        });
        serde_json::from_value(v).unwrap()
    }

    /// The names of every element opened in `html`, outside the page's own
    /// style and script.
    fn tags(html: &str) -> Vec<String> {
        let body = html.split("</style>").nth(1).unwrap();
        let body = body.split("<script>").next().unwrap();
        body.match_indices('<')
            .map(|(i, _)| {
                body[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
                    .collect::<String>()
                    .trim_start_matches('/')
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn hostile_strings_are_text_never_markup() {
        let html = page(&report()).render();
        // Only the page's own elements, and exactly one script.
        let allowed = [
            "a", "body", "code", "dd", "details", "div", "dl", "dt", "form", "h1", "h2", "h3",
            "head", "header", "input", "label", "li", "html", "main", "option", "output", "p",
            "section", "select", "span", "strong", "summary", "table", "tbody", "td", "th",
            "thead", "tr", "ul", "wbr",
        ];
        for tag in tags(&html) {
            assert!(
                allowed.contains(&tag.as_str()),
                "unexpected <{tag}> in\n{html}"
            );
        }
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<img"), "{html}");
        // Attribute context: no quote from the input closes an attribute.
        assert!(!html.contains("\" onmouseover=\""), "{html}");
        assert!(!html.contains("onerror=\""), "{html}");
        // The text is there, escaped, where people read it: the subject, the
        // reason, the label, the error.
        let escaped = escape(HOSTILE);
        assert!(html.contains(&format!("CN={escaped}")), "{html}");
        assert!(html.contains(&format!("O={escaped}")), "{html}");
        assert!(html.matches(escaped.as_str()).count() >= 10, "{html}");
        // The label filter offers the hostile label as a value, escaped.
        assert!(
            html.contains(&format!("<option value=\"{escaped}\">{escaped}</option>")),
            "{html}"
        );
    }

    #[test]
    fn summary_counts_endpoints_verdicts_and_who_loses_contact() {
        let report = report();
        let p = page(&report);
        let stat = |label: &str| {
            p.stats
                .iter()
                .find(|s| s.label == label)
                .map(|s| (s.value.clone(), s.tone))
                .unwrap()
        };
        assert_eq!(stat("endpoints"), ("2".into(), Tone::Neutral));
        assert_eq!(stat("scanned"), ("1".into(), Tone::Neutral));
        assert_eq!(
            stat("lose contact with some profile"),
            ("1".into(), Tone::Bad)
        );
        assert_eq!(
            stat("with inconclusive results"),
            ("1".into(), Tone::Unknown)
        );
        assert_eq!(stat("could not be scanned"), ("1".into(), Tone::Error));
        assert_eq!(stat("policy"), ("failed".into(), Tone::Bad));
        let ids = crate::report::profile_order(&report);
        assert_eq!(ids, [HOSTILE, "dsa-11", "dsa-10.0"]);
        let c = counts(&report, &ids);
        assert_eq!(c[HOSTILE], [0, 1, 0]);
        assert_eq!(c["dsa-11"], [1, 0, 0]);
        assert_eq!(c["dsa-10.0"], [0, 0, 1]);
        // One row per endpoint; the refused one is one cell across every
        // profile column.
        let rows = &p.grid.rows;
        assert_eq!(rows.len(), 2);
        let words: Vec<&str> = rows[0].cells.iter().map(|c| c.word.as_str()).collect();
        assert_eq!(words, ["incompatible", "compatible", "inconclusive"]);
        assert_eq!(rows[1].cells.len(), 1);
        assert_eq!(rows[1].cells[0].span, 3);
        assert_eq!(rows[1].cells[0].word, "could not be scanned");
        // The grid tells the verdicts in words, not only in colour.
        let html = p.render();
        assert!(html.contains("<span class=\"word\">incompatible</span>"));
        assert!(
            html.contains(
                "TLS_<wbr>ECDHE_<wbr>RSA_<wbr>WITH_<wbr>AES_<wbr>256_<wbr>GCM_<wbr>SHA384"
            )
        );
    }

    #[test]
    fn a_fleet_summary_names_the_first_endpoints_and_counts_the_rest() {
        let mut r = report();
        let one = r.targets[0].clone();
        r.targets = (0..LIST_MAX + 5)
            .map(|i| {
                let mut t = one.clone();
                t.target = format!("10.0.0.{i}:4120");
                t
            })
            .collect();
        let html = page(&r).render();
        assert!(html.contains("10.0.0.19:4120</strong>"), "{html}");
        assert!(!html.contains("10.0.0.20:4120</strong>"), "{html}");
        assert!(html.contains("… and 5 more: filter the grid by verdict incompatible"));
        // The grid and the details keep every endpoint.
        assert_eq!(html.matches("<tr data-key=").count(), LIST_MAX + 5);
        assert_eq!(html.matches("<details ").count(), LIST_MAX + 5);
    }

    #[test]
    fn one_target_without_profiles_still_has_a_grid() {
        let mut r = report();
        r.targets.truncate(1);
        r.targets[0].profiles.clear();
        let p = page(&r);
        assert_eq!(p.grid.columns, ["Status"]);
        assert_eq!(p.grid.rows[0].cells[0].word, "scanned");
        assert_eq!(p.stats[0].value, "1");
    }
}
