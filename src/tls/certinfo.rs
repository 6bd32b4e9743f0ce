//! What a server's certificate says, and what is wrong with it.
//!
//! The probe sees the certificate chain in the clear (TLS 1.2 and older).
//! Operators look for three things in it: whether it is still valid, whether
//! the clients they run can use its key at all (every Deep Security profile's
//! suites authenticate with RSA, so an ECDSA-only endpoint serves none of
//! them), and whether it chains to their own CA under the name they connect
//! to. This module answers them as data, without a network: [`summarize`]
//! for reports, [`findings`] for the facts worth acting on, and [`verify`]
//! for `--ca`. The chain, the time and the CA certificates are arguments, so
//! every rule is tested with generated certificates.
//!
//! # Two X.509 libraries, each for what only it does
//!
//! - **x509-parser** reads the fields ([`summarize`], [`findings`]): pure
//!   Rust over the bytes a possibly hostile server sent, returning an
//!   error rather than failing inside C on odd encodings, with the key
//!   parameters, SAN entries and OID names the summary needs in one pass.
//! - **OpenSSL** verifies ([`verify`]): building the path to the given CA,
//!   checking names and times the way OpenSSL-based Deep Security
//!   components do. x509-parser has no chain verification, and this crate
//!   links OpenSSL anyway (the emulator and the legacy handshakes), so it
//!   adds no dependency.

use std::net::IpAddr;

use openssl::error::ErrorStack;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509Ref, X509StoreContext, X509VerifyResult};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::model::profile::Profile;
use crate::model::suites::CipherSuite;
use crate::results::findings::{Finding, FindingCode};
use crate::results::{CertKeyType, CertificateSummary};

/// Summarizes the leaf of a DER chain; `None` when it does not parse.
pub fn summarize(chain: &[Vec<u8>]) -> Option<CertificateSummary> {
    let leaf = chain.first()?;
    let (_, cert) = X509Certificate::from_der(leaf).ok()?;
    let (key_type, key_bits) = key_info(&cert);
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_string)
            .unwrap_or_else(|_| sig_oid.to_id_string());
    let validity = cert.validity();
    let subject_alt_names = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some((*d).to_string()),
                GeneralName::IPAddress(ip) => ip_text(ip),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        key_type,
        key_bits: u32::try_from(key_bits).unwrap_or(0),
        signature_algorithm,
        not_before: Some(validity.not_before.to_datetime()),
        not_after: Some(validity.not_after.to_datetime()),
        expired: validity.not_after.timestamp() < time::OffsetDateTime::now_utc().unix_timestamp(),
        self_signed: cert.subject() == cert.issuer(),
        subject_alt_names,
        chain_length: chain.len(),
    })
}

/// The key algorithm of a certificate, named as in
/// [`CertificateSummary::key_type`] (`rsa`, `ecdsa`, `dsa`, `ed25519`,
/// `ed448`, `other`), and its size in bits (0 when unknown).
fn key_info(cert: &X509Certificate<'_>) -> (CertKeyType, usize) {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => (CertKeyType::Rsa, rsa.key_size()),
        Ok(PublicKey::EC(ec)) => (CertKeyType::Ecdsa, ec.key_size()),
        // x509-parser gives only the public value; the size is that of the
        // prime `p` in the parameters, which OpenSSL reads.
        Ok(PublicKey::DSA(_)) => (
            CertKeyType::Dsa,
            openssl::pkey::PKey::public_key_from_der(spki.raw)
                .ok()
                .and_then(|k| usize::try_from(k.bits()).ok())
                .unwrap_or(0),
        ),
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => {
            (CertKeyType::Ed25519, 256)
        }
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.113" => (CertKeyType::Ed448, 456),
        _ => (CertKeyType::Other, 0),
    }
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// How close to its `notAfter` a valid certificate gets a
/// [`FindingCode::CertificateExpiresSoon`] finding.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The smallest RSA or DSA key not reported as weak (NIST SP 800-131A has
/// disallowed shorter ones since 2014).
const MIN_KEY_BITS: usize = 2048;

