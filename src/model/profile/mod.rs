//! Profiles: what one client or server configuration offers.
//!
//! A profile is a YAML file naming the TLS versions and cipher suites (in the
//! client's order) of one Deep Security component version, plus the hello
//! shape (groups, signature algorithms). The probe builds its ClientHello from
//! a profile, the emulator configures its server from one, and the matrix
//! negotiates between them. Everything a profile says is checked when it is
//! loaded, and every mistake is reported with file, line and column.

mod catalog;
pub(crate) mod locate;
mod read;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use catalog::{Catalog, ResolveError, UnknownProfile};
pub use locate::Location;
use locate::{Seg, locate};

use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// Which side of the Deep Security channel a profile describes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A Deep Security Agent: TLS client to the manager (4120), server on 4118.
    Agent,
    /// A Deep Security Manager: server on 4120 (and 4119), client to agents.
    Manager,
    /// A relay: server on 4122.
    Relay,
    /// Not specific to one component.
    Any,
}

impl Role {
    /// The lower-case name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Relay => "relay",
            Role::Any => "any",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary from `profiles/<file>`.
    Builtin(&'static str),
    /// Read from a file at run time.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "profiles/{name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Short stable id, e.g. `dsa-10.0-u16`.
    pub id: String,
    /// Other ids that name this profile on the command line (`dsa-12` for
    /// `dsa-11`); reports always use `id`.
    pub aliases: Vec<String>,
    /// Human name.
    pub name: String,
    /// Which component this is.
    pub role: Role,
    /// Supported versions, oldest first, without duplicates.
    pub versions: Vec<TlsVersion>,
    /// Cipher suites in preference order (the client's offer order).
    pub cipher_suites: Vec<CipherSuiteId>,
    /// Named groups for ECDHE/DHE and TLS 1.3 key shares, in preference order.
    pub groups: Vec<NamedGroup>,
    /// Signature algorithms offered in TLS 1.2+ hellos, in preference order.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// Where the facts come from.
    pub source: Option<String>,
    /// Free-form remarks.
    pub notes: Option<String>,
    /// Agent profiles: the rung on the agent upgrade ladder, 1 the oldest
    /// (docs/domain.md, "The upgrade ladder"); none for a mode (FIPS) or a
    /// profile off the ladder. A plan upgrades agents rung by rung.
    pub ladder: Option<u32>,
    /// What an agent installs to stand on this rung, for people (a plan's
    /// advice names products, not profile ids).
    pub product: Option<String>,
    /// How admins name the agent versions this profile stands for
    /// (`11.0+`), in `diagnose`'s advice.
    pub version_name: Option<String>,
    /// Agent versions as the manager shows them (`9`, `10.0`, `20`: a
    /// prefix of MAJOR.MINOR…) whose agents offer this profile; the most
    /// specific prefix wins.
    pub agent_versions: Vec<String>,
    /// What an agent's version alone cannot tell about it (said with a
    /// plan or diagnosis that rests on the version).
    pub version_caveat: Option<String>,
    /// The profiles an agent of these versions may behave like instead
    /// (strong cipher suites on, FIPS mode): a scan's identification
    /// decides between them.
    pub may_also_be: Vec<String>,
    /// Manager profiles: the manager setting this profile is, in the words
    /// `diagnose` uses when it strands an agent ("the manager accepts only
    /// the 12.x strong cipher suites (…)").
    pub setting: Option<String>,
    /// Manager profiles: what to change on the manager to take an agent
    /// back ("turn strong cipher suites off on the manager").
    pub remedy: Option<String>,
    /// The file it was loaded from.
    pub origin: Origin,
}

/// A profile file as the tool writes one (`profiles capture`, `observe
/// --write-profiles`): the fields of a profile file in the order people
/// read them, the empty optional ones left out.
#[derive(Debug, Serialize)]
pub(crate) struct ProfileFile {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) versions: Vec<TlsVersion>,
    pub(crate) cipher_suites: Vec<CipherSuiteId>,
    /// Empty: the defaults ([`DEFAULT_GROUPS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<NamedGroup>,
    /// Empty: the defaults ([`DEFAULT_SIGNATURE_ALGORITHMS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) signature_algorithms: Vec<SignatureScheme>,
    pub(crate) source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<String>,
}

