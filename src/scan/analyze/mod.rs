//! From probe outcomes to a target report: a pure function of the records.
//!
//! Each rule is commented where it is applied. The short version:
//! - a (version, suite) is accepted when some probe's ServerHello chose it;
//!   server faults and inconclusive probes never count as support;
//! - a profile is compatible when its own replayed hello was accepted at a
//!   version the profile speaks (the server's real choice, not a guess);
//! - when it was not, the reason comes from what the server accepted alone
//!   (no common version, no common suite at the version the server picks);
//! - a replay that was a full handshake confirms (or refutes) the first
//!   flight: `confirmation`;
//! - answers that contradict each other make the affected profiles
//!   inconclusive: `consistency`.

mod confirmation;
pub(crate) mod consistency;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::{ProbeRecord, Purpose, ScanConfig};
use crate::findings::{Finding, FindingCode};
use crate::negotiate::{Agreement, Failure};
use crate::probe::handshake::HandshakeResult;
use crate::probe::{CertificateRequested, Outcome};
use crate::profile::Profile;
use crate::results::{
    ClientCertificate, Confirmed, ErrorKind, Issue, IssueCode, Probed, ProfileReport, ReasonCode,
    ScanStats, ServerReport, TargetError, TargetReport, TargetStatus,
};
use crate::suites::CipherSuiteId;
use crate::target::Target;
use crate::version::TlsVersion;
use crate::wire::codes::AlertDescription;

/// What the probes established about the server.
#[derive(Debug, Clone, Default)]
pub(crate) struct Knowledge {
    /// Accepted suites per version.
    pub(crate) accepted: BTreeMap<TlsVersion, BTreeSet<CipherSuiteId>>,
    /// Versions shown not to be spoken (answered at an older version, or
    /// refused with `protocol_version`).
    pub(crate) unsupported: BTreeSet<TlsVersion>,
    /// Probes that got a TLS answer (accepted, alert, or a faulty ServerHello).
    pub(crate) answered: usize,
    /// What the flights said about client certificates.
    pub(crate) client_certificate: ClientCertificate,
    /// A (version, suite) whose flight carried a CertificateRequest.
    pub(crate) certificate_request_sample: Option<(TlsVersion, CipherSuiteId)>,
    /// The first certificate chain seen.
    pub(crate) certificate_chain: Option<Vec<Vec<u8>>>,
    /// Why a chain could not be read, when one could not.
    pub(crate) chain_unreadable: Option<String>,
    /// Some TLS 1.3 answer was a HelloRetryRequest.
    pub(crate) hello_retry: bool,
    /// Versions offered (as the newest version of a hello).
    pub(crate) probed_versions: BTreeSet<TlsVersion>,
    /// (version, suite) pairs offered by single-suite, whole-version and
    /// elimination probes.
    pub(crate) probed_pairs: BTreeSet<(TlsVersion, CipherSuiteId)>,
}

impl Knowledge {
    /// Learns from every record.
    pub(crate) fn learn(records: &[ProbeRecord]) -> Knowledge {
        let mut k = Knowledge::default();
        let (mut saw_request, mut saw_none) = (false, false);
        for r in records {
            let max = r.spec.max_version();
            let single_version = r.spec.versions.len() == 1;
            k.probed_versions.insert(max);
            if matches!(
                r.purpose,
                Purpose::Suite | Purpose::Version | Purpose::Enumerate
            ) {
                for s in &r.spec.cipher_suites {
                    if s.suite().is_some_and(|c| c.valid_at(max)) {
                        k.probed_pairs.insert((max, *s));
                    }
                }
            }
            match &r.outcome {
                Outcome::Accepted(a) => {
                    k.answered += 1;
                    k.accepted
                        .entry(a.version)
                        .or_default()
                        .insert(a.cipher_suite);
                    // A server answers a hello for a version it does not speak
                    // with the newest version it does.
                    if single_version && a.version < max {
                        k.unsupported.insert(max);
                    }
                    if a.version <= TlsVersion::Tls12 {
                        match a.client_certificate {
                            CertificateRequested::Yes => {
                                saw_request = true;
                                k.certificate_request_sample
                                    .get_or_insert((a.version, a.cipher_suite));
                            }
                            CertificateRequested::No => saw_none = true,
                            CertificateRequested::Unknown => {}
                        }
                    }
                    if k.certificate_chain.is_none() && !a.certificate_chain.is_empty() {
                        k.certificate_chain = Some(a.certificate_chain.clone());
                    }
                    if k.chain_unreadable.is_none() {
                        k.chain_unreadable.clone_from(&a.chain_unreadable);
                    }
                    k.hello_retry |= a.hello_retry;
                }
                Outcome::Rejected {
                    alert,
                    after_hello: None,
                } => {
                    k.answered += 1;
                    if single_version && *alert == AlertDescription::PROTOCOL_VERSION {
                        k.unsupported.insert(max);
                    }
                }
                Outcome::Rejected { .. } | Outcome::ServerFault(_) => k.answered += 1,
                _ => {}
            }
        }
        // One CertificateRequest is enough: servers ask for all suites alike.
        k.client_certificate = if saw_request {
            ClientCertificate::Requested
        } else if saw_none {
            ClientCertificate::None
        } else {
            ClientCertificate::Unknown
        };
        // What the server did after a handshake that sent no certificate
        // settles "required" against "requested": a refusal with an alert is
        // "required"; a completed handshake "requested". A reset or a timeout
        // settles nothing.
        for r in records {
            let Some((_, result)) = &r.handshake else {
                continue;
            };
            match result {
                HandshakeResult::Failed(f)
                    if f.certificate_requested && !f.certificate_sent && f.alert.is_some() =>
                {
                    k.client_certificate = ClientCertificate::Required;
                }
                HandshakeResult::Completed {
                    certificate_requested: true,
                    certificate_sent: false,
                    ..
                } if k.client_certificate != ClientCertificate::Required => {
                    k.client_certificate = ClientCertificate::Requested;
                    k.certificate_request_sample = None;
                }
                _ => {}
            }
        }
        if k.client_certificate == ClientCertificate::Required {
            k.certificate_request_sample = None;
        }
        k
    }

