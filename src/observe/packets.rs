//! Capture files as a stream of TCP segments: pcap and pcapng (through
//! `pcap-file`), link layers and packet headers (through `etherparse`).
//!
//! A capture is read packet by packet from a fixed-size buffer, never whole.
//! Link layers: Ethernet (with 802.1Q/802.1ad VLAN tags), Linux cooked
//! capture v1 (`tcpdump -i any` before libpcap 1.10) and v2, raw IP, and
//! the BSD null/loopback headers. A frame shorter than it was on the wire
//! (the capture's snaplen) is marked truncated, so reassembly can report a
//! hello it could not read whole instead of guessing.

use std::fs::File;
use std::io::{Cursor, Read};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_file::PcapError;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};

use super::ObserveError;

/// Link-layer types (the tcpdump.org LINKTYPE_ registry) we decode.
pub mod link {
    /// BSD loopback: a 4-byte address family in the host's byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II (VLAN tags included).
    pub const ETHERNET: u32 = 1;
    /// Raw IP (the LINKTYPE value; some systems write 12 or 14 for it).
    pub const RAW: u32 = 101;
    /// OpenBSD loopback: the address family in network byte order.
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (16-byte header).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (20-byte header).
    pub const LINUX_SLL2: u32 = 276;

    /// Whether `observe` decodes frames of this link type.
    pub fn supported(link: u32) -> bool {
        matches!(
            link,
            NULL | ETHERNET | RAW | 12 | 14 | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2
        )
    }
}

/// The most interfaces a pcapng file may describe: real captures have a
/// handful, and each one is kept for the rest of its section.
pub const MAX_INTERFACES: usize = 4096;

/// One captured frame.
#[derive(Debug)]
pub struct Frame<'a> {
    /// When it was captured (since the Unix epoch).
    pub time: Duration,
    /// Its link-layer type.
    pub link: u32,
    /// The bytes captured.
    pub data: &'a [u8],
    /// Its length on the wire; more than `data.len()` when the capture's
    /// snaplen cut it.
    pub orig_len: u32,
}

/// A TCP segment from a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The payload bytes captured.
    pub payload: &'a [u8],
    /// The frame was cut by the snaplen: the payload is shorter than sent.
    pub truncated: bool,
}

/// Why a frame gave no TCP segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not IP, or IP but not TCP (ARP, UDP, ICMP…).
    NotTcp,
    /// An IP fragment (TLS over fragmented IP is not reassembled).
    Fragment,
    /// A link type `observe` does not decode.
    UnsupportedLink,
    /// Headers that do not parse (cut before the TCP header, malformed).
    Malformed,
}

/// The TCP segment in a frame.
pub fn segment<'a>(frame: &Frame<'a>) -> Result<Segment<'a>, Skip> {
    let data = frame.data;
    let sliced = match frame.link {
        link::ETHERNET => LaxSlicedPacket::from_ethernet(data).map_err(|_| Skip::Malformed)?,
        link::LINUX_SLL => {
            let (Some(&[hi, lo]), Some(rest)) = (data.get(14..16), data.get(16..)) else {
                return Err(Skip::Malformed);
            };
            LaxSlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([hi, lo])), rest)
        }
        link::LINUX_SLL2 => {
            let (Some(&[hi, lo]), Some(rest)) = (data.get(..2), data.get(20..)) else {
                return Err(Skip::Malformed);
            };
            LaxSlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([hi, lo])), rest)
        }
        link::NULL | link::LOOP => {
            let rest = data.get(4..).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ip(rest).map_err(|_| Skip::Malformed)?
        }
        link::RAW | 12 | 14 | link::IPV4 | link::IPV6 => {
            LaxSlicedPacket::from_ip(data).map_err(|_| Skip::Malformed)?
        }
        _ => return Err(Skip::UnsupportedLink),
    };
    let (src_ip, dst_ip, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            (
                IpAddr::from(h.source_addr()),
                IpAddr::from(h.destination_addr()),
                ip.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            (
                IpAddr::from(h.source_addr()),
                IpAddr::from(h.destination_addr()),
                ip.payload(),
            )
        }
        _ => return Err(Skip::NotTcp),
    };
    if payload.fragmented {
        return Err(Skip::Fragment);
    }
    let tcp = match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => tcp,
        Some(_) => return Err(Skip::NotTcp),
        None if payload.ip_number == etherparse::IpNumber::TCP => return Err(Skip::Malformed),
        None => return Err(Skip::NotTcp),
    };
    let cut = usize::try_from(frame.orig_len).unwrap_or(usize::MAX) > data.len();
    Ok(Segment {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload: tcp.payload(),
        truncated: cut || payload.incomplete,
    })
}

/// What reading a file took in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Frames read.
    pub frames: u64,
    /// Bytes of the file read.
    pub bytes: u64,
}

