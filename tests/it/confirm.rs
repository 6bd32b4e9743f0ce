//! `scan` confirms each compatible-looking profile with a real handshake:
//! which engine completed it, what a server demanding a client certificate
//! looks like, and what the server's certificate is reported to be worth.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tlscompat::tls::certs::{Authority, Identity, IssueOptions, KeyType, Usage};

use crate::servers::{CertFiles, SServer};

/// The agent profiles shipped with the tool.
const AGENTS: [&str; 5] = ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"];

/// A TLS 1.3 client: what no shipped agent is, to confirm TLS 1.3 handshakes.
const TLS13_PROFILE: &str = "\
id: test-tls13
name: Test client (TLS 1.3 only)
role: agent
versions: [tls1.3]
cipher_suites:
  - TLS_AES_128_GCM_SHA256
  - TLS_AES_256_GCM_SHA384
groups: [x25519, secp256r1]
source: \"test fixture\"
";

/// Runs `tlscompat scan --format json ARGS…`; returns (exit code, report).
fn scan_json(args: &[&str]) -> (i32, Value) {
    crate::common::scan_json(&[&["--timeout", "2s"], args].concat())
}

/// The first target's verdict for profile `id`.
fn profile<'a>(v: &'a Value, id: &str) -> &'a Value {
    crate::common::profile_of(&v["targets"][0], id)
}

