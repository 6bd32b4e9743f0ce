//! Corroboration: on a server that contradicted itself, or that is several
//! servers, no verdict rests on one answer.
//!
//! A flaky front refuses some connections at random; two differently
//! configured nodes behind one address answer the same hello both ways. A
//! refused hello then proves nothing alone, and an accepted one may speak
//! for one node only. Once any contradiction shows (`super::consistency`),
//! or the session tickets show more than one node (`super::nodes`), the
//! server is *unsteady* and:
//! - each profile's own hello is asked again until it has been asked
//!   [`ASKS`] times, [`nodes::ASKS`] when several nodes showed ([`plan`];
//!   nothing is sent to a steady server);
//! - a verdict stands only on at least [`ALIKE`] alike answers and with no
//!   answer to the profile's own hello disagreeing ([`apply`]): compatible
//!   on acceptances of its suites at the negotiated version, "no common
//!   version" or "no common suite" on refusals of hellos at its versions
//!   that offered its suites. Anything less is inconclusive (`unsteady`).
//!
//! Verdicts that rest on what the server *said* rather than on a refusal
//! (a faulty ServerHello, a version the client lacks, a refusal after the
//! ServerHello, a certificate key no suite can use, a failed handshake)
//! are never touched here: a refusing front cannot invent them, and a
//! server fault is reported as such. Verdicts are never turned from
//! unknown into known: this only makes conclusive verdicts inconclusive.

use super::Knowledge;
use super::consistency::{self, ALIKE, REFUSED_DESPITE, own, refused};
use super::{Check, Judging, Planned, Scope, Seen, Step, nodes};
use crate::model::profile::Profile;
use crate::model::version::TlsVersion;
use crate::probe::{HelloSpec, Outcome};
use crate::results::{Issue, ProfileReport, ReasonCode};
use crate::scan::probes::{ProbeRecord, Purpose};

/// How many times each profile's own hello is asked on an unsteady server:
/// five answers of one node behind a balancer that picks at random agree
/// by chance one time in sixteen, and the other answers about the same
/// suites shrink that further.
pub(crate) const ASKS: usize = 5;

/// On an unsteady server, each profile's own hello asked again until it
/// has been asked [`ASKS`] times ([`nodes::ASKS`] behind several nodes);
/// nothing otherwise. Profiles a
/// contradiction already made inconclusive are left alone.
pub(crate) fn plan(
    records: &[ProbeRecord],
    profiles: &[&Profile],
    k: &Knowledge,
) -> Vec<(Purpose, HelloSpec)> {
    let contradictions = consistency::check(records, profiles, k);
    let asks = match nodes::several(records) {
        Some(_) => nodes::ASKS,
        None if !contradictions.is_empty() => ASKS,
        None => return Vec::new(),
    };
    let mut plan = Vec::new();
    for p in profiles {
        if contradictions.iter().any(|c| c.profiles.contains(&p.id)) {
            continue;
        }
        let Some(first) = consistency::own_answer(records, &p.id) else {
            continue;
        };
        if !corroborable(p, first) {
            continue;
        }
        let have = own(records, &p.id).len();
        for _ in have..asks {
            plan.push((
                Purpose::Again(Box::new(Purpose::Replay(p.id.clone()))),
                first.spec.clone(),
            ));
        }
    }
    plan
}

/// Whether a verdict read from this answer rests on acceptance or refusal
/// (and so may need corroborating).
fn corroborable(p: &Profile, r: &ProbeRecord) -> bool {
    match &r.outcome {
        Outcome::Accepted(a) => p.supports(a.version) && p.cipher_suites.contains(&a.cipher_suite),
        o => refused(r) && !matches!(o, Outcome::ServerFault(_)),
    }
}

/// Answers that accepted one of `p`'s suites at `v` (and got through,
/// when a handshake followed).
fn acceptances(records: &[ProbeRecord], p: &Profile, v: TlsVersion) -> usize {
    records
        .iter()
        .filter(|r| r.purpose != Purpose::NoCertificate)
        .filter(|r| {
            r.outcome
                .accepted()
                .is_some_and(|a| a.version == v && p.suites_at(v).any(|s| s == a.cipher_suite))
                && consistency::got_through(r)
        })
        .count()
}

