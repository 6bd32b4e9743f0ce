//! `plan --to PROFILE`: the pre-upgrade audit. "If I switch the manager to
//! this configuration, which agents lose contact, and what is the smallest
//! upgrade that keeps each of them?"
//!
//! The fleet comes from a scan made now (`-i`), a saved scan report
//! (`--from`) or agent versions alone (`--offline`); the manager as it is
//! now (the "before" column) from `--manager` or the inventory's one manager
//! target. This module is pure: it turns those inputs into a [`PlanReport`],
//! which printers format and `commands::plan` maps to an exit status. Per agent, every
//! leg its direction relies on ([`crate::offline::directions`]) is judged before and
//! after, with the best evidence at hand:
//!
//! - after, agent-initiated: the agent's profile negotiated offline against
//!   `--to` (the future manager cannot be probed);
//! - after, manager-initiated: a real probe of the agent with `--to`'s hello
//!   when it was scanned now (or saved with that profile), else the agent's
//!   scanned set or its profile, offline;
//! - before, agent-initiated: the manager scan's verdict for the agent's
//!   profile; before, manager-initiated: the manager's scanned set as the
//!   client's offer (an inference: a manager offers as a client what it
//!   accepts on 4120) against what the agent accepts.
//!
//! Agents that lose contact are grouped by the profile they behave like,
//! each group with the first rung of the upgrade ladder that keeps it, and
//! the steps put the upgrades before the switch.

mod agents;
mod fleet;

pub use agents::Agents;
pub use fleet::PlanTargets;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::negotiate::{Offer, Preference, negotiate};
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::offline::directions::{
    self, Direction, Evidence, Leg, LegStatus, LegVerdict, combine, judge_leg, legs,
};
use crate::results::{
    ErrorKind, Expectation, Judged, PolicyStatus, ReasonCode, SCHEMA_VERSION, ServerReport,
    TargetReport, TargetStatus, Tool, Verdict,
};

/// The whole plan, as `plan --format json` writes it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanReport {
    /// The schema version of this document.
    pub schema_version: u32,
    /// This tool.
    pub tool: Tool,
    /// The manager's planned configuration.
    pub to: ProfileRef,
    /// Where the fleet came from: `inventory` (scanned now), `report`
    /// (a saved scan) or `offline` (agent versions, no probing).
    pub source: PlanSource,
    /// The manager as it is now (the "before" column); null when unknown.
    pub manager: Option<ManagerNow>,
    /// One entry per agent, in inventory order.
    // Made when read, not held: see `Agents`.
    pub agents: Agents,
    /// Targets that are not agents (managers, relays): not planned.
    pub others: Vec<OtherTarget>,
    /// Agents that lose contact (or cannot be told), grouped by the
    /// profile they behave like, each with its upgrade.
    pub groups: Vec<PlanGroup>,
    /// The order of operations.
    pub steps: Vec<PlanStep>,
    /// What the verdicts rest on, and what is unknown, for people.
    pub notes: Vec<String>,
    /// Agents seen in the packet captures (`--observed`) that the fleet
    /// does not list: their addresses.
    #[serde(default)]
    pub unlisted_observed: Vec<String>,
    /// Counts and the exit status.
    pub summary: PlanSummary,
}

/// A profile by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileRef {
    /// The id.
    pub id: String,
    /// The human name.
    pub name: String,
}

impl ProfileRef {
    /// The id and name of `p`.
    pub fn of(p: &Profile) -> ProfileRef {
        ProfileRef {
            id: p.id.clone(),
            name: p.name.clone(),
        }
    }
}

/// Where the fleet came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    /// An inventory, scanned now (`-i`).
    Inventory,
    /// A saved scan report (`--from`).
    Report,
    /// An inventory with agent versions, not probed (`--offline`).
    Offline,
}

/// The manager's current endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ManagerNow {
    /// `host:port`.
    pub target: String,
    /// Whether it could be scanned.
    pub status: TargetStatus,
    /// Manager profiles it behaves like.
    pub behaves_like: Vec<String>,
    /// Why it could not be scanned.
    pub error: Option<String>,
    /// `probe` (scanned now) or `saved_scan`.
    pub evidence: Evidence,
}

/// How an agent's profile was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentifiedBy {
    /// What its endpoint accepted (`behaves_like` of the scan).
    Scan,
    /// Its agent version in the inventory.
    AgentVersion,
    /// The profile the inventory names.
    Profile,
    /// Its own ClientHello, seen in a packet capture (`--observed`).
    Observed,
    /// Nothing identifies it.
    None,
}

/// One agent, before and after.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AgentPlan {
    /// `host:port`.
    pub target: String,
    /// The agent version the inventory gives.
    pub agent_version: Option<String>,
    /// How it talks to the manager (bidirectional unless the inventory says).
    pub direction: Direction,
    /// The agent profile it behaves like; null when unknown or undecided.
    pub behaves_like: Option<String>,
    /// Every profile it may behave like (one when decided).
    pub candidates: Vec<String>,
    /// How `candidates` were found.
    pub identified_by: IdentifiedBy,
    /// After the switch: `compatible` (keeps contact in every leg its
    /// direction relies on), `incompatible` (loses it in some leg) or
    /// `inconclusive` (cannot be told).
    pub verdict: Verdict,
    /// Why not compatible, stable: the code of the leg that decides.
    pub reason_code: Option<ReasonCode>,
    /// Derived from `verdict` (kept for readers of `schema_version` 2):
    /// true when it would lose contact, null when that cannot be told.
    pub loses_contact: Option<bool>,
    /// The smallest upgrade (a profile id on the ladder) that keeps it;
    /// null when it keeps contact or no rung does.
    pub upgrade_to: Option<String>,
    /// The upgrade to recommend: the newest rung that keeps it (the
    /// newest agent line the profiles know); null as `upgrade_to`.
    pub recommended: Option<String>,
    /// The upgrade in product versions, for people: the newest line
    /// first, the smallest upgrade second; null as `upgrade_to`.
    pub upgrade: Option<String>,
    /// When the verdict is an inference (the agent was not probed, or its
    /// probe could not identify it), what it was inferred from, in a
    /// sentence; null when every leg rests on what the agent did.
    pub inferred: Option<String>,
    /// Each leg it relies on, with the manager as it is now.
    pub before: Vec<LegVerdict>,
    /// Each leg it relies on, with the manager switched to `to`.
    pub after: Vec<LegVerdict>,
    /// The verdict in a sentence.
    pub reason: String,
    /// The inventory's labels.
    pub labels: Vec<String>,
}

/// A target that is not planned.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OtherTarget {
    /// `host:port`.
    pub target: String,
    /// Its role.
    pub role: Role,
    /// Why it is not planned.
    pub note: String,
}

