//! `plan --format html`: a [`PlanReport`] mapped onto the page builder.
//!
//! At the top, the counts (agents that keep contact, lose it, cannot be
//! judged), the planned configuration and where "before" comes from; then
//! the order of operations (numbered) and the groups with their smallest
//! upgrade. The grid is one row per agent: what it behaves like, each
//! connection before and after the switch (a leg the agent's direction does
//! not use says so), whether it loses contact and its upgrade. Each agent's
//! details fold underneath: the evidence per leg, the reason, its group's
//! advice.

use std::collections::HashMap;

use super::page::{Cell, Facet, Grid, Markup, Page, Row, Section, SortKey, Stat, Tone};
use crate::offline::directions::{Leg, LegStatus, LegVerdict, legs};
use crate::offline::plan::{AgentPlan, IdentifiedBy, PlanGroup, PlanReport};
use crate::report::text::plan::{before_line, evidence, source};
use crate::results::{PolicyStatus, Verdict};

/// Both legs, in the order the grid shows them.
const LEGS: [Leg; 2] = [Leg::AgentInitiated, Leg::ManagerInitiated];

/// Steps and groups name at most this many agents; the grid has them all.
const NAMED: usize = 20;

fn contact(a: &AgentPlan) -> (Tone, &'static str) {
    match a.verdict {
        Verdict::Incompatible => (Tone::Bad, "loses contact"),
        Verdict::Compatible => (Tone::Good, "keeps contact"),
        Verdict::Inconclusive => (Tone::Unknown, "cannot tell"),
    }
}

fn leg_word(s: LegStatus) -> (Tone, &'static str) {
    match s {
        LegStatus::Works => (Tone::Good, "works"),
        LegStatus::Fails => (Tone::Bad, "fails"),
        LegStatus::Unknown => (Tone::Unknown, "unknown"),
    }
}

fn status_tone(s: PolicyStatus) -> Tone {
    match s {
        PolicyStatus::Passed => Tone::Good,
        PolicyStatus::Failed => Tone::Bad,
        PolicyStatus::Incomplete => Tone::Unknown,
    }
}

/// What the agent behaves like, for people.
fn like(a: &AgentPlan) -> String {
    match (&a.behaves_like, a.candidates.as_slice()) {
        (Some(b), _) => b.clone(),
        (None, []) => "unidentified".into(),
        (None, c) => c.join(" or "),
    }
}

fn identified_by(i: IdentifiedBy) -> &'static str {
    match i {
        IdentifiedBy::Scan => "what its endpoint accepted",
        IdentifiedBy::AgentVersion => "its agent version in the inventory",
        IdentifiedBy::Profile => "the profile the inventory names",
        IdentifiedBy::Observed => "its own ClientHello in a packet capture",
        IdentifiedBy::None => "nothing",
    }
}

/// The negotiated version and suite, or why not.
fn leg_detail(v: &LegVerdict) -> String {
    match (&v.negotiated, &v.reason) {
        (Some(a), _) => format!("{} {}", a.version, a.cipher_suite),
        (None, Some(r)) => r.clone(),
        (None, None) => String::new(),
    }
}

/// The group an agent is in, if it is in one.
/// Each agent's group, by target (the first that lists it), looked up
/// once: searching every group for each agent is quadratic, 50 s for a
/// page of 100,000 agents.
fn groups_by_agent(p: &PlanReport) -> HashMap<&str, &PlanGroup> {
    let mut by = HashMap::new();
    for g in &p.groups {
        for a in &g.agents {
            by.entry(a.as_str()).or_insert(g);
        }
    }
    by
}

fn leg_cell(a: &AgentPlan, verdicts: &[LegVerdict], leg: Leg, when: &str) -> Cell {
    let Some(v) = verdicts.iter().find(|v| v.direction == leg) else {
        return Cell::new(Tone::Neutral, "not used").title(format!(
            "a {} agent does not use the {} connection",
            a.direction.name(),
            leg.name()
        ));
    };
    let (tone, word) = leg_word(v.status());
    Cell::new(tone, word).detail(leg_detail(v)).title(format!(
        "{} {when}: {word} (evidence: {})",
        leg.name(),
        evidence(v.evidence)
    ))
}

fn upgrade_cell(a: &AgentPlan) -> Cell {
    let least = match (&a.recommended, &a.upgrade_to) {
        (Some(rec), Some(up)) if rec != up => format!("at the least {up}"),
        _ => String::new(),
    };
    match (&a.recommended, a.verdict) {
        (Some(rec), _) => Cell::new(Tone::Neutral, rec.clone()).detail(least),
        (None, Verdict::Compatible) => Cell::new(Tone::Neutral, "none needed"),
        (None, Verdict::Incompatible) => Cell::new(Tone::Bad, "no upgrade keeps it"),
        (None, Verdict::Inconclusive) => Cell::new(Tone::Unknown, "unknown"),
    }
}

