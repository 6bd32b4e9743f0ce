//! Certificates for the emulator and the tests.
//!
//! An emulated endpoint needs a certificate whose key type matches the
//! profile's suites (every Deep Security suite authenticates with RSA), and an
//! emulated *activated* endpoint needs a CA that signs both its own
//! certificate and the client certificates it accepts, the way a Deep Security
//! manager's own CA does. This module makes throwaway ones with the openssl
//! crate, or loads the user's PEM files.

use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Name, X509NameBuilder, X509NameRef};

/// The key algorithm of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum KeyType {
    /// RSA 2048: what every Deep Security suite needs.
    #[default]
    Rsa,
    /// ECDSA P-256: for testing an endpoint no Deep Security profile can use.
    Ecdsa,
    /// DSA 2048: legacy, only for DHE-DSS suites in tests and benchmarks.
    Dsa,
}

/// A certificate chain and its private key.
#[derive(Clone)]
pub struct Identity {
    /// The leaf certificate.
    pub cert: X509,
    /// Intermediates and root, leaf excluded, in order.
    pub chain: Vec<X509>,
    /// The leaf's private key.
    pub key: PKey<Private>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &subject_line(&self.cert))
            .finish_non_exhaustive()
    }
}

/// A throwaway certificate authority.
#[derive(Debug, Clone)]
pub struct Authority {
    /// The CA's own certificate and key.
    pub identity: Identity,
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A TLS server, valid for `localhost`, `127.0.0.1` and `::1`.
    Server,
    /// A TLS client.
    Client,
}

/// A certificate or key file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: crate::base::input::InputError,
    },
    /// The file is not a PEM certificate or key, or they do not match.
    #[error("{}: {what}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// OpenSSL failed to generate or sign.
    #[error("cannot generate a certificate: {0}")]
    Generate(#[from] ErrorStack),
}

/// How [`Authority::issue_with`] makes a certificate. The default is what
/// [`Authority::issue`] makes for a server: RSA 2048, signed with SHA-256,
/// valid from now for a year. The other settings exist to test reports about
/// bad certificates (short keys, SHA-1, expired).
#[derive(Clone)]
pub struct IssueOptions {
    /// The key algorithm.
    pub key_type: KeyType,
    /// Key size in bits for RSA and DSA keys; ECDSA keys are always P-256.
    pub key_bits: u32,
    /// What the certificate is for.
    pub usage: Usage,
    /// The digest the authority signs with.
    pub digest: MessageDigest,
    /// Start of validity; `None` for now.
    pub not_before: Option<time::OffsetDateTime>,
    /// End of validity; `None` for a year from now.
    pub not_after: Option<time::OffsetDateTime>,
    /// The certificate's key, of `key_type`; `None` for a new one.
    pub key: Option<PKey<Private>>,
}

impl Default for IssueOptions {
    fn default() -> IssueOptions {
        IssueOptions {
            key_type: KeyType::Rsa,
            key_bits: 2048,
            usage: Usage::Server,
            digest: MessageDigest::sha256(),
            not_before: None,
            not_after: None,
            key: None,
        }
    }
}

impl std::fmt::Debug for IssueOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssueOptions")
            .field("key_type", &self.key_type)
            .field("key_bits", &self.key_bits)
            .field("usage", &self.usage)
            .field("digest", &self.digest.type_().short_name().unwrap_or("?"))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &self.key.as_ref().map(|_| "given"))
            .finish()
    }
}

/// What a shared key signs for (see [`shared_key`]): a certificate and
/// its authority never share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// An authority's own key.
    Authority,
    /// A server certificate's key.
    Server,
    /// A client certificate's key.
    Client,
}

/// A key of this type, size and role, made the first time this process
/// asks and handed out again after: for emulators, whose certificates are
/// throwaway. A 2048-bit RSA key takes a tenth of a second to a second to
/// make (it was most of the CPU time of the integration tests, which stand
/// up hundreds of emulators); the certificates made with it stay distinct
/// (their own names, serial numbers and authorities), and an authority
/// and the certificates it signs never share a key.
pub fn shared_key(
    key_type: KeyType,
    bits: u32,
    role: KeyRole,
) -> Result<PKey<Private>, ErrorStack> {
    type Keys = std::collections::HashMap<(KeyType, u32, KeyRole), PKey<Private>>;
    static KEYS: std::sync::LazyLock<std::sync::Mutex<Keys>> =
        std::sync::LazyLock::new(Default::default);
    // A poisoned lock only means a panic elsewhere while it was held: the
    // map itself is whole (an insert is the last step).
    let mut keys = KEYS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(key) = keys.get(&(key_type, bits, role)) {
        return Ok(key.clone());
    }
    let key = new_key(key_type, bits)?;
    keys.insert((key_type, bits, role), key.clone());
    Ok(key)
}

