//! Reading what a client sends first: its ClientHello, from the start of the
//! client's byte stream, as a capture hands it over.
//!
//! `observe` sees other programs' hellos (agents, managers, browsers) in
//! pieces: TCP segments reassembled so far, possibly cut short by the
//! capture's snaplen. [`read_client_hello`] tells "not enough bytes yet"
//! ([`HelloRead::Incomplete`]) apart from "these bytes are not a ClientHello"
//! (an error), and reads the hello by hand in wire order with the codec's
//! bounds-checked [`Reader`], so every value (GREASE, a new group, an
//! unregistered suite) survives as an open newtype. It never panics and
//! never buffers on the strength of a length field: the caller hands it the
//! bytes it has, and the hello is refused once its header says it is larger
//! than [`MAX_HANDSHAKE_LEN`].

use super::client_hello::{ClientHello, Extension, KeyShareEntry};
use super::codec::Reader;
use super::codes::{
    CipherSuiteId, CompressionMethod, ContentType, EcPointFormat, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion, SignatureScheme,
};
use super::error::WireError;
use super::limits::{MAX_HANDSHAKE_LEN, MAX_RECORD_LEN, PREVIEW_LEN};

/// How far the bytes seen so far go towards a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloRead {
    /// The bytes are a valid start of a ClientHello; more are needed.
    Incomplete,
    /// A whole ClientHello, and how many stream bytes its records took.
    Complete {
        /// The hello.
        hello: ClientHello,
        /// The bytes of the records that carried it (headers included).
        consumed: usize,
    },
}

/// Reads the ClientHello at the start of a client's stream.
///
/// The stream must start with a handshake record (content type 22, version
/// major 3): anything else is [`WireError::NotTls`] (with a preview), once
/// the first byte (or the 5-byte header) shows it. Records are joined until
/// the handshake message is whole; a record of another type before that, an
/// empty handshake record, a message that is not a client_hello, or a
/// message longer than [`MAX_HANDSHAKE_LEN`] is an error. Bytes after the
/// hello's last record are not looked at.
pub fn read_client_hello(stream: &[u8]) -> Result<HelloRead, WireError> {
    let not_tls = || WireError::NotTls {
        preview: stream.iter().take(PREVIEW_LEN).copied().collect(),
    };
    if stream
        .first()
        .is_some_and(|&b| b != ContentType::HANDSHAKE.0)
    {
        return Err(not_tls());
    }
    let mut payload: Vec<u8> = Vec::new();
    let mut record_version = None;
    let mut at = 0usize;
    loop {
        let Some(&[typ, major, minor, hi, lo]) = stream.get(at..at + 5) else {
            return Ok(HelloRead::Incomplete);
        };
        if major != 3 || minor > 4 {
            return Err(if at == 0 {
                not_tls()
            } else {
                WireError::Invalid(format!(
                    "ClientHello record version {}",
                    ProtocolVersion(u16::from_be_bytes([major, minor]))
                ))
            });
        }
        if typ != ContentType::HANDSHAKE.0 {
            return Err(WireError::Invalid(format!(
                "ClientHello continued in a {} record",
                ContentType(typ)
            )));
        }
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len > MAX_RECORD_LEN {
            return Err(WireError::RecordTooLarge(len));
        }
        if len == 0 {
            return Err(WireError::Invalid("empty handshake record".into()));
        }
        record_version.get_or_insert(ProtocolVersion(u16::from_be_bytes([major, minor])));
        // What this record adds, as far as it has arrived.
        let body = stream.get(at + 5..).unwrap_or_default();
        let have = body.len().min(len);
        payload.extend_from_slice(body.get(..have).unwrap_or_default());
        if let Some(&[msg_type, a, b, c]) = payload.get(..4) {
            if HandshakeType(msg_type) != HandshakeType::CLIENT_HELLO {
                return Err(WireError::Invalid(format!(
                    "expected client_hello, got {}",
                    HandshakeType(msg_type)
                )));
            }
            let body_len = usize::try_from(u32::from_be_bytes([0, a, b, c])).unwrap_or(usize::MAX);
            if body_len > MAX_HANDSHAKE_LEN {
                return Err(WireError::MessageTooLarge(body_len));
            }
            let total = 4 + body_len;
            if payload.len() >= total && have == len {
                if payload.len() > total {
                    return Err(WireError::Invalid(format!(
                        "{} bytes after the ClientHello in its last record",
                        payload.len() - total
                    )));
                }
                let version = record_version.unwrap_or(ProtocolVersion::TLS10);
                let hello = decode_body(version, payload.get(4..total).unwrap_or_default())?;
                return Ok(HelloRead::Complete {
                    hello,
                    consumed: at + 5 + len,
                });
            }
        }
        if have < len {
            return Ok(HelloRead::Incomplete);
        }
        at += 5 + len;
    }
}