    fn versions(&self) -> Vec<TlsVersion> {
        self.accepted.keys().copied().collect()
    }

    fn accepts(&self, v: TlsVersion, s: CipherSuiteId) -> bool {
        self.accepted.get(&v).is_some_and(|set| set.contains(&s))
    }

    /// The profile's suites accepted at `v`, in the profile's order.
    fn mutual_at(&self, p: &Profile, v: TlsVersion) -> Vec<CipherSuiteId> {
        p.suites_at(v).filter(|s| self.accepts(v, *s)).collect()
    }
}

/// Builds the target's report.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report(
    target: &Target,
    sni: Option<String>,
    addresses: &[SocketAddr],
    address: Option<SocketAddr>,
    records: &[ProbeRecord],
    k: &Knowledge,
    profiles: &[&Profile],
    identify: &[&Profile],
    config: &ScanConfig,
    stats: ScanStats,
) -> TargetReport {
    let mut report = TargetReport {
        target: target.to_string(),
        host: target.host.clone(),
        port: target.port,
        address: address.map(|a| a.ip().to_string()),
        addresses: addresses.iter().map(|a| a.ip().to_string()).collect(),
        role: target.role,
        sni,
        status: TargetStatus::Ok,
        error: None,
        server: None,
        profiles: Vec::new(),
        complete: true,
        issues: issues(records),
        findings: Vec::new(),
        stats,
    };
    // Nothing spoke TLS: the endpoint could not be scanned.
    if k.answered == 0 {
        report.status = TargetStatus::Error;
        report.error = Some(target_error(records));
        report.complete = false;
        report.issues.clear();
        return report;
    }
    report.complete = records
        .iter()
        .all(|r| r.outcome.is_conclusive() || matches!(r.outcome, Outcome::ServerFault(_)));
    let certificate = k
        .certificate_chain
        .as_deref()
        .and_then(crate::certinfo::summarize);
    report.findings = certificate_findings(target, k, profiles, config);
    report.server = Some(ServerReport {
        versions: k.versions(),
        cipher_suites: k
            .accepted
            .iter()
            .map(|(v, s)| (*v, s.iter().copied().collect()))
            .collect(),
        server_preference: preference(records, k),
        client_certificate: k.client_certificate,
        certificate: certificate.clone(),
        matches_profiles: identify
            .iter()
            .filter(|q| matches(q, k))
            .map(|q| q.id.clone())
            .collect(),
        probed: Probed {
            versions: k.probed_versions.iter().copied().collect(),
            pairs: k.probed_pairs.len(),
            all_suites: config.all_suites,
        },
        hello_retry: k.hello_retry,
    });
    let key_type = certificate.as_ref().map(|c| c.key_type.as_str());
    report.profiles = profiles
        .iter()
        .map(|p| {
            let mut out = profile_report(p, records, k, key_type);
            confirmation::apply(&mut out, p, records, &mut report.issues);
            out
        })
        .collect();
    // Contradictions last: they override what each answer alone said.
    let contradictions = consistency::check(records, profiles, k);
    if !contradictions.is_empty() {
        report.complete = false;
    }
    for c in contradictions {
        for p in report
            .profiles
            .iter_mut()
            .filter(|p| c.profiles.contains(&p.profile))
        {
            p.conclusive = false;
            p.compatible = false;
            p.because(ReasonCode::Inconsistent, c.message.clone());
        }
        report.issues.push(c);
    }
    report
}