/// Signature algorithms with a broken digest, by OID: (OID, digest, name).
const WEAK_SIGNATURES: &[(&str, &str, &str)] = &[
    ("1.2.840.113549.1.1.5", "SHA-1", "sha1WithRSAEncryption"),
    ("1.3.14.3.2.29", "SHA-1", "sha1WithRSASignature"),
    ("1.2.840.10045.4.1", "SHA-1", "ecdsa-with-SHA1"),
    ("1.2.840.10040.4.3", "SHA-1", "dsaWithSHA1"),
    ("1.3.14.3.2.27", "SHA-1", "dsaWithSHA1"),
    ("1.2.840.113549.1.1.4", "MD5", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.2", "MD2", "md2WithRSAEncryption"),
];

/// The leaf's validity: expired, not yet valid, or expiring soon.
fn validity_finding(
    leaf: &X509Certificate<'_>,
    who: &str,
    now: OffsetDateTime,
    out: &mut Vec<Finding>,
) {
    // Validity. RFC 5280 §4.1.2.5: both dates are inclusive, so a
    // certificate is expired only once `notAfter` is in the past.
    let validity = leaf.validity();
    let (not_before, not_after) = (
        validity.not_before.to_datetime(),
        validity.not_after.to_datetime(),
    );
    if not_after < now {
        // CertificateExpired: the leaf's notAfter is in the past.
        out.push(Finding::new(
            FindingCode::CertificateExpired,
            format!(
                "the certificate of {who} expired on {} ({} ago)",
                date(not_after),
                days(now - not_after)
            ),
        ));
    } else if not_before > now {
        // CertificateNotYetValid: the leaf's notBefore is in the future.
        out.push(Finding::new(
            FindingCode::CertificateNotYetValid,
            format!(
                "the certificate of {who} is not valid before {} (in {})",
                date(not_before),
                days(not_before - now)
            ),
        ));
    } else if not_after - now <= time::Duration::days(EXPIRY_WARNING_DAYS) {
        // CertificateExpiresSoon: valid now, but not for EXPIRY_WARNING_DAYS more.
        out.push(Finding::new(
            FindingCode::CertificateExpiresSoon,
            format!(
                "the certificate of {who} expires in {}, on {}",
                days(not_after - now),
                date(not_after)
            ),
        ));
    }
}

/// Broken digests signing the leaf or an intermediate, and intermediates
/// that do not parse.
fn signature_findings(
    chain: &[Vec<u8>],
    leaf: &X509Certificate<'_>,
    who: &str,
    out: &mut Vec<Finding>,
) {
    // CertificateSha1Signature: the leaf, or an intermediate, signed with a
    // broken digest (SHA-1, or worse MD5/MD2). A self-signed last certificate
    // is a root: clients trust it as it is, its own signature is never
    // checked, so it does not count.
    let last = chain.len() - 1;
    for (i, der) in chain.iter().enumerate() {
        let parsed;
        let cert = if i == 0 {
            leaf
        } else {
            match X509Certificate::from_der(der) {
                Ok((_, c)) => {
                    parsed = c;
                    &parsed
                }
                Err(e) => {
                    // CertificateChainUnreadable: an intermediate that does
                    // not parse (clients will not build a chain through it).
                    out.push(Finding::new(
                        FindingCode::CertificateChainUnreadable,
                        format!(
                            "certificate {} of the server's chain does not parse ({e})",
                            i + 1
                        ),
                    ));
                    continue;
                }
            }
        };
        if i > 0 && i == last && cert.subject() == cert.issuer() {
            continue;
        }
        let oid = cert.signature_algorithm.algorithm.to_id_string();
        if let Some((_, digest, alg)) = WEAK_SIGNATURES.iter().find(|(o, _, _)| *o == oid) {
            let what = if i == 0 {
                format!("the certificate of {who}")
            } else {
                format!("certificate {} of the chain ({})", i + 1, label(cert))
            };
            out.push(Finding::new(
                FindingCode::CertificateSha1Signature,
                format!(
                    "{what} is signed with {digest} ({alg}), which many current TLS clients reject"
                ),
            ));
        }
    }
}

/// What is wrong with a server's certificate chain at `now`, for clients
/// running `profiles`.
///
/// `chain` is DER, leaf first, as the server sent it. An empty chain (none
/// seen, e.g. a TLS 1.3-only server) gives no findings; a leaf that does not
/// parse gives only [`FindingCode::CertificateChainUnreadable`]. Trust and
/// host name are [`verify`]'s business, not this function's.
pub fn findings(chain: &[Vec<u8>], now: OffsetDateTime, profiles: &[&Profile]) -> Vec<Finding> {
    let Some(leaf_der) = chain.first() else {
        return Vec::new();
    };
    let leaf = match X509Certificate::from_der(leaf_der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            // Nothing else can be judged without the leaf.
            return vec![Finding::new(
                FindingCode::CertificateChainUnreadable,
                format!("the server's certificate does not parse ({e})"),
            )];
        }
    };
    let mut out = Vec::new();
    let who = label(&leaf);

    validity_finding(&leaf, &who, now, &mut out);

    // CertificateWeakKey: an RSA or DSA leaf key shorter than MIN_KEY_BITS.
    // (EC keys are sized by their curve; every curve a TLS client offers is
    // strong enough.)
    let (key_type, key_bits) = key_info(&leaf);
    if matches!(key_type, CertKeyType::Rsa | CertKeyType::Dsa)
        && key_bits > 0
        && key_bits < MIN_KEY_BITS
    {
        out.push(Finding::new(
            FindingCode::CertificateWeakKey,
            format!(
                "the certificate of {who} has {} of {key_bits} bits; at least {MIN_KEY_BITS} is expected",
                key_phrase(key_type)
            ),
        ));
    }

    signature_findings(chain, &leaf, &who, &mut out);

    // CertificateKeyTypeUnusable: no suite of any of the profiles can run
    // with this key, so none of these clients can complete a handshake.
    if !profiles.is_empty() && !profiles.iter().any(|p| key_type_usable(key_type, p)) {
        let accepted = accepted_key_types(profiles);
        if !accepted.is_empty() {
            let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
            let consequence = if ids.len() == 1 {
                "this client cannot connect"
            } else {
                "none of these clients can connect"
            };
            out.push(Finding::new(
                FindingCode::CertificateKeyTypeUnusable,
                format!(
                    "the server's certificate has {}, but every cipher suite of {} authenticates with {}: {consequence}",
                    key_phrase(key_type),
                    ids.join(", "),
                    or_list(&accepted.iter().map(|k| k.display()).collect::<Vec<_>>()),
                ),
            ));
        }
    }
    out
}