/// Groups a profile offers when it names none: what OpenSSL clients of the
/// Deep Security era offer first.
pub const DEFAULT_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
];

/// Signature algorithms a profile offers when it names none: every common
/// RSA and ECDSA scheme, SHA-1 last, so no server is turned away for want of
/// a signature algorithm.
pub const DEFAULT_SIGNATURE_ALGORITHMS: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ECDSA_SECP521R1_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA1,
    SignatureScheme::ECDSA_SHA1,
];

impl Profile {
    /// The newest version the profile supports.
    pub fn max_version(&self) -> TlsVersion {
        crate::model::version::newest(&self.versions)
    }

    /// Whether the profile supports `v`.
    pub fn supports(&self, v: TlsVersion) -> bool {
        self.versions.contains(&v)
    }

    /// The profile's suites that can run at `v`, in the profile's order.
    pub fn suites_at(&self, v: TlsVersion) -> impl Iterator<Item = CipherSuiteId> + '_ {
        self.cipher_suites
            .iter()
            .copied()
            .filter(move |s| s.suite().is_some_and(|c| c.valid_at(v)))
    }

    /// Parses and validates one profile document; the first problem.
    pub fn parse(text: &str, origin: Origin) -> Result<Profile, ProfileError> {
        Profile::parse_all(text, origin).map_err(|mut all| all.swap_remove(0))
    }

    /// Parses and validates one profile document; every problem found (at
    /// least one), each located: the bad values in file order, missing
    /// fields, then the rules that span fields.
    pub fn parse_all(text: &str, origin: Origin) -> Result<Profile, Vec<ProfileError>> {
        // Malformed YAML (or several documents) stops here: nothing after
        // the first syntax error can be trusted.
        if let Err(e) = serde_yaml::from_str::<serde::de::IgnoredAny>(text) {
            return Err(vec![ProfileError {
                origin,
                location: Location::of(&e),
                kind: ProfileErrorKind::Yaml(yaml_message(&e)),
            }]);
        }
        let (fields, mut problems) = read::read(text);
        if !fields.stopped {
            problems.extend(check(&fields));
        }
        if problems.is_empty() {
            if let Some(profile) = build(fields, origin.clone()) {
                return Ok(profile);
            }
            // Every field a profile needs is required, so a profile that
            // cannot be built has a problem to tell; this is a safety net.
            problems.push((
                read::Place::At(None),
                ProfileErrorKind::Yaml("not a complete profile".into()),
            ));
        }
        Err(problems
            .into_iter()
            .map(|(place, kind)| ProfileError {
                origin: origin.clone(),
                location: match place {
                    read::Place::Node(path) => locate(text, &path),
                    read::Place::Key(key, nth) => locate(text, &[Seg::Name(&key, nth)]),
                    read::Place::At(at) => at,
                },
                kind,
            })
            .collect())
    }
}

/// The profile, when every field it needs was read.
fn build(f: read::Fields, origin: Origin) -> Option<Profile> {
    let mut versions = f.versions?.values();
    versions.sort();
    Some(Profile {
        id: f.id?,
        aliases: f.aliases.map(|a| a.values()).unwrap_or_default(),
        name: f.name?,
        role: f.role?,
        versions,
        cipher_suites: f.cipher_suites?.values(),
        groups: f
            .groups
            .map(|g| g.values())
            .unwrap_or_else(|| DEFAULT_GROUPS.to_vec()),
        signature_algorithms: f
            .signature_algorithms
            .map(|s| s.values())
            .unwrap_or_else(|| DEFAULT_SIGNATURE_ALGORITHMS.to_vec()),
        source: f.source,
        notes: f.notes,
        ladder: f.ladder.and_then(|l| l.parse().ok()),
        product: f.product,
        version_name: f.version_name,
        agent_versions: f.agent_versions.map(|a| a.values()).unwrap_or_default(),
        version_caveat: f.version_caveat,
        may_also_be: f.may_also_be.map(|a| a.values()).unwrap_or_default(),
        setting: f.setting,
        remedy: f.remedy,
        origin,
    })
}

