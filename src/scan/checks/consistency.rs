//! Consistency: answers that must agree, compared.
//!
//! A correct server gives the same answer to the same question, and a suite
//! it accepts in a client's hello it also accepts offered alone. A server
//! that does not (a load balancer in front of differently configured
//! nodes, a flaky middlebox, a hostile peer) would otherwise produce a
//! different "complete" report on every run and blame the client. So:
//! - **cross-checks**: by default each question is asked once, and the
//!   answers that must agree are different questions (a profile's hello
//!   and its suites offered alone, a version refused and accepted); with
//!   `--repeat N` each deciding hello (a profile's own, one suite alone, a
//!   whole version) is asked N times, each copy next to its original
//!   ([`repeated`]);
//! - **retests** ([`retest_plan`]): a few answers are suspicious on their
//!   own and are asked again: a profile's hello refused although the server
//!   accepted one of its suites at a version it speaks (asked until five
//!   refusals agree, its suites offered together in the suite probes'
//!   shape twice, and one of them alone once more); a first flight that
//!   accepted but a real handshake that failed; an endpoint that answered
//!   TLS but accepted nothing at all (each profile's hello once more);
//! - **contradictions** ([`check`]), each rule commented below, make the
//!   affected profiles inconclusive with an `inconsistent` issue (what
//!   contradicted what) and the run incomplete (exit 3). Any contradiction
//!   also marks the server unsteady, and then the verdicts no contradiction
//!   touched must be corroborated (`super::corroboration`).
//!
//! A server fault (a ServerHello no correct server sends) is not a refusal
//! and needs no corroboration: it is compared like any answer, and a
//! server that answers every hello with a faulty ServerHello is steady.

use super::Knowledge;
use super::{Check, Judging, Planned, Scope, Seen, Step};
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::handshake::HandshakeResult;
use crate::probe::{HelloSpec, Outcome};
use crate::results::{Issue, IssueCode, ReasonCode};
use crate::scan::probes::{ProbeRecord, Purpose};
use crate::wire::codes::AlertDescription;

/// How many alike answers any verdict needs on a server that contradicted
/// itself.
pub(crate) const ALIKE: usize = 3;

/// How many refusals of a profile's own hello a "refused although one of
/// its suites is accepted" verdict needs: that pattern is what a flaky
/// front or a second node makes, so it needs more than [`ALIKE`] (a front
/// refusing half the connections refuses five in a row one time in 32).
pub(crate) const REFUSED_DESPITE: usize = 5;

/// How many asks of each profile's hello a server that answered TLS but
/// accepted nothing gets before the refusals stand (the default asks it
/// once, so two retests): the three the scan made when it asked every hello
/// twice and then once more.
const NOTHING_ACCEPTED_ASKS: usize = 3;

/// How many times a profile's suites are offered in the suite probes'
/// shape when its own hello was refused although one of them is accepted.
const SHAPE_CHECKS: usize = 2;

/// Whether a record is a clean refusal (an alert before any ServerHello).
pub(super) fn refused(r: &ProbeRecord) -> bool {
    matches!(
        r.outcome,
        Outcome::Rejected {
            after_hello: None,
            ..
        }
    )
}

/// Whether a record got through: accepted, and its handshake (if any) did
/// not fail for a reason other than a missing client certificate.
pub(super) fn got_through(r: &ProbeRecord) -> bool {
    r.outcome.accepted().is_some()
        && !matches!(&r.handshake, Some((_, HandshakeResult::Failed(f)))
            if !f.certificate_requested || f.certificate_sent)
}

/// Hellos that decide verdicts, asked `--repeat` times: a profile's own,
/// one suite alone, every suite of a version.
fn deciding(p: &Purpose) -> bool {
    matches!(p, Purpose::Replay(_) | Purpose::Suite | Purpose::Version)
}

