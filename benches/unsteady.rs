//! Verdicts on unsteady servers: `cargo bench --bench unsteady`.
//!
//! A steady emulated endpoint behind a front that refuses a random share of
//! connections (by alert, close or reset), and two differently configured
//! emulated nodes behind one address that spreads connections at random
//! (`common::fronts`). Each setup is scanned `--runs` times with the five
//! agent profiles, as `tlscompat scan ADDR` does by default, and every
//! verdict is compared with the truth: each node scanned directly, steady.
//! A conclusive verdict is wrong when some node behind the address would
//! answer that client otherwise (behind two nodes that disagree about a
//! client, only "inconclusive" is right). Per setup it prints the runs
//! with a conclusive wrong verdict, the runs with no wrong verdict but
//! some inconclusive one (`scan` exits 3), and the connections per scan.
//!
//! This is a repeated-run test of a promise, not a timing: it asserts
//! nothing and `cargo test` never runs it. Options after `--`: `--runs 20`,
//! `--seed 18` (each run's front gets its own seed from it), `--repeat N`
//! (also scan with `--repeat N`; give it more than once to compare), `--only TEXT` (setups
//! whose name contains TEXT), `--details` (which profiles were wrong, and
//! how).
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tlscompat::model::profile::{Catalog, Profile, Role};
use tlscompat::model::target::Target;
use tlscompat::model::version::TlsVersion;
use tlscompat::results::TargetReport;
use tlscompat::scan::{ScanConfig, scan};
use tlscompat::serve::{Emulator, EmulatorConfig, GeneratedPki, ServerSpec};
use tlscompat::tls::certs::KeyType;

mod common;
use common::fronts::{self, Balance, Refusal};

/// What stands in front of the nodes.
#[derive(Clone, Copy)]
enum Front {
    /// Nothing: the first node, steady.
    Steady,
    /// Refuses this share of connections to the first node, so.
    Flaky(f64, Refusal),
    /// Spreads connections over the two nodes.
    Spread(Balance),
}

struct Setup {
    name: String,
    nodes: Vec<EmulatorConfig>,
    front: Front,
}

/// One run's verdicts against the truth.
#[derive(Default)]
struct Tally {
    wrong: usize,
    inconclusive: usize,
    right: usize,
    connections: Vec<u64>,
    elapsed: Vec<Duration>,
    /// (profile, what it said) -> runs.
    wrong_by: BTreeMap<(String, String), usize>,
}

async fn scan_once(
    addr: SocketAddr,
    profiles: &[&Profile],
    identify: &[&Profile],
    config: &ScanConfig,
) -> TargetReport {
    let target = Target::parse(&addr.to_string(), Role::Manager).unwrap();
    scan(&target, profiles, identify, config).await
}

