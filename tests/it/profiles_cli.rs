//! `tlscompat profiles list | show | validate`, run as a user would.

use crate::common::{assert_clean_error, testdata, tlscompat};

#[test]
fn list_shows_every_shipped_profile() {
    let run = tlscompat(&["profiles", "list"]).expect_code(0);
    for id in [
        "dsa-9.6",
        "dsa-10.0",
        "dsa-10.0-u16",
        "dsa-11",
        "dsa-fips",
        "dsm-strong-10-11",
        "dsm-strong-12",
    ] {
        assert!(run.stdout.contains(id), "{id} missing:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("Deep Security Agent 9.6"));
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no color when not a terminal"
    );
}

#[test]
fn list_as_json_and_yaml() {
    let run = tlscompat(&["profiles", "list", "--format", "json"]).expect_code(0);
    let v = run.json();
    assert_eq!(v["schema_version"], 3);
    assert_eq!(v["tool"]["name"], "tlscompat");
    let profiles = v["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 7);
    let fips = profiles.iter().find(|p| p["id"] == "dsa-fips").unwrap();
    assert_eq!(fips["versions"], serde_json::json!(["tls1.2"]));
    assert_eq!(
        fips["cipher_suites"][4]["name"],
        "TLS_RSA_WITH_AES_256_CBC_SHA256"
    );
    assert_eq!(fips["cipher_suites"][4]["openssl_name"], "AES256-SHA256");
    assert_eq!(fips["cipher_suites"][4]["id"], "0x003D");

    let run = tlscompat(&["profiles", "list", "--format", "yaml"]).expect_code(0);
    assert!(run.stdout.contains("schema_version: 3"), "{}", run.stdout);
    assert!(run.stdout.contains("id: dsm-strong-12"), "{}", run.stdout);
}

#[test]
fn show_lists_every_suite_with_its_algorithms() {
    let run = tlscompat(&["profiles", "show", "dsa-10.0-u16"]).expect_code(0);
    for want in [
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "0xC027",
        "AES_128_CBC",
        "SHA256",
        "secp256r1",
    ] {
        assert!(run.stdout.contains(want), "{want} missing:\n{}", run.stdout);
    }
    let v = tlscompat(&["profiles", "show", "dsa-9.6", "--format", "json"])
        .expect_code(0)
        .json();
    let suites = &v["profile"]["cipher_suites"];
    assert_eq!(suites[0]["name"], "TLS_RSA_WITH_AES_256_CBC_SHA");
    assert_eq!(suites[0]["kx"], "RSA");
    assert_eq!(suites[0]["enc"], "AES_256_CBC");
    assert_eq!(suites[0]["mac"], "SHA1");
    assert_eq!(
        suites[0]["versions"],
        serde_json::json!(["ssl3", "tls1.0", "tls1.1", "tls1.2"])
    );
    assert_eq!(v["profile"]["versions"], serde_json::json!(["tls1.0"]));
}

#[test]
fn show_unknown_id_suggests() {
    let run = tlscompat(&["profiles", "show", "dsa-11.1"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("unknown profile \"dsa-11.1\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("dsa-11"), "{}", run.stderr);
}

#[test]
fn show_a_profile_file_and_a_profiles_dir() {
    let file = testdata("profiles/custom-client.yaml");
    let run = tlscompat(&["profiles", "show", file.to_str().unwrap()]).expect_code(0);
    assert!(run.stdout.contains("custom-client"), "{}", run.stdout);
    assert!(
        run.stdout.contains("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        "0xC014 resolved:\n{}",
        run.stdout
    );
    let dir = testdata("profiles");
    let run =
        tlscompat(&["--profiles-dir", dir.to_str().unwrap(), "profiles", "list"]).expect_code(0);
    assert!(run.stdout.contains("custom-client"), "{}", run.stdout);
}

#[test]
fn validate_accepts_good_files() {
    let file = testdata("profiles/custom-client.yaml");
    let run = tlscompat(&["profiles", "validate", file.to_str().unwrap()]).expect_code(0);
    assert!(run.stdout.contains("ok (custom-client)"), "{}", run.stdout);
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/dsa-fips.yaml");
    tlscompat(&["profiles", "validate", shipped.to_str().unwrap()]).expect_code(0);
}

/// Each bad file: exit 2, one line naming file:line:column, no backtrace.
#[test]
fn validate_reports_file_line_and_column() {
    let cases = [
        (
            "invalid/unknown-suite.yaml",
            ":7:5: cipher_suites[1]: unknown cipher suite \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265\" (did you mean TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ),
        ("invalid/malformed.yaml", ":7:2: did not find expected key"),
        (
            "invalid/gcm-on-tls10.yaml",
            ":7:5: TLS_RSA_WITH_AES_256_GCM_SHA384 cannot run on tls1.0 (it needs tls1.2)",
        ),
    ];
    for (rel, want) in cases {
        let file = testdata(&format!("profiles/{rel}"));
        let run = tlscompat(&["profiles", "validate", file.to_str().unwrap()]).expect_code(2);
        assert_clean_error(&run);
        let expected = format!("{}{want}", file.display());
        assert!(
            run.stderr.starts_with(&expected),
            "want {expected}\ngot {}",
            run.stderr
        );
    }
}

#[test]
fn validate_finds_duplicate_ids_across_files() {
    let a = testdata("profiles/custom-client.yaml");
    let b = testdata("profiles/invalid/duplicate-id.yaml");
    let run = tlscompat(&[
        "profiles",
        "validate",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ])
    .expect_code(2);
    assert_clean_error(&run);
    assert!(run.stdout.contains("ok (custom-client)"));
    let want = format!(
        "{}:2:5: duplicate profile id \"custom-client\" (first defined at {}:2:5)",
        b.display(),
        a.display()
    );
    assert_eq!(run.stderr.trim_end(), want);
}

#[test]
fn a_bad_profiles_dir_stops_every_command() {
    let dir = testdata("profiles/invalid");
    let run =
        tlscompat(&["--profiles-dir", dir.to_str().unwrap(), "profiles", "list"]).expect_code(2);
    assert_clean_error(&run);
    assert!(run.stderr.starts_with("tlscompat: "), "{}", run.stderr);
    let run = tlscompat(&["--profiles-dir", "/nonexistent/dir", "matrix"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("/nonexistent/dir: cannot read"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let run = tlscompat(&["profiles", "list", "--format", "xml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = tlscompat(&["profiles", "validate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = tlscompat(&["frobnicate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    tlscompat(&["--help"]).expect_code(0);
    tlscompat(&["--version"]).expect_code(0);
}

/// Every problem of every file, one located line each, in file order
/// within a file (then the rules that span fields); exit 2.
#[test]
fn validate_reports_every_error_of_every_file() {
    let many = testdata("profiles/invalid/many-errors.yaml");
    let good = testdata("profiles/custom-client.yaml");
    let gcm = testdata("profiles/invalid/gcm-on-tls10.yaml");
    let run = tlscompat(&[
        "profiles",
        "validate",
        many.to_str().unwrap(),
        good.to_str().unwrap(),
        gcm.to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stdout.contains("ok (custom-client)"), "{}", run.stdout);
    let m = many.display();
    let want = [
        format!("{m}:4:7: role: unknown variant `agnet`, expected one of `agent`"),
        format!("{m}:5:20: versions[1]: unknown TLS version \"tls1.4\""),
        format!(
            "{m}:8:5: cipher_suites[1]: unknown cipher suite \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265\" \
             (did you mean TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ),
        format!("{m}:11:1: unknown field `colour`, expected one of `id`"),
        format!(
            "{m}:9:5: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 is listed twice in `cipher_suites`"
        ),
        format!("{m}:10:9: `groups` lists 65 entries; at most 64"),
        format!(
            "{}:7:5: TLS_RSA_WITH_AES_256_GCM_SHA384 cannot run on tls1.0",
            gcm.display()
        ),
    ];
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), want.len(), "{}", run.stderr);
    for (line, want) in lines.iter().zip(&want) {
        assert!(line.starts_with(want.as_str()), "want {want}\ngot  {line}");
    }
}
