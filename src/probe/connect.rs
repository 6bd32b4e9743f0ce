//! The polite connector: how many connections one endpoint sees, and when.
//!
//! Probed endpoints are production managers and agents that may log every
//! failed handshake, so the scan is frugal by construction:
//! - at most `concurrency` connections to one endpoint at a time (a slot is
//!   held for the whole probe, connect and exchange), and at most
//!   [`FIRST_CONTACT`] of them before one has connected: the rest of the
//!   bound opens once the endpoint is known to accept connections, so a
//!   closed port or a dead host never sees more than [`FIRST_CONTACT`]
//!   attempts at once;
//! - one verdict per endpoint: the first wave connects at once (no round
//!   trip is spent waiting), but when it fails only one probe retries while
//!   the rest wait for its verdict, and once the endpoint is known to be
//!   down every later probe fails at once. A closed port costs at most
//!   `concurrency` attempts plus the retries, not one per planned probe. A
//!   host with several addresses goes through a gate instead: one probe
//!   finds the address that answers before the others start;
//! - every connect has a timeout; refused, reset or unreachable connects are
//!   retried with exponential backoff (timeouts are not: the wait already
//!   happened);
//! - an endpoint that accepts connections but never answers gets one wave
//!   and one timeout: once a probe has timed out with no answer anywhere,
//!   the next probes wait for the rest of the wave instead of taking the
//!   freed slots, and when the whole wave has timed out unanswered they are
//!   not sent.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore};

use super::lanes::{Lane, Lanes, Slot};

/// How hard to push one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Timeout for each connect, and for reading each answer.
    pub timeout: Duration,
    /// Connections open to one endpoint at once.
    pub concurrency: usize,
    /// Retries of a failed connect (refused, reset, unreachable).
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one.
    pub backoff: Duration,
}

/// Connections to one endpoint at a time by default (`--concurrency`).
///
/// Sixteen: the default scan of the five agent profiles against a TLS 1.2
/// manager is sixteen probes, none of which depends on another, so with
/// sixteen slots the whole scan is one wave: the handshakes' three round
/// trips, with the raw probes' two beside them. With eight it was five to
/// eight, because the probes queued behind each other. Sixteen is polite: a Deep
/// Security manager serves thousands of agents, each holding a connection
/// for its heartbeats, and sixteen short handshakes from one scanner are a
/// few agents' worth, for well under a second. `--concurrency 8` restores
/// the old bound for endpoints that count connections per source.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Connections to one endpoint at a time under `--all-suites` when
/// `--concurrency` is not given: the enumeration is a hundred connections
/// or more (one per accepted version and suite), each of which must wait
/// for the one before it in its chain, so its wall time is about two round
/// trips times the connections over the bound. Thirty-two short
/// connections are still fewer than a manager's agents open in a second,
/// and the total is the same, only sooner over.
pub const ALL_SUITES_CONCURRENCY: usize = 32;

/// Connections to an endpoint before one of them has connected (the rest of
/// the bound opens at the first successful connect): a closed port or an
/// unreachable host costs at most this many attempts at once, plus the
/// leader's retries, whatever `--concurrency` is.
pub const FIRST_CONTACT: usize = 8;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(5),
            concurrency: DEFAULT_CONCURRENCY,
            retries: 2,
            backoff: Duration::from_millis(100),
        }
    }
}

/// Why a TCP connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// The class of failure.
    pub kind: ConnectErrorKind,
    /// The address tried last.
    pub address: SocketAddr,
    /// The system's words.
    pub message: String,
}

/// Classes of connect failure, as reports name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// Nothing listens on the port (RST).
    Refused,
    /// No answer to the SYN within the timeout.
    Timeout,
    /// No route to the host or network.
    Unreachable,
    /// Anything else.
    Other,
}

