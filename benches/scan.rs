//! Scan benchmarks over a simulated network: `cargo bench --bench scan`.
//!
//! A small delaying proxy sits between the prober and emulated endpoints on
//! loopback and adds a fixed round-trip time (default 40 ms): half of it to
//! every chunk in each direction, plus one whole round trip before a
//! connection's first bytes reach the server (the TCP handshake a real
//! network would cost). Each scenario is scanned several times; the report
//! gives the median wall time, the connections and probes it took, and the
//! wall time in round trips; then, for the median run, each phase of the
//! scan (`first wave`, `versions`, `retests`...; `enumeration` with
//! `--all-suites`) with its probes and when it ran, in round trips since
//! the scan began. This is a benchmark, not a test: it asserts
//! nothing and is never run by `cargo test`.
//!
//! Options (after `--`): `--rtt 40ms`, `--runs 5`, `--repeat N` (scan as
//! `--repeat N` does), `--only TEXT` (the scenarios whose name contains it), `--concurrency N`
//! (connections per endpoint; default as `scan`'s), `--serve-only SECONDS`
//! (stand the scenarios' endpoints up behind their proxies, print their
//! addresses, serve for SECONDS and scan nothing: to run `tlscompat scan`
//! or another scanner, nmap's `ssl-enum-ciphers` say, against the same
//! endpoint by hand).
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tlscompat::cli::parse_duration;
use tlscompat::model::profile::{Catalog, Profile, Role};
use tlscompat::model::suites::registry;
use tlscompat::model::target::Target;
use tlscompat::model::version::TlsVersion;
use tlscompat::scan::{ScanConfig, scan};
use tlscompat::serve::{Emulator, EmulatorConfig, GeneratedPki, ServerSpec, openssl_can_serve};
use tlscompat::tls::certs::{KeyType, Usage};

mod common;
use common::delaying_proxy;

struct Measurement {
    wall: Duration,
    probes: u64,
    connections: u64,
    accepted: usize,
    phases: tlscompat::results::Phases,
}

async fn measure(
    addr: SocketAddr,
    profiles: &[&Profile],
    identify: &[&Profile],
    all_suites: bool,
    no_confirm: bool,
    repeat: usize,
    concurrency: usize,
) -> Measurement {
    let target = Target::parse(&addr.to_string(), Role::Manager).unwrap();
    let config = ScanConfig {
        all_suites,
        no_confirm,
        repeat,
        limits: tlscompat::probe::Limits {
            concurrency,
            ..tlscompat::probe::Limits::default()
        },
        ..ScanConfig::default()
    };
    let started = Instant::now();
    let report = scan(&target, profiles, identify, &config).await;
    let wall = started.elapsed();
    let server = report.server.as_ref().expect("the endpoint answered");
    Measurement {
        wall,
        probes: report.stats.probes,
        connections: report.stats.connections,
        phases: report.stats.phases,
        accepted: server.cipher_suites.values().map(Vec::len).sum(),
    }
}

fn emulator(
    label: &str,
    spec: ServerSpec,
    pki: &GeneratedPki,
    extra: Vec<tlscompat::tls::certs::Identity>,
) -> EmulatorConfig {
    let listen = "127.0.0.1:0".parse().unwrap();
    EmulatorConfig {
        extra_identities: extra,
        ..EmulatorConfig::new(label, spec, pki.server.clone(), listen)
    }
}

