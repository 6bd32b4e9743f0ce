//! The emulator: a real TLS endpoint that offers exactly one profile.
//!
//! Users point a manager at an emulated agent of version X (or an agent at an
//! emulated manager in strong-cipher mode) to see what happens before they
//! upgrade; the project's own tests and `demo` probe emulated endpoints for
//! every profile. It is one OpenSSL server (through tokio), configured by a
//! [`ServerSpec`]: the profile's versions and suites in the profile's order,
//! with server preference, and nothing else. `--require-client-cert` makes it
//! behave like an activated endpoint: a CertificateRequest after the
//! ServerHello, and no handshake without a certificate from the right CA.
//!
//! The engine never prints: every handshake becomes a [`ServeEvent`] sent to
//! whoever listens (the `serve` command prints them; tests assert on them).
//! A scan of the emulator is hundreds of failed handshakes from one peer;
//! [`summary`] folds them into a few lines for people.

mod counted;
mod openssl_server;
pub mod summary;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{Ssl, SslContext};
use openssl::x509::X509;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_openssl::SslStream;

use counted::Counted;

use crate::tls_openssl::from_ssl_version;
pub use crate::tls_openssl::{ContextError, openssl_can_serve};

use crate::certs::{self, Authority, CertError, Identity, KeyType, Usage};
use crate::profile::{DEFAULT_GROUPS, Profile};
use crate::suites::{CipherSuiteId, registry};
use crate::version::TlsVersion;
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// What the server accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// Versions accepted.
    pub versions: Vec<TlsVersion>,
    /// Suites accepted, in the server's preference order.
    pub cipher_suites: Vec<CipherSuiteId>,
    /// Whether the server's order decides (else the client's).
    pub server_preference: bool,
    /// Groups accepted for ECDHE and TLS 1.3 key exchange.
    pub groups: Vec<NamedGroup>,
    /// Signature algorithms the server will sign with.
    pub signature_algorithms: Vec<SignatureScheme>,
}

impl ServerSpec {
    /// Exactly what a profile lists, with server preference.
    pub fn from_profile(p: &Profile) -> ServerSpec {
        ServerSpec {
            versions: p.versions.clone(),
            cipher_suites: p.cipher_suites.clone(),
            server_preference: true,
            groups: p.groups.clone(),
            signature_algorithms: p.signature_algorithms.clone(),
        }
    }

    /// These versions and suites, server preference, default groups, and
    /// every common signature algorithm.
    pub fn new(versions: &[TlsVersion], cipher_suites: &[CipherSuiteId]) -> ServerSpec {
        ServerSpec {
            versions: versions.to_vec(),
            cipher_suites: cipher_suites.to_vec(),
            server_preference: true,
            groups: DEFAULT_GROUPS.to_vec(),
            signature_algorithms: crate::probe::hello::broad_signature_algorithms(),
        }
    }
}

/// Whether clients must present a certificate.
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No CertificateRequest.
    #[default]
    None,
    /// CertificateRequest, and refuse handshakes without a certificate that
    /// chains to one of these CAs.
    Require(Vec<X509>),
}

/// Bounds that keep the emulator well-behaved.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections handled at once; more are closed on accept.
    pub max_connections: usize,
    /// Time a client gets to complete the handshake.
    pub handshake_timeout: Duration,
    /// After a handshake, time the client may stay silent before we close.
    pub idle_timeout: Duration,
    /// On shutdown, time in-flight connections get to finish.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            grace: Duration::from_secs(2),
        }
    }
}

/// Everything an emulator needs.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// A label for events, usually the profile id.
    pub label: String,
    /// What to accept.
    pub spec: ServerSpec,
    /// The server's certificate and key.
    pub identity: Identity,
    /// More certificates of other key types (OpenSSL serves one per type:
    /// an RSA and an ECDSA certificate together accept both kinds of suites).
    pub extra_identities: Vec<Identity>,
    /// Client-certificate policy.
    pub client_auth: ClientAuth,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Bounds.
    pub limits: Limits,
}

/// A generated PKI for an emulator: a CA, the server's certificate, and a
/// client certificate the server will accept.
#[derive(Debug, Clone)]
pub struct GeneratedPki {
    /// The CA that signed both.
    pub ca: Authority,
    /// The server's identity.
    pub server: Identity,
    /// A client identity signed by the CA.
    pub client: Identity,
}

impl GeneratedPki {
    /// A fresh CA, a server certificate of `key_type`, and an RSA client certificate.
    pub fn generate(label: &str, key_type: KeyType) -> Result<GeneratedPki, CertError> {
        let ca = Authority::generate(&format!("tlscompat emulator CA ({label})"))?;
        let server = ca.issue(&format!("{label}.tlscompat.test"), key_type, Usage::Server)?;
        let client = ca.issue("tlscompat client", KeyType::Rsa, Usage::Client)?;
        Ok(GeneratedPki { ca, server, client })
    }
}

