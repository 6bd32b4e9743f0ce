//! What `demo` prints: the live compatibility grid, the agreement with the
//! offline matrix, and one endpoint's full report.

use std::io::{self, Write};

use super::style;
use crate::demo::DemoOutcome;

/// The demo as text.
pub fn text(out: &mut dyn Write, d: &DemoOutcome, show: &str) -> io::Result<()> {
    let probes: u64 = d.endpoints.iter().map(|e| e.report.stats.probes).sum();
    let connections: u64 = d.endpoints.iter().map(|e| e.report.stats.connections).sum();
    writeln!(
        out,
        "{}",
        style::heading(&format!(
            "tlscompat demo: {} emulated endpoints on 127.0.0.1, each scanned with {} agent profiles",
            d.endpoints.len(),
            d.agents.len()
        ))
    )?;
    writeln!(
        out,
        "{}",
        style::dim(&format!(
            "{probes} probes over {connections} TCP connections in {} ms",
            d.elapsed.as_millis()
        ))
    )?;
    writeln!(out)?;
    let mut header = vec!["Emulated endpoint".to_string()];
    header.extend(d.agents.iter().cloned());
    let mut table = style::table(header);
    for e in &d.endpoints {
        let mut row = vec![format!("{} ({})\n{}", e.profile, e.role, e.report.target)];
        for agent in &d.agents {
            let cell = match e.report.profiles.iter().find(|p| &p.profile == agent) {
                Some(p) if p.compatible => {
                    // IANA names, as in every other report.
                    let a = p.negotiated.as_ref();
                    let suite = a.map(|a| a.cipher_suite.to_string()).unwrap_or_default();
                    format!(
                        "{} {}\n{suite}",
                        style::good("✓"),
                        a.map(|a| a.version.to_string()).unwrap_or_default()
                    )
                }
                Some(_) => style::bad("✗").to_string(),
                None => style::warn("?").to_string(),
            };
            row.push(cell);
        }
        table.add_row(row);
    }
    writeln!(out, "{table}")?;
    let disagreements = d.disagreements();
    let pairs: usize = d.endpoints.iter().map(|e| e.report.profiles.len()).sum();
    if disagreements.is_empty() {
        writeln!(
            out,
            "{}",
            style::good(&format!(
                "The live scans agree with the offline matrix on all {pairs} pairs."
            ))
        )?;
    } else {
        writeln!(
            out,
            "{}",
            style::bad("The live scans disagree with the offline matrix:")
        )?;
        for line in &disagreements {
            writeln!(out, "  {line}")?;
        }
    }
    if let Some(e) = d.endpoints.iter().find(|e| e.profile == show) {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style::heading(&format!("Full report for the emulated {}:", e.profile))
        )?;
        super::scan::target_text(out, &e.report)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Try it on a real endpoint: tlscompat scan dsm.example.com:4120"
    )?;
    Ok(())
}