fn new_key(key_type: KeyType, bits: u32) -> Result<PKey<Private>, ErrorStack> {
    match key_type {
        KeyType::Rsa => PKey::from_rsa(Rsa::generate(bits)?),
        KeyType::Ecdsa => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
            PKey::from_ec_key(EcKey::generate(&group)?)
        }
        KeyType::Dsa => PKey::from_dsa(openssl::dsa::Dsa::generate(bits)?),
    }
}

/// An ASN.1 time for a moment, to the second (in UTC, as RFC 5280 wants).
fn asn1_time(t: time::OffsetDateTime) -> Result<Asn1Time, ErrorStack> {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    Asn1Time::from_str(&text)
}

fn name(common_name: &str) -> Result<X509Name, ErrorStack> {
    let mut b = X509NameBuilder::new()?;
    b.append_entry_by_nid(Nid::ORGANIZATIONNAME, "tlscompat emulator")?;
    b.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(b.build())
}

/// A builder with version, random serial, subject, key and one year of validity.
fn builder(subject: &X509NameRef, key: &PKey<Private>) -> Result<X509Builder, ErrorStack> {
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let serial = serial()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(subject)?;
    b.set_pubkey(key)?;
    let (not_before, not_after) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(365)?);
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    Ok(b)
}

fn serial() -> Result<Asn1Integer, ErrorStack> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false)?;
    bn.to_asn1_integer()
}

impl Authority {
    /// A new RSA CA valid for a year.
    pub fn generate(common_name: &str) -> Result<Authority, ErrorStack> {
        Authority::with_key(common_name, new_key(KeyType::Rsa, 2048)?)
    }

    /// A new CA valid for a year, with this key (RSA, for the suites
    /// that need an RSA signature on the chain).
    pub fn with_key(common_name: &str, key: PKey<Private>) -> Result<Authority, ErrorStack> {
        let name = name(common_name)?;
        let mut b = builder(&name, &key)?;
        b.set_issuer_name(&name)?;
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
        b.append_extension(ski)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(Authority {
            identity: Identity {
                cert: b.build(),
                chain: Vec::new(),
                key,
            },
        })
    }

    /// Issues a leaf certificate signed by this CA, valid for a year.
    pub fn issue(
        &self,
        common_name: &str,
        key_type: KeyType,
        usage: Usage,
    ) -> Result<Identity, ErrorStack> {
        let options = IssueOptions {
            key_type,
            usage,
            ..IssueOptions::default()
        };
        self.issue_with(common_name, &options)
    }

    /// Issues a leaf certificate signed by this CA, as `options` say.
    pub fn issue_with(
        &self,
        common_name: &str,
        options: &IssueOptions,
    ) -> Result<Identity, ErrorStack> {
        let (key_type, usage) = (options.key_type, options.usage);
        let key = match &options.key {
            Some(key) => key.clone(),
            None => new_key(key_type, options.key_bits)?,
        };
        let subject = name(common_name)?;
        let mut b = builder(&subject, &key)?;
        if let Some(t) = options.not_before {
            let t = asn1_time(t)?;
            b.set_not_before(&t)?;
        }
        if let Some(t) = options.not_after {
            let t = asn1_time(t)?;
            b.set_not_after(&t)?;
        }
        b.set_issuer_name(self.identity.cert.subject_name())?;
        b.append_extension(BasicConstraints::new().critical().build()?)?;
        let mut ku = KeyUsage::new();
        ku.critical().digital_signature();
        if key_type == KeyType::Rsa {
            // RSA key exchange (TLS_RSA_*) encrypts the premaster secret to this key.
            ku.key_encipherment();
        }
        b.append_extension(ku.build()?)?;
        match usage {
            Usage::Server => {
                b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
                let san = SubjectAlternativeName::new()
                    .dns("localhost")
                    .dns(common_name)
                    .ip("127.0.0.1")
                    .ip("::1")
                    .build(&b.x509v3_context(Some(&self.identity.cert), None))?;
                b.append_extension(san)?;
            }
            Usage::Client => b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?,
        }
        b.sign(&self.identity.key, options.digest)?;
        Ok(Identity {
            cert: b.build(),
            chain: vec![self.identity.cert.clone()],
            key,
        })
    }
}

