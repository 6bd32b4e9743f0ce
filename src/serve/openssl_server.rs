//! An OpenSSL server context that accepts exactly one configuration.
//!
//! The emulator must accept the profile's versions and suites and nothing
//! else, including the legacy ones (TLS 1.0, CBC, RSA key exchange) that
//! OpenSSL 3 refuses at its default security level. So the context is built
//! from scratch: security level 0 (the suite list, not the level, decides),
//! explicit version bounds with holes closed by `NO_TLSv1_x` options, the
//! exact suite list in order, and the host's OpenSSL configuration overridden
//! wherever it could widen or narrow what is accepted.

use openssl::error::ErrorStack;
use openssl::ssl::{
    SslContext, SslContextBuilder, SslMethod, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;

use super::ServerSpec;
use crate::certs::Identity;
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// Why a context for a spec cannot be built on this machine.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The local OpenSSL does not implement a suite.
    #[error("the local OpenSSL cannot serve {0}")]
    UnsupportedSuite(CipherSuiteId),
    /// The local OpenSSL does not implement a version.
    #[error("the local OpenSSL cannot serve {0}")]
    UnsupportedVersion(TlsVersion),
    /// The spec lists no version.
    #[error("no TLS version to serve")]
    NoVersion,
    /// An enabled version has no suite that can run on it.
    #[error("no cipher suite to serve at {0}")]
    NoSuiteFor(TlsVersion),
    /// OpenSSL refused a setting.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] ErrorStack),
}

/// OpenSSL's constant for a version.
pub(crate) fn ssl_version(v: TlsVersion) -> SslVersion {
    match v {
        TlsVersion::Ssl3 => SslVersion::SSL3,
        TlsVersion::Tls10 => SslVersion::TLS1,
        TlsVersion::Tls11 => SslVersion::TLS1_1,
        TlsVersion::Tls12 => SslVersion::TLS1_2,
        TlsVersion::Tls13 => SslVersion::TLS1_3,
    }
}

fn no_version_option(v: TlsVersion) -> SslOptions {
    match v {
        TlsVersion::Ssl3 => SslOptions::NO_SSLV3,
        TlsVersion::Tls10 => SslOptions::NO_TLSV1,
        TlsVersion::Tls11 => SslOptions::NO_TLSV1_1,
        TlsVersion::Tls12 => SslOptions::NO_TLSV1_2,
        TlsVersion::Tls13 => SslOptions::NO_TLSV1_3,
    }
}

/// The version the local OpenSSL maps back to ours.
pub(crate) fn from_ssl_version(v: SslVersion) -> Option<TlsVersion> {
    TlsVersion::ALL.into_iter().find(|t| ssl_version(*t) == v)
}

/// A builder that starts from nothing the host configured.
fn bare_builder() -> Result<SslContextBuilder, ErrorStack> {
    let mut b = SslContextBuilder::new(SslMethod::tls_server())?;
    b.set_security_level(0);
    Ok(b)
}

/// Whether the local OpenSSL implements `id` (so an emulator can serve it).
pub fn openssl_can_serve(id: CipherSuiteId) -> bool {
    let Some(suite) = id.suite() else {
        return false;
    };
    let Some(name) = suite.openssl_name else {
        return false;
    };
    let Ok(mut scratch) = bare_builder() else {
        return false;
    };
    if suite.is_tls13() {
        scratch.set_ciphersuites(name).is_ok()
    } else {
        scratch
            .set_cipher_list(&format!("{name}:@SECLEVEL=0"))
            .is_ok()
    }
}

