use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::model::profile::Catalog;
use crate::model::suites::{CipherSuiteId, SuiteClass};
use crate::results::findings::Finding;
use crate::results::{
    CertKeyType, CertificateSummary, ClientCertificate, Confirmed, ErrorKind, Probed,
    ProfileReport, ScanStats, TargetError,
};
use TlsVersion::*;

/// 2026-11-25T00:00:00Z.
const NOW: i64 = 1_795_564_800;

fn profile(id: &str, compatible: bool, conclusive: bool) -> ProfileReport {
    ProfileReport {
        profile: id.into(),
        verdict: Verdict::from_flags(compatible, conclusive),
        negotiated: None,
        mutual: BTreeMap::new(),
        confirmed: Confirmed::NotAttempted,
        engine: None,
        reason: (!compatible).then(|| "no common suite at tls1.2".into()),
        reason_code: None,
    }
}

fn cert() -> CertificateSummary {
    CertificateSummary {
        subject: "CN=dsm".into(),
        issuer: "CN=dsm".into(),
        key_type: CertKeyType::Rsa,
        key_bits: 2048,
        signature_algorithm: "sha256WithRSAEncryption".into(),
        not_before: crate::results::parse_rfc3339("2026-01-01T00:00:00Z"),
        not_after: crate::results::parse_rfc3339("2026-12-25T00:00:00Z"),
        expired: false,
        self_signed: true,
        subject_alt_names: Vec::new(),
        chain_length: 1,
    }
}

/// A manager at `name:4120` accepting these suites at these versions.
fn target(name: &str, role: Role, accepted: &[(TlsVersion, &[u16])]) -> TargetReport {
    let cipher_suites: BTreeMap<TlsVersion, Vec<CipherSuiteId>> = accepted
        .iter()
        .map(|(v, s)| (*v, s.iter().map(|i| CipherSuiteId(*i)).collect()))
        .collect();
    TargetReport {
        target: format!("{name}:4120"),
        host: name.into(),
        port: 4120,
        address: Some("192.0.2.1".into()),
        addresses: vec!["192.0.2.1".into()],
        resolved: Vec::new(),
        role,
        sni: None,
        status: TargetStatus::Ok,
        error: None,
        server: Some(ServerReport {
            versions: cipher_suites.keys().copied().collect(),
            cipher_suites,
            server_preference: Some(true),
            preference: BTreeMap::new(),
            order_measured: BTreeMap::new(),
            client_certificate: ClientCertificate::None,
            certificate: Some(cert()),
            matches_profiles: Vec::new(),
            probed: Probed {
                versions: vec![Tls10, Tls11, Tls12, Tls13],
                pairs: 10,
                all_suites: false,
            },
            hello_retry: false,
        }),
        profiles: vec![
            profile("dsa-11", true, true),
            profile("dsa-10.0", false, true),
        ],
        complete: true,
        issues: Vec::new(),
        findings: Vec::new(),
        inventory: None,
        directions: None,
        stats: ScanStats::default(),
    }
}

fn down(name: &str) -> TargetReport {
    TargetReport {
        status: TargetStatus::Error,
        error: Some(TargetError {
            kind: ErrorKind::Refused,
            message: "connection refused".into(),
        }),
        server: None,
        profiles: Vec::new(),
        ..target(name, Role::Manager, &[])
    }
}

fn one(rule: Rule) -> Policy {
    Policy {
        rules: vec![rule],
        allow_incomplete: false,
        now: NOW,
    }
}

fn rules(r: &PolicyReport) -> Vec<&str> {
    r.violations.iter().map(|v| v.rule.as_str()).collect()
}

const STRONG: &[u16] = &[0xC030, 0xC02F];
const CBC: &[u16] = &[0xC030, 0xC027, 0x003C];

#[test]
fn require_passes_fails_and_is_unknown() {
    let t = [target("dsm", Role::Manager, &[(Tls12, STRONG)])];
    let pass = verdict(&t, &Policy::requiring(vec!["dsa-11".into()], NOW));
    assert_eq!(pass.status, PolicyStatus::Passed);
    let fail = verdict(&t, &Policy::requiring(vec!["dsa-10.0".into()], NOW));
    assert_eq!(fail.status, PolicyStatus::Failed);
    assert_eq!(rules(&fail), ["require dsa-10.0"]);
    assert_eq!(fail.violations[0].code, ViolationCode::Incompatible);
    let missing = verdict(&t, &Policy::requiring(vec!["dsa-9.6".into()], NOW));
    assert_eq!(missing.status, PolicyStatus::Incomplete);
    assert!(missing.unresolved[0].message.contains("not checked"));
    let mut unknown = t.clone();
    unknown[0].profiles[0].verdict = Verdict::Inconclusive;
    let r = verdict(&unknown, &Policy::requiring(vec!["dsa-11".into()], NOW));
    assert_eq!(r.status, PolicyStatus::Incomplete);
}

