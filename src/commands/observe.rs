//! `observe`: packet captures read as ground truth (what each client really
//! offered).

use std::io::Write;
use std::path::PathBuf;

use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Role};
use crate::report;

use super::common::{read_manager, write_report};

/// `observe` with its inventory read.
#[derive(Debug)]
pub struct ObserveJob {
    /// The capture files.
    pub captures: Vec<PathBuf>,
    /// Hosts named from the inventory.
    pub names: crate::observe::Names,
    /// Where to write profiles.
    pub write_profiles: Option<PathBuf>,
    /// Output format.
    pub format: crate::cli::ObserveFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

pub(super) fn build(catalog: &Catalog, args: crate::cli::ObserveArgs) -> Result<ObserveJob, Error> {
    let from_file = match &args.inventory {
        Some(file) => {
            crate::inputs::inventory::read(file, args.inventory_format, Role::Agent, catalog)
                .map_err(Error::Inventory)?
        }
        None => Vec::new(),
    };
    // The manager's computer list names hosts too (the file adds or
    // overrides, as for scan and plan).
    let from_manager = read_manager(&args.api, catalog)?.map(|m| m.fleet.entries);
    let entries = crate::inputs::inventory::merge(from_manager.unwrap_or_default(), from_file);
    let names = crate::observe::names_from_inventory(&entries);
    Ok(ObserveJob {
        captures: args.captures,
        names,
        write_profiles: args.write_profiles,
        format: args.format,
        output: args.output,
    })
}

/// `observe`: the captures read, judged against the catalog, printed;
/// profiles written when asked. Exit 0 (the capture is evidence, not a
/// verdict).
pub(super) fn run(
    catalog: &Catalog,
    job: ObserveJob,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    use crate::cli::ObserveFormat;
    let observation = crate::observe::observe(&job.captures, crate::observe::Limits::default())?;
    let doc =
        crate::observe::ObserveReport::build(&job.captures, &observation, catalog, &job.names);
    if let Some(dir) = &job.write_profiles {
        for written in crate::observe::profiles::write(dir, &observation.groups)? {
            let line = match written {
                crate::observe::profiles::Written::File(path, id) => {
                    format!("wrote profile {id} to {}", path.display())
                }
                crate::observe::profiles::Written::Skipped(why) => {
                    format!("no profile written: {why}")
                }
            };
            writeln!(stderr, "{}", report::escape::terminal(&line)).map_err(Error::Stdout)?;
        }
    }
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        ObserveFormat::Text => report::text::observe::text(w, &doc, view),
        ObserveFormat::Json => report::json::write_json(w, &doc),
        ObserveFormat::Yaml => report::json::write_yaml(w, &doc),
        ObserveFormat::Markdown => report::markdown::observe::markdown(w, &doc),
    })?;
    Ok(Status::Ok)
}
