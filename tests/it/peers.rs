//! Hostile TLS test peers: raw servers that answer a ClientHello with a
//! scripted protocol violation, and a proxy that refuses or cuts chosen
//! connections to a real server.
//!
//! Every peer is a set of threads on a std [`TcpListener`] bound to
//! 127.0.0.1 and a free port; they stop with the test process. A [`Peer`]
//! counts the connections it accepted, so a test can tell how often a
//! client came back.
//!
//! Each peer reads the client's first ClientHello completely (records are
//! reassembled, however the client splits them) before it decides anything.
#![allow(dead_code)] // used by scan tests

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tlscompat::model::suites::CipherSuiteId;
use tlscompat::model::version::TlsVersion;
use tlscompat::probe::HelloSpec;
use tlscompat::serve::GeneratedPki;
use tlscompat::tls::certs::KeyType;
use tlscompat::wire::codec::{MAX_RECORD_LEN, records};
use tlscompat::wire::codes::{
    AlertDescription, AlertLevel, CompressionMethod, ContentType, ExtensionType, NamedGroup,
    ProtocolVersion,
};
use tlscompat::wire::server_flight::{
    Alert, MAX_HANDSHAKE_LEN, encode_certificate, encode_server_hello_done,
};
use tlscompat::wire::{ClientHello, Extension, FlightReader, Message, ServerHello};

use crate::servers::emulate;
use crate::tls_clients::s_client;

/// How long a peer waits for the client's hello, or for the client to close
/// after the peer has said everything it will say.
const LINGER: Duration = Duration::from_secs(2);

/// How long the proxy waits on either side of a forwarded connection before
/// giving up on it.
const PROXY_IDLE: Duration = Duration::from_secs(30);

/// The fatal handshake_failure alert record the proxy refuses with.
pub const REFUSAL: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

/// A fatal protocol_version alert, as one TLS record.
pub const PROTOCOL_VERSION_REFUSAL: [u8; 7] = [21, 3, 3, 0, 2, 2, 70];

/// A running test peer.
pub struct Peer {
    /// Where it listens (127.0.0.1, a free port).
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Peer {
    /// How many connections it has accepted so far. The count goes up
    /// before the connection is handled, so once a client has seen any
    /// answer its connection is counted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Accepts on 127.0.0.1 and a free port; each connection gets a thread that
/// runs `handle(stream, n)`, `n` counting connections from 0 in accept order.
fn listen(handle: impl Fn(TcpStream, usize) + Send + Sync + 'static) -> Peer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let handle = handle.clone();
            std::thread::spawn(move || handle(stream, n));
        }
    });
    Peer { addr, connections }
}

// ---------------------------------------------------------------------------
// Reading the client

/// The first ClientHello of a connection: the record bytes exactly as read
/// (for forwarding) and the decoded hello.
struct ReadHello {
    raw: Vec<u8>,
    hello: ClientHello,
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// Reads records until one whole ClientHello message has arrived, however
/// it is split over records and reads. ChangeCipherSpec records (a TLS 1.3
/// client in middlebox mode sends one before its second hello) are skipped;
/// any other record type, or a message that is not a ClientHello, is an
/// error. Reads whole records only, so nothing after the hello is consumed.
fn read_client_hello(stream: &mut TcpStream) -> io::Result<ReadHello> {
    let mut raw = Vec::new();
    let mut message = Vec::new();
    let mut version = None;
    loop {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header)?;
        let [typ, major, minor, hi, lo] = header;
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if major != 3 || len > MAX_RECORD_LEN {
            return Err(invalid(format!("not a TLS record header: {header:02x?}")));
        }
        let mut fragment = vec![0u8; len];
        stream.read_exact(&mut fragment)?;
        raw.extend_from_slice(&header);
        raw.extend_from_slice(&fragment);
        match ContentType(typ) {
            ContentType::HANDSHAKE => {}
            ContentType::CHANGE_CIPHER_SPEC => continue,
            other => return Err(invalid(format!("{other} record before the ClientHello"))),
        }
        version.get_or_insert(ProtocolVersion(u16::from_be_bytes([major, minor])));
        message.extend_from_slice(&fragment);
        let Some(&[_, a, b, c]) = message.get(..4) else {
            continue;
        };
        let need = 4 + u32::from_be_bytes([0, a, b, c]) as usize;
        if need > 4 + MAX_HANDSHAKE_LEN {
            return Err(invalid(format!("handshake message of {need} bytes")));
        }
        if message.len() >= need {
            // `ClientHello::decode` takes records holding exactly one
            // ClientHello: frame the reassembled message afresh.
            message.truncate(need);
            let version = version.unwrap_or(ProtocolVersion::TLS10);
            let hello = ClientHello::decode(&records(ContentType::HANDSHAKE, version, &message))
                .map_err(|e| invalid(e.to_string()))?;
            return Ok(ReadHello { raw, hello });
        }
    }
}

