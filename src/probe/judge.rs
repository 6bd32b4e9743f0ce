//! Judging a server's first flight as a real client would.
//!
//! The raw probe and the full-handshake engines both end up with the bytes a
//! server sent in answer to one ClientHello; this module decides what those
//! bytes mean, against the hello that was really sent (its suites, versions,
//! groups, key shares and extensions). Rules, in the order they apply:
//! - A fatal alert before any ServerHello is a rejection (a warning-level
//!   `unrecognized_name` is not: some servers send it and carry on).
//! - An alert *after* the ServerHello is a rejection too: the server chose
//!   and then refused; no client completes that handshake.
//! - A ServerHello (or HelloRetryRequest) counts as acceptance only if a
//!   client would go on with it; otherwise it is a server fault, never
//!   support: a version or suite that was not offered or does not fit, a
//!   non-null compression method, an extension the client did not offer or
//!   that appears twice, the TLS 1.3 downgrade sentinel when the client
//!   offered the newer version, a HelloRetryRequest for a group the client
//!   never listed or already sent a key share for (or one that changes
//!   nothing), and a second HelloRetryRequest.
//! - TLS 1.3 encrypts the rest of the flight: the ServerHello is the answer.
//! - Up to TLS 1.2 the flight is read to ServerHelloDone for the
//!   certificate chain and a CertificateRequest, and the whole flight must
//!   be one a client goes on with (also with `--no-confirm`, where nothing
//!   else checks it): a ChangeCipherSpec right after the ServerHello (an
//!   abbreviated handshake for a session never offered), a handshake
//!   message with no place in the flight, a Certificate message that does
//!   not parse, a chain larger than tlscompat reads, or damaged records
//!   make the answer a server fault, never support.
//! - After an acceptance, a flight cut short by a close or a timeout is still
//!   an acceptance (with less detail); before one, silence is a timeout, EOF
//!   a close, non-TLS bytes "not TLS", malformed TLS a protocol error.

use std::collections::BTreeSet;

use super::{Accepted, CertificateRequested, Fault, Outcome};
use crate::model::version::TlsVersion;
use crate::wire::codes::{
    AlertDescription, AlertLevel, CompressionMethod, ExtensionType, HandshakeType, NamedGroup,
};
use crate::wire::{ClientHello, Extension, FlightReader, Message, ServerHello, WireError};

/// What a ClientHello offered, as far as judging the answer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The hello itself.
    pub hello: ClientHello,
    /// Versions offered (supported_versions, else everything up to
    /// legacy_version).
    pub versions: BTreeSet<TlsVersion>,
    /// supported_groups.
    pub groups: Vec<NamedGroup>,
    /// Groups the key_share extension carried a share for.
    pub key_shares: Vec<NamedGroup>,
    /// Extension types sent.
    pub extensions: BTreeSet<ExtensionType>,
}

impl Offer {
    /// Reads what `hello` offers.
    pub fn new(hello: ClientHello) -> Offer {
        let exts = hello.extensions.as_deref().unwrap_or_default();
        let mut versions = BTreeSet::new();
        let mut groups = Vec::new();
        let mut key_shares = Vec::new();
        for e in exts {
            match e {
                Extension::SupportedVersions(v) => {
                    versions.extend(v.iter().filter_map(|v| TlsVersion::from_wire(*v)));
                }
                Extension::SupportedGroups(g) => groups.clone_from(g),
                Extension::KeyShare(k) => key_shares = k.iter().map(|e| e.group).collect(),
                _ => {}
            }
        }
        if versions.is_empty() {
            versions.extend(
                TlsVersion::ALL
                    .into_iter()
                    .filter(|v| v.wire() <= hello.legacy_version && *v < TlsVersion::Tls13),
            );
        }
        let extensions = exts.iter().map(Extension::typ).collect();
        Offer {
            hello,
            versions,
            groups,
            key_shares,
            extensions,
        }
    }

    fn offers_tls13(&self) -> bool {
        self.versions.contains(&TlsVersion::Tls13)
    }

