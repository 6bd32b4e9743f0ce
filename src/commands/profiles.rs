//! `profiles`: the shipped and given profiles validated, and a live endpoint
//! captured as a profile file (`profiles capture`).

use std::io::Write;
use std::path::PathBuf;

use crate::cli::CaptureArgs;
use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Profile};
use crate::model::target::Target;
use crate::probe::Limits;
use crate::report;
use crate::scan::ScanConfig;

use super::common::{role, runtime, write_report};

/// `profiles capture` with its target parsed.
#[derive(Debug)]
pub struct CaptureJob {
    /// The endpoint.
    pub target: Target,
    /// The file to write.
    pub output: PathBuf,
    /// The profile id, when given.
    pub id: Option<String>,
    /// How to probe (`all_suites` is set by the capture itself).
    pub scan: ScanConfig,
}

pub(super) fn build_capture(args: CaptureArgs) -> Result<CaptureJob, Error> {
    let role = role(args.role);
    if let Some(id) = &args.id {
        let plain = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !plain {
            return Err(Error::Usage(format!(
                "invalid --id {id:?}: a profile id is letters, digits, '.', '_' and '-'"
            )));
        }
    }
    Ok(CaptureJob {
        target: Target::parse(&args.target, role).map_err(Error::Target)?,
        output: args.output,
        id: args.id,
        scan: ScanConfig {
            all_suites: true,
            limits: Limits {
                timeout: args.timeout,
                ..Limits::default()
            },
            ..ScanConfig::default()
        },
    })
}

/// Scans the endpoint with every suite, writes the profile file, and says
/// what it captured.
pub(super) fn capture(
    catalog: &Catalog,
    job: CaptureJob,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let identify: Vec<&Profile> = catalog.all().collect();
    let report = runtime()?.block_on(crate::scan::capture::scan_all_suites(
        &job.target,
        &identify,
        &job.scan,
    ));
    let date = time::OffsetDateTime::now_utc().date().to_string();
    let text =
        crate::scan::capture::profile_yaml(&report, job.target.role, job.id.as_deref(), &date)?;
    write_report(Some(&job.output), stdout, |w| w.write_all(text.as_bytes()))?;
    let profile = crate::model::profile::Profile::parse(
        &text,
        crate::model::profile::Origin::File(job.output.clone()),
    )?;
    writeln!(
        stdout,
        "{}: captured {} as {} ({}; {} cipher suites)",
        job.output.display(),
        report.target,
        profile.id,
        crate::model::version::join(&profile.versions),
        profile.cipher_suites.len()
    )
    .map_err(Error::Stdout)?;
    if report.complete {
        Ok(Status::Ok)
    } else {
        // A warning only: the file is written, and says so in `notes`.
        let _ = writeln!(
            stderr,
            "tlscompat: warning: the scan of {} was incomplete; suites may be missing",
            report.target
        );
        Ok(Status::Incomplete)
    }
}

/// Checks each file on its own (and ids across the files); every problem of
/// every file is one line on stderr.
pub(super) fn validate(
    files: &[std::path::PathBuf],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let mut catalog = Catalog::empty();
    let mut status = Status::Ok;
    for file in files {
        match catalog.add_file_all(file) {
            Ok(id) => writeln!(stdout, "{}: ok ({id})", file.display()).map_err(Error::Stdout)?,
            Err(errors) => {
                for e in errors {
                    // stderr failing leaves nothing else to tell the user with.
                    let _ = writeln!(stderr, "{}", report::escape::terminal(&e.to_string()));
                }
                status = Status::Invalid;
            }
        }
    }
    Ok(status)
}
