//! The scan result model, shared by every report format.
//!
//! Pure data, shaped as the stable JSON schema (`schema_version` 1): per
//! target, what the server accepted and, per profile, what that client would
//! negotiate and why not. Fields may be added; none of the documented ones
//! is ever renamed. The verdict (`policy`) is computed from these alone.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::negotiate::Agreement;
use crate::probe::connect::StatsSnapshot;
use crate::profile::Role;
use crate::report::Tool;
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

/// The whole report of a `scan`.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Always [`crate::report::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// This tool.
    pub tool: Tool,
    /// One entry per target, in the order given.
    pub targets: Vec<TargetReport>,
    /// The verdict.
    pub policy: PolicyReport,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize)]
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
    /// False when some probes were inconclusive (see `issues`).
    pub complete: bool,
    /// Inconclusive probes and server faults, one line each.
    pub issues: Vec<String>,
    /// Connections and bytes this target cost, and the wall time.
    pub stats: ScanStats,
}

/// Whether a target could be scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The endpoint answered TLS.
    Ok,
    /// It could not be scanned.
    Error,
}

/// Why a target could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetError {
    /// `dns`, `refused`, `timeout`, `unreachable`, `connect`, `closed`,
    /// `not_tls`, `protocol`.
    pub kind: String,
    /// A sentence for people.
    pub message: String,
}

/// What the endpoint accepted among what was probed.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    /// Versions accepted, oldest first.
    pub versions: Vec<TlsVersion>,
    /// Per version, the suites accepted, by id.
    pub cipher_suites: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// Whether the server picks by its own order; null when undetermined.
    pub server_preference: Option<bool>,
    /// `none`, `requested`, `required` or `unknown`.
    pub client_certificate: ClientCertificate,
    /// The leaf certificate, when one was seen (TLS 1.2 and older).
    pub certificate: Option<CertificateSummary>,
    /// Shipped profiles whose whole version and suite set the endpoint
    /// accepts exactly: which version it behaves like.
    pub matches_profiles: Vec<String>,
    /// What was probed: `all_suites` true means every registered suite at
    /// every version.
    pub probed: Probed,
    /// TLS 1.3 servers that answered with a HelloRetryRequest.
    pub hello_retry: bool,
}

/// The scope of the probing.
#[derive(Debug, Clone, Serialize)]
pub struct Probed {
    /// Versions probed.
    pub versions: Vec<TlsVersion>,
    /// Distinct (version, suite) pairs covered.
    pub pairs: usize,
    /// Whether every registered suite was enumerated.
    pub all_suites: bool,
}

/// Client-certificate behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
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

/// The server's leaf certificate, summarized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// `rsa`, `ecdsa`, `ed25519`, `dsa` or `other`.
    pub key_type: String,
    /// Key size in bits.
    pub key_bits: u32,
    /// The signature algorithm's name or OID.
    pub signature_algorithm: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// Whether `not_after` is in the past.
    pub expired: bool,
    /// Whether issuer equals subject.
    pub self_signed: bool,
    /// DNS names and IP addresses.
    pub subject_alt_names: Vec<String>,
    /// Certificates the server sent, leaf included.
    pub chain_length: usize,
}

/// One profile against one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReport {
    /// The profile id.
    pub profile: String,
    /// Whether this client version can talk to the endpoint.
    pub compatible: bool,
    /// What its own hello negotiated.
    pub negotiated: Option<Agreement>,
    /// Per version, the profile's suites the endpoint accepted, in the
    /// profile's order.
    pub mutual: BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// `full_handshake`, `client_certificate_required`, `failed` or
    /// `not_attempted`.
    pub confirmed: Confirmed,
    /// Why not, when incompatible or inconclusive.
    pub reason: Option<String>,
    /// False when the probe of this profile's hello was inconclusive.
    pub conclusive: bool,
}

/// How far a profile's result was confirmed beyond the first flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, Default, Serialize)]
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
}

impl ScanStats {
    /// Counters from the connector plus probes and time.
    pub fn new(probes: u64, s: StatsSnapshot, elapsed: std::time::Duration) -> ScanStats {
        ScanStats {
            probes,
            connect_attempts: s.connect_attempts,
            connections: s.connections,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The verdict.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyReport {
    /// No rule failed.
    pub passed: bool,
    /// Each failed rule on each target.
    pub violations: Vec<Violation>,
}

/// One failed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The target.
    pub target: String,
    /// The rule, e.g. `require dsa-10.0`.
    pub rule: String,
    /// Why it failed.
    pub message: String,
}