impl Identity {
    /// Loads a PEM certificate chain (leaf first) and a PEM private key, and
    /// checks that they belong together.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Identity, CertError> {
        let read = |p: &Path| {
            crate::base::input::read_bytes(p, crate::base::input::Kind::Certificate).map_err(
                |source| CertError::Read {
                    path: p.to_path_buf(),
                    source,
                },
            )
        };
        let invalid = |p: &Path, what: String| CertError::Invalid {
            path: p.to_path_buf(),
            what,
        };
        let mut certs = X509::stack_from_pem(&read(cert_path)?)
            .map_err(|e| invalid(cert_path, format!("not a PEM certificate ({e})")))?;
        if certs.is_empty() {
            return Err(invalid(cert_path, "no PEM certificate in the file".into()));
        }
        let cert = certs.remove(0);
        let key = PKey::private_key_from_pem(&read(key_path)?)
            .map_err(|e| invalid(key_path, format!("not a PEM private key ({e})")))?;
        let pubkey = cert.public_key().map_err(CertError::Generate)?;
        if !key.public_eq(&pubkey) {
            return Err(invalid(
                key_path,
                format!("the key does not match {}", cert_path.display()),
            ));
        }
        Ok(Identity {
            cert,
            chain: certs,
            key,
        })
    }

    /// Leaf then chain, PEM.
    pub fn cert_pem(&self) -> Result<Vec<u8>, ErrorStack> {
        let mut out = self.cert.to_pem()?;
        for c in &self.chain {
            out.extend(c.to_pem()?);
        }
        Ok(out)
    }

    /// The private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> Result<Vec<u8>, ErrorStack> {
        self.key.private_key_to_pem_pkcs8()
    }

    /// `rsa 2048` or `ec 256`.
    pub fn key_summary(&self) -> String {
        let kind = match self.key.id() {
            openssl::pkey::Id::RSA => "rsa",
            openssl::pkey::Id::EC => "ecdsa",
            openssl::pkey::Id::DSA => "dsa",
            openssl::pkey::Id::ED25519 => "ed25519",
            _ => "other",
        };
        format!("{kind} {}", self.key.bits())
    }
}

/// Loads every certificate of a PEM file (a CA bundle).
pub fn load_certs(path: &Path) -> Result<Vec<X509>, CertError> {
    let pem = crate::base::input::read_bytes(path, crate::base::input::Kind::Certificate).map_err(
        |source| CertError::Read {
            path: path.to_path_buf(),
            source,
        },
    )?;
    let certs = X509::stack_from_pem(&pem).map_err(|e| CertError::Invalid {
        path: path.to_path_buf(),
        what: format!("not a PEM certificate ({e})"),
    })?;
    if certs.is_empty() {
        return Err(CertError::Invalid {
            path: path.to_path_buf(),
            what: "no PEM certificate in the file".into(),
        });
    }
    Ok(certs)
}

