//! The offline compatibility matrix: every client profile against every
//! server profile, negotiated without touching the network.
//!
//! "If I switch this manager to the 12.x strong cipher set, which agents lose
//! contact?" is `tlscompat matrix --server dsm-strong-12`. By default the
//! pairs follow the channel's two directions ([`Matrix::directions`]):
//! agent profiles as clients of manager profiles (agent-initiated, 4120) and
//! manager profiles as clients of agent profiles (manager-initiated, 4118),
//! never an agent with an agent. Explicit `--client`/`--server` lists pair
//! every client with every server ([`Matrix::build`]).

use crate::model::negotiate::{Negotiation, Offer, Preference, negotiate};
use crate::model::profile::{Profile, Role};
use crate::results::Leg;

/// All pairs, in server-major order.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Whose suite order decided.
    pub preference: Preference,
    /// One entry per (server, client).
    pub pairs: Vec<Pair>,
    /// The directions the pairs were built for, in order; empty when the
    /// client and server lists were given explicitly.
    pub directions: Vec<Leg>,
}

/// One client/server pair and what they negotiate.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Client profile id.
    pub client: String,
    /// Server profile id.
    pub server: String,
    /// The server profile's role.
    pub server_role: Role,
    /// The channel direction this pair is, from the roles: an agent client
    /// of a manager or relay is agent-initiated, a manager client of an
    /// agent manager-initiated; other pairs have none.
    pub direction: Option<Leg>,
    /// The outcome.
    pub negotiation: Negotiation,
}

impl Matrix {
    /// Negotiates every client with every server.
    pub fn build(clients: &[&Profile], servers: &[&Profile], preference: Preference) -> Matrix {
        let pairs = servers
            .iter()
            .flat_map(|server| {
                clients.iter().map(move |client| Pair {
                    client: client.id.clone(),
                    server: server.id.clone(),
                    server_role: server.role,
                    direction: match (client.role, server.role) {
                        (Role::Agent, Role::Manager | Role::Relay) => Some(Leg::AgentInitiated),
                        (Role::Manager, Role::Agent) => Some(Leg::ManagerInitiated),
                        _ => None,
                    },
                    negotiation: negotiate(Offer::from(*client), Offer::from(*server), preference),
                })
            })
            .collect();
        Matrix {
            preference,
            pairs,
            directions: Vec::new(),
        }
    }

    /// The pairs of the channel's directions, in the order given:
    /// agent-initiated pairs every agent (client) with every manager or
    /// relay (server); manager-initiated every manager (client) with every
    /// agent (server). Profiles of other roles are left out.
    pub fn directions(
        agents: &[&Profile],
        managers: &[&Profile],
        which: &[Leg],
        preference: Preference,
    ) -> Matrix {
        let agents: Vec<&Profile> = agents
            .iter()
            .copied()
            .filter(|p| p.role == Role::Agent)
            .collect();
        let servers: Vec<&Profile> = managers
            .iter()
            .copied()
            .filter(|p| matches!(p.role, Role::Manager | Role::Relay))
            .collect();
        let clients: Vec<&Profile> = managers
            .iter()
            .copied()
            .filter(|p| p.role == Role::Manager)
            .collect();
        let mut pairs = Vec::new();
        for leg in which {
            let m = match leg {
                Leg::AgentInitiated => Matrix::build(&agents, &servers, preference),
                Leg::ManagerInitiated => Matrix::build(&clients, &agents, preference),
            };
            pairs.extend(m.pairs);
        }
        Matrix {
            preference,
            pairs,
            directions: which.to_vec(),
        }
    }

