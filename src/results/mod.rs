//! The scan result model, shared by every report format.
//!
//! Pure data, shaped as the stable JSON schema ([`SCHEMA_VERSION`]): per
//! target, what the server accepted and, per profile, what that client would
//! negotiate, whether a real handshake proved it, and why not. Every reason,
//! issue, finding and error kind carries a stable snake_case code beside its
//! message, so scripts match codes and people read messages. Fields may be
//! added; none of the documented ones is ever renamed. The verdict (`policy`)
//! is computed from these alone, and printers only format them.
//!
//! Every result that says whether a client gets through (a profile on an
//! endpoint, a leg, a plan agent, a diagnose step) carries one [`Verdict`]
//! (`compatible`, `incompatible`, `inconclusive`) and, when it is not
//! compatible, a [`ReasonCode`] that gives it ([`ReasonCode::verdict`]).
//! What `schema_version` 2 spelled otherwise (`compatible` and `conclusive`,
//! a leg's `status`, an agent's `loses_contact`) is still written, derived
//! from the verdict, and still read from saved reports.

pub mod findings;

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::negotiate::Agreement;
use crate::model::profile::Role;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
pub use crate::results::findings::{Finding, FindingCode};

/// The version of every machine-readable output's schema. Fields may be added
/// within a version; none is ever renamed or removed. 2: issues, reasons,
/// error kinds and the policy became typed (codes beside messages).
/// 3: every result carries `verdict` (`compatible`, `incompatible` or
/// `inconclusive`); the booleans of 2 stay, derived from it.
pub const SCHEMA_VERSION: u32 = 3;

/// The oldest `schema_version` a saved report may carry and still be read
/// (`check`, `merge`, `what-if`, `plan --from`): its verdicts are read from
/// its booleans and judged again from its evidence.
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 2;

/// `"tool": {"name": "tlscompat", "version": "…"}` in every machine report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    /// Always `tlscompat`.
    pub name: String,
    /// The version that wrote the report.
    pub version: String,
}

impl Tool {
    /// This build.
    pub fn current() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Writes a stable snake_case code through `Display`.
macro_rules! codes {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stable code, as serialised.
            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

/// The whole report of a `scan`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScanReport {
    /// The schema version of this document (see `SCHEMA_VERSION`).
    pub schema_version: u32,
    /// This tool.
    pub tool: Tool,
    /// One entry per target, in the order given.
    pub targets: Vec<TargetReport>,
    /// One row per endpoint and counts per profile.
    #[serde(default)]
    pub summary: Summary,
    /// The verdict.
    pub policy: PolicyReport,
    /// What identifies the run that wrote the report (absent in a report
    /// judged again by `check`): `merge` joins only the shards of one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunIdentity>,
}

/// What identifies one run of `scan` (and each of its shards): the
/// profiles checked, the policy and the inventory. Shards of one run carry
/// the same `id` and differ only in `shard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunIdentity {
    /// `sha256:` and the hex digest of the profiles, the policy digest and
    /// the inventory digest: equal for every shard of one run.
    pub id: String,
    /// The client profiles checked, by id, in order.
    pub profiles: Vec<String>,
    /// `sha256:…` of the policy's rules.
    pub policy_digest: String,
    /// The rules themselves (as `tlscompat` saves them), so that `merge`
    /// judges the joined rows again without being given them.
    pub policy: serde_json::Value,
    /// `sha256:…` of the whole target list (every shard's), in order.
    pub inventory_digest: String,
    /// How many targets the whole run has (every shard's).
    pub inventory_targets: usize,
    /// This shard (`scan --shard K/N`); absent when the run is not sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    /// How many targets this report holds.
    pub targets: usize,
}

/// Shard K of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ShardOf {
    /// K, from 1.
    pub index: usize,
    /// N.
    pub of: usize,
}

impl std::fmt::Display for ShardOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

/// On every JSON Lines target line: which run and shard wrote it, so that a
/// shard cut short (no closing line) is still known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunRef {
    /// The run's `id`.
    pub id: String,
    /// The shard, when sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
}

impl RunIdentity {
    /// The identity of a run of these profiles, policy (its saved form and
    /// digest) and whole target list (`host:port role` per target).
    pub fn new(
        profiles: Vec<String>,
        policy: serde_json::Value,
        policy_digest: String,
        inventory: &[String],
        shard: Option<ShardOf>,
        targets: usize,
    ) -> RunIdentity {
        let inventory_digest = sha256_hex(inventory.join("\n").as_bytes());
        let id = sha256_hex(
            format!(
                "{}\n{policy_digest}\n{inventory_digest}",
                profiles.join(",")
            )
            .as_bytes(),
        );
        RunIdentity {
            id,
            profiles,
            policy_digest,
            policy,
            inventory_digest,
            inventory_targets: inventory.len(),
            shard,
            targets,
        }
    }

    /// What each target line carries.
    pub fn reference(&self) -> RunRef {
        RunRef {
            id: self.id.clone(),
            shard: self.shard,
        }
    }
}

/// `sha256:` and the lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = openssl::sha::sha256(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The fleet at a glance: one row per endpoint, counts per profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// One row per endpoint, in target order.
    pub endpoints: Vec<SummaryRow>,
    /// Per profile: on how many of the endpoints that answered it is
    /// compatible ("dsa-10.0: 240 of 970 endpoints").
    pub profiles: BTreeMap<String, ProfileCount>,
}

/// One endpoint in the summary.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SummaryRow {
    /// `host:port`.
    pub target: String,
    /// The role it plays.
    pub role: Role,
    /// `ok`, `error` or `not_scanned`.
    pub status: TargetStatus,
    /// Shipped profiles it behaves exactly like.
    pub behaves_like: Vec<String>,
    /// Profiles compatible with it.
    pub compatible: Vec<String>,
    /// Finding codes.
    pub findings: Vec<FindingCode>,
}

/// One profile across the fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileCount {
    /// Endpoints it is compatible with.
    pub compatible: usize,
    /// Endpoints that answered conclusively for it.
    pub of: usize,
}

