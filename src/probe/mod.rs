//! Probing one endpoint: a probe is one TCP connection that sends one
//! ClientHello and reads the server's first flight.
//!
//! A probe's outcome is data, never an error: accepted (with the version,
//! suite, whether a client certificate was asked for and the certificate
//! chain), rejected with the server's alert, or inconclusive with the reason
//! (closed, timeout, not TLS, malformed, a server fault, connect failed). The
//! scan decides what outcomes mean; nothing here prints.
//!
//! - `connect`: the polite connector (bounded connections per endpoint,
//!   timeouts, retries with backoff, one gate connection first).
//! - `lanes`: the run's connection slots, an endpoint's first contact
//!   served first.
//! - `hello`: builds a ClientHello shaped like a profile's client.
//! - `judge`: what a first flight means, judged as a real client would.
//! - `engine`: sends a hand-built hello and judges the answer.
//! - `handshake`: a full handshake that offers exactly a profile, with
//!   `rustls_client` or `openssl_client`, over a `tap` that keeps the bytes
//!   so the same connection is judged like a raw probe too.

pub mod client;
pub mod connect;
pub mod engine;
pub mod handshake;
pub mod hello;
pub mod judge;
pub mod lanes;
pub mod openssl_client;
pub mod rustls_client;
pub mod tap;

use std::fmt;

use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codes::{
    AlertDescription, CompressionMethod, ExtensionType, NamedGroup, ProtocolVersion,
};

pub use connect::{ConnectError, ConnectErrorKind, Endpoint, Limits, Stats};
pub use hello::HelloSpec;

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with a ServerHello (or HelloRetryRequest) choosing
    /// something we offered.
    Accepted(Accepted),
    /// The server answered with a fatal alert, before any ServerHello or
    /// right after one.
    Rejected {
        /// The alert.
        alert: AlertDescription,
        /// The version and suite of the ServerHello that came first, when
        /// the server chose and then refused.
        after_hello: Option<(TlsVersion, CipherSuiteId)>,
    },
    /// The server closed the connection without answering.
    Closed,
    /// Connected, but no complete answer within the timeout.
    Timeout,
    /// The server answered something that is not TLS.
    NotTls {
        /// What it said, printable.
        preview: String,
    },
    /// Malformed TLS.
    Protocol {
        /// What was wrong.
        reason: String,
    },
    /// A ServerHello that chose something we did not offer: a server bug,
    /// never counted as support.
    ServerFault(Fault),
    /// No TCP connection.
    ConnectFailed(ConnectError),
}

impl Outcome {
    /// The acceptance, if this is one.
    pub fn accepted(&self) -> Option<&Accepted> {
        match self {
            Outcome::Accepted(a) => Some(a),
            _ => None,
        }
    }

    /// Whether the server gave a TLS answer we understood (accepted or alert).
    pub fn is_conclusive(&self) -> bool {
        matches!(self, Outcome::Accepted(_) | Outcome::Rejected { .. })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Accepted(a) => write!(f, "accepted {} {}", a.version, a.cipher_suite),
            Outcome::Rejected {
                alert,
                after_hello: None,
            } => write!(f, "rejected with alert {alert}"),
            Outcome::Rejected {
                alert,
                after_hello: Some((v, s)),
            } => write!(
                f,
                "chose {s} at {v} in its ServerHello, then refused with alert {alert}"
            ),
            Outcome::Closed => f.write_str("the server closed the connection without answering"),
            Outcome::Timeout => f.write_str("no answer before the timeout"),
            Outcome::NotTls { preview } => write!(f, "not TLS: the server answered {preview:?}"),
            Outcome::Protocol { reason } => write!(f, "malformed TLS: {reason}"),
            Outcome::ServerFault(fault) => write!(f, "server fault: {fault}"),
            Outcome::ConnectFailed(e) => write!(f, "{e}"),
        }
    }
}

