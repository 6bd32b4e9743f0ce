//! An OpenSSL server context that accepts exactly one configuration: the
//! profile's versions and suites and nothing else (see [`crate::tls::openssl_glue`]
//! for how a context is pinned), with server preference when asked, the
//! emulator's certificates and, optionally, client-certificate demands.

use openssl::ssl::{SslContext, SslMethod, SslOptions, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;

use super::ServerSpec;
use crate::tls::certs::Identity;
use crate::tls::openssl_glue::{ContextError, OfferSpec, offer_builder, use_identity};

/// Builds the server context for `spec` with `identity`; `client_ca` (when
/// client certificates are required) is the CA they must chain to.
pub(crate) fn server_context(
    spec: &ServerSpec,
    identity: &Identity,
    extra_identities: &[Identity],
    client_ca: Option<&[X509]>,
) -> Result<SslContext, ContextError> {
    let mut b = offer_builder(
        SslMethod::tls_server(),
        &OfferSpec {
            versions: &spec.versions,
            cipher_suites: &spec.cipher_suites,
            groups: &spec.groups,
            signature_algorithms: &spec.signature_algorithms,
        },
    )?;
    if spec.server_preference {
        b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
    }
    use_identity(&mut b, identity)?;
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
