//! `tlscompat plan --to PROFILE` end to end: emulated agents of every
//! version and an emulated manager before the switch, on loopback; the fleet
//! scanned now (`-i`), read from a saved report (`--from`) and judged from
//! agent versions (`--offline`); every exit code.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tlscompat::model::profile::{Origin, Profile};
use tlscompat::schema::SchemaName;
use tlscompat::serve::{Emulator, EmulatorConfig};

use crate::common::{Run, assert_clean_error, bin, finish, testdata, tlscompat};
use crate::schema::assert_valid;
use crate::servers::emulate;

/// The emulator serving a profile file of `testdata/`.
pub fn emulate_file(rel: &str) -> Emulator {
    let path = testdata(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let profile = Profile::parse(&text, Origin::File(path)).unwrap();
    let (config, _) =
        EmulatorConfig::for_profile(&profile, "127.0.0.1:0".parse().unwrap()).unwrap();
    Emulator::spawn(config, None).unwrap()
}

/// A port nothing listens on, kept so while the value lives: a socket
/// bound to it without listening, so connections are refused and nothing
/// else can take the port. A port merely released goes back to the pool:
/// the next server of a test running alongside that binds port 0 may get
/// it, and a "dead" agent then answers as whatever that server is (once, a
/// fleet's unknown agent was counted as keeping contact). Prints as the
/// port number.
pub struct ClosedPort(tokio::net::TcpSocket);

impl ClosedPort {
    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
}

impl std::fmt::Display for ClosedPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.port())
    }
}

/// A port nothing listens on, held until the value drops.
pub fn closed_port() -> ClosedPort {
    // Not SO_REUSEADDR: a server binding this very port fails too.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ClosedPort(socket)
}

fn port(e: &Emulator) -> u16 {
    e.local_addr().port()
}

