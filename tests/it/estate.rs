//! The estate answer a change board acts on (`plan`): an unknown stays
//! unknown and is never "stranded", an agent never reached is judged from
//! the inventory and says so where the verdict is printed, and the plan of
//! 300 agents puts its answer first and fits a ticket. Real peers on
//! loopback: emulated agents, a peer whose answers contradict each other,
//! one that answers garbage, a silent one and a closed port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Run, bin, finish};
use crate::peers::{ProxyRule, proxy};
use crate::plan::{agent, closed_port};
use crate::servers::{Hostile, emulate, hostile};

fn plan(args: &[&str]) -> Run {
    let mut all = vec![
        "plan",
        "--timeout",
        "1s",
        "--retries",
        "0",
        "--color",
        "never",
    ];
    all.extend_from_slice(args);
    let run = finish(bin().args(&all).env("COLUMNS", "80").output().unwrap());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn at(addr: SocketAddr) -> String {
    format!("127.0.0.1:{}", addr.port())
}

/// Every string anywhere in the plan document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn unknowns_stay_unknown_and_inferences_say_so() {
    // A 20 agent behind a proxy that refuses every two-suite hello as an
    // unsupported version while single suites go through: the answers
    // contradict each other, so its probe with dsm-strong-12's hello (two
    // suites) is no usable answer.
    let eleven = emulate("dsa-11");
    let contradicting = proxy(eleven.local_addr(), ProxyRule::ProtocolVersionForTwoSuites);
    let garbage = hostile(Hostile::Garbage);
    let silent = hostile(Hostile::Silent);
    let nine = emulate("dsa-9.6");
    let refused = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "fleet.csv",
        &format!(
            "host,port,role,agent_version\n\
             127.0.0.1,{},agent,20.0.0-8438\n\
             127.0.0.1,{},agent,20.0.0-8438\n\
             127.0.0.1,{},agent,11.0.0-211\n\
             127.0.0.1,{refused},agent,11.0.0-211\n\
             127.0.0.1,{},agent,9.6.2-7723\n",
            contradicting.addr.port(),
            garbage.port(),
            silent.port(),
            nine.local_addr().port(),
        ),
    );
    let inv = inv.to_str().unwrap();
    let v = plan(&["--to", "dsm-strong-12", "-i", inv, "--format", "json"])
        .expect_code(1)
        .json();
    let s = &v["summary"];
    assert_eq!(
        (&s["lose"], &s["keep"], &s["unknown"], &s["inferred"]),
        (
            &Value::from(1),
            &Value::from(2),
            &Value::from(2),
            &Value::from(2)
        ),
        "{s:#}"
    );
    // The contradicting agent: unknown, with what came back, never
    // stranded, and no upgrade asked of it.
    let c = agent(&v, &at(contradicting.addr));
    assert_eq!(c["loses_contact"], Value::Null, "{c:#}");
    assert_eq!(c["upgrade_to"], Value::Null);
    assert!(
        c["reason"].as_str().unwrap().starts_with("cannot tell: "),
        "{c:#}"
    );
    // The garbage answer: the port answered with nothing usable, so the
    // agent is unknown, not judged from its version.
    let g = agent(&v, &at(garbage));
    assert_eq!(g["loses_contact"], Value::Null, "{g:#}");
    assert!(
        g["reason"]
            .as_str()
            .unwrap()
            .contains("gave no usable answer"),
        "{g:#}"
    );
    assert!(
        g["after"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["judged"] == "unknown")
    );
    // Silent and refused: never reached, judged from the inventory, marked.
    for t in [at(silent), format!("127.0.0.1:{refused}")] {
        let a = agent(&v, &t);
        assert_eq!(a["loses_contact"], false, "{a:#}");
        assert!(
            a["inferred"].as_str().unwrap().starts_with(
                "inferred from agent version 11.0.0-211 in the inventory: its port was not reached"
            ),
            "{a:#}"
        );
        for l in a["after"].as_array().unwrap() {
            assert_eq!(l["judged"], "from_inventory_version", "{a:#}");
        }
    }
    // The 9.6 agent was probed.
    let n = agent(&v, &at(nine.local_addr()));
    assert_eq!(n["loses_contact"], true);
    assert_eq!(n["inferred"], Value::Null);
    assert!(
        n["after"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["judged"] == "probed")
    );
    // Groups: the loss and the unknowns never share one; nothing anywhere
    // says stranded.
    let groups = v["groups"].as_array().unwrap();
    for g in groups {
        if g["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == &at(nine.local_addr()))
        {
            assert_eq!(g["loses_contact"], true);
            assert_eq!(g["agents"].as_array().unwrap().len(), 1, "{g:#}");
        } else {
            assert_eq!(g["loses_contact"], Value::Null, "{g:#}");
            assert!(
                g["advice"]
                    .as_str()
                    .unwrap()
                    .starts_with("cannot be judged"),
                "{g:#}"
            );
        }
    }
    let mut all = Vec::new();
    strings(&v, &mut all);
    assert!(!all.iter().any(|s| s.contains("strand")), "{all:#?}");

    // Text: the inference stands beside the verdict, and the counts say
    // how many verdicts are inferred.
    let text = plan(&["--to", "dsm-strong-12", "-i", inv, "--details"]).expect_code(1);
    // (Wrapped lines joined.)
    assert!(
        text.stdout
            .replace("\n  ", " ")
            .contains("(2 of these verdicts inferred from the inventory, not probed)"),
        "{}",
        text.stdout
    );
    let lines: Vec<&str> = text.stdout.lines().collect();
    for t in [at(silent), format!("127.0.0.1:{refused}")] {
        let i = lines.iter().position(|l| l.starts_with(&t)).unwrap();
        let verdict = lines[i + 1..]
            .iter()
            .find(|l| {
                l.starts_with("  keeps") || l.starts_with("  LOSES") || l.starts_with("  cannot")
            })
            .unwrap();
        assert_eq!(*verdict, "  keeps contact (inferred)", "{}", text.stdout);
    }
    assert!(!text.stdout.contains("strand"), "{}", text.stdout);
    // Markdown: in the verdict cell.
    let md = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv,
        "--format",
        "markdown",
        "--details",
    ])
    .expect_code(1);
    let row = md
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("| `127.0.0.1:{refused}`")))
        .unwrap();
    assert!(
        row.contains("✅ keeps contact; inferred from agent version 11.0.0-211"),
        "{row}"
    );
}