    /// Whether a server may choose `v`: anything up to the legacy version
    /// field (servers before TLS 1.3 pick the highest they speak up to it,
    /// and ignore supported_versions), or TLS 1.3 when offered.
    fn allows(&self, v: TlsVersion) -> bool {
        if v == TlsVersion::Tls13 {
            return self.offers_tls13();
        }
        v.wire() <= self.hello.legacy_version
    }

    /// Whether the server may send extension `typ` in a ServerHello.
    fn solicited(&self, typ: ExtensionType, tls13: bool, retry: bool) -> bool {
        if tls13 {
            // RFC 8446 §4.1.3/4.1.4: only these travel in a TLS 1.3
            // ServerHello or HelloRetryRequest (the cookie comes from the
            // server unasked).
            return match typ {
                ExtensionType::COOKIE => retry,
                ExtensionType::KEY_SHARE
                | ExtensionType::SUPPORTED_VERSIONS
                | ExtensionType::PRE_SHARED_KEY => self.extensions.contains(&typ),
                _ => false,
            };
        }
        // RFC 5746: the SCSV solicits renegotiation_info like the extension.
        self.extensions.contains(&typ)
            || (typ == ExtensionType::RENEGOTIATION_INFO
                && self
                    .hello
                    .cipher_suites
                    .contains(&crate::model::suites::CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV))
    }
}

/// Judges one flight, message by message.
#[derive(Debug)]
pub struct Judge<'a> {
    offer: &'a Offer,
    reader: FlightReader,
    accepted: Option<Accepted>,
    /// Set once a HelloRetryRequest was seen and judged acceptable: the
    /// next ServerHello belongs to the second exchange.
    retried: bool,
    /// Whether to read past a HelloRetryRequest (only a full handshake sends
    /// a second ClientHello).
    follow_retry: bool,
}

impl<'a> Judge<'a> {
    /// A judge for the answer to `offer`. With `follow_retry`, a
    /// HelloRetryRequest is not the end: the client answered it, and a
    /// second one is a fault.
    pub fn new(offer: &'a Offer, follow_retry: bool) -> Judge<'a> {
        Judge {
            offer,
            reader: FlightReader::new(),
            accepted: None,
            retried: false,
            follow_retry,
        }
    }

    /// Feeds bytes from the server; `Some` once the answer is complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<Outcome> {
        self.reader.feed(bytes);
        loop {
            match self.reader.next_message() {
                Ok(Some(message)) => {
                    if let Some(outcome) = self.on_message(message) {
                        return Some(outcome);
                    }
                }
                Ok(None) => return None,
                Err(e) => return Some(self.on_wire_error(e)),
            }
        }
    }

    /// The answer when the bytes end early (`otherwise`: a close or a
    /// timeout): an acceptance stands.
    pub fn finish(&mut self, otherwise: Outcome) -> Outcome {
        match self.accepted.take() {
            Some(a) => Outcome::Accepted(a),
            None => otherwise,
        }
    }

    fn on_wire_error(&mut self, e: WireError) -> Outcome {
        match (e, self.accepted.take()) {
            (WireError::NotTls { preview }, None) => Outcome::NotTls {
                preview: printable(&preview),
            },
            // Rule: a certificate chain too large to read is not support:
            // the flight is not one a client goes on with.
            (WireError::MessageTooLarge(n), Some(_)) => {
                Outcome::ServerFault(Fault::Flight(format!(
                    "a handshake message of {n} bytes, larger than tlscompat reads ({} bytes)",
                    crate::wire::server_flight::MAX_HANDSHAKE_LEN
                )))
            }
            // Rule: any other damage after a good ServerHello (a
            // certificate that does not parse, a malformed record) is not
            // support either.
            (other, Some(_)) => Outcome::ServerFault(Fault::Flight(other.to_string())),
            (other, None) => Outcome::Protocol {
                reason: other.to_string(),
            },
        }
    }

