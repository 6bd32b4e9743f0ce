//! `observe` on captures of real handshakes: a relay on loopback sits
//! between a real client (the probe engine with the emulator's agent
//! profiles, OpenSSL's s_client, rustls, curl, GnuTLS, Java) and a real
//! server (the emulator), records both directions' bytes, and the test
//! writes them as the frames a capture would hold (pcap and pcapng,
//! Ethernet, VLAN, Linux cooked v1 and v2, IPv4 and IPv6, segments split,
//! reordered and retransmitted). The binary then reads the file.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tlscompat::model::profile::Catalog;
use tlscompat::observe::synth::{CaptureWriter, Conversation, Format, Link, Shape, Side};
use tlscompat::probe::hello::HelloSpec;
use tlscompat::schema::SchemaName;

use crate::common::{assert_clean_error, testdata, tlscompat};
use crate::schema::assert_valid;
use crate::servers::emulate;

/// A TCP relay on loopback that records every connection's bytes.
struct Relay {
    addr: SocketAddr,
    conversations: Arc<Mutex<Vec<Arc<Mutex<Conversation>>>>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    /// Listens on `listen` (port 0) and forwards to `upstream`.
    fn start(listen: &str, upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind(listen).unwrap();
        let addr = listener.local_addr().unwrap();
        let conversations: Arc<Mutex<Vec<Arc<Mutex<Conversation>>>>> = Arc::default();
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (convs, work) = (conversations.clone(), workers.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))
                else {
                    continue;
                };
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
                let conv = Arc::new(Mutex::new(Conversation {
                    client: client.peer_addr().unwrap(),
                    server: addr,
                    start: now,
                    chunks: Vec::new(),
                }));
                convs.lock().unwrap().push(conv.clone());
                for (from, to, side) in [
                    (
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        Side::Client,
                    ),
                    (server, client, Side::Server),
                ] {
                    let conv = conv.clone();
                    work.lock()
                        .unwrap()
                        .push(std::thread::spawn(move || pump(from, to, side, &conv)));
                }
            }
        });
        Relay {
            addr,
            conversations,
            workers,
        }
    }

    /// Waits for every connection to end and returns what each carried.
    fn finish(self) -> Vec<Conversation> {
        let workers = std::mem::take(&mut *self.workers.lock().unwrap());
        for w in workers {
            w.join().unwrap();
        }
        self.conversations
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .collect()
    }
}

/// Copies `from` to `to`, recording what passes.
fn pump(mut from: TcpStream, mut to: TcpStream, side: Side, conv: &Mutex<Conversation>) {
    from.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                conv.lock().unwrap().chunks.push((side, buf[..n].to_vec()));
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// The project's own probe engine as the client: one profile's hello, the
/// server's first flight read, then close.
fn probe_client(addr: SocketAddr, profile: &str) {
    let catalog = Catalog::builtin().unwrap();
    let hello = HelloSpec::for_profile(catalog.get(profile).unwrap(), None)
        .build()
        .encode();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    // Until the server answers: a client that gave up first (a loaded
    // machine, an emulator slow to answer) would leave a hello unanswered
    // in the capture, and the tests count answers.
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(&hello).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(
        n > 0,
        "the emulator at {addr} did not answer {profile}'s hello"
    );
}

/// `openssl s_client`, TLS 1.2 with the dsa-11 suites (it adds the
/// renegotiation SCSV).
fn s_client(addr: SocketAddr) {
    let status = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-tls1_2",
            "-cipher",
        ])
        .arg("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the `openssl` command (Debian package openssl) is needed");
    assert!(status.code().is_some());
}

/// `openssl s_client` offering one suite at TLS 1.2 (an offer equal to no
/// profile).
fn s_client_one_suite(addr: SocketAddr) {
    let status = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-tls1_2",
            "-cipher",
        ])
        .arg("ECDHE-RSA-AES256-GCM-SHA384")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the `openssl` command (Debian package openssl) is needed");
    assert!(status.code().is_some());
}

