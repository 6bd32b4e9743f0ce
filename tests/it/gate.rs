//! The compliance gate: policy files and the `--forbid-*` shorthands on
//! `scan`, the reasons on standard error, `check` on saved reports, and
//! `what-if`, all against emulated endpoints on loopback.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Run, assert_clean_error, profile_of, testdata, tlscompat};
use crate::servers::emulate;

fn run(args: &[&str]) -> Run {
    let run = tlscompat(args);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// `scan ARGS… --format json`.
fn scan(args: &[&str]) -> (Run, Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    let v = r.json();
    (r, v)
}

fn rules(report: &Value, list: &str) -> Vec<String> {
    report["policy"][list]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_string())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn forbidden_versions_pass_and_fail() {
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    let (r, v) = scan(&[
        &addr,
        "-p",
        "dsa-11",
        "--forbid-version",
        "tls1.0",
        "--forbid-version",
        "TLSv1.1",
    ]);
    r.expect_code(0);
    assert_eq!(v["policy"]["status"], "passed");

    let old = emulate("dsa-9.6");
    let old_addr = old.local_addr().to_string();
    let (r, v) = scan(&[
        &old_addr,
        "--role",
        "agent",
        "-p",
        "dsa-9.6",
        "--forbid-version",
        "tls1.0",
    ]);
    let r = r.expect_code(1);
    assert_eq!(rules(&v, "violations"), ["forbid_versions tls1.0"]);
    assert_eq!(v["policy"]["violations"][0]["code"], "forbidden_version");
    assert!(
        r.stderr.contains(&format!(
            "failed: {old_addr}: forbid_versions tls1.0: the endpoint accepts tls1.0"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn forbidden_suites_by_class_and_name_pass_and_fail() {
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    let (r, _) = scan(&[
        &addr,
        "-p",
        "dsa-11",
        "--forbid-suite",
        "cbc",
        "--forbid-suite",
        "rsa_kx",
        "--forbid-suite",
        "AES256-SHA256",
    ]);
    r.expect_code(0);

    let agent = emulate("dsa-10.0");
    let agent_addr = agent.local_addr().to_string();
    let (r, v) = scan(&[
        &agent_addr,
        "--role",
        "agent",
        "-p",
        "dsa-10.0",
        "--forbid-suite",
        "cbc",
        "--forbid-suite",
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "--forbid-suite",
        "rc4",
    ]);
    let r = r.expect_code(1);
    assert_eq!(
        rules(&v, "violations"),
        [
            "forbid_suites cbc",
            "forbid_suites TLS_RSA_WITH_AES_128_CBC_SHA256"
        ]
    );
    assert_eq!(v["policy"]["violations"][0]["code"], "forbidden_suite");
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("failed: {agent_addr}: forbid_suites cbc: ")))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        line.contains("TLS_RSA_WITH_AES_256_CBC_SHA256 at tls1.2"),
        "{line}"
    );
    assert!(
        line.contains("only the probed suites were judged"),
        "{line}"
    );
    // An unknown class is a usage error with a suggestion.
    let r = run(&["scan", &agent_addr, "--forbid-suite", "cbcc"]).expect_code(2);
    assert_clean_error(&r);
    assert!(r.stderr.contains("did you mean cbc"), "{}", r.stderr);
}

#[test]
fn require_through_the_sample_policy() {
    let policy = testdata("policy/manager-gate.yaml");
    let policy = s(&policy);
    // dsm-strong-12 keeps dsa-11 and dsa-10.0-u16 (GCM) and accepts no CBC.
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    let (r, v) = scan(&[&addr, "-p", "dsa-11", "--policy", policy]);
    r.expect_code(0);
    assert_eq!(v["policy"]["status"], "passed");
    // The policy's required profiles were checked although -p named one.
    let t = &v["targets"][0];
    assert_eq!(profile_of(t, "dsa-10.0-u16")["compatible"], true);

    // dsm-strong-10-11 still accepts CBC suites; --require dsa-10.0 fails too.
    let old = emulate("dsm-strong-10-11");
    let old_addr = old.local_addr().to_string();
    let (r, v) = scan(&[
        &old_addr,
        "-p",
        "dsa-11",
        "--policy",
        policy,
        "--require",
        "dsa-10.0",
    ]);
    let r = r.expect_code(1);
    assert_eq!(
        rules(&v, "violations"),
        ["require dsa-10.0", "forbid_suites cbc"]
    );
    assert!(
        r.stderr.contains(&format!(
            "failed: {old_addr}: require dsa-10.0: no common suite at tls1.2"
        )),
        "{}",
        r.stderr
    );

    // The manager rules do not apply to an agent; the agent rule does: an
    // agent port that answers this scanner is exposed.
    let agent = emulate("dsa-10.0");
    let agent_addr = agent.local_addr().to_string();
    let (r, v) = scan(&[&agent_addr, "--role", "agent", "--policy", policy]);
    r.expect_code(1);
    assert_eq!(rules(&v, "violations"), ["agent_port_exposed forbid"]);
}

#[test]
fn certificate_rules_pass_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    // The emulator's certificate: RSA 2048, SHA-256, valid for 365 days.
    let ok = write(
        dir.path(),
        "ok.yaml",
        "rules:\n  - certificate: {min_rsa_bits: 2048, min_days_left: 30, forbid_sha1: true}\n",
    );
    let (r, _) = scan(&[&addr, "-p", "dsa-11", "--policy", s(&ok)]);
    r.expect_code(0);
    let strict = write(
        dir.path(),
        "strict.yaml",
        "rules:\n  - match: {target: '127.0.0.?:*'}\n    certificate: {min_rsa_bits: 4096, min_days_left: 400}\n",
    );
    let (r, v) = scan(&[&addr, "-p", "dsa-11", "--policy", s(&strict)]);
    let r = r.expect_code(1);
    assert_eq!(
        rules(&v, "violations"),
        [
            "certificate min_rsa_bits 4096",
            "certificate min_days_left 400"
        ]
    );
    assert_eq!(v["policy"]["violations"][0]["code"], "certificate");
    assert!(r.stderr.contains("2048-bit RSA key"), "{}", r.stderr);
    assert!(r.stderr.contains("expires in 36"), "{}", r.stderr);
    // Out of scope: the same rule for another host does not apply.
    let other = write(
        dir.path(),
        "other.yaml",
        "rules:\n  - match: {target: 'dsm-*.example.com:*'}\n    certificate: {min_rsa_bits: 4096}\n",
    );
    let (r, _) = scan(&[&addr, "-p", "dsa-11", "--policy", s(&other)]);
    r.expect_code(0);
}

#[test]
fn unscanned_endpoints_are_incomplete_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    let closed = crate::plan::closed_port();
    let down = format!("127.0.0.1:{closed}");
    let args = |policy: &str| -> Vec<String> {
        [
            &addr,
            &down,
            "-p",
            "dsa-11",
            "--retries",
            "0",
            "--timeout",
            "2s",
            "--policy",
            policy,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let strict = write(dir.path(), "strict.yaml", "rules:\n  - require: [dsa-11]\n");
    let a = args(s(&strict));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (r, v) = scan(&a);
    let r = r.expect_code(3);
    assert_eq!(v["policy"]["status"], "incomplete");
    assert!(
        r.stderr.contains(&format!("cannot tell: {down}: scan: ")),
        "{}",
        r.stderr
    );
    let lenient = write(
        dir.path(),
        "lenient.yaml",
        "rules:\n  - require: [dsa-11]\nallow_incomplete: true\n",
    );
    let a = args(s(&lenient));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (r, v) = scan(&a);
    r.expect_code(0);
    assert_eq!(v["policy"]["status"], "passed");
}

#[test]
fn the_reasons_reach_stderr_in_every_format_and_with_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let agent = emulate("dsa-10.0");
    let addr = agent.local_addr().to_string();
    let expected = format!("failed: {addr}: forbid_suites rsa_kx: the endpoint accepts");
    for format in ["text", "json", "yaml", "jsonl", "markdown", "junit"] {
        let out = dir.path().join(format!("report.{format}"));
        let r = run(&[
            "scan",
            &addr,
            "--role",
            "agent",
            "-p",
            "dsa-10.0",
            "--forbid-suite",
            "rsa_kx",
            "--format",
            format,
            "-o",
            s(&out),
        ])
        .expect_code(1);
        assert!(r.stdout.is_empty(), "{format}: {}", r.stdout);
        let lines: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("failed: "))
            .collect();
        assert_eq!(lines.len(), 1, "{format}: {}", r.stderr);
        assert!(lines[0].starts_with(&expected), "{format}: {}", r.stderr);
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(written.contains("rsa_kx"), "{format}: {written}");
    }
    // Without -o too, the reasons go to stderr, not into the JSON.
    let r = run(&[
        "scan",
        &addr,
        "--role",
        "agent",
        "-p",
        "dsa-10.0",
        "--forbid-suite",
        "rsa_kx",
        "--format",
        "json",
    ])
    .expect_code(1);
    r.json();
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
}