/// Reads a ClientHello body (what follows the 4-byte handshake header), in
/// wire order.
pub fn decode_body(record_version: ProtocolVersion, body: &[u8]) -> Result<ClientHello, WireError> {
    let mut r = Reader::new("ClientHello", body);
    let legacy_version = ProtocolVersion(r.u16("legacy_version")?);
    let random = r.array::<32>("random")?;
    let session_id = r.prefixed_u8("legacy_session_id")?;
    if session_id.len() > 32 {
        return Err(r.invalid(&format!(
            "legacy_session_id of {} bytes (at most 32)",
            session_id.len()
        )));
    }
    let suites = r.sub_u16("cipher_suites")?.u16_list("cipher_suites")?;
    let compression = r.prefixed_u8("legacy_compression_methods")?;
    let extensions = if r.is_empty() {
        None
    } else {
        let mut block = r.sub_u16("extensions")?;
        r.expect_end("extensions")?;
        let mut out = Vec::new();
        while !block.is_empty() {
            let typ = ExtensionType(block.u16("extension_type")?);
            let data = block.prefixed_u16("extension_data")?;
            out.push(extension(typ, data));
        }
        Some(out)
    };
    Ok(ClientHello {
        record_version,
        legacy_version,
        random,
        session_id: session_id.to_vec(),
        cipher_suites: suites.into_iter().map(CipherSuiteId).collect(),
        compression_methods: compression.iter().map(|&c| CompressionMethod(c)).collect(),
        extensions,
    })
}

/// One extension: its variant when the data reads as one and encodes back
/// to exactly the same bytes, else [`Extension::Unknown`] (nothing lost).
fn extension(typ: ExtensionType, data: &[u8]) -> Extension {
    match known_extension(typ, data) {
        Some(ext) if ext.typ() == typ && ext.data_bytes() == data => ext,
        _ => Extension::Unknown {
            typ,
            data: data.to_vec(),
        },
    }
}

