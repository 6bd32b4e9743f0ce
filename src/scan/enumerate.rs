//! `--all-suites`: every registered suite at every version, by elimination.
//!
//! A ServerHello names one suite, so each connection can reveal at most one
//! accepted suite: elimination (offer a set, remove the chosen suite, offer
//! the rest again, until the server refuses) reaches that bound. One
//! whole-version hello first tells whether the version is spoken at all;
//! then the rest is split into interleaved chunks (suite i goes to chunk
//! i mod k, so accepted suites, which cluster by id, spread evenly) that are
//! eliminated in parallel under the endpoint's connection bound.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::{ProbeRecord, Purpose, all_at, spec_at};
use crate::probe::{Endpoint, engine};
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;
use crate::wire::codes::NamedGroup;

/// About how many suites one chunk starts with.
const CHUNK: usize = 40;

/// Enumerates every version concurrently.
pub(crate) async fn enumerate(
    endpoint: Arc<Endpoint>,
    sni: Option<String>,
    groups: Vec<NamedGroup>,
) -> Vec<ProbeRecord> {
    let mut set = JoinSet::new();
    for (i, v) in TlsVersion::ALL.into_iter().enumerate() {
        let (endpoint, sni, groups) = (endpoint.clone(), sni.clone(), groups.clone());
        set.spawn(async move { (i, enumerate_version(endpoint, v, sni, groups).await) });
    }
    let mut per_version: Vec<(usize, Vec<ProbeRecord>)> = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            per_version.push(done);
        }
    }
    per_version.sort_by_key(|(i, _)| *i);
    per_version.into_iter().flat_map(|(_, r)| r).collect()
}

async fn enumerate_version(
    endpoint: Arc<Endpoint>,
    version: TlsVersion,
    sni: Option<String>,
    groups: Vec<NamedGroup>,
) -> Vec<ProbeRecord> {
    let all = all_at(version);
    let first = step(&endpoint, version, all.clone(), sni.as_deref(), &groups).await;
    let found = first
        .outcome
        .accepted()
        .filter(|a| a.version == version)
        .map(|a| a.cipher_suite);
    let mut records = vec![first];
    // Refused, answered at an older version (this one is not spoken), or
    // inconclusive: nothing more to learn here.
    let Some(found) = found else { return records };
    let rest: Vec<CipherSuiteId> = all.into_iter().filter(|s| *s != found).collect();
    let k = rest
        .len()
        .div_ceil(CHUNK)
        .clamp(1, endpoint.limits().concurrency.max(1));
    let mut chunks: Vec<Vec<CipherSuiteId>> = vec![Vec::new(); k];
    for (i, s) in rest.into_iter().enumerate() {
        chunks[i % k].push(s);
    }
    let mut set = JoinSet::new();
    for chunk in chunks {
        let (endpoint, sni, groups) = (endpoint.clone(), sni.clone(), groups.clone());
        set.spawn(async move { eliminate(endpoint, version, chunk, sni, groups).await });
    }
    while let Some(joined) = set.join_next().await {
        if let Ok(more) = joined {
            records.extend(more);
        }
    }
    records
}

/// Offers `chunk`, removes the chosen suite, repeats until refused.
async fn eliminate(
    endpoint: Arc<Endpoint>,
    version: TlsVersion,
    mut chunk: Vec<CipherSuiteId>,
    sni: Option<String>,
    groups: Vec<NamedGroup>,
) -> Vec<ProbeRecord> {
    let mut records = Vec::new();
    while !chunk.is_empty() {
        let record = step(&endpoint, version, chunk.clone(), sni.as_deref(), &groups).await;
        let chosen = record
            .outcome
            .accepted()
            .filter(|a| a.version == version)
            .map(|a| a.cipher_suite);
        records.push(record);
        match chosen {
            Some(s) if chunk.contains(&s) => chunk.retain(|c| *c != s),
            _ => break,
        }
    }
    records
}

async fn step(
    endpoint: &Endpoint,
    version: TlsVersion,
    suites: Vec<CipherSuiteId>,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> ProbeRecord {
    let spec = spec_at(version, suites, sni, groups);
    let outcome = engine::probe(endpoint, &spec).await;
    ProbeRecord {
        purpose: Purpose::Enumerate,
        spec,
        outcome,
        handshake: None,
        peer_chain: Vec::new(),
    }
}
