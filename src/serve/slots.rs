//! Who holds the emulator's connection slots, and who gives one up when it
//! is full.
//!
//! A fixed pool of slots alone lets anyone who opens enough connections (idle
//! ones, half-sent ClientHellos, finished handshakes that trickle a byte now
//! and then) keep every real client out until their timeouts run. So the
//! table also caps the slots one source address may hold
//! ([`Limits::max_per_peer`]), and when every slot is taken a newcomer is
//! admitted by evicting someone who has had their turn: first the oldest
//! connection past its handshake (the emulator speaks no application
//! protocol, so that client already has all it can get), else the oldest
//! unfinished handshake of the source holding the most slots (a flooder's,
//! not a lone client's). Refusals are then only for a source over its own
//! cap.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::Limits;

/// Why a connection was refused on accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Its source address already holds [`Limits::max_per_peer`] slots.
    PerPeer,
    /// Every slot is taken and none can be given up.
    Full,
}

impl RefusalReason {
    /// For people: "too many connections from this address" …
    pub fn describe(self) -> &'static str {
        match self {
            RefusalReason::PerPeer => "too many connections from this address",
            RefusalReason::Full => "too many connections",
        }
    }
}

#[derive(Debug)]
struct Conn {
    ip: IpAddr,
    /// Past the handshake.
    established: bool,
    /// Tells the connection to give its slot up; `None` once told.
    evict: Option<oneshot::Sender<()>>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    /// By age: ids only grow.
    conns: BTreeMap<u64, Conn>,
    /// Slots held per source (told-to-go connections included until they are
    /// gone).
    per_peer: HashMap<IpAddr, usize>,
    /// Connections not yet told to go.
    live: usize,
}

/// The slot table, shared by the accept loop and every connection.
#[derive(Debug, Clone)]
pub(super) struct Slots {
    max_connections: usize,
    max_per_peer: usize,
    table: Arc<Mutex<Table>>,
}

/// A held slot; dropping it frees the slot.
#[derive(Debug)]
pub(super) struct Slot {
    id: u64,
    table: Arc<Mutex<Table>>,
}

/// A slot and the signal that asks its connection to give it up.
pub(super) type Admission = (Slot, oneshot::Receiver<()>);

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    // The table stays consistent under every early return, so a panic
    // elsewhere does not make it unusable.
    table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Slots {
    pub(super) fn new(limits: &Limits) -> Slots {
        Slots {
            max_connections: limits.max_connections.max(1),
            max_per_peer: limits.max_per_peer.max(1),
            table: Arc::new(Mutex::new(Table::default())),
        }
    }

    /// A slot for a connection from `ip`, evicting someone when full.
    pub(super) fn admit(&self, ip: IpAddr) -> Result<Admission, RefusalReason> {
        let mut t = lock(&self.table);
        if t.per_peer.get(&ip).copied().unwrap_or(0) >= self.max_per_peer {
            return Err(RefusalReason::PerPeer);
        }
        // Evicted connections hold their slots until they are gone (at their
        // next poll); never more than twice the pool in all.
        if t.conns.len() >= self.max_connections.saturating_mul(2)
            || (t.live >= self.max_connections && !evict_one(&mut t))
        {
            return Err(RefusalReason::Full);
        }
        let (tx, rx) = oneshot::channel();
        let id = t.next_id;
        t.next_id += 1;
        t.conns.insert(
            id,
            Conn {
                ip,
                established: false,
                evict: Some(tx),
            },
        );
        *t.per_peer.entry(ip).or_insert(0) += 1;
        t.live += 1;
        Ok((
            Slot {
                id,
                table: self.table.clone(),
            },
            rx,
        ))
    }

    /// Slots held (connections told to go included until they are gone).
    #[cfg(test)]
    fn held(&self) -> usize {
        lock(&self.table).conns.len()
    }
}