/// Agents that behave alike and share a fate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanGroup {
    /// The profile they behave like; null when undecided or unknown.
    pub behaves_like: Option<String>,
    /// Every profile they may behave like.
    pub candidates: Vec<String>,
    /// For people: the profile's name, or the candidates.
    pub name: String,
    /// `incompatible` (they lose contact) or `inconclusive` (they cannot
    /// be told).
    pub verdict: Verdict,
    /// Derived from `verdict`: `true`, or null when it cannot be told.
    pub loses_contact: Option<bool>,
    /// The agents (`host:port`).
    pub agents: Vec<String>,
    /// The first ladder rung that keeps them.
    pub upgrade_to: Option<String>,
    /// Later rungs that keep them too.
    pub also: Vec<String>,
    /// The rung to recommend: the newest that keeps them.
    pub recommended: Option<String>,
    /// The upgrade in product versions, for people.
    pub upgrade: Option<String>,
    /// What to do, in Deep Security terms.
    pub advice: String,
}

/// One step of the order of operations.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanStep {
    /// What to do.
    pub action: String,
    /// The agents it concerns (empty for the switch itself).
    pub agents: Vec<String>,
}

/// Counts and the exit status.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanSummary {
    /// `passed` (every agent keeps contact), `failed` (some agent loses
    /// it) or `incomplete` (nobody is known to lose it, but some agent
    /// cannot be told).
    pub status: PolicyStatus,
    /// 0, 1 or 3, as the process exits.
    pub exit_code: u8,
    /// Agents planned.
    pub agents: usize,
    /// Agents that keep contact.
    pub keep: usize,
    /// Agents that lose contact.
    pub lose: usize,
    /// Agents that cannot be told.
    pub unknown: usize,
    /// Agents whose verdict (keep or lose) is inferred from the inventory
    /// rather than measured: counted in `keep` or `lose` too.
    pub inferred: usize,
}

/// One target of the fleet, as the plan gets it.
#[derive(Debug, Clone)]
pub struct PlanTarget {
    /// `host:port`.
    pub target: String,
    /// Its role.
    pub role: Role,
    /// What the inventory (or the saved report) says about it.
    pub expectation: Expectation,
    /// Its scan, when it was scanned (now or in the saved report). Boxed,
    /// like `observed`: most targets of a big inventory have neither, and
    /// inline they made every target 2.2 KB.
    pub scan: Option<Box<TargetReport>>,
    /// Its own offer, seen in a packet capture (`--observed`).
    pub observed: Option<Box<crate::observe::SeenClient>>,
}

/// Everything a plan is made from.
#[derive(Debug)]
pub struct PlanInput<'a> {
    /// The planned manager configuration.
    pub to: &'a Profile,
    /// Every profile (candidates and ladder rungs are looked up here).
    pub catalog: &'a Catalog,
    /// Where the fleet came from.
    pub source: PlanSource,
    /// The fleet.
    pub targets: PlanTargets,
    /// The manager's current endpoint, scanned now (`--manager`), or saved
    /// (`--to REPORT`: see `manager_saved`).
    pub manager: Option<TargetReport>,
    /// The manager's own offer as a client of agents, seen in a packet
    /// capture (`--observed`).
    pub observed_manager: Option<crate::observe::SeenClient>,
    /// Agents seen in the packet captures that the fleet does not list.
    pub unlisted: Vec<crate::observe::SeenClient>,
    /// Whether `manager` comes from a saved report rather than a probe now.
    pub manager_saved: bool,
}

/// The plan.
pub fn build(input: PlanInput<'_>) -> PlanReport {
    let PlanInput {
        to,
        catalog,
        source,
        targets,
        manager,
        observed_manager,
        unlisted,
        manager_saved: given_saved,
    } = input;
    let saved = source == PlanSource::Report;
    let mut notes = Vec::new();
    let (manager, manager_evidence) =
        manager_as_now(manager, given_saved, saved, targets.held(), &mut notes);
    let manager_now = manager
        .as_ref()
        .map(|m| ManagerNow::of(m, catalog, manager_evidence));
    note_now(manager.as_ref(), &mut notes);
    evidence_notes(
        &mut notes,
        answered(manager.as_ref()).is_some(),
        observed_manager.as_ref(),
        targets.held().iter().any(|t| t.observed.is_some()),
        &unlisted,
        to,
        source,
    );
    let mut others = Vec::new();
    let fleet = fleet::Fleet::of(targets, |t| {
        let chosen = manager.as_ref().is_some_and(|m| m.target == t.target);
        others.push(other_target(t, t.role, chosen, source));
    });
    let maker = agents::Maker {
        to: to.clone(),
        catalog: catalog.clone(),
        manager,
        evidence: manager_evidence,
        observed: observed_manager,
        saved,
        targets: fleet,
        verdicts: Vec::new(),
    };
    let mut tally = Tally::new(catalog);
    let agents = Agents::made(maker, |a| tally.add(a));
    let summary = tally.summary();
    let groups = tally.groups(to);
    let steps = steps(&groups, to, catalog);
    if agents.is_empty() {
        notes.push("no agent in the fleet: nothing to plan".into());
    }
    PlanReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        to: ProfileRef::of(to),
        source,
        manager: manager_now,
        agents,
        others,
        groups,
        steps,
        notes,
        unlisted_observed: unlisted.iter().map(|u| u.address.to_string()).collect(),
        summary,
    }
}

/// A note when the manager was given (or listed) but could not be scanned:
/// the before column is then unknown.
fn note_now(manager: Option<&TargetReport>, notes: &mut Vec<String>) {
    if let (Some(m), None) = (manager, answered(manager)) {
        notes.push(format!(
            "before: unknown: the manager {} could not be scanned{}",
            m.target,
            m.error
                .as_ref()
                .map(|e| format!(" ({})", e.message))
                .unwrap_or_default()
        ));
    }
}

/// The manager as it is now: `--manager`, else the fleet's one manager
/// (a note says why there is none), with where its report came from.
fn manager_as_now(
    manager: Option<TargetReport>,
    given_saved: bool,
    saved: bool,
    targets: &[PlanTarget],
    notes: &mut Vec<String>,
) -> (Option<TargetReport>, Evidence) {
    let listed: Vec<&PlanTarget> = targets
        .iter()
        .filter(|t| t.role == Role::Manager && t.scan.is_some())
        .collect();
    let (manager, manager_saved) = match manager {
        Some(m) => (Some(m), given_saved),
        None if listed.len() == 1 => (listed[0].scan.as_deref().cloned(), saved),
        None => {
            if listed.len() > 1 {
                notes.push(format!(
                    "before: unknown: the fleet lists {} managers; give --manager TARGET to say which one is switched",
                    listed.len()
                ));
            } else {
                notes.push(
                    "before: unknown: give --manager TARGET (the manager as it is now) to fill the before column"
                        .into(),
                );
            }
            (None, false)
        }
    };
    let manager_evidence = if manager_saved {
        Evidence::SavedScan
    } else {
        Evidence::Probe
    };
    (manager, manager_evidence)
}

impl ManagerNow {
    /// The before column's manager: its scan, the manager profiles it
    /// behaves like, and the evidence.
    fn of(m: &TargetReport, catalog: &Catalog, evidence: Evidence) -> ManagerNow {
        ManagerNow {
            target: m.target.clone(),
            status: m.status,
            behaves_like: m
                .behaves_like()
                .iter()
                .filter(|id| catalog.get(id).is_some_and(|p| p.role == Role::Manager))
                .cloned()
                .collect(),
            error: m.error.as_ref().map(|e| e.message.clone()),
            evidence,
        }
    }
}