impl ConnectErrorKind {
    /// `refused`, `timeout`, `unreachable`, `connect`.
    pub fn name(self) -> &'static str {
        match self {
            ConnectErrorKind::Refused => "refused",
            ConnectErrorKind::Timeout => "timeout",
            ConnectErrorKind::Unreachable => "unreachable",
            ConnectErrorKind::Other => "connect",
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ConnectErrorKind::Refused => write!(f, "connection to {} refused", self.address),
            ConnectErrorKind::Timeout => {
                write!(f, "no answer from {} (connect timed out)", self.address)
            }
            _ => write!(f, "cannot connect to {}: {}", self.address, self.message),
        }
    }
}

impl std::error::Error for ConnectError {}

/// Counters for one endpoint, for benchmarks and reports.
#[derive(Debug, Default)]
pub struct Stats {
    connect_attempts: AtomicU64,
    connections: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// TCP connects tried, retries included.
    pub connect_attempts: u64,
    /// TCP connections made.
    pub connections: u64,
    /// Bytes written.
    pub bytes_sent: u64,
    /// Bytes read.
    pub bytes_received: u64,
}

impl Stats {
    /// Counts bytes written on a probe connection.
    pub fn sent(&self, n: usize) {
        self.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts bytes read on a probe connection.
    pub fn received(&self, n: usize) {
        self.bytes_received.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            connect_attempts: self.connect_attempts.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone)]
enum Health {
    /// No connection has settled it yet.
    Unknown,
    /// This address answered.
    Up(SocketAddr),
    /// Nothing answered, retries included: every later probe fails the same
    /// way at once.
    Down(ConnectError),
}

/// Bounds shared by every endpoint of one run: at most so many connections
/// in flight across all targets, and optionally at most so many new
/// connections per second (`--max-connections`, `--rate`). An endpoint's
/// first contact is served before more connections to endpoints that
/// already answer ([`super::lanes`] says why).
#[derive(Debug, Clone)]
pub struct Shared {
    connections: std::sync::Arc<Lanes>,
    pace: Option<std::sync::Arc<Pace>>,
}

/// Open files kept for everything but probe sockets: the standard streams,
/// the output file, the runtime's own descriptors, name lookups.
const RESERVED_FILES: u64 = 64;

/// Makes room for `connections` probe sockets at once and returns how many
/// fit: the soft limit on open files is raised toward the hard limit when it
/// is too low (what Go's runtime does for every program, and what a user
/// would do with `ulimit -n`), and where even the hard limit is lower, fewer
/// connections are used. A connect that fails for want of a descriptor
/// would otherwise look like an endpoint that cannot be reached.
#[cfg(unix)]
pub fn room_for(connections: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let want = (connections as u64).saturating_add(RESERVED_FILES);
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft < want) {
        let raised = limit.maximum.map_or(want, |hard| hard.min(want));
        // Refused (a sandbox): the limit stays, and so does the check below.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(raised),
                maximum: limit.maximum,
            },
        );
    }
    match getrlimit(Resource::Nofile).current {
        None => connections,
        Some(soft) => usize::try_from(soft.saturating_sub(RESERVED_FILES))
            .unwrap_or(usize::MAX)
            .clamp(1, connections.max(1)),
    }
}

/// Makes room for `connections` probe sockets at once and returns how many
/// fit (no per-process limit to raise here).
#[cfg(not(unix))]
pub fn room_for(connections: usize) -> usize {
    connections
}

/// A steady pace of new connections.
#[derive(Debug)]
struct Pace {
    interval: Duration,
    next: Mutex<tokio::time::Instant>,
}

impl Shared {
    /// At most `max_connections` at once, and `rate` new ones per second.
    pub fn new(max_connections: usize, rate: Option<f64>) -> Shared {
        Shared {
            connections: Lanes::new(max_connections),
            pace: rate.filter(|r| *r > 0.0).map(|r| {
                std::sync::Arc::new(Pace {
                    interval: Duration::from_secs_f64(1.0 / r),
                    next: Mutex::new(tokio::time::Instant::now()),
                })
            }),
        }
    }

