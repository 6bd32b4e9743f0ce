//! `--format html` rendered in a real browser (headless Chromium): what a
//! person would see. A certificate whose subject is markup, served by
//! `openssl s_server`, must show as text, never as an element or a script;
//! the summary, the grid and the filter script must be there after load.
//!
//! Without Chromium the tests are skipped with a note, unless
//! `TLSCOMPAT_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes a missing
//! browser a failure. Screenshots are kept under `target/html-report/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::tlscompat;
use crate::servers::{SServer, emulate};

/// Markup in a subject: an image with an onerror handler in the CN, a
/// script in the O (a CN holds at most 64 characters).
const HOSTILE_CN: &str = r#"<img src=x onerror="document.title='pwned'">"#;
const HOSTILE_O: &str = "<script>document.title='pwned'</script>";

/// The browser, or `None` (with a note) when it is missing and not required.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| crate::common::on_path(name));
    if found.is_none() {
        assert!(
            std::env::var("TLSCOMPAT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "TLSCOMPAT_REQUIRE_BROWSER=1 but no chromium on PATH (Debian package chromium)"
        );
        eprintln!("note: chromium not found; skipping the browser test");
    }
    found
}

/// Where the screenshots go: `target/html-report/`.
fn artifacts() -> PathBuf {
    // CARGO_BIN_EXE_tlscompat is target/<profile>/tlscompat.
    let exe = Path::new(env!("CARGO_BIN_EXE_tlscompat"));
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
        .join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `page` with `args`; returns its stdout. A
/// fresh profile directory per run, no network, no background services.
fn headless(browser: &Path, page: &Path, fragment: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!(
        "file://{}{fragment}",
        page.canonicalize().unwrap().display()
    );
    let out_file = profile.path().join("stdout");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A guard against a hung browser, not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish rendering {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed on {url}: {status}");
    std::fs::read_to_string(out_file).unwrap()
}

/// The DOM after the page's script ran.
fn dump_dom(browser: &Path, page: &Path, fragment: &str) -> String {
    headless(browser, page, fragment, &["--dump-dom"])
}

/// A screenshot kept as a test artifact; checks that it is a PNG.
/// `size` is `W,H`: tall enough for what should be seen without scrolling.
fn screenshot(browser: &Path, page: &Path, fragment: &str, name: &str, size: &str) -> PathBuf {
    let png = artifacts().join(name);
    let _ = std::fs::remove_file(&png);
    let arg = format!("--screenshot={}", png.display());
    let size = format!("--window-size={size}");
    headless(browser, page, fragment, &[&arg, &size]);
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", png.display());
    png
}

/// The text of the element with `id` (its first child text).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let open = format!("id=\"{id}\"");
    let at = dom
        .find(&open)
        .unwrap_or_else(|| panic!("no #{id}:\n{dom}"));
    let rest = &dom[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    &rest[start..start + end]
}

/// The `data-key` of every `element` (`<tr `, `<details `) the script hid.
fn hidden(dom: &str, element: &str) -> Vec<String> {
    dom.match_indices(element)
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').unwrap()])
        .filter(|tag| tag.contains(" hidden=\"\""))
        .filter_map(|tag| {
            let at = tag.find("data-key=\"")? + "data-key=\"".len();
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        })
        .collect()
}

/// The page's own checks: its script ran, its style applied, the title is
/// its own, and it has exactly one script element.
#[track_caller]
fn assert_page_intact(dom: &str, title: &str) {
    assert!(
        dom.contains("data-js=\"ready\""),
        "script did not run:\n{dom}"
    );
    assert!(
        dom.contains("data-css=\"applied\""),
        "style blocked:\n{dom}"
    );
    assert!(dom.contains(&format!("<title>{title}</title>")), "{dom}");
    assert!(!dom.contains("pwned</title>"), "{dom}");
    assert_eq!(dom.matches("<script").count(), 1, "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    // The controls were shown by the script.
    assert!(
        !dom.contains("id=\"controls\" class=\"controls\" hidden"),
        "{dom}"
    );
}

#[test]
fn hostile_certificate_subject_renders_as_text() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("hostile.key");
    let cert = dir.path().join("hostile.pem");
    let subj = format!("/CN={HOSTILE_CN}/O={}", HOSTILE_O.replace('/', "\\/"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", &subj])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the `openssl` command (Debian package openssl) is needed");
    assert!(made.success(), "openssl req failed");
    let srv = SServer::start(&[
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ]);
    // A label from the inventory is input too.
    let inventory = dir.path().join("inventory.csv");
    std::fs::write(
        &inventory,
        format!(
            "host,port,role,labels\n127.0.0.1,{},manager,<b>bold</b>;prod\n",
            srv.addr.port()
        ),
    )
    .unwrap();
    let report = dir.path().join("report.html");
    let run = tlscompat(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-p",
        "dsa-10.0",
        "-p",
        "dsa-11",
        "--timeout",
        "2s",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    // Linked from the grid: the endpoint's details unfold, showing the
    // certificate.
    let dom = dump_dom(&browser, &report, "#row-0");
    assert_page_intact(&dom, "tlscompat scan");
    assert!(
        dom.contains("<details id=\"row-0\" data-key=\"row-0\" class=\"item\" open=\"\">"),
        "{dom}"
    );
    // The subject, as text a person reads: escaped in the serialized DOM.
    assert!(
        dom.contains(r#"CN=&lt;img src=x onerror="document.title='pwned'"&gt;"#),
        "{dom}"
    );
    assert!(
        dom.contains("O=&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "{dom}"
    );
    assert!(dom.contains("&lt;b&gt;bold&lt;/b&gt;"), "{dom}");
    assert!(!dom.contains("<b>"), "{dom}");
    // The summary: one endpoint, one losing dsa-10.0, policy passed.
    assert!(
        dom.contains("<span class=\"value\">1</span><span class=\"label\">endpoints</span>"),
        "{dom}"
    );
    assert!(
        dom.contains(
            "<span class=\"value\">1</span><span class=\"label\">lose contact with some profile</span>"
        ),
        "{dom}"
    );
    assert!(dom.contains("incompatible with dsa-10.0"), "{dom}");
    // The grid: dsa-10.0 incompatible, dsa-11 compatible with its suite.
    let row = &dom[dom.find("<tr data-key=\"row-0\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let words: Vec<&str> = row
        .match_indices("<span class=\"word\">")
        .map(|(i, m)| {
            let s = &row[i + m.len()..];
            &s[..s.find('<').unwrap()]
        })
        .collect();
    assert_eq!(words, ["incompatible", "compatible"], "{row}");
    assert!(
        row.contains("ECDHE_<wbr>RSA_<wbr>WITH_<wbr>AES_<wbr>256_<wbr>GCM_<wbr>SHA384"),
        "{row}"
    );
    // The filter script counted the rows.
    assert_eq!(text_of(&dom, "shown"), "showing 1 of 1");

    let png = screenshot(&browser, &report, "#row-0", "hostile.png", "1280,1700");
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn fleet_report_from_stdout_has_a_row_per_endpoint() {
    let Some(browser) = chromium() else { return };
    let servers = [
        emulate("dsm-strong-12"),
        emulate("dsa-9.6"),
        emulate("dsa-10.0"),
    ];
    let mut args: Vec<String> = ["scan", "--format", "html", "--timeout", "2s"]
        .map(String::from)
        .to_vec();
    args.extend(servers.iter().map(|s| s.local_addr().to_string()));
    // A closed port: an endpoint that cannot be scanned.
    let closed = crate::plan::closed_port();
    let closed_addr = format!("127.0.0.1:{closed}");
    args.extend(["--retries".into(), "0".into(), closed_addr.clone()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = tlscompat(&args).expect_code(3);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("fleet.html");
    std::fs::write(&report, &run.stdout).unwrap();

    let dom = dump_dom(&browser, &report, "");
    assert_page_intact(&dom, "tlscompat scan");
    assert!(!dom.contains(" open=\"\""), "{dom}");
    assert!(
        dom.contains("<span class=\"value\">4</span><span class=\"label\">endpoints</span>"),
        "{dom}"
    );
    assert!(
        dom.contains(
            "<span class=\"value\">1</span><span class=\"label\">could not be scanned</span>"
        ),
        "{dom}"
    );
    assert!(
        dom.contains("<span class=\"value\">3</span><span class=\"label\">lose contact with some profile</span>"),
        "{dom}"
    );
    assert_eq!(text_of(&dom, "shown"), "showing 4 of 4");
    assert_eq!(dom.matches("<tr data-key=").count(), 4, "{dom}");
    assert_eq!(dom.matches("<details ").count(), 4, "{dom}");
    assert!(dom.contains("could not be scanned"), "{dom}");
    assert!(dom.contains(&closed_addr), "{dom}");
    screenshot(&browser, &report, "", "fleet.png", "1280,900");

    // Filtered and sorted (as a link can ask): the endpoint that could not
    // be scanned alone, then every endpoint worst first.
    let dom = dump_dom(&browser, &report, "?verdict=could+not+be+scanned");
    assert_eq!(text_of(&dom, "shown"), "showing 1 of 4");
    assert_eq!(dom.matches("<tr data-key=").count(), 4, "{dom}");
    assert_eq!(hidden(&dom, "<tr "), ["row-0", "row-1", "row-2"], "{dom}");
    assert_eq!(
        hidden(&dom, "<details "),
        ["row-0", "row-1", "row-2"],
        "{dom}"
    );
    let dom = dump_dom(&browser, &report, "?sort=verdict");
    assert_eq!(text_of(&dom, "shown"), "showing 4 of 4");
    let first = dom.find("<tr data-key=").unwrap();
    assert!(dom[first..].starts_with("<tr data-key=\"row-3\""), "{dom}");
}

#[test]
fn matrix_report_shows_every_pair() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("matrix.html");
    tlscompat(&[
        "matrix",
        "--server",
        "dsm-strong-12",
        "--client",
        "dsa-9.6",
        "--client",
        "dsa-11",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ])
    .expect_code(0);
    let dom = dump_dom(&browser, &report, "");
    assert_page_intact(&dom, "tlscompat matrix");
    assert_eq!(text_of(&dom, "shown"), "showing 1 of 1");
    assert_eq!(dom.matches("class=\"cell good\"").count(), 1, "{dom}");
    assert_eq!(dom.matches("class=\"cell bad\"").count(), 1, "{dom}");
    assert!(dom.contains("lost by dsa-9.6"), "{dom}");
    screenshot(&browser, &report, "", "matrix.png", "1280,900");
}

/// The rows (`<tr data-key=…>`) inside the table with `id`.
fn table_rows<'a>(dom: &'a str, id: &str) -> Vec<&'a str> {
    let at = dom
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table #{id}:\n{dom}"));
    let table = &dom[at..at + dom[at..].find("</table>").unwrap()];
    table
        .match_indices("<tr data-key=")
        .map(|(i, _)| &table[i..i + table[i..].find("</tr>").unwrap()])
        .collect()
}

/// The cells' verdict words of a row, in order.
fn words(row: &str) -> Vec<&str> {
    row.match_indices("<span class=\"word\">")
        .map(|(i, m)| {
            let s = &row[i + m.len()..];
            &s[..s.find('<').unwrap()]
        })
        .collect()
}

#[test]
fn matrix_by_direction_has_a_grid_per_direction() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("directions.html");
    tlscompat(&["matrix", "--format", "html", "-o", report.to_str().unwrap()]).expect_code(0);
    let dom = dump_dom(&browser, &report, "");
    assert_page_intact(&dom, "tlscompat matrix");
    // Agent-initiated: the 2 managers × the 5 agent clients; then
    // manager-initiated: the 5 agents × the 2 manager clients.
    assert!(dom.contains("<h2>Agent-initiated"), "{dom}");
    assert!(dom.contains("<h2>Manager-initiated"), "{dom}");
    let agent_initiated = table_rows(&dom, "grid");
    let manager_initiated = table_rows(&dom, "grid-1");
    assert_eq!(agent_initiated.len(), 2, "{dom}");
    assert_eq!(manager_initiated.len(), 5, "{dom}");
    for row in &agent_initiated {
        assert!(row.contains(">dsm-"), "{row}");
        assert_eq!(words(row).len(), 5, "{row}");
    }
    for row in &manager_initiated {
        assert!(row.contains(">dsa-"), "{row}");
        assert_eq!(words(row).len(), 2, "{row}");
    }
    // Every cell is a pair: none is empty, none pairs a manager with a
    // manager.
    let all: Vec<&str> = agent_initiated
        .iter()
        .chain(&manager_initiated)
        .flat_map(|r| words(r))
        .collect();
    assert_eq!(all.len(), 20);
    assert!(
        all.iter()
            .all(|w| *w == "compatible" || *w == "incompatible"),
        "{all:?}"
    );
    assert!(!dom.contains("not checked"), "{dom}");
    assert!(!dom.contains("class=\"cell neutral\""), "{dom}");
    // The strong 12.x manager as the client of a 10.0 agent's 4118.
    let dsa10 = manager_initiated
        .iter()
        .find(|r| r.contains(">dsa-10.0</a>"))
        .unwrap();
    assert!(
        dsa10.contains("title=\"dsm-strong-12 against dsa-10.0: incompatible\""),
        "{dsa10}"
    );
    assert_eq!(text_of(&dom, "shown"), "showing 7 of 7");
    // One set of controls filters both grids.
    let dom = dump_dom(&browser, &report, "?direction=manager-initiated");
    assert_eq!(text_of(&dom, "shown"), "showing 5 of 7");
    assert_eq!(hidden(&dom, "<tr "), ["row-0", "row-1"], "{dom}");
    screenshot(&browser, &report, "", "matrix-directions.png", "1280,1100");
}

/// The text of each `<li>` of the numbered steps, as serialized.
fn steps(dom: &str) -> Vec<&str> {
    let at = dom
        .find("<ol class=\"steps\">")
        .unwrap_or_else(|| panic!("no steps:\n{dom}"));
    let ol = &dom[at..at + dom[at..].find("</ol>").unwrap()];
    ol.match_indices("<span class=\"action\">")
        .map(|(i, m)| {
            let s = &ol[i + m.len()..];
            &s[..s.find('<').unwrap()]
        })
        .collect()
}

/// Text as the serialized DOM writes it (`'` and `"` stay as they are).
fn as_dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn plan_report_of_emulated_agents() {
    let Some(browser) = chromium() else { return };
    let f = crate::plan::fleet();
    let dir = tempfile::tempdir().unwrap();
    // The plan test's fleet, with labels; one is markup.
    let inventory = dir.path().join("fleet.csv");
    let rows = [
        format!(
            "127.0.0.1,{},agent,9.6.2-7723,,{HOSTILE_O};wave 1",
            f.port_of("dsa-9.6")
        ),
        format!(
            "127.0.0.1,{},agent,10.0.0-1234,,wave 1",
            f.port_of("dsa-10.0")
        ),
        format!(
            "127.0.0.1,{},agent,10.0.0-3445,,<b>wave 2</b>",
            f.port_of("dsa-10.0-u16")
        ),
        format!(
            "127.0.0.1,{},agent,20.0.0-3445,agent-initiated,",
            f.port_of("dsa-11")
        ),
        format!(
            "127.0.0.1,{},agent,,manager-initiated,",
            f.port_of("dsa-fips")
        ),
        format!("127.0.0.1,{},manager,,,dsm", f.manager),
        format!(
            "127.0.0.1,{},agent,11.0.0-211,agent-initiated,",
            f.dead_versioned
        ),
        format!("127.0.0.1,{},agent,,,", f.dead_unknown),
    ];
    std::fs::write(
        &inventory,
        format!(
            "host,port,role,agent_version,direction,labels\n{}\n",
            rows.join("\n")
        ),
    )
    .unwrap();
    let report = dir.path().join("plan.html");
    let args = |format: &'static str| {
        vec![
            "plan".to_string(),
            "--to".into(),
            "dsm-strong-12".into(),
            "-i".into(),
            inventory.to_str().unwrap().into(),
            "--timeout".into(),
            "2s".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let mut html_args = args("html");
    html_args.extend(["-o".into(), report.to_str().unwrap().into()]);
    let run = tlscompat(&html_args.iter().map(String::as_str).collect::<Vec<_>>()).expect_code(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // The same plan as JSON, for the steps' wording.
    let json = tlscompat(&args("json").iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(1)
        .json();

    let dom = dump_dom(&browser, &report, "");
    assert_page_intact(&dom, "tlscompat plan");
    // The counts: 7 agents; 9.6 and 10.0 lose contact, the one that
    // cannot be reached and has no version cannot be judged.
    for (value, label) in [
        ("7", "agents"),
        ("4", "keep contact"),
        ("2", "lose contact"),
        ("1", "cannot be judged"),
        ("dsm-strong-12", "switch the manager to"),
        ("failed", "plan"),
    ] {
        assert!(
            dom.contains(&format!(
                "<span class=\"value\">{value}</span><span class=\"label\">{label}</span>"
            )),
            "{label}:\n{dom}"
        );
    }
    assert!(
        dom.contains(&format!("127.0.0.1:{} as it is now", f.manager)),
        "the before column's source:\n{dom}"
    );
    // The steps, numbered, as the plan has them: upgrades, then the switch.
    let want: Vec<String> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| as_dom_text(s["action"].as_str().unwrap()))
        .collect();
    assert_eq!(steps(&dom), want, "{dom}");
    assert_eq!(want.len(), 4, "{want:?}");
    assert!(
        want[0]
            .starts_with("this agent (Deep Security Agent 9.6): upgrade to Deep Security Agent 20"),
        "{want:?}"
    );
    assert!(
        want[1].starts_with(
            "this agent (Deep Security Agent 10.0 (before Update 16)): upgrade to Deep Security Agent 20"
        ),
        "{want:?}"
    );
    assert!(want[3].starts_with("then switch the manager to dsm-strong-12"));
    // The grid: each leg before and after in words, then the verdict and
    // the upgrade.
    let grid = table_rows(&dom, "grid");
    assert_eq!(grid.len(), 7, "{dom}");
    let row_of = |port: u16| {
        let name = format!(">127.0.0.1:{port}</a>");
        *grid
            .iter()
            .find(|r| r.contains(&name))
            .unwrap_or_else(|| panic!("no row for {port}:\n{dom}"))
    };
    assert_eq!(
        words(row_of(f.port_of("dsa-9.6"))),
        [
            "works",
            "fails",
            "works",
            "fails",
            "loses contact",
            // The newest line that keeps it (the smallest, dsa-10.0-u16,
            // is its detail).
            "dsa-11"
        ]
    );
    assert_eq!(
        words(row_of(f.port_of("dsa-11"))),
        [
            "works",
            "works",
            "not used",
            "not used",
            "keeps contact",
            "none needed"
        ]
    );
    assert_eq!(
        words(row_of(f.dead_unknown))[4..],
        ["cannot tell", "unknown"]
    );
    // The label is text: in the grid, the label filter and the details.
    let hostile = as_dom_text(HOSTILE_O);
    assert!(
        row_of(f.port_of("dsa-9.6")).contains(&format!("<span class=\"tag\">{hostile}</span>")),
        "{dom}"
    );
    assert!(
        dom.contains(&format!("<option value=\"{hostile}\">")),
        "{dom}"
    );
    assert!(dom.contains("&lt;b&gt;wave 2&lt;/b&gt;"), "{dom}");
    assert!(!dom.contains("<b>"), "{dom}");
    assert_eq!(dom.matches("<details ").count(), 7, "{dom}");
    // The script ran: it counted the rows, and filters them as a link asks.
    assert_eq!(text_of(&dom, "shown"), "showing 7 of 7");
    let dom = dump_dom(&browser, &report, "?verdict=loses+contact");
    assert_eq!(text_of(&dom, "shown"), "showing 2 of 7");
    let dom = dump_dom(&browser, &report, "?label=wave+1");
    assert_eq!(text_of(&dom, "shown"), "showing 2 of 7");
    let dom = dump_dom(&browser, &report, "?direction=agent-initiated");
    assert_eq!(text_of(&dom, "shown"), "showing 2 of 7");
    screenshot(&browser, &report, "", "plan.png", "1280,1500");
}
