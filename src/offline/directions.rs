//! Which connections an agent relies on, and whether each one works.
//!
//! An agent and its manager talk over up to two TLS connections
//! (docs/domain.md, "Who listens where"): in **agent-initiated** traffic the
//! agent is the TLS client of the manager's 4120; in **manager-initiated**
//! traffic the manager is the TLS client of the agent's 4118;
//! **bidirectional** (the default) relies on both. A manager change that
//! breaks the leg an agent does not use costs it nothing, so every verdict
//! about "losing contact" is per leg, for the legs the agent's direction
//! relies on.
//!
//! Everything here is pure: profiles in, verdicts as data out, using the
//! offline negotiator ([`crate::model::negotiate`]). `plan` adds live evidence
//! where it has some, and walks the upgrade ladder ([`ladder`]) with
//! [`smallest_upgrade`].

use crate::model::negotiate::{Offer, Preference, negotiate};
use crate::model::profile::{Catalog, Profile};
pub use crate::results::{Direction, Evidence, Leg, LegStatus, LegVerdict};
use crate::results::{ReasonCode, Verdict};

/// The legs a direction relies on, agent-initiated first.
pub fn legs(direction: Direction) -> &'static [Leg] {
    match direction {
        Direction::Bidirectional => &[Leg::AgentInitiated, Leg::ManagerInitiated],
        Direction::AgentInitiated => &[Leg::AgentInitiated],
        Direction::ManagerInitiated => &[Leg::ManagerInitiated],
    }
}

/// One leg between an agent profile and a manager profile, offline. The
/// listener's order decides (what the vendor's manager scripts and the
/// emulator configure); compatibility does not depend on it.
pub fn judge_leg(leg: Leg, agent: &Profile, manager: &Profile) -> LegVerdict {
    let (client, server) = match leg {
        Leg::AgentInitiated => (agent, manager),
        Leg::ManagerInitiated => (manager, agent),
    };
    let n = negotiate(Offer::from(client), Offer::from(server), Preference::Server);
    LegVerdict::negotiated(leg, n.result, Evidence::Profiles)
}

/// Every leg `direction` relies on, offline.
pub fn judge(agent: &Profile, manager: &Profile, direction: Direction) -> Vec<LegVerdict> {
    legs(direction)
        .iter()
        .map(|leg| judge_leg(*leg, agent, manager))
        .collect()
}

/// One verdict from the verdicts of every profile an agent may behave like
/// (`(profile id, verdict)`): when they agree, that is the answer; when they
/// do not, the leg is unknown and the reason says who would get what. An
/// empty list is an unknown leg.
pub fn combine(leg: Leg, verdicts: &[(String, LegVerdict)]) -> LegVerdict {
    let Some((_, first)) = verdicts.first() else {
        return LegVerdict::unknown(
            leg,
            ReasonCode::AgentUnidentified,
            "nothing tells what this agent offers",
        );
    };
    if verdicts.iter().all(|(_, v)| v.verdict == first.verdict) {
        let mut out = first.clone();
        if verdicts
            .iter()
            .any(|(_, v)| v.negotiated != first.negotiated)
        {
            out.negotiated = None;
        }
        if verdicts.len() > 1 && first.verdict == Verdict::Incompatible {
            out.reason = Some(
                verdicts
                    .iter()
                    .map(|(id, v)| format!("{id}: {}", v.reason.as_deref().unwrap_or("fails")))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        return out;
    }
    let who = verdicts
        .iter()
        .map(|(id, v)| format!("{id} {}", v.status().name()))
        .collect::<Vec<_>>()
        .join(", ");
    LegVerdict {
        evidence: first.evidence,
        ..LegVerdict::unknown(
            leg,
            ReasonCode::CandidatesDisagree,
            format!("the candidates disagree: {who}"),
        )
    }
}

/// Whether an agent keeps contact, from the legs it relies on, and the
/// code of the leg that decides: a failing leg is enough to lose it
/// (incompatible, even when another leg is unknown); otherwise an unknown
/// leg leaves it inconclusive; else it is compatible.
pub fn contact(after: &[LegVerdict]) -> (Verdict, Option<ReasonCode>) {
    for want in [Verdict::Incompatible, Verdict::Inconclusive] {
        if let Some(v) = after.iter().find(|v| v.verdict == want) {
            return (want, v.reason_code);
        }
    }
    (Verdict::Compatible, None)
}

/// The agent upgrade ladder, oldest rung first: the catalog's agent
/// profiles that give a `ladder` rung (docs/domain.md, "The upgrade
/// ladder"), so a profile added with `--profiles-dir` can add a rung. A
/// mode such as FIPS (`dsa-fips`) has no rung.
pub fn ladder(catalog: &Catalog) -> Vec<&Profile> {
    let mut rungs: Vec<&Profile> = catalog
        .with_role(crate::model::profile::Role::Agent)
        .filter(|p| p.ladder.is_some())
        .collect();
    rungs.sort_by_key(|p| p.ladder);
    rungs
}

/// What to install to stand on a rung, for people: product versions, not
/// profile ids (the profile's `product`).
pub fn product<'c>(catalog: &'c Catalog, id: &str) -> Option<&'c str> {
    catalog.get(id)?.product.as_deref()
}

