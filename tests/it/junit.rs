//! `scan --format junit` read by a real JUnit parser (the `junit-parser`
//! crate, as CI servers read it): one test suite per endpoint, one test case
//! per profile, and counts that agree with the elements.

use std::io::BufReader;

use crate::common::tlscompat;
use crate::servers::emulate;

#[test]
fn junit_parses_with_suites_cases_and_counts() {
    let emulator = emulate("dsm-strong-12");
    let live = emulator.local_addr().to_string();
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let run = tlscompat(&[
        "scan",
        "--format",
        "junit",
        "--require",
        "dsa-10.0",
        "--retries",
        "0",
        "--timeout",
        "2s",
        &live,
        &dead,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let parsed = junit_parser::from_reader(BufReader::new(run.stdout.as_bytes()))
        .unwrap_or_else(|e| panic!("not JUnit ({e}):\n{}", run.stdout));
    assert_eq!(parsed.suites.len(), 2, "{}", run.stdout);

    let ok = &parsed.suites[0];
    assert_eq!(ok.name, live);
    let names: Vec<&str> = ok.cases.iter().map(|c| c.original_name.as_str()).collect();
    assert_eq!(
        names,
        ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"]
    );
    assert_eq!((ok.tests, ok.failures, ok.errors), (5, 1, 0));
    let failed: Vec<&str> = ok
        .cases
        .iter()
        .filter(|c| c.status.is_failure())
        .map(|c| c.original_name.as_str())
        .collect();
    assert_eq!(failed, ["dsa-10.0"]);
    assert!(
        ok.cases
            .iter()
            .filter(|c| c.original_name != "dsa-10.0")
            .all(|c| c.status.is_success())
    );

    let down = &parsed.suites[1];
    assert_eq!(down.name, dead);
    assert_eq!((down.tests, down.failures, down.errors), (1, 0, 1));
    assert!(down.cases[0].status.is_error());
    assert_eq!(down.cases[0].status.error_as_ref().error_type, "refused");

    // The totals are the sums, and each count is its elements.
    assert_eq!((parsed.tests, parsed.failures, parsed.errors), (6, 1, 1));
    for suite in &parsed.suites {
        let count = |f: fn(&junit_parser::TestCase) -> bool| {
            suite.cases.iter().filter(|c| f(c)).count() as u64
        };
        assert_eq!(suite.tests, suite.cases.len() as u64);
        assert_eq!(suite.failures, count(|c| c.status.is_failure()));
        assert_eq!(suite.errors, count(|c| c.status.is_error()));
    }
}