/// Certificate findings: the chain's own (expiry, key size, signature,
/// key type against the selected profiles), a chain too large to read, and
/// with `--ca` the chain and the name.
fn certificate_findings(
    target: &Target,
    k: &Knowledge,
    profiles: &[&Profile],
    config: &ScanConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(why) = &k.chain_unreadable {
        out.push(Finding::new(
            FindingCode::CertificateChainUnreadable,
            format!("the server's certificate chain could not be read: {why}"),
        ));
    }
    if let Some(chain) = &k.certificate_chain {
        out.extend(crate::certinfo::findings(
            chain,
            time::OffsetDateTime::now_utc(),
            profiles,
        ));
        if let Some(ca) = &config.ca {
            out.extend(crate::certinfo::verify(
                chain,
                ca,
                &target.host,
                time::OffsetDateTime::now_utc(),
            ));
        }
    }
    out
}

/// Why nothing answered, from the first probe that tried (they all failed
/// alike: the connector's gate stops the rest after the first failure).
/// Raw probes first: a TLS library stops reading at the first bad record
/// header, so its view of a non-TLS answer is shorter.
fn target_error(records: &[ProbeRecord]) -> TargetError {
    let raw = records.iter().filter(|r| r.handshake.is_none());
    let full = records.iter().filter(|r| r.handshake.is_some());
    let first = raw
        .chain(full)
        .map(|r| &r.outcome)
        .find(|o| !o.is_conclusive());
    use crate::probe::ConnectErrorKind as C;
    let (kind, message) = match first {
        Some(Outcome::ConnectFailed(e)) => (
            match e.kind {
                C::Refused => ErrorKind::Refused,
                C::Timeout => ErrorKind::Timeout,
                C::Unreachable => ErrorKind::Unreachable,
                C::Other => ErrorKind::Connect,
            },
            e.to_string(),
        ),
        Some(o @ Outcome::NotTls { .. }) => (ErrorKind::NotTls, o.to_string()),
        Some(Outcome::Timeout) => (
            ErrorKind::Timeout,
            "connected, but the server sent nothing before the timeout".to_string(),
        ),
        Some(o @ Outcome::Closed) => (ErrorKind::Closed, o.to_string()),
        Some(o) => (ErrorKind::Protocol, o.to_string()),
        None => (ErrorKind::Protocol, "no probe was run".to_string()),
    };
    TargetError { kind, message }
}

/// One issue per kind of inconclusive outcome, and one per server fault.
fn issues(records: &[ProbeRecord]) -> Vec<Issue> {
    let mut counts: BTreeMap<(IssueCode, String), usize> = BTreeMap::new();
    for r in records {
        match &r.outcome {
            Outcome::Accepted(_) | Outcome::Rejected { .. } => {}
            Outcome::ServerFault(f) => {
                *counts
                    .entry((IssueCode::ServerFault, format!("server fault: {f}")))
                    .or_default() += 1
            }
            other => {
                *counts
                    .entry((IssueCode::Inconclusive, format!("inconclusive: {other}")))
                    .or_default() += 1
            }
        }
    }
    counts
        .into_iter()
        .map(|((code, what), n)| Issue {
            code,
            message: if n == 1 {
                format!("1 probe: {what}")
            } else {
                format!("{n} probes: {what}")
            },
            probes: n,
            profiles: Vec::new(),
        })
        .collect()
}

/// Whether the server picks by its own order: a hello and the same suites
/// reversed must both be accepted at one version, with at least two of those
/// suites accepted there (else order cannot show). Same choice: the server's
/// order; different: the client's.
fn preference(records: &[ProbeRecord], k: &Knowledge) -> Option<bool> {
    let pairs = records.iter().filter_map(|r| {
        let forward = match &r.purpose {
            Purpose::Reversed(id) => records
                .iter()
                .find(|f| f.purpose == Purpose::Replay(id.clone())),
            Purpose::Order(true) => records.iter().find(|f| f.purpose == Purpose::Order(false)),
            _ => None,
        }?;
        Some((forward, r))
    });
    for (forward, reversed) in pairs {
        let (Some(a), Some(b)) = (forward.outcome.accepted(), reversed.outcome.accepted()) else {
            continue;
        };
        if a.version != b.version {
            continue;
        }
        let known = forward
            .spec
            .cipher_suites
            .iter()
            .filter(|s| k.accepts(a.version, **s))
            .count();
        if known >= 2 {
            return Some(a.cipher_suite == b.cipher_suite);
        }
    }
    None
}

/// The endpoint accepts exactly the profile's versions and, at each, exactly
/// its suites (among what was probed).
fn matches(q: &Profile, k: &Knowledge) -> bool {
    let versions: BTreeSet<TlsVersion> = q.versions.iter().copied().collect();
    versions == k.accepted.keys().copied().collect::<BTreeSet<_>>()
        && q.versions.iter().all(|v| {
            let want: BTreeSet<CipherSuiteId> = q.suites_at(*v).collect();
            k.accepted.get(v) == Some(&want)
        })
}

