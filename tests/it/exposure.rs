//! The exposed agent port finding, against the emulator.

use crate::common::{profile_of, scan_json};
use crate::servers::emulate;

fn codes(target: &serde_json::Value) -> Vec<String> {
    target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_agent_that_answers_is_an_exposed_agent_port() {
    let emulator = emulate("dsa-11");
    let addr = emulator.local_addr().to_string();
    let (code, report) = scan_json(&["--role", "agent", "-p", "dsa-11", &addr]);
    assert_eq!(code, 0);
    let target = &report["targets"][0];
    assert_eq!(profile_of(target, "dsa-11")["confirmed"], "full_handshake");
    assert_eq!(codes(target), ["agent_port_exposed"]);
    let finding = &target["findings"][0]["message"];
    let message = finding.as_str().unwrap();
    let port = emulator.local_addr().port();
    for needle in [
        "priority-4 bypass".to_string(),
        "any IP and MAC address".to_string(),
        "force-allow or bypass rule".to_string(),
        format!("destination port {port}"),
        "manager's addresses".to_string(),
    ] {
        assert!(message.contains(&needle), "{needle:?} missing: {message}");
    }

    // The same endpoint scanned as a manager: no such finding.
    let (code, report) = scan_json(&["--role", "manager", "-p", "dsa-11", &addr]);
    assert_eq!(code, 0);
    assert!(codes(&report["targets"][0]).is_empty());
}
