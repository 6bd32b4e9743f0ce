use std::process::Command;

use super::*;

#[test]
fn registry_holds_the_iana_table() {
    let r = registry();
    assert!(r.all().len() > 300, "only {} suites", r.all().len());
    assert!(
        r.all().windows(2).all(|w| w[0].id < w[1].id),
        "sorted by id, no duplicates"
    );
    let s = r.get(CipherSuiteId(0xC030)).unwrap();
    assert_eq!(s.iana_name, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(s.openssl_name, Some("ECDHE-RSA-AES256-GCM-SHA384"));
    assert_eq!(
        (s.kx, s.auth, s.enc.as_str(), s.mac),
        ("ECDHE", "RSA", "AES_256_GCM", "AEAD")
    );
    assert_eq!(s.versions().collect::<Vec<_>>(), [TlsVersion::Tls12]);
    assert!(
        r.get(CipherSuiteId(0x00FF)).is_none(),
        "signaling values are not suites"
    );
    assert!(
        r.get(CipherSuiteId(0x0000)).is_none(),
        "TLS_NULL_WITH_NULL_NULL is never negotiable"
    );
}

#[test]
fn version_rules() {
    let r = registry();
    let versions = |id: u16| {
        r.get(CipherSuiteId(id))
            .unwrap()
            .versions()
            .collect::<Vec<_>>()
    };
    use TlsVersion::*;
    // AES256-SHA: SSL 3.0 through TLS 1.2.
    assert_eq!(versions(0x0035), [Ssl3, Tls10, Tls11, Tls12]);
    // AES256-SHA256 and every GCM suite: TLS 1.2 only.
    assert_eq!(versions(0x003D), [Tls12]);
    assert_eq!(versions(0x009C), [Tls12]);
    // ECDHE-RSA-AES256-SHA: TLS 1.0 (RFC 4492) through 1.2.
    assert_eq!(versions(0xC014), [Tls10, Tls11, Tls12]);
    // PSK-AES128-CBC-SHA256 (RFC 5487) runs on TLS 1.0 too.
    assert_eq!(versions(0x00AE), [Tls10, Tls11, Tls12]);
    // TLS 1.3 suites run on 1.3 only.
    assert_eq!(versions(0x1301), [Tls13]);
    assert_eq!(versions(0x1303), [Tls13]);
}

#[test]
fn lookups_by_every_spelling() {
    let r = registry();
    for input in [
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "tls_ecdhe_rsa_with_aes_256_gcm_sha384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "0xC030",
        "0xc030",
        "C0,30",
        "0xC0,0x30",
        " c0, 30 ",
    ] {
        assert_eq!(
            r.lookup(input).map(|s| s.id),
            Ok(CipherSuiteId(0xC030)),
            "{input}"
        );
    }
    assert_eq!(
        r.lookup("SSL_RSA_WITH_3DES_EDE_CBC_SHA").map(|s| s.id.0),
        Ok(0x000A)
    );
    assert_eq!(r.lookup("AES256-SHA").map(|s| s.id.0), Ok(0x0035));
    assert_eq!(
        "TLS_AES_128_GCM_SHA256".parse::<CipherSuiteId>(),
        Ok(CipherSuiteId(0x1301))
    );
}

#[test]
fn unknown_names_suggest_real_ones() {
    let err = registry()
        .lookup("TLS_ECDHE_RSA_AES_256_GCM_SHA384")
        .unwrap_err();
    let UnknownSuite::Unknown { suggestions, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(suggestions[0], "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    assert!(
        err.to_string()
            .contains("did you mean TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{err}"
    );

    let err = registry()
        .lookup("ECDHE-RSA-AES256-GCM-SHA348")
        .unwrap_err();
    assert!(
        err.to_string().contains("ECDHE-RSA-AES256-GCM-SHA384"),
        "{err}"
    );

    assert!(matches!(
        registry().lookup("0x1234"),
        Err(UnknownSuite::Unknown { .. })
    ));
    assert!(matches!(
        registry().lookup("0x00FF"),
        Err(UnknownSuite::Signaling { .. })
    ));
    assert!(matches!(
        registry().lookup("TLS_FALLBACK_SCSV"),
        Err(UnknownSuite::Signaling { .. })
    ));
    assert!(registry().lookup("0xZZ").is_err());
    assert!(registry().lookup("C0,3000").is_err());
    assert!(registry().lookup("").is_err());
}

#[test]
fn ids_outside_the_registry_print_as_hex() {
    assert_eq!(CipherSuiteId(0x0A0A).to_string(), "0x0A0A");
    assert_eq!(CipherSuiteId(0x5600).to_string(), "TLS_FALLBACK_SCSV");
    assert_eq!(
        CipherSuiteId(0x002F).to_string(),
        "TLS_RSA_WITH_AES_128_CBC_SHA"
    );
}

/// One line of `openssl ciphers -V -stdname`:
/// `0xC0,0x30 - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 - ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(256) Mac=AEAD`
struct OpensslCipher {
    id: u16,
    iana: String,
    openssl: String,
    min_version: String,
    au: String,
    mac: String,
}

fn openssl_ciphers() -> Vec<OpensslCipher> {
    let out = Command::new("openssl")
        .args([
            "ciphers",
            "-V",
            "-stdname",
            "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
        ])
        .output()
        .expect("the `openssl` command is needed for this test (Debian package openssl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (hi, lo) = f[0].split_once(',').unwrap();
            let byte = |b: &str| u16::from_str_radix(b.trim_start_matches("0x"), 16).unwrap();
            let field = |key: &str| {
                f.iter()
                    .find_map(|x| x.strip_prefix(key))
                    .unwrap_or_default()
                    .to_string()
            };
            OpensslCipher {
                id: byte(hi) << 8 | byte(lo),
                iana: f[2].to_string(),
                openssl: f[4].to_string(),
                min_version: f[5].to_string(),
                au: field("Au="),
                mac: field("Mac="),
            }
        })
        .collect()
}

#[test]
fn agrees_with_the_local_openssl() {
    let ciphers = openssl_ciphers();
    assert!(
        ciphers.len() > 100,
        "openssl listed only {} ciphers",
        ciphers.len()
    );
    let r = registry();
    for c in &ciphers {
        let ours = r
            .get(CipherSuiteId(c.id))
            .unwrap_or_else(|| panic!("{} missing", c.iana));
        assert_eq!(ours.iana_name, c.iana, "IANA name of 0x{:04X}", c.id);
        assert_eq!(
            ours.openssl_name,
            Some(c.openssl.as_str()),
            "OpenSSL name of {}",
            c.iana
        );
        // OpenSSL's column is the oldest protocol version the suite runs on.
        let min = match c.min_version.as_str() {
            "SSLv3" => TlsVersion::Ssl3,
            "TLSv1" => TlsVersion::Tls10,
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            other => panic!("unexpected version column {other}"),
        };
        assert_eq!(ours.min_version, min, "oldest version of {}", c.iana);
        if c.mac == "AEAD" {
            assert_eq!(ours.mac, "AEAD", "{}", c.iana);
        }
        if c.au == "RSA" && !ours.is_tls13() {
            // OpenSSL says Au=RSA for RSA_PSK and SRP_SHA_RSA too, where the server proves itself with RSA.
            assert!(
                ours.auth.contains("RSA") || ours.kx == "RSA",
                "{}: {}",
                c.iana,
                ours.auth
            );
        }
        assert_eq!(
            r.lookup(&c.openssl).map(|s| s.id.0),
            Ok(c.id),
            "lookup by {}",
            c.openssl
        );
    }
}
