//! `matrix --format html`: the offline client × server matrix on the page
//! builder. Rows are server profiles, columns client profiles; each cell
//! shows the verdict and the negotiated version and suite (or why not).
//! A matrix built by direction has one grid per direction: agent-initiated
//! (managers × agent clients, the manager's 4120) and manager-initiated
//! (agents × manager clients, the agent's 4118), so no cell pairs a manager
//! with a manager or an agent with an agent.

use super::page::{Cell, Facet, Grid, Markup, Page, Row, Section, SortKey, Stat, Tone};
use crate::model::negotiate::Preference;
use crate::offline::matrix::{Matrix, Pair};
use crate::results::Leg;

/// The pairs of one grid: one direction, or the whole matrix.
struct Part<'a> {
    leg: Option<Leg>,
    pairs: Vec<&'a Pair>,
}

impl<'a> Part<'a> {
    /// Ids in matrix order, without repeats.
    fn ids(&self, of: impl Fn(&'a Pair) -> &'a str) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.pairs {
            let id = of(p);
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    fn servers(&self) -> Vec<&'a str> {
        self.ids(|p| p.server.as_str())
    }

    fn clients(&self) -> Vec<&'a str> {
        self.ids(|p| p.client.as_str())
    }

    fn pairs_of(&self, server: &str) -> Vec<&'a Pair> {
        self.pairs
            .iter()
            .copied()
            .filter(|p| p.server == server)
            .collect()
    }

    /// Per server, the clients that do not reach it (servers nobody
    /// loses left out).
    fn losing(&self) -> Vec<(&'a str, Vec<&'a str>)> {
        self.servers()
            .into_iter()
            .map(|s| {
                let lost = self
                    .pairs_of(s)
                    .into_iter()
                    .filter(|p| p.negotiation.result.is_err())
                    .map(|p| p.client.as_str())
                    .collect::<Vec<_>>();
                (s, lost)
            })
            .filter(|(_, lost)| !lost.is_empty())
            .collect()
    }
}

/// One part per direction the matrix was built for, else one for all.
fn parts(m: &Matrix) -> Vec<Part<'_>> {
    if m.directions.is_empty() {
        return vec![Part {
            leg: None,
            pairs: m.pairs.iter().collect(),
        }];
    }
    m.directions
        .iter()
        .map(|leg| Part {
            leg: Some(*leg),
            pairs: m.pairs_of(*leg).collect(),
        })
        .collect()
}

fn cell(p: Option<&Pair>) -> Cell {
    let Some(p) = p else {
        return Cell::new(Tone::Neutral, "not checked");
    };
    let title = format!("{} against {}", p.client, p.server);
    match &p.negotiation.result {
        Ok(a) => Cell::new(Tone::Good, "compatible")
            .detail(format!("{} {}", a.version, a.cipher_suite))
            .title(format!("{title}: compatible")),
        Err(e) => Cell::new(Tone::Bad, "incompatible")
            .detail(e.to_string())
            .title(format!("{title}: incompatible")),
    }
}

/// A grid's caption and the header of its server column.
fn caption(leg: Option<Leg>) -> (&'static str, &'static str) {
    match leg {
        None => ("Servers × clients", "Server"),
        Some(Leg::AgentInitiated) => (
            "Agent-initiated (the agent connects to the manager's 4120): managers × agent clients",
            "Manager (server)",
        ),
        Some(Leg::ManagerInitiated) => (
            "Manager-initiated (the manager connects to the agent's 4118): agents × manager clients",
            "Agent (server)",
        ),
    }
}

