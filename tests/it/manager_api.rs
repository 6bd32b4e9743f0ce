//! `--from-manager URL`: the fleet read from the manager's REST API.
//!
//! The stand-in is built here from the API's published field names and
//! behaviours: HTTPS on loopback (rustls, a certificate from a test CA made
//! with the project's cert helpers), `POST /api/computers/search` paged by
//! ID (`searchCriteria` ID greater-than, `maxItems`, `sortByObjectID`),
//! `api-secret-key` + `api-version: v1` (or `Authorization: ApiKey …` when
//! it plays the hosted service), 401 for a wrong key, and on demand 403,
//! 404, an HTML page, an oversized answer, silence, or a manager that does
//! not page.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use tlscompat::schema::SchemaName;
use tlscompat::tls::certs::{Authority, Identity, KeyType, Usage};

use crate::common::{Run, bin, finish};
use crate::schema::assert_valid;
use crate::servers::emulate;

const KEY: &str = "2:U3VwZXJTZWNyZXRBcGlLZXk=";

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The API as documented.
    Serve,
    /// This status for every request (with a JSON error body).
    Status(u16),
    /// An HTML page with 200, as a login page would be.
    Html,
    /// A Content-Length over the client's bound.
    HugeLength,
    /// A chunked body that never ends (bounded here at 80 MiB).
    EndlessChunks,
    /// TLS, then silence after the request.
    SilentAfterHandshake,
    /// Ignores the ID criterion: always the first page.
    NoPaging,
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    body: Value,
}

struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// The test CA and the console's certificate (for localhost, 127.0.0.1),
/// made once; the CA in a PEM file.
fn pki() -> &'static (Identity, PathBuf) {
    static PKI: OnceLock<(Identity, PathBuf)> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca = Authority::generate("tlscompat test manager CA").unwrap();
        let server = ca.issue("dsm.test", KeyType::Rsa, Usage::Server).unwrap();
        let dir = std::env::temp_dir().join(format!("tlscompat-api-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, ca.identity.cert.to_pem().unwrap()).unwrap();
        (server, path)
    })
}

fn ca_file() -> &'static Path {
    &pki().1
}

fn server_config(identity: &Identity) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let chain = vec![CertificateDer::from(identity.cert.to_der().unwrap())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        identity.key.private_key_to_pkcs8().unwrap(),
    ));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    )
}

/// Starts the stand-in with these computers (API objects), this mode, and
/// the hosted service's authentication when `hosted`.
fn stand_in(computers: Vec<Value>, mode: Mode, hosted: bool) -> StandIn {
    stand_in_as(&pki().0, computers, mode, hosted)
}

