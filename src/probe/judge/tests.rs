//! Each judging rule on hand-built server answers.

use super::*;
use crate::model::suites::CipherSuiteId;
use crate::probe::HelloSpec;
use crate::wire::codec::records;
use crate::wire::codes::{ContentType, ProtocolVersion};
use crate::wire::server_flight::encode_server_hello_done;

fn offer(versions: &[TlsVersion], suites: &[u16]) -> Offer {
    let mut spec = HelloSpec::at(
        TlsVersion::Tls12,
        suites.iter().map(|s| CipherSuiteId(*s)).collect(),
        Some("dsm.example"),
    );
    spec.versions = versions.to_vec();
    Offer::new(spec.build())
}

fn hello(version: ProtocolVersion, suite: u16) -> ServerHello {
    ServerHello {
        legacy_version: version,
        random: [7u8; 32],
        session_id: Vec::new(),
        cipher_suite: CipherSuiteId(suite),
        compression: CompressionMethod::NULL,
        extensions: vec![(ExtensionType::RENEGOTIATION_INFO, vec![0])],
    }
}

fn flight(h: &ServerHello, rest: &[u8]) -> Vec<u8> {
    let mut hs = h.encode_handshake();
    hs.extend_from_slice(rest);
    records(ContentType::HANDSHAKE, ProtocolVersion::TLS12, &hs)
}

fn judge(o: &Offer, bytes: &[u8]) -> Outcome {
    judge_bytes(o, bytes, Outcome::Closed)
}

#[test]
fn a_plain_server_hello_is_accepted() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let out = judge(
        &o,
        &flight(
            &hello(ProtocolVersion::TLS12, 0xC030),
            &encode_server_hello_done(),
        ),
    );
    let a = out.accepted().expect("accepted");
    assert_eq!(a.cipher_suite, CipherSuiteId(0xC030));
    assert_eq!(a.client_certificate, CertificateRequested::No);
}

#[test]
fn an_alert_after_the_server_hello_is_a_refusal() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let mut bytes = flight(&hello(ProtocolVersion::TLS12, 0xC030), &[]);
    bytes.extend_from_slice(&[21, 3, 3, 0, 2, 2, 80]);
    assert_eq!(
        judge(&o, &bytes),
        Outcome::Rejected {
            alert: AlertDescription::INTERNAL_ERROR,
            after_hello: Some((TlsVersion::Tls12, CipherSuiteId(0xC030))),
        }
    );
}

#[test]
fn a_duplicate_extension_is_a_fault() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let mut h = hello(ProtocolVersion::TLS12, 0xC030);
    h.extensions
        .push((ExtensionType::RENEGOTIATION_INFO, vec![0]));
    assert_eq!(
        judge(&o, &flight(&h, &encode_server_hello_done())),
        Outcome::ServerFault(Fault::DuplicateExtension(ExtensionType::RENEGOTIATION_INFO))
    );
}

#[test]
fn an_unsolicited_extension_is_a_fault() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let mut h = hello(ProtocolVersion::TLS12, 0xC030);
    h.extensions
        .push((ExtensionType(0x0010), vec![0, 3, 2, b'h', b'2']));
    assert!(matches!(
        judge(&o, &flight(&h, &[])),
        Outcome::ServerFault(Fault::UnsolicitedExtension(ExtensionType(0x0010)))
    ));
}

#[test]
fn compression_is_a_fault() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let mut h = hello(ProtocolVersion::TLS12, 0xC030);
    h.compression = CompressionMethod::DEFLATE;
    assert!(matches!(
        judge(&o, &flight(&h, &[])),
        Outcome::ServerFault(Fault::Compression(_))
    ));
}

#[test]
fn the_downgrade_sentinel_is_a_fault_only_when_the_newer_version_was_offered() {
    let mut h = hello(ProtocolVersion::TLS12, 0xC030);
    h.random[24..].copy_from_slice(b"DOWNGRD\x01");
    let both = offer(&[TlsVersion::Tls12, TlsVersion::Tls13], &[0x1301, 0xC030]);
    assert!(matches!(
        judge(&both, &flight(&h, &encode_server_hello_done())),
        Outcome::ServerFault(Fault::DowngradeSentinel(TlsVersion::Tls12))
    ));
    // A TLS 1.2-only client expects the sentinel from a TLS 1.3 server.
    let only12 = offer(&[TlsVersion::Tls12], &[0xC030]);
    assert!(
        judge(&only12, &flight(&h, &encode_server_hello_done()))
            .accepted()
            .is_some()
    );
}

