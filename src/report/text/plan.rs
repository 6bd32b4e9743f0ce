//! The upgrade plan as text (80 columns unless the terminal says
//! otherwise). Printers only format: who loses contact, the groups, the
//! upgrades and the steps were decided in [`crate::offline::plan`]. The
//! plan's sentences (its status, its counts, where the fleet came from)
//! are defined here for the Markdown and HTML printers too.

use std::io::{self, Write};

use crate::offline::directions::{Evidence, LegStatus, LegVerdict};
use crate::offline::plan::{AgentPlan, PlanReport, PlanSource};
use crate::report::layout::wrap;
use crate::report::{View, style};
use crate::results::{PolicyStatus, Verdict};

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
    match a.verdict {
        Verdict::Incompatible => style::bad("LOSES CONTACT").to_string(),
        Verdict::Compatible => style::good("keeps contact").to_string(),
        Verdict::Inconclusive => style::warn("cannot be judged").to_string(),
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
        colored_status(before.status()),
        colored_status(after.status()),
        evidence_short(before.evidence),
        evidence_short(after.evidence)
    )
}

/// The plan's verdict in a sentence.
pub(crate) fn status_line(s: &crate::offline::plan::PlanSummary) -> String {
    let n = |k: usize| if k == 1 { "" } else { "s" };
    match s.status {
        PolicyStatus::Passed => "every agent keeps contact".into(),
        PolicyStatus::Failed => format!("{} agent{} would lose contact", s.lose, n(s.lose)),
        PolicyStatus::Incomplete => format!(
            "no agent is known to lose contact, but {} cannot be judged",
            s.unknown
        ),
    }
}

/// The counts in a sentence, inferred verdicts named.
pub(crate) fn counts_line(s: &crate::offline::plan::PlanSummary) -> String {
    let inferred = if s.inferred > 0 {
        format!(
            " ({} of these verdicts inferred from the inventory, not probed)",
            s.inferred
        )
    } else {
        String::new()
    };
    format!(
        "Agents: {}; keep contact {}, lose contact {}, cannot be judged {}{inferred}",
        s.agents, s.keep, s.lose, s.unknown
    )
}

/// At most this many agent names under a step in text; the rest are
/// counted (the groups and `--details` name every one).
const STEP_NAMES: usize = 3;

/// The plan for people, within the view's width (80 columns unless the
/// terminal or `COLUMNS` says otherwise). The first screen answers the
/// change board: the verdict, the counts, the order of operations and the
/// groups; then the agents that lose contact or cannot be judged (every
/// agent with `--details`), each with what its verdict rests on.
pub fn text(out: &mut dyn Write, p: &PlanReport, view: &View) -> io::Result<()> {
    let w = view.width;
    let status = painted_status_line(&p.summary);
    head_text(out, p, &status, w)?;
    steps_text(out, p, w)?;
    groups_text(out, p, w)?;
    agents_list_text(out, p, view)?;
    not_planned_text(out, p, w)?;
    writeln!(out, "\n{}", style::heading("Notes"))?;
    for n in &p.notes {
        para(out, n, "  - ", "    ", w)?;
    }
    writeln!(out, "\nplan: {status}")
}

/// The plan's status line in its colour.
fn painted_status_line(s: &crate::offline::plan::PlanSummary) -> String {
    match s.status {
        PolicyStatus::Passed => style::good(&status_line(s)).to_string(),
        PolicyStatus::Failed => style::bad(&status_line(s)).to_string(),
        PolicyStatus::Incomplete => style::warn(&status_line(s)).to_string(),
    }
}

/// The switch, the verdict, the counts, the fleet and the before column.
fn head_text(out: &mut dyn Write, p: &PlanReport, status: &str, w: usize) -> io::Result<()> {
    let head = format!("Plan: switch the manager to {} ({})", p.to.id, p.to.name);
    for l in wrap(&head, w, "", "  ") {
        writeln!(out, "{}", style::heading(&l))?;
    }
    writeln!(out, "Verdict: {status}")?;
    para(out, &counts_line(&p.summary), "", "  ", w)?;
    para(out, &format!("Fleet: {}", source(p)), "", "  ", w)?;
    para(out, &format!("Before: {}", before_line(p)), "", "  ", w)
}