/// The purpose a record's question was first asked for: through retests
/// and repeats to the original.
pub(super) fn root<'a>(records: &'a [ProbeRecord], r: &'a ProbeRecord) -> &'a Purpose {
    match &r.purpose {
        Purpose::Again(inner) => inner,
        Purpose::Retest(i, _) => records.get(*i).map_or(&r.purpose, |o| root(records, o)),
        other => other,
    }
}

/// Whether `r` asked profile `id`'s own hello (its replay, a repeat or a
/// retest of it).
pub(super) fn asks_own(records: &[ProbeRecord], r: &ProbeRecord, id: &str) -> bool {
    matches!(root(records, r), Purpose::Replay(p) if p == id)
}

/// Every answer to profile `id`'s own hello, in the order asked.
pub(super) fn own<'a>(records: &'a [ProbeRecord], id: &str) -> Vec<&'a ProbeRecord> {
    records
        .iter()
        .filter(|r| asks_own(records, r, id))
        .collect()
}

/// The answer a profile's verdict reads: its replay, or when that got no
/// usable answer, the first repeat that did (the repeats are compared with
/// it by [`check`]).
pub(crate) fn own_answer<'a>(records: &'a [ProbeRecord], id: &str) -> Option<&'a ProbeRecord> {
    let asks: Vec<&ProbeRecord> = records
        .iter()
        .filter(|r| match &r.purpose {
            Purpose::Replay(p) => p == id,
            Purpose::Again(inner) => matches!(&**inner, Purpose::Replay(p) if p == id),
            _ => false,
        })
        .collect();
    asks.iter()
        .find(|r| r.outcome.is_conclusive() || matches!(r.outcome, Outcome::ServerFault(_)))
        .or(asks.first())
        .copied()
}

/// The plan with each deciding hello asked `n` times (0 counts as 1), each
/// repeat right after its original.
pub(crate) fn repeated(plan: Vec<(Purpose, HelloSpec)>, n: usize) -> Vec<(Purpose, HelloSpec)> {
    let n = n.max(1);
    let mut out = Vec::with_capacity(plan.len() * n);
    for (purpose, spec) in plan {
        let asks = match &purpose {
            p if deciding(p) => n,
            _ => 1,
        };
        let again = Purpose::Again(Box::new(purpose.clone()));
        out.push((purpose, spec.clone()));
        for _ in 1..asks {
            out.push((again.clone(), spec.clone()));
        }
    }
    out
}

/// The (version, suite) a single-suite probe (or a repeat or retest of
/// one) offered.
fn single(records: &[ProbeRecord], r: &ProbeRecord) -> Option<(TlsVersion, CipherSuiteId)> {
    match (root(records, r), r.spec.cipher_suites.as_slice()) {
        (Purpose::Suite, [s]) => Some((r.spec.max_version(), *s)),
        _ => None,
    }
}

/// The second tries that settle whether the server contradicts itself.
pub(crate) fn retest_plan(
    records: &[ProbeRecord],
    profiles: &[&Profile],
    k: &Knowledge,
) -> Vec<(Purpose, HelloSpec)> {
    let mut retests = Retests::default();
    let replays = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.purpose {
            Purpose::Replay(id) => profiles.iter().find(|p| &p.id == id).map(|p| (i, r, *p)),
            _ => None,
        });
    for (i, r, p) in replays {
        if refused(r) {
            retests.refused(records, k, (i, r), p);
        } else if r.outcome.accepted().is_some() && !got_through(r) {
            // Accepted, but the handshake did not get through: once more.
            retests.add(i, true, &r.spec, 1);
        }
    }
    // Spoke TLS, accepted nothing: a server that refuses everyone is rare,
    // and a front that refuses each new question at first looks just like
    // it, so each profile's hello is asked until it has been asked
    // [`NOTHING_ACCEPTED_ASKS`] times.
    let accepted_any = records.iter().any(|r| r.outcome.accepted().is_some());
    let answered_any = records
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Rejected { .. }));
    if !accepted_any && answered_any {
        for (i, r) in records.iter().enumerate() {
            if let Purpose::Replay(id) = &r.purpose {
                let asked = own(records, id).len();
                let more = NOTHING_ACCEPTED_ASKS.saturating_sub(asked);
                retests.add(i, r.handshake.is_some(), &r.spec, more);
            }
        }
    }
    retests.plan.extend(retests.shapes);
    retests.plan
}

