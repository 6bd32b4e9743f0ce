//! `observe` benchmark: `cargo bench --bench observe`.
//!
//! Writes a large capture of mixed traffic (default 1 GiB, pcap, Ethernet):
//! 300 agents' heartbeats to a manager's 4120 (five agent profiles, each
//! answered by a ServerHello and a certificate-sized record, then some
//! application data), the manager's heartbeats to agents' 4118, bulk TLS
//! transfers (most of the bytes), plain HTTP and DNS over UDP. Then it runs
//! the real release binary, `tlscompat observe FILE --format json`, under
//! `/usr/bin/time -v`, and prints the read rate (MB/s of capture file) and
//! the peak memory. This is a benchmark, not a test: it asserts nothing and
//! `cargo test` never runs it. Options after `--`: `--size-mb 1024`,
//! `--file PATH` (where to write the capture; default a temporary file,
//! removed afterwards), `--keep` (keep it), `--reuse` (read an existing
//! `--file` without writing it), `--format pcap|pcapng`, `--heartbeats-only`
//! (no bulk transfers or HTTP: small packets, the per-packet worst case).
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use tlscompat::model::profile::Catalog;
use tlscompat::model::suites::CipherSuiteId;
use tlscompat::observe::synth::{CaptureWriter, Conversation, Format, Link, Shape, Side};
use tlscompat::probe::hello::HelloSpec;
use tlscompat::wire::ServerHello;
use tlscompat::wire::codec::records;
use tlscompat::wire::codes::{CompressionMethod, ContentType, ProtocolVersion};

#[path = "../tests/it/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