    /// `Some(outcome)` when the answer is complete.
    fn on_message(&mut self, message: Message) -> Option<Outcome> {
        match message {
            Message::Alert(alert) => {
                if alert.level == AlertLevel::WARNING
                    && alert.description == AlertDescription::UNRECOGNIZED_NAME
                {
                    return None;
                }
                // Rule: an alert after the ServerHello is a refusal: the
                // server chose, then gave up; no client gets through.
                let after = self.accepted.take().map(|a| (a.version, a.cipher_suite));
                Some(Outcome::Rejected {
                    alert: alert.description,
                    after_hello: after,
                })
            }
            Message::ServerHello(hello) => self.on_server_hello(&hello),
            Message::Certificate(chain) => {
                let accepted = self.accepted.as_mut()?;
                accepted.certificate_chain = chain;
                None
            }
            Message::CertificateRequest(_) => {
                let accepted = self.accepted.as_mut()?;
                accepted.client_certificate = CertificateRequested::Yes;
                None
            }
            Message::ServerHelloDone => {
                let mut accepted = self.accepted.take()?;
                if accepted.client_certificate == CertificateRequested::Unknown {
                    accepted.client_certificate = CertificateRequested::No;
                }
                Some(Outcome::Accepted(accepted))
            }
            Message::ServerKeyExchange(_) | Message::Handshake(..) => {
                if self.accepted.is_none() {
                    return Some(Outcome::Protocol {
                        reason: "a handshake message before the ServerHello".into(),
                    });
                }
                match message {
                    // The OCSP answer to status_request has its place.
                    Message::ServerKeyExchange(_)
                    | Message::Handshake(HandshakeType::CERTIFICATE_STATUS, _) => None,
                    // Rule: any other handshake message has none.
                    Message::Handshake(t, _) => {
                        self.accepted = None;
                        Some(Outcome::ServerFault(Fault::Flight(format!(
                            "a {t} message, which has no place in the first flight"
                        ))))
                    }
                    _ => None,
                }
            }
            // TLS 1.3 middlebox compatibility: a ChangeCipherSpec may follow
            // a HelloRetryRequest.
            Message::ChangeCipherSpec if self.retried => None,
            // Rule: a ChangeCipherSpec (or encrypted records) right after a
            // TLS 1.2 ServerHello is an abbreviated handshake for a session
            // the client never offered: not support.
            Message::ChangeCipherSpec | Message::Encrypted(_) if self.accepted.is_some() => {
                self.accepted = None;
                Some(Outcome::ServerFault(Fault::Flight(
                    "a ChangeCipherSpec (an abbreviated handshake for a session the client \
                     never offered)"
                        .into(),
                )))
            }
            Message::ChangeCipherSpec | Message::Encrypted(_) => Some(Outcome::Protocol {
                reason: "encrypted records before the ServerHello".into(),
            }),
        }
    }

    fn on_server_hello(&mut self, hello: &ServerHello) -> Option<Outcome> {
        let retry = hello.is_hello_retry_request();
        if self.retried {
            if retry {
                // Rule: RFC 8446 §4.1.4: a second HelloRetryRequest aborts.
                return Some(Outcome::ServerFault(Fault::SecondHelloRetry));
            }
            // The real ServerHello, answering the client's second hello.
            self.accepted = None;
        } else if self.accepted.is_some() {
            return Some(Outcome::Protocol {
                reason: "a second ServerHello".into(),
            });
        }
        let accepted = match self.check(hello) {
            Ok(a) => a,
            Err(fault) => return Some(Outcome::ServerFault(fault)),
        };
        if retry && self.follow_retry {
            // The client answers with a second hello; until the server
            // answers that, the retry itself is the acceptance.
            self.retried = true;
            self.accepted = Some(accepted);
            return None;
        }
        if retry || accepted.version == TlsVersion::Tls13 {
            // Everything after a TLS 1.3 ServerHello is encrypted.
            return Some(Outcome::Accepted(Accepted {
                hello_retry: retry || self.retried,
                ..accepted
            }));
        }
        self.accepted = Some(accepted);
        None
    }

