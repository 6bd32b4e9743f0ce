//! The ClientHello a probe sends, shaped like a real client.
//!
//! Servers answer differently to different hello shapes (a missing
//! supported_groups hides every ECDHE suite; a TLS 1.3 hello needs a key
//! share), so a profile's replay carries that profile's groups and signature
//! algorithms, and every hello carries the extensions an OpenSSL client of
//! the same version would send. Nothing here depends on what the local
//! crypto library implements: any suite id can be offered at any version.

use ring::agreement;
use ring::rand::{SecureRandom, SystemRandom};

use crate::model::profile::{DEFAULT_GROUPS, DEFAULT_SIGNATURE_ALGORITHMS, Profile};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codes::{
    CompressionMethod, EcPointFormat, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::wire::{ClientHello, Extension, KeyShareEntry};

/// Signature algorithms of hellos that test suites rather than replay a
/// client: the profile defaults plus these, so a DHE-DSS, Ed448, RSA-PSS
/// certificate or SHA-224-only server is not refused for the signature it
/// would have to make.
const EXTRA_SIGNATURE_ALGORITHMS: &[SignatureScheme] = &[
    SignatureScheme::ED448,
    SignatureScheme::RSA_PSS_PSS_SHA256,
    SignatureScheme::RSA_PSS_PSS_SHA384,
    SignatureScheme::RSA_PSS_PSS_SHA512,
    SignatureScheme::DSA_SHA256,
    SignatureScheme::DSA_SHA384,
    SignatureScheme::DSA_SHA512,
    SignatureScheme::RSA_PKCS1_SHA224,
    SignatureScheme::ECDSA_SHA224,
    SignatureScheme::DSA_SHA224,
    SignatureScheme::DSA_SHA1,
];

/// Every signature algorithm a suite-testing hello offers (and the emulator
/// accepts by default): the profile defaults, then `EXTRA_SIGNATURE_ALGORITHMS`.
pub fn broad_signature_algorithms() -> Vec<SignatureScheme> {
    DEFAULT_SIGNATURE_ALGORITHMS
        .iter()
        .chain(EXTRA_SIGNATURE_ALGORITHMS)
        .copied()
        .collect()
}

/// What a hello offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloSpec {
    /// Versions the client speaks; the newest is the one offered (TLS 1.3
    /// ones are listed in supported_versions).
    pub versions: Vec<TlsVersion>,
    /// Suites in offer order.
    pub cipher_suites: Vec<CipherSuiteId>,
    /// Groups in preference order; the first one ring can generate gets a
    /// TLS 1.3 key share.
    pub groups: Vec<NamedGroup>,
    /// Signature algorithms (TLS 1.2 and newer).
    pub signature_algorithms: Vec<SignatureScheme>,
    /// SNI host name.
    pub server_name: Option<String>,
}

impl HelloSpec {
    /// The hello a profile's client sends.
    pub fn for_profile(p: &Profile, server_name: Option<&str>) -> HelloSpec {
        HelloSpec {
            versions: p.versions.clone(),
            cipher_suites: p.cipher_suites.clone(),
            groups: p.groups.clone(),
            signature_algorithms: p.signature_algorithms.clone(),
            server_name: server_name.map(str::to_string),
        }
    }

    /// A hello offering `suites` at exactly `version`, with a broad shape
    /// (default groups, every common signature algorithm) so only the suite
    /// decides.
    pub fn at(
        version: TlsVersion,
        suites: Vec<CipherSuiteId>,
        server_name: Option<&str>,
    ) -> HelloSpec {
        HelloSpec {
            versions: vec![version],
            cipher_suites: suites,
            groups: DEFAULT_GROUPS.to_vec(),
            signature_algorithms: broad_signature_algorithms(),
            server_name: server_name.map(str::to_string),
        }
    }

    /// The newest version offered.
    pub fn max_version(&self) -> TlsVersion {
        crate::model::version::newest(&self.versions)
    }

    fn offers_tls13(&self) -> bool {
        self.versions.contains(&TlsVersion::Tls13)
    }

    fn offers_legacy(&self) -> bool {
        self.versions.iter().any(|v| *v < TlsVersion::Tls13)
    }