impl Summary {
    /// The summary of `targets`.
    pub fn of(targets: &[TargetReport]) -> Summary {
        let mut profiles: BTreeMap<String, ProfileCount> = BTreeMap::new();
        let endpoints = targets
            .iter()
            .map(|t| {
                for p in t.profiles.iter().filter(|p| p.verdict.is_conclusive()) {
                    let c = profiles.entry(p.profile.clone()).or_default();
                    c.of += 1;
                    c.compatible += usize::from(p.verdict.is_compatible());
                }
                SummaryRow {
                    target: t.target.clone(),
                    role: t.role,
                    status: t.status,
                    behaves_like: t.behaves_like().to_vec(),
                    compatible: t
                        .profiles
                        .iter()
                        .filter(|p| p.verdict.is_compatible())
                        .map(|p| p.profile.clone())
                        .collect(),
                    findings: t.findings.iter().map(|f| f.code).collect(),
                }
            })
            .collect();
        Summary {
            endpoints,
            profiles,
        }
    }
}

/// One endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TargetReport {
    /// `host:port` as scanned.
    pub target: String,
    /// The host as given.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The address that was scanned, once one answered.
    pub address: Option<String>,
    /// Every address the host resolved to.
    pub addresses: Vec<String>,
    /// Each address the host resolved to, and whether it was probed: only
    /// the first that answers is, unless `--all-addresses` made each one
    /// its own target.
    #[serde(default)]
    pub resolved: Vec<ResolvedAddress>,
    /// The role the endpoint plays.
    pub role: Role,
    /// The server name sent (SNI), if any.
    pub sni: Option<String>,
    /// `ok` or `error`.
    pub status: TargetStatus,
    /// Why the endpoint could not be scanned.
    pub error: Option<TargetError>,
    /// What the endpoint accepted, when it answered.
    pub server: Option<ServerReport>,
    /// One entry per profile checked.
    pub profiles: Vec<ProfileReport>,
    /// False when some probes were inconclusive or the answers contradicted
    /// each other (see `issues`).
    pub complete: bool,
    /// Inconclusive probes, server faults, contradictions and failed
    /// confirmations, one entry per kind.
    pub issues: Vec<Issue>,
    /// Certificate (and later other) findings.
    pub findings: Vec<Finding>,
    /// What the inventory expected of this endpoint, when it said anything.
    #[serde(default)]
    pub inventory: Option<Expectation>,
    /// For an agent, when the same run scanned its manager (the
    /// inventory's one manager target): each leg its direction relies on,
    /// judged from the two scans. Null otherwise (and in JSON Lines, whose
    /// lines are written before the manager's answer is known).
    #[serde(default)]
    pub directions: Option<Vec<LegVerdict>>,
    /// Connections and bytes this target cost, and the wall time.
    pub stats: ScanStats,
}

impl TargetReport {
    /// The shipped profiles this endpoint behaves like, when its scan can
    /// say: only a complete scan (every probe answered conclusively or with
    /// a server fault) shows the endpoint's whole version and suite set. A
    /// probe that timed out leaves a suite unknown, and an endpoint whose
    /// extra suites went unanswered would look like a profile with fewer
    /// (a FIPS agent like a 10.0 one). A saved or edited report is read
    /// the same way.
    pub fn behaves_like(&self) -> &[String] {
        match &self.server {
            Some(s) if self.complete => &s.matches_profiles,
            _ => &[],
        }
    }

    /// An agent the inventory says is agent-initiated, whose port refused
    /// the connection: it listens on nothing by design (the agent is only
    /// ever the TLS client of the manager's 4120), so there was nothing to
    /// scan and nothing is unknown.
    pub fn listens_on_nothing_as_expected(&self) -> bool {
        self.role == Role::Agent
            && self.status == TargetStatus::Error
            && self.error.as_ref().map(|e| e.kind) == Some(ErrorKind::Refused)
            && self.inventory.as_ref().and_then(|e| e.direction) == Some(Direction::AgentInitiated)
    }

    /// The endpoint's fate for `--only`: `lose` when some client checked
    /// cannot connect (a conclusive incompatible profile, or a failing
    /// leg), else `unknown` when something could not be told (not
    /// scanned, an inconclusive profile, an unknown leg), else `keep`.
    pub fn fate(&self) -> Fate {
        let legs = self.directions.iter().flatten();
        if self.status == TargetStatus::Ok
            && (self
                .profiles
                .iter()
                .any(|p| p.verdict == Verdict::Incompatible)
                || legs.clone().any(|l| l.verdict == Verdict::Incompatible))
        {
            Fate::Lose
        } else if (self.status != TargetStatus::Ok && !self.listens_on_nothing_as_expected())
            || self
                .profiles
                .iter()
                .any(|p| p.verdict == Verdict::Inconclusive)
            || legs.clone().any(|l| l.verdict == Verdict::Inconclusive)
        {
            Fate::Unknown
        } else {
            Fate::Keep
        }
    }
}

/// A verdict's fate, for `--only` (`plan`, and `scan`'s fleet summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fate {
    /// Loses contact (plan); some client cannot connect (scan).
    Lose,
    /// Cannot be judged.
    Unknown,
    /// Keeps contact; every client checked connects.
    Keep,
}

/// A set of fates (`--only lose,unknown`); empty: every fate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fates {
    lose: bool,
    unknown: bool,
    keep: bool,
}

impl Fates {
    /// The set of `list`.
    pub fn of(list: &[Fate]) -> Fates {
        Fates {
            lose: list.contains(&Fate::Lose),
            unknown: list.contains(&Fate::Unknown),
            keep: list.contains(&Fate::Keep),
        }
    }

    /// Whether `f` is listed: always, when the set is empty.
    pub fn lists(self, f: Fate) -> bool {
        self == Fates::default()
            || match f {
                Fate::Lose => self.lose,
                Fate::Unknown => self.unknown,
                Fate::Keep => self.keep,
            }
    }
}

impl Fate {
    /// The fate of a plan agent's verdict.
    pub fn of(verdict: Verdict) -> Fate {
        match verdict {
            Verdict::Incompatible => Fate::Lose,
            Verdict::Compatible => Fate::Keep,
            Verdict::Inconclusive => Fate::Unknown,
        }
    }

    /// The spelling `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Fate::Lose => "lose",
            Fate::Unknown => "unknown",
            Fate::Keep => "keep",
        }
    }
}

/// One address of a target's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResolvedAddress {
    /// The IP address.
    pub address: String,
    /// Whether the scan's probes went to this address.
    pub probed: bool,
}

