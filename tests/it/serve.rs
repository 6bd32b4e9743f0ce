//! The emulator accepts exactly its profile: checked with `openssl s_client`
//! and rustls against the library API and the real binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use tlscompat::model::profile::{Catalog, Profile};
use tlscompat::model::suites::CipherSuiteId;
use tlscompat::model::version::TlsVersion;
use tlscompat::serve::{ClientAuth, Emulator, EmulatorConfig, GeneratedPki, ServeEvent};
use tlscompat::tls::certs::KeyType;

use crate::common::{assert_clean_error, bin, profile_of, scan_json, testdata, tlscompat};
use crate::tls_clients::{
    assert_accepts, assert_refuses, rustls_handshake, rustls_tls12_suites, s_client,
};

fn localhost0() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// RSA-authenticated suites the local OpenSSL implements, for "outside the
/// profile" samples.
const SAMPLE_SUITES: &[u16] = &[
    0xC02F, 0xC030, 0xC027, 0xC028, 0x003C, 0x003D, 0x002F, 0x0035, 0xC013, 0xC014, 0x009C, 0xCCA8,
];

/// (version, suite) pairs the profile must refuse: each version it lacks, and
/// at each version it has, suites it does not list.
fn outside_samples(p: &Profile) -> Vec<(TlsVersion, CipherSuiteId)> {
    let mut out = Vec::new();
    for v in [
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ] {
        if p.supports(v) {
            let others = SAMPLE_SUITES
                .iter()
                .map(|id| CipherSuiteId(*id))
                .filter(|s| !p.cipher_suites.contains(s) && s.suite().unwrap().valid_at(v));
            out.extend(others.take(3).map(|s| (v, s)));
        } else if v == TlsVersion::Tls13 {
            out.push((v, CipherSuiteId(0x1301)));
        } else {
            // The profile's own suite, at a version it does not speak.
            let s = p
                .cipher_suites
                .iter()
                .copied()
                .find(|s| s.suite().unwrap().valid_at(v));
            out.push((v, s.unwrap_or(CipherSuiteId(0xC013))));
        }
    }
    out
}

fn check_profile(id: &str) {
    let catalog = Catalog::builtin().unwrap();
    let p = catalog.get(id).unwrap();
    let (config, pki) = EmulatorConfig::for_profile(p, localhost0()).unwrap();
    let emulator = Emulator::spawn(config, None).unwrap();
    let addr = emulator.local_addr();
    for v in &p.versions {
        for s in p.suites_at(*v) {
            assert_accepts(addr, *v, s);
        }
    }
    for (v, s) in outside_samples(p) {
        assert_refuses(addr, v, s);
    }
    // rustls, for the modern suites it implements.
    let rustls_suites = rustls_tls12_suites();
    for s in &rustls_suites {
        let result = rustls_handshake(addr, *s, &pki.ca.identity.cert, None);
        if p.supports(TlsVersion::Tls12) && p.cipher_suites.contains(s) {
            assert_eq!(result, Ok(*s), "rustls {s} against {id}");
        } else {
            assert!(result.is_err(), "rustls {s} accepted by {id}");
        }
    }
    assert!(
        rustls_handshake(addr, CipherSuiteId(0x1301), &pki.ca.identity.cert, None).is_err(),
        "TLS 1.3 accepted by {id}"
    );
}

#[test]
fn emulated_dsa_9_6_accepts_exactly_its_profile() {
    check_profile("dsa-9.6");
}

#[test]
fn emulated_dsa_10_0_accepts_exactly_its_profile() {
    check_profile("dsa-10.0");
}

#[test]
fn emulated_dsa_10_0_u16_accepts_exactly_its_profile() {
    check_profile("dsa-10.0-u16");
}

#[test]
fn emulated_dsa_11_accepts_exactly_its_profile() {
    check_profile("dsa-11");
}

#[test]
fn emulated_dsa_fips_accepts_exactly_its_profile() {
    check_profile("dsa-fips");
}

#[test]
fn emulated_dsm_strong_10_11_accepts_exactly_its_profile() {
    check_profile("dsm-strong-10-11");
}

#[test]
fn emulated_dsm_strong_12_accepts_exactly_its_profile() {
    check_profile("dsm-strong-12");
}

