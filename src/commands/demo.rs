//! `demo`: the whole tool on loopback, checked against the offline
//! prediction.

use std::io::Write;

use crate::error::{Error, Status};
use crate::model::profile::Catalog;
use crate::report;

use super::common::{runtime, text};

pub(super) fn run(
    catalog: &Catalog,
    show: &str,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let outcome = runtime()?.block_on(crate::demo::run(catalog))?;
    text(stdout, |w| {
        report::text::demo::text(w, &outcome, show, view)
    })
    .map_err(Error::Stdout)?;
    Ok(if outcome.disagreements().is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}