/// The codes of the first target's findings.
fn finding_codes(v: &Value) -> Vec<String> {
    v["targets"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {v:#}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// Files in a temporary directory, removed on drop.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `<name>.pem` (leaf and chain) and `<name>.key`.
    fn identity(&self, name: &str, id: &Identity) -> (PathBuf, PathBuf) {
        (
            self.write(&format!("{name}.pem"), &id.cert_pem().unwrap()),
            self.write(&format!("{name}.key"), &id.key_pem().unwrap()),
        )
    }

    fn ca(&self, name: &str, ca: &Authority) -> PathBuf {
        self.write(&format!("{name}.pem"), &ca.identity.cert.to_pem().unwrap())
    }

    fn tls13_profile(&self) -> PathBuf {
        self.write("tls13.yaml", TLS13_PROFILE.as_bytes())
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `openssl s_server` with this certificate and key.
fn sserver(cert: &Path, key: &Path, args: &[&str]) -> SServer {
    let mut all = vec!["-cert", s(cert), "-key", s(key)];
    all.extend_from_slice(args);
    SServer::start(&all)
}

#[track_caller]
fn assert_confirmed(p: &Value, engine: &str, version: &str, suite: &str) {
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "full_handshake", "{p:#}");
    assert_eq!(p["engine"], engine, "{p:#}");
    assert_eq!(
        p["negotiated"],
        json!({"version": version, "cipher_suite": suite}),
        "{p:#}"
    );
    assert_eq!(p["reason_code"], Value::Null, "{p:#}");
}

// 1. Completed handshakes, and which engine completed them.

#[test]
fn tls10_aes256_sha_is_confirmed_by_openssl() {
    let certs = CertFiles::new();
    let srv = SServer::rsa(&certs, &["-tls1", "-cipher", "AES256-SHA:@SECLEVEL=0"]);
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-9.6", "--require", "dsa-9.6"]);
    assert_eq!(code, 0, "{v:#}");
    assert_confirmed(
        profile(&v, "dsa-9.6"),
        "openssl",
        "tls1.0",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
    );
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn tls12_rsa_cbc_is_confirmed_by_openssl() {
    let certs = CertFiles::new();
    let srv = SServer::rsa(
        &certs,
        &["-tls1_2", "-cipher", "AES256-SHA256:AES128-SHA256"],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-10.0", "--require", "dsa-10.0"]);
    assert_eq!(code, 0, "{v:#}");
    let p = profile(&v, "dsa-10.0");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "full_handshake", "{p:#}");
    assert_eq!(p["engine"], "openssl", "{p:#}");
    assert_eq!(p["negotiated"]["version"], "tls1.2", "{p:#}");
    let suite = p["negotiated"]["cipher_suite"].as_str().unwrap();
    assert!(
        [
            "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA256"
        ]
        .contains(&suite),
        "{p:#}"
    );
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn tls12_ecdhe_gcm_is_confirmed_by_rustls() {
    let certs = CertFiles::new();
    let srv = SServer::rsa(
        &certs,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-11", "--require", "dsa-11"]);
    assert_eq!(code, 0, "{v:#}");
    assert_confirmed(
        profile(&v, "dsa-11"),
        "rustls",
        "tls1.2",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    );
    assert_eq!(v["targets"][0]["server"]["client_certificate"], "none");
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn tls13_is_confirmed_by_rustls() {
    let certs = CertFiles::new();
    let files = Files::new();
    let yaml = files.tls13_profile();
    let srv = SServer::rsa(&certs, &["-tls1_3"]);
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", s(&yaml), "--require", "test-tls13"]);
    assert_eq!(code, 0, "{v:#}");
    let p = profile(&v, "test-tls13");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "full_handshake", "{p:#}");
    assert_eq!(p["engine"], "rustls", "{p:#}");
    assert_eq!(p["negotiated"]["version"], "tls1.3", "{p:#}");
    let suite = p["negotiated"]["cipher_suite"].as_str().unwrap();
    assert!(
        ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"].contains(&suite),
        "{p:#}"
    );
    // TLS 1.3 encrypts the Certificate; the handshake saw it.
    let cert = &v["targets"][0]["server"]["certificate"];
    assert_eq!(cert["key_type"], "rsa", "{cert:#}");
    assert_eq!(cert["key_bits"], 2048, "{cert:#}");
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn no_confirm_attempts_no_handshake() {
    let certs = CertFiles::new();
    let srv = SServer::rsa(
        &certs,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-11", "--require", "dsa-11", "--no-confirm"]);
    assert_eq!(code, 0, "{v:#}");
    let p = profile(&v, "dsa-11");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "not_attempted", "{p:#}");
    assert_eq!(p["engine"], Value::Null, "{p:#}");
    assert_eq!(
        p["negotiated"],
        json!({"version": "tls1.2", "cipher_suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}),
        "{p:#}"
    );
}

// 2. Client certificates.

/// A CA, a server identity and a client identity it issued, on disk.
struct ClientPki {
    files: Files,
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
}

impl ClientPki {
    fn new() -> ClientPki {
        let files = Files::new();
        let ca = Authority::generate("confirm CA").unwrap();
        let server = ca.issue("server", KeyType::Rsa, Usage::Server).unwrap();
        let client = ca.issue("agent", KeyType::Rsa, Usage::Client).unwrap();
        ClientPki {
            ca: files.ca("ca", &ca),
            server: files.identity("server", &server),
            client: files.identity("client", &client),
            files,
        }
    }

    fn sserver(&self, args: &[&str]) -> SServer {
        let mut all = vec!["-Verify", "1", "-CAfile", s(&self.ca)];
        all.extend_from_slice(args);
        sserver(&self.server.0, &self.server.1, &all)
    }
}

#[test]
fn required_client_certificate_without_one() {
    let pki = ClientPki::new();
    let srv = pki.sserver(&["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]);
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-11", "--require", "dsa-11"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["targets"][0]["server"]["client_certificate"], "required");
    let p = profile(&v, "dsa-11");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "client_certificate_required", "{p:#}");
    assert_eq!(
        p["negotiated"],
        json!({"version": "tls1.2", "cipher_suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}),
        "{p:#}"
    );
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn required_client_certificate_with_one() {
    let pki = ClientPki::new();
    let srv = pki.sserver(&["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]);
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[
        &addr,
        "-p",
        "dsa-11",
        "--require",
        "dsa-11",
        "--client-cert",
        s(&pki.client.0),
        "--client-key",
        s(&pki.client.1),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["targets"][0]["server"]["client_certificate"], "required");
    assert_confirmed(
        profile(&v, "dsa-11"),
        "rustls",
        "tls1.2",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    );
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn tls13_required_client_certificate_without_one() {
    let pki = ClientPki::new();
    let yaml = pki.files.tls13_profile();
    let srv = pki.sserver(&["-tls1_3"]);
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", s(&yaml), "--require", "test-tls13"]);
    assert_eq!(code, 0, "{v:#}");
    let p = profile(&v, "test-tls13");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "client_certificate_required", "{p:#}");
    assert_eq!(p["negotiated"]["version"], "tls1.3", "{p:#}");
    assert_eq!(v["policy"]["status"], "passed");
}

// 3. A certificate no agent can use.

#[test]
fn ecdsa_only_server_is_incompatible_with_every_agent() {
    let certs = CertFiles::new();
    let srv = sserver(
        &certs.ecdsa_cert,
        &certs.ecdsa_key,
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",
        ],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "--require", "dsa-11"]);
    assert_eq!(code, 1, "{v:#}");
    for id in AGENTS {
        let p = profile(&v, id);
        assert_eq!(p["compatible"], false, "{id}: {p:#}");
        assert_eq!(p["reason_code"], "certificate_key_type", "{id}: {p:#}");
        let reason = p["reason"].as_str().unwrap();
        assert!(
            reason.contains("ECDSA") && reason.contains("RSA"),
            "{id}: {reason}"
        );
    }
    assert!(
        finding_codes(&v).contains(&"certificate_key_type_unusable".to_string()),
        "{v:#}"
    );
    assert_eq!(v["policy"]["status"], "failed");
    assert_eq!(v["policy"]["violations"][0]["rule"], "require dsa-11");
}

// 4. Certificate findings do not change compatibility.

/// Serves a certificate issued with `options` over TLS 1.2 ECDHE-RSA-GCM and
/// scans it for dsa-11; returns (exit code, report).
fn scan_certificate(options: &IssueOptions, seclevel0: bool) -> (i32, Value) {
    let files = Files::new();
    let ca = Authority::generate("findings CA").unwrap();
    let leaf = ca.issue_with("findings", options).unwrap();
    let (cert, key) = files.identity("leaf", &leaf);
    let cipher = if seclevel0 {
        "ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0"
    } else {
        "ECDHE-RSA-AES256-GCM-SHA384"
    };
    let srv = sserver(&cert, &key, &["-tls1_2", "-cipher", cipher]);
    let addr = srv.addr.to_string();
    scan_json(&[&addr, "-p", "dsa-11", "--require", "dsa-11"])
}

#[track_caller]
fn assert_finding_but_confirmed(code: i32, v: &Value, finding: &str) {
    assert_eq!(code, 0, "{v:#}");
    assert!(finding_codes(v).contains(&finding.to_string()), "{v:#}");
    assert_confirmed(
        profile(v, "dsa-11"),
        "rustls",
        "tls1.2",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    );
    assert_eq!(v["policy"]["status"], "passed");
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[test]
fn expired_certificate_is_a_finding() {
    let (code, v) = scan_certificate(
        &IssueOptions {
            not_before: Some(now() - time::Duration::days(30)),
            not_after: Some(now() - time::Duration::days(1)),
            ..IssueOptions::default()
        },
        false,
    );
    assert_finding_but_confirmed(code, &v, "certificate_expired");
}

#[test]
fn not_yet_valid_certificate_is_a_finding() {
    let (code, v) = scan_certificate(
        &IssueOptions {
            not_before: Some(now() + time::Duration::days(1)),
            not_after: Some(now() + time::Duration::days(365)),
            ..IssueOptions::default()
        },
        false,
    );
    assert_finding_but_confirmed(code, &v, "certificate_not_yet_valid");
}

#[test]
fn weak_key_is_a_finding() {
    let (code, v) = scan_certificate(
        &IssueOptions {
            key_bits: 1024,
            ..IssueOptions::default()
        },
        true,
    );
    assert_finding_but_confirmed(code, &v, "certificate_weak_key");
}

/// The same weak key with a suite the OpenSSL engine confirms.
#[test]
fn weak_key_is_a_finding_openssl_engine() {
    let files = Files::new();
    let ca = Authority::generate("findings CA").unwrap();
    let options = IssueOptions {
        key_bits: 1024,
        ..IssueOptions::default()
    };
    let (cert, key) = files.identity("leaf", &ca.issue_with("weak", &options).unwrap());
    let srv = sserver(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "AES256-SHA256:@SECLEVEL=0"],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-10.0", "--require", "dsa-10.0"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        finding_codes(&v).contains(&"certificate_weak_key".to_string()),
        "{v:#}"
    );
    assert_eq!(v["targets"][0]["server"]["certificate"]["key_bits"], 1024);
    assert_confirmed(
        profile(&v, "dsa-10.0"),
        "openssl",
        "tls1.2",
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
    );
    assert_eq!(v["policy"]["status"], "passed");
}

// 5. --ca.

#[test]
fn ca_option_checks_trust() {
    let pki = ClientPki::new();
    let other = pki
        .files
        .ca("other", &Authority::generate("other CA").unwrap());
    let srv = sserver(
        &pki.server.0,
        &pki.server.1,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
    );
    let addr = srv.addr.to_string();
    let (code, v) = scan_json(&[&addr, "-p", "dsa-11", "--ca", s(&pki.ca)]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(finding_codes(&v), Vec::<String>::new(), "{v:#}");
    assert_eq!(profile(&v, "dsa-11")["confirmed"], "full_handshake");

    let (code, v) = scan_json(&[&addr, "-p", "dsa-11", "--ca", s(&other)]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(finding_codes(&v), ["certificate_untrusted"], "{v:#}");
    let p = profile(&v, "dsa-11");
    assert_eq!(p["compatible"], true, "{p:#}");
    assert_eq!(p["confirmed"], "full_handshake", "{p:#}");
}
