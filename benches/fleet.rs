//! Fleet benchmark: `cargo bench --bench fleet`.
//!
//! Stands up N endpoints on loopback (default 1,000): emulated managers and
//! agents of several configurations, each adding a round-trip time itself
//! (default 40 ms: the emulator's injected latency, charged to every client
//! flight and once more to a connection's first, for the TCP handshake),
//! with about 3% of them dead: closed ports and silent listeners (they
//! accept and never answer). Then it runs the real release binary,
//! `tlscompat scan -i inventory --format jsonl` with the five agent
//! profiles, under `/usr/bin/time -v`, and prints the wall time, the peak
//! memory of the scanner, the connections it made and the verdicts.
//! This is a benchmark, not a test: it asserts nothing and `cargo test`
//! never runs it. Options after `--`: `--targets 1000`, `--rtt 40ms`,
//! `--dead 3` (percent; `--rtt 0` adds no delay), `--proxy` (put each
//! endpoint behind its own delaying proxy instead, a second TCP connection
//! and a relay task per probe: what the benchmark did before, for
//! comparison), `--timeout 5s` (the default: the tool's, which the fleet
//! target of docs/performance.md is stated at; the tables there from before
//! scouting used 2s), `--max-connections 512` (the default),
//! `--no-confirm`, `--scanner PATH` (another build of `tlscompat`, to
//! compare), and `--serve-only SECONDS --inventory PATH`: stand the
//! endpoints up, write the inventory to PATH, serve for SECONDS and print
//! this process's CPU time (the servers', and the proxies' with `--proxy`),
//! so that a scanner run by hand (under `valgrind --tool=callgrind`, say)
//! is measured alone.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use tlscompat::cli::parse_duration;
use tlscompat::model::profile::Catalog;
use tlscompat::serve::{Emulator, EmulatorConfig, Latency};

mod common;
use common::delaying_proxy;

