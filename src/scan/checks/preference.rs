//! Whose cipher-suite order decides, per version, and the server's order
//! itself where the probes show it.
//!
//! A hello and the same suites reversed, both accepted at one version with
//! at least two of those suites accepted there: the same choice means the
//! server's order, different choices the client's. Every accepted version
//! with two or more accepted suites is judged:
//! - the first wave reverses the largest profile's hello (its replay is the
//!   forward one), which settles the usual case (a TLS 1.2 manager) for one
//!   probe and no extra round trip;
//! - every other version with two or more accepted suites (a TLS 1.0-only
//!   endpoint, say) gets a forward and a reversed offer of exactly its
//!   accepted suites, in one more round trip; under `--all-suites` the
//!   enumeration's first hello at each version (every suite) and the same
//!   suites reversed, sent with the elimination, settle it instead.
//!
//! The server's order: every accepted hello that offered several accepted
//! suites shows that the chosen one beats the others. Where the server
//! enforces its order, its accepted suites are listed by those relations
//! (transitively); `--all-suites` also asks each pair still unknown, so the
//! order is complete there (up to [`MAX_PAIRS`] pairs per version).

use std::collections::{BTreeMap, BTreeSet};

use super::Knowledge;
use super::{Check, Judging, Planned, Scope, Seen, Step};
use crate::model::negotiate::Preference;
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::HelloSpec;
use crate::scan::probes::{ProbeRecord, Purpose, spec_at};
use crate::wire::codes::NamedGroup;

/// The most pairs asked at one version under `--all-suites`.
pub(crate) const MAX_PAIRS: usize = 66;

/// First wave: the largest profile's hello (at its newest version),
/// reversed; its replay is the forward one. One probe, a real handshake
/// when confirming (`scan::Run::is_full`): it brings one more session
/// ticket for `super::nodes`.
pub(crate) fn plan(profiles: &[&Profile], sni: Option<&str>) -> Vec<(Purpose, HelloSpec)> {
    let largest = profiles
        .iter()
        .max_by_key(|p| p.suites_at(p.max_version()).count())
        .filter(|p| p.suites_at(p.max_version()).count() >= 2);
    largest
        .map(|p| {
            let mut spec = HelloSpec::for_profile(p, sni);
            spec.cipher_suites.reverse();
            (Purpose::Reversed(p.id.clone()), spec)
        })
        .into_iter()
        .collect()
}

/// Versions with two or more accepted suites that no pair settled yet:
/// a forward and a reversed offer of exactly those suites.
pub(crate) fn settle_plan(
    records: &[ProbeRecord],
    k: &Knowledge,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    let judged = judge(records, k);
    let mut plan = Vec::new();
    for (v, suites) in &k.accepted {
        if suites.len() < 2 || judged.contains_key(v) {
            continue;
        }
        let forward: Vec<CipherSuiteId> = suites.iter().copied().collect();
        let mut reversed = forward.clone();
        reversed.reverse();
        plan.push((Purpose::Order(false), spec_at(*v, forward, sni, groups)));
        plan.push((Purpose::Order(true), spec_at(*v, reversed, sni, groups)));
    }
    plan
}

