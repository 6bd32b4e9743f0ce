//! A plan's fleet: its targets held, or a CSV inventory's rows read again.
//!
//! An offline plan of a CSV inventory needs nothing of an agent but its
//! row (no scan, no capture), and an entry in memory is about twelve
//! times its row. So such a fleet is kept as the inventory's text
//! ([`Rows`]) and each agent's target is parsed again, by the same
//! function, whenever its plan is made. What the plan says does not
//! change; only where its inputs are kept between passes.

use std::borrow::Cow;

use super::PlanTarget;
use crate::inputs::inventory::{Entry, Rows};
use crate::model::profile::Role;

/// The targets a plan is made from, in inventory order.
#[derive(Debug)]
pub enum PlanTargets {
    /// Each target as it is (scanned now, from a saved report, or an
    /// inventory with a capture or a manager's list).
    Held(Vec<PlanTarget>),
    /// A CSV inventory judged offline, held as its text.
    Rows(Box<Rows>),
}

impl From<Vec<PlanTarget>> for PlanTargets {
    fn from(targets: Vec<PlanTarget>) -> PlanTargets {
        PlanTargets::Held(targets)
    }
}

impl PlanTargets {
    /// The targets held (none for rows, which have no scan and no
    /// capture).
    pub fn held(&self) -> &[PlanTarget] {
        match self {
            PlanTargets::Held(v) => v,
            PlanTargets::Rows(_) => &[],
        }
    }

    /// The targets held, to fill in their scans.
    pub fn held_mut(&mut self) -> &mut [PlanTarget] {
        match self {
            PlanTargets::Held(v) => v,
            PlanTargets::Rows(_) => &mut [],
        }
    }
}

impl PlanTarget {
    /// An inventory's entry, not scanned and not seen in a capture.
    pub fn listed(e: Entry) -> PlanTarget {
        PlanTarget {
            target: e.target.to_string(),
            role: e.target.role,
            expectation: e.expectation,
            scan: None,
            observed: None,
        }
    }
}

/// A plan's agents: the targets of role agent, in inventory order.
#[derive(Debug)]
pub(super) enum Fleet {
    Held(Vec<PlanTarget>),
    Rows {
        rows: Box<Rows>,
        /// The rows that are agents, when some are not.
        agents: Option<Vec<u32>>,
    },
}

impl Fleet {
    /// The agents of `targets`; each other target is handed to `other`.
    pub(super) fn of(targets: PlanTargets, mut other: impl FnMut(&PlanTarget)) -> Fleet {
        match targets {
            PlanTargets::Held(mut v) => {
                // The agents stay in the list they came in (a second list
                // of them would be most of a large plan's memory).
                v.retain(|t| {
                    let agent = t.role == Role::Agent;
                    if !agent {
                        other(t);
                    }
                    agent
                });
                Fleet::Held(v)
            }
            PlanTargets::Rows(rows) => {
                let mut agents = Vec::new();
                let mut all = true;
                for i in 0..rows.len() {
                    let e = rows.entry(i);
                    if e.target.role == Role::Agent {
                        agents.push(i as u32);
                    } else {
                        all = false;
                        other(&PlanTarget::listed(e));
                    }
                }
                Fleet::Rows {
                    rows,
                    agents: (!all).then_some(agents),
                }
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Fleet::Held(v) => v.len(),
            Fleet::Rows {
                agents: Some(a), ..
            } => a.len(),
            Fleet::Rows { rows, agents: None } => rows.len(),
        }
    }

    /// The `i`th agent.
    pub(super) fn get(&self, i: usize) -> Cow<'_, PlanTarget> {
        match self {
            Fleet::Held(v) => Cow::Borrowed(&v[i]),
            Fleet::Rows { rows, agents } => {
                let row = agents.as_ref().map_or(i, |a| a[i] as usize);
                Cow::Owned(PlanTarget::listed(rows.entry(row)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::Catalog;
    use crate::offline::plan::{PlanInput, PlanSource, build};

    /// A plan of an inventory's rows is the plan of its entries held: the
    /// same document, the agents and the other targets in the same order.
    #[test]
    fn a_plan_of_rows_is_the_plan_of_the_entries_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.csv");
        std::fs::write(
            &path,
            "host,role,profile,agent_version,labels\n\
             a.example,,,9.6.2-7723,web\n\
             m.example,manager,,,\n\
             b.example,agent,dsa-20,,\n\
             r.example,relay,,20.0.0-877,\n\
             c.example,,,20.0.0-877,\n",
        )
        .unwrap();
        let mut catalog = Catalog::builtin().unwrap();
        let read = |catalog: &Catalog| {
            crate::inputs::inventory::Rows::read(&path, None, Role::Agent, catalog)
                .unwrap()
                .unwrap()
        };
        let mut rows = read(&catalog);
        rows.resolve_profiles(|p| catalog.resolve(p)).unwrap();
        let held: Vec<PlanTarget> = (0..rows.len())
            .map(|i| PlanTarget::listed(rows.entry(i)))
            .collect();
        assert_eq!(held[2].expectation.expect, ["dsa-11"], "dsa-20 resolved");
        let plan = |targets: PlanTargets| {
            let report = build(PlanInput {
                to: catalog.get("dsm-strong-12").unwrap(),
                catalog: &catalog,
                source: PlanSource::Offline,
                targets,
                manager: None,
                observed_manager: None,
                unlisted: Vec::new(),
                manager_saved: false,
            });
            serde_json::to_string_pretty(&report).unwrap()
        };
        let from_rows = plan(PlanTargets::Rows(Box::new(rows)));
        assert_eq!(from_rows, plan(held.into()));
        let v: serde_json::Value = serde_json::from_str(&from_rows).unwrap();
        let agents: Vec<&str> = v["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["target"].as_str().unwrap())
            .collect();
        assert_eq!(
            agents,
            ["a.example:4118", "b.example:4118", "c.example:4118"]
        );
        assert_eq!(v["others"].as_array().unwrap().len(), 2);
    }
}
