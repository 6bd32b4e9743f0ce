//! The verdict: a pure function of the results and the policy.
//!
//! A policy is a list of rules, each scoped to some targets (by role or a
//! `host:port` glob) and each asking for some of: required profiles
//! (`--require`: "this client version must be able to talk to every
//! endpoint"), forbidden versions and cipher suites (what the endpoint must
//! not accept), certificate limits, and no exposed agent port. Policies come
//! from a YAML file (`--policy`, see [`file`](mod@file)) and from the command-line
//! shorthands, which add one rule matching every target.
//!
//! The verdict has three values, each rule commented where it is applied:
//! - `failed`: a rule failed on an endpoint that answered (exit 1);
//! - `incomplete`: nothing failed, but something could not be established:
//!   an endpoint that could not be scanned (unless `allow_incomplete`), a
//!   profile whose answer is unknown, a version that was never probed, a
//!   certificate that was never seen (exit 3). An unscanned endpoint never
//!   "passes" a rule;
//! - `passed`: everything asked was established (exit 0).

pub mod file;
#[cfg(test)]
mod tests;

use crate::model::profile::Role;
use crate::model::suites::SuiteSelector;
use crate::model::version::TlsVersion;
use crate::results::findings::FindingCode;
use crate::results::{
    CertKeyType, PolicyReport, PolicyStatus, ServerReport, TargetReport, TargetStatus, Verdict,
    Violation, ViolationCode, date_text,
};

pub use file::PolicyError;

/// What a run requires. It serializes (without the time) into the run
/// identity a report carries, so that `merge` judges the shards' rows
/// again by the rules they were scanned with.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// The rules, each checked on every target it matches.
    pub rules: Vec<Rule>,
    /// When true, endpoints that could not be scanned are left out of the
    /// verdict instead of making it incomplete.
    #[serde(default)]
    pub allow_incomplete: bool,
    /// The time certificates are judged at (`min_days_left`), in seconds
    /// since the Unix epoch. The verdict never reads the clock itself.
    /// Not part of a saved policy: a saved policy is judged at the time of
    /// the command that reads it.
    #[serde(skip)]
    pub now: i64,
}

impl Policy {
    /// A policy of one rule for every target requiring these profiles
    /// (`--require`).
    pub fn requiring(ids: Vec<String>, now: i64) -> Policy {
        Policy {
            rules: vec![Rule {
                require: ids,
                ..Rule::default()
            }],
            allow_incomplete: false,
            now,
        }
    }

    /// `sha256:` and the hex digest of the rules (the time left out): equal
    /// for equal rules, whatever machine or moment.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        crate::results::sha256_hex(&json)
    }

    /// The policy a report saved in its run identity; `None` when there is
    /// none or it does not read (a report edited by hand).
    pub fn from_saved(value: &serde_json::Value, now: i64) -> Option<Policy> {
        let mut p: Policy = serde_json::from_value(value.clone()).ok()?;
        p.now = now;
        Some(p)
    }

    /// Every profile id some rule requires, each once, in order.
    pub fn required_profiles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self.rules.iter().flat_map(|r| &r.require) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }
}

/// One rule: a scope and the checks that apply within it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Rule {
    /// Which targets the rule applies to.
    pub scope: Scope,
    /// Profile ids that must be compatible with the endpoint.
    pub require: Vec<String>,
    /// Versions the endpoint must not accept.
    pub forbid_versions: Vec<TlsVersion>,
    /// Suites or classes the endpoint must not accept.
    pub forbid_suites: Vec<SuiteSelector>,
    /// Limits on the endpoint's certificate.
    pub certificate: Option<CertificateRule>,
    /// Whether an exposed agent port fails the rule.
    pub agent_port_exposed: Option<Exposure>,
}

impl Rule {
    /// Whether the rule checks anything at all.
    pub fn is_empty(&self) -> bool {
        self.require.is_empty()
            && self.forbid_versions.is_empty()
            && self.forbid_suites.is_empty()
            && self.certificate.is_none()
            && self.agent_port_exposed.is_none()
    }
}

