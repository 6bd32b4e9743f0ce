//! What the inventory expected against what the endpoint showed.
//!
//! An inventory may say which profile an agent should behave like (from its
//! version as the manager reports it). When the scan identifies something
//! else, that is worth knowing: an agent that was never upgraded, a manager
//! setting that changed, a host that is not what the inventory thinks.
//! Where the version alone could not decide (10.0 before or after Update
//! 16), every candidate is expected and the identification decides; the
//! report keeps the inventory's note so readers see why.

use crate::results::findings::{Finding, FindingCode};
use crate::results::{Expectation, TargetReport, TargetStatus};

/// Records `e` on `report`, and a finding when the endpoint behaves like
/// none of the expected profiles.
pub fn apply(report: &mut TargetReport, e: &Expectation) {
    if e.is_empty() {
        return;
    }
    report.inventory = Some(e.clone());
    // Rule: an agent-initiated agent listens on nothing, so a refused port
    // is what it should do; say so where the error is read.
    if report.listens_on_nothing_as_expected() {
        if let Some(error) = &mut report.error {
            error.message.push_str(
                " (as expected: an agent-initiated agent listens on nothing; its manager's 4120 is what it needs)",
            );
        }
    }
    // Rule: only an endpoint that answered, and whose scan was complete,
    // can be compared: an incomplete scan does not show what it behaves
    // like (see `TargetReport::behaves_like`).
    if e.expect.is_empty() || report.status != TargetStatus::Ok || !report.complete {
        return;
    }
    let behaves = report.behaves_like().to_vec();
    if e.expect.iter().any(|x| behaves.contains(x)) {
        return;
    }
    let from = e
        .agent_version
        .as_deref()
        .map(|v| format!(" (agent version {v} in the inventory)"))
        .unwrap_or_else(|| " (in the inventory)".into());
    let shows = if behaves.is_empty() {
        "it behaves like no shipped profile".to_string()
    } else {
        format!("it behaves like {}", behaves.join(", "))
    };
    report.findings.push(Finding::new(
        FindingCode::UnexpectedProfile,
        format!(
            "expected to behave like {}{from}, but {shows}",
            e.expect.join(" or ")
        ),
    ));
}
