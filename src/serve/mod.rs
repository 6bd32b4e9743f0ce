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
//!
//! It must hold under flood: idle connections, half-sent ClientHellos and
//! finished handshakes that trickle a byte now and then must not keep real
//! clients out. Every phase has a deadline ([`Limits`]), one source address
//! holds a bounded share of the slots, and a full emulator gives a slot up to
//! a newcomer (the `slots` module says who goes); refusals are reported once per
//! source and second, with a count.
//!
//! With a [`Latency`] (`serve --latency`), every accepted stream holds what
//! it reads from the client for a round trip (the `delayed` module), so a
//! far endpoint can be emulated on loopback without a delaying proxy.

mod counted;
mod delayed;
mod openssl_server;
mod slots;
pub mod summary;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};

use openssl::ssl::{Ssl, SslContext};
use openssl::x509::X509;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_openssl::SslStream;

use counted::Counted;
use delayed::Delayed;
pub use slots::RefusalReason;
use slots::{Slot, Slots};

use crate::tls::openssl_glue::from_ssl_version;
pub use crate::tls::openssl_glue::{ContextError, openssl_can_serve};

use crate::model::profile::{DEFAULT_GROUPS, Profile};
use crate::model::suites::{CipherSuiteId, registry};
use crate::model::version::TlsVersion;
use crate::tls::certs::{self, Authority, CertError, Identity, KeyType, Usage};
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

/// Bounds that keep the emulator well-behaved, also under flood.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections handled at once. When all are taken, a newcomer takes the
    /// slot of the oldest connection past its handshake, else of the oldest
    /// unfinished handshake of the source holding the most slots.
    pub max_connections: usize,
    /// Connections one source address may hold at once; more are closed on
    /// accept. At least a scan's largest `--concurrency` (64).
    pub max_per_peer: usize,
    /// Time a client gets to complete the whole handshake, counted from the
    /// accept (the first byte included).
    pub handshake_timeout: Duration,
    /// After a handshake, time the client may stay silent before we close.
    pub idle_timeout: Duration,
    /// After a handshake, time the connection may stay open at all, however
    /// the client trickles bytes.
    pub session_lifetime: Duration,
    /// On shutdown, time in-flight connections get to finish.
    pub grace: Duration,
}

impl Default for Limits {
    /// 256 connections, 64 per source address, 10 s for the handshake, then 5
    /// s of silence or 10 s in all, 2 s of grace on shutdown.
    fn default() -> Self {
        Limits {
            max_connections: 256,
            max_per_peer: 64,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            session_lifetime: Duration::from_secs(10),
            grace: Duration::from_secs(2),
        }
    }
}

/// The longest [`Latency`] `serve --latency` accepts.
pub const MAX_LATENCY: Duration = Duration::from_secs(10);

/// A round-trip time the emulator adds to every exchange, to emulate a far
/// endpoint on loopback: every chunk of bytes read from a client is held
/// for the round trip before the emulator processes it, so each client
/// flight is answered one round trip after it was sent (as through a proxy
/// that delays each direction by half). The handshake deadline and the
/// lifetimes of [`Limits`] count the delay too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// The round-trip time.
    pub round_trip: Duration,
    /// Also charge the TCP handshake's round trip, which loopback completes
    /// at once: a connection's first bytes are processed no sooner than two
    /// round trips after the accept, so a probe (connect, then one
    /// exchange) takes the two round trips it takes over a real network.
    /// `serve --latency` leaves it off: there each exchange, the one a
    /// client's read timeout waits for, takes one round trip, as it would.
    pub tcp_handshake: bool,
}