    /// Waits for a global slot in `lane` (and the pace); the slot is held
    /// until it drops.
    async fn enter(&self, lane: Lane) -> Slot {
        let permit = self.connections.acquire(lane).await;
        if let Some(pace) = &self.pace {
            let at = {
                let mut next = pace.next.lock().await;
                let now = tokio::time::Instant::now();
                let at = (*next).max(now);
                *next = at + pace.interval;
                at
            };
            tokio::time::sleep_until(at).await;
        }
        permit
    }
}

/// One endpoint (a host's resolved addresses and a port) with its limits.
#[derive(Debug)]
pub struct Endpoint {
    addresses: Vec<SocketAddr>,
    limits: Limits,
    slots: std::sync::Arc<Semaphore>,
    shared: Option<Shared>,
    health: std::sync::Mutex<Health>,
    /// Held by the one probe that retries (or picks among several addresses).
    leader: Mutex<()>,
    settled: Notify,
    /// Some probe ended other than by timing out (an answer, an alert, a close).
    answered: std::sync::atomic::AtomicBool,
    /// Probes that connected and then heard nothing before the timeout.
    silent: AtomicU64,
    /// Connections open now, and a signal whenever one ends or a probe's
    /// verdict (answer or silence) is noted.
    open: std::sync::Arc<Open>,
    stats: Stats,
    /// A connection has asked for a global slot: only the first one waits
    /// in the first-contact lane ([`super::lanes`]).
    contacted: std::sync::atomic::AtomicBool,
    /// Scouted ([`Endpoint::scouting`]): the whole bound opens only once
    /// the endpoint is admitted and has answered.
    scouted: bool,
    /// Set by [`Endpoint::admit`].
    admitted: std::sync::atomic::AtomicBool,
    /// A scouted endpoint's bound has opened. Set under the `health` lock,
    /// like every change to the slots.
    opened: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct Open {
    count: std::sync::atomic::AtomicUsize,
    changed: Notify,
}

/// Counts one open connection until dropped.
#[derive(Debug)]
struct OpenGuard(std::sync::Arc<Open>);

impl OpenGuard {
    fn new(open: &std::sync::Arc<Open>) -> OpenGuard {
        open.count.fetch_add(1, Ordering::SeqCst);
        OpenGuard(open.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// An open probe connection; holds one of the endpoint's slots until dropped.
#[derive(Debug)]
pub struct Connection {
    /// The socket.
    pub stream: TcpStream,
    _open: OpenGuard,
    _slot: OwnedSemaphorePermit,
    _global: Option<Slot>,
}

impl Endpoint {
    /// An endpoint reachable at any of `addresses` (tried in order).
    pub fn new(addresses: Vec<SocketAddr>, limits: Limits) -> Endpoint {
        Endpoint {
            addresses,
            limits,
            slots: std::sync::Arc::new(Semaphore::new(limits.concurrency.clamp(1, FIRST_CONTACT))),
            shared: None,
            health: std::sync::Mutex::new(Health::Unknown),
            leader: Mutex::new(()),
            settled: Notify::new(),
            answered: std::sync::atomic::AtomicBool::new(false),
            silent: AtomicU64::new(0),
            open: std::sync::Arc::new(Open::default()),
            stats: Stats::default(),
            contacted: std::sync::atomic::AtomicBool::new(false),
            scouted: false,
            admitted: std::sync::atomic::AtomicBool::new(true),
            opened: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The same endpoint, scouted: one connection at a time until it is
    /// admitted ([`Endpoint::admit`]) *and* has answered. A fleet run
    /// scouts the targets that wait for their turn, so that each one's
    /// first probe (its first contact) runs early: a dead or silent host is
    /// found, and its timeout spent, beside the work of the targets before
    /// it rather than after it (`scan::scan_all`). Waiting for an answer
    /// too keeps a silent host from getting a whole wave of connections,
    /// each waiting out the timeout again, when its turn comes while its
    /// first contact is still unanswered.
    pub fn scouting(mut self) -> Endpoint {
        self.slots = std::sync::Arc::new(Semaphore::new(1));
        self.scouted = true;
        self.admitted = std::sync::atomic::AtomicBool::new(false);
        self
    }

    /// The endpoint's turn has come: a scouted endpoint's whole bound opens
    /// (at once if it has answered, else when it does).
    pub fn admit(&self) {
        let Ok(h) = self.health.lock() else {
            return;
        };
        self.admitted.store(true, Ordering::SeqCst);
        self.open_scouted(&h);
    }

    /// Scouted, and its bound not opened yet.
    pub fn is_scouting(&self) -> bool {
        self.scouted && !self.opened.load(Ordering::SeqCst)
    }

    /// Waits until a scouted endpoint that has answered gets its whole
    /// bound (its turn); returns at once for any other endpoint.
    pub async fn turn(&self) {
        loop {
            // Registered before the check, so no change is missed.
            let changed = self.open.changed.notified();
            if !self.is_scouting() || !self.answered.load(Ordering::SeqCst) {
                return;
            }
            changed.await;
        }
    }

    /// Opens a scouted endpoint's bound once it is both admitted and has
    /// answered; called with the `health` lock held.
    fn open_scouted(&self, health: &Health) {
        if self.scouted
            && self.admitted.load(Ordering::SeqCst)
            && self.answered.load(Ordering::SeqCst)
            && !self.opened.swap(true, Ordering::SeqCst)
        {
            let bound = self.bound(matches!(health, Health::Up(_)));
            self.slots.add_permits(bound.saturating_sub(1));
            self.open.changed.notify_waiters();
        }
    }

    /// The endpoint's bound: all of `concurrency` once it is known to
    /// accept connections, [`FIRST_CONTACT`] before.
    fn bound(&self, up: bool) -> usize {
        if up {
            self.limits.concurrency.max(1)
        } else {
            self.limits.concurrency.clamp(1, FIRST_CONTACT)
        }
    }

    /// The same endpoint, also bound by the run's shared limits.
    pub fn sharing(mut self, shared: Shared) -> Endpoint {
        self.shared = Some(shared);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn health(&self) -> Health {
        self.health
            .lock()
            .map(|h| h.clone())
            .unwrap_or(Health::Unknown)
    }

    /// Records the first verdict (later ones do not overwrite it) and wakes
    /// the probes waiting for it.
    fn settle(&self, verdict: Health) {
        if let Ok(mut h) = self.health.lock() {
            if matches!(*h, Health::Unknown) {
                // Known to accept connections: the rest of the bound opens
                // (a scouted endpoint's opens at its turn, after an answer).
                if matches!(verdict, Health::Up(_))
                    && (!self.scouted || self.opened.load(Ordering::SeqCst))
                {
                    self.slots
                        .add_permits(self.bound(true).saturating_sub(self.bound(false)));
                }
                *h = verdict;
            }
        }
        self.settled.notify_waiters();
    }

    /// Records that a probe ended other than by timing out.
    pub fn note_answer(&self) {
        self.answered.store(true, Ordering::SeqCst);
        if self.scouted {
            if let Ok(h) = self.health.lock() {
                self.open_scouted(&h);
            }
        }
        self.open.changed.notify_waiters();
    }

    /// Records that a probe connected and heard nothing before the timeout.
    pub fn note_silence(&self) {
        self.silent.fetch_add(1, Ordering::SeqCst);
        self.open.changed.notify_waiters();
    }

    /// Waits, holding a slot, while the endpoint's silence is being judged:
    /// a probe timed out and nothing has answered yet, but connections of
    /// its wave are still open. True when the whole wave then timed out with
    /// no answer: the endpoint accepts connections but never speaks, and
    /// more probes would only wait out more timeouts.
    async fn is_silent(&self) -> bool {
        loop {
            // Registered before the checks, so no change is missed.
            let changed = self.open.changed.notified();
            if self.answered.load(Ordering::SeqCst) || self.silent.load(Ordering::SeqCst) == 0 {
                return false;
            }
            if self.open.count.load(Ordering::SeqCst) == 0 {
                return true;
            }
            changed.await;
        }
    }

    /// Whether the endpoint has already been judged silent (no waiting).
    fn known_silent(&self) -> bool {
        !self.answered.load(Ordering::SeqCst)
            && self.silent.load(Ordering::SeqCst) > 0
            && self.open.count.load(Ordering::SeqCst) == 0
    }

    /// The address that answered, once one has.
    pub async fn address(&self) -> Option<SocketAddr> {
        match self.health() {
            Health::Up(a) => Some(a),
            _ => None,
        }
    }

    /// Waits for a slot, then connects.
    ///
    /// A host with one address is connected to optimistically: the first
    /// wave of probes connects at once, and only if those fail does one of
    /// them (the leader) retry with backoff while the others wait for its
    /// verdict. A host with several addresses goes through a gate: one probe
    /// finds the address that answers before the others start.
    pub async fn connect(&self) -> Result<Connection, ConnectError> {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ConnectError {
                kind: ConnectErrorKind::Other,
                address: self.first_address(),
                message: "the endpoint was shut down".into(),
            })?;
        if self.is_silent().await {
            return Err(ConnectError {
                kind: ConnectErrorKind::Timeout,
                address: self.first_address(),
                message: "not tried: earlier connections got no answer before the timeout".into(),
            });
        }
        // The endpoint's own slot first, so no global slot is held while
        // waiting for it.
        let global = match &self.shared {
            Some(shared) => {
                // The endpoint's first connection goes before the waves of
                // endpoints already contacted; the others wait their turn.
                let lane = if self.contacted.swap(true, Ordering::SeqCst) {
                    Lane::Rest
                } else {
                    Lane::First
                };
                let permit = shared.enter(lane).await;
                // The wait may have been long: the endpoint may have been
                // found silent meanwhile (without waiting again, a global
                // slot in hand).
                if self.known_silent() {
                    return Err(ConnectError {
                        kind: ConnectErrorKind::Timeout,
                        address: self.first_address(),
                        message: "not tried: earlier connections got no answer before the timeout"
                            .into(),
                    });
                }
                Some(permit)
            }
            None => None,
        };
        let stream = self.connect_settled().await?;
        Ok(Connection {
            stream,
            _open: OpenGuard::new(&self.open),
            _slot: slot,
            _global: global,
        })
    }

    async fn connect_settled(&self) -> Result<TcpStream, ConnectError> {
        loop {
            match self.health() {
                Health::Down(e) => return Err(e),
                Health::Up(address) => {
                    return self
                        .connect_with_retries(&[address], self.limits.retries)
                        .await
                        .map(|(s, _)| s);
                }
                Health::Unknown => {}
            }
            if self.addresses.len() > 1 {
                let _leader = self.leader.lock().await;
                if !matches!(self.health(), Health::Unknown) {
                    continue;
                }
                return self.lead(&self.addresses, self.limits.retries).await;
            }
            // Registered before the attempt, so the leader's verdict is not missed.
            let settled = self.settled.notified();
            let address = self.first_address();
            match self.connect_once(address).await {
                Ok(stream) => {
                    self.settle(Health::Up(address));
                    return Ok(stream);
                }
                Err(first) => match self.leader.try_lock() {
                    Ok(_leader) => {
                        if !matches!(self.health(), Health::Unknown) {
                            continue;
                        }
                        if first.kind == ConnectErrorKind::Timeout || self.limits.retries == 0 {
                            self.settle(Health::Down(first.clone()));
                            return Err(first);
                        }
                        return self.lead_retries(address, first).await;
                    }
                    Err(_) => settled.await,
                },
            }
        }
    }

    /// Connects to the first of `addresses` that answers, with retries, and
    /// records the verdict for everyone.
    async fn lead(
        &self,
        addresses: &[SocketAddr],
        retries: u32,
    ) -> Result<TcpStream, ConnectError> {
        let result = self.connect_with_retries(addresses, retries).await;
        match &result {
            Ok((_, address)) => self.settle(Health::Up(*address)),
            Err(e) => self.settle(Health::Down(e.clone())),
        }
        result.map(|(s, _)| s)
    }

    /// The leader's retries after a failed optimistic attempt.
    async fn lead_retries(
        &self,
        address: SocketAddr,
        first: ConnectError,
    ) -> Result<TcpStream, ConnectError> {
        let mut last = first;
        for attempt in 1..=self.limits.retries {
            tokio::time::sleep(self.limits.backoff * 2u32.saturating_pow(attempt - 1)).await;
            match self.connect_once(address).await {
                Ok(stream) => {
                    self.settle(Health::Up(address));
                    return Ok(stream);
                }
                Err(e) => last = e,
            }
            if last.kind == ConnectErrorKind::Timeout {
                break;
            }
        }
        self.settle(Health::Down(last.clone()));
        Err(last)
    }

    fn first_address(&self) -> SocketAddr {
        self.addresses
            .first()
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Tries each address in turn; when all fail, waits and tries again, up
    /// to `retries` times. Timeouts end the attempts at once.
    async fn connect_with_retries(
        &self,
        addresses: &[SocketAddr],
        retries: u32,
    ) -> Result<(TcpStream, SocketAddr), ConnectError> {
        let mut last = ConnectError {
            kind: ConnectErrorKind::Other,
            address: self.first_address(),
            message: "no address to connect to".into(),
        };
        for attempt in 0..=retries {
            if attempt > 0 {
                tokio::time::sleep(self.limits.backoff * 2u32.saturating_pow(attempt - 1)).await;
            }
            for address in addresses {
                match self.connect_once(*address).await {
                    Ok(stream) => return Ok((stream, *address)),
                    Err(e) => last = e,
                }
            }
            if last.kind == ConnectErrorKind::Timeout {
                break;
            }
        }
        Err(last)
    }

    async fn connect_once(&self, address: SocketAddr) -> Result<TcpStream, ConnectError> {
        self.stats.connect_attempts.fetch_add(1, Ordering::Relaxed);
        let fail = |kind, message: String| ConnectError {
            kind,
            address,
            message,
        };
        match tokio::time::timeout(self.limits.timeout, TcpStream::connect(address)).await {
            Err(_) => Err(fail(ConnectErrorKind::Timeout, "connect timed out".into())),
            Ok(Err(e)) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => ConnectErrorKind::Refused,
                    std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable => ConnectErrorKind::Unreachable,
                    std::io::ErrorKind::TimedOut => ConnectErrorKind::Timeout,
                    _ => ConnectErrorKind::Other,
                };
                Err(fail(kind, e.to_string()))
            }
            Ok(Ok(stream)) => {
                self.stats.connections.fetch_add(1, Ordering::Relaxed);
                // Hellos are small and latency is everything.
                let _ = stream.set_nodelay(true);
                Ok(stream)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_secs(2),
            concurrency: 3,
            retries: 2,
            backoff: Duration::from_millis(10),
        }
    }

    /// `probes` connections at once to a port nobody listens on, each
    /// refused; the endpoint, for its counts.
    async fn closed_port(limits: Limits, probes: usize) -> Arc<Endpoint> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let ep = Arc::new(Endpoint::new(vec![port], limits));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..probes {
            let ep = ep.clone();
            tasks.spawn(async move { ep.connect().await.map(|_| ()) });
        }
        while let Some(r) = tasks.join_next().await {
            assert_eq!(r.unwrap().unwrap_err().kind, ConnectErrorKind::Refused);
        }
        ep
    }

    /// A listener that accepts and holds every connection without a word.
    async fn holding() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_scouted_endpoint_opens_at_its_turn_and_first_answer_whichever_is_last() {
        let limits = Limits {
            concurrency: 16,
            ..limits()
        };
        let addr = holding().await;
        for turn_first in [true, false] {
            let ep = Endpoint::new(vec![addr], limits).scouting();
            assert!(ep.is_scouting());
            assert_eq!(
                ep.slots.available_permits(),
                1,
                "one connection while scouted"
            );
            let first = ep.connect().await.unwrap();
            assert_eq!(ep.slots.available_permits(), 0);
            if turn_first {
                ep.admit();
                assert_eq!(ep.slots.available_permits(), 0, "no answer yet");
            } else {
                ep.note_answer();
                assert_eq!(ep.slots.available_permits(), 0, "not its turn yet");
            }
            if turn_first {
                ep.note_answer();
            } else {
                ep.admit();
            }
            assert!(!ep.is_scouting());
            assert_eq!(
                ep.slots.available_permits(),
                15,
                "the whole bound, one held"
            );
            ep.turn().await;
            drop(first);
        }
    }

    #[tokio::test]
    async fn a_silent_scouted_endpoint_never_gets_a_second_connection() {
        let limits = Limits {
            concurrency: 16,
            ..limits()
        };
        let ep = Endpoint::new(vec![holding().await], limits).scouting();
        let first = ep.connect().await.unwrap();
        ep.note_silence();
        drop(first);
        ep.admit();
        // Its turn came, but nothing ever answered: still one slot, and
        // the next probe is not sent.
        assert!(ep.is_scouting());
        ep.turn().await;
        let next = ep.connect().await.unwrap_err();
        assert_eq!(next.kind, ConnectErrorKind::Timeout, "{next}");
        assert_eq!(ep.stats().snapshot().connect_attempts, 1);
    }

    #[tokio::test]
    async fn a_closed_port_costs_one_wave_and_one_set_of_retries() {
        let ep = closed_port(limits(), 10).await;
        // Three slots: the first wave of three attempts, then the leader's two
        // retries; the other seven probes never connect.
        assert_eq!(
            ep.stats().snapshot().connect_attempts,
            5,
            "{:?}",
            ep.stats().snapshot()
        );
        assert_eq!(ep.stats().snapshot().connections, 0);
    }

    #[tokio::test]
    async fn a_closed_port_sees_the_first_contact_bound_not_the_whole_one() {
        let limits = Limits {
            concurrency: 16,
            ..limits()
        };
        let ep = closed_port(limits, 20).await;
        // Eight at first contact, then the leader's two retries.
        assert_eq!(
            ep.stats().snapshot().connect_attempts,
            FIRST_CONTACT as u64 + 2
        );
    }

    #[tokio::test]
    async fn the_whole_bound_opens_once_a_connection_succeeded() {
        let live = holding().await;
        let limits = Limits {
            concurrency: 16,
            ..limits()
        };
        let ep = Arc::new(Endpoint::new(vec![live], limits));
        let open = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        // Each connection is held until 16 are open at once (or a while).
        let all = Arc::new(Notify::new());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..32 {
            let (ep, open, peak, all) = (ep.clone(), open.clone(), peak.clone(), all.clone());
            tasks.spawn(async move {
                let c = ep.connect().await.unwrap();
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                if now >= 16 {
                    all.notify_waiters();
                } else {
                    let _ = tokio::time::timeout(Duration::from_secs(2), all.notified()).await;
                }
                open.fetch_sub(1, Ordering::SeqCst);
                drop(c);
            });
        }
        while tasks.join_next().await.is_some() {}
        assert_eq!(peak.load(Ordering::SeqCst), 16);
        assert_eq!(ep.stats().snapshot().connections, 32);
    }

    #[tokio::test]
    async fn connections_are_bounded_and_the_gate_picks_the_live_address() {
        let live = holding().await;
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let open = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let ep = Arc::new(Endpoint::new(vec![dead, live], limits()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let (ep, open, peak) = (ep.clone(), open.clone(), peak.clone());
            tasks.spawn(async move {
                let c = ep.connect().await.unwrap();
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                open.fetch_sub(1, Ordering::SeqCst);
                drop(c);
            });
        }
        while tasks.join_next().await.is_some() {}
        assert!(
            peak.load(Ordering::SeqCst) <= 3,
            "peak {}",
            peak.load(Ordering::SeqCst)
        );
        assert_eq!(ep.address().await, Some(live));
        let s = ep.stats().snapshot();
        assert_eq!(s.connections, 12);
        assert_eq!(
            s.connect_attempts, 13,
            "the dead address was tried once, by the gate"
        );
    }
}
