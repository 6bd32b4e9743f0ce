//! Profile aliases: `-p dsa-12` means `dsa-11` wherever a profile id is
//! accepted, and reports still say `dsa-11`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::common::{assert_clean_error, bin, tlscompat};
use crate::servers::emulate;

#[test]
fn profiles_show_and_list_name_the_aliases() {
    let run = tlscompat(&["profiles", "show", "dsa-12"]).expect_code(0);
    assert!(run.stdout.starts_with("dsa-11 "), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("aliases:    dsa-11.0, dsa-12, dsa-12.0, dsa-20, dsa-20.0"),
        "{}",
        run.stdout
    );
    let v = tlscompat(&["profiles", "show", "dsa-20.0", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(v["profile"]["id"], "dsa-11");
    assert_eq!(
        v["profile"]["aliases"],
        serde_json::json!(["dsa-11.0", "dsa-12", "dsa-12.0", "dsa-20", "dsa-20.0"])
    );
    let v = tlscompat(&["profiles", "list", "--format", "json"])
        .expect_code(0)
        .json();
    let fips = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "dsa-fips")
        .unwrap();
    assert_eq!(fips["aliases"], serde_json::json!([]));
    let run = tlscompat(&["profiles", "list", "--format", "yaml"]).expect_code(0);
    assert!(run.stdout.contains("- dsa-12\n"), "{}", run.stdout);
    // At 80 columns (piped) one entry per profile names its aliases; wide
    // enough, the table has an Aliases column.
    let run = tlscompat(&["profiles", "list"]).expect_code(0);
    assert!(
        run.stdout.contains("(also: dsa-11.0, dsa-12"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dsa-20.0"), "{}", run.stdout);
    let wide = crate::common::finish(
        crate::common::bin()
            .args(["profiles", "list"])
            .env("COLUMNS", "200")
            .output()
            .unwrap(),
    );
    assert!(wide.stdout.contains("Aliases"), "{}", wide.stdout);
    assert!(wide.stdout.contains("dsa-20.0"), "{}", wide.stdout);
}

#[test]
fn matrix_resolves_aliases_once() {
    let v = tlscompat(&[
        "matrix",
        "--client",
        "dsa-12",
        "--client",
        "dsa-10.0",
        "--client",
        "dsa-11",
        "--server",
        "dsm-strong-12",
        "--format",
        "json",
    ])
    .expect_code(0)
    .json();
    let clients: Vec<&str> = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["client"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["dsa-11", "dsa-10.0"]);
}

#[test]
fn scan_and_require_by_alias_report_the_id() {
    let emulator = emulate("dsm-strong-12");
    let addr = emulator.local_addr().to_string();
    let run = tlscompat(&[
        "scan",
        &addr,
        "-p",
        "dsa-20",
        "--require",
        "dsa-12",
        "--format",
        "json",
    ])
    .expect_code(0);
    let v = run.json();
    let profiles: Vec<&str> = v["targets"][0]["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["dsa-11"]);
    assert_eq!(v["policy"]["passed"], true);
}

#[test]
fn serve_and_demo_take_aliases() {
    let mut child = bin()
        .args([
            "serve",
            "-p",
            "dsa-12",
            "--listen",
            "127.0.0.1:0",
            "--format",
            "json",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first["event"], "listening");
    assert_eq!(first["label"], "dsa-11");
}

#[test]
fn unknown_ids_are_compared_with_aliases_and_names() {
    let run = tlscompat(&["matrix", "--client", "dsa-13"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr
            .contains("unknown profile \"dsa-13\" (did you mean dsa-11, dsa-12 or dsa-20?)"),
        "{}",
        run.stderr
    );
    let run = tlscompat(&["profiles", "show", "FIPS mode"]).expect_code(2);
    assert!(
        run.stderr.contains("(did you mean dsa-fips?)"),
        "{}",
        run.stderr
    );
}

#[test]
fn clashing_aliases_are_validation_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, id: &str, aliases: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "id: {id}\naliases: [{aliases}]\nname: X\nrole: agent\nversions: [tls1.2]\ncipher_suites: [0xC030]\n"
            ),
        )
        .unwrap();
        path
    };
    let a = write("a.yaml", "site-a", "site-old");
    let b = write("b.yaml", "site-b", "site-new, site-old");
    let run = tlscompat(&[
        "profiles",
        "validate",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ])
    .expect_code(2);
    assert_clean_error(&run);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "{}:2:21: alias \"site-old\" is already an alias of site-a (first defined at {}:2:11)",
            b.display(),
            a.display()
        )
    );
    // Against the shipped profiles: an alias may not take a shipped id.
    let c = write("c.yaml", "site-c", "dsa-fips");
    let run = tlscompat(&["matrix", "--client", c.to_str().unwrap()]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr
            .contains(":2:11: alias \"dsa-fips\" is already the id of another profile"),
        "{}",
        run.stderr
    );
}