fn profile_report(
    p: &Profile,
    records: &[ProbeRecord],
    k: &Knowledge,
    key_type: Option<&str>,
) -> ProfileReport {
    let mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>> = p
        .versions
        .iter()
        .map(|v| (*v, k.mutual_at(p, *v)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let mut out = ProfileReport {
        profile: p.id.clone(),
        compatible: false,
        negotiated: None,
        mutual,
        confirmed: Confirmed::NotAttempted,
        engine: None,
        reason: None,
        reason_code: None,
        conclusive: true,
    };
    let replay = records
        .iter()
        .find(|r| r.purpose == Purpose::Replay(p.id.clone()));
    match replay.map(|r| &r.outcome) {
        // The server's real answer to this client's hello.
        Some(Outcome::Accepted(a))
            if p.supports(a.version) && p.cipher_suites.contains(&a.cipher_suite) =>
        {
            out.compatible = true;
            out.negotiated = Some(Agreement {
                version: a.version,
                cipher_suite: a.cipher_suite,
            });
            if k.client_certificate == ClientCertificate::Required {
                out.confirmed = Confirmed::ClientCertificateRequired;
            }
        }
        // Servers before TLS 1.3 answer with the newest version they speak;
        // this client does not speak it and aborts.
        Some(Outcome::Accepted(a)) => out.because(
            ReasonCode::VersionNotSupported,
            format!(
                "the server chose {}, which {} does not support ({})",
                a.version,
                p.id,
                Failure::NoCommonVersion {
                    client: p.versions.clone(),
                    server: k.versions()
                }
            ),
        ),
        // Rule: chose, then refused: no client of this kind gets through.
        Some(Outcome::Rejected {
            alert,
            after_hello: Some((v, s)),
        }) => out.because(
            ReasonCode::RefusedAfterServerHello,
            format!("the server chose {s} at {v} in its ServerHello, then refused with {alert}"),
        ),
        Some(Outcome::Rejected {
            alert,
            after_hello: None,
        }) => {
            let (code, why) = explain(p, k, key_type);
            out.because(code, format!("{why} (the server answered {alert})"));
        }
        Some(o @ Outcome::ServerFault(_)) => out.because(ReasonCode::ServerFault, o.to_string()),
        Some(other) => {
            out.conclusive = false;
            out.because(ReasonCode::Inconclusive, format!("inconclusive: {other}"));
        }
        None => {
            out.conclusive = false;
            out.because(ReasonCode::NotProbed, "this profile's hello was not probed");
        }
    }
    out
}

/// Why a profile's hello was refused, from what the server accepted alone.
fn explain(p: &Profile, k: &Knowledge, key_type: Option<&str>) -> (ReasonCode, String) {
    // Rule: a certificate no suite of this client can use explains
    // everything else: say so, not only "no common suite".
    if let Some(kt) = key_type.filter(|kt| !crate::certinfo::key_type_usable(kt, p)) {
        let auth: BTreeSet<&str> = p
            .cipher_suites
            .iter()
            .filter_map(|s| s.suite())
            .map(|s| s.auth)
            .collect();
        let auth: Vec<&str> = auth.into_iter().collect();
        return (
            ReasonCode::CertificateKeyType,
            format!(
                "the server's certificate has {} {} key, and every cipher suite of {} \
                 authenticates with {}: this client cannot connect",
                if kt.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                },
                kt.to_uppercase(),
                p.id,
                auth.join(" or ")
            ),
        );
    }
    let server = k.versions();
    let mut common: Vec<TlsVersion> = p
        .versions
        .iter()
        .copied()
        .filter(|v| server.contains(v))
        .collect();
    common.sort();
    let Some(&version) = common.last() else {
        if server.is_empty() {
            return (
                ReasonCode::NoCommonVersion,
                "the server accepted none of the probed versions and suites".into(),
            );
        }
        return (
            ReasonCode::NoCommonVersion,
            Failure::NoCommonVersion {
                client: p.versions.clone(),
                server,
            }
            .to_string(),
        );
    };
    match k.mutual_at(p, version).first() {
        None => {
            let lower = common
                .iter()
                .rev()
                .copied()
                .find(|v| *v < version && !k.mutual_at(p, *v).is_empty());
            (
                ReasonCode::NoCommonSuite,
                Failure::NoCommonSuite { version, lower }.to_string(),
            )
        }
        Some(s) => (
            ReasonCode::HelloRefused,
            format!(
                "the server refused this client's hello at {version}, although it accepts {s} offered alone \
                 (a group, signature algorithm or extension of this client is not acceptable)"
            ),
        ),
    }
}

#[cfg(test)]
mod tests;