impl EmulatorConfig {
    /// Serves `spec` with `identity` on `listen`: no client certificates, no
    /// extra certificates, default limits.
    pub fn new(
        label: &str,
        spec: ServerSpec,
        identity: Identity,
        listen: SocketAddr,
    ) -> EmulatorConfig {
        EmulatorConfig {
            label: label.to_string(),
            spec,
            identity,
            extra_identities: Vec::new(),
            client_auth: ClientAuth::None,
            listen,
            limits: Limits::default(),
        }
    }

    /// A config for a profile on `listen` with a freshly generated RSA
    /// certificate; returns the PKI too, for clients that need it.
    pub fn for_profile(
        p: &Profile,
        listen: SocketAddr,
    ) -> Result<(EmulatorConfig, GeneratedPki), ServeError> {
        let pki = GeneratedPki::generate(&p.id, KeyType::Rsa)?;
        let config = EmulatorConfig::new(
            &p.id,
            ServerSpec::from_profile(p),
            pki.server.clone(),
            listen,
        );
        Ok((config, pki))
    }
}

/// What happened on the emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ServeEvent {
    /// Bound and accepting.
    Listening {
        /// The label.
        label: String,
        /// The bound address.
        address: SocketAddr,
    },
    /// A client completed a handshake.
    Handshake {
        /// The client.
        peer: SocketAddr,
        /// The negotiated version.
        version: Option<TlsVersion>,
        /// The negotiated suite.
        cipher_suite: Option<CipherSuiteId>,
        /// The client certificate's subject, when one was presented.
        client_certificate: Option<String>,
    },
    /// A handshake failed.
    Failed {
        /// The client.
        peer: SocketAddr,
        /// Why, as OpenSSL put it ("no shared cipher", "unsupported protocol"
        /// …), or "closed after the server's first flight".
        reason: String,
        /// The client sent a ClientHello, read the server's first flight and
        /// closed: what a scanner's probe does (`tlscompat scan` among them).
        probe: bool,
    },
    /// A connection was closed on accept because of `max_connections`.
    Refused {
        /// The client.
        peer: SocketAddr,
    },
    /// Stopped accepting.
    Stopped {
        /// The label.
        label: String,
    },
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address is taken or not ours.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The spec cannot be served with the local OpenSSL.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// A certificate problem.
    #[error(transparent)]
    Cert(#[from] CertError),
    /// The background thread could not start its runtime.
    #[error("cannot start the emulator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// A running emulator. Dropping it stops it.
#[derive(Debug)]
pub struct Emulator {
    address: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type EventSink = Option<mpsc::UnboundedSender<ServeEvent>>;

impl Emulator {
    /// Binds and starts accepting on the current tokio runtime.
    pub async fn start(config: EmulatorConfig, events: EventSink) -> Result<Emulator, ServeError> {
        let (listener, ctx) = prepare(&config).await?;
        let address = listener.local_addr().map_err(|source| ServeError::Bind {
            address: config.listen,
            source,
        })?;
        let (shutdown, stop) = watch::channel(false);
        emit(
            &events,
            ServeEvent::Listening {
                label: config.label.clone(),
                address,
            },
        );
        let task = tokio::spawn(accept_loop(
            listener,
            ctx,
            config.label,
            config.limits,
            events,
            stop,
        ));
        Ok(Emulator {
            address,
            shutdown,
            task: Some(task),
            thread: None,
        })
    }

    /// Starts on a background thread with its own runtime, for callers that
    /// are not async (tests, tools).
    pub fn spawn(config: EmulatorConfig, events: EventSink) -> Result<Emulator, ServeError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("emulator {}", config.label))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(ServeError::Runtime(e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    match Emulator::start(config, events).await {
                        Ok(mut emulator) => {
                            let task = emulator.task.take();
                            let _ =
                                ready_tx.send(Ok((emulator.address, emulator.shutdown.clone())));
                            if let Some(task) = task {
                                let _ = task.await;
                            }
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(ServeError::Runtime)?;
        let (address, shutdown) = ready_rx
            .recv()
            .map_err(|_| ServeError::Runtime(std::io::Error::other("emulator thread exited")))??;
        Ok(Emulator {
            address,
            shutdown,
            task: None,
            thread: Some(thread),
        })
    }

    /// The bound address (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting, gives in-flight connections the grace period, and
    /// waits until the accept loop is gone.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn prepare(config: &EmulatorConfig) -> Result<(TcpListener, SslContext), ServeError> {
    let client_ca = match &config.client_auth {
        ClientAuth::None => None,
        ClientAuth::Require(cas) => Some(cas.as_slice()),
    };
    let ctx = openssl_server::server_context(
        &config.spec,
        &config.identity,
        &config.extra_identities,
        client_ca,
    )?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            address: config.listen,
            source,
        })?;
    Ok((listener, ctx))
}

fn emit(events: &EventSink, event: ServeEvent) {
    if let Some(tx) = events {
        // A listener that went away does not stop the server.
        let _ = tx.send(event);
    }
}

async fn accept_loop(
    listener: TcpListener,
    ctx: SslContext,
    label: String,
    limits: Limits,
    events: EventSink,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let (ctx, events) = (ctx.clone(), events.clone());
                        tasks.spawn(async move {
                            let event = handle(stream, peer, &ctx, limits).await;
                            emit(&events, event);
                            drop(permit);
                        });
                    }
                    Err(_) => emit(&events, ServeEvent::Refused { peer }),
                },
                // Out of file descriptors or a reset before accept: back off briefly.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.grace, drain).await.is_err() {
        tasks.abort_all();
    }
    emit(&events, ServeEvent::Stopped { label });
}

