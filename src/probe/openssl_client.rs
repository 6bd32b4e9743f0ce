//! The OpenSSL engine: a full handshake offering exactly a client's
//! configuration, for everything rustls does not speak (TLS 1.0 and 1.1,
//! CBC suites, RSA key exchange: Deep Security agents 9.6 and 10.0).
//!
//! The context is pinned like the emulator's (see [`crate::tls_openssl`]):
//! security level 0, the profile's versions, suites in order, groups and
//! signature algorithms, so the host's OpenSSL policy (a distribution that
//! forbids TLS 1.0) cannot change what is offered. The server's chain is not
//! verified here; it is judged separately (findings, `--ca`).

use std::pin::Pin;
use std::time::Duration;

use openssl::ssl::{Ssl, SslMethod, SslVerifyMode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio_openssl::SslStream;

use super::handshake::{ClientIdentity, EngineResult, PeerChain, verdict_wait};
use super::hello::HelloSpec;
use crate::suites::CipherSuiteId;
use crate::tls_openssl::{OfferSpec, bare_builder, configure, from_ssl_version};
use crate::version::TlsVersion;

fn ssl(spec: &HelloSpec, identity: Option<&ClientIdentity>) -> Result<Ssl, String> {
    let mut b = bare_builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    configure(
        &mut b,
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
        let id = &id.identity;
        b.set_certificate(&id.cert).map_err(|e| e.to_string())?;
        for c in &id.chain {
            b.add_extra_chain_cert(c.clone())
                .map_err(|e| e.to_string())?;
        }
        b.set_private_key(&id.key).map_err(|e| e.to_string())?;
    }
    let ctx = b.build();
    let mut ssl = Ssl::new(&ctx).map_err(|e| e.to_string())?;
    if let Some(name) = &spec.server_name {
        ssl.set_hostname(name).map_err(|e| e.to_string())?;
    }
    Ok(ssl)
}

/// Whether the local OpenSSL can offer exactly `spec`.
pub fn can_offer(spec: &HelloSpec) -> bool {
    ssl(spec, None).is_ok()
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
            return EngineResult::Failed {
                alert: None,
                timed_out: false,
                client_aborted: false,
                detail: e.to_string(),
                after_finished: true,
                certificate_requested: Some(true),
                certificate_sent: false,
            };
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
    if let Some(reasons) = crate::tls_openssl::error_reasons(e) {
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
