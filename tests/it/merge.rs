//! `merge` and `check` judge saved reports from their rows, never from the
//! verdicts they carry: a JSON Lines shard cut short (no closing line) is
//! incomplete and named; a closing line edited to "passed" changes
//! nothing; shards of different runs, a shard given twice or a missing
//! shard are refused (exit 2), named.

use serde_json::Value;

use crate::common::tlscompat;
use crate::servers::emulate;
use tlscompat::serve::Emulator;

/// Endpoints: two managers every shipped modern agent reaches, one that
/// only the strong agents reach, and a closed port.
struct Fleet {
    _emulators: Vec<Emulator>,
    /// Keeps the closed target's port closed while the fleet lives.
    _closed: Option<crate::plan::ClosedPort>,
    dir: tempfile::TempDir,
    inventory: String,
}

fn fleet(ids: &[&str], closed: bool) -> Fleet {
    let emulators: Vec<Emulator> = ids.iter().map(|id| emulate(id)).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = emulators
        .iter()
        .map(|e| e.local_addr().to_string())
        .collect();
    let closed = closed.then(crate::plan::closed_port);
    if let Some(port) = &closed {
        lines.push(format!("127.0.0.1:{port}"));
    }
    let inventory = dir.path().join("inventory.txt");
    std::fs::write(&inventory, lines.join("\n")).unwrap();
    Fleet {
        _emulators: emulators,
        _closed: closed,
        inventory: inventory.to_str().unwrap().to_string(),
        dir,
    }
}