fn row(a: &AgentPlan, group: Option<&PlanGroup>) -> Row {
    let mut cells = Vec::new();
    for leg in LEGS {
        cells.push(leg_cell(a, &a.before, leg, "before"));
        cells.push(leg_cell(a, &a.after, leg, "after"));
    }
    let (tone, word) = contact(a);
    cells.push(Cell::new(tone, word).title(a.reason.clone()));
    cells.push(upgrade_cell(a));
    let mut who = Markup::text(&like(a));
    if let Some(v) = &a.agent_version {
        who.push(Markup::el_text(
            "span",
            &[("class", "detail")],
            &format!("version {v}"),
        ));
    }
    let mut direction = Markup::text(a.direction.name());
    if !a.labels.is_empty() {
        direction.push(Markup::el(
            "span",
            &[("class", "tags")],
            Markup::concat(
                a.labels
                    .iter()
                    .map(|l| Markup::el_text("span", &[("class", "tag")], l)),
            ),
        ));
    }
    let heads = vec![who, direction];
    let mut facets = vec![
        ("verdict", vec![word.to_string()]),
        ("direction", vec![a.direction.name().to_string()]),
        ("label", a.labels.clone()),
    ];
    if let Some(g) = group {
        facets.push(("group", vec![g.name.clone()]));
    }
    let mut search = a.labels.clone();
    search.extend(a.candidates.iter().cloned());
    search.extend(a.agent_version.iter().cloned());
    Row {
        name: a.target.clone(),
        heads,
        cells,
        facets,
        sort: vec![
            ("verdict", format!("{} {}", tone.rank(), a.target)),
            ("agent", a.target.clone()),
            ("like", format!("{} {}", like(a), a.target)),
            (
                "upgrade",
                format!("{} {}", a.upgrade_to.as_deref().unwrap_or("~"), a.target),
            ),
        ],
        search,
    }
}

/// A leg's verdict in the details: the word, what it rests on, and the
/// suite or the reason.
fn leg_markup(v: Option<&LegVerdict>) -> Markup {
    let Some(v) = v else {
        return Markup::el_text("span", &[("class", "none")], "not used");
    };
    let (tone, word) = leg_word(v.status());
    let mut m = Markup::badge(tone, word);
    m.push(Markup::el_text(
        "div",
        &[("class", "none")],
        &format!("evidence: {}", evidence(v.evidence)),
    ));
    let detail = leg_detail(v);
    if !detail.is_empty() {
        m.push(Markup::el("div", &[], Markup::breakable(&detail)));
    }
    m
}

fn section(p: &PlanReport, a: &AgentPlan, group: Option<&PlanGroup>) -> Section {
    let (tone, word) = contact(a);
    let mut facts: Vec<(&'static str, Markup)> = vec![
        ("verdict", Markup::text(&a.reason)),
        (
            "agent version",
            Markup::text(a.agent_version.as_deref().unwrap_or("not given")),
        ),
        ("direction", Markup::text(a.direction.name())),
        ("behaves like", Markup::code(&like(a))),
        (
            "identified by",
            Markup::text(identified_by(a.identified_by)),
        ),
    ];
    if !a.labels.is_empty() {
        facts.push(("labels", Markup::text(&a.labels.join(", "))));
    }
    if let Some(up) = &a.upgrade {
        facts.push(("upgrade", Markup::text(up)));
    }
    if let Some(i) = &a.inferred {
        facts.push(("inferred", Markup::text(i)));
    }
    if let Some(g) = group {
        facts.push(("group", Markup::text(&g.name)));
        facts.push(("what to do", Markup::text(&g.advice)));
    }
    let rows = legs(a.direction).iter().map(|leg| {
        let before = a.before.iter().find(|v| v.direction == *leg);
        let after = a.after.iter().find(|v| v.direction == *leg);
        vec![
            Markup::text(leg.name()),
            leg_markup(before),
            leg_markup(after),
        ]
    });
    let body = Markup::concat([
        Markup::facts(facts),
        Markup::el_text("h3", &[], "Each connection it relies on"),
        Markup::table(
            &[
                "connection",
                "before (the manager now)",
                &format!("after (switched to {})", p.to.id),
            ],
            rows,
        ),
    ]);
    Section {
        title: a.target.clone(),
        badge: Some((tone, word.to_string())),
        body,
    }
}

