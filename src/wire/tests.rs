//! Tests of the first-flight reader and its messages: round trips, every
//! malformed shape we know of, chunking, captured flights and random bytes.

use super::codec::MAX_RECORD_LEN;
use super::codes::{
    AlertDescription, AlertLevel, ClientCertificateType, CompressionMethod, ContentType,
    ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use super::error::*;
use super::flight::*;
use super::messages::*;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codec::records;
use crate::wire::testutil::{self, XorShift};

const H: ContentType = ContentType::HANDSHAKE;
const V12: ProtocolVersion = ProtocolVersion::TLS12;

/// Feeds `bytes` in the given chunk sizes (cycled), draining messages
/// after every chunk; returns the messages, or the first error.
fn read_chunked(
    bytes: &[u8],
    chunks: &mut dyn FnMut() -> usize,
) -> Result<Vec<Message>, WireError> {
    let mut r = FlightReader::new();
    let mut out = Vec::new();
    let mut rest = bytes;
    loop {
        while let Some(m) = r.next_message()? {
            out.push(m);
        }
        if rest.is_empty() {
            break;
        }
        let n = chunks().clamp(1, rest.len());
        let (now, later) = rest.split_at(n);
        r.feed(now);
        rest = later;
    }
    assert_eq!(r.next_message(), Ok(None), "nothing more once drained");
    Ok(out)
}

fn read_all(bytes: &[u8]) -> Result<Vec<Message>, WireError> {
    read_chunked(bytes, &mut || usize::MAX)
}

/// The first error `bytes` produce (panics if they produce none).
fn error_of(bytes: &[u8]) -> WireError {
    match read_all(bytes) {
        Err(e) => e,
        Ok(m) => panic!("expected an error, got {m:?}"),
    }
}

fn sample_hello() -> ServerHello {
    ServerHello {
        legacy_version: V12,
        random: std::array::from_fn(|i| i as u8),
        session_id: vec![7; 32],
        cipher_suite: CipherSuiteId(0xC02F),
        compression: CompressionMethod::NULL,
        extensions: vec![
            (ExtensionType::RENEGOTIATION_INFO, vec![0]),
            (ExtensionType::EXTENDED_MASTER_SECRET, vec![]),
            (ExtensionType::EC_POINT_FORMATS, vec![1, 0]),
        ],
    }
}

fn hello_with(extensions: Vec<(ExtensionType, Vec<u8>)>) -> ServerHello {
    ServerHello {
        extensions,
        ..sample_hello()
    }
}

fn sample_cert_request() -> CertificateRequest {
    CertificateRequest {
        certificate_types: vec![
            ClientCertificateType::RSA_SIGN,
            ClientCertificateType::ECDSA_SIGN,
            ClientCertificateType(99),
        ],
        signature_algorithms: vec![
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme(0xFEFE),
        ],
        ca_names: vec![b"\x30\x0f name one".to_vec(), vec![], b"two".to_vec()],
    }
}

/// A realistic TLS 1.2 flight, one handshake message per element.
fn flight_messages() -> Vec<(Vec<u8>, Message)> {
    let hello = sample_hello();
    let chain = vec![vec![0x30; 900], vec![0x31; 1200]];
    let ske = (0..300u16).map(|i| i as u8).collect::<Vec<_>>();
    let req = sample_cert_request();
    vec![
        (hello.encode_handshake(), Message::ServerHello(hello)),
        (encode_certificate(&chain), Message::Certificate(chain)),
        (
            handshake(HandshakeType::SERVER_KEY_EXCHANGE, |w| w.bytes(&ske)),
            Message::ServerKeyExchange(ske),
        ),
        (req.encode_handshake(V12), Message::CertificateRequest(req)),
        (encode_server_hello_done(), Message::ServerHelloDone),
    ]
}

fn expected_flight() -> Vec<Message> {
    flight_messages().into_iter().map(|(_, m)| m).collect()
}

/// One record per message, and where each record ends.
fn flight_one_record_each() -> (Vec<u8>, Vec<usize>) {
    let mut bytes = Vec::new();
    let mut ends = Vec::new();
    for (msg, _) in flight_messages() {
        bytes.extend(records(H, V12, &msg));
        ends.push(bytes.len());
    }
    (bytes, ends)
}

/// All messages coalesced into one record.
fn flight_coalesced() -> Vec<u8> {
    let all: Vec<u8> = flight_messages().into_iter().flat_map(|(m, _)| m).collect();
    records(H, V12, &all)
}

// ---- round trips -------------------------------------------------------

#[test]
fn server_hello_round_trips() {
    let no_ext = hello_with(vec![]);
    let unknown_version = ServerHello {
        legacy_version: ProtocolVersion(0x0305),
        session_id: vec![],
        cipher_suite: CipherSuiteId(0xABCD),
        compression: CompressionMethod(7),
        ..hello_with(vec![(ExtensionType(0x7777), vec![1, 2, 3])])
    };
    for hello in [sample_hello(), no_ext, unknown_version] {
        let bytes = hello.encode_handshake();
        assert_eq!(bytes.first(), Some(&2));
        let body = bytes.get(4..).unwrap();
        assert_eq!(ServerHello::decode_body(body), Ok(hello.clone()));
        let msgs = read_all(&records(H, V12, &bytes)).unwrap();
        assert_eq!(msgs, [Message::ServerHello(hello)]);
    }
}

#[test]
fn server_hello_without_extensions_has_no_block_and_an_empty_block_reads_as_none() {
    let hello = hello_with(vec![]);
    let bytes = hello.encode_handshake();
    assert_eq!(bytes.len(), 4 + 2 + 32 + 1 + 32 + 2 + 1);
    let mut with_empty_block = bytes.get(4..).unwrap().to_vec();
    with_empty_block.extend([0, 0]);
    assert_eq!(ServerHello::decode_body(&with_empty_block), Ok(hello));
}

#[test]
fn server_hello_accessors() {
    let mut hello = hello_with(vec![
        (ExtensionType::SUPPORTED_VERSIONS, vec![0x03, 0x04]),
        (
            ExtensionType::KEY_SHARE,
            vec![0x00, 0x1D, 0x00, 0x02, 0xAA, 0xBB],
        ),
    ]);
    assert_eq!(hello.selected_version(), Some(ProtocolVersion::TLS13));
    assert_eq!(hello.negotiated_version(), ProtocolVersion::TLS13);
    assert_eq!(hello.key_share_group(), Some(NamedGroup::X25519));
    assert!(!hello.is_hello_retry_request());
    assert_eq!(hello.downgrade_sentinel(), None);

    hello.random[24..].copy_from_slice(b"DOWNGRD\x01");
    assert_eq!(hello.downgrade_sentinel(), Some(ProtocolVersion::TLS12));
    hello.random[24..].copy_from_slice(b"DOWNGRD\x00");
    assert_eq!(hello.downgrade_sentinel(), Some(ProtocolVersion::TLS11));
    hello.random[24..].copy_from_slice(b"DOWNGRD\x02");
    assert_eq!(hello.downgrade_sentinel(), None);

    // Client form or garbage in supported_versions: no selected version.
    let odd = hello_with(vec![(ExtensionType::SUPPORTED_VERSIONS, vec![2, 3, 4])]);
    assert_eq!(odd.selected_version(), None);
    assert_eq!(odd.negotiated_version(), V12);
    let short = hello_with(vec![(ExtensionType::KEY_SHARE, vec![0x17])]);
    assert_eq!(short.key_share_group(), None);
    assert_eq!(hello_with(vec![]).key_share_group(), None);
}

#[test]
fn certificate_round_trips() {
    for chain in [vec![], vec![vec![]], vec![vec![1, 2, 3], vec![0x30; 70000]]] {
        let bytes = encode_certificate(&chain);
        assert_eq!(bytes.first(), Some(&11));
        assert_eq!(decode_certificate(bytes.get(4..).unwrap()), Ok(chain));
    }
}

#[test]
fn certificate_request_round_trips_in_both_forms() {
    let req = sample_cert_request();
    let tls12 = req.encode_handshake(V12);
    let decoded = CertificateRequest::decode_body(tls12.get(4..).unwrap(), V12);
    assert_eq!(decoded, Ok(req.clone()));

    let old = CertificateRequest {
        signature_algorithms: vec![],
        ..req.clone()
    };
    for v in [
        ProtocolVersion::SSL3,
        ProtocolVersion::TLS10,
        ProtocolVersion::TLS11,
    ] {
        // The old form has no signature_algorithms field: they are dropped.
        let bytes = req.encode_handshake(v);
        assert_eq!(bytes.len(), tls12.len() - 2 - 6);
        let decoded = CertificateRequest::decode_body(bytes.get(4..).unwrap(), v);
        assert_eq!(decoded, Ok(old.clone()));
    }
    let empty = CertificateRequest {
        certificate_types: vec![],
        signature_algorithms: vec![],
        ca_names: vec![],
    };
    let bytes = empty.encode_handshake(V12);
    assert_eq!(bytes, [13, 0, 0, 5, 0, 0, 0, 0, 0]);
    assert_eq!(CertificateRequest::decode_body(&bytes[4..], V12), Ok(empty));
}

#[test]
fn certificate_request_form_follows_the_server_hello_version() {
    let req = sample_cert_request();
    for (v, want_sigalgs) in [(ProtocolVersion::TLS10, false), (V12, true)] {
        let hello = ServerHello {
            legacy_version: v,
            ..hello_with(vec![])
        };
        let mut payload = hello.encode_handshake();
        payload.extend(req.encode_handshake(v));
        let msgs = read_all(&records(H, v, &payload)).unwrap();
        let Some(Message::CertificateRequest(got)) = msgs.get(1) else {
            panic!("{msgs:?}");
        };
        assert_eq!(!got.signature_algorithms.is_empty(), want_sigalgs);
        assert_eq!(got.ca_names, req.ca_names);
    }
    // Before any ServerHello (or after a TLS 1.3 one) the form is unknown:
    // the body stays raw.
    let raw = req.encode_handshake(V12);
    let msgs = read_all(&records(H, V12, &raw)).unwrap();
    assert_eq!(
        msgs,
        [Message::Handshake(
            HandshakeType::CERTIFICATE_REQUEST,
            raw[4..].to_vec()
        )]
    );
}

#[test]
fn alerts_encode_and_decode_and_may_be_coalesced() {
    let a = Alert {
        level: AlertLevel::FATAL,
        description: AlertDescription::HANDSHAKE_FAILURE,
    };
    let b = Alert {
        level: AlertLevel::WARNING,
        description: AlertDescription(0xEE),
    };
    assert_eq!(a.encode(), [2, 40]);
    let mut payload = a.encode().to_vec();
    payload.extend(b.encode());
    let msgs = read_all(&records(ContentType::ALERT, V12, &payload)).unwrap();
    assert_eq!(msgs, [Message::Alert(a), Message::Alert(b)]);
}

#[test]
fn server_hello_done_and_other_handshake_messages() {
    assert_eq!(encode_server_hello_done(), [14, 0, 0, 0]);
    let mut payload = encode_server_hello_done();
    payload.extend([22, 0, 0, 2, 0xAB, 0xCD]); // certificate_status
    payload.extend([0, 0, 0, 0]); // hello_request
    let msgs = read_all(&records(H, V12, &payload)).unwrap();
    assert_eq!(
        msgs,
        [
            Message::ServerHelloDone,
            Message::Handshake(HandshakeType::CERTIFICATE_STATUS, vec![0xAB, 0xCD]),
            Message::Handshake(HandshakeType::HELLO_REQUEST, vec![]),
        ]
    );
    let bad = records(H, V12, &[14, 0, 0, 1, 0]);
    assert!(matches!(error_of(&bad), WireError::Invalid(m) if m.contains("ServerHelloDone")));
}

// ---- splitting and coalescing -----------------------------------------

#[test]
fn a_flight_reads_the_same_however_it_is_split() {
    let want = expected_flight();
    let (separate, _) = flight_one_record_each();
    let coalesced = flight_coalesced();
    // Records of 7 bytes: messages span many records.
    let all: Vec<u8> = flight_messages().into_iter().flat_map(|(m, _)| m).collect();
    let tiny_records: Vec<u8> = all.chunks(7).flat_map(|c| records(H, V12, c)).collect();
    for bytes in [&separate, &coalesced, &tiny_records] {
        assert_eq!(read_all(bytes).unwrap(), want);
        assert_eq!(
            read_chunked(bytes, &mut || 1).unwrap(),
            want,
            "byte at a time"
        );
        let mut rng = XorShift::new(0x5EED);
        for _ in 0..200 {
            let max = 1 + rng.below(300);
            let got = read_chunked(bytes, &mut || 1 + rng.below(max)).unwrap();
            assert_eq!(got, want);
        }
    }
}

#[test]
fn incomplete_input_gives_none_until_the_record_is_whole() {
    let want = expected_flight();
    let (bytes, ends) = flight_one_record_each();
    let mut r = FlightReader::new();
    let mut got = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        r.feed(&[*b]);
        let fed = i + 1;
        while let Some(m) = r.next_message().unwrap() {
            got.push(m);
        }
        // Exactly the messages whose record is complete have come out.
        let complete = ends.iter().filter(|&&end| end <= fed).count();
        assert_eq!(got.len(), complete, "after {fed} bytes");
    }
    assert_eq!(got, want);

    // Coalesced: nothing until the single record is complete.
    let bytes = flight_coalesced();
    let mut r = FlightReader::new();
    r.feed(&bytes[..bytes.len() - 1]);
    assert_eq!(r.next_message(), Ok(None));
    assert_eq!(r.next_message(), Ok(None), "asking again changes nothing");
    r.feed(&bytes[bytes.len() - 1..]);
    let mut got = Vec::new();
    while let Some(m) = r.next_message().unwrap() {
        got.push(m);
    }
    assert_eq!(got, want);
    assert_eq!(r.version(), Some(V12));
    assert_eq!(r.buffered(), 0);
}