/// `--all-suites`: at each server-ordered version, every pair of accepted
/// suites whose order no probe showed yet.
pub(crate) fn pairs_plan(
    records: &[ProbeRecord],
    k: &Knowledge,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Vec<(Purpose, HelloSpec)> {
    let mut plan = Vec::new();
    for (v, pref) in judge(records, k) {
        if pref != Preference::Server {
            continue;
        }
        let beats = closure(&beats_at(records, k, v));
        let suites: Vec<CipherSuiteId> =
            k.accepted.get(&v).into_iter().flatten().copied().collect();
        let unknown: Vec<(CipherSuiteId, CipherSuiteId)> = suites
            .iter()
            .enumerate()
            .flat_map(|(i, a)| suites[i + 1..].iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| !beats.contains(&(*a, *b)) && !beats.contains(&(*b, *a)))
            .collect();
        if unknown.len() > MAX_PAIRS {
            continue;
        }
        plan.extend(
            unknown
                .into_iter()
                .map(|(a, b)| (Purpose::Pair, spec_at(v, vec![a, b], sni, groups))),
        );
    }
    plan
}

/// Whose order decides, per version where a forward/reversed pair shows it.
pub(crate) fn judge(records: &[ProbeRecord], k: &Knowledge) -> BTreeMap<TlsVersion, Preference> {
    let mut out = BTreeMap::new();
    let pairs = records.iter().filter_map(|r| {
        let forward = match &r.purpose {
            Purpose::Reversed(id) => records
                .iter()
                .find(|f| f.purpose == Purpose::Replay(id.clone())),
            // Its forward offer, or under `--all-suites` the version's
            // first elimination hello, which offered the same suites in
            // the other order (`super::super::enumerate`).
            Purpose::Order(true) => records.iter().find(|f| {
                (f.purpose == Purpose::Order(false) && f.spec.max_version() == r.spec.max_version())
                    || (f.purpose == Purpose::Enumerate
                        && f.spec.versions == r.spec.versions
                        && f.spec.cipher_suites.len() == r.spec.cipher_suites.len()
                        && f.spec
                            .cipher_suites
                            .iter()
                            .eq(r.spec.cipher_suites.iter().rev()))
            }),
            _ => None,
        }?;
        Some((forward, r))
    });
    for (forward, reversed) in pairs {
        let (Some(a), Some(b)) = (forward.outcome.accepted(), reversed.outcome.accepted()) else {
            continue;
        };
        if a.version != b.version || out.contains_key(&a.version) {
            continue;
        }
        // Rule: order shows only among at least two suites accepted there.
        let known = forward
            .spec
            .cipher_suites
            .iter()
            .filter(|s| k.accepts(a.version, **s))
            .count();
        if known >= 2 {
            let pref = if a.cipher_suite == b.cipher_suite {
                Preference::Server
            } else {
                Preference::Client
            };
            out.insert(a.version, pref);
        }
    }
    out
}

/// "a beats b" at `v`: an accepted hello offered both (both accepted at
/// `v`) and the server chose a.
fn beats_at(
    records: &[ProbeRecord],
    k: &Knowledge,
    v: TlsVersion,
) -> BTreeSet<(CipherSuiteId, CipherSuiteId)> {
    let mut beats = BTreeSet::new();
    for r in records {
        let Some(a) = r.outcome.accepted().filter(|a| a.version == v) else {
            continue;
        };
        for s in &r.spec.cipher_suites {
            if *s != a.cipher_suite && k.accepts(v, *s) {
                beats.insert((a.cipher_suite, *s));
            }
        }
    }
    beats
}

/// The transitive closure of a relation.
fn closure(
    relation: &BTreeSet<(CipherSuiteId, CipherSuiteId)>,
) -> BTreeSet<(CipherSuiteId, CipherSuiteId)> {
    let mut out = relation.clone();
    loop {
        let more: Vec<_> = out
            .iter()
            .flat_map(|(a, b)| {
                out.iter()
                    .filter(move |(c, _)| c == b)
                    .map(move |(_, d)| (*a, *d))
            })
            .filter(|p| p.0 != p.1 && !out.contains(p))
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// The accepted suites at `v`: first those in a measured server order
/// (each beats every suite after it, directly or transitively), then the
/// rest by id, with the length of the measured part. Never an order that
/// was not measured: suites whose relative order no probe showed are not
/// ranked by how many others they beat.
pub(crate) fn server_order(
    records: &[ProbeRecord],
    k: &Knowledge,
    v: TlsVersion,
) -> (Vec<CipherSuiteId>, usize) {
    let mut rest: Vec<CipherSuiteId> = k.accepted.get(&v).into_iter().flatten().copied().collect();
    let beats = closure(&beats_at(records, k, v));
    let mut ordered = Vec::with_capacity(rest.len());
    // The next in order is the one suite that beats every other left.
    while let Some(i) = rest
        .iter()
        .position(|a| rest.iter().all(|b| a == b || beats.contains(&(*a, *b))))
    {
        ordered.push(rest.remove(i));
    }
    // (One suite left always beats "every other": the loop ends with none
    // left, or with two or more whose order no probe showed.)
    let measured = ordered.len();
    ordered.extend(rest);
    (ordered, measured)
}

/// Whose order decides, and the server's order.
pub(crate) struct Preferences;

impl Check for Preferences {
    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, _: &[Planned]) -> Vec<Planned> {
        let (sni, groups) = (scope.sni, scope.groups);
        match step {
            Step::First if !scope.config.all_suites => plan(scope.profiles, sni),
            Step::Retests => settle_plan(seen.records, seen.k, sni, groups),
            Step::Pairs if scope.config.all_suites => pairs_plan(seen.records, seen.k, sni, groups),
            _ => Vec::new(),
        }
    }

    /// Per version whose order decides; where the server's, its accepted
    /// suites are listed in its order (as far as the probes showed it).
    fn judge(&self, _: &Scope, seen: &Seen, out: &mut Judging) {
        let Some(server) = out.report.server.as_mut() else {
            return;
        };
        let preference = judge(seen.records, seen.k);
        for (v, suites) in server.cipher_suites.iter_mut() {
            if preference.get(v) == Some(&Preference::Server) {
                let (ordered, measured) = server_order(seen.records, seen.k, *v);
                server.order_measured.insert(*v, measured);
                *suites = ordered;
            }
        }
        server.server_preference = preference
            .values()
            .next_back()
            .map(|p| *p == Preference::Server);
        server.preference = preference;
    }
}
