//! The upgrade plan as text (80 columns), JSON and Markdown (tables that
//! render on GitHub and GitLab). Printers only format: who loses contact,
//! the groups, the upgrades and the steps were decided in [`crate::plan`].

use std::io::{self, Write};

use super::layout::wrap;
use super::{View, style};
use crate::directions::{Evidence, LegStatus, LegVerdict};
use crate::plan::{AgentPlan, PlanReport, PlanSource};
use crate::results::PolicyStatus;

/// The schema of [`json`]'s document.
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<PlanReport>()
}

/// The plan as JSON.
pub fn json(out: &mut dyn Write, plan: &PlanReport) -> io::Result<()> {
    super::write_json(out, plan)
}

fn para(out: &mut dyn Write, text: &str, first: &str, rest: &str, width: usize) -> io::Result<()> {
    for l in wrap(text, width, first, rest) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn status_word(s: LegStatus) -> &'static str {
    match s {
        LegStatus::Works => "works",
        LegStatus::Fails => "FAILS",
        LegStatus::Unknown => "unknown",
    }
}

fn colored_status(s: LegStatus) -> String {
    let w = format!("{:<7}", status_word(s));
    match s {
        LegStatus::Works => style::good(&w).to_string(),
        LegStatus::Fails => style::bad(&w).to_string(),
        LegStatus::Unknown => style::warn(&w).to_string(),
    }
}

/// What a verdict rests on, in words.
pub fn evidence(e: Evidence) -> &'static str {
    match e {
        Evidence::Probe => "probed now",
        Evidence::SavedScan => "saved scan",
        Evidence::ScannedSet => "scanned suites",
        Evidence::Profiles => "profiles",
        Evidence::Observed => "observed hello",
        Evidence::None => "nothing",
    }
}

/// Where the fleet came from, in words.
pub(crate) fn source(p: &PlanReport) -> &'static str {
    match p.source {
        PlanSource::Inventory => "the inventory, scanned now",
        PlanSource::Report => "a saved scan report",
        PlanSource::Offline => "agent versions, not probed",
    }
}

/// The manager as it is now (the before column), in words.
pub(crate) fn before_line(p: &PlanReport) -> String {
    match &p.manager {
        None => "unknown (no manager scanned: give --manager TARGET)".into(),
        Some(m) if m.error.is_some() => format!(
            "unknown ({} could not be scanned: {})",
            m.target,
            m.error.as_deref().unwrap_or_default()
        ),
        Some(m) => {
            let like = if m.behaves_like.is_empty() {
                "no shipped manager profile".to_string()
            } else {
                m.behaves_like.join(", ")
            };
            format!(
                "{} as it is now (behaves like {like}; {})",
                m.target,
                evidence(m.evidence)
            )
        }
    }
}

fn verdict(a: &AgentPlan) -> String {
    match a.loses_contact {
        Some(true) => style::bad("LOSES CONTACT").to_string(),
        Some(false) => style::good("keeps contact").to_string(),
        None => style::warn("cannot tell").to_string(),
    }
}

fn who(a: &AgentPlan) -> String {
    let like = match (&a.behaves_like, a.candidates.as_slice()) {
        (Some(b), _) => b.clone(),
        (None, []) => "unidentified".into(),
        (None, c) => c.join("|"),
    };
    let version = a
        .agent_version
        .as_deref()
        .map(|v| format!(", version {v}"))
        .unwrap_or_default();
    format!("{like}{version}, {}", a.direction.name())
}

/// What a verdict rests on, in a word or two (the text layout's width).
fn evidence_short(e: Evidence) -> &'static str {
    match e {
        Evidence::Probe => "probe",
        Evidence::SavedScan => "saved scan",
        Evidence::ScannedSet => "scanned set",
        Evidence::Profiles => "profiles",
        Evidence::Observed => "observed",
        Evidence::None => "-",
    }
}

fn leg_line(before: &LegVerdict, after: &LegVerdict) -> String {
    format!(
        "  {:<18} before {}  after {}  ({} / {})",
        after.direction.name(),
        colored_status(before.status),
        colored_status(after.status),
        evidence_short(before.evidence),
        evidence_short(after.evidence)
    )
}

