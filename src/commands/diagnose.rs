//! `diagnose`: one agent's heartbeat path checked step by step.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose::DiagnoseConfig;
use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::target::Target;
use crate::probe::Limits;
use crate::report;
use crate::scan::ScanConfig;

use super::common::{client_identity, runtime, text, write_report};

/// `diagnose` with its targets parsed and profiles loaded.
#[derive(Debug)]
pub struct DiagnoseJob {
    /// What to diagnose.
    pub diagnose: DiagnoseConfig,
    /// Output format.
    pub format: DiagnoseFormat,
    /// Where the diagnosis goes.
    pub output: Option<PathBuf>,
}

pub(super) fn build(catalog: &mut Catalog, args: DiagnoseArgs) -> Result<DiagnoseJob, Error> {
    // The agent's manager URL as it is pasted: dsm://HOST:PORT/.
    let manager = args
        .manager
        .strip_prefix("dsm://")
        .map(|m| m.trim_end_matches('/'))
        .unwrap_or(&args.manager);
    let manager = Target::parse(manager, Role::Manager).map_err(Error::Target)?;
    let (id, caveat) = match (&args.profile, &args.agent_version) {
        (Some(p), _) => (catalog.resolve(p)?, None),
        (None, Some(v)) => {
            let mapped = crate::model::agent_version::profile_for(catalog, v)
                .map_err(|e| Error::Usage(e.to_string()))?;
            (mapped.profile, mapped.caveat)
        }
        (None, None) => {
            return Err(Error::Usage(
                "give --as PROFILE or --agent-version V".into(),
            ));
        }
    };
    // An agent version maps to a shipped id, which a user file may have
    // replaced or (with an id of its own) not: resolved like `--as`.
    let profile = catalog.built_one(&id)?;
    let agent = match &args.agent {
        Some(a) => Some(Target::parse(a, Role::Agent).map_err(Error::Target)?),
        None => None,
    };
    let manager_profile = match &args.manager_profile {
        Some(p) => {
            let id = catalog.resolve(p)?;
            Some(catalog.built_one(&id)?)
        }
        None => None,
    };
    Ok(DiagnoseJob {
        diagnose: DiagnoseConfig {
            manager,
            profile,
            caveat,
            agent,
            manager_profile,
            console_port: args.console_port,
            scan: ScanConfig {
                limits: Limits {
                    timeout: args.timeout,
                    ..Limits::default()
                },
                identity: client_identity(args.client_cert.as_deref(), args.client_key.as_deref())?,
                ..ScanConfig::default()
            },
        },
        format: args.format,
        output: args.output,
    })
}

pub(super) fn run(
    catalog: &Catalog,
    job: DiagnoseJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let shipped: Vec<&Profile> = catalog.all().collect();
    let diagnosis = runtime()?.block_on(crate::diagnose::run(&job.diagnose, &shipped));
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        DiagnoseFormat::Text => text(w, |w| {
            let escaped = report::escape::terminal_data(&diagnosis);
            report::text::diagnose::text(w, escaped.as_ref().unwrap_or(&diagnosis), view)
        }),
        DiagnoseFormat::Json => report::json::diagnosis(w, &diagnosis),
        DiagnoseFormat::Markdown => report::markdown::diagnose::markdown(w, &diagnosis),
    })?;
    Ok(Status::from(diagnosis.status))
}
