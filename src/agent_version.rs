//! From an agent version as the manager shows it (`10.0.0-3445`,
//! `20.0.0-3445`, `9.6.2-7723`) to the profile that agent offers.
//!
//! Admins know versions, not profile ids. The mapping follows
//! docs/domain.md: 9.x offers TLS 1.0 (`dsa-9.6`); 10.0 offers the RSA CBC
//! suites until Update 16, whose strong-cipher mode is `dsa-10.0-u16`; 11.x,
//! 12.x and 20.x offer the two ECDHE GCM suites (`dsa-11`). Where the
//! version alone cannot decide (10.0 before or after Update 16, whose build
//! numbers the sources do not give) the mapping says so, and the caller
//! reports it.

/// A version mapped to a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The profile id.
    pub profile: &'static str,
    /// What the version alone could not decide, for people.
    pub caveat: Option<&'static str>,
}

/// Why a version cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot map agent version {} to a profile: expected MAJOR.MINOR… as the manager \
     shows it (e.g. 9.6.2-7723, 10.0.0-3445, 11.0.0-211, 20.0.0-3445); known majors: 9, 10, 11, 12, 20",
    crate::input::excerpt(input)
)]
pub struct UnknownVersion {
    /// What was given.
    pub input: String,
}

/// Maps `version` to the profile that agent offers.
pub fn profile_for(version: &str) -> Result<Mapped, UnknownVersion> {
    let unknown = || UnknownVersion {
        input: version.to_string(),
    };
    let mut parts = version.trim().split(['.', '-']);
    let major: u32 = parts
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(unknown)?;
    let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Ok(match (major, minor) {
        (9, _) => Mapped {
            profile: "dsa-9.6",
            caveat: None,
        },
        (10, _) => Mapped {
            profile: "dsa-10.0",
            caveat: Some(
                "10.0 before Update 16 assumed: an Update 16+ agent with strong cipher suites \
                 on behaves like dsa-10.0-u16 (give --as dsa-10.0-u16), with them off like \
                 the six suites of dsa-fips (an inference)",
            ),
        },
        (11 | 12 | 20, _) => Mapped {
            profile: "dsa-11",
            caveat: Some(
                "FIPS mode, which 11.0, 12.0 and 20 agents may run in, offers the six suites \
                 of dsa-fips instead",
            ),
        },
        _ => return Err(unknown()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_the_manager_shows_them() {
        assert_eq!(profile_for("9.6.2-7723").unwrap().profile, "dsa-9.6");
        let ten = profile_for("10.0.0-3445").unwrap();
        assert_eq!(ten.profile, "dsa-10.0");
        assert!(ten.caveat.unwrap().contains("Update 16"));
        for v in ["11.0.0-211", "12.0.0-1234", "20.0.0-3445", "20"] {
            assert_eq!(profile_for(v).unwrap().profile, "dsa-11", "{v}");
        }
        for bad in ["", "x.y", "8.0", "21.0.0", "-1"] {
            assert!(profile_for(bad).is_err(), "{bad}");
        }
        assert!(
            profile_for("abc")
                .unwrap_err()
                .to_string()
                .contains("10.0.0-3445")
        );
    }
}