// ---- TLS 1.3, HRR, protected records -----------------------------------

fn tls13_hello() -> ServerHello {
    ServerHello {
        legacy_version: V12,
        cipher_suite: CipherSuiteId(0x1301),
        ..hello_with(vec![
            (ExtensionType::SUPPORTED_VERSIONS, vec![3, 4]),
            (
                ExtensionType::KEY_SHARE,
                [&[0, 0x1D, 0, 32][..], &[9; 32]].concat(),
            ),
        ])
    }
}

#[test]
fn tls13_application_data_after_the_server_hello_is_encrypted() {
    let hello = tls13_hello();
    let mut bytes = records(H, V12, &hello.encode_handshake());
    bytes.extend(records(ContentType::CHANGE_CIPHER_SPEC, V12, &[1]));
    bytes.extend(records(ContentType::APPLICATION_DATA, V12, &[0x17; 23]));
    bytes.extend(records(ContentType::APPLICATION_DATA, V12, &[0x17; 800]));
    bytes.extend(records(ContentType::ALERT, V12, &[2, 40]));
    let mut r = FlightReader::new();
    r.feed(&bytes);
    assert_eq!(r.next_message(), Ok(Some(Message::ServerHello(hello))));
    assert_eq!(r.version(), Some(ProtocolVersion::TLS13));
    assert_eq!(r.next_message(), Ok(Some(Message::ChangeCipherSpec)));
    assert_eq!(r.next_message(), Ok(Some(Message::Encrypted(23))));
    assert_eq!(r.next_message(), Ok(Some(Message::Encrypted(800))));
    let alert = Alert {
        level: AlertLevel::FATAL,
        description: AlertDescription::HANDSHAKE_FAILURE,
    };
    assert_eq!(r.next_message(), Ok(Some(Message::Alert(alert))));
    assert_eq!(r.next_message(), Ok(None));
}