fn main() {
    let mut size_mb: u64 = 1024;
    let mut file: Option<std::path::PathBuf> = None;
    let mut keep = false;
    let mut reuse = false;
    let mut format = Format::Pcap;
    let mut heartbeats_only = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size-mb" => size_mb = it.next().unwrap().parse().unwrap(),
            "--file" => file = Some(it.next().unwrap().into()),
            "--keep" => keep = true,
            "--reuse" => reuse = true,
            "--heartbeats-only" => heartbeats_only = true,
            "--format" => {
                format = match it.next().unwrap().as_str() {
                    "pcapng" => Format::PcapNg,
                    _ => Format::Pcap,
                }
            }
            // `cargo bench` passes --bench.
            _ => {}
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = file.unwrap_or_else(|| dir.path().join("mixed.pcap"));
    if !reuse {
        let started = Instant::now();
        let (frames, hellos) = generate(&path, size_mb * 1024 * 1024, format, heartbeats_only);
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!(
            "wrote {} ({:.0} MB, {frames} frames, {hellos} ClientHellos) in {:.1} s",
            path.display(),
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    // Twice: the first run warms the page cache, the second is measured.
    for round in ["warm-up", "measured"] {
        let started = Instant::now();
        let out = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_tlscompat"))
            .args(["observe", "--format", "json", "-o", "/dev/null"])
            .arg(&path)
            .output()
            .expect("/usr/bin/time (Debian package time)");
        let wall = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let rss_kb: u64 = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        println!(
            "{round}: read {:.0} MB in {:.2} s: {:.0} MB/s, peak memory {:.1} MB",
            bytes as f64 / 1e6,
            wall.as_secs_f64(),
            bytes as f64 / 1e6 / wall.as_secs_f64().max(1e-9),
            rss_kb as f64 / 1024.0
        );
    }
    let summary = Command::new(env!("CARGO_BIN_EXE_tlscompat"))
        .args(["observe", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
    println!(
        "found {} client rows, {} hellos, {} answered",
        json["clients"].as_array().map_or(0, Vec::len),
        json["counts"]["hellos"],
        json["counts"]["answered"]
    );
    if keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
}

/// Writes the mixed capture; returns (frames, ClientHellos).
fn generate(
    path: &std::path::Path,
    target: u64,
    format: Format,
    heartbeats_only: bool,
) -> (u64, u64) {
    let catalog = Catalog::builtin().unwrap();
    let agent_hellos: Vec<Vec<u8>> = ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"]
        .iter()
        .map(|id| {
            HelloSpec::for_profile(catalog.get(id).unwrap(), None)
                .build()
                .encode()
        })
        .collect();
    let manager_hello = HelloSpec::for_profile(catalog.get("dsm-strong-12").unwrap(), None)
        .build()
        .encode();
    let mut rng = XorShift(0x0B5E_4E00_1234_5678);
    let noise: Vec<u8> = (0..(1 << 20)).map(|_| rng.next() as u8).collect();
    // Application data: 16 KiB records of noise.
    let app_data = records(
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLS12,
        &noise,
    );
    let server_flight = {
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLS12,
            random: [7; 32],
            session_id: vec![1; 32],
            cipher_suite: CipherSuiteId(0xC030),
            compression: CompressionMethod::NULL,
            extensions: vec![],
        };
        let mut flight = sh.encode_handshake();
        // A certificate-sized handshake message (type 11, 4 KiB).
        flight.extend_from_slice(&[11, 0, 0x10, 0]);
        flight.extend_from_slice(&noise[..4096]);
        records(ContentType::HANDSHAKE, ProtocolVersion::TLS12, &flight)
    };
    let file = std::fs::File::create(path).unwrap();
    let mut w = CaptureWriter::new(
        BufWriter::with_capacity(1 << 20, file),
        format,
        Link::Ethernet,
        262_144,
    )
    .unwrap();
    let manager: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let mut time = Duration::from_secs(1_764_000_000);
    let mut written = 0u64;
    let mut hellos = 0u64;
    let mut port = 1024u16;
    let mut next_port = || {
        port = if port == u16::MAX { 1024 } else { port + 1 };
        port
    };
    let shape = Shape {
        mss: 1448,
        ..Shape::default()
    };
    while written < target {
        time += Duration::from_millis(2);
        let agent = rng.below(300);
        let agent_ip: std::net::IpAddr = format!("10.1.{}.{}", agent / 250, 1 + agent % 250)
            .parse()
            .unwrap();
        let kind = rng.below(if heartbeats_only { 70 } else { 100 });
        let conv = if kind < 60 {
            // An agent's heartbeat.
            hellos += 1;
            let hello = agent_hellos[agent % 5].clone();
            let up = rng.below(4096);
            let down = rng.below(16384);
            Conversation {
                client: SocketAddr::new(agent_ip, next_port()),
                server: SocketAddr::new(manager, 4120),
                start: time,
                chunks: vec![
                    (Side::Client, hello),
                    (Side::Server, server_flight.clone()),
                    (Side::Client, app_data[..up].to_vec()),
                    (Side::Server, app_data[..down].to_vec()),
                ],
            }
        } else if kind < 70 {
            // The manager's heartbeat to an agent.
            hellos += 1;
            Conversation {
                client: SocketAddr::new(manager, next_port()),
                server: SocketAddr::new(agent_ip, 4118),
                start: time,
                chunks: vec![
                    (Side::Client, manager_hello.clone()),
                    (Side::Server, server_flight.clone()),
                    (Side::Server, app_data[..rng.below(8192)].to_vec()),
                ],
            }
        } else if kind < 95 {
            // A bulk transfer (an update package through a relay).
            hellos += 1;
            let len = 256 * 1024 + rng.below(768 * 1024);
            Conversation {
                client: SocketAddr::new(agent_ip, next_port()),
                server: SocketAddr::new(manager, 4122),
                start: time,
                chunks: vec![
                    (Side::Client, agent_hellos[3].clone()),
                    (Side::Server, server_flight.clone()),
                    (Side::Server, app_data[..len.min(app_data.len())].to_vec()),
                ],
            }
        } else {
            // Plain HTTP.
            Conversation {
                client: SocketAddr::new(agent_ip, next_port()),
                server: SocketAddr::new(manager, 80),
                start: time,
                chunks: vec![
                    (
                        Side::Client,
                        b"GET /update HTTP/1.1\r\nHost: dsm\r\n\r\n".to_vec(),
                    ),
                    (Side::Server, noise[..65536].to_vec()),
                ],
            }
        };
        w.conversation(&conv, shape).unwrap();
        written += conv
            .chunks
            .iter()
            .map(|(_, b)| b.len() as u64 + 70)
            .sum::<u64>();
        // DNS over UDP now and then.
        if rng.below(10) == 0 {
            let mut frame = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
            etherparse::PacketBuilder::ipv4([10, 1, 0, 9], [10, 0, 0, 53], 64)
                .udp(5353, 53)
                .write(&mut frame, &noise[..48])
                .unwrap();
            w.frame(time, &frame).unwrap();
        }
    }
    let frames = w.frames;
    w.into_inner().flush().unwrap();
    (frames, hellos)
}