/// Whether a server whose certificate has a `key_type` key can negotiate at
/// least one of `profile`'s cipher suites (at a version the profile
/// supports), so the scan can say per profile why a client cannot connect.
///
/// `other` matches no suite. A suite that needs no certificate (PSK, SRP, anonymous) counts as usable
/// with any key: the certificate does not stand in its way. A profile with
/// no suite we know is never usable.
pub fn key_type_usable(key_type: CertKeyType, profile: &Profile) -> bool {
    profile_suites(profile).any(|s| suite_key_types(s).is_none_or(|k| k.contains(&key_type)))
}

/// The profile's registered suites that can run at one of its versions.
fn profile_suites(profile: &Profile) -> impl Iterator<Item = &'static CipherSuite> + '_ {
    profile
        .cipher_suites
        .iter()
        .filter_map(|id| id.suite())
        .filter(|s| profile.versions.iter().any(|v| s.valid_at(*v)))
}

/// Every key type in this order, for stable messages.
const KEY_TYPES: &[CertKeyType] = &[
    CertKeyType::Rsa,
    CertKeyType::Ecdsa,
    CertKeyType::Ed25519,
    CertKeyType::Ed448,
    CertKeyType::Dsa,
    CertKeyType::Dh,
];

/// The certificate key types a server can use for `suite`; `None` when the
/// suite needs no certificate.
fn suite_key_types(suite: &CipherSuite) -> Option<&'static [CertKeyType]> {
    use CertKeyType::{Dh, Dsa, Ecdsa, Ed448, Ed25519, Rsa};
    if suite.is_tls13() {
        // TLS 1.3 picks the certificate by signature scheme, not by suite
        // (RFC 8446 §4.4.2.2): RSA (PSS), ECDSA and EdDSA keys all work.
        return Some(&[Rsa, Ecdsa, Ed25519, Ed448]);
    }
    match (suite.kx, suite.auth) {
        // Static ECDH: the certificate holds the server's EC key-agreement
        // key, whatever signed it (RFC 8422 §2).
        ("ECDH", _) => Some(&[Ecdsa]),
        // Static DH: the certificate holds a DH key.
        ("DH", _) => Some(&[Dh]),
        // RSA key exchange (also RSA_PSK): the premaster secret is encrypted
        // to the certificate's RSA key.
        ("RSA", _) | (_, "RSA" | "SRP_RSA") => Some(&[Rsa]),
        // ECDHE_ECDSA also signs with EdDSA keys in TLS 1.2 (RFC 8422 §5.4).
        (_, "ECDSA") => Some(&[Ecdsa, Ed25519, Ed448]),
        (_, "DSS" | "SRP_DSS") => Some(&[Dsa]),
        // PSK, SRP, Kerberos, anonymous: no certificate.
        _ => None,
    }
}

/// The key types any certificate-authenticated suite of `profiles` accepts.
fn accepted_key_types(profiles: &[&Profile]) -> Vec<CertKeyType> {
    let mut seen = Vec::new();
    for p in profiles {
        for s in profile_suites(p) {
            seen.extend(suite_key_types(s).unwrap_or_default());
        }
    }
    KEY_TYPES
        .iter()
        .copied()
        .filter(|k| seen.contains(k))
        .collect()
}

/// "an ECDSA key", "a DSA key".
fn key_phrase(key_type: CertKeyType) -> String {
    use CertKeyType::*;
    match key_type {
        Rsa | Ecdsa | Ed25519 | Ed448 => format!("an {} key", key_type.display()),
        Dsa | Dh => format!("a {} key", key_type.display()),
        Other => "a key of an unrecognised type".to_string(),
    }
}