impl ResolvedAddress {
    /// Every address in `all`, `probed` for the one in `probed`.
    pub fn list(all: &[std::net::SocketAddr], probed: Option<std::net::SocketAddr>) -> Vec<Self> {
        all.iter()
            .map(|a| ResolvedAddress {
                address: a.ip().to_string(),
                probed: probed.is_some_and(|p| p.ip() == a.ip()),
            })
            .collect()
    }
}

/// Whether a target could be scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The endpoint answered TLS.
    Ok,
    /// It could not be scanned.
    Error,
    /// The run was interrupted before this target was scanned.
    NotScanned,
}

/// How an agent and the manager talk (DOMAIN: set per policy or computer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The agent sends heartbeats to 4120 and listens on 4118 (default).
    Bidirectional,
    /// Only the manager connects, to the agent's 4118.
    ManagerInitiated,
    /// Only the agent connects, to the manager's 4120.
    AgentInitiated,
}

impl Direction {
    /// The spelling used in inventories and reports.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Bidirectional => "bidirectional",
            Direction::AgentInitiated => "agent-initiated",
            Direction::ManagerInitiated => "manager-initiated",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Direction, String> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        let all = [
            Direction::Bidirectional,
            Direction::ManagerInitiated,
            Direction::AgentInitiated,
        ];
        match all.into_iter().find(|d| d.name() == s) {
            Some(d) => Ok(d),
            None => Err(format!(
                "unknown direction {s:?} (expected bidirectional, manager-initiated or agent-initiated)"
            )),
        }
    }
}

/// One TLS connection between an agent and its manager.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Leg {
    /// The agent connects to the manager's 4120 (the agent is the client).
    AgentInitiated,
    /// The manager connects to the agent's 4118 (the manager is the client).
    ManagerInitiated,
}

impl Leg {
    /// The spelling used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Leg::AgentInitiated => "agent-initiated",
            Leg::ManagerInitiated => "manager-initiated",
        }
    }

    /// Who listens, on which default port: for people.
    pub fn path(self) -> &'static str {
        match self {
            Leg::AgentInitiated => "agent → manager:4120",
            Leg::ManagerInitiated => "manager → agent:4118",
        }
    }
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A leg's verdict in the leg's own words (`status` in JSON): `works` for
/// compatible, `fails` for incompatible, `unknown` for inconclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegStatus {
    /// A handshake completes (or would).
    Works,
    /// No handshake can complete.
    Fails,
    /// Cannot be told from what is known.
    Unknown,
}

/// What a verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// A probe of the live endpoint in this run, with that client's hello.
    Probe,
    /// A probe recorded in a saved scan report.
    SavedScan,
    /// Offline negotiation against what a scan saw an endpoint accept.
    ScannedSet,
    /// Offline negotiation between two profiles.
    Profiles,
    /// The client's own ClientHello, seen in a packet capture (`plan
    /// --observed`), negotiated offline.
    Observed,
    /// Nothing to judge by.
    None,
}

codes!(LegStatus {
    Works => "works",
    Fails => "fails",
    Unknown => "unknown",
});

impl LegStatus {
    /// The leg's word for `v`.
    pub fn of(v: Verdict) -> LegStatus {
        match v {
            Verdict::Compatible => LegStatus::Works,
            Verdict::Incompatible => LegStatus::Fails,
            Verdict::Inconclusive => LegStatus::Unknown,
        }
    }

    /// The verdict this word spells (how a report of `schema_version` 2
    /// is read).
    pub fn verdict(self) -> Verdict {
        match self {
            LegStatus::Works => Verdict::Compatible,
            LegStatus::Fails => Verdict::Incompatible,
            LegStatus::Unknown => Verdict::Inconclusive,
        }
    }
}

/// One leg, judged. `verdict` and `reason_code` are the result; JSON also
/// carries `status` (`works`, `fails`, `unknown`), derived from `verdict`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(into = "LegVerdictJson", from = "LegVerdictJson")]
pub struct LegVerdict {
    /// Which connection.
    pub direction: Leg,
    /// Compatible (a handshake completes), incompatible (none can) or
    /// inconclusive.
    pub verdict: Verdict,
    /// What the handshake settles on, when it works and is known.
    pub negotiated: Option<Agreement>,
    /// Why it fails or cannot be told, for people.
    pub reason: Option<String>,
    /// Why it fails or cannot be told, stable: set exactly when the
    /// verdict is not compatible (for a leg judged by a probe, the probe's
    /// own code).
    pub reason_code: Option<ReasonCode>,
    /// What the verdict rests on.
    pub evidence: Evidence,
    /// How the agent's side of the leg was known.
    pub judged: Judged,
}

/// A [`LegVerdict`] as written and read.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "LegVerdict")]
struct LegVerdictJson {
    /// Which connection.
    direction: Leg,
    /// `compatible`, `incompatible` or `inconclusive` (since
    /// `schema_version` 3; read from `status` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    /// Derived from `verdict`: `works`, `fails` or `unknown`.
    status: LegStatus,
    /// What the handshake settles on, when it works and is known.
    negotiated: Option<Agreement>,
    /// Why it fails or cannot be told.
    reason: Option<String>,
    /// The kind of `reason`, stable: set exactly when `verdict` is not
    /// `compatible` (since `schema_version` 3).
    #[serde(default)]
    reason_code: Option<ReasonCode>,
    /// What the verdict rests on.
    evidence: Evidence,
    /// How the agent's side of the leg was known: `observed`, `probed`,
    /// `from_profile`, `from_inventory_version` or `unknown`. Anything but
    /// `observed` and `probed` is an inference, and says so where the
    /// verdict is printed.
    #[serde(default)]
    judged: Judged,
}

impl From<LegVerdict> for LegVerdictJson {
    fn from(v: LegVerdict) -> Self {
        LegVerdictJson {
            direction: v.direction,
            verdict: Some(v.verdict),
            status: LegStatus::of(v.verdict),
            negotiated: v.negotiated,
            reason: v.reason,
            reason_code: v.reason_code,
            evidence: v.evidence,
            judged: v.judged,
        }
    }
}

impl From<LegVerdictJson> for LegVerdict {
    /// The strongest claim of `verdict` and `status`, as for a profile.
    fn from(v: LegVerdictJson) -> Self {
        let claimed = v.status.verdict();
        LegVerdict {
            direction: v.direction,
            verdict: v.verdict.map_or(claimed, |w| w.min(claimed)),
            negotiated: v.negotiated,
            reason: v.reason,
            reason_code: v.reason_code,
            evidence: v.evidence,
            judged: v.judged,
        }
    }
}

