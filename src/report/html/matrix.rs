//! `matrix --format html`: the offline client × server matrix on the page
//! builder. Rows are server profiles, columns client profiles; each cell
//! shows the verdict and the negotiated version and suite (or why not).

use super::page::{Cell, Facet, Grid, Markup, Page, Row, Section, SortKey, Stat, Tone};
use crate::matrix::{Matrix, Pair};
use crate::negotiate::Preference;

/// The client ids in matrix order, without repeats.
fn clients(m: &Matrix) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in &m.pairs {
        if !out.contains(&p.client.as_str()) {
            out.push(&p.client);
        }
    }
    out
}

fn pairs_of<'a>(m: &'a Matrix, server: &str) -> Vec<&'a Pair> {
    m.pairs.iter().filter(|p| p.server == server).collect()
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

/// The page for a matrix.
pub fn page(m: &Matrix) -> Page {
    let servers = m.servers();
    let clients = clients(m);
    let ok = m
        .pairs
        .iter()
        .filter(|p| p.negotiation.result.is_ok())
        .count();
    let bad = m.pairs.len() - ok;
    let losing: Vec<(&str, Vec<&str>)> = servers
        .iter()
        .map(|s| {
            let lost = pairs_of(m, s)
                .into_iter()
                .filter(|p| p.negotiation.result.is_err())
                .map(|p| p.client.as_str())
                .collect::<Vec<_>>();
            (*s, lost)
        })
        .filter(|(_, lost)| !lost.is_empty())
        .collect();
    let order = match m.preference {
        Preference::Server => "server's",
        Preference::Client => "client's",
    };
    let stats = vec![
        Stat::new("server profiles", servers.len(), Tone::Neutral),
        Stat::new("client profiles", clients.len(), Tone::Neutral),
        Stat::new("compatible pairs", ok, Tone::Good),
        Stat::new(
            "incompatible pairs",
            bad,
            if bad == 0 { Tone::Neutral } else { Tone::Bad },
        ),
        Stat::new(
            "servers some client loses",
            losing.len(),
            if losing.is_empty() {
                Tone::Good
            } else {
                Tone::Bad
            },
        ),
    ];
    let who = Markup::list(
        losing.iter().map(|(server, lost)| {
            let mut item = Markup::el_text("strong", &[], server);
            item.push_text(": ").push(Markup::badge(
                Tone::Bad,
                &format!("lost by {}", lost.join(", ")),
            ));
            item
        }),
        "nobody: every client reaches every server",
    );
    let rows = servers
        .iter()
        .map(|s| {
            let pairs = pairs_of(m, s);
            let role = pairs.first().map(|p| p.server_role.name()).unwrap_or("any");
            let cells: Vec<Cell> = clients
                .iter()
                .map(|c| cell(pairs.iter().copied().find(|p| p.client == *c)))
                .collect();
            let mut verdicts: Vec<String> = cells.iter().map(|c| c.word.clone()).collect();
            verdicts.sort();
            verdicts.dedup();
            let rank = cells.iter().map(|c| c.tone.rank()).min().unwrap_or(9);
            Row {
                name: (*s).to_string(),
                heads: vec![Markup::text(role)],
                cells,
                facets: vec![("verdict", verdicts), ("role", vec![role.to_string()])],
                sort: vec![
                    ("verdict", format!("{rank} {s}")),
                    ("server", (*s).to_string()),
                    ("role", format!("{role} {s}")),
                ],
                search: Vec::new(),
            }
        })
        .collect();
    let sections = servers
        .iter()
        .map(|s| Some(section(s, &pairs_of(m, s))))
        .collect();
    Page {
        title: "tlscompat matrix".into(),
        subtitle: format!(
            "tlscompat {} · {} client × {} server profiles · suites chosen in the {order} order; the newest common version wins",
            env!("CARGO_PKG_VERSION"),
            clients.len(),
            servers.len()
        ),
        stats,
        summary: vec![("Who loses contact".into(), who)],
        grid: Grid {
            caption: "Servers × clients".into(),
            head_columns: vec!["Server".into(), "Role".into()],
            columns: clients.iter().map(|c| (*c).to_string()).collect(),
            rows,
            facets: vec![
                Facet {
                    key: "verdict",
                    label: "verdict",
                },
                Facet {
                    key: "role",
                    label: "role",
                },
            ],
            sorts: vec![
                SortKey {
                    key: "verdict",
                    label: "verdict (worst first)",
                },
                SortKey {
                    key: "server",
                    label: "server",
                },
                SortKey {
                    key: "role",
                    label: "role",
                },
            ],
        },
        sections_heading: "Per server".into(),
        sections,
    }
}

fn section(server: &str, pairs: &[&Pair]) -> Section {
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
    Section {
        title: format!("{server} ({role})"),
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
    use crate::profile::{Catalog, Role};

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
}
