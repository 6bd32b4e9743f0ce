//! Independent TLS clients for checking what a server accepts:
//! `openssl s_client` processes and rustls.

use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tlscompat::model::suites::CipherSuiteId;
use tlscompat::model::version::TlsVersion;
use tlscompat::tls::certs::Identity;

/// What `openssl s_client` saw.
#[derive(Debug)]
pub struct SClient {
    pub ok: bool,
    /// OpenSSL's cipher name, e.g. `ECDHE-RSA-AES256-GCM-SHA384`.
    pub cipher: Option<String>,
    /// `TLSv1.2` …
    pub protocol: Option<String>,
    pub output: String,
}

fn s_client_version_flag(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Ssl3 => "-ssl3",
        TlsVersion::Tls10 => "-tls1",
        TlsVersion::Tls11 => "-tls1_1",
        TlsVersion::Tls12 => "-tls1_2",
        TlsVersion::Tls13 => "-tls1_3",
    }
}

/// One handshake with `openssl s_client`, offering exactly `version` and `suite`.
pub fn s_client(
    addr: SocketAddr,
    version: TlsVersion,
    suite: CipherSuiteId,
    extra: &[&str],
) -> SClient {
    let name = suite
        .suite()
        .and_then(|s| s.openssl_name)
        .expect("suite known to OpenSSL");
    let mut cmd = Command::new("openssl");
    cmd.arg("s_client")
        .arg("-connect")
        .arg(addr.to_string())
        .arg(s_client_version_flag(version));
    if version == TlsVersion::Tls13 {
        cmd.args(["-ciphersuites", name]);
    } else {
        cmd.args(["-cipher", &format!("{name}:@SECLEVEL=0")]);
    }
    cmd.args(extra).stdin(Stdio::null());
    let out = cmd
        .output()
        .expect("the `openssl` command (Debian package openssl) is needed");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |prefix: &str| {
        output
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let cipher = output
        .lines()
        .find_map(|l| {
            l.split_once("Cipher is ")
                .map(|(_, c)| c.trim().to_string())
        })
        .filter(|c| c != "(NONE)");
    SClient {
        ok: out.status.success() && cipher.is_some(),
        cipher,
        protocol: field("Protocol  :"),
        output,
    }
}

/// s_client succeeded with exactly this version and suite.
#[track_caller]
pub fn assert_accepts(addr: SocketAddr, version: TlsVersion, suite: CipherSuiteId) {
    let r = s_client(addr, version, suite, &[]);
    assert!(r.ok, "{version} {suite} refused:\n{}", r.output);
    let want = suite.suite().unwrap().openssl_name.unwrap();
    assert_eq!(r.cipher.as_deref(), Some(want), "{version} {suite}");
    assert_eq!(
        r.protocol.as_deref(),
        Some(version.openssl_name()),
        "{version} {suite}"
    );
}

/// s_client failed.
#[track_caller]
pub fn assert_refuses(addr: SocketAddr, version: TlsVersion, suite: CipherSuiteId) {
    let r = s_client(addr, version, suite, &[]);
    assert!(
        !r.ok,
        "{version} {suite} accepted but should not be:\n{}",
        r.output
    );
}

/// The TLS 1.2 suites rustls (ring) implements.
pub fn rustls_tls12_suites() -> Vec<CipherSuiteId> {
    rustls::crypto::ring::default_provider()
        .cipher_suites
        .iter()
        .filter(|s| s.version() == &rustls::version::TLS12)
        .map(|s| CipherSuiteId(u16::from(s.suite())))
        .collect()
}

/// One rustls handshake at TLS 1.2 (or 1.3) offering only `suite`, trusting
/// `ca`, optionally with a client certificate. Returns the negotiated suite.
pub fn rustls_handshake(
    addr: SocketAddr,
    suite: CipherSuiteId,
    ca: &openssl::x509::X509,
    client: Option<&Identity>,
) -> Result<CipherSuiteId, String> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider
        .cipher_suites
        .retain(|s| u16::from(s.suite()) == suite.0);
    let version = match provider.cipher_suites.first() {
        Some(s) => s.version(),
        None => return Err(format!("rustls has no {suite}")),
    };
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca.to_der().unwrap()))
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(id) => {
            let mut chain = vec![CertificateDer::from(id.cert.to_der().unwrap())];
            chain.extend(
                id.chain
                    .iter()
                    .map(|c| CertificateDer::from(c.to_der().unwrap())),
            );
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                id.key.private_key_to_pkcs8().unwrap(),
            ));
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    let name = ServerName::IpAddress(addr.ip().into());
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut tcp =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).map_err(|e| e.to_string())?;
    }
    let negotiated = conn.negotiated_cipher_suite().ok_or("no suite")?;
    // Close, and read to the end: a TLS 1.3 server checks the client
    // certificate after the client's handshake is done, so a refusal arrives
    // as an alert here.
    conn.send_close_notify();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut rustls::Stream::new(&mut conn, &mut tcp), &mut rest)
        .map_err(|e| e.to_string())?;
    Ok(CipherSuiteId(u16::from(negotiated.suite())))
}
