//! Consistency: answers that must agree, compared.
//!
//! A correct server gives the same answer to the same question, and a suite
//! it accepts in a client's hello it also accepts offered alone. A server
//! that does not (a load balancer in front of differently configured
//! nodes, a flaky middlebox, a hostile peer) would otherwise produce a
//! different "complete" report on every run and blame the client. So:
//! - **retests**: a few answers are suspicious on their own and are asked
//!   once more ([`retest_plan`]): a profile's hello refused although one of
//!   its suites was accepted alone (and that suite alone, again); a first
//!   flight that accepted but a real handshake that failed; an endpoint that
//!   answered TLS but accepted nothing at all;
//! - **contradictions** ([`check`]), each rule commented below, make the
//!   affected profiles inconclusive with an `inconsistent` issue (what
//!   contradicted what) and the run incomplete (exit 3).

use super::super::{ProbeRecord, Purpose};
use super::Knowledge;
use crate::probe::handshake::HandshakeResult;
use crate::probe::{HelloSpec, Outcome};
use crate::profile::Profile;
use crate::results::{Issue, IssueCode};
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// Whether a record is a clean refusal (an alert before any ServerHello).
fn refused(r: &ProbeRecord) -> bool {
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
fn got_through(r: &ProbeRecord) -> bool {
    r.outcome.accepted().is_some()
        && !matches!(&r.handshake, Some((_, HandshakeResult::Failed(f)))
            if !f.certificate_requested || f.certificate_sent)
}

/// The (version, suite) a single-suite probe offered.
fn single(r: &ProbeRecord) -> Option<(TlsVersion, CipherSuiteId)> {
    match (&r.purpose, r.spec.cipher_suites.as_slice()) {
        (Purpose::Suite, [s]) => Some((r.spec.max_version(), *s)),
        _ => None,
    }
}

/// The second tries that settle whether the server contradicts itself.
pub(crate) fn retest_plan(
    records: &[ProbeRecord],
    profiles: &[&Profile],
) -> Vec<(Purpose, HelloSpec)> {
    let mut plan: Vec<(Purpose, HelloSpec)> = Vec::new();
    let mut add = |i: usize, full: bool, spec: &HelloSpec| {
        if !plan.iter().any(|(p, _)| *p == Purpose::Retest(i, full)) {
            plan.push((Purpose::Retest(i, full), spec.clone()));
        }
    };
    let replays = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.purpose {
            Purpose::Replay(id) => profiles.iter().find(|p| &p.id == id).map(|p| (i, r, *p)),
            _ => None,
        });
    for (i, r, p) in replays {
        if refused(r) {
            // A suite of this profile, at a version it speaks, accepted alone.
            let alone = records.iter().enumerate().find(|(_, s)| {
                single(s).is_some_and(|(v, suite)| {
                    s.outcome.accepted().is_some()
                        && p.supports(v)
                        && p.cipher_suites.contains(&suite)
                })
            });
            if let Some((j, s)) = alone {
                add(i, r.handshake.is_some(), &r.spec);
                add(j, false, &s.spec);
            }
        } else if r.outcome.accepted().is_some() && !got_through(r) {
            add(i, true, &r.spec);
        }
    }
    // Spoke TLS, accepted nothing: ask the first profile's hello again.
    let accepted_any = records.iter().any(|r| r.outcome.accepted().is_some());
    let answered_any = records
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Rejected { .. }));
    if !accepted_any && answered_any {
        if let Some((i, r)) = records
            .iter()
            .enumerate()
            .find(|(_, r)| matches!(r.purpose, Purpose::Replay(_)))
        {
            add(i, r.handshake.is_some(), &r.spec);
        }
    }
    plan
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

/// Every contradiction among the answers, as `inconsistent` issues naming
/// the profiles they make inconclusive.
pub(crate) fn check(records: &[ProbeRecord], profiles: &[&Profile], k: &Knowledge) -> Vec<Issue> {
    let mut out: Vec<Issue> = Vec::new();
    let mut push = |message: String, profiles: Vec<String>| {
        if !profiles.is_empty() && !out.iter().any(|i| i.message == message) {
            out.push(Issue {
                code: IssueCode::Inconsistent,
                message,
                probes: 2,
                profiles,
            });
        }
    };
    for r in records {
        // Rule: the same question asked twice got two different answers.
        if let Purpose::Retest(i, _) = r.purpose {
            let Some(first) = records.get(i) else {
                continue;
            };
            if got_through(first) != got_through(r) {
                let (who, v, suite) = match &first.purpose {
                    Purpose::Replay(id) => {
                        (format!("{id}'s hello"), first.spec.max_version(), None)
                    }
                    _ => {
                        let (v, s) =
                            single(first).unwrap_or((first.spec.max_version(), CipherSuiteId(0)));
                        (format!("{s} offered alone at {v}"), v, Some(s))
                    }
                };
                let names = match &first.purpose {
                    Purpose::Replay(id) => vec![id.clone()],
                    _ => affected(profiles, v, suite),
                };
                push(
                    format!(
                        "the server answered the same hello differently on two connections: {who} was {} \
                         the first time and {} the next",
                        said(first),
                        said(r)
                    ),
                    names,
                );
            }
        }
        // Rule: a suite accepted in a client's hello must be accepted when
        // offered alone at the same version.
        if let (Purpose::Replay(id), Some(a)) = (&r.purpose, r.outcome.accepted()) {
            for s in records.iter().filter(|s| refused(s)) {
                if single(s) == Some((a.version, a.cipher_suite)) {
                    push(
                        format!(
                            "the server accepted {} at {} in {id}'s hello but refused it offered alone ({})",
                            a.cipher_suite, a.version, s.outcome
                        ),
                        affected(profiles, a.version, Some(a.cipher_suite)),
                    );
                }
            }
        }
    }
    // Rule: a version both accepted and refused (protocol_version, or
    // answered at an older version) on different connections.
    for v in k.accepted.keys().filter(|v| k.unsupported.contains(v)) {
        push(
            format!(
                "the server accepted {v} on one connection and refused it as an unsupported version on another"
            ),
            affected(profiles, *v, None),
        );
    }
    out
}