/// "A", "A or B", "A, B or C".
fn or_list(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// `CN=dsm.example` when the subject has a common name, else the whole subject.
fn label(cert: &X509Certificate<'_>) -> String {
    match cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
    {
        Some(cn) => format!("CN={cn}"),
        None if cert.subject().iter().next().is_none() => "an empty subject".to_string(),
        None => cert.subject().to_string(),
    }
}

/// `2025-01-01`, in UTC.
fn date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// "12 days", "1 day", "less than a day" (whole days, rounded down).
fn days(d: time::Duration) -> String {
    match d.whole_days() {
        0 => "less than a day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// OpenSSL verify error codes (`X509_V_ERR_*`, stable since 0.9.8) this
/// module tells apart.
const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;
const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;
const X509_V_ERR_IP_ADDRESS_MISMATCH: i32 = 64;

/// Checks a server's chain against the operator's CA certificates (`--ca`)
/// and the host it was reached by, at `now`.
///
/// `chain` is DER, leaf first, as the server sent it: the certificates after
/// the leaf are untrusted intermediates (ones that do not parse are left
/// out). `ca` are the trust anchors, e.g. from [`crate::tls::certs::load_certs`].
/// `host` is a DNS name or an IP address (IPv6 with or without brackets).
///
/// Two independent checks, each with its own finding:
/// - [`FindingCode::CertificateUntrusted`]: the chain does not lead to one
///   of `ca`, with OpenSSL's reason. The leaf's own dates are not judged
///   here ([`findings`] reports them), but an expired intermediate or CA is.
/// - [`FindingCode::CertificateNameMismatch`]: the leaf does not name
///   `host` (OpenSSL's rules: subjectAltName, the CN only when there is no
///   DNS name, wildcards in the left-most label).
///
/// An empty chain gives no findings: nothing was seen to verify.
pub fn verify(chain: &[Vec<u8>], ca: &[X509], host: &str, now: OffsetDateTime) -> Vec<Finding> {
    let Some(leaf_der) = chain.first() else {
        return Vec::new();
    };
    let leaf = match X509::from_der(leaf_der) {
        Ok(leaf) => leaf,
        Err(e) => {
            return vec![Finding::new(
                FindingCode::CertificateUntrusted,
                format!("the server's certificate does not parse, so it cannot be verified ({e})"),
            )];
        }
    };
    let mut out = Vec::new();
    match chain_problem(&leaf, &chain[1..], ca, now) {
        Ok(None) => {}
        Ok(Some(why)) => out.push(Finding::new(
            FindingCode::CertificateUntrusted,
            format!(
                "the certificate chain does not verify against the given CA certificates: {why}"
            ),
        )),
        Err(e) => out.push(Finding::new(
            FindingCode::CertificateUntrusted,
            format!("cannot verify the certificate chain: {e}"),
        )),
    }
    match names_host(&leaf, host) {
        Ok(NameCheck::Named) => {}
        Ok(NameCheck::NotNamed) => out.push(Finding::new(
            FindingCode::CertificateNameMismatch,
            match leaf_names(&leaf).as_slice() {
                [] => format!("the certificate names no host, so not {host}"),
                names => format!("the certificate names {}, not {host}", names.join(", ")),
            },
        )),
        Ok(NameCheck::Unchecked(other)) => out.push(Finding::new(
            FindingCode::CertificateNameMismatch,
            format!("cannot check whether the certificate names {host}: {other}"),
        )),
        Err(e) => out.push(Finding::new(
            FindingCode::CertificateNameMismatch,
            format!("cannot check whether the certificate names {host}: {e}"),
        )),
    }
    out
}

/// Why `leaf` and `intermediates` do not chain to `ca` at `now` (OpenSSL's
/// reason and where), or `None` when they do. A leaf outside its validity
/// period is not a problem here: [`findings`] reports it.
fn chain_problem(
    leaf: &X509,
    intermediates: &[Vec<u8>],
    ca: &[X509],
    now: OffsetDateTime,
) -> Result<Option<String>, ErrorStack> {
    let mut untrusted = Stack::new()?;
    for der in intermediates {
        if let Ok(c) = X509::from_der(der) {
            untrusted.push(c)?;
        }
    }
    let run = |check_time: bool| -> Result<Option<(X509VerifyResult, u32, String)>, ErrorStack> {
        let mut store = X509StoreBuilder::new()?;
        for c in ca {
            store.add_cert(c.clone())?;
        }
        let mut param = X509VerifyParam::new()?;
        if check_time {
            // `time_t` is `i64` on 64-bit targets (a no-op conversion there)
            // and `i32` on some 32-bit ones.
            #[allow(clippy::useless_conversion)]
            let t = now.unix_timestamp().try_into().unwrap_or_default();
            param.set_time(t);
        } else {
            param.set_flags(X509VerifyFlags::NO_CHECK_TIME)?;
        }
        store.set_param(&param)?;
        let store = store.build();
        X509StoreContext::new()?.init(&store, leaf, &untrusted, |ctx| {
            if ctx.verify_cert()? {
                return Ok(None);
            }
            let at = ctx.current_cert().map(openssl_label).unwrap_or_default();
            Ok(Some((ctx.error(), ctx.error_depth(), at)))
        })
    };
    let describe = |(err, _, at): (X509VerifyResult, u32, String)| {
        if at.is_empty() {
            err.error_string().to_string()
        } else {
            format!("{} (at {at})", err.error_string())
        }
    };
    match run(true)? {
        None => Ok(None),
        // OpenSSL checks dates from the root down, so a date error on the
        // leaf (depth 0) means the rest passed those checks; look again
        // without dates for anything else.
        Some((err, 0, _))
            if matches!(
                err.as_raw(),
                X509_V_ERR_CERT_HAS_EXPIRED | X509_V_ERR_CERT_NOT_YET_VALID
            ) =>
        {
            Ok(run(false)?.map(describe))
        }
        Some(problem) => Ok(Some(describe(problem))),
    }
}

/// What [`names_host`] found.
enum NameCheck {
    /// The leaf names the host.
    Named,
    /// It does not.
    NotNamed,
    /// OpenSSL stopped on something else first (its reason).
    Unchecked(String),
}

/// Whether `leaf` names `host`, by OpenSSL's own check.
///
/// The chain plays no part: the leaf alone is made the trust anchor
/// (`PARTIAL_CHAIN`, dates ignored), so the only thing left to fail is the
/// name.
fn names_host(leaf: &X509, host: &str) -> Result<NameCheck, ErrorStack> {
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(leaf.clone())?;
    let mut param = X509VerifyParam::new()?;
    param.set_flags(X509VerifyFlags::PARTIAL_CHAIN | X509VerifyFlags::NO_CHECK_TIME)?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => param.set_ip(ip)?,
        Err(_) => param.set_host(host)?,
    }
    store.set_param(&param)?;
    let store = store.build();
    let none = Stack::new()?;
    X509StoreContext::new()?.init(&store, leaf, &none, |ctx| {
        if ctx.verify_cert()? {
            return Ok(NameCheck::Named);
        }
        let err = ctx.error();
        Ok(match err.as_raw() {
            X509_V_ERR_HOSTNAME_MISMATCH | X509_V_ERR_IP_ADDRESS_MISMATCH => NameCheck::NotNamed,
            _ => NameCheck::Unchecked(err.error_string().to_string()),
        })
    })
}

/// The DNS names and IP addresses of the leaf's subjectAltName, or its CN
/// when it has none.
fn leaf_names(leaf: &X509Ref) -> Vec<String> {
    let sans: Vec<String> = leaf
        .subject_alt_names()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| {
                    n.dnsname()
                        .map(str::to_string)
                        .or_else(|| n.ipaddress().and_then(ip_text))
                })
                .collect()
        })
        .unwrap_or_default();
    if sans.is_empty() {
        leaf_cn(leaf).into_iter().collect()
    } else {
        sans
    }
}

