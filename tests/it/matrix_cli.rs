//! `tlscompat matrix`, run as a user would.

use crate::common::{assert_clean_error, bin, finish, testdata, tlscompat};

/// The question the README starts from: switching a manager to the 12.x strong cipher set,
/// which agents lose contact?
#[test]
fn strong_12_manager_strands_9_6_and_10_0() {
    let run = tlscompat(&["matrix", "--server", "dsm-strong-12"]).expect_code(0);
    // A client's line, and its reason on the line underneath.
    let line = |client: &str| {
        let lines: Vec<&str> = run.stdout.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.starts_with(&format!("  {client} ")))
            .unwrap_or_else(|| panic!("no row for {client}:\n{}", run.stdout));
        let reason = lines.get(i + 1).filter(|l| l.starts_with("    "));
        format!("{} {}", lines[i], reason.map_or("", |r| r.trim()))
    };
    assert!(line("dsa-9.6").contains("incompatible"));
    assert!(line("dsa-9.6").contains("no common version: client tls1.0, server tls1.2"));
    assert!(line("dsa-10.0").contains("no common suite at tls1.2"));
    for ok in ["dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        let l = line(ok);
        assert!(
            l.contains("compatible") && !l.contains("incompatible"),
            "{l}"
        );
        assert!(l.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), "{l}");
    }
    assert!(
        run.stdout
            .contains("dsm-strong-12: 3 of 5 clients compatible; incompatible: dsa-9.6, dsa-10.0"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_matrix_matches_the_domain_facts() {
    let v = tlscompat(&["matrix", "--server", "dsm-strong-12", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(v["schema_version"], 3);
    assert_eq!(v["preference"], "server");
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 5);
    let pair = |c: &str| pairs.iter().find(|p| p["client"] == c).unwrap();
    assert_eq!(pair("dsa-9.6")["compatible"], false);
    assert_eq!(pair("dsa-9.6")["negotiated"], serde_json::Value::Null);
    assert_eq!(
        pair("dsa-9.6")["reason"],
        "no common version: client tls1.0, server tls1.2"
    );
    assert_eq!(pair("dsa-10.0")["reason"], "no common suite at tls1.2");
    for ok in ["dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        let p = pair(ok);
        assert_eq!(p["compatible"], true);
        assert_eq!(p["negotiated"]["version"], "tls1.2");
        assert_eq!(
            p["negotiated"]["cipher_suite"],
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        );
        assert_eq!(p["reason"], serde_json::Value::Null);
        assert_eq!(
            p["mutual"]["tls1.2"],
            serde_json::json!([
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            ])
        );
    }
}

#[test]
fn default_matrix_pairs_agents_and_managers_both_ways() {
    let v = tlscompat(&["matrix", "--format", "json"])
        .expect_code(0)
        .json();
    let pairs = v["pairs"].as_array().unwrap();
    // 5 agents × 2 managers, agent-initiated and manager-initiated.
    assert_eq!(pairs.len(), 20);
    let find = |c: &str, s: &str| {
        pairs
            .iter()
            .find(|p| p["client"] == c && p["server"] == s)
            .unwrap_or_else(|| panic!("no pair {c} → {s}"))
    };
    assert_eq!(find("dsa-10.0", "dsm-strong-10-11")["compatible"], false);
    assert_eq!(
        find("dsa-10.0", "dsm-strong-10-11")["direction"],
        "agent-initiated"
    );
    // The manager as the client of the agent's 4118.
    let back = find("dsm-strong-12", "dsa-10.0");
    assert_eq!(back["direction"], "manager-initiated");
    assert_eq!(back["server_role"], "agent");
    assert_eq!(back["reason"], "no common suite at tls1.2");
    assert_eq!(
        find("dsm-strong-12", "dsa-fips")["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    // Never an agent with an agent.
    assert!(
        !pairs
            .iter()
            .any(|p| p["client"].as_str().unwrap().starts_with("dsa-")
                && p["server_role"] == "agent"),
        "{v:#}"
    );
}

#[test]
fn one_direction_at_a_time() {
    let v = tlscompat(&[
        "matrix",
        "--direction",
        "manager-initiated",
        "--format",
        "json",
    ])
    .expect_code(0)
    .json();
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 10);
    assert!(pairs.iter().all(|p| p["direction"] == "manager-initiated"));
    let run = tlscompat(&[
        "--color",
        "never",
        "matrix",
        "--direction",
        "agent-initiated",
    ])
    .expect_code(0);
    assert!(
        run.stdout
            .starts_with("agent-initiated: agents (clients) → managers (servers, 4120)\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("manager-initiated"), "{}", run.stdout);
    let md = tlscompat(&["matrix", "--format", "markdown"]).expect_code(0);
    assert!(
        md.stdout.contains(
            "## manager-initiated: managers (clients) → agents (servers, 4118)\n\n| Server | Client |"
        ),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("| dsa-10.0 | dsm-strong-12 | ❌ incompatible |")
    );
    // Explicit lists pair as given; --direction is for the defaults only.
    let run = tlscompat(&["matrix", "--direction", "both", "--server", "dsm-strong-12"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let v = tlscompat(&[
        "matrix", "--client", "dsa-11", "--server", "dsa-9.6", "--format", "json",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["pairs"][0]["direction"], serde_json::Value::Null);
}

#[test]
fn client_preference_flips_the_choice() {
    let server = testdata("profiles/cbc-first-server.yaml");
    let args = [
        "matrix",
        "--client",
        "dsa-10.0-u16",
        "--server",
        server.to_str().unwrap(),
        "--format",
        "json",
    ];
    let v = tlscompat(&args).expect_code(0).json();
    assert_eq!(v["preference"], "server");
    assert_eq!(
        v["pairs"][0]["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    );
    let mut flipped = args.to_vec();
    flipped.push("--client-preference");
    let v = tlscompat(&flipped).expect_code(0).json();
    assert_eq!(v["preference"], "client");
    assert_eq!(
        v["pairs"][0]["negotiated"]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    // Text and Markdown both say whose order decided.
    for format in ["text", "markdown"] {
        let mut args = flipped.clone();
        *args.iter_mut().find(|a| **a == "json").unwrap() = format;
        let run = tlscompat(&args).expect_code(0);
        assert!(
            run.stdout.contains("Suites chosen in the client's order"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(!run.stdout.contains("server's order"), "{}", run.stdout);
    }
}

#[test]
fn user_profiles_join_the_defaults() {
    let dir = testdata("profiles");
    let v = tlscompat(&[
        "--profiles-dir",
        dir.to_str().unwrap(),
        "matrix",
        "--server",
        "dsa-9.6",
        "--format",
        "json",
    ])
    .expect_code(0)
    .json();
    let pairs = v["pairs"].as_array().unwrap();
    let custom = pairs
        .iter()
        .find(|p| p["client"] == "custom-client")
        .unwrap();
    // TLS 1.0 is the only common version; AES256-SHA runs there.
    assert_eq!(custom["negotiated"]["version"], "tls1.0");
    assert_eq!(
        custom["negotiated"]["cipher_suite"],
        "TLS_RSA_WITH_AES_256_CBC_SHA"
    );
}

#[test]
fn markdown_and_yaml() {
    let run = tlscompat(&[
        "matrix",
        "--server",
        "dsm-strong-12",
        "--format",
        "markdown",
    ])
    .expect_code(0);
    assert!(
        run.stdout.starts_with("| Server | Client | Result |"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("| dsm-strong-12 | dsa-9.6 | ❌ incompatible |"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`")
    );
    assert!(
        run.stdout
            .contains("\nSuites chosen in the server's order; the newest common version wins.\n"),
        "{}",
        run.stdout
    );
    let run =
        tlscompat(&["matrix", "--server", "dsm-strong-12", "--format", "yaml"]).expect_code(0);
    assert!(
        run.stdout.contains("reason: no common suite at tls1.2"),
        "{}",
        run.stdout
    );
}

#[test]
fn output_file_and_colors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let run =
        tlscompat(&["matrix", "--format", "json", "-o", out.to_str().unwrap()]).expect_code(0);
    assert!(run.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 3);

    let colored =
        tlscompat(&["--color", "always", "matrix", "--server", "dsm-strong-12"]).expect_code(0);
    assert!(
        colored.stdout.contains("\u{1b}[31mincompatible"),
        "{}",
        colored.stdout
    );
    let plain = tlscompat(&["--color", "never", "matrix"]).expect_code(0);
    assert!(!plain.stdout.contains('\u{1b}'));
    let no_color = finish(
        bin()
            .args(["matrix"])
            .env("NO_COLOR", "1")
            .output()
            .unwrap(),
    );
    assert!(!no_color.stdout.contains('\u{1b}'));

    let run = tlscompat(&["matrix", "-o", "/nonexistent/dir/m.txt"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("cannot write /nonexistent/dir/m.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_profiles_are_usage_errors() {
    let run = tlscompat(&["matrix", "--server", "dsm-strong-13"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("did you mean dsm-strong-12"),
        "{}",
        run.stderr
    );
    let bad = testdata("profiles/invalid/unknown-suite.yaml");
    let run = tlscompat(&["matrix", "--client", bad.to_str().unwrap()]).expect_code(2);
    assert_clean_error(&run);
    assert!(run.stderr.contains(":7:5:"), "{}", run.stderr);
}