/// Writes `rows` under a CSV header into `dir`.
fn csv(dir: &Path, name: &str, header: &str, rows: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// `tlscompat plan ARGS…` laid out for 80 columns.
fn plan(args: &[&str]) -> Run {
    let mut all = vec!["plan", "--timeout", "2s", "--color", "never"];
    all.extend_from_slice(args);
    let run = finish(bin().args(&all).env("COLUMNS", "80").output().unwrap());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

pub fn agent<'a>(report: &'a Value, target: &str) -> &'a Value {
    report["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == target)
        .unwrap_or_else(|| panic!("{target} missing: {report:#}"))
}

/// `[(direction, status, evidence)]` of a leg list.
fn legs(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["direction"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
                l["evidence"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn leg(d: &str, s: &str, e: &str) -> (String, String, String) {
    (d.into(), s.into(), e.into())
}

/// The emulated fleet: one agent per shipped agent profile, a manager as
/// it is now (TLS 1.0 and every agent suite), two agents that do not
/// listen. The HTML plan test (`html.rs`) uses it too.
pub struct Fleet {
    _emulators: Vec<Emulator>,
    agents: Vec<(String, u16)>,
    pub manager: u16,
    pub dead_versioned: u16,
    pub dead_unknown: u16,
    /// Keeps the two dead ports closed while the fleet lives.
    _dead: [ClosedPort; 2],
}

pub fn fleet() -> Fleet {
    let mut emulators = Vec::new();
    let mut agents = Vec::new();
    for id in ["dsa-9.6", "dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
        let e = emulate(id);
        agents.push((id.to_string(), port(&e)));
        emulators.push(e);
    }
    let manager = emulate_file("profiles/dsm-legacy.yaml");
    let manager_port = port(&manager);
    emulators.push(manager);
    let dead = [closed_port(), closed_port()];
    Fleet {
        _emulators: emulators,
        agents,
        manager: manager_port,
        dead_versioned: dead[0].port(),
        dead_unknown: dead[1].port(),
        _dead: dead,
    }
}

impl Fleet {
    pub fn port_of(&self, id: &str) -> u16 {
        self.agents.iter().find(|(p, _)| p == id).unwrap().1
    }

    fn target(&self, id: &str) -> String {
        format!("127.0.0.1:{}", self.port_of(id))
    }

    /// The inventory: every agent with its version and direction, the
    /// manager, an agent-initiated agent that listens on nothing (as such
    /// agents do) and a bidirectional one that cannot be reached.
    fn inventory(&self, dir: &Path, with_unknown: bool) -> PathBuf {
        let mut rows = vec![
            format!("127.0.0.1,{},agent,9.6.2-7723,", self.port_of("dsa-9.6")),
            format!("127.0.0.1,{},agent,10.0.0-1234,", self.port_of("dsa-10.0")),
            format!(
                "127.0.0.1,{},agent,10.0.0-3445,",
                self.port_of("dsa-10.0-u16")
            ),
            format!(
                "127.0.0.1,{},agent,20.0.0-3445,agent-initiated",
                self.port_of("dsa-11")
            ),
            format!(
                "127.0.0.1,{},agent,,manager-initiated",
                self.port_of("dsa-fips")
            ),
            format!("127.0.0.1,{},manager,,", self.manager),
            format!(
                "127.0.0.1,{},agent,11.0.0-211,agent-initiated",
                self.dead_versioned
            ),
        ];
        if with_unknown {
            rows.push(format!("127.0.0.1,{},agent,,", self.dead_unknown));
        }
        csv(
            dir,
            "fleet.csv",
            "host,port,role,agent_version,direction",
            &rows,
        )
    }
}

/// The fleet's two dead agents stay dead while it lives, whatever runs
/// alongside: no server can take their ports (a released port goes to the
/// next server that binds port 0, and the dead agent then answers as that
/// server: the fleet's one unknown agent was once counted as keeping
/// contact), and connecting is refused.
#[test]
fn the_fleets_dead_ports_stay_closed_while_it_lives() {
    let f = fleet();
    for dead in [f.dead_versioned, f.dead_unknown] {
        let taken = std::net::TcpListener::bind(("127.0.0.1", dead)).map(|_| ());
        assert_eq!(taken.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
        let reached = std::net::TcpStream::connect(("127.0.0.1", dead)).map(|_| ());
        assert_eq!(
            reached.unwrap_err().kind(),
            std::io::ErrorKind::ConnectionRefused
        );
    }
}

#[test]
fn an_inventory_scanned_now_groups_the_agents_that_lose_contact() {
    let f = fleet();
    let dir = tempfile::tempdir().unwrap();
    let inv = f.inventory(dir.path(), true);
    let run = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // Two agents lose contact; one cannot be told, and a known loss beats it.
    let run = run.expect_code(1);
    let v = run.json();
    assert_valid(SchemaName::Plan, &v);
    assert_eq!(v["to"]["id"], "dsm-strong-12");
    assert_eq!(v["source"], "inventory");
    assert_eq!(
        v["manager"]["target"],
        format!("127.0.0.1:{}", f.manager),
        "the inventory's one manager is the before column"
    );
    let s = &v["summary"];
    assert_eq!(
        [&s["agents"], &s["lose"], &s["keep"], &s["unknown"]],
        [&json!(7), &json!(2), &json!(4), &json!(1)],
        "{s:#}"
    );
    assert_eq!(s["status"], "failed");
    assert_eq!(s["exit_code"], 1);
    // The manager is listed, not planned.
    assert_eq!(v["others"].as_array().unwrap().len(), 1);
    assert_eq!(v["others"][0]["role"], "manager");

    // 9.6: identified by its scan; both legs worked before and fail after,
    // agent-initiated from the profiles, manager-initiated from a probe.
    let nine = agent(&v, &f.target("dsa-9.6"));
    assert_eq!(nine["behaves_like"], "dsa-9.6");
    assert_eq!(nine["identified_by"], "scan");
    assert_eq!(nine["loses_contact"], true);
    assert_eq!(nine["upgrade_to"], "dsa-10.0-u16");
    assert_eq!(
        legs(&nine["before"]),
        [
            leg("agent-initiated", "works", "probe"),
            leg("manager-initiated", "works", "scanned_set")
        ]
    );
    assert_eq!(
        legs(&nine["after"]),
        [
            leg("agent-initiated", "fails", "profiles"),
            leg("manager-initiated", "fails", "probe")
        ]
    );
    assert!(
        nine["reason"]
            .as_str()
            .unwrap()
            .contains("no common version: client tls1.0, server tls1.2"),
        "{nine:#}"
    );
    // 10.0 (the version alone could not say; the scan does).
    let ten = agent(&v, &f.target("dsa-10.0"));
    assert_eq!(ten["behaves_like"], "dsa-10.0");
    assert_eq!(ten["loses_contact"], true);
    assert_eq!(ten["upgrade_to"], "dsa-10.0-u16");
    let u16 = agent(&v, &f.target("dsa-10.0-u16"));
    assert_eq!(
        [&u16["behaves_like"], &u16["loses_contact"]],
        [&json!("dsa-10.0-u16"), &json!(false)]
    );
    assert_eq!(u16["upgrade_to"], Value::Null);
    // Agent-initiated only: never judged on its 4118.
    let eleven = agent(&v, &f.target("dsa-11"));
    assert_eq!(eleven["direction"], "agent-initiated");
    assert_eq!(
        legs(&eleven["after"]),
        [leg("agent-initiated", "works", "profiles")]
    );
    // Manager-initiated only: judged on 4118 alone, by a real probe.
    let fips = agent(&v, &f.target("dsa-fips"));
    assert_eq!(
        legs(&fips["after"]),
        [leg("manager-initiated", "works", "probe")]
    );
    assert_eq!(fips["loses_contact"], false);
    // An agent-initiated agent listens on nothing: its version decides.
    let quiet = agent(&v, &format!("127.0.0.1:{}", f.dead_versioned));
    assert_eq!(quiet["identified_by"], "agent_version");
    // 11.0 may run in FIPS mode: both are candidates, and they agree.
    assert_eq!(quiet["behaves_like"], Value::Null);
    assert_eq!(quiet["candidates"], json!(["dsa-11", "dsa-fips"]));
    assert_eq!(quiet["loses_contact"], false);
    assert_eq!(legs(&quiet["after"]).len(), 1);
    // ... and that verdict is an inference, marked per leg and as a whole.
    assert_eq!(quiet["after"][0]["judged"], "from_inventory_version");
    assert!(
        quiet["inferred"].as_str().unwrap().starts_with(
            "inferred from agent version 11.0.0-211 in the inventory: its port was not reached"
        ),
        "{quiet:#}"
    );
    assert_eq!(v["summary"]["inferred"], 1);
    // The probed agents' legs say so.
    assert_eq!(nine["after"][1]["judged"], "probed");
    assert_eq!(nine["inferred"], Value::Null);
    // Nothing tells what the unreachable, versionless agent is.
    let unknown = agent(&v, &format!("127.0.0.1:{}", f.dead_unknown));
    assert_eq!(unknown["loses_contact"], Value::Null);
    assert_eq!(unknown["identified_by"], "none");

    // Grouped by the profile they behave like, in ladder order.
    let groups = v["groups"].as_array().unwrap();
    let ids: Vec<&Value> = groups.iter().map(|g| &g["behaves_like"]).collect();
    assert_eq!(ids, [&json!("dsa-9.6"), &json!("dsa-10.0"), &Value::Null]);
    assert_eq!(groups[0]["agents"][0], f.target("dsa-9.6"));
    assert_eq!(groups[1]["upgrade_to"], "dsa-10.0-u16");
    assert_eq!(groups[1]["also"][0], "dsa-11");
    assert_eq!(groups[1]["recommended"], "dsa-11");
    assert_eq!(
        groups[1]["advice"],
        "Deep Security Agent 10.0 (before Update 16) loses contact: upgrade to Deep Security \
         Agent 20 (or 11.0, 12.0), the newest line; at the least Deep Security Agent 10.0 \
         Update 16 or later"
    );
    // Upgrades first, then the switch; product versions, not profile ids.
    let steps = v["steps"].as_array().unwrap();
    assert!(
        steps[0]["action"]
            .as_str()
            .unwrap()
            .starts_with("this agent (Deep Security Agent 9.6): upgrade to Deep Security Agent 20"),
        "{steps:#?}"
    );
    assert!(
        steps.last().unwrap()["action"]
            .as_str()
            .unwrap()
            .starts_with("then switch the manager to dsm-strong-12")
    );

    // The same plan for people: 80 columns, the verdicts and the steps.
    let text = plan(&["--to", "dsm-strong-12", "-i", inv.to_str().unwrap()]).expect_code(1);
    for line in text.stdout.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(text.stdout.contains("LOSES CONTACT"), "{}", text.stdout);
    assert!(text.stdout.contains("Order of operations"));
    assert!(text.stdout.contains("plan: 2 agents would lose contact"));
    // And in Markdown: tables.
    let md = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--format",
        "markdown",
    ])
    .expect_code(1);
    assert!(
        md.stdout.contains(
            "| Agent | Behaves like | Direction | Before | After | Verdict | Upgrade to |"
        ),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("|---|---|---|---|---|---|---|"));
}

#[test]
fn before_is_the_manager_as_it_is_now() {
    // A manager already in strong mode: the 10.0 agent lost it before the
    // switch, and the plan says so; without --manager, before is unknown.
    let strong = emulate("dsm-strong-10-11");
    let ten = emulate("dsa-10.0");
    let eleven = emulate("dsa-11");
    let dir = tempfile::tempdir().unwrap();
    let inv = csv(
        dir.path(),
        "agents.csv",
        "host,port,agent_version",
        &[
            // The inventory is wrong about this one: the scan wins, and says so.
            format!("127.0.0.1,{},11.0.0-211", port(&ten)),
            format!("127.0.0.1,{},", port(&eleven)),
        ],
    );
    let manager = format!("dsm://127.0.0.1:{}/", port(&strong));
    let run = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--manager",
        &manager,
        "--format",
        "json",
    ])
    .expect_code(1);
    let v = run.json();
    assert_eq!(v["manager"]["behaves_like"][0], "dsm-strong-10-11");
    let a = agent(&v, &format!("127.0.0.1:{}", port(&ten)));
    assert_eq!(
        legs(&a["before"]),
        [
            leg("agent-initiated", "fails", "probe"),
            leg("manager-initiated", "fails", "scanned_set")
        ]
    );
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("already fails before"),
        "{a:#}"
    );
    let b = agent(&v, &format!("127.0.0.1:{}", port(&eleven)));
    assert_eq!(b["before"][0]["status"], "works");

    // Offline with --manager: the manager is the one endpoint probed; the
    // agents are judged from their versions.
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--offline",
        "--manager",
        &manager,
        "--format",
        "json",
    ])
    .expect_code(3)
    .json();
    let a = agent(&v, &format!("127.0.0.1:{}", port(&ten)));
    assert_eq!(a["identified_by"], "agent_version");
    assert_eq!(
        a["candidates"],
        json!(["dsa-11", "dsa-fips"]),
        "the inventory's word, offline (11.0 may run in FIPS mode)"
    );
    assert_eq!(
        legs(&a["before"]),
        [
            leg("agent-initiated", "works", "probe"),
            leg("manager-initiated", "works", "scanned_set")
        ]
    );
    assert_eq!(
        legs(&a["after"])[1].2,
        "profiles",
        "the agent was not probed"
    );
    let b = agent(&v, &format!("127.0.0.1:{}", port(&eleven)));
    assert_eq!(b["loses_contact"], Value::Null, "no version, no probe");

    // No manager: the before column is unknown, and the notes say how to fill it.
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(1)
    .json();
    assert_eq!(v["manager"], Value::Null);
    let a = agent(&v, &format!("127.0.0.1:{}", port(&ten)));
    assert!(legs(&a["before"]).iter().all(|(_, s, _)| s == "unknown"));
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("give --manager TARGET")),
        "{v:#}"
    );
}

