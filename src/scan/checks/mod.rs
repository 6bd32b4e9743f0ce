//! The checks of one endpoint, one module each, in the spirit of sslyze's
//! plugins: each is a [`Check`] that learns from the records, plans its
//! probes at each [`Step`] of the scan, and writes what it established
//! into the target report; [`CHECKS`] lists them in the order they are
//! asked. The report is a pure function of the records.
//!
//! # Layout
//!
//! - `profiles`: each profile's replayed hello, its verdict and the reason;
//! - `preference`: whose order decides, per version, and the server's order;
//! - `versions`: which TLS versions the endpoint speaks;
//! - `suites`: which suites it accepts, and which shipped profile it
//!   behaves like;
//! - `client_cert`: none, requested or required;
//! - `certificate`: the chain and its findings;
//! - `confirmation`: the real handshake behind each replay;
//! - `consistency`: answers that contradict each other, repeats and retests;
//! - `nodes`: several servers behind one address, told apart by the keys
//!   of their session tickets;
//! - `corroboration`: on a server that contradicted itself or showed
//!   several nodes, verdicts that rest on too few alike answers become
//!   inconclusive;
//! - `exposure`: an agent port that answers the scanner (a finding).
//!
//! # Order
//!
//! The scan (`scan::scan`) runs the steps in [`Step`]'s order; at each,
//! every check in [`CHECKS`] is asked for its probes in list order (a
//! check sees what the ones before it planned for the same step), and the
//! step's probes run concurrently. Judging follows the same list: verdicts
//! first, then what overrides them (confirmation, contradictions,
//! corroboration), then findings about the verdicts. Moving a check
//! changes reports: the tests in `checks::tests` fail when the verdicts,
//! the confirmation or the suites judge after the contradictions.
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
pub(crate) mod nodes;
pub(crate) mod preference;
pub(crate) mod profiles;
pub(crate) mod suites;
pub(crate) mod versions;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::ScanConfig;
use super::probes::{ProbeRecord, Purpose};
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::target::Target;
use crate::model::version::TlsVersion;
use crate::probe::{HelloSpec, Outcome};
use crate::results::{
    ClientCertificate, ErrorKind, Issue, IssueCode, Probed, ScanStats, ServerReport, TargetError,
    TargetReport, TargetStatus,
};
use crate::wire::codes::NamedGroup;

/// A probe as planned: why, and the hello.
pub(crate) type Planned = (Purpose, HelloSpec);

/// When the checks are asked for probes: the steps of one endpoint's scan,
/// in the order they run ([`Step::ORDER`]). A step's probes depend only on
/// the answers of the steps before it, and run concurrently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Everything that depends on nothing: each profile's hello, the
    /// reversed hello, the other versions, the single-suite probes. Under
    /// `--all-suites`, the replays only (the enumeration runs beside them).
    First,
    /// Versions the single-suite probes could not settle.
    Versions,
    /// Orders still unsettled, and answers that contradict each other
    /// asked once more.
    Retests,
    /// On a server that contradicted itself, each profile's hello asked
    /// until its verdict can be corroborated.
    Corroboration,
    /// `--all-suites`: the pairs of accepted suites whose order is unknown.
    Pairs,
    /// One handshake without a client certificate, when no handshake
    /// settled whether the server requires one (never repeated).
    NoCertificate,
}

impl Step {
    /// The steps, in the order the scan runs them.
    pub(crate) const ORDER: [Step; 6] = [
        Step::First,
        Step::Versions,
        Step::Retests,
        Step::Corroboration,
        Step::Pairs,
        Step::NoCertificate,
    ];

    /// Its name in the benchmark's phases.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Step::First => "first wave",
            Step::Versions => "versions",
            Step::Retests => "retests",
            Step::Corroboration => "corroboration",
            Step::Pairs => "pairs",
            Step::NoCertificate => "no certificate",
        }
    }
}

/// What is fixed for one target's scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) target: &'a Target,
    pub(crate) config: &'a ScanConfig,
    /// The profiles whose compatibility is reported.
    pub(crate) profiles: &'a [&'a Profile],
    /// The shipped profiles, to tell which one the endpoint behaves like.
    pub(crate) identify: &'a [&'a Profile],
    /// The SNI every hello sends.
    pub(crate) sni: Option<&'a str>,
    /// The groups every hello but a replay offers.
    pub(crate) groups: &'a [NamedGroup],
    /// Every (version, suite) a profile of either list can use, by version
    /// ([`suites::candidates`]): worked out once per scan.
    pub(crate) candidates: &'a BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
}

