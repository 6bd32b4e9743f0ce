//! Findings: facts about an endpoint worth acting on that are not a
//! verdict on any one client (an expiring certificate, a weak key).
//!
//! A finding is data: a stable snake_case `code` that scripts and policies
//! match on, and a rendered `message` for people. Codes are never renamed;
//! new ones may be added.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// What kind of finding, stable.
    pub code: FindingCode,
    /// A sentence for people.
    pub message: String,
}

impl Finding {
    /// A finding with its message.
    pub fn new(code: FindingCode, message: impl Into<String>) -> Finding {
        Finding {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The kinds of finding, serialised as snake_case codes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// The leaf certificate's `notAfter` is in the past.
    CertificateExpired,
    /// The leaf certificate's `notBefore` is in the future.
    CertificateNotYetValid,
    /// The leaf certificate expires within 30 days.
    CertificateExpiresSoon,
    /// The leaf has an RSA key of fewer than 2048 bits.
    CertificateWeakKey,
    /// The leaf (or a certificate of the chain) is signed with SHA-1.
    CertificateSha1Signature,
    /// None of the selected profiles can authenticate a server with this
    /// key type (every Deep Security suite authenticates with RSA).
    CertificateKeyTypeUnusable,
    /// The server's Certificate message was too large (or malformed) to read.
    CertificateChainUnreadable,
    /// `--ca`: the chain does not lead to the given CA.
    CertificateUntrusted,
    /// `--ca`: the certificate does not name the host that was scanned.
    CertificateNameMismatch,
    /// The endpoint behaves like none of the profiles the inventory expects.
    UnexpectedProfile,
    /// An agent's listening port answered this scanner: the manager's hidden
    /// priority-4 bypass rule that opens it to any address was never
    /// restricted to the manager's addresses.
    AgentPortExposed,
}

impl FindingCode {
    /// The stable code, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            FindingCode::CertificateExpired => "certificate_expired",
            FindingCode::CertificateNotYetValid => "certificate_not_yet_valid",
            FindingCode::CertificateExpiresSoon => "certificate_expires_soon",
            FindingCode::CertificateWeakKey => "certificate_weak_key",
            FindingCode::CertificateSha1Signature => "certificate_sha1_signature",
            FindingCode::CertificateKeyTypeUnusable => "certificate_key_type_unusable",
            FindingCode::CertificateChainUnreadable => "certificate_chain_unreadable",
            FindingCode::CertificateUntrusted => "certificate_untrusted",
            FindingCode::CertificateNameMismatch => "certificate_name_mismatch",
            FindingCode::UnexpectedProfile => "unexpected_profile",
            FindingCode::AgentPortExposed => "agent_port_exposed",
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_names() {
        for code in [
            FindingCode::CertificateExpired,
            FindingCode::CertificateNotYetValid,
            FindingCode::CertificateExpiresSoon,
            FindingCode::CertificateWeakKey,
            FindingCode::CertificateSha1Signature,
            FindingCode::CertificateKeyTypeUnusable,
            FindingCode::CertificateChainUnreadable,
            FindingCode::CertificateUntrusted,
            FindingCode::CertificateNameMismatch,
            FindingCode::UnexpectedProfile,
            FindingCode::AgentPortExposed,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.name().into())
            );
        }
    }
}
