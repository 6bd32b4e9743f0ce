//! The verdict: a pure function of the results and the requirements.
//!
//! `--require PROFILE` means "every endpoint that answered must be
//! compatible with this client version". An endpoint that could not be
//! scanned, or whose answer for a profile was inconclusive, fails nothing:
//! it makes the run incomplete (exit 3) instead, because nothing is known.

use crate::error::Status;
use crate::results::{PolicyReport, TargetReport, TargetStatus, Violation};

/// What a run requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Profile ids that must be compatible with every endpoint.
    pub require: Vec<String>,
}

/// Checks every rule on every target.
pub fn verdict(targets: &[TargetReport], policy: &Policy) -> PolicyReport {
    let mut violations = Vec::new();
    for t in targets.iter().filter(|t| t.status == TargetStatus::Ok) {
        for id in &policy.require {
            // Rule: a required profile that was checked and found incompatible.
            let Some(p) = t.profiles.iter().find(|p| &p.profile == id) else {
                continue;
            };
            if p.conclusive && !p.compatible {
                violations.push(Violation {
                    target: t.target.clone(),
                    rule: format!("require {id}"),
                    message: p.reason.clone().unwrap_or_else(|| "incompatible".into()),
                });
            }
        }
    }
    PolicyReport {
        passed: violations.is_empty(),
        violations,
    }
}

/// The exit status: 1 when a rule failed, else 3 when something could not be
/// scanned (or a profile's answer was inconclusive), else 0.
pub fn status(targets: &[TargetReport], report: &PolicyReport) -> Status {
    if !report.passed {
        return Status::Failed;
    }
    let incomplete = targets
        .iter()
        .any(|t| t.status == TargetStatus::Error || t.profiles.iter().any(|p| !p.conclusive));
    if incomplete {
        Status::Incomplete
    } else {
        Status::Ok
    }
}