impl Latency {
    /// `round_trip` on every exchange, none on the TCP handshake.
    pub fn new(round_trip: Duration) -> Latency {
        Latency {
            round_trip,
            tcp_handshake: false,
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
    /// A round-trip time added to every exchange (none by default).
    pub latency: Option<Latency>,
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
    /// A fresh CA, a server certificate of `key_type`, and an RSA client
    /// certificate. Their keys are this process's [`shared_key`]s: a
    /// process that stands up many emulators (the tests, the benchmarks)
    /// makes each kind of key once.
    ///
    /// [`shared_key`]: crate::tls::certs::shared_key
    pub fn generate(label: &str, key_type: KeyType) -> Result<GeneratedPki, CertError> {
        use crate::tls::certs::{IssueOptions, KeyRole, shared_key};
        let bits = IssueOptions::default().key_bits;
        let ca = Authority::with_key(
            &format!("tlscompat emulator CA ({label})"),
            shared_key(KeyType::Rsa, bits, KeyRole::Authority)?,
        )?;
        let leaf = |name: &str, key_type: KeyType, usage: Usage, role: KeyRole| {
            ca.issue_with(
                name,
                &IssueOptions {
                    key_type,
                    usage,
                    key: Some(shared_key(key_type, bits, role)?),
                    ..IssueOptions::default()
                },
            )
        };
        let server = leaf(
            &format!("{label}.tlscompat.test"),
            key_type,
            Usage::Server,
            KeyRole::Server,
        )?;
        let client = leaf(
            "tlscompat client",
            KeyType::Rsa,
            Usage::Client,
            KeyRole::Client,
        )?;
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
            latency: None,
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
    /// Connections were closed on accept: their source holds
    /// [`Limits::max_per_peer`] slots already, or every slot was taken and
    /// none could be given up. Reported at most once per source address and
    /// second: the first refusal at once, the rest counted into the next event.
    Refused {
        /// The client (of the latest refusal counted).
        peer: SocketAddr,
        /// Why (of the latest refusal counted).
        reason: RefusalReason,
        /// Connections from this address refused since its previous event.
        count: u64,
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
            config.latency,
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
    let listener = listen(config.listen).map_err(|source| ServeError::Bind {
        address: config.listen,
        source,
    })?;
    Ok((listener, ctx))
}

/// The pending-connection queue the kernel keeps for us. A flood fills the
/// default 128 between two turns of the accept loop, and then the kernel
/// drops every newcomer's SYN (a real client waits a second per retransmit);
/// with 4096 the accept loop keeps up.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds like `TcpListener::bind` (address reuse on) with a deep backlog.
fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
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
    latency: Option<Latency>,
    events: EventSink,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Slots::new(&limits);
    let mut refusals = RefusalLog::default();
    let mut tick = tokio::time::interval(RefusalLog::PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.admit(peer.ip()) {
                    Ok((slot, evict)) => {
                        let (ctx, events) = (ctx.clone(), events.clone());
                        tasks.spawn(async move {
                            let stream = match latency {
                                Some(l) => Delayed::new(stream, l.round_trip, l.tcp_handshake),
                                None => Delayed::new(stream, Duration::ZERO, false),
                            };
                            let event = handle(stream, peer, &ctx, limits, &slot, evict).await;
                            drop(slot);
                            emit(&events, event);
                        });
                    }
                    Err(reason) => {
                        // Closed at once, before any byte is read.
                        drop(stream);
                        if let Some(event) = refusals.refused(peer, reason, Instant::now()) {
                            emit(&events, event);
                        }
                    }
                },
                // Out of file descriptors or a reset before accept: back off briefly.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            _ = tick.tick() => {
                for event in refusals.flush(Instant::now()) {
                    emit(&events, event);
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    for event in refusals.flush_all() {
        emit(&events, event);
    }
    drop(listener);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.grace, drain).await.is_err() {
        tasks.abort_all();
    }
    emit(&events, ServeEvent::Stopped { label });
}

/// Refusals per source address, reported at most once per [`Self::PERIOD`].
#[derive(Debug, Default)]
struct RefusalLog {
    by_ip: HashMap<IpAddr, Refusals>,
}

#[derive(Debug)]
struct Refusals {
    /// When the last event for this address went out.
    reported: Instant,
    /// Refused since then.
    count: u64,
    /// The latest refused peer and why.
    peer: SocketAddr,
    reason: RefusalReason,
}

impl RefusalLog {
    const PERIOD: Duration = Duration::from_secs(1);

    /// One refusal: the event to emit now, if this address has had none in
    /// the last period.
    fn refused(
        &mut self,
        peer: SocketAddr,
        reason: RefusalReason,
        now: Instant,
    ) -> Option<ServeEvent> {
        match self.by_ip.get_mut(&peer.ip()) {
            Some(r) if now.duration_since(r.reported) < Self::PERIOD => {
                r.count += 1;
                r.peer = peer;
                r.reason = reason;
                None
            }
            _ => {
                self.by_ip.insert(
                    peer.ip(),
                    Refusals {
                        reported: now,
                        count: 0,
                        peer,
                        reason,
                    },
                );
                Some(ServeEvent::Refused {
                    peer,
                    reason,
                    count: 1,
                })
            }
        }
    }

    /// Events for the refusals counted but not reported, of addresses whose
    /// period is over; addresses quiet for a period are forgotten.
    fn flush(&mut self, now: Instant) -> Vec<ServeEvent> {
        let mut out = Vec::new();
        self.by_ip.retain(|_, r| {
            if now.duration_since(r.reported) < Self::PERIOD {
                return true;
            }
            if r.count == 0 {
                return false;
            }
            out.push(r.event());
            r.reported = now;
            r.count = 0;
            true
        });
        out
    }

    /// Every refusal counted and not reported yet (on shutdown).
    fn flush_all(&mut self) -> Vec<ServeEvent> {
        self.by_ip
            .drain()
            .filter(|(_, r)| r.count > 0)
            .map(|(_, r)| r.event())
            .collect()
    }
}

impl Refusals {
    fn event(&self) -> ServeEvent {
        ServeEvent::Refused {
            peer: self.peer,
            reason: self.reason,
            count: self.count,
        }
    }
}

/// The reason of a [`ServeEvent::Failed`] for a connection that gave its
/// slot up to a newcomer before its handshake was done.
pub const EVICTED_REASON: &str =
    "evicted before the handshake was done: every connection slot was taken";

/// One connection: the handshake, then a quiet wait for the client to close,
/// each with its deadline; it ends at once when told to give its slot up.
async fn handle(
    stream: Delayed<TcpStream>,
    peer: SocketAddr,
    ctx: &SslContext,
    limits: Limits,
    slot: &Slot,
    mut evict: oneshot::Receiver<()>,
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
    let handshake = tokio::time::timeout(limits.handshake_timeout, Pin::new(&mut tls).accept());
    let result = tokio::select! {
        result = handshake => result,
        _ = &mut evict => return failed(EVICTED_REASON.into()),
    };
    match result {
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
                return failed(describe(&e));
            }
            let reason = describe(&e);
            linger(tls.get_mut(), &mut evict).await;
            return failed(reason);
        }
        Ok(Ok(())) => {}
    }
    slot.established();
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
    // sends until it closes, goes quiet or the session's lifetime is over,
    // then close politely (unless the slot is wanted: then at once).
    let end = tokio::time::Instant::now() + limits.session_lifetime;
    let mut buf = [0u8; 4096];
    loop {
        let quiet = tokio::time::Instant::now() + limits.idle_timeout;
        let read = tokio::time::timeout_at(quiet.min(end), tls.read(&mut buf));
        tokio::select! {
            read = read => match read {
                Ok(Ok(n)) if n > 0 => {}
                _ => break,
            },
            _ = &mut evict => return event,
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
    event
}

/// How long a refused client gets to close after our alert.
const LINGER: Duration = Duration::from_secs(1);

/// After a refused handshake, OpenSSL has written its alert: close our side
/// (FIN), then read and discard what the client still sends until it closes
/// (at most [`LINGER`], or until the slot is wanted), before dropping the
/// socket. Dropping it with unread bytes would send a reset, and a reset can
/// destroy the alert in the client's receive buffer before the client has
/// read it: the client would see "connection reset" where the server
/// refused (seen under load with a client certificate refused after the
/// client's empty Certificate, Finished already on the wire).
async fn linger<S>(stream: &mut S, evict: &mut oneshot::Receiver<()>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let until = tokio::time::Instant::now() + LINGER;
    if tokio::time::timeout_at(until, stream.shutdown())
        .await
        .is_err()
    {
        return;
    }
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            read = tokio::time::timeout_at(until, stream.read(&mut buf)) => match read {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            },
            _ = &mut *evict => return,
        }
    }
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
    if let Some(reasons) = crate::tls::openssl_glue::error_reasons(e) {
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
