//! The analysis on synthetic outcomes: no network needed.

use super::*;
use crate::model::negotiate::Agreement;
use crate::model::profile::Catalog;
use crate::model::target::Target;
use crate::probe::CertificateRequested;
use crate::probe::{Accepted, ConnectError, ConnectErrorKind, Fault, HelloSpec};
use crate::results::{Confirmed, ReasonCode, Verdict};
use crate::wire::codes::AlertDescription;

fn accepted(version: TlsVersion, suite: u16) -> Outcome {
    Outcome::Accepted(Accepted {
        version,
        cipher_suite: CipherSuiteId(suite),
        hello_retry: false,
        client_certificate: CertificateRequested::No,
        certificate_chain: Vec::new(),
        chain_unreadable: None,
        downgrade_sentinel: false,
    })
}

fn rejected() -> Outcome {
    Outcome::Rejected {
        alert: AlertDescription::HANDSHAKE_FAILURE,
        after_hello: None,
    }
}

fn suite_probe(version: TlsVersion, suite: u16, outcome: Outcome) -> ProbeRecord {
    ProbeRecord {
        purpose: Purpose::Suite,
        spec: HelloSpec::at(version, vec![CipherSuiteId(suite)], None),
        outcome,
        handshake: None,
        peer_chain: Vec::new(),
        session_ticket: None,
    }
}

fn replay(p: &Profile, outcome: Outcome) -> ProbeRecord {
    ProbeRecord {
        purpose: Purpose::Replay(p.id.clone()),
        spec: HelloSpec::for_profile(p, None),
        outcome,
        handshake: None,
        peer_chain: Vec::new(),
        session_ticket: None,
    }
}

fn reversed(p: &Profile, outcome: Outcome) -> ProbeRecord {
    let mut spec = HelloSpec::for_profile(p, None);
    spec.cipher_suites.reverse();
    ProbeRecord {
        purpose: Purpose::Reversed(p.id.clone()),
        spec,
        outcome,
        handshake: None,
        peer_chain: Vec::new(),
        session_ticket: None,
    }
}

fn target() -> Target {
    Target::parse("127.0.0.1:4120", crate::model::profile::Role::Manager).unwrap()
}

fn run(records: &[ProbeRecord], profiles: &[&Profile], identify: &[&Profile]) -> TargetReport {
    let k = Knowledge::learn(records);
    report_with(records, &k, profiles, identify)
}

/// The report of `records` as if they had established `k`.
fn report_with(
    records: &[ProbeRecord],
    k: &Knowledge,
    profiles: &[&Profile],
    identify: &[&Profile],
) -> TargetReport {
    let target = target();
    let config = ScanConfig::default();
    let everyone: Vec<&Profile> = profiles.iter().chain(identify).copied().collect();
    let candidates = suites::candidates(&everyone);
    let scope = Scope {
        target: &target,
        config: &config,
        profiles,
        identify,
        sni: None,
        groups: &[],
        candidates: &candidates,
    };
    let seen = Seen { records, k };
    let reached = Reached {
        addresses: &[],
        address: None,
    };
    report(&scope, reached, &seen, ScanStats::default())
}

