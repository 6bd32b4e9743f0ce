//! Decoding what a server sends first, straight off the socket.
//!
//! A probe sends one ClientHello and has to judge the answer: a ServerHello
//! (and which version, suite and group it picked), a HelloRetryRequest, an
//! alert, or something that is not TLS at all. The answer arrives in
//! arbitrary pieces: a message may span records and a record may span reads,
//! or many messages may share one record. [`FlightReader`] takes the bytes as
//! they come and hands out whole [`Message`]s, telling "feed me more" apart
//! from "this is malformed" and refusing to buffer more than a first flight
//! can legitimately need. It never panics on any input.
//!
//! The encoders next to each type ([`ServerHello::encode_handshake`],
//! [`encode_certificate`] …) exist for tests and fake servers.

use std::collections::VecDeque;

use super::codec::{MAX_RECORD_LEN, Reader, Writer};
use super::codes::{
    AlertDescription, AlertLevel, ClientCertificateType, CompressionMethod, ContentType,
    ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// The largest handshake message body we buffer (64 KiB). A first flight
/// never needs more (a long certificate chain is a few KiB), and a hostile
/// server must not make us buffer megabytes.
pub const MAX_HANDSHAKE_LEN: usize = 64 * 1024;

/// How many leading bytes of a non-TLS answer [`WireError::NotTls`] keeps.
pub const PREVIEW_LEN: usize = 64;

/// Why the bytes from a server cannot be read as a TLS first flight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The first bytes are not a TLS record (an HTTP answer, an SSH banner,
    /// garbage).
    #[error("not TLS: the server answered {}", describe_preview(preview))]
    NotTls {
        /// Up to [`PREVIEW_LEN`] bytes of what the server sent, for the message.
        preview: Vec<u8>,
    },
    /// Malformed TLS: bad lengths, a message that does not parse, an alert
    /// record of the wrong size, an unknown content type after the first record…
    #[error("malformed TLS: {0}")]
    Invalid(String),
    /// A record longer than [`MAX_RECORD_LEN`].
    #[error("TLS record of {0} bytes exceeds the limit ({max} bytes)", max = MAX_RECORD_LEN)]
    RecordTooLarge(usize),
    /// A handshake message longer than [`MAX_HANDSHAKE_LEN`].
    #[error(
        "TLS handshake message of {0} bytes exceeds the limit ({max} bytes)",
        max = MAX_HANDSHAKE_LEN
    )]
    MessageTooLarge(usize),
}

/// A non-TLS answer for humans: its first line as text when that is printable
/// ASCII, else the leading bytes in hex.
fn describe_preview(preview: &[u8]) -> String {
    let line_end = preview
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(preview.len());
    let line = preview.get(..line_end).unwrap_or_default();
    if !line.is_empty() && line.iter().all(|b| (0x20..=0x7E).contains(b)) {
        let cut = if line_end == preview.len() && preview.len() >= PREVIEW_LEN {
            "…"
        } else {
            ""
        };
        return format!("{:?}{cut}", String::from_utf8_lossy(line));
    }
    if preview.is_empty() {
        return "nothing".to_string();
    }
    const SHOWN: usize = 32;
    let hex: Vec<String> = preview
        .iter()
        .take(SHOWN)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cut = if preview.len() > SHOWN { " …" } else { "" };
    format!("bytes {}{cut} (hex)", hex.join(" "))
}

/// One message of the server's first flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A ServerHello, or a HelloRetryRequest (a ServerHello with
    /// [`ServerHello::HELLO_RETRY_RANDOM`]).
    ServerHello(ServerHello),
    /// DER certificates, leaf first (TLS ≤ 1.2, plaintext form).
    Certificate(Vec<Vec<u8>>),
    /// A ServerKeyExchange body, unparsed.
    ServerKeyExchange(Vec<u8>),
    /// A CertificateRequest (TLS ≤ 1.2 forms).
    CertificateRequest(CertificateRequest),
    /// ServerHelloDone.
    ServerHelloDone,
    /// One alert (a record may carry several).
    Alert(Alert),
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
    /// A protected record and its length: application_data after a TLS 1.3
    /// ServerHello (the encrypted handshake), or any record after the
    /// server's ChangeCipherSpec in TLS ≤ 1.2 (an abbreviated handshake's
    /// Finished).
    Encrypted(usize),
    /// Any other handshake message, with its raw body.
    Handshake(HandshakeType, Vec<u8>),
}

