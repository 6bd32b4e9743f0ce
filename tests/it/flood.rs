//! The emulator under flood, and what a silent endpoint costs a scan.
//!
//! Idle connections, half-sent ClientHellos and slow trickles must not keep a
//! real client out of the emulator; a scan of an endpoint that accepts and
//! never answers must cost one wave of probes and one timeout (see
//! docs/performance.md). The tests assert counts and events; their waits are generous
//! bounds for a loaded machine, not measurements (those are benchmarks).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode};
use tlscompat::model::profile::Catalog;
use tlscompat::serve::{Emulator, EmulatorConfig, Limits, RefusalReason, ServeEvent};
use tokio::sync::mpsc;

use crate::common::tlscompat;

/// The emulator for dsm-strong-12 on 127.0.0.1, with its events.
fn emulator(limits: Limits) -> (Emulator, mpsc::UnboundedReceiver<ServeEvent>) {
    let catalog = Catalog::builtin().unwrap();
    let (mut config, _) = EmulatorConfig::for_profile(
        catalog.get("dsm-strong-12").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    config.limits = limits;
    let (tx, rx) = mpsc::unbounded_channel();
    (Emulator::spawn(config, Some(tx)).unwrap(), rx)
}

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// A TCP connection to `to` from `from` (any port).
async fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    let stream = tokio::time::timeout(Duration::from_secs(20), socket.connect(to))
        .await
        .map_err(|_| std::io::Error::other("connect timed out"))??;
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    Ok(stream)
}

/// A full TLS 1.2 handshake with OpenSSL from `from`.
fn handshake_from(
    rt: &tokio::runtime::Runtime,
    from: IpAddr,
    to: SocketAddr,
) -> Result<SslStream<TcpStream>, String> {
    let tcp = rt
        .block_on(connect_from(from, to))
        .map_err(|e| e.to_string())?;
    // Generous: a starved client never gets through; how fast one does is
    // a figure for the benchmarks, and a loaded CI machine is slow.
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    tcp.set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_verify(SslVerifyMode::NONE);
    connector
        .build()
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("localhost", tcp)
        .map_err(|e| e.to_string())
}