#[test]
fn every_shipped_profile_has_a_test_above() {
    let ids: Vec<String> = Catalog::builtin()
        .unwrap()
        .all()
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(
        ids,
        [
            "dsa-9.6",
            "dsa-10.0",
            "dsa-10.0-u16",
            "dsa-11",
            "dsa-fips",
            "dsm-strong-10-11",
            "dsm-strong-12"
        ]
    );
}

#[test]
fn server_preference_follows_the_profile_order() {
    let catalog = Catalog::builtin().unwrap();
    let (config, _) =
        EmulatorConfig::for_profile(catalog.get("dsa-fips").unwrap(), localhost0()).unwrap();
    let emulator = Emulator::spawn(config, None).unwrap();
    // The client lists the FIPS profile's last suite first; the server still
    // picks its own first choice.
    let r = s_client(
        emulator.local_addr(),
        TlsVersion::Tls12,
        CipherSuiteId(0x003C),
        &["-cipher", "AES128-SHA256:ECDHE-RSA-AES256-GCM-SHA384"],
    );
    assert_eq!(
        r.cipher.as_deref(),
        Some("ECDHE-RSA-AES256-GCM-SHA384"),
        "{}",
        r.output
    );
}

/// An activated endpoint: a client with a certificate from the right CA
/// completes; one without is refused after the ServerHello.
#[test]
fn require_client_cert_both_ways() {
    let catalog = Catalog::builtin().unwrap();
    let p = catalog.get("dsa-11").unwrap();
    let (mut config, pki) = EmulatorConfig::for_profile(p, localhost0()).unwrap();
    config.client_auth = ClientAuth::Require(vec![pki.ca.identity.cert.clone()]);
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let emulator = Emulator::spawn(config, Some(tx)).unwrap();
    let addr = emulator.local_addr();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("client.pem"), dir.path().join("client.key"));
    std::fs::write(&cert, pki.client.cert_pem().unwrap()).unwrap();
    std::fs::write(&key, pki.client.key_pem().unwrap()).unwrap();
    let gcm = CipherSuiteId(0xC030);

    let with = s_client(
        addr,
        TlsVersion::Tls12,
        gcm,
        &[
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(with.ok, "{}", with.output);
    let without = s_client(addr, TlsVersion::Tls12, gcm, &[]);
    assert!(!without.ok, "{}", without.output);
    // The CA list comes in the CertificateRequest, after the ServerHello.
    assert!(
        without
            .output
            .contains("Acceptable client certificate CA names"),
        "{}",
        without.output
    );
    assert!(
        without
            .output
            .contains("CN = tlscompat emulator CA (dsa-11)"),
        "{}",
        without.output
    );

    // A certificate from another CA is refused too.
    let stranger = GeneratedPki::generate("stranger", KeyType::Rsa).unwrap();
    assert!(rustls_handshake(addr, gcm, &pki.ca.identity.cert, Some(&stranger.client)).is_err());
    assert_eq!(
        rustls_handshake(addr, gcm, &pki.ca.identity.cert, Some(&pki.client)),
        Ok(gcm)
    );
    assert!(rustls_handshake(addr, gcm, &pki.ca.identity.cert, None).is_err());

    drop(emulator);
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    let handshakes: Vec<&ServeEvent> = seen
        .iter()
        .filter(|e| matches!(e, ServeEvent::Handshake { .. }))
        .collect();
    assert_eq!(handshakes.len(), 2, "{seen:?}");
    for h in handshakes {
        let ServeEvent::Handshake {
            client_certificate,
            version,
            cipher_suite,
            ..
        } = h
        else {
            unreachable!()
        };
        assert_eq!(
            client_certificate.as_deref(),
            Some("O=tlscompat emulator, CN=tlscompat client")
        );
        assert_eq!(*version, Some(TlsVersion::Tls12));
        assert_eq!(*cipher_suite, Some(gcm));
    }
    assert!(
        seen.iter().any(|e| matches!(e, ServeEvent::Failed { reason, .. } if reason.contains("peer did not return a certificate"))),
        "{seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(ServeEvent::Stopped { .. })),
        "{seen:?}"
    );
}

#[test]
fn ecdsa_certificate_serves_no_deep_security_suite() {
    let catalog = Catalog::builtin().unwrap();
    let p = catalog.get("dsa-11").unwrap();
    let (mut config, _) = EmulatorConfig::for_profile(p, localhost0()).unwrap();
    config.identity = GeneratedPki::generate("ecdsa", KeyType::Ecdsa)
        .unwrap()
        .server;
    let emulator = Emulator::spawn(config, None).unwrap();
    for s in &p.cipher_suites {
        assert_refuses(emulator.local_addr(), TlsVersion::Tls12, *s);
    }
}

/// Reads the binary's JSON log lines.
struct Served {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStderr>>,
}

impl Served {
    fn start(args: &[&str]) -> (Served, serde_json::Value) {
        let mut child = bin()
            .arg("serve")
            .args(args)
            .arg("--format")
            .arg("json")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first: serde_json::Value =
            serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        (Served { child, lines }, first)
    }

    fn next(&mut self) -> serde_json::Value {
        serde_json::from_str(&self.lines.next().expect("another log line").unwrap()).unwrap()
    }

    fn terminate(mut self) -> (i32, Vec<serde_json::Value>) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        let rest = self
            .lines
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
        (status.code().unwrap_or(-1), rest)
    }
}

