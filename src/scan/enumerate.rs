//! `--all-suites`: every registered suite at every version, by elimination.
//!
//! A ServerHello names one suite, so each connection can reveal at most one
//! accepted suite: elimination (offer a set, remove the chosen suite, offer
//! the rest again, until the server refuses) reaches that bound, and each
//! chain of offers ends with one refusal. What takes time is the length of
//! the chains (two round trips a step), so the endpoint's slots are kept
//! busy with as many short chains as they hold:
//! - every version starts at once, with one hello offering every suite
//!   valid there (a version not spoken costs that one connection);
//! - when a version's first hello is accepted, the rest is split into
//!   interleaved parts of about [`PART`] suites (suite i to part i mod n,
//!   so accepted suites, which cluster by id, spread evenly), eliminated
//!   side by side; a rest of at most [`SINGLES`] suites is offered one
//!   suite at a time, all at once. A part costs one refusal at its end, so
//!   the parts trade a few connections for much shorter chains; the
//!   endpoint's bound (32 by default under `--all-suites`,
//!   [`crate::probe::connect::ALL_SUITES_CONCURRENCY`]) holds them all;
//! - a version whose first hello was accepted also gets the same suites
//!   reversed, in parallel with its chains: with the first hello, whose
//!   order decides there (`checks::preference`), which would otherwise take
//!   a forward and a reversed offer after the enumeration, two round trips
//!   more.
//!
//! The same suites are found as with one chain per version: every suite is
//! in exactly one part, and a part is offered until refused.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::probes::{ProbeRecord, Purpose, all_at, spec_at};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::{Endpoint, engine};
use crate::wire::codes::NamedGroup;

/// About how many suites one part starts with: at the one in eight or so
/// of the registry a broad server accepts, two or three acceptances and a
/// refusal, so every chain is done in about four steps.
const PART: usize = 16;

/// A rest this small (TLS 1.3's four other suites) is offered one suite at
/// a time, all at once: the same connections as a chain, one step.
const SINGLES: usize = 4;

/// One offer to make.
struct Offer {
    version: TlsVersion,
    /// The version's first hello (every suite valid there).
    first: bool,
    suites: Vec<CipherSuiteId>,
    purpose: Purpose,
}

/// Enumerates every version concurrently, within the endpoint's bound.
pub(crate) async fn enumerate(
    endpoint: Arc<Endpoint>,
    sni: Option<String>,
    groups: Vec<NamedGroup>,
) -> Vec<ProbeRecord> {
    let bound = endpoint.limits().concurrency.max(1);
    let mut queue: VecDeque<Offer> = TlsVersion::ALL
        .into_iter()
        .map(|version| Offer {
            version,
            first: true,
            suites: all_at(version),
            purpose: Purpose::Enumerate,
        })
        .collect();
    let mut set = JoinSet::new();
    let mut out: Vec<(TlsVersion, usize, ProbeRecord)> = Vec::new();
    let mut sequence = 0usize;
    loop {
        while set.len() < bound {
            let Some(offer) = queue.pop_front() else {
                break;
            };
            let (endpoint, sni, groups) = (endpoint.clone(), sni.clone(), groups.clone());
            let n = sequence;
            sequence += 1;
            set.spawn(async move {
                let spec = spec_at(offer.version, offer.suites.clone(), sni.as_deref(), &groups);
                let outcome = engine::probe(&endpoint, &spec).await;
                let record = ProbeRecord {
                    purpose: offer.purpose.clone(),
                    spec,
                    outcome,
                    handshake: None,
                    peer_chain: Vec::new(),
                    session_ticket: None,
                };
                (n, offer, record)
            });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let Ok((n, offer, record)) = joined else {
            continue;
        };
        let chosen = record
            .outcome
            .accepted()
            .filter(|a| a.version == offer.version)
            .map(|a| a.cipher_suite)
            .filter(|s| offer.suites.contains(s));
        if let (Some(s), Purpose::Enumerate) = (chosen, &offer.purpose) {
            follow(&offer, s, bound, &mut queue);
        }
        out.push((offer.version, n, record));
    }
    // By version, then in the order the offers were made.
    out.sort_by_key(|(v, n, _)| (*v, *n));
    out.into_iter().map(|(_, _, r)| r).collect()
}

/// What an accepted elimination offer leads to: on a version's first
/// hello, the same suites reversed (whose order decides); then the rest
/// without the chosen suite `s`, at the front of the queue (chains are the
/// long part), in parts eliminated side by side on the first hello, as one
/// chain after.
fn follow(offer: &Offer, s: CipherSuiteId, bound: usize, queue: &mut VecDeque<Offer>) {
    if offer.first {
        let mut reversed = offer.suites.clone();
        reversed.reverse();
        queue.push_back(Offer {
            version: offer.version,
            first: false,
            suites: reversed,
            purpose: Purpose::Order(true),
        });
    }
    let rest: Vec<CipherSuiteId> = offer.suites.iter().copied().filter(|c| *c != s).collect();
    if rest.is_empty() {
        return;
    }
    let parts = if !offer.first {
        1
    } else if rest.len() <= SINGLES {
        rest.len()
    } else {
        rest.len().div_ceil(PART).clamp(1, bound)
    };
    let mut split: Vec<Vec<CipherSuiteId>> = vec![Vec::new(); parts];
    for (i, c) in rest.into_iter().enumerate() {
        split[i % parts].push(c);
    }
    for suites in split.into_iter().rev() {
        queue.push_front(Offer {
            version: offer.version,
            first: false,
            suites,
            purpose: Purpose::Enumerate,
        });
    }
}
