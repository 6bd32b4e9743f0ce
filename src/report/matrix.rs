//! The compatibility matrix as text (a block per server, laid out for the
//! terminal's width), Markdown, or data.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::layout::{Cell, Grid, Paint, Row, md_cell, md_table, wrap};
use super::style;
use super::{SCHEMA_VERSION, Tool, View};
use crate::model::negotiate::{Agreement, Preference};
use crate::model::profile::Role;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::offline::matrix::{Matrix, Pair};
use crate::results::Leg;

/// The matrix document (`matrix --format json`).
#[derive(Serialize, schemars::JsonSchema)]
struct MatrixJson<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: Tool,
    /// Whose suite order decided (`server` or `client`).
    preference: Preference,
    /// Every client profile against every server profile.
    pairs: Vec<PairJson<'a>>,
}

/// One client profile against one server profile.
#[derive(Serialize, schemars::JsonSchema)]
struct PairJson<'a> {
    /// The client profile id.
    client: &'a str,
    /// The server profile id.
    server: &'a str,
    /// The role the server profile plays.
    server_role: Role,
    /// `agent-initiated` (an agent client of a manager or relay),
    /// `manager-initiated` (a manager client of an agent), or null.
    direction: Option<Leg>,
    /// Whether they agree on a version and suite.
    compatible: bool,
    /// What they negotiate, when compatible.
    negotiated: Option<Agreement>,
    /// Per common version, the suites both sides could use there.
    mutual: &'a BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// Why not, when incompatible.
    reason: Option<String>,
}

/// The JSON Schema of [`data`]'s document.
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<MatrixJson<'static>>()
}

/// The matrix as data for JSON and YAML.
pub fn data(m: &Matrix) -> impl Serialize + '_ {
    MatrixJson {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        preference: m.preference,
        pairs: m
            .pairs
            .iter()
            .map(|p| PairJson {
                client: &p.client,
                server: &p.server,
                server_role: p.server_role,
                direction: p.direction,
                compatible: p.negotiation.result.is_ok(),
                negotiated: p.negotiation.result.as_ref().ok().copied(),
                mutual: &p.negotiation.mutual,
                reason: p.negotiation.result.as_ref().err().map(ToString::to_string),
            })
            .collect(),
    }
}

/// Version, suite (named the view's way) and reason cells.
fn cells(p: &Pair, view: &View) -> [String; 3] {
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
fn summary(m: &Matrix) -> Vec<(&str, Vec<&str>, Vec<&str>)> {
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
fn how_decided(preference: Preference) -> String {
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
fn groups(m: &Matrix) -> Vec<(Option<&'static str>, Vec<&Pair>)> {
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
                    super::escape::md_code(&suite)
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
    super::escape::markdown(s)
}