fn main() {
    let mut runs = 20usize;
    let mut seed = 18u64;
    let mut only: Option<String> = None;
    let mut details = false;
    let mut repeats: Vec<usize> = vec![1];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().expect("--runs N").parse().unwrap(),
            "--seed" => seed = it.next().expect("--seed N").parse().unwrap(),
            "--only" => only = Some(it.next().expect("--only TEXT").clone()),
            "--details" => details = true,
            "--repeat" => repeats.push(it.next().expect("--repeat N").parse().unwrap()),
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
        // One certificate for every node, as the nodes of one cluster share it.
        let pki = GeneratedPki::generate("unsteady", KeyType::Rsa).unwrap();
        let node = |label: &str, spec: ServerSpec| {
            EmulatorConfig::new(
                label,
                spec,
                pki.server.clone(),
                "127.0.0.1:0".parse().unwrap(),
            )
        };
        let strong12 = || {
            node(
                "dsm-strong-12",
                ServerSpec::from_profile(catalog.get("dsm-strong-12").unwrap()),
            )
        };
        // A TLS 1.2-only node that also takes RSA key exchange (every suite
        // of dsa-fips): dsa-10.0 gets through here and not on dsm-strong-12.
        let rsa12 = || {
            node(
                "tls1.2+rsa",
                ServerSpec::new(
                    &[TlsVersion::Tls12],
                    &catalog.get("dsa-fips").unwrap().cipher_suites,
                ),
            )
        };
        // A node not yet hardened: TLS 1.0-1.2 and every agent's suites,
        // so dsa-9.6 and dsa-10.0 get through here.
        let legacy = || {
            let mut suites = Vec::new();
            for p in &agents {
                for s in &p.cipher_suites {
                    if !suites.contains(s) {
                        suites.push(*s);
                    }
                }
            }
            node(
                "legacy",
                ServerSpec::new(
                    &[TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12],
                    &suites,
                ),
            )
        };
        let mut setups = vec![Setup {
            name: "steady dsm-strong-12".into(),
            nodes: vec![strong12()],
            front: Front::Steady,
        }];
        for (share, how) in [
            (0.5, Refusal::Alert),
            (0.1, Refusal::Alert),
            (0.5, Refusal::Close),
            (0.5, Refusal::Reset),
        ] {
            setups.push(Setup {
                name: format!(
                    "dsm-strong-12, {:.0}% refused by {}",
                    share * 100.0,
                    how.name()
                ),
                nodes: vec![strong12()],
                front: Front::Flaky(share, how),
            });
        }
        for balance in [Balance::Random, Balance::RoundRobin] {
            setups.push(Setup {
                name: format!("dsm-strong-12 + tls1.2+rsa, {}", balance.name()),
                nodes: vec![strong12(), rsa12()],
                front: Front::Spread(balance),
            });
            setups.push(Setup {
                name: format!("dsm-strong-12 + legacy, {}", balance.name()),
                nodes: vec![strong12(), legacy()],
                front: Front::Spread(balance),
            });
        }
        repeats.sort();
        repeats.dedup();
        let configs: Vec<(String, ScanConfig)> = repeats
            .iter()
            .map(|n| {
                let label = if *n == 1 {
                    "default".to_string()
                } else {
                    format!("--repeat {n}")
                };
                let config = ScanConfig {
                    repeat: *n,
                    ..ScanConfig::default()
                };
                (label, config)
            })
            .collect();
        println!(
            "unsteady benchmark: {runs} runs per setup, seed {seed}, the {} agent profiles",
            agents.len()
        );
        println!(
            "{:<42} {:<10} {:>6} {:>13} {:>6} {:>12} {:>9}",
            "setup", "scan", "wrong", "inconclusive", "right", "connections", "wall"
        );
        for setup in setups {
            if only
                .as_ref()
                .is_some_and(|o| !setup.name.contains(o.as_str()))
            {
                continue;
            }
            let mut nodes = Vec::new();
            for config in &setup.nodes {
                nodes.push(Emulator::start(config.clone(), None).await.unwrap());
            }
            // The truth: each node alone, steady.
            let mut truth: BTreeMap<String, Vec<bool>> = BTreeMap::new();
            for n in &nodes {
                let report =
                    scan_once(n.local_addr(), &agents, &identify, &ScanConfig::default()).await;
                assert!(
                    report.complete,
                    "{}: the steady node's scan is complete",
                    setup.name
                );
                for p in &report.profiles {
                    assert!(p.verdict.is_conclusive());
                    truth
                        .entry(p.profile.clone())
                        .or_default()
                        .push(p.verdict.is_compatible());
                }
            }
            for (label, config) in &configs {
                let mut tally = Tally::default();
                for run in 0..runs {
                    let run_seed = seed.wrapping_mul(1_000_003).wrapping_add(run as u64);
                    let front = match setup.front {
                        Front::Steady => None,
                        Front::Flaky(share, how) => {
                            Some(fronts::flaky(nodes[0].local_addr(), share, how, run_seed).await)
                        }
                        Front::Spread(balance) => Some(
                            fronts::spread(
                                nodes[0].local_addr(),
                                nodes[1].local_addr(),
                                balance,
                                run_seed,
                            )
                            .await,
                        ),
                    };
                    let addr = front.as_ref().map_or(nodes[0].local_addr(), |f| f.addr);
                    let started = Instant::now();
                    let report = scan_once(addr, &agents, &identify, config).await;
                    tally.elapsed.push(started.elapsed());
                    tally.connections.push(report.stats.connections);
                    let mut wrong = false;
                    let mut unsure = report.profiles.is_empty();
                    for p in &report.profiles {
                        if !p.verdict.is_conclusive() {
                            unsure = true;
                            continue;
                        }
                        let t = &truth[&p.profile];
                        if t.iter().any(|c| *c != p.verdict.is_compatible()) {
                            wrong = true;
                            let said = format!(
                                "{} ({})",
                                p.verdict,
                                p.reason_code.map_or("-".to_string(), |c| format!("{c:?}"))
                            );
                            *tally.wrong_by.entry((p.profile.clone(), said)).or_default() += 1;
                        }
                    }
                    if wrong {
                        tally.wrong += 1;
                    } else if unsure {
                        tally.inconclusive += 1;
                    } else {
                        tally.right += 1;
                    }
                }
                let mean = tally.connections.iter().sum::<u64>() as f64 / runs.max(1) as f64;
                let (lo, hi) = (
                    tally.connections.iter().min().copied().unwrap_or(0),
                    tally.connections.iter().max().copied().unwrap_or(0),
                );
                tally.elapsed.sort();
                let median = tally.elapsed.get(runs / 2).copied().unwrap_or_default();
                println!(
                    "{:<42} {:<10} {:>6} {:>13} {:>6} {:>12} {:>7}ms",
                    setup.name,
                    label,
                    format!("{}/{runs}", tally.wrong),
                    tally.inconclusive,
                    tally.right,
                    format!("{mean:.1} ({lo}-{hi})"),
                    median.as_millis()
                );
                if details {
                    for ((profile, said), n) in &tally.wrong_by {
                        println!("    {profile}: {said} in {n} runs");
                    }
                }
            }
            for n in nodes {
                n.shutdown().await;
            }
        }
    });
}