#[test]
fn serve_binary_logs_every_handshake_and_stops_on_sigterm() {
    let (mut served, listening) = Served::start(&["-p", "dsa-10.0", "--listen", "127.0.0.1:0"]);
    assert_eq!(listening["event"], "listening");
    assert_eq!(listening["label"], "dsa-10.0");
    let addr: SocketAddr = listening["address"].as_str().unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);
    assert_accepts(addr, TlsVersion::Tls12, CipherSuiteId(0x003D));
    let ok = served.next();
    assert_eq!(ok["event"], "handshake");
    assert_eq!(ok["version"], "tls1.2");
    assert_eq!(ok["cipher_suite"], "TLS_RSA_WITH_AES_256_CBC_SHA256");
    assert!(ok["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(ok["time"].as_str().unwrap().ends_with('Z'));
    assert_accepts(addr, TlsVersion::Tls12, CipherSuiteId(0x003C));
    assert_eq!(
        served.next()["cipher_suite"],
        "TLS_RSA_WITH_AES_128_CBC_SHA256"
    );
    assert_refuses(addr, TlsVersion::Tls12, CipherSuiteId(0xC030));
    let failed = served.next();
    assert_eq!(failed["event"], "failed");
    assert_eq!(failed["reason"], "no shared cipher");
    let (code, rest) = served.terminate();
    assert_eq!(code, 0);
    assert_eq!(rest.last().unwrap()["event"], "stopped", "{rest:?}");
}

/// `tlscompat serve ARGS` scanned with the default agent profiles: the
/// scan's target (exit 0 expected).
fn scan_served(args: &[&str]) -> serde_json::Value {
    let (served, listening) = Served::start(args);
    let addr = listening["address"].as_str().unwrap().to_string();
    let (code, v) = scan_json(&[&addr]);
    let (stopped, _) = served.terminate();
    assert_eq!(stopped, 0);
    assert_eq!(code, 0, "{v:#}");
    v["targets"][0].clone()
}

#[test]
fn serve_latency_answers_the_same_one_round_trip_later() {
    const LATENCY_MS: u64 = 150;
    let base = ["-p", "dsm-strong-10-11", "--listen", "127.0.0.1:0"];
    let near = scan_served(&base);
    let latency = format!("{LATENCY_MS}ms");
    let mut args = base.to_vec();
    args.extend(["--latency", latency.as_str()]);
    let far = scan_served(&args);

    // Correct TLS all the same: the same server, the same verdicts.
    assert_eq!(far["server"]["versions"], near["server"]["versions"]);
    assert_eq!(
        far["server"]["cipher_suites"],
        near["server"]["cipher_suites"]
    );
    assert_eq!(far["issues"], near["issues"]);
    let verdicts = |t: &serde_json::Value| -> Vec<serde_json::Value> {
        t["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                serde_json::json!([
                    p["profile"],
                    p["compatible"],
                    p["confirmed"],
                    p["negotiated"],
                    p["reason"],
                ])
            })
            .collect()
    };
    assert_eq!(verdicts(&far), verdicts(&near));
    assert_eq!(profile_of(&far, "dsa-11")["confirmed"], "full_handshake");

    // And the latency is there: a confirmed TLS 1.2 handshake sends two
    // client flights, each answered no sooner than a round trip after it.
    let elapsed = far["stats"]["elapsed_ms"].as_u64().unwrap();
    assert!(elapsed >= 2 * LATENCY_MS, "{elapsed} ms");
}