fn main() {
    let mut targets = 1000usize;
    let mut rtt = Duration::from_millis(40);
    let mut dead_percent = 3usize;
    let mut timeout = "5s".to_string();
    let mut max_connections = "512".to_string();
    let mut no_confirm = false;
    let mut proxy = false;
    let mut serve_only: Option<u64> = None;
    let mut inventory_path: Option<std::path::PathBuf> = None;
    let mut scanner = env!("CARGO_BIN_EXE_tlscompat").to_string();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--targets" => targets = it.next().unwrap().parse().unwrap(),
            "--rtt" => {
                let v = it.next().unwrap();
                rtt = if v == "0" {
                    Duration::ZERO
                } else {
                    parse_duration(v).unwrap()
                };
            }
            "--dead" => dead_percent = it.next().unwrap().parse().unwrap(),
            "--timeout" => timeout = it.next().unwrap().clone(),
            "--max-connections" => max_connections = it.next().unwrap().clone(),
            "--no-confirm" => no_confirm = true,
            "--proxy" => proxy = true,
            "--serve-only" => serve_only = Some(it.next().unwrap().parse().unwrap()),
            "--inventory" => inventory_path = Some(it.next().unwrap().into()),
            "--scanner" => scanner = it.next().unwrap().clone(),
            _ => {} // cargo bench passes --bench
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let catalog = Catalog::builtin().unwrap();
    let configs = [
        "dsm-strong-12",
        "dsm-strong-10-11",
        "dsa-11",
        "dsa-10.0",
        "dsa-fips",
    ];
    // Without `--proxy`, the emulators delay what they read themselves: the
    // same round trips as the proxy (one for the TCP handshake, one per
    // exchange), without a second connection and a relay per probe.
    let latency = (!proxy && !rtt.is_zero()).then_some(Latency {
        round_trip: rtt,
        tcp_handshake: true,
    });
    // One certificate set per configuration, shared by its endpoints.
    let templates: Vec<EmulatorConfig> = configs
        .iter()
        .map(|id| EmulatorConfig {
            latency,
            ..EmulatorConfig::for_profile(catalog.get(id).unwrap(), "127.0.0.1:0".parse().unwrap())
                .unwrap()
                .0
        })
        .collect();
    let dead_every = 100usize.checked_div(dead_percent).unwrap_or(usize::MAX);
    let mut keep = Vec::new();
    let mut silent = Vec::new();
    let mut lines = Vec::new();
    let (mut closed_n, mut silent_n) = (0, 0);
    let started = Instant::now();
    rt.block_on(async {
        for i in 0..targets {
            let addr: SocketAddr = if i % dead_every == dead_every - 1 {
                if (i / dead_every) % 2 == 0 {
                    // Closed: chosen after every listener is bound (below),
                    // so no listener takes the port again.
                    closed_n += 1;
                    lines.push(String::new());
                    continue;
                } else {
                    // Silent: accepts (the kernel does), never answers.
                    silent_n += 1;
                    let l = TcpListener::bind("127.0.0.1:0").unwrap();
                    let a = l.local_addr().unwrap();
                    silent.push(l);
                    a
                }
            } else {
                let template = &templates[i % templates.len()];
                let e = Emulator::start(template.clone(), None).await.unwrap();
                let a = if proxy && !rtt.is_zero() {
                    delaying_proxy(e.local_addr(), rtt).await
                } else {
                    e.local_addr()
                };
                keep.push(e);
                a
            };
            lines.push(addr.to_string());
        }
    });
    // Closed ports: bound together, then released together.
    let closed: Vec<TcpListener> = (0..closed_n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let mut free = closed.iter().map(|l| l.local_addr().unwrap().to_string());
    for line in lines.iter_mut().filter(|l| l.is_empty()) {
        *line = free.next().unwrap();
    }
    drop(closed);
    let setup = started.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let inventory = inventory_path.unwrap_or_else(|| dir.path().join("inventory.txt"));
    std::fs::write(&inventory, lines.join("\n")).unwrap();
    if let Some(seconds) = serve_only {
        println!(
            "serving {targets} endpoints ({closed_n} closed, {silent_n} silent) for {seconds} s; \
             inventory: {}",
            inventory.display()
        );
        let before = own_cpu_seconds();
        rt.block_on(async { tokio::time::sleep(Duration::from_secs(seconds)).await });
        println!(
            "CPU while serving: emulated servers{} {}",
            if proxy { " and proxies" } else { "" },
            own_cpu_seconds() - before
        );
        return;
    }
    let out = dir.path().join("report.jsonl");
    let mut scan_args = vec![
        scanner,
        "scan".into(),
        "-i".into(),
        inventory.to_str().unwrap().into(),
        "--format".into(),
        "jsonl".into(),
        "-o".into(),
        out.to_str().unwrap().into(),
        "--timeout".into(),
        timeout.clone(),
        "--max-connections".into(),
        max_connections.clone(),
    ];
    if no_confirm {
        scan_args.push("--no-confirm".into());
    }
    // The servers keep running on this runtime's threads while the scanner
    // (another process) works. Their CPU time during the scan is this
    // process's CPU time over the same span (the proxies included, with `--proxy`).
    let servers_before = own_cpu_seconds();
    let handle = std::thread::spawn(move || {
        let started = Instant::now();
        let run = Command::new("/usr/bin/time")
            .arg("-v")
            .args(&scan_args)
            .output()
            .expect("/usr/bin/time (Debian package time)");
        (started.elapsed(), run)
    });
    let (wall, run) = rt.block_on(async {
        loop {
            if handle.is_finished() {
                break handle.join().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let servers_cpu = own_cpu_seconds() - servers_before;
    let stderr = String::from_utf8_lossy(&run.stderr);
    let seconds = |label: &str| -> f64 {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let scanner_cpu = seconds("User time (seconds): ") + seconds("System time (seconds): ");
    let peak_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let report = std::fs::read_to_string(&out).unwrap_or_default();
    let (mut ok, mut errors, mut connections) = (0u64, 0u64, 0u64);
    for line in report.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        match v["status"].as_str() {
            Some("ok") => ok += 1,
            Some(_) => errors += 1,
            None => {}
        }
        connections += v["stats"]["connect_attempts"].as_u64().unwrap_or(0);
    }
    let delay = match (rtt.is_zero(), proxy) {
        (true, _) => "no delay",
        (false, true) => "by delaying proxies",
        (false, false) => "by the emulators",
    };
    println!(
        "fleet benchmark: {targets} endpoints ({closed_n} closed, {silent_n} silent), {} ms round trip \
         ({delay}), --timeout {timeout}, --max-connections {max_connections}{} (setup {:.1} s)",
        rtt.as_millis(),
        if no_confirm { ", --no-confirm" } else { "" },
        setup.as_secs_f64()
    );
    println!(
        "wall {:.2} s, exit {}, {ok} ok, {errors} could not be scanned, {connections} connects, \
         peak memory {:.1} MB",
        wall.as_secs_f64(),
        run.status.code().unwrap_or(-1),
        peak_kb as f64 / 1024.0
    );
    println!(
        "CPU during the scan: scanner {scanner_cpu:.2} s (user {:.2} + sys {:.2}), \
         emulated servers{} (this process) {servers_cpu}",
        seconds("User time (seconds): "),
        seconds("System time (seconds): "),
        if proxy { " and proxies" } else { "" },
    );
    // The fleet's targets (docs/performance.md): the whole run within one
    // timeout and 3 s (the dead hosts' timeout runs beside the work), and
    // 100 MB. Printed, never asserted: this is a benchmark.
    let bound = parse_duration(&timeout).unwrap() + Duration::from_secs(3);
    let met = |ok: bool| if ok { "met" } else { "missed" };
    println!(
        "target: wall <= --timeout + 3 s = {:.1} s: {}; peak memory <= 100 MB: {}",
        bound.as_secs_f64(),
        met(wall <= bound),
        met(peak_kb <= 100 * 1024)
    );
    drop(silent);
    drop(keep);
}

/// This process's user and system CPU time so far, in seconds (Linux; 0
/// elsewhere).
fn own_cpu_seconds() -> Cpu {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Cpu::default();
    };
    // Fields after the command name (which may hold spaces) in parentheses:
    // utime and stime are the 12th and 13th, in clock ticks (100 a second).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Cpu::default();
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Cpu {
        user: ticks(11) / 100.0,
        sys: ticks(12) / 100.0,
    }
}

/// CPU seconds, user and system.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    user: f64,
    sys: f64,
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, o: Cpu) -> Cpu {
        Cpu {
            user: self.user - o.user,
            sys: self.sys - o.sys,
        }
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s (user {:.2} + sys {:.2})",
            self.user + self.sys,
            self.user,
            self.sys
        )
    }
}
