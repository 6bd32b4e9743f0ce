//! `observe`: packet captures as ground truth. Each heartbeat opens with the
//! agent's own ClientHello, so a capture taken on a manager says what every
//! agent really offers (versions, suites, groups), which no version string
//! can tell (10.0 before or after Update 16, FIPS mode or not).
//!
//! The capture is streamed (`packets`: pcap/pcapng and packet headers),
//! each connection's first flights are reassembled (`tcp`), the hellos are
//! read with the project's own wire code and grouped per client address,
//! server endpoint and offer; each offer is fingerprinted (`ja4`) and
//! compared with the profile catalog (`behaves_like`, `closest`). The
//! result is plain data for the printers in `report::text::observe` and
//! `report::markdown::observe`; `profiles` turns offers into profile
//! files. Nothing here opens a socket.

pub mod ja4;
pub mod packets;
pub mod profiles;
pub mod synth;
pub mod tcp;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::profile::{Catalog, Profile, Role};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::results::Tool;
use crate::wire::codes::{ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::{ClientHello, Extension};
use packets::Skip;
use tcp::{Answer, Seen, TcpStats, Tracker};

pub use tcp::Limits;

/// The version of the `observe` JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// The most distinct server answers kept per group (a server answering
/// each connection with another suite would otherwise grow the list).
pub const MAX_ANSWERS: usize = 64;

/// Why a capture cannot be read (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a pcap or pcapng capture.
    #[error("{} is not a packet capture: {message}", path.display())]
    NotACapture {
        /// The file.
        path: PathBuf,
        /// What it starts with.
        message: String,
    },
    /// The capture is damaged or truncated.
    #[error("{} is damaged after {frames} packets: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Packets read before the damage.
        frames: u64,
        /// What is wrong.
        message: String,
    },
    /// The capture exceeds a limit of the reader.
    #[error("{}: {message}", path.display())]
    Limit {
        /// The file.
        path: PathBuf,
        /// Which limit.
        message: String,
    },
    /// A profile file cannot be written (`--write-profiles`).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What a client offered, as read from its ClientHello, GREASE values left
/// out (they change from one connection to the next).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Offer {
    /// supported_versions when present (newest first, as sent), else the
    /// hello's legacy_version alone.
    pub versions: Vec<ProtocolVersion>,
    /// Whether the versions come from supported_versions.
    pub versions_listed: bool,
    /// Suites in the client's order, signalling values included.
    pub cipher_suites: Vec<CipherSuiteId>,
    /// supported_groups.
    pub groups: Vec<NamedGroup>,
    /// signature_algorithms.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// Extension types in the order sent.
    pub extensions: Vec<ExtensionType>,
}

impl Offer {
    /// About how many bytes the offer takes in memory.
    pub fn size(&self) -> usize {
        std::mem::size_of::<Offer>()
            + 2 * (self.versions.len()
                + self.cipher_suites.len()
                + self.groups.len()
                + self.signature_algorithms.len()
                + self.extensions.len())
    }

