//! `check` and `merge`: saved reports re-judged from their evidence, against
//! a policy; `merge` joins the shards of one run.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{CheckArgs, ScanFormat};
use crate::error::{Error, Status};
use crate::model::profile::Catalog;
use crate::policy::Policy;
use crate::report;

use super::common::{build_policy, open_output};
use super::scan::{Presentation, write_scan};

/// `check` with its policy loaded.
#[derive(Debug)]
pub struct CheckJob {
    /// Saved reports to read.
    pub reports: Vec<PathBuf>,
    /// The rules.
    pub policy: Policy,
    /// Output format.
    pub format: ScanFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

pub(super) fn build(catalog: &mut Catalog, args: CheckArgs) -> Result<CheckJob, Error> {
    Ok(CheckJob {
        policy: build_policy(catalog, &args.policy)?,
        reports: args.reports,
        format: args.format,
        output: args.output,
    })
}

/// `check`: the saved targets, judged again.
pub(super) fn run(
    job: CheckJob,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let file = match job.output.as_deref() {
        Some(path) => Some((path, open_output(path)?)),
        None => None,
    };
    let (targets, cut) = crate::inputs::saved::read_all(&job.reports)?;
    let mut policy = crate::policy::verdict(&targets, &job.policy);
    crate::policy::cut_short(&mut policy, &cut);
    let how = Presentation {
        format: job.format,
        view,
    };
    write_scan(targets, policy, None, how, file, &[], stdout, stderr)
}

/// `merge`: the shards of one run as one report, judged again from their
/// rows (by the rules given, else by the rules the run saved); never by
/// the shards' own verdicts. Reports of different runs, a shard given
/// twice or missing, a target in two shards: refused (exit 2), named.
pub(super) fn merge(
    job: CheckJob,
    rules: bool,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let mut saved = Vec::with_capacity(job.reports.len());
    for path in &job.reports {
        saved.push(crate::inputs::saved::read_saved(path)?);
    }
    let joined = crate::inputs::saved::join(saved)?;
    let policy = if rules {
        job.policy.clone()
    } else {
        joined
            .run
            .as_ref()
            .and_then(|r| crate::policy::Policy::from_saved(&r.policy, job.policy.now))
            .ok_or(crate::inputs::saved::MergeError::NoRules)?
    };
    let file = match job.output.as_deref() {
        Some(path) => Some((path, open_output(path)?)),
        None => None,
    };
    let mut verdict = crate::policy::verdict(&joined.targets, &policy);
    crate::policy::cut_short(&mut verdict, &joined.cut_short);
    // Judged by other rules than the run's: no longer that run's report.
    let run = if rules { None } else { joined.run };
    let how = Presentation {
        format: job.format,
        view,
    };
    write_scan(joined.targets, verdict, run, how, file, &[], stdout, stderr)
}