#[test]
fn hello_retry_request_is_a_server_hello_and_does_not_start_encryption() {
    let hrr = ServerHello {
        random: ServerHello::HELLO_RETRY_RANDOM,
        ..hello_with(vec![
            (ExtensionType::SUPPORTED_VERSIONS, vec![3, 4]),
            (ExtensionType::KEY_SHARE, vec![0x00, 0x17]),
        ])
    };
    let mut bytes = records(H, V12, &hrr.encode_handshake());
    bytes.extend(records(ContentType::CHANGE_CIPHER_SPEC, V12, &[1]));
    let msgs = read_all(&bytes).unwrap();
    let [Message::ServerHello(got), Message::ChangeCipherSpec] = msgs.as_slice() else {
        panic!("{msgs:?}");
    };
    assert!(got.is_hello_retry_request());
    assert_eq!(got.key_share_group(), Some(NamedGroup::SECP256R1));
    assert_eq!(got.negotiated_version(), ProtocolVersion::TLS13);
    bytes.extend(records(ContentType::APPLICATION_DATA, V12, &[0; 20]));
    assert!(matches!(error_of(&bytes), WireError::Invalid(m) if m.contains("application_data")));
}

#[test]
fn tls12_records_after_the_server_change_cipher_spec_are_encrypted() {
    // An abbreviated handshake: ServerHello, CCS, encrypted Finished.
    let mut bytes = records(H, V12, &sample_hello().encode_handshake());
    bytes.extend(records(ContentType::CHANGE_CIPHER_SPEC, V12, &[1]));
    bytes.extend(records(H, V12, &[0xEE; 40]));
    bytes.extend(records(ContentType::ALERT, V12, &[0xEE; 26]));
    let msgs = read_all(&bytes).unwrap();
    assert_eq!(
        msgs,
        [
            Message::ServerHello(sample_hello()),
            Message::ChangeCipherSpec,
            Message::Encrypted(40),
            Message::Encrypted(26),
        ]
    );
}