/// Which targets a rule applies to; an empty scope matches every target.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Only targets of this role (`any` matches every role).
    #[serde(default)]
    pub role: Option<Role>,
    /// Only targets whose `host:port` matches this glob (`*` any run of
    /// characters, `?` one character; host names compare in any case).
    #[serde(default)]
    pub target: Option<String>,
}

impl Scope {
    /// Whether the scope covers `t`.
    pub fn matches(&self, t: &TargetReport) -> bool {
        let role = self.role.is_none_or(|r| r == Role::Any || r == t.role);
        let target = self.target.as_deref().is_none_or(|g| glob(g, &t.target));
        role && target
    }
}

/// `*` and `?` wildcards, ASCII case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Limits on the leaf certificate.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct CertificateRule {
    /// RSA keys must have at least this many bits (other key types are not
    /// judged by this limit).
    #[serde(default)]
    pub min_rsa_bits: Option<u32>,
    /// The certificate must stay valid at least this many more days.
    #[serde(default)]
    pub min_days_left: Option<i64>,
    /// No SHA-1 signature on the leaf or in the chain.
    #[serde(default)]
    pub forbid_sha1: bool,
}

/// `agent_port_exposed: forbid | allow`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    /// A finding `agent_port_exposed` fails the rule.
    Forbid,
    /// Exposure is fine (the same as leaving the key out).
    Allow,
}

/// The failures and unknowns of one target, gathered rule by rule.
struct Judgement<'a> {
    target: &'a TargetReport,
    violations: Vec<Violation>,
    unresolved: Vec<Violation>,
}

impl Judgement<'_> {
    fn entry(&self, rule: String, code: ViolationCode, message: String) -> Violation {
        Violation {
            target: self.target.target.clone(),
            rule,
            profile: None,
            code,
            message,
        }
    }

    fn fail(&mut self, rule: String, code: ViolationCode, message: String) {
        let v = self.entry(rule, code, message);
        self.push_failure(v);
    }

    fn push_failure(&mut self, v: Violation) {
        // Two rules asking the same thing of one target fail it once.
        if !self.violations.contains(&v) {
            self.violations.push(v);
        }
    }

    fn unknown(&mut self, rule: String, code: ViolationCode, message: String) {
        let v = self.entry(rule, code, message);
        self.push_unknown(v);
    }

    fn push_unknown(&mut self, v: Violation) {
        if !self.unresolved.contains(&v) {
            self.unresolved.push(v);
        }
    }

    /// The entry of `require <profile>`, naming the profile.
    fn require(&self, profile: &str, code: ViolationCode, message: String) -> Violation {
        Violation {
            profile: Some(profile.to_string()),
            ..self.entry(format!("require {profile}"), code, message)
        }
    }
}

/// Checks every rule on every target it matches.
pub fn verdict(targets: &[TargetReport], policy: &Policy) -> PolicyReport {
    let mut violations = Vec::new();
    let mut unresolved = Vec::new();
    for t in targets {
        let mut j = Judgement {
            target: t,
            violations: Vec::new(),
            unresolved: Vec::new(),
        };
        if t.status != TargetStatus::Ok {
            // Rule: `allow_incomplete: true` leaves unscanned endpoints out.
            if policy.allow_incomplete {
                continue;
            }
            // Rule: an agent-initiated agent whose port refuses listens on
            // nothing by design: there is nothing to judge, and nothing
            // unknown.
            if t.listens_on_nothing_as_expected() {
                continue;
            }
            // Rule: an endpoint that could not be scanned establishes nothing.
            let message = match (&t.error, t.status) {
                (Some(e), _) => e.message.clone(),
                (None, TargetStatus::NotScanned) => "not scanned: the run was interrupted".into(),
                (None, _) => "the endpoint could not be scanned".into(),
            };
            j.unknown("scan".into(), ViolationCode::NotScanned, message);
        } else {
            for rule in policy.rules.iter().filter(|r| r.scope.matches(t)) {
                check_rule(&mut j, rule, policy.now);
            }
        }
        violations.extend(j.violations);
        unresolved.extend(j.unresolved);
    }
    // Rule: any profile whose answer is unknown, required or not, leaves
    // the run incomplete.
    let unknown_elsewhere = targets.iter().any(|t| {
        t.status == TargetStatus::Ok
            && (t
                .profiles
                .iter()
                .any(|p| p.verdict == Verdict::Inconclusive))
    });
    let status = if !violations.is_empty() {
        PolicyStatus::Failed
    } else if !unresolved.is_empty() || unknown_elsewhere {
        PolicyStatus::Incomplete
    } else {
        PolicyStatus::Passed
    };
    PolicyReport {
        status,
        passed: status == PolicyStatus::Passed,
        rules: policy.rules.iter().filter(|r| !r.is_empty()).count(),
        violations,
        unresolved,
    }
}

