//! Per-connection reassembly of the first flights: the client's ClientHello
//! and the server's answer (ServerHello or alert), from TCP segments that
//! may arrive split, retransmitted, out of order or cut by the snaplen.
//!
//! Only the start of each direction is kept, and only until the hello and
//! its answer are read; then the connection's buffers are freed and its
//! later packets cost a table lookup. Everything is bounded: the number of
//! connections tracked at once ([`Limits::max_flows`]: the oldest is given
//! up for a new one), the bytes buffered per direction
//! ([`Limits::max_stream_bytes`]) and in all ([`Limits::max_buffered`]).
//! What could not be read is counted in [`TcpStats`], never guessed.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use super::packets::Segment;
use crate::wire::codes::{CipherSuiteId, ProtocolVersion};
use crate::wire::{Alert, ClientHello, FlightReader, HelloRead, Message, WireError};

/// How much reassembly may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections tracked at once.
    pub max_flows: usize,
    /// Bytes buffered per direction of a connection (a ClientHello is at
    /// most 64 KiB plus its record headers).
    pub max_stream_bytes: usize,
    /// Bytes buffered over all connections.
    pub max_buffered: usize,
    /// Distinct (client, server, offer) rows kept; more are counted and
    /// left out (a manager's capture has one or two per agent).
    pub max_groups: usize,
    /// Bytes the rows' offers and names may take together (a hostile
    /// capture could send 100,000 hellos of 30,000 suites each).
    pub max_group_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_flows: 65_536,
            max_stream_bytes: 80 * 1024,
            max_buffered: 64 * 1024 * 1024,
            max_groups: 100_000,
            max_group_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What the server answered to a ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Answer {
    /// A ServerHello (or HelloRetryRequest).
    Hello {
        /// The version chosen (supported_versions, else legacy_version).
        version: ProtocolVersion,
        /// The suite chosen.
        suite: CipherSuiteId,
        /// A HelloRetryRequest, not a ServerHello.
        retry: bool,
    },
    /// An alert.
    Alert(Alert),
}

/// One ClientHello seen on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The client's address and port.
    pub client: SocketAddr,
    /// The server's address and port.
    pub server: SocketAddr,
    /// The connection's first packet.
    pub time: Duration,
    /// The hello.
    pub hello: ClientHello,
    /// The server's answer, when the capture holds it.
    pub answer: Option<Answer>,
}

/// What reassembly could not read, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct TcpStats {
    /// TCP connections tracked (a SYN, or a first segment that starts a
    /// ClientHello).
    pub connections: u64,
    /// ClientHellos read whole.
    pub hellos: u64,
    /// Hellos answered by a ServerHello or an alert in the capture.
    pub answered: u64,
    /// Connections whose client spoke something other than TLS.
    pub not_tls: u64,
    /// Connections whose ClientHello is malformed.
    pub malformed: u64,
    /// The first malformed hello's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed_example: Option<String>,
    /// Hellos the capture's snaplen cut: not read.
    pub truncated: u64,
    /// Hellos begun but not whole when the connection closed or the capture
    /// ended (lost segments, or a capture started mid-hello).
    pub incomplete: u64,
    /// Connections given up for newer ones (more than `max_flows` at once).
    pub evicted: u64,
    /// Connections given up because all buffers together were full.
    pub dropped_for_memory: u64,
    /// Hellos larger than the per-connection buffer.
    pub oversized: u64,
}

/// The start of one direction of a connection.
#[derive(Debug, Default)]
struct Stream {
    /// The sequence number of the first byte (after the SYN).
    base: Option<u32>,
    /// The bytes from `base` on, without gaps.
    data: Vec<u8>,
    /// Segments beyond a gap: (offset from `base`, bytes).
    pending: Vec<(u32, Vec<u8>)>,
    /// Bytes in `pending`.
    pending_bytes: usize,
    /// A segment of this direction was cut by the snaplen.
    truncated: bool,
}

impl Stream {
    fn held(&self) -> usize {
        self.data.len() + self.pending_bytes
    }