#[test]
fn serve_binary_with_client_certificates_written_to_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pki").join("emulator");
    let (served, listening) = Served::start(&[
        "-p",
        "dsm-strong-12",
        "--listen",
        "127.0.0.1:0",
        "--require-client-cert",
        "--write-client-cert",
        out.to_str().unwrap(),
    ]);
    let addr: SocketAddr = listening["address"].as_str().unwrap().parse().unwrap();
    let (cert, key, ca) = (
        out.join("client.pem"),
        out.join("client.key"),
        out.join("ca.pem"),
    );
    let verify = ["-CAfile", ca.to_str().unwrap(), "-verify_return_error"];
    let mut args = vec![
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
    ];
    args.extend(verify);
    let r = s_client(addr, TlsVersion::Tls12, CipherSuiteId(0xC02F), &args);
    assert!(r.ok, "{}", r.output);
    assert!(
        r.output.contains("Verify return code: 0 (ok)"),
        "the server certificate chains to ca.pem:\n{}",
        r.output
    );
    assert!(!s_client(addr, TlsVersion::Tls12, CipherSuiteId(0xC02F), &verify).ok);
    let (code, _) = served.terminate();
    assert_eq!(code, 0);

    // The private key and the directories the tool created are the user's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600, "client.key");
        assert_eq!(mode(&out), 0o700, "{}", out.display());
        assert_eq!(mode(out.parent().unwrap()), 0o700, "pki/");
        assert_eq!(mode(&cert) & 0o600, 0o600, "client.pem stays readable");
    }
}