/// What the plan's columns rest on, said once: the manager's offer as a
/// client (seen in a capture, or inferred from its server side), agents
/// judged by what a capture saw, agents seen but not listed, and how the
/// after column is found for this source.
fn evidence_notes(
    notes: &mut Vec<String>,
    now: bool,
    observed_manager: Option<&crate::observe::SeenClient>,
    any_observed: bool,
    unlisted: &[crate::observe::SeenClient],
    to: &Profile,
    source: PlanSource,
) {
    match (now, observed_manager) {
        (true, Some(m)) => notes.push(format!(
            "before, manager-initiated: the manager's own ClientHello to agents (4118), seen from {} in the capture, as its offer as a client",
            m.address
        )),
        (true, None) => notes.push(
            "before, manager-initiated: the manager's accepted versions and suites on 4120 taken as its offer as a client (an inference: the sources do not say the manager's client side differs)"
                .into(),
        ),
        _ => {}
    }
    if any_observed {
        notes.push(
            "agent-initiated: agents seen in the capture are judged by the offer they were seen to make (evidence `observed`)"
                .into(),
        );
    }
    for u in unlisted {
        notes.push(format!(
            "seen in the capture but not in the fleet: agent {}{}",
            u.address,
            if u.behaves_like.is_empty() {
                String::new()
            } else {
                format!(" (behaves like {})", u.behaves_like.join(", "))
            }
        ));
    }
    if to.role != Role::Manager {
        notes.push(format!(
            "--to {} is a profile of role {}, not a manager: it is taken as the manager's planned configuration all the same",
            to.id, to.role
        ));
    }
    notes.push(format!(
        "after, agent-initiated: each agent's profile negotiated offline against {} (the future manager cannot be probed)",
        to.id
    ));
    notes.push(match source {
        PlanSource::Inventory => format!(
            "after, manager-initiated: a probe of each agent with {}'s hello, the manager's planned offer",
            to.id
        ),
        PlanSource::Report => format!(
            "after, manager-initiated: the saved probe with {}'s hello where the report has one, else {} negotiated against what the scan saw each agent accept",
            to.id, to.id
        ),
        PlanSource::Offline => format!(
            "after, manager-initiated: {} negotiated offline against each agent's profile (nothing was probed)",
            to.id
        ),
    });
}

/// A target of the fleet that is not an agent: why it is not planned.
fn other_target(t: &PlanTarget, role: Role, chosen: bool, source: PlanSource) -> OtherTarget {
    let note = match role {
        Role::Manager if chosen => "the manager as it is now: the before column".into(),
        Role::Manager if source == PlanSource::Offline => format!(
            "a manager: not probed offline (give --manager {} to scan it for the before column)",
            t.target
        ),
        Role::Manager => "a manager, not an agent: not planned".into(),
        Role::Relay => {
            "a relay: not planned as an agent (list its agent with role agent to plan it)".into()
        }
        _ => format!("role {role}: not planned"),
    };
    OtherTarget {
        target: t.target.clone(),
        role,
        note,
    }
}

/// What the counts and the groups need of each agent, gathered in the one
/// pass that makes every agent's plan (the plans themselves are not kept:
/// see [`Agents`]).
struct Tally<'a> {
    catalog: &'a Catalog,
    lose: usize,
    keep: usize,
    unknown: usize,
    inferred: usize,
    /// The agents that do not keep contact (`host:port` and direction).
    groups: BTreeMap<GroupKey, Vec<(String, Direction)>>,
}

/// A group's key, in the groups' order: whether its agents cannot be told,
/// their lowest rung's place on the ladder, their candidates.
type GroupKey = (bool, usize, Vec<String>);

