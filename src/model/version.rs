//! The TLS protocol versions the tool reasons about.
//!
//! Reports, profiles and flags all spell versions one way (`ssl3`, `tls1.0` …
//! `tls1.3`); input accepts the spellings people actually type (`TLSv1.2`,
//! `1.2`, `tls12`). The enum is ordered, so "the highest common version" is
//! just `max()`.

use std::fmt;
use std::str::FromStr;

use crate::wire::codes::ProtocolVersion;

/// A TLS (or SSL 3.0) protocol version, ordered oldest to newest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum TlsVersion {
    /// SSL 3.0 (RFC 6101), prohibited by RFC 7568.
    Ssl3,
    /// TLS 1.0 (RFC 2246), deprecated by RFC 8996.
    Tls10,
    /// TLS 1.1 (RFC 4346), deprecated by RFC 8996.
    Tls11,
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    /// Every version, oldest first.
    pub const ALL: [TlsVersion; 5] = [
        Self::Ssl3,
        Self::Tls10,
        Self::Tls11,
        Self::Tls12,
        Self::Tls13,
    ];

    /// The canonical spelling used in reports and profiles.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "ssl3",
            Self::Tls10 => "tls1.0",
            Self::Tls11 => "tls1.1",
            Self::Tls12 => "tls1.2",
            Self::Tls13 => "tls1.3",
        }
    }

    /// The spelling OpenSSL prints (`TLSv1.2`).
    pub fn openssl_name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }

    /// The value on the wire.
    pub fn wire(self) -> ProtocolVersion {
        match self {
            Self::Ssl3 => ProtocolVersion::SSL3,
            Self::Tls10 => ProtocolVersion::TLS10,
            Self::Tls11 => ProtocolVersion::TLS11,
            Self::Tls12 => ProtocolVersion::TLS12,
            Self::Tls13 => ProtocolVersion::TLS13,
        }
    }

    /// The version a wire value stands for, if it is one we know.
    pub fn from_wire(v: ProtocolVersion) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.wire() == v)
    }

    /// Every canonical name, for suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(Self::name)
    }
}

/// `tls1.0, tls1.2`: versions as messages and tables list them.
pub fn join(versions: &[TlsVersion]) -> String {
    versions
        .iter()
        .map(|v| v.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The newest of `versions` (TLS 1.2 for an empty list, which validated
/// profiles and hellos never have).
pub fn newest(versions: &[TlsVersion]) -> TlsVersion {
    versions.iter().copied().max().unwrap_or(TlsVersion::Tls12)
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A version spelling we could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown TLS version {} (expected one of ssl3, tls1.0, tls1.1, tls1.2, tls1.3){}",
    crate::base::suggest::excerpt(input),
    crate::base::suggest::did_you_mean(suggestions)
)]
pub struct UnknownVersion {
    /// What the user wrote.
    pub input: String,
    /// The closest canonical names.
    pub suggestions: Vec<String>,
}

impl FromStr for TlsVersion {
    type Err = UnknownVersion;

    /// Accepts `tls1.2`, `TLSv1.2`, `TLS 1.2`, `tls12`, `tls1_2`, `1.2`,
    /// `tls1` (= 1.0), `ssl3`, `SSLv3`, and wire values such as `0x0303`.
    fn from_str(s: &str) -> Result<Self, UnknownVersion> {
        parse_version(s).ok_or_else(|| UnknownVersion {
            input: s.to_string(),
            suggestions: crate::base::suggest::closest(s, Self::names()),
        })
    }
}

fn parse_version(input: &str) -> Option<TlsVersion> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| {
            if c == '_' {
                '.'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if let Some(n) = crate::wire::codes::parse_hex(&s) {
        return u16::try_from(n)
            .ok()
            .and_then(|n| TlsVersion::from_wire(ProtocolVersion(n)));
    }
    if let Some(rest) = s.strip_prefix("sslv").or_else(|| s.strip_prefix("ssl")) {
        return matches!(rest, "3" | "3.0" | "30").then_some(TlsVersion::Ssl3);
    }
    let rest = s
        .strip_prefix("tlsv")
        .or_else(|| s.strip_prefix("tls"))
        .unwrap_or(&s);
    match rest {
        "1" | "1.0" | "10" => Some(TlsVersion::Tls10),
        "1.1" | "11" => Some(TlsVersion::Tls11),
        "1.2" | "12" => Some(TlsVersion::Tls12),
        "1.3" | "13" => Some(TlsVersion::Tls13),
        _ => None,
    }
}

impl serde::Serialize for TlsVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A string: `ssl3`, `tls1.0`, `tls1.1`, `tls1.2` or `tls1.3`.
impl schemars::JsonSchema for TlsVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TlsVersion".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = TlsVersion::ALL.iter().map(|v| v.name()).collect();
        schemars::json_schema!({
            "description": "A TLS (or SSL 3.0) protocol version.",
            "type": "string",
            "enum": names,
        })
    }
}

impl<'de> serde::Deserialize<'de> for TlsVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(crate::base::suggest::FromStrVisitor::<TlsVersion>::new(
            "TLS version",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        let cases = [
            ("tls1.2", TlsVersion::Tls12),
            ("TLSv1.2", TlsVersion::Tls12),
            ("TLS 1.2", TlsVersion::Tls12),
            ("1.2", TlsVersion::Tls12),
            ("tls12", TlsVersion::Tls12),
            ("tls1_2", TlsVersion::Tls12),
            ("TLSv1", TlsVersion::Tls10),
            ("tls1.0", TlsVersion::Tls10),
            ("1.0", TlsVersion::Tls10),
            ("TLSv1.1", TlsVersion::Tls11),
            ("tls1.3", TlsVersion::Tls13),
            ("ssl3", TlsVersion::Ssl3),
            ("SSLv3", TlsVersion::Ssl3),
            ("0x0304", TlsVersion::Tls13),
        ];
        for (input, want) in cases {
            assert_eq!(input.parse::<TlsVersion>(), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_nonsense_with_a_suggestion() {
        for bad in ["tls1.4", "ssl2", "", "0x0305", "1.2.3", "dtls1.2"] {
            assert!(bad.parse::<TlsVersion>().is_err(), "{bad}");
        }
        let err = "tsl1.2".parse::<TlsVersion>().unwrap_err();
        assert_eq!(err.suggestions.first().map(String::as_str), Some("tls1.2"));
    }

    #[test]
    fn ordered_and_canonical() {
        assert!(TlsVersion::Ssl3 < TlsVersion::Tls10);
        assert!(TlsVersion::Tls12 < TlsVersion::Tls13);
        for v in TlsVersion::ALL {
            assert_eq!(v.name().parse::<TlsVersion>(), Ok(v));
            assert_eq!(TlsVersion::from_wire(v.wire()), Some(v));
            assert_eq!(v.to_string(), v.name());
        }
        assert_eq!(TlsVersion::Tls12.wire(), ProtocolVersion(0x0303));
    }
}
