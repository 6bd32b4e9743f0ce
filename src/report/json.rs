//! The stable documents: JSON and YAML for every command that has data, the
//! JSON Lines of `scan` (one object per endpoint, then the verdict), the
//! JSON log line of `serve`, and the hooks [`crate::schema`] writes the JSON
//! Schemas from.
//!
//! Why one file: these shapes are a contract (`schema_version`), not a
//! layout. Each is a separate `…Json` (or line) type that only serializes,
//! so the schema cannot drift when the internal model changes, and a
//! reviewer sees every published shape in one place. Where two commands'
//! functions would share a name, the command tells them apart (`scan`,
//! `plan`, `scan_schema`, `plan_schema`, `matrix`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnose::Diagnosis;
use crate::model::negotiate::{Agreement, Preference};
use crate::model::profile::{Profile, Role};
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::offline::matrix::Matrix;
use crate::offline::plan::PlanReport;
use crate::offline::whatif::WhatIf;
use crate::report::{SCHEMA_VERSION, Tool, now};
use crate::results::{Leg, PolicyReport, ScanReport, TargetReport};
use crate::serve::ServeEvent;
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// Writes `value` as pretty JSON and a final newline.
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes `value` as a YAML document.
pub fn write_yaml<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let text = serde_yaml::to_string(value).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}

/// The report as JSON.
pub fn scan(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    write_json(out, report)
}

/// The report as YAML.
pub fn scan_yaml(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    write_yaml(out, report)
}

/// A JSON Lines line for one target: the target report with the document's
/// version and tool.
#[derive(Serialize, schemars::JsonSchema)]
struct TargetLine<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: &'a Tool,
    /// Which run (and shard) wrote the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a crate::results::RunRef>,
    /// The target's report.
    #[serde(flatten)]
    target: &'a TargetReport,
}

/// The last JSON Lines line: the verdict.
#[derive(Serialize, schemars::JsonSchema)]
struct PolicyLine<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: &'a Tool,
    /// Every endpoint at a glance.
    summary: &'a crate::results::Summary,
    /// The verdict over every target.
    policy: &'a PolicyReport,
    /// What identifies the run (the closing line of a shard says which).
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a crate::results::RunIdentity>,
}

/// Any line of `scan --format jsonl`.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum Line<'a> {
    /// One per target, in the order given.
    Target(TargetLine<'a>),
    /// The last line.
    Policy(PolicyLine<'a>),
}

/// The JSON Schema of the report (`scan --format json`).
pub fn scan_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<ScanReport>()
}

/// The JSON Schema of one line of `scan --format jsonl`: a target line or
/// the final policy line.
pub fn line_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<Line<'static>>()
}

/// One JSON object per target, then one with the verdict.
pub fn jsonl(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let run = report
        .run
        .as_ref()
        .map(crate::results::RunIdentity::reference);
    for target in &report.targets {
        jsonl_target(out, &report.tool, run.as_ref(), target)?;
    }
    jsonl_policy(out, report)
}

/// One target's JSON Lines line (streamed as each target finishes), with
/// the run it belongs to.
pub fn jsonl_target(
    out: &mut dyn Write,
    tool: &Tool,
    run: Option<&crate::results::RunRef>,
    target: &TargetReport,
) -> io::Result<()> {
    let line = TargetLine {
        schema_version: SCHEMA_VERSION,
        tool,
        run,
        target,
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// The last JSON Lines line: the summary and the verdict.
pub fn jsonl_policy(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let line = PolicyLine {
        schema_version: SCHEMA_VERSION,
        tool: &report.tool,
        summary: &report.summary,
        policy: &report.policy,
        run: report.run.as_ref(),
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// The schema of [`plan`]'s document.
pub fn plan_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<PlanReport>()
}

/// The plan as JSON.
pub fn plan(out: &mut dyn Write, plan: &PlanReport) -> io::Result<()> {
    write_json(out, plan)
}

/// The matrix document (`matrix --format json`).
#[derive(Serialize, schemars::JsonSchema)]
struct MatrixJson<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: Tool,
    /// Whose suite order decided (`server` or `client`).
    preference: Preference,
    /// Every client profile against every server profile.
    pairs: Vec<PairJson<'a>>,
}

/// One client profile against one server profile.
#[derive(Serialize, schemars::JsonSchema)]
struct PairJson<'a> {
    /// The client profile id.
    client: &'a str,
    /// The server profile id.
    server: &'a str,
    /// The role the server profile plays.
    server_role: Role,
    /// `agent-initiated` (an agent client of a manager or relay),
    /// `manager-initiated` (a manager client of an agent), or null.
    direction: Option<Leg>,
    /// Whether they agree on a version and suite.
    compatible: bool,
    /// What they negotiate, when compatible.
    negotiated: Option<Agreement>,
    /// Per common version, the suites both sides could use there.
    mutual: &'a BTreeMap<TlsVersion, Vec<CipherSuiteId>>,
    /// Why not, when incompatible.
    reason: Option<String>,
}

/// The JSON Schema of [`matrix`]'s document.
pub fn matrix_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<MatrixJson<'static>>()
}