/// The first half of a real ClientHello.
fn partial_hello() -> Vec<u8> {
    let spec = tlscompat::probe::HelloSpec::at(
        tlscompat::model::version::TlsVersion::Tls12,
        vec![tlscompat::model::suites::CipherSuiteId(0xC030)],
        Some("localhost"),
    );
    let hello = spec.build().encode();
    hello[..hello.len() / 2].to_vec()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_real_client_gets_through_idle_and_half_finished_connections() {
    let (emulator, mut events) = emulator(Limits::default());
    let addr = emulator.local_addr();
    let rt = runtime();
    let flooders: Vec<IpAddr> = (2..=9).map(loopback).collect();
    let started = Instant::now();
    let mut held = Vec::new();
    // 2,000 idle connections and 300 half-sent ClientHellos, from 8 addresses.
    rt.block_on(async {
        for i in 0..2000 {
            held.push(
                connect_from(flooders[i % flooders.len()], addr)
                    .await
                    .unwrap(),
            );
        }
    });
    let partial = partial_hello();
    rt.block_on(async {
        for i in 0..300 {
            let mut s = connect_from(flooders[i % flooders.len()], addr)
                .await
                .unwrap();
            // A connection already closed by the emulator may refuse the bytes.
            let _ = s.write_all(&partial);
            held.push(s);
        }
    });
    let flooded = started.elapsed();

    let t0 = Instant::now();
    let tls = handshake_from(&rt, loopback(10), addr).expect("the real client's handshake");
    let took = t0.elapsed();
    eprintln!(
        "flood of 2,300 connections took {flooded:?}; the real client's handshake then took {took:?}"
    );
    // Not starved: the handshake completed within the client's own
    // read timeout (how long it took is a figure for the benchmarks, not
    // a test's wall-clock bound: under a loaded CI machine it varies).
    drop(tls);

    // Its handshake is logged once it leaves; refusals at most once per
    // source and second.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut handshake = false;
    let mut refused_events: HashMap<IpAddr, usize> = HashMap::new();
    let mut evicted = 0;
    while !handshake && Instant::now() < deadline {
        match events.try_recv() {
            Ok(ServeEvent::Handshake { peer, .. }) => handshake |= peer.ip() == loopback(10),
            Ok(ServeEvent::Refused { peer, .. }) => {
                *refused_events.entry(peer.ip()).or_default() += 1;
            }
            Ok(ServeEvent::Failed { reason, .. }) => {
                evicted += usize::from(reason == tlscompat::serve::EVICTED_REASON)
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert!(handshake, "the real client's handshake was not logged");
    assert!(
        evicted > 0,
        "the flood filled the emulator, someone was evicted"
    );
    let seconds = started.elapsed().as_secs() as usize;
    for (ip, n) in &refused_events {
        assert!(*n <= seconds + 2, "{ip}: {n} refusal events in {seconds} s");
    }
    drop(held);
}

#[test]
fn a_trickle_after_the_handshake_cannot_keep_a_slot() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(400),
        session_lifetime: Duration::from_secs(1),
        ..Limits::default()
    };
    let (emulator, _events) = emulator(limits);
    let rt = runtime();
    let mut tls = handshake_from(&rt, loopback(11), emulator.local_addr()).unwrap();
    tls.get_ref()
        .set_read_timeout(Some(Duration::from_millis(150)))
        .unwrap();
    let t0 = Instant::now();
    let closed = loop {
        // A trickle kept past its session lifetime (1 s) would go on
        // for ever: 20 s is a bound for a loaded machine, not a figure.
        if t0.elapsed() > Duration::from_secs(20) {
            break false;
        }
        if tls.write_all(b"x").is_err() {
            break true;
        }
        let mut buf = [0u8; 16];
        match tls.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break true,
        }
    };
    let took = t0.elapsed();
    assert!(closed, "the emulator kept a trickling client for {took:?}");
}

#[test]
fn one_source_over_its_cap_is_refused_and_reported_once_per_second() {
    let limits = Limits {
        max_per_peer: 4,
        ..Limits::default()
    };
    let (emulator, mut events) = emulator(limits);
    let addr = emulator.local_addr();
    let rt = runtime();
    let held: Vec<TcpStream> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..54 {
            v.push(connect_from(loopback(12), addr).await.unwrap());
        }
        v
    });
    // Another address is still welcome.
    let tls = handshake_from(&rt, loopback(13), addr).expect("another address gets in");
    drop(tls);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut lines, mut count) = (0, 0);
    while count < 50 && Instant::now() < deadline {
        match events.try_recv() {
            Ok(ServeEvent::Refused {
                peer,
                reason,
                count: n,
            }) => {
                assert_eq!(peer.ip(), loopback(12));
                assert_eq!(reason, RefusalReason::PerPeer);
                lines += 1;
                count += n;
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert_eq!(count, 50, "50 connections over the cap of 4");
    assert!(lines <= 3, "{lines} refusal events for one burst");
    drop(held);
}

/// A listener that accepts, reads, and never answers; it counts connections.
fn silent_listener() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    (addr, count)
}

#[test]
fn a_silent_endpoint_costs_one_wave_and_one_timeout() {
    let (addr, connections) = silent_listener();
    let t0 = Instant::now();
    let run = tlscompat(&[
        "scan",
        &addr.to_string(),
        "--timeout",
        "600ms",
        "--concurrency",
        "4",
        "--format",
        "json",
    ]);
    let took = t0.elapsed();
    let n = connections.load(Ordering::SeqCst);
    eprintln!("silent endpoint: {n} connections, {took:?}\n{}", run.stderr);
    // One wave of --concurrency connections and nothing after it: a second
    // timeout would need a second connection (every wait is a connection's
    // read), so the count says "one timeout" without a wall-clock bound
    // (the time it takes is measured by `cargo bench --bench fleet`).
    assert_eq!(n, 4, "one wave of --concurrency connections");
    assert_eq!(run.code, 3, "{}", run.stdout);
}