    /// Adds a segment; returns how many bytes are now held in addition, and
    /// whether the gapless data grew. `None`: over `cap`.
    fn insert(&mut self, seq: u32, payload: &[u8], cap: usize) -> Option<(usize, bool)> {
        let Some(base) = self.base else {
            return Some((0, false));
        };
        let offset = seq.wrapping_sub(base);
        if offset >= 1 << 31 {
            // Before the start (a retransmission of the SYN's data?): known.
            let skip = (base.wrapping_sub(seq)) as usize;
            if skip >= payload.len() {
                return Some((0, false));
            }
            return self.insert(base, payload.get(skip..).unwrap_or_default(), cap);
        }
        let offset = offset as usize;
        let before = self.held();
        let len = self.data.len();
        let grew = if offset <= len {
            let new = payload.get(len - offset..).unwrap_or_default();
            if new.is_empty() {
                return Some((0, false));
            }
            if before + new.len() > cap {
                return None;
            }
            self.data.extend_from_slice(new);
            // Pending segments that now touch the data.
            loop {
                let len = self.data.len();
                let Some(i) = self.pending.iter().position(|(o, _)| *o as usize <= len) else {
                    break;
                };
                let (o, bytes) = self.pending.swap_remove(i);
                self.pending_bytes -= bytes.len();
                if let Some(tail) = bytes.get(len - o as usize..) {
                    self.data.extend_from_slice(tail);
                }
            }
            true
        } else {
            if payload.is_empty()
                || self
                    .pending
                    .iter()
                    .any(|(o, b)| *o as usize == offset && b.len() >= payload.len())
            {
                return Some((0, false));
            }
            if before + payload.len() > cap || self.pending.len() >= 256 {
                return None;
            }
            self.pending_bytes += payload.len();
            self.pending.push((offset as u32, payload.to_vec()));
            false
        };
        Some((self.held().saturating_sub(before), grew))
    }

    fn clear(&mut self) -> usize {
        let held = self.held();
        self.data = Vec::new();
        self.pending = Vec::new();
        self.pending_bytes = 0;
        held
    }
}

#[derive(Debug)]
enum Phase {
    /// Waiting for the client's hello.
    Hello,
    /// The hello is read; waiting for the server's answer.
    Answer(Box<ClientHello>),
    /// Nothing more to read on this connection.
    Done,
}

#[derive(Debug)]
struct Flow {
    id: u64,
    first: Duration,
    /// The client's side: 0 for the key's first address, 1 for the second.
    client: usize,
    dirs: [Stream; 2],
    phase: Phase,
}

type Key = (SocketAddr, SocketAddr);

/// The connection table.
#[derive(Debug, Default)]
pub struct Tracker {
    limits: Limits,
    flows: HashMap<Key, Flow>,
    /// Flows in creation order (stale entries skipped), for eviction.
    order: VecDeque<(Key, u64)>,
    next_id: u64,
    buffered: usize,
    /// What could not be read.
    pub stats: TcpStats,
}

/// Whether `payload` starts like a ClientHello record.
fn starts_client_hello(payload: &[u8]) -> bool {
    matches!(payload, [22, 3, _, _, _, 1, ..])
}

/// Whether `payload` starts like a TLS record (a server's answer).
fn starts_tls_record(payload: &[u8]) -> bool {
    matches!(payload, [20..=24, 3, ..])
}

impl Tracker {
    /// An empty table with these limits.
    pub fn new(limits: Limits) -> Tracker {
        Tracker {
            limits,
            ..Tracker::default()
        }
    }

    /// Connections tracked now.
    pub fn tracked(&self) -> usize {
        self.flows.len()
    }

