//! Text for a terminal and Markdown for a ticket: the real binary against
//! emulated endpoints, its text measured line by line at `COLUMNS=80` and
//! `COLUMNS=160`, its suite names checked against the registry, and its
//! Markdown tables counted cell by cell.

use std::collections::HashSet;

use crate::common::{Run, bin, finish};
use crate::servers::emulate;

/// `tlscompat ARGS…` with `COLUMNS` set (standard output is a pipe, so
/// that is the width).
fn at(columns: usize, args: &[&str]) -> Run {
    finish(
        bin()
            .args(args)
            .env("COLUMNS", columns.to_string())
            .output()
            .unwrap(),
    )
}

use tlscompat::report::layout::plain;

/// Every line at most `max` columns, except a line that is one word.
#[track_caller]
fn assert_fits(text: &str, max: usize) {
    for line in plain(text).lines() {
        let width = line.chars().count();
        assert!(
            width <= max || !line.trim().contains(' '),
            "{width} columns, more than {max}:\n{line}\n--- in\n{text}"
        );
    }
}

fn widest(text: &str) -> usize {
    plain(text)
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

/// Words as suite names are spelled: letters, digits, `_` and `-`.
fn tokens(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Registered suites whose IANA and OpenSSL names differ (TLS 1.3 suites
/// have one name for both).
fn names() -> (HashSet<&'static str>, HashSet<&'static str>) {
    let mut iana = HashSet::new();
    let mut openssl = HashSet::new();
    for s in tlscompat::model::suites::registry().all() {
        if let Some(o) = s.openssl_name.filter(|o| *o != s.iana_name) {
            iana.insert(s.iana_name);
            openssl.insert(o);
        }
    }
    (iana, openssl)
}

/// One naming in `text`: some suite named `want`'s way, none the other way.
#[track_caller]
fn assert_naming(text: &str, openssl_names: bool) {
    let (iana, openssl) = names();
    let (want, other) = if openssl_names {
        (openssl, iana)
    } else {
        (iana, openssl)
    };
    let words = tokens(text);
    let found: Vec<&String> = words.iter().filter(|w| want.contains(w.as_str())).collect();
    let wrong: Vec<&String> = words
        .iter()
        .filter(|w| other.contains(w.as_str()))
        .collect();
    assert!(!found.is_empty(), "no suite named:\n{text}");
    assert!(wrong.is_empty(), "the other naming: {wrong:?}\n{text}");
}

/// The index of the line that starts with `prefix`.
#[track_caller]
fn line_index(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?}:\n{text}"))
}

#[test]
fn scan_text_fits_80_columns_and_widens_at_160() {
    let e = emulate("dsm-strong-12");
    let addr = e.local_addr().to_string();
    let narrow = at(80, &["scan", &addr]).expect_code(0);
    assert_fits(&narrow.stdout, 80);
    let lines: Vec<&str> = narrow.stdout.lines().collect();
    // One line per profile with its verdict word; the reason underneath.
    for (profile, reason) in [
        ("dsa-9.6", "no common version"),
        ("dsa-10.0", "no common suite at tls1.2"),
    ] {
        let i = line_index(&narrow.stdout, &format!("  {profile} "));
        assert!(lines[i].contains("incompatible"), "{}", lines[i]);
        assert!(
            lines[i + 1].starts_with("    ") && lines[i + 1].contains(reason),
            "{}",
            narrow.stdout
        );
    }
    let i = line_index(&narrow.stdout, "  dsa-11 ");
    assert!(
        lines[i].contains(" compatible ")
            && lines[i].contains("tls1.2")
            && lines[i].contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{}",
        lines[i]
    );
    // 80 columns leave out the Confirmed column; 160 have room for it.
    assert!(
        !narrow.stdout.contains("full handshake"),
        "{}",
        narrow.stdout
    );
    let wide = at(160, &["scan", &addr]).expect_code(0);
    assert_fits(&wide.stdout, 160);
    assert!(widest(&wide.stdout) > 80, "{}", wide.stdout);
    let i = line_index(&wide.stdout, "  dsa-11 ");
    let line = wide.stdout.lines().nth(i).unwrap();
    assert!(
        line.contains(" compatible ") && line.contains("full handshake (rustls)"),
        "{line}"
    );
    // Colored, the words stay and the widths do not change.
    let colored = at(80, &["--color", "always", "scan", &addr]).expect_code(0);
    assert!(colored.stdout.contains('\u{1b}'), "{}", colored.stdout);
    assert_fits(&colored.stdout, 80);
    assert_eq!(plain(&colored.stdout).lines().count(), lines.len());
    assert!(plain(&colored.stdout).contains("  dsa-9.6       incompatible"));
}

#[test]
fn many_targets_get_the_summary_and_details_on_request() {
    let strong = emulate("dsm-strong-12");
    let old = emulate("dsa-10.0");
    let a = strong.local_addr().to_string();
    let b = old.local_addr().to_string();
    // A closed port: an error row with its reason underneath.
    let closed = crate::plan::closed_port();
    let c = format!("127.0.0.1:{closed}");
    let summary = at(80, &["scan", &a, &b, &c, "--retries", "0"]).expect_code(3);
    assert_fits(&summary.stdout, 80);
    let out = &summary.stdout;
    assert!(!out.contains("accepted:"), "{out}");
    assert!(out.contains("--details"), "{out}");
    let header = line_index(out, "Target ");
    let lines: Vec<&str> = out.lines().collect();
    for (target, compatible) in [(&a, "3 of 5"), (&b, "2 of 5")] {
        let row = lines[line_index(out, target)];
        assert!(
            row.contains(" ok ") && row.contains(compatible),
            "{row}\n{out}"
        );
    }
    let i = line_index(out, &c);
    assert!(lines[i].contains(" error"), "{out}");
    assert!(
        lines[i + 1].starts_with("  refused: "),
        "the error under its row:\n{out}"
    );
    assert!(header < i);
    assert!(
        out.contains("dsa-fips: compatible with 2 of 2 endpoints"),
        "{out}"
    );
    // The counts follow the profiles' order, not the alphabet.
    let order: Vec<usize> = [
        "dsa-9.6:",
        "dsa-10.0:",
        "dsa-10.0-u16:",
        "dsa-11:",
        "dsa-fips:",
    ]
    .iter()
    .map(|id| line_index(out, id))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{out}");

    let details = at(80, &["scan", &a, &b, &c, "--retries", "0", "--details"]).expect_code(3);
    assert_fits(&details.stdout, 80);
    assert_eq!(
        details.stdout.matches("  accepted:").count(),
        2,
        "{}",
        details.stdout
    );
    assert!(details.stdout.contains("no common suite at tls1.2"));
    // The summary too, after the details.
    assert!(
        line_index(&details.stdout, "Target ") > line_index(&details.stdout, "  accepted:"),
        "{}",
        details.stdout
    );
    assert!(!details.stdout.contains("(--details"), "{}", details.stdout);

    // One target: its full report without asking.
    let one = at(80, &["scan", &a]).expect_code(0);
    assert!(one.stdout.contains("  accepted:"), "{}", one.stdout);
    assert!(!one.stdout.contains("Target "), "{}", one.stdout);
}

#[test]
fn suites_have_one_naming_per_view() {
    let strong = emulate("dsm-strong-12");
    let old = emulate("dsa-10.0");
    let a = strong.local_addr().to_string();
    let b = old.local_addr().to_string();
    for openssl in [false, true] {
        let flag: &[&str] = if openssl { &["--openssl-names"] } else { &[] };
        let with = |args: &[&str]| -> Vec<String> {
            args.iter()
                .chain(flag)
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        };
        let runs: [Vec<String>; 5] = [
            with(&["scan", &a, &b, "--details"]),
            with(&["scan", &a, &b, "--details", "--format", "markdown"]),
            with(&["matrix"]),
            with(&["matrix", "--format", "markdown"]),
            with(&["demo"]),
        ];
        for args in runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = at(80, &args).expect_code(0);
            assert_naming(&run.stdout, openssl);
        }
    }
    // The OpenSSL names the emulated endpoints negotiate, by name.
    let run = at(80, &["scan", &b, "--openssl-names"]).expect_code(0);
    let i = line_index(&run.stdout, "  dsa-10.0 ");
    assert!(
        run.stdout.lines().nth(i).unwrap().contains("AES256-SHA256"),
        "{}",
        run.stdout
    );
}

#[test]
fn matrix_and_demo_fit_80_columns_and_widen_at_160() {
    let narrow = at(80, &["matrix"]).expect_code(0);
    assert_fits(&narrow.stdout, 80);
    // A block per server, a line per client, the reason underneath.
    let i = line_index(&narrow.stdout, "dsm-strong-12 (manager)");
    let block: Vec<&str> = narrow.stdout.lines().skip(i + 1).take(4).collect();
    assert!(
        block[0].starts_with("  dsa-9.6 ") && block[0].contains("incompatible"),
        "{block:?}"
    );
    assert!(
        block[1].starts_with("    no common version: client tls1.0, server tls1.2"),
        "{block:?}"
    );
    // Wide enough: the reason joins its line.
    let wide = at(160, &["matrix"]).expect_code(0);
    assert_fits(&wide.stdout, 160);
    assert!(widest(&wide.stdout) > 80);
    assert!(
        wide.stdout.lines().any(|l| l.starts_with("  dsa-9.6 ")
            && l.contains("incompatible")
            && l.contains("no common version")),
        "{}",
        wide.stdout
    );

    let demo = at(80, &["demo"]).expect_code(0);
    assert_fits(&demo.stdout, 80);
    // The grid names each suite by a letter that the legend explains.
    let legend = demo
        .stdout
        .lines()
        .find(|l| l.ends_with("  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"))
        .unwrap_or_else(|| panic!("no legend:\n{}", demo.stdout));
    let letter = legend.split_whitespace().next().unwrap();
    let row = demo
        .stdout
        .lines()
        .find(|l| l.starts_with("dsm-strong-12 (manager)"))
        .unwrap();
    assert!(row.contains(&format!("✓ 1.2 {letter}")), "{row}");
    assert!(row.contains('✗'), "{row}");
    let wide = at(160, &["demo"]).expect_code(0);
    assert_fits(&wide.stdout, 160);
    assert!(
        wide.stdout.contains("full handshake (rustls)"),
        "the full report widens:\n{}",
        wide.stdout
    );
}

/// Consecutive lines starting with `|`: each a table.
fn tables(markdown: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut current = Vec::new();
    for line in markdown.lines() {
        if line.starts_with('|') {
            current.push(line);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The cells of a table row: split on `|` that is not escaped.
fn cells(row: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count - 1
}

#[track_caller]
fn assert_well_formed(markdown: &str, want_tables: usize) {
    let tables = tables(markdown);
    assert_eq!(tables.len(), want_tables, "{markdown}");
    for t in tables {
        assert!(t.len() >= 3, "header, separator and a row:\n{t:#?}");
        let n = cells(t[0]);
        assert_eq!(t[1], format!("|{}", "---|".repeat(n)), "{t:#?}");
        for row in &t {
            assert!(row.ends_with('|'), "{row}");
            assert_eq!(cells(row), n, "{row}\n{markdown}");
        }
    }
}

#[test]
fn markdown_tables_are_well_formed() {
    let strong = emulate("dsm-strong-12");
    let old = emulate("dsa-10.0");
    let a = strong.local_addr().to_string();
    let b = old.local_addr().to_string();
    // The summary only; then the summary and a table per target.
    let summary = at(80, &["scan", &a, &b, "--format", "markdown"]).expect_code(0);
    assert_well_formed(&summary.stdout, 1);
    assert!(summary.stdout.contains("| Target | Role | Status |"));
    let details = at(80, &["scan", &a, &b, "--format", "markdown", "--details"]).expect_code(0);
    assert_well_formed(&details.stdout, 3);
    let one = at(80, &["scan", &a, "--format", "markdown"]).expect_code(0);
    assert_well_formed(&one.stdout, 1);
    assert!(
        one.stdout
            .contains("| dsa-9.6 | ❌ incompatible |  |  |  | no common version"),
        "{}",
        one.stdout
    );
    // One table per direction (agent-initiated, manager-initiated).
    let matrix = at(80, &["matrix", "--format", "markdown"]).expect_code(0);
    assert_well_formed(&matrix.stdout, 2);
}

/// `diagnose`, `what-if` and `profiles list|show` keep the width rules
/// too: 80 columns when piped with `COLUMNS=80` (or unset), wider when
/// asked.
#[test]
fn diagnose_what_if_and_profiles_fit_80_columns() {
    let strong = emulate("dsm-strong-12");
    let addr = strong.local_addr().to_string();
    let diagnose = at(
        80,
        &[
            "diagnose",
            &addr,
            "--as",
            "dsa-10.0",
            "--timeout",
            "2s",
            "--color",
            "never",
        ],
    );
    assert!(
        diagnose.stdout.contains("diagnosis: failed"),
        "{}",
        diagnose.stdout
    );
    assert_fits(&diagnose.stdout, 80);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let scan = finish(
        bin()
            .args(["scan", &addr, "--format", "json", "-o"])
            .arg(&report)
            .output()
            .unwrap(),
    );
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let what_if = at(
        80,
        &[
            "what-if",
            report.to_str().unwrap(),
            "--drop",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        ],
    );
    assert!(
        what_if
            .stdout
            .contains("what if the endpoints stop accepting")
    );
    assert_fits(&what_if.stdout, 80);
    for args in [
        &["profiles", "list"][..],
        &["profiles", "show", "dsa-fips"],
        &["profiles", "show", "dsm-strong-12"],
    ] {
        let run = at(80, args);
        assert_eq!(run.code, 0, "{args:?}");
        assert!(widest(&run.stdout) <= 80, "{args:?}:\n{}", run.stdout);
        // Unset COLUMNS and piped: the default, 80.
        let run = finish(bin().args(args).output().unwrap());
        assert!(widest(&run.stdout) <= 80, "{args:?}:\n{}", run.stdout);
        let wide = at(200, args);
        assert!(
            widest(&wide.stdout) > 80,
            "{args:?} widens:\n{}",
            wide.stdout
        );
    }
}