    /// The pairs of one direction, in matrix order.
    pub fn pairs_of(&self, leg: Leg) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(move |p| p.direction == Some(leg))
    }

    /// Server ids in matrix order, without repeats.
    pub fn servers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.pairs {
            if !out.contains(&p.server.as_str()) {
                out.push(&p.server);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::Catalog;
    use crate::model::suites::CipherSuiteId;
    use crate::model::version::TlsVersion;

    fn outcome(m: &Matrix, client: &str, server: &str) -> Result<(TlsVersion, u16), String> {
        let pair = m
            .pairs
            .iter()
            .find(|p| p.client == client && p.server == server)
            .unwrap();
        pair.negotiation
            .result
            .clone()
            .map(|a| (a.version, a.cipher_suite.0))
            .map_err(|e| e.to_string())
    }

    /// The facts of docs/domain.md, "What managers offer": who each manager strands.
    #[test]
    fn strong_cipher_managers_strand_old_agents() {
        let catalog = Catalog::builtin().unwrap();
        let agents: Vec<&Profile> = catalog.with_role(Role::Agent).collect();
        let servers = [
            catalog.get("dsm-strong-12").unwrap(),
            catalog.get("dsm-strong-10-11").unwrap(),
        ];
        let m = Matrix::build(&agents, &servers, Preference::Server);
        assert_eq!(m.pairs.len(), 10);
        for server in ["dsm-strong-12", "dsm-strong-10-11"] {
            assert_eq!(
                outcome(&m, "dsa-9.6", server),
                Err("no common version: client tls1.0, server tls1.2".into())
            );
            assert_eq!(
                outcome(&m, "dsa-10.0", server),
                Err("no common suite at tls1.2".into())
            );
            for ok in ["dsa-10.0-u16", "dsa-11", "dsa-fips"] {
                assert_eq!(
                    outcome(&m, ok, server),
                    Ok((TlsVersion::Tls12, 0xC030)),
                    "{ok} → {server}"
                );
            }
        }
        let pair = m
            .pairs
            .iter()
            .find(|p| p.client == "dsa-10.0-u16" && p.server == "dsm-strong-12")
            .unwrap();
        assert_eq!(
            pair.negotiation.mutual[&TlsVersion::Tls12],
            [CipherSuiteId(0xC030), CipherSuiteId(0xC02F)]
        );
    }

    #[test]
    fn agents_as_servers() {
        let catalog = Catalog::builtin().unwrap();
        let agents: Vec<&Profile> = catalog.with_role(Role::Agent).collect();
        let m = Matrix::build(&agents, &agents, Preference::Server);
        // A FIPS-mode agent still talks to a 10.0 agent over RSA key exchange.
        assert_eq!(
            outcome(&m, "dsa-fips", "dsa-10.0"),
            Ok((TlsVersion::Tls12, 0x003D))
        );
        assert_eq!(
            outcome(&m, "dsa-10.0", "dsa-fips"),
            Ok((TlsVersion::Tls12, 0x003D))
        );
        // The 9.6 agent talks to nobody but itself.
        for other in ["dsa-10.0", "dsa-10.0-u16", "dsa-11", "dsa-fips"] {
            assert!(outcome(&m, "dsa-9.6", other).is_err());
        }
        assert_eq!(
            outcome(&m, "dsa-9.6", "dsa-9.6"),
            Ok((TlsVersion::Tls10, 0x0035))
        );
        // Client preference: the FIPS agent as server follows the u16 client's order.
        let m = Matrix::build(&agents, &agents, Preference::Client);
        assert_eq!(
            outcome(&m, "dsa-10.0-u16", "dsa-fips"),
            Ok((TlsVersion::Tls12, 0xC030))
        );
        assert_eq!(m.servers().len(), 5);
        assert!(
            m.pairs.iter().all(|p| p.direction.is_none()),
            "agent with agent"
        );
    }

    #[test]
    fn directions_pair_agents_with_managers_both_ways_never_agent_with_agent() {
        let catalog = Catalog::builtin().unwrap();
        let all: Vec<&Profile> = catalog.all().collect();
        let both = [Leg::AgentInitiated, Leg::ManagerInitiated];
        let m = Matrix::directions(&all, &all, &both, Preference::Server);
        assert_eq!(m.pairs.len(), 20, "5 agents × 2 managers, each way");
        assert_eq!(m.pairs_of(Leg::AgentInitiated).count(), 10);
        for p in m.pairs_of(Leg::ManagerInitiated) {
            assert!(
                p.client.starts_with("dsm-") && p.server.starts_with("dsa-"),
                "{p:?}"
            );
        }
        let agent_with_agent = m
            .pairs
            .iter()
            .filter(|p| p.client.starts_with("dsa-") && p.server.starts_with("dsa-"));
        assert_eq!(agent_with_agent.count(), 0);
        // The strong 12.x manager as the client of a 10.0 agent's 4118.
        assert_eq!(
            outcome(&m, "dsm-strong-12", "dsa-10.0"),
            Err("no common suite at tls1.2".into())
        );
        let m = Matrix::directions(&all, &all, &[Leg::ManagerInitiated], Preference::Server);
        assert_eq!(m.pairs.len(), 10);
        assert_eq!(m.directions, [Leg::ManagerInitiated]);
    }
}