/// The variant for the extension types the encoder knows, read by hand
/// (`None`: keep it raw).
fn known_extension(typ: ExtensionType, data: &[u8]) -> Option<Extension> {
    let mut r = Reader::new("ClientHello extension", data);
    let ext = match typ {
        ExtensionType::SERVER_NAME => {
            let mut list = r.sub_u16("server_name_list").ok()?;
            let kind = list.u8("name_type").ok()?;
            let name = list.prefixed_u16("host_name").ok()?;
            if kind != 0 || !list.is_empty() {
                return None;
            }
            Extension::ServerName(String::from_utf8(name.to_vec()).ok()?)
        }
        ExtensionType::SUPPORTED_GROUPS => Extension::SupportedGroups(
            r.sub_u16("named_group_list")
                .ok()?
                .u16_list("named_group_list")
                .ok()?
                .into_iter()
                .map(NamedGroup)
                .collect(),
        ),
        ExtensionType::EC_POINT_FORMATS => Extension::EcPointFormats(
            r.prefixed_u8("ec_point_format_list")
                .ok()?
                .iter()
                .map(|&f| EcPointFormat(f))
                .collect(),
        ),
        ExtensionType::SIGNATURE_ALGORITHMS => Extension::SignatureAlgorithms(
            r.sub_u16("supported_signature_algorithms")
                .ok()?
                .u16_list("supported_signature_algorithms")
                .ok()?
                .into_iter()
                .map(SignatureScheme)
                .collect(),
        ),
        ExtensionType::RENEGOTIATION_INFO => {
            Extension::RenegotiationInfo(r.prefixed_u8("renegotiated_connection").ok()?.to_vec())
        }
        ExtensionType::EXTENDED_MASTER_SECRET => Extension::ExtendedMasterSecret,
        ExtensionType::SESSION_TICKET => Extension::SessionTicket(r.rest().to_vec()),
        ExtensionType::SUPPORTED_VERSIONS => {
            let list = r.sub_u8("versions").ok()?;
            Extension::SupportedVersions(
                list.u16_list("versions")
                    .ok()?
                    .into_iter()
                    .map(ProtocolVersion)
                    .collect(),
            )
        }
        ExtensionType::KEY_SHARE => {
            let mut list = r.sub_u16("client_shares").ok()?;
            let mut entries = Vec::new();
            while !list.is_empty() {
                let group = NamedGroup(list.u16("group").ok()?);
                let key_exchange = list.prefixed_u16("key_exchange").ok()?.to_vec();
                entries.push(KeyShareEntry {
                    group,
                    key_exchange,
                });
            }
            Extension::KeyShare(entries)
        }
        ExtensionType::PSK_KEY_EXCHANGE_MODES => {
            Extension::PskKeyExchangeModes(r.prefixed_u8("ke_modes").ok()?.to_vec())
        }
        ExtensionType::PADDING => {
            let zeros = r.rest();
            if zeros.iter().any(|&b| b != 0) {
                return None;
            }
            Extension::Padding(zeros.len())
        }
        _ => return None,
    };
    // Bytes left over mean the data is not this variant's shape.
    r.is_empty().then_some(ext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::records;
    use crate::wire::testutil::{self, XorShift};

    fn hello(extensions: Option<Vec<Extension>>) -> ClientHello {
        ClientHello {
            record_version: ProtocolVersion::TLS10,
            legacy_version: ProtocolVersion::TLS12,
            random: std::array::from_fn(|i| i as u8),
            session_id: vec![0x5E; 32],
            cipher_suites: vec![
                CipherSuiteId(0x0A0A),
                CipherSuiteId(0xC030),
                CipherSuiteId(0x00FF),
            ],
            compression_methods: vec![CompressionMethod::NULL],
            extensions,
        }
    }

    fn extensions() -> Vec<Extension> {
        vec![
            Extension::Unknown {
                typ: ExtensionType(0x1A1A),
                data: vec![],
            },
            Extension::ServerName("dsm.example".into()),
            Extension::SupportedGroups(vec![NamedGroup(0x2A2A), NamedGroup::X25519]),
            Extension::EcPointFormats(vec![EcPointFormat::UNCOMPRESSED]),
            Extension::SignatureAlgorithms(vec![SignatureScheme::RSA_PKCS1_SHA256]),
            Extension::RenegotiationInfo(vec![]),
            Extension::ExtendedMasterSecret,
            Extension::SessionTicket(vec![1, 2, 3]),
            Extension::SupportedVersions(vec![ProtocolVersion::TLS13, ProtocolVersion::TLS12]),
            Extension::KeyShare(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                key_exchange: vec![9; 32],
            }]),
            Extension::PskKeyExchangeModes(vec![1]),
            Extension::Padding(5),
            Extension::Unknown {
                typ: ExtensionType::ALPN,
                data: b"\x00\x03\x02h2".to_vec(),
            },
            // Shapes that do not fit their variant stay raw.
            Extension::Unknown {
                typ: ExtensionType::PADDING,
                data: vec![0, 1],
            },
            Extension::Unknown {
                typ: ExtensionType::SUPPORTED_VERSIONS,
                data: vec![3, 4],
            },
        ]
    }

    fn complete(bytes: &[u8]) -> (ClientHello, usize) {
        match read_client_hello(bytes) {
            Ok(HelloRead::Complete { hello, consumed }) => (hello, consumed),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn round_trips_and_every_prefix_is_incomplete() {
        for h in [
            hello(None),
            hello(Some(vec![])),
            hello(Some(extensions())),
            ClientHello {
                record_version: ProtocolVersion::SSL3,
                legacy_version: ProtocolVersion::SSL3,
                session_id: vec![],
                ..hello(None)
            },
        ] {
            let bytes = h.encode();
            let (got, consumed) = complete(&bytes);
            assert_eq!(got, h);
            assert_eq!(consumed, bytes.len());
            for cut in 0..bytes.len() {
                assert_eq!(
                    read_client_hello(&bytes[..cut]),
                    Ok(HelloRead::Incomplete),
                    "cut at {cut}"
                );
            }
            // Bytes after the hello (the next flight) are not read.
            let mut more = bytes.clone();
            more.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
            assert_eq!(complete(&more), (h.clone(), bytes.len()));
        }
    }

    #[test]
    fn a_hello_over_several_records_is_joined() {
        let h = ClientHello {
            cipher_suites: (0..9000).map(CipherSuiteId).collect(),
            ..hello(Some(extensions()))
        };
        let bytes = h.encode();
        assert!(bytes.len() > 16384 + 10);
        assert_eq!(complete(&bytes), (h.clone(), bytes.len()));
        assert_eq!(
            read_client_hello(&bytes[..16384 + 5 + 3]),
            Ok(HelloRead::Incomplete)
        );
        // Small records, as some stacks write them.
        let hs = h.encode_handshake();
        let mut small = Vec::new();
        for chunk in hs.chunks(7) {
            small.extend(records(
                ContentType::HANDSHAKE,
                ProtocolVersion::TLS12,
                chunk,
            ));
        }
        let (got, consumed) = complete(&small);
        assert_eq!(got.record_version, ProtocolVersion::TLS12);
        assert_eq!(got.cipher_suites, h.cipher_suites);
        assert_eq!(consumed, small.len());
    }

    #[test]
    fn agrees_with_the_tls_parser_decoder_on_captured_hellos() {
        for (name, capture) in testutil::ALL {
            let (ours, consumed) = complete(capture.client);
            assert_eq!(consumed, capture.client.len(), "{name}");
            assert_eq!(Ok(ours), ClientHello::decode(capture.client), "{name}");
        }
    }

    #[test]
    fn not_tls_invalid_and_too_large_are_told_apart() {
        assert!(matches!(
            read_client_hello(b"GET / HTTP/1.1\r\n"),
            Err(WireError::NotTls { .. })
        ));
        assert!(matches!(
            read_client_hello(&[22, 0x20, 0x20, 0, 0]),
            Err(WireError::NotTls { .. })
        ));
        assert_eq!(read_client_hello(&[]), Ok(HelloRead::Incomplete));
        assert_eq!(read_client_hello(&[22, 3]), Ok(HelloRead::Incomplete));
        assert_eq!(
            read_client_hello(&[22, 3, 1, 0xFF, 0xFF]),
            Err(WireError::RecordTooLarge(0xFFFF))
        );
        assert!(matches!(
            read_client_hello(&[22, 3, 1, 0, 0]),
            Err(WireError::Invalid(_))
        ));
        // A ServerHello is not a ClientHello.
        assert!(matches!(
            read_client_hello(&[22, 3, 3, 0, 4, 2, 0, 0, 0]),
            Err(WireError::Invalid(_))
        ));
        // A message header claiming 16 MiB is refused at once.
        assert_eq!(
            read_client_hello(&[22, 3, 1, 0, 4, 1, 0xFF, 0xFF, 0xFF]),
            Err(WireError::MessageTooLarge(0xFF_FFFF))
        );
        // An alert in the middle of the hello.
        let hs = hello(None).encode_handshake();
        let mut bad = records(ContentType::HANDSHAKE, ProtocolVersion::TLS10, &hs[..10]);
        bad.extend_from_slice(&[21, 3, 1, 0, 2, 2, 40]);
        assert!(matches!(
            read_client_hello(&bad),
            Err(WireError::Invalid(_))
        ));
        // A 33-byte session id, an overrunning extension block.
        let long = ClientHello {
            session_id: vec![1; 33],
            ..hello(None)
        };
        assert!(matches!(
            read_client_hello(&long.encode()),
            Err(WireError::Invalid(_))
        ));
        let mut hs = hello(Some(vec![Extension::ExtendedMasterSecret])).encode_handshake();
        let n = hs.len();
        hs[n - 1] = 1;
        assert!(matches!(
            read_client_hello(&records(
                ContentType::HANDSHAKE,
                ProtocolVersion::TLS10,
                &hs
            )),
            Err(WireError::Invalid(_))
        ));
    }

    #[test]
    fn never_panics_and_what_it_reads_re_encodes() {
        let mut rng = XorShift::new(11);
        let good = hello(Some(extensions())).encode();
        for _ in 0..5_000 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.byte();
            }
            let cut = rng.below(bytes.len() + 1);
            if let Ok(HelloRead::Complete { hello, consumed }) = read_client_hello(&bytes[..cut]) {
                assert!(consumed <= cut);
                let again = hello.encode();
                assert_eq!(complete(&again).0, hello);
            }
        }
    }
}
