//! The pipeline on synthesized captures: every link type and format, the
//! shapes reassembly must survive, the limits, and hostile files.

use std::net::SocketAddr;
use std::time::Duration;

use super::synth::{CaptureWriter, Conversation, Format, Link, Shape, Side};
use super::*;
use crate::model::profile::Role;
use crate::probe::hello::HelloSpec;
use crate::wire::codec::records;
use crate::wire::codes::{AlertDescription, AlertLevel, CompressionMethod, ContentType};
use crate::wire::{Alert, ServerHello};

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

fn hello_of(id: &str) -> Vec<u8> {
    let catalog = catalog();
    HelloSpec::for_profile(catalog.get(id).unwrap(), None)
        .build()
        .encode()
}

fn server_hello(suite: u16) -> Vec<u8> {
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random: [3; 32],
        session_id: vec![],
        cipher_suite: CipherSuiteId(suite),
        compression: CompressionMethod::NULL,
        extensions: vec![],
    };
    records(
        ContentType::HANDSHAKE,
        ProtocolVersion::TLS12,
        &sh.encode_handshake(),
    )
}

fn alert() -> Vec<u8> {
    let a = Alert {
        level: AlertLevel::FATAL,
        description: AlertDescription::HANDSHAKE_FAILURE,
    };
    records(ContentType::ALERT, ProtocolVersion::TLS12, &a.encode())
}

fn conv(client: &str, server: &str, secs: u64, hello: Vec<u8>, answer: Vec<u8>) -> Conversation {
    Conversation {
        client: client.parse().unwrap(),
        server: server.parse().unwrap(),
        start: Duration::from_secs(secs),
        chunks: vec![(Side::Client, hello), (Side::Server, answer)],
    }
}

fn capture(format: Format, link: Link, snaplen: u32, convs: &[(Conversation, Shape)]) -> Vec<u8> {
    let mut w = CaptureWriter::new(Vec::new(), format, link, snaplen).unwrap();
    for (c, shape) in convs {
        w.conversation(c, *shape).unwrap();
    }
    w.into_inner()
}

fn read(bytes: &[u8]) -> Observation {
    observe_reader(Path::new("test.pcap"), bytes, Limits::default()).unwrap()
}

fn read_err(bytes: &[u8]) -> ObserveError {
    observe_reader(Path::new("test.pcap"), bytes, Limits::default()).unwrap_err()
}

#[test]
fn every_link_type_and_format_gives_the_same_groups() {
    let convs = [
        (
            conv(
                "192.0.2.10:50000",
                "192.0.2.1:4120",
                1_700_000_000,
                hello_of("dsa-11"),
                server_hello(0xC030),
            ),
            Shape::default(),
        ),
        (
            conv(
                "[2001:db8::10]:50001",
                "[2001:db8::1]:4120",
                1_700_000_100,
                hello_of("dsa-10.0"),
                alert(),
            ),
            Shape::default(),
        ),
    ];
    for format in [Format::Pcap, Format::PcapNg] {
        for link in [
            Link::Ethernet,
            Link::Vlan(42),
            Link::Sll,
            Link::Sll2,
            Link::Raw,
            Link::Null,
        ] {
            let obs = read(&capture(format, link, 65535, &convs));
            assert_eq!(obs.groups.len(), 2, "{format:?} {link:?}: {:?}", obs.counts);
            let g = &obs.groups[0];
            assert_eq!(g.client.to_string(), "192.0.2.10");
            assert_eq!(g.server.to_string(), "192.0.2.1:4120");
            assert_eq!(behaves_like(&g.offer, Role::Agent, &catalog()), ["dsa-11"]);
            assert_eq!(
                g.answers.keys().collect::<Vec<_>>(),
                [&Some(Answer::Hello {
                    version: ProtocolVersion::TLS12,
                    suite: CipherSuiteId(0xC030),
                    retry: false
                })]
            );
            assert_eq!(
                timestamp(g.first_seen),
                "2023-11-14T22:13:20Z",
                "{format:?}"
            );
            let g = &obs.groups[1];
            assert_eq!(g.server.to_string(), "[2001:db8::1]:4120");
            assert_eq!(
                behaves_like(&g.offer, Role::Agent, &catalog()),
                ["dsa-10.0"]
            );
            assert!(matches!(
                g.answers.keys().next(),
                Some(Some(Answer::Alert(_)))
            ));
            assert_eq!(obs.counts.tcp.hellos, 2);
        }
    }
}

