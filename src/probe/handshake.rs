//! A full handshake that offers exactly one client's configuration.
//!
//! The raw probe reads the server's first flight; whether a client of that
//! version really gets through shows only when a real TLS stack completes the
//! handshake: the server's key exchange signed and verified, the client's key
//! exchange accepted, both Finished messages checked. This module runs one
//! such handshake with **rustls** (ring) wherever rustls can offer the whole
//! configuration (TLS 1.2 ECDHE with AEAD suites, TLS 1.3) and with
//! **OpenSSL** at security level 0 otherwise (TLS 1.0/1.1, CBC, RSA key
//! exchange), and records which engine ran it.
//!
//! The socket goes through a [`Tap`], so the very same connection is also
//! judged by tlscompat's own first-flight rules ([`super::judge`]): one
//! connection both replays the client's hello and confirms it, which costs
//! one more round trip than a raw probe and no extra connection. When the
//! handshake fails, the tap tells where: before the server's first flight
//! ended, or after the client's key exchange.

pub use super::client::ClientIdentity;
use super::client::{EngineResult, PeerChain};
use super::connect::Endpoint;
use super::hello::HelloSpec;
use super::judge::{Offer, judge_bytes};
use super::tap::{Recording, Tap, snapshot, split_client_hello};
use super::{Outcome, openssl_client, rustls_client};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::results::Engine;
use crate::wire::codes::{AlertDescription, AlertLevel, HandshakeType};
use crate::wire::{ClientHello, FlightReader, Message, NewSessionTicket};

/// What one full handshake showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The engine that ran it.
    pub engine: Engine,
    /// The server's first flight, judged by tlscompat's own rules.
    pub first_flight: Outcome,
    /// How the handshake itself ended.
    pub result: HandshakeResult,
    /// The certificate chain the server presented to the engine (DER, leaf
    /// first): also under TLS 1.3, where the first flight hides it.
    pub peer_chain: Vec<Vec<u8>>,
    /// The session ticket the server issued, when it sent one in the clear
    /// (TLS 1.2 and older): the key that sealed it tells servers behind
    /// one address apart (`scan::checks::nodes`).
    pub session_ticket: Option<Vec<u8>>,
}

/// How a full handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeResult {
    /// Both Finished messages were exchanged.
    Completed {
        /// The version.
        version: TlsVersion,
        /// The suite.
        cipher_suite: CipherSuiteId,
        /// The server asked for a client certificate.
        certificate_requested: bool,
        /// We presented one.
        certificate_sent: bool,
    },
    /// The handshake broke off.
    Failed(Failure),
    /// No handshake ran: no connection, or no engine can offer this
    /// configuration on this machine.
    NotRun(String),
}

/// Where and how a handshake broke off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The last step the client took before the failure.
    pub after: Stage,
    /// The alert the server sent, when it sent one we could read.
    pub alert: Option<AlertDescription>,
    /// The server said nothing more before the timeout.
    pub timed_out: bool,
    /// Our client gave up (it refused something the server sent), rather
    /// than the server refusing or closing.
    pub client_aborted: bool,
    /// The engine's own words.
    pub detail: String,
    /// The server asked for a client certificate.
    pub certificate_requested: bool,
    /// We presented one.
    pub certificate_sent: bool,
}

/// The client's progress through the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Only the ClientHello was sent.
    ClientHello,
    /// The client sent its key exchange (and certificate, and Finished).
    ClientKeyExchange,
    /// The client finished (TLS 1.3), and the server refused afterwards.
    ClientFinished,
}

impl Stage {
    /// "after the client key exchange", for reasons.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::ClientHello => "in answer to the ClientHello",
            Stage::ClientKeyExchange => "after the client key exchange",
            Stage::ClientFinished => "after the client finished the handshake",
        }
    }
}

/// The engine that can offer exactly `spec`: rustls when it implements every
/// version, suite and group and at least one signature algorithm; else
/// OpenSSL when the local build implements it all; else none (SSL 3.0,
/// suites nobody implements): the replay is then a raw probe.
pub fn engine_for(spec: &HelloSpec) -> Option<Engine> {
    if rustls_client::can_offer(spec) {
        Some(Engine::Rustls)
    } else if openssl_client::can_offer(spec) {
        Some(Engine::Openssl)
    } else {
        None
    }
}