    /// Bytes buffered now.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Takes one segment captured at `time`; hands out each hello whose
    /// connection is read (answered, closed or given up).
    pub fn segment(&mut self, time: Duration, seg: &Segment<'_>, out: &mut dyn FnMut(Seen)) {
        let (key, dir) = if seg.src <= seg.dst {
            ((seg.src, seg.dst), 0)
        } else {
            ((seg.dst, seg.src), 1)
        };
        if !self.track(key, dir, time, seg, out) {
            return;
        }
        let max_stream = self.limits.max_stream_bytes;
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let client_side = dir == flow.client;
        let reading_hello = matches!(flow.phase, Phase::Hello);
        let stream = &mut flow.dirs[dir];
        if seg.syn {
            stream.base.get_or_insert(seg.seq.wrapping_add(1));
        }
        let mut grew = false;
        let mut over = false;
        if !seg.payload.is_empty() && !matches!(flow.phase, Phase::Done) {
            if stream.base.is_none() {
                let starts = if client_side {
                    starts_client_hello(seg.payload)
                } else {
                    starts_tls_record(seg.payload)
                };
                if starts {
                    stream.base = Some(seg.seq);
                }
            }
            stream.truncated |= seg.truncated;
            match stream.insert(seg.seq, seg.payload, max_stream) {
                Some((added, g)) => {
                    grew = g;
                    self.buffered += added;
                }
                // The server's answer beyond the cap is not needed.
                None => over = client_side && reading_hello,
            }
        }
        if over {
            self.stats.oversized += 1;
            self.emit(key, None, out);
        }
        if self.buffered > self.limits.max_buffered {
            self.stats.dropped_for_memory += 1;
            self.emit(key, None, out);
        }
        if grew {
            self.advance(key, out);
        }
        let close = seg.rst
            || (seg.fin
                && self
                    .flows
                    .get(&key)
                    .is_some_and(|f| dir != f.client || !matches!(f.phase, Phase::Answer(_))));
        if close {
            self.finish(key, out);
        }
    }

    /// Finds or opens the connection of a segment: a SYN with a new
    /// sequence number on known ports ends the old connection first; a
    /// connection first seen mid-stream is tracked only from a ClientHello.
    /// Whether the segment's connection is tracked.
    fn track(
        &mut self,
        key: Key,
        dir: usize,
        time: Duration,
        seg: &Segment<'_>,
        out: &mut dyn FnMut(Seen),
    ) -> bool {
        // A SYN for a connection we know of, with another sequence number,
        // is a new connection on the same ports (the same number: a
        // retransmitted SYN).
        if seg.syn && !seg.ack {
            let fresh = self
                .flows
                .get(&key)
                .is_some_and(|flow| flow.dirs[dir].base != Some(seg.seq.wrapping_add(1)));
            if fresh {
                self.finish(key, out);
            }
        }
        if !self.flows.contains_key(&key) {
            let client = if seg.syn {
                if seg.ack { 1 - dir } else { dir }
            } else if starts_client_hello(seg.payload) {
                dir
            } else {
                return false;
            };
            self.open(key, time, client, out);
        }
        true
    }

    /// Ends the capture: every connection still open is settled.
    pub fn finish_all(&mut self, out: &mut dyn FnMut(Seen)) {
        let mut keys: Vec<(u64, Key)> = self.flows.iter().map(|(k, f)| (f.id, *k)).collect();
        keys.sort_unstable();
        for (_, key) in keys {
            self.finish(key, out);
        }
        self.order.clear();
    }

    fn open(&mut self, key: Key, time: Duration, client: usize, out: &mut dyn FnMut(Seen)) {
        while self.flows.len() >= self.limits.max_flows.max(1) {
            let Some((old, id)) = self.order.pop_front() else {
                break;
            };
            if self.flows.get(&old).is_some_and(|f| f.id == id) {
                let pending = self
                    .flows
                    .get(&old)
                    .is_some_and(|f| !matches!(f.phase, Phase::Done));
                if pending {
                    self.stats.evicted += 1;
                }
                self.finish_quietly(old, out);
            }
        }
        // Stale entries (finished flows) are dropped as the queue grows.
        if self.order.len() > 2 * self.limits.max_flows.max(1) {
            let flows = &self.flows;
            self.order
                .retain(|(k, id)| flows.get(k).is_some_and(|f| f.id == *id));
        }
        self.next_id += 1;
        self.stats.connections += 1;
        self.flows.insert(
            key,
            Flow {
                id: self.next_id,
                first: time,
                client,
                dirs: [Stream::default(), Stream::default()],
                phase: Phase::Hello,
            },
        );
        self.order.push_back((key, self.next_id));
    }

