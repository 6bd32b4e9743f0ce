//! The rustls engine: a full handshake offering exactly a client's
//! configuration, where rustls implements all of it.
//!
//! rustls (ring provider) speaks TLS 1.3 and TLS 1.2 with ECDHE and AEAD
//! suites, the configuration of current Deep Security agents. Its offer is
//! pinned to the profile: the provider's suites are the profile's suites in
//! its order, its key-exchange groups the profile's groups (the first one
//! gets the key share), and the signature algorithms come from the
//! certificate verifier, which offers the profile's schemes. The verifier
//! records nothing and trusts any chain: the chain is judged separately
//! (findings, `--ca`); what matters here is that the server proves it holds
//! the key (signatures are verified for real) and that both sides finish.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use super::client::{ClientIdentity, EngineResult, PeerChain, verdict_wait};
use super::hello::HelloSpec;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::tls::rustls_glue::{Chain, Verifier};
use crate::wire::codes::AlertDescription;

fn versions(spec: &HelloSpec) -> Option<Vec<&'static SupportedProtocolVersion>> {
    spec.versions
        .iter()
        .map(|v| match v {
            TlsVersion::Tls12 => Some(&rustls::version::TLS12),
            TlsVersion::Tls13 => Some(&rustls::version::TLS13),
            _ => None,
        })
        .collect()
}

/// The provider pinned to `spec`, or `None` when rustls lacks a part of it.
fn provider(spec: &HelloSpec) -> Option<CryptoProvider> {
    let base = rustls::crypto::ring::default_provider();
    let suites = spec
        .cipher_suites
        .iter()
        .map(|id| {
            rustls::crypto::ring::ALL_CIPHER_SUITES
                .iter()
                .find(|s| u16::from(s.suite()) == id.0)
                .copied()
        })
        .collect::<Option<Vec<_>>>()?;
    let groups = spec
        .groups
        .iter()
        .map(|g| {
            rustls::crypto::ring::ALL_KX_GROUPS
                .iter()
                .find(|k| u16::from(k.name()) == g.0)
                .copied()
        })
        .collect::<Option<Vec<_>>>()?;
    if suites.is_empty() || groups.is_empty() {
        return None;
    }
    Some(CryptoProvider {
        cipher_suites: suites,
        kx_groups: groups,
        ..base
    })
}

/// The profile's signature schemes that rustls can verify, in its order.
fn schemes(spec: &HelloSpec, algorithms: &WebPkiSupportedAlgorithms) -> Vec<SignatureScheme> {
    let supported = algorithms.supported_schemes();
    spec.signature_algorithms
        .iter()
        .map(|s| SignatureScheme::from(s.0))
        .filter(|s| supported.contains(s))
        .collect()
}

/// Whether rustls can offer exactly `spec`.
pub fn can_offer(spec: &HelloSpec) -> bool {
    let Some(provider) = provider(spec) else {
        return false;
    };
    versions(spec).is_some()
        && !schemes(spec, &provider.signature_verification_algorithms).is_empty()
}

/// Verifies an RSA signature with OpenSSL, for keys ring refuses (under
/// 2048 bits). Deep Security clients accept them, so a weak key is a
/// finding, not a failed handshake; the signature is still checked.
fn legacy_rsa(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Option<HandshakeSignatureValid> {
    use openssl::hash::MessageDigest;
    use openssl::rsa::Padding;
    use openssl::sign::{RsaPssSaltlen, Verifier};
    let (digest, pss) = match dss.scheme {
        SignatureScheme::RSA_PKCS1_SHA1 => (MessageDigest::sha1(), false),
        SignatureScheme::RSA_PKCS1_SHA256 => (MessageDigest::sha256(), false),
        SignatureScheme::RSA_PKCS1_SHA384 => (MessageDigest::sha384(), false),
        SignatureScheme::RSA_PKCS1_SHA512 => (MessageDigest::sha512(), false),
        SignatureScheme::RSA_PSS_SHA256 => (MessageDigest::sha256(), true),
        SignatureScheme::RSA_PSS_SHA384 => (MessageDigest::sha384(), true),
        SignatureScheme::RSA_PSS_SHA512 => (MessageDigest::sha512(), true),
        _ => return None,
    };
    let key = openssl::x509::X509::from_der(cert)
        .ok()?
        .public_key()
        .ok()?;
    key.rsa().ok()?;
    let mut verifier = Verifier::new(digest, &key).ok()?;
    if pss {
        verifier.set_rsa_padding(Padding::PKCS1_PSS).ok()?;
        verifier
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .ok()?;
        verifier.set_rsa_mgf1_md(digest).ok()?;
    }
    verifier.update(message).ok()?;
    verifier
        .verify(dss.signature())
        .ok()?
        .then(HandshakeSignatureValid::assertion)
}

/// Presents the client certificate when there is one, and notes that the
/// server asked.
#[derive(Debug)]
struct Presenter {
    key: Option<Arc<CertifiedKey>>,
    asked: Arc<AtomicBool>,
}

impl ResolvesClientCert for Presenter {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        // True even without a key, so rustls asks us (and we learn that the
        // server asked); an empty Certificate goes out then.
        true
    }
}