/// The order of operations, numbered.
fn steps(p: &PlanReport) -> Markup {
    Markup::el(
        "ol",
        &[("class", "steps")],
        Markup::concat(p.steps.iter().map(|s| {
            let mut item = Markup::el_text("span", &[("class", "action")], &s.action);
            if !s.agents.is_empty() {
                item.push(agents(&s.agents));
            }
            Markup::el("li", &[], item)
        })),
    )
}

/// The first agents of a step or group, then how many more.
fn agents(list: &[String]) -> Markup {
    let mut text = list
        .iter()
        .take(NAMED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > NAMED {
        text.push_str(&format!(
            " … and {} more: filter the grid by group",
            list.len() - NAMED
        ));
    }
    Markup::el_text("span", &[("class", "agents")], &text)
}

fn groups(p: &PlanReport) -> Markup {
    Markup::list(
        p.groups.iter().map(|g| {
            let n = g.agents.len();
            let (tone, fate) = match (g.verdict, n) {
                (Verdict::Incompatible, 1) => (Tone::Bad, "loses contact"),
                (Verdict::Incompatible, _) => (Tone::Bad, "lose contact"),
                _ => (Tone::Unknown, "cannot tell"),
            };
            let mut item = Markup::el_text("strong", &[], &g.name);
            item.push_text(" ")
                .push(Markup::badge(
                    tone,
                    &format!("{n} agent{} {fate}", if n == 1 { "" } else { "s" }),
                ))
                .push_text(" ");
            match (&g.recommended, &g.upgrade_to) {
                (Some(rec), Some(up)) => {
                    item.push_text("upgrade to ").push(Markup::code(rec));
                    if rec != up {
                        item.push_text(" (at the least ")
                            .push(Markup::code(up))
                            .push_text(")");
                    }
                }
                _ => {
                    item.push_text("no upgrade on the ladder keeps them");
                }
            }
            item.push(Markup::el_text("div", &[("class", "advice")], &g.advice));
            item.push(agents(&g.agents));
            item
        }),
        "none: every agent keeps contact",
    )
}

/// The agents' positions (see [`Agents::get`]) worst first: those that
/// lose contact, then those that cannot be judged, then those that keep
/// it, in inventory order within each: the grid's default order.
///
/// [`Agents::get`]: crate::offline::plan::Agents::get
fn worst_first(p: &PlanReport) -> Vec<usize> {
    [
        Verdict::Incompatible,
        Verdict::Inconclusive,
        Verdict::Compatible,
    ]
    .into_iter()
    .flat_map(|v| p.agents.positions(v))
    .collect()
}

/// The page for a plan.
pub fn page(p: &PlanReport) -> Page {
    let mut page = frame(p);
    let groups = groups_by_agent(p);
    let group = |a: &AgentPlan| groups.get(a.target.as_str()).copied();
    let order = worst_first(p);
    page.grid.rows = order
        .iter()
        .map(|&i| {
            let a = p.agents.get(i);
            row(&a, group(&a))
        })
        .collect();
    page.sections = order
        .iter()
        .map(|&i| {
            let a = p.agents.get(i);
            Some(section(p, &a, group(&a)))
        })
        .collect();
    page
}

/// Writes the page, each agent's row and details made only as they are
/// written (the page of a large fleet is held whole nowhere, and neither
/// are its agents: each is made again for its row and its details).
pub fn write(out: &mut dyn std::io::Write, p: &PlanReport) -> std::io::Result<()> {
    let order = worst_first(p);
    let groups = groups_by_agent(p);
    let group = |a: &AgentPlan| groups.get(a.target.as_str()).copied();
    frame(p).write_streaming_rows(
        out,
        order.len(),
        &|i| {
            let a = p.agents.get(order[i]);
            row(&a, group(&a))
        },
        &|i| {
            let a = p.agents.get(order[i]);
            section(p, &a, group(&a))
        },
    )
}

/// The page without its details: the heading, the stats, the summary and
/// the grid without its rows.
fn frame(p: &PlanReport) -> Page {
    let s = &p.summary;
    Page {
        title: "tlscompat plan".into(),
        subtitle: format!(
            "{} {} · switch the manager to {} ({}) · {} agent{} from {}",
            p.tool.name,
            p.tool.version,
            p.to.id,
            p.to.name,
            s.agents,
            if s.agents == 1 { "" } else { "s" },
            source(p)
        ),
        stats: stats(p),
        summary: summary(p),
        grid: grid(p),
        more_grids: Vec::new(),
        sections_heading: "Agent details".into(),
        sections: Vec::new(),
    }
}

/// The figures at the top of the page.
fn stats(p: &PlanReport) -> Vec<Stat> {
    let s = &p.summary;
    vec![
        Stat::new("agents", s.agents, Tone::Neutral),
        Stat::new(
            "keep contact",
            s.keep,
            if s.keep == 0 {
                Tone::Neutral
            } else {
                Tone::Good
            },
        ),
        Stat::new(
            "lose contact",
            s.lose,
            if s.lose == 0 { Tone::Good } else { Tone::Bad },
        ),
        Stat::new(
            "cannot be judged",
            s.unknown,
            if s.unknown == 0 {
                Tone::Neutral
            } else {
                Tone::Unknown
            },
        ),
        Stat::new("switch the manager to", &p.to.id, Tone::Neutral),
        Stat::new("plan", s.status.name(), status_tone(s.status)),
    ]
}

/// The summary's parts: the switch, the order of operations, the groups,
/// the endpoints not planned (if any), the notes.
fn summary(p: &PlanReport) -> Vec<(String, Markup)> {
    let mut summary = vec![
        ("The switch".to_string(), switch(p)),
        ("Order of operations".to_string(), steps(p)),
        (
            "Groups: who loses contact, and the smallest upgrade".to_string(),
            groups(p),
        ),
    ];
    if !p.others.is_empty() {
        summary.push((
            "Not planned".to_string(),
            Markup::list(
                p.others.iter().map(|o| {
                    let mut m = Markup::code(&o.target);
                    m.push_text(&format!(" ({}): {}", o.role, o.note));
                    m
                }),
                "",
            ),
        ));
    }
    summary.push((
        "Notes: what the verdicts rest on".to_string(),
        Markup::list(p.notes.iter().map(|n| Markup::text(n)), "none"),
    ));
    summary
}

/// The switch: to what, from what, for which fleet, and the verdict.
fn switch(p: &PlanReport) -> Markup {
    let s = &p.summary;
    let verdict = match s.status {
        PolicyStatus::Passed => "every agent keeps contact".to_string(),
        PolicyStatus::Failed => format!(
            "{} agent{} would lose contact",
            s.lose,
            if s.lose == 1 { "" } else { "s" }
        ),
        PolicyStatus::Incomplete => format!(
            "no agent is known to lose contact, but {} cannot be judged",
            s.unknown
        ),
    };
    let mut to = Markup::code(&p.to.id);
    to.push_text(&format!(" ({})", p.to.name));
    Markup::facts([
        ("to", to),
        ("before", Markup::text(&before_line(p))),
        ("fleet", Markup::text(source(p))),
        ("verdict", Markup::badge(status_tone(s.status), &verdict)),
    ])
}

/// The agents grid: each leg before and after, the verdict and the
/// upgrade, worst first.
fn grid(p: &PlanReport) -> Grid {
    let labels = if p.agents.any_labels() {
        "Direction, labels"
    } else {
        "Direction"
    };
    let head_columns = vec![
        "Agent".to_string(),
        "Behaves like".to_string(),
        labels.into(),
    ];
    let mut columns = Vec::new();
    for leg in LEGS {
        columns.push(format!("{}, before", leg.name()));
        columns.push(format!("{}, after", leg.name()));
    }
    columns.push("After the switch".into());
    columns.push("Upgrade to".into());
    Grid {
        caption: format!("Agents, before and after the switch to {}", p.to.id),
        head_columns,
        columns,
        // Made as the page is written ([`write`]) or by [`page`].
        rows: Vec::new(),
        facets: vec![
            Facet::named("verdict"),
            Facet::named("group"),
            Facet::named("direction"),
            Facet::named("label"),
        ],
        sorts: vec![
            SortKey::new("verdict", "verdict (worst first)"),
            SortKey::new("agent", "agent"),
            SortKey::new("like", "behaves like"),
            SortKey::new("upgrade", "upgrade to"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::directions::Direction;
    use crate::offline::plan::{test_agent, test_plan};

    fn plan() -> PlanReport {
        test_plan(
            "dsm-strong-12",
            vec![
                test_agent("a", "9.6.2-7723", None, &["<script>x</script>", "wave 1"]),
                test_agent("b", "10.0.0-1234", Some(Direction::AgentInitiated), &[]),
                test_agent("c", "20.0.0-3445", Some(Direction::ManagerInitiated), &[]),
            ],
        )
    }

    #[test]
    fn the_grid_has_each_leg_before_and_after_in_words() {
        let p = plan();
        let page = page(&p);
        assert_eq!(
            page.grid.columns,
            [
                "agent-initiated, before",
                "agent-initiated, after",
                "manager-initiated, before",
                "manager-initiated, after",
                "After the switch",
                "Upgrade to",
            ]
        );
        let words = |i: usize| -> Vec<(Tone, &str)> {
            page.grid.rows[i]
                .cells
                .iter()
                .map(|c| (c.tone, c.word.as_str()))
                .collect()
        };
        use Tone::*;
        // 9.6, bidirectional: both legs fail after; before is unknown
        // without a manager.
        assert_eq!(
            words(0),
            [
                (Unknown, "unknown"),
                (Bad, "fails"),
                (Unknown, "unknown"),
                (Bad, "fails"),
                (Bad, "loses contact"),
                (Neutral, "dsa-11"),
            ]
        );
        assert_eq!(
            page.grid.rows[0].cells[5].detail.as_deref(),
            Some("at the least dsa-10.0-u16")
        );
        // 10.0, agent-initiated: the candidates disagree; 4118 not used.
        assert_eq!(
            words(1),
            [
                (Unknown, "unknown"),
                (Unknown, "unknown"),
                (Neutral, "not used"),
                (Neutral, "not used"),
                (Unknown, "cannot tell"),
                (Neutral, "dsa-11"),
            ]
        );
        // 20, manager-initiated: keeps contact; 4120 not used.
        assert_eq!(
            words(2),
            [
                (Neutral, "not used"),
                (Neutral, "not used"),
                (Unknown, "unknown"),
                (Good, "works"),
                (Good, "keeps contact"),
                (Neutral, "none needed"),
            ]
        );
        let facet = |i: usize, key: &str| -> Vec<String> {
            page.grid.rows[i]
                .facets
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(facet(0, "group"), ["Deep Security Agent 9.6"]);
        assert_eq!(facet(2, "group"), Vec::<String>::new());
        assert_eq!(facet(1, "direction"), ["agent-initiated"]);
        assert_eq!(facet(0, "label"), ["<script>x</script>", "wave 1"]);
        assert_eq!(page.sections.len(), 3);
    }

    #[test]
    fn counts_steps_and_groups_on_top_and_input_escaped() {
        let p = plan();
        let html = page(&p).render();
        for (value, label) in [
            ("3", "agents"),
            ("1", "keep contact"),
            ("1", "lose contact"),
            ("1", "cannot be judged"),
            ("dsm-strong-12", "switch the manager to"),
            ("failed", "plan"),
        ] {
            assert!(
                html.contains(&format!(
                    "<span class=\"value\">{value}</span><span class=\"label\">{label}</span>"
                )),
                "{label}: {html}"
            );
        }
        // The steps, numbered, in order; the last one is the switch.
        let steps = &html[html.find("<ol class=\"steps\">").unwrap()..];
        let steps = &steps[..steps.find("</ol>").unwrap()];
        assert_eq!(steps.matches("<li>").count(), p.steps.len());
        assert!(
            steps.contains("this agent (Deep Security Agent 9.6): upgrade to Deep Security Agent 20 (or 11.0, 12.0), the newest line; at the least Deep Security Agent 10.0 Update 16 or later"),
            "{steps}"
        );
        assert!(steps.contains("then switch the manager to dsm-strong-12"));
        assert!(
            html.contains(
                "upgrade to <code>dsa-11</code> (at the least <code>dsa-10.0-u16</code>)"
            ),
            "{html}"
        );
        assert!(html.contains("unknown (no manager scanned: give --manager TARGET)"));
        // The label is text in the grid, the filter and the details.
        assert!(!html.contains("<script>x"), "{html}");
        assert!(html.contains("<span class=\"tag\">&lt;script&gt;x&lt;/script&gt;</span>"));
        assert!(html.contains("<option value=\"&lt;script&gt;x&lt;/script&gt;\">"));
        assert_eq!(html.matches("<script").count(), 1);
    }

    /// The page written as it is made (rows and details one at a time)
    /// is the page made whole, byte for byte: the filters' values, the
    /// rows' links and the details' order included.
    #[test]
    fn the_streamed_page_is_the_whole_page() {
        let p = plan();
        let mut streamed = Vec::new();
        write(&mut streamed, &p).unwrap();
        let streamed = String::from_utf8(streamed).unwrap();
        assert_eq!(streamed, page(&p).render());
        assert_eq!(streamed.matches("<tr data-").count(), 3, "{streamed}");
        assert!(streamed.contains("<option value=\"wave 1\">"), "{streamed}");
    }
}