/// rustls with its default suites and versions (the handshake stops at the
/// certificate, which nothing here trusts: the hello is what counts).
fn rustls_client(addr: SocketAddr) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while conn.is_handshaking() {
        if conn.complete_io(&mut tcp).is_err() {
            break;
        }
    }
}

/// Whether a command can run here. CI (`.ci/run`) installs curl and
/// gnutls-cli and sets TLSCOMPAT_REQUIRE_CLIENTS=1, which makes a missing
/// one a failure instead of a skip.
fn have(cmd: &str) -> bool {
    let found = Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found && cmd != "java" && std::env::var_os("TLSCOMPAT_REQUIRE_CLIENTS").is_some() {
        panic!("{cmd} is not installed and TLSCOMPAT_REQUIRE_CLIENTS is set");
    }
    found
}

/// Writes `conversations` as a capture file.
fn write_capture(
    dir: &Path,
    name: &str,
    format: Format,
    link: Link,
    shape: Shape,
    conversations: &[Conversation],
) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut w = CaptureWriter::new(std::io::BufWriter::new(file), format, link, 262_144).unwrap();
    for c in conversations {
        w.conversation(c, shape).unwrap();
    }
    w.into_inner().flush().unwrap();
    path
}

fn observe_json(args: &[&str]) -> Value {
    let mut all = vec!["observe", "--format", "json"];
    all.extend_from_slice(args);
    let run = tlscompat(&all).expect_code(0);
    let json = run.json();
    assert_valid(SchemaName::Observe, &json);
    json
}

fn client_of<'a>(json: &'a Value, server: SocketAddr, like: &str) -> Vec<&'a Value> {
    json["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["server"] == server.to_string())
        .filter(|c| {
            like.is_empty()
                || c["behaves_like"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l == like)
        })
        .collect()
}

/// Records the emulator's agent profiles and OpenSSL against a manager
/// emulator (dsm-strong-12).
fn record_agents(listen: &str) -> (Vec<Conversation>, SocketAddr) {
    let server = emulate("dsm-strong-12");
    let relay = Relay::start(listen, server.local_addr());
    let addr = relay.addr;
    for profile in ["dsa-11", "dsa-11", "dsa-fips", "dsa-10.0", "dsa-9.6"] {
        probe_client(addr, profile);
    }
    s_client(addr);
    let convs = relay.finish();
    assert_eq!(convs.len(), 6);
    (convs, addr)
}

#[test]
fn agent_profiles_and_openssl_are_told_apart_and_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (convs, addr) = record_agents("127.0.0.1:0");
    for (name, format, link, shape) in [
        ("plain.pcap", Format::Pcap, Link::Ethernet, Shape::default()),
        (
            "split.pcapng",
            Format::PcapNg,
            Link::Sll2,
            Shape {
                mss: 50,
                reverse: true,
                retransmit: true,
                ..Shape::default()
            },
        ),
        (
            "vlan.pcap",
            Format::Pcap,
            Link::Vlan(100),
            Shape {
                mss: 100,
                ..Shape::default()
            },
        ),
        ("sll.pcap", Format::Pcap, Link::Sll, Shape::default()),
    ] {
        let path = write_capture(dir.path(), name, format, link, shape, &convs);
        let json = observe_json(&[path.to_str().unwrap()]);
        // dsa-11 twice, from two ports of one address: one client, two
        // connections. s_client's suites equal dsa-11's too (its SCSV is
        // ignored), in a hello of another shape: a second offer.
        let eleven = client_of(&json, addr, "dsa-11");
        assert_eq!(eleven.len(), 2, "{name}: {json:#}");
        let probe = eleven
            .iter()
            .find(|c| c["connections"] == 2)
            .unwrap_or_else(|| panic!("{name}: {json:#}"));
        assert_eq!(probe["client"], "127.0.0.1");
        assert_eq!(probe["offer"]["versions"], serde_json::json!(["tls1.2"]));
        assert_eq!(
            probe["negotiated"][0]["version"], "tls1.2",
            "{name}: {probe:#}"
        );
        assert_eq!(
            probe["negotiated"][0]["cipher_suite"],
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        );
        let openssl = eleven.iter().find(|c| c["connections"] == 1).unwrap();
        assert!(
            openssl["offer"]["cipher_suites"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
            "{openssl:#}"
        );
        assert!(openssl["ja4"].as_str().unwrap().starts_with("t12i03"));
        let fips = client_of(&json, addr, "dsa-fips");
        assert_eq!(fips.len(), 1, "{name}");
        assert!(fips[0]["negotiated"][0]["cipher_suite"].is_string());
        // dsa-10.0 and 9.6 lose a strong-12 manager: the alert is the answer.
        let old = client_of(&json, addr, "dsa-10.0");
        assert_eq!(
            old[0]["negotiated"][0]["alert"], "fatal handshake_failure",
            "{name}: {old:#?}"
        );
        let older = client_of(&json, addr, "dsa-9.6");
        assert!(
            older[0]["negotiated"][0]["alert"]
                .as_str()
                .unwrap()
                .starts_with("fatal"),
            "{older:#?}"
        );
        assert_eq!(json["counts"]["hellos"], 6, "{name}");
        assert_eq!(json["counts"]["answered"], 6, "{name}");
    }
}

