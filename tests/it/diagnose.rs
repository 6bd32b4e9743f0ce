//! `tlscompat diagnose` against emulated managers and agents, a closed
//! port, a silent one, a name that does not resolve, and a console with a
//! skewed clock: each step's status, the advice, and the exit code.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tlscompat::model::profile::Catalog;
use tlscompat::serve::{ClientAuth, Emulator, EmulatorConfig};

use crate::common::tlscompat;
use crate::servers::{Hostile, emulate, hostile};

/// `diagnose ARGS… --format json --timeout 2s`: exit code and document.
fn diagnose(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["diagnose", "--format", "json", "--timeout", "2s"];
    all.extend_from_slice(args);
    let run = tlscompat(&all);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code, run.json())
}

#[track_caller]
fn step<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no step {code}: {v:#}"))
}

#[test]
fn a_strong_12_manager_strands_a_10_0_agent_with_advice() {
    let m = emulate("dsm-strong-12");
    let addr = m.local_addr().to_string();
    let (code, v) = diagnose(&[&addr, "--as", "dsa-10.0"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["status"], "failed");
    assert_eq!(step(&v, "name_resolution")["status"], "pass");
    assert_eq!(step(&v, "heartbeat_port")["status"], "pass");
    let tls = step(&v, "tls");
    assert_eq!(tls["status"], "fail", "{tls:#}");
    // The step's verdict and the handshake's own code.
    assert_eq!(tls["verdict"], "incompatible", "{tls:#}");
    assert_eq!(tls["reason_code"], "no_common_suite", "{tls:#}");
    assert_eq!(step(&v, "name_resolution")["verdict"], "compatible");
    let advice = tls["advice"].as_str().unwrap();
    assert!(
        advice.contains("only the 12.x strong cipher suites"),
        "{advice}"
    );
    assert!(advice.contains("10.0 Update 16 or 11.0+"), "{advice}");
    assert!(advice.contains("turn strong cipher suites off"), "{advice}");
    // The same manager serves a 20.0 agent: every step on the path passes.
    let (code, v) = diagnose(&[&format!("dsm://{addr}/"), "--agent-version", "20.0.0-3445"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["profile"], "dsa-11");
    assert_eq!(step(&v, "tls")["status"], "pass");
    assert_eq!(step(&v, "tls")["verdict"], "compatible");
    assert!(step(&v, "tls")["reason_code"].is_null());
    assert_eq!(step(&v, "client_certificate")["status"], "pass");
    // Off the path, informing only: no console here.
    assert_eq!(step(&v, "console_port")["on_path"], false);
    assert_eq!(step(&v, "clock")["status"], "unknown");
}

#[test]
fn tls_1_2_enforced_strands_a_9_6_agent() {
    let m = emulate("dsm-strong-10-11");
    let (code, v) = diagnose(&[&m.local_addr().to_string(), "--agent-version", "9.6.2-7723"]);
    assert_eq!(code, 1);
    let advice = step(&v, "tls")["advice"].as_str().unwrap().to_string();
    assert!(advice.contains("strong cipher suites"), "{advice}");
    // A generic TLS 1.2-only manager (not a shipped profile): the version
    // rule speaks.
    let e = crate::servers::SServer::rsa(
        &crate::servers::CertFiles::new(),
        &["-tls1_2", "-cipher", "AES256-SHA256"],
    );
    let (code, v) = diagnose(&[&e.addr.to_string(), "--as", "dsa-9.6"]);
    assert_eq!(code, 1, "{v:#}");
    let advice = step(&v, "tls")["advice"].as_str().unwrap().to_string();
    assert!(advice.contains("enforces TLS 1.2"), "{advice}");
}

#[test]
fn closed_silent_and_unresolvable_managers() {
    let closed = crate::plan::closed_port();
    let (code, v) = diagnose(&[&format!("127.0.0.1:{closed}"), "--as", "dsa-11"]);
    assert_eq!(code, 1);
    let port = step(&v, "heartbeat_port");
    assert_eq!(port["status"], "fail");
    assert!(
        port["evidence"].as_str().unwrap().contains("refused"),
        "{port:#}"
    );
    assert!(
        port["advice"].as_str().unwrap().contains("service"),
        "{port:#}"
    );
    assert_eq!(step(&v, "tls")["status"], "unknown", "not reached");

    let silent = hostile(Hostile::Silent);
    let (code, v) = diagnose(&[&silent.to_string(), "--as", "dsa-11"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(step(&v, "heartbeat_port")["status"], "pass");
    let tls = step(&v, "tls");
    assert_eq!(tls["status"], "fail", "{tls:#}");
    assert!(
        tls["evidence"].as_str().unwrap().contains("sent nothing"),
        "{tls:#}"
    );

    let (code, v) = diagnose(&["no-such-host.invalid", "--as", "dsa-11"]);
    assert_eq!(code, 1);
    let name = step(&v, "name_resolution");
    assert_eq!(name["status"], "fail");
    assert!(name["advice"].as_str().unwrap().contains("DNS"), "{name:#}");
}

#[test]
fn an_activated_manager_and_the_agents_certificate() {
    let catalog = Catalog::builtin().unwrap();
    let (config, pki) = EmulatorConfig::for_profile(
        catalog.get("dsm-strong-12").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let m = Emulator::spawn(
        EmulatorConfig {
            client_auth: ClientAuth::Require(vec![pki.ca.identity.cert.clone()]),
            ..config
        },
        None,
    )
    .unwrap();
    let addr = m.local_addr().to_string();
    // Without the agent's certificate: the suite is accepted, the rest
    // cannot be told.
    let (code, v) = diagnose(&[&addr, "--as", "dsa-11"]);
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(v["status"], "incomplete");
    assert_eq!(step(&v, "tls")["status"], "pass", "{v:#}");
    let cert = step(&v, "client_certificate");
    assert_eq!(cert["status"], "unknown");
    assert!(
        cert["evidence"].as_str().unwrap().contains("--client-cert"),
        "{cert:#}"
    );
    // With it: the whole path passes.
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = (dir.path().join("agent.pem"), dir.path().join("agent.key"));
    std::fs::write(&c, pki.client.cert_pem().unwrap()).unwrap();
    std::fs::write(&k, pki.client.key_pem().unwrap()).unwrap();
    let (code, v) = diagnose(&[
        &addr,
        "--as",
        "dsa-11",
        "--client-cert",
        c.to_str().unwrap(),
        "--client-key",
        k.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(step(&v, "client_certificate")["status"], "pass");
    // A certificate from another CA is refused.
    let other =
        tlscompat::serve::GeneratedPki::generate("other", tlscompat::tls::certs::KeyType::Rsa)
            .unwrap();
    std::fs::write(&c, other.client.cert_pem().unwrap()).unwrap();
    std::fs::write(&k, other.client.key_pem().unwrap()).unwrap();
    let (code, v) = diagnose(&[
        &addr,
        "--as",
        "dsa-11",
        "--client-cert",
        c.to_str().unwrap(),
        "--client-key",
        k.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{v:#}");
    let cert = step(&v, "client_certificate");
    assert_eq!(cert["status"], "fail", "{cert:#}");
    assert!(
        cert["advice"].as_str().unwrap().contains("re-activate"),
        "{cert:#}"
    );
}

/// An HTTPS console on loopback that answers with a `Date` `skew` seconds
/// off.
fn console(skew: i64) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let pki =
        tlscompat::serve::GeneratedPki::generate("console", tlscompat::tls::certs::KeyType::Rsa)
            .unwrap();
    let chain = vec![CertificateDer::from(pki.server.cert.to_der().unwrap())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        pki.server.key.private_key_to_pkcs8().unwrap(),
    ));
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut buf = [0u8; 2048];
                let _ = tls.read(&mut buf);
                let when = time::OffsetDateTime::now_utc() + time::Duration::seconds(skew);
                let date = when
                    .format(time::macros::format_description!(
                        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
                    ))
                    .unwrap();
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

#[test]
fn the_clock_from_the_consoles_date_informs_only() {
    let m = emulate("dsm-strong-12");
    let skewed = console(-3600);
    let (code, v) = diagnose(&[
        &m.local_addr().to_string(),
        "--as",
        "dsa-11",
        "--console-port",
        &skewed.port().to_string(),
    ]);
    assert_eq!(code, 0, "off the path: {v:#}");
    assert_eq!(step(&v, "console_port")["status"], "pass");
    let clock = step(&v, "clock");
    assert_eq!(clock["status"], "fail", "{clock:#}");
    assert_eq!(clock["on_path"], false);
    let evidence = clock["evidence"].as_str().unwrap();
    assert!(evidence.contains("ahead"), "{evidence}");
    assert!(
        clock["advice"].as_str().unwrap().contains("NTP"),
        "{clock:#}"
    );
    let good = console(0);
    let (_, v) = diagnose(&[
        &m.local_addr().to_string(),
        "--as",
        "dsa-11",
        "--console-port",
        &good.port().to_string(),
    ]);
    assert_eq!(step(&v, "clock")["status"], "pass", "{v:#}");
}

#[test]
fn the_other_direction_and_the_exposed_agent_port() {
    let m = emulate("dsm-strong-12");
    let agent11 = emulate("dsa-11");
    let (code, v) = diagnose(&[
        &m.local_addr().to_string(),
        "--as",
        "dsa-11",
        "--agent",
        &agent11.local_addr().to_string(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    let port = step(&v, "agent_port");
    assert_eq!(port["status"], "pass", "{port:#}");
    assert!(
        port["evidence"].as_str().unwrap().contains("dsm-strong-12"),
        "the manager's offer as identified: {port:#}"
    );
    let exposed = step(&v, "agent_port_exposed");
    assert_eq!(exposed["on_path"], false);
    assert!(
        exposed["advice"].as_str().unwrap().contains("priority-4"),
        "{exposed:#}"
    );
    // A 9.6 agent cannot be reached with the 12.x strong suites.
    let agent96 = emulate("dsa-9.6");
    let (code, v) = diagnose(&[
        &m.local_addr().to_string(),
        "--as",
        "dsa-11",
        "--agent",
        &agent96.local_addr().to_string(),
    ]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(step(&v, "agent_port")["status"], "fail");
}

#[test]
fn text_and_markdown_checklists() {
    let m = emulate("dsm-strong-12");
    let addr = m.local_addr().to_string();
    let text = tlscompat(&["diagnose", &addr, "--as", "dsa-10.0", "--timeout", "2s"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("✗ TLS with this agent's offer"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("✓ the heartbeat port answers"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("diagnosis: failed"), "{}", text.stdout);
    let md = tlscompat(&[
        "diagnose",
        &addr,
        "--as",
        "dsa-10.0",
        "--timeout",
        "2s",
        "--format",
        "markdown",
    ]);
    assert!(
        md.stdout.contains("| ✗ | TLS with this agent's offer |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("**Diagnosis failed**"), "{}", md.stdout);
    // Bad input: exit 2, one line.
    let bad = tlscompat(&["diagnose", &addr, "--agent-version", "banana"]);
    assert_eq!(bad.code, 2);
    crate::common::assert_clean_error(&bad);
}
