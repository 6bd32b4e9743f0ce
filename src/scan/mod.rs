//! Scanning one endpoint: plan the probes, run them politely, and turn the
//! outcomes into a [`TargetReport`].
//!
//! # Strategy
//!
//! A scan runs the steps of `checks::Step` in order; at each, the checks
//! (`checks::CHECKS`) plan the probes from what the steps before found.
//!
//! Default (a few profiles): one wave of independent probes, all started
//! at once (the handshakes first), with the connector's bound (16 at a
//! time, 8 until one has connected: `probe::connect::DEFAULT_CONCURRENCY`
//! says why) the only queue:
//! - each selected profile's own hello, replayed as a real handshake (see
//!   Confirmation; a completed one brings the server's session ticket, see
//!   `checks::nodes`);
//! - the largest profile's hello with its suites reversed, also a real
//!   handshake (one more ticket): with the replay, whether the server
//!   enforces its own order;
//! - one hello per other version (TLS 1.0–1.3) offering every suite valid
//!   there: which versions the endpoint speaks at all;
//! - one probe per (version, suite) that any profile (selected or shipped,
//!   for identification) can use, offering that suite alone, at every
//!   version (`checks::suites` says why not only at versions shown spoken).
//!
//! Later steps run only when the wave leaves something open: a whole-version
//! hello, asked three times, for a profile version where no single-suite
//! probe was accepted and none showed it unsupported
//! (`checks::versions`), retests of answers that contradict each other,
//! corroboration on an unsteady server, and so on (`checks::Step`).
//! For the five agent profiles against a TLS 1.2-only manager the wave is
//! the whole scan: the five replays, the reversed hello, TLS 1.1 and TLS
//! 1.3, the six suites at TLS 1.2 and the two of `dsa-9.6` at TLS 1.0
//! (refused with `protocol_version`, which settles TLS 1.0): sixteen
//! connections and three round trips (a handshake's TCP, hello and
//! Finished). It was twenty connections and a second wave of two round
//! trips, four and a half in all: each replay was also asked raw, and the
//! single-suite probes waited for the first flights to show their version
//! spoken (docs/performance.md, docs/unsteady.md).
//!
//! `--all-suites`: every registered suite at every version, by elimination
//! (offer all, drop the chosen one, repeat until refused) in parallel,
//! interleaved parts (`enumerate`), 32 connections at a time by default;
//! each version's first hello and the same suites reversed decide the
//! preference. Each connection finds at most one accepted suite, so this
//! costs about one connection per accepted (version, suite), plus one
//! refusal per part.
//!
//! Confirmation (on by default): each profile's replay is a real handshake
//! (rustls or OpenSSL, [`crate::probe::handshake`]) on a tapped connection,
//! so it is judged like a raw probe *and* proves that a client with that
//! offer completes the handshake: one more round trip, no extra
//! connection, and it runs beside the raw probes.
//!
//! Consistency: each question is asked once (each deciding hello N times
//! with `--repeat N`), answers that must agree are compared,
//! and the few that look suspicious are asked again (see
//! `checks::consistency`); a server that contradicts itself makes the
//! affected profiles inconclusive. Then, or when the real handshakes'
//! session tickets were sealed under several keys (several nodes behind
//! the address: `checks::nodes`), every profile's hello is asked five
//! times (eight behind several nodes) and no verdict stands on fewer than
//! three alike answers (`checks::corroboration`).
//!
//! If the endpoint asked for a client certificate and no replay settled
//! whether it insists, one real handshake without one tells "required" from
//! "requested".

mod admission;
pub mod capture;

mod checks;
pub use checks::expectation;
mod enumerate;
pub(crate) mod probes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use admission::Admission;
pub(crate) use checks::Knowledge;
use checks::{Planned, Reached, Scope, Seen, Step};