/// The file format, from its first four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pcap,
    PcapNg,
}

fn format_of(magic: [u8; 4]) -> Option<Format> {
    match magic {
        [0xA1, 0xB2, 0xC3, 0xD4]
        | [0xD4, 0xC3, 0xB2, 0xA1]
        | [0xA1, 0xB2, 0x3C, 0x4D]
        | [0x4D, 0x3C, 0xB2, 0xA1] => Some(Format::Pcap),
        [0x0A, 0x0D, 0x0D, 0x0A] => Some(Format::PcapNg),
        _ => None,
    }
}

/// Counts the bytes read through it (for progress and the benchmark).
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count = self.count.saturating_add(n as u64);
        Ok(n)
    }
}

/// Reads the capture at `path`, handing each frame to `each`.
pub fn read_file(
    path: &Path,
    each: &mut dyn FnMut(&Frame<'_>) -> Result<(), ObserveError>,
) -> Result<FileStats, ObserveError> {
    let file = File::open(path).map_err(|source| ObserveError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read(path, file, each)
}

/// Reads a capture from `input` (`path` names it in messages).
pub fn read(
    path: &Path,
    mut input: impl Read,
    each: &mut dyn FnMut(&Frame<'_>) -> Result<(), ObserveError>,
) -> Result<FileStats, ObserveError> {
    let (magic, format) = read_magic(path, &mut input)?;
    let mut counted = Counted {
        inner: Cursor::new(magic).chain(input),
        count: 0,
    };
    let frames = match format {
        Format::Pcap => read_pcap(path, &mut counted, each)?,
        Format::PcapNg => read_pcapng(path, &mut counted, each)?,
    };
    Ok(FileStats {
        frames,
        bytes: counted.count,
    })
}

/// The file's first four bytes and the format they announce, or why the
/// file is not a capture.
fn read_magic(path: &Path, input: &mut impl Read) -> Result<([u8; 4], Format), ObserveError> {
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(ObserveError::Open {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
    let bad = |message: String| ObserveError::NotACapture {
        path: path.to_path_buf(),
        message,
    };
    if got < 4 {
        return Err(bad(format!("the file is {got} bytes long")));
    }
    let Some(format) = format_of(magic) else {
        let hint = if &magic == b"MZ\x90\0" || magic == [0x45, 0x76, 0x65, 0x6E] {
            " (a Windows trace? convert it with `pktmon etl2pcap`)"
        } else {
            ""
        };
        return Err(bad(format!(
            "it starts with {:02x} {:02x} {:02x} {:02x}, not a pcap or pcapng magic number{hint}",
            magic[0], magic[1], magic[2], magic[3]
        )));
    };
    Ok((magic, format))
}

/// A file's error at frame `frames` as an [`ObserveError::Corrupt`].
fn corrupt(path: &Path, frames: u64, e: PcapError) -> ObserveError {
    ObserveError::Corrupt {
        path: path.to_path_buf(),
        frames,
        message: describe(&e),
    }
}

/// The frames of a pcap file, handed to `each`; how many there were.
fn read_pcap(
    path: &Path,
    input: impl Read,
    each: &mut dyn FnMut(&Frame<'_>) -> Result<(), ObserveError>,
) -> Result<u64, ObserveError> {
    let mut frames = 0u64;
    let mut reader = PcapReader::new(input).map_err(|e| corrupt(path, 0, e))?;
    let header = reader.header();
    let link = u32::from(header.datalink);
    let nanos = header.ts_resolution == pcap_file::TsResolution::NanoSecond;
    while let Some(packet) = reader.next_raw_packet() {
        let packet = packet.map_err(|e| corrupt(path, frames, e))?;
        frames += 1;
        let frac = if nanos {
            u64::from(packet.ts_frac)
        } else {
            u64::from(packet.ts_frac).saturating_mul(1000)
        };
        let time = Duration::from_secs(u64::from(packet.ts_sec))
            .saturating_add(Duration::from_nanos(frac));
        each(&Frame {
            time,
            link,
            data: &packet.data,
            orig_len: packet.orig_len,
        })?;
    }
    Ok(frames)
}

/// The packets of a pcapng file, handed to `each` with their interface's
/// link type and time unit; how many there were.
fn read_pcapng(
    path: &Path,
    input: impl Read,
    each: &mut dyn FnMut(&Frame<'_>) -> Result<(), ObserveError>,
) -> Result<u64, ObserveError> {
    let mut frames = 0u64;
    let mut reader = PcapNgReader::new(input).map_err(|e| corrupt(path, 0, e))?;
    // (link type, timestamp resolution) per interface of the section.
    let mut interfaces: Vec<(u32, Resolution)> = Vec::new();
    while let Some(block) = reader.next_block() {
        let block = block.map_err(|e| corrupt(path, frames, e))?;
        let (interface, raw_time, orig_len, data) = match &block {
            Block::SectionHeader(_) => {
                interfaces.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                if interfaces.len() >= MAX_INTERFACES {
                    return Err(ObserveError::Limit {
                        path: path.to_path_buf(),
                        message: format!(
                            "more than {MAX_INTERFACES} interfaces in one pcapng section"
                        ),
                    });
                }
                interfaces.push((u32::from(idb.linktype), Resolution::of(&idb.options)));
                continue;
            }
            Block::EnhancedPacket(epb) => (
                epb.interface_id,
                // pcap-file hands the raw 64-bit count over as nanoseconds.
                Some(u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX)),
                epb.original_len,
                &epb.data,
            ),
            Block::SimplePacket(spb) => (0, None, spb.original_len, &spb.data),
            _ => continue,
        };
        frames += 1;
        let Some(&(link, resolution)) =
            interfaces.get(usize::try_from(interface).unwrap_or(usize::MAX))
        else {
            return Err(ObserveError::Corrupt {
                path: path.to_path_buf(),
                frames,
                message: format!("a packet names interface {interface}, not described"),
            });
        };
        each(&Frame {
            time: raw_time.map_or(Duration::ZERO, |t| resolution.to_duration(t)),
            link,
            data,
            orig_len,
        })?;
    }
    Ok(frames)
}

/// A pcapng interface's timestamp unit (`if_tsresol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// 10^-n seconds.
    Decimal(u32),
    /// 2^-n seconds.
    Binary(u32),
}

impl Resolution {
    fn of(
        options: &[pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption<
            '_,
        >],
    ) -> Resolution {
        use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption as O;
        options
            .iter()
            .find_map(|o| match o {
                O::IfTsResol(r) if r & 0x80 == 0 => Some(Resolution::Decimal(u32::from(*r))),
                O::IfTsResol(r) => Some(Resolution::Binary(u32::from(r & 0x7F))),
                _ => None,
            })
            .unwrap_or(Resolution::Decimal(6))
    }

    fn to_duration(self, raw: u64) -> Duration {
        let raw = u128::from(raw);
        let nanos = match self {
            Resolution::Decimal(n) if n <= 9 => raw.saturating_mul(10u128.pow(9 - n)),
            Resolution::Decimal(n) => raw / 10u128.saturating_pow(n - 9),
            Resolution::Binary(n) if n < 64 => raw.saturating_mul(1_000_000_000) >> n,
            Resolution::Binary(_) => 0,
        };
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// A pcap-file error for people.
fn describe(e: &PcapError) -> String {
    match e {
        PcapError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends in the middle of a packet or block (truncated, or a length field \
             larger than the 8 MB read buffer)"
                .to_string()
        }
        PcapError::IoError(io) => format!("read error: {io}"),
        PcapError::IncompleteBuffer => "the file ends in the middle of a packet".to_string(),
        PcapError::InvalidField(what) => format!("invalid field: {what}"),
        PcapError::InvalidInterfaceId(id) => {
            format!("a packet names interface {id}, not described")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcapng_timestamp_units() {
        // No if_tsresol: microseconds.
        let r = Resolution::of(&[]);
        assert_eq!(r, Resolution::Decimal(6));
        assert_eq!(
            r.to_duration(1_700_000_000_123_456),
            Duration::new(1_700_000_000, 123_456_000)
        );
        assert_eq!(
            Resolution::Decimal(9).to_duration(1_700_000_000_123_456_789),
            Duration::new(1_700_000_000, 123_456_789)
        );
        assert_eq!(
            Resolution::Decimal(12).to_duration(1_500_000_000_000),
            Duration::from_millis(1500)
        );
        // 2^-10 s units.
        assert_eq!(
            Resolution::Binary(10).to_duration(3 * 1024 + 512),
            Duration::from_millis(3500)
        );
        assert_eq!(Resolution::Binary(70).to_duration(5), Duration::ZERO);
        assert_eq!(
            Resolution::Decimal(0).to_duration(u64::MAX),
            Duration::from_nanos(u64::MAX)
        );
    }

    #[test]
    fn link_types_without_a_decoder_are_skipped() {
        let frame = Frame {
            time: Duration::ZERO,
            link: 147,
            data: &[0; 64],
            orig_len: 64,
        };
        assert_eq!(segment(&frame), Err(Skip::UnsupportedLink));
        assert!(!link::supported(147) && link::supported(link::LINUX_SLL2));
        let short = Frame {
            link: link::LINUX_SLL2,
            data: &[8, 0],
            ..frame
        };
        assert_eq!(segment(&short), Err(Skip::Malformed));
    }
}
