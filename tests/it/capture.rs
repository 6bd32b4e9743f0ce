//! `profiles capture`: a live endpoint written as a profile that validates
//! and that `matrix` agrees with.

use serde_json::Value;

use crate::common::tlscompat;
use crate::servers::emulate;

/// `(client, compatible, negotiated)` per pair.
fn verdicts(matrix: &Value) -> Vec<(String, Value, Value)> {
    matrix["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["client"].as_str().unwrap().to_string(),
                p["compatible"].clone(),
                p["negotiated"].clone(),
            )
        })
        .collect()
}

#[test]
fn capture_validate_and_matrix_agree_with_the_shipped_profile() {
    let emulator = emulate("dsm-strong-10-11");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("captured.yaml");
    let file_arg = file.to_str().unwrap();
    let target = format!("dsm://{}/", emulator.local_addr());
    let run = tlscompat(&["profiles", "capture", &target, "-o", file_arg]).expect_code(0);
    assert!(run.stdout.contains("as 127-0-0-1"), "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("id: 127-0-0-1"), "{text}");
    assert!(text.contains("role: manager"), "{text}");
    assert!(
        text.contains(&format!("from {}", emulator.local_addr())),
        "{text}"
    );
    let profile: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(profile["versions"], serde_json::json!(["tls1.2"]));
    // The server's own order, as the shipped profile lists it.
    assert_eq!(
        profile["cipher_suites"],
        serde_json::json!([
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
        ])
    );

    tlscompat(&["profiles", "validate", file_arg]).expect_code(0);
    let captured = tlscompat(&["matrix", "--server", file_arg, "--format", "json"]).expect_code(0);
    let shipped =
        tlscompat(&["matrix", "--server", "dsm-strong-10-11", "--format", "json"]).expect_code(0);
    let (captured, shipped) = (verdicts(&captured.json()), verdicts(&shipped.json()));
    assert_eq!(captured.len(), 5);
    assert_eq!(captured, shipped);

    // --id and --role are written as given.
    let run = tlscompat(&[
        "profiles",
        "capture",
        &emulator.local_addr().to_string(),
        "-o",
        file_arg,
        "--id",
        "my-dsm",
        "--role",
        "relay",
    ])
    .expect_code(0);
    assert!(run.stdout.contains("as my-dsm"), "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("id: my-dsm") && text.contains("role: relay"),
        "{text}"
    );
}

#[test]
fn an_unreachable_target_is_exit_3_and_writes_nothing() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nothing.yaml");
    let run = tlscompat(&[
        "profiles",
        "capture",
        &format!("127.0.0.1:{port}"),
        "-o",
        file.to_str().unwrap(),
        "--timeout",
        "1s",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr
            .starts_with(&format!("tlscompat: cannot capture 127.0.0.1:{port}: ")),
        "{}",
        run.stderr
    );
    assert!(!file.exists());
}

#[test]
fn a_bad_id_is_a_usage_error() {
    let run = tlscompat(&[
        "profiles",
        "capture",
        "127.0.0.1:1",
        "-o",
        "/nonexistent/x.yaml",
        "--id",
        "my dsm",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr.contains("invalid --id \"my dsm\""),
        "{}",
        run.stderr
    );
}
