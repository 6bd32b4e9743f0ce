//! A host name with several addresses: which were probed, and
//! `--all-addresses` probing each as its own endpoint.
//!
//! The sandbox's `localhost` may resolve to 127.0.0.1 only, so the name
//! `multi.test` is resolved by the debug-build hook `TLSCOMPAT_TEST_HOSTS`
//! (a hosts file for tests) to 127.0.0.1 and ::1, in that order. Both are
//! loopback; where ::1 cannot be bound the tests say so and pass without
//! checking (nothing to test against).

use serde_json::Value;

use crate::common::{Run, bin, finish};
use crate::servers::emulate_at;
use tlscompat::serve::Emulator;

const NAME: &str = "multi.test";

/// Whether this machine has an IPv6 loopback to listen on.
fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// The emulator of `v6` on [::1] and a free port, and (when given) the
/// emulator of `v4` on 127.0.0.1 and the same port.
fn emulate_pair(v4: Option<&str>, v6: &str) -> (Option<Emulator>, Emulator) {
    for _ in 0..20 {
        let six = emulate_at(v6, "[::1]:0");
        let port = six.local_addr().port();
        let Some(v4) = v4 else {
            // The port must be free on 127.0.0.1: nothing may answer there.
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return (None, six);
            }
            continue;
        };
        let catalog = tlscompat::model::profile::Catalog::builtin().unwrap();
        let listen = format!("127.0.0.1:{port}").parse().unwrap();
        let (config, _) =
            tlscompat::serve::EmulatorConfig::for_profile(catalog.get(v4).unwrap(), listen)
                .unwrap();
        if let Ok(four) = Emulator::spawn(config, None) {
            return (Some(four), six);
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1");
}

fn scan(port: u16, extra: &[&str]) -> Run {
    let target = format!("{NAME}:{port}");
    let mut args = vec!["scan", target.as_str(), "-p", "dsa-11", "-p", "dsa-9.6"];
    args.extend_from_slice(extra);
    finish(
        bin()
            .env("TLSCOMPAT_TEST_HOSTS", format!("{NAME}=127.0.0.1,::1"))
            .args(&args)
            .output()
            .unwrap(),
    )
}

fn resolved(t: &Value) -> Vec<(String, bool)> {
    t["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["probed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Without `--all-addresses`, the first address that answers is probed;
/// the report names it and the one it did not probe, in JSON and in text.
#[test]
fn the_report_says_which_addresses_were_probed() {
    if !ipv6_loopback() {
        eprintln!("skipped: no IPv6 loopback (::1) to listen on");
        return;
    }
    let (four, six) = emulate_pair(Some("dsa-11"), "dsa-9.6");
    let port = six.local_addr().port();
    let v = scan(port, &["--format", "json"]).expect_code(0).json();
    let t = &v["targets"][0];
    assert_eq!(v["targets"].as_array().unwrap().len(), 1);
    assert_eq!(t["address"], "127.0.0.1");
    assert_eq!(
        resolved(t),
        [("127.0.0.1".into(), true), ("::1".into(), false)]
    );
    assert_eq!(t["server"]["versions"], serde_json::json!(["tls1.2"]));

    let text = scan(port, &["--format", "text"]).expect_code(0);
    assert!(
        text.stdout.contains(
            "  addresses: 127.0.0.1 (probed), ::1 (not probed) (--all-addresses scans each)"
        ),
        "{}",
        text.stdout
    );
    drop(four);

    // Nothing on 127.0.0.1: the gate moves on, and ::1 is the one probed.
    let (none, six) = emulate_pair(None, "dsa-9.6");
    assert!(none.is_none());
    let port = six.local_addr().port();
    let v = scan(port, &["--format", "json"]).expect_code(0).json();
    let t = &v["targets"][0];
    assert_eq!(
        resolved(t),
        [("127.0.0.1".into(), false), ("::1".into(), true)]
    );
    assert_eq!(t["server"]["versions"], serde_json::json!(["tls1.0"]));
}

/// `--all-addresses`: one target per address, each probed at its own
/// address (two different servers, two different answers), with the
/// host name kept for the report and SNI.
#[test]
fn all_addresses_probes_each_address_as_its_own_endpoint() {
    if !ipv6_loopback() {
        eprintln!("skipped: no IPv6 loopback (::1) to listen on");
        return;
    }
    let (_four, six) = emulate_pair(Some("dsa-11"), "dsa-9.6");
    let port = six.local_addr().port();
    let v = scan(port, &["--all-addresses", "--format", "json"])
        .expect_code(0)
        .json();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{v:#}");
    let want = [
        ("127.0.0.1", "tls1.2", "dsa-11"),
        ("::1", "tls1.0", "dsa-9.6"),
    ];
    for (t, (address, version, compatible)) in targets.iter().zip(want) {
        assert_eq!(t["status"], "ok", "{t:#}");
        assert_eq!(t["host"], NAME);
        assert_eq!(t["sni"], NAME);
        assert_eq!(t["address"], address);
        assert_eq!(resolved(t), [(address.to_string(), true)]);
        assert_eq!(t["server"]["versions"], serde_json::json!([version]));
        let ok: Vec<&str> = t["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["compatible"] == true)
            .map(|p| p["profile"].as_str().unwrap())
            .collect();
        assert_eq!(ok, [compatible], "{t:#}");
    }
    // Each address is its own row in the summary, named apart.
    assert_eq!(targets[0]["target"], format!("{NAME}:{port}@127.0.0.1"));
    assert_eq!(targets[1]["target"], format!("{NAME}:{port}@::1"));
    let text = scan(port, &["--all-addresses"]).expect_code(0);
    for address in ["127.0.0.1", "::1"] {
        let row = format!("{NAME}:{port}@{address} ");
        assert!(text.stdout.contains(&row), "{row}\n{}", text.stdout);
    }
    let text = scan(port, &["--all-addresses", "--details"]).expect_code(0);
    assert!(
        text.stdout
            .contains(&format!("{NAME}:{port}@::1 (manager) at ::1: ok")),
        "{}",
        text.stdout
    );
}