/// The retests planned so far: second tries of records, then the hellos
/// in the suite probes' shape.
#[derive(Default)]
struct Retests {
    plan: Vec<(Purpose, HelloSpec)>,
    shapes: Vec<(Purpose, HelloSpec)>,
}

impl Retests {
    /// Record `i` (its handshake when `full`) asked until it has `times`
    /// retests.
    fn add(&mut self, i: usize, full: bool, spec: &HelloSpec, times: usize) {
        let have = self
            .plan
            .iter()
            .filter(|(p, _)| *p == Purpose::Retest(i, full))
            .count();
        for _ in have..times {
            self.plan.push((Purpose::Retest(i, full), spec.clone()));
        }
    }

    /// The replay `(i, r)` of `p` was refused.
    fn refused(
        &mut self,
        records: &[ProbeRecord],
        k: &Knowledge,
        replay: (usize, &ProbeRecord),
        p: &Profile,
    ) {
        let (i, r) = replay;
        let asks = own(records, &p.id);
        // The server accepts a suite of this profile at a version it
        // speaks: the refusal stands only once three alike agree.
        let accepts_one = p
            .versions
            .iter()
            .any(|v| p.suites_at(*v).any(|s| k.accepts(*v, s)));
        let refusals = asks.iter().filter(|a| refused(a)).count();
        let other = asks.len() - refusals;
        if accepts_one && other == 0 {
            self.add(
                i,
                r.handshake.is_some(),
                &r.spec,
                REFUSED_DESPITE.saturating_sub(refusals),
            );
            self.shape(records, k, p);
        }
        // And one of its suites that was accepted alone, once more.
        let alone = records.iter().enumerate().find(|(_, s)| {
            single(records, s).is_some_and(|(v, suite)| {
                s.outcome.accepted().is_some() && p.supports(v) && p.cipher_suites.contains(&suite)
            })
        });
        if let Some((j, s)) = alone {
            self.add(j, false, &s.spec, 1);
        }
    }

    /// The same suites as `p`'s refused hello in the suite probes' shape:
    /// a steady server that refuses only this client's shape accepts them.
    fn shape(&mut self, records: &[ProbeRecord], k: &Knowledge, p: &Profile) {
        let top = p
            .versions
            .iter()
            .rev()
            .find(|v| p.suites_at(**v).any(|s| k.accepts(**v, s)));
        let template = records.iter().find(|s| s.purpose == Purpose::Suite);
        let (Some(v), Some(t)) = (top, template) else {
            return;
        };
        let mut spec = t.spec.clone();
        spec.versions = vec![*v];
        spec.cipher_suites = p.suites_at(*v).collect();
        let have = records
            .iter()
            .filter(|r| r.purpose == Purpose::Shape(p.id.clone()))
            .count();
        for _ in have..SHAPE_CHECKS {
            self.shapes
                .push((Purpose::Shape(p.id.clone()), spec.clone()));
        }
    }
}

/// What an answer was, for messages.
fn said(r: &ProbeRecord) -> String {
    match (&r.outcome, &r.handshake) {
        (Outcome::Accepted(a), Some((_, HandshakeResult::Failed(f)))) => format!(
            "accepted {} at {} but the handshake failed ({})",
            a.cipher_suite, a.version, f.detail
        ),
        (Outcome::Accepted(a), _) => format!("accepted with {} at {}", a.cipher_suite, a.version),
        (other, _) => other.to_string(),
    }
}