    /// The offer a hello makes.
    pub fn of(hello: &ClientHello) -> Offer {
        let exts = hello.extensions.as_deref().unwrap_or_default();
        let listed = exts.iter().find_map(|e| match e {
            Extension::SupportedVersions(v) => Some(v),
            _ => None,
        });
        let no_grease = |v: u16| !ja4::is_grease(v);
        Offer {
            versions: match listed {
                Some(v) => v.iter().copied().filter(|v| no_grease(v.0)).collect(),
                None => vec![hello.legacy_version],
            },
            versions_listed: listed.is_some(),
            cipher_suites: hello
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| no_grease(s.0))
                .collect(),
            groups: exts
                .iter()
                .find_map(|e| match e {
                    Extension::SupportedGroups(g) => Some(g.clone()),
                    _ => None,
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|g| no_grease(g.0))
                .collect(),
            signature_algorithms: exts
                .iter()
                .find_map(|e| match e {
                    Extension::SignatureAlgorithms(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|s| no_grease(s.0))
                .collect(),
            extensions: exts
                .iter()
                .map(Extension::typ)
                .filter(|t| no_grease(t.0))
                .collect(),
        }
    }

    /// The TLS versions offered that the tool knows, oldest first.
    pub fn tls_versions(&self) -> Vec<TlsVersion> {
        let mut v: Vec<TlsVersion> = self
            .versions
            .iter()
            .filter_map(|v| TlsVersion::from_wire(*v))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The suites that matter for negotiation: signalling values
    /// (renegotiation SCSV, fallback SCSV) left out.
    pub fn real_suites(&self) -> Vec<CipherSuiteId> {
        self.cipher_suites
            .iter()
            .copied()
            .filter(|s| !s.is_signaling())
            .collect()
    }
}

/// One (client address, server endpoint, offer) seen in the capture.
#[derive(Debug, Clone)]
pub struct Group {
    /// The client's address.
    pub client: IpAddr,
    /// The server's address and port.
    pub server: SocketAddr,
    /// What the client offered.
    pub offer: Offer,
    /// The JA4 fingerprint of its (first) hello.
    pub ja4: String,
    /// The server name (SNI) of its first hello.
    pub server_name: Option<String>,
    /// Connections that made this offer.
    pub connections: u64,
    /// The first connection's first packet.
    pub first_seen: Duration,
    /// The last connection's first packet.
    pub last_seen: Duration,
    /// The server's answers, with how many connections got each (`None`:
    /// not in the capture).
    pub answers: BTreeMap<Option<Answer>, u64>,
}

/// Counts of what the capture held and what could not be used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Counts {
    /// Capture files read.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Frames read.
    pub frames: u64,
    /// TCP segments among them.
    pub tcp_segments: u64,
    /// Frames that are not TCP over IP (ARP, UDP…).
    pub not_tcp: u64,
    /// IP fragments (not reassembled).
    pub fragments: u64,
    /// Frames of a link type `observe` does not decode.
    pub unsupported_link: u64,
    /// Frames whose headers do not parse.
    pub malformed_frames: u64,
    /// Frames the snaplen cut.
    pub truncated_frames: u64,
    /// Reassembly: connections, hellos, and what could not be read.
    #[serde(flatten)]
    pub tcp: TcpStats,
    /// Connections left out of the groups: over [`Limits::max_groups`]
    /// rows or [`Limits::max_group_bytes`] bytes of them.
    pub groups_dropped: u64,
}

/// Everything read from the captures.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Counts.
    pub counts: Counts,
    /// One entry per client address, server endpoint and offer, in the
    /// order first seen.
    pub groups: Vec<Group>,
}

/// Reads the captures, one after the other, as one stream of packets.
pub fn observe(paths: &[PathBuf], limits: Limits) -> Result<Observation, ObserveError> {
    let mut collector = Collector::new(limits);
    for path in paths {
        collector.file(path)?;
    }
    Ok(collector.finish())
}

/// Reads one capture from any reader (the fuzz target and the tests).
pub fn observe_reader(
    name: &Path,
    input: impl std::io::Read,
    limits: Limits,
) -> Result<Observation, ObserveError> {
    let mut collector = Collector::new(limits);
    collector.read(name, input)?;
    Ok(collector.finish())
}

/// The streaming state: the connection table and the groups so far.
#[derive(Debug)]
pub struct Collector {
    tracker: Tracker,
    counts: Counts,
    groups: Groups,
}

/// The groups so far, indexed, with the bytes they take.
#[derive(Debug, Default)]
struct Groups {
    limits: Limits,
    list: Vec<Group>,
    index: HashMap<(IpAddr, SocketAddr, Offer), usize>,
    bytes: usize,
}

impl Collector {
    /// Nothing read yet.
    pub fn new(limits: Limits) -> Collector {
        Collector {
            tracker: Tracker::new(limits),
            counts: Counts::default(),
            groups: Groups {
                limits,
                ..Groups::default()
            },
        }
    }

