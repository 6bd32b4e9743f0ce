//! Which TLS versions the endpoint speaks.
//!
//! Versions no profile uses (by default TLS 1.0–1.3 are always asked about)
//! get one hello offering every suite valid there. A version is shown
//! unsupported when a hello offering only it is answered at an older
//! version (servers before TLS 1.3 answer with the newest they speak) or
//! refused with `protocol_version`.
//!
//! Rule: a candidate version where no single-suite probe was accepted and
//! none showed it unsupported (every refusal there an alert that does not
//! name the version) is not settled by those refusals: a front that
//! refuses a share of connections can refuse every probe at one version.
//! It gets [`UNSETTLED_ASKS`] hellos offering every suite valid there
//! afterwards, compared like any repeated question (`super::consistency`):
//! an acceptance shows the version spoken, and an acceptance beside a
//! refusal is a contradiction. A server that names the version when it
//! refuses one (OpenSSL and Java do) never needs them.

use std::collections::BTreeMap;

use super::Knowledge;
use super::{Check, Planned, Scope, Seen, Step};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::{HelloSpec, Outcome};
use crate::scan::probes::{ProbeRecord, Purpose, all_at, spec_at};
use crate::wire::codes::{AlertDescription, NamedGroup};

/// Versions the default scan always asks about.
const DEFAULT_VERSIONS: [TlsVersion; 4] = [
    TlsVersion::Tls10,
    TlsVersion::Tls11,
    TlsVersion::Tls12,
    TlsVersion::Tls13,
];

/// First wave: a whole-version hello for each default version no candidate
/// covers.
pub(crate) fn plan(
    candidates: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    DEFAULT_VERSIONS
        .into_iter()
        .filter(|v| !candidates.contains_key(v))
        .map(|v| (Purpose::Version, spec_at(v, all_at(v), sni, groups)))
        .collect()
}

/// How many times a version the single-suite probes could not settle is
/// asked as a whole: a front that refuses half the connections refuses
/// all of them one time in eight, on top of every probe before them.
pub(crate) const UNSETTLED_ASKS: usize = 3;

/// Whole-version hellos for candidate versions the single-suite probes
/// could not settle, each asked [`UNSETTLED_ASKS`] times.
pub(crate) fn second_plan(
    k: &Knowledge,
    records: &[ProbeRecord],
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    if k.answered == 0 {
        // Nothing answered TLS at all: more probes would only add noise.
        return Vec::new();
    }
    let mut versions: Vec<TlsVersion> = records
        .iter()
        .filter(|r| r.purpose == Purpose::Suite)
        .map(|r| r.spec.max_version())
        .filter(|v| !k.accepted.contains_key(v) && !k.unsupported.contains(v))
        .collect();
    versions.dedup();
    let plan = versions
        .into_iter()
        .map(|v| (Purpose::Version, spec_at(v, all_at(v), sni, groups)))
        .collect();
    super::consistency::repeated(plan, UNSETTLED_ASKS)
}

/// What one record says about versions.
pub(super) fn observe(k: &mut Knowledge, r: &ProbeRecord) {
    let max = r.spec.max_version();
    let single_version = r.spec.versions.len() == 1;
    k.probed_versions.insert(max);
    match &r.outcome {
        // A server answers a hello for a version it does not speak with the
        // newest version it does.
        Outcome::Accepted(a) if single_version && a.version < max => {
            k.unsupported.insert(max);
        }
        Outcome::Rejected {
            alert,
            after_hello: None,
        } if single_version && *alert == AlertDescription::PROTOCOL_VERSION => {
            k.unsupported.insert(max);
        }
        _ => {}
    }
}

/// Which versions the endpoint speaks.
pub(crate) struct Versions;

impl Check for Versions {
    fn observe(&self, k: &mut Knowledge, r: &ProbeRecord) {
        observe(k, r);
    }

    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, _: &[Planned]) -> Vec<Planned> {
        if scope.config.all_suites {
            // The enumeration asks every version itself.
            return Vec::new();
        }
        match step {
            Step::First => plan(scope.candidates, scope.sni, scope.groups),
            Step::Versions => second_plan(seen.k, seen.records, scope.sni, scope.groups),
            _ => Vec::new(),
        }
    }
}
