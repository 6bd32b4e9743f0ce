//! A plan's agents, made when they are read instead of held.
//!
//! An agent's plan is about 2.3 KB (every leg before and after with its
//! reason, the upgrade in words); its inputs (the inventory's line, a scan
//! when there is one) are a fraction of that, and the plan of a
//! million-agent inventory held every agent's plan at once (2.3 GB). So
//! [`Agents`] keeps the inputs and the one byte that every printer sorts or
//! filters by (the verdict), and makes each agent's plan again, from the
//! same inputs and by the same function, each time a printer reads it: the
//! JSON writer once, the HTML page three times (its grid's filters, its
//! rows, its details). What a plan says does not change, only when it is
//! worked out.
//!
//! A plan read back from a document (or written by a test) holds its
//! agents as they are.

use std::borrow::Cow;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{AgentPlan, Now, agent, answered};
use crate::model::profile::{Catalog, Profile};
use crate::offline::directions::Evidence;
use crate::results::{Fate, TargetReport, Verdict};

/// The agents of a plan, one per inventory agent, in inventory order.
#[derive(Debug, Clone)]
pub struct Agents {
    source: Source,
    /// Only these fates are listed (`--only`); none: all.
    only: Option<Vec<Fate>>,
    /// Applied to each agent as it is read (the terminal's escape, set by
    /// the text printer, which this module cannot name).
    map: Option<fn(AgentPlan) -> AgentPlan>,
}

#[derive(Debug, Clone)]
enum Source {
    /// As read back from a document, or written by a test.
    Held(Vec<AgentPlan>),
    /// Made from the fleet each time they are read.
    Made(Arc<Maker>),
}

/// What every agent's plan is made from.
#[derive(Debug)]
pub(super) struct Maker {
    pub(super) to: Profile,
    pub(super) catalog: Catalog,
    /// The manager as it is now, when it answered (the before column).
    pub(super) manager: Option<TargetReport>,
    pub(super) evidence: Evidence,
    /// The manager's own offer as a client, seen in a capture.
    pub(super) observed: Option<crate::observe::SeenClient>,
    /// Whether the fleet's scans come from a saved report.
    pub(super) saved: bool,
    /// The agents of the fleet, in inventory order.
    pub(super) targets: super::fleet::Fleet,
    /// Each agent's verdict, worked out once (by [`Agents::made`]).
    pub(super) verdicts: Vec<Verdict>,
}

impl Maker {
    /// The manager as it is now, as `agent` takes it.
    fn now(&self) -> Option<Now<'_>> {
        answered(self.manager.as_ref()).map(|(report, server)| Now {
            report,
            server,
            evidence: self.evidence,
            observed: self.observed.as_ref(),
        })
    }

    fn make(&self, i: usize, now: Option<&Now<'_>>) -> AgentPlan {
        agent(
            &self.targets.get(i),
            &self.to,
            &self.catalog,
            now,
            self.saved,
        )
    }
}

impl Agents {
    /// Agents held as they are.
    pub fn held(agents: Vec<AgentPlan>) -> Agents {
        Agents {
            source: Source::Held(agents),
            only: None,
            map: None,
        }
    }

    /// Agents made from `maker`, each handed to `each` once now (the
    /// groups and counts are worked out from that pass); their verdicts are
    /// kept.
    pub(super) fn made(mut maker: Maker, mut each: impl FnMut(AgentPlan)) -> Agents {
        let now = maker.now();
        let verdicts: Vec<Verdict> = (0..maker.targets.len())
            .map(|i| {
                let a = maker.make(i, now.as_ref());
                let verdict = a.verdict;
                each(a);
                verdict
            })
            .collect();
        maker.verdicts = verdicts;
        Agents {
            source: Source::Made(Arc::new(maker)),
            only: None,
            map: None,
        }
    }

    fn verdict(&self, i: usize) -> Verdict {
        match &self.source {
            Source::Held(v) => v[i].verdict,
            Source::Made(m) => m.verdicts[i],
        }
    }

    fn total(&self) -> usize {
        match &self.source {
            Source::Held(v) => v.len(),
            Source::Made(m) => m.verdicts.len(),
        }
    }