/// [`stand_in`] with this certificate and key.
fn stand_in_as(identity: &Identity, computers: Vec<Value>, mode: Mode, hosted: bool) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let computers = Arc::new(computers);
    let config = server_config(identity);
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, computers, record) = (config.clone(), computers.clone(), record.clone());
            std::thread::spawn(move || {
                let tcp = stream;
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let _ = serve_one(&mut tls, &computers, mode, hosted, &record);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    StandIn { addr, seen }
}

/// Reads one request and answers it.
fn serve_one(
    tls: &mut impl ReadWrite,
    computers: &[Value],
    mode: Mode,
    hosted: bool,
    record: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if tls.read(&mut byte)? == 0 || head.len() > 65536 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    tls.read_exact(&mut body)?;
    let mut parts = request_line.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record.lock().unwrap().push(Seen {
        path: path.to_string(),
        body: body.clone(),
    });
    let send = |tls: &mut dyn Write, status: &str, ctype: &str, body: &[u8]| {
        write!(
            tls,
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        tls.write_all(body)?;
        tls.flush()
    };
    let error = |message: &str| json!({ "message": message }).to_string().into_bytes();
    match mode {
        Mode::SilentAfterHandshake => {
            std::thread::sleep(Duration::from_secs(15));
            return Ok(());
        }
        Mode::Status(code) => {
            let status = match code {
                403 => "403 Forbidden",
                404 => "404 Not Found",
                _ => "500 Internal Server Error",
            };
            return send(tls, status, "application/json", &error("as asked"));
        }
        Mode::Html => {
            return send(
                tls,
                "200 OK",
                "text/html",
                b"<html><body>Deep Security Manager sign in</body></html>",
            );
        }
        Mode::HugeLength => {
            write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                200u64 * 1024 * 1024
            )?;
            return tls.write_all(&[b' '; 4096]);
        }
        Mode::EndlessChunks => {
            write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )?;
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..80 {
                write!(tls, "{:x}\r\n", chunk.len())?;
                tls.write_all(&chunk)?;
                tls.write_all(b"\r\n")?;
            }
            return tls.write_all(b"0\r\n\r\n");
        }
        Mode::Serve | Mode::NoPaging => {}
    }
    // The v1 contract: the version header and the key where the API wants it.
    let authorized = header("api-version") == Some("v1")
        && if hosted {
            header("authorization") == Some(&format!("ApiKey {KEY}"))
                && header("api-secret-key").is_none()
        } else {
            header("api-secret-key") == Some(KEY)
        };
    if !authorized {
        return send(
            tls,
            "401 Unauthorized",
            "application/json",
            &error("Invalid API Key"),
        );
    }
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    if method != "POST" || route != "/api/computers/search" {
        return send(
            tls,
            "404 Not Found",
            "application/json",
            &error("no such API"),
        );
    }
    // Only the sub-objects needed, never expand=all.
    if query.contains("expand=all") || !query.contains("expand=computerSettings") {
        return send(
            tls,
            "400 Bad Request",
            "application/json",
            &error("expand what is needed"),
        );
    }
    let criterion = &body["searchCriteria"][0];
    let paged = criterion["fieldName"] == "ID"
        && criterion["idTest"] == "greater-than"
        && body["sortByObjectID"] == true;
    let (Some(after), Some(max)) = (criterion["idValue"].as_u64(), body["maxItems"].as_u64())
    else {
        return send(
            tls,
            "400 Bad Request",
            "application/json",
            &error("bad search"),
        );
    };
    if !paged {
        return send(
            tls,
            "400 Bad Request",
            "application/json",
            &error("bad search"),
        );
    }
    let after = if mode == Mode::NoPaging { 0 } else { after };
    let mut page: Vec<&Value> = computers
        .iter()
        .filter(|c| c["ID"].as_u64().unwrap() > after)
        .collect();
    page.sort_by_key(|c| c["ID"].as_u64().unwrap());
    page.truncate(max as usize);
    let body = json!({ "computers": page }).to_string();
    send(tls, "200 OK", "application/json", body.as_bytes())
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A computer as the API describes it (with settings the tool must skip).
fn computer(id: u64, host: &str, version: &str, direction: Option<&str>) -> Value {
    let mut c = json!({
        "ID": id,
        "hostName": host,
        "displayName": format!("display {host}"),
        "lastIPUsed": "10.9.8.7",
        "agentVersion": version,
        "platform": "Red Hat Enterprise 8 (64 bit)",
        "lastAgentCommunication": 1_764_000_000_000u64,
        "computerStatus": {"agentStatus": "active", "agentStatusMessages": ["Managed (Online)"]},
        "policyID": 1,
        "ec2VirtualMachineSummary": {"instanceID": "i-0"},
    });
    if let Some(d) = direction {
        c["computerSettings"] = json!({
            "platformSettingAgentCommunicationsDirection": {"value": d},
            "firewallSettingEventLogFileMaxSize": {"value": "4"},
        });
    }
    c
}

/// A key file only its owner can read.
fn key_file(dir: &Path, key: &str) -> PathBuf {
    let path = dir.join("key.txt");
    std::fs::write(&path, format!("{key}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// `tlscompat ARGS…` without the API key in the environment unless given.
fn run(args: &[&str], env_key: Option<&str>, hosts: Option<&str>) -> Run {
    let mut cmd = bin();
    cmd.args(args).env("COLUMNS", "80");
    cmd.env_remove("TLSCOMPAT_DSM_API_KEY");
    if let Some(k) = env_key {
        cmd.env("TLSCOMPAT_DSM_API_KEY", k);
    }
    if let Some(h) = hosts {
        cmd.env("TLSCOMPAT_TEST_HOSTS", h);
    }
    let run = finish(cmd.output().unwrap());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // Whatever happened, the key is never said.
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the key leaked:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stderr.contains("U3VwZXJTZWNyZXRBcGlLZXk"));
    run
}

/// `plan --offline` from the manager with the test CA and a key file.
fn offline_plan(api: &StandIn, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    let url = api.url();
    let mut args = vec![
        "plan",
        "--to",
        "dsm-strong-12",
        "--offline",
        "--format",
        "json",
        "--from-manager",
        &url,
        "--api-key-file",
        key.to_str().unwrap(),
        "--api-ca",
        ca_file().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args, None, None)
}

/// 2,500 agents with IDs 3, 6, 9, …, every 100th without an agent, the
/// directions in every spelling.
fn big_fleet() -> Vec<Value> {
    let spellings = [
        Some("Bidirectional"),
        Some("Agent/Appliance Initiated"),
        Some("Manager Initiated"),
        Some("BIDIRECTIONAL"),
        Some("agent/appliance initiated"),
        Some("manager initiated"),
        None,
    ];
    (1..=2500u64)
        .map(|i| {
            let version = if i % 100 == 0 {
                "0.0.0.0"
            } else if i % 2 == 0 {
                "20.0.0.8453"
            } else {
                "9.6.2.7723"
            };
            computer(
                i * 3,
                &format!("agent-{i}.test"),
                version,
                spellings[(i % 7) as usize],
            )
        })
        .collect()
}

fn agent<'a>(plan: &'a Value, target: &str) -> &'a Value {
    plan["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == target)
        .unwrap_or_else(|| panic!("{target} missing"))
}

#[test]
fn thousands_of_agents_over_pages_each_with_its_direction() {
    let api = stand_in(big_fleet(), Mode::Serve, false);
    let run = offline_plan(&api, &[]);
    // Agents of 10.0 lose contact with the 12.x strong suites.
    let run = run.expect_code(1);
    let v = run.json();
    assert_valid(SchemaName::Plan, &v);
    // Three pages of at most 1,000, each asking past the last ID seen.
    let seen = api.seen();
    let after: Vec<u64> = seen
        .iter()
        .map(|s| s.body["searchCriteria"][0]["idValue"].as_u64().unwrap())
        .collect();
    assert_eq!(after, [0, 3000, 6000]);
    for s in &seen {
        assert_eq!(s.body["maxItems"], 1000);
        assert!(!s.path.contains("expand=all"), "{}", s.path);
    }
    // 25 computers without an agent: left out, and counted.
    let agents = v["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2475);
    assert!(!agents.iter().any(|a| a["target"] == "agent-100.test:4118"));
    assert!(
        run.stderr.contains("2500 computers in 3 pages, 2475 agents, 25 without an agent (agentVersion 0.0.0.0) left out"),
        "{}",
        run.stderr
    );
    // Progress on stderr while the pages come.
    assert!(run.stderr.contains("1000 read (1 page)"), "{}", run.stderr);
    assert!(run.stderr.contains("2000 read (2 pages)"), "{}", run.stderr);
    // Each agent's direction is the manager's, whatever its spelling.
    for (i, want) in [
        (7, "bidirectional"),
        (1, "agent-initiated"),
        (2, "manager-initiated"),
        (3, "bidirectional"),
        (4, "agent-initiated"),
        (5, "manager-initiated"),
        (14, "bidirectional"),
    ] {
        let a = agent(&v, &format!("agent-{i}.test:4118"));
        assert_eq!(a["direction"], want, "agent {i}: {a:#}");
        assert_eq!(a["identified_by"], "agent_version");
    }
    // Judged by the legs each direction relies on.
    let agent_initiated = agent(&v, "agent-4.test:4118");
    assert_eq!(agent_initiated["after"].as_array().unwrap().len(), 1);
    assert_eq!(agent_initiated["after"][0]["direction"], "agent-initiated");
    let manager_initiated = agent(&v, "agent-2.test:4118");
    assert_eq!(
        manager_initiated["after"][0]["direction"],
        "manager-initiated"
    );
    assert_eq!(agent(&v, "agent-3.test:4118")["loses_contact"], true);
    assert_eq!(agent(&v, "agent-2.test:4118")["loses_contact"], false);
    // The plan says where the fleet came from, and the console's TLS.
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("the fleet from the manager's API at https://127.0.0.1:"),
        "{notes}"
    );
    assert!(
        notes.contains("the manager's console https://127.0.0.1:"),
        "{notes}"
    );
    assert!(notes.contains("tls1.3 with TLS_AES_"), "{notes}");
    assert!(
        notes.contains("dsm.test") && notes.contains("verified against --api-ca"),
        "{notes}"
    );
}

#[test]
fn an_unknown_direction_spelling_is_reported_and_judged_bidirectional() {
    let api = stand_in(
        vec![
            computer(1, "a.test", "20.0.0.1", Some("Sideways")),
            computer(2, "b.test", "20.0.0.1", Some("Manager Initiated")),
        ],
        Mode::Serve,
        false,
    );
    let run = offline_plan(&api, &[]).expect_code(0);
    assert!(
        run.stderr.contains(
            "1 agents have a communication direction the tool does not know: \"Sideways\" (1)"
        ),
        "{}",
        run.stderr
    );
    let v = run.json();
    assert_eq!(agent(&v, "a.test:4118")["direction"], "bidirectional");
    assert_eq!(
        agent(&v, "a.test:4118")["after"].as_array().unwrap().len(),
        2
    );
    assert_eq!(agent(&v, "b.test:4118")["direction"], "manager-initiated");
}

/// Runs `scan` against the stand-in with the key given in `key_args`.
fn scan_from(api: &StandIn, extra: &[&str], env_key: Option<&str>) -> Run {
    let url = api.url();
    let mut args = vec!["scan", "--format", "json", "--from-manager", &url];
    args.extend_from_slice(extra);
    run(&args, env_key, None)
}

#[test]
fn a_wrong_key_is_exit_2_naming_the_cause_and_the_url_never_the_key() {
    let api = stand_in(
        vec![computer(1, "a.test", "20.0.0.1", None)],
        Mode::Serve,
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let wrong = key_file(dir.path(), "2:wrong-key-value");
    let run = scan_from(
        &api,
        &[
            "--api-key-file",
            wrong.to_str().unwrap(),
            "--api-ca",
            ca_file().to_str().unwrap(),
        ],
        None,
    )
    .expect_code(2);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr.contains("refused the API key (HTTP 401"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{}/api", api.url())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Invalid API Key"), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong-key-value"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn forbidden_not_found_html_and_oversized_answers_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    let args = [
        "--api-key-file",
        key.to_str().unwrap(),
        "--api-ca",
        ca_file().to_str().unwrap(),
    ];
    for (mode, says) in [
        (Mode::Status(403), "may not search computers (HTTP 403"),
        (Mode::Status(404), "no computer API at this URL (HTTP 404"),
        (Mode::Status(404), "older than 11.1"),
        (
            Mode::Status(500),
            "HTTP 500 Internal Server Error (the manager says: as asked)",
        ),
        (Mode::Html, "not the computer list"),
        (Mode::Html, "it came as text/html"),
        (Mode::HugeLength, "larger than 67108864 bytes"),
        (Mode::EndlessChunks, "larger than 67108864 bytes"),
        (Mode::NoPaging, "did not page by ID"),
    ] {
        let fleet: Vec<Value> = (1..=3)
            .map(|i| computer(i, "a.test", "20.0.0.1", None))
            .collect();
        let api = stand_in(fleet, mode, false);
        let page = if mode == Mode::NoPaging {
            ["--api-page-size", "2"]
        } else {
            ["--api-page-size", "1000"]
        };
        let mut all = args.to_vec();
        all.extend_from_slice(&page);
        let run = scan_from(&api, &all, None).expect_code(2);
        if mode != Mode::NoPaging {
            // (Paging shows progress after a full first page.)
            crate::common::assert_clean_error(&run);
        }
        assert!(run.stderr.contains(says), "{mode:?}: {}", run.stderr);
        assert!(run.stderr.contains(&api.url()), "{mode:?}: {}", run.stderr);
    }
}

#[test]
fn silence_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    // Accepts, never answers: not even the TLS handshake.
    let quiet = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = quiet.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in quiet.incoming().flatten() {
            held.push(s);
            if held.len() > 4 {
                break;
            }
        }
        std::thread::sleep(Duration::from_secs(20));
    });
    let url = format!("https://127.0.0.1:{port}");
    let r = run(
        &[
            "scan",
            "--from-manager",
            &url,
            "--api-key-file",
            key.to_str().unwrap(),
            "--api-timeout",
            "1s",
        ],
        None,
        None,
    )
    .expect_code(2);
    assert!(
        r.stderr
            .contains("timed out: the TLS handshake took longer than 1s"),
        "{}",
        r.stderr
    );
    // What ended the call was the 1 s timeout (the message says so), not
    // the listener, which holds every connection open far longer: no
    // wall-clock bound needed (one around a process spawn flakes).
    assert!(r.stderr.contains(&url), "{}", r.stderr);
    // A handshake, then no answer to the request.
    let api = stand_in(Vec::new(), Mode::SilentAfterHandshake, false);
    let r = scan_from(
        &api,
        &[
            "--api-key-file",
            key.to_str().unwrap(),
            "--api-ca",
            ca_file().to_str().unwrap(),
            "--api-timeout",
            "500ms",
        ],
        None,
    )
    .expect_code(2);
    assert!(
        r.stderr
            .contains("timed out: waiting for the answer took longer than 500ms"),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let api = stand_in(
        vec![computer(1, "a.test", "20.0.0.1", None)],
        Mode::Serve,
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = scan_from(&api, &["--api-key-file", key.to_str().unwrap()], None).expect_code(2);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr.contains("mode 0644") && run.stderr.contains("chmod 600"),
        "{}",
        run.stderr
    );
    assert!(api.seen().is_empty(), "nothing is sent with an exposed key");
}

