//! Which suites the endpoint accepts: one probe per (version, suite) that
//! any profile (selected, or shipped for identification) can use, offering
//! that suite alone; and which shipped profile the endpoint behaves like.
//!
//! Rule: a suite cannot be accepted at a version the server does not speak,
//! so the single-suite probes at a version that a first-wave probe (a
//! profile's replay or a whole-version hello offering that version alone)
//! can show unsupported wait for that wave, and when it did, one hello
//! offering every suite valid at that version goes instead: a TLS 1.2-only
//! manager is asked TLS 1.0 once, not the two TLS 1.0 suites of `dsa-9.6`
//! one by one, after the replay of `dsa-9.6` was refused with
//! `protocol_version`; a TLS 1.0-only agent TLS 1.2 once instead of six
//! times. What the report says does not change: those probes could only be
//! refused, and a server that would accept one anyway (it refused a
//! client's hello as an unsupported version but speaks that version)
//! accepts the whole-version hello too, which is the contradiction the
//! consistency check reports.

use std::collections::{BTreeMap, BTreeSet};

use super::Knowledge;
use super::{Check, Judging, Planned, Scope, Seen, Step};
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::HelloSpec;
use crate::probe::Outcome;
use crate::scan::probes::ProbeRecord;
use crate::scan::probes::{Purpose, all_at, spec_at};
use crate::wire::codes::NamedGroup;

/// Every (version, suite) any of the profiles can use, by version, in the
/// profiles' order.
pub(crate) fn candidates(profiles: &[&Profile]) -> BTreeMap<TlsVersion, Vec<CipherSuiteId>> {
    let mut candidates: BTreeMap<TlsVersion, Vec<CipherSuiteId>> = BTreeMap::new();
    for p in profiles {
        for v in &p.versions {
            let at = candidates.entry(*v).or_default();
            for s in p.suites_at(*v) {
                if !at.contains(&s) {
                    at.push(s);
                }
            }
        }
    }
    candidates
}

/// One probe per candidate, the suite alone.
pub(crate) fn plan(
    candidates: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    candidates
        .iter()
        .flat_map(|(v, suites)| {
            suites
                .iter()
                .map(move |s| (Purpose::Suite, spec_at(*v, vec![*s], sni, groups)))
        })
        .collect()
}

/// The candidates split in two: versions no probe of `first_wave` (other
/// than a single-suite probe) offers alone, probed at once; and versions
/// one does, probed after it ([`second_plan`]).
pub(crate) fn split(
    candidates: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    first_wave: &[(Purpose, HelloSpec)],
) -> (
    BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
) {
    candidates
        .iter()
        .map(|(v, s)| (*v, s.clone()))
        .partition(|(v, _)| {
            !first_wave.iter().any(|(purpose, spec)| {
                *purpose != Purpose::Suite && spec.versions.as_slice() == [*v]
            })
        })
}

/// The second wave for the deferred candidates: one probe per suite at
/// versions the first wave did not show unsupported, and one whole-version
/// hello (every suite valid there) at each version it did, to cross-check.
/// Nothing when nothing answered TLS at all (more probes would only add
/// noise, as for [`super::versions::second_plan`]).
pub(crate) fn second_plan(
    later: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    k: &Knowledge,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    if k.answered == 0 {
        return Vec::new();
    }
    let (shown, open): (BTreeMap<_, _>, BTreeMap<_, _>) = later
        .iter()
        .map(|(v, s)| (*v, s.clone()))
        .partition(|(v, _)| k.unsupported.contains(v));
    let mut plan = self::plan(&open, sni, groups);
    plan.extend(
        shown
            .into_keys()
            .map(|v| (Purpose::Version, spec_at(v, all_at(v), sni, groups))),
    );
    plan
}

/// The endpoint accepts exactly the profile's versions and, at each, exactly
/// its suites (among what was probed).
pub(super) fn matches(q: &Profile, k: &Knowledge) -> bool {
    let versions: BTreeSet<TlsVersion> = q.versions.iter().copied().collect();
    versions == k.accepted.keys().copied().collect::<BTreeSet<_>>()
        && q.versions.iter().all(|v| {
            let want: BTreeSet<CipherSuiteId> = q.suites_at(*v).collect();
            k.accepted.get(v) == Some(&want)
        })
}

/// Which suites the endpoint accepts, and whom it behaves like.
pub(crate) struct Suites;

impl Check for Suites {
    /// What one record says about accepted suites (and a HelloRetryRequest
    /// with one), and which pairs it asked.
    fn observe(&self, k: &mut Knowledge, r: &ProbeRecord) {
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
        if let Outcome::Accepted(a) = &r.outcome {
            k.accepted
                .entry(a.version)
                .or_default()
                .insert(a.cipher_suite);
            k.hello_retry |= a.hello_retry;
        }
    }

    /// Single-suite probes at a version the first wave can show
    /// unsupported wait for its first flights (see the module doc), not
    /// for its handshakes: they run while the handshakes finish.
    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, planned: &[Planned]) -> Vec<Planned> {
        if scope.config.all_suites {
            // The enumeration asks every suite itself.
            return Vec::new();
        }
        match step {
            Step::First => {
                let (now, _) = split(scope.candidates, planned);
                plan(&now, scope.sni, scope.groups)
            }
            Step::Dependent => {
                let (_, later) = split(scope.candidates, seen.first);
                second_plan(&later, seen.k, scope.sni, scope.groups)
            }
            _ => Vec::new(),
        }
    }

    /// Each deferred version shown spoken or not.
    fn ready(&self, scope: &Scope, seen: &Seen) -> bool {
        let (_, later) = split(scope.candidates, seen.first);
        later
            .keys()
            .all(|v| seen.k.unsupported.contains(v) || seen.k.accepted.contains_key(v))
    }

    /// Rule: only a complete scan shows the whole set a profile must match
    /// exactly; a suite whose probe went unanswered might be accepted (see
    /// `TargetReport::behaves_like`).
    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let complete = out.report.complete;
        let Some(server) = out.report.server.as_mut() else {
            return;
        };
        server.matches_profiles = scope
            .identify
            .iter()
            .filter(|_| complete)
            .filter(|q| matches(q, seen.k))
            .map(|q| q.id.clone())
            .collect();
    }
}