#[test]
fn a_saved_report_plans_like_a_scan() {
    let f = fleet();
    let dir = tempfile::tempdir().unwrap();
    let inv = f.inventory(dir.path(), false);
    let saved = dir.path().join("scan.json");
    // The agent-initiated agent listens on nothing, as it should: the scan
    // is complete without it.
    tlscompat(&[
        "scan",
        "-i",
        inv.to_str().unwrap(),
        "--timeout",
        "2s",
        "--format",
        "json",
        "-o",
        saved.to_str().unwrap(),
    ])
    .expect_code(0);
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "--from",
        saved.to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(1)
    .json();
    assert_valid(SchemaName::Plan, &v);
    assert_eq!(v["source"], "report");
    assert_eq!(v["manager"]["evidence"], "saved_scan");
    assert_eq!(v["summary"]["lose"], 2);
    assert_eq!(v["summary"]["unknown"], 0);
    let nine = agent(&v, &f.target("dsa-9.6"));
    // The saved scan checked each agent with the manager profiles,
    // dsm-strong-12 among them: its saved probe decides.
    assert_eq!(
        legs(&nine["after"]),
        [
            leg("agent-initiated", "fails", "profiles"),
            leg("manager-initiated", "fails", "saved_scan")
        ]
    );
    assert_eq!(
        legs(&nine["before"]),
        [
            leg("agent-initiated", "works", "saved_scan"),
            leg("manager-initiated", "works", "scanned_set")
        ]
    );
    // The directions the inventory gave were saved with the report.
    let eleven = agent(&v, &f.target("dsa-11"));
    assert_eq!(legs(&eleven["after"]).len(), 1);
    let groups: Vec<&Value> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["behaves_like"])
        .collect();
    assert_eq!(groups, [&json!("dsa-9.6"), &json!("dsa-10.0")]);
}