#[test]
fn forbidden_versions() {
    let t = [target(
        "dsm",
        Role::Manager,
        &[(Tls10, &[0x002F]), (Tls12, STRONG)],
    )];
    let rule = |v: Vec<TlsVersion>| {
        one(Rule {
            forbid_versions: v,
            ..Rule::default()
        })
    };
    let r = verdict(&t, &rule(vec![Tls10, Tls11]));
    assert_eq!(r.status, PolicyStatus::Failed);
    assert_eq!(rules(&r), ["forbid_versions tls1.0"]);
    assert_eq!(r.violations[0].code, ViolationCode::ForbiddenVersion);
    assert_eq!(r.violations[0].message, "the endpoint accepts tls1.0");
    assert_eq!(verdict(&t, &rule(vec![Tls11])).status, PolicyStatus::Passed);
    // ssl3 was never asked about: unknown, not absent.
    let r = verdict(&t, &rule(vec![Ssl3]));
    assert_eq!(r.status, PolicyStatus::Incomplete);
    assert!(r.unresolved[0].message.contains("not probed"));
}

#[test]
fn forbidden_suites_by_name_and_class() {
    let t = [target("dsm", Role::Manager, &[(Tls12, CBC)])];
    let rule = |s: Vec<SuiteSelector>| {
        one(Rule {
            forbid_suites: s,
            ..Rule::default()
        })
    };
    let r = verdict(
        &t,
        &rule(vec![
            SuiteSelector::Class(SuiteClass::Cbc),
            SuiteSelector::Class(SuiteClass::Rc4),
            SuiteSelector::Suite(CipherSuiteId(0x003C)),
        ]),
    );
    assert_eq!(r.status, PolicyStatus::Failed);
    assert_eq!(
        rules(&r),
        [
            "forbid_suites cbc",
            "forbid_suites TLS_RSA_WITH_AES_128_CBC_SHA256"
        ]
    );
    let m = &r.violations[0].message;
    assert!(
        m.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 at tls1.2, TLS_RSA_WITH_AES_128_CBC_SHA256 at tls1.2 (class cbc)"),
        "{m}"
    );
    assert!(m.contains("only the probed suites were judged"), "{m}");
    let strong = [target("dsm", Role::Manager, &[(Tls12, STRONG)])];
    assert_eq!(
        verdict(&strong, &rule(vec![SuiteSelector::Class(SuiteClass::Cbc)])).status,
        PolicyStatus::Passed
    );
    // With every suite probed, no caveat.
    let mut all = t.clone();
    if let Some(s) = all[0].server.as_mut() {
        s.probed.all_suites = true;
    }
    let r = verdict(&all, &rule(vec![SuiteSelector::Class(SuiteClass::RsaKx)]));
    assert!(!r.violations[0].message.contains("probed"));
}

#[test]
fn certificate_limits() {
    let t = [target("dsm", Role::Manager, &[(Tls12, STRONG)])];
    let rule = |c: CertificateRule| {
        one(Rule {
            certificate: Some(c),
            ..Rule::default()
        })
    };
    let ok = CertificateRule {
        min_rsa_bits: Some(2048),
        min_days_left: Some(30),
        forbid_sha1: true,
    };
    assert_eq!(verdict(&t, &rule(ok)).status, PolicyStatus::Passed);
    let strict = CertificateRule {
        min_rsa_bits: Some(3072),
        min_days_left: Some(31),
        forbid_sha1: true,
    };
    let r = verdict(&t, &rule(strict.clone()));
    assert_eq!(
        rules(&r),
        [
            "certificate min_rsa_bits 3072",
            "certificate min_days_left 31"
        ]
    );
    assert!(r.violations[1].message.contains("expires in 30 days"));
    assert!(
        r.violations
            .iter()
            .all(|v| v.code == ViolationCode::Certificate)
    );
    let mut sha1 = t.clone();
    if let Some(c) = sha1[0].server.as_mut().and_then(|s| s.certificate.as_mut()) {
        c.signature_algorithm = "sha1WithRSAEncryption".into();
        c.not_after = crate::results::parse_rfc3339("2026-11-01T00:00:00Z");
    }
    let r = verdict(&sha1, &rule(strict));
    assert!(rules(&r).contains(&"certificate forbid_sha1"));
    assert!(
        r.violations
            .iter()
            .any(|v| v.message.contains("expired on"))
    );
    // A chain signed with SHA-1 (the finding) fails too.
    let mut chain = t.clone();
    chain[0].findings.push(Finding::new(
        FindingCode::CertificateSha1Signature,
        "the intermediate is signed with SHA-1",
    ));
    let r = verdict(
        &chain,
        &rule(CertificateRule {
            forbid_sha1: true,
            ..CertificateRule::default()
        }),
    );
    assert_eq!(
        r.violations[0].message,
        "the intermediate is signed with SHA-1"
    );
    // No certificate seen: unknown.
    let mut none = t.clone();
    if let Some(s) = none[0].server.as_mut() {
        s.certificate = None;
    }
    let r = verdict(
        &none,
        &rule(CertificateRule {
            min_rsa_bits: Some(2048),
            ..CertificateRule::default()
        }),
    );
    assert_eq!(r.status, PolicyStatus::Incomplete);
}