#[test]
fn an_unknown_server_version_still_comes_out_as_a_server_hello() {
    for (legacy, ext) in [
        (ProtocolVersion(0x0305), vec![]),
        (
            V12,
            vec![(ExtensionType::SUPPORTED_VERSIONS, vec![0x03, 0x05])],
        ),
        (ProtocolVersion(0x7F12), vec![]),
        (ProtocolVersion(0x0000), vec![]),
    ] {
        let hello = ServerHello {
            legacy_version: legacy,
            ..hello_with(ext)
        };
        let msgs = read_all(&records(H, V12, &hello.encode_handshake())).unwrap();
        let [Message::ServerHello(got)] = msgs.as_slice() else {
            panic!("{msgs:?}");
        };
        assert_eq!(got, &hello);
        assert_ne!(got.negotiated_version(), V12);
    }
}

#[test]
fn heartbeat_records_are_skipped() {
    let mut bytes = records(ContentType::HEARTBEAT, V12, &[1, 0, 3, 1, 2, 3]);
    bytes.extend(records(H, V12, &encode_server_hello_done()));
    bytes.extend(records(ContentType::HEARTBEAT, V12, &[]));
    assert_eq!(read_all(&bytes).unwrap(), [Message::ServerHelloDone]);
}

#[test]
fn an_alert_between_fragments_of_a_handshake_message_is_reported() {
    let msg = sample_hello().encode_handshake();
    let (a, b) = msg.split_at(10);
    let mut bytes = records(H, V12, a);
    bytes.extend(records(ContentType::ALERT, V12, &[1, 0]));
    bytes.extend(records(H, V12, b));
    let msgs = read_all(&bytes).unwrap();
    assert_eq!(msgs.len(), 2);
    assert!(matches!(msgs[0], Message::Alert(_)));
    assert_eq!(msgs[1], Message::ServerHello(sample_hello()));
}

// ---- hostile input -----------------------------------------------------

#[test]
fn http_and_ssh_answers_are_not_tls() {
    let http = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 150\r\n\r\n";
    let err = error_of(http);
    assert_eq!(
        err,
        WireError::NotTls {
            preview: http[..PREVIEW_LEN].to_vec()
        }
    );
    assert_eq!(
        err.to_string(),
        "not TLS: the server answered \"HTTP/1.1 400 Bad Request\""
    );

    let ssh = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n";
    let err = error_of(ssh);
    assert_eq!(
        err,
        WireError::NotTls {
            preview: ssh.to_vec()
        }
    );
    assert_eq!(
        err.to_string(),
        "not TLS: the server answered \"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\""
    );

    // Decided on the first byte, with whatever is buffered as preview.
    let mut r = FlightReader::new();
    r.feed(b"H");
    assert_eq!(
        r.next_message(),
        Err(WireError::NotTls {
            preview: b"H".to_vec()
        })
    );
    r.feed(b"TTP/1.0");
    assert_eq!(
        r.next_message(),
        Err(WireError::NotTls {
            preview: b"H".to_vec()
        }),
        "errors are final"
    );
}