fn retry(group: NamedGroup) -> ServerHello {
    ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random: ServerHello::HELLO_RETRY_RANDOM,
        session_id: Vec::new(),
        cipher_suite: CipherSuiteId(0x1301),
        compression: CompressionMethod::NULL,
        extensions: vec![
            (ExtensionType::SUPPORTED_VERSIONS, vec![3, 4]),
            (ExtensionType::KEY_SHARE, group.0.to_be_bytes().to_vec()),
        ],
    }
}

#[test]
fn hello_retry_rules() {
    // The default groups: x25519 (with a share), P-256, P-384, P-521.
    let o = offer(&[TlsVersion::Tls13], &[0x1301]);
    assert!(
        judge(&o, &flight(&retry(NamedGroup::SECP256R1), &[]))
            .accepted()
            .is_some_and(|a| a.hello_retry)
    );
    assert!(matches!(
        judge(&o, &flight(&retry(NamedGroup::FFDHE8192), &[])),
        Outcome::ServerFault(Fault::RetryGroup(_, RetryProblem::NotListed))
    ));
    assert!(matches!(
        judge(&o, &flight(&retry(NamedGroup::X25519), &[])),
        Outcome::ServerFault(Fault::RetryGroup(_, RetryProblem::AlreadyShared))
    ));
    // A full handshake reads past the first retry: a second one is a fault.
    let mut two = flight(&retry(NamedGroup::SECP256R1), &[]);
    two.extend(flight(&retry(NamedGroup::SECP384R1), &[]));
    assert_eq!(
        judge(&o, &two),
        Outcome::ServerFault(Fault::SecondHelloRetry)
    );
}

#[test]
fn a_chain_too_large_to_read_is_not_support() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    // A Certificate message announcing 100 000 bytes.
    let bytes = flight(
        &hello(ProtocolVersion::TLS12, 0xC030),
        &[11, 0x01, 0x86, 0xA0],
    );
    match judge(&o, &bytes) {
        Outcome::ServerFault(Fault::Flight(w)) => assert!(w.contains("100000 bytes"), "{w}"),
        other => panic!("{other:?}"),
    }
}

/// The whole first flight is judged, not only its ServerHello: with
/// `--no-confirm` nothing else would.
#[test]
fn a_flight_no_client_goes_on_with_is_not_support() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    let h = hello(ProtocolVersion::TLS12, 0xC030);
    let fault = |bytes: &[u8]| match judge(&o, bytes) {
        Outcome::ServerFault(Fault::Flight(w)) => w,
        other => panic!("{other:?}"),
    };
    // ServerHello, then ChangeCipherSpec.
    let mut ccs = flight(&h, &[]);
    ccs.extend(records(
        ContentType::CHANGE_CIPHER_SPEC,
        ProtocolVersion::TLS12,
        &[1],
    ));
    assert!(fault(&ccs).contains("ChangeCipherSpec"));
    // ServerHello, then a handshake message of an unknown type (99) and of
    // a type with no place here (new_session_ticket).
    assert!(fault(&flight(&h, &[99, 0, 0, 1, 0])).contains("no place"));
    assert!(fault(&flight(&h, &[4, 0, 0, 1, 0])).contains("no place"));
    // A Certificate message whose chain does not parse.
    assert!(!fault(&flight(&h, &[11, 0, 0, 4, 0, 0, 9, 1])).is_empty());
    // The OCSP answer (certificate_status) has its place: accepted.
    let mut ok = h.encode_handshake();
    ok.extend_from_slice(&[22, 0, 0, 1, 1]);
    ok.extend(encode_server_hello_done());
    let bytes = records(ContentType::HANDSHAKE, ProtocolVersion::TLS12, &ok);
    assert!(
        judge(&o, &bytes).accepted().is_some(),
        "{:?}",
        judge(&o, &bytes)
    );
}

#[test]
fn unoffered_suites_and_versions_are_faults() {
    let o = offer(&[TlsVersion::Tls12], &[0xC030]);
    assert!(matches!(
        judge(&o, &flight(&hello(ProtocolVersion::TLS12, 0x0005), &[])),
        Outcome::ServerFault(Fault::UnofferedSuite(_))
    ));
    let o10 = offer(&[TlsVersion::Tls10], &[0x0035]);
    assert!(matches!(
        judge(&o10, &flight(&hello(ProtocolVersion::TLS12, 0x0035), &[])),
        Outcome::ServerFault(Fault::UnofferedVersion(_))
    ));
}

#[test]
fn previews_text_or_hex() {
    assert_eq!(
        printable(b"HTTP/1.1 400 Bad Request\r\nServer: x\r\n"),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(printable(b"SSH-2.0-OpenSSH_9.2\r\n"), "SSH-2.0-OpenSSH_9.2");
    assert_eq!(printable(&[0x00, 0xff, 0x10]), "00 ff 10");
}