/// What the scan has seen so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    /// The records, in the order their steps planned them.
    pub(crate) records: &'a [ProbeRecord],
    /// What they established.
    pub(crate) k: &'a Knowledge,
}

/// A target's report while the checks judge, and what one check leaves
/// for those after it.
#[derive(Debug)]
pub(crate) struct Judging {
    pub(crate) report: TargetReport,
    /// The `inconsistent` issues (from `consistency`), which
    /// `corroboration` reads.
    pub(crate) contradictions: Vec<Issue>,
}

/// One check: what it learns from a record, which probes it asks at each
/// step, and what it writes into the report. Every hook does nothing by
/// default; a check implements the ones it needs.
pub(crate) trait Check: Sync {
    /// Learns what one record says, into the [`Knowledge`] fields it owns.
    fn observe(&self, _k: &mut Knowledge, _r: &ProbeRecord) {}

    /// Settles what only all the records together say.
    fn settle(&self, _k: &mut Knowledge, _records: &[ProbeRecord]) {}

    /// The probes it asks at `step`; `planned` is what the checks before it
    /// planned for the same step.
    fn plan(
        &self,
        _step: Step,
        _scope: &Scope,
        _seen: &Seen,
        _planned: &[Planned],
    ) -> Vec<Planned> {
        Vec::new()
    }

    /// Writes what it established into the report.
    fn judge(&self, _scope: &Scope, _seen: &Seen, _out: &mut Judging) {}
}

/// Every check, in the order they plan and judge (see the module doc).
pub(crate) static CHECKS: [&dyn Check; 10] = [
    &profiles::Profiles,
    &preference::Preferences,
    &versions::Versions,
    &suites::Suites,
    &client_cert::ClientCert,
    &certificate::Certificate,
    &confirmation::Confirmation,
    &consistency::Consistency,
    &corroboration::Corroboration,
    &exposure::Exposure,
];

/// Every check's probes for `step`, in list order.
pub(crate) fn plan(step: Step, scope: &Scope, seen: &Seen) -> Vec<Planned> {
    let mut planned = Vec::new();
    for check in CHECKS {
        let more = check.plan(step, scope, seen, &planned);
        planned.extend(more);
    }
    planned
}

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
            // Every check's business: did it speak TLS at all?
            if matches!(
                r.outcome,
                Outcome::Accepted(_) | Outcome::Rejected { .. } | Outcome::ServerFault(_)
            ) {
                k.answered += 1;
            }
            for check in CHECKS {
                check.observe(&mut k, r);
            }
        }
        for check in CHECKS {
            check.settle(&mut k, records);
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

/// Where the target was reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reached<'a> {
    /// Every address its name resolved to.
    pub(crate) addresses: &'a [SocketAddr],
    /// The one the probes used, if any connected.
    pub(crate) address: Option<SocketAddr>,
}

/// Builds the target's report: what every scan records (where, the probes'
/// own issues, whether anything answered), then each check's judgement in
/// [`CHECKS`] order.
pub(crate) fn report(
    scope: &Scope,
    reached: Reached,
    seen: &Seen,
    stats: ScanStats,
) -> TargetReport {
    let (target, records, k) = (scope.target, seen.records, seen.k);
    let mut report = TargetReport {
        target: target.to_string(),
        host: target.host.clone(),
        port: target.port,
        address: reached.address.map(|a| a.ip().to_string()),
        addresses: reached
            .addresses
            .iter()
            .map(|a| a.ip().to_string())
            .collect(),
        resolved: crate::results::ResolvedAddress::list(reached.addresses, reached.address),
        role: target.role,
        sni: scope.sni.map(String::from),
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
    // What the records hold as they are; the checks order and judge it.
    report.server = Some(ServerReport {
        versions: k.versions(),
        cipher_suites: k
            .accepted
            .iter()
            .map(|(v, s)| (*v, s.iter().copied().collect()))
            .collect(),
        server_preference: None,
        preference: BTreeMap::new(),
        order_measured: BTreeMap::new(),
        client_certificate: k.client_certificate,
        certificate: k
            .certificate_chain
            .as_deref()
            .and_then(crate::tls::certinfo::summarize),
        matches_profiles: Vec::new(),
        probed: Probed {
            versions: k.probed_versions.iter().copied().collect(),
            pairs: k.probed_pairs.len(),
            all_suites: scope.config.all_suites,
        },
        hello_retry: k.hello_retry,
    });
    let mut judged = Judging {
        report,
        contradictions: Vec::new(),
    };
    for check in CHECKS {
        check.judge(scope, seen, &mut judged);
    }
    judged.report
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