    /// Reads one capture file.
    pub fn file(&mut self, path: &Path) -> Result<(), ObserveError> {
        let file = std::fs::File::open(path).map_err(|source| ObserveError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        self.read(path, file)
    }

    /// Reads one capture from `input`.
    pub fn read(&mut self, path: &Path, input: impl std::io::Read) -> Result<(), ObserveError> {
        let Collector {
            tracker,
            counts,
            groups,
        } = self;
        let mut each = |frame: &packets::Frame<'_>| {
            if usize::try_from(frame.orig_len).unwrap_or(usize::MAX) > frame.data.len() {
                counts.truncated_frames += 1;
            }
            match packets::segment(frame) {
                Ok(seg) => {
                    counts.tcp_segments += 1;
                    tracker.segment(frame.time, &seg, &mut |seen| {
                        groups.add(&mut counts.groups_dropped, seen);
                    });
                }
                Err(Skip::NotTcp) => counts.not_tcp += 1,
                Err(Skip::Fragment) => counts.fragments += 1,
                Err(Skip::UnsupportedLink) => counts.unsupported_link += 1,
                Err(Skip::Malformed) => counts.malformed_frames += 1,
            }
            Ok(())
        };
        let stats = packets::read(path, input, &mut each)?;
        counts.files += 1;
        counts.frames += stats.frames;
        counts.bytes += stats.bytes;
        Ok(())
    }

    /// Settles the connections still open and hands the groups over.
    pub fn finish(mut self) -> Observation {
        let Collector {
            tracker,
            counts,
            groups,
        } = &mut self;
        tracker.finish_all(&mut |seen| groups.add(&mut counts.groups_dropped, seen));
        self.counts.tcp = self.tracker.stats.clone();
        Observation {
            counts: self.counts,
            groups: self.groups.list,
        }
    }