impl<'a> Tally<'a> {
    fn new(catalog: &'a Catalog) -> Tally<'a> {
        Tally {
            catalog,
            lose: 0,
            keep: 0,
            unknown: 0,
            inferred: 0,
            groups: BTreeMap::new(),
        }
    }

    fn add(&mut self, a: AgentPlan) {
        match a.verdict {
            Verdict::Incompatible => self.lose += 1,
            Verdict::Compatible => self.keep += 1,
            Verdict::Inconclusive => self.unknown += 1,
        }
        if a.verdict.is_conclusive() && a.inferred.is_some() {
            self.inferred += 1;
        }
        if a.verdict == Verdict::Compatible {
            return;
        }
        let order = lowest_rung(self.catalog, &a.candidates)
            .and_then(|c| directions::rung(self.catalog, c))
            .unwrap_or(if a.candidates.is_empty() {
                usize::MAX
            } else {
                directions::ladder(self.catalog).len()
            });
        self.groups
            .entry((a.verdict == Verdict::Inconclusive, order, a.candidates))
            .or_default()
            .push((a.target, a.direction));
    }

    /// How many agents keep, lose or cannot tell contact, and the status
    /// and exit code that follow.
    fn summary(&self) -> PlanSummary {
        let Tally {
            lose,
            keep,
            unknown,
            inferred,
            ..
        } = *self;
        // As in `scan`: a known loss beats what cannot be told.
        let status = if lose > 0 {
            PolicyStatus::Failed
        } else if unknown > 0 {
            PolicyStatus::Incomplete
        } else {
            PolicyStatus::Passed
        };
        PlanSummary {
            status,
            exit_code: match status {
                PolicyStatus::Passed => 0,
                PolicyStatus::Failed => 1,
                PolicyStatus::Incomplete => 3,
            },
            agents: lose + keep + unknown,
            keep,
            lose,
            unknown,
            inferred,
        }
    }
}

/// The planned manager: `base` with what `drop` takes out (`plan --to …
/// --drop tls1.0`). A suite left with no version it can run at goes too.
/// The id and name say what was dropped; an error says what would be left
/// empty.
pub fn with_drops(
    mut p: Profile,
    drop: &[crate::offline::whatif::Drop],
) -> Result<Profile, String> {
    use crate::offline::whatif::{dropped_suite, dropped_version};
    if drop.is_empty() {
        return Ok(p);
    }
    let dropped: Vec<String> = drop.iter().map(ToString::to_string).collect();
    p.versions.retain(|v| !dropped_version(drop, *v));
    let versions = p.versions.clone();
    p.cipher_suites.retain(|s| {
        !dropped_suite(drop, *s)
            && s.suite()
                .is_none_or(|c| versions.iter().any(|v| c.valid_at(*v)))
    });
    if p.versions.is_empty() || p.cipher_suites.is_empty() {
        return Err(format!(
            "{} without {} accepts nothing: no {} left",
            p.id,
            dropped.join(", "),
            if p.versions.is_empty() {
                "version"
            } else {
                "cipher suite"
            }
        ));
    }
    p.name = format!("{}, without {}", p.name, dropped.join(", "));
    p.id = format!("{}-without-{}", p.id, dropped.join("-"));
    p.aliases.clear();
    Ok(p)
}

/// The manager of a saved scan report (`plan --to REPORT`): its one
/// manager that answered, or its one endpoint. An error names what the
/// report holds instead.
pub fn manager_of(targets: &[TargetReport]) -> Result<&TargetReport, String> {
    let ok: Vec<&TargetReport> = targets
        .iter()
        .filter(|t| t.status == TargetStatus::Ok && t.server.is_some())
        .collect();
    let managers: Vec<&TargetReport> = ok
        .iter()
        .copied()
        .filter(|t| t.role == Role::Manager)
        .collect();
    match (managers.as_slice(), ok.as_slice()) {
        ([one], _) | ([], [one]) => Ok(one),
        ([], []) => Err("it holds no endpoint that was scanned".into()),
        ([], many) | (many, _) => Err(format!(
            "it holds {} endpoints that could be the manager ({}): save a scan of the manager alone",
            many.len(),
            many.iter()
                .take(5)
                .map(|t| t.target.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub use crate::results::Fate;

/// Lists only the agents of these fates (`--only`); the counts, groups and
/// steps stay the whole fleet's, and a note says the list is filtered.
pub fn keep_only(report: &mut PlanReport, only: &[Fate]) {
    let before = report.agents.len();
    report.agents.keep_only(only);
    let names: Vec<&str> = only.iter().map(|f| f.name()).collect();
    report.notes.push(format!(
        "--only {}: {} of {before} agents listed; the counts, groups and steps are the whole fleet's",
        names.join(","),
        report.agents.len()
    ));
}

/// The manager as scanned now (or in the saved report).
struct Now<'a> {
    report: &'a TargetReport,
    server: &'a ServerReport,
    evidence: Evidence,
    /// Its own offer as a client, seen in a capture.
    observed: Option<&'a crate::observe::SeenClient>,
}

/// What an endpoint accepted, as an offer: its versions and every suite.
fn accepted(server: &ServerReport) -> (Vec<TlsVersion>, Vec<CipherSuiteId>) {
    let mut suites: Vec<CipherSuiteId> = Vec::new();
    for s in server.cipher_suites.values().flatten() {
        if !suites.contains(s) {
            suites.push(*s);
        }
    }
    (server.cipher_suites.keys().copied().collect(), suites)
}

/// A client offer against what a scan saw a server accept. A failure is
/// proven only where every version the client could still use was probed
/// (the rule of `what-if`).
fn against_scanned(
    leg: Leg,
    versions: &[TlsVersion],
    suites: &[CipherSuiteId],
    server: &ServerReport,
) -> LegVerdict {
    let (sv, ss) = accepted(server);
    let n = negotiate(
        Offer {
            versions,
            suites,
            groups: None,
        },
        Offer {
            versions: &sv,
            suites: &ss,
            groups: None,
        },
        Preference::Server,
    );
    let unprobed: Vec<TlsVersion> = versions
        .iter()
        .copied()
        .filter(|v| !server.probed.all_suites && !server.probed.versions.contains(v))
        .collect();
    match n.result {
        Err(_) if !unprobed.is_empty() => LegVerdict {
            evidence: Evidence::ScannedSet,
            ..LegVerdict::unknown(
                leg,
                ReasonCode::VersionNotProbed,
                format!(
                    "it would depend on {} that the scan never probed",
                    crate::model::version::join(&unprobed)
                ),
            )
        },
        result => LegVerdict::negotiated(leg, result, Evidence::ScannedSet),
    }
}

/// A scan's verdict for one client profile, when it has a conclusive one.
fn probed_verdict(
    leg: Leg,
    report: &TargetReport,
    profile: &str,
    evidence: Evidence,
) -> Option<LegVerdict> {
    let p = report.profiles.iter().find(|p| p.profile == profile)?;
    // Rule: the probe's verdict and code are the leg's.
    Some(LegVerdict {
        direction: leg,
        verdict: p.verdict,
        negotiated: p.negotiated.filter(|_| p.verdict != Verdict::Inconclusive),
        reason: match p.verdict {
            Verdict::Compatible => None,
            _ => Some(
                p.reason
                    .clone()
                    .unwrap_or_else(|| "the probe got no usable answer".into()),
            ),
        },
        reason_code: p.reason_code,
        evidence,
        judged: Judged::Unknown,
    })
}

/// Whether an agent's own port gave anything to judge it by.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    /// Not scanned: an offline plan, or a saved report without it.
    NotScanned,
    /// Its port answered, and what it accepted is known.
    Answered,
    /// Its port was never reached (refused, silent, unresolvable, the run
    /// interrupted), or it listens on nothing by design: the inventory is
    /// all there is, and a verdict from it is an inference.
    NotReached(String),
    /// Its port answered, but with nothing usable (not TLS, every
    /// connection closed, malformed): the agent is unknown. Judging it
    /// from its version would hide that something else answers there.
    Unusable(String),
}

/// Errors that mean the agent's port was not reached at all.
fn not_reached(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Dns
            | ErrorKind::Refused
            | ErrorKind::Timeout
            | ErrorKind::Unreachable
            | ErrorKind::Connect
    )
}

/// Who an agent may be, how that was found, and whether its port answered.
struct Identity {
    candidates: Vec<String>,
    by: IdentifiedBy,
    /// A remark for the reason (an expectation the scan contradicts, …).
    remark: Option<String>,
    reach: Reach,
}

/// Who the agent may be, how that was found, and a remark.
fn identify(
    scan: Option<&TargetReport>,
    e: &Expectation,
    catalog: &Catalog,
    direction: Direction,
) -> Identity {
    let reach = match scan {
        None => Reach::NotScanned,
        Some(s) => match (s.status, &s.server, &s.error) {
            (TargetStatus::Ok, Some(_), _) => Reach::Answered,
            (TargetStatus::NotScanned, ..) => {
                Reach::NotReached("not scanned: the run was interrupted".into())
            }
            // An agent-initiated agent listens on nothing: whatever its
            // port does says nothing about the leg it relies on.
            (_, _, Some(err))
                if not_reached(err.kind) || direction == Direction::AgentInitiated =>
            {
                Reach::NotReached(format!("its port was not reached ({})", err.message))
            }
            (_, _, Some(err)) => Reach::Unusable(format!(
                "its port answered but gave no usable answer ({}: {})",
                err.kind, err.message
            )),
            _ => Reach::NotReached("its port was not reached".into()),
        },
    };
    let mut remark = None;
    if let (Reach::Answered, Some(scan)) = (&reach, scan) {
        let agents: Vec<String> = scan
            .behaves_like()
            .iter()
            .filter(|id| catalog.get(id).is_some_and(|p| p.role == Role::Agent))
            .cloned()
            .collect();
        if !agents.is_empty() {
            // The scan wins; a different expectation is worth a word.
            let remark = (!e.expect.is_empty() && !e.expect.iter().any(|x| agents.contains(x)))
                .then(|| {
                    format!(
                        "the inventory expected {}{}, but it behaves like {}",
                        e.expect.join(" or "),
                        e.agent_version
                            .as_deref()
                            .map(|v| format!(" (agent version {v})"))
                            .unwrap_or_default(),
                        agents.join(", ")
                    )
                });
            return Identity {
                candidates: agents,
                by: IdentifiedBy::Scan,
                remark,
                reach,
            };
        }
        remark = Some("its endpoint behaves like no agent profile".to_string());
    }
    let by = if e.expect.is_empty() {
        IdentifiedBy::None
    } else if e.agent_version.is_some() {
        IdentifiedBy::AgentVersion
    } else {
        IdentifiedBy::Profile
    };
    Identity {
        candidates: e.expect.clone(),
        by,
        remark,
        reach,
    }
}

/// How the agent's side of a leg was known: its own port's answer for the
/// leg that connects to it (`own`), else how the agent was identified.
fn judged(v: &LegVerdict, own: bool, by: IdentifiedBy) -> Judged {
    if v.verdict == Verdict::Inconclusive {
        return Judged::Unknown;
    }
    if own {
        return Judged::Probed;
    }
    match by {
        IdentifiedBy::Scan => Judged::Probed,
        IdentifiedBy::AgentVersion => Judged::FromInventoryVersion,
        IdentifiedBy::Profile => Judged::FromProfile,
        IdentifiedBy::Observed => Judged::Observed,
        IdentifiedBy::None => Judged::Unknown,
    }
}

/// What an inferred verdict was inferred from, and why it is not measured.
fn inferred_from(e: &Expectation, id: &Identity) -> String {
    let from = match (id.by, &e.agent_version) {
        (IdentifiedBy::AgentVersion, Some(v)) => {
            format!("agent version {v} in the inventory")
        }
        _ => format!(
            "the profile the inventory names ({})",
            id.candidates.join(" or ")
        ),
    };
    let why = match &id.reach {
        Reach::NotScanned => "it was not probed".to_string(),
        Reach::NotReached(why) => why.clone(),
        Reach::Answered | Reach::Unusable(_) => id
            .remark
            .clone()
            .unwrap_or_else(|| "its probe did not identify it".into()),
    };
    format!("inferred from {from}: {why}")
}

/// The scan of an endpoint that answered, with what it accepted.
fn answered(scan: Option<&TargetReport>) -> Option<(&TargetReport, &ServerReport)> {
    scan.filter(|s| s.status == TargetStatus::Ok)
        .and_then(|s| s.server.as_ref().map(|server| (s, server)))
}

/// One leg judged with every candidate profile, combined.
fn by_candidates(
    leg: Leg,
    profiles: &[&Profile],
    f: &dyn Fn(&Profile) -> LegVerdict,
) -> LegVerdict {
    if profiles.is_empty() {
        return LegVerdict::unknown(
            leg,
            ReasonCode::AgentUnidentified,
            "nothing tells which agent profile it behaves like (give its agent_version in the inventory)",
        );
    }
    combine(
        leg,
        &profiles
            .iter()
            .map(|p| (p.id.clone(), f(p)))
            .collect::<Vec<_>>(),
    )
}

/// One leg with the manager as it is now.
fn leg_now(
    leg: Leg,
    now: &Now<'_>,
    own: Option<(&TargetReport, &ServerReport)>,
    profiles: &[&Profile],
) -> LegVerdict {
    match leg {
        Leg::AgentInitiated => by_candidates(leg, profiles, &|p| {
            probed_verdict(leg, now.report, &p.id, now.evidence)
                .unwrap_or_else(|| against_scanned(leg, &p.versions, &p.cipher_suites, now.server))
        }),
        Leg::ManagerInitiated => {
            let (mv, ms) = match now.observed {
                Some(m) => (m.profile.versions.clone(), m.profile.cipher_suites.clone()),
                None => accepted(now.server),
            };
            let evidence = if now.observed.is_some() {
                Evidence::Observed
            } else {
                Evidence::ScannedSet
            };
            match own {
                Some((_, server)) => LegVerdict {
                    evidence,
                    ..against_scanned(leg, &mv, &ms, server)
                },
                None => by_candidates(leg, profiles, &|p| {
                    let n = negotiate(
                        Offer {
                            versions: &mv,
                            suites: &ms,
                            groups: None,
                        },
                        Offer::from(p),
                        Preference::Server,
                    );
                    LegVerdict::negotiated(leg, n.result, evidence)
                }),
            }
        }
    }
}

/// Each leg an agent's direction relies on, judged from its scan and the
/// manager's (both made now, or both `saved`): what `scan` reports as an
/// agent's `directions` when the inventory has one manager. `None` when
/// the manager did not answer or the target is not an agent.
pub fn legs_now(
    agent: &TargetReport,
    manager: &TargetReport,
    catalog: &Catalog,
    saved: bool,
) -> Option<Vec<LegVerdict>> {
    if agent.role != Role::Agent {
        return None;
    }
    let (report, server) = answered(Some(manager))?;
    let now = Now {
        report,
        server,
        evidence: if saved {
            Evidence::SavedScan
        } else {
            Evidence::Probe
        },
        observed: None,
    };
    let e = agent.inventory.clone().unwrap_or_default();
    let direction = e.direction.unwrap_or(Direction::Bidirectional);
    let id = identify(Some(agent), &e, catalog, direction);
    let profiles: Vec<&Profile> = id
        .candidates
        .iter()
        .filter_map(|c| catalog.get(c))
        .collect();
    let own = answered(Some(agent)).filter(|_| id.reach == Reach::Answered);
    Some(
        legs(direction)
            .iter()
            .map(|&leg| {
                let mut v = match &id.reach {
                    Reach::Unusable(why) => LegVerdict {
                        evidence: now.evidence,
                        ..LegVerdict::unknown(leg, ReasonCode::AgentNotReached, why.clone())
                    },
                    _ => leg_now(leg, &now, own, &profiles),
                };
                v.judged = judged(&v, leg == Leg::ManagerInitiated && own.is_some(), id.by);
                v
            })
            .collect(),
    )
}

/// Sets `directions` on every agent of a run that also scanned exactly one
/// manager: each leg the agent relies on, judged from the two scans.
pub fn judge_directions(targets: &mut [TargetReport], catalog: &Catalog, saved: bool) {
    let managers: Vec<&TargetReport> = targets.iter().filter(|t| t.role == Role::Manager).collect();
    let [manager] = managers.as_slice() else {
        return;
    };
    let manager = (*manager).clone();
    for t in targets.iter_mut().filter(|t| t.role == Role::Agent) {
        t.directions = legs_now(t, &manager, catalog, saved);
    }
}

/// One agent's plan: who it may be, each leg after the switch and before it
/// (the manager as it is now), the verdict with its reason, and the upgrade.
fn agent(
    t: &PlanTarget,
    to: &Profile,
    catalog: &Catalog,
    now: Option<&Now<'_>>,
    saved: bool,
) -> AgentPlan {
    let direction = t.expectation.direction.unwrap_or(Direction::Bidirectional);
    let mut id = identify(t.scan.as_deref(), &t.expectation, catalog, direction);
    let unlike = take_observed(t, &mut id);
    let profiles: Vec<&Profile> = match unlike {
        Some(seen) => vec![&seen.profile],
        None => id
            .candidates
            .iter()
            .filter_map(|c| catalog.get(c))
            .collect(),
    };
    let judge = AgentLegs {
        t,
        to,
        now,
        id: &id,
        profiles: &profiles,
        own_scan: answered(t.scan.as_deref()).filter(|_| id.reach == Reach::Answered),
        scan_evidence: if saved {
            Evidence::SavedScan
        } else {
            Evidence::Probe
        },
    };
    let mut before = Vec::new();
    let mut after = Vec::new();
    for &leg in legs(direction) {
        let (a, b) = judge.leg(leg);
        after.push(a);
        before.push(b);
    }
    let (verdict, reason_code) = directions::contact(&after);
    // Rule: an agent that cannot be told gets an upgrade only when its
    // candidates disagree (the upgrade for those that would lose contact);
    // otherwise nothing shows it needs one.
    let upgrade = match verdict {
        Verdict::Compatible => None,
        Verdict::Inconclusive if id.candidates.len() < 2 => None,
        _ => upgrade_for(&id.candidates, catalog, to, direction),
    };
    let inferred = after
        .iter()
        .chain(&before)
        .any(|v| v.verdict.is_conclusive() && !v.judged.is_measured())
        .then(|| inferred_from(&t.expectation, &id));
    let reason = agent_reason(
        verdict,
        &before,
        &after,
        inferred.as_ref().or(id.remark.as_ref()),
    );
    AgentPlan {
        target: t.target.clone(),
        agent_version: t.expectation.agent_version.clone(),
        direction,
        behaves_like: (id.candidates.len() == 1).then(|| id.candidates[0].clone()),
        identified_by: id.by,
        verdict,
        reason_code,
        loses_contact: verdict.loses_contact(),
        upgrade_to: upgrade.as_ref().map(|(u, _)| u.clone()),
        recommended: upgrade
            .as_ref()
            .map(|(u, also)| also.last().unwrap_or(u).clone()),
        upgrade: upgrade.as_ref().map(|u| upgrade_words(catalog, u)),
        inferred,
        candidates: id.candidates,
        before,
        after,
        reason,
        labels: t.expectation.labels.clone(),
    }
}

/// Its own hello (`--observed`) beats a version string or a profile the
/// inventory names; an offer equal to no profile is itself the one
/// candidate (for the manager-initiated leg, an inference: the agent
/// accepts what it offers), returned.
fn take_observed<'a>(
    t: &'a PlanTarget,
    id: &mut Identity,
) -> Option<&'a crate::observe::SeenClient> {
    let seen = t
        .observed
        .as_deref()
        .filter(|_| id.by != IdentifiedBy::Scan)?;
    id.by = IdentifiedBy::Observed;
    if seen.behaves_like.is_empty() {
        id.candidates = Vec::new();
        Some(seen)
    } else {
        id.candidates = seen.behaves_like.clone();
        None
    }
}

/// What one agent's legs are judged from: who it may be, its own scan,
/// the switch, and the manager as it is now.
struct AgentLegs<'a> {
    t: &'a PlanTarget,
    to: &'a Profile,
    now: Option<&'a Now<'a>>,
    id: &'a Identity,
    /// The profiles it may behave like (or its own observed offer).
    profiles: &'a [&'a Profile],
    /// Its own scan, when its port answered.
    own_scan: Option<(&'a TargetReport, &'a ServerReport)>,
    /// Saved scan or probe now.
    scan_evidence: Evidence,
}

