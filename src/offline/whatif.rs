//! `what-if`: "if these endpoints stopped accepting this, which client
//! profiles would lose which endpoints?"
//!
//! Computed offline from a saved report: each endpoint's accepted set
//! (`server.cipher_suites`) minus what is dropped, against each profile's
//! suites and versions (from the catalog), with the same negotiation as
//! `matrix` (`negotiate`), in the server's order when it enforces one.
//! Before is what the report says; after is recomputed. A scan that did
//! not probe everything can only prove that contact is kept (accepted
//! suites stay accepted); a loss that rests on suites never probed is
//! reported as unknown, with the advice to scan with `--all-suites`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::negotiate::{Agreement, Offer, Preference, negotiate};
use crate::model::profile::{Catalog, Role};
use crate::model::suites::{CipherSuiteId, SuiteSelector};
use crate::model::version::TlsVersion;
use crate::results::{TargetReport, TargetStatus, Verdict};

/// One thing the endpoints would stop accepting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// A whole version.
    Version(TlsVersion),
    /// A suite or a class of suites, at every version.
    Suites(SuiteSelector),
}

impl fmt::Display for Drop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drop::Version(v) => v.fmt(f),
            Drop::Suites(s) => s.fmt(f),
        }
    }
}

impl Serialize for Drop {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for Drop {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Drop".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "What the endpoints would stop accepting: a version, a cipher suite (IANA name) or a class.",
            "type": "string",
        })
    }
}

/// A `--drop` value that is neither a version, a suite nor a class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown version, cipher suite or class {input:?}{}",
    crate::base::suggest::did_you_mean(suggestions)
)]
pub struct UnknownDrop {
    /// What the user wrote.
    pub input: String,
    /// The closest names.
    pub suggestions: Vec<String>,
}

impl FromStr for Drop {
    type Err = UnknownDrop;

    /// A version first (`tls1.0`), then a class (`cbc`), then a suite.
    fn from_str(s: &str) -> Result<Drop, UnknownDrop> {
        if let Ok(v) = s.parse::<TlsVersion>() {
            return Ok(Drop::Version(v));
        }
        match s.parse::<SuiteSelector>() {
            Ok(sel) => Ok(Drop::Suites(sel)),
            Err(e) => {
                let mut suggestions = crate::base::suggest::closest(s, TlsVersion::names());
                suggestions.extend(e.suggestions);
                suggestions.truncate(3);
                Err(UnknownDrop {
                    input: s.to_string(),
                    suggestions,
                })
            }
        }
    }
}

/// The whole answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhatIf {
    /// What was dropped.
    pub drop: Vec<Drop>,
    /// `none_lost`, `lost` or `unknown`.
    pub status: WhatIfStatus,
    /// One entry per endpoint of the report.
    pub targets: Vec<TargetWhatIf>,
}

impl WhatIf {
    /// Every (profile, target) pair that loses contact.
    pub fn losses(&self) -> impl Iterator<Item = (&TargetWhatIf, &ProfileWhatIf)> {
        self.targets.iter().flat_map(|t| {
            t.profiles
                .iter()
                .filter(|p| p.outcome == Outcome::Loses)
                .map(move |p| (t, p))
        })
    }
}

/// The answer in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhatIfStatus {
    /// Every profile keeps every endpoint it had (exit 0).
    NoneLost,
    /// Some profile loses an endpoint (exit 1).
    Lost,
    /// Nobody is known to lose one, but something could not be told (exit 3).
    Unknown,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TargetWhatIf {
    /// `host:port`.
    pub target: String,
    /// Its role.
    pub role: Role,
    /// Why nothing can be said about it (it was not scanned).
    pub error: Option<String>,
    /// What it would still accept, per version.
    pub remaining: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// One entry per profile of the report.
    pub profiles: Vec<ProfileWhatIf>,
}

/// One profile against one endpoint, before and after.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProfileWhatIf {
    /// The profile id.
    pub profile: String,
    /// `keeps`, `loses`, `still_incompatible` or `unknown`.
    pub outcome: Outcome,
    /// Compatible in the saved report.
    pub compatible_before: bool,
    /// Compatible after the drop; null when unknown.
    pub compatible_after: Option<bool>,
    /// What it negotiated in the saved report.
    pub negotiated_before: Option<Agreement>,
    /// What it would negotiate after the drop.
    pub negotiated_after: Option<Agreement>,
    /// Why, for people.
    pub message: String,
}

