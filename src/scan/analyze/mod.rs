//! From probe outcomes to a target report: a pure function of the records.
//!
//! Each rule is commented where it is applied. The short version:
//! - a (version, suite) is accepted when some probe's ServerHello chose it;
//!   server faults and inconclusive probes never count as support;
//! - a profile is compatible when its own replayed hello was accepted at a
//!   version the profile speaks (the server's real choice, not a guess);
//! - when it was not, the reason comes from what the server accepted alone
//!   (no common version, no common suite at the version the server picks).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::{ProbeRecord, Purpose};
use crate::negotiate::{Agreement, Failure};
use crate::probe::{CertificateRequested, Outcome};
use crate::profile::Profile;
use crate::results::{
    ClientCertificate, Confirmed, Probed, ProfileReport, ScanStats, ServerReport, TargetError,
    TargetReport, TargetStatus,
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
                    k.hello_retry |= a.hello_retry;
                }
                Outcome::Rejected { alert } => {
                    k.answered += 1;
                    if single_version && *alert == AlertDescription::PROTOCOL_VERSION {
                        k.unsupported.insert(max);
                    }
                }
                Outcome::ServerFault(_) => k.answered += 1,
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
    all_suites: bool,
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
    report.server = Some(ServerReport {
        versions: k.versions(),
        cipher_suites: k
            .accepted
            .iter()
            .map(|(v, s)| (*v, s.iter().copied().collect()))
            .collect(),
        server_preference: preference(records, k),
        client_certificate: k.client_certificate,
        certificate: k
            .certificate_chain
            .as_deref()
            .and_then(crate::certinfo::summarize),
        matches_profiles: identify
            .iter()
            .filter(|q| matches(q, k))
            .map(|q| q.id.clone())
            .collect(),
        probed: Probed {
            versions: k.probed_versions.iter().copied().collect(),
            pairs: k.probed_pairs.len(),
            all_suites,
        },
        hello_retry: k.hello_retry,
    });
    report.profiles = profiles
        .iter()
        .map(|p| profile_report(p, records, k))
        .collect();
    report
}

/// Why nothing answered, from the first probe that tried (they all failed
/// alike: the connector's gate stops the rest after the first failure).
fn target_error(records: &[ProbeRecord]) -> TargetError {
    let first = records
        .iter()
        .map(|r| &r.outcome)
        .find(|o| !o.is_conclusive());
    let (kind, message) = match first {
        Some(Outcome::ConnectFailed(e)) => (e.kind.name(), e.to_string()),
        Some(o @ Outcome::NotTls { .. }) => ("not_tls", o.to_string()),
        Some(Outcome::Timeout) => (
            "timeout",
            "connected, but the server sent nothing before the timeout".to_string(),
        ),
        Some(o @ Outcome::Closed) => ("closed", o.to_string()),
        Some(o @ Outcome::Protocol { .. }) => ("protocol", o.to_string()),
        Some(o) => ("protocol", o.to_string()),
        None => ("protocol", "no probe was run".to_string()),
    };
    TargetError {
        kind: kind.to_string(),
        message,
    }
}

/// One line per kind of inconclusive outcome, and one per server fault.
fn issues(records: &[ProbeRecord]) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        match &r.outcome {
            Outcome::Accepted(_) | Outcome::Rejected { .. } => {}
            Outcome::ServerFault(f) => {
                *counts.entry(format!("server fault: {f}")).or_default() += 1
            }
            other => *counts.entry(format!("inconclusive: {other}")).or_default() += 1,
        }
    }
    counts
        .into_iter()
        .map(|(what, n)| {
            if n == 1 {
                format!("1 probe: {what}")
            } else {
                format!("{n} probes: {what}")
            }
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

fn profile_report(p: &Profile, records: &[ProbeRecord], k: &Knowledge) -> ProfileReport {
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
        reason: None,
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
        Some(Outcome::Accepted(a)) => {
            out.reason = Some(format!(
                "the server chose {}, which {} does not support ({})",
                a.version,
                p.id,
                Failure::NoCommonVersion {
                    client: p.versions.clone(),
                    server: k.versions()
                }
            ));
        }
        Some(Outcome::Rejected { alert }) => {
            out.reason = Some(format!("{} (the server answered {alert})", explain(p, k)));
        }
        Some(o @ Outcome::ServerFault(_)) => out.reason = Some(o.to_string()),
        Some(other) => {
            out.conclusive = false;
            out.reason = Some(format!("inconclusive: {other}"));
        }
        None => {
            out.conclusive = false;
            out.reason = Some("this profile's hello was not probed".into());
        }
    }
    out
}

/// Why a profile's hello was refused, from what the server accepted alone.
fn explain(p: &Profile, k: &Knowledge) -> String {
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
            return "the server accepted none of the probed versions and suites".into();
        }
        return Failure::NoCommonVersion {
            client: p.versions.clone(),
            server,
        }
        .to_string();
    };
    match k.mutual_at(p, version).first() {
        None => {
            let lower = common
                .iter()
                .rev()
                .copied()
                .find(|v| *v < version && !k.mutual_at(p, *v).is_empty());
            Failure::NoCommonSuite { version, lower }.to_string()
        }
        Some(s) => format!(
            "the server refused this client's hello at {version}, although it accepts {s} offered alone \
             (a group, signature algorithm or extension of this client is not acceptable)"
        ),
    }
}

#[cfg(test)]
mod tests;