fn check_rule(j: &mut Judgement<'_>, rule: &Rule, now: i64) {
    let t = j.target;
    for id in &rule.require {
        let Some(p) = t.profiles.iter().find(|p| &p.profile == id) else {
            // Rule: a required profile that was never checked is unknown.
            let v = j.require(
                id,
                ViolationCode::Unknown,
                format!("{id} was not checked on this endpoint (the report has no result for it; scan with --require {id})"),
            );
            j.push_unknown(v);
            continue;
        };
        let reason = p.reason.clone().unwrap_or_default();
        match p.verdict {
            Verdict::Compatible => {}
            // Rule: an unknown answer is neither a pass nor a failure.
            Verdict::Inconclusive => {
                let v = j.require(id, ViolationCode::Unknown, reason);
                j.push_unknown(v);
            }
            // Rule: a conclusive incompatibility fails the requirement.
            Verdict::Incompatible => {
                let v = j.require(id, ViolationCode::Incompatible, reason);
                j.push_failure(v);
            }
        }
    }
    let needs_server = !rule.forbid_versions.is_empty()
        || !rule.forbid_suites.is_empty()
        || rule.certificate.is_some();
    let Some(server) = &t.server else {
        if needs_server {
            // Rule: an endpoint without server data establishes nothing.
            j.unknown(
                "scan".into(),
                ViolationCode::Unknown,
                "the report has no server data for this endpoint".into(),
            );
        }
        agent_port(j, rule);
        return;
    };
    forbid_versions(j, rule, server);
    forbid_suites(j, rule, server);
    if let Some(c) = &rule.certificate {
        certificate(j, c, server, now);
    }
    agent_port(j, rule);
}

fn forbid_versions(j: &mut Judgement<'_>, rule: &Rule, server: &ServerReport) {
    for v in &rule.forbid_versions {
        let name = format!("forbid_versions {v}");
        if server.versions.contains(v) {
            // Rule: an accepted forbidden version fails.
            j.fail(
                name,
                ViolationCode::ForbiddenVersion,
                format!("the endpoint accepts {v}"),
            );
        } else if !server.probed.versions.contains(v) {
            // Rule: a version that was never asked about is unknown, not
            // absent.
            j.unknown(
                name,
                ViolationCode::Unknown,
                format!("{v} was not probed, so whether the endpoint accepts it is unknown"),
            );
        }
    }
}

fn forbid_suites(j: &mut Judgement<'_>, rule: &Rule, server: &ServerReport) {
    for sel in &rule.forbid_suites {
        // Rule: a forbidden suite (or a suite of a forbidden class) that
        // the endpoint accepted at any version fails. Only what was probed
        // can be judged: without --all-suites that is the profiles' suites
        // and one whole-version hello per version.
        let hits: Vec<String> = server
            .cipher_suites
            .iter()
            .flat_map(|(v, suites)| {
                suites
                    .iter()
                    .filter(|s| sel.selects(**s))
                    .map(move |s| format!("{s} at {v}"))
            })
            .collect();
        if hits.is_empty() {
            continue;
        }
        let scope = if server.probed.all_suites {
            String::new()
        } else {
            "; only the probed suites were judged (scan with --all-suites to judge every registered suite)".into()
        };
        let what = match sel {
            SuiteSelector::Class(c) => format!(" (class {c})"),
            SuiteSelector::Suite(_) => String::new(),
        };
        j.fail(
            format!("forbid_suites {sel}"),
            ViolationCode::ForbiddenSuite,
            format!("the endpoint accepts {}{what}{scope}", hits.join(", ")),
        );
    }
}

