//! Many targets at once: the global connection bound, the per-target
//! deadline, JSON Lines streamed as targets finish, and interruption.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::common::{bin, scan_json};
use crate::servers::{Hostile, emulate, hostile};

/// Listeners that accept, hold each connection for a while without a
/// word, then close it, and record the most connections open at once
/// across all of them, and the most listeners (targets) with a connection
/// open at once. The server closes first (and counts the close before the
/// client can see it), so the counts never lag the client's.
struct Counting {
    addrs: Vec<SocketAddr>,
    peak: Arc<AtomicUsize>,
    peak_targets: Arc<AtomicUsize>,
}

fn counting(ports: usize, hold: Duration) -> Counting {
    // Connections open per listener; the totals are read from it under
    // the same lock, so the two peaks are of one moment.
    let open = Arc::new(std::sync::Mutex::new(vec![0usize; ports]));
    let peak = Arc::new(AtomicUsize::new(0));
    let peak_targets = Arc::new(AtomicUsize::new(0));
    let mut addrs = Vec::new();
    for port in 0..ports {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        addrs.push(listener.local_addr().unwrap());
        let (open, peak, peak_targets) = (open.clone(), peak.clone(), peak_targets.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (open, peak, peak_targets) = (open.clone(), peak.clone(), peak_targets.clone());
                std::thread::spawn(move || {
                    {
                        let mut busy = open.lock().unwrap();
                        busy[port] += 1;
                        peak.fetch_max(busy.iter().sum(), Ordering::SeqCst);
                        let targets = busy.iter().filter(|n| **n > 0).count();
                        peak_targets.fetch_max(targets, Ordering::SeqCst);
                    }
                    std::thread::sleep(hold);
                    open.lock().unwrap()[port] -= 1;
                    drop(stream);
                });
            }
        });
    }
    Counting {
        addrs,
        peak,
        peak_targets,
    }
}

#[test]
fn the_global_bound_holds_across_targets() {
    let c = counting(6, Duration::from_millis(150));
    let mut args: Vec<String> = c.addrs.iter().map(|a| a.to_string()).collect();
    args.extend(["--max-connections", "4", "--timeout", "2s", "-p", "dsa-11"].map(String::from));
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert_eq!(code, 3, "{v:#}");
    let peak = c.peak.load(Ordering::SeqCst);
    assert!(peak <= 4, "{peak} connections at once across targets");
    assert!(peak >= 2, "the targets ran concurrently: {peak}");
    for t in v["targets"].as_array().unwrap() {
        assert_eq!(t["status"], "error", "{t:#}");
    }
}

/// Targets take their turns as earlier ones finish, one per two connections
/// of `--max-connections` (here 1 at a time; the next ones in line are
/// scouted meanwhile, one connection each), and each target's deadline
/// runs from its own turn: eight targets that take about half a second each
/// (their connections are held 150 ms, two at a time), one after the
/// other, all finish within a deadline of 2 s, shorter than the whole run
/// (about 4 s). When every target started at once, they shared the two
/// connections for the whole run, and four and then five of the eight were
/// reported as timed out at the deadline (two runs of the previous build
/// against the same listeners).
#[test]
fn targets_wait_for_their_turn_untimed() {
    let hold = Duration::from_millis(150);
    let c = counting(8, hold);
    let mut args: Vec<String> = c.addrs.iter().map(|a| a.to_string()).collect();
    args.extend(
        [
            "--max-connections",
            "2",
            "--timeout",
            "2s",
            "-p",
            "dsa-11",
            "--target-timeout",
            "2s",
        ]
        .map(String::from),
    );
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert_eq!(code, 3, "{v:#}");
    // One target in turn; the one beside it is scouted (one connection).
    let targets = c.peak_targets.load(Ordering::SeqCst);
    assert!(targets <= 2, "{targets} targets at once with 2 connections");
    for t in v["targets"].as_array().unwrap() {
        assert_eq!(t["status"], "error", "{t:#}");
        assert_eq!(t["error"]["kind"], "closed", "{t:#}");
    }
}

