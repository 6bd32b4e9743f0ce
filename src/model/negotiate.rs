//! Offline negotiation between two configurations.
//!
//! Answers "what would this client and that server agree on?" from their
//! profiles alone, the way an OpenSSL server decides: the newest version both
//! support wins first; only then is a cipher suite chosen, in the server's
//! order (or the client's, for servers that follow the client). A version is
//! never lowered to find a common suite, which is exactly how a manager
//! switched to "strong cipher suites" strands an older agent. ECDHE suites
//! (and TLS 1.3) also need a group both sides support.
//!
//! `matrix` uses this for profile pairs; `scan` uses it to explain why a
//! profile is incompatible with what a live endpoint accepted.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::profile::Profile;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codes::NamedGroup;

/// What one side offers or accepts.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// Supported versions.
    pub versions: &'a [TlsVersion],
    /// Cipher suites in this side's preference order.
    pub suites: &'a [CipherSuiteId],
    /// Supported groups; `None` when unknown (then groups never block).
    pub groups: Option<&'a [NamedGroup]>,
}

impl<'a> From<&'a Profile> for Offer<'a> {
    fn from(p: &'a Profile) -> Self {
        Offer {
            versions: &p.versions,
            suites: &p.cipher_suites,
            groups: Some(&p.groups),
        }
    }
}

/// Whose cipher-suite order decides.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Preference {
    /// The server picks the first suite of its own list that the client offers
    /// (OpenSSL's `SSL_OP_CIPHER_SERVER_PREFERENCE`, what the vendor's
    /// strong-cipher scripts configure).
    Server,
    /// The server picks the first suite of the client's list that it accepts.
    Client,
}

/// The version and suite a handshake settles on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Agreement {
    /// The negotiated version.
    pub version: TlsVersion,
    /// The negotiated suite.
    pub cipher_suite: CipherSuiteId,
}

/// Why two configurations cannot agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No version in common.
    NoCommonVersion {
        /// The client's versions.
        client: Vec<TlsVersion>,
        /// The server's versions.
        server: Vec<TlsVersion>,
    },
    /// The newest common version has no suite in common; `lower` is an older
    /// common version that would have had one.
    NoCommonSuite {
        /// The version the handshake settles on.
        version: TlsVersion,
        /// An older common version with a common suite, if any.
        lower: Option<TlsVersion>,
    },
    /// Suites in common, but every one needs (EC)DHE and no group is shared.
    NoCommonGroup {
        /// The version.
        version: TlsVersion,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = crate::model::version::join;
        match self {
            Failure::NoCommonVersion { client, server } => {
                write!(
                    f,
                    "no common version: client {}, server {}",
                    list(client),
                    list(server)
                )
            }
            Failure::NoCommonSuite {
                version,
                lower: None,
            } => {
                write!(f, "no common suite at {version}")
            }
            Failure::NoCommonSuite {
                version,
                lower: Some(lower),
            } => write!(
                f,
                "no common suite at {version} (one exists at {lower}, but the newest common version wins)"
            ),
            Failure::NoCommonGroup { version } => {
                write!(f, "no common group for the ECDHE suites at {version}")
            }
        }
    }
}

/// The outcome for one client/server pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    /// What they agree on, or why they cannot.
    pub result: Result<Agreement, Failure>,
    /// Per common version, the suites both sides could use there, in the
    /// client's order. Versions without one are left out.
    pub mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
}

