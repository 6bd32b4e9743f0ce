//! The verdict: a pure function of the results and the requirements.
//!
//! `--require PROFILE` means "every endpoint must be compatible with this
//! client version". The verdict has three values, each rule commented where
//! it is applied:
//! - `failed`: a required profile is incompatible with an endpoint that
//!   answered conclusively (exit 1);
//! - `incomplete`: nothing failed, but something could not be established:
//!   an endpoint that could not be scanned, a profile whose answer is
//!   unknown (a probe without a usable answer, or answers that contradict
//!   each other) (exit 3). An unscanned endpoint never "passes" a
//!   requirement;
//! - `passed`: everything asked was established (exit 0).

use crate::error::Status;
use crate::results::{
    PolicyReport, PolicyStatus, TargetReport, TargetStatus, Violation, ViolationCode,
};

/// What a run requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Profile ids that must be compatible with every endpoint.
    pub require: Vec<String>,
}

/// Checks every rule on every target.
pub fn verdict(targets: &[TargetReport], policy: &Policy) -> PolicyReport {
    let mut violations = Vec::new();
    let mut unresolved = Vec::new();
    for t in targets {
        let entry = |rule: String, code: ViolationCode, message: String| Violation {
            target: t.target.clone(),
            rule,
            code,
            message,
        };
        if t.status != TargetStatus::Ok {
            // Rule: an endpoint that could not be scanned establishes nothing.
            let message = match (&t.error, t.status) {
                (Some(e), _) => e.message.clone(),
                (None, TargetStatus::NotScanned) => "not scanned: the run was interrupted".into(),
                (None, _) => "the endpoint could not be scanned".into(),
            };
            unresolved.push(entry("scan".into(), ViolationCode::NotScanned, message));
            continue;
        }
        for id in &policy.require {
            let Some(p) = t.profiles.iter().find(|p| &p.profile == id) else {
                // Rule: a required profile that was never checked is unknown.
                unresolved.push(entry(
                    format!("require {id}"),
                    ViolationCode::Unknown,
                    format!("{id} was not checked"),
                ));
                continue;
            };
            let reason = p.reason.clone().unwrap_or_default();
            if !p.conclusive {
                // Rule: an unknown answer is neither a pass nor a failure.
                unresolved.push(entry(
                    format!("require {id}"),
                    ViolationCode::Unknown,
                    reason,
                ));
            } else if !p.compatible {
                // Rule: a conclusive incompatibility fails the requirement.
                violations.push(entry(
                    format!("require {id}"),
                    ViolationCode::Incompatible,
                    reason,
                ));
            }
        }
    }
    // Rule: any profile whose answer is unknown, required or not, leaves
    // the run incomplete; so does any inconsistency in a target's answers.
    let unknown_elsewhere = targets
        .iter()
        .any(|t| t.status == TargetStatus::Ok && (t.profiles.iter().any(|p| !p.conclusive)));
    let status = if !violations.is_empty() {
        PolicyStatus::Failed
    } else if !unresolved.is_empty() || unknown_elsewhere {
        PolicyStatus::Incomplete
    } else {
        PolicyStatus::Passed
    };
    PolicyReport {
        status,
        passed: status == PolicyStatus::Passed,
        violations,
        unresolved,
    }
}

/// The exit status of a verdict: 1 failed, 3 incomplete, 0 passed.
pub fn status(report: &PolicyReport) -> Status {
    match report.status {
        PolicyStatus::Passed => Status::Ok,
        PolicyStatus::Failed => Status::Failed,
        PolicyStatus::Incomplete => Status::Incomplete,
    }
}