    /// Connections tracked and bytes buffered now (for the benchmark).
    pub fn load(&self) -> (usize, usize) {
        (self.tracker.tracked(), self.tracker.buffered())
    }
}

impl Groups {
    /// Counts one hello into its group (a new group when its client,
    /// server and offer are new, within the bounds).
    fn add(&mut self, dropped: &mut u64, seen: Seen) {
        let offer = Offer::of(&seen.hello);
        let key = (seen.client.ip(), seen.server, offer);
        let at = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let server_name = seen
                    .hello
                    .extensions
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .find_map(|e| match e {
                        Extension::ServerName(n) => Some(n.clone()),
                        _ => None,
                    });
                // The offer is held twice (the group and the index).
                let size = 2 * key.2.size()
                    + server_name.as_ref().map_or(0, String::len)
                    + std::mem::size_of::<Group>()
                    + 64;
                if self.list.len() >= self.limits.max_groups
                    || self.bytes + size > self.limits.max_group_bytes
                {
                    *dropped += 1;
                    return;
                }
                self.bytes += size;
                self.list.push(Group {
                    client: key.0,
                    server: key.1,
                    offer: key.2.clone(),
                    ja4: ja4::ja4(&seen.hello),
                    server_name,
                    connections: 0,
                    first_seen: seen.time,
                    last_seen: seen.time,
                    answers: BTreeMap::new(),
                });
                self.index.insert(key, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        if let Some(g) = self.list.get_mut(at) {
            g.connections += 1;
            g.first_seen = g.first_seen.min(seen.time);
            g.last_seen = g.last_seen.max(seen.time);
            if g.answers.len() < MAX_ANSWERS || g.answers.contains_key(&seen.answer) {
                *g.answers.entry(seen.answer).or_default() += 1;
            }
        }
    }
}

/// How an offer compares with one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Closest {
    /// The profile id.
    pub profile: String,
    /// Suites the client offers that the profile does not.
    pub extra_suites: Vec<CipherSuiteId>,
    /// Suites of the profile the client does not offer.
    pub missing_suites: Vec<CipherSuiteId>,
    /// The versions offered, when they differ from the profile's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_versions: Option<Vec<TlsVersion>>,
    /// The profile's versions, when they differ from the offer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_versions: Option<Vec<TlsVersion>>,
    /// The differences, in words.
    pub differences: Vec<String>,
}

/// Whether the offered versions are the profile's. A hello without
/// supported_versions names only its newest version, so it matches a
/// profile whose newest version that is.
fn versions_match(offer: &Offer, profile: &Profile) -> bool {
    let offered = offer.tls_versions();
    if offer.versions_listed {
        offered == profile.versions
    } else {
        offered.last() == profile.versions.iter().max() && !offered.is_empty()
    }
}

/// The role of the client of a server port: agents connect to the
/// manager's 4120 (and relays' 4122, hosted managers' 443), the manager to
/// agents' 4118. Ports are configurable, so this only orders the search.
pub fn client_role(server_port: u16) -> Role {
    match server_port {
        4120 | 4122 | 443 => Role::Agent,
        4118 => Role::Manager,
        _ => Role::Any,
    }
}

/// The profiles to compare an offer with: those of the client's role (and
/// `any`) first; every profile when none of those fits.
fn candidates(catalog: &Catalog, role: Role) -> [Vec<&Profile>; 2] {
    let fitting: Vec<&Profile> = catalog
        .all()
        .filter(|p| role == Role::Any || p.role == role || p.role == Role::Any)
        .collect();
    [fitting, catalog.all().collect()]
}

/// Profiles whose versions and suites equal the offer's (suite order and
/// signalling values aside): those of the client's `role` when any is
/// equal, else any profile.
pub fn behaves_like(offer: &Offer, role: Role, catalog: &Catalog) -> Vec<String> {
    let mut suites = offer.real_suites();
    suites.sort_unstable();
    for set in candidates(catalog, role) {
        let like: Vec<String> = set
            .into_iter()
            .filter(|p| {
                let mut theirs: Vec<CipherSuiteId> = p
                    .cipher_suites
                    .iter()
                    .copied()
                    .filter(|s| !s.is_signaling())
                    .collect();
                theirs.sort_unstable();
                theirs == suites && versions_match(offer, p)
            })
            .map(|p| p.id.clone())
            .collect();
        if !like.is_empty() {
            return like;
        }
    }
    Vec::new()
}

/// The profile of the client's `role` that differs least from the offer
/// (fewest suites apart, then versions; the catalog's order breaks ties),
/// and how.
pub fn closest(offer: &Offer, role: Role, catalog: &Catalog) -> Option<Closest> {
    let [fitting, all] = candidates(catalog, role);
    let set = if fitting.is_empty() { all } else { fitting };
    let suites = offer.real_suites();
    let mut best: Option<(usize, Closest)> = None;
    for p in set {
        let extra: Vec<CipherSuiteId> = suites
            .iter()
            .copied()
            .filter(|s| !p.cipher_suites.contains(s))
            .collect();
        let missing: Vec<CipherSuiteId> = p
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| !s.is_signaling() && !suites.contains(s))
            .collect();
        let versions_differ = !versions_match(offer, p);
        let score = extra.len() + missing.len() + usize::from(versions_differ);
        if best.as_ref().is_some_and(|(s, _)| *s <= score) {
            continue;
        }
        let mut differences = Vec::new();
        if versions_differ {
            differences.push(format!(
                "offers {} where the profile has {}",
                version_list(&offer.tls_versions()),
                version_list(&p.versions)
            ));
        }
        if !extra.is_empty() {
            differences.push(format!("also offers {}", suite_list(&extra)));
        }
        if !missing.is_empty() {
            differences.push(format!("does not offer {}", suite_list(&missing)));
        }
        best = Some((
            score,
            Closest {
                profile: p.id.clone(),
                extra_suites: extra,
                missing_suites: missing,
                offered_versions: versions_differ.then(|| offer.tls_versions()),
                profile_versions: versions_differ.then(|| p.versions.clone()),
                differences,
            },
        ));
    }
    best.map(|(_, c)| c)
}

fn version_list(v: &[TlsVersion]) -> String {
    if v.is_empty() {
        "no known version".to_string()
    } else {
        crate::model::version::join(v)
    }
}

