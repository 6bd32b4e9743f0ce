//! The ClientHello a probe sends, byte for byte.
//!
//! A probe must offer exactly what it means to test (one suite, an SSL 3.0
//! hello without extensions, a TLS 1.3 key share for one group, hundreds of
//! suites), which no TLS library lets us do, so the hello is encoded here.
//! [`ClientHello::decode`] reads one back with `tls-parser`, an independent
//! parser, for tests and for looking at what real clients send.

use tls_parser::{TlsExtension, nom};

use super::codec::{Reader, Writer, records};
use super::codes::{
    CompressionMethod, ContentType, EcPointFormat, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use super::error::WireError;
use super::limits::MAX_RECORD_LEN;
use crate::wire::codes::CipherSuiteId;

/// A ClientHello, field by field in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// The version in the record header (0x0301 usually, 0x0300 for SSL 3.0).
    pub record_version: ProtocolVersion,
    /// The `legacy_version` (`client_version`) field.
    pub legacy_version: ProtocolVersion,
    /// The client random.
    pub random: [u8; 32],
    /// The session id, 0..=32 bytes.
    pub session_id: Vec<u8>,
    /// The suites offered, in preference order.
    pub cipher_suites: Vec<CipherSuiteId>,
    /// The compression methods offered.
    pub compression_methods: Vec<CompressionMethod>,
    /// The extensions; `None` writes no extensions block at all (SSL 3.0
    /// style), `Some(vec![])` an empty one.
    pub extensions: Option<Vec<Extension>>,
}

/// A ClientHello extension.
///
/// Decoding maps an extension to its variant only when the variant encodes
/// back to exactly the same bytes; anything else (a malformed body, several
/// server names, non-zero padding) stays [`Extension::Unknown`], so decoding
/// never loses information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extension {
    /// server_name with one host_name entry.
    ServerName(String),
    /// supported_groups (elliptic_curves before TLS 1.3).
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats.
    EcPointFormats(Vec<EcPointFormat>),
    /// signature_algorithms.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// renegotiation_info with its `renegotiated_connection` (empty on an
    /// initial handshake).
    RenegotiationInfo(Vec<u8>),
    /// extended_master_secret (empty).
    ExtendedMasterSecret,
    /// session_ticket with the ticket (empty to ask for one).
    SessionTicket(Vec<u8>),
    /// supported_versions, client form (u8-length list).
    SupportedVersions(Vec<ProtocolVersion>),
    /// key_share, client form (u16-length list of entries).
    KeyShare(Vec<KeyShareEntry>),
    /// psk_key_exchange_modes.
    PskKeyExchangeModes(Vec<u8>),
    /// padding of that many zero bytes.
    Padding(usize),
    /// Any other extension, raw.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The extension data.
        data: Vec<u8>,
    },
}

/// One entry of a client's key_share extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group.
    pub group: NamedGroup,
    /// The public key, in the group's encoding.
    pub key_exchange: Vec<u8>,
}

