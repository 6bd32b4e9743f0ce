//! What `demo` prints: the live compatibility grid (one short cell per
//! endpoint and agent, suites by letter with a legend, so that it fits 80
//! columns; a block per endpoint when even that is too wide), the agreement
//! with the offline matrix, and one endpoint's full report. Text only:
//! `demo` is for a person watching it.

use std::io::{self, Write};

use crate::demo::{DemoEndpoint, DemoOutcome};
use crate::model::suites::CipherSuiteId;
use crate::report::layout::{Cell, Grid, Paint, Row, width, wrap};
use crate::report::{View, layout, style};
use crate::results::{ProfileReport, Verdict};

/// The demo as text, laid out for the view's width.
pub fn text(out: &mut dyn Write, d: &DemoOutcome, show: &str, view: &View) -> io::Result<()> {
    let max = view.width;
    let probes: u64 = d.endpoints.iter().map(|e| e.report.stats.probes).sum();
    let connections: u64 = d.endpoints.iter().map(|e| e.report.stats.connections).sum();
    let title = format!(
        "tlscompat demo: {} emulated endpoints on 127.0.0.1, each scanned with {} agent profiles",
        d.endpoints.len(),
        d.agents.len()
    );
    for line in wrap(&title, max, "", "  ") {
        writeln!(out, "{}", style::heading(&line))?;
    }
    let cost = format!(
        "{probes} probes over {connections} TCP connections in {} ms",
        d.elapsed.as_millis()
    );
    for line in wrap(&cost, max, "", "  ") {
        writeln!(out, "{}", style::dim(&line))?;
    }
    writeln!(out)?;
    let (grid, legend) = letter_grid(d, view);
    let lines = grid.render(usize::MAX);
    if lines.iter().all(|l| width(&layout::plain(l)) <= max) {
        for line in lines {
            writeln!(out, "{line}")?;
        }
        for line in wrap(
            "✓ compatible (TLS version, cipher suite below); ✗ incompatible; ? inconclusive",
            max,
            "",
            "  ",
        ) {
            writeln!(out, "{}", style::dim(&line))?;
        }
        for (letter, suite) in legend {
            let hang = " ".repeat(letter.len() + 2);
            for line in wrap(&suite, max, &format!("{letter}  "), &hang) {
                writeln!(out, "{line}")?;
            }
        }
    } else {
        for line in block_grid(d, view).render(max) {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out)?;
    let disagreements = d.disagreements();
    let pairs: usize = d.endpoints.iter().map(|e| e.report.profiles.len()).sum();
    if disagreements.is_empty() {
        let line = format!("The live scans agree with the offline matrix on all {pairs} pairs.");
        for line in wrap(&line, max, "", "  ") {
            writeln!(out, "{}", style::good(&line))?;
        }
    } else {
        writeln!(
            out,
            "{}",
            style::bad("The live scans disagree with the offline matrix:")
        )?;
        for line in &disagreements {
            for line in wrap(&view.text(line), max, "  ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
    }
    if let Some(e) = d.endpoints.iter().find(|e| e.profile == show) {
        writeln!(out)?;
        let heading = format!("Full report for the emulated {}:", e.profile);
        for line in wrap(&heading, max, "", "  ") {
            writeln!(out, "{}", style::heading(&line))?;
        }
        super::scan::target_text(out, &e.report, view)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Try it on a real endpoint: tlscompat scan dsm.example.com:4120"
    )?;
    Ok(())
}

fn profile_of<'a>(e: &'a DemoEndpoint, agent: &str) -> Option<&'a ProfileReport> {
    e.report.profiles.iter().find(|p| p.profile == agent)
}

/// `A`…`Z`, then `S27`, `S28`…
fn letter(i: usize) -> String {
    match u8::try_from(i) {
        Ok(n) if n < 26 => char::from(b'A' + n).to_string(),
        _ => format!("S{}", i + 1),
    }
}

/// The endpoint × agent grid with short cells (`✓ 1.2 A`), and the legend
/// of the letters: each suite named the view's way.
fn letter_grid(d: &DemoOutcome, view: &View) -> (Grid, Vec<(String, String)>) {
    let mut suites: Vec<CipherSuiteId> = Vec::new();
    let mut headers = vec!["Endpoint".to_string()];
    headers.extend(d.agents.iter().cloned());
    let mut grid = Grid::new(0, headers);
    for e in &d.endpoints {
        let mut cells = vec![Cell::from(format!("{} ({})", e.profile, e.role))];
        for agent in &d.agents {
            let cell = match profile_of(e, agent) {
                Some(p) if p.verdict == Verdict::Compatible => match &p.negotiated {
                    Some(a) => {
                        let i = suites
                            .iter()
                            .position(|s| *s == a.cipher_suite)
                            .unwrap_or_else(|| {
                                suites.push(a.cipher_suite);
                                suites.len() - 1
                            });
                        let version = a.version.to_string();
                        let short = version.strip_prefix("tls").unwrap_or(&version);
                        Cell::new(format!("✓ {short} {}", letter(i)), Paint::Good)
                    }
                    None => Cell::new("✓", Paint::Good),
                },
                Some(p) if p.verdict == Verdict::Incompatible => Cell::new("✗", Paint::Bad),
                _ => Cell::new("?", Paint::Warn),
            };
            cells.push(cell);
        }
        grid.push(Row::new(cells));
    }
    let legend = suites
        .iter()
        .enumerate()
        .map(|(i, s)| (letter(i), view.suite(*s)))
        .collect();
    (grid, legend)
}

/// A block per endpoint, a line per agent, the reason underneath: for
/// widths the letter grid does not fit.
fn block_grid(d: &DemoOutcome, view: &View) -> Grid {
    let mut grid = Grid::new(2, vec!["Agent", "Result", "Version", "Cipher suite"])
        .without_header()
        .notes_header("Reason");
    for e in &d.endpoints {
        grid.push(Row::section(Cell::new(
            format!("{} ({})", e.profile, e.role),
            Paint::Heading,
        )));
        for agent in &d.agents {
            let Some(p) = profile_of(e, agent) else {
                continue;
            };
            let result = super::scan::verdict_cell(p);
            let (version, suite) = match &p.negotiated {
                Some(a) => (a.version.to_string(), view.suite(a.cipher_suite)),
                None => (String::new(), String::new()),
            };
            let mut row = Row::new(vec![
                p.profile.as_str().into(),
                result,
                version.into(),
                suite.into(),
            ]);
            if let Some(reason) = &p.reason {
                row = row.note(view.text(reason));
            }
            grid.push(row);
        }
    }
    grid
}
