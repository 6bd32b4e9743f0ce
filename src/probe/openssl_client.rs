//! A real OpenSSL client handshake, for what the raw probe cannot see.
//!
//! The raw probe stops at the first flight, so a CertificateRequest tells it
//! only that the server *asks* for a client certificate. Whether it insists
//! (an activated Deep Security endpoint does) shows only when a client
//! carries on without one: this engine does exactly that, with security
//! level 0 so legacy suites and TLS 1.0 work whatever the host's OpenSSL
//! policy says.

use std::pin::Pin;

use openssl::ssl::{Ssl, SslContextBuilder, SslMethod, SslVerifyMode};
use tokio::io::AsyncReadExt;
use tokio_openssl::SslStream;

use super::connect::Endpoint;
use crate::serve::ssl_version;
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// How a handshake without a client certificate ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCertificate {
    /// The handshake completed: the certificate was only requested.
    Completed,
    /// The server refused: the certificate is required.
    Refused(String),
}

/// Handshakes at `version` with `suite` and no client certificate. `Err`
/// when the handshake could not be tried (no connection, a suite the local
/// OpenSSL lacks).
pub async fn handshake_without_certificate(
    endpoint: &Endpoint,
    server_name: Option<&str>,
    version: TlsVersion,
    suite: CipherSuiteId,
) -> Result<NoCertificate, String> {
    let name = suite
        .suite()
        .and_then(|s| s.openssl_name)
        .ok_or_else(|| format!("OpenSSL has no name for {suite}"))?;
    let mut b = SslContextBuilder::new(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_security_level(0);
    b.set_min_proto_version(Some(ssl_version(version)))
        .map_err(|e| e.to_string())?;
    b.set_max_proto_version(Some(ssl_version(version)))
        .map_err(|e| e.to_string())?;
    if version == TlsVersion::Tls13 {
        b.set_ciphersuites(name)
            .map_err(|e| format!("the local OpenSSL cannot offer {suite}: {e}"))?;
    } else {
        b.set_cipher_list(&format!("{name}:@SECLEVEL=0"))
            .map_err(|e| format!("the local OpenSSL cannot offer {suite}: {e}"))?;
    }
    b.set_verify(SslVerifyMode::NONE);
    let ctx = b.build();
    let mut ssl = Ssl::new(&ctx).map_err(|e| e.to_string())?;
    if let Some(name) = server_name {
        ssl.set_hostname(name).map_err(|e| e.to_string())?;
    }
    let connection = endpoint.connect().await.map_err(|e| e.to_string())?;
    let timeout = endpoint.limits().timeout;
    let mut tls = SslStream::new(ssl, connection.stream).map_err(|e| e.to_string())?;
    match tokio::time::timeout(timeout, Pin::new(&mut tls).connect()).await {
        Err(_) => return Err("the handshake timed out".into()),
        Ok(Err(e)) => return Ok(NoCertificate::Refused(e.to_string())),
        Ok(Ok(())) => {}
    }
    if version < TlsVersion::Tls13 {
        return Ok(NoCertificate::Completed);
    }
    // A TLS 1.3 server checks the client's (empty) certificate after the
    // client has finished: its refusal is an alert on the first read.
    let mut buf = [0u8; 256];
    let wait = timeout.min(std::time::Duration::from_secs(1));
    match tokio::time::timeout(wait, tls.read(&mut buf)).await {
        Ok(Err(e)) => Ok(NoCertificate::Refused(e.to_string())),
        _ => Ok(NoCertificate::Completed),
    }
}
