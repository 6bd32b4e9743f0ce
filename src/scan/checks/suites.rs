//! Which suites the endpoint accepts: one probe per (version, suite) that
//! any profile (selected, or shipped for identification) can use, offering
//! that suite alone; and which shipped profile the endpoint behaves like.

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