/// How an agent's side of a leg was known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Judged {
    /// Its own hello, seen in a packet capture.
    Observed,
    /// A probe of its own port (now or in a saved scan): what it accepted,
    /// or the profile it was identified as by what it accepted.
    Probed,
    /// The profile the inventory names for it (an inference).
    FromProfile,
    /// The agent version the inventory gives (an inference).
    FromInventoryVersion,
    /// Nothing usable: the leg is unknown.
    #[default]
    Unknown,
}

impl Judged {
    /// Whether the verdict rests on what the agent did (a probe or a
    /// capture) rather than on what the inventory says it is.
    pub fn is_measured(self) -> bool {
        matches!(self, Judged::Observed | Judged::Probed)
    }
}

codes!(Judged {
    Observed => "observed",
    Probed => "probed",
    FromProfile => "from_profile",
    FromInventoryVersion => "from_inventory_version",
    Unknown => "unknown",
});

impl LegVerdict {
    /// A leg that cannot be judged, why (`code` gives an inconclusive
    /// verdict), and why for people.
    pub fn unknown(direction: Leg, code: ReasonCode, reason: impl Into<String>) -> LegVerdict {
        LegVerdict {
            direction,
            verdict: Verdict::Inconclusive,
            negotiated: None,
            reason: Some(reason.into()),
            reason_code: Some(code),
            evidence: Evidence::None,
            judged: Judged::Unknown,
        }
    }

    /// The leg's word for its verdict: `works`, `fails` or `unknown`.
    pub fn status(&self) -> LegStatus {
        LegStatus::of(self.verdict)
    }

    /// The verdict of an offline negotiation.
    pub fn negotiated(
        direction: Leg,
        result: Result<Agreement, crate::model::negotiate::Failure>,
        evidence: Evidence,
    ) -> LegVerdict {
        match result {
            Ok(a) => LegVerdict {
                direction,
                verdict: Verdict::Compatible,
                negotiated: Some(a),
                reason: None,
                reason_code: None,
                evidence,
                judged: Judged::Unknown,
            },
            Err(e) => LegVerdict {
                direction,
                verdict: Verdict::Incompatible,
                negotiated: None,
                reason: Some(e.to_string()),
                reason_code: Some(ReasonCode::of_failure(&e)),
                evidence,
                judged: Judged::Unknown,
            },
        }
    }
}

/// What the inventory says about one endpoint, beyond its address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Expectation {
    /// Profiles the endpoint should behave like (any one of them).
    pub expect: Vec<String>,
    /// The agent version the inventory gives, as written.
    pub agent_version: Option<String>,
    /// What the version alone could not decide.
    pub note: Option<String>,
    /// Profiles required on this endpoint.
    pub require: Vec<String>,
    /// How this agent and the manager talk.
    pub direction: Option<Direction>,
    /// Free labels.
    pub labels: Vec<String>,
    /// What the manager said of this computer, as its API (`--from-manager`)
    /// or its exported computer list (`-i`) gave it; absent otherwise.
    // Boxed: 200 bytes inline, in every entry of an inventory that has no
    // manager record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Box<ManagerRecord>>,
}

/// One computer as the manager's REST API describes it: the fields the
/// tool reads, as the manager wrote them (the API's names in the docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManagerRecord {
    /// `ID`: the computer's id on the manager.
    pub id: Option<u64>,
    /// `hostName`.
    pub host_name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `lastIPUsed`.
    pub last_ip_used: Option<String>,
    /// `agentVersion` (`20.0.0.8453`).
    pub agent_version: Option<String>,
    /// `platform`.
    pub platform: Option<String>,
    /// `computerStatus.agentStatus` (`active`, `warning`, `error`, …).
    pub agent_status: Option<String>,
    /// `lastAgentCommunication`: milliseconds since the Unix epoch.
    pub last_agent_communication: Option<i64>,
    /// `computerSettings.platformSettingAgentCommunicationsDirection.value`
    /// as written (`Bidirectional`, `Agent/Appliance Initiated`, `Manager
    /// Initiated`); `direction` above is what the tool made of it.
    pub direction: Option<String>,
}

impl Expectation {
    /// Whether the inventory said anything beyond the address.
    pub fn is_empty(&self) -> bool {
        *self == Expectation::default()
    }
}

/// Why a target could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetError {
    /// The class of failure.
    pub kind: ErrorKind,
    /// A sentence for people.
    pub message: String,
}

/// Classes of scan failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens on the port.
    Refused,
    /// No answer in time (connect or first flight).
    Timeout,
    /// No route to the host.
    Unreachable,
    /// Another connect failure.
    Connect,
    /// The server closed every connection without answering.
    Closed,
    /// The server speaks something other than TLS.
    NotTls,
    /// Malformed TLS.
    Protocol,
    /// A bug in tlscompat: the target's scan panicked.
    Internal,
}

codes!(ErrorKind {
    Dns => "dns",
    Refused => "refused",
    Timeout => "timeout",
    Unreachable => "unreachable",
    Connect => "connect",
    Closed => "closed",
    NotTls => "not_tls",
    Protocol => "protocol",
    Internal => "internal",
});

/// Something about the scan itself that a reader must know: probes that got
/// no usable answer, server faults, answers that contradict each other, a
/// real handshake that disagreed with the first flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Issue {
    /// The kind, stable.
    pub code: IssueCode,
    /// A sentence for people.
    pub message: String,
    /// How many probes showed it.
    pub probes: usize,
    /// Profiles whose result it affects.
    pub profiles: Vec<String>,
}

/// Kinds of issue.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// Probes ended without a usable TLS answer (timeout, close, garbage).
    Inconclusive,
    /// The server answered in a way no correct TLS server does (an unoffered
    /// suite, a duplicate or unsolicited extension, compression, a downgrade
    /// sentinel, an illegal HelloRetryRequest). Never counted as support.
    ServerFault,
    /// Two answers contradict each other: the affected profiles are
    /// inconclusive and the run is incomplete.
    Inconsistent,
    /// The server accepted in its first flight, but a real handshake with
    /// that client's offer failed.
    ConfirmationFailed,
    /// More than one server answers at this address (their session tickets
    /// were sealed under different keys): every verdict was corroborated.
    /// Affects no verdict by itself, nor `complete`.
    SeveralNodes,
}