#[test]
fn the_key_from_the_environment_and_none_at_all() {
    let api = stand_in(
        vec![computer(
            5,
            "a.test",
            "20.0.0.1",
            Some("Agent/Appliance Initiated"),
        )],
        Mode::Serve,
        false,
    );
    let ca = ca_file().to_str().unwrap();
    // The agent-initiated agent listens on nothing: not scanned is fine here.
    let r = scan_from(&api, &["--api-ca", ca, "--timeout", "1s"], Some(KEY));
    assert_ne!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    let t = &v["targets"][0];
    assert_eq!(t["target"], "a.test:4118");
    let m = &t["inventory"]["manager"];
    assert_eq!(m["id"], 5);
    assert_eq!(m["host_name"], "a.test");
    assert_eq!(m["display_name"], "display a.test");
    assert_eq!(m["last_ip_used"], "10.9.8.7");
    assert_eq!(m["platform"], "Red Hat Enterprise 8 (64 bit)");
    assert_eq!(m["agent_status"], "active");
    assert_eq!(m["last_agent_communication"], 1_764_000_000_000u64);
    assert_eq!(m["direction"], "Agent/Appliance Initiated");
    assert_eq!(t["inventory"]["direction"], "agent-initiated");
    assert_eq!(t["inventory"]["expect"], json!(["dsa-11", "dsa-fips"]));
    assert_valid(SchemaName::Scan, &v);
    // The console's TLS on stderr for a scan.
    assert!(
        r.stderr
            .contains("the manager's console https://127.0.0.1:"),
        "{}",
        r.stderr
    );
    // No key at all.
    let r = scan_from(&api, &["--api-ca", ca], None).expect_code(2);
    crate::common::assert_clean_error(&r);
    assert!(
        r.stderr.contains("--from-manager needs an API key"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("TLSCOMPAT_DSM_API_KEY"));
}

#[test]
fn the_consoles_certificate_is_verified_unless_insecure() {
    let api = stand_in(
        vec![computer(1, "a.test", "0.0.0.0", None)],
        Mode::Serve,
        false,
    );
    // The test CA is not a system root: refused, and told what to do.
    let r = scan_from(&api, &[], Some(KEY)).expect_code(2);
    crate::common::assert_clean_error(&r);
    // (A machine without CA certificates at all says so instead.)
    assert!(
        r.stderr.contains("TLS handshake failed") || r.stderr.contains("no system CA certificate"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--api-ca FILE"), "{}", r.stderr);
    assert!(api.seen().is_empty(), "no request to an untrusted console");
    // --api-insecure: read, and said on stderr.
    let r = scan_from(&api, &["--api-insecure"], Some(KEY));
    // Nothing but a computer without an agent: no target.
    assert!(r.stderr.contains("warning: --api-insecure"), "{}", r.stderr);
    assert!(
        r.stderr.contains("NOT verified (--api-insecure)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("no target"), "{}", r.stderr);
    assert_eq!(api.seen().len(), 1);
}

#[test]
fn the_hosted_service_wants_authorization_apikey() {
    let api = stand_in(
        vec![computer(1, "a.test", "0.0.0.0", None)],
        Mode::Serve,
        true,
    );
    let ca = ca_file().to_str().unwrap();
    let r = scan_from(&api, &["--api-ca", ca], Some(KEY)).expect_code(2);
    assert!(r.stderr.contains("HTTP 401"), "{}", r.stderr);
    let r = scan_from(&api, &["--api-ca", ca, "--api-auth", "api-key"], Some(KEY)).expect_code(2);
    // Read: one computer, without an agent, so nothing to scan.
    assert!(
        r.stderr
            .contains("1 computers in 1 page, 0 agents, 1 without an agent"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("no target"), "{}", r.stderr);
}

#[test]
fn a_plan_from_the_manager_probes_each_agent_by_its_direction() {
    // Two emulated agents; the manager knows them by name, an inventory
    // file gives their ports (it overrides) and adds one more agent.
    let eleven = emulate("dsa-11");
    let ten = emulate("dsa-10.0");
    let extra = emulate("dsa-10.0-u16");
    let api = stand_in(
        vec![
            computer(11, "eleven.test", "20.0.0.8453", Some("Manager Initiated")),
            computer(12, "ten.test", "10.0.0.3445", Some("Bidirectional")),
            computer(13, "gone.test", "0.0.0.0", None),
        ],
        Mode::Serve,
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    let inv = dir.path().join("ports.csv");
    std::fs::write(
        &inv,
        format!(
            "host,port,agent_version\neleven.test,{},\nten.test,{},\n127.0.0.1,{},10.0.0-3445\n",
            eleven.local_addr().port(),
            ten.local_addr().port(),
            extra.local_addr().port()
        ),
    )
    .unwrap();
    let url = api.url();
    let r = run(
        &[
            "plan",
            "--to",
            "dsm-strong-12",
            "--from-manager",
            &url,
            "--api-key-file",
            key.to_str().unwrap(),
            "--api-ca",
            ca_file().to_str().unwrap(),
            "-i",
            inv.to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "2s",
        ],
        None,
        Some("eleven.test=127.0.0.1;ten.test=127.0.0.1"),
    );
    let r = r.expect_code(1);
    let v = r.json();
    assert_valid(SchemaName::Plan, &v);
    assert_eq!(v["agents"].as_array().unwrap().len(), 3);
    let e = agent(&v, &format!("eleven.test:{}", eleven.local_addr().port()));
    assert_eq!(e["direction"], "manager-initiated");
    assert_eq!(e["behaves_like"], "dsa-11");
    assert_eq!(e["identified_by"], "scan");
    assert_eq!(e["after"].as_array().unwrap().len(), 1);
    assert_eq!(e["after"][0]["evidence"], "probe");
    assert_eq!(e["loses_contact"], false);
    let t = agent(&v, &format!("ten.test:{}", ten.local_addr().port()));
    assert_eq!(t["direction"], "bidirectional");
    assert_eq!(t["behaves_like"], "dsa-10.0");
    assert_eq!(t["loses_contact"], true);
    assert_eq!(t["after"].as_array().unwrap().len(), 2);
    let x = agent(&v, &format!("127.0.0.1:{}", extra.local_addr().port()));
    assert_eq!(x["direction"], "bidirectional");
    assert_eq!(x["agent_version"], "10.0.0-3445");
    assert!(
        r.stderr
            .contains("3 computers in 1 page, 2 agents, 1 without an agent"),
        "{}",
        r.stderr
    );
}

#[test]
fn scan_from_the_manager_with_a_file_that_adds_and_overrides() {
    let eleven = emulate("dsa-11");
    let api = stand_in(
        vec![
            computer(1, "eleven.test", "20.0.0.8453", Some("Bidirectional")),
            computer(
                2,
                "other.test",
                "20.0.0.8453",
                Some("Agent/Appliance Initiated"),
            ),
        ],
        Mode::Serve,
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.csv");
    std::fs::write(
        &inv,
        format!(
            "host,port,labels\neleven.test,{},lab\n",
            eleven.local_addr().port()
        ),
    )
    .unwrap();
    let url = api.url();
    let r = run(
        &[
            "scan",
            "--format",
            "json",
            "--from-manager",
            &url,
            "--api-ca",
            ca_file().to_str().unwrap(),
            "-i",
            inv.to_str().unwrap(),
            "--timeout",
            "1s",
            "--profile",
            "dsa-11",
        ],
        Some(KEY),
        Some("eleven.test=127.0.0.1;other.test=127.0.0.1"),
    );
    let v = r.json();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{v:#}");
    let e = &targets[0];
    assert_eq!(
        e["target"],
        format!("eleven.test:{}", eleven.local_addr().port())
    );
    assert_eq!(e["status"], "ok");
    assert_eq!(e["inventory"]["labels"], json!(["lab"]));
    assert_eq!(e["inventory"]["manager"]["id"], 1);
    assert_eq!(crate::common::profile_of(e, "dsa-11")["compatible"], true);
    assert_eq!(targets[1]["target"], "other.test:4118");
    assert_eq!(targets[1]["inventory"]["direction"], "agent-initiated");
}

#[test]
fn the_consoles_own_self_signed_certificate_as_api_ca_is_trusted_alone() {
    // As a manager installs it: self-signed, marked as a CA, no name for
    // 127.0.0.1. Given as --api-ca, that very certificate is trusted.
    let console = Authority::generate("dsm.self-signed.test")
        .unwrap()
        .identity;
    let api = stand_in_as(
        &console,
        vec![computer(1, "a.test", "0.0.0.0", None)],
        Mode::Serve,
        false,
    );
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("console.pem");
    std::fs::write(&own, console.cert.to_pem().unwrap()).unwrap();
    let r = scan_from(&api, &["--api-ca", own.to_str().unwrap()], Some(KEY)).expect_code(2);
    assert!(r.stderr.contains("1 computers in 1 page"), "{}", r.stderr);
    assert!(r.stderr.contains("CN=dsm.self-signed.test"), "{}", r.stderr);
    // Another self-signed certificate is no key to this one.
    let other = dir.path().join("other.pem");
    let stranger = Authority::generate("stranger.test").unwrap().identity;
    std::fs::write(&other, stranger.cert.to_pem().unwrap()).unwrap();
    let r = scan_from(&api, &["--api-ca", other.to_str().unwrap()], Some(KEY)).expect_code(2);
    crate::common::assert_clean_error(&r);
    assert!(r.stderr.contains("TLS handshake failed"), "{}", r.stderr);
    assert_eq!(
        api.seen().len(),
        1,
        "no request after the refused handshake"
    );
}

/// `observe --from-manager`: the manager's computer list names the clients
/// of a capture by the address it last saw each agent at.
#[test]
fn observe_names_clients_from_the_managers_list() {
    let mut c = computer(7, "agent-7.invalid", "20.0.0-8438", Some("Bidirectional"));
    c["lastIPUsed"] = json!("127.0.0.1");
    let api = stand_in(vec![c], Mode::Serve, false);
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), KEY);
    let url = api.url();
    let capture = crate::common::testdata("observe/heartbeats.pcapng");
    let out = run(
        &[
            "observe",
            capture.to_str().unwrap(),
            "--format",
            "json",
            "--from-manager",
            &url,
            "--api-key-file",
            key.to_str().unwrap(),
            "--api-ca",
            ca_file().to_str().unwrap(),
        ],
        None,
        None,
    )
    .expect_code(0);
    let v = out.json();
    let clients = v["clients"].as_array().unwrap();
    assert!(!clients.is_empty(), "{v:#}");
    assert!(
        clients
            .iter()
            .all(|c| c.to_string().contains("agent-7.invalid")),
        "{v:#}"
    );
}
