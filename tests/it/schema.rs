//! The published JSON Schemas: the files under `schema/` are what the code
//! generates (regenerate with `TLSCOMPAT_UPDATE_SCHEMAS=1 cargo test
//! schema`), and real outputs of the binary validate against them.

use std::path::PathBuf;

use serde_json::Value;
use tlscompat::schema::{SchemaName, render};

use crate::common::tlscompat;
use crate::json_schema::Validator;
use crate::servers::emulate;

fn schema_file(name: SchemaName) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name.file_name())
}

/// The committed schema, parsed.
fn committed(name: SchemaName) -> Value {
    let path = schema_file(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run TLSCOMPAT_UPDATE_SCHEMAS=1 cargo test schema)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// Fails with every validation error when `instance` does not match.
#[track_caller]
pub(crate) fn assert_valid(name: SchemaName, instance: &Value) {
    let schema = committed(name);
    let validator = Validator::new(&schema).unwrap();
    let errors = validator.errors(instance);
    assert!(
        errors.is_empty(),
        "{} does not validate against schema/{}:\n{}\n--- instance\n{instance:#}",
        name.name(),
        name.file_name(),
        errors.join("\n")
    );
}

#[test]
fn committed_schemas_are_current() {
    let update = std::env::var_os("TLSCOMPAT_UPDATE_SCHEMAS").is_some_and(|v| !v.is_empty());
    let mut stale = Vec::new();
    for name in SchemaName::ALL {
        let path = schema_file(name);
        let fresh = render(name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas: {}\nregenerate with: TLSCOMPAT_UPDATE_SCHEMAS=1 cargo test schema",
        stale.join(", ")
    );
}

#[test]
fn the_schema_command_prints_the_committed_files() {
    for name in SchemaName::ALL {
        let run = tlscompat(&["schema", name.name()]).expect_code(0);
        assert_eq!(run.stdout, render(name), "{}", name.name());
        // Every schema uses only keywords and references the validator
        // knows, each of the right shape.
        let printed = run.json();
        Validator::new(&printed).unwrap();
    }
    let run = tlscompat(&["schema", "nonsense"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn policy_files_and_diagnoses_validate() {
    // The sample policy, as an editor's YAML language server sees it.
    let text =
        std::fs::read_to_string(crate::common::testdata("policy/manager-gate.yaml")).unwrap();
    let policy: Value = serde_yaml::from_str(&text).unwrap();
    assert_valid(SchemaName::Policy, &policy);
    let typo: Value = serde_json::json!({"rules": [{"requires": ["dsa-11"]}]});
    let schema = committed(SchemaName::Policy);
    assert!(
        !Validator::new(&schema).unwrap().is_valid(&typo),
        "an unknown key is refused"
    );
    let manager = emulate("dsm-strong-12");
    let run = tlscompat(&[
        "diagnose",
        &manager.local_addr().to_string(),
        "--as",
        "dsa-10.0",
        "--format",
        "json",
        "--timeout",
        "2s",
    ]);
    assert_valid(SchemaName::Diagnose, &run.json());
}

#[test]
fn scan_reports_and_lines_validate() {
    let emulator = emulate("dsa-11");
    let live = emulator.local_addr().to_string();
    let closed = crate::plan::closed_port();
    let dead = format!("127.0.0.1:{closed}");
    let common = [
        "--role",
        "agent",
        "--require",
        "dsa-10.0",
        "--retries",
        "0",
        "--timeout",
        "2s",
    ];
    let mut args = vec!["scan", "--format", "json", &live, &dead];
    args.extend(common);
    let run = tlscompat(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["targets"][0]["status"], "ok");
    assert_eq!(report["targets"][1]["status"], "error");
    // The agent finding is part of what is validated.
    let findings = report["targets"][0]["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["code"] == "agent_port_exposed"),
        "{findings:?}"
    );
    assert_valid(SchemaName::Scan, &report);

    let mut args = vec!["scan", "--format", "jsonl", &live, &dead];
    args.extend(common);
    let run = tlscompat(&args);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for line in &lines {
        assert_valid(SchemaName::ScanLine, line);
    }
    // A policy line is not a target line, nor the other way round.
    assert!(lines[2].get("policy").is_some());
    assert!(lines[0].get("policy").is_none());
}

#[test]
fn matrix_and_profiles_validate() {
    let matrix = tlscompat(&["matrix", "--format", "json"]).expect_code(0);
    assert_valid(SchemaName::Matrix, &matrix.json());
    let list = tlscompat(&["profiles", "list", "--format", "json"]).expect_code(0);
    assert_valid(SchemaName::Profiles, &list.json());
    for id in ["dsa-9.6", "dsa-fips", "dsm-strong-12"] {
        let show = tlscompat(&["profiles", "show", id, "--format", "json"]).expect_code(0);
        assert_valid(SchemaName::Profiles, &show.json());
    }
}

#[test]
fn schemas_reject_what_the_tool_never_writes() {
    let matrix = tlscompat(&["matrix", "--format", "json"]).expect_code(0);
    let mut bad = matrix.json();
    bad["pairs"][0]["negotiated"] = serde_json::json!({"version": "tls1.4", "cipher_suite": "X"});
    let schema = committed(SchemaName::Matrix);
    assert!(!Validator::new(&schema).unwrap().is_valid(&bad));
    let mut bad = matrix.json();
    bad["pairs"][0]
        .as_object_mut()
        .unwrap()
        .remove("compatible");
    assert!(!Validator::new(&schema).unwrap().is_valid(&bad));
}

#[test]
fn what_if_answers_validate() {
    let manager = emulate("dsm-strong-10-11");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    tlscompat(&[
        "scan",
        &manager.local_addr().to_string(),
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
    ])
    .expect_code(0);
    let run = tlscompat(&[
        "what-if",
        report.to_str().unwrap(),
        "--drop",
        "cbc",
        "--drop",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "--format",
        "json",
    ]);
    assert_valid(SchemaName::WhatIf, &run.json());
}

/// The schema of one definition of the scan schema, standalone (its own
/// references resolved against the whole schema).
fn definition(name: &str) -> Value {
    let mut schema: Value = serde_json::from_str(&render(SchemaName::Scan)).unwrap();
    let def = schema["$defs"][name].clone();
    let defs = schema["$defs"].take();
    let mut standalone = def;
    standalone["$defs"] = defs;
    standalone
}

#[test]
fn every_suite_name_matches_the_cipher_suite_schema() {
    use tlscompat::model::suites::{CipherSuiteId, registry};
    let def = definition("CipherSuite");
    let validator = Validator::new(&def).unwrap();
    let mut ids: Vec<CipherSuiteId> = registry().all().iter().map(|s| s.id).collect();
    ids.extend([
        CipherSuiteId(0x1A2B),
        CipherSuiteId::EMPTY_RENEGOTIATION_INFO_SCSV,
        CipherSuiteId::FALLBACK_SCSV,
    ]);
    for id in ids {
        let value = serde_json::to_value(id).unwrap();
        assert!(validator.is_valid(&value), "{value}");
    }
    assert!(!validator.is_valid(&serde_json::json!("ECDHE-RSA-AES256-GCM-SHA384")));
}

#[test]
fn every_version_matches_the_version_schema() {
    use tlscompat::model::version::TlsVersion;
    let def = definition("TlsVersion");
    let validator = Validator::new(&def).unwrap();
    for v in TlsVersion::ALL {
        assert!(validator.is_valid(&serde_json::to_value(v).unwrap()), "{v}");
    }
    assert!(!validator.is_valid(&serde_json::json!("TLSv1.2")));
}