fn suite_list(s: &[CipherSuiteId]) -> String {
    s.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One client seen in a capture, for `plan --observed`: its latest offer
/// as a profile.
#[derive(Debug, Clone)]
pub struct SeenClient {
    /// The client's address.
    pub address: IpAddr,
    /// Its offer as a profile (id `observed-ADDRESS`).
    pub profile: Profile,
    /// The profiles its offer equals.
    pub behaves_like: Vec<String>,
    /// Connections seen making this offer.
    pub connections: u64,
}

/// The agents and the manager seen in a capture.
#[derive(Debug, Clone, Default)]
pub struct SeenFleet {
    /// Clients of a manager's agent port (4120, 4122, 443): agents, one per
    /// address, with the offer seen last.
    pub agents: Vec<SeenClient>,
    /// The manager as a client of agents (4118): its most frequent offer.
    pub manager: Option<SeenClient>,
}

impl SeenFleet {
    /// The agents and the manager an observation shows.
    pub fn of(observation: &Observation, catalog: &Catalog) -> SeenFleet {
        let seen = |g: &Group| {
            let id = format!("observed-{}", capture_id(&g.client.to_string()));
            let role = client_role(g.server.port());
            Some(SeenClient {
                address: g.client,
                profile: profiles::offer_profile(g, &id)?,
                behaves_like: behaves_like(&g.offer, role, catalog),
                connections: g.connections,
            })
        };
        let mut latest: BTreeMap<IpAddr, &Group> = BTreeMap::new();
        let mut manager: Option<&Group> = None;
        for g in &observation.groups {
            match client_role(g.server.port()) {
                Role::Agent => {
                    let e = latest.entry(g.client).or_insert(g);
                    if g.last_seen > e.last_seen {
                        *e = g;
                    }
                }
                Role::Manager if manager.is_none_or(|m| g.connections > m.connections) => {
                    manager = Some(g);
                }
                _ => {}
            }
        }
        SeenFleet {
            agents: latest.values().filter_map(|g| seen(g)).collect(),
            manager: manager.and_then(seen),
        }
    }

    /// The agent seen at one of `addresses`.
    pub fn agent(&self, addresses: &[IpAddr]) -> Option<&SeenClient> {
        self.agents.iter().find(|a| addresses.contains(&a.address))
    }
}

/// A profile id part from an address (`10.0.0.5` → `10-0-0-5`).
fn capture_id(address: &str) -> String {
    let mut id = String::new();
    for c in address.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_string()
}

/// The addresses a target names: its pinned address, its host when that is
/// an address, else what the host name resolves to.
pub fn addresses_of(host: &str, pinned: Option<IpAddr>) -> Vec<IpAddr> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut out: Vec<IpAddr> = pinned.into_iter().collect();
    if let Ok(ip) = host.parse::<IpAddr>() {
        out.push(ip);
    } else if let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(host, 0)) {
        out.extend(addrs.map(|a| a.ip()));
    }
    out
}

/// Host names for addresses, from an inventory.
pub type Names = HashMap<IpAddr, String>;

/// Names for the addresses of an inventory's entries: an entry's pinned
/// address (the manager's computer list gives one), its host when that is
/// an address, else what the name resolves to.
pub fn names_from_inventory(entries: &[crate::inputs::inventory::Entry]) -> Names {
    let mut names = Names::new();
    for e in entries {
        let host = e.target.host.trim_start_matches('[').trim_end_matches(']');
        if let Some(ip) = e.target.pinned {
            names.entry(ip).or_insert_with(|| host.to_string());
        }
        // The address the manager last saw the agent at (its API).
        let last_ip = e
            .expectation
            .manager
            .as_ref()
            .and_then(|m| m.last_ip_used.as_deref());
        if let Some(ip) = last_ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
            names.entry(ip).or_insert_with(|| host.to_string());
        }
        if host.parse::<IpAddr>().is_ok() {
            continue;
        }
        if let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(host, 0)) {
            for a in addrs {
                names.entry(a.ip()).or_insert_with(|| host.to_string());
            }
        }
    }
    names
}

/// The `observe` document (JSON and YAML), and what the text and Markdown
/// printers show.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ObserveReport {
    /// The version of this document's schema (1).
    pub schema_version: u32,
    /// This tool.
    pub tool: Tool,
    /// The capture files, in the order read.
    pub captures: Vec<String>,
    /// What the captures held and what could not be used.
    pub counts: Counts,
    /// One entry per client address, server endpoint and offer.
    pub clients: Vec<ClientReport>,
}

/// One client as seen talking to one server.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientReport {
    /// The client's address.
    pub client: String,
    /// The client's name from the inventory (`-i`).
    pub host: Option<String>,
    /// The server, `ip:port` (`[ip]:port` for IPv6).
    pub server: String,
    /// The server's name from the inventory.
    pub server_host: Option<String>,
    /// The server name (SNI) the client asked for.
    pub server_name: Option<String>,
    /// Connections that made this offer.
    pub connections: u64,
    /// What the client offered.
    pub offer: OfferReport,
    /// The JA4 fingerprint.
    pub ja4: String,
    /// Profiles whose versions and suites equal the offer (suite order and
    /// signalling values aside).
    pub behaves_like: Vec<String>,
    /// When no profile is equal: the one that differs least, and how.
    pub closest: Option<Closest>,
    /// What the server answered, per distinct answer (at most 64 distinct
    /// answers are kept per row).
    pub negotiated: Vec<Negotiated>,
    /// The first connection (RFC 3339, UTC).
    pub first_seen: String,
    /// The last connection (RFC 3339, UTC).
    pub last_seen: String,
}