/// What an accepting server chose and said in its first flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The negotiated version.
    pub version: TlsVersion,
    /// The chosen suite.
    pub cipher_suite: CipherSuiteId,
    /// The server answered with a HelloRetryRequest (TLS 1.3: it wants a
    /// key share for another group); version and suite are already chosen.
    pub hello_retry: bool,
    /// Whether a CertificateRequest followed (visible up to TLS 1.2 only).
    pub client_certificate: CertificateRequested,
    /// The server's certificate chain, DER, leaf first (TLS 1.2 and older).
    pub certificate_chain: Vec<Vec<u8>>,
    /// Why the chain could not be read, when it could not (too large,
    /// malformed).
    pub chain_unreadable: Option<String>,
    /// The ServerHello random carries the TLS 1.3 downgrade sentinel: the
    /// server speaks a newer version than the one it chose.
    pub downgrade_sentinel: bool,
}

/// Whether the first flight asked for a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRequested {
    /// A CertificateRequest came after the ServerHello.
    Yes,
    /// The flight ended (ServerHelloDone) without one.
    No,
    /// Cannot tell: TLS 1.3 encrypts it, or the flight was cut short.
    Unknown,
}

/// A ServerHello that chose what was not offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// A suite not in our list.
    UnofferedSuite(CipherSuiteId),
    /// A version above what we offered, or outside supported_versions.
    UnofferedVersion(ProtocolVersion),
    /// A version value that is not a TLS version at all.
    UnknownVersion(ProtocolVersion),
    /// A TLS 1.3 suite at TLS 1.2 or older, or the reverse.
    SuiteVersionMismatch(CipherSuiteId, TlsVersion),
    /// A compression method other than null.
    Compression(CompressionMethod),
    /// The same extension twice in one ServerHello.
    DuplicateExtension(ExtensionType),
    /// An extension the client did not offer (or one that has no place in
    /// a TLS 1.3 ServerHello).
    UnsolicitedExtension(ExtensionType),
    /// The downgrade sentinel of RFC 8446 at this (older) version, although
    /// the client offered the newer one.
    DowngradeSentinel(TlsVersion),
    /// A HelloRetryRequest for a group the client cannot use there.
    RetryGroup(NamedGroup, judge::RetryProblem),
    /// A HelloRetryRequest that would change nothing.
    RetryChangesNothing,
    /// A second HelloRetryRequest.
    SecondHelloRetry,
    /// After a good ServerHello (TLS 1.2 and older), the rest of the first
    /// flight is not what a client goes on with: a ChangeCipherSpec (an
    /// abbreviated handshake for a session the client never had), a
    /// handshake message that has no place there, a certificate message
    /// that does not parse, a chain larger than a client reads, or records
    /// that are not TLS.
    Flight(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::UnofferedSuite(s) => {
                write!(f, "the ServerHello chose {s}, which was not offered")
            }
            Fault::UnofferedVersion(v) => {
                write!(f, "the ServerHello chose {v}, which was not offered")
            }
            Fault::UnknownVersion(v) => write!(f, "the ServerHello chose an unknown version {v}"),
            Fault::SuiteVersionMismatch(s, v) => {
                write!(f, "the ServerHello chose {s}, which cannot run on {v}")
            }
            Fault::Compression(c) => write!(
                f,
                "the ServerHello chose compression method {c}; only null was offered"
            ),
            Fault::DuplicateExtension(t) => {
                write!(f, "the ServerHello carries the {t} extension twice")
            }
            Fault::UnsolicitedExtension(t) => write!(
                f,
                "the ServerHello carries the {t} extension, which the client did not offer"
            ),
            Fault::DowngradeSentinel(v) => write!(
                f,
                "the ServerHello chose {v} with the downgrade sentinel in its random, although \
                 the client offered a newer version (a client must abort: a possible downgrade attack)"
            ),
            Fault::RetryGroup(g, judge::RetryProblem::NotListed) => write!(
                f,
                "the HelloRetryRequest asks for a key share for {g}, which the client never listed"
            ),
            Fault::RetryGroup(g, judge::RetryProblem::AlreadyShared) => write!(
                f,
                "the HelloRetryRequest asks for a key share for {g}, which the client had already sent"
            ),
            Fault::RetryChangesNothing => {
                f.write_str("the HelloRetryRequest asks for no change to the hello")
            }
            Fault::SecondHelloRetry => f.write_str("a second HelloRetryRequest"),
            Fault::Flight(what) => write!(
                f,
                "the ServerHello was followed by {what}: no client goes on with that flight"
            ),
        }
    }
}
