//! Captures written from known byte streams: a TCP conversation (what the
//! client sent, what the server sent) becomes the frames a capture of it
//! would hold, on any link type `observe` reads, in pcap or pcapng.
//!
//! The tests record real handshakes on loopback (a relay between a real
//! client and a real server) and write them with this, shaped the way
//! networks and capture tools shape them: segments split, reordered and
//! retransmitted, VLAN tags, cooked Linux headers, a short snaplen. The
//! benchmark writes its large capture with it. Nothing here opens a socket.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};

use super::packets::link;

/// Which side sent a chunk of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client (the connection's initiator).
    Client,
    /// The server.
    Server,
}

/// One TCP connection: who talked to whom, and the bytes in the order they
/// were sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// The client's address and port.
    pub client: SocketAddr,
    /// The server's address and port.
    pub server: SocketAddr,
    /// When the connection started (since the Unix epoch).
    pub start: Duration,
    /// What each side sent, in order.
    pub chunks: Vec<(Side, Vec<u8>)>,
}

/// How a conversation's segments travel (the receiver acknowledges every
/// second data segment with a segment of its own, as TCP's delayed ACKs do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The largest payload per segment.
    pub mss: usize,
    /// Each chunk's segments are captured last first.
    pub reverse: bool,
    /// Each chunk's first segment is captured twice (a retransmission).
    pub retransmit: bool,
    /// The three-way handshake is in the capture (else the capture starts
    /// with the first data segment).
    pub handshake: bool,
    /// FIN segments close the connection.
    pub close: bool,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            mss: 1460,
            reverse: false,
            retransmit: false,
            handshake: true,
            close: true,
        }
    }
}

/// The link layer frames are written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II.
    Ethernet,
    /// Ethernet II with one 802.1Q tag of this VLAN id.
    Vlan(u16),
    /// Linux cooked capture v1.
    Sll,
    /// Linux cooked capture v2.
    Sll2,
    /// Raw IP.
    Raw,
    /// BSD loopback (address family, little-endian).
    Null,
}

impl Link {
    fn linktype(self) -> u32 {
        match self {
            Link::Ethernet | Link::Vlan(_) => link::ETHERNET,
            Link::Sll => link::LINUX_SLL,
            Link::Sll2 => link::LINUX_SLL2,
            Link::Raw => link::RAW,
            Link::Null => link::NULL,
        }
    }

    /// The frame for an IP packet.
    fn frame(self, ip: &[u8], v6: bool) -> Vec<u8> {
        let ether_type: u16 = if v6 { 0x86DD } else { 0x0800 };
        let mut f = Vec::with_capacity(ip.len() + 24);
        match self {
            Link::Ethernet | Link::Vlan(_) => {
                f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]);
                if let Link::Vlan(id) = self {
                    f.extend_from_slice(&0x8100u16.to_be_bytes());
                    f.extend_from_slice(&(id & 0x0FFF).to_be_bytes());
                }
                f.extend_from_slice(&ether_type.to_be_bytes());
            }
            Link::Sll => {
                f.extend_from_slice(&[0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0]);
                f.extend_from_slice(&ether_type.to_be_bytes());
            }
            Link::Sll2 => {
                f.extend_from_slice(&ether_type.to_be_bytes());
                f.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
                f.extend_from_slice(&[0x02, 0, 0, 0, 0, 1, 0, 0]);
            }
            Link::Raw => {}
            Link::Null => f.extend_from_slice(&(if v6 { 30u32 } else { 2u32 }).to_le_bytes()),
        }
        f.extend_from_slice(ip);
        f
    }
}

/// The capture file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap (microsecond timestamps).
    Pcap,
    /// pcapng (one interface, nanosecond timestamps).
    PcapNg,
}

enum Out<W: Write> {
    Pcap(PcapWriter<W>),
    PcapNg(PcapNgWriter<W>),
}

/// Writes frames into a capture.
pub struct CaptureWriter<W: Write> {
    out: Out<W>,
    link: Link,
    snaplen: u32,
    /// Frames written.
    pub frames: u64,
}

impl<W: Write> std::fmt::Debug for CaptureWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureWriter")
            .field("link", &self.link)
            .field("snaplen", &self.snaplen)
            .field("frames", &self.frames)
            .finish()
    }
}

/// A capture that cannot be written.
pub type WriteError = pcap_file::PcapError;

impl<W: Write> CaptureWriter<W> {
    /// A capture in `format` over `link`, cutting frames at `snaplen`.
    pub fn new(
        writer: W,
        format: Format,
        link: Link,
        snaplen: u32,
    ) -> Result<CaptureWriter<W>, WriteError> {
        let datalink = DataLink::from(link.linktype());
        let out = match format {
            Format::Pcap => Out::Pcap(PcapWriter::with_header(
                writer,
                PcapHeader {
                    snaplen,
                    datalink,
                    ..PcapHeader::default()
                },
            )?),
            Format::PcapNg => {
                let mut w = PcapNgWriter::new(writer)?;
                w.write_pcapng_block(InterfaceDescriptionBlock {
                    linktype: datalink,
                    snaplen,
                    options: vec![InterfaceDescriptionOption::IfTsResol(9)],
                })?;
                Out::PcapNg(w)
            }
        };
        Ok(CaptureWriter {
            out,
            link,
            snaplen,
            frames: 0,
        })
    }