/// Answers that refused `p`: its own hello refused, or a hello offering
/// only one of its versions and some of its suites there refused or
/// answered at a version it does not speak.
fn refusals(records: &[ProbeRecord], p: &Profile) -> usize {
    records
        .iter()
        .filter(|r| r.purpose != Purpose::NoCertificate)
        .filter(|r| {
            if consistency::asks_own(records, r, &p.id) {
                return refused(r);
            }
            let [v] = r.spec.versions.as_slice() else {
                return false;
            };
            if !p.supports(*v)
                || !r
                    .spec
                    .cipher_suites
                    .iter()
                    .any(|s| p.suites_at(*v).any(|o| o == *s))
            {
                return false;
            }
            refused(r) || r.outcome.accepted().is_some_and(|a| !p.supports(a.version))
        })
        .count()
}

/// Why a server is unsteady, for the reasons of the verdicts it cannot
/// carry: the first of its contradictions (the `inconsistent` issues
/// already applied), else the several nodes its tickets showed.
fn why_unsteady(contradictions: &[Issue], several: Option<&Issue>) -> Option<&'static str> {
    if !contradictions.is_empty() {
        Some("this server contradicted itself (see the inconsistent issues)")
    } else if several.is_some() {
        Some("more than one server answers at this address (see the several_nodes issue)")
    } else {
        None
    }
}

/// Makes the verdicts that unsteady servers cannot carry inconclusive;
/// `unsteady` says why the server is (see [`why_unsteady`]). On a
/// steady server only a profile's hello refused although one of its suites
/// is accepted needs [`REFUSED_DESPITE`] refusals of that hello, and no
/// other answer to it.
pub(crate) fn apply(
    out: &mut [ProfileReport],
    records: &[ProbeRecord],
    profiles: &[&Profile],
    unsteady: Option<&str>,
) {
    for report in out.iter_mut().filter(|r| r.verdict.is_conclusive()) {
        let Some(p) = profiles.iter().find(|p| p.id == report.profile) else {
            continue;
        };
        let asked = own(records, &p.id);
        let own_refusals = asked.iter().filter(|r| refused(r)).count();
        let (alike, what) = match (report.verdict.is_compatible(), report.reason_code) {
            (true, _) => {
                let Some(v) = report.negotiated.map(|a| a.version) else {
                    continue;
                };
                if unsteady.is_none() {
                    continue;
                }
                let disagree = asked.iter().any(|r| !consistency::got_through(r));
                if disagree {
                    (0, "acceptances")
                } else {
                    (acceptances(records, p, v), "acceptances")
                }
            }
            (false, Some(ReasonCode::HelloRefused)) => {
                if unsteady.is_some() {
                    (0, "refusals of this client's hello")
                } else if own_refusals < REFUSED_DESPITE || own_refusals < asked.len() {
                    (0, "")
                } else {
                    continue;
                }
            }
            (false, Some(ReasonCode::NoCommonSuite | ReasonCode::NoCommonVersion)) => {
                if unsteady.is_none() {
                    continue;
                }
                if own_refusals < asked.len() {
                    (0, "refusals")
                } else {
                    (refusals(records, p), "refusals")
                }
            }
            _ => continue,
        };
        if alike >= ALIKE {
            continue;
        }
        let was = report.reason.clone().unwrap_or_else(|| {
            report
                .negotiated
                .map(|a| format!("accepted {} at {}", a.cipher_suite, a.version))
                .unwrap_or_default()
        });
        let (code, why) = if let Some(because) = unsteady {
            (
                ReasonCode::Unsteady,
                format!(
                    "{because}, and only {alike} {what} agree with this verdict, fewer than \
                     {ALIKE} (--repeat 3 asks every hello three times): {was}"
                ),
            )
        } else {
            (
                ReasonCode::Inconclusive,
                format!(
                    "the server refused this client's hello but accepts one of its suites, and \
                     the refusal was not repeated {REFUSED_DESPITE} times: {was}"
                ),
            )
        };
        report.because(code, why);
    }
}

/// On an unsteady server, verdicts that rest on too few alike answers.
pub(crate) struct Corroboration;

impl Check for Corroboration {
    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, _: &[Planned]) -> Vec<Planned> {
        match step {
            Step::Corroboration => plan(seen.records, scope.profiles, seen.k),
            _ => Vec::new(),
        }
    }

    /// The several nodes are an issue of their own; the contradictions
    /// were reported by `super::consistency`.
    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let several = nodes::several(seen.records);
        apply(
            &mut out.report.profiles,
            seen.records,
            scope.profiles,
            why_unsteady(&out.contradictions, several.as_ref()),
        );
        out.report.issues.extend(several);
    }
}