#[test]
fn ipv6_captures_and_the_text_report_within_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (convs, addr) = record_agents("[::1]:0");
    let path = write_capture(
        dir.path(),
        "v6.pcapng",
        Format::PcapNg,
        Link::Ethernet,
        Shape {
            mss: 64,
            ..Shape::default()
        },
        &convs,
    );
    let json = observe_json(&[path.to_str().unwrap()]);
    let eleven = client_of(&json, addr, "dsa-11");
    assert!(addr.to_string().starts_with("[::1]:"));
    assert_eq!(eleven.len(), 2, "{json:#}");
    assert_eq!(eleven[0]["client"], "::1");

    let run = tlscompat(&["observe", path.to_str().unwrap()]).expect_code(0);
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 80, "{line:?}\n{}", run.stdout);
    }
    assert!(run.stdout.contains("Behaves like dsa-11"), "{}", run.stdout);
    assert!(
        run.stdout.contains("alert fatal handshake_failure"),
        "{}",
        run.stdout
    );
    let md = tlscompat(&["observe", "--format", "markdown", path.to_str().unwrap()]).expect_code(0);
    assert!(md.stdout.contains("| Client |"), "{}", md.stdout);
    let yaml = tlscompat(&["observe", "--format", "yaml", path.to_str().unwrap()]).expect_code(0);
    assert!(yaml.stdout.contains("schema_version: 1"), "{}", yaml.stdout);
}

