//! `matrix`: client profiles against server profiles, offline.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{MatrixArgs, MatrixFormat};
use crate::error::{Error, Status};
use crate::model::negotiate::Preference;
use crate::model::profile::{Catalog, Profile, Role};
use crate::offline::matrix::Matrix;
use crate::report;

use super::common::{dedup, text, write_report};

/// `matrix` with profiles resolved.
#[derive(Debug)]
pub struct MatrixJob {
    /// Client profiles.
    pub clients: Vec<Profile>,
    /// Server profiles (with `directions`: the manager side).
    pub servers: Vec<Profile>,
    /// The channel directions to pair (agents with managers, both ways);
    /// empty when the client and server lists were given.
    pub directions: Vec<crate::results::Leg>,
    /// Whose order decides.
    pub preference: Preference,
    /// Output format.
    pub format: MatrixFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

pub(super) fn build(catalog: &mut Catalog, args: MatrixArgs) -> Result<MatrixJob, Error> {
    let resolve_all = |catalog: &mut Catalog, args: &[String]| -> Result<Vec<String>, Error> {
        args.iter()
            .map(|a| catalog.resolve(a).map_err(Error::from))
            .collect()
    };
    let mut clients = resolve_all(catalog, &args.clients)?;
    let mut servers = resolve_all(catalog, &args.servers)?;
    let ids = |catalog: &Catalog, role| {
        catalog
            .with_role(role)
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    // Neither list: the channel's directions, agents with managers.
    let directions = if clients.is_empty() && servers.is_empty() {
        use crate::cli::MatrixDirection as D;
        use crate::results::Leg;
        match args.direction.unwrap_or(D::Both) {
            D::AgentInitiated => vec![Leg::AgentInitiated],
            D::ManagerInitiated => vec![Leg::ManagerInitiated],
            D::Both => vec![Leg::AgentInitiated, Leg::ManagerInitiated],
        }
    } else {
        Vec::new()
    };
    if clients.is_empty() {
        clients = ids(catalog, Role::Agent);
    }
    if servers.is_empty() {
        servers = ids(catalog, Role::Manager);
        servers.extend(ids(catalog, Role::Relay));
    }
    // `--client dsa-11 --client dsa-12` names one profile twice.
    dedup(&mut clients);
    dedup(&mut servers);
    Ok(MatrixJob {
        clients: catalog.built(&clients)?,
        servers: catalog.built(&servers)?,
        directions,
        preference: if args.client_preference {
            Preference::Client
        } else {
            Preference::Server
        },
        format: args.format,
        output: args.output,
    })
}

pub(super) fn run(
    job: MatrixJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let clients: Vec<&Profile> = job.clients.iter().collect();
    let servers: Vec<&Profile> = job.servers.iter().collect();
    let m = if job.directions.is_empty() {
        Matrix::build(&clients, &servers, job.preference)
    } else {
        Matrix::directions(&clients, &servers, &job.directions, job.preference)
    };
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        MatrixFormat::Text => text(w, |w| report::text::matrix::text(w, &m, view)),
        MatrixFormat::Json => report::json::write_json(w, &report::json::matrix(&m)),
        MatrixFormat::Yaml => report::json::write_yaml(w, &report::json::matrix(&m)),
        MatrixFormat::Markdown => report::markdown::matrix::markdown(w, &m, view),
        MatrixFormat::Html => report::html::matrix(w, &m),
    })?;
    Ok(Status::Ok)
}