/// Issue 18, point 8: an offline plan of a large CSV inventory holds the
/// inventory's text, not its entries (about twelve times as much). Its
/// peak memory (GNU time's maximum resident size), less a one-agent plan's,
/// stays within three times the file's size; holding the entries took
/// about seventeen.
#[test]
fn a_large_inventory_is_planned_within_three_times_its_size() {
    let Some(time) = crate::common::tool("time", "time") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let versions = [
        "9.6.2-7723",
        "10.0.0-3761",
        "11.0.0-211",
        "12.0.0-481",
        "20.0.0-877",
    ];
    let rows = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("agent{i}.example,agent,{}", versions[i % 5]))
            .collect()
    };
    let header = "host,role,agent_version";
    let peak = |inventory: &Path| -> u64 {
        let out = std::process::Command::new(&time)
            .args(["-f", "peak %M"])
            .arg(env!("CARGO_BIN_EXE_tlscompat"))
            .args([
                "plan",
                "--to",
                "dsm-strong-12",
                "--offline",
                "--format",
                "json",
            ])
            .arg("-i")
            .arg(inventory)
            .args(["-o", "/dev/null"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let kb = stderr.lines().find_map(|l| l.strip_prefix("peak "));
        kb.and_then(|kb| kb.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no peak in {stderr}"))
            * 1024
    };
    let one = csv(dir.path(), "one.csv", header, &rows(1));
    let large = csv(dir.path(), "large.csv", header, &rows(30_000));
    let size = std::fs::metadata(&large).unwrap().len();
    let (base, peak) = (peak(&one), peak(&large));
    assert!(
        peak.saturating_sub(base) <= 3 * size,
        "a plan of {size} bytes of inventory peaked at {peak} bytes, {base} for one agent"
    );
}

#[test]
fn offline_from_agent_versions() {
    let dir = tempfile::tempdir().unwrap();
    let header = "host,port,role,agent_version";
    let fleet = csv(
        dir.path(),
        "fleet.csv",
        header,
        &[
            "10.0.0.1,,agent,9.6.2-7723".into(),
            "10.0.0.2,4118,agent,11.0.0-211".into(),
            "10.0.0.3,4118,agent,20.0.0-3445".into(),
            "10.0.0.4,4118,agent,9.6.2-7724".into(),
        ],
    );
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        fleet.to_str().unwrap(),
        "--offline",
        "--format",
        "json",
    ])
    .expect_code(1)
    .json();
    assert_valid(SchemaName::Plan, &v);
    assert_eq!(v["source"], "offline");
    let g = &v["groups"][0];
    assert_eq!(g["behaves_like"], "dsa-9.6");
    assert_eq!(g["agents"].as_array().unwrap().len(), 2);
    assert_eq!(g["upgrade_to"], "dsa-10.0-u16");
    let a = agent(&v, "10.0.0.1:4118");
    assert_eq!(a["identified_by"], "agent_version");
    assert_eq!(legs(&a["after"])[0].2, "profiles");
    assert!(v["steps"][0]["action"].as_str().unwrap().starts_with(
        "these 2 agents (Deep Security Agent 9.6): upgrade to Deep Security Agent 20"
    ));

    // 10.0 without its Update level: the candidates disagree (exit 3).
    let ten = csv(
        dir.path(),
        "ten.csv",
        header,
        &[
            "10.0.0.5,,agent,10.0.0-1234".into(),
            "10.0.0.6,,agent,20.0.0-1".into(),
        ],
    );
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        ten.to_str().unwrap(),
        "--offline",
        "--format",
        "json",
    ])
    .expect_code(3)
    .json();
    let a = agent(&v, "10.0.0.5:4118");
    assert_eq!(a["loses_contact"], Value::Null);
    assert_eq!(a["behaves_like"], Value::Null);
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("dsa-10.0 fails, dsa-10.0-u16 works, dsa-fips works"),
        "{a:#}"
    );
    assert_eq!(v["summary"]["status"], "incomplete");
    // A manager that accepts every candidate's suites: they agree (exit 0),
    // and --to takes a profile file.
    let legacy = testdata("profiles/dsm-legacy.yaml");
    let run = plan(&[
        "--to",
        legacy.to_str().unwrap(),
        "-i",
        ten.to_str().unwrap(),
        "--offline",
    ])
    .expect_code(0);
    assert!(
        run.stdout
            .contains("switch the manager to dsm-legacy (Deep Security Manager accepting"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("plan: every agent keeps contact"));
}