#[test]
fn other_clients_rustls_curl_gnutls_java_and_written_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let server = emulate("dsm-strong-12");
    let relay = Relay::start("127.0.0.1:0", server.local_addr());
    let addr = relay.addr;
    rustls_client(addr);
    let mut expected = 1;
    let curl = have("curl");
    if curl {
        let _ = Command::new("curl")
            .args(["-sk", "--max-time", "5", "-o", "/dev/null"])
            .arg(format!("https://{addr}/"))
            .status();
        expected += 1;
    } else {
        eprintln!("curl is not installed: its capture is skipped (.ci/run installs it)");
    }
    let gnutls = have("gnutls-cli");
    if gnutls {
        let _ = Command::new("gnutls-cli")
            .args([
                "--insecure",
                "--port",
                &addr.port().to_string(),
                "127.0.0.1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        expected += 1;
    } else {
        eprintln!("gnutls-cli is not installed: its capture is skipped (.ci/run installs it)");
    }
    let java = have("java");
    if java {
        let src = dir.path().join("Hello.java");
        std::fs::write(
            &src,
            "public class Hello { public static void main(String[] a) throws Exception {\n\
             try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket)\n\
             javax.net.ssl.SSLSocketFactory.getDefault().createSocket(a[0], Integer.parseInt(a[1]))) {\n\
             s.setSoTimeout(5000); s.startHandshake(); } catch (Exception e) {} } }\n",
        )
        .unwrap();
        let status = Command::new("java")
            .arg(&src)
            .args(["127.0.0.1", &addr.port().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            expected += 1;
        }
    } else {
        eprintln!("no Java runtime: the Java client is skipped (optional)");
    }
    let convs = relay.finish();
    assert_eq!(convs.len(), expected);
    let path = write_capture(
        dir.path(),
        "others.pcap",
        Format::Pcap,
        Link::Ethernet,
        Shape::default(),
        &convs,
    );
    let profiles = dir.path().join("profiles");
    let json = observe_json(&[
        path.to_str().unwrap(),
        "--write-profiles",
        profiles.to_str().unwrap(),
    ]);
    let clients = json["clients"].as_array().unwrap();
    assert_eq!(clients.len(), expected, "{json:#}");
    for c in clients {
        // None of these is an agent: the closest profile and how it differs.
        assert_eq!(c["behaves_like"], serde_json::json!([]), "{c:#}");
        assert!(c["closest"]["profile"].is_string(), "{c:#}");
        assert_eq!(c["negotiated"][0]["version"], "tls1.2", "{c:#}");
    }
    let rustls = &clients[0];
    assert_eq!(
        rustls["offer"]["versions"],
        serde_json::json!(["tls1.3", "tls1.2"])
    );
    assert!(
        rustls["ja4"].as_str().unwrap().starts_with("t13i"),
        "{rustls:#}"
    );
    if curl {
        // curl names the server and asks for h2 or http/1.1 (ALPN).
        let ja4 = clients[1]["ja4"].as_str().unwrap();
        assert!(ja4.starts_with("t13"), "{ja4}");
        assert!(&ja4[8..10] == "h2" || &ja4[8..10] == "h1", "{ja4}");
    }

    // The written profiles load back: validate, matrix and serve take them.
    let files: Vec<PathBuf> = std::fs::read_dir(&profiles)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), expected, "{files:?}");
    let mut args = vec!["profiles", "validate"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    tlscompat(&args).expect_code(0);
    let id = files[0].file_stem().unwrap().to_str().unwrap().to_string();
    let matrix = tlscompat(&[
        "--profiles-dir",
        profiles.to_str().unwrap(),
        "matrix",
        "--client",
        &id,
        "--server",
        "dsm-strong-12",
        "--format",
        "json",
    ])
    .expect_code(0);
    assert!(matrix.stdout.contains(&id), "{}", matrix.stdout);
    tlscompat(&[
        "--profiles-dir",
        profiles.to_str().unwrap(),
        "profiles",
        "show",
        &id,
    ])
    .expect_code(0);
}

#[test]
fn the_inventory_names_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let (convs, _) = record_agents("127.0.0.1:0");
    let path = write_capture(
        dir.path(),
        "a.pcap",
        Format::Pcap,
        Link::Raw,
        Shape::default(),
        &convs,
    );
    let inventory = dir.path().join("fleet.csv");
    std::fs::write(&inventory, "host,port\nlocalhost,4118\n").unwrap();
    let json = observe_json(&[path.to_str().unwrap(), "-i", inventory.to_str().unwrap()]);
    assert_eq!(json["clients"][0]["host"], "localhost", "{json:#}");
    let text = tlscompat(&[
        "observe",
        path.to_str().unwrap(),
        "-i",
        inventory.to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(
        text.stdout.contains("localhost (127.0.0.1)"),
        "{}",
        text.stdout
    );
}

#[test]
fn the_committed_capture() {
    // testdata/observe/heartbeats.pcapng: the probe engine's dsa-11 and
    // dsa-10.0 hellos and an s_client hello to the dsm-strong-12 emulator
    // (written as port 4120), split into 100-byte segments, recorded by
    // `record_testdata` below.
    let path = testdata("observe/heartbeats.pcapng");
    let json = observe_json(&[path.to_str().unwrap()]);
    let clients = json["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 3, "{json:#}");
    assert_eq!(clients[0]["behaves_like"], serde_json::json!(["dsa-11"]));
    assert_eq!(
        clients[0]["negotiated"][0]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    assert_eq!(clients[1]["behaves_like"], serde_json::json!(["dsa-10.0"]));
    assert_eq!(
        clients[1]["negotiated"][0]["alert"],
        "fatal handshake_failure"
    );
    assert_eq!(clients[2]["behaves_like"], serde_json::json!(["dsa-11"]));
    assert!(std::fs::metadata(&path).unwrap().len() < 16 * 1024);
}

/// Regenerates `testdata/observe/heartbeats.pcapng` from real handshakes
/// (`TLSCOMPAT_UPDATE_TESTDATA=1 cargo test --test it observe::record`).
#[test]
fn record_testdata() {
    if std::env::var_os("TLSCOMPAT_UPDATE_TESTDATA").is_none() {
        return;
    }
    let server = emulate("dsm-strong-12");
    let relay = Relay::start("127.0.0.1:0", server.local_addr());
    probe_client(relay.addr, "dsa-11");
    probe_client(relay.addr, "dsa-10.0");
    s_client(relay.addr);
    let mut convs = relay.finish();
    // Only the hello and the server's first record (its ServerHello or
    // alert) are needed: the file stays small.
    for c in &mut convs {
        // As a manager's capture shows it: the agents' port 4120.
        c.server.set_port(4120);
        let hello = c.chunks.iter().find(|(s, _)| *s == Side::Client).cloned();
        let answer = c.chunks.iter().find(|(s, _)| *s == Side::Server).cloned();
        c.chunks = hello.into_iter().chain(answer).collect();
        if let Some((_, bytes)) = c.chunks.get_mut(1) {
            let len = 5 + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
            bytes.truncate(len);
        }
    }
    let dir = testdata("observe");
    std::fs::create_dir_all(&dir).unwrap();
    let _ = write_capture(
        &dir,
        "heartbeats.pcapng",
        Format::PcapNg,
        Link::Ethernet,
        Shape {
            mss: 100,
            ..Shape::default()
        },
        &convs,
    );
}

#[test]
fn hostile_and_missing_captures_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (write("empty.pcap", b""), "not a packet capture"),
        (write("html.pcap", b"<html></html>"), "not a packet capture"),
        (
            write(
                "absurd.pcap",
                &[
                    0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
                    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff,
                    0x7f, 1, 2, 3,
                ],
            ),
            "damaged after 0 packets",
        ),
        (dir.path().join("missing.pcap"), "cannot read"),
    ];
    for (path, want) in cases {
        let run = tlscompat(&["observe", path.to_str().unwrap()]).expect_code(2);
        assert!(
            run.stderr.contains(want),
            "{}: {}",
            path.display(),
            run.stderr
        );
        assert_clean_error(&run);
    }
}

/// `plan --observed`: agents whose version string cannot decide (10.0,
/// before or after Update 16) are judged by the hello they were seen to
/// send; an agent in the capture but not in the inventory is listed; the
/// manager's own hello to agents is its client offer.
#[test]
fn plan_observed_judges_agents_by_their_own_hello() {
    let dir = tempfile::tempdir().unwrap();
    let server = emulate("dsm-strong-12");
    let relay = Relay::start("127.0.0.1:0", server.local_addr());
    // Agents 127.0.0.2 (10.0 Update 16, strong suites), 127.0.0.3 (10.0
    // before Update 16), 127.0.0.4 (11.0, not in the inventory); then the
    // manager (127.0.0.1) to an agent's 4118.
    for profile in ["dsa-10.0-u16", "dsa-10.0", "dsa-11", "dsm-strong-12"] {
        probe_client(relay.addr, profile);
    }
    // 127.0.0.5: an agent build whose offer equals no profile (one suite).
    s_client_one_suite(relay.addr);
    let mut convs = relay.finish();
    assert_eq!(convs.len(), 5);
    // The bytes are real; the addresses are those of a manager's capture.
    for (i, c) in convs.iter_mut().enumerate() {
        match i {
            3 => c.server = "127.0.0.2:4118".parse().unwrap(),
            _ => {
                let host = if i == 4 { 5 } else { i + 2 };
                c.client.set_ip(format!("127.0.0.{host}").parse().unwrap());
                c.server.set_port(4120);
            }
        }
    }
    let capture = write_capture(
        dir.path(),
        "hb.pcapng",
        Format::PcapNg,
        Link::Sll,
        Shape::default(),
        &convs,
    );
    let fleet = dir.path().join("fleet.csv");
    std::fs::write(
        &fleet,
        "host,port,agent_version,direction\n\
         127.0.0.2,4118,10.0.0-3445,agent-initiated\n\
         127.0.0.3,4118,10.0.0-3445,bidirectional\n\
         127.0.0.5,4118,10.0.0-3445,bidirectional\n",
    )
    .unwrap();
    let fleet = fleet.to_str().unwrap();
    // The manager as it is now (the before column): 10.0/11.0 strong suites.
    let now = emulate("dsm-strong-10-11");
    let now = now.local_addr().to_string();
    let plan = |observed: bool| {
        let mut args = vec![
            "plan",
            "--to",
            "dsm-strong-12",
            "-i",
            fleet,
            "--offline",
            "--format",
            "json",
        ];
        if observed {
            args.extend(["--observed", capture.to_str().unwrap(), "--manager", &now]);
        }
        let run = tlscompat(&args);
        let json = run.json();
        assert_valid(SchemaName::Plan, &json);
        (run.code, json)
    };
    // From the version strings alone: 10.0 cannot tell Update 16.
    let (_, before) = plan(false);
    let agents = before["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 3);
    assert!(
        agents.iter().any(|a| a["loses_contact"].is_null()),
        "{before:#}"
    );
    // From the capture: every agent seen is decided.
    let (code, after) = plan(true);
    assert_eq!(code, 1, "one agent loses contact: {after:#}");
    let agents = after["agents"].as_array().unwrap();
    let a = &agents[0];
    assert_eq!(a["identified_by"], "observed", "{a:#}");
    assert_eq!(a["behaves_like"], "dsa-10.0-u16");
    assert_eq!(a["loses_contact"], false, "{a:#}");
    assert_eq!(a["after"][0]["evidence"], "observed");
    assert_eq!(a["after"][0]["judged"], "observed", "{a:#}");
    let b = &agents[1];
    assert_eq!(b["behaves_like"], "dsa-10.0", "{b:#}");
    assert_eq!(b["loses_contact"], true, "{b:#}");
    assert_eq!(b["after"][0]["direction"], "agent-initiated");
    assert_eq!(b["after"][0]["evidence"], "observed");
    // Like no profile: its own offer decides both legs.
    let c = &agents[2];
    assert_eq!(c["identified_by"], "observed", "{c:#}");
    assert_eq!(c["loses_contact"], false, "{c:#}");
    assert_eq!(c["after"][0]["evidence"], "observed");
    assert_eq!(c["after"][1]["status"], "works", "{c:#}");
    assert!(agents.iter().all(|a| !a["loses_contact"].is_null()));
    // The manager's own hello to agents replaces the inference: before the
    // switch, manager-initiated, from what the manager was seen to offer.
    assert!(
        after["notes"]
            .to_string()
            .contains("own ClientHello to agents"),
        "{:#}",
        after["notes"]
    );
    assert_eq!(b["before"][1]["direction"], "manager-initiated");
    assert_eq!(b["before"][1]["evidence"], "observed", "{b:#}");
    assert_eq!(b["before"][0]["evidence"], "observed", "{b:#}");
    assert_eq!(after["unlisted_observed"], serde_json::json!(["127.0.0.4"]));
    let notes = after["notes"].to_string();
    assert!(
        notes.contains("not in the fleet: agent 127.0.0.4 (behaves like dsa-11)"),
        "{notes}"
    );
    // Text mentions the evidence.
    let text = tlscompat(&[
        "plan",
        "--to",
        "dsm-strong-12",
        "-i",
        fleet,
        "--offline",
        "--observed",
        capture.to_str().unwrap(),
    ]);
    assert!(text.stdout.contains("127.0.0.4"), "{}", text.stdout);
}

/// A capture made by tcpdump itself on the loopback interface (Ethernet
/// frames on `lo`, Linux cooked v2 with `-i any`), of the probe engine's
/// dsa-11 hello and OpenSSL's. Skipped, with a message, where tcpdump is
/// missing or may not capture; CI (`.ci/run`) installs it, lets it capture
/// (setcap) and sets TLSCOMPAT_REQUIRE_CLIENTS=1, which turns a skip into a
/// failure.
#[test]
fn captures_made_by_tcpdump() {
    let required = std::env::var_os("TLSCOMPAT_REQUIRE_CLIENTS").is_some();
    let skip = |why: &str| {
        assert!(
            !required,
            "tcpdump: {why}, and TLSCOMPAT_REQUIRE_CLIENTS is set"
        );
        eprintln!("skipped: tcpdump {why}");
    };
    if Command::new("tcpdump").arg("--version").output().is_err() {
        return skip("is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let server = emulate("dsm-strong-12");
    let addr = server.local_addr();
    let mut done_with = Vec::new();
    // Each interface is captured up to three times, each miss printed:
    // a capture that lost a packet is the capture's fault, not observe's
    // (see -B below); three in a row fail the test.
    for (attempt, (interface, name)) in [("lo", "lo.pcap"), ("any", "any.pcap")]
        .into_iter()
        .flat_map(|i| std::iter::repeat_n(i, 3).enumerate())
    {
        if done_with.contains(&interface) {
            continue;
        }
        let file = dir.path().join(format!("{attempt}-{name}"));
        let mut dump = Command::new("tcpdump")
            // Not `--immediate-mode`: with it, libpcap's per-packet ring
            // lost a packet in about one capture of seven on a loaded
            // machine (the server's flight, which the client had
            // acknowledged, was missing from the file); the default
            // block ring, with a larger buffer (-B, KiB), lost none in 40.
            // -U still writes each packet as it is read.
            .args(["-i", interface, "-B", "16384", "-U", "-w"])
            .arg(&file)
            .arg(format!("tcp port {}", addr.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // tcpdump says "listening on …" once it captures (after a line
        // naming the data link type with `-i any`), or fails.
        let mut stderr = std::io::BufReader::new(dump.stderr.take().unwrap());
        let mut said = String::new();
        let listening = (0..4).any(|_| {
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap_or(0);
            said.push_str(&line);
            read > 0 && line.contains("listening on")
        });
        if !listening {
            let _ = dump.kill();
            let _ = dump.wait();
            return skip(&format!("cannot capture here: {}", said.trim()));
        }
        probe_client(addr, "dsa-11");
        s_client(addr);
        // Until tcpdump has written both handshakes (-U: packet by packet),
        // at most 10 s: a loaded machine may lag.
        for _ in 0..100 {
            let run = tlscompat(&["observe", file.to_str().unwrap(), "--format", "json"]);
            let done = serde_json::from_str::<serde_json::Value>(&run.stdout)
                .is_ok_and(|v| v["counts"]["answered"].as_u64() >= Some(2));
            if done {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-INT", &dump.id().to_string()])
            .status();
        let _ = dump.wait();
        let json = observe_json(&[file.to_str().unwrap()]);
        let counts = (&json["counts"]["hellos"], &json["counts"]["answered"]);
        if counts != (&2.into(), &2.into()) && attempt < 2 {
            eprintln!("{interface}, capture {attempt}: {json:#}");
            continue;
        }
        done_with.push(interface);
        assert_eq!(json["counts"]["hellos"], 2, "{interface}: {json:#}");
        assert_eq!(json["counts"]["answered"], 2, "{interface}: {json:#}");
        let clients = json["clients"].as_array().unwrap();
        assert_eq!(clients.len(), 2, "{interface}: {json:#}");
        for c in clients {
            let like = c["behaves_like"].to_string();
            assert!(like.contains("dsa-11"), "{interface}: {c:#}");
            assert_eq!(
                c["negotiated"][0]["cipher_suite"],
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
            );
        }
    }
}