/// Negotiates like a server would.
pub fn negotiate(client: Offer<'_>, server: Offer<'_>, preference: Preference) -> Negotiation {
    let mut common: Vec<TlsVersion> = client
        .versions
        .iter()
        .copied()
        .filter(|v| server.versions.contains(v))
        .collect();
    common.sort();
    common.dedup();
    let shared_group = |v: TlsVersion| match (client.groups, server.groups) {
        (Some(c), Some(s)) => c
            .iter()
            .any(|g| s.contains(g) && (v == TlsVersion::Tls13 || !g.is_ffdhe())),
        _ => true,
    };
    // Suites listed by both and valid at v, in the deciding side's order,
    // before and after the group rule.
    let candidates = |v: TlsVersion| -> Vec<CipherSuiteId> {
        let (first, second) = match preference {
            Preference::Server => (server.suites, client.suites),
            Preference::Client => (client.suites, server.suites),
        };
        first
            .iter()
            .copied()
            .filter(|s| second.contains(s) && s.suite().is_some_and(|c| c.valid_at(v)))
            .collect()
    };
    let usable = |v: TlsVersion| -> Vec<CipherSuiteId> {
        let group_ok = shared_group(v);
        candidates(v)
            .into_iter()
            .filter(|s| group_ok || !s.suite().is_some_and(|c| c.uses_ecdhe() || c.is_tls13()))
            .collect()
    };
    // Reported in the client's order; the choice below uses the deciding side's.
    let mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>> = common
        .iter()
        .map(|v| {
            let usable = usable(*v);
            let in_client_order = client.suites.iter().copied().filter(|s| usable.contains(s));
            (*v, in_client_order.collect::<Vec<_>>())
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let Some(&version) = common.last() else {
        let sorted = |vs: &[TlsVersion]| {
            let mut vs = vs.to_vec();
            vs.sort();
            vs
        };
        return Negotiation {
            result: Err(Failure::NoCommonVersion {
                client: sorted(client.versions),
                server: sorted(server.versions),
            }),
            mutual,
        };
    };
    let result = match usable(version).first() {
        Some(&cipher_suite) => Ok(Agreement {
            version,
            cipher_suite,
        }),
        None if !candidates(version).is_empty() => Err(Failure::NoCommonGroup { version }),
        None => Err(Failure::NoCommonSuite {
            version,
            lower: common
                .iter()
                .rev()
                .copied()
                .find(|v| mutual.contains_key(v)),
        }),
    };
    Negotiation { result, mutual }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TlsVersion::*;

    fn ids(v: &[u16]) -> Vec<CipherSuiteId> {
        v.iter().map(|i| CipherSuiteId(*i)).collect()
    }

    fn offer<'a>(versions: &'a [TlsVersion], suites: &'a [CipherSuiteId]) -> Offer<'a> {
        Offer {
            versions,
            suites,
            groups: None,
        }
    }

    #[test]
    fn newest_common_version_then_server_order() {
        let c = ids(&[0xC02F, 0xC030, 0x0035]);
        let s = ids(&[0xC030, 0xC02F]);
        let n = negotiate(
            offer(&[Tls10, Tls12], &c),
            offer(&[Tls12], &s),
            Preference::Server,
        );
        assert_eq!(
            n.result,
            Ok(Agreement {
                version: Tls12,
                cipher_suite: CipherSuiteId(0xC030)
            })
        );
        assert_eq!(
            n.mutual.get(&Tls12),
            Some(&ids(&[0xC02F, 0xC030])),
            "in the client's order"
        );
        let n = negotiate(
            offer(&[Tls10, Tls12], &c),
            offer(&[Tls12], &s),
            Preference::Client,
        );
        assert_eq!(n.result.unwrap().cipher_suite, CipherSuiteId(0xC02F));
    }

    #[test]
    fn no_common_version() {
        let c = ids(&[0x0035]);
        let s = ids(&[0xC030]);
        let n = negotiate(offer(&[Tls10], &c), offer(&[Tls12], &s), Preference::Server);
        let err = n.result.unwrap_err();
        assert_eq!(
            err.to_string(),
            "no common version: client tls1.0, server tls1.2"
        );
        assert!(n.mutual.is_empty());
    }

    #[test]
    fn the_newest_version_wins_even_without_a_suite() {
        // Client speaks 1.0 and 1.2; server accepts AES256-SHA at both and
        // GCM at 1.2. A client offering only AES256-SHA still settles on 1.2.
        let c = ids(&[0x003D]);
        let s = ids(&[0xC030, 0x003D]);
        let n = negotiate(offer(&[Tls12], &c), offer(&[Tls12], &s), Preference::Server);
        assert_eq!(n.result.unwrap().cipher_suite, CipherSuiteId(0x003D));

        let c = ids(&[0x0035, 0xC02F]);
        let s = ids(&[0x0035, 0xC030]);
        let n = negotiate(
            offer(&[Tls10, Tls12], &c),
            offer(&[Tls10, Tls12], &s),
            Preference::Server,
        );
        // 0x0035 runs on 1.2 too, so 1.2 works.
        assert_eq!(
            n.result,
            Ok(Agreement {
                version: Tls12,
                cipher_suite: CipherSuiteId(0x0035)
            })
        );

        let c = ids(&[0x0035, 0xC02F]);
        let s = ids(&[0xC014, 0xC030]);
        let n = negotiate(
            offer(&[Tls10, Tls12], &c),
            offer(&[Tls10, Tls12], &s),
            Preference::Server,
        );
        assert_eq!(
            n.result.unwrap_err().to_string(),
            "no common suite at tls1.2"
        );
    }

    #[test]
    fn reports_a_lower_version_that_would_have_worked() {
        // Both speak 1.2 and 1.3; their 1.3 suites differ. The server settles
        // on 1.3 and fails, although 1.2 had a suite in common.
        let c = ids(&[0x1301, 0xC030]);
        let s = ids(&[0x1302, 0xC030]);
        let n = negotiate(
            offer(&[Tls12, Tls13], &c),
            offer(&[Tls12, Tls13], &s),
            Preference::Server,
        );
        assert_eq!(
            n.result.clone().unwrap_err(),
            Failure::NoCommonSuite {
                version: Tls13,
                lower: Some(Tls12)
            }
        );
        assert_eq!(
            n.result.unwrap_err().to_string(),
            "no common suite at tls1.3 (one exists at tls1.2, but the newest common version wins)"
        );
        assert_eq!(n.mutual.keys().copied().collect::<Vec<_>>(), [Tls12]);
    }

    #[test]
    fn ecdhe_needs_a_shared_group() {
        let c = ids(&[0xC030, 0x003D]);
        let s = ids(&[0xC030]);
        let x25519 = [NamedGroup::X25519];
        let p256 = [NamedGroup::SECP256R1];
        let client = Offer {
            versions: &[Tls12],
            suites: &c,
            groups: Some(&x25519),
        };
        let server = Offer {
            versions: &[Tls12],
            suites: &s,
            groups: Some(&p256),
        };
        let n = negotiate(client, server, Preference::Server);
        assert_eq!(
            n.result.unwrap_err().to_string(),
            "no common group for the ECDHE suites at tls1.2"
        );
        let s2 = ids(&[0xC030, 0x003D]);
        let server = Offer {
            versions: &[Tls12],
            suites: &s2,
            groups: Some(&p256),
        };
        let n = negotiate(client, server, Preference::Server);
        assert_eq!(
            n.result.unwrap().cipher_suite,
            CipherSuiteId(0x003D),
            "falls back to RSA key exchange"
        );
    }
}