/// A fleet of `n` agents known by version alone: a third 9.6 (lose), a
/// third 10.0 without Update level (cannot be judged), a third 20 (keep).
fn big_fleet(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("host,port,role,agent_version,labels\n");
    for i in 0..n {
        let version = ["9.6.2-7723", "10.0.0-1234", "20.0.0-8438"][i % 3];
        text.push_str(&format!(
            "agent-{i:04}.branch-office.example.internal,4118,agent,{version},site-{};rack-{}\n",
            i % 17,
            i % 5
        ));
    }
    write(dir, "fleet.csv", &text)
}

#[test]
fn the_plan_of_300_agents_puts_the_answer_first_and_fits_a_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let inv = big_fleet(dir.path(), 300);
    let inv = inv.to_str().unwrap();
    let text = plan(&["--to", "dsm-strong-12", "-i", inv, "--offline"]).expect_code(1);
    let lines: Vec<&str> = text.stdout.lines().collect();
    let line_of = |s: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(s))
            .unwrap_or_else(|| panic!("no {s:?} in\n{}", text.stdout))
    };
    // The verdict, the counts, the steps and the groups on the first screen.
    assert!(line_of("Verdict: 100 agents would lose contact") < 3);
    assert!(
        lines[line_of("Agents: ")]
            .starts_with("Agents: 300; keep contact 100, lose contact 100, cannot be judged")
    );
    assert!(line_of("Order of operations") < 10);
    assert!(line_of("Groups") < 30, "{}", text.stdout);
    assert!(line_of("Agents that lose contact or cannot be judged") > line_of("Groups"));
    // The agents that keep contact are counted, not listed.
    assert!(!text.stdout.contains("agent-0002."), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("100 agents that keep contact not listed")
    );
    for l in &lines {
        assert!(l.chars().count() <= 80, "{l:?}");
    }
    // --only lose keeps just those agents (the counts stay the fleet's).
    let lose = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv,
        "--offline",
        "--only",
        "lose",
    ])
    .expect_code(1);
    let listed = &lose.stdout[lose.stdout.find("\nAgents\n").unwrap()..];
    assert!(listed.contains("\nagent-0000."), "{listed}");
    assert!(!listed.contains("\nagent-0001."), "10.0: cannot be judged");
    assert!(!listed.contains("\nagent-0002."), "20: keeps contact");
    assert!(
        lose.stdout
            .contains("--only lose: 100 of 300 agents listed")
    );
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv,
        "--offline",
        "--only",
        "lose,unknown",
        "--format",
        "json",
    ])
    .expect_code(1)
    .json();
    assert_eq!(v["agents"].as_array().unwrap().len(), 200);
    assert_eq!(v["summary"]["agents"], 300);

    // Markdown for a change ticket: at most 65,536 characters, with the
    // summary and groups whole and the cut rows counted.
    let inv = big_fleet(dir.path(), 1200);
    let inv = inv.to_str().unwrap();
    let md = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv,
        "--offline",
        "--format",
        "markdown",
        "--details",
    ])
    .expect_code(1);
    assert!(
        md.stdout.chars().count() <= 65_536,
        "{} chars",
        md.stdout.chars().count()
    );
    assert!(
        md.stdout
            .contains("**Verdict: 400 agents would lose contact**")
    );
    assert!(md.stdout.contains("## Groups"));
    assert!(
        md.stdout
            .contains("**Plan: 400 agents would lose contact**"),
        "the tail is kept"
    );
    assert!(
        md.stdout
            .contains("more agent rows cut to fit a GitHub issue or comment (65536 characters)"),
        "{}",
        &md.stdout[md.stdout.len() - 2000..]
    );
}

