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
//! - `hello`: builds a ClientHello shaped like a profile's client.
//! - `engine`: sends it and turns the answer into an [`Outcome`].
//! - `openssl_client`: a real OpenSSL handshake, to tell a server that
//!   *requires* a client certificate from one that only asks for it.

pub mod connect;
pub mod engine;
pub mod hello;
pub mod openssl_client;

use std::fmt;

use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;
use crate::wire::codes::{AlertDescription, ProtocolVersion};

pub use connect::{ConnectError, ConnectErrorKind, Endpoint, Limits, Stats};
pub use hello::HelloSpec;

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with a ServerHello (or HelloRetryRequest) choosing
    /// something we offered.
    Accepted(Accepted),
    /// The server answered with a fatal alert before any ServerHello.
    Rejected {
        /// The alert.
        alert: AlertDescription,
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
            Outcome::Rejected { alert } => write!(f, "rejected with alert {alert}"),
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
        }
    }
}
