//! The compatibility matrix as a table, Markdown, or data.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::style;
use super::{SCHEMA_VERSION, Tool};
use crate::matrix::{Matrix, Pair};
use crate::negotiate::{Agreement, Preference};
use crate::profile::Role;
use crate::results::Leg;
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

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

fn cells(p: &Pair) -> [String; 3] {
    match &p.negotiation.result {
        Ok(a) => [
            a.version.to_string(),
            a.cipher_suite.to_string(),
            String::new(),
        ],
        Err(e) => [String::new(), String::new(), e.to_string()],
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
fn groups(m: &Matrix) -> Vec<(Option<String>, Vec<&Pair>)> {
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
            (Some(title.to_string()), m.pairs_of(*leg).collect())
        })
        .collect()
}

/// The matrix as a colored table (one per direction) plus a per-server summary.
pub fn text(out: &mut dyn Write, m: &Matrix) -> io::Result<()> {
    for (title, pairs) in groups(m) {
        if let Some(title) = title {
            writeln!(out, "{}", style::heading(&title))?;
        }
        let mut t = style::table([
            "Server",
            "Client",
            "Result",
            "Version",
            "Cipher suite",
            "Reason",
        ]);
        for p in pairs {
            let result = if p.negotiation.result.is_ok() {
                style::good("compatible")
            } else {
                style::bad("incompatible")
            };
            let [version, suite, reason] = cells(p);
            t.add_row(vec![
                format!("{} ({})", p.server, p.server_role),
                p.client.clone(),
                result.to_string(),
                version,
                suite,
                reason,
            ]);
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "{}", style::dim(&how_decided(m.preference)))?;
    for (server, ok, lost) in summary(m) {
        let lost_text = if lost.is_empty() {
            style::good("none")
        } else {
            style::bad(&lost.join(", "))
        };
        writeln!(
            out,
            "{}: {} of {} clients compatible; incompatible: {}",
            style::heading(server),
            ok.len(),
            ok.len() + lost.len(),
            lost_text
        )?;
    }
    Ok(())
}

/// The matrix as a GitHub-flavoured Markdown table.
pub fn markdown(out: &mut dyn Write, m: &Matrix) -> io::Result<()> {
    for (title, pairs) in groups(m) {
        markdown_table(out, title.as_deref(), &pairs)?;
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
            "- **{server}**: {} of {total} clients compatible; incompatible: {lost}",
            ok.len()
        )?;
    }
    Ok(())
}

/// One table, under its heading when it has one.
fn markdown_table(out: &mut dyn Write, title: Option<&str>, pairs: &[&Pair]) -> io::Result<()> {
    if let Some(title) = title {
        writeln!(out, "## {title}\n")?;
    }
    writeln!(
        out,
        "| Server | Client | Result | Version | Cipher suite | Reason |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for p in pairs {
        let result = if p.negotiation.result.is_ok() {
            "✅ compatible"
        } else {
            "❌ incompatible"
        };
        let [version, suite, reason] = cells(p);
        let suite = if suite.is_empty() {
            suite
        } else {
            format!("`{suite}`")
        };
        writeln!(
            out,
            "| {} | {} | {result} | {version} | {suite} | {} |",
            p.server,
            p.client,
            md_escape(&reason)
        )?;
    }
    writeln!(out)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}