fn grid(part: &Part<'_>, facets: Vec<Facet>, sorts: Vec<SortKey>) -> Grid {
    let clients = part.clients();
    let (caption, server_column) = caption(part.leg);
    let rows = part
        .servers()
        .into_iter()
        .map(|s| {
            let pairs = part.pairs_of(s);
            let role = pairs.first().map(|p| p.server_role.name()).unwrap_or("any");
            let cells: Vec<Cell> = clients
                .iter()
                .map(|c| cell(pairs.iter().copied().find(|p| p.client == *c)))
                .collect();
            let mut verdicts: Vec<String> = cells.iter().map(|c| c.word.clone()).collect();
            verdicts.sort();
            verdicts.dedup();
            let rank = cells.iter().map(|c| c.tone.rank()).min().unwrap_or(9);
            let mut facets = vec![("verdict", verdicts), ("role", vec![role.to_string()])];
            if let Some(leg) = part.leg {
                facets.push(("direction", vec![leg.name().to_string()]));
            }
            Row {
                name: s.to_string(),
                heads: vec![Markup::text(role)],
                cells,
                facets,
                sort: vec![
                    ("verdict", format!("{rank} {s}")),
                    ("server", s.to_string()),
                    ("role", format!("{role} {s}")),
                ],
                search: Vec::new(),
            }
        })
        .collect();
    Grid {
        caption: caption.into(),
        head_columns: vec![server_column.into(), "Role".into()],
        columns: clients.iter().map(|c| (*c).to_string()).collect(),
        rows,
        facets,
        sorts,
    }
}

