//! `tlscompat demo`: the whole tool on one machine, with nothing to set up.
//!
//! It starts an emulated endpoint for every shipped profile on loopback
//! (ephemeral ports), scans each with every agent profile, exactly as `scan`
//! would scan a real manager or agent, and compares every live answer with
//! the offline `matrix` prediction. A disagreement would be a bug in the
//! probe, the emulator or the negotiation model, so the demo doubles as a
//! self-test (exit 1 when they disagree).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::model::negotiate::Preference;
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::target::Target;
use crate::offline::matrix::Matrix;
use crate::results::TargetReport;
use crate::scan::{ScanConfig, scan_many};
use crate::serve::{Emulator, EmulatorConfig, GeneratedPki, ServeError, ServerSpec};
use crate::tls::certs::KeyType;

/// One emulated endpoint and its scan.
#[derive(Debug, Clone)]
pub struct DemoEndpoint {
    /// The profile it emulates.
    pub profile: String,
    /// Its role.
    pub role: Role,
    /// The scan report.
    pub report: TargetReport,
}

/// Everything the demo found.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// One per shipped profile.
    pub endpoints: Vec<DemoEndpoint>,
    /// The client profiles scanned with.
    pub agents: Vec<String>,
    /// The offline prediction for the same pairs.
    pub matrix: Matrix,
    /// Wall time of the scans.
    pub elapsed: Duration,
}

impl DemoOutcome {
    /// Pairs where the live scan and the offline matrix disagree.
    pub fn disagreements(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.endpoints {
            for p in &e.report.profiles {
                let Some(pair) = self
                    .matrix
                    .pairs
                    .iter()
                    .find(|m| m.client == p.profile && m.server == e.profile)
                else {
                    continue;
                };
                let predicted = pair.negotiation.result.as_ref().ok().copied();
                if p.negotiated != predicted || p.verdict.is_compatible() != predicted.is_some() {
                    out.push(format!(
                        "{} against emulated {}: live {}, offline {}",
                        p.profile,
                        e.profile,
                        describe(p.negotiated),
                        describe(predicted)
                    ));
                }
            }
        }
        out
    }
}

fn describe(a: Option<crate::model::negotiate::Agreement>) -> String {
    a.map(|a| format!("{} {}", a.version, a.cipher_suite))
        .unwrap_or_else(|| "incompatible".into())
}

/// Starts the emulators, scans them, stops them.
pub async fn run(catalog: &Catalog) -> Result<DemoOutcome, Error> {
    // One certificate for all endpoints: RSA key generation is the slowest
    // part of starting an emulator.
    let pki = GeneratedPki::generate("demo", KeyType::Rsa).map_err(ServeError::from)?;
    let servers: Vec<&Profile> = catalog.all().collect();
    let mut emulators = Vec::new();
    let mut targets = Vec::new();
    for p in &servers {
        let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let config = EmulatorConfig::new(
            &p.id,
            ServerSpec::from_profile(p),
            pki.server.clone(),
            listen,
        );
        let emulator = Emulator::start(config, None).await?;
        let address = emulator.local_addr();
        let target = Target::parse(&address.to_string(), p.role).map_err(Error::Target)?;
        emulators.push(emulator);
        targets.push(target);
    }
    let agents: Vec<Profile> = catalog.with_role(Role::Agent).cloned().collect();
    let started = Instant::now();
    // Every endpoint, agents' too, is checked with the agent profiles: the
    // demo compares the live answers with the offline matrix of agents
    // against every profile.
    let reports = scan_many(
        targets,
        Arc::new(crate::scan::Clients::same(
            agents.clone(),
            catalog.all().cloned().collect(),
        )),
        Arc::new(ScanConfig::default()),
    )
    .await;
    let elapsed = started.elapsed();
    for e in emulators {
        e.shutdown().await;
    }
    let agent_refs: Vec<&Profile> = agents.iter().collect();
    let matrix = Matrix::build(&agent_refs, &servers, Preference::Server);
    let endpoints = servers
        .iter()
        .zip(reports)
        .map(|(p, report)| DemoEndpoint {
            profile: p.id.clone(),
            role: p.role,
            report,
        })
        .collect();
    Ok(DemoOutcome {
        endpoints,
        agents: agents.iter().map(|a| a.id.clone()).collect(),
        matrix,
        elapsed,
    })
}