#[test]
fn check_gives_the_scan_verdict_again_from_json_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let policy = testdata("policy/manager-gate.yaml");
    let old = emulate("dsm-strong-10-11");
    let addr = old.local_addr().to_string();
    let json = dir.path().join("report.json");
    let scanned = run(&[
        "scan",
        &addr,
        "-p",
        "dsa-11",
        "--policy",
        s(&policy),
        "--format",
        "json",
        "-o",
        s(&json),
    ])
    .expect_code(1);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();

    let checked = run(&[
        "check",
        s(&json),
        "--policy",
        s(&policy),
        "--format",
        "json",
    ])
    .expect_code(1);
    let again = checked.json();
    assert_eq!(again["policy"], saved["policy"]);
    assert_eq!(again["targets"], saved["targets"]);
    assert_eq!(checked.stderr, scanned.stderr);

    // A looser gate on the same report passes; no rule at all passes too.
    run(&["check", s(&json), "--require", "dsa-11"]).expect_code(0);
    run(&["check", s(&json)]).expect_code(0);
    let r = run(&["check", s(&json), "--forbid-version", "tls1.2"]).expect_code(1);
    assert!(
        r.stdout.contains("forbid_versions tls1.2"),
        "text on stdout: {}",
        r.stdout
    );

    // JSON Lines in, the same verdict.
    let jsonl = dir.path().join("report.jsonl");
    run(&[
        "scan",
        &addr,
        "--policy",
        s(&policy),
        "--format",
        "jsonl",
        "-o",
        s(&jsonl),
    ])
    .expect_code(1);
    let r = run(&[
        "check",
        s(&jsonl),
        "--policy",
        s(&policy),
        "--format",
        "json",
    ])
    .expect_code(1);
    assert_eq!(rules(&r.json(), "violations"), rules(&saved, "violations"));
    // Two reports at once, written as JUnit to a file.
    let xml = dir.path().join("out.xml");
    let r = run(&[
        "check",
        s(&json),
        s(&jsonl),
        "--forbid-suite",
        "cbc",
        "--format",
        "junit",
        "-o",
        s(&xml),
    ])
    .expect_code(1);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(xml.contains(r#"name="forbid_suites cbc""#), "{xml}");
    assert!(xml.contains(r#"failures="2""#), "{xml}");

    // A profile the scan did not check (-p dsa-11 and the policy's
    // dsa-10.0-u16 were) cannot be judged from the report.
    let r = run(&["check", s(&json), "--require", "dsa-9.6"]).expect_code(3);
    assert!(
        r.stderr.contains(&format!(
            "cannot tell: {addr}: require dsa-9.6: dsa-9.6 was not checked"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn check_rejects_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = write(
        dir.path(),
        "garbage.json",
        "{\"schema_version\": 2,\n  oops",
    );
    let r = run(&["check", s(&garbage)]).expect_code(2);
    assert_clean_error(&r);
    assert!(r.stderr.contains("invalid JSON at line 2"), "{}", r.stderr);
    let old = write(
        dir.path(),
        "old.json",
        r#"{"schema_version": 1, "tool": {"name": "tlscompat", "version": "0.0.1"}, "targets": []}"#,
    );
    let r = run(&["check", s(&old)]).expect_code(2);
    assert_clean_error(&r);
    assert!(
        r.stderr.contains("schema_version 1 is not supported"),
        "{}",
        r.stderr
    );
    let r = run(&["check", s(&dir.path().join("missing.json"))]).expect_code(2);
    assert_clean_error(&r);
}

#[test]
fn bad_policy_files_are_located_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let typo = write(
        dir.path(),
        "typo.yaml",
        "rules:\n  - match: {role: manager}\n    forbid_suite: [cbc]\n",
    );
    let r = run(&["scan", "127.0.0.1:1", "--policy", s(&typo)]).expect_code(2);
    assert_clean_error(&r);
    assert!(
        r.stderr.contains(&format!("{}:3:5: ", typo.display())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean forbid_suites?"),
        "{}",
        r.stderr
    );
    let class = write(
        dir.path(),
        "class.yaml",
        "rules:\n  - forbid_suites: [cbc, non-pfs, sha-1]\n",
    );
    let r = run(&["check", "nothing.json", "--policy", s(&class)]).expect_code(2);
    assert_clean_error(&r);
    assert!(
        r.stderr.contains(&format!("{}:2:35: ", class.display())),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("did you mean sha1"), "{}", r.stderr);
    let profile = write(
        dir.path(),
        "profile.yaml",
        "rules:\n  - require: [dsa-10.0-u61]\n",
    );
    let r = run(&["scan", "127.0.0.1:1", "--policy", s(&profile)]).expect_code(2);
    assert_clean_error(&r);
    assert!(r.stderr.contains(":2:15: "), "{}", r.stderr);
    assert!(r.stderr.contains("dsa-10.0-u16"), "{}", r.stderr);
}

#[test]
fn what_if_from_a_full_scan() {
    let dir = tempfile::tempdir().unwrap();
    let old = emulate("dsm-strong-10-11");
    let addr = old.local_addr().to_string();
    let report = dir.path().join("all.json");
    run(&[
        "scan",
        &addr,
        "--all-suites",
        "--format",
        "json",
        "-o",
        s(&report),
    ])
    .expect_code(0);
    // Dropping CBC: every agent that had contact keeps it through GCM.
    let r = run(&["what-if", s(&report), "--drop", "cbc"]).expect_code(0);
    // (Lines wrapped at 80 columns, joined.)
    assert!(
        r.stdout.replace("\n    ", " ").contains(&format!(
            "dsa-10.0-u16 keeps {addr} (tls1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("nobody loses contact"), "{}", r.stdout);
    // Dropping both GCM suites: dsa-11 (GCM only) loses the manager;
    // dsa-10.0-u16 and dsa-fips fall back to CBC in the server's order.
    let r = run(&[
        "what-if",
        s(&report),
        "--drop",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "--drop",
        "0xC02F",
        "--format",
        "json",
    ])
    .expect_code(1);
    let v = r.json();
    assert_eq!(v["schema_version"], 3);
    assert_eq!(v["status"], "lost");
    let profiles = v["targets"][0]["profiles"].as_array().unwrap();
    let of = |id: &str| profiles.iter().find(|p| p["profile"] == id).unwrap();
    assert_eq!(of("dsa-11")["outcome"], "loses");
    assert_eq!(of("dsa-11")["message"], "no common suite at tls1.2");
    assert_eq!(of("dsa-10.0-u16")["outcome"], "keeps");
    assert_eq!(
        of("dsa-10.0-u16")["negotiated_after"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    );
    assert_eq!(of("dsa-10.0")["outcome"], "still_incompatible");
    let text = run(&["what-if", s(&report), "--drop", "tls1.2"]).expect_code(1);
    assert!(
        text.stdout.contains(&format!(
            "dsa-11 loses {addr} (the endpoint would accept nothing"
        )),
        "{}",
        text.stdout
    );
    let md = run(&[
        "what-if",
        s(&report),
        "--drop",
        "0xC030",
        "--format",
        "markdown",
    ])
    .expect_code(0);
    assert!(md.stdout.contains("| dsa-11 | ✅ keeps |"), "{}", md.stdout);

    // A profile the catalog lacks: said so, and the answer is unknown.
    let renamed = std::fs::read_to_string(&report)
        .unwrap()
        .replace("\"profile\": \"dsa-fips\"", "\"profile\": \"dsa-99\"");
    let renamed = write(dir.path(), "renamed.json", &renamed);
    let r = run(&["what-if", s(&renamed), "--drop", "cbc"]).expect_code(3);
    assert!(
        r.stdout.contains("dsa-99 is not in the profile catalog"),
        "{}",
        r.stdout
    );
    // A typo'd drop is a usage error.
    let r = run(&["what-if", s(&report), "--drop", "tls1.4"]).expect_code(2);
    assert_clean_error(&r);
}