    /// Each rule a client applies to a ServerHello before going on.
    fn check(&self, hello: &ServerHello) -> Result<Accepted, Fault> {
        let offer = self.offer;
        let wire_version = hello.negotiated_version();
        let Some(version) = TlsVersion::from_wire(wire_version) else {
            return Err(Fault::UnknownVersion(wire_version));
        };
        // Rule: the version must be one the client offered.
        if !offer.allows(version) {
            return Err(Fault::UnofferedVersion(wire_version));
        }
        // Rule: so must the suite, and it must run at that version.
        let suite = hello.cipher_suite;
        if !offer.hello.cipher_suites.contains(&suite) || suite.is_signaling() {
            return Err(Fault::UnofferedSuite(suite));
        }
        if suite.suite().is_some_and(|s| !s.valid_at(version)) {
            return Err(Fault::SuiteVersionMismatch(suite, version));
        }
        // Rule: compression is gone from TLS (CRIME); our hellos offer null only.
        if hello.compression != CompressionMethod::NULL {
            return Err(Fault::Compression(hello.compression));
        }
        // Rule: each extension at most once, and only if the client asked.
        let retry = hello.is_hello_retry_request();
        let tls13 = version == TlsVersion::Tls13;
        let mut seen = BTreeSet::new();
        for (typ, _) in &hello.extensions {
            if !seen.insert(*typ) {
                return Err(Fault::DuplicateExtension(*typ));
            }
            if !offer.solicited(*typ, tls13, retry) {
                return Err(Fault::UnsolicitedExtension(*typ));
            }
        }
        // Rule: RFC 8446 §4.1.3: a client that offered a newer version
        // aborts on the downgrade sentinel of an older one.
        if let Some(signalled) = hello.downgrade_sentinel().and_then(TlsVersion::from_wire) {
            let newer_offered = match signalled {
                TlsVersion::Tls12 => offer.offers_tls13(),
                _ => offer.versions.iter().any(|v| *v >= TlsVersion::Tls12),
            };
            if version <= signalled && newer_offered {
                return Err(Fault::DowngradeSentinel(version));
            }
        }
        if retry {
            // Rule: RFC 8446 §4.1.4: the retry must ask for a group the
            // client listed and did not already send a share for, and must
            // change something.
            match hello.key_share_group() {
                Some(g) if !offer.groups.contains(&g) => {
                    return Err(Fault::RetryGroup(g, RetryProblem::NotListed));
                }
                Some(g) if offer.key_shares.contains(&g) => {
                    return Err(Fault::RetryGroup(g, RetryProblem::AlreadyShared));
                }
                None if hello.extension(ExtensionType::COOKIE).is_none() => {
                    return Err(Fault::RetryChangesNothing);
                }
                _ => {}
            }
        }
        Ok(Accepted {
            version,
            cipher_suite: suite,
            hello_retry: retry,
            client_certificate: CertificateRequested::Unknown,
            certificate_chain: Vec::new(),
            chain_unreadable: None,
            downgrade_sentinel: hello.downgrade_sentinel().is_some(),
        })
    }
}

/// What is wrong with a HelloRetryRequest's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryProblem {
    /// The client never listed it in supported_groups.
    NotListed,
    /// The client already sent a key share for it.
    AlreadyShared,
}

/// Judges a complete byte buffer (what a full-handshake engine read), as
/// if it had arrived in one piece and then the connection had ended with
/// `ending`.
pub fn judge_bytes(offer: &Offer, bytes: &[u8], ending: Outcome) -> Outcome {
    let mut judge = Judge::new(offer, true);
    match judge.feed(bytes) {
        Some(outcome) => outcome,
        None => judge.finish(ending),
    }
}

/// Shows what a non-TLS server said: text when it is text, hex otherwise.
fn printable(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .take_while(|b| **b != b'\r' && **b != b'\n')
        .map(|b| *b as char)
        .collect();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        text
    } else {
        bytes
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests;