impl AgentLegs<'_> {
    /// One leg after the switch and before it, each marked with how it
    /// was judged.
    fn leg(&self, leg: Leg) -> (LegVerdict, LegVerdict) {
        // The agent-initiated leg of an agent seen in a capture: the offer
        // it was seen to make, against the manager before and after.
        let observed = self
            .t
            .observed
            .as_deref()
            .filter(|_| leg == Leg::AgentInitiated);
        let (mut a, mut b) = if let Some(seen) = observed {
            self.observed(leg, seen)
        } else if let Reach::Unusable(why) = &self.id.reach {
            // Rule: a port that answered with nothing usable leaves the
            // agent unknown; its version would only guess.
            let v = LegVerdict {
                evidence: self.scan_evidence,
                ..LegVerdict::unknown(leg, ReasonCode::AgentNotReached, why.clone())
            };
            (v.clone(), v)
        } else {
            (self.after(leg), self.before(leg))
        };
        let own = leg == Leg::ManagerInitiated && self.own_scan.is_some();
        let mark = |v: &LegVerdict| {
            if observed.is_some() && v.verdict.is_conclusive() {
                Judged::Observed
            } else {
                judged(v, own, self.id.by)
            }
        };
        a.judged = mark(&a);
        b.judged = mark(&b);
        (a, b)
    }

    /// The offer seen in a capture against the switch, and against the
    /// manager as it is now.
    fn observed(&self, leg: Leg, seen: &crate::observe::SeenClient) -> (LegVerdict, LegVerdict) {
        let a = LegVerdict {
            evidence: Evidence::Observed,
            ..judge_leg(leg, &seen.profile, self.to)
        };
        let b = match self.now {
            None => manager_unknown(leg),
            Some(now) => LegVerdict {
                evidence: Evidence::Observed,
                ..against_scanned(
                    leg,
                    &seen.profile.versions,
                    &seen.profile.cipher_suites,
                    now.server,
                )
            },
        };
        (a, b)
    }

    /// The leg after the switch: its candidates against the new
    /// configuration; for the manager-initiated leg, its own scan first.
    fn after(&self, leg: Leg) -> LegVerdict {
        let to = self.to;
        match leg {
            Leg::AgentInitiated => by_candidates(leg, self.profiles, &|p| judge_leg(leg, p, to)),
            Leg::ManagerInitiated => self
                .own_scan
                .and_then(|(s, _)| probed_verdict(leg, s, &to.id, self.scan_evidence))
                .or_else(|| {
                    self.own_scan.map(|(_, server)| {
                        against_scanned(leg, &to.versions, &to.cipher_suites, server)
                    })
                })
                .unwrap_or_else(|| by_candidates(leg, self.profiles, &|p| judge_leg(leg, p, to))),
        }
    }

    /// The leg before the switch, against the manager as it is now.
    fn before(&self, leg: Leg) -> LegVerdict {
        match self.now {
            None => manager_unknown(leg),
            Some(now) => leg_now(leg, now, self.own_scan, self.profiles),
        }
    }
}

