//! The OpenSSL engine: a full handshake offering exactly a client's
//! configuration, for everything rustls does not speak (TLS 1.0 and 1.1,
//! CBC suites, RSA key exchange: Deep Security agents 9.6 and 10.0).
//!
//! The context is pinned like the emulator's (see [`crate::tls::openssl_glue`]):
//! security level 0, the profile's versions, suites in order, groups and
//! signature algorithms, so the host's OpenSSL policy (a distribution that
//! forbids TLS 1.0) cannot change what is offered. The server's chain is not
//! verified here; it is judged separately (findings, `--ca`).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use openssl::ssl::{Ssl, SslContext, SslMethod, SslVerifyMode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio_openssl::SslStream;

use super::client::{ClientIdentity, EngineResult, PeerChain, verdict_wait};
use super::hello::HelloSpec;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::tls::openssl_glue::{OfferSpec, from_ssl_version, offer_builder, use_identity};
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// The parts of an offer (and the client certificate) a context is built
/// from; the SNI is set per connection, on the `Ssl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ContextKey {
    versions: Vec<TlsVersion>,
    cipher_suites: Vec<CipherSuiteId>,
    groups: Vec<NamedGroup>,
    signature_algorithms: Vec<SignatureScheme>,
    /// The certificate chain and key, DER: the identity itself, not its
    /// address, so two identities never share a context.
    identity: Option<(Vec<Vec<u8>>, Vec<u8>)>,
}

/// Contexts already built, by offer (failures too). Building one is the
/// costliest thing the scanner does: `SSL_CTX_new` asks every provider for
/// its groups and algorithms and each suite is checked on a scratch context,
/// several million instructions, four times per legacy replay before this
/// cache (`can_offer` and the handshake, each with its scratch context).
/// Every endpoint of a fleet gets the same replay, so one build serves
/// them all. A context is shared safely: OpenSSL reference-counts it, the
/// client never resumes sessions (no session is ever set on an `Ssl`), and
/// what varies per connection (the SNI) is set on the `Ssl`.
static CONTEXTS: LazyLock<Mutex<HashMap<ContextKey, Result<SslContext, String>>>> =
    LazyLock::new(Mutex::default);

/// Distinct offers kept; past this, contexts are built per connection (a
/// run has a few: one per profile replayed, and the odd retest).
const CONTEXTS_KEPT: usize = 64;

fn context(spec: &HelloSpec, identity: Option<&ClientIdentity>) -> Result<SslContext, String> {
    let key = ContextKey {
        versions: spec.versions.clone(),
        cipher_suites: spec.cipher_suites.clone(),
        groups: spec.groups.clone(),
        signature_algorithms: spec.signature_algorithms.clone(),
        identity: identity.map(|id| (id.chain_der.clone(), id.key_pkcs8_der.clone())),
    };
    // A poisoned lock only means another thread panicked: the map is intact.
    if let Some(known) = CONTEXTS.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return known.clone();
    }
    let built = build_context(spec, identity);
    let mut contexts = CONTEXTS.lock().unwrap_or_else(|e| e.into_inner());
    if contexts.len() < CONTEXTS_KEPT {
        contexts.insert(key, built.clone());
    }
    built
}

fn build_context(
    spec: &HelloSpec,
    identity: Option<&ClientIdentity>,
) -> Result<SslContext, String> {
    let mut b = offer_builder(
        SslMethod::tls_client(),
        &OfferSpec {
            versions: &spec.versions,
            cipher_suites: &spec.cipher_suites,
            groups: &spec.groups,
            signature_algorithms: &spec.signature_algorithms,
        },
    )
    .map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::NONE);
    if let Some(id) = identity {
        use_identity(&mut b, &id.identity).map_err(|e| e.to_string())?;
    }
    Ok(b.build())
}

fn ssl(spec: &HelloSpec, identity: Option<&ClientIdentity>) -> Result<Ssl, String> {
    let ctx = context(spec, identity)?;
    let mut ssl = Ssl::new(&ctx).map_err(|e| e.to_string())?;
    if let Some(name) = &spec.server_name {
        ssl.set_hostname(name).map_err(|e| e.to_string())?;
    }
    Ok(ssl)
}

/// Whether the local OpenSSL can offer exactly `spec`.
pub fn can_offer(spec: &HelloSpec) -> bool {
    context(spec, None).is_ok()
}