/// `CN=…, O=…` for messages.
pub fn subject_line(cert: &X509) -> String {
    cert.subject_name()
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::X509VerifyResult;

    /// Emulators' keys are made once per role; their certificates stay
    /// their own, and an authority never signs with its leaves' key.
    #[test]
    fn shared_keys_are_one_per_role_and_certificates_stay_distinct() {
        let key = |role| shared_key(KeyType::Rsa, 2048, role).unwrap();
        let same = |a: &PKey<Private>, b: &PKey<Private>| a.public_eq(b);
        assert!(same(&key(KeyRole::Server), &key(KeyRole::Server)));
        assert!(!same(&key(KeyRole::Server), &key(KeyRole::Authority)));
        assert!(!same(&key(KeyRole::Client), &key(KeyRole::Authority)));
        assert!(!same(&key(KeyRole::Client), &key(KeyRole::Server)));
        let a = crate::serve::GeneratedPki::generate("a", KeyType::Rsa).unwrap();
        let b = crate::serve::GeneratedPki::generate("b", KeyType::Rsa).unwrap();
        assert!(same(&a.server.key, &b.server.key));
        assert!(!same(&a.server.key, &a.ca.identity.key));
        assert_ne!(
            a.server.cert.to_der().unwrap(),
            b.server.cert.to_der().unwrap()
        );
        // b's server certificate does not verify under a's authority
        // (another name), though both authorities share a key.
        let mut store = openssl::x509::store::X509StoreBuilder::new().unwrap();
        store.add_cert(a.ca.identity.cert.clone()).unwrap();
        let store = store.build();
        let verifies = |cert: &X509| {
            let mut ctx = openssl::x509::X509StoreContext::new().unwrap();
            let chain = openssl::stack::Stack::new().unwrap();
            ctx.init(&store, cert, &chain, |c| c.verify_cert()).unwrap()
        };
        assert!(verifies(&a.server.cert));
        assert!(!verifies(&b.server.cert));
        // An ECDSA server key is its own.
        let e = crate::serve::GeneratedPki::generate("e", KeyType::Ecdsa).unwrap();
        assert!(!same(&e.server.key, &a.server.key));
    }

    #[test]
    fn issued_certificates_verify_against_their_authority() {
        let ca = Authority::generate("test CA").unwrap();
        let server = ca
            .issue("server.test", KeyType::Rsa, Usage::Server)
            .unwrap();
        assert_eq!(ca.identity.cert.issued(&server.cert), X509VerifyResult::OK);
        assert!(server.cert.verify(&ca.identity.key).unwrap());
        assert_eq!(server.key_summary(), "rsa 2048");
        let client = ca.issue("client", KeyType::Ecdsa, Usage::Client).unwrap();
        assert_eq!(client.key_summary(), "ecdsa 256");
        assert!(subject_line(&client.cert).contains("CN=client"));
    }

    #[test]
    fn issue_with_honours_key_size_digest_and_validity() {
        let ca = Authority::generate("test CA").unwrap();
        let now = time::OffsetDateTime::now_utc();
        let old = ca
            .issue_with(
                "old.test",
                &IssueOptions {
                    key_bits: 1024,
                    digest: MessageDigest::sha1(),
                    not_before: Some(now - time::Duration::days(400)),
                    not_after: Some(now - time::Duration::days(35)),
                    ..IssueOptions::default()
                },
            )
            .unwrap();
        assert_eq!(old.key_summary(), "rsa 1024");
        assert_eq!(
            old.cert.signature_algorithm().object().nid(),
            Nid::SHA1WITHRSAENCRYPTION
        );
        let expired_since = old
            .cert
            .not_after()
            .diff(&Asn1Time::days_from_now(0).unwrap());
        assert_eq!(expired_since.unwrap().days, 35);
        assert_eq!(ca.identity.cert.issued(&old.cert), X509VerifyResult::OK);
    }

    #[test]
    fn load_round_trips_and_rejects_mismatches() {
        let ca = Authority::generate("test CA").unwrap();
        let a = ca.issue("a", KeyType::Rsa, Usage::Server).unwrap();
        let b = ca.issue("b", KeyType::Rsa, Usage::Server).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, other_key) = (
            dir.path().join("a.pem"),
            dir.path().join("a.key"),
            dir.path().join("b.key"),
        );
        std::fs::write(&cert, a.cert_pem().unwrap()).unwrap();
        std::fs::write(&key, a.key_pem().unwrap()).unwrap();
        std::fs::write(&other_key, b.key_pem().unwrap()).unwrap();
        let loaded = Identity::load(&cert, &key).unwrap();
        assert_eq!(loaded.cert.to_der().unwrap(), a.cert.to_der().unwrap());
        assert_eq!(loaded.chain.len(), 1, "the CA came along");
        let err = Identity::load(&cert, &other_key).unwrap_err().to_string();
        assert!(err.contains("does not match"), "{err}");
        let err = Identity::load(&key, &key).unwrap_err().to_string();
        assert!(err.contains("PEM certificate"), "{err}");
        let err = Identity::load(&dir.path().join("missing.pem"), &key)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read"), "{err}");
    }
}
