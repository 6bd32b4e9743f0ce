//! The exposed agent port: an agent whose listening port answers this
//! scanner answers anyone.
//!
//! To reach an agent, the Deep Security Manager adds a hidden firewall rule
//! (priority 4, bypass) that opens the agent's listening port to incoming TCP
//! from any IP and MAC address. The vendor's advice is to restrict it with a
//! priority-4 force-allow or bypass rule limited to the manager's addresses.
//! A scanner that is not the manager completing a handshake (or getting a
//! ServerHello) on an agent shows that the rule was never restricted, so the
//! scan says so with the advice, as a finding: it informs, it changes no
//! verdict.

use super::Knowledge;
use super::{Check, Judging, Scope, Seen};
use crate::model::profile::Role;
use crate::model::target::Target;
use crate::results::findings::{Finding, FindingCode};
use crate::results::{Confirmed, ProfileReport};

/// `agent_port_exposed` when the target is an agent and the scanner got
/// through: some profile completed a full handshake, or some first flight
/// was accepted.
pub(super) fn findings(target: &Target, k: &Knowledge, profiles: &[ProfileReport]) -> Vec<Finding> {
    if target.role != Role::Agent {
        return Vec::new();
    }
    let handshake = profiles
        .iter()
        .any(|p| p.confirmed == Confirmed::FullHandshake);
    let accepted = k.accepted.values().any(|suites| !suites.is_empty());
    if !(handshake || accepted) {
        return Vec::new();
    }
    let how = if handshake {
        "completed a TLS handshake with this scanner"
    } else {
        "accepted this scanner's ClientHello"
    };
    vec![Finding::new(
        FindingCode::AgentPortExposed,
        format!(
            "the agent's port {port} {how}, so it answers hosts other than the manager: by \
             default the manager opens the agent's listening port to any IP and MAC address \
             with a hidden priority-4 bypass firewall rule; restrict it with a priority-4 \
             force-allow or bypass rule (incoming, TCP, destination port {port}) limited to \
             the manager's addresses",
            port = target.port
        ),
    )]
}

/// An agent port that answers the scanner.
pub(crate) struct Exposure;

impl Check for Exposure {
    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let more = findings(scope.target, seen.k, &out.report.profiles);
        out.report.findings.extend(more);
    }
}
