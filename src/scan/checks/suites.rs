//! Which suites the endpoint accepts: one probe per (version, suite) that
//! any profile (selected, or shipped for identification) can use, offering
//! that suite alone; and which shipped profile the endpoint behaves like.
//!
//! Rule: every single-suite probe goes in the first wave, at every
//! candidate version, even one the server may turn out not to speak. A
//! version the server lacks costs those probes (refused, in parallel), not
//! a round trip: the scan used to hold them back until the first wave had
//! shown the version spoken (a TLS 1.2-only manager was asked TLS 1.0 once,
//! not the two TLS 1.0 suites of `dsa-9.6` one by one), which took a second
//! wave of two round trips on every TLS 1.2 manager for one connection
//! saved (docs/performance.md). A probe refused with `protocol_version`
//! also shows the version unsupported (`super::versions`), and a server
//! that accepts a suite at a version it refused as unsupported elsewhere
//! contradicts itself (`super::consistency`).

use std::collections::{BTreeMap, BTreeSet};

use super::Knowledge;
use super::{Check, Judging, Planned, Scope, Seen, Step};
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::HelloSpec;
use crate::probe::Outcome;
use crate::scan::probes::ProbeRecord;
use crate::scan::probes::{Purpose, spec_at};
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

    /// Every candidate at once (see the module doc).
    fn plan(&self, step: Step, scope: &Scope, _: &Seen, _: &[Planned]) -> Vec<Planned> {
        // Under `--all-suites` the enumeration asks every suite itself.
        if scope.config.all_suites || step != Step::First {
            return Vec::new();
        }
        plan(scope.candidates, scope.sni, scope.groups)
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
