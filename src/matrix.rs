//! The offline compatibility matrix: every client profile against every
//! server profile, negotiated without touching the network.
//!
//! "If I switch this manager to the 12.x strong cipher set, which agents lose
//! contact?" is `tlscompat matrix --server dsm-strong-12`. Servers default to
//! every manager profile and every agent profile acting as a server (the agent
//! listens on 4118 for the manager), clients to every agent profile.

use crate::negotiate::{Negotiation, Offer, Preference, negotiate};
use crate::profile::{Profile, Role};

/// All pairs, in server-major order.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Whose suite order decided.
    pub preference: Preference,
    /// One entry per (server, client).
    pub pairs: Vec<Pair>,
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
                    negotiation: negotiate(Offer::from(*client), Offer::from(*server), preference),
                })
            })
            .collect();
        Matrix { preference, pairs }
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
    use crate::profile::Catalog;
    use crate::suites::CipherSuiteId;
    use crate::version::TlsVersion;

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
    }
}