/// A profile's name is the user's text: in Markdown it cannot become HTML
/// or break a table.
#[test]
fn markdown_escapes_names_from_input() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = csv(
        dir.path(),
        "fleet.csv",
        "host,port,role,agent_version",
        &["10.0.0.1,,agent,9.6.2-7723".into()],
    );
    let legacy = std::fs::read_to_string(testdata("profiles/dsm-legacy.yaml")).unwrap();
    let hostile: String = legacy
        .lines()
        .map(|l| {
            if l.starts_with("name:") {
                "name: \"<script>alert(1)</script> | x\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let to = dir.path().join("to.yaml");
    std::fs::write(&to, hostile).unwrap();
    let run = plan(&[
        "--to",
        to.to_str().unwrap(),
        "-i",
        fleet.to_str().unwrap(),
        "--offline",
        "--format",
        "markdown",
    ])
    .expect_code(0);
    let md = &run.stdout;
    assert!(
        md.contains("\\<script\\>alert(1)\\</script\\> \\| x"),
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
}

#[test]
fn an_agent_that_cannot_be_judged_makes_the_plan_incomplete() {
    let eleven = emulate("dsa-11");
    let closed = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let inv = csv(
        dir.path(),
        "fleet.txt",
        "# agents",
        &[
            format!("127.0.0.1:{} agent", port(&eleven)),
            format!("127.0.0.1:{closed} agent"),
        ],
    );
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(3)
    .json();
    assert_eq!(v["summary"]["unknown"], 1);
    assert_eq!(v["summary"]["keep"], 1);
    // Every agent keeps contact: exit 0, one step.
    let only = csv(
        dir.path(),
        "one.txt",
        "# agents",
        &[format!("127.0.0.1:{} agent", port(&eleven))],
    );
    let v = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        only.to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    assert!(
        v["steps"][0]["action"]
            .as_str()
            .unwrap()
            .contains("every agent keeps contact")
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = csv(
        dir.path(),
        "fleet.csv",
        "host,port,role,agent_version",
        &["10.0.0.1,,agent,11.0.0-1".into()],
    );
    let f = fleet.to_str().unwrap();
    let run = plan(&["--to", "dsm-strong-1", "-i", f, "--offline"]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("unknown profile \"dsm-strong-1\"")
            && run.stderr.contains("dsm-strong-12"),
        "{}",
        run.stderr
    );
    let bad = csv(
        dir.path(),
        "bad.csv",
        "host,port,role,agent_version",
        &[
            "10.0.0.1,,agent,11.0.0-1".into(),
            "10.0.0.2,,agent,banana".into(),
        ],
    );
    let run = plan(&[
        "--to",
        "dsm-strong-12",
        "-i",
        bad.to_str().unwrap(),
        "--offline",
    ])
    .expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains(&format!("{}:3", bad.display()))
            && run.stderr.contains("cannot map agent version"),
        "{}",
        run.stderr
    );
    // No fleet, or two.
    assert_eq!(plan(&["--to", "dsm-strong-12"]).code, 2);
    let run = plan(&["--to", "dsm-strong-12", "-i", f, "--from", f]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A saved report that is not one.
    let run = plan(&["--to", "dsm-strong-12", "--from", f]).expect_code(2);
    assert_clean_error(&run);
    assert!(
        run.stderr.contains("not a tlscompat report"),
        "{}",
        run.stderr
    );
}

/// The ladder, the products and the version lines are in the profile
/// files: a directory of profiles adds a version line (agents 21.x) and a
/// rung above the shipped ones, and a plan to a TLS 1.3-only manager
/// upgrades every shipped agent to it, by its product name.
#[test]
fn a_profiles_dir_adds_a_rung_and_a_version_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dsa-21.yaml"),
        "id: dsa-21\nname: Deep Security Agent 21\nrole: agent\nversions: [tls1.2, tls1.3]\n\
         cipher_suites: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n\
         ladder: 5\nproduct: Deep Security Agent 21 (a test rung)\nagent_versions: [\"21\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dsm-13.yaml"),
        "id: dsm-13\nname: a TLS 1.3-only manager\nrole: manager\nversions: [tls1.3]\n\
         cipher_suites: [TLS_AES_256_GCM_SHA384]\n",
    )
    .unwrap();
    let inventory = csv(
        dir.path(),
        "fleet.csv",
        "host,role,agent_version",
        &[
            "old.example,agent,9.6.2-7723".into(),
            "new.example,agent,21.0.0-5".into(),
        ],
    );
    let d = dir.path().to_str().unwrap();
    let run = tlscompat(&[
        "plan",
        "--profiles-dir",
        d,
        "--to",
        "dsm-13",
        "-i",
        inventory.to_str().unwrap(),
        "--offline",
        "--format",
        "json",
    ]);
    let v = run.json();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let agent = |host: &str| {
        v["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["target"].as_str().unwrap().starts_with(host))
            .unwrap()
            .clone()
    };
    let new = agent("new.example");
    assert_eq!(new["behaves_like"], "dsa-21", "{new:#}");
    assert_eq!(new["loses_contact"], false, "{new:#}");
    let old = agent("old.example");
    assert_eq!(old["loses_contact"], true, "{old:#}");
    assert_eq!(old["upgrade_to"], "dsa-21", "{old:#}");
    assert!(
        old["upgrade"]
            .as_str()
            .unwrap()
            .contains("Deep Security Agent 21 (a test rung)"),
        "{old:#}"
    );
    // Without the directory, 21.x is no version line any profile claims.
    let run = tlscompat(&[
        "plan",
        "--to",
        "dsm-strong-12",
        "-i",
        inventory.to_str().unwrap(),
        "--offline",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("known versions: 9, 10, 11, 12, 20"),
        "{}",
        run.stderr
    );
}
