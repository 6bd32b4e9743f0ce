//! Hostile servers, one per rule a verdict relies on: each asserts the
//! verdict (never "compatible" for a client that would fail, never "passed"
//! for what was not established) and the exit code.

use serde_json::Value;

use crate::common::tlscompat;
use crate::peers::{ProxyRule, Script, proxy, scripted};
use crate::servers::emulate;
use tlscompat::wire::codes::AlertDescription;

/// `scan ADDR --timeout 2s ARGS… --format json`: exit code and report.
fn scan(addr: &str, args: &[&str]) -> (i32, Value) {
    crate::common::scan_json(&[&[addr, "--timeout", "2s"], args].concat())
}

fn profile<'a>(v: &'a Value, id: &str) -> &'a Value {
    crate::common::profile_of(&v["targets"][0], id)
}

fn issue_codes(v: &Value) -> Vec<String> {
    v["targets"][0]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

/// A profile file offering TLS 1.3 (and optionally TLS 1.2).
fn tls13_profile(dir: &tempfile::TempDir, with_12: bool) -> String {
    let path = dir.path().join("modern.yaml");
    let (versions, extra) = if with_12 {
        (
            "[tls1.2, tls1.3]",
            "\n  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        )
    } else {
        ("[tls1.3]", "")
    };
    std::fs::write(
        &path,
        format!(
            "id: modern\nname: a TLS 1.3 client\nrole: agent\nversions: {versions}\n\
             cipher_suites:\n  - TLS_AES_128_GCM_SHA256\n  - TLS_AES_256_GCM_SHA384{extra}\n\
             groups: [x25519, secp256r1]\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// A required profile that a hostile server made incompatible: exit 1,
/// the policy failed, the profile is conclusive and not compatible.
#[track_caller]
fn assert_refused(code: i32, v: &Value, id: &str, reason_code: &str) {
    let p = profile(v, id);
    assert_eq!(p["compatible"], false, "{p:#}");
    assert_eq!(p["conclusive"], true, "{p:#}");
    assert_eq!(p["reason_code"], reason_code, "{p:#}");
    assert_eq!(v["policy"]["status"], "failed", "{:#}", v["policy"]);
    assert_eq!(v["policy"]["passed"], false);
    assert_eq!(code, 1, "{v:#}");
}

#[test]
fn a_server_hello_followed_by_a_fatal_alert_is_a_refusal() {
    let peer = scripted(Script::ServerHelloThenAlert(
        AlertDescription::INTERNAL_ERROR,
    ));
    let (code, v) = scan(&peer.addr.to_string(), &["--require", "dsa-11"]);
    assert_refused(code, &v, "dsa-11", "refused_after_server_hello");
    let reason = profile(&v, "dsa-11")["reason"].as_str().unwrap();
    assert!(
        reason.contains("then refused with internal_error"),
        "{reason}"
    );
    assert_eq!(
        v["targets"][0]["server"]["cipher_suites"],
        serde_json::json!({})
    );
}

#[test]
fn broken_server_hellos_are_server_faults_never_support() {
    for (script, words) in [
        (Script::DuplicateExtension, "twice"),
        (Script::UnsolicitedExtension, "did not offer"),
        (Script::Compression, "compression method"),
    ] {
        let peer = scripted(script);
        let (code, v) = scan(&peer.addr.to_string(), &["--require", "dsa-11"]);
        assert_refused(code, &v, "dsa-11", "server_fault");
        let reason = profile(&v, "dsa-11")["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{script:?}: {reason}");
        assert!(issue_codes(&v).contains(&"server_fault".to_string()));
        assert_eq!(
            v["targets"][0]["server"]["cipher_suites"],
            serde_json::json!({}),
            "{script:?}: a fault is never support"
        );
    }
}

#[test]
fn the_downgrade_sentinel_to_a_tls13_client_is_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    let modern = tls13_profile(&dir, true);
    let peer = scripted(Script::DowngradeSentinel);
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", &modern, "--require", "modern"],
    );
    assert_refused(code, &v, "modern", "server_fault");
    let reason = profile(&v, "modern")["reason"].as_str().unwrap();
    assert!(reason.contains("downgrade sentinel"), "{reason}");
}

#[test]
fn illegal_hello_retry_requests_are_faults() {
    let dir = tempfile::tempdir().unwrap();
    let modern = tls13_profile(&dir, false);
    for (script, words) in [
        (Script::HelloRetryUnlistedGroup, "never listed"),
        (Script::HelloRetrySameGroup, "had already sent"),
        (Script::SecondHelloRetry, "a second HelloRetryRequest"),
    ] {
        let peer = scripted(script);
        let (code, v) = scan(
            &peer.addr.to_string(),
            &["-p", &modern, "--require", "modern"],
        );
        assert_refused(code, &v, "modern", "server_fault");
        let reason = profile(&v, "modern")["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{script:?}: {reason}");
    }
}

#[test]
fn suites_accepted_in_a_hello_but_refused_alone_are_inconsistent() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseSingleSuite);
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", "dsa-11", "--require", "dsa-11"],
    );
    let p = profile(&v, "dsa-11");
    assert_eq!(p["conclusive"], false, "{p:#}");
    assert_eq!(p["compatible"], false, "{p:#}");
    assert_eq!(p["reason_code"], "inconsistent", "{p:#}");
    assert!(
        issue_codes(&v).contains(&"inconsistent".to_string()),
        "{v:#}"
    );
    assert_eq!(v["targets"][0]["complete"], false);
    assert_eq!(v["policy"]["status"], "incomplete");
    assert_eq!(v["policy"]["passed"], false);
    assert_eq!(code, 3);
}