use crate::model::profile::{DEFAULT_GROUPS, Profile};
use crate::model::target::Target;
use crate::probe::connect::Shared;
use crate::probe::handshake::{self, ClientIdentity};
use crate::probe::{Endpoint, HelloSpec, Limits, engine};
use crate::results::{
    ErrorKind, Phase, Phases, ScanStats, TargetError, TargetReport, TargetStatus,
};
use crate::wire::codes::NamedGroup;
use probes::{ProbeRecord, Purpose};

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    /// Enumerate every registered suite at every version.
    pub all_suites: bool,
    /// Connector limits.
    pub limits: Limits,
    /// SNI to send instead of the target's host name.
    pub sni: Option<String>,
    /// Send no SNI at all.
    pub no_sni: bool,
    /// Skip the full-handshake confirmation (`--no-confirm`).
    pub no_confirm: bool,
    /// A client certificate to present (`--client-cert`, `--client-key`).
    pub identity: Option<Arc<ClientIdentity>>,
    /// CA certificates to check the server's chain and name against (`--ca`).
    pub ca: Option<Arc<Vec<openssl::x509::X509>>>,
    /// Bounds across all targets of a run.
    pub fleet: Fleet,
    /// The run's shared connection bound, set by [`scan_all`].
    pub shared: Option<Shared>,
    /// Ask each deciding hello this many times (`--repeat`, 1–10; 0 counts
    /// as 1): see `checks::consistency`.
    pub repeat: usize,
}

/// Bounds across all targets of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fleet {
    /// Connections in flight across every target (`--max-connections`).
    pub max_connections: usize,
    /// New connections per second across every target (`--rate`).
    pub rate: Option<f64>,
    /// The longest one target may take, all probes included
    /// (`--target-timeout`): a slow server cannot hold a run for minutes.
    pub target_timeout: Duration,
}

impl Default for Fleet {
    fn default() -> Fleet {
        Fleet {
            max_connections: 512,
            rate: None,
            target_timeout: Duration::from_secs(60),
        }
    }
}

/// How to run one planned probe.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// The endpoint.
    endpoint: Arc<Endpoint>,
    /// Full handshakes for replays, with this identity.
    confirm: bool,
    identity: Option<Arc<ClientIdentity>>,
    /// How many times each deciding hello is asked.
    repeat: usize,
}

/// Which client profiles check a target, and among which profiles it is
/// identified (`matches_profiles`), by the target's role. Only managers
/// connect to an agent's or relay's port and only agents (and relays) to a
/// manager's, so by default a manager is checked with the agent profiles
/// and identified among the manager profiles, and an agent or relay the
/// other way round ([`Clients::by_role`]); `-p` chooses the clients
/// explicitly, identification stays by role.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    /// For managers (and targets of role `any`): (clients, identify).
    pub managers: (Vec<Profile>, Vec<Profile>),
    /// For agents and relays: (clients, identify).
    pub listeners: (Vec<Profile>, Vec<Profile>),
}

impl Clients {
    /// The same clients and identification for every target.
    pub fn same(profiles: Vec<Profile>, identify: Vec<Profile>) -> Clients {
        Clients {
            managers: (profiles.clone(), identify.clone()),
            listeners: (profiles, identify),
        }
    }

    /// Role-aware: `given` checks every target when some were chosen
    /// (`-p`); otherwise managers are checked with `agents` and agents and
    /// relays with `managers`. `also` (required profiles, a plan's
    /// planned manager) is checked on every target. Identification is by
    /// role: managers among `managers`, agents and relays among `agents`.
    pub fn by_role(
        given: Vec<Profile>,
        also: Vec<Profile>,
        agents: Vec<Profile>,
        managers: Vec<Profile>,
    ) -> Clients {
        let with = |mut base: Vec<Profile>| {
            for p in &also {
                if !base.iter().any(|b| b.id == p.id) {
                    base.push(p.clone());
                }
            }
            base
        };
        let (for_managers, for_listeners) = if given.is_empty() {
            (with(agents.clone()), with(managers.clone()))
        } else {
            (with(given.clone()), with(given))
        };
        Clients {
            managers: (for_managers, managers),
            listeners: (for_listeners, agents),
        }
    }

    /// These clients with `p` checked on every target too (a plan's
    /// planned manager).
    pub fn with(mut self, p: &Profile) -> Clients {
        for (clients, _) in [&mut self.managers, &mut self.listeners] {
            if !clients.iter().any(|c| c.id == p.id) {
                clients.push(p.clone());
            }
        }
        self
    }

    /// (clients, identify) for a target of `role`.
    pub fn for_role(&self, role: crate::model::profile::Role) -> (&[Profile], &[Profile]) {
        use crate::model::profile::Role;
        let (c, i) = match role {
            Role::Agent | Role::Relay => &self.listeners,
            Role::Manager | Role::Any => &self.managers,
        };
        (c, i)
    }
}