#[test]
fn split_reversed_and_retransmitted_segments_are_reassembled() {
    let hello = hello_of("dsa-fips");
    for shape in [
        Shape {
            mss: 7,
            ..Shape::default()
        },
        Shape {
            mss: 13,
            reverse: true,
            ..Shape::default()
        },
        Shape {
            mss: 50,
            retransmit: true,
            ..Shape::default()
        },
        Shape {
            mss: 31,
            reverse: true,
            retransmit: true,
            ..Shape::default()
        },
        // No SYN in the capture: the stream starts at the hello.
        Shape {
            mss: 40,
            handshake: false,
            ..Shape::default()
        },
    ] {
        let obs = read(&capture(
            Format::Pcap,
            Link::Ethernet,
            65535,
            &[(
                conv(
                    "10.0.0.5:40000",
                    "10.0.0.1:4120",
                    100,
                    hello.clone(),
                    server_hello(0xC02F),
                ),
                shape,
            )],
        ));
        assert_eq!(obs.groups.len(), 1, "{shape:?}: {:?}", obs.counts);
        assert_eq!(obs.groups[0].offer.cipher_suites.len(), 6, "{shape:?}");
        assert_eq!(obs.counts.tcp.answered, 1, "{shape:?}");
        assert_eq!(
            behaves_like(&obs.groups[0].offer, Role::Agent, &catalog()),
            ["dsa-fips"]
        );
    }
}

#[test]
fn connections_of_one_client_are_counted_and_timed() {
    let convs: Vec<(Conversation, Shape)> = (0..5)
        .map(|i| {
            (
                conv(
                    &format!("10.0.0.5:{}", 40000 + i),
                    "10.0.0.1:4120",
                    1000 + 60 * i,
                    hello_of("dsa-11"),
                    server_hello(0xC030),
                ),
                Shape::default(),
            )
        })
        .collect();
    let obs = read(&capture(Format::PcapNg, Link::Sll2, 65535, &convs));
    assert_eq!(obs.groups.len(), 1);
    let g = &obs.groups[0];
    assert_eq!(g.connections, 5);
    assert_eq!(g.first_seen.as_secs(), 1000);
    assert_eq!(g.last_seen.as_secs(), 1240);
}

#[test]
fn a_short_snaplen_is_reported_not_guessed() {
    let obs = read(&capture(
        Format::Pcap,
        Link::Ethernet,
        96,
        &[(
            conv(
                "10.0.0.5:40000",
                "10.0.0.1:4120",
                1,
                hello_of("dsa-11"),
                server_hello(0xC030),
            ),
            Shape::default(),
        )],
    ));
    assert!(obs.groups.is_empty());
    assert_eq!(obs.counts.tcp.truncated, 1, "{:?}", obs.counts);
    assert!(obs.counts.truncated_frames > 0);
}

#[test]
fn a_hello_missing_a_segment_is_incomplete() {
    let hello = hello_of("dsa-11");
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap, Link::Raw, 65535).unwrap();
    let (c, s): (SocketAddr, SocketAddr) = (
        "10.0.0.5:1".parse().unwrap(),
        "10.0.0.1:4120".parse().unwrap(),
    );
    use super::synth::Flags;
    w.segment(Duration::ZERO, c, s, 10, None, Flags::SYN, &[])
        .unwrap();
    w.segment(Duration::ZERO, c, s, 11, Some(1), Flags::NONE, &hello[..20])
        .unwrap();
    w.segment(Duration::ZERO, c, s, 41, Some(1), Flags::NONE, &hello[30..])
        .unwrap();
    w.segment(
        Duration::ZERO,
        c,
        s,
        11 + hello.len() as u32,
        Some(1),
        Flags::FIN,
        &[],
    )
    .unwrap();
    let obs = read(&w.into_inner());
    assert!(obs.groups.is_empty());
    assert_eq!(obs.counts.tcp.incomplete, 1, "{:?}", obs.counts);
}