#[test]
fn serve_text_banner_and_user_certificates() {
    // A certificate the user brings: the generated one written out first.
    let pki = GeneratedPki::generate("user", KeyType::Rsa).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("server.pem"), dir.path().join("server.key"));
    std::fs::write(&cert, pki.server.cert_pem().unwrap()).unwrap();
    std::fs::write(&key, pki.server.key_pem().unwrap()).unwrap();
    let mut child = bin()
        .args([
            "serve",
            "-p",
            "dsa-11",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut banner = String::new();
    let addr: SocketAddr = loop {
        let line = lines.next().unwrap().unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some((_, addr)) = line.split_once("listening on ") {
            break addr.trim().parse().unwrap();
        }
    };
    assert!(banner.contains("serving dsa-11"), "{banner}");
    assert!(
        banner.contains("CN=user.tlscompat.test (rsa 2048)"),
        "{banner}"
    );
    assert!(
        banner.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{banner}"
    );
    assert_eq!(
        rustls_handshake(addr, CipherSuiteId(0xC02F), &pki.ca.identity.cert, None),
        Ok(CipherSuiteId(0xC02F))
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn serve_bad_arguments_exit_2_with_one_line() {
    let run = tlscompat(&["serve", "-p", "dsa-13"]);
    assert_eq!(run.code, 2);
    assert_clean_error(&run);
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);

    // A listen address names the part that is wrong and what is accepted.
    for (listen, bad) in [
        ("127.0.0.1:99999", "99999"),
        ("127.0.0.1:+16099", "+16099"),
        ("99999", "99999"),
        ("localhost:-1", "-1"),
    ] {
        let run = tlscompat(&["serve", "-p", "dsa-11", "--listen", listen]);
        assert_eq!(run.code, 2, "{listen}: {}", run.stderr);
        assert_clean_error(&run);
        assert_eq!(
            run.stderr.trim_end(),
            format!(
                "tlscompat: invalid port \"{bad}\" in --listen {listen}: a port is a number \
                 from 0 to 65535 (0 picks a free port)"
            )
        );
    }

    let run = tlscompat(&[
        "serve",
        "-p",
        "dsa-11",
        "--cert",
        "/nonexistent.pem",
        "--key",
        "/nonexistent.key",
    ]);
    assert_eq!(run.code, 2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("cannot read /nonexistent.pem"),
        "{}",
        run.stderr
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = tlscompat(&["serve", "-p", "dsa-11", "--listen", &addr]);
    assert_eq!(run.code, 2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains(&format!("cannot listen on {addr}")),
        "{}",
        run.stderr
    );

    let run = tlscompat(&["serve", "-p", "dsa-11", "--listen", "no such host!"]);
    assert_eq!(run.code, 2);
    assert_clean_error(&run);
    assert!(
        run.stderr
            .contains("invalid host \"no such host!\" in --listen no such host!: "),
        "{}",
        run.stderr
    );

    for latency in ["11s", "0"] {
        let why = format!("latency \"{latency}\" must be more than 0 and at most 10 s");
        let run = tlscompat(&["serve", "-p", "dsa-11", "--latency", latency]);
        assert_eq!(run.code, 2, "--latency {latency}: {}", run.stderr);
        assert!(run.stderr.contains(&why), "{}", run.stderr);
    }

    let run = tlscompat(&["serve", "-p", "dsa-11", "--ca", "/x.pem"]);
    assert_eq!(
        run.code, 2,
        "--ca needs --require-client-cert: {}",
        run.stderr
    );

    let ssl3 = testdata("profiles/ssl3-only.yaml");
    let run = tlscompat(&[
        "serve",
        "-p",
        ssl3.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(run.code, 2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("the local OpenSSL cannot offer ssl3"),
        "{}",
        run.stderr
    );
}

/// `tlscompat serve` in text format, its stderr lines arriving on a channel.
struct TextServed {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    addr: SocketAddr,
}

impl TextServed {
    fn start(args: &[&str]) -> TextServed {
        let mut child = bin()
            .arg("serve")
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let addr = loop {
            let line = lines
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("a listening line");
            if let Some((_, addr)) = line.split_once("listening on ") {
                break addr.trim().parse().unwrap();
            }
        };
        TextServed { child, lines, addr }
    }

    /// Waits for a line containing `want`; returns every line seen so far.
    fn wait_for(&self, want: &str, seen: &mut Vec<String>) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(want);
                    seen.push(line);
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// SIGTERM; the exit code and the lines not yet read.
    fn terminate(mut self) -> (i32, Vec<String>) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), self.lines.iter().collect())
    }
}

/// The number at the start of `N more handshakes failed` in a summary line.
fn summarized(line: &str) -> usize {
    let (_, rest) = line.split_once(": ").unwrap();
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// A scan is a burst of failed handshakes from one peer: the text log shows
/// the first and then one summary, not one line per probe; `--verbose` and
/// the JSON log keep one line per event.
#[test]
fn serve_log_summarizes_a_scan() {
    let scan = |addr: SocketAddr| -> u64 {
        // First flights only: every connection of this scan is a probe
        // (confirmation would add completed handshakes, logged apart).
        let run = tlscompat(&[
            "scan",
            &addr.to_string(),
            "--no-confirm",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["targets"][0]["status"], "ok", "{}", run.stdout);
        v["targets"][0]["stats"]["connections"].as_u64().unwrap()
    };
    let failed = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.contains(" failed: "))
            .cloned()
            .collect()
    };

    // Summarized: the first failure, then one line when the burst ends.
    let served = TextServed::start(&["-p", "dsm-strong-12", "--listen", "127.0.0.1:0"]);
    let connections = scan(served.addr);
    assert!(connections > 10, "{connections}");
    let mut lines = Vec::new();
    let ended = served.wait_for("more handshakes failed", &mut lines);
    let (code, rest) = served.terminate();
    lines.extend(rest);
    let log = lines.join("\n");
    assert!(ended, "no summary when the burst ended:\n{log}");
    assert_eq!(code, 0);
    let summaries: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("more handshakes failed"))
        .collect();
    assert_eq!(failed(&lines).len(), 1, "{log}");
    assert_eq!(summaries.len(), 1, "{log}");
    let summary = summaries[0];
    assert!(summary.contains(" 127.0.0.1: "), "{summary}");
    assert!(summary.contains(" in the last "), "{summary}");
    assert!(summary.contains(" no shared cipher"), "{summary}");
    assert!(
        summary.contains(" closed after the server's first flight (a scanner's probes)"),
        "{summary}"
    );
    assert_eq!(
        1 + summarized(summary) as u64,
        connections,
        "every connection of the scan is counted once:\n{log}"
    );
    assert!(lines.last().unwrap().ends_with("stopped"), "{log}");

    // --verbose: one line per connection.
    let served = TextServed::start(&[
        "-p",
        "dsm-strong-12",
        "--listen",
        "127.0.0.1:0",
        "--verbose",
    ]);
    let connections = scan(served.addr);
    let (code, lines) = served.terminate();
    assert_eq!(code, 0);
    let log = lines.join("\n");
    assert_eq!(failed(&lines).len() as u64, connections, "{log}");
    assert!(!log.contains("more handshakes failed"), "{log}");
    assert!(
        log.contains("failed: closed after the server's first flight"),
        "{log}"
    );

    // JSON: one object per event, the probes marked as such.
    let (served, listening) = Served::start(&["-p", "dsm-strong-12", "--listen", "127.0.0.1:0"]);
    let connections = scan(listening["address"].as_str().unwrap().parse().unwrap());
    let (code, events) = served.terminate();
    assert_eq!(code, 0);
    let failures: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "failed").collect();
    assert_eq!(failures.len() as u64, connections, "{events:?}");
    assert!(
        failures
            .iter()
            .any(|e| e["probe"] == true && e["reason"] == "closed after the server's first flight"),
        "{events:?}"
    );
    assert!(
        failures
            .iter()
            .any(|e| e["probe"] == false && e["reason"] == "no shared cipher"),
        "{events:?}"
    );
}

