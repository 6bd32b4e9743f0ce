//! Classes of cipher suites that policies forbid as a group (`cbc`,
//! `rsa_kx`, `sha1` …), derived from the registry's algorithms, never
//! listed by hand: a suite added to the registry falls into its classes.

use std::fmt;
use std::str::FromStr;

use super::{CipherSuite, CipherSuiteId, UnknownSuite};

/// A named class of cipher suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuiteClass {
    /// Block ciphers in CBC mode (3DES included).
    Cbc,
    /// RSA key exchange (no forward secrecy, the client encrypts the secret).
    RsaKx,
    /// HMAC-SHA1 record MAC.
    Sha1,
    /// No forward secrecy: key exchange neither ECDHE nor DHE, and not TLS 1.3.
    NonPfs,
    /// Triple DES.
    TripleDes,
    /// RC4.
    Rc4,
    /// No encryption at all.
    Null,
    /// Export-grade (deliberately weakened) suites.
    Export,
    /// Anonymous (unauthenticated) key exchange.
    Anon,
}

impl SuiteClass {
    /// Every class.
    pub const ALL: [SuiteClass; 9] = [
        SuiteClass::Cbc,
        SuiteClass::RsaKx,
        SuiteClass::Sha1,
        SuiteClass::NonPfs,
        SuiteClass::TripleDes,
        SuiteClass::Rc4,
        SuiteClass::Null,
        SuiteClass::Export,
        SuiteClass::Anon,
    ];

    /// The name policies and flags use.
    pub fn name(self) -> &'static str {
        match self {
            SuiteClass::Cbc => "cbc",
            SuiteClass::RsaKx => "rsa_kx",
            SuiteClass::Sha1 => "sha1",
            SuiteClass::NonPfs => "non_pfs",
            SuiteClass::TripleDes => "3des",
            SuiteClass::Rc4 => "rc4",
            SuiteClass::Null => "null",
            SuiteClass::Export => "export",
            SuiteClass::Anon => "anon",
        }
    }

    /// Every class name, for suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(Self::name)
    }

    /// Whether `suite` belongs to this class.
    pub fn contains(self, suite: &CipherSuite) -> bool {
        match self {
            SuiteClass::Cbc => suite.enc.ends_with("_CBC"),
            SuiteClass::RsaKx => suite.kx == "RSA",
            SuiteClass::Sha1 => suite.mac == "SHA1",
            SuiteClass::NonPfs => !suite.is_tls13() && !matches!(suite.kx, "ECDHE" | "DHE"),
            SuiteClass::TripleDes => suite.enc.starts_with("3DES"),
            SuiteClass::Rc4 => suite.enc.starts_with("RC4"),
            SuiteClass::Null => suite.enc == "NULL",
            SuiteClass::Export => suite.iana_name.contains("_EXPORT"),
            SuiteClass::Anon => suite.auth == "NULL" || suite.kx.ends_with("_anon"),
        }
    }
}

impl fmt::Display for SuiteClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One suite or a class of suites: what `--forbid-suite`, `forbid_suites`
/// and `what-if --drop` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuiteSelector {
    /// One registered suite.
    Suite(CipherSuiteId),
    /// Every suite of a class.
    Class(SuiteClass),
}

impl SuiteSelector {
    /// Whether the suite with this id is selected (unregistered ids belong
    /// to no class).
    pub fn selects(self, id: CipherSuiteId) -> bool {
        match self {
            SuiteSelector::Suite(s) => s == id,
            SuiteSelector::Class(c) => id.suite().is_some_and(|s| c.contains(s)),
        }
    }
}

impl fmt::Display for SuiteSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuiteSelector::Suite(s) => s.fmt(f),
            SuiteSelector::Class(c) => c.fmt(f),
        }
    }
}

/// A name that is neither a class nor a registered suite.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown cipher suite or class {} (classes: {}){}",
    crate::base::suggest::excerpt(input),
    SuiteClass::names().collect::<Vec<_>>().join(", "),
    crate::base::suggest::did_you_mean(suggestions)
)]
pub struct UnknownSelector {
    /// What the user wrote.
    pub input: String,
    /// The closest class or suite names.
    pub suggestions: Vec<String>,
}

impl FromStr for SuiteSelector {
    type Err = UnknownSelector;

