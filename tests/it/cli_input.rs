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
