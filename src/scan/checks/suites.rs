//! Which suites the endpoint accepts: one probe per (version, suite) that
//! any profile (selected, or shipped for identification) can use, offering
//! that suite alone; and which shipped profile the endpoint behaves like.
//!
//! Rule: a suite cannot be accepted at a version the server does not speak,
//! so the single-suite probes at a version that a first-wave probe (a
//! profile's replay or a whole-version hello offering that version alone)
//! can show unsupported wait for that wave, and are not sent when it did:
//! a TLS 1.2-only manager is not asked the TLS 1.0 suites of `dsa-9.6` one
//! by one after the replay of `dsa-9.6` was refused with `protocol_version`
//! (two connections of sixteen), a TLS 1.0-only agent not the six TLS 1.2
//! suites. What the report says does not change: those probes could only be
//! refused, and a server that accepted one anyway would contradict itself,
//! which the remaining probes at that version (the replay, or a
//! whole-version hello) still show.

use std::collections::{BTreeMap, BTreeSet};

use super::super::{Purpose, spec_at};
use super::Knowledge;
use crate::probe::HelloSpec;
use crate::profile::Profile;
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;
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

/// The candidates split in two: versions no probe of `first_wave` offers
/// alone (probed at once), and versions one does (probed after it, by
/// [`unsettled`]).
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
            !first_wave
                .iter()
                .any(|(_, spec)| spec.versions.as_slice() == [*v])
        })
}

/// The deferred candidates still worth a probe: those at versions the first
/// wave did not show unsupported. None when nothing answered TLS at all
/// (more probes would only add noise, as for [`super::versions::second_plan`]).
pub(crate) fn unsettled(
    later: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    k: &Knowledge,
) -> BTreeMap<TlsVersion, Vec<CipherSuiteId>> {
    if k.answered == 0 {
        return BTreeMap::new();
    }
    later
        .into_iter()
        .filter(|(v, _)| !k.unsupported.contains(v))
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