#[test]
fn agent_port_exposure() {
    let mut t = [target("agent1", Role::Agent, &[(Tls12, STRONG)])];
    let policy = one(Rule {
        agent_port_exposed: Some(Exposure::Forbid),
        ..Rule::default()
    });
    assert_eq!(verdict(&t, &policy).status, PolicyStatus::Passed);
    t[0].findings.push(Finding::new(
        FindingCode::AgentPortExposed,
        "the agent port answers",
    ));
    let r = verdict(&t, &policy);
    assert_eq!(rules(&r), ["agent_port_exposed forbid"]);
    assert_eq!(r.violations[0].code, ViolationCode::AgentPortExposed);
    let allow = one(Rule {
        agent_port_exposed: Some(Exposure::Allow),
        ..Rule::default()
    });
    assert_eq!(verdict(&t, &allow).status, PolicyStatus::Passed);
}

#[test]
fn rules_apply_only_within_their_scope() {
    let t = [
        target("dsm-a.example.com", Role::Manager, &[(Tls10, &[0x002F])]),
        target("agent1", Role::Agent, &[(Tls10, &[0x002F])]),
    ];
    let scoped = |scope: Scope| {
        one(Rule {
            scope,
            forbid_versions: vec![Tls10],
            ..Rule::default()
        })
    };
    let failed_on = |p: &Policy| -> Vec<String> {
        verdict(&t, p)
            .violations
            .into_iter()
            .map(|v| v.target)
            .collect()
    };
    assert_eq!(
        failed_on(&scoped(Scope {
            role: Some(Role::Manager),
            target: None
        })),
        ["dsm-a.example.com:4120"]
    );
    assert_eq!(
        failed_on(&scoped(Scope {
            role: Some(Role::Agent),
            target: None
        })),
        ["agent1:4120"]
    );
    assert_eq!(
        failed_on(&scoped(Scope {
            role: None,
            target: Some("DSM-*.example.com:*".into())
        })),
        ["dsm-a.example.com:4120"]
    );
    assert!(
        failed_on(&scoped(Scope {
            role: Some(Role::Manager),
            target: Some("*:4119".into())
        }))
        .is_empty()
    );
    assert_eq!(failed_on(&scoped(Scope::default())).len(), 2);
}

#[test]
fn globs() {
    assert!(glob("dsm-*.example.com:*", "dsm-1.example.com:4120"));
    assert!(glob("*", ""));
    assert!(glob("a?c:4120", "abc:4120"));
    assert!(!glob("a?c:4120", "ac:4120"));
    assert!(glob("*a*b*", "xxaxxbxx"));
    assert!(!glob("*a*b", "xxbxxa"));
    assert!(!glob("dsm", "dsm:4120"));
}

#[test]
fn unscanned_endpoints_and_allow_incomplete() {
    let t = [
        target("dsm", Role::Manager, &[(Tls12, STRONG)]),
        down("dsm2"),
    ];
    let mut p = Policy::requiring(vec!["dsa-11".into()], NOW);
    let r = verdict(&t, &p);
    assert_eq!(r.status, PolicyStatus::Incomplete);
    assert_eq!(r.unresolved[0].code, ViolationCode::NotScanned);
    p.allow_incomplete = true;
    let r = verdict(&t, &p);
    assert_eq!(r.status, PolicyStatus::Passed);
    assert!(r.unresolved.is_empty());
    // A failure elsewhere still fails.
    p.rules[0].require.push("dsa-10.0".into());
    assert_eq!(verdict(&t, &p).status, PolicyStatus::Failed);
}