impl Extension {
    /// The extension type on the wire.
    pub fn typ(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Self::Padding(_) => ExtensionType::PADDING,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Writes the extension: type, then the u16-length data.
    fn encode(&self, w: &mut Writer) {
        w.u16(self.typ().0);
        w.prefixed_u16(|w| self.encode_data(w));
    }

    /// Writes the extension data (what follows the type and length).
    fn encode_data(&self, w: &mut Writer) {
        match self {
            Self::ServerName(host) => w.prefixed_u16(|w| {
                w.u8(0); // host_name
                w.prefixed_u16(|w| w.bytes(host.as_bytes()));
            }),
            Self::SupportedGroups(groups) => w.prefixed_u16(|w| {
                for g in groups {
                    w.u16(g.0);
                }
            }),
            Self::EcPointFormats(formats) => w.prefixed_u8(|w| {
                for f in formats {
                    w.u8(f.0);
                }
            }),
            Self::SignatureAlgorithms(schemes) => w.prefixed_u16(|w| {
                for s in schemes {
                    w.u16(s.0);
                }
            }),
            Self::RenegotiationInfo(data) => w.prefixed_u8(|w| w.bytes(data)),
            Self::ExtendedMasterSecret => {}
            Self::SessionTicket(ticket) => w.bytes(ticket),
            Self::SupportedVersions(versions) => w.prefixed_u8(|w| {
                for v in versions {
                    w.u16(v.0);
                }
            }),
            Self::KeyShare(entries) => w.prefixed_u16(|w| {
                for e in entries {
                    w.u16(e.group.0);
                    w.prefixed_u16(|w| w.bytes(&e.key_exchange));
                }
            }),
            Self::PskKeyExchangeModes(modes) => w.prefixed_u8(|w| w.bytes(modes)),
            Self::Padding(n) => w.bytes(&vec![0; *n]),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    /// Reads one extension: `raw` is the whole extension (type, length,
    /// data), `data` its data. tls-parser reads it; the result is kept only
    /// if it encodes back to `data`.
    fn decode(typ: ExtensionType, raw: &[u8], data: &[u8]) -> Self {
        let parsed = match tls_parser::parse_tls_client_hello_extension(raw) {
            Ok(([], ext)) => from_tls_parser(typ, &ext, data),
            _ => None,
        };
        match parsed {
            Some(ext) if ext.typ() == typ && ext.data_bytes() == data => ext,
            _ => Self::Unknown {
                typ,
                data: data.to_vec(),
            },
        }
    }

    /// The extension data, encoded.
    pub(crate) fn data_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_data(&mut w);
        w.into_inner()
    }
}

/// Maps what tls-parser read to our variant (`None`: keep it raw).
fn from_tls_parser(typ: ExtensionType, ext: &TlsExtension<'_>, data: &[u8]) -> Option<Extension> {
    Some(match ext {
        TlsExtension::SNI(names) => match names.as_slice() {
            [(kind, host)] if kind.0 == 0 => {
                Extension::ServerName(String::from_utf8(host.to_vec()).ok()?)
            }
            _ => return None,
        },
        TlsExtension::EllipticCurves(groups) => {
            Extension::SupportedGroups(groups.iter().map(|g| NamedGroup(g.0)).collect())
        }
        TlsExtension::EcPointFormats(formats) => {
            Extension::EcPointFormats(formats.iter().map(|&f| EcPointFormat(f)).collect())
        }
        TlsExtension::SignatureAlgorithms(schemes) => {
            Extension::SignatureAlgorithms(schemes.iter().map(|&s| SignatureScheme(s)).collect())
        }
        TlsExtension::RenegotiationInfo(v) => Extension::RenegotiationInfo(v.to_vec()),
        TlsExtension::ExtendedMasterSecret => Extension::ExtendedMasterSecret,
        TlsExtension::SessionTicket(t) => Extension::SessionTicket(t.to_vec()),
        TlsExtension::SupportedVersions(versions) => {
            Extension::SupportedVersions(versions.iter().map(|v| ProtocolVersion(v.0)).collect())
        }
        // tls-parser leaves the key_share list raw.
        TlsExtension::KeyShare(_) => Extension::KeyShare(decode_key_shares(data).ok()?),
        TlsExtension::PskExchangeModes(modes) => Extension::PskKeyExchangeModes(modes.clone()),
        TlsExtension::Padding(p) if p.iter().all(|&b| b == 0) => Extension::Padding(p.len()),
        _ => {
            return Some(Extension::Unknown {
                typ,
                data: data.to_vec(),
            });
        }
    })
}

/// Parses a client key_share list.
fn decode_key_shares(data: &[u8]) -> Result<Vec<KeyShareEntry>, WireError> {
    let mut r = Reader::new("key_share", data);
    let mut list = r.sub_u16("client_shares")?;
    r.expect_end("client_shares")?;
    let mut entries = Vec::new();
    while !list.is_empty() {
        let group = NamedGroup(list.u16("group")?);
        let key_exchange = list.prefixed_u16("key_exchange")?.to_vec();
        entries.push(KeyShareEntry {
            group,
            key_exchange,
        });
    }
    Ok(entries)
}

impl ClientHello {
    /// The handshake message: type 1, u24 length, body.
    pub fn encode_handshake(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(HandshakeType::CLIENT_HELLO.0);
        w.prefixed_u24(|w| {
            w.u16(self.legacy_version.0);
            w.bytes(&self.random);
            w.prefixed_u8(|w| w.bytes(&self.session_id));
            w.prefixed_u16(|w| {
                for s in &self.cipher_suites {
                    w.u16(s.0);
                }
            });
            w.prefixed_u8(|w| {
                for c in &self.compression_methods {
                    w.u8(c.0);
                }
            });
            if let Some(extensions) = &self.extensions {
                w.prefixed_u16(|w| {
                    for e in extensions {
                        e.encode(w);
                    }
                });
            }
        });
        w.into_inner()
    }

    /// The hello in handshake records with [`Self::record_version`], split
    /// into fragments of at most 16384 bytes.
    pub fn encode(&self) -> Vec<u8> {
        records(
            ContentType::HANDSHAKE,
            self.record_version,
            &self.encode_handshake(),
        )
    }

    /// Reads a ClientHello from record bytes (possibly several records),
    /// with tls-parser. The bytes must hold exactly one ClientHello.
    pub fn decode(bytes: &[u8]) -> Result<ClientHello, WireError> {
        let (record_version, payload) = handshake_payload(bytes)?;
        let mut r = Reader::new("ClientHello", &payload);
        let typ = HandshakeType(r.u8("msg_type")?);
        if typ != HandshakeType::CLIENT_HELLO {
            return Err(r.invalid(&format!("expected client_hello, got {typ}")));
        }
        let body = r.prefixed_u24("body")?;
        r.expect_end("the ClientHello message")?;

        let hello = match tls_parser::parse_tls_handshake_client_hello(body) {
            Ok(([], hello)) => hello,
            Ok((rest, _)) => {
                return Err(WireError::Invalid(format!(
                    "ClientHello: {} bytes after the compression methods are not an \
                     extensions block",
                    rest.len()
                )));
            }
            Err(e) => {
                return Err(WireError::Invalid(format!(
                    "ClientHello does not parse: {}",
                    describe_nom(&e)
                )));
            }
        };
        let random: [u8; 32] = hello
            .random
            .try_into()
            .map_err(|_| WireError::Invalid("ClientHello random is not 32 bytes".into()))?;
        let extensions = match hello.ext {
            None => None,
            Some(block) => Some(decode_extensions(block)?),
        };
        Ok(ClientHello {
            record_version,
            legacy_version: ProtocolVersion(hello.version.0),
            random,
            session_id: hello.session_id.unwrap_or_default().to_vec(),
            cipher_suites: hello.ciphers.iter().map(|c| CipherSuiteId(c.0)).collect(),
            compression_methods: hello.comp.iter().map(|c| CompressionMethod(c.0)).collect(),
            extensions,
        })
    }
}

/// Splits an extensions block into extensions.
fn decode_extensions(block: &[u8]) -> Result<Vec<Extension>, WireError> {
    let mut r = Reader::new("ClientHello extension", block);
    let mut out = Vec::new();
    while !r.is_empty() {
        let start = r.peek_rest();
        let typ = ExtensionType(r.u16("type")?);
        let data = r.prefixed_u16("data")?;
        let raw = start.get(..4 + data.len()).unwrap_or_default();
        out.push(Extension::decode(typ, raw, data));
    }
    Ok(out)
}

/// Joins the handshake records in `bytes` (read with tls-parser), returning
/// the first record's version and the joined payload.
fn handshake_payload(bytes: &[u8]) -> Result<(ProtocolVersion, Vec<u8>), WireError> {
    let mut rest = bytes;
    let mut version = None;
    let mut payload = Vec::new();
    if rest.is_empty() {
        return Err(WireError::Invalid("ClientHello: no record".into()));
    }
    while !rest.is_empty() {
        if let Some(&[_, _, _, hi, lo]) = rest.get(..5) {
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if len > MAX_RECORD_LEN {
                return Err(WireError::RecordTooLarge(len));
            }
        }
        let (next, record) = tls_parser::parse_tls_raw_record(rest)
            .map_err(|e| WireError::Invalid(format!("ClientHello record: {}", describe_nom(&e))))?;
        if record.hdr.record_type.0 != ContentType::HANDSHAKE.0 {
            return Err(WireError::Invalid(format!(
                "ClientHello in a {} record",
                ContentType(record.hdr.record_type.0)
            )));
        }
        if record.data.is_empty() {
            return Err(WireError::Invalid("empty handshake record".into()));
        }
        version.get_or_insert(ProtocolVersion(record.hdr.version.0));
        payload.extend_from_slice(record.data);
        rest = next;
    }
    let version = version.unwrap_or(ProtocolVersion::TLS10);
    Ok((version, payload))
}

/// A short description of a tls-parser failure (never the input bytes).
fn describe_nom(e: &nom::Err<nom::error::Error<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "truncated".to_string(),
        nom::Err::Error(e) | nom::Err::Failure(e) => format!("malformed ({:?})", e.code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::{self, XorShift};

    fn every_extension() -> Vec<Extension> {
        vec![
            Extension::ServerName("dsm.example.com".into()),
            Extension::SupportedGroups(vec![
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup(0x7A7A),
            ]),
            Extension::EcPointFormats(vec![EcPointFormat::UNCOMPRESSED, EcPointFormat(9)]),
            Extension::SignatureAlgorithms(vec![
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme(0x0A0B),
            ]),
            Extension::RenegotiationInfo(vec![]),
            Extension::ExtendedMasterSecret,
            Extension::SessionTicket(vec![]),
            Extension::SupportedVersions(vec![
                ProtocolVersion::TLS13,
                ProtocolVersion::TLS12,
                ProtocolVersion(0x7F12),
            ]),
            Extension::KeyShare(vec![
                KeyShareEntry {
                    group: NamedGroup::X25519,
                    key_exchange: vec![0x42; 32],
                },
                KeyShareEntry {
                    group: NamedGroup::SECP256R1,
                    key_exchange: vec![4; 65],
                },
            ]),
            Extension::PskKeyExchangeModes(vec![1, 0]),
            Extension::Padding(17),
            Extension::Unknown {
                typ: ExtensionType(0xFE0D),
                data: vec![1, 2, 3],
            },
            Extension::Unknown {
                typ: ExtensionType::ALPN,
                data: b"\x00\x03\x02h2".to_vec(),
            },
            // Non-empty values of the variants above.
            Extension::RenegotiationInfo(vec![0xAB; 12]),
            Extension::SessionTicket(vec![7; 100]),
            Extension::KeyShare(vec![]),
            Extension::Padding(0),
            Extension::ServerName(String::new()),
        ]
    }

    fn hello(extensions: Option<Vec<Extension>>) -> ClientHello {
        ClientHello {
            record_version: ProtocolVersion::TLS10,
            legacy_version: ProtocolVersion::TLS12,
            random: std::array::from_fn(|i| 0xC0 ^ i as u8),
            session_id: vec![0x5E; 32],
            cipher_suites: vec![
                CipherSuiteId(0x1301),
                CipherSuiteId(0xC02F),
                CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV,
                CipherSuiteId(0xEEEE),
            ],
            compression_methods: vec![CompressionMethod::NULL],
            extensions,
        }
    }

    fn round_trip(h: &ClientHello) {
        let bytes = h.encode();
        assert_eq!(ClientHello::decode(&bytes).as_ref(), Ok(h));
        check_with_tls_parser(h, &bytes);
    }

    /// Reads `bytes` with tls-parser's own record and handshake parsers and
    /// compares with what `h` says, field by field.
    fn check_with_tls_parser(h: &ClientHello, bytes: &[u8]) {
        let mut rest = bytes;
        let mut payload = Vec::new();
        while !rest.is_empty() {
            let (next, record) = tls_parser::parse_tls_raw_record(rest).unwrap();
            assert_eq!(record.hdr.record_type, tls_parser::TlsRecordType::Handshake);
            assert_eq!(record.hdr.version.0, h.record_version.0);
            assert!(record.data.len() <= 16384);
            payload.extend_from_slice(record.data);
            rest = next;
        }
        let (rest, msg) = tls_parser::parse_tls_message_handshake(&payload).unwrap();
        assert!(rest.is_empty());
        let tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch)) =
            msg
        else {
            panic!("not a ClientHello: {msg:?}");
        };
        assert_eq!(ch.version.0, h.legacy_version.0);
        assert_eq!(ch.random, h.random);
        assert_eq!(ch.session_id.unwrap_or_default(), h.session_id);
        let suites: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
        let want: Vec<u16> = h.cipher_suites.iter().map(|c| c.0).collect();
        assert_eq!(suites, want);
        let comp: Vec<u8> = ch.comp.iter().map(|c| c.0).collect();
        let want: Vec<u8> = h.compression_methods.iter().map(|c| c.0).collect();
        assert_eq!(comp, want);
        match (&h.extensions, ch.ext) {
            (None, None) => {}
            (Some(exts), Some(block)) => {
                let (rest, parsed) = tls_parser::parse_tls_client_hello_extensions(block).unwrap();
                assert!(rest.is_empty());
                assert_eq!(parsed.len(), exts.len());
                for (ours, theirs) in exts.iter().zip(&parsed) {
                    // tls-parser names GREASE values itself.
                    let t = tls_parser::TlsExtensionType::from(theirs);
                    if t != tls_parser::TlsExtensionType::Grease {
                        assert_eq!(t.0, ours.typ().0, "{ours:?}");
                    }
                    check_extension(ours, theirs);
                }
            }
            (ours, theirs) => panic!("extensions: {ours:?} vs {theirs:?}"),
        }
    }

    fn check_extension(ours: &Extension, theirs: &TlsExtension<'_>) {
        match (ours, theirs) {
            (Extension::ServerName(host), TlsExtension::SNI(names)) => {
                assert_eq!(names.len(), 1);
                assert_eq!(names[0].1, host.as_bytes());
            }
            (Extension::SupportedGroups(g), TlsExtension::EllipticCurves(t)) => {
                assert_eq!(
                    g.iter().map(|g| g.0).collect::<Vec<_>>(),
                    t.iter().map(|t| t.0).collect::<Vec<_>>()
                );
            }
            (Extension::EcPointFormats(f), TlsExtension::EcPointFormats(t)) => {
                assert_eq!(f.iter().map(|f| f.0).collect::<Vec<_>>(), *t);
            }
            (Extension::SignatureAlgorithms(s), TlsExtension::SignatureAlgorithms(t)) => {
                assert_eq!(s.iter().map(|s| s.0).collect::<Vec<_>>(), *t);
            }
            (Extension::RenegotiationInfo(v), TlsExtension::RenegotiationInfo(t)) => {
                assert_eq!(v, t)
            }
            (Extension::ExtendedMasterSecret, TlsExtension::ExtendedMasterSecret) => {}
            (Extension::SessionTicket(v), TlsExtension::SessionTicket(t)) => assert_eq!(v, t),
            (Extension::SupportedVersions(v), TlsExtension::SupportedVersions(t)) => {
                assert_eq!(
                    v.iter().map(|v| v.0).collect::<Vec<_>>(),
                    t.iter().map(|t| t.0).collect::<Vec<_>>()
                );
            }
            (Extension::KeyShare(entries), TlsExtension::KeyShare(raw)) => {
                // tls-parser leaves the list raw: check its length prefix.
                let len: usize = entries.iter().map(|e| 4 + e.key_exchange.len()).sum();
                assert_eq!(raw.len(), 2 + len);
            }
            (Extension::PskKeyExchangeModes(m), TlsExtension::PskExchangeModes(t)) => {
                assert_eq!(m, t)
            }
            (Extension::Padding(n), TlsExtension::Padding(t)) => {
                assert_eq!(t.len(), *n);
                assert!(t.iter().all(|&b| b == 0));
            }
            (Extension::Unknown { typ, data }, theirs) => {
                assert_eq!(tls_parser::TlsExtensionType::from(theirs).0, typ.0);
                let _ = data;
            }
            (ours, theirs) => panic!("{ours:?} read by tls-parser as {theirs:?}"),
        }
    }

    #[test]
    fn every_extension_round_trips() {
        for ext in every_extension() {
            round_trip(&hello(Some(vec![ext])));
        }
        round_trip(&hello(Some(every_extension())));
    }

    #[test]
    fn ssl3_style_hello_without_extensions_round_trips() {
        let h = ClientHello {
            record_version: ProtocolVersion::SSL3,
            legacy_version: ProtocolVersion::SSL3,
            session_id: vec![],
            cipher_suites: vec![CipherSuiteId(0x000A), CipherSuiteId(0x002F)],
            ..hello(None)
        };
        round_trip(&h);
        // The message ends right after the compression methods.
        let bytes = h.encode_handshake();
        assert_eq!(bytes.len(), 4 + 2 + 32 + 1 + 2 + 4 + 1 + 1);
        assert_eq!(bytes.get(..4), Some(&[1, 0, 0, 43][..]));
        assert_eq!(h.encode().get(..5), Some(&[22, 3, 0, 0, 47][..]));

        // An empty extension block is not the same as none.
        let empty = hello(Some(vec![]));
        round_trip(&empty);
        assert_eq!(
            empty.encode_handshake().len(),
            hello(None).encode_handshake().len() + 2
        );
    }

    #[test]
    fn four_hundred_suites_round_trip() {
        let h = ClientHello {
            cipher_suites: (0..400).map(CipherSuiteId).collect(),
            ..hello(Some(every_extension()))
        };
        let bytes = h.encode_handshake();
        // The suite list length (800) is written as a u16.
        assert_eq!(
            bytes.get(4 + 2 + 32 + 1 + 32..4 + 2 + 32 + 1 + 32 + 2),
            Some(&[3, 0x20][..])
        );
        round_trip(&h);
    }

    #[test]
    fn a_hello_over_16384_bytes_takes_two_records() {
        let h = ClientHello {
            cipher_suites: (0..2000).map(CipherSuiteId).collect(),
            ..hello(Some(vec![
                Extension::ServerName("big.example".into()),
                Extension::Padding(14000),
            ]))
        };
        let handshake = h.encode_handshake();
        assert!(handshake.len() > 16384);
        let bytes = h.encode();
        assert_eq!(bytes.len(), handshake.len() + 10, "two record headers");
        assert_eq!(
            bytes.get(3..5),
            Some(&[0x40, 0x00][..]),
            "first record is full"
        );
        round_trip(&h);
    }

    #[test]
    fn extensions_that_do_not_fit_their_variant_stay_unknown() {
        let raw = |typ: ExtensionType, data: &[u8]| Extension::Unknown {
            typ,
            data: data.to_vec(),
        };
        for ext in [
            raw(ExtensionType::SERVER_NAME, &[]), // server form: empty
            raw(
                ExtensionType::SERVER_NAME,
                &[0, 8, 0, 0, 2, b'a', b'b', 1, 0, 0],
            ), // two names
            raw(ExtensionType::SERVER_NAME, &[0, 5, 0, 0, 2, 0xFF, 0xFE]), // not UTF-8
            raw(ExtensionType::SERVER_NAME, &[0, 9, 0, 0, 2, b'a', b'b']), // list overruns
            raw(ExtensionType::PADDING, &[0, 0, 1]),
            raw(ExtensionType::EXTENDED_MASTER_SECRET, &[0]),
            raw(ExtensionType::SUPPORTED_VERSIONS, &[3, 4]), // server form
            raw(ExtensionType::SUPPORTED_VERSIONS, &[4, 3, 4]), // length lies
            raw(ExtensionType::KEY_SHARE, &[0, 0x17]),       // HRR form
            raw(ExtensionType::KEY_SHARE, &[0, 5, 0, 0x1D, 0, 9, 1]),
            raw(ExtensionType::SUPPORTED_GROUPS, &[0, 3, 0, 0x1D, 0]),
            raw(ExtensionType::SIGNATURE_ALGORITHMS, &[0, 4, 4, 1]),
            raw(ExtensionType::RENEGOTIATION_INFO, &[5, 1]),
            raw(ExtensionType(0x0A0A), &[]), // GREASE
            raw(ExtensionType::STATUS_REQUEST, &[1, 0, 0, 0, 0]),
        ] {
            let h = hello(Some(vec![ext.clone()]));
            assert_eq!(ClientHello::decode(&h.encode()), Ok(h), "{ext:?}");
        }
    }

    #[test]
    fn malformed_hellos_are_invalid() {
        let good = hello(Some(every_extension())).encode();
        let invalid = |bytes: &[u8]| {
            let err = ClientHello::decode(bytes).unwrap_err();
            assert!(matches!(err, WireError::Invalid(_)), "{err:?}");
        };
        invalid(&[]);
        invalid(&good[..good.len() - 1]); // truncated record
        invalid(&good[..3]);
        invalid(&[22, 3, 1, 0, 0]); // empty record
        invalid(&[21, 3, 1, 0, 2, 2, 40]); // not handshake
        invalid(&records(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS10,
            &[2, 0, 0, 0],
        ));
        // Extension block length overruns the message.
        let hs = hello(Some(vec![Extension::ExtendedMasterSecret])).encode_handshake();
        let mut bad = hs.clone();
        let block_at = hs.len() - 6;
        bad[block_at + 1] = 9;
        invalid(&records(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS10,
            &bad,
        ));
        // One extension overruns the block.
        let mut bad = hs.clone();
        bad[hs.len() - 1] = 1;
        invalid(&records(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS10,
            &bad,
        ));
        // Trailing bytes after the message.
        let mut bad = hs.clone();
        bad.push(0);
        invalid(&records(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS10,
            &bad,
        ));
        // session_id of 33 bytes.
        let long = ClientHello {
            session_id: vec![1; 33],
            ..hello(None)
        };
        invalid(&long.encode());
        assert_eq!(
            ClientHello::decode(&[22, 3, 1, 0xFF, 0xFF]),
            Err(WireError::RecordTooLarge(0xFFFF))
        );
    }

    #[test]
    fn decode_never_panics_on_garbage_or_mutations() {
        let mut rng = XorShift::new(7);
        for _ in 0..5_000 {
            let len = rng.below(200);
            let mut bytes = rng.bytes(len);
            if bytes.len() >= 5 {
                bytes[0] = 22;
                bytes[1] = 3;
                bytes[3] = 0;
            }
            let _ = ClientHello::decode(&bytes);
        }
        let good = hello(Some(every_extension())).encode();
        for _ in 0..5_000 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.byte();
            }
            if let Ok(h) = ClientHello::decode(&bytes) {
                // Whatever decodes, re-encodes to a hello that decodes the same.
                assert_eq!(ClientHello::decode(&h.encode()), Ok(h));
            }
        }
    }

    #[test]
    fn extension_types() {
        let want = [0u16, 10, 11, 13, 0xFF01, 23, 35, 43, 51, 45, 21, 0xFE0D, 16];
        let got: Vec<u16> = every_extension()
            .iter()
            .take(want.len())
            .map(|e| e.typ().0)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn captured_client_hellos_decode_and_re_encode_byte_for_byte() {
        for (name, capture) in testutil::ALL {
            let h = ClientHello::decode(capture.client).unwrap();
            assert_eq!(h.encode(), capture.client, "{name}");
            check_with_tls_parser(&h, capture.client);
            assert_eq!(h.record_version, ProtocolVersion::TLS10, "{name}");
            let exts = h.extensions.as_deref().unwrap_or_default();
            assert!(
                exts.iter().all(|e| !matches!(e, Extension::Unknown { .. })),
                "{name}: {exts:?}"
            );
        }
        let tls13 = ClientHello::decode(testutil::TLS13.client).unwrap();
        let exts = tls13.extensions.unwrap();
        assert!(exts.contains(&Extension::SupportedVersions(vec![ProtocolVersion::TLS13])));
        let Some(Extension::KeyShare(shares)) =
            exts.iter().find(|e| matches!(e, Extension::KeyShare(_)))
        else {
            panic!("{exts:?}");
        };
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].group, NamedGroup::X25519);
        assert_eq!(shares[0].key_exchange.len(), 32);
        let tls10 = ClientHello::decode(testutil::TLS10_AES256_SHA.client).unwrap();
        assert_eq!(tls10.legacy_version, ProtocolVersion::TLS10);
        assert_eq!(tls10.cipher_suites, [CipherSuiteId(0x0035)]);
    }
}