#[test]
fn non_tls_and_malformed_hellos_are_counted() {
    let mut bad = hello_of("dsa-11");
    bad[6] = 0x01; // the handshake message now claims more than 64 KiB
    let obs = read(&capture(
        Format::Pcap,
        Link::Ethernet,
        65535,
        &[
            (
                conv(
                    "10.0.0.5:1",
                    "10.0.0.1:80",
                    1,
                    b"GET / HTTP/1.1\r\n\r\n".to_vec(),
                    b"HTTP/1.1 200 OK\r\n".to_vec(),
                ),
                Shape::default(),
            ),
            (
                conv("10.0.0.6:1", "10.0.0.1:4120", 1, bad, alert()),
                Shape::default(),
            ),
        ],
    ));
    assert!(obs.groups.is_empty());
    assert_eq!(obs.counts.tcp.not_tls, 1, "{:?}", obs.counts);
    assert_eq!(obs.counts.tcp.malformed, 1, "{:?}", obs.counts);
}

#[test]
fn the_connection_table_is_bounded() {
    // 50 half-open connections with a table of 8: the oldest are given up,
    // and a later full hello is still read.
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap, Link::Raw, 65535).unwrap();
    use super::synth::Flags;
    let s: SocketAddr = "10.0.0.1:4120".parse().unwrap();
    let hello = hello_of("dsa-11");
    for i in 0..50u16 {
        let c: SocketAddr = format!("10.0.1.1:{}", 1000 + i).parse().unwrap();
        w.segment(Duration::ZERO, c, s, 5, None, Flags::SYN, &[])
            .unwrap();
        w.segment(Duration::ZERO, c, s, 6, Some(1), Flags::NONE, &hello[..10])
            .unwrap();
    }
    w.conversation(
        &conv(
            "10.0.0.9:7",
            "10.0.0.1:4120",
            5,
            hello.clone(),
            server_hello(0xC030),
        ),
        Shape::default(),
    )
    .unwrap();
    let limits = Limits {
        max_flows: 8,
        ..Limits::default()
    };
    let obs = observe_reader(Path::new("t"), w.into_inner().as_slice(), limits).unwrap();
    assert_eq!(obs.groups.len(), 1);
    assert_eq!(obs.counts.tcp.evicted, 43, "{:?}", obs.counts);
    assert_eq!(obs.counts.tcp.incomplete, 7, "{:?}", obs.counts);
}

#[test]
fn buffered_bytes_are_bounded() {
    let limits = Limits {
        max_buffered: 100,
        ..Limits::default()
    };
    let obs = observe_reader(
        Path::new("t"),
        capture(
            Format::Pcap,
            Link::Raw,
            65535,
            &[(
                conv(
                    "10.0.0.9:7",
                    "10.0.0.1:4120",
                    5,
                    hello_of("dsa-11"),
                    server_hello(0xC030),
                ),
                Shape {
                    mss: 60,
                    ..Shape::default()
                },
            )],
        )
        .as_slice(),
        limits,
    )
    .unwrap();
    assert!(obs.groups.is_empty());
    assert_eq!(obs.counts.tcp.dropped_for_memory, 1, "{:?}", obs.counts);
}

#[test]
fn hostile_files_are_clear_errors() {
    assert!(matches!(read_err(b""), ObserveError::NotACapture { .. }));
    let e = read_err(b"<html>not a capture</html>");
    assert!(e.to_string().contains("not a packet capture"), "{e}");
    let good = capture(
        Format::Pcap,
        Link::Ethernet,
        65535,
        &[(
            conv(
                "10.0.0.5:1",
                "10.0.0.1:4120",
                1,
                hello_of("dsa-11"),
                alert(),
            ),
            Shape::default(),
        )],
    );
    // Cut in the middle of a packet.
    let e = read_err(&good[..good.len() - 10]);
    assert!(matches!(e, ObserveError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    // A packet header claiming 4 GB.
    let mut absurd = good[..24].to_vec();
    absurd.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ]);
    absurd.extend_from_slice(&[0; 100]);
    assert!(matches!(read_err(&absurd), ObserveError::Corrupt { .. }));
    // pcapng: a block length past the end.
    let ng = capture(Format::PcapNg, Link::Ethernet, 65535, &[]);
    let mut bad = ng.clone();
    bad.extend_from_slice(&[6, 0, 0, 0, 0xF0, 0xFF, 0xFF, 0x7F]);
    assert!(matches!(read_err(&bad), ObserveError::Corrupt { .. }));
}