/// A client's hello refused as an unsupported version by a server that
/// speaks that version: the single-suite probes at that version are not
/// sent (the replay showed it unsupported), but the whole-version hello
/// sent instead is accepted, and the contradiction is reported.
#[test]
fn a_version_refused_in_a_hello_but_spoken_is_inconsistent() {
    let upstream = emulate("dsa-11");
    let peer = proxy(
        upstream.local_addr(),
        ProxyRule::ProtocolVersionForTwoSuites,
    );
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", "dsa-11", "--require", "dsa-11"],
    );
    let p = profile(&v, "dsa-11");
    assert_eq!(p["conclusive"], false, "{p:#}");
    assert_eq!(p["compatible"], false, "{p:#}");
    assert_eq!(p["reason_code"], "inconsistent", "{p:#}");
    let reason = p["reason"].as_str().unwrap();
    assert!(
        reason
            .contains("accepted tls1.2 on one connection and refused it as an unsupported version"),
        "{reason}"
    );
    assert_eq!(v["targets"][0]["complete"], false);
    assert_eq!(v["policy"]["status"], "incomplete");
    assert_eq!(code, 3, "{v:#}");
}

#[test]
fn the_same_hello_refused_then_accepted_is_inconsistent() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseFirstThenForward);
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", "dsa-11", "--require", "dsa-11"],
    );
    let p = profile(&v, "dsa-11");
    assert_eq!(p["conclusive"], false, "{p:#}");
    assert_eq!(p["reason_code"], "inconsistent", "{p:#}");
    let reason = p["reason"].as_str().unwrap();
    assert!(
        reason.contains("differently on two connections"),
        "{reason}"
    );
    assert_eq!(v["policy"]["status"], "incomplete");
    assert_eq!(code, 3, "{v:#}");
}

