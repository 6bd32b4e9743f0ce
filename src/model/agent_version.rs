//! From an agent version as the manager shows it (`10.0.0-3445`,
//! `20.0.0-3445`, `9.6.2-7723`) to the profile that agent offers.
//!
//! Admins know versions, not profile ids. The mapping is in the profile
//! files, not here: each agent profile lists the version prefixes whose
//! agents offer it (`agent_versions`), what a version alone cannot tell
//! (`version_caveat`: 10.0 before or after Update 16, FIPS mode) and the
//! profiles such an agent may behave like instead (`may_also_be`). A
//! profile added with `--profiles-dir` can claim a new version line. The
//! shipped mapping follows docs/domain.md: 9.x offers TLS 1.0 (`dsa-9.6`);
//! 10.0 the RSA CBC suites until Update 16 (`dsa-10.0`); 11.x, 12.x and
//! 20.x the two ECDHE GCM suites (`dsa-11`).

use crate::model::profile::{Catalog, Role};

/// A version mapped to a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The profile id.
    pub profile: String,
    /// What the version alone could not decide, for people.
    pub caveat: Option<String>,
    /// The profile, then those an agent of this version may behave like
    /// instead: a scan's identification decides between them.
    pub candidates: Vec<String>,
}

/// Why a version cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot map agent version {} to a profile: expected MAJOR.MINOR… as the manager \
     shows it (e.g. 9.6.2-7723, 10.0.0-3445, 11.0.0-211, 20.0.0-3445); known versions: {}",
    crate::base::input::excerpt(input),
    known.join(", ")
)]
pub struct UnknownVersion {
    /// What was given.
    pub input: String,
    /// The version prefixes the catalog's agent profiles claim.
    pub known: Vec<String>,
}

/// The numbers of a version (`10.0.0-3445` → 10, 0, 0, 3445); `None`
/// unless it starts with a number.
fn numbers(version: &str) -> Option<Vec<u64>> {
    let numbers: Vec<u64> = version
        .trim()
        .split(['.', '-'])
        .map_while(|p| p.parse().ok())
        .collect();
    (!numbers.is_empty()).then_some(numbers)
}

/// Maps `version` to the agent profile that offers it: the profile whose
/// `agent_versions` prefix matches the most leading numbers (ties: the
/// first in the catalog).
pub fn profile_for(catalog: &Catalog, version: &str) -> Result<Mapped, UnknownVersion> {
    let agents = || catalog.with_role(Role::Agent);
    let unknown = || {
        let mut known: Vec<String> = agents()
            .flat_map(|p| p.agent_versions.iter().cloned())
            .collect();
        known.sort_by_key(|k| numbers(k));
        known.dedup();
        UnknownVersion {
            input: version.to_string(),
            known,
        }
    };
    let given = numbers(version).ok_or_else(unknown)?;
    let best = agents()
        .flat_map(|p| p.agent_versions.iter().map(move |prefix| (p, prefix)))
        .filter_map(|(p, prefix)| {
            let prefix = numbers(prefix)?;
            given.starts_with(&prefix).then_some((prefix.len(), p))
        })
        .fold(
            None,
            |best: Option<(usize, &crate::model::profile::Profile)>, (n, p)| match best {
                Some((m, _)) if m >= n => best,
                _ => Some((n, p)),
            },
        );
    let (_, p) = best.ok_or_else(unknown)?;
    Ok(Mapped {
        profile: p.id.clone(),
        caveat: p.version_caveat.clone(),
        candidates: std::iter::once(p.id.clone())
            .chain(p.may_also_be.iter().cloned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_the_manager_shows_them() {
        let c = Catalog::builtin().unwrap();
        assert_eq!(profile_for(&c, "9.6.2-7723").unwrap().profile, "dsa-9.6");
        let ten = profile_for(&c, "10.0.0-3445").unwrap();
        assert_eq!(ten.profile, "dsa-10.0");
        assert!(ten.caveat.unwrap().contains("Update 16"));
        assert_eq!(ten.candidates, ["dsa-10.0", "dsa-10.0-u16", "dsa-fips"]);
        for v in ["11.0.0-211", "12.0.0-1234", "20.0.0-3445", "20"] {
            let m = profile_for(&c, v).unwrap();
            assert_eq!(m.profile, "dsa-11", "{v}");
            assert_eq!(m.candidates, ["dsa-11", "dsa-fips"], "{v}");
        }
        for bad in ["", "x.y", "8.0", "21.0.0", "-1"] {
            assert!(profile_for(&c, bad).is_err(), "{bad}");
        }
        let e = profile_for(&c, "abc").unwrap_err().to_string();
        assert!(e.contains("10.0.0-3445"), "{e}");
        assert!(e.contains("known versions: 9, 10, 11, 12, 20"), "{e}");
    }

    #[test]
    fn a_profile_from_a_directory_claims_a_version_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dsa-21.yaml"),
            "id: dsa-21\nname: a future agent\nrole: agent\nversions: [tls1.2, tls1.3]\n\
             cipher_suites: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n\
             ladder: 5\nproduct: Deep Security Agent 21\nagent_versions: [\"21\", \"20.5\"]\n",
        )
        .unwrap();
        let mut c = Catalog::builtin().unwrap();
        c.add_dir(dir.path()).unwrap();
        assert_eq!(profile_for(&c, "21.0.0-1").unwrap().profile, "dsa-21");
        // The more specific prefix wins over the shipped `20`.
        assert_eq!(profile_for(&c, "20.5.1-1").unwrap().profile, "dsa-21");
        assert_eq!(profile_for(&c, "20.0.0-1").unwrap().profile, "dsa-11");
        assert_eq!(profile_for(&c, "21").unwrap().candidates, ["dsa-21"]);
    }
}