/// Scans one target with `profiles` (whose compatibility is reported) and
/// `identify` (shipped profiles, for `matches_profiles`).
pub async fn scan(
    target: &Target,
    profiles: &[&Profile],
    identify: &[&Profile],
    config: &ScanConfig,
) -> TargetReport {
    scan_in_turn(target, profiles, identify, config, &Admission::granted()).await
}

/// [`scan`], scouted until `admission` lets the whole bound open.
async fn scan_in_turn(
    target: &Target,
    profiles: &[&Profile],
    identify: &[&Profile],
    config: &ScanConfig,
    admission: &Admission,
) -> TargetReport {
    let started = Instant::now();
    // Test hook, debug builds only: the integration tests prove that a
    // panicking target becomes an `internal` error report, not a lost row.
    #[cfg(debug_assertions)]
    if std::env::var_os("TLSCOMPAT_TEST_PANIC_HOST").is_some_and(|h| h == target.host.as_str()) {
        panic!("TLSCOMPAT_TEST_PANIC_HOST asked this target's scan to panic");
    }
    let sni = sni_for(target, config);
    let addresses = match resolve(target, config.limits.timeout).await {
        Ok(a) => a,
        Err(message) => {
            return error_report(
                target,
                sni,
                Vec::new(),
                TargetError {
                    kind: ErrorKind::Dns,
                    message,
                },
                started,
            );
        }
    };
    let mut endpoint = Endpoint::new(addresses.clone(), config.limits);
    if let Some(shared) = &config.shared {
        endpoint = endpoint.sharing(shared.clone());
    }
    let endpoint = admission.attach(endpoint);
    let run = Run {
        endpoint: endpoint.clone(),
        confirm: !config.no_confirm,
        identity: config.identity.clone(),
        repeat: config.repeat,
    };
    let groups = shape_groups(profiles.iter().chain(identify));
    let everyone: Vec<&Profile> = profiles.iter().chain(identify).copied().collect();
    let candidates = checks::suites::candidates(&everyone);
    let scope = Scope {
        target,
        config,
        profiles,
        identify,
        sni: sni.as_deref(),
        groups: &groups,
        candidates: &candidates,
    };
    let steps = steps(&run, &scope, started).await;
    let knowledge = Knowledge::learn(&steps.records);
    let address = endpoint.address().await;
    let stats = steps.stats(&endpoint, started);
    let seen = Seen {
        records: &steps.records,
        k: &knowledge,
    };
    let reached = Reached {
        addresses: &addresses,
        address,
    };
    checks::report(&scope, reached, &seen, stats)
}

/// What one target's steps asked and found.
struct Steps {
    /// Every record, in the order the steps planned them.
    records: Vec<ProbeRecord>,
    /// When each phase ran.
    phases: Phases,
}

impl Steps {
    /// The scan's counts: its probes, and the endpoint's connections.
    fn stats(&self, endpoint: &Endpoint, started: Instant) -> ScanStats {
        let s = endpoint.stats().snapshot();
        ScanStats {
            probes: self.records.len() as u64,
            connect_attempts: s.connect_attempts,
            connections: s.connections,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            phases: self.phases,
        }
    }
}

/// The SNI the hellos send: `--sni`, else the target's name (none for an
/// address, or with `--no-sni`).
fn sni_for(target: &Target, config: &ScanConfig) -> Option<String> {
    if config.no_sni {
        None
    } else {
        config
            .sni
            .clone()
            .or_else(|| target.ip().is_none().then(|| target.host.clone()))
    }
}

/// Runs every [`Step`] in order, each planned by the checks from the
/// records of the steps before it.
async fn steps(run: &Run, scope: &Scope<'_>, started: Instant) -> Steps {
    let mut timeline = Timeline {
        started,
        phases: Phases::default(),
    };
    let mut records = Vec::new();
    // The steps one after another, each planned from everything before it.
    for step in Step::ORDER {
        let plan = seeing(&records, |seen| checks::plan(step, scope, seen));
        let from = Instant::now();
        let more = match step {
            // `--all-suites`: the enumeration runs beside the first step
            // (the replays), each noted as a phase of its own.
            Step::First if scope.config.all_suites => {
                records.extend(enumeration_beside(run, scope, plan, &mut timeline).await);
                continue;
            }
            // No handshake settled whether the certificate is required:
            // one real handshake without it, asked once.
            Step::NoCertificate => {
                let bare = Run {
                    identity: None,
                    confirm: true,
                    ..run.clone()
                };
                bare.each(plan).await
            }
            _ => run.all(plan).await,
        };
        timeline.note(step.name(), more.len(), from);
        records.extend(more);
    }
    Steps {
        records,
        phases: timeline.phases,
    }
}