/// One connection: the handshake, then a quiet wait for the client to close.
async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: &SslContext,
    limits: Limits,
) -> ServeEvent {
    let failed = |reason: String| ServeEvent::Failed {
        peer,
        reason,
        probe: false,
    };
    let stream = Counted::new(stream);
    let mut tls = match Ssl::new(ctx).and_then(|ssl| SslStream::new(ssl, stream)) {
        Ok(tls) => tls,
        Err(e) => return failed(format!("OpenSSL: {e}")),
    };
    match tokio::time::timeout(limits.handshake_timeout, Pin::new(&mut tls).accept()).await {
        Err(_) => return failed("handshake timed out".into()),
        Ok(Err(e)) => {
            let counted = tls.get_ref();
            // The server writes only after it has read a ClientHello, so
            // bytes written and then the client gone is a probe.
            if closed_by_peer(&e) {
                if counted.written() > 0 {
                    return ServeEvent::Failed {
                        peer,
                        reason: PROBE_REASON.into(),
                        probe: true,
                    };
                }
                if counted.read() == 0 {
                    // A port check: connected, sent nothing, left.
                    return failed("closed before sending a ClientHello".into());
                }
            }
            return failed(describe(&e));
        }
        Ok(Ok(())) => {}
    }
    let ssl = tls.ssl();
    let event = ServeEvent::Handshake {
        peer,
        version: ssl.version2().and_then(from_ssl_version),
        cipher_suite: ssl
            .current_cipher()
            .and_then(|c| c.standard_name())
            .and_then(|name| registry().lookup(name).ok())
            .map(|s| s.id),
        client_certificate: ssl.peer_certificate().map(|c| certs::subject_line(&c)),
    };
    // The emulator speaks no application protocol: discard what the client
    // sends until it closes or goes quiet, then close politely.
    let mut buf = [0u8; 4096];
    while let Ok(Ok(n)) = tokio::time::timeout(limits.idle_timeout, tls.read(&mut buf)).await {
        if n == 0 {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
    event
}

/// The reason of a [`ServeEvent::Failed`] that is a probe.
pub const PROBE_REASON: &str = "closed after the server's first flight";

/// Whether a handshake failed because the client closed or reset the
/// connection (not because of anything it said).
fn closed_by_peer(e: &openssl::ssl::Error) -> bool {
    use std::io::ErrorKind;
    if let Some(io) = e.io_error() {
        return matches!(
            io.kind(),
            ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
        );
    }
    if let Some(stack) = e.ssl_error() {
        // OpenSSL 3 reports an EOF during the handshake as an error.
        return stack
            .errors()
            .iter()
            .any(|e| e.reason().is_some_and(|r| r.contains("unexpected eof")));
    }
    matches!(
        e.code(),
        openssl::ssl::ErrorCode::ZERO_RETURN | openssl::ssl::ErrorCode::SYSCALL
    )
}

/// OpenSSL's reason for a failed handshake, in its own words.
fn describe(e: &openssl::ssl::Error) -> String {
    if let Some(reasons) = crate::tls_openssl::error_reasons(e) {
        return reasons;
    }
    match e.io_error() {
        Some(io) => format!("connection error: {io}"),
        None if e.code() == openssl::ssl::ErrorCode::ZERO_RETURN => "closed by the client".into(),
        None if e.code() == openssl::ssl::ErrorCode::SYSCALL => {
            "connection closed by the client".into()
        }
        None => e.to_string(),
    }
}
