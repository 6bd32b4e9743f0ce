//! `what-if`: a saved report re-judged as if the endpoints stopped accepting
//! some versions or suites.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{WhatIfArgs, WhatIfFormat};
use crate::error::{Error, Status};
use crate::model::profile::Catalog;
use crate::report;

use super::common::{text, write_report};

/// `what-if` with its drops parsed.
#[derive(Debug)]
pub struct WhatIfJob {
    /// The saved report.
    pub report: PathBuf,
    /// What the endpoints would stop accepting.
    pub drop: Vec<crate::offline::whatif::Drop>,
    /// Output format.
    pub format: WhatIfFormat,
    /// Where the answer goes.
    pub output: Option<PathBuf>,
}

pub(super) fn build(args: WhatIfArgs) -> Result<WhatIfJob, Error> {
    let drop = args
        .drop
        .iter()
        .map(|d| d.parse().map_err(|e| Error::Usage(format!("--drop: {e}"))))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(WhatIfJob {
        report: args.report,
        drop,
        format: args.format,
        output: args.output,
    })
}

/// `what-if`: exit 1 when some profile loses an endpoint, 3 when the report
/// cannot tell, 0 when nobody loses contact.
pub(super) fn run(
    catalog: &Catalog,
    job: WhatIfJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let mut targets = crate::inputs::saved::read(&job.report)?;
    if job.format == WhatIfFormat::Text {
        // The answer quotes the report's names: escaped for the terminal.
        report::escape::terminal_in_place(&mut targets);
    }
    let answer = crate::offline::whatif::what_if(&targets, &job.drop, catalog);
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        WhatIfFormat::Text => text(w, |w| report::text::whatif::text(w, &answer, view)),
        WhatIfFormat::Json => report::json::what_if(w, &answer),
        WhatIfFormat::Markdown => report::markdown::whatif::markdown(w, &answer),
    })?;
    Ok(match answer.status {
        crate::offline::whatif::WhatIfStatus::NoneLost => Status::Ok,
        crate::offline::whatif::WhatIfStatus::Lost => Status::Failed,
        crate::offline::whatif::WhatIfStatus::Unknown => Status::Incomplete,
    })
}
