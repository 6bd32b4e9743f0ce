//! Real TLS servers for scan tests: `openssl s_server` processes, an
//! in-process rustls server, and hostile peers that misbehave on purpose.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tlscompat::model::profile::Catalog;
use tlscompat::model::suites::CipherSuiteId;
use tlscompat::serve::{Emulator, EmulatorConfig, GeneratedPki};
use tlscompat::tls::certs::{Identity, KeyType};
use tlscompat::wire::ServerHello;
use tlscompat::wire::codec::records;
use tlscompat::wire::codes::{CompressionMethod, ContentType, ProtocolVersion};

/// The emulator serving a shipped profile on `listen` (port 0: a free one).
pub fn emulate_at(id: &str, listen: &str) -> Emulator {
    let catalog = Catalog::builtin().unwrap();
    let (config, _) =
        EmulatorConfig::for_profile(catalog.get(id).unwrap(), listen.parse().unwrap()).unwrap();
    Emulator::spawn(config, None).unwrap()
}

/// The emulator serving a shipped profile on 127.0.0.1 and a free port.
pub fn emulate(id: &str) -> Emulator {
    emulate_at(id, "127.0.0.1:0")
}

/// Certificates on disk for `openssl s_server`.
pub struct CertFiles {
    _dir: tempfile::TempDir,
    pub rsa_cert: PathBuf,
    pub rsa_key: PathBuf,
    pub ecdsa_cert: PathBuf,
    pub ecdsa_key: PathBuf,
    pub ca: PathBuf,
}

impl CertFiles {
    pub fn new() -> CertFiles {
        let dir = tempfile::tempdir().unwrap();
        let pki = GeneratedPki::generate("sserver", KeyType::Rsa).unwrap();
        let ecdsa = pki
            .ca
            .issue(
                "sserver-ecdsa",
                KeyType::Ecdsa,
                tlscompat::tls::certs::Usage::Server,
            )
            .unwrap();
        let write = |name: &str, bytes: Vec<u8>| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let pair = |prefix: &str, id: &Identity| {
            (
                write(&format!("{prefix}.pem"), id.cert_pem().unwrap()),
                write(&format!("{prefix}.key"), id.key_pem().unwrap()),
            )
        };
        let (rsa_cert, rsa_key) = pair("rsa", &pki.server);
        let (ecdsa_cert, ecdsa_key) = pair("ecdsa", &ecdsa);
        let ca = write("ca.pem", pki.ca.identity.cert.to_pem().unwrap());
        CertFiles {
            _dir: dir,
            rsa_cert,
            rsa_key,
            ecdsa_cert,
            ecdsa_key,
            ca,
        }
    }
}

/// An `openssl s_server` process on 127.0.0.1 and a free port; killed on drop.
pub struct SServer {
    child: Child,
    pub addr: SocketAddr,
}

impl SServer {
    /// `openssl s_server -accept 127.0.0.1:0 ARGS…` (no `-cert`: give it in ARGS).
    pub fn start(args: &[&str]) -> SServer {
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the `openssl` command (Debian package openssl) is needed");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "s_server exited before ACCEPT: {args:?}"
            );
            if let Some(addr) = line.trim().strip_prefix("ACCEPT ") {
                break addr.parse().unwrap();
            }
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        SServer { child, addr }
    }

    pub fn rsa(certs: &CertFiles, args: &[&str]) -> SServer {
        let mut all = vec![
            "-cert",
            certs.rsa_cert.to_str().unwrap(),
            "-key",
            certs.rsa_key.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        SServer::start(&all)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A rustls server (ring provider, its default suites, TLS 1.2 and 1.3)
/// on a background thread; it stops with the process.
pub fn rustls_server(identity: &Identity) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut chain = vec![CertificateDer::from(identity.cert.to_der().unwrap())];
    chain.extend(
        identity
            .chain
            .iter()
            .map(|c| CertificateDer::from(c.to_der().unwrap())),
    );
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        identity.key.private_key_to_pkcs8().unwrap(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                if let Ok(mut conn) = rustls::ServerConnection::new(config) {
                    while conn.is_handshaking() {
                        if conn.complete_io(&mut stream).is_err() {
                            break;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// How a hostile peer misbehaves after reading the ClientHello.
#[derive(Debug, Clone, Copy)]
pub enum Hostile {
    /// Never answers.
    Silent,
    /// Answers like a web server.
    Http,
    /// Random bytes.
    Garbage,
    /// Closes at once.
    Close,
    /// A handshake record header announcing more than it sends, then EOF.
    Truncated,
    /// A record of 60 000 bytes.
    Oversized,
    /// A well-formed TLS 1.2 ServerHello choosing TLS_RSA_WITH_RC4_128_SHA,
    /// which no probe offers.
    UnofferedSuite,
}

/// Starts a hostile peer on 127.0.0.1.
pub fn hostile(kind: Hostile) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || misbehave(stream, kind));
        }
    });
    addr
}

fn misbehave(mut stream: TcpStream, kind: Hostile) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut hello = [0u8; 4096];
    let _ = stream.read(&mut hello);
    let reply: Vec<u8> = match kind {
        Hostile::Silent => {
            std::thread::sleep(Duration::from_secs(10));
            return;
        }
        Hostile::Http => {
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
        Hostile::Garbage => (0..200u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 0x80)
            .collect(),
        Hostile::Close => return,
        Hostile::Truncated => vec![22, 3, 3, 0x01, 0x00, 2, 0, 0],
        Hostile::Oversized => {
            let mut r = vec![22, 3, 3, 0xEA, 0x60];
            r.extend(std::iter::repeat_n(0u8, 60_000));
            r
        }
        Hostile::UnofferedSuite => {
            let hello = ServerHello {
                legacy_version: ProtocolVersion::TLS12,
                random: [7u8; 32],
                session_id: Vec::new(),
                cipher_suite: CipherSuiteId(0x0005),
                compression: CompressionMethod::NULL,
                extensions: Vec::new(),
            };
            records(
                ContentType::HANDSHAKE,
                ProtocolVersion::TLS12,
                &hello.encode_handshake(),
            )
        }
    };
    let _ = stream.write_all(&reply);
    let _ = stream.flush();
    std::thread::sleep(Duration::from_millis(200));
}
