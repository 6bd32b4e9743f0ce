use super::*;
use crate::model::suites::CipherSuiteId;

const GOOD: &str = "\
id: test-1
name: Test client
role: agent
versions: [tls1.2]
cipher_suites:
  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  - 0xC02F
  - ECDHE-RSA-AES256-SHA384
";

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::parse(text, Origin::File("t.yaml".into()))
}

/// The error line as a user sees it.
fn error(text: &str) -> String {
    parse(text)
        .expect_err("profile should be rejected")
        .to_string()
}

#[test]
fn parses_names_hex_and_openssl_names() {
    let p = parse(GOOD).unwrap();
    assert_eq!(p.id, "test-1");
    assert_eq!(p.role, Role::Agent);
    assert_eq!(p.versions, [TlsVersion::Tls12]);
    let ids: Vec<u16> = p.cipher_suites.iter().map(|s| s.0).collect();
    assert_eq!(ids, [0xC030, 0xC02F, 0xC028]);
    assert_eq!(p.groups, DEFAULT_GROUPS);
    assert_eq!(p.signature_algorithms, DEFAULT_SIGNATURE_ALGORITHMS);
}

#[test]
fn shipped_profiles_match_the_vendor_tables() {
    let catalog = Catalog::builtin().unwrap();
    let ids: Vec<&str> = catalog.all().map(|p| p.id.as_str()).collect();
    for want in [
        "dsa-9.6",
        "dsa-10.0",
        "dsa-10.0-u16",
        "dsa-11",
        "dsa-fips",
        "dsm-strong-10-11",
        "dsm-strong-12",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let suites = |id: &str| -> Vec<u16> {
        catalog
            .get(id)
            .unwrap()
            .cipher_suites
            .iter()
            .map(|s| s.0)
            .collect()
    };
    let versions = |id: &str| catalog.get(id).unwrap().versions.clone();
    // docs/domain.md, "What each agent version offers".
    assert_eq!(suites("dsa-9.6"), [0x0035, 0x002F]);
    assert_eq!(versions("dsa-9.6"), [TlsVersion::Tls10]);
    assert_eq!(suites("dsa-10.0"), [0x003D, 0x003C]);
    assert_eq!(suites("dsa-10.0-u16"), [0xC030, 0xC02F, 0xC028, 0xC027]);
    assert_eq!(suites("dsa-11"), [0xC030, 0xC02F]);
    assert_eq!(
        suites("dsa-fips"),
        [0xC030, 0xC02F, 0xC027, 0xC028, 0x003D, 0x003C]
    );
    // docs/domain.md, "What managers offer".
    assert_eq!(suites("dsm-strong-10-11"), [0xC030, 0xC02F, 0xC028, 0xC027]);
    assert_eq!(suites("dsm-strong-12"), [0xC030, 0xC02F]);
    for id in [
        "dsa-10.0",
        "dsa-10.0-u16",
        "dsa-11",
        "dsa-fips",
        "dsm-strong-10-11",
        "dsm-strong-12",
    ] {
        assert_eq!(versions(id), [TlsVersion::Tls12], "{id}");
    }
    for p in catalog.all() {
        assert!(p.source.is_some(), "{} has no source", p.id);
        let expected_role = if p.id.starts_with("dsa-") {
            Role::Agent
        } else {
            Role::Manager
        };
        assert_eq!(p.role, expected_role, "{}", p.id);
        // Every Deep Security suite authenticates with RSA.
        for s in &p.cipher_suites {
            assert!(
                s.suite().unwrap().needs_rsa_certificate(),
                "{} in {}",
                s,
                p.id
            );
        }
    }
}

#[test]
fn unknown_suite_names_line_column_and_suggestion() {
    let text = GOOD.replace("  - 0xC02F", "  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265");
    assert_eq!(
        error(&text),
        "t.yaml:7:5: cipher_suites[1]: unknown cipher suite \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265\" \
         (did you mean TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256 \
         or TLS_DHE_RSA_WITH_AES_128_GCM_SHA256?)"
    );
}

#[test]
fn malformed_yaml_names_line_and_column() {
    let text = GOOD.replace("  - 0xC02F", " - 0xC02F");
    let msg = error(&text);
    assert!(msg.starts_with("t.yaml:7:2: "), "{msg}");
    assert!(msg.contains("did not find expected key"), "{msg}");
}

#[test]
fn unknown_fields_and_missing_fields() {
    let msg = error(&format!("{GOOD}cipher_suite: [0xC030]\n"));
    assert!(
        msg.starts_with("t.yaml:9:1: unknown field `cipher_suite`"),
        "{msg}"
    );
    let msg = error(&GOOD.replace("role: agent\n", ""));
    assert!(msg.contains("missing field `role`"), "{msg}");
    let msg = error(&GOOD.replace("role: agent", "role: client"));
    assert!(
        msg.starts_with("t.yaml:3:7: role: unknown variant `client`"),
        "{msg}"
    );
}

#[test]
fn unknown_version_group_and_signature_names() {
    let msg = error(&GOOD.replace("[tls1.2]", "[tls1.2, tls1.4]"));
    assert!(
        msg.starts_with("t.yaml:4:20: versions[1]: unknown TLS version \"tls1.4\""),
        "{msg}"
    );
    let msg = error(&format!("{GOOD}groups: [secp256r1, prime256v1x]\n"));
    assert!(
        msg.starts_with("t.yaml:9:21: groups[1]: unknown NamedGroup"),
        "{msg}"
    );
    let msg = error(&format!(
        "{GOOD}signature_algorithms: [rsa_pkcs1_sha256, rsa_pss_sha256]\n"
    ));
    assert!(
        msg.contains("signature_algorithms[1]: unknown SignatureScheme"),
        "{msg}"
    );
    assert!(msg.contains("rsa_pss_rsae_sha256?)"), "{msg}");
}

#[test]
fn suite_that_cannot_run_on_the_listed_versions() {
    let text = GOOD.replace("[tls1.2]", "[tls1.0]");
    assert_eq!(
        error(&text),
        "t.yaml:6:5: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 cannot run on tls1.0 (it needs tls1.2)"
    );
    let text = GOOD.replace("  - 0xC02F", "  - TLS_AES_128_GCM_SHA256");
    assert_eq!(
        error(&text),
        "t.yaml:7:5: TLS_AES_128_GCM_SHA256 cannot run on tls1.2 (it needs tls1.3)"
    );
}

#[test]
fn version_that_no_suite_can_run_on() {
    let text = GOOD.replace("[tls1.2]", "[tls1.0, tls1.2]");
    assert_eq!(
        error(&text),
        "t.yaml:4:12: no listed cipher suite can run on tls1.0"
    );
}

#[test]
fn empty_lists_and_duplicates() {
    let msg = error(&GOOD.replace("[tls1.2]", "[]"));
    assert_eq!(msg, "t.yaml:4:11: `versions` must not be empty");
    let text = "id: x\nname: X\nrole: agent\nversions: [tls1.2]\ncipher_suites: []\n";
    assert_eq!(
        error(text),
        "t.yaml:5:16: `cipher_suites` must not be empty"
    );
    let msg = error(&GOOD.replace("  - 0xC02F", "  - 0xC030"));
    assert_eq!(
        msg,
        "t.yaml:7:5: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 is listed twice in `cipher_suites`"
    );
    let msg = error(&format!("{GOOD}groups: []\n"));
    assert_eq!(msg, "t.yaml:9:9: `groups` must not be empty");
}

#[test]
fn bad_ids_and_signaling_values() {
    let msg = error(&GOOD.replace("id: test-1", "id: \"a b\""));
    assert!(msg.starts_with("t.yaml:1:5: profile id \"a b\""), "{msg}");
    let msg = error(&GOOD.replace("  - 0xC02F", "  - TLS_FALLBACK_SCSV"));
    assert!(
        msg.starts_with("t.yaml:7:5: cipher_suites[1]: \"TLS_FALLBACK_SCSV\" is a signaling value"),
        "{msg}"
    );
}

#[test]
fn ecdhe_without_an_elliptic_curve_group() {
    let msg = error(&format!("{GOOD}groups: [ffdhe2048]\n"));
    assert!(msg.starts_with("t.yaml:9:9: ECDHE cipher suites"), "{msg}");
}

#[test]
fn suites_at_filters_by_version() {
    let text = "id: x\nname: X\nrole: agent\nversions: [tls1.0, tls1.2]\ncipher_suites: [0xC030, 0x0035]\n";
    let p = parse(text).unwrap();
    assert_eq!(
        p.suites_at(TlsVersion::Tls10).collect::<Vec<_>>(),
        [CipherSuiteId(0x0035)]
    );
    assert_eq!(
        p.suites_at(TlsVersion::Tls12).collect::<Vec<_>>(),
        [CipherSuiteId(0xC030), CipherSuiteId(0x0035)]
    );
    assert_eq!(p.max_version(), TlsVersion::Tls12);
}

#[test]
fn user_files_override_shipped_ids_but_not_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(&a, GOOD.replace("test-1", "dsa-11")).unwrap();
    std::fs::write(&b, GOOD.replace("test-1", "dsa-11")).unwrap();
    let mut catalog = Catalog::builtin().unwrap();
    catalog.add_file(&a).unwrap();
    assert_eq!(
        catalog.get("dsa-11").unwrap().cipher_suites.len(),
        3,
        "user file replaced the shipped one"
    );
    let err = catalog.add_file(&b).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:1:5: duplicate profile id \"dsa-11\" (first defined at {}:1:5)",
            b.display(),
            a.display()
        )
    );
    let err = Catalog::builtin().unwrap().add_dir(dir.path()).unwrap_err();
    assert!(
        matches!(err.kind, ProfileErrorKind::DuplicateId { .. }),
        "{err}"
    );
}

