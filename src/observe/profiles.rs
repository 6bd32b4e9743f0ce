//! `observe --write-profiles DIR`: each distinct offer seen in a capture as
//! a profile file, so that `matrix`, `serve` and `plan` can reason about a
//! client nobody wrote a profile for (an agent build with its own suites).
//!
//! A profile holds what the project can name and negotiate: registered
//! suites (signalling values and unregistered ids left out, and suites no
//! offered version can carry), named groups and signature algorithms. What
//! was left out is said in the file's `notes`, and every file is validated
//! as the catalog would load it before it is written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Group, ObserveError, Offer};
use crate::model::profile::{Origin, Profile, ProfileFile};
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// What `--write-profiles` did with one offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The file written, and its profile id.
    File(PathBuf, String),
    /// No profile could be made (why).
    Skipped(String),
}

/// The profile id for an offer: `observed-` and its JA4 fingerprint.
fn id_for(ja4: &str) -> String {
    format!("observed-{}", ja4.replace('_', "-"))
}

/// The profile file text for the offer of `group` (seen from `clients`),
/// validated, or why none can be made.
pub fn profile_text(group: &Group, clients: &[String], id: &str) -> Result<String, String> {
    let offer: &Offer = &group.offer;
    let versions = offer.tls_versions();
    if versions.is_empty() {
        return Err(format!(
            "the offer of {} names no TLS version the tool knows",
            clients.join(", ")
        ));
    }
    let mut notes = Vec::new();
    let mut suites = Vec::new();
    let mut left_out = Vec::new();
    for s in offer.real_suites() {
        match s.suite() {
            Some(suite) if versions.iter().any(|v| suite.valid_at(*v)) => suites.push(s),
            _ => left_out.push(s.to_string()),
        }
    }
    if suites.is_empty() {
        return Err(format!(
            "the offer of {} holds no registered suite that its versions can carry",
            clients.join(", ")
        ));
    }
    if !left_out.is_empty() {
        notes.push(format!(
            "Left out (unregistered, or no offered version carries them): {}.",
            left_out.join(", ")
        ));
    }
    if !offer.versions_listed {
        notes.push(format!(
            "The hello names only its newest version ({}); older ones it may accept \
             cannot be seen in a capture.",
            versions.last().map(ToString::to_string).unwrap_or_default()
        ));
    }
    let groups: Vec<NamedGroup> = offer
        .groups
        .iter()
        .copied()
        .filter(|g| g.name().is_some())
        .collect();
    let signature_algorithms: Vec<SignatureScheme> = offer
        .signature_algorithms
        .iter()
        .copied()
        .filter(|s| s.name().is_some())
        .collect();
    let role = super::client_role(group.server.port());
    let file = ProfileFile {
        id: id.to_string(),
        name: format!("Observed client offer ({})", group.ja4),
        role,
        versions,
        cipher_suites: suites,
        groups,
        signature_algorithms,
        source: format!(
            "observed by tlscompat {} in a packet capture: {} to {}",
            env!("CARGO_PKG_VERSION"),
            clients.join(", "),
            group.server
        ),
        notes: (!notes.is_empty()).then(|| notes.join(" ")),
    };
    let body = serde_yaml::to_string(&file).map_err(|e| e.to_string())?;
    let text = format!(
        "# A client's offer seen in a packet capture by `tlscompat observe`.\n\
         # Suites are in the client's order.\n{body}"
    );
    Profile::parse(&text, Origin::File(format!("{id}.yaml").into()))
        .map_err(|e| format!("the profile made from the offer does not validate: {e}"))?;
    Ok(text)
}

/// Writes one profile per distinct offer into `dir` (created if needed).
pub fn write(dir: &Path, groups: &[Group]) -> Result<Vec<Written>, ObserveError> {
    let fail = |path: &Path, source| ObserveError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut done: Vec<&Offer> = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for group in groups {
        if done.contains(&&group.offer) {
            continue;
        }
        done.push(&group.offer);
        let clients: Vec<String> = groups
            .iter()
            .filter(|g| g.offer == group.offer)
            .map(|g| g.client.to_string())
            .fold(Vec::new(), |mut v, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });
        let base = id_for(&group.ja4);
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        match profile_text(group, &clients, &id) {
            Ok(text) => {
                let path = dir.join(format!("{id}.yaml"));
                std::fs::write(&path, text).map_err(|e| fail(&path, e))?;
                out.push(Written::File(path, id));
            }
            Err(why) => out.push(Written::Skipped(why)),
        }
    }
    Ok(out)
}

/// The offer of `group` as a profile (id `id`), for judging it offline
/// (`plan --observed`); `None` when no profile can be made of it.
pub fn offer_profile(group: &Group, id: &str) -> Option<Profile> {
    let text = profile_text(group, &[group.client.to_string()], id).ok()?;
    Profile::parse(&text, Origin::File(format!("{id}.yaml").into())).ok()
}