codes!(IssueCode {
    Inconclusive => "inconclusive",
    ServerFault => "server_fault",
    Inconsistent => "inconsistent",
    ConfirmationFailed => "confirmation_failed",
    SeveralNodes => "several_nodes",
});

/// What the endpoint accepted among what was probed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ServerReport {
    /// Versions accepted, oldest first.
    pub versions: Vec<TlsVersion>,
    /// Per version, the suites accepted: in the server's order where it
    /// enforces one (as far as the probes showed it), else by id.
    pub cipher_suites: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// Whether the server picks by its own order at the newest version
    /// where that could be judged; null when undetermined.
    pub server_preference: Option<bool>,
    /// Per version with two or more accepted suites: `server` or `client`,
    /// whose order decides.
    pub preference: BTreeMap<TlsVersion, crate::model::negotiate::Preference>,
    /// Per version where the server's order decides: how many of the
    /// suites listed in `cipher_suites` lead in a measured order (each
    /// beats every suite after it, in some accepted hello or by
    /// transitivity). The rest follow in id order, their order not
    /// measured: a default scan usually learns the server's first choice
    /// only; `--all-suites` asks every pair. Absent (old reports): nothing
    /// beyond what each probe chose is known.
    #[serde(default)]
    pub order_measured: BTreeMap<TlsVersion, usize>,
    /// `none`, `requested`, `required` or `unknown`.
    pub client_certificate: ClientCertificate,
    /// The leaf certificate, when one was seen (TLS 1.2 and older).
    pub certificate: Option<CertificateSummary>,
    /// Shipped profiles whose whole version and suite set the endpoint
    /// accepts exactly: which version it behaves like. Empty when the scan
    /// was not complete (a probe without a conclusive answer leaves the set
    /// unknown).
    pub matches_profiles: Vec<String>,
    /// What was probed: `all_suites` true means every registered suite at
    /// every version.
    pub probed: Probed,
    /// TLS 1.3 servers that answered with a HelloRetryRequest.
    pub hello_retry: bool,
}

/// The scope of the probing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Probed {
    /// Versions probed.
    pub versions: Vec<TlsVersion>,
    /// Distinct (version, suite) pairs covered.
    pub pairs: usize,
    /// Whether every registered suite was enumerated.
    pub all_suites: bool,
}

/// Client-certificate behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientCertificate {
    /// No CertificateRequest.
    None,
    /// A CertificateRequest, but a handshake without a certificate completes.
    Requested,
    /// A CertificateRequest, and no handshake without a certificate.
    Required,
    /// Not visible (TLS 1.3 only, or the flight was cut short).
    #[default]
    Unknown,
}

impl ClientCertificate {
    /// The JSON spelling.
    pub fn name(self) -> &'static str {
        match self {
            ClientCertificate::None => "none",
            ClientCertificate::Requested => "requested",
            ClientCertificate::Required => "required",
            ClientCertificate::Unknown => "unknown",
        }
    }
}

/// The algorithm of a certificate's public key.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertKeyType {
    /// RSA.
    Rsa,
    /// An elliptic-curve key (ECDSA or ECDH).
    Ecdsa,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA.
    Dsa,
    /// Diffie-Hellman (static DH certificates).
    Dh,
    /// Anything else (or a name this version does not know).
    #[serde(other)]
    Other,
}

codes!(CertKeyType {
    Rsa => "rsa",
    Ecdsa => "ecdsa",
    Ed25519 => "ed25519",
    Ed448 => "ed448",
    Dsa => "dsa",
    Dh => "dh",
    Other => "other",
});

impl CertKeyType {
    /// As people write it: `RSA`, `ECDSA`, `Ed25519`.
    pub fn display(self) -> &'static str {
        match self {
            CertKeyType::Rsa => "RSA",
            CertKeyType::Ecdsa => "ECDSA",
            CertKeyType::Ed25519 => "Ed25519",
            CertKeyType::Ed448 => "Ed448",
            CertKeyType::Dsa => "DSA",
            CertKeyType::Dh => "DH",
            CertKeyType::Other => "an unrecognised key type",
        }
    }
}

/// A date as RFC 3339 text (`2027-11-25T17:33:04Z`), for people and JSON
/// alike; `unknown` when it could not be read.
pub fn date_text(t: Option<time::OffsetDateTime>) -> String {
    t.and_then(|t| {
        t.to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_else(|| "unknown".into())
}

/// Optional RFC 3339 dates in JSON: null, or text. Text that does not
/// parse reads as null (an unknown date), never as an error: a saved
/// report's other evidence stays usable, and what needs the date says it
/// cannot tell.
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn serialize<S: Serializer>(
        t: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok()) {
            Some(text) => s.serialize_str(&text),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(text.as_deref().and_then(super::parse_rfc3339))
    }
}

/// An RFC 3339 time (`2027-11-25T17:33:04Z`, as tlscompat writes it; an
/// offset or fraction is understood too); `None` when it does not parse.
pub fn parse_rfc3339(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// The server's leaf certificate, summarized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// `rsa`, `ecdsa`, `ed25519`, `ed448`, `dsa`, `dh` or `other`.
    pub key_type: CertKeyType,
    /// Key size in bits.
    pub key_bits: u32,
    /// The signature algorithm's name or OID.
    pub signature_algorithm: String,
    /// RFC 3339 (UTC); null when it cannot be read (a report saved by an
    /// older version may hold an empty or unreadable text: read as null).
    #[serde(with = "rfc3339")]
    #[schemars(with = "Option<String>")]
    pub not_before: Option<time::OffsetDateTime>,
    /// RFC 3339 (UTC); null when it cannot be read.
    #[serde(with = "rfc3339")]
    #[schemars(with = "Option<String>")]
    pub not_after: Option<time::OffsetDateTime>,
    /// Whether `not_after` is in the past.
    pub expired: bool,
    /// Whether issuer equals subject.
    pub self_signed: bool,
    /// DNS names and IP addresses.
    pub subject_alt_names: Vec<String>,
    /// Certificates the server sent, leaf included.
    pub chain_length: usize,
}

/// The three-way verdict every result carries (scan profiles, legs, plan
/// agents, diagnose steps): the one thing printers read to say whether a
/// client gets through. `compatible`: it connects; `incompatible`: proved
/// not to; `inconclusive`: it could not be told (a reason code says why).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The client connects.
    Compatible,
    /// The client cannot connect (proved).
    Incompatible,
    /// It could not be told.
    Inconclusive,
}

