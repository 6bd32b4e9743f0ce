//! The upgrade plan in Markdown, within what a GitHub issue or comment
//! holds ([`MARKDOWN_BUDGET`]): the verdict, the steps and the groups in
//! full, then as many agent rows as fit.

use std::io::{self, Write};

use crate::offline::directions::{LegStatus, LegVerdict};
use crate::offline::plan::{AgentPlan, PlanReport};
use crate::report::text::plan::{before_line, counts_line, source, status_line};
use crate::report::{View, escape, layout};
use crate::results::Verdict;

/// `|` inside a Markdown table cell.
/// Markdown text from the plan (reasons, labels, names): `|`, `<` and `>`
/// escaped, so a table keeps its shape and nothing reads as HTML.
fn cell(s: &str) -> String {
    layout::md_cell(s)
}

fn md_status(s: LegStatus) -> &'static str {
    match s {
        LegStatus::Works => "✅ works",
        LegStatus::Fails => "❌ fails",
        LegStatus::Unknown => "❔ unknown",
    }
}

fn md_legs(v: &[LegVerdict]) -> String {
    v.iter()
        .map(|l| format!("{}: {}", l.direction.name(), md_status(l.status())))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// What a GitHub issue or comment holds; the Markdown plan stays under it.
pub const MARKDOWN_BUDGET: usize = 65_536;

/// At most this many agent names in a Markdown group row.
const GROUP_NAMES: usize = 20;

/// Markdown for a change ticket, within [`MARKDOWN_BUDGET`] characters:
/// the verdict, the counts, the steps and the groups in full first; then
/// the agents that lose contact or cannot be judged (every agent with
/// `--details`), one table row each, as many as fit, the rest counted with
/// a pointer to the JSON and HTML reports.
pub fn markdown(out: &mut dyn Write, p: &PlanReport, view: &View) -> io::Result<()> {
    let head = [switch_md(p), steps_md(p), groups_md(p)].concat();
    let tail = tail_md(p);
    // Room for the cut line, whatever its numbers.
    let room = MARKDOWN_BUDGET.saturating_sub(head.len() + tail.len() + 300);
    let rows = agent_rows_md(p, view, room);
    out.write_all(head.as_bytes())?;
    out.write_all(rows.as_bytes())?;
    out.write_all(tail.as_bytes())
}

/// The switch, the verdict, the counts, the fleet and the before column.
fn switch_md(p: &PlanReport) -> String {
    use std::fmt::Write as _;
    let mut head = String::new();
    let s = &p.summary;
    let _ = writeln!(
        head,
        "# Plan: switch the manager to `{}`\n\n{}\n",
        cell(&p.to.id),
        cell(&p.to.name)
    );
    let _ = writeln!(head, "**Verdict: {}**\n", status_line(s));
    let _ = writeln!(head, "- {}", cell(&counts_line(s)));
    let _ = writeln!(head, "- **Fleet**: {}", source(p));
    let _ = writeln!(head, "- **Before**: {}\n", cell(&before_line(p)));
    head
}

/// The numbered steps, each with its one agent or how many.
fn steps_md(p: &PlanReport) -> String {
    use std::fmt::Write as _;
    let mut steps = String::new();
    let _ = writeln!(steps, "## Order of operations\n");
    for (i, step) in p.steps.iter().enumerate() {
        let agents = match step.agents.len() {
            0 => String::new(),
            1 => format!(": {}", escape::md_code(&step.agents[0])),
            n => format!(" ({n} agents: see Groups)"),
        };
        let _ = writeln!(steps, "{}. {}{agents}", i + 1, cell(&step.action));
    }
    steps
}

/// The groups table, each group's agents named up to [`GROUP_NAMES`].
fn groups_md(p: &PlanReport) -> String {
    use std::fmt::Write as _;
    let mut groups = String::new();
    if p.groups.is_empty() {
        return groups;
    }
    let _ = writeln!(groups, "\n## Groups\n");
    let _ = writeln!(groups, "| Behaves like | Agents | Upgrade to | Advice |");
    let _ = writeln!(groups, "|---|---|---|---|");
    for g in &p.groups {
        let mut names = g.agents[..g.agents.len().min(GROUP_NAMES)]
            .iter()
            .map(|a| escape::md_code(a))
            .collect::<Vec<_>>()
            .join(", ");
        if g.agents.len() > GROUP_NAMES {
            let _ = write!(names, " and {} more", g.agents.len() - GROUP_NAMES);
        }
        let _ = writeln!(
            groups,
            "| {} | {}: {names} | {} | {} |",
            cell(&g.name),
            g.agents.len(),
            cell(g.upgrade.as_deref().unwrap_or("")),
            cell(&g.advice)
        );
    }
    groups
}

/// What comes after the agents: the endpoints not planned, the notes and
/// the plan's status again.
fn tail_md(p: &PlanReport) -> String {
    use std::fmt::Write as _;
    let mut tail = String::new();
    if !p.others.is_empty() {
        let _ = writeln!(tail, "\n## Not planned\n");
        for o in &p.others {
            let _ = writeln!(
                tail,
                "- `{}` ({}): {}",
                cell(&o.target),
                o.role,
                cell(&o.note)
            );
        }
    }
    let _ = writeln!(tail, "\n## Notes\n");
    for n in &p.notes {
        let _ = writeln!(tail, "- {}", cell(n));
    }
    let _ = writeln!(tail, "\n**Plan: {}**", status_line(&p.summary));
    tail
}

/// The agents table, as many rows as fit in `room` characters, then how
/// many rows were cut and how many agents were not listed.
fn agent_rows_md(p: &PlanReport, view: &View, room: usize) -> String {
    use std::fmt::Write as _;
    let listed = |v: Verdict| view.details || v != Verdict::Compatible;
    let count = p.agents.count_where(listed);
    let mut rows = String::new();
    let mut cut = 0;
    if count > 0 {
        let title = if view.details {
            "Agents"
        } else {
            "Agents that lose contact or cannot be judged"
        };
        let _ = writeln!(
            rows,
            "\n## {title}\n\n| Agent | Behaves like | Direction | Before | After | Verdict | Upgrade to |\n|---|---|---|---|---|---|---|"
        );
        for (i, a) in p.agents.iter_where(listed).enumerate() {
            let row = md_row(&a);
            if rows.len() + row.len() > room {
                cut = count - i;
                break;
            }
            rows.push_str(&row);
        }
    }
    let unlisted = p.agents.len() - count;
    if cut > 0 {
        let _ = writeln!(
            rows,
            "\n_{cut} more agent rows cut to fit a GitHub issue or comment ({MARKDOWN_BUDGET} characters): `--format json` or `--format html` lists every agent._"
        );
    }
    if unlisted > 0 {
        let _ = writeln!(
            rows,
            "\n_{unlisted} agent(s) that keep contact not listed (`--details` lists every agent)._"
        );
    }
    rows
}

/// One agent as a Markdown table row, with what an inferred verdict rests on.
fn md_row(a: &AgentPlan) -> String {
    let like = a
        .behaves_like
        .clone()
        .unwrap_or_else(|| match a.candidates.as_slice() {
            [] => "unidentified".into(),
            c => c.join(" or "),
        });
    let v = match a.verdict {
        Verdict::Incompatible => format!("❌ {}", a.reason),
        Verdict::Compatible => match &a.inferred {
            Some(i) => format!("✅ keeps contact; {i}"),
            None => "✅ keeps contact".into(),
        },
        Verdict::Inconclusive => format!("❔ {}", a.reason),
    };
    format!(
        "| `{}` | {} | {} | {} | {} | {} | {} |\n",
        cell(&a.target),
        cell(&like),
        a.direction.name(),
        md_legs(&a.before),
        md_legs(&a.after),
        cell(&v),
        cell(a.recommended.as_deref().unwrap_or(""))
    )
}