impl Fleet {
    /// `scan -i INVENTORY ARGS… --format jsonl -o NAME` (shard K/N when
    /// given); the file's path.
    fn shard(&self, name: &str, shard: Option<&str>, args: &[&str]) -> String {
        let path = self.dir.path().join(name);
        let path = path.to_str().unwrap().to_string();
        let mut all = vec![
            "scan",
            "-i",
            &self.inventory,
            "--retries",
            "0",
            "--timeout",
            "2s",
            "--format",
            "jsonl",
            "-o",
            &path,
        ];
        if let Some(s) = shard {
            all.extend(["--shard", s]);
        }
        all.extend_from_slice(args);
        let run = tlscompat(&all);
        assert!([0, 1, 3].contains(&run.code), "{}", run.stderr);
        path
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(path: &str, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// `merge --format json FILES…` (and ARGS).
fn merge(files: &[&str], args: &[&str]) -> crate::common::Run {
    let mut all = vec!["merge", "--format", "json"];
    all.extend_from_slice(args);
    all.extend_from_slice(files);
    tlscompat(&all)
}

#[test]
fn a_shard_cut_short_is_incomplete_and_named() {
    // Every endpoint passes: only the missing closing line can say
    // anything is wrong.
    let f = fleet(
        &["dsm-strong-12", "dsm-strong-10-11", "dsm-strong-12"],
        false,
    );
    let args = ["--require", "dsa-11"];
    let one = f.shard("s1.jsonl", Some("1/2"), &args);
    let two = f.shard("s2.jsonl", Some("2/2"), &args);
    assert_eq!(merge(&[&one, &two], &[]).code, 0);

    // Shard 1 killed before its closing line.
    let mut cut = lines(&one);
    let closing = cut.pop().unwrap();
    assert!(closing.contains("\"policy\""), "{closing}");
    let cut_path = f.path("cut.jsonl");
    write(&cut_path, &cut);
    for (files, command) in [
        (vec![cut_path.as_str(), two.as_str()], "merge"),
        (vec![cut_path.as_str()], "check"),
    ] {
        let run = match command {
            "merge" => merge(&files, &[]),
            _ => {
                let mut all = vec!["check", "--require", "dsa-11", "--format", "json"];
                all.extend_from_slice(&files);
                tlscompat(&all)
            }
        };
        assert_eq!(run.code, 3, "{command}: {}\n{}", run.stdout, run.stderr);
        let v = run.json();
        assert_eq!(v["policy"]["status"], "incomplete");
        let u = &v["policy"]["unresolved"][0];
        assert_eq!(u["code"], "report_cut_short", "{u}");
        assert_eq!(u["target"], cut_path.as_str(), "{u}");
        assert!(
            run.stderr
                .contains(&format!("cannot tell: {cut_path}: report:")),
            "{}",
            run.stderr
        );
    }

    // A shard whose line was cut mid-JSON: an input error, never passed.
    let mut half = lines(&one);
    let last = half.pop().unwrap();
    half.push(last[..last.len() / 2].to_string());
    let half_path = f.path("half.jsonl");
    write(&half_path, &half);
    let run = merge(&[&half_path, &two], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("half.jsonl"), "{}", run.stderr);
}

#[test]
fn merge_judges_the_rows_not_the_saved_verdict() {
    // dsa-10.0 cannot reach a strong 12.x manager: the run fails.
    let f = fleet(&["dsm-strong-12", "dsm-strong-10-11"], false);
    let args = ["--require", "dsa-10.0"];
    let one = f.shard("s1.jsonl", Some("1/2"), &args);
    let two = f.shard("s2.jsonl", Some("2/2"), &args);
    assert_eq!(merge(&[&one, &two], &[]).code, 1);
    // Each closing line edited to "passed".
    for path in [&one, &two] {
        let mut l = lines(path);
        let mut closing: Value = serde_json::from_str(l.last().unwrap()).unwrap();
        closing["policy"]["status"] = "passed".into();
        closing["policy"]["passed"] = true.into();
        closing["policy"]["violations"] = Value::Array(Vec::new());
        *l.last_mut().unwrap() = closing.to_string();
        write(path, &l);
    }
    let run = merge(&[&one, &two], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["policy"]["status"], "failed");
    assert!(run.stderr.contains("failed: "), "{}", run.stderr);
    assert!(run.stderr.contains("require dsa-10.0"), "{}", run.stderr);
    // The merged report is the whole run's: no shard, every target.
    assert!(v["run"]["shard"].is_null(), "{}", v["run"]);
    assert_eq!(v["run"]["targets"], 2);
}

#[test]
fn merge_refuses_mixes_duplicates_and_missing_shards() {
    let f = fleet(
        &["dsm-strong-12", "dsm-strong-10-11", "dsm-strong-12"],
        true,
    );
    let one = f.shard("a1.jsonl", Some("1/2"), &["--require", "dsa-11"]);
    let two = f.shard("a2.jsonl", Some("2/2"), &["--require", "dsa-11"]);
    let other_policy = f.shard("b2.jsonl", Some("2/2"), &["--require", "dsa-10.0-u16"]);
    let other_profiles = f.shard(
        "c2.jsonl",
        Some("2/2"),
        &["--require", "dsa-11", "-p", "dsa-fips"],
    );
    let whole = f.shard("whole.jsonl", None, &["--require", "dsa-11"]);
    let three = f.shard("d3.jsonl", Some("3/3"), &["--require", "dsa-11"]);

    let refused = |files: &[&str], words: &[&str]| {
        let run = merge(files, &[]);
        assert_eq!(run.code, 2, "{files:?}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        crate::common::assert_clean_error(&run);
        for w in words {
            assert!(run.stderr.contains(w), "{w:?} not in {}", run.stderr);
        }
    };
    refused(
        &[&one, &other_policy],
        &["different runs", "a1.jsonl", "b2.jsonl", "another policy"],
    );
    refused(&[&one, &other_profiles], &["different runs", "profiles"]);
    refused(&[&one, &one], &["shard 1/2 given twice", "a1.jsonl"]);
    refused(&[&one], &["shard 2/2 missing", "1/2 "]);
    refused(&[&two], &["shard 1/2 missing"]);
    refused(&[&whole, &one], &["whole run", "shard 1/2"]);
    refused(&[&whole, &whole], &["whole run", "the same run again"]);
    refused(&[&one, &three], &["different splits"]);
    // A shard cut short still names its run on every target line.
    let mut cut = lines(&other_policy);
    cut.pop();
    let cut_path = f.path("b2-cut.jsonl");
    write(&cut_path, &cut);
    refused(&[&one, &cut_path], &["different runs", "b2-cut.jsonl"]);
    // A report with no run identity (written by hand or by an older
    // version) is not merged; check judges it.
    let mut bare: Vec<String> = lines(&two)
        .iter()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("run");
            v.to_string()
        })
        .collect();
    let bare_path = f.path("bare.jsonl");
    write(&bare_path, &bare);
    refused(&[&one, &bare_path], &["names no run", "check"]);
    // A closing line that counts other targets than the lines: edited.
    bare = lines(&two);
    bare.remove(0);
    let short = f.path("short.jsonl");
    write(&short, &bare);
    let run = merge(&[&one, &short], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("the report was edited"),
        "{}",
        run.stderr
    );
    // The right shards, in any order: merged.
    assert!([1, 3].contains(&merge(&[&two, &one], &[]).code));
}

/// A saved JSON report of one emulated `dsm-strong-12` checked with
/// dsa-10.0 (required, incompatible: exit 1) and dsa-11.
fn saved_requiring_dsa_10() -> (Fleet, String) {
    let f = fleet(&["dsm-strong-12"], false);
    let path = f.path("r.json");
    let run = tlscompat(&[
        "scan",
        "-i",
        &f.inventory,
        "-p",
        "dsa-10.0",
        "-p",
        "dsa-11",
        "--require",
        "dsa-10.0",
        "--format",
        "json",
        "-o",
        &path,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    (f, path)
}

/// A saved profile edited to "compatible" against its own evidence
/// (`negotiated` null, a reason of no common suite; or a suite the endpoint
/// never accepted) is refused by `check`, `merge`, `what-if` and
/// `plan --from`, naming the target and the profile; the report as written
/// is read.
#[test]
fn a_report_that_contradicts_itself_is_refused() {
    let (f, path) = saved_requiring_dsa_10();
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let target = original["targets"][0]["target"]
        .as_str()
        .unwrap()
        .to_string();
    let commands = |file: &str| -> Vec<Vec<String>> {
        [
            vec!["check", "--require", "dsa-10.0", file],
            vec!["merge", file],
            vec!["what-if", file, "--drop", "tls1.0"],
            vec!["plan", "--from", file, "--to", "dsm-strong-12"],
        ]
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
    };
    for c in commands(&path) {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        let run = tlscompat(&args);
        assert_ne!(run.code, 2, "{c:?}: {}", run.stderr);
    }
    let index = |v: &Value, id: &str| {
        v["targets"][0]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .position(|p| p["profile"] == id)
            .unwrap()
    };
    let i = index(&original, "dsa-10.0");
    // Only the flag edited.
    let mut flag = original.clone();
    flag["targets"][0]["profiles"][i]["compatible"] = true.into();
    // Flag, agreement and reason edited; the endpoint never accepted it.
    let mut agreement = flag.clone();
    agreement["targets"][0]["profiles"][i]["negotiated"] =
        serde_json::json!({"version": "tls1.2", "cipher_suite": "TLS_RSA_WITH_AES_256_CBC_SHA256"});
    agreement["targets"][0]["profiles"][i]["reason"] = Value::Null;
    agreement["targets"][0]["profiles"][i]["reason_code"] = Value::Null;
    // An unknown answer edited to conclusive.
    let mut conclusive = original.clone();
    let j = index(&original, "dsa-11");
    conclusive["targets"][0]["profiles"][j]["reason_code"] = "inconclusive".into();
    for (name, edited, why) in [
        (
            "flag.json",
            flag,
            "says compatible, but its reason is no_common_suite",
        ),
        (
            "agreement.json",
            agreement,
            "the endpoint's accepted suites do not hold TLS_RSA_WITH_AES_256_CBC_SHA256",
        ),
        (
            "conclusive.json",
            conclusive,
            "says conclusive, but its reason is inconclusive",
        ),
    ] {
        let file = f.path(name);
        std::fs::write(&file, edited.to_string()).unwrap();
        for c in commands(&file) {
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            let run = tlscompat(&args);
            assert_eq!(run.code, 2, "{c:?}: {}\n{}", run.stdout, run.stderr);
            crate::common::assert_clean_error(&run);
            assert!(run.stderr.contains(name), "{c:?}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!("target {target}, profile ")),
                "{c:?}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(why), "{c:?}: {}", run.stderr);
        }
    }
}

/// `value` as `schema_version` 2 wrote it: no `verdict` (the booleans
/// alone), no `profile` on a violation.
fn as_version_2(value: &mut Value) {
    match value {
        Value::Object(o) => {
            if o.get("schema_version").is_some() {
                o.insert("schema_version".into(), 2.into());
            }
            if o.contains_key("verdict") && o.contains_key("conclusive") {
                o.remove("verdict");
            }
            if o.contains_key("rule") {
                o.remove("profile");
            }
            o.values_mut().for_each(as_version_2);
        }
        Value::Array(a) => a.iter_mut().for_each(as_version_2),
        _ => {}
    }
}

/// A report of the previous `schema_version` (2: verdicts as the booleans
/// `compatible` and `conclusive`) still loads in `check`, `merge`,
/// `what-if` and `plan --from`, and each reads the same verdicts from it as
/// from the report as this version writes it: the same exit code, and the
/// same verdicts in `check`'s JSON.
#[test]
fn a_report_of_the_previous_schema_version_still_loads() {
    let (f, path) = saved_requiring_dsa_10();
    let current: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(current["schema_version"], 3);
    let verdicts = |v: &Value| -> Vec<(Value, Value)> {
        v["targets"][0]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["profile"].clone(), p["verdict"].clone()))
            .collect()
    };
    assert_eq!(
        verdicts(&current),
        [
            ("dsa-10.0".into(), "incompatible".into()),
            ("dsa-11".into(), "compatible".into())
        ]
    );
    let mut old = current.clone();
    as_version_2(&mut old);
    assert_eq!(old["schema_version"], 2);
    assert!(old["targets"][0]["profiles"][0].get("verdict").is_none());
    let old_path = f.path("old.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    for c in [
        vec!["check", "--require", "dsa-10.0"],
        vec!["merge"],
        vec!["what-if", "--drop", "tls1.0"],
        vec!["plan", "--to", "dsm-strong-12", "--from"],
    ] {
        let with = |file: &str| {
            let mut args = c.clone();
            args.push(file);
            args.extend(["--format", "json"]);
            tlscompat(&args)
        };
        let (new_run, old_run) = (with(&path), with(&old_path));
        assert_ne!(old_run.code, 2, "{c:?}: {}", old_run.stderr);
        assert_eq!(old_run.code, new_run.code, "{c:?}: {}", old_run.stderr);
        if c[0] == "check" || c[0] == "merge" {
            let judged: Value = serde_json::from_str(&old_run.stdout).unwrap();
            assert_eq!(judged["schema_version"], 3, "{c:?}");
            assert_eq!(verdicts(&judged), verdicts(&current), "{c:?}");
            assert_eq!(
                judged["policy"]["violations"][0]["profile"], "dsa-10.0",
                "{c:?}"
            );
        }
    }
}