/// `min_days_left`: the days between `now` and the certificate's expiry.
fn days_left(j: &mut Judgement<'_>, min: i64, cert: &crate::results::CertificateSummary, now: i64) {
    let name = format!("certificate min_days_left {min}");
    match cert.not_after.map(time::OffsetDateTime::unix_timestamp) {
        // Rule: fewer days left than the minimum (or expired) fails.
        Some(t) => {
            let left = (t - now).div_euclid(86_400);
            if left < min {
                let when = if left < 0 {
                    format!("expired on {}", date_text(cert.not_after))
                } else {
                    format!("expires in {left} days, on {}", date_text(cert.not_after))
                };
                j.fail(
                    name,
                    ViolationCode::Certificate,
                    format!("the certificate of {} {when}", cert.subject),
                );
            }
        }
        // Rule: an unreadable expiry date is unknown.
        None => j.unknown(
            name,
            ViolationCode::Unknown,
            "cannot read the certificate's expiry".into(),
        ),
    }
}

fn certificate(j: &mut Judgement<'_>, c: &CertificateRule, server: &ServerReport, now: i64) {
    let sha1_finding = j
        .target
        .findings
        .iter()
        .find(|f| f.code == FindingCode::CertificateSha1Signature)
        .map(|f| f.message.clone());
    let Some(cert) = &server.certificate else {
        // Rule: a certificate that was never seen cannot be judged.
        j.unknown(
            "certificate".into(),
            ViolationCode::Unknown,
            "no certificate was seen (a TLS 1.3-only endpoint shows it only to a confirmation handshake)".into(),
        );
        return;
    };
    if let Some(min) = c.min_rsa_bits {
        // Rule: an RSA key shorter than the minimum fails; other key types
        // are not judged by an RSA size.
        if cert.key_type == CertKeyType::Rsa && cert.key_bits < min {
            j.fail(
                format!("certificate min_rsa_bits {min}"),
                ViolationCode::Certificate,
                format!(
                    "the certificate of {} has a {}-bit RSA key",
                    cert.subject, cert.key_bits
                ),
            );
        }
    }
    if let Some(min) = c.min_days_left {
        days_left(j, min, cert, now);
    }
    if c.forbid_sha1 {
        // Rule: a SHA-1 signature on the leaf, or in the chain (the
        // certificate finding), fails.
        let leaf = cert
            .signature_algorithm
            .to_ascii_lowercase()
            .contains("sha1");
        let message = if leaf {
            Some(format!(
                "the certificate of {} is signed with {}",
                cert.subject, cert.signature_algorithm
            ))
        } else {
            sha1_finding
        };
        if let Some(message) = message {
            j.fail(
                "certificate forbid_sha1".into(),
                ViolationCode::Certificate,
                message,
            );
        }
    }
}

fn agent_port(j: &mut Judgement<'_>, rule: &Rule) {
    if rule.agent_port_exposed != Some(Exposure::Forbid) {
        return;
    }
    // Rule: `agent_port_exposed: forbid` fails on the finding of that code.
    let found = j
        .target
        .findings
        .iter()
        .find(|f| f.code == FindingCode::AgentPortExposed)
        .map(|f| f.message.clone());
    if let Some(message) = found {
        j.fail(
            "agent_port_exposed forbid".into(),
            ViolationCode::AgentPortExposed,
            message,
        );
    }
}

/// `report` with one unresolved entry per saved report that ends before
/// its closing line: the targets the run did not write are unknown, so the
/// verdict is at best incomplete (a failure in the rows still fails).
pub fn cut_short(report: &mut PolicyReport, files: &[std::path::PathBuf]) {
    for f in files {
        report.unresolved.push(Violation {
            target: f.display().to_string(),
            rule: "report".into(),
            profile: None,
            code: ViolationCode::ReportCutShort,
            message: "the report ends before its closing line (the run was killed, ran out of \
                      memory or timed out): targets may be missing"
                .into(),
        });
    }
    if !files.is_empty() && report.status == PolicyStatus::Passed {
        report.status = PolicyStatus::Incomplete;
        report.passed = false;
    }
}
