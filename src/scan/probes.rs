//! The scan's questions and answers, shared by the strategy (`scan`) and
//! the checks (`scan::checks`): why a probe was sent ([`Purpose`]), what
//! it found ([`ProbeRecord`]), and the hellos the checks ask with
//! ([`spec_at`], [`all_at`]). Kept apart so that the checks read the
//! records without reaching into the strategy.

use crate::model::suites::{CipherSuiteId, registry};
use crate::model::version::TlsVersion;
use crate::probe::handshake::HandshakeResult;
use crate::probe::{HelloSpec, Outcome};
use crate::results::Engine;
use crate::wire::codes::NamedGroup;

/// Why a probe was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// One suite alone at one version.
    Suite,
    /// Every suite valid at one version.
    Version,
    /// A profile's own hello.
    Replay(String),
    /// A profile's hello with its suites reversed.
    Reversed(String),
    /// One step of an elimination at one version.
    Enumerate,
    /// The accepted suites at one version, in id order (`false`) or reversed (`true`).
    Order(bool),
    /// Two accepted suites, to learn which the server prefers.
    Pair,
    /// A second try of the probe at this index (of the records), whose
    /// answer contradicted another; `true` when it is a full handshake.
    Retest(usize, bool),
    /// A handshake without a client certificate: required or requested?
    NoCertificate,
    /// The same hello as a probe of this purpose, asked again (`--repeat`,
    /// or to corroborate a verdict on a server that contradicted itself).
    Again(Box<Purpose>),
    /// A profile's suites at one version in the suite probes' shape: its
    /// own hello was refused although one of them is accepted alone.
    Shape(String),
}

/// One probe and what it found.
#[derive(Debug, Clone)]
pub(crate) struct ProbeRecord {
    pub(crate) purpose: Purpose,
    pub(crate) spec: HelloSpec,
    /// The first flight, judged.
    pub(crate) outcome: Outcome,
    /// When the probe was a full handshake: the engine and how it ended.
    pub(crate) handshake: Option<(Engine, HandshakeResult)>,
    /// The chain the server presented to a full handshake.
    pub(crate) peer_chain: Vec<Vec<u8>>,
    /// The session ticket a full handshake was given in the clear.
    pub(crate) session_ticket: Option<Vec<u8>>,
}

pub(crate) fn spec_at(
    version: TlsVersion,
    suites: Vec<CipherSuiteId>,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> HelloSpec {
    let mut spec = HelloSpec::at(version, suites, sni);
    spec.groups = groups.to_vec();
    spec
}

/// Every suite the registry allows at `version`.
pub(crate) fn all_at(version: TlsVersion) -> Vec<CipherSuiteId> {
    registry().valid_at(version).map(|s| s.id).collect()
}