fn main() {
    let mut rtt = Duration::from_millis(40);
    let mut runs = 5usize;
    let mut repeat = 1usize;
    let mut only: Option<String> = None;
    let mut concurrency: Option<usize> = None;
    let mut serve_only: Option<u64> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rtt" => rtt = parse_duration(it.next().expect("--rtt VALUE")).unwrap(),
            "--runs" => runs = it.next().expect("--runs N").parse().unwrap(),
            "--repeat" => repeat = it.next().expect("--repeat N").parse().unwrap(),
            "--concurrency" => {
                concurrency = Some(it.next().expect("--concurrency N").parse().unwrap())
            }
            "--only" => only = Some(it.next().expect("--only TEXT").clone()),
            "--serve-only" => {
                serve_only = Some(it.next().expect("--serve-only SECONDS").parse().unwrap())
            }
            _ => {} // cargo bench passes --bench
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let catalog = Catalog::builtin().unwrap();
        let agents: Vec<&Profile> = catalog.with_role(Role::Agent).collect();
        let identify: Vec<&Profile> = catalog.all().collect();
        let pki = GeneratedPki::generate("bench", KeyType::Rsa).unwrap();
        let ecdsa = pki
            .ca
            .issue("bench-ecdsa", KeyType::Ecdsa, Usage::Server)
            .unwrap();
        let dsa = pki
            .ca
            .issue("bench-dsa", KeyType::Dsa, Usage::Server)
            .unwrap();

        // Every TLS 1.2 suite the local OpenSSL can serve with RSA, ECDSA and
        // DSA certificates (PSK, SRP and Kerberos need credentials we do not have).
        let many: Vec<_> = registry()
            .valid_at(TlsVersion::Tls12)
            .filter(|s| {
                !s.is_tls13() && !matches!(s.auth, "PSK" | "SRP" | "SRP_RSA" | "SRP_DSS" | "KRB5")
            })
            .filter(|s| !matches!(s.kx, "PSK" | "SRP" | "KRB5"))
            .map(|s| s.id)
            .filter(|id| openssl_can_serve(*id))
            .collect();
        // About 48 suites over TLS 1.0-1.3, an OpenSSL endpoint as a
        // hardened-but-broad server might be: the TLS 1.3 suites OpenSSL
        // serves, then the TLS 1.2 suites above with RSA or ECDSA
        // authentication (each CBC suite of TLS 1.0 and 1.1 is accepted
        // there too).
        let mut broad: Vec<_> = registry()
            .all()
            .iter()
            .filter(|s| s.is_tls13())
            .map(|s| s.id)
            .filter(|id| openssl_can_serve(*id))
            .collect();
        let room = 48usize.saturating_sub(broad.len());
        broad.extend(
            many.iter()
                .filter(|id| {
                    id.suite()
                        .is_some_and(|s| matches!(s.auth, "RSA" | "ECDSA"))
                })
                .take(room)
                .copied(),
        );
        let strong = || {
            emulator(
                "dsm-strong-10-11",
                ServerSpec::from_profile(catalog.get("dsm-strong-10-11").unwrap()),
                &pki,
                vec![],
            )
        };
        let fips = || {
            emulator(
                "dsa-fips",
                ServerSpec::from_profile(catalog.get("dsa-fips").unwrap()),
                &pki,
                vec![],
            )
        };
        // (name, endpoint, --all-suites, --no-confirm, profiles)
        let scenarios: Vec<(String, EmulatorConfig, bool, bool, Vec<&Profile>)> = vec![
            (
                "5 agent profiles vs dsm-strong-10-11".into(),
                strong(),
                false,
                false,
                agents.clone(),
            ),
            (
                "  the same, --no-confirm".into(),
                strong(),
                false,
                true,
                agents.clone(),
            ),
            (
                "5 agent profiles vs dsa-fips".into(),
                fips(),
                false,
                false,
                agents.clone(),
            ),
            (
                "  the same, --no-confirm".into(),
                fips(),
                false,
                true,
                agents.clone(),
            ),
            (
                format!("--all-suites vs {} suites at TLS 1.0-1.3", broad.len()),
                emulator(
                    "broad",
                    ServerSpec::new(
                        &[
                            TlsVersion::Tls10,
                            TlsVersion::Tls11,
                            TlsVersion::Tls12,
                            TlsVersion::Tls13,
                        ],
                        &broad,
                    ),
                    &pki,
                    vec![ecdsa.clone()],
                ),
                true,
                false,
                agents.clone(),
            ),
            (
                format!("--all-suites vs {} suites at TLS 1.2", many.len()),
                emulator(
                    "many",
                    ServerSpec::new(&[TlsVersion::Tls12], &many),
                    &pki,
                    vec![ecdsa.clone(), dsa.clone()],
                ),
                true,
                false,
                agents.clone(),
            ),
            (
                format!("--all-suites vs {} suites at TLS 1.0-1.2", many.len()),
                emulator(
                    "many-legacy",
                    ServerSpec::new(
                        &[TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12],
                        &many,
                    ),
                    &pki,
                    vec![ecdsa.clone(), dsa.clone()],
                ),
                true,
                false,
                agents.clone(),
            ),
        ];
        // The scenarios `--only` names (all without it).
        let wanted = |name: &str| only.as_ref().is_none_or(|o| name.contains(o.as_str()));
        if let Some(seconds) = serve_only {
            let mut running = Vec::new();
            for (name, config, ..) in scenarios {
                if !wanted(&name) {
                    continue;
                }
                let emulator = Emulator::start(config, None).await.unwrap();
                let proxy = delaying_proxy(emulator.local_addr(), rtt).await;
                println!("{name}: {proxy} ({} ms round trip)", rtt.as_millis());
                running.push(emulator);
            }
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            for emulator in running {
                emulator.shutdown().await;
            }
            return;
        }
        println!(
            "scan benchmark: {} ms round trip through a delaying proxy, median of {runs} runs, \
             --repeat {repeat}, --concurrency {}",
            rtt.as_millis(),
            concurrency.map_or("16 (32 with --all-suites)".to_string(), |c| c.to_string())
        );
        println!(
            "{:<46} {:>9} {:>12} {:>7} {:>12} {:>9}",
            "scenario", "wall", "round trips", "probes", "connections", "accepted"
        );
        for (name, config, all_suites, no_confirm, profiles) in scenarios {
            if !wanted(&name) {
                continue;
            }
            let emulator = Emulator::start(config, None).await.unwrap();
            let proxy = delaying_proxy(emulator.local_addr(), rtt).await;
            let mut results = Vec::new();
            for _ in 0..runs {
                results.push(
                    measure(
                        proxy,
                        &profiles,
                        &identify,
                        all_suites,
                        no_confirm,
                        repeat,
                        // As `scan` does: wider under --all-suites.
                        concurrency.unwrap_or(if all_suites {
                            tlscompat::probe::connect::ALL_SUITES_CONCURRENCY
                        } else {
                            tlscompat::probe::connect::DEFAULT_CONCURRENCY
                        }),
                    )
                    .await,
                );
            }
            results.sort_by_key(|m| m.wall);
            let m = &results[results.len() / 2];
            println!(
                "{:<46} {:>7}ms {:>12.1} {:>7} {:>12} {:>9}",
                name,
                m.wall.as_millis(),
                m.wall.as_secs_f64() / rtt.as_secs_f64(),
                m.probes,
                m.connections,
                m.accepted
            );
            // Each phase of the median run: its probes (one connection
            // each) and when it ran, in round trips since the scan began.
            for phase in m.phases.iter() {
                println!(
                    "{:<46} {:>9} {:>5.1}-{:<6.1} {:>7}",
                    format!("    {}", phase.name),
                    "",
                    phase.start.as_secs_f64() / rtt.as_secs_f64(),
                    phase.end.as_secs_f64() / rtt.as_secs_f64(),
                    phase.probes,
                );
            }
            emulator.shutdown().await;
        }
    });
}
