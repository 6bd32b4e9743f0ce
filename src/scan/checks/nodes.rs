//! Nodes: more than one server behind one address, told apart by the keys
//! that sealed their session tickets.
//!
//! Behind a balancer, each connection is answered by one node. Nodes that
//! differ in one client's suites only contradict each other only when two
//! answers about that client come from different nodes; when every answer
//! about it happens to come from one node, nothing disagrees and that
//! node's verdict would stand for the address (`super::consistency` cannot
//! see it, `super::corroboration` is never asked). This check looks at
//! something every node puts in every full handshake instead.
//!
//! Up to TLS 1.2 a server that issues a session ticket sends it in the
//! clear, after the client's Finished (the real handshakes of the
//! confirmation ask for one, as the profiles' own hellos do). A ticket is
//! opaque, but every common server starts it with the name of the key that
//! sealed it: RFC 5077 section 4 recommends a 16-byte `key_name` first
//! (OpenSSL and BoringSSL, Go, rustls), Java's JSSE starts it with a 4-byte
//! key id, mbed TLS with a 4-byte name. Each process makes its own key when
//! it starts unless an operator shares one, so two nodes seal under two
//! names. The rules:
//! - the first [`KEY_NAME`] bytes of each ticket name its key; a shorter
//!   (or empty) ticket says nothing;
//! - two or more names among the tickets, with some name on two tickets,
//!   are several nodes: the server is then *unsteady* and every verdict is
//!   corroborated (`super::corroboration`), as after a contradiction (each
//!   profile's hello asked [`ASKS`] times), but
//!   no verdict becomes inconclusive on this alone, and the scan stays
//!   complete (nodes configured alike are a healthy cluster);
//! - as many names as tickets says nothing: a format whose first bytes are
//!   random (an IV first) looks like that, and one name per ticket cannot
//!   be told from it.
//!
//! A node that changed its key during the scan (seconds long) looks like
//! two nodes: that costs more questions, never a verdict. Nodes that share
//! their ticket key, or issue no tickets, are not seen here; `--repeat`
//! then asks more (docs/unsteady.md).

use std::collections::BTreeMap;

use crate::results::{Issue, IssueCode};
use crate::scan::probes::ProbeRecord;

/// How many leading bytes of a ticket name its key: the shortest key name
/// among the common formats (JSSE's and mbed TLS's), a prefix of the
/// longer ones.
pub(crate) const KEY_NAME: usize = 4;

/// How many times each profile's own hello is asked once several nodes
/// showed (more than after a contradiction, `super::corroboration::ASKS`):
/// the nodes may differ in one client's suites only, and every answer
/// about that client coming from one node of two is a chance of one in
/// 128 with eight asks, one in 16 with five. Only an address that showed
/// several nodes pays for it.
pub(crate) const ASKS: usize = 8;

/// The `several_nodes` issue, when the tickets were sealed under several
/// keys by the rules above; `None` otherwise.
pub(crate) fn several(records: &[ProbeRecord]) -> Option<Issue> {
    let mut names: BTreeMap<&[u8], usize> = BTreeMap::new();
    for ticket in records.iter().filter_map(|r| r.session_ticket.as_deref()) {
        if let Some(name) = ticket.get(..KEY_NAME) {
            *names.entry(name).or_default() += 1;
        }
    }
    let tickets: usize = names.values().sum();
    if names.len() < 2 || names.len() == tickets {
        return None;
    }
    Some(Issue {
        code: IssueCode::SeveralNodes,
        message: format!(
            "more than one server answers at this address: its {tickets} session tickets were \
             sealed under {} different keys, so each client's hello was asked up to {ASKS} times",
            names.len()
        ),
        probes: tickets,
        profiles: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{HelloSpec, Outcome};
    use crate::scan::probes::Purpose;

    fn with_ticket(ticket: Option<&[u8]>) -> ProbeRecord {
        ProbeRecord {
            purpose: Purpose::Replay("p".into()),
            spec: HelloSpec::at(crate::model::version::TlsVersion::Tls12, vec![], None),
            outcome: Outcome::Closed,
            handshake: None,
            peer_chain: Vec::new(),
            session_ticket: ticket.map(<[u8]>::to_vec),
        }
    }

    fn tickets(list: &[Option<&[u8]>]) -> Vec<ProbeRecord> {
        list.iter().map(|t| with_ticket(*t)).collect()
    }

    #[test]
    fn two_keys_with_a_repeat_are_several_nodes() {
        let a: &[u8] = b"AAAA-ticket-one";
        let a2: &[u8] = b"AAAA-ticket-two";
        let b: &[u8] = b"BBBB-ticket";
        let issue = several(&tickets(&[Some(a), None, Some(b), Some(a2)])).unwrap();
        assert_eq!(issue.code, IssueCode::SeveralNodes);
        assert_eq!(issue.probes, 3);
        assert!(
            issue.message.contains("3 session tickets"),
            "{}",
            issue.message
        );
        assert!(
            issue.message.contains("2 different keys"),
            "{}",
            issue.message
        );
        assert!(issue.profiles.is_empty());
    }

    #[test]
    fn one_key_no_ticket_or_a_name_per_ticket_say_nothing() {
        let a: &[u8] = b"AAAA-1";
        let a2: &[u8] = b"AAAA-2";
        let b: &[u8] = b"BBBB";
        let c: &[u8] = b"CCCC";
        // One node.
        assert!(several(&tickets(&[Some(a), Some(a2), Some(a)])).is_none());
        // No tickets, or too short to name a key.
        assert!(several(&tickets(&[None, None])).is_none());
        assert!(several(&tickets(&[Some(b"AAA"), Some(b"BBB"), Some(b"AAA")])).is_none());
        // Every ticket its own name: random first bytes, or one node each.
        assert!(several(&tickets(&[Some(a), Some(b), Some(c)])).is_none());
        assert!(several(&tickets(&[Some(a), Some(b)])).is_none());
        // A short ticket beside them changes nothing.
        assert!(several(&tickets(&[Some(a), Some(b), Some(b"AA")])).is_none());
    }
}