/// Where `id` stands on the ladder, 0 the oldest rung.
pub fn rung(catalog: &Catalog, id: &str) -> Option<usize> {
    ladder(catalog).iter().position(|p| p.id == id)
}

/// Whether `id` is a mode of agents (FIPS) rather than a rung: an agent
/// profile off the ladder that no agent version claims as its own.
pub fn is_mode(catalog: &Catalog, id: &str) -> bool {
    catalog
        .get(id)
        .is_some_and(|p| p.ladder.is_none() && p.agent_versions.is_empty())
}

/// The first rung above `from` (or, for an agent off the ladder, from the
/// bottom) whose profile works with `manager` in every leg `direction`
/// relies on, with the later rungs that work too. `None` when no rung
/// above works, or a rung's profile is missing from the catalog.
pub fn smallest_upgrade<'c>(
    catalog: &'c Catalog,
    from: &str,
    manager: &Profile,
    direction: Direction,
) -> Option<(&'c Profile, Vec<&'c Profile>)> {
    let start = rung(catalog, from).map_or(0, |r| r + 1);
    let works = |p: &Profile| {
        judge(p, manager, direction)
            .iter()
            .all(|v| v.verdict == Verdict::Compatible)
    };
    let rungs = ladder(catalog);
    let mut fit = rungs[start.min(rungs.len())..]
        .iter()
        .copied()
        .filter(|p| works(p));
    let first = fit.next()?;
    Some((first, fit.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::TlsVersion;

    fn statuses(v: &[LegVerdict]) -> Vec<(Leg, LegStatus)> {
        v.iter().map(|v| (v.direction, v.status())).collect()
    }

    #[test]
    fn each_direction_is_judged_on_the_legs_it_relies_on() {
        let c = Catalog::builtin().unwrap();
        let strong12 = c.get("dsm-strong-12").unwrap();
        let ten = c.get("dsa-10.0").unwrap();
        use LegStatus::*;
        assert_eq!(
            statuses(&judge(ten, strong12, Direction::Bidirectional)),
            [(Leg::AgentInitiated, Fails), (Leg::ManagerInitiated, Fails)]
        );
        assert_eq!(
            statuses(&judge(ten, strong12, Direction::AgentInitiated)),
            [(Leg::AgentInitiated, Fails)]
        );
        assert_eq!(
            statuses(&judge(ten, strong12, Direction::ManagerInitiated)),
            [(Leg::ManagerInitiated, Fails)]
        );
        let eleven = c.get("dsa-11").unwrap();
        let v = judge(eleven, strong12, Direction::Bidirectional);
        assert_eq!(
            statuses(&v),
            [(Leg::AgentInitiated, Works), (Leg::ManagerInitiated, Works)]
        );
        assert_eq!(v[0].negotiated.unwrap().version, TlsVersion::Tls12);
        assert_eq!(v[0].evidence, Evidence::Profiles);
        let nine = judge(
            c.get("dsa-9.6").unwrap(),
            strong12,
            Direction::AgentInitiated,
        );
        assert_eq!(
            nine[0].reason.as_deref(),
            Some("no common version: client tls1.0, server tls1.2")
        );
        // The manager is the client on 4118: its offer meets the agent's list.
        let m = judge(ten, strong12, Direction::ManagerInitiated);
        assert_eq!(
            m[0].reason.as_deref(),
            Some("no common suite at tls1.2"),
            "{m:?}"
        );
    }

    #[test]
    fn candidates_that_disagree_leave_the_leg_unknown() {
        let c = Catalog::builtin().unwrap();
        let strong = c.get("dsm-strong-12").unwrap();
        let of = |ids: &[&str]| -> Vec<(String, LegVerdict)> {
            ids.iter()
                .map(|id| {
                    (
                        id.to_string(),
                        judge_leg(Leg::AgentInitiated, c.get(id).unwrap(), strong),
                    )
                })
                .collect()
        };
        let v = combine(
            Leg::AgentInitiated,
            &of(&["dsa-10.0", "dsa-10.0-u16", "dsa-fips"]),
        );
        assert_eq!(v.verdict, Verdict::Inconclusive);
        assert_eq!(v.reason_code, Some(ReasonCode::CandidatesDisagree));
        assert_eq!(
            v.reason.as_deref(),
            Some("the candidates disagree: dsa-10.0 fails, dsa-10.0-u16 works, dsa-fips works")
        );
        let v = combine(Leg::AgentInitiated, &of(&["dsa-10.0-u16", "dsa-fips"]));
        assert_eq!(v.status(), LegStatus::Works);
        let v = combine(Leg::AgentInitiated, &of(&["dsa-9.6", "dsa-10.0"]));
        assert_eq!(v.status(), LegStatus::Fails);
        assert_eq!(v.reason_code, Some(ReasonCode::NoCommonVersion));
        assert!(v.reason.unwrap().starts_with("dsa-9.6: no common version"));
        let none = combine(Leg::AgentInitiated, &[]);
        assert_eq!(none.status(), LegStatus::Unknown);
        assert_eq!(none.reason_code, Some(ReasonCode::AgentUnidentified));
    }

    #[test]
    fn a_failing_leg_loses_contact_even_beside_an_unknown_one() {
        let fails = LegVerdict::negotiated(
            Leg::AgentInitiated,
            Err(crate::model::negotiate::Failure::NoCommonGroup {
                version: crate::model::version::TlsVersion::Tls12,
            }),
            Evidence::Profiles,
        );
        let unknown = LegVerdict::unknown(Leg::ManagerInitiated, ReasonCode::ManagerUnknown, "?");
        assert_eq!(
            contact(&[unknown.clone(), fails.clone()]),
            (Verdict::Incompatible, Some(ReasonCode::NoCommonGroup))
        );
        assert_eq!(
            contact(std::slice::from_ref(&unknown)),
            (Verdict::Inconclusive, Some(ReasonCode::ManagerUnknown))
        );
        assert_eq!(contact(&[]), (Verdict::Compatible, None));
    }

    #[test]
    fn the_smallest_upgrade_walks_the_ladder() {
        let c = Catalog::builtin().unwrap();
        let up = |from: &str, to: &str, d: Direction| {
            smallest_upgrade(&c, from, c.get(to).unwrap(), d)
                .map(|(p, later)| (p.id.clone(), later.iter().map(|p| p.id.clone()).collect()))
        };
        let bi = Direction::Bidirectional;
        assert_eq!(
            up("dsa-9.6", "dsm-strong-12", bi),
            Some(("dsa-10.0-u16".into(), vec!["dsa-11".to_string()]))
        );
        assert_eq!(
            up("dsa-10.0", "dsm-strong-10-11", bi),
            Some(("dsa-10.0-u16".into(), vec!["dsa-11".to_string()]))
        );
        assert_eq!(up("dsa-11", "dsm-strong-12", bi), None, "no rung above");
        // Off the ladder (FIPS mode): from the bottom.
        assert_eq!(
            up("dsa-fips", "dsm-strong-12", bi).map(|u| u.0),
            Some("dsa-10.0-u16".into())
        );
        // A 9.6 manager: the 9.6 agent's own rung is the only fit, so no upgrade.
        assert_eq!(up("dsa-9.6", "dsa-9.6", bi), None);
    }
}