/// When each phase of one scan ran, for the benchmark.
struct Timeline {
    started: Instant,
    phases: Phases,
}

impl Timeline {
    /// Notes a phase of `probes` that ran from `from` until now.
    fn note(&mut self, name: &'static str, probes: usize, from: Instant) {
        self.span(name, probes, from, Instant::now());
    }

    fn span(&mut self, name: &'static str, probes: usize, from: Instant, to: Instant) {
        self.phases.push(Phase {
            name,
            probes: probes as u64,
            start: from.saturating_duration_since(self.started),
            end: to.saturating_duration_since(self.started),
        });
    }
}

/// `f` of what `records` established.
fn seeing<R>(records: &[ProbeRecord], f: impl FnOnce(&Seen) -> R) -> R {
    let k = Knowledge::learn(records);
    f(&Seen { records, k: &k })
}

/// `--all-suites`: the enumeration (`enumerate`) beside the first step
/// (the replays).
async fn enumeration_beside(
    run: &Run,
    scope: &Scope<'_>,
    first: Vec<Planned>,
    timeline: &mut Timeline,
) -> Vec<ProbeRecord> {
    let from = Instant::now();
    let ((enumerated, enumerated_at), (replays, replays_at)) = tokio::join!(
        async {
            let sni = scope.sni.map(String::from);
            let records =
                enumerate::enumerate(run.endpoint.clone(), sni, scope.groups.to_vec()).await;
            (records, Instant::now())
        },
        async {
            let records = run.all(first).await;
            (records, Instant::now())
        },
    );
    timeline.span("enumeration", enumerated.len(), from, enumerated_at);
    timeline.span("replays", replays.len(), from, replays_at);
    let mut records = enumerated;
    records.extend(replays);
    records
}

/// Scans several targets; reports come back in the order of `targets`.
pub async fn scan_many(
    targets: Vec<Target>,
    clients: Arc<Clients>,
    config: Arc<ScanConfig>,
) -> Vec<TargetReport> {
    let count = targets.len();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    scan_all(targets, clients, config, tx).await;
    let mut out: Vec<Option<TargetReport>> = vec![None; count];
    while let Ok((i, report)) = rx.try_recv() {
        out[i] = Some(report);
    }
    out.into_iter().flatten().collect()
}