#[test]
fn binary_garbage_is_not_tls_and_prints_as_hex() {
    let err = error_of(&[0x80, 0x2E, 0x02, 0x00, 0x01]);
    assert_eq!(
        err.to_string(),
        "not TLS: the server answered bytes 80 2e 02 00 01 (hex)"
    );
    // Content type fine, version major wrong: decided on the whole header.
    let mut r = FlightReader::new();
    r.feed(&[0x16, 0x00, 0x02]);
    assert_eq!(r.next_message(), Ok(None));
    r.feed(&[0x00, 0x10]);
    assert_eq!(
        r.next_message(),
        Err(WireError::NotTls {
            preview: vec![0x16, 0x00, 0x02, 0x00, 0x10]
        })
    );
    let long = vec![0u8; 100];
    let err = error_of(&long);
    assert_eq!(
        err,
        WireError::NotTls {
            preview: vec![0; 64]
        }
    );
    assert!(err.to_string().ends_with("00 00 … (hex)"), "{err}");
}

#[test]
fn after_the_first_record_a_bad_header_is_invalid_not_not_tls() {
    let done = records(H, V12, &encode_server_hello_done());
    for bad in [
        &b"HTTP/1.1 200 OK\r\n"[..],
        &[0x50, 3, 3, 0, 1, 0],
        &[0x16, 2, 0, 0, 1, 0],
    ] {
        let bytes = [&done[..], bad].concat();
        assert!(matches!(error_of(&bytes), WireError::Invalid(_)), "{bad:?}");
    }
    // Minor version above 4 is invalid even in the first record.
    assert!(
        matches!(error_of(&[0x16, 3, 5, 0, 1, 0]), WireError::Invalid(m) if m.contains("0x0305"))
    );
}

#[test]
fn a_truncated_record_is_incomplete_not_an_error() {
    let (bytes, _) = flight_one_record_each();
    for cut in [1, 4, 5, 6, 40, 70] {
        let mut r = FlightReader::new();
        r.feed(&bytes[..cut]);
        assert_eq!(r.next_message(), Ok(None), "cut at {cut}");
    }
    // A ServerHello whose handshake header promises more than the record has.
    let msg = sample_hello().encode_handshake();
    let mut r = FlightReader::new();
    r.feed(&records(H, V12, &msg[..msg.len() - 5]));
    assert_eq!(r.next_message(), Ok(None));
    r.feed(&records(H, V12, &msg[msg.len() - 5..]));
    assert_eq!(
        r.next_message(),
        Ok(Some(Message::ServerHello(sample_hello())))
    );
}

#[test]
fn zero_length_handshake_alert_and_ccs_records_are_invalid() {
    assert!(
        matches!(error_of(&[22, 3, 3, 0, 0]), WireError::Invalid(m) if m.contains("empty handshake"))
    );
    assert!(
        matches!(error_of(&[21, 3, 3, 0, 0]), WireError::Invalid(m) if m.contains("alert record of 0"))
    );
    assert!(matches!(error_of(&[20, 3, 3, 0, 0]), WireError::Invalid(_)));
    assert!(matches!(
        error_of(&[20, 3, 3, 0, 2, 1, 1]),
        WireError::Invalid(_)
    ));
    assert!(matches!(
        error_of(&[20, 3, 3, 0, 1, 2]),
        WireError::Invalid(_)
    ));
}

#[test]
fn oversized_records_and_messages_are_refused_early() {
    // Refused from the header alone, before the body is buffered.
    let mut r = FlightReader::new();
    r.feed(&[22, 3, 3, 0xFF, 0xFF]);
    assert_eq!(r.next_message(), Err(WireError::RecordTooLarge(0xFFFF)));
    assert_eq!(
        WireError::RecordTooLarge(70000).to_string(),
        "TLS record of 70000 bytes exceeds the limit (18432 bytes)"
    );
    let over = u16::try_from(MAX_RECORD_LEN + 1).unwrap().to_be_bytes();
    assert_eq!(
        error_of(&[23, 3, 3, over[0], over[1]]),
        WireError::RecordTooLarge(MAX_RECORD_LEN + 1)
    );
    // A record of exactly the limit is fine.
    let body_len = MAX_RECORD_LEN - 4;
    let mut msg = vec![99, 0];
    msg.extend(u16::try_from(body_len).unwrap().to_be_bytes());
    msg.resize(MAX_RECORD_LEN, 0xAB);
    let mut bytes = vec![22, 3, 3];
    bytes.extend(u16::try_from(MAX_RECORD_LEN).unwrap().to_be_bytes());
    bytes.extend(&msg);
    assert_eq!(
        read_all(&bytes).unwrap(),
        [Message::Handshake(HandshakeType(99), vec![0xAB; body_len])]
    );

    // Handshake length 0xFFFFFF: refused from its 4-byte header.
    let mut r = FlightReader::new();
    r.feed(&records(H, V12, &[11, 0xFF, 0xFF, 0xFF]));
    assert_eq!(r.next_message(), Err(WireError::MessageTooLarge(0xFF_FFFF)));
    assert_eq!(
        WireError::MessageTooLarge(0xFF_FFFF).to_string(),
        "TLS handshake message of 16777215 bytes exceeds the limit (65536 bytes)"
    );

    // 64 KiB exactly is accepted (across records), one more byte is not.
    let chain = vec![vec![0x30; MAX_HANDSHAKE_LEN - 6]];
    let msg = encode_certificate(&chain);
    assert_eq!(msg.len(), 4 + MAX_HANDSHAKE_LEN);
    assert_eq!(
        read_all(&records(H, V12, &msg)).unwrap(),
        [Message::Certificate(chain)]
    );
    let msg = encode_certificate(&[vec![0x30; MAX_HANDSHAKE_LEN - 5]]);
    assert_eq!(
        error_of(&records(H, V12, &msg)),
        WireError::MessageTooLarge(MAX_HANDSHAKE_LEN + 1)
    );
}

