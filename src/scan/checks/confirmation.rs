//! Confirmation: what the full handshake behind a profile's replay adds to
//! the first flight.
//!
//! Rules, each applied where commented:
//! - a completed handshake confirms a compatible profile (`full_handshake`,
//!   with the engine that ran it);
//! - a handshake refused with an alert after the client sent no certificate
//!   it was asked for confirms the suite but not the session
//!   (`client_certificate_required`); a close or a timeout there proves
//!   nothing either way, so the profile is inconclusive;
//! - any other failure makes the profile incompatible (`failed`), with where
//!   it broke off in words an admin can act on, and the disagreement with
//!   the first flight is an issue: never silently overwritten.

use super::{Check, Judging, Scope, Seen};
use crate::model::profile::Profile;
use crate::probe::handshake::{Failure, HandshakeResult};
use crate::results::{Confirmed, Issue, IssueCode, ProfileReport, ReasonCode};
use crate::scan::probes::ProbeRecord;

/// Applies the replay's handshake, if there was one, to `out`.
pub(super) fn apply(
    out: &mut ProfileReport,
    p: &Profile,
    records: &[ProbeRecord],
    issues: &mut Vec<Issue>,
) {
    let Some((engine, result)) =
        super::consistency::own_answer(records, &p.id).and_then(|r| r.handshake.as_ref())
    else {
        return;
    };
    // Rule: only a hello the first flight accepted needs confirming; behind
    // a refusal or a lost answer the handshake can only agree.
    if matches!(result, HandshakeResult::NotRun(_)) || !out.verdict.is_compatible() {
        return;
    }
    out.engine = Some(*engine);
    match result {
        // Rule: both Finished messages exchanged: a real client gets through.
        HandshakeResult::Completed { .. } => out.confirmed = Confirmed::FullHandshake,
        HandshakeResult::NotRun(_) => {}
        HandshakeResult::Failed(f) if f.certificate_requested && !f.certificate_sent => {
            if f.alert.is_some() {
                // Rule: refused for want of a certificate: the suite stands.
                out.confirmed = Confirmed::ClientCertificateRequired;
            } else {
                // Rule: a close or a timeout is not "required".
                out.confirmed = Confirmed::Failed;
                out.because(
                    ReasonCode::Inconclusive,
                    format!(
                        "the server asked for a client certificate and then {} after the client \
                         sent none; present one with --client-cert and --client-key to confirm",
                        ending(f)
                    ),
                );
            }
        }
        HandshakeResult::Failed(f) => {
            // Rule: the first flight said yes, the real handshake said no.
            let chose = out
                .negotiated
                .map(|a| format!("the server chose {} at {}", a.cipher_suite, a.version))
                .unwrap_or_else(|| "the server accepted the hello".into());
            let message = if f.client_aborted {
                format!(
                    "{chose}, but the {} client aborted the handshake {}: {}",
                    engine.name(),
                    f.after.describe(),
                    f.detail
                )
            } else {
                format!(
                    "{chose} and then {} {} ({}: {})",
                    ending(f),
                    f.after.describe(),
                    engine.name(),
                    f.detail
                )
            };
            out.confirmed = Confirmed::Failed;
            out.because(ReasonCode::HandshakeFailed, message.clone());
            issues.push(Issue {
                code: IssueCode::ConfirmationFailed,
                message: format!(
                    "{}: the first flight accepted the hello, but a real handshake failed: {message}",
                    p.id
                ),
                probes: 1,
                profiles: vec![p.id.clone()],
            });
        }
    }
}

/// "closed the connection", "sent the alert handshake_failure", "sent
/// nothing more before the timeout".
fn ending(f: &Failure) -> String {
    match (f.alert, f.timed_out) {
        (Some(a), _) => format!("sent the alert {a}"),
        (None, true) => "sent nothing more before the timeout".into(),
        (None, false) => "closed the connection".into(),
    }
}

/// The real handshake behind each replay.
pub(crate) struct Confirmation;

impl Check for Confirmation {
    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        let report = &mut out.report;
        for (p, verdict) in scope.profiles.iter().zip(report.profiles.iter_mut()) {
            apply(verdict, p, seen.records, &mut report.issues);
        }
    }
}