fn config(
    spec: &HelloSpec,
    identity: Option<&ClientIdentity>,
    asked: Arc<AtomicBool>,
    seen: PeerChain,
) -> Result<ClientConfig, String> {
    let provider = provider(spec).ok_or("rustls cannot offer this configuration")?;
    let versions = versions(spec).ok_or("rustls speaks only TLS 1.2 and 1.3")?;
    // Any chain is accepted and recorded; signatures are verified for real
    // (a weak RSA key by OpenSSL); the profile's schemes are offered.
    let verifier = Verifier::new(
        Chain::Record(Box::new(seen)),
        provider.signature_verification_algorithms,
    )
    .offering(schemes(spec, &provider.signature_verification_algorithms))
    .with_fallback(legacy_rsa);
    let key = match identity {
        Some(id) => {
            let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8_der.clone()));
            let signing = provider
                .key_provider
                .load_private_key(der)
                .map_err(|e| format!("rustls cannot use the client key: {e}"))?;
            let chain = id
                .chain_der
                .iter()
                .map(|c| CertificateDer::from(c.clone()))
                .collect();
            Some(Arc::new(CertifiedKey::new(chain, signing)))
        }
        None => None,
    };
    let mut config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(Presenter { key, asked }));
    // A fresh store: nothing is ever resumed, but a TLS 1.2 hello asks for
    // a ticket (an empty session_ticket extension, as the raw probes' and
    // OpenSSL's hellos do), and the ticket the server sends back names the
    // key that sealed it (`scan::checks::nodes`).
    config.resumption = Resumption::in_memory_sessions(1);
    config.enable_sni = spec.server_name.is_some();
    Ok(config)
}

/// The name rustls connects to: the SNI when there is one, else the peer's
/// address (rustls sends no SNI for an address).
fn server_name(spec: &HelloSpec, peer: Option<IpAddr>) -> Option<ServerName<'static>> {
    if let Some(name) = &spec.server_name {
        if let Ok(n) = ServerName::try_from(name.clone()) {
            return Some(n);
        }
    }
    peer.map(|ip| ServerName::IpAddress(ip.into()))
        .or_else(|| ServerName::try_from("tlscompat.invalid").ok())
}

/// The alert inside a rustls error, if the server sent one.
fn alert_of(e: &std::io::Error) -> Option<AlertDescription> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(d) => Some(AlertDescription(u8::from(*d))),
        _ => None,
    }
}

/// Whether rustls itself gave up (a rustls error other than a received
/// alert), rather than the server closing or refusing.
fn client_aborted(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .is_some_and(|r| !matches!(r, rustls::Error::AlertReceived(_)))
}

/// Runs the handshake on `stream`.
pub(crate) async fn run<S>(
    stream: S,
    spec: &HelloSpec,
    identity: Option<&ClientIdentity>,
    peer: Option<IpAddr>,
    timeout: Duration,
    chain: &PeerChain,
) -> EngineResult
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let asked = Arc::new(AtomicBool::new(false));
    let config = match config(spec, identity, asked.clone(), chain.clone()) {
        Ok(c) => c,
        Err(why) => return EngineResult::NotRun(why),
    };
    let Some(name) = server_name(spec, peer) else {
        return EngineResult::NotRun("no server name to connect to".into());
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let sent = identity.is_some();
    let requested = |asked: &AtomicBool| Some(asked.load(Ordering::Relaxed));
    let mut tls = match tokio::time::timeout(timeout, connector.connect(name, stream)).await {
        Err(_) => {
            return EngineResult::timeout(requested(&asked), sent && asked.load(Ordering::Relaxed));
        }
        Ok(Err(e)) => {
            return EngineResult::Failed {
                alert: alert_of(&e),
                timed_out: false,
                client_aborted: client_aborted(&e),
                detail: e.to_string(),
                after_finished: false,
                certificate_requested: requested(&asked),
                certificate_sent: sent && asked.load(Ordering::Relaxed),
            };
        }
        Ok(Ok(tls)) => tls,
    };
    let (_, connection) = tls.get_ref();
    let version = connection
        .protocol_version()
        .and_then(|v| TlsVersion::from_wire(crate::wire::codes::ProtocolVersion(u16::from(v))));
    let suite = connection
        .negotiated_cipher_suite()
        .map(|s| CipherSuiteId(u16::from(s.suite())));
    let (Some(version), Some(cipher_suite)) = (version, suite) else {
        return EngineResult::NotRun("rustls finished without a version or suite".into());
    };
    let was_asked = asked.load(Ordering::Relaxed);
    if version == TlsVersion::Tls13 && was_asked && !sent {
        if let Some(refused) = refused_after_finished(&mut tls, timeout).await {
            return refused;
        }
    }
    EngineResult::Completed {
        version,
        cipher_suite,
        certificate_requested: Some(was_asked),
        certificate_sent: sent && was_asked,
    }
}

/// A TLS 1.3 handshake completed without the certificate the server asked
/// for: the server's refusal, if it refuses, comes after.
async fn refused_after_finished<S>(
    tls: &mut tokio_rustls::client::TlsStream<S>,
    timeout: Duration,
) -> Option<EngineResult>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    // A TLS 1.3 server judges the client's (empty) certificate after the
    // client has finished: its refusal arrives as an alert on the first
    // read. Silence (it waits for our data) or a ticket means it carried on.
    let mut buf = [0u8; 64];
    match tokio::time::timeout(verdict_wait(timeout), tls.read(&mut buf)).await {
        Ok(Err(e)) => Some(EngineResult::refused_after_finished(
            alert_of(&e),
            e.to_string(),
        )),
        Ok(Ok(0)) => Some(EngineResult::refused_after_finished(
            None,
            "the server closed the connection".into(),
        )),
        _ => None,
    }
}