/// Waits until the client closes (or fails, or `LINGER` passes), throwing
/// away what it sends, so the client reads all we wrote and its verdict
/// comes from our messages, not from our EOF. The socket closes on drop.
fn linger(stream: &mut TcpStream) {
    let deadline = Instant::now() + LINGER;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Sends FIN now, then lingers so the client can read everything first.
fn close(stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    linger(stream);
}

/// One fatal alert in a record of `version`.
fn alert_record(version: ProtocolVersion, description: AlertDescription) -> Vec<u8> {
    let alert = Alert {
        level: AlertLevel::FATAL,
        description,
    };
    records(ContentType::ALERT, version, &alert.encode())
}

/// Whether the client sent an extension of type `typ`.
fn offers(hello: &ClientHello, typ: ExtensionType) -> bool {
    hello.extensions.iter().flatten().any(|e| e.typ() == typ)
}

/// The client's supported_versions list (empty without the extension).
fn supported_versions(hello: &ClientHello) -> Vec<ProtocolVersion> {
    hello
        .extensions
        .iter()
        .flatten()
        .find_map(|e| match e {
            Extension::SupportedVersions(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The client's supported_groups list (empty without the extension).
fn supported_groups(hello: &ClientHello) -> Vec<NamedGroup> {
    hello
        .extensions
        .iter()
        .flatten()
        .find_map(|e| match e {
            Extension::SupportedGroups(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The groups of the client's key shares, in its order.
fn key_share_groups(hello: &ClientHello) -> Vec<NamedGroup> {
    hello
        .extensions
        .iter()
        .flatten()
        .find_map(|e| match e {
            Extension::KeyShare(shares) => Some(shares.iter().map(|s| s.group).collect()),
            _ => None,
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The scripted peer

/// What a [`scripted`] peer answers to the ClientHello.
///
/// "A valid ServerHello" is a TLS ≤ 1.2 ServerHello with: legacy_version =
/// min(client legacy_version, TLS 1.2); a fresh random that is neither the
/// HelloRetryRequest random nor a downgrade sentinel; an empty session id
/// (no resumption); the first suite the client offered that is registered,
/// valid at that version and not a signaling value; null compression; and
/// only extensions the client offered that a TLS 1.2 server may echo:
/// renegotiation_info (empty, if the client sent it or the SCSV),
/// extended_master_secret (if offered), ec_point_formats `[uncompressed]`
/// (if offered). Unless the variant says otherwise it is followed, in the
/// same record, by a Certificate (an RSA certificate and its CA, generated
/// once per test process) and ServerHelloDone, with no ServerKeyExchange: the
/// handshake cannot complete, the client's verdict must come from the
/// ServerHello. The peer then waits up to 2 s for the client to close.
///
/// When a script cannot apply to the hello (no suite valid at the chosen
/// version, no TLS 1.3 suite or no TLS 1.3 offer for a HelloRetryRequest, no
/// key share or groups to work with) the peer answers with a fatal
/// handshake_failure alert instead.
#[derive(Debug, Clone, Copy)]
pub enum Script {
    /// A valid ServerHello and, in the same write, a fatal alert with this
    /// description; then the peer closes. Exercises: a client reports the
    /// alert as the server's refusal even after a ServerHello.
    ServerHelloThenAlert(AlertDescription),
    /// A valid ServerHello in which one extension appears twice
    /// (renegotiation_info when echoed, else extended_master_secret, else
    /// ec_point_formats; renegotiation_info when the client offered none of
    /// them), the duplicate last. Exercises: RFC 8446 §4.2 / RFC 5246
    /// §7.4.1.4, no two extensions of the same type.
    DuplicateExtension,
    /// A valid ServerHello plus an extension the client did not offer:
    /// heartbeat (0x000F, data `[1]`), or ALPN `h2`, or use_srtp, or the
    /// unassigned type 0x7A7B, the first of these the client did not send.
    /// Exercises: RFC 5246 §7.4.1.4, the server must not send an extension
    /// the client did not offer.
    UnsolicitedExtension,
    /// A valid ServerHello choosing compression method 1 (DEFLATE).
    /// Exercises: a client rejects a compression method it did not offer
    /// (and TLS compression altogether, CRIME).
    Compression,
    /// A TLS ≤ 1.2 ServerHello (no supported_versions extension) whose
    /// random ends with `DOWNGRD\x01` (`DOWNGRD\x00` below TLS 1.2),
    /// otherwise valid. Exercises: RFC 8446 §4.1.3, a client that offered
    /// TLS 1.3 must abort on the sentinel.
    DowngradeSentinel,
    /// To a TLS 1.3 client: a HelloRetryRequest (legacy_version TLS 1.2,
    /// the client's session id echoed, its first TLS 1.3 suite,
    /// supported_versions TLS 1.3) whose key_share selects a group the
    /// client did not list in supported_groups (ffdhe8192, else secp521r1,
    /// ffdhe6144, x448). Then waits up to 2 s. Exercises: RFC 8446 §4.1.4,
    /// the selected group must be one the client offered.
    HelloRetryUnlistedGroup,
    /// The same HelloRetryRequest, selecting the group of the client's
    /// first key share. Exercises: RFC 8446 §4.2.8, the selected group must
    /// not be one the client already sent a share for.
    HelloRetrySameGroup,
    /// A valid HelloRetryRequest selecting a listed group the client sent
    /// no share for (the first listed group if every one had a share);
    /// then, to the client's second ClientHello, a second HelloRetryRequest
    /// (the same group if the second hello still lists it, else its first
    /// listed group). Then waits up to 2 s. Exercises: RFC 8446 §4.1.4, a
    /// client aborts on a second HelloRetryRequest in one connection.
    SecondHelloRetry,
    /// A valid TLS ≤ 1.2 ServerHello, then a ChangeCipherSpec (an
    /// abbreviated handshake for a session never offered). Exercises: the
    /// whole first flight is judged, also with `--no-confirm`.
    ServerHelloThenChangeCipherSpec,
    /// A valid ServerHello, the certificate, then a handshake message of
    /// unassigned type 99, then ServerHelloDone.
    ServerHelloThenUnknownMessage,
    /// A valid ServerHello and a Certificate message whose chain does not
    /// parse, then ServerHelloDone.
    UnparseableCertificate,
    /// A valid ServerHello and a Certificate message of 100,000 bytes (more
    /// than a first flight is read for).
    OversizedChain,
}

/// A raw peer that reads one ClientHello and answers as `script` says (see
/// [`Script`]).
pub fn scripted(script: Script) -> Peer {
    // The chain is made before the peer listens: under load, making it on
    // the first connection took longer than a scan's timeout.
    certificate_chain();
    listen(move |stream, _| run_script(stream, script))
}

/// The certificate chain (RSA leaf, then its CA) as DER, generated the
/// first time any scripted peer needs it and shared by all of them: a peer
/// never signs, so only the bytes matter, and three RSA keys per peer would
/// cost most of a test's second.
fn certificate_chain() -> &'static [Vec<u8>] {
    static CHAIN: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let pki = GeneratedPki::generate("peer", KeyType::Rsa).unwrap();
        std::iter::once(&pki.server.cert)
            .chain(&pki.server.chain)
            .map(|c| c.to_der().unwrap())
            .collect()
    })
}

fn run_script(mut stream: TcpStream, script: Script) {
    let _ = stream.set_read_timeout(Some(LINGER));
    let Ok(ReadHello { hello, .. }) = read_client_hello(&mut stream) else {
        return;
    };
    let reply = match script {
        Script::ServerHelloThenAlert(description) => valid_server_hello(&hello).map(|sh| {
            let mut out = records(
                ContentType::HANDSHAKE,
                sh.legacy_version,
                &sh.encode_handshake(),
            );
            out.extend(alert_record(sh.legacy_version, description));
            out
        }),
        Script::DuplicateExtension => valid_server_hello(&hello).map(|mut sh| {
            let twice = [
                ExtensionType::RENEGOTIATION_INFO,
                ExtensionType::EXTENDED_MASTER_SECRET,
                ExtensionType::EC_POINT_FORMATS,
            ]
            .into_iter()
            .find_map(|t| sh.extensions.iter().find(|(typ, _)| *typ == t).cloned())
            .unwrap_or((ExtensionType::RENEGOTIATION_INFO, vec![0]));
            sh.extensions.push(twice);
            with_certificate(&sh)
        }),
        Script::UnsolicitedExtension => valid_server_hello(&hello).map(|mut sh| {
            let candidates: [(ExtensionType, &[u8]); 4] = [
                (ExtensionType::HEARTBEAT, &[1]),
                (ExtensionType::ALPN, &[0, 3, 2, b'h', b'2']),
                (ExtensionType::USE_SRTP, &[0, 2, 0, 1, 0]),
                (ExtensionType(0x7A7B), &[]),
            ];
            if let Some((typ, data)) = candidates.iter().find(|(t, _)| !offers(&hello, *t)) {
                sh.extensions.push((*typ, data.to_vec()));
            }
            with_certificate(&sh)
        }),
        Script::Compression => valid_server_hello(&hello).map(|mut sh| {
            sh.compression = CompressionMethod::DEFLATE;
            with_certificate(&sh)
        }),
        Script::DowngradeSentinel => valid_server_hello(&hello).map(|mut sh| {
            let last = u8::from(sh.legacy_version == ProtocolVersion::TLS12);
            sh.random[24..31].copy_from_slice(b"DOWNGRD");
            sh.random[31] = last;
            with_certificate(&sh)
        }),
        Script::HelloRetryUnlistedGroup => {
            let listed = supported_groups(&hello);
            [
                NamedGroup::FFDHE8192,
                NamedGroup::SECP521R1,
                NamedGroup::FFDHE6144,
                NamedGroup::X448,
            ]
            .into_iter()
            .find(|g| !listed.contains(g))
            .and_then(|g| hello_retry_request(&hello, g))
            .map(|hrr| hrr_record(&hrr))
        }
        Script::HelloRetrySameGroup => key_share_groups(&hello)
            .first()
            .and_then(|&g| hello_retry_request(&hello, g))
            .map(|hrr| hrr_record(&hrr)),
        Script::SecondHelloRetry => {
            run_second_hello_retry(&mut stream, &hello);
            return;
        }
        Script::ServerHelloThenChangeCipherSpec => valid_server_hello(&hello).map(|sh| {
            let mut out = records(
                ContentType::HANDSHAKE,
                sh.legacy_version,
                &sh.encode_handshake(),
            );
            out.extend(records(
                ContentType::CHANGE_CIPHER_SPEC,
                sh.legacy_version,
                &[1],
            ));
            out
        }),
        Script::ServerHelloThenUnknownMessage => valid_server_hello(&hello).map(|sh| {
            let mut flight = sh.encode_handshake();
            flight.extend(encode_certificate(certificate_chain()));
            flight.extend([99, 0, 0, 2, 0xAB, 0xCD]);
            flight.extend(encode_server_hello_done());
            records(ContentType::HANDSHAKE, sh.legacy_version, &flight)
        }),
        Script::UnparseableCertificate => valid_server_hello(&hello).map(|sh| {
            let mut flight = sh.encode_handshake();
            // A chain of 4 bytes holding one "certificate" of 9 bytes.
            flight.extend([11, 0, 0, 7, 0, 0, 4, 0, 0, 9, 1]);
            flight.extend(encode_server_hello_done());
            records(ContentType::HANDSHAKE, sh.legacy_version, &flight)
        }),
        Script::OversizedChain => valid_server_hello(&hello).map(|sh| {
            let mut flight = sh.encode_handshake();
            let body = 100_000usize;
            flight.extend([11, (body >> 16) as u8, (body >> 8) as u8, body as u8]);
            flight.extend(std::iter::repeat_n(0u8, body));
            flight.extend(encode_server_hello_done());
            records(ContentType::HANDSHAKE, sh.legacy_version, &flight)
        }),
    };
    let Some(reply) = reply else {
        // The script cannot apply to this hello.
        let version = hello.legacy_version.min(ProtocolVersion::TLS12);
        if stream
            .write_all(&alert_record(version, AlertDescription::HANDSHAKE_FAILURE))
            .is_ok()
        {
            close(&mut stream);
        }
        return;
    };
    if stream.write_all(&reply).is_err() {
        return;
    }
    match script {
        Script::ServerHelloThenAlert(_) => close(&mut stream),
        _ => linger(&mut stream),
    }
}

/// The [`Script::SecondHelloRetry`] exchange: HRR, second hello, HRR again.
fn run_second_hello_retry(stream: &mut TcpStream, hello: &ClientHello) {
    let fail = |stream: &mut TcpStream| {
        let _ = stream.write_all(&alert_record(
            ProtocolVersion::TLS12,
            AlertDescription::HANDSHAKE_FAILURE,
        ));
        close(stream);
    };
    let listed = supported_groups(hello);
    let shared = key_share_groups(hello);
    let group = listed
        .iter()
        .find(|g| !shared.contains(g))
        .or(listed.first())
        .copied();
    let Some(first) = group.and_then(|g| hello_retry_request(hello, g)) else {
        return fail(stream);
    };
    if stream.write_all(&hrr_record(&first)).is_err() {
        return;
    }
    let Ok(ReadHello { hello: second, .. }) = read_client_hello(stream) else {
        return;
    };
    let listed = supported_groups(&second);
    let group = group
        .filter(|g| listed.contains(g))
        .or(listed.first().copied());
    let Some(again) = group.and_then(|g| hello_retry_request(&second, g)) else {
        return fail(stream);
    };
    if stream.write_all(&hrr_record(&again)).is_ok() {
        linger(stream);
    }
}

/// A valid TLS ≤ 1.2 ServerHello for `hello` (see [`Script`]); `None` when
/// the client offered no suite valid at the chosen version.
fn valid_server_hello(hello: &ClientHello) -> Option<ServerHello> {
    let version = hello.legacy_version.min(ProtocolVersion::TLS12);
    let tls_version = TlsVersion::from_wire(version)?;
    let cipher_suite = *hello.cipher_suites.iter().find(|s| {
        !s.is_signaling() && s.suite().is_some_and(|suite| suite.valid_at(tls_version))
    })?;
    let mut extensions = Vec::new();
    if offers(hello, ExtensionType::RENEGOTIATION_INFO)
        || hello
            .cipher_suites
            .contains(&CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV)
    {
        extensions.push((ExtensionType::RENEGOTIATION_INFO, vec![0]));
    }
    if offers(hello, ExtensionType::EXTENDED_MASTER_SECRET) {
        extensions.push((ExtensionType::EXTENDED_MASTER_SECRET, Vec::new()));
    }
    if offers(hello, ExtensionType::EC_POINT_FORMATS) {
        extensions.push((ExtensionType::EC_POINT_FORMATS, vec![1, 0]));
    }
    Some(ServerHello {
        legacy_version: version,
        random: server_random(),
        session_id: Vec::new(),
        cipher_suite,
        compression: CompressionMethod::NULL,
        extensions,
    })
}

/// 32 random bytes that are neither the HelloRetryRequest random nor end in
/// a downgrade sentinel.
fn server_random() -> [u8; 32] {
    let mut random = [0u8; 32];
    openssl::rand::rand_bytes(&mut random).unwrap();
    if random.get(24..31) == Some(b"DOWNGRD") || random == ServerHello::HELLO_RETRY_RANDOM {
        random[24] = 0;
    }
    random
}

/// The ServerHello, then Certificate and ServerHelloDone, in one record.
fn with_certificate(sh: &ServerHello) -> Vec<u8> {
    let mut flight = sh.encode_handshake();
    flight.extend(encode_certificate(certificate_chain()));
    flight.extend(encode_server_hello_done());
    records(ContentType::HANDSHAKE, sh.legacy_version, &flight)
}

/// A HelloRetryRequest selecting `group` for a client that offered TLS 1.3
/// and a TLS 1.3 suite; `None` otherwise.
fn hello_retry_request(hello: &ClientHello, group: NamedGroup) -> Option<ServerHello> {
    if !supported_versions(hello).contains(&ProtocolVersion::TLS13) {
        return None;
    }
    let cipher_suite = *hello
        .cipher_suites
        .iter()
        .find(|s| s.suite().is_some_and(|suite| suite.is_tls13()))?;
    Some(ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random: ServerHello::HELLO_RETRY_RANDOM,
        session_id: hello.session_id.clone(),
        cipher_suite,
        compression: CompressionMethod::NULL,
        extensions: vec![
            (
                ExtensionType::SUPPORTED_VERSIONS,
                ProtocolVersion::TLS13.0.to_be_bytes().to_vec(),
            ),
            (ExtensionType::KEY_SHARE, group.0.to_be_bytes().to_vec()),
        ],
    })
}

fn hrr_record(hrr: &ServerHello) -> Vec<u8> {
    records(
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &hrr.encode_handshake(),
    )
}

// ---------------------------------------------------------------------------
// The proxy

/// Which connections a [`proxy`] refuses. A refused connection gets the
/// fatal handshake_failure alert record [`REFUSAL`] right after its
/// ClientHello and is closed; upstream never sees it. A forwarded one gets
/// its hello written upstream, then both directions are pumped until either
/// side closes (which closes both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyRule {
    /// For each distinct offered cipher-suite list (signaling values
    /// included), the first connection offering it is refused and every
    /// later one forwarded. Exercises: the same hello refused once and
    /// accepted the next time (a flaky server; a client must not record a
    /// single refusal as final).
    RefuseFirstThenForward,
    /// The first `n` connections offering each distinct list of suites
    /// (signaling values left out: a TLS library and a raw hello for the
    /// same client differ there) are refused, later ones forwarded.
    /// Exercises: a hello refused every time it was asked so far, and
    /// accepted only when asked once more.
    RefuseFirst(usize),
    /// Refuses every hello whose supported_groups list starts with this
    /// group, forwards the others. Exercises: a steady server that refuses
    /// one client's hello shape but accepts its suites in another hello.
    RefuseFirstGroup(NamedGroup),
    /// Refuses every hello that offers exactly one suite (not counting
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV and TLS_FALLBACK_SCSV), forwards
    /// the others. Exercises: suites accepted in a profile's hello but
    /// refused one by one.
    RefuseSingleSuite,
    /// Forwards connections 0, 2, 4 … (in accept order) and refuses 1, 3, 5 ….
    Alternate,
    /// Forwards the ClientHello and the server's answer, but the moment the
    /// client sends anything after its hello (its key exchange, a
    /// ChangeCipherSpec, a second hello) closes both sides without
    /// forwarding it. Exercises: the server chose a suite and then closed
    /// the connection after the client key exchange.
    CutAfterServerFlight,
    /// The first `n` connections whose hello's newest version (the highest
    /// of supported_versions, else legacy_version) is this one are refused,
    /// later ones forwarded. Exercises: every probe at one version refused
    /// by a flaky front, with no alert that names the version.
    RefuseNewestFirst(ProtocolVersion, usize),
    /// Refuses every hello that offers exactly two suites (signaling values
    /// aside) with the fatal protocol_version alert
    /// [`PROTOCOL_VERSION_REFUSAL`] instead, forwards the others.
    /// Exercises: a client's hello (`dsa-11` offers two suites) refused as
    /// an unsupported version by a server that speaks that version.
    ProtocolVersionForTwoSuites,
}

/// A proxy on 127.0.0.1 in front of `upstream`, refusing or cutting
/// connections as `rule` says (see [`ProxyRule`]).
pub fn proxy(upstream: SocketAddr, rule: ProxyRule) -> Peer {
    let seen: Mutex<HashSet<Vec<u16>>> = Mutex::new(HashSet::new());
    let counts: Mutex<HashMap<Vec<u16>, usize>> = Mutex::new(HashMap::new());
    listen(move |mut client, n| {
        let _ = client.set_read_timeout(Some(LINGER));
        let Ok(ReadHello { raw, hello }) = read_client_hello(&mut client) else {
            return;
        };
        let suites: Vec<u16> = hello.cipher_suites.iter().map(|s| s.0).collect();
        let forward = match rule {
            ProxyRule::RefuseFirstThenForward => !seen.lock().unwrap().insert(suites),
            ProxyRule::RefuseFirst(n) => asked(&counts, real_suites(&hello)) > n,
            ProxyRule::RefuseFirstGroup(g) => supported_groups(&hello).first() != Some(&g),
            ProxyRule::RefuseNewestFirst(v, n) => {
                let newest = supported_versions(&hello)
                    .into_iter()
                    .max_by_key(|v| v.0)
                    .unwrap_or(hello.legacy_version);
                newest != v || asked(&counts, Vec::new()) > n
            }
            ProxyRule::RefuseSingleSuite => {
                hello
                    .cipher_suites
                    .iter()
                    .filter(|s| !s.is_signaling())
                    .count()
                    != 1
            }
            ProxyRule::Alternate => n % 2 == 0,
            ProxyRule::CutAfterServerFlight => true,
            ProxyRule::ProtocolVersionForTwoSuites => {
                hello
                    .cipher_suites
                    .iter()
                    .filter(|s| !s.is_signaling())
                    .count()
                    != 2
            }
        };
        let refusal = match rule {
            ProxyRule::ProtocolVersionForTwoSuites => PROTOCOL_VERSION_REFUSAL,
            _ => REFUSAL,
        };
        if forward {
            let cut = rule == ProxyRule::CutAfterServerFlight;
            pump(client, &raw, upstream, cut);
        } else if client.write_all(&refusal).is_ok() {
            close(&mut client);
        }
    })
}

/// Two nodes behind one address, as a load balancer that alternates per
/// question would make them: for each distinct offered cipher-suite list
/// (signaling values left out), the first, third, fifth … connection
/// offering it goes to `a`, the
/// second, fourth … to `b`. Whatever order concurrent connections arrive
/// in, a hello asked twice is answered once by each node.
pub fn split(a: SocketAddr, b: SocketAddr) -> Peer {
    let counts: Mutex<HashMap<Vec<u16>, usize>> = Mutex::new(HashMap::new());
    listen(move |mut client, _| {
        let _ = client.set_read_timeout(Some(LINGER));
        let Ok(ReadHello { raw, hello }) = read_client_hello(&mut client) else {
            return;
        };
        let n = asked(&counts, real_suites(&hello));
        pump(client, &raw, if n % 2 == 1 { a } else { b }, false);
    })
}

/// Two nodes behind one address, as a balancer that keeps each client on
/// one node would make them: a hello offering any of `suites` goes to `b`,
/// every other to `a`, however often it is asked.
pub fn route_by_suite(a: SocketAddr, b: SocketAddr, suites: &'static [u16]) -> Peer {
    listen(move |mut client, _| {
        let _ = client.set_read_timeout(Some(LINGER));
        let Ok(ReadHello { raw, hello }) = read_client_hello(&mut client) else {
            return;
        };
        let to_b = real_suites(&hello).iter().any(|s| suites.contains(s));
        pump(client, &raw, if to_b { b } else { a }, false);
    })
}

/// Counts one more connection under `key` and returns how many there
/// have been, this one included.
fn asked(counts: &Mutex<HashMap<Vec<u16>, usize>>, key: Vec<u16>) -> usize {
    let mut counts = counts.lock().unwrap();
    let n = counts.entry(key).or_insert(0);
    *n += 1;
    *n
}

/// The suites a hello offers, signaling values (the SCSVs) left out.
fn real_suites(hello: &ClientHello) -> Vec<u16> {
    hello
        .cipher_suites
        .iter()
        .filter(|s| !s.is_signaling())
        .map(|s| s.0)
        .collect()
}

/// Connects to `upstream`, writes `hello`, then copies bytes both ways
/// until one side closes or fails, and then closes both. With `cut`, the
/// first bytes from the client end the connection instead of being
/// forwarded.
pub fn pump(client: TcpStream, hello: &[u8], upstream: SocketAddr, cut: bool) {
    let Ok(mut server) = TcpStream::connect_timeout(&upstream, LINGER) else {
        return;
    };
    if server.write_all(hello).is_err() {
        return;
    }
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_read_timeout(Some(PROXY_IDLE));
    }
    let end = |a: &TcpStream, b: &TcpStream| {
        let _ = a.shutdown(Shutdown::Both);
        let _ = b.shutdown(Shutdown::Both);
    };
    let upward = std::thread::spawn(move || {
        let (mut from, mut to) = (client2, server2);
        if !cut {
            copy(&mut from, &mut to);
        } else {
            let _ = from.read(&mut [0u8; 1]);
        }
        end(&from, &to);
    });
    let mut from = server;
    let mut to = client;
    copy(&mut from, &mut to);
    end(&from, &to);
    let _ = upward.join();
}

/// Copies until EOF or an error on either side.
fn copy(from: &mut TcpStream, to: &mut TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Self-tests: each peer does what it says on the wire.

const ECDHE_RSA_AES128: CipherSuiteId = CipherSuiteId(0xC02F);
const ECDHE_RSA_AES256: CipherSuiteId = CipherSuiteId(0xC030);
const RSA_AES128: CipherSuiteId = CipherSuiteId(0x002F);
const RSA_AES128_SHA256: CipherSuiteId = CipherSuiteId(0x003C);
const TLS13_AES128: CipherSuiteId = CipherSuiteId(0x1301);
const TLS13_AES256: CipherSuiteId = CipherSuiteId(0x1302);

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s
}

/// A TLS 1.2 hello offering `suites`.
fn tls12(suites: &[CipherSuiteId]) -> ClientHello {
    HelloSpec::at(TlsVersion::Tls12, suites.to_vec(), Some("peer.test")).build()
}

/// A hello offering TLS 1.3 and 1.2 with `suites`.
fn tls13_and_12(suites: &[CipherSuiteId]) -> ClientHello {
    let mut spec = HelloSpec::at(TlsVersion::Tls13, suites.to_vec(), Some("peer.test"));
    spec.versions = vec![TlsVersion::Tls12, TlsVersion::Tls13];
    spec.build()
}

/// Reads messages until the end of a first flight: ServerHelloDone, an
/// alert, a HelloRetryRequest, EOF or an error.
fn read_flight(stream: &mut TcpStream) -> Vec<Message> {
    let mut reader = FlightReader::new();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        while let Some(m) = reader.next_message().unwrap() {
            let last = match &m {
                Message::ServerHelloDone | Message::Alert(_) => true,
                Message::ServerHello(sh) => sh.is_hello_retry_request(),
                _ => false,
            };
            out.push(m);
            if last {
                return out;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return out,
            Ok(n) => reader.feed(&buf[..n]),
        }
    }
}

/// Sends `hello` and reads the answer.
fn exchange(addr: SocketAddr, hello: &ClientHello) -> (TcpStream, Vec<Message>) {
    let mut s = connect(addr);
    s.write_all(&hello.encode()).unwrap();
    let flight = read_flight(&mut s);
    (s, flight)
}

fn server_hello(flight: &[Message]) -> &ServerHello {
    match flight.first() {
        Some(Message::ServerHello(sh)) => sh,
        _ => panic!("no ServerHello first: {flight:?}"),
    }
}

fn ext_types(sh: &ServerHello) -> Vec<u16> {
    sh.extensions.iter().map(|(t, _)| t.0).collect()
}

/// Checks the "valid ServerHello" rules for a TLS 1.2 answer to `hello`.
#[track_caller]
fn assert_valid_tls12(sh: &ServerHello, suite: CipherSuiteId) {
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(sh.cipher_suite, suite);
    assert!(sh.session_id.is_empty());
    assert!(!sh.is_hello_retry_request());
    assert_eq!(sh.selected_version(), None);
}

/// Certificate (an RSA leaf) then ServerHelloDone after the ServerHello.
#[track_caller]
fn assert_certificate_flight(flight: &[Message]) {
    let [
        Message::ServerHello(_),
        Message::Certificate(chain),
        Message::ServerHelloDone,
    ] = flight
    else {
        panic!("{flight:?}");
    };
    let leaf = openssl::x509::X509::from_der(&chain[0]).unwrap();
    assert!(leaf.public_key().unwrap().rsa().is_ok());
}

/// The error a rustls client (TLS 1.3 and 1.2, ring defaults, no
/// trusted roots) fails with against `addr`.
fn rustls_error(addr: SocketAddr) -> String {
    use rustls::pki_types::ServerName;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let name = ServerName::try_from("peer.test").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tcp = connect(addr);
    loop {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return e.to_string();
        }
        assert!(conn.is_handshaking(), "rustls completed a handshake");
    }
}

#[test]
fn scripted_server_hello_then_alert() {
    let peer = scripted(Script::ServerHelloThenAlert(
        AlertDescription::INTERNAL_ERROR,
    ));
    let hello = tls12(&[
        CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV,
        ECDHE_RSA_AES128,
    ]);
    let (mut s, flight) = exchange(peer.addr, &hello);
    let [Message::ServerHello(sh), Message::Alert(alert)] = flight.as_slice() else {
        panic!("{flight:?}");
    };
    assert_valid_tls12(sh, ECDHE_RSA_AES128);
    assert_eq!(sh.compression, CompressionMethod::NULL);
    // Only what the client offered: renegotiation_info, EMS, point formats.
    assert_eq!(ext_types(sh), [0xFF01, 23, 11]);
    assert_eq!(
        sh.extension(ExtensionType::RENEGOTIATION_INFO),
        Some(&[0][..])
    );
    assert_eq!(
        sh.extension(ExtensionType::EC_POINT_FORMATS),
        Some(&[1, 0][..])
    );
    assert_eq!(alert.level, AlertLevel::FATAL);
    assert_eq!(alert.description, AlertDescription::INTERNAL_ERROR);
    assert_eq!(s.read(&mut [0u8; 16]).unwrap(), 0, "then it closes");
    assert_eq!(peer.connections(), 1);
    assert_eq!(
        rustls_error(peer.addr),
        "received fatal alert: InternalError"
    );
}

#[test]
fn scripted_duplicate_extension() {
    let peer = scripted(Script::DuplicateExtension);
    let (_s, flight) = exchange(peer.addr, &tls12(&[RSA_AES128, ECDHE_RSA_AES128]));
    let sh = server_hello(&flight);
    assert_valid_tls12(sh, RSA_AES128);
    assert_eq!(ext_types(sh), [0xFF01, 23, 11, 0xFF01]);
    assert_certificate_flight(&flight);
    assert_eq!(
        rustls_error(peer.addr),
        "received corrupt message of type DuplicateExtension(65281)"
    );
}

#[test]
fn scripted_unsolicited_extension() {
    let peer = scripted(Script::UnsolicitedExtension);
    let hello = tls12(&[ECDHE_RSA_AES256]);
    let (_s, flight) = exchange(peer.addr, &hello);
    let sh = server_hello(&flight);
    assert_valid_tls12(sh, ECDHE_RSA_AES256);
    assert_eq!(sh.extension(ExtensionType::HEARTBEAT), Some(&[1][..]));
    assert!(!offers(&hello, ExtensionType::HEARTBEAT));
    assert_certificate_flight(&flight);
    assert_eq!(
        rustls_error(peer.addr),
        "peer misbehaved: UnsolicitedServerHelloExtension"
    );
}

#[test]
fn scripted_compression() {
    let peer = scripted(Script::Compression);
    let (_s, flight) = exchange(peer.addr, &tls12(&[ECDHE_RSA_AES128]));
    let sh = server_hello(&flight);
    assert_valid_tls12(sh, ECDHE_RSA_AES128);
    assert_eq!(sh.compression, CompressionMethod::DEFLATE);
    assert_certificate_flight(&flight);
    assert_eq!(
        rustls_error(peer.addr),
        "peer misbehaved: SelectedUnofferedCompression"
    );
}

#[test]
fn scripted_downgrade_sentinel() {
    let peer = scripted(Script::DowngradeSentinel);
    let hello = tls13_and_12(&[TLS13_AES128, ECDHE_RSA_AES128]);
    let (_s, flight) = exchange(peer.addr, &hello);
    let sh = server_hello(&flight);
    // TLS 1.3 suite skipped: not valid at TLS 1.2.
    assert_valid_tls12(sh, ECDHE_RSA_AES128);
    assert_eq!(&sh.random[24..], b"DOWNGRD\x01");
    assert_eq!(sh.downgrade_sentinel(), Some(TlsVersion::Tls12.wire()));
    assert_certificate_flight(&flight);
    assert_eq!(
        rustls_error(peer.addr),
        "peer misbehaved: AttemptedDowngradeToTls12WhenTls13IsSupported"
    );
}

#[test]
fn scripted_hello_retry_unlisted_group() {
    let peer = scripted(Script::HelloRetryUnlistedGroup);
    let hello = tls13_and_12(&[TLS13_AES256, TLS13_AES128, ECDHE_RSA_AES128]);
    let (_s, flight) = exchange(peer.addr, &hello);
    let [Message::ServerHello(hrr)] = flight.as_slice() else {
        panic!("{flight:?}");
    };
    assert!(hrr.is_hello_retry_request());
    assert_eq!(hrr.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(hrr.session_id, hello.session_id);
    assert_eq!(hrr.session_id.len(), 32);
    assert_eq!(hrr.cipher_suite, TLS13_AES256);
    assert_eq!(hrr.selected_version(), Some(ProtocolVersion::TLS13));
    assert_eq!(hrr.key_share_group(), Some(NamedGroup::FFDHE8192));
    assert!(!supported_groups(&hello).contains(&NamedGroup::FFDHE8192));
    assert_eq!(
        rustls_error(peer.addr),
        "peer misbehaved: IllegalHelloRetryRequestWithUnofferedNamedGroup"
    );
}

#[test]
fn scripted_hello_retry_same_group() {
    let peer = scripted(Script::HelloRetrySameGroup);
    let hello = tls13_and_12(&[TLS13_AES128]);
    let (_s, flight) = exchange(peer.addr, &hello);
    let [Message::ServerHello(hrr)] = flight.as_slice() else {
        panic!("{flight:?}");
    };
    assert!(hrr.is_hello_retry_request());
    assert_eq!(key_share_groups(&hello), [NamedGroup::X25519]);
    assert_eq!(hrr.key_share_group(), Some(NamedGroup::X25519));
    assert_eq!(
        rustls_error(peer.addr),
        "peer misbehaved: IllegalHelloRetryRequestWithOfferedGroup"
    );
}

#[test]
fn scripted_second_hello_retry() {
    let peer = scripted(Script::SecondHelloRetry);
    let hello = tls13_and_12(&[TLS13_AES128]);
    let (mut s, flight) = exchange(peer.addr, &hello);
    let [Message::ServerHello(hrr)] = flight.as_slice() else {
        panic!("{flight:?}");
    };
    assert!(hrr.is_hello_retry_request());
    // x25519 had the share; secp256r1 is the first listed one without.
    assert_eq!(hrr.key_share_group(), Some(NamedGroup::SECP256R1));
    // The second hello, after a middlebox ChangeCipherSpec, sends a
    // secp256r1 share.
    let mut spec = HelloSpec::at(TlsVersion::Tls13, vec![TLS13_AES128], Some("peer.test"));
    spec.groups.retain(|g| *g != NamedGroup::X25519);
    let second = ClientHello {
        session_id: hello.session_id.clone(),
        ..spec.build()
    };
    assert_eq!(key_share_groups(&second), [NamedGroup::SECP256R1]);
    s.write_all(&[20, 3, 3, 0, 1, 1]).unwrap();
    s.write_all(&second.encode()).unwrap();
    let flight = read_flight(&mut s);
    let [Message::ServerHello(again)] = flight.as_slice() else {
        panic!("no second HelloRetryRequest");
    };
    assert!(again.is_hello_retry_request());
    assert_eq!(again.key_share_group(), Some(NamedGroup::SECP256R1));
    assert_eq!(peer.connections(), 1);
    assert_eq!(
        rustls_error(peer.addr),
        "received unexpected handshake message: got HelloRetryRequest when expecting ServerHello"
    );
}

#[test]
fn scripted_peer_reads_a_hello_split_into_small_records_and_writes() {
    let peer = scripted(Script::Compression);
    let hello = tls12(&[ECDHE_RSA_AES128]);
    let handshake = hello.encode_handshake();
    let mut s = connect(peer.addr);
    for fragment in handshake.chunks(7) {
        let record = records(ContentType::HANDSHAKE, ProtocolVersion::TLS10, fragment);
        for byte in record.chunks(3) {
            s.write_all(byte).unwrap();
        }
    }
    let flight = read_flight(&mut s);
    assert_eq!(
        server_hello(&flight).compression,
        CompressionMethod::DEFLATE
    );
}

#[test]
fn scripted_peer_answers_handshake_failure_when_the_script_cannot_apply() {
    // A TLS 1.2-only hello gets no HelloRetryRequest.
    let peer = scripted(Script::HelloRetrySameGroup);
    let (_s, flight) = exchange(peer.addr, &tls12(&[ECDHE_RSA_AES128]));
    assert_eq!(
        flight,
        [Message::Alert(Alert {
            level: AlertLevel::FATAL,
            description: AlertDescription::HANDSHAKE_FAILURE
        })]
    );
}

// --- proxy

#[test]
fn proxy_alternate_forwards_even_and_refuses_odd_connections() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::Alternate);
    for n in 0..3 {
        let r = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
        if n % 2 == 0 {
            assert!(r.ok, "connection {n}:\n{}", r.output);
        } else {
            assert!(!r.ok, "connection {n}:\n{}", r.output);
            assert!(r.output.contains("handshake failure"), "{}", r.output);
        }
    }
    assert_eq!(peer.connections(), 3);
}

#[test]
fn proxy_refuses_each_suite_list_once() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseFirstThenForward);
    let first = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
    assert!(
        first.output.contains("handshake failure"),
        "{}",
        first.output
    );
    let again = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
    assert!(again.ok, "{}", again.output);
    // Another list is new again.
    let other = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES256, &[]);
    assert!(!other.ok, "{}", other.output);
    assert_eq!(peer.connections(), 3);
}

