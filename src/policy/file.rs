//! Policy files (`--policy FILE`): YAML, validated like profiles. Every
//! mistake (an unknown key, profile, version, suite or class) is one error
//! with `file:line:column` and the closest real name.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{CertificateRule, Exposure, Policy, Rule, Scope};
use crate::model::profile::locate::{Location, Seg, locate};
use crate::model::profile::{Catalog, ResolveError};
use crate::model::suites::SuiteSelector;
use crate::model::version::TlsVersion;

/// A policy file as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default)]
    allow_incomplete: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default, rename = "match")]
    scope: Scope,
    #[serde(default)]
    require: Vec<String>,
    #[serde(default)]
    forbid_versions: Vec<TlsVersion>,
    #[serde(default)]
    forbid_suites: Vec<SuiteSelector>,
    #[serde(default)]
    certificate: Option<CertificateRule>,
    #[serde(default)]
    agent_port_exposed: Option<Exposure>,
}

/// The JSON Schema of a policy file (for editor completion: YAML language
/// servers read JSON Schema).
pub(crate) fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<RawPolicy>()
}

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub struct PolicyError {
    /// The file.
    pub path: PathBuf,
    /// Line and column, when the problem is at one node.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.location {
            write!(f, ":{l}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Reads and validates a policy file; required profiles are resolved
/// against (and profile files added to) `catalog`, relative paths from the
/// policy file's directory first.
pub fn load(path: &Path, catalog: &mut Catalog, now: i64) -> Result<Policy, PolicyError> {
    let fail = |location, message| PolicyError {
        path: path.to_path_buf(),
        location,
        message,
    };
    let text = crate::base::input::read_yaml(path, crate::base::input::Kind::Policy)
        .map_err(|e| fail(None, format!("cannot read: {e}")))?;
    parse(&text, path, catalog, now)
}

/// Validates policy text read from `path`.
pub fn parse(
    text: &str,
    path: &Path,
    catalog: &mut Catalog,
    now: i64,
) -> Result<Policy, PolicyError> {
    let fail = |location, message| PolicyError {
        path: path.to_path_buf(),
        location,
        message,
    };
    let raw: RawPolicy = serde_yaml::from_str(text).map_err(|e| {
        fail(
            Location::of(&e),
            with_key_suggestion(crate::model::profile::yaml_message(&e)),
        )
    })?;
    // Rule: a policy that holds no rule would pass everything silently.
    if raw.rules.is_empty() {
        return Err(fail(
            None,
            "the policy file holds no rules (give `rules:` with at least one rule)".into(),
        ));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let mut rules = Vec::new();
    for (i, r) in raw.rules.into_iter().enumerate() {
        let mut require = Vec::new();
        for (k, arg) in r.require.iter().enumerate() {
            // Located only on error: locating reads the text from the
            // start, and doing it per entry made a long policy quadratic.
            let resolved = resolve(catalog, arg, base).map_err(|e| {
                let at = locate(
                    text,
                    &[
                        Seg::Key("rules"),
                        Seg::Index(i),
                        Seg::Key("require"),
                        Seg::Index(k),
                    ],
                );
                fail(at, e.to_string())
            })?;
            require.push(resolved);
        }
        let rule = Rule {
            scope: r.scope,
            require,
            forbid_versions: r.forbid_versions,
            forbid_suites: r.forbid_suites,
            certificate: r.certificate,
            agent_port_exposed: r.agent_port_exposed,
        };
        if rule.is_empty() {
            return Err(fail(
                locate(text, &[Seg::Key("rules"), Seg::Index(i)]),
                "this rule checks nothing (give require, forbid_versions, forbid_suites, certificate or agent_port_exposed)".into(),
            ));
        }
        rules.push(rule);
    }
    Ok(Policy {
        rules,
        allow_incomplete: raw.allow_incomplete,
        now,
    })
}

/// A profile id, alias or file; a relative file is looked for next to the
/// policy file first.
fn resolve(catalog: &mut Catalog, arg: &str, base: &Path) -> Result<String, ResolveError> {
    let beside = base.join(arg);
    if catalog.find(arg).is_none() && Path::new(arg).is_relative() && beside.is_file() {
        return catalog.resolve(&beside.to_string_lossy());
    }
    catalog.resolve(arg)
}

/// serde names an unknown key and lists the expected ones; add the closest
/// of them: "unknown field `forbid_suite`, expected one of … (did you mean
/// forbid_suites?)".
fn with_key_suggestion(message: String) -> String {
    let Some(rest) = message.split("unknown field `").nth(1) else {
        return message;
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return message;
    };
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let hint = crate::base::suggest::did_you_mean(&crate::base::suggest::closest(key, names));
    format!("{message}{hint}")
}