    /// A class name (any case, `-` for `_`), else an IANA or OpenSSL name
    /// or a hex id.
    fn from_str(s: &str) -> Result<Self, UnknownSelector> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        if let Some(c) = SuiteClass::ALL.into_iter().find(|c| c.name() == norm) {
            return Ok(SuiteSelector::Class(c));
        }
        match s.parse::<CipherSuiteId>() {
            Ok(id) => Ok(SuiteSelector::Suite(id)),
            Err(UnknownSuite::Unknown { suggestions, .. }) => {
                // Short inputs are class names mistyped more often than suites.
                let mut all = crate::base::suggest::closest(s.trim(), SuiteClass::names());
                all.extend(suggestions);
                all.truncate(3);
                Err(UnknownSelector {
                    input: s.to_string(),
                    suggestions: all,
                })
            }
            Err(UnknownSuite::Signaling { .. }) => Err(UnknownSelector {
                input: s.to_string(),
                suggestions: Vec::new(),
            }),
        }
    }
}

impl<'de> serde::Deserialize<'de> for SuiteSelector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(crate::base::suggest::FromStrVisitor::<SuiteSelector>::new(
            "cipher suite or class",
        ))
    }
}

impl serde::Serialize for SuiteSelector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for SuiteSelector {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SuiteSelector".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A cipher suite (IANA or OpenSSL name, or a hex id such as 0xC030) or a class: cbc, rsa_kx, sha1, non_pfs, 3des, rc4, null, export, anon.",
            "type": "string",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::suites::registry;

    fn classes_of(name: &str) -> Vec<&'static str> {
        let s = registry().lookup(name).unwrap();
        SuiteClass::ALL
            .into_iter()
            .filter(|c| c.contains(s))
            .map(SuiteClass::name)
            .collect()
    }

    #[test]
    fn classes_follow_the_registry_algorithms() {
        assert_eq!(
            classes_of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            Vec::<&str>::new()
        );
        assert_eq!(classes_of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"), ["cbc"]);
        assert_eq!(
            classes_of("TLS_RSA_WITH_AES_128_CBC_SHA"),
            ["cbc", "rsa_kx", "sha1", "non_pfs"]
        );
        assert_eq!(
            classes_of("TLS_RSA_WITH_AES_256_GCM_SHA384"),
            ["rsa_kx", "non_pfs"]
        );
        assert_eq!(
            classes_of("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            ["cbc", "rsa_kx", "sha1", "non_pfs", "3des"]
        );
        assert_eq!(
            classes_of("TLS_RSA_WITH_RC4_128_MD5"),
            ["rsa_kx", "non_pfs", "rc4"]
        );
        assert_eq!(
            classes_of("TLS_RSA_WITH_NULL_SHA256"),
            ["rsa_kx", "non_pfs", "null"]
        );
        assert_eq!(
            classes_of("TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
            ["rsa_kx", "non_pfs", "rc4", "export"]
        );
        assert_eq!(
            classes_of("TLS_DH_anon_WITH_AES_128_CBC_SHA"),
            ["cbc", "sha1", "non_pfs", "anon"]
        );
        assert_eq!(
            classes_of("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
            ["cbc", "sha1"]
        );
        assert_eq!(classes_of("TLS_AES_128_GCM_SHA256"), Vec::<&str>::new());
        assert_eq!(
            classes_of("TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
            ["cbc", "sha1", "non_pfs", "anon"]
        );
    }

    #[test]
    fn selectors_parse_classes_then_suites() {
        assert_eq!(
            "CBC".parse::<SuiteSelector>(),
            Ok(SuiteSelector::Class(SuiteClass::Cbc))
        );
        assert_eq!(
            "rsa-kx".parse::<SuiteSelector>(),
            Ok(SuiteSelector::Class(SuiteClass::RsaKx))
        );
        assert_eq!(
            "0xC030".parse::<SuiteSelector>(),
            Ok(SuiteSelector::Suite(CipherSuiteId(0xC030)))
        );
        assert_eq!(
            "AES128-SHA".parse::<SuiteSelector>(),
            Ok(SuiteSelector::Suite(CipherSuiteId(0x002F)))
        );
        let err = "cbcc".parse::<SuiteSelector>().unwrap_err();
        assert_eq!(err.suggestions[0], "cbc");
        assert!(err.to_string().contains("did you mean cbc"), "{err}");
        assert!(SuiteSelector::Class(SuiteClass::Cbc).selects(CipherSuiteId(0x002F)));
        assert!(!SuiteSelector::Class(SuiteClass::Cbc).selects(CipherSuiteId(0xC030)));
        assert!(SuiteSelector::Suite(CipherSuiteId(0xC030)).selects(CipherSuiteId(0xC030)));
    }
}