/// Profiles that speak `v` (and, with `suite`, offer it).
fn affected(profiles: &[&Profile], v: TlsVersion, suite: Option<CipherSuiteId>) -> Vec<String> {
    profiles
        .iter()
        .filter(|p| p.supports(v) && suite.is_none_or(|s| p.cipher_suites.contains(&s)))
        .map(|p| p.id.clone())
        .collect()
}

/// An answer, reduced to what two answers to the same hello must share.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Accepted at this version with this suite; `false` when a real
    /// handshake then failed.
    Accepted(TlsVersion, CipherSuiteId, bool),
    /// Refused with an alert before any ServerHello.
    Refused,
    /// Chose, then refused.
    RefusedAfterHello,
    /// A faulty ServerHello.
    Fault,
    /// No usable answer (closed, reset, timeout, not TLS).
    Lost,
}

fn answer(r: &ProbeRecord) -> Answer {
    match &r.outcome {
        Outcome::Accepted(a) => Answer::Accepted(a.version, a.cipher_suite, got_through(r)),
        Outcome::Rejected {
            after_hello: None, ..
        } => Answer::Refused,
        Outcome::Rejected { .. } => Answer::RefusedAfterHello,
        Outcome::ServerFault(_) => Answer::Fault,
        _ => Answer::Lost,
    }
}

/// Whether two answers to the same hello contradict each other. A raw
/// probe cannot see a handshake fail after its first flight, so only two
/// handshakes compare beyond the first flight; and it stops at a
/// HelloRetryRequest, which a handshake answers and reads on from.
fn differ(a: &ProbeRecord, b: &ProbeRecord) -> bool {
    let stopped_at_retry = |x: &ProbeRecord, y: &ProbeRecord| {
        x.handshake.is_none()
            && y.handshake.is_some()
            && x.outcome.accepted().is_some_and(|a| a.hello_retry)
    };
    if stopped_at_retry(a, b) || stopped_at_retry(b, a) {
        return false;
    }
    match (answer(a), answer(b)) {
        (Answer::Accepted(v, s, x), Answer::Accepted(w, t, y)) => {
            v != w || s != t || (x != y && a.handshake.is_some() && b.handshake.is_some())
        }
        (x, y) => x != y,
    }
}

/// How a message names the question `r` asked.
fn question(records: &[ProbeRecord], r: &ProbeRecord) -> String {
    let v = r.spec.max_version();
    match root(records, r) {
        Purpose::Replay(id) => format!("{id}'s hello"),
        _ => match r.spec.cipher_suites.as_slice() {
            [s] => format!("{s} offered alone at {v}"),
            all => format!("a hello offering {} suites at {v}", all.len()),
        },
    }
}

/// The profiles an answer to `r`'s question bears on.
fn bears_on(records: &[ProbeRecord], r: &ProbeRecord, profiles: &[&Profile]) -> Vec<String> {
    let v = r.spec.max_version();
    match root(records, r) {
        Purpose::Replay(id) => vec![id.clone()],
        _ => profiles
            .iter()
            .filter(|p| {
                p.supports(v)
                    && r.spec
                        .cipher_suites
                        .iter()
                        .any(|s| p.cipher_suites.contains(s))
            })
            .map(|p| p.id.clone())
            .collect(),
    }
}

/// Every contradiction among the answers, as `inconsistent` issues naming
/// the profiles they make inconclusive, the most direct first (the same
/// hello answered two ways): a profile's reason is the first that names it.
pub(crate) fn check(records: &[ProbeRecord], profiles: &[&Profile], k: &Knowledge) -> Vec<Issue> {
    let mut found = Contradictions::default();
    found.same_hello_twice(records, profiles);
    found.accepted_within_refused_alone(records, profiles);
    found.accepted_alone_refused_within(records, profiles);
    // Rule: a version both accepted and refused (protocol_version, or
    // answered at an older version) on different connections.
    for v in k.accepted.keys().filter(|v| k.unsupported.contains(v)) {
        found.push(
            format!(
                "the server accepted {v} on one connection and refused it as an unsupported version on another"
            ),
            affected(profiles, *v, None),
        );
    }
    found.0
}