/// Every rule that single values cannot check alone, on what could be
/// read. Each failure names the path of the node to blame. A rule about a
/// list with bad entries is checked only where they cannot change the
/// answer.
fn check(f: &read::Fields) -> Vec<read::Problem> {
    let mut out: Vec<read::Problem> = Vec::new();
    let mut fail = |path: Vec<Seg<'static>>, kind| out.push((read::Place::Node(path), kind));
    check_names_and_lists(f, &mut fail);
    check_agent_facts(f, &mut fail);
    check_lists_agree(f, &mut fail);
    out
}

/// The id, the aliases and the name are plain, and no list repeats an
/// entry or is empty.
fn check_names_and_lists(
    f: &read::Fields,
    fail: &mut impl FnMut(Vec<Seg<'static>>, ProfileErrorKind),
) {
    use ProfileErrorKind as K;
    // Ids end up in file names, flags and reports: keep them plain.
    if let Some(id) = &f.id {
        if !plain_id(id) {
            fail(vec![Seg::Key("id")], K::BadId { id: id.clone() });
        }
    }
    if let Some(aliases) = &f.aliases {
        for (i, alias) in &aliases.items {
            let at = vec![Seg::Key("aliases"), Seg::Index(*i)];
            if !plain_id(alias) {
                fail(
                    at,
                    K::BadAlias {
                        alias: alias.clone(),
                    },
                );
            } else if f.id.as_ref() == Some(alias) {
                fail(
                    at,
                    K::AliasIsId {
                        alias: alias.clone(),
                    },
                );
            }
        }
        if aliases.len > 0 {
            list_rules("aliases", aliases, fail);
        }
    }
    if let Some(name) = &f.name {
        if name.trim().is_empty() {
            fail(vec![Seg::Key("name")], K::Empty { field: "name" });
        }
    }
    if let Some(versions) = &f.versions {
        list_rules("versions", versions, fail);
    }
    if let Some(suites) = &f.cipher_suites {
        list_rules("cipher_suites", suites, fail);
    }
    if let Some(groups) = &f.groups {
        list_rules("groups", groups, fail);
    }
    if let Some(sigalgs) = &f.signature_algorithms {
        list_rules("signature_algorithms", sigalgs, fail);
    }
}

/// The agent facts: a rung from 1, version prefixes of digits, and the
/// fields of one role only on a profile of that role.
fn check_agent_facts(f: &read::Fields, fail: &mut impl FnMut(Vec<Seg<'static>>, ProfileErrorKind)) {
    use ProfileErrorKind as K;
    // A manager is not upgraded rung by rung: the ladder is an agent's.
    if let Some(rung) = &f.ladder {
        if rung.parse::<u32>().map_or(true, |n| n == 0) {
            fail(
                vec![Seg::Key("ladder")],
                K::Yaml(format!(
                    "ladder: expected a rung number from 1 (the oldest), got {}",
                    crate::base::input::excerpt(rung)
                )),
            );
        }
    }
    if let Some(prefixes) = &f.agent_versions {
        for (i, v) in &prefixes.items {
            let digits = !v.is_empty()
                && v.split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            if !digits {
                fail(
                    vec![Seg::Key("agent_versions"), Seg::Index(*i)],
                    K::Yaml(format!(
                        "agent_versions[{i}]: expected MAJOR or MAJOR.MINOR (e.g. 10.0), got {}",
                        crate::base::input::excerpt(v)
                    )),
                );
            }
        }
    }
    if f.role.is_some_and(|r| r != Role::Agent) {
        let agent_only = [
            ("ladder", f.ladder.is_some()),
            ("agent_versions", f.agent_versions.is_some()),
            ("may_also_be", f.may_also_be.is_some()),
        ];
        for (field, given) in agent_only {
            if given {
                fail(
                    vec![Seg::Key(field)],
                    K::Yaml(format!("{field}: only an agent profile has one")),
                );
            }
        }
    }
    if f.role.is_some_and(|r| r != Role::Manager) {
        let manager_only = [
            ("setting", f.setting.is_some()),
            ("remedy", f.remedy.is_some()),
        ];
        for (field, given) in manager_only {
            if given {
                fail(
                    vec![Seg::Key(field)],
                    K::Yaml(format!("{field}: only a manager profile has one")),
                );
            }
        }
    }
}

/// The versions, suites and groups agree: each suite runs on a listed
/// version, each version has a suite, and ECDHE or TLS 1.3 has an
/// elliptic-curve group.
fn check_lists_agree(f: &read::Fields, fail: &mut impl FnMut(Vec<Seg<'static>>, ProfileErrorKind)) {
    use ProfileErrorKind as K;
    let (Some(versions), Some(suites)) = (&f.versions, &f.cipher_suites) else {
        return;
    };
    // A suite no listed version can carry would never be negotiated: the
    // profile is wrong about this client (GCM on TLS 1.0, a TLS 1.3 suite
    // on 1.2). Only when every version is known: a bad one might be the
    // one the suite needs.
    if versions.complete() && versions.len > 0 {
        let listed = versions.values();
        for (i, id) in &suites.items {
            let Some(suite) = id.suite() else { continue };
            if !listed.iter().any(|v| suite.valid_at(*v)) {
                fail(
                    vec![Seg::Key("cipher_suites"), Seg::Index(*i)],
                    K::SuiteVersion {
                        suite: *id,
                        listed: listed.clone(),
                    },
                );
            }
        }
    }
    // A version with no suite that can run on it could never be negotiated.
    if suites.complete() && suites.len > 0 {
        for (i, v) in &versions.items {
            if !suites
                .items
                .iter()
                .any(|(_, id)| id.suite().is_some_and(|s| s.valid_at(*v)))
            {
                fail(
                    vec![Seg::Key("versions"), Seg::Index(*i)],
                    K::VersionWithoutSuite { version: *v },
                );
            }
        }
    }
    // ECDHE suites and TLS 1.3 need at least one elliptic-curve group.
    let needs_ec = versions.items.iter().any(|(_, v)| *v == TlsVersion::Tls13)
        || suites
            .items
            .iter()
            .any(|(_, id)| id.suite().is_some_and(|s| s.uses_ecdhe()));
    if let Some(groups) = &f.groups {
        let only_ff = groups.items.iter().all(|(_, g)| g.is_ffdhe());
        if needs_ec && groups.complete() && groups.len > 0 && only_ff {
            fail(vec![Seg::Key("groups")], K::NoEcGroup);
        }
    }
}

/// Letters, digits, '.', '_' and '-', at least one.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The longest lists a profile may have: what fits in a ClientHello as
/// real clients send it (OpenSSL offers about 60 suites, 10 groups and 30
/// signature algorithms; the whole suite registry is about 330).
fn max_len(field: &str) -> usize {
    match field {
        "cipher_suites" => 512,
        "groups" | "signature_algorithms" => 64,
        _ => usize::MAX,
    }
}

/// Not empty, not longer than a ClientHello carries, no entry twice.
fn list_rules<T: PartialEq + fmt::Display + Clone>(
    field: &'static str,
    list: &read::List<T>,
    fail: &mut impl FnMut(Vec<Seg<'static>>, ProfileErrorKind),
) {
    if list.len == 0 {
        fail(vec![Seg::Key(field)], ProfileErrorKind::Empty { field });
        return;
    }
    if list.len > max_len(field) {
        // Its repeats would only bury this line.
        fail(
            vec![Seg::Key(field)],
            ProfileErrorKind::TooLong {
                field,
                count: list.len,
                max: max_len(field),
            },
        );
        return;
    }
    // Each repeated entry once, where it is first repeated.
    for (k, (i, item)) in list.items.iter().enumerate() {
        let count = list.items[..k].iter().filter(|(_, o)| o == item).count();
        if count == 1 {
            fail(
                vec![Seg::Key(field), Seg::Index(*i)],
                ProfileErrorKind::Duplicate {
                    field,
                    value: item.to_string(),
                },
            );
        }
    }
}

/// serde_yaml's message without its own " at line L column C" suffix, which
/// we print in `file:line:column:` form instead.
pub(crate) fn yaml_message(e: &serde_yaml::Error) -> String {
    // A value the parser quotes (a whole file read as one string, when the
    // file is not YAML) is cut to an excerpt.
    let text = crate::base::input::shorten_quoted(&e.to_string());
    match e.location() {
        Some(l) => {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            match text.find(&suffix) {
                Some(at) => format!("{}{}", &text[..at], &text[at + suffix.len()..]),
                None => text,
            }
        }
        None => text,
    }
}

/// A profile that could not be loaded, with where the problem is.
#[derive(Debug, thiserror::Error)]
#[error("{origin}{}: {kind}", location.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ProfileError {
    /// The file.
    pub origin: Origin,
    /// Line and column, when the problem is at one node.
    pub location: Option<Location>,
    /// What is wrong.
    pub kind: ProfileErrorKind,
}

/// What is wrong with a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileErrorKind {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(#[source] crate::base::input::InputError),
    /// Malformed YAML, a missing or unknown field, or a name we do not know
    /// (the parser's message, which carries our suggestions).
    #[error("{0}")]
    Yaml(String),
    /// A list or text that must not be empty is.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A list longer than a ClientHello can carry as real clients send it.
    #[error(
        "`{field}` lists {count} entries; at most {max} fit in a ClientHello as real clients send it"
    )]
    TooLong {
        /// The field.
        field: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The same entry twice in one list.
    #[error("{value} is listed twice in `{field}`")]
    Duplicate {
        /// The field.
        field: &'static str,
        /// The repeated entry.
        value: String,
    },
    /// A suite that no listed version can carry.
    #[error("{suite} cannot run on {} (it needs {})", crate::model::version::join(listed), suite.suite().map(|s| s.version_range()).unwrap_or_default())]
    SuiteVersion {
        /// The suite.
        suite: CipherSuiteId,
        /// The profile's versions.
        listed: Vec<TlsVersion>,
    },
    /// A version that no listed suite can run on.
    #[error("no listed cipher suite can run on {version}")]
    VersionWithoutSuite {
        /// The version.
        version: TlsVersion,
    },
    /// An id with characters outside `[A-Za-z0-9._-]`.
    #[error(
        "profile id {} must be non-empty letters, digits, '.', '_' or '-'",
        crate::base::input::excerpt(id)
    )]
    BadId {
        /// The id.
        id: String,
    },
    /// Two profiles with the same id.
    #[error("duplicate profile id {id:?} (first defined at {first})")]
    DuplicateId {
        /// The id.
        id: String,
        /// `file:line:column` of the first definition.
        first: String,
    },
    /// An alias with characters outside `[A-Za-z0-9._-]`.
    #[error(
        "alias {} must be non-empty letters, digits, '.', '_' or '-'",
        crate::base::input::excerpt(alias)
    )]
    BadAlias {
        /// The alias.
        alias: String,
    },
    /// An alias equal to the profile's own id.
    #[error("alias {alias:?} is the profile's own id")]
    AliasIsId {
        /// The alias.
        alias: String,
    },
    /// An id or alias that another profile already uses as its id or alias
    /// (ids and aliases share one name space).
    #[error("{what} {name:?} is already {clash}")]
    NameTaken {
        /// `profile id` or `alias`.
        what: &'static str,
        /// The name.
        name: String,
        /// Whose name it is and where that is defined: `an alias of P (first
        /// defined at file:line:column)`.
        clash: String,
    },
    /// ECDHE suites or TLS 1.3 with only finite-field groups.
    #[error("ECDHE cipher suites and TLS 1.3 need an elliptic-curve group in `groups`")]
    NoEcGroup,
}

#[cfg(test)]
mod tests;