#[test]
fn a_server_that_closes_after_the_client_key_exchange_fails_confirmation() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::CutAfterServerFlight);
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", "dsa-11", "--require", "dsa-11"],
    );
    assert_refused(code, &v, "dsa-11", "handshake_failed");
    let p = profile(&v, "dsa-11");
    assert_eq!(p["confirmed"], "failed");
    assert_eq!(p["engine"], "rustls");
    let reason = p["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "the server chose TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 at tls1.2 and then closed the \
             connection after the client key exchange"
        ),
        "{reason}"
    );
    // The first flight's acceptance is not silently overwritten.
    assert!(issue_codes(&v).contains(&"confirmation_failed".to_string()));
    assert_eq!(
        p["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    // Without confirmation the first flight alone looks fine.
    let (code, v) = scan(
        &peer.addr.to_string(),
        &["-p", "dsa-11", "--require", "dsa-11", "--no-confirm"],
    );
    assert_eq!(profile(&v, "dsa-11")["compatible"], true);
    assert_eq!(profile(&v, "dsa-11")["confirmed"], "not_attempted");
    assert_eq!(code, 0);
}

#[test]
fn a_requirement_on_an_unscanned_endpoint_is_incomplete_in_every_format() {
    // A port nothing listens on, held closed.
    let port = crate::plan::closed_port();
    let addr = format!("127.0.0.1:{port}");
    let (code, v) = scan(&addr, &["--require", "dsa-11", "--retries", "0"]);
    assert_eq!(code, 3);
    assert_eq!(v["policy"]["status"], "incomplete");
    assert_eq!(v["policy"]["passed"], false);
    assert_eq!(v["policy"]["unresolved"][0]["code"], "not_scanned");
    assert_eq!(v["targets"][0]["error"]["kind"], "refused");
    for format in ["text", "markdown", "junit"] {
        let run = tlscompat(&[
            "scan",
            &addr,
            "--require",
            "dsa-11",
            "--retries",
            "0",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 3, "{format}");
        assert!(
            !run.stdout.to_lowercase().contains("passed"),
            "{format} says passed:\n{}",
            run.stdout
        );
    }
    let text = tlscompat(&["scan", &addr, "--require", "dsa-11", "--retries", "0"]);
    assert!(
        text.stdout.contains("policy: incomplete"),
        "{}",
        text.stdout
    );
}

#[test]
fn junit_counts_equal_its_elements() {
    let upstream = emulate("dsa-11");
    let peer = proxy(upstream.local_addr(), ProxyRule::RefuseSingleSuite);
    let run = tlscompat(&[
        "scan",
        &peer.addr.to_string(),
        &upstream.local_addr().to_string(),
        "--require",
        "dsa-10.0",
        "--format",
        "junit",
    ]);
    let xml = run.stdout;
    let attr = |name: &str| -> usize {
        let start = xml.find("<testsuites ").unwrap();
        let head = &xml[start..xml[start..].find('>').unwrap() + start];
        let at = head.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        head[at..at + head[at..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    assert_eq!(attr("errors"), xml.matches("<error ").count(), "{xml}");
    assert_eq!(attr("failures"), xml.matches("<failure ").count(), "{xml}");
    assert_eq!(attr("tests"), xml.matches("<testcase ").count(), "{xml}");
    assert!(attr("errors") > 0 && attr("failures") > 0, "{xml}");
}

#[test]
fn a_panicking_target_is_an_internal_error_row() {
    let good = emulate("dsa-11");
    let run = crate::common::finish(
        crate::common::bin()
            .env("TLSCOMPAT_TEST_PANIC_HOST", "localhost")
            .args([
                "scan",
                &format!("localhost:{}", good.local_addr().port()),
                &good.local_addr().to_string(),
                "-p",
                "dsa-11",
                "--format",
                "json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let v = run.json();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{v:#}");
    assert_eq!(targets[0]["status"], "error");
    assert_eq!(targets[0]["error"]["kind"], "internal");
    assert_eq!(targets[1]["status"], "ok");
    assert_eq!(v["policy"]["status"], "incomplete");
}

/// With `--no-confirm` no handshake checks the rest of the flight: the
/// first flight is judged whole. A ServerHello followed by a
/// ChangeCipherSpec, by an unknown handshake message, by a certificate
/// that does not parse or by an oversized chain is a server fault, never
/// "compatible" (exit 1 for a required profile).
#[test]
fn first_flights_no_client_goes_on_with_are_not_support_without_confirmation() {
    for script in [
        Script::ServerHelloThenChangeCipherSpec,
        Script::ServerHelloThenUnknownMessage,
        Script::UnparseableCertificate,
        Script::OversizedChain,
    ] {
        let peer = scripted(script);
        let (code, v) = scan(
            &peer.addr.to_string(),
            &["-p", "dsa-11", "--require", "dsa-11", "--no-confirm"],
        );
        let p = profile(&v, "dsa-11");
        assert_eq!(p["compatible"], false, "{script:?}: {p:#}");
        assert_eq!(p["reason_code"], "server_fault", "{script:?}: {p:#}");
        assert!(
            p["reason"]
                .as_str()
                .unwrap()
                .contains("no client goes on with that flight"),
            "{script:?}: {p:#}"
        );
        assert_eq!(code, 1, "{script:?}: {v:#}");
    }
}
