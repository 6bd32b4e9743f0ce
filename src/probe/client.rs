//! What the two handshake engines (`openssl_client`, `rustls_client`)
//! are given and give back.
//!
//! [`super::handshake`] picks an engine and runs it through a tap; the
//! engines need the client's identity, a place for the server's chain and a
//! result type. Those sit here, below all three, so that `handshake` and
//! the engines do not import each other (they did: an import circle).

use std::path::Path;
use std::time::Duration;

use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::tls::certs::{CertError, Identity};
use crate::wire::codes::AlertDescription;

/// A client certificate and key to present (`--client-cert`, `--client-key`).
#[derive(Debug)]
pub struct ClientIdentity {
    /// The OpenSSL forms.
    pub identity: Identity,
    /// Leaf then chain, DER (for rustls).
    pub chain_der: Vec<Vec<u8>>,
    /// The key, PKCS#8 DER (for rustls).
    pub key_pkcs8_der: Vec<u8>,
}

impl ClientIdentity {
    /// Loads a PEM certificate chain (leaf first) and its PEM private key.
    pub fn load(cert: &Path, key: &Path) -> Result<ClientIdentity, CertError> {
        let identity = Identity::load(cert, key)?;
        let mut chain_der = vec![identity.cert.to_der().map_err(CertError::Generate)?];
        for c in &identity.chain {
            chain_der.push(c.to_der().map_err(CertError::Generate)?);
        }
        let key_pkcs8_der = identity
            .key
            .private_key_to_pkcs8()
            .map_err(CertError::Generate)?;
        Ok(ClientIdentity {
            identity,
            chain_der,
            key_pkcs8_der,
        })
    }
}

/// Where an engine leaves the chain the server presented.
#[derive(Debug, Default, Clone)]
pub(crate) struct PeerChain(std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

impl PeerChain {
    /// Keeps `chain` (DER, leaf first).
    pub(crate) fn set(&self, chain: Vec<Vec<u8>>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = chain;
    }

    pub(crate) fn take(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl crate::tls::rustls_glue::ChainSink for PeerChain {
    fn set(&self, chain: Vec<Vec<u8>>) {
        PeerChain::set(self, chain);
    }
}

/// What an engine reports; [`super::handshake::handshake`] adds where it broke off.
#[derive(Debug)]
pub(crate) enum EngineResult {
    Completed {
        version: TlsVersion,
        cipher_suite: CipherSuiteId,
        certificate_requested: Option<bool>,
        certificate_sent: bool,
    },
    Failed {
        alert: Option<AlertDescription>,
        timed_out: bool,
        client_aborted: bool,
        detail: String,
        /// The client had finished: the server refused after (TLS 1.3).
        after_finished: bool,
        certificate_requested: Option<bool>,
        certificate_sent: bool,
    },
    NotRun(String),
}

impl EngineResult {
    /// The handshake did not finish within the timeout.
    pub(crate) fn timeout(certificate_requested: Option<bool>, certificate_sent: bool) -> Self {
        EngineResult::Failed {
            alert: None,
            timed_out: true,
            client_aborted: false,
            detail: "the handshake timed out".into(),
            after_finished: false,
            certificate_requested,
            certificate_sent,
        }
    }

    /// A TLS 1.3 client finished without the certificate it was asked
    /// for, and the server then refused (an alert, or the connection
    /// closed): the handshake failed after all.
    pub(crate) fn refused_after_finished(alert: Option<AlertDescription>, detail: String) -> Self {
        EngineResult::Failed {
            alert,
            timed_out: false,
            client_aborted: false,
            detail,
            after_finished: true,
            certificate_requested: Some(true),
            certificate_sent: false,
        }
    }
}

/// How long to wait, after a TLS 1.3 client finished without the
/// certificate it was asked for, for the server's verdict.
pub(crate) fn verdict_wait(timeout: Duration) -> Duration {
    timeout.min(Duration::from_secs(1))
}
