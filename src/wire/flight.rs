//! Reading what a server sends first, straight off the socket.
//!
//! A probe sends one ClientHello and has to judge the answer: a ServerHello
//! (and which version, suite and group it picked), a HelloRetryRequest, an
//! alert, or something that is not TLS at all. The answer arrives in
//! arbitrary pieces: a message may span records and a record may span reads,
//! or many messages may share one record. [`FlightReader`] takes the bytes as
//! they come and hands out whole [`Message`]s, telling "feed me more" apart
//! from "this is malformed" and refusing to buffer more than a first flight
//! can legitimately need. It never panics on any input.

use std::collections::VecDeque;

use super::codes::{AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion};
use super::error::WireError;
use super::limits::MAX_RECORD_LEN;
use super::messages::{Alert, CertificateRequest, ServerHello, decode_certificate};

pub use super::limits::{MAX_HANDSHAKE_LEN, PREVIEW_LEN};

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
