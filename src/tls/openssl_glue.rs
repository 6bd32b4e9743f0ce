//! OpenSSL glue shared by the client engine and the emulator.
//!
//! Both sides must offer exactly one configuration (a profile's versions,
//! suites in order, groups and signature algorithms) whatever the host's
//! OpenSSL policy says, including the legacy parts (TLS 1.0, CBC, RSA key
//! exchange) that OpenSSL 3 refuses at its default security level. So every
//! context starts from scratch: security level 0 (the suite list, not the
//! level, decides), explicit version bounds with holes closed by
//! `NO_TLSv1_x` options, and each suite checked alone, because
//! `SSL_CTX_set_cipher_list` fails only when *nothing* in a list matches and
//! a joined list would hide a missing suite.

use openssl::error::ErrorStack;
use openssl::ssl::{SslContextBuilder, SslMethod, SslOptions, SslVersion};

use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::tls::certs::Identity;
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// Why a context for a configuration cannot be built on this machine.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The local OpenSSL does not implement a suite.
    #[error("the local OpenSSL cannot offer {0}")]
    UnsupportedSuite(CipherSuiteId),
    /// The local OpenSSL does not implement a version.
    #[error("the local OpenSSL cannot offer {0}")]
    UnsupportedVersion(TlsVersion),
    /// The configuration lists no version.
    #[error("no TLS version to offer")]
    NoVersion,
    /// An enabled version has no suite that can run on it.
    #[error("no cipher suite to offer at {0}")]
    NoSuiteFor(TlsVersion),
    /// OpenSSL refused a setting.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] ErrorStack),
}

/// What one side offers.
#[derive(Debug, Clone, Copy)]
pub struct OfferSpec<'a> {
    /// Versions, any order.
    pub versions: &'a [TlsVersion],
    /// Suites in preference order.
    pub cipher_suites: &'a [CipherSuiteId],
    /// Groups in preference order (empty: OpenSSL's defaults).
    pub groups: &'a [NamedGroup],
    /// Signature algorithms in preference order (empty: OpenSSL's defaults).
    pub signature_algorithms: &'a [SignatureScheme],
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
pub(crate) fn bare_builder(method: SslMethod) -> Result<SslContextBuilder, ErrorStack> {
    let mut b = SslContextBuilder::new(method)?;
    b.set_security_level(0);
    Ok(b)
}

/// Whether the local OpenSSL implements `id`.
pub fn openssl_can_serve(id: CipherSuiteId) -> bool {
    let Ok(mut scratch) = bare_builder(SslMethod::tls()) else {
        return false;
    };
    suite_name(&mut scratch, id).is_ok()
}

/// The OpenSSL name of `id`, checked on `scratch`.
fn suite_name(
    scratch: &mut SslContextBuilder,
    id: CipherSuiteId,
) -> Result<(&'static str, bool), ContextError> {
    let suite = id.suite().ok_or(ContextError::UnsupportedSuite(id))?;
    let name = suite
        .openssl_name
        .ok_or(ContextError::UnsupportedSuite(id))?;
    let ok = if suite.is_tls13() {
        scratch.set_ciphersuites(name).is_ok()
    } else {
        scratch
            .set_cipher_list(&format!("{name}:@SECLEVEL=0"))
            .is_ok()
    };
    if ok {
        Ok((name, suite.is_tls13()))
    } else {
        Err(ContextError::UnsupportedSuite(id))
    }
}

/// A builder for `method` that offers exactly `offer` (see [`configure`]).
pub(crate) fn offer_builder(
    method: SslMethod,
    offer: &OfferSpec<'_>,
) -> Result<SslContextBuilder, ContextError> {
    let mut b = bare_builder(method)?;
    configure(&mut b, offer)?;
    Ok(b)
}

/// Presents `identity`: its certificate, its chain and its key.
pub(crate) fn use_identity(
    b: &mut SslContextBuilder,
    identity: &Identity,
) -> Result<(), ErrorStack> {
    b.set_certificate(&identity.cert)?;
    for c in &identity.chain {
        b.add_extra_chain_cert(c.clone())?;
    }
    b.set_private_key(&identity.key)
}

/// Sets versions, suites, groups and signature algorithms on `b`, exactly.
fn configure(b: &mut SslContextBuilder, offer: &OfferSpec<'_>) -> Result<(), ContextError> {
    let (min, max) = match (offer.versions.iter().min(), offer.versions.iter().max()) {
        (Some(min), Some(max)) => (*min, *max),
        _ => return Err(ContextError::NoVersion),
    };
    // OpenSSL 3 builds (Debian's among them) leave SSL 3.0 out entirely.
    if min == TlsVersion::Ssl3 {
        return Err(ContextError::UnsupportedVersion(TlsVersion::Ssl3));
    }
    let mut scratch = bare_builder(SslMethod::tls())?;
    let (mut legacy, mut tls13) = (Vec::new(), Vec::new());
    for id in offer.cipher_suites {
        match suite_name(&mut scratch, *id)? {
            (name, true) => tls13.push(name),
            (name, false) => legacy.push(name),
        }
    }
    b.set_min_proto_version(Some(ssl_version(min)))?;
    b.set_max_proto_version(Some(ssl_version(max)))?;
    let mut options = SslOptions::NO_COMPRESSION | SslOptions::NO_RENEGOTIATION;
    for v in TlsVersion::ALL {
        if !offer.versions.contains(&v) {
            options |= no_version_option(v);
        }
    }
    b.set_options(options);
    // Each enabled version needs a suite of its kind (profile validation
    // guarantees this for profiles; offers built in code are checked here).
    if offer.versions.iter().any(|v| *v < TlsVersion::Tls13) {
        if legacy.is_empty() {
            return Err(ContextError::NoSuiteFor(min));
        }
        b.set_cipher_list(&format!("{}:@SECLEVEL=0", legacy.join(":")))?;
    }
    if offer.versions.contains(&TlsVersion::Tls13) {
        if tls13.is_empty() {
            return Err(ContextError::NoSuiteFor(TlsVersion::Tls13));
        }
        b.set_ciphersuites(&tls13.join(":"))?;
    }
    let groups: Vec<&str> = offer
        .groups
        .iter()
        .filter_map(|g| g.openssl_name())
        .collect();
    if !groups.is_empty() {
        b.set_groups_list(&groups.join(":"))?;
    }
    let sigalgs: Vec<String> = offer
        .signature_algorithms
        .iter()
        .filter_map(|s| s.openssl_name())
        .collect();
    if !sigalgs.is_empty() {
        b.set_sigalgs_list(&sigalgs.join(":"))?;
    }
    Ok(())
}

/// OpenSSL's reasons for a failed handshake, in its own words ("no shared
/// cipher; …"), when its error stack has any.
pub(crate) fn error_reasons(e: &openssl::ssl::Error) -> Option<String> {
    let stack = e.ssl_error()?;
    let reasons: Vec<&str> = stack.errors().iter().filter_map(|e| e.reason()).collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}
