//! Whether the endpoint asks for a client certificate, and insists.
//!
//! Activated Deep Security endpoints do both. A CertificateRequest in the
//! first flight (visible up to TLS 1.2) means "asked"; what the server does
//! after a handshake that sent no certificate settles the rest: a refusal
//! with an alert is "required", a completed handshake "requested"; a reset
//! or a timeout settles nothing. Replays are such handshakes (without
//! `--client-cert`); when none settled it, one more handshake without a
//! certificate does, at a version and suite the server accepted.

use super::Knowledge;
use super::{Check, Planned, Scope, Seen, Step};
use crate::model::version::TlsVersion;
use crate::probe::handshake::HandshakeResult;
use crate::probe::{CertificateRequested, HelloSpec, Outcome};
use crate::results::ClientCertificate;
use crate::scan::probes::{ProbeRecord, Purpose, spec_at};
use crate::wire::codes::NamedGroup;

/// What one first flight said.
pub(super) fn observe(k: &mut Knowledge, r: &ProbeRecord) {
    let Outcome::Accepted(a) = &r.outcome else {
        return;
    };
    if a.version > TlsVersion::Tls12 {
        return;
    }
    match a.client_certificate {
        CertificateRequested::Yes => {
            k.client_certificate = ClientCertificate::Requested;
            k.certificate_request_sample
                .get_or_insert((a.version, a.cipher_suite));
        }
        // One CertificateRequest is enough: servers ask for all suites alike.
        CertificateRequested::No if k.client_certificate != ClientCertificate::Requested => {
            k.client_certificate = ClientCertificate::None;
        }
        _ => {}
    }
}

/// What the handshakes without a certificate showed.
pub(super) fn settle(k: &mut Knowledge, records: &[ProbeRecord]) {
    for r in records {
        let Some((_, result)) = &r.handshake else {
            continue;
        };
        match result {
            HandshakeResult::Failed(f)
                if f.certificate_requested && !f.certificate_sent && f.alert.is_some() =>
            {
                k.client_certificate = ClientCertificate::Required;
            }
            HandshakeResult::Completed {
                certificate_requested: true,
                certificate_sent: false,
                ..
            } if k.client_certificate != ClientCertificate::Required => {
                k.client_certificate = ClientCertificate::Requested;
                k.certificate_request_sample = None;
            }
            _ => {}
        }
    }
    if k.client_certificate == ClientCertificate::Required {
        k.certificate_request_sample = None;
    }
}

/// One handshake without a certificate, when the server asked for one and
/// no handshake settled whether it insists.
pub(crate) fn plan(
    k: &Knowledge,
    sni: Option<&str>,
    groups: &[NamedGroup],
) -> Option<(Purpose, HelloSpec)> {
    if k.client_certificate != ClientCertificate::Requested {
        return None;
    }
    let (version, suite) = k.certificate_request_sample?;
    Some((
        Purpose::NoCertificate,
        spec_at(version, vec![suite], sni, groups),
    ))
}

/// Whether the endpoint asks for a client certificate, and insists.
pub(crate) struct ClientCert;

impl Check for ClientCert {
    fn observe(&self, k: &mut Knowledge, r: &ProbeRecord) {
        observe(k, r);
    }

    fn settle(&self, k: &mut Knowledge, records: &[ProbeRecord]) {
        settle(k, records);
    }

    fn plan(&self, step: Step, scope: &Scope, seen: &Seen, _: &[Planned]) -> Vec<Planned> {
        match step {
            Step::NoCertificate => plan(seen.k, scope.sni, scope.groups).into_iter().collect(),
            _ => Vec::new(),
        }
    }
}
