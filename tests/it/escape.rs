//! Server text is data: a certificate whose subject and SANs carry ESC
//! sequences (clear screen, window title, OSC 8 links), CR, NUL, line
//! breaks and Markdown/HTML metacharacters, made here and served by a real
//! TLS server, and inventory labels and agent versions that carry the
//! same, reach no format raw: text (with and without color) and the
//! `failed:` lines on stderr show control characters as escapes and keep
//! one line per failure; Markdown escapes markup; JSON and YAML keep the
//! exact text; JUnit and HTML stay well-formed.

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509Builder, X509NameBuilder};

use crate::common::tlscompat;
use crate::servers::rustls_server;
use tlscompat::tls::certs::Identity;

/// The common name: a title, a clear screen, a forged stderr line, a CI
/// workflow command, NUL, an 8-bit CSI, an OSC 8 link, and Markdown.
const CN: &str = "dsm\x1b]0;pwned\x07\x1b[2J\x1b[H\r\nfailed: forged: line\n::error::owned\0\u{9b}31m\
                  \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\n# Heading\n| a | b |\n![x](https://evil.example/i.png)<img src=x>";
/// A SAN (IA5: ASCII only) with a clear screen and a line break.
const SAN: &str = "evil\x1b[2J\r\n::warning::x.example";

/// A self-signed RSA certificate with the hostile subject and SAN.
fn hostile_identity() -> Identity {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid_with_type(Nid::COMMONNAME, CN, openssl::asn1::Asn1Type::UTF8STRING)
        .unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(7).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns(SAN)
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    Identity {
        cert: b.build(),
        chain: Vec::new(),
        key,
    }
}

