//! Input-cost benchmark: `cargo bench --bench inputs`.
//!
//! What a hostile or merely large input costs the tool, with no network:
//! a policy of 8,000 and 40,000 `require` rules (`check` of a one-target
//! report), a profile whose suite name is a million characters long
//! (`profiles validate`), and a private key given as a profile. Each case
//! runs the binary under `/usr/bin/time -v` (Debian package `time`) and
//! prints the wall time, the peak memory and the length of what it wrote
//! on stderr. A benchmark, not a test: it asserts nothing and `cargo test`
//! never runs it. Options after `--`: `--scanner PATH` (another build of
//! `tlscompat`, to compare), `--limit 120` (seconds before a case is
//! stopped and reported as such).
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut scanner = env!("CARGO_BIN_EXE_tlscompat").to_string();
    let mut limit = 120u64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scanner" => scanner = it.next().unwrap().clone(),
            "--limit" => limit = it.next().unwrap().parse().unwrap(),
            _ => {} // cargo bench passes --bench
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A one-target report, as `scan` writes it, without the network: a
    // target that could not be scanned.
    let report = d.join("report.json");
    let run = Command::new(&scanner)
        .args(["scan", "127.0.0.1:1", "--retries", "0", "--timeout", "1s"])
        .args(["--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    assert!(report.exists(), "{}", String::from_utf8_lossy(&run.stderr));
    for rules in [8_000, 40_000] {
        let policy = d.join(format!("policy-{rules}.yaml"));
        let mut text = String::from("rules:\n");
        for i in 0..rules {
            let id = if i % 2 == 0 { "dsa-11" } else { "dsa-fips" };
            text.push_str(&format!("- {{require: [{id}]}}\n"));
        }
        std::fs::write(&policy, &text).unwrap();
        case(
            &format!("check, policy of {rules} rules ({} KB)", text.len() / 1000),
            &scanner,
            &[
                "check",
                report.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
            ],
            limit,
        );
    }
    let long = d.join("long.yaml");
    std::fs::write(
        &long,
        format!(
            "id: p\nname: P\nrole: agent\nversions: [tls1.2]\ncipher_suites: [TLS_{}]\n",
            "A".repeat(1_000_000)
        ),
    )
    .unwrap();
    case(
        "profiles validate, a suite name of 1M characters",
        &scanner,
        &["profiles", "validate", long.to_str().unwrap()],
        limit,
    );
    let key = d.join("server.key");
    std::fs::write(&key, private_key()).unwrap();
    case(
        "scan -p KEYFILE (a private key as a profile)",
        &scanner,
        &["scan", "127.0.0.1:1", "-p", key.to_str().unwrap()],
        limit,
    );
}

fn private_key() -> Vec<u8> {
    let key = openssl::rsa::Rsa::generate(2048).unwrap();
    openssl::pkey::PKey::from_rsa(key)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap()
}

/// Runs one case under `/usr/bin/time -v` and prints a line.
fn case(name: &str, scanner: &str, args: &[&str], limit: u64) {
    let started = Instant::now();
    let mut child = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(scanner)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/time (Debian package time)");
    let deadline = started + Duration::from_secs(limit);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            println!("{name}: stopped after {limit} s");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (ours, time) = stderr
        .split_once("\tCommand being timed")
        .unwrap_or((&stderr, ""));
    let rss = time
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .unwrap_or("?");
    println!(
        "{name}: {:.2} s, peak {rss} KB, exit {}, stderr {} bytes",
        wall.as_secs_f64(),
        out.status.code().unwrap_or(-1),
        ours.len()
    );
}