#[test]
fn a_target_that_takes_too_long_is_cut_at_the_deadline() {
    let silent = hostile(Hostile::Silent);
    let (code, v) = scan_json(&[
        &silent.to_string(),
        "--timeout",
        "5s",
        "--target-timeout",
        "500ms",
    ]);
    assert_eq!(code, 3);
    let e = &v["targets"][0]["error"];
    assert_eq!(e["kind"], "timeout", "{e:#}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--target-timeout (500ms)"),
        "{e:#}"
    );
}

#[test]
fn json_lines_are_written_as_targets_finish() {
    let good = emulate("dsa-11");
    let silent = hostile(Hostile::Silent);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.jsonl");
    let mut child = bin()
        .args([
            "scan",
            &silent.to_string(),
            &good.local_addr().to_string(),
            "--timeout",
            "4s",
            "--format",
            "jsonl",
            "-o",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The answering endpoint's line is on disk while the silent one is
    // still being waited for (polled until it is, or the scan ended
    // without it: no wall-clock bound).
    let first = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break line.to_string();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan ended before any line was on disk"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        child.try_wait().unwrap().is_none(),
        "the scan was still running when the first line was on disk"
    );
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["target"], good.local_addr().to_string());
    assert_eq!(v["status"], "ok");
    assert_eq!(child.wait().unwrap().code(), Some(3));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1]["target"], silent.to_string());
    assert_eq!(lines[2]["policy"]["status"], "incomplete");
}

#[test]
fn an_unwritable_output_fails_before_any_probing() {
    let c = counting(1, Duration::from_millis(100));
    let run = crate::common::tlscompat(&[
        "scan",
        &c.addrs[0].to_string(),
        "-o",
        "/nonexistent-dir/report.json",
    ]);
    assert_eq!(run.code, 2);
    crate::common::assert_clean_error(&run);
    assert_eq!(c.peak.load(Ordering::SeqCst), 0, "no connection was made");
}

#[test]
fn sigterm_writes_what_finished_and_marks_the_rest_not_scanned() {
    let good = emulate("dsa-11");
    let silent = hostile(Hostile::Silent);
    let mut child = bin()
        .args([
            "scan",
            &good.local_addr().to_string(),
            &silent.to_string(),
            "--timeout",
            "30s",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["status"], "ok", "the answering target finished first");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(3));
    let lines: Vec<Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{rest}");
    assert_eq!(lines[0]["target"], silent.to_string());
    assert_eq!(lines[0]["status"], "not_scanned");
    assert_eq!(lines[1]["policy"]["status"], "incomplete");
    assert_eq!(lines[1]["policy"]["unresolved"][0]["code"], "not_scanned");
}