#[test]
fn the_same_failure_from_two_rules_is_reported_once() {
    let t = [target("dsm", Role::Manager, &[(Tls10, &[0x002F])])];
    let rule = Rule {
        forbid_versions: vec![Tls10],
        ..Rule::default()
    };
    let p = Policy {
        rules: vec![rule.clone(), rule],
        allow_incomplete: false,
        now: NOW,
    };
    assert_eq!(verdict(&t, &p).violations.len(), 1);
}

/// Seconds since the epoch of a saved certificate date.
fn unix_seconds(s: &str) -> Option<i64> {
    crate::results::parse_rfc3339(s).map(time::OffsetDateTime::unix_timestamp)
}

#[test]
fn rfc3339_times() {
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(unix_seconds("2026-11-25T00:00:00Z"), Some(NOW));
    assert_eq!(unix_seconds("2000-03-01T01:02:03Z"), Some(951_872_523));
    assert_eq!(unix_seconds("garbage"), None);
    assert_eq!(unix_seconds("2000-03-01T02:02:03+01:00"), Some(951_872_523));
    assert_eq!(unix_seconds("2026-02-30T00:00:00Z"), None);
}

fn parse(text: &str) -> Result<Policy, String> {
    let mut catalog = Catalog::builtin().unwrap();
    file::parse(text, Path::new("p.yaml"), &mut catalog, NOW).map_err(|e| e.to_string())
}

#[test]
fn policy_files_parse() {
    let p = parse(
        "rules:
  - match: {role: manager}
    require: [dsa-11, dsa-12]
    forbid_versions: [tls1.0, TLSv1.1]
    forbid_suites: [cbc, rsa_kx, 0xC030, AES128-SHA]
    certificate: {min_rsa_bits: 2048, min_days_left: 30, forbid_sha1: true}
  - match: {target: 'dsm-*:*'}
    agent_port_exposed: forbid
allow_incomplete: true
",
    )
    .unwrap();
    assert!(p.allow_incomplete);
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.rules[0].scope.role, Some(Role::Manager));
    // dsa-12 is an alias of dsa-11: resolved to the id.
    assert_eq!(p.rules[0].require, ["dsa-11", "dsa-11"]);
    assert_eq!(p.required_profiles(), ["dsa-11"]);
    assert_eq!(p.rules[0].forbid_versions, [Tls10, Tls11]);
    assert_eq!(p.rules[0].forbid_suites.len(), 4);
    assert_eq!(p.rules[1].agent_port_exposed, Some(Exposure::Forbid));
    assert_eq!(p.rules[1].scope.target.as_deref(), Some("dsm-*:*"));
}

#[test]
fn policy_file_errors_are_located_with_suggestions() {
    let e = parse("rules:\n  - forbid_suite: [cbc]\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:5: "), "{e}");
    assert!(e.contains("unknown field `forbid_suite`"), "{e}");
    assert!(e.contains("did you mean forbid_suites?"), "{e}");
    let e = parse("rules:\n  - forbid_suites: [cbc, cbcc]\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:26: "), "{e}");
    assert!(e.contains("did you mean cbc"), "{e}");
    let e = parse("rules:\n  - forbid_versions: [tls1.4]\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:23: "), "{e}");
    let e = parse("rules:\n  - require: [dsa-11, dsa-10.1]\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:23: "), "{e}");
    assert!(e.contains("dsa-10.0"), "{e}");
    let e = parse("rules:\n  - match: {role: manger}\n    require: [dsa-11]\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:"), "{e}");
    let e = parse("rules:\n  - match: {role: manager}\n").unwrap_err();
    assert!(e.starts_with("p.yaml:2:5: this rule checks nothing"), "{e}");
    let e = parse("allow_incomplet: true\n").unwrap_err();
    assert!(e.contains("did you mean allow_incomplete?"), "{e}");
    let e = parse("rules:\n  - certificate: {min_rsa_bit: 2048}\n").unwrap_err();
    assert!(e.contains("did you mean min_rsa_bits?"), "{e}");
}

#[test]
fn a_policy_file_without_rules_is_refused() {
    let mut catalog = Catalog::builtin().unwrap();
    for text in [
        "",
        "# nothing yet\n",
        "rules: []\n",
        "allow_incomplete: true\n",
    ] {
        let e = file::parse(text, Path::new("p.yaml"), &mut catalog, NOW).unwrap_err();
        assert!(e.to_string().contains("holds no rules"), "{text:?}: {e}");
    }
}
