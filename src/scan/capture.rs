//! `profiles capture`: a live endpoint turned into a profile file.
//!
//! Users who changed a manager's suites by hand have no profile for it, so
//! `matrix` cannot answer "who loses contact?" for it. Capturing scans the
//! endpoint with every registered suite at every version (`--all-suites`)
//! and writes what it accepted as a profile: its versions, and its suites in
//! the server's own order (newest version first, each suite once), so that
//! `matrix --server FILE` predicts what that endpoint negotiates.

use std::collections::BTreeMap;

use crate::model::negotiate::Preference;
use crate::model::profile::{Origin, Profile, ProfileError, ProfileFile, Role};
use crate::model::suites::CipherSuiteId;
use crate::model::target::Target;
use crate::model::version::TlsVersion;
use crate::results::{ServerReport, TargetReport, TargetStatus};

/// Why an endpoint could not be captured.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The endpoint could not be scanned (exit 3).
    #[error("cannot capture {target}: {message}")]
    NotScanned {
        /// `host:port`.
        target: String,
        /// Why, as the scan reported it.
        message: String,
    },
    /// The endpoint answered TLS but accepted no suite at any version.
    #[error("cannot capture {target}: it accepted no cipher suite at any version")]
    NothingAccepted {
        /// `host:port`.
        target: String,
    },
    /// The profile could not be written as YAML (a bug).
    #[error("cannot write the captured profile as YAML: {0}")]
    Yaml(String),
    /// The profile made from the scan does not validate (a bug).
    #[error("the captured profile of {target} does not validate: {source}")]
    Invalid {
        /// `host:port`.
        target: String,
        /// The validation error.
        source: Box<ProfileError>,
    },
}

/// A profile id from a host name or address: lower-case letters, digits and
/// single dashes (`dsm.example.com` → `dsm-example-com`).
pub fn id_from_host(host: &str) -> String {
    let mut id = String::new();
    for c in host.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    while id.ends_with('-') {
        id.pop();
    }
    if id.is_empty() {
        "captured".to_string()
    } else {
        id
    }
}

/// The suites in one list: newest version first, each version's suites in
/// the server's order (where it enforces one), each suite once.
fn suite_order(server: &ServerReport) -> Vec<CipherSuiteId> {
    let mut out: Vec<CipherSuiteId> = Vec::new();
    for suites in server.cipher_suites.values().rev() {
        for s in suites {
            if !out.contains(s) {
                out.push(*s);
            }
        }
    }
    out
}

/// Versions whose accepted suites are not all the suites of the list that
/// can run there: the profile format has one list for every version, so it
/// claims more at those versions than the server accepted.
fn narrower_versions(server: &ServerReport, suites: &[CipherSuiteId]) -> Vec<TlsVersion> {
    server
        .cipher_suites
        .iter()
        .filter(|(v, accepted)| {
            suites
                .iter()
                .any(|s| s.suite().is_some_and(|c| c.valid_at(**v)) && !accepted.contains(s))
        })
        .map(|(v, _)| *v)
        .collect()
}

/// The profile file (YAML, with a header comment) for a scanned endpoint,
/// validated. `date` is written into `source` (`2026-11-25`).
pub fn profile_yaml(
    report: &TargetReport,
    role: Role,
    id: Option<&str>,
    date: &str,
) -> Result<String, CaptureError> {
    let target = report.target.clone();
    let server = match (&report.status, &report.server) {
        (TargetStatus::Ok, Some(server)) => server,
        _ => {
            return Err(CaptureError::NotScanned {
                message: report.error.as_ref().map_or_else(
                    || "the endpoint could not be scanned".to_string(),
                    |e| e.message.clone(),
                ),
                target,
            });
        }
    };
    let suites = suite_order(server);
    if suites.is_empty() || server.versions.is_empty() {
        return Err(CaptureError::NothingAccepted { target });
    }
    let notes = notes(report, server, &suites);
    let id = id.map_or_else(|| id_from_host(&report.host), str::to_string);
    let file = ProfileFile {
        id,
        name: format!("Captured from {target} on {date}"),
        role,
        versions: server.versions.clone(),
        cipher_suites: suites,
        // The defaults.
        groups: Vec::new(),
        signature_algorithms: Vec::new(),
        source: format!(
            "captured by tlscompat {} from {target} on {date} (every registered suite probed \
             at every version)",
            env!("CARGO_PKG_VERSION")
        ),
        notes: (!notes.is_empty()).then(|| notes.join(" ")),
    };
    let body = serde_yaml::to_string(&file).map_err(|e| CaptureError::Yaml(e.to_string()))?;
    let text = format!(
        "# A profile captured from a live endpoint by `tlscompat profiles capture`.\n\
         # Suites are listed newest version first, in the server's order where it\n\
         # enforces one. Groups and signature algorithms are the defaults.\n{body}"
    );
    Profile::parse(&text, Origin::File("captured profile".into())).map_err(|source| {
        CaptureError::Invalid {
            target,
            source: Box::new(source),
        }
    })?;
    Ok(text)
}

/// What the profile file cannot say and a reader should know: a server
/// that follows the client's order, versions that accept fewer suites
/// than the one list allows, an incomplete scan.
fn notes(report: &TargetReport, server: &ServerReport, suites: &[CipherSuiteId]) -> Vec<String> {
    let mut notes = Vec::new();
    let client_order: Vec<String> = server
        .preference
        .iter()
        .filter(|(_, p)| **p == Preference::Client)
        .map(|(v, _)| v.to_string())
        .collect();
    if !client_order.is_empty() {
        notes.push(format!(
            "The endpoint follows the client's suite order at {}: use `matrix \
             --client-preference`.",
            client_order.join(", ")
        ));
    }
    let narrower = narrower_versions(server, suites);
    if !narrower.is_empty() {
        let per_version: BTreeMap<String, usize> = server
            .cipher_suites
            .iter()
            .filter(|(v, _)| narrower.contains(v))
            .map(|(v, s)| (v.to_string(), s.len()))
            .collect();
        notes.push(format!(
            "The endpoint accepts fewer suites at {} than this list allows there ({}); \
             a profile has one list for every version.",
            narrower
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            per_version
                .iter()
                .map(|(v, n)| format!("{n} at {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !report.complete {
        notes.push(
            "The scan was incomplete (some probes got no usable answer): suites may be missing."
                .to_string(),
        );
    }
    notes
}

/// Scans `target` with every registered suite at every version and returns
/// its report (the scan library, as `scan --all-suites` runs it).
pub async fn scan_all_suites(
    target: &Target,
    identify: &[&Profile],
    config: &crate::scan::ScanConfig,
) -> TargetReport {
    let config = crate::scan::ScanConfig {
        all_suites: true,
        ..config.clone()
    };
    crate::scan::scan(target, &[], identify, &config).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_hosts() {
        assert_eq!(id_from_host("dsm.example.com"), "dsm-example-com");
        assert_eq!(id_from_host("DSM_01.Example"), "dsm-01-example");
        assert_eq!(id_from_host("127.0.0.1"), "127-0-0-1");
        assert_eq!(id_from_host("2001:db8::1"), "2001-db8-1");
        assert_eq!(id_from_host("::"), "captured");
    }
}