/// `CN=…` of an OpenSSL certificate, else its whole subject.
fn openssl_label(cert: &X509Ref) -> String {
    match leaf_cn(cert) {
        Some(cn) => format!("CN={cn}"),
        None => crate::tls::certs::subject_line(&cert.to_owned()),
    }
}

fn leaf_cn(cert: &X509Ref) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .next()
        .and_then(|e| e.data().to_string().ok())
        .map(|s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::{Catalog, Origin};
    use crate::tls::certs::{Authority, Identity, IssueOptions, KeyType, Usage};
    use openssl::hash::MessageDigest;
    use time::Duration;

    /// Now, to the second (certificates keep no fractions).
    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
    }

    fn der_chain(id: &Identity) -> Vec<Vec<u8>> {
        std::iter::once(&id.cert)
            .chain(&id.chain)
            .map(|c| c.to_der().unwrap())
            .collect()
    }

    fn issue(ca: &Authority, options: IssueOptions) -> Vec<Vec<u8>> {
        der_chain(&ca.issue_with("leaf.test", &options).unwrap())
    }

    /// A leaf valid from `not_before` (to `not_after`, or the default).
    fn issue_dated(
        ca: &Authority,
        not_before: OffsetDateTime,
        not_after: Option<OffsetDateTime>,
    ) -> Vec<Vec<u8>> {
        issue(
            ca,
            IssueOptions {
                not_before: Some(not_before),
                not_after,
                ..IssueOptions::default()
            },
        )
    }

    fn codes(findings: &[Finding]) -> Vec<FindingCode> {
        findings.iter().map(|f| f.code).collect()
    }

    fn tls13_profile() -> Profile {
        let yaml = "id: modern\nname: A TLS 1.3 client\nrole: agent\nversions: [tls1.2, tls1.3]\n\
                    cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n";
        Profile::parse(yaml, Origin::Builtin("modern.yaml")).unwrap()
    }

    #[test]
    fn summarizes_rsa_and_ecdsa_leaves() {
        let ca = Authority::generate("summary CA").unwrap();
        let rsa = ca.issue("rsa.test", KeyType::Rsa, Usage::Server).unwrap();
        let chain = vec![
            rsa.cert.to_der().unwrap(),
            ca.identity.cert.to_der().unwrap(),
        ];
        let s = summarize(&chain).unwrap();
        assert_eq!((s.key_type, s.key_bits), (CertKeyType::Rsa, 2048));
        assert!(s.subject.contains("CN=rsa.test"), "{}", s.subject);
        assert!(s.issuer.contains("CN=summary CA"), "{}", s.issuer);
        assert!(!s.self_signed && !s.expired);
        assert_eq!(s.chain_length, 2);
        assert!(
            s.subject_alt_names.contains(&"127.0.0.1".to_string()),
            "{:?}",
            s.subject_alt_names
        );
        assert!(s.subject_alt_names.contains(&"localhost".to_string()));
        assert!(
            s.signature_algorithm.to_lowercase().contains("sha256"),
            "{}",
            s.signature_algorithm
        );
        let json = serde_json::to_value(&s).unwrap();
        let text = json["not_after"].as_str().unwrap();
        assert!(text.ends_with('Z'), "{text}");
        assert!(s.not_before.unwrap() < s.not_after.unwrap());

        let ec = ca.issue("ec.test", KeyType::Ecdsa, Usage::Server).unwrap();
        let s = summarize(&[ec.cert.to_der().unwrap()]).unwrap();
        assert_eq!((s.key_type, s.key_bits), (CertKeyType::Ecdsa, 256));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[vec![0x30, 0x03, 0x01]]).is_none());
    }

    #[test]
    fn a_healthy_rsa_chain_has_no_findings() {
        let ca = Authority::generate("healthy CA").unwrap();
        let chain = issue(&ca, IssueOptions::default());
        let catalog = Catalog::builtin().unwrap();
        let profiles: Vec<&Profile> = catalog.all().collect();
        assert_eq!(findings(&chain, now(), &profiles), vec![]);
        assert_eq!(findings(&[], now(), &profiles), vec![]);
    }

    #[test]
    fn expired_not_yet_valid_and_expiring_soon() {
        let ca = Authority::generate("dates CA").unwrap();
        let now = now();
        let expired = issue_dated(
            &ca,
            now - Duration::days(400),
            Some(now - Duration::days(12)),
        );
        let f = findings(&expired, now, &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateExpired]);
        let expected = format!(
            "the certificate of CN=leaf.test expired on {} (12 days ago)",
            date(now - Duration::days(12))
        );
        assert_eq!(f[0].message, expected);

        let future = issue_dated(&ca, now + Duration::days(5), None);
        let f = findings(&future, now, &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateNotYetValid]);
        assert!(f[0].message.contains("(in 5 days)"), "{}", f[0].message);

        let soon = issue_dated(
            &ca,
            now - Duration::days(100),
            Some(now + Duration::days(10)),
        );
        let f = findings(&soon, now, &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateExpiresSoon]);
        let expected = format!(
            "the certificate of CN=leaf.test expires in 10 days, on {}",
            date(now + Duration::days(10))
        );
        assert_eq!(f[0].message, expected);
        // Just outside the warning window: nothing.
        assert_eq!(
            findings(&soon, now - Duration::days(EXPIRY_WARNING_DAYS - 9), &[]),
            vec![]
        );
    }

    #[test]
    fn short_keys_are_weak() {
        let ca = Authority::generate("weak CA").unwrap();
        let chain = issue(
            &ca,
            IssueOptions {
                key_bits: 1024,
                ..IssueOptions::default()
            },
        );
        let f = findings(&chain, now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateWeakKey]);
        assert_eq!(
            f[0].message,
            "the certificate of CN=leaf.test has an RSA key of 1024 bits; at least 2048 is expected"
        );
        let dsa = issue(
            &ca,
            IssueOptions {
                key_type: KeyType::Dsa,
                key_bits: 1024,
                ..IssueOptions::default()
            },
        );
        let f = findings(&dsa, now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateWeakKey]);
        assert!(
            f[0].message.contains("has a DSA key of 1024 bits"),
            "{}",
            f[0].message
        );
        assert_eq!(summarize(&dsa).unwrap().key_bits, 1024);
    }

    #[test]
    fn sha1_signatures_count_except_on_a_self_signed_root() {
        let ca = Authority::generate("sha1 CA").unwrap();
        let chain = issue(
            &ca,
            IssueOptions {
                digest: MessageDigest::sha1(),
                ..IssueOptions::default()
            },
        );
        let f = findings(&chain, now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateSha1Signature]);
        assert_eq!(
            f[0].message,
            "the certificate of CN=leaf.test is signed with SHA-1 (sha1WithRSAEncryption), \
             which many current TLS clients reject"
        );

        // A root signed with SHA-1 over itself: its signature is never checked.
        let root = self_signed_sha1_root();
        let chain = issue(&root, IssueOptions::default());
        assert_eq!(chain.len(), 2);
        assert_eq!(findings(&chain, now(), &[]), vec![]);
        // But the same certificate as an intermediate (not last) counts.
        let mut longer = chain.clone();
        longer.push(ca.identity.cert.to_der().unwrap());
        let f = findings(&longer, now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateSha1Signature]);
        assert!(
            f[0].message
                .starts_with("certificate 2 of the chain (CN=sha1 root)"),
            "{}",
            f[0].message
        );
    }

    /// A self-signed CA whose own signature uses SHA-1.
    fn self_signed_sha1_root() -> Authority {
        let key =
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(openssl::nid::Nid::COMMONNAME, "sha1 root")
            .unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.append_extension(
            openssl::x509::extension::BasicConstraints::new()
                .critical()
                .ca()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.sign(&key, MessageDigest::sha1()).unwrap();
        Authority {
            identity: Identity {
                cert: b.build(),
                chain: Vec::new(),
                key,
            },
        }
    }

    #[test]
    fn an_ecdsa_key_serves_no_deep_security_profile() {
        let ca = Authority::generate("ec CA").unwrap();
        let chain = issue(
            &ca,
            IssueOptions {
                key_type: KeyType::Ecdsa,
                ..IssueOptions::default()
            },
        );
        let catalog = Catalog::builtin().unwrap();
        let ids = ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"];
        let profiles: Vec<&Profile> = ids.iter().map(|id| catalog.get(id).unwrap()).collect();
        let f = findings(&chain, now(), &profiles);
        assert_eq!(codes(&f), [FindingCode::CertificateKeyTypeUnusable]);
        assert_eq!(
            f[0].message,
            "the server's certificate has an ECDSA key, but every cipher suite of \
             dsa-9.6, dsa-10.0, dsa-10.0-u16, dsa-11, dsa-fips authenticates with RSA: \
             none of these clients can connect"
        );
        for p in &profiles {
            assert!(!key_type_usable(CertKeyType::Ecdsa, p), "{}", p.id);
            assert!(key_type_usable(CertKeyType::Rsa, p), "{}", p.id);
        }
        // One profile, worded for one.
        let f = findings(&chain, now(), &profiles[..1]);
        assert!(
            f[0].message.ends_with("this client cannot connect"),
            "{}",
            f[0].message
        );
        // No profiles: nothing to judge the key against.
        assert_eq!(findings(&chain, now(), &[]), vec![]);
    }

    #[test]
    fn an_ecdsa_key_serves_a_tls13_profile() {
        let ca = Authority::generate("ec CA").unwrap();
        let chain = issue(
            &ca,
            IssueOptions {
                key_type: KeyType::Ecdsa,
                ..IssueOptions::default()
            },
        );
        let modern = tls13_profile();
        assert!(key_type_usable(CertKeyType::Ecdsa, &modern));
        assert!(key_type_usable(CertKeyType::Ed25519, &modern));
        assert!(!key_type_usable(CertKeyType::Dsa, &modern));
        let catalog = Catalog::builtin().unwrap();
        let old = catalog.get("dsa-11").unwrap();
        // One usable profile among unusable ones is enough: no finding.
        assert_eq!(findings(&chain, now(), &[old, &modern]), vec![]);
        let f = findings(&chain, now(), &[old]);
        assert_eq!(codes(&f), [FindingCode::CertificateKeyTypeUnusable]);
    }

    #[test]
    fn garbage_is_unreadable() {
        let f = findings(&[vec![0x30, 0x03, 0x01]], now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateChainUnreadable]);
        assert!(
            f[0].message
                .starts_with("the server's certificate does not parse")
        );
        // A good leaf with a broken intermediate: that one is reported.
        let ca = Authority::generate("garbage CA").unwrap();
        let mut chain = issue(&ca, IssueOptions::default());
        chain.insert(1, b"not a certificate".to_vec());
        let f = findings(&chain, now(), &[]);
        assert_eq!(codes(&f), [FindingCode::CertificateChainUnreadable]);
        assert!(
            f[0].message.starts_with("certificate 2 of"),
            "{}",
            f[0].message
        );
        let v = verify(&[b"junk".to_vec()], &[], "localhost", now());
        assert_eq!(codes(&v), [FindingCode::CertificateUntrusted]);
    }

    #[test]
    fn verify_with_the_right_ca() {
        let ca = Authority::generate("right CA").unwrap();
        let chain = issue(&ca, IssueOptions::default());
        let anchors = [ca.identity.cert.clone()];
        assert_eq!(verify(&chain, &anchors, "leaf.test", now()), vec![]);
        assert_eq!(verify(&chain, &anchors, "LOCALHOST", now()), vec![]);
        // The leaf alone is enough when the CA is the issuer.
        assert_eq!(verify(&chain[..1], &anchors, "localhost", now()), vec![]);
        assert_eq!(verify(&[], &anchors, "localhost", now()), vec![]);
    }

    #[test]
    fn verify_with_a_wrong_ca() {
        let ca = Authority::generate("right CA").unwrap();
        let other = Authority::generate("other CA").unwrap();
        let chain = issue(&ca, IssueOptions::default());
        let anchors = [other.identity.cert.clone()];
        let f = verify(&chain[..1], &anchors, "localhost", now());
        assert_eq!(codes(&f), [FindingCode::CertificateUntrusted]);
        assert!(
            f[0].message
                .contains("unable to get local issuer certificate"),
            "{}",
            f[0].message
        );
        // With the (untrusted) root sent along, OpenSSL says so instead.
        let f = verify(&chain, &anchors, "localhost", now());
        assert_eq!(codes(&f), [FindingCode::CertificateUntrusted]);
        assert!(f[0].message.contains("self-signed"), "{}", f[0].message);
    }

    #[test]
    fn verify_a_wrong_host_name() {
        let ca = Authority::generate("right CA").unwrap();
        let chain = issue(&ca, IssueOptions::default());
        let anchors = [ca.identity.cert.clone()];
        let f = verify(&chain, &anchors, "dsm.example", now());
        assert_eq!(codes(&f), [FindingCode::CertificateNameMismatch]);
        assert_eq!(
            f[0].message,
            "the certificate names localhost, leaf.test, 127.0.0.1, ::1, not dsm.example"
        );
        // Untrusted and misnamed: two findings, each on its own.
        let other = Authority::generate("other CA").unwrap();
        let f = verify(
            &chain,
            std::slice::from_ref(&other.identity.cert),
            "dsm.example",
            now(),
        );
        assert_eq!(
            codes(&f),
            [
                FindingCode::CertificateUntrusted,
                FindingCode::CertificateNameMismatch
            ]
        );
    }

    #[test]
    fn verify_an_ip_address_host() {
        let ca = Authority::generate("right CA").unwrap();
        let chain = issue(&ca, IssueOptions::default());
        let anchors = [ca.identity.cert.clone()];
        assert_eq!(verify(&chain, &anchors, "127.0.0.1", now()), vec![]);
        assert_eq!(verify(&chain, &anchors, "::1", now()), vec![]);
        assert_eq!(verify(&chain, &anchors, "[::1]", now()), vec![]);
        let f = verify(&chain, &anchors, "10.0.0.1", now());
        assert_eq!(codes(&f), [FindingCode::CertificateNameMismatch]);
        assert!(f[0].message.ends_with("not 10.0.0.1"), "{}", f[0].message);
    }

    #[test]
    fn verify_leaves_an_expired_leaf_to_findings() {
        let ca = Authority::generate("right CA").unwrap();
        let now = now();
        let chain = issue_dated(
            &ca,
            now - Duration::days(400),
            Some(now - Duration::days(3)),
        );
        let anchors = [ca.identity.cert.clone()];
        assert_eq!(verify(&chain, &anchors, "localhost", now), vec![]);
        assert_eq!(
            codes(&findings(&chain, now, &[])),
            [FindingCode::CertificateExpired]
        );
        // Expired under a wrong CA: the trust problem is still reported.
        let other = Authority::generate("other CA").unwrap();
        let f = verify(
            &chain[..1],
            std::slice::from_ref(&other.identity.cert),
            "localhost",
            now,
        );
        assert_eq!(codes(&f), [FindingCode::CertificateUntrusted]);
        assert!(
            f[0].message
                .contains("unable to get local issuer certificate"),
            "{}",
            f[0].message
        );
        // The CA itself expired by `now`: that is a trust problem.
        let later = now + Duration::days(400);
        let f = verify(&chain, &anchors, "localhost", later);
        assert_eq!(codes(&f), [FindingCode::CertificateUntrusted]);
        assert!(f[0].message.contains("expired"), "{}", f[0].message);
    }
}