/// Checks each suite alone: `SSL_CTX_set_cipher_list` fails only when nothing
/// in the list matches, so a joined list would hide a missing suite.
fn check_suites(spec: &ServerSpec) -> Result<(String, String), ContextError> {
    let mut scratch = bare_builder()?;
    let (mut legacy, mut tls13) = (Vec::new(), Vec::new());
    for id in &spec.cipher_suites {
        let suite = id.suite().ok_or(ContextError::UnsupportedSuite(*id))?;
        let name = suite
            .openssl_name
            .ok_or(ContextError::UnsupportedSuite(*id))?;
        let ok = if suite.is_tls13() {
            scratch.set_ciphersuites(name).is_ok()
        } else {
            scratch
                .set_cipher_list(&format!("{name}:@SECLEVEL=0"))
                .is_ok()
        };
        if !ok {
            return Err(ContextError::UnsupportedSuite(*id));
        }
        if suite.is_tls13() {
            tls13.push(name)
        } else {
            legacy.push(name)
        }
    }
    Ok((legacy.join(":"), tls13.join(":")))
}

/// Builds the server context for `spec` with `identity`; `client_ca` (when
/// client certificates are required) is the CA they must chain to.
pub(crate) fn server_context(
    spec: &ServerSpec,
    identity: &Identity,
    extra_identities: &[Identity],
    client_ca: Option<&[X509]>,
) -> Result<SslContext, ContextError> {
    let (min, max) = match (spec.versions.iter().min(), spec.versions.iter().max()) {
        (Some(min), Some(max)) => (*min, *max),
        _ => return Err(ContextError::NoVersion),
    };
    let (legacy, tls13) = check_suites(spec)?;
    let mut b = bare_builder()?;
    // OpenSSL 3 builds (Debian's among them) leave SSL 3.0 out entirely.
    if min == TlsVersion::Ssl3 {
        return Err(ContextError::UnsupportedVersion(TlsVersion::Ssl3));
    }
    b.set_min_proto_version(Some(ssl_version(min)))?;
    b.set_max_proto_version(Some(ssl_version(max)))?;
    let mut options = SslOptions::NO_COMPRESSION | SslOptions::NO_RENEGOTIATION;
    for v in TlsVersion::ALL {
        if !spec.versions.contains(&v) {
            options |= no_version_option(v);
        }
    }
    if spec.server_preference {
        options |= SslOptions::CIPHER_SERVER_PREFERENCE;
    }
    b.set_options(options);
    // Each enabled version needs a suite of its kind (profile validation
    // guarantees this for profiles; specs built in code are checked here).
    let below_13 = spec.versions.iter().any(|v| *v < TlsVersion::Tls13);
    if below_13 {
        if legacy.is_empty() {
            return Err(ContextError::NoSuiteFor(min));
        }
        b.set_cipher_list(&format!("{legacy}:@SECLEVEL=0"))?;
    }
    if spec.versions.contains(&TlsVersion::Tls13) {
        if tls13.is_empty() {
            return Err(ContextError::NoSuiteFor(TlsVersion::Tls13));
        }
        b.set_ciphersuites(&tls13)?;
    }
    if !spec.groups.is_empty() {
        let names: Vec<&str> = spec
            .groups
            .iter()
            .filter_map(|g| g.openssl_name())
            .collect();
        if !names.is_empty() {
            b.set_groups_list(&names.join(":"))?;
        }
    }
    let sigalgs: Vec<String> = spec
        .signature_algorithms
        .iter()
        .filter_map(|s| s.openssl_name())
        .collect();
    if !sigalgs.is_empty() {
        b.set_sigalgs_list(&sigalgs.join(":"))?;
    }
    b.set_certificate(&identity.cert)?;
    for c in &identity.chain {
        b.add_extra_chain_cert(c.clone())?;
    }
    b.set_private_key(&identity.key)?;
    b.check_private_key()?;
    for extra in extra_identities {
        b.set_certificate(&extra.cert)?;
        b.set_private_key(&extra.key)?;
        b.check_private_key()?;
    }
    // Finite-field DHE suites need parameters (RFC 5114 2048-bit group).
    let dh = openssl::dh::Dh::get_2048_256()?;
    b.set_tmp_dh(&dh)?;
    if let Some(cas) = client_ca {
        let mut store = X509StoreBuilder::new()?;
        for ca in cas {
            store.add_cert(ca.clone())?;
            b.add_client_ca(ca)?;
        }
        b.set_verify_cert_store(store.build())?;
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    } else {
        b.set_verify(SslVerifyMode::NONE);
    }
    Ok(b.build())
}