/// What happens to one profile at one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It can still talk to the endpoint.
    Keeps,
    /// It could talk before and cannot after.
    Loses,
    /// It could not talk before either.
    StillIncompatible,
    /// The report does not tell.
    Unknown,
}

/// The answer for every endpoint and profile of a saved report.
pub fn what_if(targets: &[TargetReport], drop: &[Drop], catalog: &Catalog) -> WhatIf {
    let out: Vec<TargetWhatIf> = targets.iter().map(|t| target(t, drop, catalog)).collect();
    let any = |o: Outcome| out.iter().flat_map(|t| &t.profiles).any(|p| p.outcome == o);
    let status = if any(Outcome::Loses) {
        WhatIfStatus::Lost
    } else if any(Outcome::Unknown) || out.iter().any(|t| t.error.is_some()) {
        WhatIfStatus::Unknown
    } else {
        WhatIfStatus::NoneLost
    };
    WhatIf {
        drop: drop.to_vec(),
        status,
        targets: out,
    }
}

/// Whether `drop` takes out version `v`.
pub fn dropped_version(drop: &[Drop], v: TlsVersion) -> bool {
    drop.contains(&Drop::Version(v))
}

/// Whether `drop` takes out suite `s` (at every version).
pub fn dropped_suite(drop: &[Drop], s: CipherSuiteId) -> bool {
    drop.iter()
        .any(|d| matches!(d, Drop::Suites(sel) if sel.selects(s)))
}

