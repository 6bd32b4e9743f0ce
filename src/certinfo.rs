//! What a server's certificate says, for reports.
//!
//! The probe sees the certificate chain in the clear (TLS 1.2 and older).
//! For Deep Security the key type matters most: every profile's suites
//! authenticate with RSA, so an ECDSA-only endpoint serves none of them. The
//! expiry date is the other thing operators look for.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::results::CertificateSummary;

/// Summarizes the leaf of a DER chain; `None` when it does not parse.
pub fn summarize(chain: &[Vec<u8>]) -> Option<CertificateSummary> {
    let leaf = chain.first()?;
    let (_, cert) = X509Certificate::from_der(leaf).ok()?;
    let spki = cert.public_key();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("rsa", rsa.key_size()),
        Ok(PublicKey::EC(ec)) => ("ecdsa", ec.key_size()),
        Ok(PublicKey::DSA(_)) => ("dsa", 0),
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => ("ed25519", 256),
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.113" => ("ed448", 456),
        _ => ("other", 0),
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_string)
            .unwrap_or_else(|_| sig_oid.to_id_string());
    let validity = cert.validity();
    let rfc3339 = |t: &x509_parser::time::ASN1Time| {
        t.to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
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
        key_type: key_type.to_string(),
        key_bits: u32::try_from(key_bits).unwrap_or(0),
        signature_algorithm,
        not_before: rfc3339(&validity.not_before),
        not_after: rfc3339(&validity.not_after),
        expired: validity.not_after.timestamp() < time::OffsetDateTime::now_utc().unix_timestamp(),
        self_signed: cert.subject() == cert.issuer(),
        subject_alt_names,
        chain_length: chain.len(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::{Authority, KeyType, Usage};

    #[test]
    fn summarizes_rsa_and_ecdsa_leaves() {
        let ca = Authority::generate("summary CA").unwrap();
        let rsa = ca.issue("rsa.test", KeyType::Rsa, Usage::Server).unwrap();
        let chain = vec![
            rsa.cert.to_der().unwrap(),
            ca.identity.cert.to_der().unwrap(),
        ];
        let s = summarize(&chain).unwrap();
        assert_eq!((s.key_type.as_str(), s.key_bits), ("rsa", 2048));
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
        assert!(s.not_after.ends_with('Z'), "{}", s.not_after);

        let ec = ca.issue("ec.test", KeyType::Ecdsa, Usage::Server).unwrap();
        let s = summarize(&[ec.cert.to_der().unwrap()]).unwrap();
        assert_eq!((s.key_type.as_str(), s.key_bits), ("ecdsa", 256));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[vec![0x30, 0x03, 0x01]]).is_none());
    }
}