/// How many distinct profiles `side` picks from the pairs.
fn distinct(m: &Matrix, side: fn(&Pair) -> Option<&str>) -> usize {
    let mut ids: Vec<&str> = m.pairs.iter().filter_map(side).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

fn server_side(p: &Pair) -> Option<&str> {
    Some(&p.server)
}

fn client_side(p: &Pair) -> Option<&str> {
    Some(&p.client)
}

/// The agent of a pair that has a direction.
fn agent_side(p: &Pair) -> Option<&str> {
    Some(match p.direction? {
        Leg::AgentInitiated => &p.client,
        Leg::ManagerInitiated => &p.server,
    })
}

/// The manager (or relay) of a pair that has a direction.
fn manager_side(p: &Pair) -> Option<&str> {
    Some(match p.direction? {
        Leg::AgentInitiated => &p.server,
        Leg::ManagerInitiated => &p.client,
    })
}

/// How many profiles stand on each side (agents and managers when the
/// matrix is by direction, else servers and clients), and the page's
/// subtitle for that shape.
fn sides(m: &Matrix) -> ([(&'static str, usize); 2], String) {
    if !m.directions.is_empty() {
        let (agents, managers) = (distinct(m, agent_side), distinct(m, manager_side));
        let legs = m
            .directions
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(" and ");
        (
            [("agent profiles", agents), ("manager profiles", managers)],
            format!("{legs} pairs of {agents} agent and {managers} manager profiles"),
        )
    } else {
        let (servers, clients) = (distinct(m, server_side), distinct(m, client_side));
        (
            [("server profiles", servers), ("client profiles", clients)],
            format!("{clients} client × {servers} server profiles"),
        )
    }
}

/// The summary: per part (one per leg, or one), the servers some client
/// loses and by whom.
fn who_loses(parts: &[Part<'_>]) -> Vec<(String, Markup)> {
    parts
        .iter()
        .map(|part| {
            let heading = match part.leg {
                None => "Who loses contact".to_string(),
                Some(leg) => format!("Who loses contact, {}", leg.name()),
            };
            let who = Markup::list(
                part.losing().iter().map(|(server, lost)| {
                    let mut item = Markup::el_text("strong", &[], server);
                    item.push_text(": ").push(Markup::badge(
                        Tone::Bad,
                        &format!("lost by {}", lost.join(", ")),
                    ));
                    item
                }),
                "nobody: every client reaches every server",
            );
            (heading, who)
        })
        .collect()
}

/// The page for a matrix.
pub fn page(m: &Matrix) -> Page {
    let parts = parts(m);
    let by_direction = !m.directions.is_empty();
    let ok = m
        .pairs
        .iter()
        .filter(|p| p.negotiation.result.is_ok())
        .count();
    let bad = m.pairs.len() - ok;
    let losing: usize = parts.iter().map(|p| p.losing().len()).sum();
    let order = match m.preference {
        Preference::Server => "server's",
        Preference::Client => "client's",
    };
    let (sides, shape) = sides(m);
    let stats = vec![
        Stat::new(sides[0].0, sides[0].1, Tone::Neutral),
        Stat::new(sides[1].0, sides[1].1, Tone::Neutral),
        Stat::new("compatible pairs", ok, Tone::Good),
        Stat::new(
            "incompatible pairs",
            bad,
            if bad == 0 { Tone::Neutral } else { Tone::Bad },
        ),
        Stat::new(
            "servers some client loses",
            losing,
            if losing == 0 { Tone::Good } else { Tone::Bad },
        ),
    ];
    let summary = who_loses(&parts);
    let mut facets = vec![Facet::named("verdict"), Facet::named("role")];
    if by_direction {
        facets.push(Facet::named("direction"));
    }
    let sorts = vec![
        SortKey::new("verdict", "verdict (worst first)"),
        SortKey::new("server", "server"),
        SortKey::new("role", "role"),
    ];
    let mut grids = parts
        .iter()
        .map(|part| grid(part, facets.clone(), sorts.clone()));
    let first = grids.next().unwrap_or_default();
    let more_grids: Vec<Grid> = grids.collect();
    let sections = parts
        .iter()
        .flat_map(|part| {
            part.servers()
                .into_iter()
                .map(|s| Some(section(s, part.leg, &part.pairs_of(s))))
        })
        .collect();
    Page {
        title: "tlscompat matrix".into(),
        subtitle: format!(
            "tlscompat {} · {shape} · suites chosen in the {order} order; the newest common version wins",
            env!("CARGO_PKG_VERSION"),
        ),
        stats,
        summary,
        grid: first,
        more_grids,
        sections_heading: "Per server".into(),
        sections,
    }
}

fn section(server: &str, leg: Option<Leg>, pairs: &[&Pair]) -> Section {
    let lost = pairs
        .iter()
        .filter(|p| p.negotiation.result.is_err())
        .count();
    let badge = if lost == 0 {
        (Tone::Good, "every client compatible".to_string())
    } else {
        (Tone::Bad, format!("{lost} of {} incompatible", pairs.len()))
    };
    let rows = pairs.iter().map(|p| {
        let mutual = Markup::concat(p.negotiation.mutual.iter().map(|(v, suites)| {
            Markup::el(
                "div",
                &[],
                Markup::concat([
                    Markup::text(&format!("{v}: ")),
                    Markup::code(
                        &suites
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ]),
            )
        }));
        match &p.negotiation.result {
            Ok(a) => vec![
                Markup::code(&p.client),
                Markup::badge(Tone::Good, "compatible"),
                Markup::text(&a.version.to_string()),
                Markup::code(&a.cipher_suite.to_string()),
                mutual,
                Markup::new(),
            ],
            Err(e) => vec![
                Markup::code(&p.client),
                Markup::badge(Tone::Bad, "incompatible"),
                Markup::new(),
                Markup::new(),
                mutual,
                Markup::text(&e.to_string()),
            ],
        }
    });
    let role = pairs.first().map(|p| p.server_role.name()).unwrap_or("any");
    let title = match leg {
        None => format!("{server} ({role})"),
        Some(leg) => format!("{server} ({role}), {}", leg.name()),
    };
    Section {
        title,
        badge: Some(badge),
        body: Markup::table(
            &[
                "client",
                "result",
                "version",
                "negotiated suite",
                "suites in common",
                "reason",
            ],
            rows,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::{Catalog, Role};

    #[test]
    fn every_pair_is_a_cell_with_its_verdict_and_suite() {
        let catalog = Catalog::builtin().unwrap();
        let clients: Vec<_> = ["dsa-9.6", "dsa-11"]
            .iter()
            .map(|id| catalog.get(id).unwrap())
            .collect();
        let servers: Vec<_> = ["dsm-strong-12"]
            .iter()
            .map(|id| catalog.get(id).unwrap())
            .collect();
        let m = Matrix::build(&clients, &servers, Preference::Server);
        let p = page(&m);
        assert_eq!(p.grid.columns, ["dsa-9.6", "dsa-11"]);
        assert_eq!(p.grid.rows.len(), 1);
        let row = &p.grid.rows[0];
        assert_eq!(row.name, "dsm-strong-12");
        assert_eq!(row.heads[0].as_str(), Role::Manager.name());
        let cells: Vec<(Tone, &str)> = row
            .cells
            .iter()
            .map(|c| (c.tone, c.word.as_str()))
            .collect();
        assert_eq!(
            cells,
            [(Tone::Bad, "incompatible"), (Tone::Good, "compatible")]
        );
        assert_eq!(
            row.cells[1].detail.as_deref(),
            Some("tls1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        );
        assert!(
            row.cells[0]
                .detail
                .as_deref()
                .unwrap()
                .starts_with("no common version")
        );
        let html = p.render();
        assert!(html.contains("lost by dsa-9.6"), "{html}");
        assert_eq!(html.matches("class=\"cell good\"").count(), 1);
        assert_eq!(html.matches("class=\"cell bad\"").count(), 1);
    }

    #[test]
    fn by_direction_one_grid_per_direction_and_no_cell_without_a_pair() {
        let catalog = Catalog::builtin().unwrap();
        let all: Vec<_> = catalog.all().collect();
        let both = [Leg::AgentInitiated, Leg::ManagerInitiated];
        let m = Matrix::directions(&all, &all, &both, Preference::Server);
        let p = page(&m);
        let grids: Vec<&Grid> = std::iter::once(&p.grid).chain(&p.more_grids).collect();
        assert_eq!(grids.len(), 2);
        // Agent-initiated: managers (and relays) as rows, agents as columns.
        assert!(grids[0].caption.starts_with("Agent-initiated"));
        assert!(grids[0].rows.iter().all(|r| r.name.starts_with("dsm-")));
        assert!(grids[0].columns.iter().all(|c| c.starts_with("dsa-")));
        // Manager-initiated: agents as rows, managers as columns.
        assert!(grids[1].caption.starts_with("Manager-initiated"));
        assert!(grids[1].rows.iter().all(|r| r.name.starts_with("dsa-")));
        assert!(grids[1].columns.iter().all(|c| c.starts_with("dsm-")));
        let cells: usize = grids
            .iter()
            .flat_map(|g| &g.rows)
            .map(|r| r.cells.len())
            .sum();
        assert_eq!(cells, m.pairs.len(), "one cell per pair, none empty");
        assert!(
            grids
                .iter()
                .flat_map(|g| &g.rows)
                .flat_map(|r| &r.cells)
                .all(|c| c.word != "not checked")
        );
        // A section per row of both grids, in order.
        let rows: usize = grids.iter().map(|g| g.rows.len()).sum();
        assert_eq!(p.sections.len(), rows);
        let html = p.render();
        assert!(html.contains("<table id=\"grid\" class=\"grid\">"));
        assert!(html.contains("<table id=\"grid-1\" class=\"grid\">"));
        assert!(!html.contains("not checked"));
        assert!(html.contains("Who loses contact, manager-initiated"));
        assert!(html.contains(&format!("<details id=\"row-{}\"", rows - 1)));
        // The strong 12.x manager cannot reach a 10.0 agent's 4118.
        let dsa10 = grids[1].rows.iter().find(|r| r.name == "dsa-10.0").unwrap();
        let col = grids[1]
            .columns
            .iter()
            .position(|c| c == "dsm-strong-12")
            .unwrap();
        assert_eq!(dsa10.cells[col].word, "incompatible");
    }
}
