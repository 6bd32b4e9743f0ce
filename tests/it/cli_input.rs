//! What users type: messages name what was typed and what is accepted, and
//! a profile file named twice is one profile.

use crate::common::{assert_clean_error, testdata, tlscompat};
use crate::servers::emulate;

#[test]
fn bad_ports_name_the_port_and_the_range() {
    for (target, port) in [
        ("127.0.0.1:99999", "99999"),
        ("127.0.0.1:+16099", "+16099"),
        ("127.0.0.1:0", "0"),
        ("[::1]:4x", "4x"),
    ] {
        let run = tlscompat(&["scan", target]).expect_code(2);
        assert_clean_error(&run);
        assert_eq!(
            run.stderr.trim_end(),
            format!(
                "tlscompat: invalid port \"{port}\" in target {target}: a port is a number from 1 to 65535"
            )
        );
    }
    let run = tlscompat(&["scan", "bad_host!"]).expect_code(2);
    assert!(
        run.stderr
            .contains("invalid host \"bad_host!\" in target bad_host!: a host is an IP address"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_profile_file_named_twice_is_one_profile() {
    let emulator = emulate("dsm-strong-10-11");
    let addr = emulator.local_addr().to_string();
    let file = testdata("profiles/custom-client.yaml");
    let file = file.to_str().unwrap();
    let dir = testdata("profiles");
    let spelled_again = format!("{}/./custom-client.yaml", dir.display());
    for args in [
        vec!["scan", &addr, "-p", file, "--require", file],
        vec![
            "--profiles-dir",
            dir.to_str().unwrap(),
            "scan",
            &addr,
            "-p",
            &spelled_again,
            "--require",
            "custom-client",
        ],
    ] {
        let mut args = args.clone();
        args.extend(["--format", "json"]);
        let run = tlscompat(&args);
        assert!(
            !run.stderr.contains("duplicate profile id"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}", run.stderr);
        let v = run.json();
        let profiles = v["targets"][0]["profiles"].as_array().unwrap();
        assert_eq!(profiles.len(), 1, "{args:?}");
        assert_eq!(profiles[0]["profile"], "custom-client");
    }
    let run = tlscompat(&["matrix", "--client", file, "--server", file]).expect_code(0);
    assert!(run.stdout.contains("custom-client"), "{}", run.stdout);
}

/// The same host:port listed twice with different facts is an input error
/// naming both rows, whichever comes first; rows that agree are merged
/// with a note on stderr, and the endpoint is scanned once.
#[test]
fn conflicting_inventory_rows_are_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let e = crate::servers::emulate("dsa-11");
    let port = e.local_addr().port();
    for (a, b) in [("11.0.0-211", "9.6.2-7723"), ("9.6.2-7723", "11.0.0-211")] {
        let inv = dir.path().join("fleet.csv");
        std::fs::write(
            &inv,
            format!(
                "host,port,role,agent_version\n127.0.0.1,{port},agent,{a}\nother.invalid,4118,agent,\n127.0.0.1,{port},agent,{b}\n"
            ),
        )
        .unwrap();
        let inv = inv.to_str().unwrap();
        for args in [
            vec!["scan", "-i", inv],
            vec!["plan", "--to", "dsm-strong-12", "-i", inv, "--offline"],
        ] {
            let run = tlscompat(&args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert_clean_error(&run);
            assert!(
                run.stderr.contains("fleet.csv:4 lists 127.0.0.1:")
                    && run.stderr.contains("fleet.csv:2")
                    && run.stderr.contains(&format!("agent_version {b} (not {a})")),
                "{}",
                run.stderr
            );
            assert!(run.stdout.is_empty());
        }
    }
    // An exact duplicate merges, with a note, and is scanned once.
    let inv = dir.path().join("dup.csv");
    std::fs::write(
        &inv,
        format!("host,port,role\n127.0.0.1,{port},agent\n127.0.0.1,{port},agent\n"),
    )
    .unwrap();
    let run = tlscompat(&["scan", "-i", inv.to_str().unwrap(), "--format", "json"]);
    assert!(
        run.stderr.contains(&format!(
            "note: {}:3 lists 127.0.0.1:{port} again",
            inv.display()
        )),
        "{}",
        run.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 1);
}