    fn listed(&self, verdict: Verdict) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.contains(&Fate::of(verdict)))
    }

    /// Lists only the agents of these fates from now on (`--only`).
    pub fn keep_only(&mut self, only: &[Fate]) {
        self.only = Some(only.to_vec());
    }

    /// Applies `map` to each agent as it is read (once per plan: the
    /// terminal's escape).
    pub fn map_each(&mut self, map: fn(AgentPlan) -> AgentPlan) {
        assert!(self.map.is_none(), "one map per plan");
        self.map = Some(map);
    }

    /// How many agents are listed.
    pub fn len(&self) -> usize {
        self.count_where(|_| true)
    }

    /// Whether no agent is listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any agent has labels (without making the agents).
    pub fn any_labels(&self) -> bool {
        match &self.source {
            Source::Held(v) => v
                .iter()
                .any(|a| self.listed(a.verdict) && !a.labels.is_empty()),
            Source::Made(m) => {
                m.verdicts.iter().enumerate().any(|(i, v)| {
                    self.listed(*v) && !m.targets.get(i).expectation.labels.is_empty()
                })
            }
        }
    }

    /// The positions of the listed agents whose verdict is `verdict`, in
    /// inventory order: for [`Agents::get`].
    pub fn positions(&self, verdict: Verdict) -> impl Iterator<Item = usize> + '_ {
        self.positions_where(move |v| v == verdict)
    }

    /// The positions of the listed agents whose verdict passes `keep`, in
    /// inventory order (from the kept verdicts: no agent is made).
    fn positions_where<'a>(
        &'a self,
        keep: impl Fn(Verdict) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        (0..self.total()).filter(move |&i| {
            let v = self.verdict(i);
            keep(v) && self.listed(v)
        })
    }

    /// The agent at position `i` (see [`Agents::positions`]).
    pub fn get(&self, i: usize) -> Cow<'_, AgentPlan> {
        let a = match &self.source {
            Source::Held(v) => Cow::Borrowed(&v[i]),
            Source::Made(m) => Cow::Owned(m.make(i, m.now().as_ref())),
        };
        self.mapped(a)
    }

    fn mapped<'a>(&self, a: Cow<'a, AgentPlan>) -> Cow<'a, AgentPlan> {
        match self.map {
            Some(map) => Cow::Owned(map(a.into_owned())),
            None => a,
        }
    }

    /// The listed agents, in inventory order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, AgentPlan>> + '_> {
        self.iter_where(|_| true)
    }

    /// The listed agents whose verdict passes `keep`, in inventory order
    /// (the others are not made).
    pub fn iter_where<'a>(
        &'a self,
        keep: impl Fn(Verdict) -> bool + 'a,
    ) -> Box<dyn Iterator<Item = Cow<'a, AgentPlan>> + 'a> {
        let at = self.positions_where(keep);
        match &self.source {
            Source::Held(v) => Box::new(at.map(|i| self.mapped(Cow::Borrowed(&v[i])))),
            Source::Made(m) => {
                let now = m.now();
                Box::new(at.map(move |i| self.mapped(Cow::Owned(m.make(i, now.as_ref())))))
            }
        }
    }

    /// How many listed agents have a verdict that passes `keep`.
    pub fn count_where(&self, keep: impl Fn(Verdict) -> bool) -> usize {
        self.positions_where(keep).count()
    }

    /// Every listed agent, made and held (tests, small plans).
    pub fn to_vec(&self) -> Vec<AgentPlan> {
        self.iter().map(Cow::into_owned).collect()
    }
}

impl Serialize for Agents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Agents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Agents, D::Error> {
        Vec::<AgentPlan>::deserialize(deserializer).map(Agents::held)
    }
}

/// The schema of a list of [`AgentPlan`]: what the document holds.
impl JsonSchema for Agents {
    fn schema_name() -> Cow<'static, str> {
        <Vec<AgentPlan>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Vec<AgentPlan>>::schema_id()
    }

    fn inline_schema() -> bool {
        <Vec<AgentPlan>>::inline_schema()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<AgentPlan>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::plan::{test_agent, test_plan};

    fn plan() -> crate::offline::plan::PlanReport {
        test_plan(
            "dsm-strong-12",
            vec![
                test_agent("a", "9.6.2-7723", None, &["x"]),
                test_agent("b", "20.0.0-3445", None, &[]),
                test_agent("c", "10.0.0-1234", None, &[]),
                test_agent("d", "9.6.2-7723", None, &[]),
            ],
        )
    }

    #[test]
    fn made_agents_read_as_held_ones() {
        let p = plan();
        let made = serde_json::to_value(&p).unwrap();
        let held: crate::offline::plan::PlanReport = serde_json::from_value(made.clone()).unwrap();
        assert!(matches!(held.agents.source, Source::Held(_)));
        assert_eq!(serde_json::to_value(&held).unwrap(), made);
        // Read twice, the same agents.
        assert_eq!(
            serde_json::to_value(p.agents.to_vec()).unwrap(),
            made["agents"]
        );
    }

    #[test]
    fn positions_get_and_only_agree_with_the_list() {
        let mut p = plan();
        let names = |a: &Agents, v: Verdict| -> Vec<String> {
            a.positions(v).map(|i| a.get(i).target.clone()).collect()
        };
        assert_eq!(
            names(&p.agents, Verdict::Incompatible),
            ["a:4118", "d:4118"]
        );
        assert_eq!(names(&p.agents, Verdict::Compatible), ["b:4118"]);
        assert_eq!(names(&p.agents, Verdict::Inconclusive), ["c:4118"]);
        assert_eq!(p.agents.len(), 4);
        assert!(p.agents.any_labels());
        p.agents.keep_only(&[Fate::Keep, Fate::Unknown]);
        assert_eq!(p.agents.len(), 2);
        assert!(
            !p.agents.any_labels(),
            "a:4118, the one with labels, is not listed"
        );
        assert!(names(&p.agents, Verdict::Incompatible).is_empty());
        let listed: Vec<String> = p.agents.iter().map(|a| a.target.clone()).collect();
        assert_eq!(listed, ["b:4118", "c:4118"]);
        p.agents.map_each(|mut a| {
            a.target.push('!');
            a
        });
        assert_eq!(p.agents.get(1).target, "b:4118!");
        assert_eq!(p.agents.iter().next().unwrap().target, "b:4118!");
    }
}
