//! The compatibility matrix as text: a block per server, laid out for the
//! terminal's width, then how it decided and a line per server. The
//! grouping and the per-server summary are shared with the Markdown
//! printer.

use std::io::{self, Write};

use crate::model::negotiate::Preference;
use crate::offline::matrix::{Matrix, Pair};
use crate::report::layout::{Cell, Grid, Paint, Row, wrap};
use crate::report::{View, style};
use crate::results::Leg;

/// Version, suite (named the view's way) and reason cells.
pub(crate) fn cells(p: &Pair, view: &View) -> [String; 3] {
    match &p.negotiation.result {
        Ok(a) => [
            a.version.to_string(),
            view.suite(a.cipher_suite),
            String::new(),
        ],
        Err(e) => [String::new(), String::new(), view.text(&e.to_string())],
    }
}

/// Per server: which clients reach it and which do not.
pub(crate) fn summary(m: &Matrix) -> Vec<(&str, Vec<&str>, Vec<&str>)> {
    m.servers()
        .into_iter()
        .map(|server| {
            let (ok, lost): (Vec<&Pair>, Vec<&Pair>) = m
                .pairs
                .iter()
                .filter(|p| p.server == server)
                .partition(|p| p.negotiation.result.is_ok());
            (server, client_ids(ok), client_ids(lost))
        })
        .collect()
}

/// How the matrix decided, in one sentence: whose suite order was used.
pub(crate) fn how_decided(preference: Preference) -> String {
    let order = match preference {
        Preference::Server => "server's",
        Preference::Client => "client's",
    };
    format!("Suites chosen in the {order} order; the newest common version wins.")
}

fn client_ids(pairs: Vec<&Pair>) -> Vec<&str> {
    pairs.into_iter().map(|p| p.client.as_str()).collect()
}

/// The pairs in printing order, each group under its heading: one group
/// per direction when the matrix was built by direction, else one group.
pub(crate) fn groups(m: &Matrix) -> Vec<(Option<&'static str>, Vec<&Pair>)> {
    if m.directions.is_empty() {
        return vec![(None, m.pairs.iter().collect())];
    }
    m.directions
        .iter()
        .map(|leg| {
            let title = match leg {
                Leg::AgentInitiated => {
                    "agent-initiated: agents (clients) → managers (servers, 4120)"
                }
                Leg::ManagerInitiated => {
                    "manager-initiated: managers (clients) → agents (servers, 4118)"
                }
            };
            (Some(title), m.pairs_of(*leg).collect())
        })
        .collect()
}

/// Per server: how many clients are compatible, and which are not.
fn summary_text(out: &mut dyn Write, m: &Matrix, width: usize) -> io::Result<()> {
    for (server, ok, lost) in summary(m) {
        let lost_text = if lost.is_empty() {
            "none".to_string()
        } else {
            lost.join(", ")
        };
        let head = format!("{server}:");
        let line = format!(
            "{head} {} of {} clients compatible; incompatible: {lost_text}",
            ok.len(),
            ok.len() + lost.len(),
        );
        let mut lines = wrap(&line, width, "", "  ");
        // The heading and the lost clients painted, once the words are placed.
        if let Some(first) = lines.first_mut() {
            if let Some(rest) = first.strip_prefix(&head) {
                *first = format!("{}{rest}", style::heading(&head));
            }
        }
        if let Some(last) = lines.last_mut() {
            if let Some(start) = last.strip_suffix(&lost_text) {
                let paint = if lost.is_empty() {
                    Paint::Good
                } else {
                    Paint::Bad
                };
                *last = format!("{start}{}", paint.apply(&lost_text));
            }
        }
        for line in lines {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Per server a block: a line per client (verdict, version, suite) with
/// the reason underneath, laid out for the view's width (under a heading per
/// direction when the matrix was built by direction); then how the matrix
/// decided and a line per server.
pub fn text(out: &mut dyn Write, m: &Matrix, view: &View) -> io::Result<()> {
    for (title, pairs) in groups(m) {
        if let Some(title) = title {
            for line in wrap(title, view.width, "", "  ") {
                writeln!(out, "{}", style::heading(&line))?;
            }
        }
        let mut grid = Grid::new(2, vec!["Client", "Result", "Version", "Cipher suite"])
            .without_header()
            .notes_header("Reason");
        let mut servers: Vec<&Pair> = Vec::new();
        for p in &pairs {
            if !servers.iter().any(|s| s.server == p.server) {
                servers.push(p);
            }
        }
        for first in servers {
            grid.push(Row::section(Cell::new(
                format!("{} ({})", first.server, first.server_role),
                Paint::Heading,
            )));
            for p in pairs.iter().filter(|p| p.server == first.server) {
                let result = if p.negotiation.result.is_ok() {
                    Cell::new("compatible", Paint::Good)
                } else {
                    Cell::new("incompatible", Paint::Bad)
                };
                let [version, suite, reason] = cells(p, view);
                let mut row = Row::new(vec![
                    p.client.as_str().into(),
                    result,
                    version.into(),
                    suite.into(),
                ]);
                if !reason.is_empty() {
                    row = row.note(reason);
                }
                grid.push(row);
            }
        }
        for line in grid.render(view.width) {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    for line in wrap(&how_decided(m.preference), view.width, "", "") {
        writeln!(out, "{}", style::dim(&line))?;
    }
    summary_text(out, m, view.width)
}
