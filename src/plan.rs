//! `plan --to PROFILE`: the pre-upgrade audit. "If I switch the manager to
//! this configuration, which agents lose contact, and what is the smallest
//! upgrade that keeps each of them?"
//!
//! The fleet comes from a scan made now (`-i`), a saved scan report
//! (`--from`) or agent versions alone (`--offline`); the manager as it is
//! now (the "before" column) from `--manager` or the inventory's one manager
//! target. This module is pure: it turns those inputs into a [`PlanReport`],
//! which printers format and `app` maps to an exit status. Per agent, every
//! leg its direction relies on ([`crate::directions`]) is judged before and
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

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::directions::{
    self, Direction, Evidence, FIPS, Leg, LegStatus, LegVerdict, combine, judge_leg, legs,
};
use crate::negotiate::{Offer, Preference, negotiate};
use crate::profile::{Catalog, Profile, Role};
use crate::results::{
    Expectation, PolicyStatus, SCHEMA_VERSION, ServerReport, TargetReport, TargetStatus, Tool,
};
use crate::suites::CipherSuiteId;
use crate::version::TlsVersion;

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
    pub agents: Vec<AgentPlan>,
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
    /// Whether it would lose contact after the switch, in some leg its
    /// direction relies on; null when that cannot be told.
    pub loses_contact: Option<bool>,
    /// The smallest upgrade (a profile id on the ladder) that keeps it;
    /// null when it keeps contact or no rung does.
    pub upgrade_to: Option<String>,
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
    /// `true`, or null when it cannot be told.
    pub loses_contact: Option<bool>,
    /// The agents (`host:port`).
    pub agents: Vec<String>,
    /// The first ladder rung that keeps them.
    pub upgrade_to: Option<String>,
    /// Later rungs that keep them too.
    pub also: Vec<String>,
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
    /// Its scan, when it was scanned (now or in the saved report).
    pub scan: Option<TargetReport>,
    /// Its own offer, seen in a packet capture (`--observed`).
    pub observed: Option<crate::observe::SeenClient>,
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
    pub targets: Vec<PlanTarget>,
    /// The manager's current endpoint, scanned now (`--manager`).
    pub manager: Option<TargetReport>,
    /// The manager's own offer as a client of agents, seen in a packet
    /// capture (`--observed`).
    pub observed_manager: Option<crate::observe::SeenClient>,
    /// Agents seen in the packet captures that the fleet does not list.
    pub unlisted: Vec<crate::observe::SeenClient>,
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
    } = input;
    let saved = source == PlanSource::Report;
    let mut notes = Vec::new();
    // The manager as it is now: `--manager`, else the fleet's one manager.
    let listed: Vec<&PlanTarget> = targets
        .iter()
        .filter(|t| t.role == Role::Manager && t.scan.is_some())
        .collect();
    let (manager, manager_saved) = match manager {
        Some(m) => (Some(m), false),
        None if listed.len() == 1 => (listed[0].scan.clone(), saved),
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
    let manager_now = manager.as_ref().map(|m| ManagerNow {
        target: m.target.clone(),
        status: m.status,
        behaves_like: m
            .server
            .as_ref()
            .map(|s| {
                s.matches_profiles
                    .iter()
                    .filter(|id| catalog.get(id).is_some_and(|p| p.role == Role::Manager))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        error: m.error.as_ref().map(|e| e.message.clone()),
        evidence: manager_evidence,
    });
    let manager_server = manager
        .as_ref()
        .filter(|m| m.status == TargetStatus::Ok)
        .and_then(|m| m.server.as_ref().map(|s| (m, s)));
    if let (Some(m), None) = (&manager, manager_server) {
        notes.push(format!(
            "before: unknown: the manager {} could not be scanned{}",
            m.target,
            m.error
                .as_ref()
                .map(|e| format!(" ({})", e.message))
                .unwrap_or_default()
        ));
    }
    let now = manager_server.map(|(report, server)| Now {
        report,
        server,
        evidence: manager_evidence,
        observed: None,
    });
    let now = now.map(|now| Now {
        observed: observed_manager.as_ref(),
        ..now
    });
    match (&now, &observed_manager) {
        (Some(_), Some(m)) => notes.push(format!(
            "before, manager-initiated: the manager's own ClientHello to agents (4118), seen from {} in the capture, as its offer as a client",
            m.address
        )),
        (Some(_), None) => notes.push(
            "before, manager-initiated: the manager's accepted versions and suites on 4120 taken as its offer as a client (an inference: the sources do not say the manager's client side differs)"
                .into(),
        ),
        _ => {}
    }
    if targets.iter().any(|t| t.observed.is_some()) {
        notes.push(
            "agent-initiated: agents seen in the capture are judged by the offer they were seen to make (evidence `observed`)"
                .into(),
        );
    }
    for u in &unlisted {
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
    let mut agents = Vec::new();
    let mut others = Vec::new();
    for t in &targets {
        match t.role {
            Role::Agent => agents.push(agent(t, to, catalog, now.as_ref(), saved)),
            role => {
                let chosen = manager.as_ref().is_some_and(|m| m.target == t.target);
                let note = match role {
                    Role::Manager if chosen => "the manager as it is now: the before column".into(),
                    Role::Manager if source == PlanSource::Offline => format!(
                        "a manager: not probed offline (give --manager {} to scan it for the before column)",
                        t.target
                    ),
                    Role::Manager => "a manager, not an agent: not planned".into(),
                    Role::Relay => "a relay: not planned as an agent (list its agent with role agent to plan it)".into(),
                    _ => format!("role {role}: not planned"),
                };
                others.push(OtherTarget {
                    target: t.target.clone(),
                    role,
                    note,
                });
            }
        }
    }
    let groups = groups(&agents, to, catalog);
    let steps = steps(&groups, to);
    let count = |want: Option<bool>| agents.iter().filter(|a| a.loses_contact == want).count();
    let (lose, keep, unknown) = (count(Some(true)), count(Some(false)), count(None));
    // As in `scan`: a known loss beats what cannot be told.
    let status = if lose > 0 {
        PolicyStatus::Failed
    } else if unknown > 0 {
        PolicyStatus::Incomplete
    } else {
        PolicyStatus::Passed
    };
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
        summary: PlanSummary {
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
        },
    }
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
                format!(
                    "it would depend on {} that the scan never probed",
                    crate::version::join(&unprobed)
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
    if !p.conclusive {
        return Some(LegVerdict {
            evidence,
            ..LegVerdict::unknown(
                leg,
                p.reason
                    .clone()
                    .unwrap_or_else(|| "the probe got no usable answer".into()),
            )
        });
    }
    Some(LegVerdict {
        direction: leg,
        status: if p.compatible {
            LegStatus::Works
        } else {
            LegStatus::Fails
        },
        negotiated: p.negotiated,
        reason: if p.compatible { None } else { p.reason.clone() },
        evidence,
    })
}

/// Who the agent may be, how that was found, and a remark.
fn identify(
    scan: Option<&TargetReport>,
    e: &Expectation,
    catalog: &Catalog,
) -> (Vec<String>, IdentifiedBy, Option<String>) {
    let mut remark = None;
    if let Some(scan) = scan {
        match (&scan.status, &scan.server) {
            (TargetStatus::Ok, Some(server)) => {
                let agents: Vec<String> = server
                    .matches_profiles
                    .iter()
                    .filter(|id| catalog.get(id).is_some_and(|p| p.role == Role::Agent))
                    .cloned()
                    .collect();
                if !agents.is_empty() {
                    // The scan wins; a different expectation is worth a word.
                    let remark = (!e.expect.is_empty()
                        && !e.expect.iter().any(|x| agents.contains(x)))
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
                    return (agents, IdentifiedBy::Scan, remark);
                }
                remark = Some("its endpoint behaves like no agent profile".to_string());
            }
            _ => {
                remark = Some(format!(
                    "not scanned ({})",
                    scan.error
                        .as_ref()
                        .map(|e| e.message.as_str())
                        .unwrap_or("interrupted")
                ));
            }
        }
    }
    if e.expect.is_empty() {
        return (Vec::new(), IdentifiedBy::None, remark);
    }
    let by = if e.agent_version.is_some() {
        IdentifiedBy::AgentVersion
    } else {
        IdentifiedBy::Profile
    };
    let remark = remark.map(|r| format!("{r}: judged from the inventory"));
    (e.expect.clone(), by, remark)
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
    let (candidates, ..) = identify(Some(agent), &e, catalog);
    let profiles: Vec<&Profile> = candidates.iter().filter_map(|c| catalog.get(c)).collect();
    let own = answered(Some(agent));
    let direction = e.direction.unwrap_or(Direction::Bidirectional);
    Some(
        legs(direction)
            .iter()
            .map(|&leg| leg_now(leg, &now, own, &profiles))
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

fn agent(
    t: &PlanTarget,
    to: &Profile,
    catalog: &Catalog,
    now: Option<&Now<'_>>,
    saved: bool,
) -> AgentPlan {
    let direction = t.expectation.direction.unwrap_or(Direction::Bidirectional);
    let (mut candidates, mut identified_by, remark) =
        identify(t.scan.as_ref(), &t.expectation, catalog);
    // Its own hello beats a version string or a profile the inventory names.
    if let Some(seen) = &t.observed {
        if !seen.behaves_like.is_empty() && identified_by != IdentifiedBy::Scan {
            candidates = seen.behaves_like.clone();
            identified_by = IdentifiedBy::Observed;
        }
    }
    // An offer equal to no profile: the offer itself is the one candidate
    // (for the manager-initiated leg, an inference: the agent accepts what
    // it offers).
    let unlike = t
        .observed
        .as_ref()
        .filter(|s| s.behaves_like.is_empty() && identified_by != IdentifiedBy::Scan);
    if unlike.is_some() {
        candidates = Vec::new();
        identified_by = IdentifiedBy::Observed;
    }
    let profiles: Vec<&Profile> = match unlike {
        Some(seen) => vec![&seen.profile],
        None => candidates.iter().filter_map(|c| catalog.get(c)).collect(),
    };
    let own_scan = answered(t.scan.as_ref());
    let scan_evidence = if saved {
        Evidence::SavedScan
    } else {
        Evidence::Probe
    };
    let mut before = Vec::new();
    let mut after = Vec::new();
    for &leg in legs(direction) {
        let observed = t.observed.as_ref().filter(|_| leg == Leg::AgentInitiated);
        after.push(match leg {
            Leg::AgentInitiated if observed.is_some() => {
                let seen = observed.map(|s| &s.profile).unwrap_or(to);
                LegVerdict {
                    evidence: Evidence::Observed,
                    ..judge_leg(leg, seen, to)
                }
            }
            Leg::AgentInitiated => by_candidates(leg, &profiles, &|p| judge_leg(leg, p, to)),
            Leg::ManagerInitiated => own_scan
                .and_then(|(s, _)| probed_verdict(leg, s, &to.id, scan_evidence))
                .or_else(|| {
                    own_scan.map(|(_, server)| {
                        against_scanned(leg, &to.versions, &to.cipher_suites, server)
                    })
                })
                .unwrap_or_else(|| by_candidates(leg, &profiles, &|p| judge_leg(leg, p, to))),
        });
        before.push(match (now, observed) {
            (None, _) => LegVerdict::unknown(leg, "the manager's current configuration is unknown"),
            (Some(now), Some(seen)) => LegVerdict {
                evidence: Evidence::Observed,
                ..against_scanned(
                    leg,
                    &seen.profile.versions,
                    &seen.profile.cipher_suites,
                    now.server,
                )
            },
            (Some(now), None) => leg_now(leg, now, own_scan, &profiles),
        });
    }
    let loses = directions::loses_contact(&after);
    let upgrade = if loses == Some(false) {
        None
    } else {
        upgrade_for(&candidates, catalog, to, direction)
    };
    let mut reason = match loses {
        Some(true) => format!(
            "loses contact: {}",
            legs_saying(&after, LegStatus::Fails, "fails")
        ),
        Some(false) => "keeps contact in every direction it relies on".to_string(),
        None => format!(
            "cannot tell: {}",
            legs_saying(&after, LegStatus::Unknown, "unknown")
        ),
    };
    if loses == Some(true) && before.iter().any(|v| v.status == LegStatus::Fails) {
        reason.push_str(" (some of it already fails before the switch)");
    }
    if let Some(r) = remark {
        reason = format!("{reason}; {r}");
    }
    AgentPlan {
        target: t.target.clone(),
        agent_version: t.expectation.agent_version.clone(),
        direction,
        behaves_like: (candidates.len() == 1).then(|| candidates[0].clone()),
        candidates,
        identified_by,
        loses_contact: loses,
        upgrade_to: upgrade.map(|(u, _)| u),
        before,
        after,
        reason,
        labels: t.expectation.labels.clone(),
    }
}

/// `leg: reason; leg: reason` for the legs in `status`.
fn legs_saying(v: &[LegVerdict], status: LegStatus, default: &str) -> String {
    v.iter()
        .filter(|v| v.status == status)
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
    let lowest = candidates
        .iter()
        .filter(|c| directions::rung(c).is_some())
        .min_by_key(|c| directions::rung(c))?;
    directions::smallest_upgrade(catalog, lowest, to, direction)
        .map(|(p, later)| (p.id.clone(), later.iter().map(|p| p.id.clone()).collect()))
}

fn name_of(catalog: &Catalog, id: &str) -> String {
    catalog
        .get(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Agents that do not keep contact, grouped by who they behave like, in
/// ladder order (then others, then the unidentified).
fn groups(agents: &[AgentPlan], to: &Profile, catalog: &Catalog) -> Vec<PlanGroup> {
    let mut by: BTreeMap<(usize, Vec<String>, bool), Vec<&AgentPlan>> = BTreeMap::new();
    for a in agents.iter().filter(|a| a.loses_contact != Some(false)) {
        let order = a
            .candidates
            .iter()
            .filter_map(|c| directions::rung(c))
            .min()
            .unwrap_or(if a.candidates.is_empty() {
                usize::MAX
            } else {
                directions::LADDER.len()
            });
        by.entry((order, a.candidates.clone(), a.loses_contact.is_none()))
            .or_default()
            .push(a);
    }
    by.into_iter()
        .map(|((_, candidates, unknown), members)| {
            // The strictest direction among them decides the upgrade.
            let direction = if members.iter().any(|a| a.direction != members[0].direction) {
                Direction::Bidirectional
            } else {
                members[0].direction
            };
            let upgrade = upgrade_for(&candidates, catalog, to, direction);
            let behaves_like = (candidates.len() == 1).then(|| candidates[0].clone());
            let name = match candidates.as_slice() {
                [] => "agents not identified".to_string(),
                [one] => name_of(catalog, one),
                [many @ .., last] => format!("{} or {last}", many.join(", ")),
            };
            let advice = advice(&candidates, unknown, upgrade.as_ref(), to, catalog);
            PlanGroup {
                behaves_like,
                candidates,
                name,
                loses_contact: if unknown { None } else { Some(true) },
                agents: members.iter().map(|a| a.target.clone()).collect(),
                upgrade_to: upgrade.as_ref().map(|(u, _)| u.clone()),
                also: upgrade.map(|(_, also)| also).unwrap_or_default(),
                advice,
            }
        })
        .collect()
}

/// What to do about a group, in Deep Security terms.
fn advice(
    candidates: &[String],
    unknown: bool,
    upgrade: Option<&(String, Vec<String>)>,
    to: &Profile,
    catalog: &Catalog,
) -> String {
    let target = |(u, also): &(String, Vec<String>)| {
        std::iter::once(u)
            .chain(also)
            .map(|id| name_of(catalog, id))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let lowest = candidates
        .iter()
        .filter(|c| directions::rung(c).is_some())
        .min_by_key(|c| directions::rung(c));
    match (candidates, lowest, upgrade) {
        ([], ..) => "these agents behave like no known agent profile: scan their 4118 or give their agent_version in the inventory".into(),
        (_, Some(low), Some(up)) if unknown => format!(
            "the version alone cannot tell which they behave like: check their Update level and whether strong cipher suites or FIPS mode are on; those that behave like {low} need {} → {}",
            name_of(catalog, low),
            target(up)
        ),
        (_, Some(low), Some(up)) => format!("{} → {}", name_of(catalog, low), target(up)),
        ([only], _, _) if only == FIPS => format!(
            "FIPS mode is a mode, not a version: no agent upgrade changes what it offers. Keep a suite these agents offer on the manager, or take them out of FIPS mode (then check them again against {})",
            to.id
        ),
        (_, Some(low), None) => format!(
            "no agent version above {} keeps contact with {}: the switch would strand these agents whatever their upgrade; keep a suite they offer on the manager",
            low, to.id
        ),
        (_, None, _) if unknown => "cannot tell: see each agent's reason".into(),
        _ => format!(
            "{} is not on the upgrade ladder ({}): no upgrade is known to keep these agents",
            candidates.join(" or "),
            directions::LADDER.join(" < ")
        ),
    }
}

/// Upgrades first, then the switch.
fn steps(groups: &[PlanGroup], to: &Profile) -> Vec<PlanStep> {
    let mut steps = Vec::new();
    for g in groups {
        let n = g.agents.len();
        let these = if n == 1 {
            "this agent".to_string()
        } else {
            format!("these {n} agents")
        };
        let action = match (&g.upgrade_to, g.loses_contact) {
            (Some(up), Some(true)) => format!(
                "upgrade {these} ({}) to {up}{}",
                g.behaves_like.as_deref().unwrap_or("?"),
                if g.also.is_empty() {
                    String::new()
                } else {
                    format!(" or later ({})", g.also.join(", "))
                }
            ),
            (Some(up), None) => format!(
                "check {these} ({}): those that behave like {} need {up}",
                g.name,
                g.candidates
                    .iter()
                    .filter(|c| directions::rung(c).is_some())
                    .min_by_key(|c| directions::rung(c))
                    .map_or("?", |c| c.as_str())
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
    let (expect, _) = crate::inventory::from_version(version).unwrap();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn offline(host: &str, version: &str, direction: Option<Direction>) -> PlanTarget {
        test_agent(host, version, direction, &[])
    }

    fn plan(to: &str, targets: Vec<PlanTarget>) -> PlanReport {
        let catalog = Catalog::builtin().unwrap();
        build(PlanInput {
            to: catalog.get(to).unwrap(),
            catalog: &catalog,
            source: PlanSource::Offline,
            targets,
            manager: None,
            observed_manager: None,
            unlisted: Vec::new(),
        })
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
        assert!(
            g.advice.starts_with("Deep Security Agent 9.6 → "),
            "{}",
            g.advice
        );
        assert_eq!(p.steps.len(), 2);
        assert!(
            p.steps[0]
                .action
                .starts_with("upgrade these 2 agents (dsa-9.6) to dsa-10.0-u16")
        );
        assert!(
            p.steps[1]
                .action
                .starts_with("then switch the manager to dsm-strong-12")
        );
        // Each agent is judged on the legs its direction relies on.
        let legs_of =
            |i: usize| -> Vec<Leg> { p.agents[i].after.iter().map(|v| v.direction).collect() };
        assert_eq!(legs_of(0), [Leg::AgentInitiated, Leg::ManagerInitiated]);
        assert_eq!(legs_of(1), [Leg::AgentInitiated]);
        assert_eq!(legs_of(3), [Leg::ManagerInitiated]);
        // Before is unknown without a manager, and says so.
        assert!(
            p.agents[0]
                .before
                .iter()
                .all(|v| v.status == LegStatus::Unknown)
        );
        assert!(p.notes.iter().any(|n| n.contains("--manager")));
    }

    #[test]
    fn a_version_that_cannot_decide_is_unknown_unless_the_candidates_agree() {
        let p = plan("dsm-strong-12", vec![offline("t", "10.0.0-1234", None)]);
        let a = &p.agents[0];
        assert_eq!(a.loses_contact, None);
        assert_eq!(a.behaves_like, None);
        assert_eq!(a.candidates, ["dsa-10.0", "dsa-10.0-u16", "dsa-fips"]);
        assert!(a.reason.contains("the candidates disagree"), "{}", a.reason);
        assert_eq!(a.upgrade_to.as_deref(), Some("dsa-10.0-u16"));
        assert_eq!(p.summary.status, PolicyStatus::Incomplete);
        assert_eq!(p.summary.exit_code, 3);
        assert_eq!(p.groups[0].loses_contact, None);
        // Against a 10.0 agent as the "manager", every candidate... disagrees
        // too; against FIPS mode's six suites, all three agree.
        let p = plan("dsa-fips", vec![offline("t", "10.0.0-1234", None)]);
        assert_eq!(p.agents[0].loses_contact, Some(false), "{:?}", p.agents[0]);
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