/// Scans the targets, bounded by connections: at most
/// `fleet.max_connections` in flight across the run (and `fleet.rate` new
/// ones per second), `limits.concurrency` per endpoint, and
/// `fleet.target_timeout` per target, counted from the target's turn.
/// Targets take their turns in order, up to [`targets_in_flight`] at once,
/// each as soon as one before it is done: enough to keep every connection
/// slot busy, while memory follows the connection bound, not the fleet (a
/// waiting probe is a task of about 2 KB, and every target started at once
/// held all of its first wave: 13,000 tasks, 28 MB, for 1,000 endpoints).
/// The next [`targets_scouted`] in line are scouted meanwhile (see
/// `admission`): their first probe, whose connection goes ahead of the
/// other targets' waves ([`crate::probe::lanes`]), so that a dead or silent
/// host costs one timeout in parallel with everything else, not at the end
/// of the run. Each report goes to `done`, with its index, as soon as it is
/// ready. A target whose scan panics (a bug) becomes that target's error
/// report, kind `internal`. Dropping the future stops every scan.
pub async fn scan_all(
    targets: Vec<Target>,
    clients: Arc<Clients>,
    config: Arc<ScanConfig>,
    done: tokio::sync::mpsc::UnboundedSender<(usize, TargetReport)>,
) {
    let mut shared_config = (*config).clone();
    shared_config.shared = Some(Shared::new(config.fleet.max_connections, config.fleet.rate));
    let config = Arc::new(shared_config);
    let mut set = JoinSet::new();
    let mut index = std::collections::HashMap::new();
    let mut waiting = targets.iter().cloned().enumerate();
    let room = targets_in_flight(config.fleet.max_connections);
    let scouts = targets_scouted(config.fleet.max_connections);
    // The targets whose turn it is, and the scouted ones in line, in order.
    let mut turns = std::collections::HashSet::new();
    let mut line: std::collections::VecDeque<(usize, Arc<Admission>)> =
        std::collections::VecDeque::new();
    loop {
        // Turns go first to the scouted targets, in order, then to new ones.
        while turns.len() < room {
            if let Some((i, scouted)) = line.pop_front() {
                scouted.admit();
                turns.insert(i);
                continue;
            }
            let Some((i, target)) = waiting.next() else {
                break;
            };
            let handle = spawn_target(&mut set, i, target, &clients, &config, Admission::granted());
            index.insert(handle.id(), i);
            turns.insert(i);
        }
        while line.len() < scouts {
            let Some((i, target)) = waiting.next() else {
                break;
            };
            let admission = Admission::waiting();
            let handle = spawn_target(&mut set, i, target, &clients, &config, admission.clone());
            index.insert(handle.id(), i);
            line.push_back((i, admission));
        }
        let Some(joined) = set.join_next_with_id().await else {
            break;
        };
        let (i, report) = match joined {
            Ok((_, done)) => done,
            Err(e) => {
                let Some(&i) = index.get(&e.id()) else {
                    continue;
                };
                let why = if e.is_panic() {
                    panic_message(e.into_panic())
                } else {
                    "the scan was cancelled".to_string()
                };
                let report = error_report(
                    &targets[i],
                    None,
                    Vec::new(),
                    TargetError {
                        kind: ErrorKind::Internal,
                        message: format!("internal error in tlscompat while scanning: {why}"),
                    },
                    Instant::now(),
                );
                (i, report)
            }
        };
        // A scouted target can end before its turn (a dead host).
        if !turns.remove(&i) {
            line.retain(|(j, _)| *j != i);
        }
        // The receiver may be gone (an interrupted run): nothing to do.
        let _ = done.send((i, report));
    }
}

/// How many targets have their turn at once with `max_connections` in
/// flight: one per two connections (at least one). A target in turn asks
/// for 8 to 16 connections at a time, so this keeps every connection slot
/// asked for even while most targets wait a round trip between their
/// waves. A dead or silent host is mostly found while scouted, with one
/// connection, and its scan ends without taking a turn; one found in turn
/// holds up to 8 attempts for a timeout.
pub fn targets_in_flight(max_connections: usize) -> usize {
    (max_connections / 2).max(1)
}

/// How many targets a run scouts, beyond those in turn, with
/// `max_connections` in flight: one per connection (512 by default). A
/// scouted target waits with its planned scan and one probe, about 25 KB
/// (with 3,000 endpoints in the fleet benchmark, 512 scouted targets peaked
/// at 93 MB, 1,024 at 107 MB), and at the benchmark's pace 512 targets
/// ahead reach a silent host a few seconds before its turn: its timeout
/// (5 s by default) ends with the rest of the run, not after it.
pub fn targets_scouted(max_connections: usize) -> usize {
    max_connections.max(1)
}

/// Starts one target's scan, timed by `fleet.target_timeout` from its
/// admission.
fn spawn_target(
    set: &mut JoinSet<(usize, TargetReport)>,
    i: usize,
    target: Target,
    clients: &Arc<Clients>,
    config: &Arc<ScanConfig>,
    admission: Arc<Admission>,
) -> tokio::task::AbortHandle {
    let (clients, config) = (clients.clone(), config.clone());
    let deadline = config.fleet.target_timeout;
    set.spawn(async move {
        let (profiles, identify) = clients.for_role(target.role);
        let p: Vec<&Profile> = profiles.iter().collect();
        let q: Vec<&Profile> = identify.iter().collect();
        let started = Instant::now();
        let scan = scan_in_turn(&target, &p, &q, &config, &admission);
        let out_of_time = async {
            admission.admitted().await;
            tokio::time::sleep(deadline).await;
        };
        tokio::select! {
            report = scan => (i, report),
            () = out_of_time => (
                i,
                error_report(
                    &target,
                    None,
                    Vec::new(),
                    TargetError {
                        kind: ErrorKind::Timeout,
                        message: format!(
                            "the scan of this endpoint took longer than --target-timeout ({})",
                            crate::base::duration::format(deadline)
                        ),
                    },
                    started,
                ),
            ),
        }
    })
}