/// A manager with the 12.x strong set: what the agents get, and why not.
#[test]
fn strong_manager_outcomes() {
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let get = |id| catalog.get(id).unwrap();
    let (a96, a10, a11) = (get("dsa-9.6"), get("dsa-10.0"), get("dsa-11"));
    let records = vec![
        suite_probe(
            Tls10,
            0x0035,
            Outcome::Rejected {
                alert: AlertDescription::PROTOCOL_VERSION,
                after_hello: None,
            },
        ),
        suite_probe(Tls12, 0xC030, accepted(Tls12, 0xC030)),
        suite_probe(Tls12, 0xC02F, accepted(Tls12, 0xC02F)),
        suite_probe(Tls12, 0x003D, rejected()),
        replay(
            a96,
            Outcome::Rejected {
                alert: AlertDescription::PROTOCOL_VERSION,
                after_hello: None,
            },
        ),
        replay(a10, rejected()),
        replay(a11, accepted(Tls12, 0xC030)),
        reversed(a11, accepted(Tls12, 0xC030)),
    ];
    let identify: Vec<&Profile> = catalog.all().collect();
    let r = run(&records, &[a96, a10, a11], &identify);
    assert_eq!(r.status, TargetStatus::Ok);
    assert!(r.complete);
    let server = r.server.as_ref().unwrap();
    assert_eq!(server.versions, [Tls12]);
    // The server's order: C030 first (it won every hello that offered both).
    assert_eq!(
        server.cipher_suites[&Tls12],
        [CipherSuiteId(0xC030), CipherSuiteId(0xC02F)]
    );
    assert_eq!(server.server_preference, Some(true));
    assert_eq!(
        server.preference.get(&Tls12),
        Some(&crate::model::negotiate::Preference::Server)
    );
    assert_eq!(server.client_certificate, ClientCertificate::None);
    assert_eq!(server.matches_profiles, ["dsa-11", "dsm-strong-12"]);
    let p = |id: &str| r.profiles.iter().find(|p| p.profile == id).unwrap();
    assert_ne!(p("dsa-9.6").verdict, Verdict::Compatible);
    assert_eq!(
        p("dsa-9.6").reason.as_deref(),
        Some(
            "no common version: client tls1.0, server tls1.2 (the server answered protocol_version)"
        )
    );
    assert_eq!(
        p("dsa-10.0").reason.as_deref(),
        Some("no common suite at tls1.2 (the server answered handshake_failure)")
    );
    assert_eq!(p("dsa-11").verdict, Verdict::Compatible);
    assert_eq!(
        p("dsa-11").negotiated,
        Some(Agreement {
            version: Tls12,
            cipher_suite: CipherSuiteId(0xC030)
        })
    );
    assert_eq!(
        p("dsa-11").mutual[&Tls12],
        [CipherSuiteId(0xC030), CipherSuiteId(0xC02F)]
    );
}

#[test]
fn client_preference_shows_in_the_reversed_hello() {
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let records = vec![
        suite_probe(
            TlsVersion::Tls12,
            0xC030,
            accepted(TlsVersion::Tls12, 0xC030),
        ),
        suite_probe(
            TlsVersion::Tls12,
            0xC02F,
            accepted(TlsVersion::Tls12, 0xC02F),
        ),
        replay(a11, accepted(TlsVersion::Tls12, 0xC030)),
        reversed(a11, accepted(TlsVersion::Tls12, 0xC02F)),
    ];
    assert_eq!(
        run(&records, &[a11], &[]).server.unwrap().server_preference,
        Some(false)
    );
    // With one accepted suite, order cannot show.
    let records = vec![
        suite_probe(
            TlsVersion::Tls12,
            0xC030,
            accepted(TlsVersion::Tls12, 0xC030),
        ),
        suite_probe(TlsVersion::Tls12, 0xC02F, rejected()),
        replay(a11, accepted(TlsVersion::Tls12, 0xC030)),
        reversed(a11, accepted(TlsVersion::Tls12, 0xC030)),
    ];
    assert_eq!(
        run(&records, &[a11], &[]).server.unwrap().server_preference,
        None
    );
}

#[test]
fn an_older_answer_means_the_version_is_not_spoken() {
    let catalog = Catalog::builtin().unwrap();
    let a10 = catalog.get("dsa-10.0").unwrap();
    let records = vec![
        suite_probe(TlsVersion::Tls12, 0x003D, rejected()),
        suite_probe(
            TlsVersion::Tls10,
            0x0035,
            accepted(TlsVersion::Tls10, 0x0035),
        ),
        replay(a10, accepted(TlsVersion::Tls10, 0x0035)),
    ];
    let k = Knowledge::learn(&records);
    assert!(k.unsupported.contains(&TlsVersion::Tls12));
    let r = run(&records, &[a10], &[]);
    let p = &r.profiles[0];
    assert_ne!(p.verdict, Verdict::Compatible);
    assert!(
        p.reason
            .as_deref()
            .unwrap()
            .starts_with("the server chose tls1.0, which dsa-10.0 does not support"),
        "{:?}",
        p.reason
    );
}