/// The matrix as data for JSON and YAML.
pub fn matrix(m: &Matrix) -> impl Serialize + '_ {
    MatrixJson {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        preference: m.preference,
        pairs: m
            .pairs
            .iter()
            .map(|p| PairJson {
                client: &p.client,
                server: &p.server,
                server_role: p.server_role,
                direction: p.direction,
                compatible: p.negotiation.result.is_ok(),
                negotiated: p.negotiation.result.as_ref().ok().copied(),
                mutual: &p.negotiation.mutual,
                reason: p.negotiation.result.as_ref().err().map(ToString::to_string),
            })
            .collect(),
    }
}

#[derive(Serialize, schemars::JsonSchema)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    #[serde(flatten)]
    what_if: &'a WhatIf,
}

/// The schema of [`what_if`]'s document.
pub fn what_if_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<Document<'static>>()
}

/// The answer as JSON: `{schema_version, tool, drop, status, targets}`.
pub fn what_if(out: &mut dyn Write, w: &WhatIf) -> io::Result<()> {
    write_json(
        out,
        &Document {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            what_if: w,
        },
    )
}

/// The document.
pub fn diagnosis(out: &mut dyn Write, d: &Diagnosis) -> io::Result<()> {
    write_json(out, d)
}

/// One profile as JSON/YAML.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProfileJson<'a> {
    /// The profile id.
    id: &'a str,
    /// Other ids that name it.
    aliases: &'a [String],
    /// A name for people.
    name: &'a str,
    /// `agent`, `manager`, `relay` or `any`.
    role: Role,
    /// The versions it speaks, oldest first.
    versions: &'a [TlsVersion],
    /// Its cipher suites, in its order.
    cipher_suites: Vec<SuiteJson>,
    /// Supported groups (curves), in its order.
    groups: &'a [NamedGroup],
    /// Signature algorithms, in its order.
    signature_algorithms: &'a [SignatureScheme],
    /// Where the facts come from.
    source: Option<&'a str>,
    /// Remarks.
    notes: Option<&'a str>,
    /// `builtin` or the file it was loaded from.
    origin: String,
}

/// One cipher suite as JSON/YAML.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SuiteJson {
    /// The IANA name (or 0x and hex digits).
    name: String,
    /// The OpenSSL name, where OpenSSL has one.
    openssl_name: Option<&'static str>,
    /// The id, `0xC030`.
    id: String,
    /// Key exchange.
    kx: &'static str,
    /// Authentication.
    auth: &'static str,
    /// Encryption.
    enc: String,
    /// MAC (`AEAD` for AEAD suites).
    mac: &'static str,
    /// The versions it can run at.
    versions: Vec<TlsVersion>,
}

impl SuiteJson {
    fn new(id: CipherSuiteId) -> SuiteJson {
        match id.suite() {
            Some(s) => SuiteJson {
                name: s.iana_name.to_string(),
                openssl_name: s.openssl_name,
                id: id.hex(),
                kx: s.kx,
                auth: s.auth,
                enc: s.enc.clone(),
                mac: s.mac,
                versions: s.versions().collect(),
            },
            None => SuiteJson {
                name: id.to_string(),
                openssl_name: None,
                id: id.hex(),
                kx: "",
                auth: "",
                enc: String::new(),
                mac: "",
                versions: Vec::new(),
            },
        }
    }
}

impl<'a> ProfileJson<'a> {
    /// The serializable view of a profile.
    pub fn new(p: &'a Profile) -> Self {
        ProfileJson {
            id: &p.id,
            aliases: &p.aliases,
            name: &p.name,
            role: p.role,
            versions: &p.versions,
            cipher_suites: p.cipher_suites.iter().map(|s| SuiteJson::new(*s)).collect(),
            groups: &p.groups,
            signature_algorithms: &p.signature_algorithms,
            source: p.source.as_deref(),
            notes: p.notes.as_deref(),
            origin: p.origin.to_string(),
        }
    }
}

/// `profiles list --format json`.
#[derive(Serialize, schemars::JsonSchema)]
struct ListJson<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: Tool,
    /// Every profile.
    profiles: Vec<ProfileJson<'a>>,
}

/// `profiles show --format json`.
#[derive(Serialize, schemars::JsonSchema)]
struct ShowJson<'a> {
    /// The schema version of this document.
    schema_version: u32,
    /// The tool that wrote it.
    tool: Tool,
    /// The profile.
    profile: ProfileJson<'a>,
}

/// Either document of `profiles list` and `profiles show`.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum ProfilesJson<'a> {
    /// `profiles list`.
    List(ListJson<'a>),
    /// `profiles show`.
    Show(ShowJson<'a>),
}

/// The JSON Schema of `profiles list` and `profiles show` documents (one of
/// the two shapes).
pub fn profiles_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<ProfilesJson<'static>>()
}

/// `profiles list` as data.
pub fn list_data<'a>(profiles: impl Iterator<Item = &'a Profile>) -> impl Serialize + 'a {
    ListJson {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        profiles: profiles.map(ProfileJson::new).collect(),
    }
}

/// `profiles show` as data.
pub fn show_data(profile: &Profile) -> impl Serialize + '_ {
    ShowJson {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        profile: ProfileJson::new(profile),
    }
}

#[derive(Serialize)]
struct LogLine<'a> {
    time: String,
    #[serde(flatten)]
    event: &'a ServeEvent,
}

/// One event as a JSON object on one line.
pub fn json_line(out: &mut dyn Write, event: &ServeEvent) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &LogLine { time: now(), event }).map_err(io::Error::from)?;
    writeln!(out)
}
