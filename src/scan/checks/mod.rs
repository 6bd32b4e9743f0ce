//! The checks of one endpoint, one module each, in the spirit of sslyze's
//! plugins: each plans its probes and reads its outcomes; this module puts
//! what they established ([`Knowledge`]) into a target report, a pure
//! function of the records.
//!
//! # Layout
//!
//! - `versions`: which TLS versions the endpoint speaks;
//! - `suites`: which suites it accepts, and which shipped profile it
//!   behaves like;
//! - `profiles`: each profile's replayed hello, its verdict and the reason;
//! - `preference`: whose order decides, per version, and the server's order;
//! - `client_cert`: none, requested or required;
//! - `certificate`: the chain and its findings;
//! - `exposure`: an agent port that answers the scanner (a finding);
//! - `confirmation`: the real handshake behind each replay;
//! - `consistency`: answers that contradict each other, repeats and retests;
//! - `corroboration`: on a server that contradicted itself, verdicts that
//!   rest on too few alike answers become inconclusive.
//!
//! Rules are commented where they are applied. In short: a (version, suite)
//! is accepted when some probe's ServerHello chose it (server faults and
//! inconclusive probes never count as support); a profile is compatible
//! when its own replay was accepted and, with confirmation, completed.

pub(crate) mod certificate;
pub(crate) mod client_cert;
pub(crate) mod confirmation;
pub(crate) mod consistency;
pub(crate) mod corroboration;
pub mod expectation;
pub(crate) mod exposure;
pub(crate) mod preference;
pub(crate) mod profiles;
pub(crate) mod suites;
pub(crate) mod versions;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::ScanConfig;
use super::probes::{ProbeRecord, Purpose};
use crate::model::negotiate::Preference;
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::target::Target;
use crate::model::version::TlsVersion;
use crate::probe::Outcome;
use crate::results::{
    ClientCertificate, ErrorKind, Issue, IssueCode, Probed, ReasonCode, ScanStats, ServerReport,
    TargetError, TargetReport, TargetStatus,
};

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
    /// Learns from every record, each check reading what it needs.
    pub(crate) fn learn(records: &[ProbeRecord]) -> Knowledge {
        let mut k = Knowledge::default();
        for r in records {
            versions::observe(&mut k, r);
            client_cert::observe(&mut k, r);
            certificate::observe(&mut k, r);
            if matches!(
                r.purpose,
                Purpose::Suite | Purpose::Version | Purpose::Enumerate
            ) {
                let max = r.spec.max_version();
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
                    k.hello_retry |= a.hello_retry;
                }
                Outcome::Rejected { .. } | Outcome::ServerFault(_) => k.answered += 1,
                _ => {}
            }
        }
        client_cert::settle(&mut k, records);
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
        resolved: crate::results::ResolvedAddress::list(addresses, address),
        role: target.role,
        sni,
        status: TargetStatus::Ok,
        error: None,
        server: None,
        profiles: Vec::new(),
        complete: true,
        issues: issues(records),
        findings: Vec::new(),
        inventory: None,
        directions: None,
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
        .and_then(crate::tls::certinfo::summarize);
    // Per version whose order decides; where the server's, its accepted
    // suites are listed in its order (as far as the probes showed it).
    let preference = preference::judge(records, k);
    let mut order_measured = BTreeMap::new();
    let cipher_suites = k
        .accepted
        .iter()
        .map(|(v, s)| {
            let suites = match preference.get(v) {
                Some(Preference::Server) => {
                    let (ordered, measured) = preference::server_order(records, k, *v);
                    order_measured.insert(*v, measured);
                    ordered
                }
                _ => s.iter().copied().collect(),
            };
            (*v, suites)
        })
        .collect();
    report.findings = certificate::findings(target, k, profiles, config);
    report.server = Some(ServerReport {
        versions: k.versions(),
        cipher_suites,
        server_preference: preference
            .values()
            .next_back()
            .map(|p| *p == Preference::Server),
        preference,
        order_measured,
        client_certificate: k.client_certificate,
        certificate: certificate.clone(),
        // Rule: only a complete scan shows the whole set a profile must
        // match exactly; a suite whose probe went unanswered might be
        // accepted (see `TargetReport::behaves_like`).
        matches_profiles: identify
            .iter()
            .filter(|_| report.complete)
            .filter(|q| suites::matches(q, k))
            .map(|q| q.id.clone())
            .collect(),
        probed: Probed {
            versions: k.probed_versions.iter().copied().collect(),
            pairs: k.probed_pairs.len(),
            all_suites: config.all_suites,
        },
        hello_retry: k.hello_retry,
    });
    let key_type = certificate.as_ref().map(|c| c.key_type);
    report.profiles = profiles
        .iter()
        .map(|p| {
            let mut out = profiles::verdict(p, records, k, key_type);
            confirmation::apply(&mut out, p, records, &mut report.issues);
            out
        })
        .collect();
    // Contradictions last: they override what each answer alone said.
    let contradictions = consistency::check(records, profiles, k);
    if !contradictions.is_empty() {
        report.complete = false;
    }
    for c in &contradictions {
        for p in report
            .profiles
            .iter_mut()
            .filter(|p| c.profiles.contains(&p.profile))
        {
            if p.reason_code == Some(ReasonCode::Inconsistent) {
                continue;
            }
            p.because(ReasonCode::Inconsistent, c.message.clone());
        }
        report.issues.push(c.clone());
    }
    corroboration::apply(&mut report.profiles, records, profiles, &contradictions);
    report
        .findings
        .extend(exposure::findings(target, k, &report.profiles));
    report
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

#[cfg(test)]
mod tests;