/// Completed handshakes are always logged, in the middle of a burst too.
#[test]
fn serve_log_keeps_completed_handshakes() {
    let served = TextServed::start(&["-p", "dsa-10.0", "--listen", "127.0.0.1:0"]);
    for _ in 0..3 {
        assert_refuses(served.addr, TlsVersion::Tls12, CipherSuiteId(0xC030));
    }
    assert_accepts(served.addr, TlsVersion::Tls12, CipherSuiteId(0x003D));
    assert_accepts(served.addr, TlsVersion::Tls12, CipherSuiteId(0x003C));
    let mut lines = Vec::new();
    assert!(served.wait_for("more handshakes failed", &mut lines));
    let (_, rest) = served.terminate();
    lines.extend(rest);
    let log = lines.join("\n");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(" handshake tls1.2 "))
            .count(),
        2,
        "{log}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains(" failed: ")).count(),
        1,
        "{log}"
    );
    assert!(
        log.contains(": 2 more handshakes failed in the last "),
        "{log}"
    );
    assert!(log.contains(": 2 no shared cipher"), "{log}");
}

/// `--max-per-source N`: the (N+1)-th connection at once from one address
/// is closed on accept, and `refused` is logged; out of range is exit 2.
#[test]
fn serve_per_source_cap_is_a_flag() {
    use std::io::Read;
    let mut child = bin()
        .args([
            "serve",
            "-p",
            "dsa-11",
            "--listen",
            "127.0.0.1:0",
            "--max-per-source",
            "2",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some((_, addr)) = line.split_once("listening on ") {
            break addr.trim().parse().unwrap();
        }
    };
    let held: Vec<std::net::TcpStream> = (0..2)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    // Let the emulator take both before the third arrives.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut third = std::net::TcpStream::connect(addr).unwrap();
    third
        .set_read_timeout(Some(std::time::Duration::from_secs(3)))
        .unwrap();
    let mut buf = [0u8; 1];
    // Closed at once (EOF or reset), not left waiting for a hello.
    let n = third.read(&mut buf);
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    if let Err(e) = &n {
        assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "not closed: {e}");
        assert_ne!(e.kind(), std::io::ErrorKind::TimedOut, "not closed: {e}");
    }
    drop(held);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let log: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(log.iter().any(|l| l.contains("refused")), "{log:#?}");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    for bad in ["0", "257", "x"] {
        let run = tlscompat(&["serve", "-p", "dsa-11", "--max-per-source", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
    }
}