/// A leg before the switch when the manager as it is now is unknown.
fn manager_unknown(leg: Leg) -> LegVerdict {
    LegVerdict::unknown(
        leg,
        ReasonCode::ManagerUnknown,
        "the manager's current configuration is unknown",
    )
}

/// The agent's reason: its verdict from the legs after the switch, whether
/// some already fail before it, and what the verdict rests on when not
/// measured (`note`).
fn agent_reason(
    verdict: Verdict,
    before: &[LegVerdict],
    after: &[LegVerdict],
    note: Option<&String>,
) -> String {
    let mut reason = match verdict {
        Verdict::Incompatible => format!(
            "loses contact: {}",
            legs_saying(after, Verdict::Incompatible)
        ),
        Verdict::Compatible => "keeps contact in every direction it relies on".to_string(),
        Verdict::Inconclusive => {
            format!("cannot tell: {}", legs_saying(after, Verdict::Inconclusive))
        }
    };
    if verdict == Verdict::Incompatible && before.iter().any(|v| v.verdict == Verdict::Incompatible)
    {
        reason.push_str(" (some of it already fails before the switch)");
    }
    if let Some(n) = note {
        reason = format!("{reason}; {n}");
    }
    reason
}

/// `leg: reason; leg: reason` for the legs in `status`.
fn legs_saying(v: &[LegVerdict], verdict: Verdict) -> String {
    let default = LegStatus::of(verdict).name();
    v.iter()
        .filter(|v| v.verdict == verdict)
        .map(|v| {
            format!(
                "{}: {}",
                v.direction,
                v.reason.as_deref().unwrap_or(default)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The smallest ladder upgrade from the lowest candidate on the ladder,
/// with the later rungs that work too.
fn upgrade_for(
    candidates: &[String],
    catalog: &Catalog,
    to: &Profile,
    direction: Direction,
) -> Option<(String, Vec<String>)> {
    let lowest = lowest_rung(catalog, candidates)?;
    directions::smallest_upgrade(catalog, lowest, to, direction)
        .map(|(p, later)| (p.id.clone(), later.iter().map(|p| p.id.clone()).collect()))
}

fn name_of(catalog: &Catalog, id: &str) -> String {
    catalog
        .get(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

impl Tally<'_> {
    /// Agents that do not keep contact, grouped by who they behave like, in
    /// ladder order (then others, then the unidentified); agents that lose
    /// contact and agents that cannot be told never share a group.
    fn groups(self, to: &Profile) -> Vec<PlanGroup> {
        let catalog = self.catalog;
        self.groups
            .into_iter()
            .map(|((unknown, _, candidates), members)| {
                // The strictest direction among them decides the upgrade.
                let direction = if members.iter().any(|(_, d)| *d != members[0].1) {
                    Direction::Bidirectional
                } else {
                    members[0].1
                };
                let upgrade = upgrade_for(&candidates, catalog, to, direction);
                let behaves_like = (candidates.len() == 1).then(|| candidates[0].clone());
                let name = match candidates.as_slice() {
                    [] => "agents not identified".to_string(),
                    [one] => name_of(catalog, one),
                    [many @ .., last] => format!("{} or {last}", many.join(", ")),
                };
                let verdict = if unknown {
                    Verdict::Inconclusive
                } else {
                    Verdict::Incompatible
                };
                let advice = advice(
                    &candidates,
                    unknown,
                    upgrade.as_ref(),
                    to,
                    catalog,
                    direction,
                );
                PlanGroup {
                    behaves_like,
                    candidates,
                    name,
                    verdict,
                    loses_contact: verdict.loses_contact(),
                    agents: members.into_iter().map(|(target, _)| target).collect(),
                    upgrade_to: upgrade.as_ref().map(|(u, _)| u.clone()),
                    recommended: upgrade
                        .as_ref()
                        .map(|(u, also)| also.last().unwrap_or(u).clone()),
                    upgrade: upgrade.as_ref().map(|u| upgrade_words(catalog, u)),
                    also: upgrade.map(|(_, also)| also).unwrap_or_default(),
                    advice,
                }
            })
            .collect()
    }
}

/// The candidate lowest on the upgrade ladder.
fn lowest_rung<'a>(catalog: &Catalog, candidates: &'a [String]) -> Option<&'a String> {
    candidates
        .iter()
        .filter_map(|c| Some((directions::rung(catalog, c)?, c)))
        .min_by_key(|(rung, _)| *rung)
        .map(|(_, c)| c)
}

/// A rung as a product to install, for people.
fn product(catalog: &Catalog, id: &str) -> String {
    directions::product(catalog, id).map_or_else(|| name_of(catalog, id), str::to_string)
}

/// "upgrade to the newest line; at the least the smallest rung".
fn upgrade_words(catalog: &Catalog, (first, later): &(String, Vec<String>)) -> String {
    let newest = later.last().unwrap_or(first);
    if newest == first {
        format!("upgrade to {}", product(catalog, first))
    } else {
        format!(
            "upgrade to {}, the newest line; at the least {}",
            product(catalog, newest),
            product(catalog, first)
        )
    }
}

/// What to do about a group, in Deep Security terms.
///
/// Rules: a group that cannot be told is never said to be stranded or to
/// lose contact; "stranded" is said only when the agents' own profile
/// fails with the planned manager and so does every rung above it.
fn advice(
    candidates: &[String],
    unknown: bool,
    upgrade: Option<&(String, Vec<String>)>,
    to: &Profile,
    catalog: &Catalog,
    direction: Direction,
) -> String {
    let lowest = lowest_rung(catalog, candidates);
    if unknown {
        return match (lowest, upgrade) {
            (Some(low), Some(up)) if candidates.len() > 1 => format!(
                "the version alone cannot tell which they behave like: check their Update level and whether strong cipher suites or FIPS mode are on; those that behave like {} need to {}",
                name_of(catalog, low),
                upgrade_words(catalog, up)
            ),
            _ => "cannot be judged: what was tried gave no usable answer (see each agent's reason); nothing shows that they lose contact. Probe them again, or give their agent_version in the inventory".into(),
        };
    }
    let own_works = |id: &str| {
        catalog.get(id).is_some_and(|p| {
            directions::judge(p, to, direction)
                .iter()
                .all(|v| v.verdict == Verdict::Compatible)
        })
    };
    match (candidates, lowest, upgrade) {
        ([], ..) => "these agents behave like no known agent profile: scan their 4118 or give their agent_version in the inventory".into(),
        (_, Some(low), Some(up)) => format!(
            "{} loses contact: {}",
            name_of(catalog, low),
            upgrade_words(catalog, up)
        ),
        ([only], _, _) if directions::is_mode(catalog, only) => {
            let mode = catalog
                .get(only)
                .map_or(only.as_str(), |p| p.name.as_str());
            format!(
                "{mode} is a mode, not a version: no agent upgrade changes what it offers. Keep a suite these agents offer on the manager, or take them out of that mode (then check them again against {})",
                to.id
            )
        }
        (_, Some(low), None) if own_works(low) => format!(
            "{} keeps contact with {} by its profile, yet what was measured fails: these agents are configured differently (a suite or version turned off); check their configuration rather than upgrading",
            name_of(catalog, low),
            to.id
        ),
        (_, Some(low), None) => format!(
            "stranded: neither {} nor any newer agent version keeps contact with {}; keep a suite they offer on the manager",
            name_of(catalog, low),
            to.id
        ),
        _ => format!(
            "{} is not on the upgrade ladder ({}): no upgrade is known to keep these agents",
            candidates.join(" or "),
            directions::ladder(catalog)
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(" < ")
        ),
    }
}

/// Upgrades first, then the switch.
fn steps(groups: &[PlanGroup], to: &Profile, catalog: &Catalog) -> Vec<PlanStep> {
    let mut steps = Vec::new();
    for g in groups {
        let n = g.agents.len();
        let these = if n == 1 {
            "this agent".to_string()
        } else {
            format!("these {n} agents")
        };
        let upgrade = g.upgrade_to.clone().map(|u| (u, g.also.clone()));
        let action = match (&upgrade, g.loses_contact) {
            (Some(up), Some(true)) => {
                format!("{these} ({}): {}", g.name, upgrade_words(catalog, up))
            }
            (Some(up), None) if g.candidates.len() > 1 => format!(
                "check {these} ({}): those that behave like {} need to {}",
                g.name,
                lowest_rung(catalog, &g.candidates).map_or("?".into(), |c| name_of(catalog, c)),
                upgrade_words(catalog, up)
            ),
            _ => format!("resolve {these} ({}): {}", g.name, g.advice),
        };
        steps.push(PlanStep {
            action,
            agents: g.agents.clone(),
        });
    }
    let switch = if steps.is_empty() {
        format!(
            "switch the manager to {} ({}): every agent keeps contact",
            to.id, to.name
        )
    } else {
        format!("then switch the manager to {} ({})", to.id, to.name)
    };
    steps.push(PlanStep {
        action: switch,
        agents: Vec::new(),
    });
    steps
}

/// An agent at `host:4118` known only by its version, as an offline
/// inventory gives it (for tests here and of the printers).
#[cfg(test)]
pub(crate) fn test_agent(
    host: &str,
    version: &str,
    direction: Option<Direction>,
    labels: &[&str],
) -> PlanTarget {
    let (expect, _) =
        crate::inputs::inventory::from_version(&Catalog::builtin().unwrap(), version).unwrap();
    PlanTarget {
        target: format!("{host}:4118"),
        role: Role::Agent,
        expectation: Expectation {
            expect,
            agent_version: Some(version.into()),
            direction,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            ..Expectation::default()
        },
        scan: None,
        observed: None,
    }
}

/// The offline plan of `targets` against the shipped profile `to` (for
/// tests here and of the printers).
#[cfg(test)]
pub(crate) fn test_plan(to: &str, targets: Vec<PlanTarget>) -> PlanReport {
    let catalog = Catalog::builtin().unwrap();
    build(PlanInput {
        to: catalog.get(to).unwrap(),
        catalog: &catalog,
        source: PlanSource::Offline,
        targets: targets.into(),
        manager: None,
        observed_manager: None,
        unlisted: Vec::new(),
        manager_saved: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline(host: &str, version: &str, direction: Option<Direction>) -> PlanTarget {
        test_agent(host, version, direction, &[])
    }

    fn plan(to: &str, targets: Vec<PlanTarget>) -> PlanReport {
        test_plan(to, targets)
    }

    #[test]
    fn offline_agents_are_grouped_with_their_upgrade() {
        let p = plan(
            "dsm-strong-12",
            vec![
                offline("a", "9.6.2-7723", None),
                offline("b", "9.6.2-7724", Some(Direction::AgentInitiated)),
                offline("c", "11.0.0-211", None),
                offline("d", "20.0.0-3445", Some(Direction::ManagerInitiated)),
            ],
        );
        assert_eq!(p.summary.status, PolicyStatus::Failed);
        assert_eq!((p.summary.lose, p.summary.keep), (2, 2));
        assert_eq!(p.groups.len(), 1);
        let g = &p.groups[0];
        assert_eq!(g.behaves_like.as_deref(), Some("dsa-9.6"));
        assert_eq!(g.agents, ["a:4118", "b:4118"]);
        assert_eq!(g.upgrade_to.as_deref(), Some("dsa-10.0-u16"));
        assert_eq!(g.also, ["dsa-11"]);
        // Product versions, the newest line first, the smallest upgrade
        // second.
        assert_eq!(g.recommended.as_deref(), Some("dsa-11"));
        assert_eq!(
            g.advice,
            "Deep Security Agent 9.6 loses contact: upgrade to Deep Security Agent 20 (or 11.0, 12.0), the newest line; at the least Deep Security Agent 10.0 Update 16 or later"
        );
        assert_eq!(p.steps.len(), 2);
        assert!(
            p.steps[0].action.starts_with(
                "these 2 agents (Deep Security Agent 9.6): upgrade to Deep Security Agent 20"
            ),
            "{}",
            p.steps[0].action
        );
        // Verdicts from agent versions are inferences, and say so.
        assert_eq!(p.summary.inferred, 4);
        assert_eq!(
            p.agents.to_vec()[2].inferred.as_deref(),
            Some("inferred from agent version 11.0.0-211 in the inventory: it was not probed")
        );
        assert!(
            p.agents.to_vec()[2]
                .after
                .iter()
                .all(|v| v.judged == Judged::FromInventoryVersion)
        );
        assert!(
            p.steps[1]
                .action
                .starts_with("then switch the manager to dsm-strong-12")
        );
        // Each agent is judged on the legs its direction relies on.
        let legs_of = |i: usize| -> Vec<Leg> {
            p.agents.to_vec()[i]
                .after
                .iter()
                .map(|v| v.direction)
                .collect()
        };
        assert_eq!(legs_of(0), [Leg::AgentInitiated, Leg::ManagerInitiated]);
        assert_eq!(legs_of(1), [Leg::AgentInitiated]);
        assert_eq!(legs_of(3), [Leg::ManagerInitiated]);
        // Before is unknown without a manager, and says so.
        assert!(
            p.agents.to_vec()[0]
                .before
                .iter()
                .all(|v| v.verdict == Verdict::Inconclusive
                    && v.reason_code == Some(ReasonCode::ManagerUnknown))
        );
        assert!(p.notes.iter().any(|n| n.contains("--manager")));
    }

    #[test]
    fn a_version_that_cannot_decide_is_unknown_unless_the_candidates_agree() {
        let p = plan("dsm-strong-12", vec![offline("t", "10.0.0-1234", None)]);
        let agents = p.agents.to_vec();
        let a = &agents[0];
        assert_eq!(a.loses_contact, None);
        assert_eq!(a.behaves_like, None);
        assert_eq!(a.candidates, ["dsa-10.0", "dsa-10.0-u16", "dsa-fips"]);
        assert!(a.reason.contains("the candidates disagree"), "{}", a.reason);
        assert_eq!(a.verdict, Verdict::Inconclusive);
        assert_eq!(a.reason_code, Some(ReasonCode::CandidatesDisagree));
        assert_eq!(a.upgrade_to.as_deref(), Some("dsa-10.0-u16"));
        assert_eq!(p.summary.status, PolicyStatus::Incomplete);
        assert_eq!(p.summary.exit_code, 3);
        assert_eq!(p.groups[0].loses_contact, None);
        // Against a 10.0 agent as the "manager", every candidate... disagrees
        // too; against FIPS mode's six suites, all three agree.
        let p = plan("dsa-fips", vec![offline("t", "10.0.0-1234", None)]);
        assert_eq!(
            p.agents.to_vec()[0].loses_contact,
            Some(false),
            "{:?}",
            p.agents.to_vec()[0]
        );
        assert!(
            p.notes.iter().any(|n| n.contains("not a manager")),
            "{:?}",
            p.notes
        );
        assert_eq!(p.summary.exit_code, 0);
        assert_eq!(p.steps.len(), 1);
        assert!(p.steps[0].action.contains("every agent keeps contact"));
    }

    #[test]
    fn others_are_listed_not_planned() {
        let mut m = offline("dsm", "11.0.0-1", None);
        m.role = Role::Manager;
        let p = plan("dsm-strong-12", vec![m]);
        assert!(p.agents.is_empty());
        assert_eq!(p.others.len(), 1);
        assert_eq!(p.summary.status, PolicyStatus::Passed);
    }
}
