//! `profiles list` and `profiles show`, as tables or data.

use std::io::{self, Write};

use serde::Serialize;

use super::style;
use super::{SCHEMA_VERSION, Tool};
use crate::model::profile::{Profile, Role};
use crate::model::suites::{CipherSuite, CipherSuiteId};
use crate::model::version::{TlsVersion, join};
use crate::wire::codes::{NamedGroup, SignatureScheme};

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
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
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

/// Whether every line of `text` fits `width` columns (color codes do
/// not count).
fn fits(text: &str, width: usize) -> bool {
    text.lines()
        .all(|l| super::layout::width(&super::layout::plain(l)) <= width)
}

/// The rows under their headers, unwrapped, as the text reports lay out
/// every table ([`super::layout::Grid`]).
fn grid(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut g = super::layout::Grid::new(0, headers.to_vec());
    for r in rows {
        g.push(super::layout::Row::new(
            r.iter()
                .map(|c| super::layout::Cell::from(c.as_str()))
                .collect(),
        ));
    }
    g.render(usize::MAX).join("\n")
}

/// `profiles list` as a table when it fits `width` columns, else one
/// entry per profile (an id and a name are never broken across lines).
pub fn list_text<'a>(
    out: &mut dyn Write,
    profiles: impl Iterator<Item = &'a Profile>,
    width: usize,
) -> io::Result<()> {
    let profiles: Vec<&Profile> = profiles.collect();
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.aliases.join(", "),
                p.role.to_string(),
                join(&p.versions),
                p.cipher_suites.len().to_string(),
                p.name.clone(),
            ]
        })
        .collect();
    let table = grid(
        &["ID", "Aliases", "Role", "Versions", "Suites", "Name"],
        &rows,
    );
    if fits(&table, width) {
        return writeln!(out, "{table}");
    }
    for p in profiles {
        let head = format!(
            "{}  {}  {}  {} suite{}",
            p.id,
            p.role,
            join(&p.versions),
            p.cipher_suites.len(),
            if p.cipher_suites.len() == 1 { "" } else { "s" }
        );
        writeln!(out, "{}", style::heading(&head))?;
        let mut about = p.name.clone();
        if !p.aliases.is_empty() {
            about.push_str(&format!(" (also: {})", p.aliases.join(", ")));
        }
        for l in super::layout::wrap(&about, width, "    ", "    ") {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

/// `profiles show` as text within `width` columns: the profile's facts,
/// then every suite.
pub fn show_text(out: &mut dyn Write, p: &Profile, width: usize) -> io::Result<()> {
    let fact = |out: &mut dyn Write, label: &str, text: &str| -> io::Result<()> {
        let first = format!("  {label:<12}");
        for l in super::layout::wrap(text, width, &first, &" ".repeat(14)) {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    writeln!(out, "{} {}", style::heading(&p.id), p.name)?;
    if !p.aliases.is_empty() {
        fact(out, "aliases:", &p.aliases.join(", "))?;
    }
    fact(out, "role:", &p.role.to_string())?;
    fact(out, "versions:", &join(&p.versions))?;
    let list = |items: Vec<String>| items.join(", ");
    fact(
        out,
        "groups:",
        &list(p.groups.iter().map(ToString::to_string).collect()),
    )?;
    fact(
        out,
        "signatures:",
        &list(
            p.signature_algorithms
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
    )?;
    if let Some(source) = &p.source {
        fact(out, "source:", source)?;
    }
    if let Some(notes) = &p.notes {
        fact(out, "notes:", notes)?;
    }
    fact(out, "file:", &p.origin.to_string())?;
    suites_text(out, p, width)
}

/// A profile's suites as a table when it fits `width` columns, else each
/// suite on two lines (names never broken).
fn suites_text(out: &mut dyn Write, p: &Profile, width: usize) -> io::Result<()> {
    let rows: Vec<Vec<String>> = p
        .cipher_suites
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let s: Option<&CipherSuite> = id.suite();
            vec![
                (i + 1).to_string(),
                id.to_string(),
                s.and_then(|s| s.openssl_name).unwrap_or("-").to_string(),
                id.hex(),
                s.map(|s| s.kx).unwrap_or("-").to_string(),
                s.map(|s| s.auth).unwrap_or("-").to_string(),
                s.map(|s| s.enc.clone()).unwrap_or_default(),
                s.map(|s| s.mac).unwrap_or("-").to_string(),
                s.map(|s| s.version_range()).unwrap_or_default(),
            ]
        })
        .collect();
    let table = grid(
        &[
            "#",
            "IANA name",
            "OpenSSL name",
            "Id",
            "Kx",
            "Auth",
            "Enc",
            "MAC",
            "Versions",
        ],
        &rows,
    );
    if fits(&table, width) {
        return writeln!(out, "{table}");
    }
    // Too narrow for the table: each suite on two lines, names unbroken.
    for r in rows {
        writeln!(out, "{:>4}  {}  {}", r[0], r[1], r[3])?;
        let rest = format!("{}  {}/{}  {}  {}  {}", r[2], r[4], r[5], r[6], r[7], r[8]);
        for l in super::layout::wrap(&rest, width, "      ", "      ") {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}
