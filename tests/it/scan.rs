//! `scan` against real servers: the reported versions and suites must equal
//! each server's configuration, and each profile's verdict must be what that
//! client would really get.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde_json::Value;
use tlscompat::model::profile::{Catalog, Profile};

use crate::common::{assert_clean_error, bin, finish, tlscompat};
use crate::servers::{CertFiles, Hostile, SServer, emulate, emulate_at, hostile, rustls_server};

/// `server.cipher_suites` as {version: [IANA names]}, in the report's order.
fn accepted_in_order(target: &Value) -> BTreeMap<String, Vec<String>> {
    let map = target["server"]["cipher_suites"].as_object().unwrap();
    map.iter()
        .map(|(v, s)| {
            (
                v.clone(),
                s.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// `server.cipher_suites` as {version: [IANA names]}, sorted by id: the
/// accepted set, whatever order the server enforces.
fn accepted(target: &Value) -> BTreeMap<String, Vec<String>> {
    accepted_in_order(target)
        .into_iter()
        .map(|(v, names)| {
            let mut ids: Vec<u16> = names
                .iter()
                .map(|n| {
                    n.parse::<tlscompat::model::suites::CipherSuiteId>()
                        .unwrap()
                        .0
                })
                .collect();
            ids.sort();
            (v, self::names(&ids))
        })
        .collect()
}

/// IANA names, in the order given.
fn in_order(ids: &[u16]) -> Vec<String> {
    ids.iter()
        .map(|i| tlscompat::model::suites::CipherSuiteId(*i).to_string())
        .collect()
}

fn names(ids: &[u16]) -> Vec<String> {
    let mut v: Vec<u16> = ids.to_vec();
    v.sort();
    v.iter()
        .map(|i| tlscompat::model::suites::CipherSuiteId(*i).to_string())
        .collect()
}

use crate::common::{profile_of as profile, scan_json};

fn addr_arg(addr: SocketAddr) -> String {
    addr.to_string()
}

/// `-p` for every shipped agent profile.
const AGENT_PROFILES: [&str; 10] = [
    "-p",
    "dsa-9.6",
    "-p",
    "dsa-10.0",
    "-p",
    "dsa-10.0-u16",
    "-p",
    "dsa-11",
    "-p",
    "dsa-fips",
];

/// An emulator per profile, listed in an inventory with its profile's role
/// (so each is identified among the profiles of its role), and the scan
/// arguments that check every one with every agent profile (`-p`).
fn emulated_by_role(
    servers: &[&Profile],
) -> (
    Vec<tlscompat::serve::Emulator>,
    tempfile::TempDir,
    Vec<String>,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut emulators = Vec::new();
    let mut lines = String::new();
    for p in servers {
        let e = emulate(&p.id);
        let role = match p.role {
            tlscompat::model::profile::Role::Agent => "agent",
            _ => "manager",
        };
        lines.push_str(&format!("{} {role}\n", addr_arg(e.local_addr())));
        emulators.push(e);
    }
    let inv = dir.path().join("emulated.txt");
    std::fs::write(&inv, lines).unwrap();
    let mut args = vec!["-i".to_string(), inv.to_str().unwrap().to_string()];
    for id in ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        args.extend(["-p".to_string(), id.to_string()]);
    }
    (emulators, dir, args)
}

/// The truth for every emulated profile: `--all-suites` finds exactly the
/// profile's versions and suites, identifies it, and every agent's verdict
/// matches the offline matrix.
#[test]
fn every_emulated_profile_is_reported_exactly() {
    let catalog = Catalog::builtin().unwrap();
    let servers: Vec<&Profile> = catalog.all().collect();
    let (_emulators, _dir, mut args) = emulated_by_role(&servers);
    args.push("--all-suites".into());
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert_eq!(code, 0, "{v:#}");
    // Every agent profile as the client of every emulated profile, agents
    // listening on 4118 included (explicit lists pair as given).
    let mut matrix_args = vec!["matrix", "--format", "json"];
    for p in &servers {
        matrix_args.extend(["--server", p.id.as_str()]);
    }
    let matrix = tlscompat(&matrix_args).json();
    for (p, t) in servers.iter().zip(v["targets"].as_array().unwrap()) {
        assert_eq!(t["status"], "ok", "{}", p.id);
        assert_eq!(t["complete"], true, "{}: {:?}", p.id, t["issues"]);
        // The emulator enforces the profile's order; with --all-suites the
        // report lists every accepted suite in exactly that order.
        let want: BTreeMap<String, Vec<String>> = p
            .versions
            .iter()
            .map(|v| {
                (
                    v.to_string(),
                    p.suites_at(*v).map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(accepted_in_order(t), want, "{}", p.id);
        assert_eq!(t["server"]["probed"]["all_suites"], true);
        assert!(t["server"]["probed"]["pairs"].as_u64().unwrap() > 300);
        let matches: Vec<&str> = t["server"]["matches_profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert!(
            matches.contains(&p.id.as_str()),
            "{} not identified: {matches:?}",
            p.id
        );
        assert_eq!(t["server"]["client_certificate"], "none");
        assert_eq!(t["server"]["certificate"]["key_type"], "rsa");
        if p.cipher_suites.len() >= 2 {
            assert_eq!(t["server"]["server_preference"], true, "{}", p.id);
        }
        for agent in catalog.with_role(tlscompat::model::profile::Role::Agent) {
            let live = profile(t, &agent.id);
            let pair = matrix["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["client"] == agent.id.as_str() && x["server"] == p.id.as_str())
                .unwrap();
            assert_eq!(
                live["compatible"], pair["compatible"],
                "{} against {}",
                agent.id, p.id
            );
            assert_eq!(
                live["negotiated"], pair["negotiated"],
                "{} against {}",
                agent.id, p.id
            );
            assert_eq!(
                live["mutual"], pair["mutual"],
                "{} against {}",
                agent.id, p.id
            );
        }
    }
}

/// The default scan (no `--all-suites`) of every emulated profile: the
/// verdicts equal the offline matrix, the accepted versions and suites equal
/// the profile's, and every question is asked once, in one wave: sixteen
/// connections whatever the endpoint speaks (the single-suite probes at a
/// version it lacks are refused, not skipped), eighteen for a TLS 1.0-only
/// endpoint, whose order takes two more.
#[test]
fn default_scan_asks_every_question_once_and_verdicts_hold() {
    let catalog = Catalog::builtin().unwrap();
    let servers: Vec<&Profile> = catalog.all().collect();
    let (_emulators, _dir, args) = emulated_by_role(&servers);
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert!(code == 0, "{v:#}");
    // Every agent profile as the client of every emulated profile (explicit
    // lists pair as given).
    let mut matrix_args = vec!["matrix", "--format", "json"];
    for p in &servers {
        matrix_args.extend(["--server", p.id.as_str()]);
    }
    let matrix = tlscompat(&matrix_args).json();
    for (p, t) in servers.iter().zip(v["targets"].as_array().unwrap()) {
        assert_eq!(t["status"], "ok", "{}", p.id);
        assert_eq!(t["complete"], true, "{}: {:?}", p.id, t["issues"]);
        let want: BTreeMap<String, Vec<String>> = p
            .versions
            .iter()
            .map(|v| {
                let mut s: Vec<String> = p.suites_at(*v).map(|s| s.to_string()).collect();
                s.sort();
                (v.to_string(), s)
            })
            .collect();
        let mut got = accepted(t);
        got.values_mut().for_each(|s| s.sort());
        assert_eq!(got, want, "{}", p.id);
        assert!(
            t["server"]["matches_profiles"]
                .as_array()
                .unwrap()
                .contains(&Value::from(p.id.as_str())),
            "{}",
            p.id
        );
        for agent in catalog.with_role(tlscompat::model::profile::Role::Agent) {
            let live = profile(t, &agent.id);
            let pair = matrix["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["client"] == agent.id.as_str() && x["server"] == p.id.as_str())
                .unwrap();
            for field in ["compatible", "negotiated", "mutual"] {
                assert_eq!(
                    live[field], pair[field],
                    "{field}: {} against {}",
                    agent.id, p.id
                );
            }
            if live["compatible"] == true {
                assert_eq!(live["confirmed"], "full_handshake", "{}", agent.id);
            } else {
                assert!(live["reason_code"].is_string(), "{live:#}");
            }
        }
        let speaks = |v: &str| p.versions.iter().any(|x| x.to_string() == v);
        // Whose order decides at TLS 1.0 takes a forward and a reversed
        // offer of the accepted suites (the first wave reverses a TLS 1.2
        // hello).
        let settle = if speaks("tls1.2") { 0 } else { 2 };
        assert_eq!(
            t["stats"]["connections"].as_u64().unwrap(),
            16 + settle,
            "{}: {:#}",
            p.id,
            t["stats"]
        );
    }
}

#[test]
fn tls10_only_server() {
    let certs = CertFiles::new();
    let s = SServer::rsa(
        &certs,
        &["-tls1", "-cipher", "AES256-SHA:AES128-SHA:@SECLEVEL=0"],
    );
    // An agent's port, checked with every agent profile.
    let addr = addr_arg(s.addr);
    let mut args = vec![addr.as_str(), "--all-suites", "--role", "agent"];
    args.extend(AGENT_PROFILES);
    let (code, v) = scan_json(&args);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    assert_eq!(t["server"]["versions"], serde_json::json!(["tls1.0"]));
    assert_eq!(accepted(t)["tls1.0"], names(&[0x0035, 0x002F]));
    assert_eq!(profile(t, "dsa-9.6")["compatible"], true);
    assert_eq!(
        profile(t, "dsa-9.6")["negotiated"]["cipher_suite"],
        "TLS_RSA_WITH_AES_256_CBC_SHA"
    );
    for id in ["dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        let p = profile(t, id);
        assert_eq!(p["compatible"], false, "{id}");
        let reason = p["reason"].as_str().unwrap();
        assert!(
            reason.contains("which") && reason.contains("does not support")
                || reason.contains("no common version"),
            "{id}: {reason}"
        );
    }
    assert!(
        t["server"]["matches_profiles"]
            .as_array()
            .unwrap()
            .contains(&Value::from("dsa-9.6"))
    );
}

#[test]
fn tls12_rsa_only_server() {
    let certs = CertFiles::new();
    let s = SServer::rsa(
        &certs,
        &[
            "-tls1_2",
            "-cipher",
            "AES256-SHA256:AES128-SHA256:@SECLEVEL=0",
        ],
    );
    // An agent's port, checked with every agent profile.
    let addr = addr_arg(s.addr);
    let mut args = vec![addr.as_str(), "--role", "agent"];
    args.extend(AGENT_PROFILES);
    let (code, v) = scan_json(&args);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    assert_eq!(t["server"]["versions"], serde_json::json!(["tls1.2"]));
    assert_eq!(accepted(t)["tls1.2"], names(&[0x003C, 0x003D]));
    assert_eq!(profile(t, "dsa-10.0")["compatible"], true);
    assert_eq!(profile(t, "dsa-fips")["compatible"], true);
    assert_eq!(
        profile(t, "dsa-fips")["negotiated"]["cipher_suite"],
        "TLS_RSA_WITH_AES_256_CBC_SHA256"
    );
    assert_eq!(
        profile(t, "dsa-11")["reason"],
        "no common suite at tls1.2 (the server answered handshake_failure)"
    );
    assert_eq!(profile(t, "dsa-9.6")["compatible"], false);
    assert_eq!(
        t["server"]["matches_profiles"],
        serde_json::json!(["dsa-10.0"])
    );
}

#[test]
fn ecdhe_gcm_only_server_with_client_order() {
    let certs = CertFiles::new();
    // No -serverpref: the client's order decides.
    let s = SServer::rsa(
        &certs,
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
        ],
    );
    let (code, v) = scan_json(&[&addr_arg(s.addr), "--all-suites"]);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    assert_eq!(
        accepted(t),
        BTreeMap::from([("tls1.2".to_string(), names(&[0xC02F, 0xC030]))])
    );
    assert_eq!(t["server"]["server_preference"], false);
    assert_eq!(
        profile(t, "dsa-11")["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    // As a manager it is identified among the manager profiles only.
    assert_eq!(
        t["server"]["matches_profiles"],
        serde_json::json!(["dsm-strong-12"])
    );
}

/// Only the manager (and relays) connect to an agent's port: by default an
/// agent endpoint is checked with the manager profiles as clients and
/// identified among the agent profiles; a manager endpoint the other way
/// round; `-p` still chooses the clients.
#[test]
fn agents_are_judged_by_managers_and_managers_by_agents() {
    let agent = emulate("dsa-11");
    let addr = addr_arg(agent.local_addr());
    let (code, v) = scan_json(&[&addr, "--role", "agent"]);
    assert_eq!(code, 0, "{v:#}");
    let t = &v["targets"][0];
    let checked: Vec<&str> = t["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(checked, ["dsm-strong-10-11", "dsm-strong-12"], "{t:#}");
    assert_eq!(
        t["server"]["matches_profiles"],
        serde_json::json!(["dsa-11"])
    );
    assert_eq!(profile(t, "dsm-strong-12")["compatible"], true);
    let text = tlscompat(&["scan", &addr, "--role", "agent", "--color", "never"]);
    assert!(
        text.stdout.contains("behaves like: dsa-11\n"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("dsa-9.6"), "{}", text.stdout);
    // A manager: the agent profiles check it; it is one of the managers.
    let manager = emulate("dsm-strong-10-11");
    let (_, v) = scan_json(&[&addr_arg(manager.local_addr())]);
    let t = &v["targets"][0];
    assert_eq!(t["profiles"].as_array().unwrap().len(), 5);
    assert_eq!(
        t["server"]["matches_profiles"],
        serde_json::json!(["dsm-strong-10-11"])
    );
    // -p chooses the clients explicitly; identification stays by role.
    let (_, v) = scan_json(&[&addr, "--role", "agent", "-p", "dsa-11"]);
    let t = &v["targets"][0];
    assert_eq!(t["profiles"][0]["profile"], "dsa-11");
    assert_eq!(t["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(
        t["server"]["matches_profiles"],
        serde_json::json!(["dsa-11"])
    );
}

#[test]
fn server_order_is_detected() {
    let certs = CertFiles::new();
    let s = SServer::rsa(
        &certs,
        &[
            "-tls1_2",
            "-serverpref",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
        ],
    );
    let (_, v) = scan_json(&[&addr_arg(s.addr)]);
    let t = &v["targets"][0];
    assert_eq!(t["server"]["server_preference"], true);
    // The server's first choice wins over dsa-11's.
    assert_eq!(
        profile(t, "dsa-11")["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    );
}

/// An nginx-like endpoint: TLS 1.0 only, two suites, its own order. The
/// order is judged at TLS 1.0 (not only at the largest profile's version)
/// and the suites are listed in the server's order.
#[test]
fn server_order_at_tls10_is_detected_and_listed() {
    let certs = CertFiles::new();
    let s = SServer::rsa(
        &certs,
        &[
            "-tls1",
            "-serverpref",
            "-cipher",
            "AES128-SHA:AES256-SHA:@SECLEVEL=0",
        ],
    );
    let (code, v) = scan_json(&[&addr_arg(s.addr)]);
    assert_eq!(code, 0, "{v:#}");
    let t = &v["targets"][0];
    assert_eq!(t["server"]["preference"]["tls1.0"], "server", "{t:#}");
    assert_eq!(t["server"]["server_preference"], true);
    assert_eq!(
        t["server"]["cipher_suites"]["tls1.0"],
        serde_json::json!([
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA"
        ]),
        "the server's order, not the id order"
    );
    // dsa-9.6 offers AES256 first; the server's AES128 wins.
    assert_eq!(
        profile(t, "dsa-9.6")["negotiated"]["cipher_suite"],
        "TLS_RSA_WITH_AES_128_CBC_SHA"
    );
    let text = tlscompat(&["scan", &addr_arg(s.addr)]);
    assert!(
        text.stdout.contains("suite order: the server's"),
        "{}",
        text.stdout
    );
}

#[test]
fn tls13_only_server() {
    let certs = CertFiles::new();
    let s = SServer::rsa(
        &certs,
        &[
            "-tls1_3",
            "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        ],
    );
    let (code, v) = scan_json(&[&addr_arg(s.addr), "--all-suites"]);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    assert_eq!(t["server"]["versions"], serde_json::json!(["tls1.3"]));
    assert_eq!(accepted(t)["tls1.3"], names(&[0x1302, 0x1303]));
    for agent in ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        assert_eq!(profile(t, agent)["compatible"], false, "{agent}");
        assert!(
            profile(t, agent)["reason"]
                .as_str()
                .unwrap()
                .contains("no common version"),
            "{agent}"
        );
    }
    assert_eq!(
        t["server"]["client_certificate"], "unknown",
        "TLS 1.3 hides the CertificateRequest"
    );
    assert_eq!(t["server"]["matches_profiles"], serde_json::json!([]));
}

#[test]
fn ecdsa_certificate_server_serves_no_deep_security_profile() {
    let certs = CertFiles::new();
    let s = SServer::start(&[
        "-cert",
        certs.ecdsa_cert.to_str().unwrap(),
        "-key",
        certs.ecdsa_key.to_str().unwrap(),
        "-tls1_2",
        "-cipher",
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES256-SHA256",
    ]);
    let (code, v) = scan_json(&[&addr_arg(s.addr), "--all-suites"]);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    // The RSA suites are configured but cannot be served with an ECDSA key.
    assert_eq!(accepted(t)["tls1.2"], names(&[0xC02B, 0xC02C]));
    assert_eq!(t["server"]["certificate"]["key_type"], "ecdsa");
    for agent in ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        assert_eq!(profile(t, agent)["compatible"], false, "{agent}");
    }
    // The model's finding says why, in the text too (the printer no longer
    // decides from the key type itself).
    let findings: Vec<&str> = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        findings.contains(&"certificate_key_type_unusable"),
        "{findings:?}"
    );
    let text = tlscompat(&["scan", &addr_arg(s.addr)]);
    assert!(
        text.stdout.contains("[certificate_key_type_unusable]")
            && text.stdout.contains("an ECDSA key"),
        "{}",
        text.stdout
    );
}

#[test]
fn client_certificate_required_and_requested() {
    let certs = CertFiles::new();
    let ca = certs.ca.to_str().unwrap();
    let suites = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
    let required = SServer::rsa(
        &certs,
        &["-tls1_2", "-cipher", suites, "-Verify", "1", "-CAfile", ca],
    );
    let requested = SServer::rsa(
        &certs,
        &["-tls1_2", "-cipher", suites, "-verify", "1", "-CAfile", ca],
    );
    let (code, v) = scan_json(&[
        &addr_arg(required.addr),
        &addr_arg(requested.addr),
        "--require",
        "dsa-11",
    ]);
    assert_eq!(code, 0, "{v:#}");
    let (t1, t2) = (&v["targets"][0], &v["targets"][1]);
    assert_eq!(t1["server"]["client_certificate"], "required");
    assert_eq!(t2["server"]["client_certificate"], "requested");
    // Suites are still reported as accepted.
    assert_eq!(accepted(t1)["tls1.2"], names(&[0xC02F, 0xC030]));
    let p = profile(t1, "dsa-11");
    assert_eq!(p["compatible"], true);
    assert_eq!(p["confirmed"], "client_certificate_required");
    // Requested only: the handshake without a certificate completes.
    assert_eq!(profile(t2, "dsa-11")["confirmed"], "full_handshake");
    assert_eq!(v["policy"]["passed"], true);
}

#[test]
fn rustls_server_is_reported_exactly() {
    let pki =
        tlscompat::serve::GeneratedPki::generate("rustls", tlscompat::tls::certs::KeyType::Rsa)
            .unwrap();
    let addr = rustls_server(&pki.server);
    let (code, v) = scan_json(&[&addr_arg(addr), "--all-suites"]);
    assert_eq!(code, 0, "{v:#}");
    let t = &v["targets"][0];
    let mut want = BTreeMap::new();
    want.insert("tls1.2".to_string(), names(&[0xC02F, 0xC030, 0xCCA8]));
    want.insert("tls1.3".to_string(), names(&[0x1301, 0x1302, 0x1303]));
    assert_eq!(accepted(t), want);
    assert_eq!(profile(t, "dsa-11")["compatible"], true);
    assert_eq!(profile(t, "dsa-10.0")["compatible"], false);
}

#[test]
fn many_suites_by_elimination() {
    let certs = CertFiles::new();
    let s = SServer::start(&[
        "-cert",
        certs.rsa_cert.to_str().unwrap(),
        "-key",
        certs.rsa_key.to_str().unwrap(),
        "-dcert",
        certs.ecdsa_cert.to_str().unwrap(),
        "-dkey",
        certs.ecdsa_key.to_str().unwrap(),
        "-tls1_2",
        "-cipher",
        "ALL:COMPLEMENTOFALL:!PSK:!SRP:!aDSS:@SECLEVEL=0",
    ]);
    let (code, v) = scan_json(&[&addr_arg(s.addr), "--all-suites"]);
    assert_eq!(code, 0);
    let t = &v["targets"][0];
    // The truth: what the local OpenSSL lists for that cipher string at TLS 1.2
    // (no DSA certificate, so no DSS suites; PSK and SRP need credentials).
    let out = std::process::Command::new("openssl")
        .args([
            "ciphers",
            "-V",
            "-stdname",
            "-tls1_2",
            "ALL:COMPLEMENTOFALL:!PSK:!SRP:!aDSS:@SECLEVEL=0",
        ])
        .output()
        .unwrap();
    let mut want: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
        .filter(|n| !n.starts_with("TLS_AES") && !n.starts_with("TLS_CHACHA20"))
        .collect();
    want.sort_by_key(|n| {
        n.parse::<tlscompat::model::suites::CipherSuiteId>()
            .unwrap()
    });
    let got = accepted(t)["tls1.2"].clone();
    assert!(got.len() > 60, "only {} suites", got.len());
    assert_eq!(got, want);
}

/// Hostile and broken peers: each reported per endpoint, the scan goes on,
/// and exit code 3 (nothing failed, something could not be scanned).
#[test]
fn hostile_peers_are_reported_per_endpoint() {
    let held = crate::plan::closed_port();
    let closed = std::net::SocketAddr::from(([127, 0, 0, 1], held.port()));
    let cases = [
        (closed, "refused"),
        (hostile(Hostile::Silent), "timeout"),
        (hostile(Hostile::Http), "not_tls"),
        (hostile(Hostile::Garbage), "not_tls"),
        (hostile(Hostile::Close), "closed"),
        (hostile(Hostile::Truncated), "closed"),
        (hostile(Hostile::Oversized), "protocol"),
    ];
    let good = emulate("dsa-11");
    let mut args: Vec<String> = cases.iter().map(|(a, _)| a.to_string()).collect();
    args.push(good.local_addr().to_string());
    args.extend(["--timeout".to_string(), "1s".to_string()]);
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert_eq!(code, 3, "{v:#}");
    let targets = v["targets"].as_array().unwrap();
    for ((_, kind), t) in cases.iter().zip(targets) {
        assert_eq!(t["status"], "error", "{t:#}");
        assert_eq!(t["error"]["kind"], *kind, "{t:#}");
        assert!(!t["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(t["server"], Value::Null);
    }
    let http = &targets[2]["error"]["message"];
    assert!(
        http.as_str().unwrap().contains("HTTP/1.1 400 Bad Request"),
        "{http}"
    );
    let last = targets.last().unwrap();
    assert_eq!(last["status"], "ok");
    assert_eq!(profile(last, "dsa-11")["compatible"], true);
    // A refused port costs one wave (8 connects) and the leader's two
    // retries, not one attempt per planned probe.
    assert!(
        targets[0]["stats"]["connect_attempts"].as_u64().unwrap() <= 10,
        "{:#}",
        targets[0]["stats"]
    );
}

#[test]
fn a_server_hello_with_an_unoffered_suite_is_a_fault_not_support() {
    let addr = hostile(Hostile::UnofferedSuite);
    let (code, v) = scan_json(&[&addr.to_string(), "--timeout", "1s"]);
    let t = &v["targets"][0];
    assert_eq!(t["status"], "ok", "a ServerHello is an answer: {t:#}");
    // Only the whole-version hello offered RC4: there the answer is legitimate.
    assert_eq!(
        t["server"]["cipher_suites"],
        serde_json::json!({"tls1.2": ["TLS_RSA_WITH_RC4_128_SHA"]})
    );
    let issues = t["issues"].as_array().unwrap();
    assert!(
        issues.iter().any(|i| i["code"] == "server_fault"
            && i["message"]
                .as_str()
                .unwrap()
                .contains("TLS_RSA_WITH_RC4_128_SHA, which was not offered")),
        "{issues:?}"
    );
    let p = profile(t, "dsa-11");
    assert_eq!(p["compatible"], false);
    assert!(
        p["reason"].as_str().unwrap().starts_with("server fault:"),
        "{p}"
    );
    assert_eq!(code, 0, "faults are findings, every probe got an answer");
}

#[test]
fn require_fails_with_exit_1_and_names_the_violation() {
    let e = emulate("dsm-strong-12");
    let addr = e.local_addr().to_string();
    let (code, v) = scan_json(&[&addr, "--require", "dsa-10.0", "--require", "dsa-11"]);
    assert_eq!(code, 1);
    assert_eq!(v["policy"]["passed"], false);
    let violations = v["policy"]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0]["rule"], "require dsa-10.0");
    assert_eq!(violations[0]["target"], addr);
    assert!(
        violations[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("no common suite at tls1.2")
    );
    // -p narrows the profiles checked; --require adds to them.
    let text = tlscompat(&["scan", &addr, "-p", "dsa-11", "--require", "dsa-11"]);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(text.stdout.contains("policy: passed"), "{}", text.stdout);
}

#[test]
fn json_report_has_the_documented_shape() {
    let e = emulate("dsa-10.0-u16");
    let port = e.local_addr().port().to_string();
    let (_, v) = scan_json(&[
        &format!("localhost:{port}"),
        "-p",
        "dsa-10.0",
        "-p",
        "dsa-11",
    ]);
    assert_eq!(v["schema_version"], 3);
    assert_eq!(v["tool"]["name"], "tlscompat");
    let t = &v["targets"][0];
    assert_eq!(t["target"], format!("localhost:{port}"));
    assert_eq!(t["host"], "localhost");
    assert_eq!(t["port"], e.local_addr().port());
    assert_eq!(t["address"], "127.0.0.1");
    assert_eq!(t["role"], "manager");
    assert_eq!(t["sni"], "localhost");
    assert_eq!(t["status"], "ok");
    assert_eq!(t["error"], Value::Null);
    for key in [
        "versions",
        "cipher_suites",
        "server_preference",
        "client_certificate",
        "certificate",
        "matches_profiles",
    ] {
        assert!(t["server"].get(key).is_some(), "server.{key} missing");
    }
    for key in ["subject", "key_type", "key_bits", "not_after"] {
        assert!(
            t["server"]["certificate"].get(key).is_some(),
            "certificate.{key} missing"
        );
    }
    assert_eq!(t["server"]["certificate"]["key_bits"], 2048);
    let profiles = t["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    let p = &profiles[0];
    assert_eq!(p["profile"], "dsa-10.0");
    for key in [
        "compatible",
        "negotiated",
        "mutual",
        "confirmed",
        "engine",
        "reason",
        "reason_code",
        "conclusive",
    ] {
        assert!(p.get(key).is_some(), "profile.{key} missing");
    }
    assert_eq!(p["negotiated"], Value::Null);
    assert_eq!(p["mutual"], serde_json::json!({}));
    assert_eq!(p["confirmed"], "not_attempted");
    assert_eq!(p["reason_code"], "no_common_suite");
    assert_eq!(
        profiles[1]["negotiated"],
        serde_json::json!({"version": "tls1.2", "cipher_suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"})
    );
    assert_eq!(profiles[1]["confirmed"], "full_handshake");
    assert_eq!(profiles[1]["engine"], "rustls");
    assert_eq!(profiles[1]["reason_code"], Value::Null);
    assert_eq!(t["findings"], serde_json::json!([]));
    assert_eq!(t["issues"], serde_json::json!([]));
    assert_eq!(
        v["policy"],
        serde_json::json!({"status": "passed", "passed": true, "rules": 0, "violations": [], "unresolved": []})
    );
    // The report reads back into the result model unchanged (saved reports
    // are re-checked without the network).
    let back: tlscompat::results::ScanReport = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), v);
}

#[test]
fn other_formats() {
    let e = emulate("dsa-11");
    let addr = e.local_addr().to_string();
    // Wide enough for the suites on one line and the Confirmed column.
    let text = finish(
        bin()
            .args(["scan", &addr])
            .env("COLUMNS", "160")
            .output()
            .unwrap(),
    );
    assert_eq!(text.code, 0);
    for want in [
        "accepted:",
        // In the server's order.
        "tls1.2: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "suite order: the server's",
        // A manager is identified among the manager profiles.
        "behaves like: dsm-strong-12",
        "no common suite at tls1.2",
        "full handshake (rustls)",
    ] {
        assert!(
            text.stdout.contains(want),
            "{want} missing:\n{}",
            text.stdout
        );
    }
    let yaml = tlscompat(&["scan", &addr, "--format", "yaml"]);
    assert!(yaml.stdout.contains("schema_version: 3"), "{}", yaml.stdout);
    let jsonl = tlscompat(&["scan", &addr, &addr, "--format", "jsonl"]);
    let lines: Vec<Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The same endpoint twice is scanned once: one target line, the verdict.
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["target"], addr);
    assert_eq!(lines[1]["policy"]["passed"], true);
    let junit = tlscompat(&["scan", &addr, "--format", "junit", "--require", "dsa-10.0"]);
    assert_eq!(junit.code, 1);
    assert!(junit.stdout.starts_with("<?xml"), "{}", junit.stdout);
    assert!(
        junit.stdout.contains(r#"<testcase classname=""#)
            && junit.stdout.contains(r#"name="dsa-10.0">"#)
    );
    assert!(
        junit
            .stdout
            .contains("<failure message=\"no common suite at tls1.2"),
        "{}",
        junit.stdout
    );
    let md = tlscompat(&["scan", &addr, "--format", "markdown"]);
    assert!(
        md.stdout.contains("| dsa-11 | ✅ compatible | tls1.2 |"),
        "{}",
        md.stdout
    );
}

#[test]
fn bad_scan_input_exits_2() {
    for args in [
        vec!["scan"],
        vec!["scan", "h:0"],
        vec!["scan", "[::1"],
        vec!["scan", "127.0.0.1", "-p", "dsa-13"],
        vec!["scan", "127.0.0.1", "--timeout", "soon"],
        vec!["scan", "127.0.0.1", "--concurrency", "0"],
        vec!["scan", "-i", "/nonexistent/inventory.txt"],
        vec!["scan", "127.0.0.1", "--format", "xml"],
    ] {
        let run = tlscompat(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}");
        if !args.contains(&"--timeout")
            && !args.contains(&"--concurrency")
            && !args.contains(&"--format")
        {
            assert_clean_error(&run);
        }
    }
}

#[test]
fn dns_failure_is_per_target() {
    let (code, v) = scan_json(&["no-such-host.invalid", "--timeout", "2s"]);
    assert_eq!(code, 3);
    assert_eq!(v["targets"][0]["error"]["kind"], "dns");
}

#[test]
fn inventory_and_roles() {
    let e = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory.txt");
    std::fs::write(&inv, format!("# agents\n{} agent\n", e.local_addr())).unwrap();
    let (code, v) = scan_json(&["-i", inv.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(v["targets"][0]["role"], "agent");
    assert_eq!(v["targets"][0]["server"]["matches_profiles"][0], "dsa-11");
}

#[test]
fn ipv6_loopback() {
    // Needs an IPv6 loopback (::1) to listen on.
    let e = emulate_at("dsa-11", "[::1]:0");
    let target = format!("[::1]:{}", e.local_addr().port());
    let (code, v) = scan_json(&[&target]);
    assert_eq!(code, 0);
    assert_eq!(v["targets"][0]["target"], target);
    assert_eq!(v["targets"][0]["address"], "::1");
    assert_eq!(
        v["targets"][0]["sni"],
        Value::Null,
        "no SNI for an IP address"
    );
}

#[test]
fn no_policy_is_never_called_passed() {
    let e = emulate("dsa-11");
    let addr = e.local_addr().to_string();
    let text = tlscompat(&["scan", &addr, "-p", "dsa-11", "--color", "never"]);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(!text.stdout.contains("passed"), "{}", text.stdout);
    assert!(text.stdout.contains("policy: no policy"), "{}", text.stdout);
    let md = tlscompat(&["scan", &addr, "-p", "dsa-11", "--format", "markdown"]);
    assert!(!md.stdout.contains("passed"), "{}", md.stdout);
    assert!(md.stdout.contains("**Policy: no policy**"), "{}", md.stdout);
    let (code, v) = scan_json(&[&addr, "-p", "dsa-11"]);
    assert_eq!(code, 0);
    assert_eq!(v["policy"]["rules"], 0);
    let (_, v) = scan_json(&[&addr, "--require", "dsa-11"]);
    assert_eq!(v["policy"]["rules"], 1);
}

/// A manager that prefers GCM-256, GCM-128, CBC-256, CBC-128 (the
/// 10.0/11.0 strong-cipher script's order): a default scan learns only its
/// first choice and lists the rest by id, saying so, never as the
/// server's order; `--all-suites` measures the whole order; `what-if`
/// names the surviving suite only where the order was measured that far.
#[test]
fn only_a_measured_server_order_is_printed() {
    let e = emulate("dsm-strong-10-11");
    let addr = addr_arg(e.local_addr());
    let (code, v) = scan_json(&[&addr]);
    assert_eq!(code, 0, "{v:#}");
    let s = &v["targets"][0]["server"];
    assert_eq!(s["preference"]["tls1.2"], "server");
    assert_eq!(s["order_measured"]["tls1.2"], 1, "{s:#}");
    assert_eq!(
        s["cipher_suites"]["tls1.2"],
        serde_json::json!(in_order(&[0xC030, 0xC027, 0xC028, 0xC02F])),
        "the first choice, then by id"
    );
    let text = tlscompat(&["scan", &addr, "--color", "never"]);
    assert!(
        text.stdout.replace("\n    ", " ").contains(
            "suite order: the server's (tls1.2: measured for the first 1 of 4, the rest by id; --all-suites measures the whole order)"
        ),
        "{}",
        text.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let default = dir.path().join("default.json");
    std::fs::write(&default, serde_json::to_string(&v).unwrap()).unwrap();
    let (_, all) = scan_json(&[&addr, "--all-suites"]);
    let s = &all["targets"][0]["server"];
    assert_eq!(s["order_measured"]["tls1.2"], 4, "{s:#}");
    assert_eq!(
        s["cipher_suites"]["tls1.2"],
        serde_json::json!(in_order(&[0xC030, 0xC02F, 0xC028, 0xC027])),
        "the server's whole order"
    );
    let full = dir.path().join("all.json");
    std::fs::write(&full, serde_json::to_string(&all).unwrap()).unwrap();
    // Without GCM-256, which suite would dsa-10.0-u16 get?
    let drop = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    let what = |report: &std::path::Path| -> Value {
        tlscompat(&[
            "what-if",
            report.to_str().unwrap(),
            "--drop",
            drop,
            "--format",
            "json",
        ])
        .json()
    };
    let u16 = |w: &Value| -> Value {
        w["targets"][0]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["profile"] == "dsa-10.0-u16")
            .unwrap()
            .clone()
    };
    let w = u16(&what(&default));
    assert_eq!(w["outcome"], "keeps", "{w:#}");
    assert_eq!(w["negotiated_after"], Value::Null, "not measured: {w:#}");
    assert!(
        w["message"].as_str().unwrap().contains("suite not known"),
        "{w:#}"
    );
    let w = u16(&what(&full));
    assert_eq!(
        w["negotiated_after"]["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "{w:#}"
    );
}