#[test]
fn faults_and_inconclusive_probes_are_issues_not_support() {
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let records = vec![
        suite_probe(
            TlsVersion::Tls12,
            0xC030,
            Outcome::ServerFault(Fault::UnofferedSuite(CipherSuiteId(0x0005))),
        ),
        suite_probe(TlsVersion::Tls12, 0xC02F, Outcome::Timeout),
        replay(a11, Outcome::Timeout),
    ];
    let r = run(&records, &[a11], &[]);
    assert_eq!(
        r.status,
        TargetStatus::Ok,
        "a faulty ServerHello is still an answer"
    );
    assert!(!r.complete);
    assert!(
        r.server.as_ref().unwrap().cipher_suites.is_empty(),
        "a fault is never support"
    );
    let issues: Vec<(IssueCode, &str)> = r
        .issues
        .iter()
        .map(|i| (i.code, i.message.as_str()))
        .collect();
    assert_eq!(
        issues,
        [
            (
                IssueCode::Inconclusive,
                "2 probes: inconclusive: no answer before the timeout"
            ),
            (
                IssueCode::ServerFault,
                "1 probe: server fault: the ServerHello chose TLS_RSA_WITH_RC4_128_SHA, which was not offered"
            ),
        ]
    );
    assert_eq!(r.profiles[0].verdict, Verdict::Inconclusive);
}

#[test]
fn nothing_answered_is_a_target_error() {
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let refused = Outcome::ConnectFailed(ConnectError {
        kind: ConnectErrorKind::Refused,
        address: "127.0.0.1:4120".parse().unwrap(),
        message: "Connection refused".into(),
    });
    let r = run(
        &[
            replay(a11, refused.clone()),
            suite_probe(TlsVersion::Tls12, 0xC030, refused),
        ],
        &[a11],
        &[],
    );
    assert_eq!(r.status, TargetStatus::Error);
    let e = r.error.unwrap();
    assert_eq!(e.kind, ErrorKind::Refused);
    assert_eq!(e.message, "connection to 127.0.0.1:4120 refused");
    assert!(r.server.is_none() && r.profiles.is_empty());

    let r = run(
        &[replay(
            a11,
            Outcome::NotTls {
                preview: "HTTP/1.1 400 Bad Request".into(),
            },
        )],
        &[a11],
        &[],
    );
    assert_eq!(r.error.unwrap().kind, ErrorKind::NotTls);
    let r = run(&[replay(a11, Outcome::Timeout)], &[a11], &[]);
    assert_eq!(r.error.unwrap().kind, ErrorKind::Timeout);
}

#[test]
fn certificate_requests_are_aggregated() {
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let Outcome::Accepted(mut a) = accepted(TlsVersion::Tls12, 0xC030) else {
        unreachable!()
    };
    a.client_certificate = CertificateRequested::Yes;
    let records = vec![replay(a11, Outcome::Accepted(a))];
    let k = Knowledge::learn(&records);
    assert_eq!(k.client_certificate, ClientCertificate::Requested);
    assert_eq!(
        k.certificate_request_sample,
        Some((TlsVersion::Tls12, CipherSuiteId(0xC030)))
    );
    let mut k2 = k.clone();
    k2.client_certificate = ClientCertificate::Required;
    let r = report_with(&records, &k2, &[a11], &[]);
    assert_eq!(
        r.profiles[0].confirmed,
        Confirmed::ClientCertificateRequired
    );
    assert_eq!(
        r.profiles[0].verdict,
        Verdict::Compatible,
        "the suite is accepted although the handshake cannot finish"
    );
}