/// The handshake without a client certificate asks something else: it is
/// compared with nothing.
fn compared(r: &ProbeRecord) -> bool {
    r.purpose != Purpose::NoCertificate
}

/// The contradictions found, one issue per message.
#[derive(Default)]
struct Contradictions(Vec<Issue>);

impl Contradictions {
    fn push(&mut self, message: String, profiles: Vec<String>) {
        if !profiles.is_empty() && !self.0.iter().any(|i| i.message == message) {
            self.0.push(Issue {
                code: IssueCode::Inconsistent,
                message,
                probes: 2,
                profiles,
            });
        }
    }

    /// Rule: the same hello asked twice got two different answers.
    fn same_hello_twice(&mut self, records: &[ProbeRecord], profiles: &[&Profile]) {
        for (j, r) in records.iter().enumerate().filter(|(_, r)| compared(r)) {
            if let Some(first) = records[..j]
                .iter()
                .filter(|f| compared(f) && f.spec == r.spec)
                .find(|f| differ(f, r))
            {
                self.push(
                    format!(
                        "the server answered the same hello differently on two connections: {} was {} \
                         the first time and {} the next",
                        question(records, first),
                        said(first),
                        said(r)
                    ),
                    bears_on(records, first, profiles),
                );
            }
        }
    }

    /// Rule: a suite accepted in any hello must be accepted when offered
    /// alone at the same version.
    fn accepted_within_refused_alone(&mut self, records: &[ProbeRecord], profiles: &[&Profile]) {
        for r in records.iter().filter(|r| compared(r)) {
            let Some(a) = r.outcome.accepted() else {
                continue;
            };
            for s in records.iter().filter(|s| refused(s)) {
                if single(records, s) == Some((a.version, a.cipher_suite)) {
                    let within = match &r.purpose {
                        Purpose::Replay(id) => format!("{id}'s hello"),
                        _ => question(records, r),
                    };
                    self.push(
                        format!(
                            "the server accepted {} at {} in {within} but refused it offered alone ({})",
                            a.cipher_suite, a.version, s.outcome
                        ),
                        affected(profiles, a.version, Some(a.cipher_suite)),
                    );
                }
            }
        }
    }

    /// Rule: a suite accepted alone must be accepted in a hello of the
    /// same shape at that version that offers it with others.
    fn accepted_alone_refused_within(&mut self, records: &[ProbeRecord], profiles: &[&Profile]) {
        for r in records.iter().filter(|r| compared(r)) {
            let Some((v, s)) = single(records, r).filter(|_| r.outcome.accepted().is_some()) else {
                continue;
            };
            for o in records.iter().filter(|o| {
                o.spec.versions == r.spec.versions
                    && o.spec.groups == r.spec.groups
                    && o.spec.signature_algorithms == r.spec.signature_algorithms
                    && o.spec.cipher_suites.len() > 1
                    && o.spec.cipher_suites.contains(&s)
                    && matches!(o.outcome, Outcome::Rejected { alert, after_hello: None }
                        if alert != AlertDescription::PROTOCOL_VERSION)
            }) {
                self.push(
                    format!(
                        "the server accepted {s} at {v} offered alone but refused a hello offering it \
                         among {} suites ({})",
                        o.spec.cipher_suites.len(),
                        o.outcome
                    ),
                    affected(profiles, v, Some(s)),
                );
            }
        }
    }
}

/// Answers that contradict each other: retests, and what they override.
pub(crate) struct Consistency;

impl Check for Consistency {
    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, _: &[Planned]) -> Vec<Planned> {
        match step {
            Step::Retests => retest_plan(seen.records, scope.profiles, seen.k),
            _ => Vec::new(),
        }
    }

    /// Contradictions come after the verdicts and their confirmation: they
    /// override what each answer alone said.
    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let contradictions = check(seen.records, scope.profiles, seen.k);
        let report = &mut out.report;
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
        out.contradictions = contradictions;
    }
}
