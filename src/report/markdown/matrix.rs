//! The compatibility matrix as Markdown tables (GitHub and GitLab), one per
//! direction when built by direction, then how it decided and a line per
//! server.

use std::io::{self, Write};

use crate::offline::matrix::Matrix;
use crate::report::layout::{md_cell, md_table};
use crate::report::text::matrix::{cells, groups, how_decided, summary};
use crate::report::{View, escape};

/// The matrix as a Markdown table (GitHub and GitLab), one per direction
/// under its heading when built by direction, then how it decided and a
/// line per server.
pub fn markdown(out: &mut dyn Write, m: &Matrix, view: &View) -> io::Result<()> {
    for (title, pairs) in groups(m) {
        if let Some(title) = title {
            writeln!(out, "## {}\n", md_escape(title))?;
        }
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|p| {
                let result = if p.negotiation.result.is_ok() {
                    "✅ compatible"
                } else {
                    "❌ incompatible"
                };
                let [version, suite, reason] = cells(p, view);
                let suite = if suite.is_empty() {
                    suite
                } else {
                    escape::md_code(&suite)
                };
                vec![
                    md_cell(&p.server),
                    md_cell(&p.client),
                    result.to_string(),
                    md_cell(&version),
                    suite,
                    md_cell(&reason),
                ]
            })
            .collect();
        out.write_all(
            md_table(
                &[
                    "Server",
                    "Client",
                    "Result",
                    "Version",
                    "Cipher suite",
                    "Reason",
                ],
                &rows,
            )
            .as_bytes(),
        )?;
        writeln!(out)?;
    }
    writeln!(out, "{}", how_decided(m.preference))?;
    writeln!(out)?;
    for (server, ok, lost) in summary(m) {
        let total = ok.len() + lost.len();
        let lost = if lost.is_empty() {
            "none".to_string()
        } else {
            lost.join(", ")
        };
        writeln!(
            out,
            "- **{}**: {} of {total} clients compatible; incompatible: {}",
            md_escape(server),
            ok.len(),
            md_escape(&lost)
        )?;
    }
    Ok(())
}

/// Data outside a table, escaped (see `escape::markdown`).
fn md_escape(s: &str) -> String {
    escape::markdown(s)
}