/// The report of a target a run did not get to (it was interrupted).
pub fn not_scanned(target: &Target) -> TargetReport {
    TargetReport {
        status: TargetStatus::NotScanned,
        error: None,
        ..error_report(
            target,
            None,
            Vec::new(),
            TargetError {
                kind: ErrorKind::Internal,
                message: String::new(),
            },
            Instant::now(),
        )
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// The addresses of `target` (its IP, or its name resolved within
/// `timeout`); the error is a sentence for people.
pub(crate) async fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Some(ip) = target.pinned.or_else(|| target.ip()) {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    #[cfg(debug_assertions)]
    if let Some(ips) = test_hosts(&target.host) {
        return Ok(ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, target.port))
            .collect());
    }
    match tokio::time::timeout(
        timeout,
        tokio::net::lookup_host((target.host.as_str(), target.port)),
    )
    .await
    {
        Err(_) => Err(format!("resolving {} timed out", target.host)),
        Ok(Err(e)) => Err(format!("cannot resolve {}: {e}", target.host)),
        Ok(Ok(addrs)) => {
            let mut addrs: Vec<SocketAddr> = addrs.collect();
            addrs.dedup();
            if addrs.is_empty() {
                Err(format!("{} has no address", target.host))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Test hook, debug builds only: `TLSCOMPAT_TEST_HOSTS=name=ip,ip;name2=ip`
/// resolves those names to those addresses, in that order, like a hosts
/// file the tests can write (the sandbox's `localhost` may have one
/// address only).
#[cfg(debug_assertions)]
fn test_hosts(host: &str) -> Option<Vec<std::net::IpAddr>> {
    let table = std::env::var("TLSCOMPAT_TEST_HOSTS").ok()?;
    table.split(';').find_map(|entry| {
        let (name, ips) = entry.split_once('=')?;
        name.eq_ignore_ascii_case(host).then(|| {
            ips.split(',')
                .filter_map(|ip| ip.trim().parse().ok())
                .collect()
        })
    })
}

/// `--all-addresses`: every target whose host is a name, once per address
/// it resolves to, each pinned to that address; with the index of the
/// target it came from. A name that does not resolve stays as it is (its
/// scan reports why).
pub async fn each_address(targets: &[Target], timeout: Duration) -> Vec<(usize, Target)> {
    let mut set = JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let t = t.clone();
        set.spawn(async move {
            let found = match t.ip() {
                Some(_) => Err(String::new()),
                None => resolve(&t, timeout).await,
            };
            (i, t, found)
        });
    }
    let mut expanded: Vec<Vec<Target>> = targets.iter().map(|t| vec![t.clone()]).collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((i, t, Ok(addrs))) = joined {
            expanded[i] = addrs.iter().map(|a| t.pinned_to(a.ip())).collect();
        }
    }
    expanded
        .into_iter()
        .enumerate()
        .flat_map(|(i, ts)| ts.into_iter().map(move |t| (i, t)))
        .collect()
}

fn error_report(
    target: &Target,
    sni: Option<String>,
    addresses: Vec<SocketAddr>,
    error: TargetError,
    started: Instant,
) -> TargetReport {
    TargetReport {
        target: target.to_string(),
        host: target.host.clone(),
        port: target.port,
        address: None,
        addresses: addresses.iter().map(|a| a.ip().to_string()).collect(),
        resolved: crate::results::ResolvedAddress::list(&addresses, None),
        role: target.role,
        sni,
        status: TargetStatus::Error,
        error: Some(error),
        server: None,
        profiles: Vec::new(),
        complete: false,
        issues: Vec::new(),
        findings: Vec::new(),
        inventory: None,
        directions: None,
        stats: ScanStats {
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..ScanStats::default()
        },
    }
}

/// The groups every non-replay hello offers: the defaults plus whatever the
/// profiles add, so no ECDHE suite is refused for want of a group.
fn shape_groups<'a>(profiles: impl Iterator<Item = &'a &'a Profile>) -> Vec<NamedGroup> {
    let mut groups = DEFAULT_GROUPS.to_vec();
    for p in profiles {
        for g in &p.groups {
            if !groups.contains(g) {
                groups.push(*g);
            }
        }
    }
    groups
}

impl Run {
    /// Whether [`Run::one`] runs this probe as a full handshake.
    fn is_full(&self, purpose: &Purpose, spec: &HelloSpec) -> bool {
        self.confirm
            && match purpose {
                Purpose::Replay(_) | Purpose::NoCertificate => true,
                // The reversed hello is a client's offer too, and as a
                // handshake it brings one more session ticket for
                // `checks::nodes` at no round trip (it ends with the
                // replays): with the replays asked once, the tickets are
                // what tells two nodes apart (docs/unsteady.md).
                Purpose::Reversed(_) => true,
                Purpose::Retest(_, full) => *full,
                // Repeats and corroboration compare first flights: a raw
                // probe is a round trip shorter than a handshake, and the
                // replay confirms. (As handshakes, they would bring more
                // tickets for about 40% more of the scanner's CPU:
                // docs/unsteady.md.)
                _ => false,
            }
            && handshake::engine_for(spec).is_some()
    }

    /// Starts each probe of `plan`, numbered.
    fn spawn(
        &self,
        set: &mut JoinSet<(usize, ProbeRecord)>,
        plan: impl IntoIterator<Item = (usize, (Purpose, HelloSpec))>,
    ) {
        for (i, (purpose, spec)) in plan {
            let run = self.clone();
            set.spawn(async move { (i, run.one(purpose, spec).await) });
        }
    }

    /// Runs the probes concurrently (the endpoint bounds how many connect at
    /// once) and returns the records in plan order.
    pub(crate) async fn all(&self, plan: Vec<(Purpose, HelloSpec)>) -> Vec<ProbeRecord> {
        self.each(checks::consistency::repeated(plan, self.repeat))
            .await
    }

    /// Runs each probe of `plan` once (no `--repeat`), concurrently, and
    /// returns the records in plan order. The full handshakes start first:
    /// they take a round trip longer than a raw probe, so with the
    /// endpoint's first-contact bound ([`crate::probe::connect::FIRST_CONTACT`])
    /// the raw probes that wait for a slot still end with them.
    pub(crate) async fn each(&self, plan: Vec<(Purpose, HelloSpec)>) -> Vec<ProbeRecord> {
        let mut set = JoinSet::new();
        let count = plan.len();
        let (full, raw): (Vec<_>, Vec<_>) = plan
            .into_iter()
            .enumerate()
            .partition(|(_, (purpose, spec))| self.is_full(purpose, spec));
        let mut order = full.into_iter().chain(raw);
        let mut out: Vec<Option<ProbeRecord>> = vec![None; count];
        // A scouted endpoint (a fleet target waiting for its turn,
        // `admission`): its first probe alone, and the rest once its turn
        // has come, or at once when that probe got no answer (a dead or
        // silent host: they fail without a connection).
        if self.endpoint.is_scouting() {
            if let Some((i, (purpose, spec))) = order.next() {
                out[i] = Some(self.one(purpose, spec).await);
                self.endpoint.turn().await;
            }
        }
        self.spawn(&mut set, order);
        while let Some(joined) = set.join_next().await {
            if let Ok((i, record)) = joined {
                out[i] = Some(record);
            }
        }
        out.into_iter().flatten().collect()
    }

    /// Runs one probe: a full handshake for replays (and their retests, not
    /// their repeats) when confirming and an engine can offer the hello, a
    /// raw probe otherwise.
    pub(crate) async fn one(&self, purpose: Purpose, spec: HelloSpec) -> ProbeRecord {
        if self.is_full(&purpose, &spec) {
            if let Some(engine) = handshake::engine_for(&spec) {
                let h =
                    handshake::handshake(&self.endpoint, &spec, self.identity.as_deref(), engine)
                        .await;
                return ProbeRecord {
                    purpose,
                    spec,
                    outcome: h.first_flight,
                    handshake: Some((h.engine, h.result)),
                    peer_chain: h.peer_chain,
                    session_ticket: h.session_ticket,
                };
            }
        }
        let outcome = engine::probe(&self.endpoint, &spec).await;
        ProbeRecord {
            purpose,
            spec,
            outcome,
            handshake: None,
            peer_chain: Vec::new(),
            session_ticket: None,
        }
    }
}