/// Tells one connection to go: the oldest established one, else the oldest
/// unfinished handshake of the source with the most live slots. False when
/// nobody can go.
fn evict_one(t: &mut Table) -> bool {
    let victim = t
        .conns
        .iter()
        .find(|(_, c)| c.established && c.evict.is_some())
        .map(|(id, _)| *id)
        .or_else(|| {
            let mut pending: HashMap<IpAddr, usize> = HashMap::new();
            for c in t.conns.values().filter(|c| c.evict.is_some()) {
                *pending.entry(c.ip).or_insert(0) += 1;
            }
            // The heaviest source; among equals, any.
            let heaviest = pending.into_iter().max_by_key(|(_, n)| *n)?.0;
            t.conns
                .iter()
                .find(|(_, c)| c.ip == heaviest && c.evict.is_some())
                .map(|(id, _)| *id)
        });
    let Some(tx) = victim
        .and_then(|id| t.conns.get_mut(&id))
        .and_then(|c| c.evict.take())
    else {
        return false;
    };
    // A connection already gone frees its slot itself.
    let _ = tx.send(());
    t.live = t.live.saturating_sub(1);
    true
}

impl Slot {
    /// The handshake is done: from now on this connection is the first to go.
    pub(super) fn established(&self) {
        if let Some(c) = lock(&self.table).conns.get_mut(&self.id) {
            c.established = true;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut t = lock(&self.table);
        if let Some(c) = t.conns.remove(&self.id) {
            if c.evict.is_some() {
                t.live = t.live.saturating_sub(1);
            }
            if let Some(n) = t.per_peer.get_mut(&c.ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    t.per_peer.remove(&c.ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn slots(max: usize, per_peer: usize) -> Slots {
        Slots::new(&Limits {
            max_connections: max,
            max_per_peer: per_peer,
            ..Limits::default()
        })
    }

    #[test]
    fn a_source_over_its_cap_is_refused_and_freed_slots_come_back() {
        let s = slots(10, 2);
        let a = s.admit(ip(2)).unwrap();
        let _b = s.admit(ip(2)).unwrap();
        assert_eq!(s.admit(ip(2)).unwrap_err(), RefusalReason::PerPeer);
        assert!(s.admit(ip(3)).is_ok());
        drop(a);
        assert!(s.admit(ip(2)).is_ok());
    }

    #[test]
    fn when_full_the_heaviest_sources_oldest_handshake_goes() {
        let s = slots(4, 3);
        let (_lone, mut lone_rx) = s.admit(ip(9)).unwrap();
        let (_a1, mut a1) = s.admit(ip(2)).unwrap();
        let (_a2, mut a2) = s.admit(ip(2)).unwrap();
        let (_b1, mut b1) = s.admit(ip(3)).unwrap();
        let (_new, _) = s.admit(ip(4)).unwrap();
        assert!(a1.try_recv().is_ok(), "the heaviest source's oldest goes");
        assert!(a2.try_recv().is_err());
        assert!(b1.try_recv().is_err());
        assert!(lone_rx.try_recv().is_err());
        // The evicted one holds its slot until it is gone.
        assert_eq!(s.held(), 5);
    }

    #[test]
    fn when_full_a_finished_handshake_goes_first() {
        let s = slots(2, 2);
        let (a, mut a_rx) = s.admit(ip(2)).unwrap();
        let (b, mut b_rx) = s.admit(ip(2)).unwrap();
        let (_c, mut c_rx) = s.admit(ip(3)).unwrap();
        assert!(a_rx.try_recv().is_ok());
        drop(a);
        b.established();
        let _d = s.admit(ip(4)).unwrap();
        assert!(b_rx.try_recv().is_ok(), "the established one goes");
        assert!(c_rx.try_recv().is_err());
    }

    #[test]
    fn evicted_but_not_yet_gone_counts_toward_a_hard_bound() {
        let s = slots(1, 1);
        let _a = s.admit(ip(2)).unwrap();
        // `a` is told to go but has not gone yet: twice the pool is the bound.
        let _b = s.admit(ip(3)).unwrap();
        assert_eq!(s.held(), 2);
        assert_eq!(s.admit(ip(4)).unwrap_err(), RefusalReason::Full);
    }
}