#[test]
fn alert_records_of_odd_length_are_invalid() {
    for len in [1usize, 3, 5] {
        let bytes = records(ContentType::ALERT, V12, &vec![2; len]);
        assert!(
            matches!(error_of(&bytes), WireError::Invalid(m) if m.contains(&format!("alert record of {len} bytes"))),
            "{len}"
        );
    }
}

/// A ServerHello handshake message with `body` as its body.
fn hello_message(body: &[u8]) -> Vec<u8> {
    handshake(HandshakeType::SERVER_HELLO, |w| w.bytes(body))
}

#[test]
fn malformed_server_hellos_are_invalid() {
    let good = sample_hello().encode_handshake();
    let body = good[4..].to_vec();
    let ext_block_at = 2 + 32 + 1 + 32 + 2 + 1;

    // Truncated mid-extension (the message length is consistent, the
    // extension block is not).
    let truncated = &body[..body.len() - 1];
    let err = error_of(&records(H, V12, &hello_message(truncated)));
    assert!(
        matches!(&err, WireError::Invalid(m) if m.starts_with("ServerHello truncated")),
        "{err}"
    );

    // An extension whose length overruns the block.
    let mut overrun = body.clone();
    overrun[ext_block_at + 2 + 2 + 1] = 0x40; // renegotiation_info length 1 -> 0x40
    let err = error_of(&records(H, V12, &hello_message(&overrun)));
    assert!(
        matches!(&err, WireError::Invalid(m) if m.contains("extension data")),
        "{err}"
    );

    // The extension block length overruns the message.
    let mut overrun = body.clone();
    overrun[ext_block_at + 1] += 1;
    assert!(matches!(
        error_of(&records(H, V12, &hello_message(&overrun))),
        WireError::Invalid(_)
    ));

    // Bytes after the extension block.
    let mut trailing = body.clone();
    trailing.push(0);
    let err = error_of(&records(H, V12, &hello_message(&trailing)));
    assert!(
        matches!(&err, WireError::Invalid(m) if m.contains("trailing")),
        "{err}"
    );

    // One stray byte where the extensions block would start.
    let mut stray = body[..ext_block_at].to_vec();
    stray.push(0);
    assert!(matches!(
        error_of(&records(H, V12, &hello_message(&stray))),
        WireError::Invalid(_)
    ));

    // session_id longer than 32.
    let mut long_sid = body.clone();
    long_sid[34] = 33;
    let err = error_of(&records(H, V12, &hello_message(&long_sid)));
    assert!(
        matches!(&err, WireError::Invalid(m) if m.contains("session_id")),
        "{err}"
    );

    // Empty and too short.
    for cut in [0, 1, 33, 34, 60, 68, 69] {
        let bytes = records(H, V12, &hello_message(&body[..cut]));
        assert!(
            matches!(error_of(&bytes), WireError::Invalid(_)),
            "cut {cut}"
        );
    }
}

#[test]
fn malformed_certificate_and_certificate_request_are_invalid() {
    let hello = records(H, V12, &sample_hello().encode_handshake());
    let bad_bodies: [(HandshakeType, &[u8]); 6] = [
        (HandshakeType::CERTIFICATE, &[0, 0, 5, 0, 0, 9, 1]),
        (HandshakeType::CERTIFICATE, &[0, 0, 1, 0, 0]),
        (HandshakeType::CERTIFICATE, &[0, 0, 0, 1]),
        (
            HandshakeType::CERTIFICATE_REQUEST,
            &[1, 1, 0, 3, 4, 1, 0, 0],
        ),
        (
            HandshakeType::CERTIFICATE_REQUEST,
            &[1, 1, 0, 2, 4, 1, 0, 2, 0, 9],
        ),
        (HandshakeType::CERTIFICATE_REQUEST, &[5]),
    ];
    for (typ, body) in bad_bodies {
        let msg = handshake(typ, |w| w.bytes(body));
        let bytes = [&hello[..], &records(H, V12, &msg)].concat();
        assert!(
            matches!(error_of(&bytes), WireError::Invalid(_)),
            "{typ} {body:?}"
        );
    }
}

#[test]
fn application_data_before_a_server_hello_is_invalid() {
    let bytes = records(ContentType::APPLICATION_DATA, V12, &[1, 2, 3]);
    assert!(matches!(error_of(&bytes), WireError::Invalid(m) if m.contains("application_data")));
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift::new(0xDEAD_BEEF);
    for i in 0..10_000 {
        let len = rng.below(300);
        let mut bytes = rng.bytes(len);
        // Half the time look like a record, to get past the first checks.
        if i % 2 == 0 && bytes.len() >= 5 {
            bytes[0] = 20 + (bytes[0] % 5);
            bytes[1] = 3;
            bytes[2] %= 5;
            bytes[3] = 0;
        }
        let max = 1 + rng.below(64);
        let _ = read_chunked(&bytes, &mut || 1 + rng.below(max));
    }
}