codes!(Verdict {
    Compatible => "compatible",
    Incompatible => "incompatible",
    Inconclusive => "inconclusive",
});

impl Verdict {
    /// Whether the client connects.
    pub fn is_compatible(self) -> bool {
        self == Verdict::Compatible
    }

    /// Whether the answer is known (compatible or incompatible).
    pub fn is_conclusive(self) -> bool {
        self != Verdict::Inconclusive
    }

    /// A plan agent's `loses_contact` (the field of `schema_version` 2):
    /// true when incompatible, false when compatible, null when
    /// inconclusive.
    pub fn loses_contact(self) -> Option<bool> {
        match self {
            Verdict::Incompatible => Some(true),
            Verdict::Compatible => Some(false),
            Verdict::Inconclusive => None,
        }
    }

    /// The verdict two booleans of `schema_version` 2 spelled
    /// (`compatible`, `conclusive`): how an old report is read.
    pub fn from_flags(compatible: bool, conclusive: bool) -> Verdict {
        match (conclusive, compatible) {
            (false, _) => Verdict::Inconclusive,
            (true, true) => Verdict::Compatible,
            (true, false) => Verdict::Incompatible,
        }
    }
}

/// One profile against one endpoint.
///
/// `verdict` and `reason_code` are the result; the JSON also carries
/// `compatible` and `conclusive`, derived from `verdict` for readers of
/// `schema_version` 2 (see `ProfileReportOut`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ProfileReportIn")]
pub struct ProfileReport {
    /// The profile id.
    pub profile: String,
    /// Compatible, incompatible or inconclusive. Set through
    /// [`ProfileReport::because`] (which takes it from the reason code) or
    /// [`ProfileReport::connects`].
    pub verdict: Verdict,
    /// What its own hello negotiated.
    pub negotiated: Option<Agreement>,
    /// Per version, the profile's suites the endpoint accepted, in the
    /// profile's order.
    pub mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// How far the result was confirmed.
    pub confirmed: Confirmed,
    /// The TLS library that ran the real handshake, when one ran.
    pub engine: Option<Engine>,
    /// Why not, for people, when incompatible or inconclusive.
    pub reason: Option<String>,
    /// Why not, stable: set exactly when the verdict is not compatible.
    pub reason_code: Option<ReasonCode>,
}

impl ProfileReport {
    /// A profile not yet judged: inconclusive, nothing known.
    pub fn new(profile: impl Into<String>) -> ProfileReport {
        let mut p = ProfileReport {
            profile: profile.into(),
            verdict: Verdict::Inconclusive,
            negotiated: None,
            mutual: BTreeMap::new(),
            confirmed: Confirmed::NotAttempted,
            engine: None,
            reason: None,
            reason_code: None,
        };
        p.because(ReasonCode::NotProbed, "this profile's hello was not probed");
        p
    }

    /// Sets the reason and its code together, and the verdict the code
    /// implies ([`ReasonCode::verdict`]).
    pub fn because(&mut self, code: ReasonCode, message: impl Into<String>) {
        self.verdict = code.verdict();
        self.reason_code = Some(code);
        self.reason = Some(message.into());
    }

    /// The client connects: compatible, no reason against it.
    pub fn connects(&mut self) {
        self.verdict = Verdict::Compatible;
        self.reason_code = None;
        self.reason = None;
    }
}

/// One profile against one endpoint, as written: `verdict` (since
/// `schema_version` 3) and, derived from it, the two booleans of
/// `schema_version` 2 where they always were.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ProfileReport")]
struct ProfileReportOut<'a> {
    /// The profile id.
    profile: &'a str,
    /// `compatible`, `incompatible` or `inconclusive`: the verdict (since
    /// `schema_version` 3).
    verdict: Verdict,
    /// Derived from `verdict`: whether this client version can talk to the
    /// endpoint (`verdict` is `compatible`).
    compatible: bool,
    /// What its own hello negotiated.
    negotiated: &'a Option<Agreement>,
    /// Per version, the profile's suites the endpoint accepted, in the
    /// profile's order.
    mutual: &'a BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// `full_handshake`, `client_certificate_required`, `failed` or
    /// `not_attempted`.
    confirmed: Confirmed,
    /// The TLS library that ran the real handshake (`rustls` or `openssl`),
    /// when one ran.
    engine: Option<Engine>,
    /// Why not, when incompatible or inconclusive.
    reason: &'a Option<String>,
    /// The kind of `reason`, stable: set exactly when `verdict` is not
    /// `compatible`.
    reason_code: Option<ReasonCode>,
    /// Derived from `verdict`: false when this profile's answer is unknown
    /// (`verdict` is `inconclusive`).
    conclusive: bool,
}

impl<'a> From<&'a ProfileReport> for ProfileReportOut<'a> {
    fn from(p: &'a ProfileReport) -> Self {
        ProfileReportOut {
            profile: &p.profile,
            verdict: p.verdict,
            compatible: p.verdict.is_compatible(),
            negotiated: &p.negotiated,
            mutual: &p.mutual,
            confirmed: p.confirmed,
            engine: p.engine,
            reason: &p.reason,
            reason_code: p.reason_code,
            conclusive: p.verdict.is_conclusive(),
        }
    }
}

/// A [`ProfileReport`] as read: `schema_version` 3 (with `verdict`) or 2
/// (the booleans alone).
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "ProfileReport")]
struct ProfileReportIn {
    profile: String,
    #[serde(default)]
    verdict: Option<Verdict>,
    #[serde(default)]
    compatible: Option<bool>,
    negotiated: Option<Agreement>,
    mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    confirmed: Confirmed,
    engine: Option<Engine>,
    reason: Option<String>,
    reason_code: Option<ReasonCode>,
    #[serde(default)]
    conclusive: Option<bool>,
}

/// Why a saved profile result cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileReportError {
    /// Neither `verdict` nor both booleans of `schema_version` 2.
    #[error("profile {0:?}: no verdict (nor compatible and conclusive)")]
    NoVerdict(String),
}

impl TryFrom<ProfileReportIn> for ProfileReport {
    type Error = ProfileReportError;

