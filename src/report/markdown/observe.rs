//! The `observe` report in Markdown: one table row per client, then what
//! could not be read. Every cell is escaped as every Markdown report does.

use std::io::{self, Write};

use crate::observe::ObserveReport;
use crate::report::View;
use crate::report::layout::{md_cell, md_table};
use crate::report::text::observe::{answers, notes};

/// The Markdown report: one table row per client.
pub fn markdown(out: &mut dyn Write, doc: &ObserveReport) -> io::Result<()> {
    writeln!(out, "# Observed TLS clients\n")?;
    let files = doc
        .captures
        .iter()
        .map(|f| format!("`{}`", f.replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "{} from {} packets in {}.\n",
        md_cell(&format!("{} client rows", doc.clients.len())),
        doc.counts.frames,
        md_cell(&files)
    )?;
    let view = View::default();
    let rows: Vec<Vec<String>> = doc
        .clients
        .iter()
        .map(|c| {
            vec![
                c.client.clone(),
                c.host.clone().unwrap_or_default(),
                c.server.clone(),
                c.connections.to_string(),
                if c.behaves_like.is_empty() {
                    c.closest
                        .as_ref()
                        .map(|cl| {
                            format!(
                                "none (closest {}: {} more suites, {} fewer{})",
                                cl.profile,
                                cl.extra_suites.len(),
                                cl.missing_suites.len(),
                                if cl.offered_versions.is_some() {
                                    ", other versions"
                                } else {
                                    ""
                                }
                            )
                        })
                        .unwrap_or_else(|| "none".to_string())
                } else {
                    c.behaves_like.join(", ")
                },
                c.offer.versions.join(", "),
                answers(c, &view),
                c.ja4.clone(),
                c.first_seen.clone(),
                c.last_seen.clone(),
            ]
        })
        .collect();
    out.write_all(
        md_table(
            &[
                "Client",
                "Host",
                "Server",
                "Connections",
                "Behaves like",
                "Versions",
                "Negotiated",
                "JA4",
                "First seen",
                "Last seen",
            ],
            &rows,
        )
        .as_bytes(),
    )?;
    let notes = notes(&doc.counts);
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "- {}", md_cell(&n))?;
        }
    }
    Ok(())
}