/// The numbered steps, each with its first agents' names.
fn steps_text(out: &mut dyn Write, p: &PlanReport, w: usize) -> io::Result<()> {
    writeln!(out, "\n{}", style::heading("Order of operations"))?;
    for (i, step) in p.steps.iter().enumerate() {
        let first = format!("  {}. ", i + 1);
        let rest = " ".repeat(first.len());
        para(out, &step.action, &first, &rest, w)?;
        if !step.agents.is_empty() {
            let mut names = step.agents[..step.agents.len().min(STEP_NAMES)].join(", ");
            if step.agents.len() > STEP_NAMES {
                names.push_str(&format!(
                    " and {} more (--details lists them)",
                    step.agents.len() - STEP_NAMES
                ));
            }
            para(out, &names, &rest, &rest, w)?;
        }
    }
    Ok(())
}

/// A line per group that loses contact or cannot be judged, with its
/// advice.
fn groups_text(out: &mut dyn Write, p: &PlanReport, w: usize) -> io::Result<()> {
    if p.groups.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", style::heading("Groups"))?;
    for g in &p.groups {
        let n = g.agents.len();
        let fate = match g.verdict {
            Verdict::Incompatible => "lose contact",
            _ => "cannot be judged",
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
    Ok(())
}

/// The agents listed (every one with --details, else those that lose
/// contact or cannot be judged), then how many were not.
fn agents_list_text(out: &mut dyn Write, p: &PlanReport, view: &View) -> io::Result<()> {
    let listed = |v: Verdict| view.details || v != Verdict::Compatible;
    let count = p.agents.count_where(listed);
    if count > 0 {
        let title = if view.details {
            "Agents"
        } else {
            "Agents that lose contact or cannot be judged"
        };
        writeln!(out, "\n{}", style::heading(title))?;
        writeln!(
            out,
            "{}",
            style::dim("Per leg: before and after the switch, then (evidence before / after).")
        )?;
    }
    for a in p.agents.iter_where(listed) {
        agent_text(out, &a, view)?;
    }
    let unlisted = p.agents.len() - count;
    if unlisted > 0 {
        writeln!(out)?;
        para(
            out,
            &format!(
                "{unlisted} agent{} that keep{} contact not listed (--details lists every agent)",
                if unlisted == 1 { "" } else { "s" },
                if unlisted == 1 { "s" } else { "" },
            ),
            "",
            "  ",
            view.width,
        )?;
    }
    Ok(())
}

/// The endpoints of the fleet that are not agents, and why.
fn not_planned_text(out: &mut dyn Write, p: &PlanReport, w: usize) -> io::Result<()> {
    if p.others.is_empty() {
        return Ok(());
    }
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
    Ok(())
}

/// One agent: who, each leg, the verdict with what it rests on.
fn agent_text(out: &mut dyn Write, a: &AgentPlan, view: &View) -> io::Result<()> {
    let w = view.width;
    writeln!(out)?;
    para(out, &format!("{} {}", a.target, who(a)), "", "    ", w)?;
    for (b, af) in a.before.iter().zip(&a.after) {
        writeln!(out, "{}", leg_line(b, af))?;
    }
    // The verdict and, in the same place, whether it is an inference.
    match &a.inferred {
        Some(i) if a.verdict.is_conclusive() => {
            writeln!(out, "  {} {}", verdict(a), style::warn("(inferred)"))?;
            para(out, i, "    ", "    ", w)?;
        }
        _ => writeln!(out, "  {}", verdict(a))?,
    }
    if a.verdict != Verdict::Compatible {
        let why = a
            .reason
            .strip_prefix("loses contact: ")
            .or_else(|| a.reason.strip_prefix("cannot tell: "))
            .unwrap_or(&a.reason);
        // The inference is said above; the reason without it.
        let why = match &a.inferred {
            Some(i) => why.strip_suffix(&format!("; {i}")).unwrap_or(why),
            None => why,
        };
        para(out, &view.text(why), "    ", "    ", w)?;
    }
    if let Some(u) = &a.upgrade {
        para(out, u, "    ", "      ", w)?;
    }
    Ok(())
}