/// Runs one full handshake offering `spec` on a connection from `endpoint`.
pub async fn handshake(
    endpoint: &Endpoint,
    spec: &HelloSpec,
    identity: Option<&ClientIdentity>,
    engine: Engine,
) -> Handshake {
    let timeout = endpoint.limits().timeout;
    let connection = match endpoint.connect().await {
        Ok(c) => c,
        Err(e) => {
            return Handshake {
                engine,
                result: HandshakeResult::NotRun(e.to_string()),
                first_flight: Outcome::ConnectFailed(e),
                peer_chain: Vec::new(),
                session_ticket: None,
            };
        }
    };
    let peer = connection.stream.peer_addr().ok().map(|a| a.ip());
    let (tap, recording) = Tap::new(connection.stream);
    let chain = PeerChain::default();
    let result = match engine {
        Engine::Rustls => rustls_client::run(tap, spec, identity, peer, timeout, &chain).await,
        Engine::Openssl => openssl_client::run(tap, spec, identity, timeout, &chain).await,
    };
    let bytes = snapshot(&recording);
    endpoint.stats().sent(bytes.written.len());
    endpoint.stats().received(bytes.read.len());
    let mut handshake = assemble(engine, result, &bytes);
    handshake.peer_chain = chain.take();
    match handshake.first_flight {
        Outcome::Timeout => endpoint.note_silence(),
        _ => endpoint.note_answer(),
    }
    handshake
}

/// Puts an engine's result and the tapped bytes together.
fn assemble(engine: Engine, result: EngineResult, bytes: &Recording) -> Handshake {
    let hello = split_client_hello(&bytes.written);
    let offer = hello
        .and_then(|(h, _)| ClientHello::decode(h).ok())
        .map(Offer::new);
    let sent_more = hello.is_some_and(|(_, rest)| client_sent_key_exchange(rest));
    let timed_out = matches!(
        result,
        EngineResult::Failed {
            timed_out: true,
            ..
        }
    );
    let ending = if timed_out {
        Outcome::Timeout
    } else {
        Outcome::Closed
    };
    let first_flight = match &offer {
        Some(offer) => judge_bytes(offer, &bytes.read, ending),
        None if bytes.written.is_empty() => ending,
        None => Outcome::Protocol {
            reason: "the TLS engine's ClientHello could not be read back".into(),
        },
    };
    // What the first flight said about a CertificateRequest (visible up to
    // TLS 1.2), when the engine could not tell.
    let flight_request = first_flight
        .accepted()
        .map(|a| a.client_certificate == super::CertificateRequested::Yes);
    let result = match result {
        EngineResult::Completed {
            version,
            cipher_suite,
            certificate_requested,
            certificate_sent,
        } => HandshakeResult::Completed {
            version,
            cipher_suite,
            certificate_requested: certificate_requested.or(flight_request).unwrap_or(false),
            certificate_sent,
        },
        EngineResult::Failed {
            alert,
            timed_out,
            client_aborted,
            detail,
            after_finished,
            certificate_requested,
            certificate_sent,
        } => HandshakeResult::Failed(Failure {
            after: if after_finished {
                Stage::ClientFinished
            } else if sent_more {
                Stage::ClientKeyExchange
            } else {
                Stage::ClientHello
            },
            alert: alert.or_else(|| last_plaintext_alert(&bytes.read)),
            timed_out,
            client_aborted,
            detail,
            certificate_requested: certificate_requested.or(flight_request).unwrap_or(false),
            certificate_sent,
        }),
        EngineResult::NotRun(why) => HandshakeResult::NotRun(why),
    };
    Handshake {
        engine,
        first_flight,
        result,
        peer_chain: Vec::new(),
        session_ticket: issued_ticket(&bytes.read),
    }
}

/// The ticket of the first NewSessionTicket the server sent in the clear
/// (after the client's Finished, up to TLS 1.2), when it is not empty.
fn issued_ticket(read: &[u8]) -> Option<Vec<u8>> {
    let body = plaintext_messages(read).find_map(|message| match message {
        Message::Handshake(HandshakeType::NEW_SESSION_TICKET, body) => Some(body),
        _ => None,
    })?;
    NewSessionTicket::decode_body(&body)
        .ok()
        .map(|t| t.ticket)
        .filter(|t| !t.is_empty())
}

/// Whether the client wrote anything after its first ClientHello other than
/// a second ClientHello (the answer to a HelloRetryRequest) or a
/// ChangeCipherSpec (TLS 1.3 middlebox compatibility).
fn client_sent_key_exchange(rest: &[u8]) -> bool {
    let mut at = 0;
    while let Some(header) = rest.get(at..at + 5) {
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let first_body_byte = rest.get(at + 5).copied();
        let is_hello = header[0] == 22 && first_body_byte == Some(1);
        let is_ccs = header[0] == 20;
        if !is_hello && !is_ccs {
            return true;
        }
        at += 5 + len;
    }
    false
}

/// The last fatal alert the server sent in the clear.
fn last_plaintext_alert(read: &[u8]) -> Option<AlertDescription> {
    plaintext_messages(read)
        .filter_map(|message| match message {
            Message::Alert(a) if a.level == AlertLevel::FATAL => Some(a.description),
            _ => None,
        })
        .last()
}

/// The messages the server sent, in order, up to the first the reader
/// cannot read (after its ChangeCipherSpec, records are `Encrypted`).
fn plaintext_messages(read: &[u8]) -> impl Iterator<Item = Message> {
    let mut reader = FlightReader::new();
    reader.feed(read);
    std::iter::from_fn(move || reader.next_message().ok().flatten())
}