/// Runs the handshake on `stream`.
pub(crate) async fn run<S>(
    stream: S,
    spec: &HelloSpec,
    identity: Option<&ClientIdentity>,
    timeout: Duration,
    chain: &PeerChain,
) -> EngineResult
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ssl = match ssl(spec, identity) {
        Ok(s) => s,
        Err(why) => return EngineResult::NotRun(format!("OpenSSL cannot offer this: {why}")),
    };
    let mut tls = match SslStream::new(ssl, stream) {
        Ok(t) => t,
        Err(e) => return EngineResult::NotRun(e.to_string()),
    };
    let sent = identity.is_some();
    match tokio::time::timeout(timeout, Pin::new(&mut tls).connect()).await {
        Err(_) => return EngineResult::timeout(None, sent),
        Ok(Err(e)) => {
            return EngineResult::Failed {
                alert: None,
                timed_out: false,
                client_aborted: false,
                detail: describe(&e),
                after_finished: false,
                certificate_requested: None,
                certificate_sent: sent,
            };
        }
        Ok(Ok(())) => {}
    }
    if let Some(certs) = tls.ssl().peer_cert_chain() {
        chain.set(certs.iter().filter_map(|c| c.to_der().ok()).collect());
    }
    let version = tls.ssl().version2().and_then(from_ssl_version);
    let suite = tls
        .ssl()
        .current_cipher()
        .map(|c| CipherSuiteId(u16::from_be_bytes(c.protocol_id())));
    let (Some(version), Some(cipher_suite)) = (version, suite) else {
        return EngineResult::NotRun("OpenSSL finished without a version or suite".into());
    };
    if version == TlsVersion::Tls13 && !sent {
        // TLS 1.3 encrypts the CertificateRequest and the server judges the
        // client's (empty) certificate after the client has finished: a
        // refusal is an alert on the first read; silence or a session
        // ticket means it carried on.
        let mut buf = [0u8; 64];
        if let Ok(Err(e)) = tokio::time::timeout(verdict_wait(timeout), tls.read(&mut buf)).await {
            return EngineResult::refused_after_finished(None, e.to_string());
        }
    }
    EngineResult::Completed {
        version,
        cipher_suite,
        certificate_requested: None,
        certificate_sent: sent,
    }
}

/// OpenSSL's words for a failed handshake, without the error-stack noise.
fn describe(e: &openssl::ssl::Error) -> String {
    if let Some(reasons) = crate::tls::openssl_glue::error_reasons(e) {
        return reasons;
    }
    match e.io_error() {
        Some(io) => io.to_string(),
        None if e.code() == openssl::ssl::ErrorCode::SYSCALL => {
            "the server closed the connection".into()
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::certs::{Authority, KeyType, Usage};
    use openssl::ssl::SslContextRef;

    /// The OpenSSL object behind a context (`SSL_CTX *`).
    fn addr(c: &SslContextRef) -> *const SslContextRef {
        c
    }

    fn legacy(sni: Option<&str>) -> HelloSpec {
        HelloSpec::at(
            TlsVersion::Tls10,
            vec![CipherSuiteId(0x002F), CipherSuiteId(0x0035)],
            sni,
        )
    }

    #[test]
    fn one_context_per_offer_and_identity_the_sni_set_per_connection() {
        let a = context(&legacy(Some("a.example")), None).unwrap();
        let b = context(&legacy(Some("b.example")), None).unwrap();
        assert_eq!(addr(&a), addr(&b), "the SNI does not make a new context");
        let ssl = ssl(&legacy(Some("b.example")), None).unwrap();
        assert_eq!(addr(ssl.ssl_context()), addr(&a));
        assert_eq!(
            ssl.servername_raw(openssl::ssl::NameType::HOST_NAME),
            Some(&b"b.example"[..])
        );
        // Another offer, another context.
        let mut other = legacy(None);
        other.cipher_suites.reverse();
        assert_ne!(addr(&context(&other, None).unwrap()), addr(&a));
        // Each client certificate gets its own context, with that certificate.
        let ca = Authority::generate("cache test CA").unwrap();
        let mut seen = Vec::new();
        for name in ["one", "two"] {
            let identity = ca.issue(name, KeyType::Rsa, Usage::Client).unwrap();
            let client = ClientIdentity {
                chain_der: vec![identity.cert.to_der().unwrap()],
                key_pkcs8_der: identity.key.private_key_to_pkcs8().unwrap(),
                identity,
            };
            let ctx = context(&legacy(None), Some(&client)).unwrap();
            assert_ne!(addr(&ctx), addr(&a));
            assert_eq!(
                ctx.certificate().unwrap().to_der().unwrap(),
                client.chain_der[0]
            );
            let again = context(&legacy(None), Some(&client)).unwrap();
            assert_eq!(addr(&again), addr(&ctx));
            seen.push(addr(&ctx));
        }
        assert_ne!(seen[0], seen[1]);
    }
}