#[test]
fn mutated_real_flights_never_panic() {
    let mut rng = XorShift::new(42);
    for (_, capture) in testutil::ALL {
        let flight = capture.server;
        for _ in 0..2_000 {
            let mut bytes = flight.to_vec();
            match rng.below(4) {
                0 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len());
                        bytes[at] = rng.byte();
                    }
                }
                1 => bytes.truncate(rng.below(bytes.len())),
                2 => {
                    let at = rng.below(bytes.len());
                    let n = 1 + rng.below(8);
                    let extra = rng.bytes(n);
                    bytes.splice(at..at, extra);
                }
                _ => {
                    let at = rng.below(bytes.len());
                    let n = rng.below(bytes.len() - at);
                    bytes.drain(at..at + n);
                }
            }
            let max = 1 + rng.below(500);
            let _ = read_chunked(&bytes, &mut || 1 + rng.below(max));
        }
    }
}

// ---- captured flights --------------------------------------------------

fn captured(bytes: &[u8]) -> (Vec<Message>, Option<ProtocolVersion>) {
    let mut r = FlightReader::new();
    r.feed(bytes);
    let mut msgs = Vec::new();
    while let Some(m) = r.next_message().unwrap() {
        msgs.push(m);
    }
    assert_eq!(r.buffered(), 0, "the capture ends on a message boundary");
    // And the same byte at a time.
    assert_eq!(read_chunked(bytes, &mut || 1).unwrap(), msgs);
    (msgs, r.version())
}

fn leaf(chain: &[Vec<u8>]) -> x509_parser::certificate::X509Certificate<'_> {
    let der = chain.first().expect("a certificate");
    let (rest, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    assert!(rest.is_empty());
    let cn = cert.subject().iter_common_name().next().unwrap();
    assert_eq!(cn.as_str().unwrap(), "test");
    cert
}

/// Cross-checks our reading of every record with tls-parser's.
fn tls_parser_agrees(bytes: &[u8], hello: &ServerHello) {
    let (_, record) = tls_parser::parse_tls_plaintext(bytes).unwrap();
    let Some(tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ServerHello(sh))) =
        record.msg.first()
    else {
        panic!("tls-parser sees no ServerHello: {:?}", record.msg);
    };
    assert_eq!(sh.version.0, hello.legacy_version.0);
    assert_eq!(sh.random, hello.random);
    assert_eq!(sh.cipher.0, hello.cipher_suite.0);
    assert_eq!(sh.session_id.unwrap_or_default(), hello.session_id);
    let ext = tls_parser::parse_tls_server_hello_extensions(sh.ext.unwrap_or_default())
        .unwrap()
        .1;
    let types: Vec<u16> = ext
        .iter()
        .map(|e| tls_parser::TlsExtensionType::from(e).0)
        .collect();
    let ours: Vec<u16> = hello.extensions.iter().map(|(t, _)| t.0).collect();
    assert_eq!(types, ours);
}

#[test]
fn captured_openssl_tls12_ecdhe_rsa_flight_with_certificate_request() {
    let (msgs, version) = captured(testutil::TLS12_ECDHE_RSA_CERTREQ.server);
    assert_eq!(version, Some(V12));
    let [
        Message::ServerHello(hello),
        Message::Certificate(chain),
        Message::ServerKeyExchange(ske),
        Message::CertificateRequest(req),
        Message::ServerHelloDone,
    ] = msgs.as_slice()
    else {
        panic!("{msgs:?}");
    };
    assert_eq!(hello.legacy_version, V12);
    assert_eq!(hello.cipher_suite, CipherSuiteId(0xC02F));
    assert_eq!(hello.compression, CompressionMethod::NULL);
    assert!(!hello.is_hello_retry_request());
    assert_eq!(hello.selected_version(), None);
    assert_eq!(
        hello.downgrade_sentinel(),
        None,
        "the server is capped at TLS 1.2"
    );
    assert_eq!(
        hello.extension(ExtensionType::RENEGOTIATION_INFO),
        Some(&[0][..])
    );
    assert_eq!(
        hello.extension(ExtensionType::EXTENDED_MASTER_SECRET),
        Some(&[][..])
    );
    tls_parser_agrees(testutil::TLS12_ECDHE_RSA_CERTREQ.server, hello);

    let cert = leaf(chain);
    // ECDHE params: named_curve (3), x25519 (the client's first group).
    assert_eq!(ske.get(..3), Some(&[3, 0x00, 0x1D][..]));
    assert!(
        req.certificate_types
            .contains(&ClientCertificateType::RSA_SIGN)
    );
    assert!(
        req.signature_algorithms
            .contains(&SignatureScheme::RSA_PSS_RSAE_SHA256)
    );
    // -CAfile is the server's own certificate: its subject is the CA name.
    assert_eq!(req.ca_names, [cert.subject().as_raw().to_vec()]);
}

#[test]
fn captured_openssl_tls10_aes256_sha_flight() {
    let (msgs, version) = captured(testutil::TLS10_AES256_SHA.server);
    assert_eq!(version, Some(ProtocolVersion::TLS10));
    let [
        Message::ServerHello(hello),
        Message::Certificate(chain),
        Message::ServerHelloDone,
    ] = msgs.as_slice()
    else {
        panic!("{msgs:?}");
    };
    assert_eq!(hello.legacy_version, ProtocolVersion::TLS10);
    assert_eq!(hello.cipher_suite, CipherSuiteId(0x0035));
    assert_eq!(
        hello.cipher_suite.to_string(),
        "TLS_RSA_WITH_AES_256_CBC_SHA"
    );
    tls_parser_agrees(testutil::TLS10_AES256_SHA.server, hello);
    leaf(chain);
}

