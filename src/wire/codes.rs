//! Wire values as open newtypes.
//!
//! Every code point that travels in a handshake (versions, named groups,
//! signature schemes, alerts, extension and message types) is a transparent
//! newtype over its wire integer with named constants for the values we know.
//! An unknown value is not an error: it survives decoding, compares and hashes
//! like any other, and prints as hex (`0x1A2B`), so a server that answers with
//! something new is reported faithfully instead of being squeezed into an enum.

use std::fmt;
use std::str::FromStr;

/// A cipher-suite id as it travels on the wire. Open: ids outside the
/// registry survive and print as hex. Its names, parsing and registry
/// lookups live in [`crate::model::suites`], above the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CipherSuiteId(pub u16);

/// Declares an open wire newtype with named constants, `name()`,
/// case-insensitive `from_name()`, `Display` (name or hex), `Debug`, and
/// serde as the display string.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($repr:ty) {
            $( $(#[$cmeta:meta])* $konst:ident = $val:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        #[allow(missing_docs)]
        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($val); )*

            /// Every value this build has a name for, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$konst),*];

            /// The registered name, or `None` for a value we do not know.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($text), )*
                    _ => None,
                }
            }

            /// Looks a value up by its registered name, ignoring ASCII case.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::KNOWN
                    .iter()
                    .copied()
                    .find(|v| v.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            }

            /// Every registered name, for suggestions and help texts.
            pub fn names() -> impl Iterator<Item = &'static str> {
                Self::KNOWN.iter().filter_map(|v| v.name())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "0x{:0width$X}", self.0, width = 2 * std::mem::size_of::<$repr>()),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            /// Accepts a registered name or a hex value (`0x0017`).
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                let s = s.trim();
                if let Some(v) = Self::from_name(s) {
                    return Ok(v);
                }
                parse_hex(s)
                    .and_then(|n| <$repr>::try_from(n).ok())
                    .map($name)
                    .ok_or_else(|| UnknownName {
                        kind: stringify!($name),
                        input: s.to_string(),
                        suggestions: crate::base::suggest::closest(s, Self::names()),
                    })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        /// A string: the registered name, or `0x` and hex digits.
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": concat!("A ", stringify!($name), ": its registered name, or 0x and hex digits for an unregistered value."),
                    "type": "string",
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(crate::base::suggest::FromStrVisitor::<$name>::new(stringify!($name)))
            }
        }
    };
}

/// Parses `0x1A2B` (or `0X1a2b`) into a number; anything else is `None`.
pub fn parse_hex(s: &str) -> Option<u32> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// A name that is not registered for a wire type, with the closest real names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {kind} {}{}",
    crate::base::suggest::excerpt(input),
    crate::base::suggest::did_you_mean(suggestions)
)]
pub struct UnknownName {
    /// Which wire type was being parsed.
    pub kind: &'static str,
    /// What the user wrote.
    pub input: String,
    /// The closest registered names, best first.
    pub suggestions: Vec<String>,
}

wire_enum! {
    /// The 16-bit protocol version on the wire (record layer, hellos,
    /// supported_versions).
    pub struct ProtocolVersion(u16) {
        SSL2 = 0x0002 => "SSLv2",
        SSL3 = 0x0300 => "SSLv3",
        TLS10 = 0x0301 => "TLSv1.0",
        TLS11 = 0x0302 => "TLSv1.1",
        TLS12 = 0x0303 => "TLSv1.2",
        TLS13 = 0x0304 => "TLSv1.3",
    }
}

wire_enum! {
    /// TLS record content types (RFC 8446 §5.1).
    pub struct ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        HEARTBEAT = 24 => "heartbeat",
    }
}

wire_enum! {
    /// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
    pub struct HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        FINISHED = 20 => "finished",
        CERTIFICATE_STATUS = 22 => "certificate_status",
        KEY_UPDATE = 24 => "key_update",
    }
}