    /// A saved report is evidence, not a claim (see `saved`): where
    /// `verdict` and the booleans disagree (an edited report), the
    /// strongest claim any of them makes is read (compatible over
    /// incompatible over inconclusive), and the evidence then judges it.
    fn try_from(p: ProfileReportIn) -> Result<Self, Self::Error> {
        let flags = match (p.compatible, p.conclusive) {
            (Some(true), _) => Some(Verdict::Compatible),
            (Some(false), Some(conclusive)) => Some(Verdict::from_flags(false, conclusive)),
            _ => None,
        };
        let verdict = match (p.verdict, flags) {
            // `Verdict`'s order: compatible, incompatible, inconclusive.
            (Some(v), Some(f)) => v.min(f),
            (Some(v), None) | (None, Some(v)) => v,
            (None, None) => return Err(ProfileReportError::NoVerdict(p.profile)),
        };
        Ok(ProfileReport {
            profile: p.profile,
            verdict,
            negotiated: p.negotiated,
            mutual: p.mutual,
            confirmed: p.confirmed,
            engine: p.engine,
            reason: p.reason,
            reason_code: p.reason_code,
        })
    }
}

impl Serialize for ProfileReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ProfileReportOut::from(self).serialize(s)
    }
}

impl JsonSchema for ProfileReport {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ProfileReport".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        if generator.contract().is_deserialize() {
            ProfileReportIn::json_schema(generator)
        } else {
            ProfileReportOut::json_schema(generator)
        }
    }
}

/// Why a profile is incompatible or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// No TLS version in common.
    NoCommonVersion,
    /// A version in common, but no suite at the version the server picks.
    NoCommonSuite,
    /// The server picked a version this client does not speak.
    VersionNotSupported,
    /// The server's certificate key cannot authenticate any of this
    /// client's suites (an ECDSA certificate for RSA-only clients).
    CertificateKeyType,
    /// The server refused this client's hello although it accepts one of its
    /// suites alone: a group, signature algorithm or extension.
    HelloRefused,
    /// The server refused the hello after its ServerHello (an alert later in
    /// the first flight).
    RefusedAfterServerHello,
    /// The server's answer broke TLS (see `issues`).
    ServerFault,
    /// The first flight looked fine, but the real handshake failed.
    HandshakeFailed,
    /// The server's answers contradicted each other.
    Inconsistent,
    /// The server contradicted itself elsewhere, and too few alike answers
    /// carry this profile's verdict (see `scan::checks::corroboration`).
    Unsteady,
    /// The probe got no usable answer.
    Inconclusive,
    /// The profile's hello was not sent.
    NotProbed,
    /// Offline: suites in common, but each needs (EC)DHE and no group is
    /// shared (legs and plan agents).
    NoCommonGroup,
    /// The manager's current configuration is unknown (the plan's before
    /// column without a manager scan).
    ManagerUnknown,
    /// Nothing tells which agent profile the agent behaves like, or what
    /// it offers.
    AgentUnidentified,
    /// The agent's candidate profiles disagree about the leg.
    CandidatesDisagree,
    /// The verdict would depend on a version the scan never probed.
    VersionNotProbed,
    /// The agent's port answered with nothing usable (refused, silent,
    /// not TLS, or not scanned by an interrupted run).
    AgentNotReached,
}

impl ReasonCode {
    /// The code of an offline negotiation's failure.
    pub fn of_failure(f: &crate::model::negotiate::Failure) -> ReasonCode {
        use crate::model::negotiate::Failure;
        match f {
            Failure::NoCommonVersion { .. } => ReasonCode::NoCommonVersion,
            Failure::NoCommonSuite { .. } => ReasonCode::NoCommonSuite,
            Failure::NoCommonGroup { .. } => ReasonCode::NoCommonGroup,
        }
    }

    /// The verdict this reason gives: inconclusive for what could not be
    /// told (no answer, contradictions, too few alike answers, not probed),
    /// incompatible for everything else.
    pub fn verdict(self) -> Verdict {
        match self {
            ReasonCode::Inconclusive
            | ReasonCode::Inconsistent
            | ReasonCode::Unsteady
            | ReasonCode::NotProbed
            | ReasonCode::ManagerUnknown
            | ReasonCode::AgentUnidentified
            | ReasonCode::CandidatesDisagree
            | ReasonCode::VersionNotProbed
            | ReasonCode::AgentNotReached => Verdict::Inconclusive,
            ReasonCode::NoCommonGroup
            | ReasonCode::NoCommonVersion
            | ReasonCode::NoCommonSuite
            | ReasonCode::VersionNotSupported
            | ReasonCode::CertificateKeyType
            | ReasonCode::HelloRefused
            | ReasonCode::RefusedAfterServerHello
            | ReasonCode::ServerFault
            | ReasonCode::HandshakeFailed => Verdict::Incompatible,
        }
    }
}

codes!(ReasonCode {
    NoCommonVersion => "no_common_version",
    NoCommonSuite => "no_common_suite",
    VersionNotSupported => "version_not_supported",
    CertificateKeyType => "certificate_key_type",
    HelloRefused => "hello_refused",
    RefusedAfterServerHello => "refused_after_server_hello",
    ServerFault => "server_fault",
    HandshakeFailed => "handshake_failed",
    Inconsistent => "inconsistent",
    Unsteady => "unsteady",
    Inconclusive => "inconclusive",
    NotProbed => "not_probed",
    NoCommonGroup => "no_common_group",
    ManagerUnknown => "manager_unknown",
    AgentUnidentified => "agent_unidentified",
    CandidatesDisagree => "candidates_disagree",
    VersionNotProbed => "version_not_probed",
    AgentNotReached => "agent_not_reached",
});

/// The TLS library that completed (or failed) a real handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// rustls (ring provider): TLS 1.3 and TLS 1.2 ECDHE with AEAD suites.
    Rustls,
    /// OpenSSL at security level 0: everything else (TLS 1.0/1.1, CBC,
    /// RSA key exchange).
    Openssl,
}

codes!(Engine {
    Rustls => "rustls",
    Openssl => "openssl",
});

/// How far a profile's result was confirmed beyond the first flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confirmed {
    /// A full handshake completed.
    FullHandshake,
    /// Suite accepted; the handshake stops for want of a client certificate.
    ClientCertificateRequired,
    /// A full handshake was tried and failed.
    Failed,
    /// Only the first flight was read.
    NotAttempted,
}