    /// Whether a server may legitimately choose `v` in answer to this hello:
    /// anything up to the legacy version field (servers before TLS 1.3 pick
    /// the highest they speak, up to it, and ignore supported_versions), or
    /// TLS 1.3 when offered.
    pub fn allows(&self, v: TlsVersion) -> bool {
        let legacy = if self.offers_tls13() {
            TlsVersion::Tls12
        } else {
            self.max_version()
        };
        v <= legacy || (v == TlsVersion::Tls13 && self.offers_tls13())
    }

    /// Builds the hello, with a fresh random and key share.
    pub fn build(&self) -> ClientHello {
        let rng = SystemRandom::new();
        let mut random = [0u8; 32];
        // SystemRandom only fails when the OS has no entropy source at all;
        // the hello is still well-formed with a zero random.
        let _ = rng.fill(&mut random);
        let max = self.max_version();
        let mut suites = self.cipher_suites.clone();
        if max == TlsVersion::Ssl3 {
            // SSL 3.0 has no extensions: signal secure renegotiation with the SCSV.
            suites.push(CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV);
            return ClientHello {
                record_version: ProtocolVersion::SSL3,
                legacy_version: ProtocolVersion::SSL3,
                random,
                session_id: Vec::new(),
                cipher_suites: suites,
                compression_methods: vec![CompressionMethod::NULL],
                extensions: None,
            };
        }
        let legacy_version = if self.offers_tls13() {
            ProtocolVersion::TLS12
        } else {
            max.wire()
        };
        let mut session_id = Vec::new();
        if self.offers_tls13() {
            // RFC 8446 D.4 middlebox compatibility mode, as OpenSSL does.
            session_id = vec![0u8; 32];
            let _ = rng.fill(&mut session_id);
        }
        ClientHello {
            record_version: ProtocolVersion::TLS10,
            legacy_version,
            random,
            session_id,
            cipher_suites: suites,
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Some(self.extensions(&rng)),
        }
    }

    fn extensions(&self, rng: &SystemRandom) -> Vec<Extension> {
        let max = self.max_version();
        let suites: Vec<_> = self
            .cipher_suites
            .iter()
            .filter_map(|s| s.suite())
            .collect();
        let ecc = suites
            .iter()
            .any(|s| s.uses_ecdhe() || s.kx == "ECDH" || s.needs_ecdsa_certificate());
        let ffdhe = suites.iter().any(|s| s.kx == "DHE");
        let mut ext = Vec::new();
        if let Some(name) = &self.server_name {
            ext.push(Extension::ServerName(name.clone()));
        }
        if ecc && self.offers_legacy() {
            ext.push(Extension::EcPointFormats(vec![EcPointFormat::UNCOMPRESSED]));
        }
        if (ecc || ffdhe || self.offers_tls13()) && !self.groups.is_empty() {
            ext.push(Extension::SupportedGroups(self.groups.clone()));
        }
        if self.offers_legacy() {
            ext.push(Extension::SessionTicket(Vec::new()));
            ext.push(Extension::ExtendedMasterSecret);
        }
        if max >= TlsVersion::Tls12 && !self.signature_algorithms.is_empty() {
            ext.push(Extension::SignatureAlgorithms(
                self.signature_algorithms.clone(),
            ));
        }
        if self.offers_tls13() {
            let mut versions = self.versions.clone();
            versions.sort_by(|a, b| b.cmp(a));
            ext.push(Extension::SupportedVersions(
                versions.into_iter().map(TlsVersion::wire).collect(),
            ));
            // psk_dhe_ke only.
            ext.push(Extension::PskKeyExchangeModes(vec![1]));
            ext.push(Extension::KeyShare(
                self.key_share(rng).into_iter().collect(),
            ));
        }
        if self.offers_legacy() {
            ext.push(Extension::RenegotiationInfo(Vec::new()));
        }
        ext
    }

