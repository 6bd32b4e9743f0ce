//! Runs a validated `Config`: builds the components, does the work, hands the
//! results to a printer. Nothing here parses arguments or formats output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::cli::{DataFormat, MatrixFormat};
use crate::config::{Config, Job, MatrixJob};
use crate::error::{Error, Status};
use crate::matrix::Matrix;
use crate::profile::{Catalog, Profile};
use crate::report;

/// Runs the job. `stdout` gets the report, `stderr` diagnostics.
pub fn run(
    config: Config,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    colored::control::set_override(config.color);
    let catalog = &config.catalog;
    match config.job {
        Job::ProfilesList { format } => {
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => report::profiles::list_text(w, catalog.all()),
                DataFormat::Json => {
                    report::write_json(w, &report::profiles::list_data(catalog.all()))
                }
                DataFormat::Yaml => {
                    report::write_yaml(w, &report::profiles::list_data(catalog.all()))
                }
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesShow { id, format } => {
            let profile = lookup(catalog, &id);
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => report::profiles::show_text(w, profile),
                DataFormat::Json => report::write_json(w, &report::profiles::show_data(profile)),
                DataFormat::Yaml => report::write_yaml(w, &report::profiles::show_data(profile)),
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesValidate { files } => validate(&files, stdout, stderr),
        Job::Matrix(job) => matrix(catalog, job, stdout),
    }
}

/// Ids in a `Config` were resolved against this catalog.
fn lookup<'a>(catalog: &'a Catalog, id: &str) -> &'a Profile {
    catalog.get(id).expect("config resolved every profile id")
}

/// Checks each file on its own (and ids across the files); every problem is
/// one line on stderr.
fn validate(
    files: &[std::path::PathBuf],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let mut catalog = Catalog::empty();
    let mut status = Status::Ok;
    for file in files {
        match catalog.add_file(file) {
            Ok(id) => writeln!(stdout, "{}: ok ({id})", file.display()).map_err(Error::Stdout)?,
            Err(e) => {
                // stderr failing leaves nothing else to tell the user with.
                let _ = writeln!(stderr, "{e}");
                status = Status::Invalid;
            }
        }
    }
    Ok(status)
}

fn matrix(catalog: &Catalog, job: MatrixJob, stdout: &mut dyn Write) -> Result<Status, Error> {
    let clients: Vec<&Profile> = job.clients.iter().map(|id| lookup(catalog, id)).collect();
    let servers: Vec<&Profile> = job.servers.iter().map(|id| lookup(catalog, id)).collect();
    let m = Matrix::build(&clients, &servers, job.preference);
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        MatrixFormat::Text => report::matrix::text(w, &m),
        MatrixFormat::Json => report::write_json(w, &report::matrix::data(&m)),
        MatrixFormat::Yaml => report::write_yaml(w, &report::matrix::data(&m)),
        MatrixFormat::Markdown => report::matrix::markdown(w, &m),
    })?;
    Ok(Status::Ok)
}

/// Writes a report to `-o FILE` or to stdout.
fn write_report(
    path: Option<&Path>,
    stdout: &mut dyn Write,
    print: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match path {
        None => print(stdout)
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout),
        Some(path) => {
            let fail = |source| Error::Output {
                path: path.to_path_buf(),
                source,
            };
            let mut w = BufWriter::new(File::create(path).map_err(fail)?);
            print(&mut w).and_then(|()| w.flush()).map_err(fail)
        }
    }
}