/// Per-target counters.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
pub struct ScanStats {
    /// Probes run.
    pub probes: u64,
    /// TCP connects tried, retries included.
    pub connect_attempts: u64,
    /// TCP connections made.
    pub connections: u64,
    /// Bytes written.
    pub bytes_sent: u64,
    /// Bytes read.
    pub bytes_received: u64,
    /// Wall time of this target's scan.
    pub elapsed_ms: u64,
    /// Each phase of the scan: how many probes, and when it started and
    /// ended. For benchmarks (`cargo bench --bench scan` prints them), not
    /// in reports: the times differ on every run.
    #[serde(skip)]
    #[schemars(skip)]
    pub phases: Phases,
}

/// The phases of one target's scan, in the order they started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    slots: [Phase; Phases::MAX],
    len: usize,
}

impl Phases {
    /// The most phases kept (a scan has at most seven).
    pub const MAX: usize = 8;

    /// Notes one phase; ignored past [`Phases::MAX`], and when it sent
    /// nothing.
    pub fn push(&mut self, phase: Phase) {
        if phase.probes > 0 && self.len < Self::MAX {
            self.slots[self.len] = phase;
            self.len += 1;
        }
    }

    /// The phases noted, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Phase> {
        self.slots[..self.len].iter()
    }
}

/// One phase of a scan: probes that wait for the answers of an earlier
/// phase, or for nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phase {
    /// What it asks (`first wave`, `versions`, `retests`...).
    pub name: &'static str,
    /// Probes sent (each one connection, on an endpoint that answers).
    pub probes: u64,
    /// When its first probe started, since the scan started.
    pub start: std::time::Duration,
    /// When its last probe ended, since the scan started.
    pub end: std::time::Duration,
}

/// The verdict.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PolicyReport {
    /// `passed`, `failed` or `incomplete`.
    pub status: PolicyStatus,
    /// True only when `status` is `passed`.
    pub passed: bool,
    /// How many rules were checked (`--require`, `--forbid-*`, `--policy`);
    /// 0 when none was given, and the status then only says whether every
    /// endpoint was scanned. Absent in reports before 0.1.0's
    /// `schema_version` 1 additions: read as 0.
    #[serde(default)]
    pub rules: usize,
    /// Each failed rule on each target.
    pub violations: Vec<Violation>,
    /// What could not be established: a target that could not be scanned, a
    /// required profile whose answer is unknown. Each makes the run
    /// incomplete (exit 3) unless something failed.
    pub unresolved: Vec<Violation>,
}

/// The three-valued verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// Everything required was established on every endpoint (exit 0).
    Passed,
    /// A rule failed on an endpoint that answered (exit 1).
    Failed,
    /// Nothing failed, but something could not be established (exit 3).
    Incomplete,
}

codes!(PolicyStatus {
    Passed => "passed",
    Failed => "failed",
    Incomplete => "incomplete",
});

/// One failed or unresolved rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Violation {
    /// The target.
    pub target: String,
    /// The rule, e.g. `require dsa-10.0`.
    pub rule: String,
    /// The profile a `require` rule names (since `schema_version` 3;
    /// absent for every other rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Why, stable.
    pub code: ViolationCode,
    /// Why, for people.
    pub message: String,
}

/// Why a rule failed or could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    /// A required profile is incompatible.
    Incompatible,
    /// A required profile's answer is unknown.
    Unknown,
    /// The target could not be scanned.
    NotScanned,
    /// The endpoint accepts a version a rule forbids (`forbid_versions`).
    ForbiddenVersion,
    /// The endpoint accepts a suite a rule forbids (`forbid_suites`).
    ForbiddenSuite,
    /// The endpoint's certificate breaks a `certificate` rule.
    Certificate,
    /// The agent port is exposed where a rule forbids it.
    AgentPortExposed,
    /// A saved report ends before its closing line (the run was killed,
    /// ran out of memory or timed out): targets may be missing.
    ReportCutShort,
}

codes!(ViolationCode {
    Incompatible => "incompatible",
    Unknown => "unknown",
    NotScanned => "not_scanned",
    ForbiddenVersion => "forbidden_version",
    ForbiddenSuite => "forbidden_suite",
    Certificate => "certificate",
    AgentPortExposed => "agent_port_exposed",
    ReportCutShort => "report_cut_short",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_code_gives_the_verdict() {
        let mut p = ProfileReport::new("dsa-10.0");
        assert_eq!(p.verdict, Verdict::Inconclusive);
        assert_eq!(p.reason_code, Some(ReasonCode::NotProbed));
        p.because(ReasonCode::NoCommonSuite, "x");
        assert_eq!(p.verdict, Verdict::Incompatible);
        p.because(ReasonCode::Unsteady, "x");
        assert_eq!(p.verdict, Verdict::Inconclusive);
        p.connects();
        assert_eq!((p.verdict, p.reason_code), (Verdict::Compatible, None));
    }

    #[test]
    fn the_booleans_are_derived_from_the_verdict() {
        let mut p = ProfileReport::new("dsa-11");
        for (v, compatible, conclusive) in [
            (Verdict::Inconclusive, false, false),
            (Verdict::Incompatible, false, true),
            (Verdict::Compatible, true, true),
        ] {
            p.verdict = v;
            let json = serde_json::to_value(&p).unwrap();
            assert_eq!(json["verdict"], v.name());
            assert_eq!(json["compatible"], compatible);
            assert_eq!(json["conclusive"], conclusive);
            let back: ProfileReport = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back.verdict, v);
            // Schema 2: the booleans alone.
            let mut old = json;
            old.as_object_mut().unwrap().remove("verdict");
            let back: ProfileReport = serde_json::from_value(old).unwrap();
            assert_eq!(back.verdict, v);
        }
    }

    #[test]
    fn an_edited_report_is_read_as_its_strongest_claim() {
        let mut p = ProfileReport::new("dsa-11");
        p.because(ReasonCode::NoCommonSuite, "x");
        let mut json = serde_json::to_value(&p).unwrap();
        json["compatible"] = true.into();
        let back: ProfileReport = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.verdict, Verdict::Compatible);
        json.as_object_mut().unwrap().remove("verdict");
        json.as_object_mut().unwrap().remove("compatible");
        assert!(serde_json::from_value::<ProfileReport>(json).is_err());
    }
}