/// Preference is judged at every accepted version with two suites, and a
/// server-ordered version lists its suites in that order.
#[test]
fn preference_per_version_and_the_servers_order() {
    use crate::model::negotiate::Preference;
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let (a96, fips) = (
        catalog.get("dsa-9.6").unwrap(),
        catalog.get("dsa-fips").unwrap(),
    );
    let records = vec![
        suite_probe(Tls10, 0x0035, accepted(Tls10, 0x0035)),
        suite_probe(Tls10, 0x002F, accepted(Tls10, 0x002F)),
        suite_probe(Tls12, 0xC030, accepted(Tls12, 0xC030)),
        suite_probe(Tls12, 0xC02F, accepted(Tls12, 0xC02F)),
        suite_probe(Tls12, 0x003D, accepted(Tls12, 0x003D)),
        // TLS 1.0: the server's order, 0x002F first, whatever the client says.
        replay(a96, accepted(Tls10, 0x002F)),
        reversed(a96, accepted(Tls10, 0x002F)),
        // TLS 1.2: the client's order.
        replay(fips, accepted(Tls12, 0xC030)),
        reversed(fips, accepted(Tls12, 0x003D)),
    ];
    let r = run(&records, &[a96, fips], &[]);
    let server = r.server.unwrap();
    assert_eq!(server.preference.get(&Tls10), Some(&Preference::Server));
    assert_eq!(server.preference.get(&Tls12), Some(&Preference::Client));
    assert_eq!(
        server.server_preference,
        Some(false),
        "the newest judged version"
    );
    assert_eq!(
        server.cipher_suites[&Tls10],
        [CipherSuiteId(0x002F), CipherSuiteId(0x0035)],
        "listed in the server's order"
    );
    assert_eq!(
        server.cipher_suites[&Tls12],
        [
            CipherSuiteId(0x003D),
            CipherSuiteId(0xC02F),
            CipherSuiteId(0xC030)
        ],
        "the client decides: listed by id"
    );
}

/// The server's order from "a beats b" relations, transitively, and how
/// much of it was measured: never an order no probe showed.
#[test]
fn server_order_from_pairs() {
    use TlsVersion::*;
    let pair = |a: u16, b: u16, chosen: u16| ProbeRecord {
        purpose: Purpose::Pair,
        spec: HelloSpec::at(Tls12, vec![CipherSuiteId(a), CipherSuiteId(b)], None),
        outcome: accepted(Tls12, chosen),
        handshake: None,
        peer_chain: Vec::new(),
        session_ticket: None,
    };
    let mut records = vec![
        suite_probe(Tls12, 0x0001, accepted(Tls12, 0x0001)),
        suite_probe(Tls12, 0x0002, accepted(Tls12, 0x0002)),
        suite_probe(Tls12, 0x0003, accepted(Tls12, 0x0003)),
        pair(0x0001, 0x0002, 0x0002),
        pair(0x0002, 0x0003, 0x0003),
    ];
    let k = Knowledge::learn(&records);
    let (order, measured) = preference::server_order(&records, &k, Tls12);
    assert_eq!(
        order,
        [CipherSuiteId(3), CipherSuiteId(2), CipherSuiteId(1)],
        "3 > 2 > 1 by transitivity"
    );
    assert_eq!(measured, 3);
    records.truncate(4);
    let k = Knowledge::learn(&records);
    let (order, measured) = preference::server_order(&records, &k, Tls12);
    assert_eq!(
        (order.as_slice(), measured),
        (
            [CipherSuiteId(1), CipherSuiteId(2), CipherSuiteId(3)].as_slice(),
            0
        ),
        "3 is not compared with anything: nothing is first for sure, listed by id"
    );
    // A server preferring GCM-256, GCM-128, CBC-256, CBC-128, asked only
    // with hellos that all offer GCM-256: its first choice is all that is
    // known, the rest by id (not ranked by how often they lost).
    let hello = |suites: &[u16]| ProbeRecord {
        purpose: Purpose::Replay("p".into()),
        spec: HelloSpec::at(
            Tls12,
            suites.iter().map(|s| CipherSuiteId(*s)).collect(),
            None,
        ),
        outcome: accepted(Tls12, 0xC030),
        handshake: None,
        peer_chain: Vec::new(),
        session_ticket: None,
    };
    let mut records: Vec<ProbeRecord> = [0xC030, 0xC02F, 0xC028, 0xC027]
        .iter()
        .map(|s| suite_probe(Tls12, *s, accepted(Tls12, *s)))
        .collect();
    records.push(hello(&[0xC030, 0xC02F, 0xC028, 0xC027]));
    records.push(hello(&[0xC027, 0xC028, 0xC02F, 0xC030]));
    records.push(hello(&[0xC030, 0xC02F]));
    let k = Knowledge::learn(&records);
    let (order, measured) = preference::server_order(&records, &k, Tls12);
    assert_eq!(measured, 1);
    assert_eq!(
        order,
        [0xC030, 0xC027, 0xC028, 0xC02F].map(CipherSuiteId),
        "GCM-256 first, measured; the rest by id"
    );
}