/// `plan --to REPORT --drop …`: what "TLS 1.2 only" does to this manager,
/// from a saved scan of it, with no YAML edited by hand.
#[test]
fn plan_to_a_saved_manager_with_drops() {
    let manager = crate::plan::emulate_file("profiles/dsm-legacy.yaml");
    let nine = emulate("dsa-9.6");
    let eleven = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("manager.json");
    let scan = finish(
        bin()
            .args(["scan", &at(manager.local_addr()), "--format", "json", "-o"])
            .arg(&saved)
            .output()
            .unwrap(),
    );
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let inv = write(
        dir.path(),
        "fleet.csv",
        &format!(
            "host,port,role\n127.0.0.1,{},agent\n127.0.0.1,{},agent\n",
            nine.local_addr().port(),
            eleven.local_addr().port()
        ),
    );
    let (saved, inv) = (saved.to_str().unwrap(), inv.to_str().unwrap());
    let run = plan(&[
        "--to", saved, "--drop", "tls1.0", "--drop", "tls1.1", "-i", inv, "--format", "json",
    ]);
    let v = run.expect_code(1).json();
    assert!(
        v["to"]["name"]
            .as_str()
            .unwrap()
            .ends_with(", without tls1.0, tls1.1"),
        "{:#}",
        v["to"]
    );
    // Before: the manager as saved, with TLS 1.0: every agent in contact.
    assert_eq!(v["manager"]["evidence"], "saved_scan", "{:#}", v["manager"]);
    let n = agent(&v, &at(nine.local_addr()));
    assert_eq!(n["loses_contact"], true, "{n:#}");
    assert!(
        n["before"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "works"),
        "{n:#}"
    );
    let e = agent(&v, &at(eleven.local_addr()));
    assert_eq!(e["loses_contact"], false, "{e:#}");
    assert!(v["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .unwrap()
            .starts_with(&format!("--to {saved}: the manager as saved"))
    }));
    // A class, as in what-if; a drop that leaves nothing is an input error.
    let v = plan(&[
        "--to",
        "dsm-strong-10-11",
        "--drop",
        "cbc",
        "-i",
        inv,
        "--format",
        "json",
    ])
    .expect_code(1)
    .json();
    assert_eq!(v["to"]["id"], "dsm-strong-10-11-without-cbc");
    let run = plan(&[
        "--to", saved, "--drop", "tls1.0", "--drop", "tls1.2", "--drop", "tls1.1", "-i", inv,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("accepts nothing: no version left"),
        "{}",
        run.stderr
    );
    let run = plan(&["--to", "dsm-strong-12", "--drop", "tls9", "-i", inv]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
