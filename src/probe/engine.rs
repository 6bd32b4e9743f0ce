//! The raw probe: send one ClientHello, read the first flight, classify.
//!
//! Rules, in the order they apply:
//! - A fatal alert before any ServerHello is a rejection (a warning-level
//!   `unrecognized_name` is not: some servers send it and carry on).
//! - A ServerHello (or HelloRetryRequest) is an acceptance only if it chose a
//!   version and suite that were offered and that fit together; anything
//!   else is a server fault, never support.
//! - TLS 1.3 encrypts the rest of the flight: the ServerHello is the answer.
//! - Up to TLS 1.2 we read on to ServerHelloDone for the certificate chain
//!   and a CertificateRequest (an activated Deep Security endpoint asks for a
//!   client certificate: its suite is still accepted).
//! - After an acceptance, a short or broken flight is still an acceptance
//!   (with less detail); before one, silence is a timeout, EOF a close,
//!   non-TLS bytes "not TLS", malformed TLS a protocol error.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::connect::{Endpoint, Stats};
use super::hello::HelloSpec;
use super::{Accepted, CertificateRequested, Fault, Outcome};
use crate::version::TlsVersion;
use crate::wire::codes::{AlertDescription, AlertLevel};
use crate::wire::{FlightReader, Message, ServerHello, WireError};

/// Connects through the endpoint (bounded, gated) and runs one probe.
pub async fn probe(endpoint: &Endpoint, spec: &HelloSpec) -> Outcome {
    let connection = match endpoint.connect().await {
        Ok(c) => c,
        Err(e) => return Outcome::ConnectFailed(e),
    };
    let mut stream = connection.stream;
    let outcome = exchange(
        &mut stream,
        spec,
        endpoint.limits().timeout,
        endpoint.stats(),
    )
    .await;
    match outcome {
        Outcome::Timeout => endpoint.note_silence(),
        _ => endpoint.note_answer(),
    }
    outcome
}

/// Sends the hello for `spec` on `stream` and reads the answer, for at most
/// `timeout`.
pub async fn exchange<S>(
    stream: &mut S,
    spec: &HelloSpec,
    timeout: Duration,
    stats: &Stats,
) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = Instant::now() + timeout;
    let hello = spec.build().encode();
    match tokio::time::timeout_at(deadline, stream.write_all(&hello)).await {
        Err(_) => return Outcome::Timeout,
        Ok(Err(_)) => return Outcome::Closed,
        Ok(Ok(())) => stats.sent(hello.len()),
    }
    let mut reader = FlightReader::new();
    let mut state = State {
        spec,
        accepted: None,
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        loop {
            match reader.next_message() {
                Ok(Some(message)) => {
                    if let Some(outcome) = state.on_message(message) {
                        return outcome;
                    }
                }
                Ok(None) => break,
                Err(e) => return state.on_wire_error(e),
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return state.finish(Outcome::Timeout),
            Ok(Err(_)) | Ok(Ok(0)) => return state.finish(Outcome::Closed),
            Ok(Ok(n)) => {
                stats.received(n);
                reader.feed(&buf[..n]);
            }
        }
    }
}

struct State<'a> {
    spec: &'a HelloSpec,
    accepted: Option<Accepted>,
}

impl State<'_> {
    /// The answer so far when the flight ends early: an acceptance stands.
    fn finish(&mut self, otherwise: Outcome) -> Outcome {
        match self.accepted.take() {
            Some(a) => Outcome::Accepted(a),
            None => otherwise,
        }
    }

    fn on_wire_error(&mut self, e: WireError) -> Outcome {
        let otherwise = match e {
            WireError::NotTls { preview } => Outcome::NotTls {
                preview: printable(&preview),
            },
            other => Outcome::Protocol {
                reason: other.to_string(),
            },
        };
        self.finish(otherwise)
    }

    /// `Some(outcome)` when the answer is complete.
    fn on_message(&mut self, message: Message) -> Option<Outcome> {
        match message {
            Message::Alert(alert) => {
                if self.accepted.is_none()
                    && alert.level == AlertLevel::WARNING
                    && alert.description == AlertDescription::UNRECOGNIZED_NAME
                {
                    return None;
                }
                Some(self.finish(Outcome::Rejected {
                    alert: alert.description,
                }))
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
                None
            }
            Message::ChangeCipherSpec | Message::Encrypted(_) => {
                Some(self.finish(Outcome::Protocol {
                    reason: "encrypted records before the ServerHello".into(),
                }))
            }
        }
    }

    fn on_server_hello(&mut self, hello: &ServerHello) -> Option<Outcome> {
        if self.accepted.is_some() {
            return Some(Outcome::Protocol {
                reason: "a second ServerHello".into(),
            });
        }
        let wire_version = hello.negotiated_version();
        let Some(version) = TlsVersion::from_wire(wire_version) else {
            return Some(Outcome::ServerFault(Fault::UnknownVersion(wire_version)));
        };
        if !self.spec.allows(version) {
            return Some(Outcome::ServerFault(Fault::UnofferedVersion(wire_version)));
        }
        let suite = hello.cipher_suite;
        if !self.spec.cipher_suites.contains(&suite) {
            return Some(Outcome::ServerFault(Fault::UnofferedSuite(suite)));
        }
        if suite.suite().is_some_and(|s| !s.valid_at(version)) {
            return Some(Outcome::ServerFault(Fault::SuiteVersionMismatch(
                suite, version,
            )));
        }
        let accepted = Accepted {
            version,
            cipher_suite: suite,
            hello_retry: hello.is_hello_retry_request(),
            client_certificate: CertificateRequested::Unknown,
            certificate_chain: Vec::new(),
            downgrade_sentinel: hello.downgrade_sentinel().is_some(),
        };
        if accepted.hello_retry || version == TlsVersion::Tls13 {
            // Everything after a TLS 1.3 ServerHello is encrypted.
            return Some(Outcome::Accepted(accepted));
        }
        self.accepted = Some(accepted);
        None
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
mod tests {
    use super::*;

    #[test]
    fn previews_text_or_hex() {
        assert_eq!(
            printable(b"HTTP/1.1 400 Bad Request\r\nServer: x\r\n"),
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(printable(b"SSH-2.0-OpenSSH_9.2\r\n"), "SSH-2.0-OpenSSH_9.2");
        assert_eq!(printable(&[0x00, 0xff, 0x10]), "00 ff 10");
    }
}