    /// Writes one frame (cut at the snaplen).
    pub fn frame(&mut self, time: Duration, frame: &[u8]) -> Result<(), WriteError> {
        let cut = frame
            .get(
                ..usize::try_from(self.snaplen)
                    .unwrap_or(usize::MAX)
                    .min(frame.len()),
            )
            .unwrap_or(frame);
        let orig_len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        match &mut self.out {
            Out::Pcap(w) => {
                w.write_packet(&PcapPacket::new(time, orig_len, cut))?;
            }
            Out::PcapNg(w) => {
                w.write_pcapng_block(EnhancedPacketBlock {
                    interface_id: 0,
                    timestamp: time,
                    original_len: orig_len,
                    data: cut.into(),
                    options: vec![],
                })?;
            }
        }
        self.frames += 1;
        Ok(())
    }

    /// Writes one TCP segment from `src` to `dst`.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        time: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        ack: Option<u32>,
        flags: Flags,
        payload: &[u8],
    ) -> Result<(), WriteError> {
        // An IP packet holding the segment.
        let step = match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
            (s, d) => {
                let v6 = |a: IpAddr| match a {
                    IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                    IpAddr::V6(a) => a.octets(),
                };
                PacketBuilder::ipv6(v6(s), v6(d), 64)
            }
        };
        let mut tcp = step.tcp(src.port(), dst.port(), seq, 65535);
        if let Some(ack) = ack {
            tcp = tcp.ack(ack);
        }
        if flags.syn {
            tcp = tcp.syn();
        }
        if flags.fin {
            tcp = tcp.fin();
        }
        if flags.rst {
            tcp = tcp.rst();
        }
        if !payload.is_empty() {
            tcp = tcp.psh();
        }
        let mut ip = Vec::with_capacity(tcp.size(payload.len()));
        // Writing into a Vec cannot fail; a payload too large for one IP
        // packet is a caller bug and gives an empty packet.
        let _ = tcp.write(&mut ip, payload);
        let frame = self.link.frame(&ip, src.is_ipv6());
        self.frame(time, &frame)
    }

    /// Writes a whole conversation: handshake, data segments, close.
    pub fn conversation(&mut self, c: &Conversation, shape: Shape) -> Result<(), WriteError> {
        let mut time = c.start;
        let mut tick = || {
            time += Duration::from_micros(50);
            time
        };
        // Initial sequence numbers differ per connection, as in real TCP.
        let isn = (c.start.as_nanos() as u32)
            .wrapping_mul(2_654_435_761)
            .wrapping_add(u32::from(c.client.port()) << 16);
        let (mut cseq, mut sseq) = (isn, isn.wrapping_mul(31).wrapping_add(0x7000_0000));
        if shape.handshake {
            self.segment(tick(), c.client, c.server, cseq, None, Flags::SYN, &[])?;
            self.segment(
                tick(),
                c.server,
                c.client,
                sseq,
                Some(cseq.wrapping_add(1)),
                Flags::SYN,
                &[],
            )?;
            self.segment(
                tick(),
                c.client,
                c.server,
                cseq.wrapping_add(1),
                Some(sseq.wrapping_add(1)),
                Flags::NONE,
                &[],
            )?;
        }
        cseq = cseq.wrapping_add(1);
        sseq = sseq.wrapping_add(1);
        for (side, bytes) in &c.chunks {
            let (ends, seq, ack) = match side {
                Side::Client => ((c.client, c.server), &mut cseq, sseq),
                Side::Server => ((c.server, c.client), &mut sseq, cseq),
            };
            self.data(&mut tick, ends, seq, ack, bytes, shape)?;
        }
        if shape.close {
            self.segment(
                tick(),
                c.client,
                c.server,
                cseq,
                Some(sseq),
                Flags::FIN,
                &[],
            )?;
            self.segment(
                tick(),
                c.server,
                c.client,
                sseq,
                Some(cseq.wrapping_add(1)),
                Flags::FIN,
                &[],
            )?;
        }
        Ok(())
    }

    /// One side's bytes as segments of at most `shape.mss` from `src` to
    /// `dst` (reversed or with a retransmission as `shape` says), every
    /// second one acknowledged; `seq` moves past them.
    fn data(
        &mut self,
        tick: &mut dyn FnMut() -> Duration,
        (src, dst): (SocketAddr, SocketAddr),
        seq: &mut u32,
        ack: u32,
        bytes: &[u8],
        shape: Shape,
    ) -> Result<(), WriteError> {
        let mut segments: Vec<(u32, &[u8])> = Vec::new();
        let mut at = *seq;
        for piece in bytes.chunks(shape.mss.max(1)) {
            segments.push((at, piece));
            at = at.wrapping_add(piece.len() as u32);
        }
        *seq = at;
        if shape.reverse {
            segments.reverse();
        }
        if shape.retransmit {
            if let Some(&first) = segments.first() {
                segments.push(first);
            }
        }
        for (i, (s, piece)) in segments.into_iter().enumerate() {
            self.segment(tick(), src, dst, s, Some(ack), Flags::NONE, piece)?;
            // The receiver acknowledges every second segment.
            if i % 2 == 1 {
                let next = s.wrapping_add(piece.len() as u32);
                self.segment(tick(), dst, src, ack, Some(next), Flags::NONE, &[])?;
            }
        }
        Ok(())
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        match self.out {
            Out::Pcap(w) => w.into_writer(),
            Out::PcapNg(w) => w.into_inner(),
        }
    }
}

/// TCP flags of a written segment (ACK is set whenever an ack number is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// SYN.
    pub syn: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
}

impl Flags {
    /// No flag but ACK.
    pub const NONE: Flags = Flags {
        syn: false,
        fin: false,
        rst: false,
    };
    /// SYN.
    pub const SYN: Flags = Flags {
        syn: true,
        fin: false,
        rst: false,
    };
    /// FIN.
    pub const FIN: Flags = Flags {
        syn: false,
        fin: true,
        rst: false,
    };
}