/// A ServerHello (or HelloRetryRequest), with its extensions left raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The `legacy_version` (`server_version` before TLS 1.3) field.
    pub legacy_version: ProtocolVersion,
    /// The server random.
    pub random: [u8; 32],
    /// The session id, 0..=32 bytes.
    pub session_id: Vec<u8>,
    /// The suite the server chose.
    pub cipher_suite: CipherSuiteId,
    /// The compression method the server chose.
    pub compression: CompressionMethod,
    /// Extensions as (type, data), in wire order; empty when the block is
    /// absent.
    pub extensions: Vec<(ExtensionType, Vec<u8>)>,
}

impl ServerHello {
    /// The random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest")
    /// (RFC 8446 §4.1.3).
    pub const HELLO_RETRY_RANDOM: [u8; 32] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8,
        0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
        0x33, 0x9C,
    ];

    /// Whether this is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == Self::HELLO_RETRY_RANDOM
    }

    /// The data of the first extension of type `typ`.
    pub fn extension(&self, typ: ExtensionType) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == typ)
            .map(|(_, data)| data.as_slice())
    }

    /// The version in the supported_versions extension (server form: exactly
    /// two bytes), if present and well formed.
    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        match self.extension(ExtensionType::SUPPORTED_VERSIONS)? {
            &[hi, lo] => Some(ProtocolVersion(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// The version this hello negotiates: [`Self::selected_version`], else
    /// `legacy_version`.
    pub fn negotiated_version(&self) -> ProtocolVersion {
        self.selected_version().unwrap_or(self.legacy_version)
    }

    /// The group of the key_share extension: the first two bytes (in a
    /// HelloRetryRequest the whole extension is the selected group).
    pub fn key_share_group(&self) -> Option<NamedGroup> {
        match self.extension(ExtensionType::KEY_SHARE)? {
            &[hi, lo, ..] => Some(NamedGroup(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// The downgrade sentinel in the last eight bytes of the random
    /// (RFC 8446 §4.1.3): a TLS 1.3 server that negotiated TLS 1.2 (or
    /// below 1.2) says so.
    pub fn downgrade_sentinel(&self) -> Option<TlsVersion> {
        match self.random.get(24..)? {
            b"DOWNGRD\x01" => Some(TlsVersion::Tls12),
            b"DOWNGRD\x00" => Some(TlsVersion::Tls11),
            _ => None,
        }
    }

    /// The handshake message (type, u24 length, body). Empty `extensions`
    /// writes no extension block.
    pub fn encode_handshake(&self) -> Vec<u8> {
        handshake(HandshakeType::SERVER_HELLO, |w| {
            w.u16(self.legacy_version.0);
            w.bytes(&self.random);
            w.prefixed_u8(|w| w.bytes(&self.session_id));
            w.u16(self.cipher_suite.0);
            w.u8(self.compression.0);
            if !self.extensions.is_empty() {
                w.prefixed_u16(|w| {
                    for (typ, data) in &self.extensions {
                        w.u16(typ.0);
                        w.prefixed_u16(|w| w.bytes(data));
                    }
                });
            }
        })
    }

    /// Parses a ServerHello body by hand: any `legacy_version` is accepted,
    /// so a server that picks a version we do not know is still reported.
    pub fn decode_body(body: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new("ServerHello", body);
        let legacy_version = ProtocolVersion(r.u16("legacy_version")?);
        let random = r.array::<32>("random")?;
        let session_id = r.prefixed_u8("session_id")?;
        if session_id.len() > 32 {
            return Err(r.invalid(&format!(
                "session_id of {} bytes (at most 32)",
                session_id.len()
            )));
        }
        let cipher_suite = CipherSuiteId(r.u16("cipher_suite")?);
        let compression = CompressionMethod(r.u8("compression_method")?);
        let mut extensions = Vec::new();
        if !r.is_empty() {
            let mut block = r.sub_u16("extensions")?;
            r.expect_end("the extensions")?;
            while !block.is_empty() {
                let typ = ExtensionType(block.u16("extension type")?);
                let data = block.prefixed_u16("extension data")?;
                extensions.push((typ, data.to_vec()));
            }
        }
        Ok(Self {
            legacy_version,
            random,
            session_id: session_id.to_vec(),
            cipher_suite,
            compression,
            extensions,
        })
    }
}

/// An alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What went wrong.
    pub description: AlertDescription,
}

impl Alert {
    /// The two bytes of an alert record's payload.
    pub fn encode(&self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }
}

/// A CertificateRequest (TLS ≤ 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The certificate types the server accepts.
    pub certificate_types: Vec<ClientCertificateType>,
    /// The signature algorithms the server accepts; empty before TLS 1.2,
    /// whose CertificateRequest has no such field.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// The acceptable CAs, as DER distinguished names.
    pub ca_names: Vec<Vec<u8>>,
}

impl CertificateRequest {
    /// The handshake message in the form `version` uses: without
    /// signature_algorithms before TLS 1.2, with them from TLS 1.2 on (the
    /// TLS 1.3 form is never sent in plaintext, so it has no encoder here).
    pub fn encode_handshake(&self, version: ProtocolVersion) -> Vec<u8> {
        handshake(HandshakeType::CERTIFICATE_REQUEST, |w| {
            w.prefixed_u8(|w| {
                for t in &self.certificate_types {
                    w.u8(t.0);
                }
            });
            if has_signature_algorithms(version) {
                w.prefixed_u16(|w| {
                    for s in &self.signature_algorithms {
                        w.u16(s.0);
                    }
                });
            }
            w.prefixed_u16(|w| {
                for name in &self.ca_names {
                    w.prefixed_u16(|w| w.bytes(name));
                }
            });
        })
    }

    /// Parses a CertificateRequest body in the form `version` uses.
    pub fn decode_body(body: &[u8], version: ProtocolVersion) -> Result<Self, WireError> {
        let mut r = Reader::new("CertificateRequest", body);
        let certificate_types = r
            .prefixed_u8("certificate_types")?
            .iter()
            .map(|&t| ClientCertificateType(t))
            .collect();
        let signature_algorithms = if has_signature_algorithms(version) {
            r.sub_u16("supported_signature_algorithms")?
                .u16_list("supported_signature_algorithms")?
                .into_iter()
                .map(SignatureScheme)
                .collect()
        } else {
            Vec::new()
        };
        let mut names = r.sub_u16("certificate_authorities")?;
        r.expect_end("certificate_authorities")?;
        let mut ca_names = Vec::new();
        while !names.is_empty() {
            ca_names.push(names.prefixed_u16("distinguished name")?.to_vec());
        }
        Ok(Self {
            certificate_types,
            signature_algorithms,
            ca_names,
        })
    }
}

/// Whether a TLS ≤ 1.2 CertificateRequest of `version` carries
/// supported_signature_algorithms (TLS 1.2 and later).
fn has_signature_algorithms(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::TLS12
}

/// A Certificate handshake message (TLS ≤ 1.2 form): the chain, leaf first.
pub fn encode_certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    handshake(HandshakeType::CERTIFICATE, |w| {
        w.prefixed_u24(|w| {
            for cert in chain {
                w.prefixed_u24(|w| w.bytes(cert));
            }
        });
    })
}

/// Parses a Certificate body (TLS ≤ 1.2 form).
pub fn decode_certificate(body: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let mut r = Reader::new("Certificate", body);
    let mut list = r.sub_u24("certificate_list")?;
    r.expect_end("certificate_list")?;
    let mut chain = Vec::new();
    while !list.is_empty() {
        chain.push(list.prefixed_u24("certificate")?.to_vec());
    }
    Ok(chain)
}

/// A ServerHelloDone handshake message.
pub fn encode_server_hello_done() -> Vec<u8> {
    handshake(HandshakeType::SERVER_HELLO_DONE, |_| {})
}

/// A handshake message: type, u24 length, then what `body` writes.
fn handshake(typ: HandshakeType, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(typ.0);
    w.prefixed_u24(body);
    w.into_inner()
}

/// Reads a server's first flight from the bytes as they arrive.
///
/// Feed it what the socket gives ([`FlightReader::feed`]), then take messages
/// with [`FlightReader::next_message`] until it returns `Ok(None)` (incomplete:
/// feed more). Errors are final: once one is returned, every later call
/// returns it again.
///
/// Record rules: the header is 5 bytes (type 20..=24, version 3.0..=3.4,
/// u16 length ≤ [`MAX_RECORD_LEN`]). The first record decides whether the
/// peer speaks TLS at all: a first byte that is not a content type is
/// [`WireError::NotTls`] at once, a version major that is not 3 once the
/// 5-byte header is buffered, with up to [`PREVIEW_LEN`] buffered bytes as
/// the preview; in later records the same is [`WireError::Invalid`].
/// Handshake records are reassembled into messages (at most
/// [`MAX_HANDSHAKE_LEN`] each), alert records are split into 2-byte alerts,
/// heartbeat records are skipped. application_data is accepted once a
/// ServerHello negotiated TLS 1.3 (or a later version) and is reported as
/// [`Message::Encrypted`]; so is every record after the server's
/// ChangeCipherSpec in TLS ≤ 1.2.
///
/// Oversized records and messages are refused as soon as their headers
/// arrive, so nothing is buffered on the strength of a length field; how much
/// is fed overall (and for how long) is the caller's limit.
#[derive(Debug, Default)]
pub struct FlightReader {
    /// Bytes fed but not yet taken as records.
    input: Vec<u8>,
    /// Handshake bytes not yet taken as messages.
    handshake: Vec<u8>,
    /// Messages decoded from a record but not handed out yet (alerts).
    pending: VecDeque<Message>,
    /// Whether a whole record has been read (the NotTls decision is taken).
    seen_record: bool,
    /// The version negotiated by the last ServerHello.
    version: Option<ProtocolVersion>,
    /// A ServerHello (not a HelloRetryRequest) chose TLS 1.3 or later: what
    /// follows is encrypted and travels as application_data.
    tls13_protected: bool,
    /// The server sent ChangeCipherSpec in TLS ≤ 1.2: later records are
    /// encrypted whatever their type.
    tls12_protected: bool,
    /// The error already returned, returned again.
    failed: Option<WireError>,
}

impl FlightReader {
    /// A reader that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the socket.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
    }

    /// The next complete message; `Ok(None)` when more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, WireError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.step();
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// The version negotiated by the ServerHello seen so far
    /// (supported_versions if present, else legacy_version).
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// How many bytes are buffered and not yet handed out as messages.
    pub fn buffered(&self) -> usize {
        self.input.len().saturating_add(self.handshake.len())
    }

    fn step(&mut self) -> Result<Option<Message>, WireError> {
        loop {
            if let Some(message) = self.pending.pop_front() {
                return Ok(Some(message));
            }
            if let Some(message) = self.next_handshake_message()? {
                return Ok(Some(message));
            }
            let Some((typ, fragment)) = self.next_record()? else {
                return Ok(None);
            };
            self.on_record(typ, fragment)?;
        }
    }

    /// Takes the next whole record off the input, checking its header.
    fn next_record(&mut self) -> Result<Option<(ContentType, Vec<u8>)>, WireError> {
        // The first record decides whether this is TLS at all: on its first
        // byte if that is not a content type, else on the whole header.
        let not_tls = |input: &[u8]| WireError::NotTls {
            preview: input.iter().take(PREVIEW_LEN).copied().collect(),
        };
        if !self.seen_record && self.input.first().is_some_and(|b| !(20..=24).contains(b)) {
            return Err(not_tls(&self.input));
        }
        let Some(&[typ, major, minor, hi, lo]) = self.input.get(..5) else {
            return Ok(None);
        };
        if !self.seen_record && major != 3 {
            return Err(not_tls(&self.input));
        }
        if !(20..=24).contains(&typ) {
            return Err(WireError::Invalid(format!(
                "record of unknown content type {typ}"
            )));
        }
        if major != 3 || minor > 4 {
            return Err(WireError::Invalid(format!(
                "record version {}",
                ProtocolVersion(u16::from_be_bytes([major, minor]))
            )));
        }
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len > MAX_RECORD_LEN {
            return Err(WireError::RecordTooLarge(len));
        }
        let Some(fragment) = self.input.get(5..5 + len) else {
            return Ok(None);
        };
        let fragment = fragment.to_vec();
        self.input.drain(..5 + len);
        self.seen_record = true;
        Ok(Some((ContentType(typ), fragment)))
    }

    /// Handles one record: handshake bytes go to the reassembly buffer,
    /// everything else becomes pending messages.
    fn on_record(&mut self, typ: ContentType, fragment: Vec<u8>) -> Result<(), WireError> {
        let len = fragment.len();
        let protected =
            self.tls12_protected || (self.tls13_protected && typ == ContentType::APPLICATION_DATA);
        if protected && typ != ContentType::HEARTBEAT {
            self.pending.push_back(Message::Encrypted(len));
            return Ok(());
        }
        match typ {
            ContentType::HANDSHAKE => {
                if fragment.is_empty() {
                    return Err(WireError::Invalid("empty handshake record".into()));
                }
                if self.handshake.is_empty() {
                    self.handshake = fragment;
                } else {
                    self.handshake.extend_from_slice(&fragment);
                }
            }
            ContentType::ALERT => {
                if len == 0 || len % 2 != 0 {
                    return Err(WireError::Invalid(format!(
                        "alert record of {len} bytes (an alert is 2 bytes)"
                    )));
                }
                for pair in fragment.chunks_exact(2) {
                    if let &[level, description] = pair {
                        self.pending.push_back(Message::Alert(Alert {
                            level: AlertLevel(level),
                            description: AlertDescription(description),
                        }));
                    }
                }
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                if fragment != [1] {
                    return Err(WireError::Invalid(format!(
                        "ChangeCipherSpec record of {len} bytes (expected the single byte 1)"
                    )));
                }
                // In TLS <= 1.2 the server's CCS switches its records to the
                // new keys; in TLS 1.3 it is a compatibility no-op.
                if self
                    .version
                    .is_some_and(|v| (ProtocolVersion::SSL3..ProtocolVersion::TLS13).contains(&v))
                {
                    self.tls12_protected = true;
                }
                self.pending.push_back(Message::ChangeCipherSpec);
            }
            ContentType::APPLICATION_DATA => {
                return Err(WireError::Invalid(
                    "application_data record before the handshake established keys".into(),
                ));
            }
            ContentType::HEARTBEAT => {}
            other => {
                return Err(WireError::Invalid(format!(
                    "record of unknown content type {other}"
                )));
            }
        }
        Ok(())
    }

    /// Takes the next whole handshake message off the reassembly buffer.
    fn next_handshake_message(&mut self) -> Result<Option<Message>, WireError> {
        let Some(&[typ, a, b, c]) = self.handshake.get(..4) else {
            return Ok(None);
        };
        let len = usize::try_from(u32::from_be_bytes([0, a, b, c])).unwrap_or(usize::MAX);
        if len > MAX_HANDSHAKE_LEN {
            return Err(WireError::MessageTooLarge(len));
        }
        let Some(body) = self.handshake.get(4..4 + len) else {
            return Ok(None);
        };
        let body = body.to_vec();
        self.handshake.drain(..4 + len);
        self.decode_handshake(HandshakeType(typ), body).map(Some)
    }

    fn decode_handshake(
        &mut self,
        typ: HandshakeType,
        body: Vec<u8>,
    ) -> Result<Message, WireError> {
        Ok(match typ {
            HandshakeType::SERVER_HELLO => {
                let hello = ServerHello::decode_body(&body)?;
                let version = hello.negotiated_version();
                self.version = Some(version);
                self.tls13_protected =
                    !hello.is_hello_retry_request() && version >= ProtocolVersion::TLS13;
                Message::ServerHello(hello)
            }
            HandshakeType::CERTIFICATE => Message::Certificate(decode_certificate(&body)?),
            HandshakeType::SERVER_KEY_EXCHANGE => Message::ServerKeyExchange(body),
            HandshakeType::CERTIFICATE_REQUEST => match self.version {
                // The TLS <= 1.2 forms; the TLS 1.3 one is never plaintext.
                Some(v) if v <= ProtocolVersion::TLS12 => {
                    Message::CertificateRequest(CertificateRequest::decode_body(&body, v)?)
                }
                _ => Message::Handshake(typ, body),
            },
            HandshakeType::SERVER_HELLO_DONE => {
                if !body.is_empty() {
                    return Err(WireError::Invalid(format!(
                        "ServerHelloDone with a {}-byte body (must be empty)",
                        body.len()
                    )));
                }
                Message::ServerHelloDone
            }
            _ => Message::Handshake(typ, body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(hello.downgrade_sentinel(), Some(TlsVersion::Tls12));
        hello.random[24..].copy_from_slice(b"DOWNGRD\x00");
        assert_eq!(hello.downgrade_sentinel(), Some(TlsVersion::Tls11));
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
        assert!(
            matches!(error_of(&bytes), WireError::Invalid(m) if m.contains("application_data"))
        );
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
        assert!(
            matches!(error_of(&bytes), WireError::Invalid(m) if m.contains("application_data"))
        );
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
        let Some(tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ServerHello(
            sh,
        ))) = record.msg.first()
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
        assert_eq!(hello.downgrade_sentinel(), Some(TlsVersion::Tls12));
        assert_eq!(msgs.last(), Some(&Message::ServerHelloDone));
        assert_eq!(msgs.len(), 4, "no CertificateRequest this time: {msgs:?}");
    }
}