    /// A real key share for the first group ring can generate; none (an
    /// empty list, which asks the server to pick) otherwise.
    fn key_share(&self, rng: &SystemRandom) -> Option<KeyShareEntry> {
        self.groups.iter().find_map(|g| {
            let alg = match *g {
                NamedGroup::X25519 => &agreement::X25519,
                NamedGroup::SECP256R1 => &agreement::ECDH_P256,
                NamedGroup::SECP384R1 => &agreement::ECDH_P384,
                _ => return None,
            };
            let private = agreement::EphemeralPrivateKey::generate(alg, rng).ok()?;
            let public = private.compute_public_key().ok()?;
            Some(KeyShareEntry {
                group: *g,
                key_exchange: public.as_ref().to_vec(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::Catalog;

    fn ext_types(h: &ClientHello) -> Vec<String> {
        h.extensions
            .iter()
            .flatten()
            .map(|e| e.typ().to_string())
            .collect()
    }

    #[test]
    fn tls12_profile_hello_has_the_profile_shape() {
        let catalog = Catalog::builtin().unwrap();
        let spec = HelloSpec::for_profile(catalog.get("dsa-11").unwrap(), Some("dsm.example"));
        let h = spec.build();
        assert_eq!(h.legacy_version, ProtocolVersion::TLS12);
        assert_eq!(h.record_version, ProtocolVersion::TLS10);
        assert_eq!(
            h.cipher_suites,
            [CipherSuiteId(0xC030), CipherSuiteId(0xC02F)]
        );
        let ext = h.extensions.clone().unwrap();
        assert!(ext.contains(&Extension::ServerName("dsm.example".into())));
        assert!(ext.contains(&Extension::SupportedGroups(vec![
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1
        ])));
        assert!(
            ext.iter()
                .any(|e| matches!(e, Extension::SignatureAlgorithms(_)))
        );
        assert!(!ext_types(&h).contains(&"supported_versions".to_string()));
        // Round trip through the decoder.
        assert_eq!(ClientHello::decode(&h.encode()).unwrap(), h);
    }

    #[test]
    fn tls10_hello_has_no_signature_algorithms_and_no_groups_without_ecc() {
        let catalog = Catalog::builtin().unwrap();
        let h = HelloSpec::for_profile(catalog.get("dsa-9.6").unwrap(), None).build();
        assert_eq!(h.legacy_version, ProtocolVersion::TLS10);
        let types = ext_types(&h);
        assert!(
            !types.contains(&"signature_algorithms".to_string()),
            "{types:?}"
        );
        assert!(
            !types.contains(&"supported_groups".to_string()),
            "{types:?}"
        );
        assert!(!types.contains(&"server_name".to_string()), "{types:?}");
        assert!(
            types.contains(&"renegotiation_info".to_string()),
            "{types:?}"
        );
    }

    #[test]
    fn tls13_hello_has_versions_and_a_real_key_share() {
        let spec = HelloSpec::at(TlsVersion::Tls13, vec![CipherSuiteId(0x1301)], Some("h"));
        let h = spec.build();
        assert_eq!(h.legacy_version, ProtocolVersion::TLS12);
        assert_eq!(h.session_id.len(), 32);
        let ext = h.extensions.clone().unwrap();
        assert!(ext.contains(&Extension::SupportedVersions(vec![ProtocolVersion::TLS13])));
        let share = ext.iter().find_map(|e| match e {
            Extension::KeyShare(s) => Some(s.clone()),
            _ => None,
        });
        let share = share.unwrap();
        assert_eq!(share.len(), 1);
        assert_eq!(share[0].group, NamedGroup::X25519);
        assert_eq!(share[0].key_exchange.len(), 32);
        assert!(!ext_types(&h).contains(&"renegotiation_info".to_string()));
        assert!(spec.allows(TlsVersion::Tls13));
    }

    #[test]
    fn ssl3_hello_has_no_extensions_and_the_scsv() {
        let h = HelloSpec::at(TlsVersion::Ssl3, vec![CipherSuiteId(0x002F)], Some("h")).build();
        assert_eq!(h.record_version, ProtocolVersion::SSL3);
        assert_eq!(h.extensions, None);
        assert_eq!(
            h.cipher_suites.last(),
            Some(&CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV)
        );
    }

    #[test]
    fn which_versions_a_server_may_choose() {
        let tls12 = HelloSpec::at(TlsVersion::Tls12, vec![CipherSuiteId(0x002F)], None);
        assert!(tls12.allows(TlsVersion::Tls10) && tls12.allows(TlsVersion::Tls12));
        assert!(!tls12.allows(TlsVersion::Tls13));
        let tls10 = HelloSpec::at(TlsVersion::Tls10, vec![CipherSuiteId(0x002F)], None);
        assert!(!tls10.allows(TlsVersion::Tls12));
        let both = HelloSpec {
            versions: vec![TlsVersion::Tls12, TlsVersion::Tls13],
            ..tls12
        };
        assert!(both.allows(TlsVersion::Tls13) && both.allows(TlsVersion::Tls11));
    }
}