fn target(t: &TargetReport, drop: &[Drop], catalog: &Catalog) -> TargetWhatIf {
    let mut out = TargetWhatIf {
        target: t.target.clone(),
        role: t.role,
        error: None,
        remaining: BTreeMap::new(),
        profiles: Vec::new(),
    };
    let server = match (&t.status, &t.server) {
        (TargetStatus::Ok, Some(server)) => server,
        _ => {
            out.error = Some(match &t.error {
                Some(e) => format!("not scanned: {}", e.message),
                None => "the report has no server data for this endpoint".into(),
            });
            return out;
        }
    };
    // What the endpoint would still accept; a version left without a suite
    // is gone too.
    out.remaining = server
        .cipher_suites
        .iter()
        .filter(|(v, _)| !dropped_version(drop, **v))
        .map(|(v, suites)| {
            let kept: Vec<CipherSuiteId> = suites
                .iter()
                .copied()
                .filter(|s| !dropped_suite(drop, *s))
                .collect();
            (*v, kept)
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    out.profiles = t
        .profiles
        .iter()
        .map(|p| profile_after(p, server, drop, catalog, &out.remaining))
        .collect();
    out
}

/// One profile before and after the drop: its saved verdict, then, where
/// it was compatible, what it would negotiate with what is left.
fn profile_after(
    p: &crate::results::ProfileReport,
    server: &crate::results::ServerReport,
    drop: &[Drop],
    catalog: &Catalog,
    remaining: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
) -> ProfileWhatIf {
    let mut entry = ProfileWhatIf {
        profile: p.profile.clone(),
        outcome: Outcome::Unknown,
        compatible_before: p.verdict == Verdict::Compatible,
        compatible_after: None,
        negotiated_before: p.negotiated,
        negotiated_after: None,
        message: String::new(),
    };
    let Some(profile) = catalog.find(&p.profile) else {
        entry.message = format!(
            "{} is not in the profile catalog (add its file with --profiles-dir)",
            p.profile
        );
        return entry;
    };
    if p.verdict == Verdict::Inconclusive {
        entry.message = "the saved answer for this profile is unknown".into();
        return entry;
    }
    if p.verdict == Verdict::Incompatible {
        entry.outcome = Outcome::StillIncompatible;
        entry.compatible_after = Some(false);
        entry.message = p.reason.clone().unwrap_or_default();
        return entry;
    }
    let n = negotiate_left(profile, server, remaining);
    match n.result {
        Ok(a) => {
            entry.outcome = Outcome::Keeps;
            entry.compatible_after = Some(true);
            if suite_known(&a, server, remaining, profile) {
                entry.negotiated_after = Some(a);
                entry.message = format!("{} {}", a.version, a.cipher_suite);
            } else {
                entry.message = format!(
                    "{}, suite not known: the server's order among what is left was not measured (scan again with --all-suites)",
                    a.version
                );
            }
        }
        Err(failure) => {
            let unprobed = unprobed(profile, server, drop);
            if unprobed.is_empty() {
                entry.outcome = Outcome::Loses;
                entry.compatible_after = Some(false);
                entry.message = if remaining.is_empty() {
                    "the endpoint would accept nothing that was probed".into()
                } else {
                    failure.to_string()
                };
            } else {
                entry.message = format!(
                    "after the drop it would depend on suites at {} that the scan never probed (scan again with --all-suites)",
                    crate::model::version::join(&unprobed)
                );
            }
        }
    }
    entry
}

/// What `profile` would negotiate with what the server has left: the
/// newest common version first, then a suite among what it still accepts
/// there, in the order the server follows.
fn negotiate_left(
    profile: &crate::model::profile::Profile,
    server: &crate::results::ServerReport,
    remaining: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
) -> crate::model::negotiate::Negotiation {
    let versions: Vec<TlsVersion> = remaining.keys().copied().collect();
    let preference = if server.server_preference == Some(false) {
        Preference::Client
    } else {
        Preference::Server
    };
    let newest = profile
        .versions
        .iter()
        .copied()
        .filter(|v| versions.contains(v))
        .max();
    let suites = newest
        .and_then(|v| remaining.get(&v).cloned())
        .unwrap_or_default();
    negotiate(
        Offer::from(profile),
        Offer {
            versions: &versions,
            suites: &suites,
            groups: None,
        },
        preference,
    )
}

/// Rule: the suite the server would pick is named only where its order
/// was measured that far (the chosen suite leads in the measured order,
/// so it beats every other left), where the server follows the client's
/// order, or where it is the only choice left.
fn suite_known(
    a: &Agreement,
    server: &crate::results::ServerReport,
    remaining: &BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    profile: &crate::model::profile::Profile,
) -> bool {
    let listed = server.cipher_suites.get(&a.version);
    let position = listed.and_then(|l| l.iter().position(|s| *s == a.cipher_suite));
    let measured = server.order_measured.get(&a.version).copied();
    let choices = remaining
        .get(&a.version)
        .into_iter()
        .flatten()
        .filter(|s| profile.suites_at(a.version).any(|p| p == **s))
        .count();
    choices == 1
        || server.preference.get(&a.version) == Some(&Preference::Client)
        || matches!((position, measured), (Some(i), Some(m)) if i < m)
}

/// The versions where suites the scan never asked about might still be
/// accepted: without --all-suites, a loss is proved only when every
/// (version, suite) this profile could still use was probed.
fn unprobed(
    profile: &crate::model::profile::Profile,
    server: &crate::results::ServerReport,
    drop: &[Drop],
) -> Vec<TlsVersion> {
    if server.probed.all_suites {
        return Vec::new();
    }
    profile
        .versions
        .iter()
        .copied()
        .filter(|v| !dropped_version(drop, *v))
        .filter(|v| !server.probed.versions.contains(v))
        .filter(|v| profile.suites_at(*v).any(|s| !dropped_suite(drop, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::suites::SuiteClass;

    /// A saved target accepting `accepted`, with dsa-9.6 and dsa-11
    /// compatible as the report says.
    fn saved(accepted: &str, probed: &str, all_suites: bool) -> TargetReport {
        let profile = |id: &str| {
            serde_json::json!({"profile": id, "compatible": true, "negotiated": null,
                "mutual": {}, "confirmed": "not_attempted", "engine": null, "reason": null,
                "reason_code": null, "conclusive": true})
        };
        let accepted: serde_json::Value = serde_json::from_str(accepted).unwrap();
        let versions: Vec<String> = accepted.as_object().unwrap().keys().cloned().collect();
        serde_json::from_value(serde_json::json!({
            "target": "dsm:4120", "host": "dsm", "port": 4120, "address": null,
            "addresses": [], "role": "manager", "sni": null, "status": "ok", "error": null,
            "server": {"versions": versions, "cipher_suites": accepted,
                "server_preference": true, "preference": {"tls1.2": "server"},
                "order_measured": {"tls1.2": 2}, "client_certificate": "none",
                "certificate": null, "matches_profiles": [],
                "probed": {"versions": serde_json::from_str::<serde_json::Value>(probed).unwrap(),
                    "pairs": 4, "all_suites": all_suites},
                "hello_retry": false},
            "profiles": [profile("dsa-9.6"), profile("dsa-11")],
            "complete": true, "issues": [], "findings": [], "stats": {"probes": 0,
                "connect_attempts": 0, "connections": 0, "bytes_sent": 0,
                "bytes_received": 0, "elapsed_ms": 0}
        }))
        .unwrap()
    }

    fn outcomes(w: &WhatIf) -> Vec<(String, Outcome)> {
        w.targets[0]
            .profiles
            .iter()
            .map(|p| (p.profile.clone(), p.outcome))
            .collect()
    }

    #[test]
    fn losses_keeps_and_what_cannot_be_told() {
        let catalog = Catalog::builtin().unwrap();
        let accepted = r#"{"tls1.0": ["TLS_RSA_WITH_AES_256_CBC_SHA"],
            "tls1.2": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]}"#;
        let t = [saved(accepted, r#"["tls1.0", "tls1.2"]"#, false)];
        let drop = |d: &[&str]| -> Vec<Drop> { d.iter().map(|d| d.parse().unwrap()).collect() };
        let w = what_if(&t, &drop(&["tls1.0"]), &catalog);
        assert_eq!(w.status, WhatIfStatus::Lost);
        assert_eq!(
            outcomes(&w),
            [
                ("dsa-9.6".into(), Outcome::Loses),
                ("dsa-11".into(), Outcome::Keeps)
            ]
        );
        // The server's order decides after the drop.
        let w = what_if(&t, &drop(&["sha1"]), &catalog);
        let after = w.targets[0].profiles[1].negotiated_after.unwrap();
        assert_eq!(after.cipher_suite, CipherSuiteId(0xC02F));
        assert_eq!(w.targets[0].profiles[0].outcome, Outcome::Loses);
        // ... but only where that order was measured: with the first choice
        // alone measured, dropping it leaves two suites of unknown order.
        let mut first_only = t.clone();
        let server = first_only[0].server.as_mut().unwrap();
        server.order_measured.insert(TlsVersion::Tls12, 0);
        let w = what_if(&first_only, &drop(&["tls1.0"]), &catalog);
        assert_eq!(w.targets[0].profiles[1].outcome, Outcome::Keeps);
        assert_eq!(w.targets[0].profiles[1].negotiated_after, None);
        let w = what_if(&t, &drop(&["rc4"]), &catalog);
        assert_eq!(w.status, WhatIfStatus::NoneLost);
        // tls1.0 never probed: dsa-9.6 might still reach AES128-SHA there.
        let t = [saved(accepted, r#"["tls1.2"]"#, false)];
        let w = what_if(&t, &drop(&["TLS_RSA_WITH_AES_256_CBC_SHA"]), &catalog);
        assert_eq!(w.status, WhatIfStatus::Unknown);
        assert!(w.targets[0].profiles[0].message.contains("--all-suites"));
        // With every suite probed, the same drop is a proven loss.
        let t = [saved(accepted, r#"["tls1.2"]"#, true)];
        let w = what_if(&t, &drop(&["TLS_RSA_WITH_AES_256_CBC_SHA"]), &catalog);
        assert_eq!(w.status, WhatIfStatus::Lost);
    }

    #[test]
    fn drops_parse_versions_classes_and_suites() {
        assert_eq!(
            "tls1.0".parse::<Drop>(),
            Ok(Drop::Version(TlsVersion::Tls10))
        );
        assert_eq!(
            "cbc".parse::<Drop>(),
            Ok(Drop::Suites(SuiteSelector::Class(SuiteClass::Cbc)))
        );
        assert_eq!(
            "TLS_RSA_WITH_AES_128_CBC_SHA256".parse::<Drop>(),
            Ok(Drop::Suites(SuiteSelector::Suite(CipherSuiteId(0x003C))))
        );
        let e = "tls1.4".parse::<Drop>().unwrap_err();
        assert!(e.to_string().contains("did you mean"), "{e}");
    }
}