/// The plan for people, within the view's width (80 columns unless the
/// terminal or `COLUMNS` says otherwise).
pub fn text(out: &mut dyn Write, p: &PlanReport, view: &View) -> io::Result<()> {
    let w = view.width;
    let head = format!("Plan: switch the manager to {} ({})", p.to.id, p.to.name);
    for l in wrap(&head, w, "", "  ") {
        writeln!(out, "{}", style::heading(&l))?;
    }
    para(out, &format!("Fleet: {}", source(p)), "", "  ", w)?;
    para(out, &format!("Before: {}", before_line(p)), "", "  ", w)?;
    let s = &p.summary;
    writeln!(
        out,
        "Agents: {}; keep contact {}, lose contact {}, cannot tell {}",
        s.agents, s.keep, s.lose, s.unknown
    )?;
    writeln!(
        out,
        "{}",
        style::dim("Per leg: before and after the switch, then (evidence before / after).")
    )?;
    for a in &p.agents {
        writeln!(out)?;
        para(out, &format!("{} {}", a.target, who(a)), "", "    ", w)?;
        for (b, af) in a.before.iter().zip(&a.after) {
            writeln!(out, "{}", leg_line(b, af))?;
        }
        writeln!(out, "  {}", verdict(a))?;
        if a.loses_contact != Some(false) {
            let why = a
                .reason
                .strip_prefix("loses contact: ")
                .or_else(|| a.reason.strip_prefix("cannot tell: "))
                .unwrap_or(&a.reason);
            para(out, &view.text(why), "    ", "    ", w)?;
        }
        if let Some(u) = &a.upgrade_to {
            writeln!(out, "    upgrade to: {u}")?;
        }
    }
    if !p.groups.is_empty() {
        writeln!(out, "\n{}", style::heading("Groups"))?;
        for g in &p.groups {
            let n = g.agents.len();
            let fate = match g.loses_contact {
                Some(true) => "lose contact",
                _ => "cannot tell",
            };
            para(
                out,
                &format!(
                    "{} ({n} agent{}, {fate}): {}",
                    g.name,
                    if n == 1 { "" } else { "s" },
                    g.advice
                ),
                "  - ",
                "    ",
                w,
            )?;
        }
    }
    writeln!(out, "\n{}", style::heading("Order of operations"))?;
    for (i, step) in p.steps.iter().enumerate() {
        let first = format!("  {}. ", i + 1);
        let rest = " ".repeat(first.len());
        para(out, &step.action, &first, &rest, w)?;
        if !step.agents.is_empty() {
            para(out, &step.agents.join(", "), &rest, &rest, w)?;
        }
    }
    if !p.others.is_empty() {
        writeln!(out, "\n{}", style::heading("Not planned"))?;
        for o in &p.others {
            para(
                out,
                &format!("{} ({}): {}", o.target, o.role, o.note),
                "  ",
                "    ",
                w,
            )?;
        }
    }
    writeln!(out, "\n{}", style::heading("Notes"))?;
    for n in &p.notes {
        para(out, n, "  - ", "    ", w)?;
    }
    let status = match s.status {
        PolicyStatus::Passed => style::good("every agent keeps contact").to_string(),
        PolicyStatus::Failed => style::bad(&format!(
            "{} agent{} would lose contact",
            s.lose,
            if s.lose == 1 { "" } else { "s" }
        ))
        .to_string(),
        PolicyStatus::Incomplete => style::warn(&format!(
            "no agent is known to lose contact, but {} cannot be told",
            s.unknown
        ))
        .to_string(),
    };
    writeln!(out, "\nplan: {status}")
}

/// `|` inside a Markdown table cell.
/// Markdown text from the plan (reasons, labels, names): `|`, `<` and `>`
/// escaped, so a table keeps its shape and nothing reads as HTML.
fn cell(s: &str) -> String {
    super::layout::md_cell(s)
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
        .map(|l| format!("{}: {}", l.direction.name(), md_status(l.status)))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Markdown: a summary, a table of agents, the groups and the steps.
pub fn markdown(out: &mut dyn Write, p: &PlanReport) -> io::Result<()> {
    writeln!(
        out,
        "# Plan: switch the manager to `{}`\n\n{}\n",
        p.to.id,
        cell(&p.to.name)
    )?;
    writeln!(out, "- **Fleet**: {}", source(p))?;
    writeln!(out, "- **Before**: {}", cell(&before_line(p)))?;
    let s = &p.summary;
    writeln!(
        out,
        "- **Agents**: {} (keep contact {}, lose contact {}, cannot tell {})\n",
        s.agents, s.keep, s.lose, s.unknown
    )?;
    if !p.agents.is_empty() {
        writeln!(out, "## Agents\n")?;
        writeln!(
            out,
            "| Agent | Behaves like | Direction | Before | After | Verdict | Upgrade to |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for a in &p.agents {
            let like = a
                .behaves_like
                .clone()
                .unwrap_or_else(|| match a.candidates.as_slice() {
                    [] => "unidentified".into(),
                    c => c.join(" or "),
                });
            let v = match a.loses_contact {
                Some(true) => format!("❌ {}", a.reason),
                Some(false) => "✅ keeps contact".into(),
                None => format!("❔ {}", a.reason),
            };
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                cell(&a.target),
                cell(&like),
                a.direction.name(),
                md_legs(&a.before),
                md_legs(&a.after),
                cell(&v),
                a.upgrade_to.as_deref().unwrap_or("")
            )?;
        }
        writeln!(out)?;
    }
    if !p.groups.is_empty() {
        writeln!(out, "## Groups\n")?;
        writeln!(out, "| Behaves like | Agents | Upgrade to | Advice |")?;
        writeln!(out, "|---|---|---|---|")?;
        for g in &p.groups {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&g.name),
                g.agents.len(),
                g.upgrade_to.as_deref().unwrap_or(""),
                cell(&g.advice)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "## Order of operations\n")?;
    for (i, step) in p.steps.iter().enumerate() {
        let agents = if step.agents.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                step.agents
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        writeln!(out, "{}. {}{agents}", i + 1, cell(&step.action))?;
    }
    if !p.others.is_empty() {
        writeln!(out, "\n## Not planned\n")?;
        for o in &p.others {
            writeln!(out, "- `{}` ({}): {}", o.target, o.role, cell(&o.note))?;
        }
    }
    writeln!(out, "\n## Notes\n")?;
    for n in &p.notes {
        writeln!(out, "- {}", cell(n))?;
    }
    let status = match s.status {
        PolicyStatus::Passed => "every agent keeps contact".to_string(),
        PolicyStatus::Failed => format!("{} agent(s) would lose contact", s.lose),
        PolicyStatus::Incomplete => format!(
            "no agent is known to lose contact, but {} cannot be told",
            s.unknown
        ),
    };
    writeln!(out, "\n**Plan: {status}**")
}