#[test]
fn resolve_ids_files_and_typos() {
    let mut catalog = Catalog::builtin().unwrap();
    assert_eq!(catalog.resolve("dsa-11").unwrap(), "dsa-11");
    let err = catalog.resolve("dsa-11.1").unwrap_err().to_string();
    assert!(
        err.contains("(did you mean dsa-11.0, dsa-10.0 or dsa-11?)"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.yaml");
    std::fs::write(&f, GOOD).unwrap();
    assert_eq!(catalog.resolve(f.to_str().unwrap()).unwrap(), "test-1");
    let err = catalog
        .resolve(dir.path().join("missing.yaml").to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn aliases_resolve_to_the_profile_id() {
    let mut catalog = Catalog::builtin().unwrap();
    for alias in ["dsa-11.0", "dsa-12", "dsa-12.0", "dsa-20", "dsa-20.0"] {
        assert_eq!(catalog.resolve(alias).unwrap(), "dsa-11", "{alias}");
    }
    assert!(catalog.get("dsa-12").is_none(), "get takes ids only");
    assert_eq!(catalog.find("dsa-20").unwrap().id, "dsa-11");
    // Unknown ids are compared with aliases and names too.
    let err = catalog.resolve("dsa-21").unwrap_err().to_string();
    assert!(err.contains("dsa-20"), "{err}");
    let err = catalog.resolve("FIPS mode").unwrap_err().to_string();
    assert!(err.contains("(did you mean dsa-fips?)"), "{err}");
}

#[test]
fn bad_and_repeated_aliases_are_located() {
    let with =
        |aliases: &str| GOOD.replace("id: test-1\n", &format!("id: test-1\naliases: {aliases}\n"));
    assert_eq!(parse(&with("[t-2, t-3]")).unwrap().aliases, ["t-2", "t-3"]);
    assert_eq!(parse(&with("[]")).unwrap().aliases, Vec::<String>::new());
    assert_eq!(
        error(&with("[t-2, \"a b\"]")),
        "t.yaml:2:16: alias \"a b\" must be non-empty letters, digits, '.', '_' or '-'"
    );
    assert_eq!(
        error(&with("[t-2, test-1]")),
        "t.yaml:2:16: alias \"test-1\" is the profile's own id"
    );
    assert_eq!(
        error(&with("[t-2, t-2]")),
        "t.yaml:2:16: t-2 is listed twice in `aliases`"
    );
}

#[test]
fn aliases_share_the_name_space_with_ids() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, id: &str, aliases: &str| {
        let path = dir.path().join(name);
        let text = GOOD.replace("id: test-1\n", &format!("id: {id}\naliases: [{aliases}]\n"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let a = file("a.yaml", "one", "uno, eins");
    let mut catalog = Catalog::empty();
    catalog.add_file(&a).unwrap();
    // An alias that is another profile's alias, or id; an id that is another's alias.
    let b = file("b.yaml", "two", "dos, eins");
    assert_eq!(
        catalog.add_file(&b).unwrap_err().to_string(),
        format!(
            "{}:2:16: alias \"eins\" is already an alias of one (first defined at {}:2:16)",
            b.display(),
            a.display()
        )
    );
    let c = file("c.yaml", "three", "one");
    assert_eq!(
        catalog.add_file(&c).unwrap_err().to_string(),
        format!(
            "{}:2:11: alias \"one\" is already the id of another profile (first defined at {}:1:5)",
            c.display(),
            a.display()
        )
    );
    let d = file("d.yaml", "uno", "");
    assert_eq!(
        catalog.add_file(&d).unwrap_err().to_string(),
        format!(
            "{}:1:5: profile id \"uno\" is already an alias of one (first defined at {}:2:11)",
            d.display(),
            a.display()
        )
    );
    // The same file again, by another spelling of its path, is no clash.
    let again = dir.path().join(".").join("a.yaml");
    assert_eq!(catalog.add_file(&again).unwrap(), "one");
    assert_eq!(catalog.all().count(), 1);
}

#[test]
fn a_user_profile_takes_a_shipped_alias_over() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("dsa-12.yaml");
    std::fs::write(&own, GOOD.replace("test-1", "dsa-12")).unwrap();
    let mut catalog = Catalog::builtin().unwrap();
    catalog.add_file(&own).unwrap();
    assert_eq!(catalog.resolve("dsa-12").unwrap(), "dsa-12");
    assert_eq!(catalog.resolve("dsa-20").unwrap(), "dsa-11");
    assert!(
        !catalog
            .get("dsa-11")
            .unwrap()
            .aliases
            .contains(&"dsa-12".to_string())
    );
    // A user alias may not take a shipped id.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        GOOD.replace("id: test-1\n", "id: mine\naliases: [dsa-10.0]\n"),
    )
    .unwrap();
    let err = catalog.add_file(&bad).unwrap_err().to_string();
    assert!(
        err.contains("alias \"dsa-10.0\" is already the id of another profile (first defined at profiles/dsa-10.0.yaml:"),
        "{err}"
    );
}

#[test]
fn parse_all_names_every_problem_and_parse_the_first() {
    let text = "\
id: \"a b\"
name: X
role: agent
versions: [tls1.0, tls1.4]
cipher_suites: [AES256-SHA, NOPE-SHA, AES256-SHA]
groups: secp256r1
";
    let all: Vec<String> = Profile::parse_all(text, Origin::File("t.yaml".into()))
        .expect_err("rejected")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(all.len(), 5, "{all:#?}");
    assert!(all[0].starts_with("t.yaml:4:20: versions[1]: unknown TLS version"));
    assert!(all[1].starts_with("t.yaml:5:29: cipher_suites[1]: unknown cipher suite"));
    assert!(all[2].starts_with("t.yaml:6:9: groups: invalid type: string \"secp256r1\""));
    assert!(all[3].starts_with("t.yaml:1:5: profile id \"a b\""));
    assert_eq!(
        all[4],
        "t.yaml:5:39: TLS_RSA_WITH_AES_256_CBC_SHA is listed twice in `cipher_suites`"
    );
    // With a bad version, no suite is blamed for the version it may need.
    assert!(!all.iter().any(|e| e.contains("cannot run on")));
    assert_eq!(error(text), all[0]);
}

#[test]
fn missing_fields_are_all_named() {
    let all = Profile::parse_all("id: x\nrole: agent\n", Origin::File("t.yaml".into()))
        .expect_err("rejected");
    let msgs: Vec<String> = all.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        [
            "t.yaml:1:1: missing field `name`",
            "t.yaml:1:1: missing field `versions`",
            "t.yaml:1:1: missing field `cipher_suites`",
        ]
    );
}

#[test]
fn built_profiles_are_the_ones_resolved_last() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    std::fs::write(&a, GOOD.replace("test-1", "dsa-11")).unwrap();
    let mut catalog = Catalog::builtin().unwrap();
    // `-p dsa-11 -p a.yaml`: both name dsa-11, and the file replaced the
    // shipped profile; what a job is handed is the file's.
    let ids = [
        catalog.resolve("dsa-11").unwrap(),
        catalog.resolve(a.to_str().unwrap()).unwrap(),
    ];
    let built = catalog.built(&ids).unwrap();
    assert!(built.iter().all(|p| p.cipher_suites.len() == 3));
    assert_eq!(built[0].origin, Origin::File(a.clone()));
    let err = catalog.built_one("dsa-1").unwrap_err().to_string();
    assert!(err.starts_with("unknown profile \"dsa-1\""), "{err}");
}

#[test]
fn repeated_and_unknown_fields_point_at_their_own_key() {
    let text = format!("{GOOD}colour: 1\nname: Again\ncolour: 2\n");
    let msgs: Vec<String> = Profile::parse_all(&text, Origin::File("t.yaml".into()))
        .expect_err("rejected")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    assert!(msgs[0].starts_with("t.yaml:9:1: unknown field `colour`"));
    assert_eq!(msgs[1], "t.yaml:10:1: duplicate field `name`");
    assert!(msgs[2].starts_with("t.yaml:11:1: unknown field `colour`"));
}

#[test]
fn the_agent_facts_are_read_and_checked() {
    let p = parse(&format!(
        "{GOOD}ladder: 5\nproduct: Agent 21\nversion_name: \"21+\"\nagent_versions: [21, \"20.5\"]\n\
         version_caveat: maybe\nmay_also_be: [dsa-fips]\n"
    ))
    .unwrap();
    assert_eq!(p.ladder, Some(5));
    assert_eq!(p.product.as_deref(), Some("Agent 21"));
    assert_eq!(p.version_name.as_deref(), Some("21+"));
    assert_eq!(p.agent_versions, ["21", "20.5"]);
    assert_eq!(p.version_caveat.as_deref(), Some("maybe"));
    assert_eq!(p.may_also_be, ["dsa-fips"]);
    let none = parse(GOOD).unwrap();
    assert_eq!((none.ladder, none.agent_versions.len()), (None, 0));
    for (bad, expect) in [
        ("ladder: 0\n", "ladder: expected a rung number from 1"),
        ("ladder: top\n", "ladder: expected a rung number from 1"),
        (
            "agent_versions: [\"10.x\"]\n",
            "agent_versions[0]: expected MAJOR or MAJOR.MINOR",
        ),
    ] {
        let msg = error(&format!("{GOOD}{bad}"));
        assert!(msg.contains(expect), "{bad}: {msg}");
        assert!(msg.starts_with("t.yaml:9:"), "{bad}: {msg}");
    }
    let msg = error(&format!(
        "{}ladder: 2\n",
        GOOD.replace("role: agent", "role: manager")
    ));
    assert!(
        msg.contains("ladder: only an agent profile has one"),
        "{msg}"
    );
    let msg = error(&format!("{GOOD}remedy: turn it off\n"));
    assert!(
        msg.contains("remedy: only a manager profile has one"),
        "{msg}"
    );
    let m = parse(&format!(
        "{}setting: strong suites only\nremedy: turn them off\n",
        GOOD.replace("role: agent", "role: manager")
    ))
    .unwrap();
    assert_eq!(m.setting.as_deref(), Some("strong suites only"));
    assert_eq!(m.remedy.as_deref(), Some("turn them off"));
}
