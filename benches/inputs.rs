//! Input-cost benchmark: `cargo bench --bench inputs`.
//!
//! What a hostile or merely large input costs the tool, with no network:
//! a policy of 8,000 and 40,000 `require` rules (`check` of a one-target
//! report), a profile whose suite name is a million characters long
//! (`profiles validate`), a private key given as a profile, a saved report
//! of about 100 MB (as one JSON document and as JSON Lines: `check`, and
//! `merge --format html`) and an inventory of a million agents
//! (`plan --offline`). Each case
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
    let (target, closing) = one_target_report(&scanner, d);
    let copies = 100_000_000 / (target.len() + 1);
    let (json, jsonl) = large_reports(&target, &closing, copies, d);
    let mb = |p: &std::path::Path| std::fs::metadata(p).unwrap().len() / 1_000_000;
    for (what, file) in [("JSON", &json), ("JSON Lines", &jsonl)] {
        case(
            &format!("check, a {} MB report ({what}, {copies} targets)", mb(file)),
            &scanner,
            &["check", file.to_str().unwrap()],
            limit,
        );
    }
    case(
        &format!(
            "merge --format html, a {} MB report (JSON Lines)",
            mb(&jsonl)
        ),
        &scanner,
        &["merge", jsonl.to_str().unwrap(), "--format", "html"],
        limit,
    );
    // A plan's three printers on 100,000 agents, then JSON on a million.
    let hundred_k = d.join("agents-100k.csv");
    std::fs::write(&hundred_k, inventory_text(100_000)).unwrap();
    for format in ["text", "html"] {
        case(
            &format!("plan --offline --format {format}, an inventory of 100,000 agents"),
            &scanner,
            &[
                "plan",
                "--to",
                "dsm-strong-12",
                "-i",
                hundred_k.to_str().unwrap(),
                "--offline",
                "--format",
                format,
            ],
            limit,
        );
    }
    let inventory = d.join("agents.csv");
    let text = inventory_text(1_000_000);
    std::fs::write(&inventory, &text).unwrap();
    case(
        &format!(
            "plan --offline, an inventory of 1,000,000 agents ({} MB)",
            text.len() / 1_000_000
        ),
        &scanner,
        &[
            "plan",
            "--to",
            "dsm-strong-12",
            "-i",
            inventory.to_str().unwrap(),
            "--offline",
            "--format",
            "json",
        ],
        limit,
    );
}

/// An inventory of `n` agents over five agent versions.
fn inventory_text(n: u32) -> String {
    let mut text = String::from("host,role,agent_version\n");
    for i in 0..n {
        let version = [
            "9.6.2-7723",
            "10.0.0-3761",
            "11.0.0-211",
            "12.0.0-481",
            "20.0.0-877",
        ][i as usize % 5];
        text.push_str(&format!("agent{i}.example,agent,{version}\n"));
    }
    text
}

/// A report of a real scan of one emulated manager (JSON Lines: a target
/// line and the closing line).
fn one_target_report(scanner: &str, d: &std::path::Path) -> (String, String) {
    use tlscompat::model::profile::Catalog;
    use tlscompat::serve::{Emulator, EmulatorConfig, GeneratedPki, ServerSpec};
    use tlscompat::tls::certs::KeyType;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emulator = rt.block_on(async {
        let catalog = Catalog::builtin().unwrap();
        let spec = ServerSpec::from_profile(catalog.get("dsm-strong-12").unwrap());
        let pki = GeneratedPki::generate("bench", KeyType::Rsa).unwrap();
        let listen = "127.0.0.1:0".parse().unwrap();
        let config = EmulatorConfig::new("dsm-strong-12", spec, pki.server.clone(), listen);
        Emulator::start(config, None).await.unwrap()
    });
    let one = d.join("one.jsonl");
    let run = Command::new(scanner)
        .args(["scan", &emulator.local_addr().to_string()])
        .args(["--format", "jsonl", "-o"])
        .arg(&one)
        .output()
        .unwrap();
    assert!(one.exists(), "{}", String::from_utf8_lossy(&run.stderr));
    drop(emulator);
    drop(rt);
    let text = std::fs::read_to_string(&one).unwrap();
    let mut lines = text.lines();
    let target = lines.next().unwrap().to_string();
    let closing = lines.next().unwrap().to_string();
    (target, closing)
}

/// The same scanned endpoint `copies` times under different names, as one
/// JSON document and as JSON Lines of one run (the closing line's target
/// count and inventory size adjusted: the run digest is not recomputed, so
/// `merge` joins it and `check` judges it).
fn large_reports(
    target: &str,
    closing: &str,
    copies: usize,
    d: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf) {
    use serde_json::Value;
    let line: Value = serde_json::from_str(target).unwrap();
    let name = line["target"].as_str().unwrap().to_string();
    let mut closing: Value = serde_json::from_str(closing).unwrap();
    closing["run"]["targets"] = copies.into();
    closing["run"]["inventory_targets"] = copies.into();
    let jsonl = d.join("large.jsonl");
    let json = d.join("large.json");
    let mut l = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
    let mut j = std::io::BufWriter::new(std::fs::File::create(&json).unwrap());
    use std::io::Write;
    let version = closing["schema_version"].clone();
    write!(j, "{{\"schema_version\":{version},\"tool\":{{\"name\":\"tlscompat\",\"version\":\"0\"}},\"targets\":[").unwrap();
    for i in 0..copies {
        let host = format!("h{i}.example:4120");
        let one = target.replace(&name, &host);
        writeln!(l, "{one}").unwrap();
        let mut doc: Value = serde_json::from_str(&one).unwrap();
        let o = doc.as_object_mut().unwrap();
        o.remove("schema_version");
        o.remove("run");
        if i > 0 {
            j.write_all(b",").unwrap();
        }
        serde_json::to_writer(&mut j, &doc).unwrap();
    }
    writeln!(l, "{closing}").unwrap();
    write!(j, "],\"policy\":{}}}", closing["policy"]).unwrap();
    (json, jsonl)
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