/// An offer as the documents spell it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OfferReport {
    /// `tls1.2`…, or `0x` hex for a value the tool does not name.
    pub versions: Vec<String>,
    /// Suites in the client's order (IANA names, or hex).
    pub cipher_suites: Vec<CipherSuiteId>,
    /// Named groups in the client's order.
    pub groups: Vec<NamedGroup>,
    /// Signature algorithms in the client's order.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// Extension types in the order sent.
    pub extensions: Vec<ExtensionType>,
}

/// One answer of the server and how many connections got it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Negotiated {
    /// The version the server chose.
    pub version: Option<String>,
    /// The suite the server chose.
    pub cipher_suite: Option<CipherSuiteId>,
    /// The server asked for another hello (HelloRetryRequest).
    pub hello_retry: bool,
    /// The alert the server sent instead (`fatal handshake_failure`).
    pub alert: Option<String>,
    /// Whether the capture holds no answer for these connections.
    pub unseen: bool,
    /// Connections that got this answer.
    pub connections: u64,
}

/// A wire version as documents spell it: `tls1.2`, else `0x7F1C`.
pub fn version_name(v: ProtocolVersion) -> String {
    TlsVersion::from_wire(v).map_or_else(|| format!("0x{:04X}", v.0), |t| t.to_string())
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(t: Duration) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{secs}"))
}

impl ObserveReport {
    /// The document for an observation, judged against `catalog`, hosts
    /// named from `names`.
    pub fn build(
        captures: &[PathBuf],
        observation: &Observation,
        catalog: &Catalog,
        names: &Names,
    ) -> ObserveReport {
        let clients = observation
            .groups
            .iter()
            .map(|g| {
                let role = client_role(g.server.port());
                let like = behaves_like(&g.offer, role, catalog);
                let closest = if like.is_empty() {
                    closest(&g.offer, role, catalog)
                } else {
                    None
                };
                ClientReport {
                    client: g.client.to_string(),
                    host: names.get(&g.client).cloned(),
                    server: g.server.to_string(),
                    server_host: names.get(&g.server.ip()).cloned(),
                    server_name: g.server_name.clone(),
                    connections: g.connections,
                    offer: OfferReport {
                        versions: g.offer.versions.iter().map(|v| version_name(*v)).collect(),
                        cipher_suites: g.offer.cipher_suites.clone(),
                        groups: g.offer.groups.clone(),
                        signature_algorithms: g.offer.signature_algorithms.clone(),
                        extensions: g.offer.extensions.clone(),
                    },
                    ja4: g.ja4.clone(),
                    behaves_like: like,
                    closest,
                    negotiated: g
                        .answers
                        .iter()
                        .map(|(answer, n)| negotiated(answer.as_ref(), *n))
                        .collect(),
                    first_seen: timestamp(g.first_seen),
                    last_seen: timestamp(g.last_seen),
                }
            })
            .collect();
        ObserveReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            captures: captures.iter().map(|p| p.display().to_string()).collect(),
            counts: observation.counts.clone(),
            clients,
        }
    }
}

fn negotiated(answer: Option<&Answer>, connections: u64) -> Negotiated {
    let none = Negotiated {
        version: None,
        cipher_suite: None,
        hello_retry: false,
        alert: None,
        unseen: false,
        connections,
    };
    match answer {
        None => Negotiated {
            unseen: true,
            ..none
        },
        Some(Answer::Hello {
            version,
            suite,
            retry,
        }) => Negotiated {
            version: Some(version_name(*version)),
            cipher_suite: Some(*suite),
            hello_retry: *retry,
            ..none
        },
        Some(Answer::Alert(alert)) => Negotiated {
            alert: Some(format!("{} {}", alert.level, alert.description)),
            ..none
        },
    }
}

#[cfg(test)]
mod tests;