wire_enum! {
    /// Alert levels (RFC 5246 §7.2).
    pub struct AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

wire_enum! {
    /// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2 and later registrations).
    pub struct AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

wire_enum! {
    /// Hello extension types (IANA "TLS ExtensionType Values").
    pub struct ExtensionType(u16) {
        SERVER_NAME = 0 => "server_name",
        MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
        STATUS_REQUEST = 5 => "status_request",
        SUPPORTED_GROUPS = 10 => "supported_groups",
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        USE_SRTP = 14 => "use_srtp",
        HEARTBEAT = 15 => "heartbeat",
        ALPN = 16 => "application_layer_protocol_negotiation",
        SIGNED_CERTIFICATE_TIMESTAMP = 18 => "signed_certificate_timestamp",
        PADDING = 21 => "padding",
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        RECORD_SIZE_LIMIT = 28 => "record_size_limit",
        SESSION_TICKET = 35 => "session_ticket",
        PRE_SHARED_KEY = 41 => "pre_shared_key",
        EARLY_DATA = 42 => "early_data",
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        COOKIE = 44 => "cookie",
        PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
        CERTIFICATE_AUTHORITIES = 47 => "certificate_authorities",
        POST_HANDSHAKE_AUTH = 49 => "post_handshake_auth",
        SIGNATURE_ALGORITHMS_CERT = 50 => "signature_algorithms_cert",
        KEY_SHARE = 51 => "key_share",
        RENEGOTIATION_INFO = 0xFF01 => "renegotiation_info",
    }
}

wire_enum! {
    /// Named groups for (EC)DHE (IANA "TLS Supported Groups").
    pub struct NamedGroup(u16) {
        SECT163K1 = 0x0001 => "sect163k1",
        SECT163R2 = 0x0003 => "sect163r2",
        SECT233K1 = 0x0006 => "sect233k1",
        SECT233R1 = 0x0007 => "sect233r1",
        SECT283K1 = 0x0009 => "sect283k1",
        SECT283R1 = 0x000A => "sect283r1",
        SECT409K1 = 0x000B => "sect409k1",
        SECT409R1 = 0x000C => "sect409r1",
        SECT571K1 = 0x000D => "sect571k1",
        SECT571R1 = 0x000E => "sect571r1",
        SECP160K1 = 0x000F => "secp160k1",
        SECP160R1 = 0x0010 => "secp160r1",
        SECP192K1 = 0x0012 => "secp192k1",
        SECP192R1 = 0x0013 => "secp192r1",
        SECP224K1 = 0x0014 => "secp224k1",
        SECP224R1 = 0x0015 => "secp224r1",
        SECP256K1 = 0x0016 => "secp256k1",
        SECP256R1 = 0x0017 => "secp256r1",
        SECP384R1 = 0x0018 => "secp384r1",
        SECP521R1 = 0x0019 => "secp521r1",
        BRAINPOOLP256R1 = 0x001A => "brainpoolP256r1",
        BRAINPOOLP384R1 = 0x001B => "brainpoolP384r1",
        BRAINPOOLP512R1 = 0x001C => "brainpoolP512r1",
        X25519 = 0x001D => "x25519",
        X448 = 0x001E => "x448",
        FFDHE2048 = 0x0100 => "ffdhe2048",
        FFDHE3072 = 0x0101 => "ffdhe3072",
        FFDHE4096 = 0x0102 => "ffdhe4096",
        FFDHE6144 = 0x0103 => "ffdhe6144",
        FFDHE8192 = 0x0104 => "ffdhe8192",
        SECP256R1_MLKEM768 = 0x11EB => "SecP256r1MLKEM768",
        X25519_MLKEM768 = 0x11EC => "X25519MLKEM768",
        SECP384R1_MLKEM1024 = 0x11ED => "SecP384r1MLKEM1024",
    }
}

impl NamedGroup {
    /// The name OpenSSL's `-groups`/`SSL_CTX_set1_groups_list` understands.
    pub fn openssl_name(self) -> Option<&'static str> {
        Some(match self {
            Self::SECP256R1 => "P-256",
            Self::SECP384R1 => "P-384",
            Self::SECP521R1 => "P-521",
            Self::X25519 => "X25519",
            Self::X448 => "X448",
            Self::FFDHE2048 => "ffdhe2048",
            Self::FFDHE3072 => "ffdhe3072",
            Self::FFDHE4096 => "ffdhe4096",
            Self::FFDHE6144 => "ffdhe6144",
            Self::FFDHE8192 => "ffdhe8192",
            Self::SECP224R1 => "P-224",
            Self::SECP192R1 => "P-192",
            Self::SECP256K1 => "secp256k1",
            Self::BRAINPOOLP256R1 => "brainpoolP256r1",
            Self::BRAINPOOLP384R1 => "brainpoolP384r1",
            Self::BRAINPOOLP512R1 => "brainpoolP512r1",
            _ => return None,
        })
    }

    /// Whether this is a finite-field (DHE) group rather than an elliptic curve.
    pub fn is_ffdhe(self) -> bool {
        (0x0100..=0x01FF).contains(&self.0)
    }
}

wire_enum! {
    /// Signature schemes (RFC 8446 §4.2.3, with the TLS 1.2 hash/signature pairs).
    pub struct SignatureScheme(u16) {
        RSA_PKCS1_MD5 = 0x0101 => "rsa_pkcs1_md5",
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        DSA_SHA1 = 0x0202 => "dsa_sha1",
        ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
        RSA_PKCS1_SHA224 = 0x0301 => "rsa_pkcs1_sha224",
        DSA_SHA224 = 0x0302 => "dsa_sha224",
        ECDSA_SHA224 = 0x0303 => "ecdsa_sha224",
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        DSA_SHA256 = 0x0402 => "dsa_sha256",
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        DSA_SHA384 = 0x0502 => "dsa_sha384",
        ECDSA_SECP384R1_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        DSA_SHA512 = 0x0602 => "dsa_sha512",
        ECDSA_SECP521R1_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
        RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
        ED25519 = 0x0807 => "ed25519",
        ED448 = 0x0808 => "ed448",
        RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
        RSA_PSS_PSS_SHA384 = 0x080A => "rsa_pss_pss_sha384",
        RSA_PSS_PSS_SHA512 = 0x080B => "rsa_pss_pss_sha512",
    }
}

impl SignatureScheme {
    /// The spelling OpenSSL's `SSL_CTX_set1_sigalgs_list` understands.
    pub fn openssl_name(self) -> Option<String> {
        let name = self.name()?;
        if let Some(rest) = name.strip_prefix("rsa_pss_") {
            return Some(format!("rsa_pss_{rest}"));
        }
        if matches!(self.0 >> 8, 0x08) {
            return Some(name.to_string());
        }
        let (sig, hash) = name.rsplit_once('_')?;
        let sig = match sig {
            "rsa_pkcs1" => "RSA",
            "dsa" => "DSA",
            s if s.starts_with("ecdsa") => "ECDSA",
            _ => return None,
        };
        Some(format!("{sig}+{}", hash.to_uppercase()))
    }
}

wire_enum! {
    /// Compression methods (RFC 3749).
    pub struct CompressionMethod(u8) {
        NULL = 0 => "null",
        DEFLATE = 1 => "deflate",
    }
}

wire_enum! {
    /// EC point formats (RFC 8422 §5.1.2).
    pub struct EcPointFormat(u8) {
        UNCOMPRESSED = 0 => "uncompressed",
        ANSIX962_COMPRESSED_PRIME = 1 => "ansiX962_compressed_prime",
        ANSIX962_COMPRESSED_CHAR2 = 2 => "ansiX962_compressed_char2",
    }
}

wire_enum! {
    /// Client certificate types in a TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
    pub struct ClientCertificateType(u8) {
        RSA_SIGN = 1 => "rsa_sign",
        DSS_SIGN = 2 => "dss_sign",
        RSA_FIXED_DH = 3 => "rsa_fixed_dh",
        DSS_FIXED_DH = 4 => "dss_fixed_dh",
        ECDSA_SIGN = 64 => "ecdsa_sign",
        RSA_FIXED_ECDH = 65 => "rsa_fixed_ecdh",
        ECDSA_FIXED_ECDH = 66 => "ecdsa_fixed_ecdh",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_print_their_name_and_unknown_ones_hex() {
        assert_eq!(NamedGroup::SECP256R1.to_string(), "secp256r1");
        assert_eq!(NamedGroup(0x7A7A).to_string(), "0x7A7A");
        assert_eq!(AlertDescription(200).to_string(), "0xC8");
        assert_eq!(
            format!("{:?}", AlertDescription::HANDSHAKE_FAILURE),
            "AlertDescription(handshake_failure)"
        );
        assert_eq!(ProtocolVersion(0x7F12).to_string(), "0x7F12");
    }

    #[test]
    fn parse_accepts_names_in_any_case_and_hex() {
        assert_eq!("SECP384R1".parse::<NamedGroup>(), Ok(NamedGroup::SECP384R1));
        assert_eq!("0x001d".parse::<NamedGroup>(), Ok(NamedGroup::X25519));
        assert_eq!("0x1234".parse::<NamedGroup>(), Ok(NamedGroup(0x1234)));
        assert!(
            "0x12345".parse::<NamedGroup>().is_err(),
            "does not fit in u16"
        );
        let err = "secp256r2".parse::<NamedGroup>().unwrap_err();
        assert_eq!(
            err.suggestions.first().map(String::as_str),
            Some("secp256r1")
        );
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn every_known_value_round_trips_through_its_name() {
        for g in NamedGroup::KNOWN {
            assert_eq!(g.to_string().parse::<NamedGroup>(), Ok(*g));
        }
        for s in SignatureScheme::KNOWN {
            assert_eq!(s.to_string().parse::<SignatureScheme>(), Ok(*s));
        }
        for a in AlertDescription::KNOWN {
            assert_eq!(a.to_string().parse::<AlertDescription>(), Ok(*a));
        }
    }

    #[test]
    fn openssl_spellings() {
        assert_eq!(NamedGroup::SECP256R1.openssl_name(), Some("P-256"));
        assert_eq!(
            SignatureScheme::RSA_PKCS1_SHA256.openssl_name().as_deref(),
            Some("RSA+SHA256")
        );
        assert_eq!(
            SignatureScheme::ECDSA_SECP384R1_SHA384
                .openssl_name()
                .as_deref(),
            Some("ECDSA+SHA384")
        );
        assert_eq!(
            SignatureScheme::RSA_PSS_RSAE_SHA256
                .openssl_name()
                .as_deref(),
            Some("rsa_pss_rsae_sha256")
        );
        assert_eq!(
            SignatureScheme::ED25519.openssl_name().as_deref(),
            Some("ed25519")
        );
    }
}