#[test]
fn proxy_refuses_single_suite_hellos() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseSingleSuite);
    // One suite (plus the SCSV): the exact refusal record, then EOF.
    let mut s = connect(peer.addr);
    s.write_all(
        &tls12(&[
            ECDHE_RSA_AES128,
            CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV,
        ])
        .encode(),
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    assert_eq!(answer, REFUSAL);
    // Two suites: the emulator answers.
    let (_s, flight) = exchange(peer.addr, &tls12(&[ECDHE_RSA_AES256, ECDHE_RSA_AES128]));
    assert_eq!(server_hello(&flight).cipher_suite, ECDHE_RSA_AES256);
    assert_eq!(flight.last(), Some(&Message::ServerHelloDone));
    let r = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
    assert!(r.output.contains("handshake failure"), "{}", r.output);
    assert_eq!(peer.connections(), 3);
}

#[test]
fn proxy_cuts_after_the_server_flight() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::CutAfterServerFlight);
    let (mut s, flight) = exchange(peer.addr, &tls12(&[ECDHE_RSA_AES128]));
    assert_eq!(server_hello(&flight).cipher_suite, ECDHE_RSA_AES128);
    assert_eq!(flight.last(), Some(&Message::ServerHelloDone));
    // Anything from the client now ends the connection.
    s.write_all(&[22, 3, 3, 0, 4, 16, 0, 0, 0]).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    let r = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
    assert!(!r.ok, "{}", r.output);
    assert!(r.output.contains("unexpected eof"), "{}", r.output);
    assert_eq!(peer.connections(), 2);
}

