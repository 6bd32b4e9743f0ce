//! The server's certificate: the chain from the first flight (TLS 1.2 and
//! older send it in the clear), its summary, and the findings that matter
//! for Deep Security (expiry, key size, SHA-1, a key type no selected
//! profile can use, a chain too large to read; with `--ca` trust and name).

use super::Knowledge;
use super::{Check, Judging, Scope, Seen};
use crate::model::profile::Profile;
use crate::model::target::Target;
use crate::probe::Outcome;
use crate::results::findings::{Finding, FindingCode};
use crate::scan::ScanConfig;
use crate::scan::probes::ProbeRecord;

/// Keeps the first chain seen (in a first flight, or presented to a full
/// handshake: TLS 1.3 hides it from the first), and why a chain could not
/// be read.
pub(super) fn observe(k: &mut Knowledge, r: &ProbeRecord) {
    if k.certificate_chain.is_none() && !r.peer_chain.is_empty() {
        k.certificate_chain = Some(r.peer_chain.clone());
    }
    let Outcome::Accepted(a) = &r.outcome else {
        return;
    };
    if k.certificate_chain.is_none() && !a.certificate_chain.is_empty() {
        k.certificate_chain = Some(a.certificate_chain.clone());
    }
    if k.chain_unreadable.is_none() {
        k.chain_unreadable.clone_from(&a.chain_unreadable);
    }
}

/// Certificate findings: the chain's own (expiry, key size, signature,
/// key type against the selected profiles), a chain too large to read, and
/// with `--ca` the chain and the name.
pub(super) fn findings(
    target: &Target,
    k: &Knowledge,
    profiles: &[&Profile],
    config: &ScanConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(why) = &k.chain_unreadable {
        out.push(Finding::new(
            FindingCode::CertificateChainUnreadable,
            format!("the server's certificate chain could not be read: {why}"),
        ));
    }
    if let Some(chain) = &k.certificate_chain {
        out.extend(crate::tls::certinfo::findings(
            chain,
            time::OffsetDateTime::now_utc(),
            profiles,
        ));
        if let Some(ca) = &config.ca {
            out.extend(crate::tls::certinfo::verify(
                chain,
                ca,
                &target.host,
                time::OffsetDateTime::now_utc(),
            ));
        }
    }
    out
}

/// The server's certificate and its findings.
pub(crate) struct Certificate;

impl Check for Certificate {
    fn observe(&self, k: &mut Knowledge, r: &ProbeRecord) {
        observe(k, r);
    }

    fn judge(&self, scope: &Scope, seen: &Seen, out: &mut Judging) {
        out.report
            .findings
            .extend(findings(scope.target, seen.k, scope.profiles, scope.config));
    }
}