    /// Reads what the grown streams now hold.
    fn advance(&mut self, key: Key, out: &mut dyn FnMut(Seen)) {
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        if matches!(flow.phase, Phase::Hello) {
            let client = &flow.dirs[flow.client];
            match crate::wire::read_client_hello(&client.data) {
                Ok(HelloRead::Incomplete) => return,
                Ok(HelloRead::Complete { hello, .. }) => {
                    self.stats.hellos += 1;
                    flow.phase = Phase::Answer(Box::new(hello));
                    let freed = flow.dirs[flow.client].clear();
                    self.buffered -= freed;
                }
                Err(WireError::NotTls { .. }) => {
                    self.stats.not_tls += 1;
                    self.done(key);
                    return;
                }
                Err(e) => {
                    self.stats.malformed += 1;
                    self.stats.malformed_example.get_or_insert(e.to_string());
                    self.done(key);
                    return;
                }
            }
        }
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        if !matches!(flow.phase, Phase::Answer(_)) {
            return;
        }
        let server = &flow.dirs[1 - flow.client];
        if server.data.is_empty() {
            return;
        }
        let mut reader = FlightReader::new();
        reader.feed(&server.data);
        let answer = loop {
            match reader.next_message() {
                Ok(Some(Message::ServerHello(sh))) => {
                    break Some(Answer::Hello {
                        version: sh.selected_version().unwrap_or(sh.legacy_version),
                        suite: sh.cipher_suite,
                        retry: sh.is_hello_retry_request(),
                    });
                }
                Ok(Some(Message::Alert(alert))) => break Some(Answer::Alert(alert)),
                Ok(Some(_)) => {}
                // Not whole yet: wait for more.
                Ok(None) => return,
                // An answer we cannot read: the hello stands alone.
                Err(_) => break None,
            }
        };
        if answer.is_some() {
            self.stats.answered += 1;
        }
        self.emit(key, answer, out);
    }

    /// Hands the hello out (if read) and marks the connection done.
    fn emit(&mut self, key: Key, answer: Option<Answer>, out: &mut dyn FnMut(Seen)) {
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        if let Phase::Answer(hello) = std::mem::replace(&mut flow.phase, Phase::Done) {
            let (a, b) = key;
            let (client, server) = if flow.client == 0 { (a, b) } else { (b, a) };
            out(Seen {
                client,
                server,
                time: flow.first,
                hello: *hello,
                answer,
            });
        }
        self.done(key);
    }

    /// Frees a connection's buffers; its later packets are ignored.
    fn done(&mut self, key: Key) {
        if let Some(flow) = self.flows.get_mut(&key) {
            if matches!(flow.phase, Phase::Hello) {
                flow.phase = Phase::Done;
            }
            if let Phase::Answer(_) = flow.phase {
                return;
            }
            let freed = flow.dirs[0].clear() + flow.dirs[1].clear();
            self.buffered -= freed;
        }
    }

    /// Settles and removes a connection: an unanswered hello is handed out,
    /// a hello never read whole is counted.
    fn finish(&mut self, key: Key, out: &mut dyn FnMut(Seen)) {
        if let Some(flow) = self.flows.get(&key) {
            if matches!(flow.phase, Phase::Hello) {
                let client = &flow.dirs[flow.client];
                if !client.data.is_empty() || client.pending_bytes > 0 {
                    if client.truncated {
                        self.stats.truncated += 1;
                    } else {
                        self.stats.incomplete += 1;
                    }
                }
            }
        }
        self.finish_quietly(key, out);
    }

    fn finish_quietly(&mut self, key: Key, out: &mut dyn FnMut(Seen)) {
        if let Some(flow) = self.flows.get_mut(&key) {
            if matches!(flow.phase, Phase::Hello) {
                flow.phase = Phase::Done;
            }
        }
        self.emit(key, None, out);
        if let Some(flow) = self.flows.remove(&key) {
            let held = flow.dirs[0].held() + flow.dirs[1].held();
            self.buffered -= held;
        }
    }
}
