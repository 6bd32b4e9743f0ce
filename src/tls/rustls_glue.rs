//! rustls glue shared by the probe's client engine and the manager API
//! client: the one certificate verifier both hand to rustls.
//!
//! rustls asks a verifier two things: whether the server's chain is
//! trusted, and whether the handshake's signatures are made by the key in
//! its certificate. The callers differ only in the first ([`Chain`]); the
//! second is always verified for real, with the provider's algorithms
//! (what `WebPkiServerVerifier` does too).

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Where a recorded chain goes (DER, leaf first).
pub(crate) trait ChainSink: std::fmt::Debug + Send + Sync {
    /// Keeps the chain the server presented.
    fn set(&self, chain: Vec<Vec<u8>>);
}

/// How a [`Verifier`] judges the server's chain.
#[derive(Debug)]
pub(crate) enum Chain {
    /// Any chain is accepted (`--api-insecure`).
    Any,
    /// Any chain is accepted and kept (DER, leaf first): a probe reports
    /// the certificate, it does not refuse it.
    Record(Box<dyn ChainSink>),
    /// `--api-ca`: a chain to one of its CAs, or the very certificate it
    /// holds. A manager installs a self-signed console certificate (often
    /// marked as a CA, which path validation refuses as a server's own):
    /// giving that certificate trusts it, and nothing else.
    CaOrPinned {
        /// Path validation to the CAs.
        webpki: Arc<WebPkiServerVerifier>,
        /// The certificates given (DER); a leaf equal to one is trusted.
        pinned: Vec<Vec<u8>>,
    },
}

/// Verifies a handshake signature that the algorithms refuse, or `None`.
pub(crate) type Fallback =
    fn(&[u8], &CertificateDer<'_>, &DigitallySignedStruct) -> Option<HandshakeSignatureValid>;

/// A server certificate verifier: the chain judged by [`Chain`], the
/// handshake signatures verified with `algorithms` (then `fallback`, when
/// there is one), `schemes` offered.
#[derive(Debug)]
pub(crate) struct Verifier {
    chain: Chain,
    algorithms: WebPkiSupportedAlgorithms,
    schemes: Vec<SignatureScheme>,
    fallback: Option<Fallback>,
}

impl Verifier {
    /// Judges the chain by `chain`; verifies and offers every scheme of
    /// `algorithms`.
    pub(crate) fn new(chain: Chain, algorithms: WebPkiSupportedAlgorithms) -> Self {
        Verifier {
            chain,
            schemes: algorithms.supported_schemes(),
            algorithms,
            fallback: None,
        }
    }

    /// Offers only `schemes` (in that order).
    pub(crate) fn offering(self, schemes: Vec<SignatureScheme>) -> Self {
        Verifier { schemes, ..self }
    }

    /// Tries `fallback` on a signature the algorithms refuse.
    pub(crate) fn with_fallback(self, fallback: Fallback) -> Self {
        Verifier {
            fallback: Some(fallback),
            ..self
        }
    }

    fn or_fallback(
        &self,
        verified: Result<HandshakeSignatureValid, rustls::Error>,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match self.fallback {
            Some(fallback) => verified.or_else(|e| fallback(message, cert, dss).ok_or(e)),
            None => verified,
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.chain {
            Chain::Any => Ok(ServerCertVerified::assertion()),
            Chain::Record(seen) => {
                seen.set(
                    std::iter::once(end_entity)
                        .chain(intermediates)
                        .map(|c| c.to_vec())
                        .collect(),
                );
                Ok(ServerCertVerified::assertion())
            }
            Chain::CaOrPinned { webpki, pinned } => webpki
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                .or_else(|e| {
                    if pinned.iter().any(|p| p.as_slice() == end_entity.as_ref()) {
                        Ok(ServerCertVerified::assertion())
                    } else {
                        Err(e)
                    }
                }),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let verified = rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms);
        self.or_fallback(verified, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let verified = rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms);
        self.or_fallback(verified, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}
