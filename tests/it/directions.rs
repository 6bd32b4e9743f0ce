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
