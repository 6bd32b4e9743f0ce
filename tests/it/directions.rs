//! `scan` with an inventory that lists the manager too: each agent's report
//! says whether every leg its direction relies on works with that manager.

use serde_json::Value;

use crate::common::tlscompat;
use crate::servers::emulate;

fn target(report: &Value, port: u16) -> &Value {
    let name = format!("127.0.0.1:{port}");
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == name)
        .unwrap_or_else(|| panic!("{name} missing: {report:#}"))
}

fn legs(t: &Value) -> Vec<(String, String)> {
    t["directions"]
        .as_array()
        .unwrap_or_else(|| panic!("no directions: {t:#}"))
        .iter()
        .map(|l| {
            (
                l["direction"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn leg(d: &str, s: &str) -> (String, String) {
    (d.into(), s.into())
}

#[test]
fn agents_are_judged_per_leg_against_the_inventorys_manager() {
    let manager = emulate("dsm-strong-10-11");
    let ten = emulate("dsa-10.0");
    let eleven = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("fleet.csv");
    let (m, t, e) = (
        manager.local_addr().port(),
        ten.local_addr().port(),
        eleven.local_addr().port(),
    );
    std::fs::write(
        &inv,
        format!(
            "host,port,role,direction\n127.0.0.1,{m},manager,\n127.0.0.1,{t},agent,\n\
             127.0.0.1,{e},agent,agent-initiated\n"
        ),
    )
    .unwrap();
    let inv = inv.to_str().unwrap();
    let run = tlscompat(&["scan", "-i", inv, "--timeout", "2s", "--format", "json"]);
    let v = run.json();
    // The 10.0 agent has lost the strong manager both ways; the 11 agent,
    // agent-initiated, is judged on 4120 alone.
    assert_eq!(
        legs(target(&v, t)),
        [
            leg("agent-initiated", "fails"),
            leg("manager-initiated", "fails")
        ]
    );
    assert_eq!(
        target(&v, t)["directions"][0]["reason"],
        "no common suite at tls1.2 (the server answered handshake_failure)"
    );
    assert_eq!(legs(target(&v, e)), [leg("agent-initiated", "works")]);
    assert_eq!(target(&v, m)["directions"], Value::Null, "not an agent");
    // Every target's report (--details), wide enough for one line each.
    let text = crate::common::finish(
        crate::common::bin()
            .args([
                "scan",
                "-i",
                inv,
                "--timeout",
                "2s",
                "--color",
                "never",
                "--details",
            ])
            .env("COLUMNS", "400")
            .output()
            .unwrap(),
    );
    assert!(
        text.stdout.contains(
            "  with the manager: agent-initiated fails: no common suite at tls1.2 (the server answered handshake_failure); manager-initiated fails: no common suite at tls1.2"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("  with the manager: agent-initiated works\n"),
        "{}",
        text.stdout
    );
    // The fleet summary names the agent whose legs fail, and only it.
    let summary = tlscompat(&["scan", "-i", inv, "--timeout", "2s", "--color", "never"]);
    assert_eq!(
        summary.stdout.matches("with the manager:").count(),
        1,
        "{}",
        summary.stdout
    );

    // Without a manager in the run, nothing is said about directions.
    let run = tlscompat(&[
        "scan",
        &format!("127.0.0.1:{t}"),
        "--role",
        "agent",
        "--timeout",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(run.json()["targets"][0]["directions"], Value::Null);
}

/// An agent-initiated agent listens on nothing (the agent is only the TLS
/// client of the manager's 4120): its refused port is what it should do,
/// not an unknown that makes the run incomplete. A bidirectional agent's
/// refused port still is one.
#[test]
fn an_agent_initiated_agent_that_listens_on_nothing_is_as_expected() {
    let manager = emulate("dsm-strong-12");
    let m = manager.local_addr().port();
    let held = [crate::plan::closed_port(), crate::plan::closed_port()];
    let (quiet, missing) = (held[0].port(), held[1].port());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("host,port,role,direction\n127.0.0.1,{m},manager,\n{rows}"),
        )
        .unwrap();
        p.to_str().unwrap().to_string()
    };
    let only_quiet = write(
        "quiet.csv",
        &format!("127.0.0.1,{quiet},agent,agent-initiated\n"),
    );
    let scan = |inv: &str, format: &str| {
        tlscompat(&[
            "scan",
            "-i",
            inv,
            "--timeout",
            "2s",
            "--retries",
            "0",
            "--format",
            format,
        ])
    };
    let v = scan(&only_quiet, "json").expect_code(0).json();
    assert_eq!(v["policy"]["status"], "passed", "{v:#}");
    assert_eq!(v["policy"]["unresolved"], serde_json::json!([]));
    let t = target(&v, quiet);
    assert_eq!(t["error"]["kind"], "refused");
    assert!(
        t["error"]["message"]
            .as_str()
            .unwrap()
            .contains("as expected: an agent-initiated agent listens on nothing"),
        "{t:#}"
    );
    let junit = scan(&only_quiet, "junit").expect_code(0).stdout;
    assert!(
        junit.contains(r#"<testsuites name="tlscompat" tests="6" failures="0" errors="0">"#),
        "{junit}"
    );

    let both = write(
        "both.csv",
        &format!(
            "127.0.0.1,{quiet},agent,agent-initiated\n127.0.0.1,{missing},agent,bidirectional\n"
        ),
    );
    let v = scan(&both, "json").expect_code(3).json();
    let unresolved: Vec<&str> = v["policy"]["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["target"].as_str().unwrap())
        .collect();
    assert_eq!(unresolved, [format!("127.0.0.1:{missing}")], "{v:#}");
}
