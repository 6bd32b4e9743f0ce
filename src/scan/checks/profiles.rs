//! Each selected profile's own hello, replayed: what that client really
//! negotiates, and when the server refuses it, why (from what the server
//! accepted alone). Rules:
//! - compatible when the replay was accepted at a version the profile
//!   speaks, with one of its suites (the server's real choice, not a guess);
//! - a server that answers with a version the client lacks strands it;
//! - a ServerHello followed by an alert is a refusal;
//! - a refusal is explained by what the server accepted: a certificate key
//!   no suite of the client can use, no common version, no common suite at
//!   the version the server picks, or the client's hello shape.

use std::collections::{BTreeMap, BTreeSet};

use super::Knowledge;
use super::{Check, Judging, Planned, Scope, Seen, Step};
use crate::model::negotiate::{Agreement, Failure};
use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::probe::{HelloSpec, Outcome};
use crate::results::{CertKeyType, ClientCertificate, Confirmed, ProfileReport, ReasonCode};
use crate::scan::probes::{ProbeRecord, Purpose};

/// One replay per profile.
pub(crate) fn plan(profiles: &[&Profile], sni: Option<&str>) -> Vec<(Purpose, HelloSpec)> {
    profiles
        .iter()
        .map(|p| {
            (
                Purpose::Replay(p.id.clone()),
                HelloSpec::for_profile(p, sni),
            )
        })
        .collect()
}

pub(super) fn verdict(
    p: &Profile,
    records: &[ProbeRecord],
    k: &Knowledge,
    key_type: Option<CertKeyType>,
) -> ProfileReport {
    let mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>> = p
        .versions
        .iter()
        .map(|v| (*v, k.mutual_at(p, *v)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let mut out = ProfileReport {
        mutual,
        ..ProfileReport::new(p.id.clone())
    };
    let replay = super::consistency::own_answer(records, &p.id);
    match replay.map(|r| &r.outcome) {
        // The server's real answer to this client's hello.
        Some(Outcome::Accepted(a))
            if p.supports(a.version) && p.cipher_suites.contains(&a.cipher_suite) =>
        {
            out.connects();
            out.negotiated = Some(Agreement {
                version: a.version,
                cipher_suite: a.cipher_suite,
            });
            if k.client_certificate == ClientCertificate::Required {
                out.confirmed = Confirmed::ClientCertificateRequired;
            }
        }
        // Servers before TLS 1.3 answer with the newest version they speak;
        // this client does not speak it and aborts.
        Some(Outcome::Accepted(a)) => out.because(
            ReasonCode::VersionNotSupported,
            format!(
                "the server chose {}, which {} does not support ({})",
                a.version,
                p.id,
                Failure::NoCommonVersion {
                    client: p.versions.clone(),
                    server: k.versions()
                }
            ),
        ),
        // Rule: chose, then refused: no client of this kind gets through.
        Some(Outcome::Rejected {
            alert,
            after_hello: Some((v, s)),
        }) => out.because(
            ReasonCode::RefusedAfterServerHello,
            format!("the server chose {s} at {v} in its ServerHello, then refused with {alert}"),
        ),
        Some(Outcome::Rejected {
            alert,
            after_hello: None,
        }) => {
            let (code, why) = explain(p, k, key_type);
            out.because(code, format!("{why} (the server answered {alert})"));
        }
        Some(o @ Outcome::ServerFault(_)) => out.because(ReasonCode::ServerFault, o.to_string()),
        Some(other) => out.because(ReasonCode::Inconclusive, format!("inconclusive: {other}")),
        None => out.because(ReasonCode::NotProbed, "this profile's hello was not probed"),
    }
    out
}

/// Why a profile's hello was refused, from what the server accepted alone.
fn explain(p: &Profile, k: &Knowledge, key_type: Option<CertKeyType>) -> (ReasonCode, String) {
    // Rule: a certificate no suite of this client can use explains
    // everything else: say so, not only "no common suite".
    if let Some(kt) = key_type.filter(|kt| !crate::tls::certinfo::key_type_usable(*kt, p)) {
        let auth: BTreeSet<&str> = p
            .cipher_suites
            .iter()
            .filter_map(|s| s.suite())
            .map(|s| s.auth)
            .collect();
        let auth: Vec<&str> = auth.into_iter().collect();
        return (
            ReasonCode::CertificateKeyType,
            format!(
                "the server's certificate has {} {} key, and every cipher suite of {} \
                 authenticates with {}: this client cannot connect",
                if kt.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                },
                kt.name().to_uppercase(),
                p.id,
                auth.join(" or ")
            ),
        );
    }
    let server = k.versions();
    let mut common: Vec<TlsVersion> = p
        .versions
        .iter()
        .copied()
        .filter(|v| server.contains(v))
        .collect();
    common.sort();
    let Some(&version) = common.last() else {
        if server.is_empty() {
            return (
                ReasonCode::NoCommonVersion,
                "the server accepted none of the probed versions and suites".into(),
            );
        }
        return (
            ReasonCode::NoCommonVersion,
            Failure::NoCommonVersion {
                client: p.versions.clone(),
                server,
            }
            .to_string(),
        );
    };
    match k.mutual_at(p, version).first() {
        None => {
            let lower = common
                .iter()
                .rev()
                .copied()
                .find(|v| *v < version && !k.mutual_at(p, *v).is_empty());
            (
                ReasonCode::NoCommonSuite,
                Failure::NoCommonSuite { version, lower }.to_string(),
            )
        }
        Some(s) => (
            ReasonCode::HelloRefused,
            format!(
                "the server refused this client's hello at {version}, although it accepts {s} offered alone \
                 (a group, signature algorithm or extension of this client is not acceptable)"
            ),
        ),
    }
}

/// Each profile's replay, and its verdict.
pub(crate) struct Profiles;

impl Check for Profiles {
    fn plan(&self, step: Step, scope: &Scope, _: &Seen, _: &[Planned]) -> Vec<Planned> {
        match step {
            Step::First => plan(scope.profiles, scope.sni),
            _ => Vec::new(),
        }
    }

    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let key_type = out
            .report
            .server
            .as_ref()
            .and_then(|s| s.certificate.as_ref())
            .map(|c| c.key_type);
        out.report.profiles = scope
            .profiles
            .iter()
            .map(|p| verdict(p, seen.records, seen.k, key_type))
            .collect();
    }
}