#[test]
fn captured_openssl_tls13_flight() {
    let (msgs, version) = captured(testutil::TLS13.server);
    assert_eq!(version, Some(ProtocolVersion::TLS13));
    let [
        Message::ServerHello(hello),
        Message::ChangeCipherSpec,
        encrypted @ ..,
    ] = msgs.as_slice()
    else {
        panic!("{msgs:?}");
    };
    assert_eq!(hello.legacy_version, V12);
    assert_eq!(hello.selected_version(), Some(ProtocolVersion::TLS13));
    assert_eq!(hello.cipher_suite, CipherSuiteId(0x1301));
    assert_eq!(hello.key_share_group(), Some(NamedGroup::X25519));
    assert_eq!(hello.session_id, [0xAA; 32], "echoed in compatibility mode");
    assert!(!hello.is_hello_retry_request());
    tls_parser_agrees(testutil::TLS13.server, hello);
    // EncryptedExtensions, Certificate, CertificateVerify, Finished.
    assert_eq!(encrypted.len(), 4);
    assert!(
        encrypted
            .iter()
            .all(|m| matches!(m, Message::Encrypted(n) if *n > 16))
    );
}

#[test]
fn captured_openssl_handshake_failure_alert() {
    let (msgs, version) = captured(testutil::ALERT_HANDSHAKE_FAILURE.server);
    assert_eq!(version, None);
    assert_eq!(
        msgs,
        [Message::Alert(Alert {
            level: AlertLevel::FATAL,
            description: AlertDescription::HANDSHAKE_FAILURE,
        })]
    );
}

#[test]
fn captured_openssl_hello_retry_request() {
    let (msgs, version) = captured(testutil::TLS13_HRR.server);
    assert_eq!(version, Some(ProtocolVersion::TLS13));
    let [Message::ServerHello(hrr), Message::ChangeCipherSpec] = msgs.as_slice() else {
        panic!("{msgs:?}");
    };
    assert!(hrr.is_hello_retry_request());
    assert_eq!(hrr.key_share_group(), Some(NamedGroup::SECP256R1));
    assert_eq!(
        hrr.extension(ExtensionType::KEY_SHARE),
        Some(&[0x00, 0x17][..])
    );
    assert_eq!(hrr.selected_version(), Some(ProtocolVersion::TLS13));
    assert_eq!(hrr.cipher_suite, CipherSuiteId(0x1301));
    tls_parser_agrees(testutil::TLS13_HRR.server, hrr);
}

#[test]
fn captured_openssl_downgrade_sentinel() {
    let (msgs, version) = captured(testutil::TLS12_DOWNGRADE_SENTINEL.server);
    assert_eq!(version, Some(V12));
    let Some(Message::ServerHello(hello)) = msgs.first() else {
        panic!("{msgs:?}");
    };
    assert_eq!(hello.downgrade_sentinel(), Some(TlsVersion::Tls12.wire()));
    assert_eq!(msgs.last(), Some(&Message::ServerHelloDone));
    assert_eq!(msgs.len(), 4, "no CertificateRequest this time: {msgs:?}");
}

#[test]
fn new_session_ticket_round_trips_and_refuses_short_or_long_bodies() {
    for ticket in [vec![], vec![7; 1], vec![0xAB; 200], vec![1; 65535]] {
        let t = NewSessionTicket {
            lifetime_hint: 7200,
            ticket,
        };
        let bytes = t.encode_handshake();
        assert_eq!(bytes.first(), Some(&4));
        let body = bytes.get(4..).unwrap();
        assert_eq!(NewSessionTicket::decode_body(body), Ok(t.clone()));
        assert!(NewSessionTicket::decode_body(&body[..body.len() - 1]).is_err());
        let mut long = body.to_vec();
        long.push(0);
        assert!(NewSessionTicket::decode_body(&long).is_err());
    }
    assert!(NewSessionTicket::decode_body(&[0, 0, 0]).is_err());
}

/// The second flight of a TLS 1.2 server issuing a ticket (NewSessionTicket,
/// ChangeCipherSpec, the encrypted Finished) reads as those three messages.
#[test]
fn a_second_flight_gives_its_ticket_in_the_clear() {
    let t = NewSessionTicket {
        lifetime_hint: 300,
        ticket: (0..=255).collect(),
    };
    let mut bytes = records(H, V12, &t.encode_handshake());
    bytes.extend(records(ContentType::CHANGE_CIPHER_SPEC, V12, &[1]));
    bytes.extend(records(H, V12, &[0x55; 40]));
    let mut r = FlightReader::new();
    r.feed(&bytes);
    let mut out = Vec::new();
    while let Ok(Some(m)) = r.next_message() {
        out.push(m);
    }
    let Some(Message::Handshake(HandshakeType::NEW_SESSION_TICKET, body)) = out.first() else {
        panic!("{out:?}");
    };
    assert_eq!(NewSessionTicket::decode_body(body), Ok(t));
    assert!(out.contains(&Message::ChangeCipherSpec), "{out:?}");
}