/// A policy whose certificate rule fails and quotes the subject.
fn policy(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("policy.yaml");
    std::fs::write(
        &path,
        "rules:\n  - require: [dsa-11]\n    certificate: {min_rsa_bits: 4096}\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// An inventory naming the server, with a hostile label.
fn inventory(dir: &tempfile::TempDir, port: u16) -> String {
    let path = dir.path().join("inventory.csv");
    std::fs::write(
        &path,
        format!(
            "host,port,role,labels\n127.0.0.1,{port},manager,\"lab\x1b]2,t\x07\r\nfailed: x: y: z\";<b>b</b>\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// Control characters other than the line feed.
fn controls(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_control() && *c != '\n').collect()
}

/// Every ESC in `s` starts an SGR color sequence (`ESC [ digits ; m`).
fn only_color(s: &str) -> bool {
    s.match_indices('\x1b').all(|(i, _)| {
        let rest = &s[i + 1..];
        rest.starts_with('[')
            && rest[1..]
                .find(|c: char| !c.is_ascii_digit() && c != ';')
                .is_some_and(|end| rest[1 + end..].starts_with('m'))
    })
}

/// No line starts as a forged one: a `failed:` line not of the policy, a
/// workflow command.
#[track_caller]
fn no_forged_lines(s: &str) {
    for line in s.lines().map(str::trim_start) {
        assert!(!line.starts_with("::"), "workflow command: {line:?}\n{s}");
        assert!(!line.starts_with("failed: forged"), "{line:?}\n{s}");
        assert!(!line.starts_with("failed: x"), "{line:?}\n{s}");
        assert!(!line.starts_with("# Heading"), "{line:?}\n{s}");
    }
}

#[test]
fn hostile_certificate_text_reaches_no_format_raw() {
    let addr = rustls_server(&hostile_identity());
    let dir = tempfile::tempdir().unwrap();
    let policy = policy(&dir);
    let inventory = inventory(&dir, addr.port());
    let run = |format: &str, color: &str| {
        tlscompat(&[
            "scan",
            "-i",
            &inventory,
            "-p",
            "dsa-11",
            "--policy",
            &policy,
            "--timeout",
            "2s",
            "--format",
            format,
            "--color",
            color,
        ])
        .expect_code(1)
    };

    // JSON: the data as the server sent it, exactly.
    let json = run("json", "never");
    let v = json.json();
    let cert = &v["targets"][0]["server"]["certificate"];
    assert!(cert["subject"].as_str().unwrap().contains(CN), "{cert:#}");
    assert_eq!(cert["subject_alt_names"][0], SAN, "{cert:#}");
    assert_eq!(v["targets"][0]["profiles"][0]["compatible"], true);
    let labels = &v["targets"][0]["inventory"]["labels"];
    assert_eq!(labels[0], "lab\x1b]2,t\x07\r\nfailed: x: y: z", "{labels}");
    let violations = v["policy"]["violations"].as_array().unwrap().len();
    assert_eq!(violations, 1, "{:#}", v["policy"]);

    // Text, without and with color: every control character visible, no
    // forged line; the same escapes on stderr, one line per failure.
    for color in ["never", "always"] {
        let text = run("text", color);
        if color == "never" {
            assert_eq!(controls(&text.stdout), [] as [char; 0], "{}", text.stdout);
        } else {
            assert!(only_color(&text.stdout), "{:?}", text.stdout);
            assert!(text.stdout.contains("\x1b["), "color expected");
        }
        assert!(
            text.stdout.contains("dsm\\x1b]0;pwned\\x07\\x1b[2J"),
            "{}",
            text.stdout
        );
        assert!(
            text.stdout.contains("\\r\\nfailed: forged"),
            "{}",
            text.stdout
        );
        no_forged_lines(&text.stdout);
        assert_eq!(controls(&text.stderr), [] as [char; 0], "{}", text.stderr);
        let failed: Vec<&str> = text
            .stderr
            .lines()
            .filter(|l| l.starts_with("failed:"))
            .collect();
        assert_eq!(failed.len(), violations, "{}", text.stderr);
        assert!(failed[0].contains("\\x00\\x9b31m"), "{}", failed[0]);
        no_forged_lines(&text.stderr);
    }

    // Markdown: no raw control character, no markup from the subject.
    let md = run("markdown", "never").stdout;
    assert_eq!(controls(&md), [] as [char; 0], "{md}");
    no_forged_lines(&md);
    for raw in ["![x]", "<img", "# Heading", "| a | b |", "](https://"] {
        // Raw: not after the backslash that escapes its first character.
        let unescaped = md.match_indices(raw).any(|(i, _)| !md[..i].ends_with('\\'));
        assert!(!unescaped, "{raw:?} raw in:\n{md}");
    }
    assert!(md.contains("\\!\\[x\\]"), "{md}");
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(headings.len(), 2, "{md}");
    assert_eq!(headings[0], "# tlscompat scan");
    assert!(headings[1].starts_with("## 127.0.0.1:"), "{md}");

    // YAML: the same exact text back.
    let yaml: serde_json::Value = serde_yaml::from_str(&run("yaml", "never").stdout).unwrap();
    assert_eq!(
        yaml["targets"][0]["server"]["certificate"]["subject_alt_names"][0],
        SAN
    );

    // JSON Lines: one line per target and the verdict, each JSON.
    let jsonl = run("jsonl", "never").stdout;
    assert_eq!(jsonl.lines().count(), 2, "{jsonl}");
    for line in jsonl.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }

    // JUnit and HTML: no raw control character, no markup from the data.
    let junit = run("junit", "never").stdout;
    assert_eq!(controls(&junit), [] as [char; 0], "{junit:?}");
    no_forged_lines(&junit);
    assert!(!junit.contains("<img"), "{junit}");
    let suites = junit_parser::from_reader(std::io::Cursor::new(junit.as_bytes())).unwrap();
    let failure = suites.suites[0]
        .cases
        .iter()
        .find_map(|c| match &c.status {
            junit_parser::TestStatus::Failure(f) => Some(f.message.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        failure.contains("dsm\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\r\nfailed: forged"),
        "{failure:?}"
    );
    let html = run("html", "never").stdout;
    assert!(!html.contains("<img src=x>"), "raw markup in HTML");
    assert!(!html.contains("<b>b</b>"), "raw label markup in HTML");
}

#[test]
fn hostile_inventory_text_is_escaped_in_plan_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agents.csv");
    std::fs::write(
        &path,
        "host,role,agent_version,labels\n\
         a1,agent,20.0.0-1,\"x\x1b]0;t\x07\r\nfailed: x: y\";<img src=x>\n\
         a2,agent,\"9.6\x1b[2J\n::error::v\",ok\n",
    )
    .unwrap();
    let inv = path.to_str().unwrap();
    for format in ["text", "markdown"] {
        let run = tlscompat(&[
            "plan",
            "--to",
            "dsm-strong-12",
            "-i",
            inv,
            "--offline",
            "--format",
            format,
            "--details",
        ]);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert_eq!(controls(&run.stdout), [] as [char; 0], "{}", run.stdout);
        assert_eq!(controls(&run.stderr), [] as [char; 0], "{}", run.stderr);
        no_forged_lines(&run.stdout);
        no_forged_lines(&run.stderr);
        assert!(run.stderr.lines().count() <= 1, "{}", run.stderr);
        // The version is shown, escaped.
        assert!(run.stdout.contains("9.6\\x1b"), "{}", run.stdout);
        if format == "markdown" {
            assert!(!run.stdout.contains("<img"), "{}", run.stdout);
        }
    }
}