#[test]
fn duplicate_targets_are_scanned_once() {
    let good = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inventory.txt");
    let addr = good.local_addr().to_string();
    std::fs::write(
        &inventory,
        format!("{addr}\n{addr} manager\n# again\n{addr}\n"),
    )
    .unwrap();
    let (code, v) = scan_json(&[&addr, "-i", inventory.to_str().unwrap(), "-p", "dsa-11"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["targets"].as_array().unwrap().len(), 1, "{v:#}");
}

/// On a terminal, a progress bar on standard error; elsewhere, nothing.
#[test]
fn progress_shows_on_a_terminal_only() {
    let good = emulate("dsa-11");
    let addr = good.local_addr().to_string();
    let quiet = crate::common::tlscompat(&["scan", &addr, "-p", "dsa-11", "--format", "json"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(
        quiet.stderr, "",
        "no progress when stderr is not a terminal"
    );
    // `script` (Debian bsdutils) runs the command on a pseudo-terminal.
    let command = format!(
        "{} scan {addr} -p dsa-11 --format json -o /dev/null",
        env!("CARGO_BIN_EXE_tlscompat")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("the `script` command (Debian package bsdutils)");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("targets"),
        "no progress bar on a terminal: {shown:?}"
    );
}

/// One row per endpoint and the counts per profile, in JSON, text and
/// Markdown.
#[test]
fn the_summary_counts_each_profile_across_endpoints() {
    let strong = emulate("dsm-strong-12");
    let old = emulate("dsa-10.0");
    let (a, b) = (
        strong.local_addr().to_string(),
        old.local_addr().to_string(),
    );
    let (_, v) = scan_json(&[&a, &b]);
    let s = &v["summary"];
    assert_eq!(s["endpoints"].as_array().unwrap().len(), 2, "{s:#}");
    assert_eq!(s["endpoints"][0]["target"], a.as_str());
    // A manager endpoint is identified among the manager profiles.
    assert_eq!(
        s["endpoints"][0]["behaves_like"],
        serde_json::json!(["dsm-strong-12"])
    );
    assert_eq!(
        s["profiles"]["dsa-11"],
        serde_json::json!({"compatible": 1, "of": 2})
    );
    assert_eq!(
        s["profiles"]["dsa-10.0"],
        serde_json::json!({"compatible": 1, "of": 2})
    );
    assert_eq!(
        s["profiles"]["dsa-fips"],
        serde_json::json!({"compatible": 2, "of": 2})
    );
    let text = crate::common::tlscompat(&["scan", &a, &b]);
    assert!(
        text.stdout
            .contains("dsa-11: compatible with 1 of 2 endpoints"),
        "{}",
        text.stdout
    );
    let md = crate::common::tlscompat(&["scan", &a, &b, "--format", "markdown"]);
    assert!(md.stdout.contains("## Summary"), "{}", md.stdout);
    assert!(
        md.stdout
            .contains("- dsa-fips: compatible with 2 of 2 endpoints"),
        "{}",
        md.stdout
    );
    // The last JSON Lines line carries the summary with the verdict.
    let lines = crate::common::tlscompat(&["scan", &a, &b, "--format", "jsonl"]);
    let last: Value = serde_json::from_str(lines.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["summary"]["profiles"]["dsa-11"]["of"], 2);
}

/// Shards are disjoint and cover the inventory; `merge` of the shard
/// reports has the verdict and exit code of one run.
#[test]
fn shards_cover_the_inventory_and_merge_like_one_run() {
    let ids = [
        "dsm-strong-12",
        "dsa-10.0",
        "dsa-11",
        "dsm-strong-10-11",
        "dsa-fips",
    ];
    let emulators: Vec<_> = ids.iter().map(|id| emulate(id)).collect();
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inventory.txt");
    let mut lines: Vec<String> = emulators
        .iter()
        .map(|e| e.local_addr().to_string())
        .collect();
    // A closed port: one endpoint that cannot be scanned.
    let closed = crate::plan::closed_port();
    lines.push(format!("127.0.0.1:{closed}"));
    std::fs::write(&inventory, lines.join("\n")).unwrap();
    let inv = inventory.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "-i", inv, "--require", "dsa-10.0", "--retries", "0"];
        args.extend_from_slice(extra);
        crate::common::tlscompat(&args)
    };
    let whole = dir.path().join("whole.json");
    let single = run(&["--format", "json", "-o", whole.to_str().unwrap()]);
    assert_eq!(single.code, 1);
    let whole: Value = serde_json::from_str(&std::fs::read_to_string(&whole).unwrap()).unwrap();
    let mut shard_files = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=3 {
        let f = dir.path().join(format!("shard{k}.jsonl"));
        let shard = format!("{k}/3");
        run(&[
            "--shard",
            &shard,
            "--format",
            "jsonl",
            "-o",
            f.to_str().unwrap(),
        ]);
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if let Some(t) = v["target"].as_str() {
                assert!(!seen.contains(&t.to_string()), "{t} in two shards");
                seen.push(t.to_string());
            }
        }
        shard_files.push(f.to_str().unwrap().to_string());
    }
    seen.sort();
    let mut all: Vec<String> = lines.clone();
    all.sort();
    assert_eq!(seen, all, "the shards together are the inventory");
    let mut args = vec!["merge", "--format", "json"];
    args.extend(shard_files.iter().map(String::as_str));
    let merged = crate::common::tlscompat(&args);
    assert_eq!(merged.code, single.code, "{}", merged.stderr);
    let merged = merged.json();
    assert_eq!(merged["policy"]["status"], whole["policy"]["status"]);
    let rules = |v: &Value, key: &str| {
        let mut r: Vec<String> = v["policy"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| format!("{} {} {}", x["target"], x["rule"], x["code"]))
            .collect();
        r.sort();
        r
    };
    assert_eq!(rules(&merged, "violations"), rules(&whole, "violations"));
    assert_eq!(rules(&merged, "unresolved"), rules(&whole, "unresolved"));
    assert_eq!(
        merged["targets"].as_array().unwrap().len(),
        whole["targets"].as_array().unwrap().len()
    );
    // With the rules given again, merge judges like check.
    let mut again = vec!["merge", "--require", "dsa-10.0", "--format", "json"];
    again.extend(shard_files.iter().map(String::as_str));
    assert_eq!(crate::common::tlscompat(&again).code, 1);
    let bad = crate::common::tlscompat(&["scan", "-i", inv, "--shard", "4/3"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("1 ≤ K ≤ N"), "{}", bad.stderr);
}

/// CSV and YAML inventories: expected profiles (from an agent version),
/// per-target requirements, and located errors.
#[test]
fn csv_and_yaml_inventories() {
    let old = emulate("dsa-9.6");
    let new = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("agents.csv");
    std::fs::write(
        &csv,
        format!(
            "host,port,role,agent_version,labels\n\
             127.0.0.1,{},agent,20.0.0-3445,web\n\
             127.0.0.1,{},agent,20.0.0-3445,db\n",
            old.local_addr().port(),
            new.local_addr().port()
        ),
    )
    .unwrap();
    let (_, v) = scan_json(&["-i", csv.to_str().unwrap()]);
    let t = &v["targets"];
    assert_eq!(t[0]["role"], "agent");
    assert_eq!(
        t[0]["inventory"]["expect"],
        serde_json::json!(["dsa-11", "dsa-fips"])
    );
    assert_eq!(t[0]["inventory"]["labels"], serde_json::json!(["web"]));
    let f = t[0]["findings"].as_array().unwrap();
    let unexpected = f
        .iter()
        .find(|f| f["code"] == "unexpected_profile")
        .unwrap();
    let m = unexpected["message"].as_str().unwrap();
    assert!(
        m.contains("expected to behave like dsa-11 or dsa-fips (agent version 20.0.0-3445"),
        "{m}"
    );
    assert!(m.contains("it behaves like dsa-9.6"), "{m}");
    assert!(
        !t[1]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "unexpected_profile"),
        "{:#}",
        t[1]
    );
    // YAML: a requirement on one target only.
    let yaml = dir.path().join("fleet.yaml");
    std::fs::write(
        &yaml,
        format!(
            "defaults:\n  role: manager\ntargets:\n  - host: 127.0.0.1\n    port: {}\n    require: [dsa-11]\n  - host: 127.0.0.1\n    port: {}\n",
            old.local_addr().port(),
            new.local_addr().port()
        ),
    )
    .unwrap();
    let (code, v) = scan_json(&["-i", yaml.to_str().unwrap(), "-p", "dsa-11"]);
    assert_eq!(code, 1, "{v:#}");
    let violations = v["policy"]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0]["target"], old.local_addr().to_string());
    // Errors name the file and line; exit 2.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "host,role\n127.0.0.1,agent\n127.0.0.1,wizard\n").unwrap();
    let run = crate::common::tlscompat(&["scan", "-i", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr.contains("bad.csv:3: unknown role \"wizard\""),
        "{}",
        run.stderr
    );
    let typo = dir.path().join("typo.yaml");
    std::fs::write(&typo, "targets:\n  - host: h\n    expct: dsa-11\n").unwrap();
    let run = crate::common::tlscompat(&["scan", "-i", typo.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("typo.yaml:3:"), "{}", run.stderr);
    let unknown = dir.path().join("unknown.yaml");
    std::fs::write(&unknown, "targets:\n  - host: h\n    expect: dsa-99\n").unwrap();
    let run = crate::common::tlscompat(&["scan", "-i", unknown.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// `sh -c 'ulimit …; exec tlscompat scan …'`: the scan's exit code,
/// report and stderr.
fn scan_under_ulimit(ulimit: &str, args: &[&str]) -> (i32, Value, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{ulimit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_tlscompat"))
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A low soft limit on open files is raised toward the hard one; where the
/// hard limit itself is low, fewer connections are used, with a line on
/// stderr, and no endpoint is reported unreachable for want of a descriptor.
#[test]
fn the_open_files_limit_is_raised_or_respected() {
    let emulators: Vec<_> = (0..12).map(|_| emulate("dsm-strong-12")).collect();
    let addrs: Vec<String> = emulators
        .iter()
        .map(|e| e.local_addr().to_string())
        .collect();
    let mut args: Vec<&str> = addrs.iter().map(String::as_str).collect();
    args.extend(["--max-connections", "512", "--timeout", "5s"]);
    // Soft 80, hard as it was: raised to fit 512, quietly.
    let (code, v, stderr) = scan_under_ulimit("ulimit -S -n 80", &args);
    assert_eq!(code, 0, "{stderr}\n{v:#}");
    assert!(!stderr.contains("open-files limit"), "{stderr}");
    // Hard 80: 16 connections at once fit, and are used.
    let (code, v, stderr) = scan_under_ulimit("ulimit -n 80", &args);
    assert!(
        stderr.contains("the open-files limit allows 16 connections at once, not the 512"),
        "{stderr}"
    );
    assert_eq!(code, 0, "{stderr}\n{v:#}");
    for t in v["targets"].as_array().unwrap() {
        assert_eq!(t["status"], "ok", "{t:#}");
        assert_eq!(
            crate::common::profile_of(t, "dsa-11")["compatible"],
            true,
            "{t:#}"
        );
    }
}

/// `--only lose,unknown` keeps just those endpoints in the fleet summary;
/// the counts stay the whole run's.
#[test]
fn only_lists_the_endpoints_asked_for() {
    let strong = emulate("dsm-strong-12");
    let legacy = crate::plan::emulate_file("profiles/dsm-legacy.yaml");
    let held = crate::plan::closed_port();
    let closed = format!("127.0.0.1:{held}");
    let (a, b) = (
        strong.local_addr().to_string(),
        legacy.local_addr().to_string(),
    );
    let run = |only: &str| {
        let r = crate::common::tlscompat(&[
            "scan",
            &a,
            &b,
            &closed,
            "--retries",
            "0",
            "--timeout",
            "1s",
            "--color",
            "never",
            "--only",
            only,
        ]);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        // The grid: up to the first blank line (the counts and the
        // policy's reasons after it are the whole run's).
        let grid = r.stdout.split("\n\n").next().unwrap().to_string();
        (grid, r.stdout)
    };
    // dsm-strong-12 loses dsa-9.6 and dsa-10.0; the legacy manager keeps
    // every agent profile; the closed port cannot be told.
    let (grid, all) = run("lose");
    assert!(grid.contains(&a), "{all}");
    assert!(!grid.contains(&b), "{all}");
    assert!(!grid.contains(&closed), "{all}");
    assert!(all.contains("3 target(s)"), "{all}");
    let (grid, all) = run("unknown,keep");
    assert!(!grid.contains(&a), "{all}");
    assert!(grid.contains(&b), "{all}");
    assert!(grid.contains(&closed), "{all}");
}

/// A gate that opens once.
type Gate = Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>;

/// A listener that accepts and never answers (a silent host), and opens
/// `gate` when it accepts its first connection.
fn silent_opening(gate: Gate) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            *gate.0.lock().unwrap() = true;
            gate.1.notify_all();
        }
    });
    addr
}

/// A relay in front of `upstream` whose first connection is held, unread,
/// until `gate` opens (or 30 s pass), then relayed like the others; the
/// flag says whether the gate opened for it while the client still waited
/// for an answer (it had not closed the connection).
fn held_until(
    upstream: SocketAddr,
    gate: Gate,
) -> (SocketAddr, Arc<std::sync::atomic::AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let relayed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = relayed.clone();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().flatten().enumerate() {
            let (gate, flag) = (gate.clone(), flag.clone());
            std::thread::spawn(move || {
                if n == 0 {
                    let open = gate.0.lock().unwrap();
                    let (open, _) = gate
                        .1
                        .wait_timeout_while(open, Duration::from_secs(30), |o| !*o)
                        .unwrap();
                    if !*open {
                        return;
                    }
                }
                // What the client sent meanwhile, and whether it still
                // waits (no end of stream yet).
                let mut client = client;
                let mut pending = Vec::new();
                let mut buf = [0u8; 4096];
                client.set_nonblocking(true).unwrap();
                let waiting = loop {
                    match client.read(&mut buf) {
                        Ok(0) => break false,
                        Ok(k) => pending.extend_from_slice(&buf[..k]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break true,
                        Err(_) => break false,
                    }
                };
                client.set_nonblocking(false).unwrap();
                if n == 0 {
                    flag.store(waiting, Ordering::SeqCst);
                }
                crate::peers::pump(client, &pending, upstream, false);
            });
        }
    });
    (addr, relayed)
}

/// Targets that wait for their turn are scouted: a silent host at the end
/// of the inventory is contacted while the first target is still being
/// scanned, so its timeout runs beside the others', not after them. Here
/// the first target cannot finish until the silent host has been
/// contacted (one of its connections is held until then): scanned in turn
/// without scouting, that connection would wait out `--timeout` and the
/// silent host would be reached only afterwards. The silent host costs
/// one connection: the rest of its probes are never sent.
#[test]
fn a_silent_host_late_in_the_inventory_is_contacted_early() {
    let gate: Gate = Arc::default();
    let server = emulate("dsm-strong-12");
    let (first, relayed) = held_until(server.local_addr(), gate.clone());
    let others: Vec<_> = (0..4).map(|_| emulate("dsm-strong-12")).collect();
    let silent = silent_opening(gate);
    let mut args: Vec<String> = vec![first.to_string()];
    args.extend(others.iter().map(|e| e.local_addr().to_string()));
    args.push(silent.to_string());
    // Four connections: two targets in turn, the other four scouted.
    args.extend(
        [
            "-p",
            "dsa-11",
            "--max-connections",
            "4",
            "--timeout",
            "5s",
            "--retries",
            "0",
        ]
        .map(String::from),
    );
    let all: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = scan_json(&all);
    assert_eq!(code, 3, "{v:#}");
    assert!(
        relayed.load(Ordering::SeqCst),
        "the silent host was contacted while the first target still waited for its held connection"
    );
    let targets = v["targets"].as_array().unwrap();
    for t in &targets[..5] {
        assert_eq!(t["status"], "ok", "{t:#}");
        assert_eq!(
            crate::common::profile_of(t, "dsa-11")["verdict"],
            "compatible",
            "{t:#}"
        );
    }
    let s = &targets[5];
    assert_eq!(s["error"]["kind"], "timeout", "{s:#}");
    assert_eq!(s["stats"]["connect_attempts"], 1, "{s:#}");
}
