//! Hostile local input: every case ends at once with exit 2 and one clear
//! line, never a hang, a panic or unbounded memory.

use std::process::Command;

use crate::common::{assert_clean_error, tlscompat};

#[track_caller]
fn refused(args: &[&str], words: &str) {
    let run = tlscompat(args);
    assert_eq!(run.code, 2, "{args:?}\n{}", run.stderr);
    assert_clean_error(&run);
    assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
}

#[test]
fn a_fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("inventory.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let f = fifo.to_str().unwrap();
    refused(&["scan", "-i", f], "not a regular file (a FIFO)");
    refused(&["profiles", "validate", f], "not a regular file (a FIFO)");
    refused(
        &["scan", "127.0.0.1:1", "--policy", f],
        "not a regular file (a FIFO)",
    );
}

#[test]
fn devices_and_directories_are_not_read() {
    refused(
        &["profiles", "validate", "/dev/zero"],
        "not a regular file (a device)",
    );
    refused(
        &["scan", "-i", "/dev/zero"],
        "not a regular file (a device)",
    );
    refused(
        &["scan", "127.0.0.1:1", "--ca", "/dev/zero"],
        "not a regular file (a device)",
    );
    refused(&["check", "/dev/zero"], "not a regular file (a device)");
    let dir = tempfile::tempdir().unwrap();
    refused(
        &["scan", "-i", dir.path().to_str().unwrap()],
        "not a regular file (a directory)",
    );
}

#[test]
fn oversized_and_deep_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, format!("id: big\n{}", "#".repeat(2 * 1024 * 1024))).unwrap();
    refused(
        &["profiles", "validate", big.to_str().unwrap()],
        "a profile is at most 1048576 bytes",
    );
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "id: deep\nnotes: {}{}\n",
            "[".repeat(40_000),
            "]".repeat(40_000)
        ),
    )
    .unwrap();
    refused(
        &["profiles", "validate", deep.to_str().unwrap()],
        "levels deep",
    );
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        format!("rules: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap();
    refused(
        &["scan", "127.0.0.1:1", "--policy", policy.to_str().unwrap()],
        "levels deep",
    );
}

#[test]
fn values_that_cannot_go_on_the_wire_are_refused() {
    let long = "a".repeat(70_000);
    refused(
        &["scan", "127.0.0.1:1", "--sni", &long],
        "70000 bytes; a host name is at most 253",
    );
    refused(
        &["scan", "127.0.0.1:1", "--sni", "bad_name!"],
        "labels of 1 to 63",
    );
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.yaml");
    let list: Vec<String> = (0..20_000)
        .map(|i| format!("0x{:04X}", 0x1000 + i % 0xE000))
        .collect();
    std::fs::write(
        &groups,
        format!(
            "id: many-groups\nname: x\nrole: agent\nversions: [tls1.2]\ncipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\ngroups: [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    refused(
        &["profiles", "validate", groups.to_str().unwrap()],
        "`groups` lists 20000 entries; at most 64",
    );
}