#[test]
fn proxy_refuses_the_first_asks_of_each_suite_list() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseFirst(2));
    for n in 0..3 {
        let r = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES128, &[]);
        assert_eq!(r.ok, n == 2, "connection {n}:\n{}", r.output);
    }
    let other = s_client(peer.addr, TlsVersion::Tls12, ECDHE_RSA_AES256, &[]);
    assert!(!other.ok, "{}", other.output);
    assert_eq!(peer.connections(), 4);
}

#[test]
fn proxy_refuses_hellos_by_their_first_group() {
    let upstream = emulate("dsa-11");
    let peer = proxy(
        upstream.local_addr(),
        ProxyRule::RefuseFirstGroup(NamedGroup::SECP384R1),
    );
    let mut spec = HelloSpec::at(TlsVersion::Tls12, vec![ECDHE_RSA_AES128], Some("peer.test"));
    spec.groups = vec![NamedGroup::SECP384R1, NamedGroup::SECP256R1];
    let mut s = connect(peer.addr);
    s.write_all(&spec.build().encode()).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    assert_eq!(answer, REFUSAL);
    // The default groups start with x25519: forwarded.
    let (_s, flight) = exchange(peer.addr, &tls12(&[ECDHE_RSA_AES128]));
    assert_eq!(server_hello(&flight).cipher_suite, ECDHE_RSA_AES128);
    assert_eq!(peer.connections(), 2);
}

#[test]
fn split_answers_each_hello_by_each_node_in_turn() {
    let strong = emulate("dsm-strong-12");
    let rsa = emulate("dsa-fips");
    let peer = split(strong.local_addr(), rsa.local_addr());
    // RSA key exchange: refused by dsm-strong-12, accepted by dsa-fips.
    let first = s_client(peer.addr, TlsVersion::Tls12, RSA_AES128_SHA256, &[]);
    assert!(!first.ok, "{}", first.output);
    let second = s_client(peer.addr, TlsVersion::Tls12, RSA_AES128_SHA256, &[]);
    assert!(second.ok, "{}", second.output);
    let third = s_client(peer.addr, TlsVersion::Tls12, RSA_AES128_SHA256, &[]);
    assert!(!third.ok, "{}", third.output);
    assert_eq!(peer.connections(), 3);
}
