//! Cost and echo bounded by the input: a file given as a profile by
//! mistake (a private key) is named, never printed; an unknown name of a
//! million characters gets no suggestion and a short echo; a policy of
//! 40,000 rules is read. (How long these take is measured in
//! `benches/inputs.rs`, not here.)

use crate::common::tlscompat;

/// A fake private key: its lines must never reach the terminal.
const KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSECRETSECRET1\n\
SECONDLINESECRETSECONDLINESECRETSECONDLINESECRETSECONDLINESECRET\n\
-----END PRIVATE KEY-----\n";

#[track_caller]
fn no_content(run: &crate::common::Run, file: &str) {
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    crate::common::assert_clean_error(run);
    assert!(
        run.stderr.contains(file),
        "the file is named: {}",
        run.stderr
    );
    for secret in ["SECRET1", "SECONDLINE", "END PRIVATE"] {
        assert!(!run.stderr.contains(secret), "{secret}: {}", run.stderr);
    }
    assert!(run.stderr.len() < 400, "{}", run.stderr);
}

#[test]
fn a_file_given_as_a_profile_is_named_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    std::fs::write(&key, KEY).unwrap();
    let key = key.to_str().unwrap();
    // The same key as a profile's suite name: a value, cut.
    let profile = dir.path().join("p.yaml");
    std::fs::write(
        &profile,
        format!(
            "id: p\nname: P\nrole: agent\nversions: [tls1.2]\ncipher_suites: [{:?}]\n",
            KEY.replace('\n', " ")
        ),
    )
    .unwrap();
    let profile = profile.to_str().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, format!("rules:\n  - require: [{key}]\n")).unwrap();
    let policy = policy.to_str().unwrap();
    let inventory = dir.path().join("inventory.csv");
    std::fs::write(
        &inventory,
        format!("host,role,profile\n127.0.0.1,agent,{key}\n"),
    )
    .unwrap();
    let inventory = inventory.to_str().unwrap();

    no_content(&tlscompat(&["scan", "127.0.0.1:1", "-p", key]), key);
    no_content(&tlscompat(&["scan", "127.0.0.1:1", "-p", profile]), profile);
    no_content(
        &tlscompat(&["scan", "127.0.0.1:1", "--policy", policy]),
        key,
    );
    no_content(&tlscompat(&["scan", "-i", inventory]), key);
    no_content(
        &tlscompat(&["plan", "--to", key, "-i", inventory, "--offline"]),
        key,
    );
    no_content(&tlscompat(&["diagnose", "127.0.0.1:1", "--as", key]), key);
    no_content(&tlscompat(&["profiles", "validate", key]), key);
}

#[test]
fn a_huge_unknown_name_gets_a_short_echo_and_no_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!(
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384{}",
        "X".repeat(1_000_000)
    );
    let profile = dir.path().join("long.yaml");
    std::fs::write(
        &profile,
        format!("id: p\nname: P\nrole: agent\nversions: [tls1.2]\ncipher_suites: [{name}]\n"),
    )
    .unwrap();
    let run = tlscompat(&["profiles", "validate", profile.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown cipher suite"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(1000037 characters)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("did you mean"), "{}", run.stderr);
    assert!(run.stderr.len() < 300, "{}", run.stderr);
    // A short typo still gets its suggestion.
    std::fs::write(
        &profile,
        "id: p\nname: P\nrole: agent\nversions: [tls1.2]\ncipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA348]\n",
    )
    .unwrap();
    let run = tlscompat(&["profiles", "validate", profile.to_str().unwrap()]);
    assert!(
        run.stderr
            .contains("did you mean TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{}",
        run.stderr
    );
    // On the command line too.
    let long = "x".repeat(100_000);
    let run = tlscompat(&["scan", "127.0.0.1:1", "--forbid-suite", &long]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.len() < 600,
        "{}",
        &run.stderr[..run.stderr.len().min(600)]
    );
}

#[test]
fn a_policy_of_forty_thousand_rules_is_read() {
    let e = crate::servers::emulate("dsm-strong-12");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let report = report.to_str().unwrap();
    let addr = e.local_addr().to_string();
    tlscompat(&[
        "scan", &addr, "-p", "dsa-11", "--format", "json", "-o", report,
    ])
    .expect_code(0);
    let mut text = String::from("rules:\n");
    for i in 0..40_000 {
        let id = if i % 2 == 0 { "dsa-11" } else { "dsa-fips" };
        text.push_str(&format!("- {{require: [{id}]}}\n"));
    }
    // Under the 1 MiB cap for policy files.
    assert!(text.len() < 1 << 20, "{}", text.len());
    let policy = dir.path().join("big.yaml");
    std::fs::write(&policy, &text).unwrap();
    let run = tlscompat(&[
        "check",
        report,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // dsa-fips was not checked by the scan: cannot tell; dsa-11 passes.
    assert_eq!(run.code, 3, "{}", &run.stderr[..run.stderr.len().min(2000)]);
    let v = run.json();
    assert_eq!(v["policy"]["rules"], 40_000);
}