#[test]
fn hostile_bytes_never_panic() {
    let good = capture(
        Format::PcapNg,
        Link::Vlan(7),
        65535,
        &[(
            conv(
                "10.0.0.5:1",
                "10.0.0.1:4120",
                1,
                hello_of("dsa-11"),
                server_hello(0xC030),
            ),
            Shape {
                mss: 40,
                ..Shape::default()
            },
        )],
    );
    let mut rng = crate::wire::testutil::XorShift::new(3);
    for _ in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.byte();
        }
        let _ = observe_reader(Path::new("t"), bytes.as_slice(), Limits::default());
    }
}

#[test]
fn closest_says_how_an_offer_differs() {
    let catalog = catalog();
    let mut p = catalog.get("dsa-11").unwrap().clone();
    p.cipher_suites.push(CipherSuiteId(0x009D));
    let hello = HelloSpec::for_profile(&p, None).build();
    let offer = Offer::of(&hello);
    assert!(behaves_like(&offer, Role::Agent, &catalog).is_empty());
    let c = closest(&offer, Role::Agent, &catalog).unwrap();
    assert_eq!(c.profile, "dsa-11");
    assert_eq!(c.extra_suites, [CipherSuiteId(0x009D)]);
    assert!(c.missing_suites.is_empty());
    assert_eq!(
        c.differences,
        ["also offers TLS_RSA_WITH_AES_256_GCM_SHA384"]
    );
}

#[test]
fn a_new_connection_on_the_same_ports_is_read_again() {
    // No FIN between them: the second SYN (another sequence number) starts
    // a new connection; a retransmitted SYN of the first does not.
    let no_close = Shape {
        close: false,
        ..Shape::default()
    };
    let first = conv(
        "10.0.0.5:40000",
        "10.0.0.1:4120",
        10,
        hello_of("dsa-11"),
        server_hello(0xC030),
    );
    let second = conv(
        "10.0.0.5:40000",
        "10.0.0.1:4120",
        70,
        hello_of("dsa-11"),
        server_hello(0xC030),
    );
    let mut w = CaptureWriter::new(Vec::new(), Format::Pcap, Link::Ethernet, 65535).unwrap();
    w.conversation(&first, no_close).unwrap();
    w.conversation(&second, no_close).unwrap();
    let obs = read(&w.into_inner());
    assert_eq!(obs.groups.len(), 1);
    assert_eq!(obs.groups[0].connections, 2, "{:?}", obs.counts);
    assert_eq!(obs.counts.tcp.incomplete, 0);
}

#[test]
fn rows_are_bounded_in_number_and_bytes() {
    let hello = hello_of("dsa-11");
    let big = {
        let catalog = catalog();
        let mut p = catalog.get("dsa-11").unwrap().clone();
        p.cipher_suites = (0x0100..0x1100).map(CipherSuiteId).collect();
        HelloSpec::for_profile(&p, None).build().encode()
    };
    let convs: Vec<(Conversation, Shape)> = (0..20)
        .map(|i| {
            let h = if i % 2 == 0 {
                hello.clone()
            } else {
                big.clone()
            };
            (
                conv(&format!("10.0.2.{i}:4000"), "10.0.0.1:4120", 1, h, alert()),
                Shape::default(),
            )
        })
        .collect();
    let bytes = capture(Format::Pcap, Link::Ethernet, 65535, &convs);
    let few = Limits {
        max_groups: 5,
        ..Limits::default()
    };
    let obs = observe_reader(Path::new("t"), bytes.as_slice(), few).unwrap();
    assert_eq!((obs.groups.len(), obs.counts.groups_dropped), (5, 15));
    // Each big offer holds 4,096 suites (16 KiB counted): 64 KiB fits three.
    let small = Limits {
        max_group_bytes: 64 * 1024,
        ..Limits::default()
    };
    let obs = observe_reader(Path::new("t"), bytes.as_slice(), small).unwrap();
    assert!(
        obs.groups.len() >= 10 && obs.groups.len() < 20,
        "{}",
        obs.groups.len()
    );
    assert_eq!(obs.groups.len() as u64 + obs.counts.groups_dropped, 20);
}