fn again(p: &Profile, outcome: Outcome) -> ProbeRecord {
    ProbeRecord {
        purpose: Purpose::Again(Box::new(Purpose::Replay(p.id.clone()))),
        ..replay(p, outcome)
    }
}

fn verdict<'a>(r: &'a TargetReport, id: &str) -> &'a crate::results::ProfileReport {
    r.profiles.iter().find(|p| p.profile == id).unwrap()
}

/// Every question once by default, and `--repeat N` every deciding hello N
/// times, each repeat right after its original.
#[test]
fn repeats_follow_their_originals() {
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let plan = || {
        vec![
            (
                Purpose::Replay(a11.id.clone()),
                HelloSpec::for_profile(a11, None),
            ),
            (
                Purpose::Suite,
                HelloSpec::at(TlsVersion::Tls12, vec![CipherSuiteId(0xC030)], None),
            ),
            (
                Purpose::Reversed(a11.id.clone()),
                HelloSpec::for_profile(a11, None),
            ),
        ]
    };
    let purposes = |n| -> Vec<Purpose> {
        consistency::repeated(plan(), n)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    let replay = Purpose::Replay(a11.id.clone());
    let again = |p: &Purpose| Purpose::Again(Box::new(p.clone()));
    let reversed = Purpose::Reversed(a11.id.clone());
    assert_eq!(
        purposes(1),
        [replay.clone(), Purpose::Suite, reversed.clone()]
    );
    assert_eq!(purposes(0), purposes(1));
    assert_eq!(
        purposes(3),
        [
            replay.clone(),
            again(&replay),
            again(&replay),
            Purpose::Suite,
            again(&Purpose::Suite),
            again(&Purpose::Suite),
            reversed
        ]
    );
}

/// A server that answered dsa-10.0's hello both ways is unsteady: that
/// profile is inconsistent, and every other verdict needs three alike
/// answers; more asks are planned for them, none on a steady server.
#[test]
fn unsteady_servers_need_three_alike_answers() {
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let (a10, a11) = (
        catalog.get("dsa-10.0").unwrap(),
        catalog.get("dsa-11").unwrap(),
    );
    let steady = vec![
        replay(a11, accepted(Tls12, 0xC030)),
        again(a11, accepted(Tls12, 0xC030)),
        replay(a10, rejected()),
        again(a10, rejected()),
    ];
    let k = Knowledge::learn(&steady);
    assert!(corroboration::plan(&steady, &[a10, a11], &k).is_empty());
    let r = run(&steady, &[a10, a11], &[]);
    assert_eq!(verdict(&r, "dsa-11").verdict, Verdict::Compatible);
    assert!(verdict(&r, "dsa-10.0").verdict.is_conclusive());

    let mut records = steady.clone();
    records[3] = again(a10, accepted(Tls12, 0x003D));
    let k = Knowledge::learn(&records);
    // dsa-11 is asked until five asks; dsa-10.0, already inconsistent, not.
    let more = corroboration::plan(&records, &[a10, a11], &k);
    assert_eq!(more.len(), 3);
    assert!(
        more.iter()
            .all(|(p, _)| *p == Purpose::Again(Box::new(Purpose::Replay(a11.id.clone()))))
    );
    let r = run(&records, &[a10, a11], &[]);
    assert!(!r.complete);
    let ten = verdict(&r, "dsa-10.0");
    assert_eq!(ten.verdict, Verdict::Inconclusive);
    assert_eq!(ten.reason_code, Some(ReasonCode::Inconsistent));
    // Two acceptances of dsa-11's suites: not enough.
    let eleven = verdict(&r, "dsa-11");
    assert_eq!(eleven.verdict, Verdict::Inconclusive);
    assert_eq!(eleven.reason_code, Some(ReasonCode::Unsteady));
    // A third, from its suite alone: the verdict stands.
    records.push(suite_probe(Tls12, 0xC030, accepted(Tls12, 0xC030)));
    let r = run(&records, &[a10, a11], &[]);
    let eleven = verdict(&r, "dsa-11");
    assert_eq!(eleven.verdict, Verdict::Compatible, "{eleven:?}");
    // One of its own asks refused: never compatible again.
    records.push(again(a11, rejected()));
    let r = run(&records, &[a10, a11], &[]);
    assert_eq!(verdict(&r, "dsa-11").verdict, Verdict::Inconclusive);
}

/// A server fault is what the server said, not a refusal: it needs no
/// corroboration and stays a conclusive `server_fault`, also on a server
/// that contradicted itself elsewhere.
#[test]
fn server_faults_stand_on_unsteady_servers() {
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let (a10, a11) = (
        catalog.get("dsa-10.0").unwrap(),
        catalog.get("dsa-11").unwrap(),
    );
    let fault = Outcome::ServerFault(Fault::UnofferedSuite(CipherSuiteId(0x0005)));
    let records = vec![
        replay(a11, fault.clone()),
        again(a11, fault),
        replay(a10, rejected()),
        again(a10, accepted(Tls12, 0x003D)),
    ];
    let k = Knowledge::learn(&records);
    assert!(corroboration::plan(&records, &[a10, a11], &k).is_empty());
    let r = run(&records, &[a10, a11], &[]);
    let eleven = verdict(&r, "dsa-11");
    assert_eq!(eleven.verdict, Verdict::Incompatible);
    assert_eq!(eleven.reason_code, Some(ReasonCode::ServerFault));
}

/// A hello refused although one of its suites is accepted alone (its
/// shape, on a steady server) stands only on five refusals of it.
#[test]
fn a_refused_hello_whose_suite_is_accepted_needs_three_refusals() {
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let mut records = vec![
        replay(a11, rejected()),
        suite_probe(Tls12, 0xC030, accepted(Tls12, 0xC030)),
    ];
    let k = Knowledge::learn(&records);
    // Four more refusals wanted, the suites in the probes' shape twice, and
    // the accepted suite alone once more.
    let retests = consistency::retest_plan(&records, &[a11], &k);
    let count = |want: &dyn Fn(&Purpose) -> bool| retests.iter().filter(|(p, _)| want(p)).count();
    assert_eq!(count(&|p| *p == Purpose::Retest(0, false)), 4);
    assert_eq!(count(&|p| matches!(p, Purpose::Shape(_))), 2);
    assert_eq!(count(&|p| *p == Purpose::Retest(1, false)), 1);
    let r = run(&records, &[a11], &[]);
    let p = verdict(&r, "dsa-11");
    assert_eq!(p.verdict, Verdict::Inconclusive);
    assert_eq!(p.reason_code, Some(ReasonCode::Inconclusive));
    for _ in 0..4 {
        records.push(ProbeRecord {
            purpose: Purpose::Retest(0, false),
            ..replay(a11, rejected())
        });
    }
    let r = run(&records, &[a11], &[]);
    let p = verdict(&r, "dsa-11");
    assert_eq!(p.verdict, Verdict::Incompatible);
    assert_eq!(p.reason_code, Some(ReasonCode::HelloRefused));
}

/// An endpoint whose ECDHE probes went unanswered cannot be told from one
/// that refuses them: a FIPS agent with its RSA suites answered and its
/// ECDHE suites timed out is identified as nothing (not as a 10.0 agent,
/// which accepts exactly those RSA suites), and an inventory that expects
/// FIPS gets no "unexpected profile" finding from such a scan.
#[test]
fn an_incomplete_scan_identifies_nothing() {
    use TlsVersion::Tls12;
    let catalog = Catalog::builtin().unwrap();
    let identify: Vec<&Profile> = catalog.all().collect();
    let fips = catalog.get("dsa-fips").unwrap();
    let scan = |ecdhe: &dyn Fn() -> Outcome| {
        let mut records = vec![
            suite_probe(Tls12, 0x003D, accepted(Tls12, 0x003D)),
            suite_probe(Tls12, 0x003C, accepted(Tls12, 0x003C)),
        ];
        for s in [0xC030, 0xC02F, 0xC027, 0xC028] {
            records.push(suite_probe(Tls12, s, ecdhe()));
        }
        run(&records, &[fips], &identify)
    };
    // Refused: the endpoint accepts exactly 10.0's suites.
    let refused = scan(&rejected);
    assert!(refused.complete);
    assert_eq!(refused.behaves_like(), ["dsa-10.0"]);
    // Unanswered: it might accept them; nothing is claimed.
    let mut unanswered = scan(&|| Outcome::Timeout);
    assert!(!unanswered.complete);
    assert!(
        unanswered
            .server
            .as_ref()
            .unwrap()
            .matches_profiles
            .is_empty()
    );
    assert!(unanswered.behaves_like().is_empty());
    let expect = crate::results::Expectation {
        expect: vec!["dsa-fips".into()],
        ..Default::default()
    };
    expectation::apply(&mut unanswered, &expect);
    assert!(
        unanswered
            .findings
            .iter()
            .all(|f| f.code != crate::results::FindingCode::UnexpectedProfile),
        "{:?}",
        unanswered.findings
    );
    // The same report edited to claim a match is not believed either.
    unanswered.server.as_mut().unwrap().matches_profiles = vec!["dsa-10.0".into()];
    assert!(unanswered.behaves_like().is_empty());
}

/// "Behaves like" rests on the scan's completeness as the probes left it:
/// a server whose accepted suites are exactly a profile's still behaves
/// like it when two answers to another hello disagree (the contradiction
/// makes the report incomplete and that profile's verdict inconclusive,
/// after the identification). This is why `suites` judges before
/// `consistency` in `CHECKS`.
#[test]
fn a_contradiction_elsewhere_keeps_what_the_suites_showed() {
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let (fips, a10) = (
        catalog.get("dsa-fips").unwrap(),
        catalog.get("dsa-10.0").unwrap(),
    );
    let mut records: Vec<ProbeRecord> = fips
        .suites_at(Tls12)
        .map(|s| suite_probe(Tls12, s.0, accepted(Tls12, s.0)))
        .collect();
    let first = fips.suites_at(Tls12).next().unwrap().0;
    records.push(replay(fips, accepted(Tls12, first)));
    records.push(replay(a10, rejected()));
    records.push(again(a10, accepted(Tls12, first)));
    let r = run(&records, &[a10], &[fips]);
    assert!(!r.complete);
    assert_eq!(verdict(&r, "dsa-10.0").verdict, Verdict::Inconclusive);
    assert_eq!(
        r.server.as_ref().unwrap().matches_profiles,
        ["dsa-fips"],
        "{:?}",
        r.issues
    );
}

/// A real handshake that failed behind an accepted first flight is kept
/// (`confirmed: failed`, its issue) when the hello's second ask then
/// contradicts the first: the confirmation judges before the
/// contradictions, which make the verdict inconclusive last. This is why
/// `confirmation` comes before `consistency` in `CHECKS`.
#[test]
fn a_failed_confirmation_stays_on_record_under_a_contradiction() {
    use crate::probe::handshake::{Failure, HandshakeResult, Stage};
    use TlsVersion::*;
    let catalog = Catalog::builtin().unwrap();
    let a11 = catalog.get("dsa-11").unwrap();
    let suite = a11.suites_at(Tls12).next().unwrap().0;
    let failed = HandshakeResult::Failed(Failure {
        after: Stage::ClientKeyExchange,
        alert: Some(AlertDescription::HANDSHAKE_FAILURE),
        timed_out: false,
        client_aborted: false,
        detail: "decrypt error".into(),
        certificate_requested: false,
        certificate_sent: false,
    });
    let records = vec![
        ProbeRecord {
            handshake: Some((crate::results::Engine::Rustls, failed)),
            ..replay(a11, accepted(Tls12, suite))
        },
        again(a11, rejected()),
    ];
    let r = run(&records, &[a11], &[]);
    let p = verdict(&r, "dsa-11");
    assert_eq!(p.verdict, Verdict::Inconclusive, "{p:?}");
    assert_eq!(p.reason_code, Some(ReasonCode::Inconsistent), "{p:?}");
    assert_eq!(p.confirmed, Confirmed::Failed, "{p:?}");
    let codes: Vec<IssueCode> = r.issues.iter().map(|i| i.code).collect();
    assert!(codes.contains(&IssueCode::ConfirmationFailed), "{codes:?}");
    assert!(codes.contains(&IssueCode::Inconsistent), "{codes:?}");
}
