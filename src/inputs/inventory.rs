//! Inventories: the estate to scan, in the forms admins already have.
//!
//! - plain text: one target per line, optionally followed by a role;
//! - CSV with a header: `host`, and optionally `port`, `role`, `profile` or
//!   `agent_version`, `direction`, `labels` (`;`-separated);
//! - YAML: a `defaults:` block (`role`, `port`, `profiles`, `direction`)
//!   and `targets:`, each with `host` and optionally `port`, `role`,
//!   `expect` (the profile an agent should behave like), `agent_version`,
//!   `require`, `direction`, `labels`;
//! - the manager's own computer list as JSON (what the API's computer
//!   listing returns: `hostName`, `lastIPUsed`, `agentVersion`, the
//!   direction under `computerSettings`, …), so an export can be fed in as
//!   it is; [`crate::inputs::manager_api`] reads the same list from the manager
//!   itself and makes the same entries, and [`merge`] lets files add to it
//!   or correct it.
//!
//! The format comes from the extension (`.txt`, `.csv`, `.yaml`/`.yml`,
//! `.json`) or `--inventory-format`. An agent version maps to the profile
//! that version offers ([`crate::model::agent_version`]); where the version alone
//! cannot decide (10.0 before or after Update 16), every candidate is
//! expected and the scan's identification decides. Errors name the file
//! and the line.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use crate::model::profile::{Catalog, Role};
use crate::model::target::{InventoryError, Target};
pub use crate::results::{Direction, Expectation, ManagerRecord};

/// How an inventory file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    /// One target per line.
    Text,
    /// CSV with a header row.
    Csv,
    /// YAML with defaults and targets.
    Yaml,
    /// The manager's computer list (JSON).
    Computers,
}

impl InventoryFormat {
    /// The format a file's extension says.
    pub fn of(path: &Path) -> InventoryFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(e) if e == "csv" => InventoryFormat::Csv,
            Some(e) if e == "yaml" || e == "yml" => InventoryFormat::Yaml,
            Some(e) if e == "json" => InventoryFormat::Computers,
            _ => InventoryFormat::Text,
        }
    }
}

/// One inventory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The endpoint.
    pub target: Target,
    /// What the inventory expects of it.
    pub expectation: Expectation,
    /// Where it was written (`fleet.csv:3`, `argument 2`), for messages
    /// about it; empty when unknown.
    pub at: String,
}

/// The same endpoint listed twice with different facts: which rows, and
/// what they disagree on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{second} lists {target} again with {what} different from {first}: fix one of the rows")]
pub struct Conflict {
    /// The endpoint.
    pub target: String,
    /// Where it was first listed.
    pub first: String,
    /// Where it was listed again.
    pub second: String,
    /// What differs, e.g. "agent_version 9.6.2-1 (not 11.0.0-1)".
    pub what: String,
}

/// The endpoints once each, in the order first listed. The same endpoint
/// twice (two inventory rows, an argument and a row) is scanned once:
/// twice would double its connection bound. Rows that agree are merged,
/// each fact taken from the row that gives it, with a note naming both
/// rows; rows that give the same fact different values (a role, an agent
/// version, a direction, an expected profile, requirements, labels) are a
/// [`Conflict`]: which one is true is the user's to say, and taking the
/// first would make the verdict depend on row order.
pub fn dedupe(entries: Vec<Entry>) -> Result<(Vec<Entry>, Vec<String>), Conflict> {
    // Most inventories list each endpoint once: the list is then returned
    // as it came, without a second copy of it (the entries of a million
    // rows are most of a plan's memory).
    if !listed_twice(&entries) {
        return Ok((entries, Vec::new()));
    }
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut index = std::collections::HashMap::new();
    let mut notes = Vec::new();
    for e in entries {
        let key = (e.target.host.to_ascii_lowercase(), e.target.port);
        let Some(&i) = index.get(&key) else {
            index.insert(key, out.len());
            out.push(e);
            continue;
        };
        let first: &mut Entry = &mut out[i];
        merge_into(first, &e).map_err(|what| Conflict {
            target: e.target.to_string(),
            first: first.at.clone(),
            second: e.at.clone(),
            what,
        })?;
        notes.push(format!(
            "{} lists {} again (as {}): merged",
            e.at, first.target, first.at
        ));
    }
    Ok((out, notes))
}

/// Whether some endpoint (host, case-insensitive, and port) is listed
/// twice.
fn listed_twice(entries: &[Entry]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    entries.iter().any(|e| {
        let host = &e.target.host;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host.as_str())
        };
        !seen.insert((host, e.target.port))
    })
}

/// Takes the facts of `b` that `a` lacks; a fact both give differently is
/// the conflict's description.
fn merge_into(a: &mut Entry, b: &Entry) -> Result<(), String> {
    fn one<T: PartialEq + Clone + std::fmt::Debug>(
        name: &str,
        a: &mut Option<T>,
        b: &Option<T>,
        show: impl Fn(&T) -> String,
    ) -> Result<(), String> {
        match (a.as_ref(), b) {
            (Some(x), Some(y)) if x != y => Err(format!("{name} {} (not {})", show(y), show(x))),
            (None, Some(y)) => {
                *a = Some(y.clone());
                Ok(())
            }
            _ => Ok(()),
        }
    }
    fn list(name: &str, a: &mut Vec<String>, b: &[String]) -> Result<(), String> {
        if a.is_empty() {
            *a = b.to_vec();
        } else if !b.is_empty() && a.as_slice() != b {
            return Err(format!("{name} {} (not {})", b.join(";"), a.join(";")));
        }
        Ok(())
    }
    if a.target.role != b.target.role {
        return Err(format!("role {} (not {})", b.target.role, a.target.role));
    }
    let (x, y) = (&mut a.expectation, &b.expectation);
    one(
        "agent_version",
        &mut x.agent_version,
        &y.agent_version,
        |v| v.clone(),
    )?;
    one("direction", &mut x.direction, &y.direction, |d| {
        d.name().to_string()
    })?;
    list("expected profile", &mut x.expect, &y.expect)?;
    list("require", &mut x.require, &y.require)?;
    list("labels", &mut x.labels, &y.labels)?;
    if x.note.is_none() {
        x.note = y.note.clone();
    }
    Ok(())
}

/// Reads an inventory.
pub fn read(
    path: &Path,
    format: Option<InventoryFormat>,
    default_role: Role,
    catalog: &Catalog,
) -> Result<Vec<Entry>, InventoryError> {
    let format = format.unwrap_or_else(|| InventoryFormat::of(path));
    let parse = match format {
        InventoryFormat::Text => {
            return Ok(crate::model::target::read_inventory(path, default_role)?
                .into_iter()
                .map(|(line, target)| Entry {
                    target,
                    expectation: Expectation::default(),
                    at: format!("{}:{line}", path.display()),
                })
                .collect());
        }
        InventoryFormat::Csv => csv_entries,
        InventoryFormat::Yaml => yaml_entries,
        InventoryFormat::Computers => computers,
    };
    let text = inventory_text(path)?;
    if format == InventoryFormat::Yaml {
        crate::base::input::check_yaml_depth(&text)
            .map_err(|e| located(path, None, e.to_string()))?;
    }
    let mut entries = parse(&text, default_role, catalog).map_err(|(l, m)| located(path, l, m))?;
    drop(text);
    // Not more room than entries, held as long as the plan or the scan
    // holds them (a list grown by doubling is up to half room).
    entries.shrink_to_fit();
    for e in &mut entries {
        e.at = format!("{}{}", path.display(), e.at);
    }
    Ok(entries)
}

type Located<T> = Result<T, (Option<usize>, String)>;

/// An error about the inventory at `path`, at `line` when known.
fn located(path: &Path, line: Option<usize>, message: String) -> InventoryError {
    InventoryError {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The inventory file's text, within the inventory's size cap.
fn inventory_text(path: &Path) -> Result<String, InventoryError> {
    crate::base::input::read_text(path, crate::base::input::Kind::Inventory)
        .map_err(|e| located(path, None, format!("cannot read: {e}")))
}

fn role_of(s: &str) -> Result<Role, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "manager" => Ok(Role::Manager),
        "agent" => Ok(Role::Agent),
        "relay" => Ok(Role::Relay),
        other => Err(format!(
            "unknown role {other:?} (expected manager, agent or relay)"
        )),
    }
}

/// The target from a host and an optional port.
fn target(host: &str, port: Option<&str>, role: Role) -> Result<Target, String> {
    let host = host.trim();
    let input = match port.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if host.contains(':') && !host.starts_with('[') => format!("[{host}]:{p}"),
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    Target::parse(&input, role).map_err(|e| e.to_string())
}

/// What an agent version expects: the profiles it may behave like (the
/// mapped profile's `may_also_be` too: the scan's identification decides),
/// and the caveat when the version alone cannot decide.
pub(crate) fn from_version(
    catalog: &Catalog,
    version: &str,
) -> Result<(Vec<String>, Option<String>), String> {
    let mapped =
        crate::model::agent_version::profile_for(catalog, version).map_err(|e| e.to_string())?;
    Ok((mapped.candidates, mapped.caveat))
}

/// A CSV header names each known column at most once, and `host`.
fn check_header(headers: &csv::StringRecord) -> Located<()> {
    const KNOWN: [&str; 7] = [
        "host",
        "port",
        "role",
        "profile",
        "agent_version",
        "direction",
        "labels",
    ];
    for (i, h) in headers.iter().enumerate() {
        // Two columns of one name: which one counts would be a guess.
        if headers.iter().take(i).any(|before| before == h) {
            return Err((
                Some(1),
                format!(
                    "the header names column {} twice",
                    crate::base::input::excerpt(h)
                ),
            ));
        }
        if !KNOWN.contains(&h) {
            return Err((
                Some(1),
                format!(
                    "unknown column {}{} (columns: {})",
                    crate::base::input::excerpt(h),
                    crate::base::suggest::did_you_mean(&crate::base::suggest::closest(
                        h,
                        KNOWN.iter().copied()
                    )),
                    KNOWN.join(", ")
                ),
            ));
        }
    }
    if !headers.iter().any(|h| h == "host") {
        return Err((Some(1), "the header has no `host` column".into()));
    }
    Ok(())
}

/// A reader of CSV inventory rows (fields trimmed, `#` lines skipped).
fn csv_reader(text: &[u8], has_headers: bool) -> csv::Reader<&[u8]> {
    csv_builder(has_headers).from_reader(text)
}

fn csv_builder(has_headers: bool) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .has_headers(has_headers);
    builder
}

/// A CSV inventory's header, read and checked.
fn csv_header(reader: &mut csv::Reader<&[u8]>) -> Located<csv::StringRecord> {
    let headers = reader
        .headers()
        .map_err(|e| (Some(1), format!("cannot read the header: {e}")))?
        .clone();
    check_header(&headers)?;
    Ok(headers)
}

/// The entries of a CSV inventory: a header row, then one row per
/// endpoint; the errors name their line.
fn csv_entries(text: &str, default_role: Role, catalog: &Catalog) -> Located<Vec<Entry>> {
    let mut reader = csv_reader(text.as_bytes(), true);
    let headers = csv_header(&mut reader)?;
    // Room for a row a line, made once: grown by doubling, the list of a
    // large inventory was for a moment held twice (half of it room).
    let mut out = Vec::with_capacity(text.lines().count());
    for record in reader.records() {
        let record = csv_record(record)?;
        let line = record.position().map(|p| p.line() as usize);
        out.push(csv_row(&record, &headers, line, default_role, catalog)?);
    }
    Ok(out)
}

/// A CSV record as read, or the error naming its line.
fn csv_record(record: Result<csv::StringRecord, csv::Error>) -> Located<csv::StringRecord> {
    record.map_err(|e| {
        let line = e.position().map(|p| p.line() as usize);
        (line, format!("malformed CSV: {e}"))
    })
}

/// The entry of one CSV row (at `line`), its columns named by `headers`.
fn csv_row(
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
    line: Option<usize>,
    default_role: Role,
    catalog: &Catalog,
) -> Located<Entry> {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .filter(|v| !v.is_empty())
    };
    let at = |m: String| (line, m);
    let host = get("host").ok_or_else(|| at("no host".into()))?;
    let role = match get("role") {
        Some(r) => role_of(r).map_err(at)?,
        None => default_role,
    };
    let target = target(host, get("port"), role).map_err(at)?;
    let mut expectation = Expectation::default();
    if let Some(p) = get("profile") {
        expectation.expect = vec![p.to_string()];
    }
    if let Some(v) = get("agent_version") {
        let (expect, note) = from_version(catalog, v).map_err(at)?;
        if expectation.expect.is_empty() {
            expectation.expect = expect;
        }
        expectation.agent_version = Some(v.to_string());
        expectation.note = note;
    }
    if let Some(d) = get("direction") {
        expectation.direction = Some(d.parse().map_err(at)?);
    }
    if let Some(l) = get("labels") {
        expectation.labels = l
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    Ok(Entry {
        target,
        expectation,
        at: line.map(|l| format!(":{l}")).unwrap_or_default(),
    })
}

/// A CSV inventory held as its text, each row parsed again when it is
/// read ([`Rows::entry`]).
///
/// An entry is about 500 bytes (its endpoint, the profiles its version
/// may behave like, the caveat, where it was written) against a CSV line
/// of about 40: a million-agent plan held 0.7 GB of entries. Held as its
/// text, an inventory costs its size and eight bytes a row. Every row was
/// parsed once by [`Rows::read`], so reading it again cannot fail: the
/// entries are those [`read`] gives, one at a time.
#[derive(Debug)]
pub struct Rows {
    /// The file as read.
    text: Text,
    /// The reader of its rows, made once (making one costs more than
    /// reading a row), moved to each row as it is read.
    reader: std::sync::Mutex<csv::Reader<std::io::Cursor<Text>>>,
    /// The file's name as entries give it (`fleet.csv`, then `:LINE`).
    path: String,
    headers: csv::StringRecord,
    /// Each row: where it starts in `text`, and its line.
    starts: Vec<(u32, u32)>,
    default_role: Role,
    catalog: Catalog,
    /// The `profile` column's values as given, and the profile id each
    /// resolved to (see [`Rows::resolve_profiles`]).
    resolved: std::collections::HashMap<String, String>,
}

impl Rows {
    /// Reads a CSV inventory as [`read`] does (the same errors), and holds
    /// it as its text when no endpoint is listed twice. Entries listed
    /// twice are merged or a [`Conflict`] ([`dedupe`]): then, or when the
    /// file is not CSV, the entries are returned as [`read`] gives them.
    pub fn read(
        path: &Path,
        format: Option<InventoryFormat>,
        default_role: Role,
        catalog: &Catalog,
    ) -> Result<Result<Rows, Vec<Entry>>, InventoryError> {
        if format.unwrap_or_else(|| InventoryFormat::of(path)) != InventoryFormat::Csv {
            return read(path, format, default_role, catalog).map(Err);
        }
        let text = inventory_text(path)?;
        let Index {
            headers,
            starts,
            twice,
        } = Index::of(&text, default_role, catalog).map_err(|(l, m)| located(path, l, m))?;
        if twice {
            drop(text);
            return read(path, format, default_role, catalog).map(Err);
        }
        // Moved, not copied (an `Arc<str>` would be a copy).
        let text = Text(std::sync::Arc::new(text));
        // One row's room at a time, not the default 8 KiB: the reader
        // moves for each row, and what it had read ahead is dropped.
        let reader = csv_builder(false)
            .buffer_capacity(512)
            .from_reader(std::io::Cursor::new(text.clone()));
        Ok(Ok(Rows {
            text,
            reader: std::sync::Mutex::new(reader),
            path: path.display().to_string(),
            headers,
            starts,
            default_role,
            catalog: catalog.clone(),
            resolved: std::collections::HashMap::new(),
        }))
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Resolves each distinct value of the `profile` column with `resolve`
    /// (a name to its id, a file to the id of the profile it holds), in
    /// the order the rows first give it; entries give the id from then on.
    pub fn resolve_profiles<E>(
        &mut self,
        mut resolve: impl FnMut(&str) -> Result<String, E>,
    ) -> Result<(), E> {
        let Some(col) = self.headers.iter().position(|h| h == "profile") else {
            return Ok(());
        };
        let mut reader = csv_reader(self.text.as_ref(), true);
        for record in reader.records().flatten() {
            let Some(p) = record.get(col).filter(|p| !p.is_empty()) else {
                continue;
            };
            if !self.resolved.contains_key(p) {
                let id = resolve(p)?;
                self.resolved.insert(p.to_string(), id);
            }
        }
        Ok(())
    }

    /// The `i`th row's entry, as [`read`] gives it (with its profile
    /// resolved).
    pub fn entry(&self, i: usize) -> Entry {
        let (offset, line) = self.starts[i];
        let mut record = csv::StringRecord::new();
        let read = {
            // Only this row's reading holds the reader.
            let mut reader = self
                .reader
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut at = csv::Position::new();
            at.set_byte(offset.into()).set_line(line.into());
            reader
                .seek(at)
                .and_then(|()| reader.read_record(&mut record))
        };
        let row = match read {
            Ok(true) => csv_row(
                &record,
                &self.headers,
                Some(line as usize),
                self.default_role,
                &self.catalog,
            )
            .map_err(|(_, m)| m),
            Ok(false) => Err("no row".to_string()),
            Err(e) => Err(e.to_string()),
        };
        // Every row was read once by `index`, from the same text.
        let mut e = row.unwrap_or_else(|m| unreachable!("row {i} read before: {m}"));
        // The profile the row names, as resolved (a version's candidates
        // are profile ids already).
        let named = self.headers.iter().position(|h| h == "profile");
        if let Some(id) = named
            .and_then(|c| record.get(c))
            .and_then(|p| self.resolved.get(p))
        {
            e.expectation.expect = vec![id.clone()];
        }
        e.at = format!("{}{}", self.path, e.at);
        e
    }
}

/// What one pass over a CSV inventory's rows gives [`Rows`].
struct Index {
    headers: csv::StringRecord,
    /// Each row: where it starts in the text, and its line.
    starts: Vec<(u32, u32)>,
    /// Whether some endpoint may be listed twice (two rows whose host,
    /// case aside, and port hash alike), or a row lies past what `starts`
    /// can hold.
    twice: bool,
}

impl Index {
    /// Every row of `text` parsed once (the first error found is the one
    /// [`read`] gives).
    fn of(text: &str, default_role: Role, catalog: &Catalog) -> Located<Index> {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut reader = csv_reader(text.as_bytes(), true);
        let headers = csv_header(&mut reader)?;
        let mut starts = Vec::with_capacity(text.lines().count());
        let hasher = std::collections::hash_map::RandomState::new();
        // Each endpoint's hash, sorted after: eight bytes a row (a set
        // of them takes about twice that).
        let mut hashes = Vec::with_capacity(starts.capacity());
        let mut twice = false;
        for record in reader.records() {
            let record = csv_record(record)?;
            let (offset, line) = match record.position() {
                Some(p) => (p.byte(), p.line()),
                None => (u64::MAX, 0),
            };
            let e = csv_row(
                &record,
                &headers,
                Some(line as usize),
                default_role,
                catalog,
            )?;
            let mut h = hasher.build_hasher();
            e.target.host.to_ascii_lowercase().hash(&mut h);
            e.target.port.hash(&mut h);
            hashes.push(h.finish());
            match (u32::try_from(offset), u32::try_from(line)) {
                (Ok(o), Ok(l)) => starts.push((o, l)),
                // Past what the inventory's size cap allows: read as a list.
                _ => twice = true,
            }
        }
        hashes.sort_unstable();
        twice |= hashes.windows(2).any(|w| w[0] == w[1]);
        Ok(Index {
            headers,
            starts,
            twice,
        })
    }
}

/// A CSV inventory's text, shared by its rows' reader.
#[derive(Debug, Clone)]
struct Text(std::sync::Arc<String>);

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The YAML inventory's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlInventory {
    #[serde(default)]
    defaults: YamlDefaults,
    targets: Vec<YamlTarget>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlDefaults {
    role: Option<String>,
    port: Option<u16>,
    #[serde(default)]
    profiles: Vec<String>,
    direction: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlTarget {
    host: String,
    port: Option<u16>,
    role: Option<String>,
    expect: Option<String>,
    agent_version: Option<String>,
    #[serde(default)]
    require: Vec<String>,
    direction: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
}

fn yaml_entries(text: &str, default_role: Role, catalog: &Catalog) -> Located<Vec<Entry>> {
    let doc: YamlInventory = serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let message = match e.location() {
            Some(l) => format!(
                "column {}: {}",
                l.column(),
                crate::model::profile::yaml_message(&e)
            ),
            None => e.to_string(),
        };
        (line, message)
    })?;
    // Lines for messages: where each `host:` of the targets list stands.
    let host_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().trim_start_matches("- ").starts_with("host:"))
        .map(|(i, _)| i + 1)
        .collect();
    let d = &doc.defaults;
    let default_role = match &d.role {
        Some(r) => role_of(r).map_err(|m| (None, format!("defaults: {m}")))?,
        None => default_role,
    };
    let default_direction = match &d.direction {
        Some(s) => Some(
            s.parse::<Direction>()
                .map_err(|m| (None, format!("defaults: {m}")))?,
        ),
        None => None,
    };
    let mut out = Vec::new();
    for (i, t) in doc.targets.iter().enumerate() {
        let line = host_lines.get(i).copied();
        let at = |m: String| (line, m);
        let role = match &t.role {
            Some(r) => role_of(r).map_err(at)?,
            None => default_role,
        };
        let port = t.port.or(d.port).map(|p| p.to_string());
        let target = target(&t.host, port.as_deref(), role).map_err(at)?;
        let mut expectation = Expectation {
            require: t.require.clone(),
            labels: t.labels.clone(),
            direction: match &t.direction {
                Some(s) => Some(s.parse().map_err(at)?),
                None => default_direction,
            },
            ..Expectation::default()
        };
        if let Some(v) = &t.agent_version {
            let (expect, note) = from_version(catalog, v).map_err(at)?;
            expectation.expect = expect;
            expectation.agent_version = Some(v.clone());
            expectation.note = note;
        }
        if let Some(e) = &t.expect {
            expectation.expect = vec![e.clone()];
        } else if expectation.expect.is_empty() && !d.profiles.is_empty() {
            expectation.expect = d.profiles.clone();
        }
        out.push(Entry {
            target,
            expectation,
            at: line.map(|l| format!(":{l}")).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// One computer as the manager's API lists it (only the fields used;
/// the rest of each object is skipped unread).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Computer {
    #[serde(rename = "ID")]
    pub(crate) id: Option<u64>,
    host_name: Option<String>,
    display_name: Option<String>,
    #[serde(rename = "lastIPUsed")]
    last_ip_used: Option<String>,
    agent_version: Option<String>,
    platform: Option<String>,
    computer_status: Option<ComputerStatus>,
    last_agent_communication: Option<i64>,
    computer_settings: Option<ComputerSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComputerStatus {
    agent_status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ComputerSettings {
    #[serde(rename = "platformSettingAgentCommunicationsDirection")]
    direction: Option<SettingValue>,
}

#[derive(Debug, Default, Deserialize)]
struct SettingValue {
    value: Option<String>,
}

/// The manager's computer list: `{"computers": [...]}` (what the API's
/// listing and search return) or a bare array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ComputerList {
    /// `{"computers": [...]}`.
    Wrapped {
        /// The computers.
        computers: Vec<Computer>,
    },
    /// `[...]`.
    Bare(Vec<Computer>),
}

impl ComputerList {
    pub(crate) fn into_vec(self) -> Vec<Computer> {
        match self {
            ComputerList::Wrapped { computers } | ComputerList::Bare(computers) => computers,
        }
    }
}

/// The agent version the manager writes for a computer without an agent.
pub const NO_AGENT: &str = "0.0.0.0";

/// What reading a computer list left out or could not use, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComputerCounts {
    /// Computers read.
    pub computers: usize,
    /// Computers without an agent (`agentVersion` 0.0.0.0): left out.
    pub without_agent: usize,
    /// Direction spellings the tool does not know, with how many computers
    /// had each: judged bidirectional (every leg).
    pub unknown_directions: std::collections::BTreeMap<String, usize>,
    /// Agent versions that map to no profile, with how many computers had
    /// each: the agent is kept, identified by its scan alone.
    pub unknown_versions: std::collections::BTreeMap<String, usize>,
}

/// The manager's spelling of a communication direction, read
/// case-insensitively (`Bidirectional`, `Agent/Appliance Initiated`,
/// `Manager Initiated`; hyphens, underscores and spaces alike, and the
/// tool's own `agent-initiated`).
pub fn manager_direction(value: &str) -> Option<Direction> {
    let words: Vec<String> = value
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    match words.join(" ").as_str() {
        "bidirectional" | "bi directional" => Some(Direction::Bidirectional),
        "agent/appliance initiated" | "agent initiated" | "appliance initiated" => {
            Some(Direction::AgentInitiated)
        }
        "manager initiated" => Some(Direction::ManagerInitiated),
        _ => None,
    }
}

/// Text from the manager, trimmed; `None` when empty.
fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What a computer of the manager's list is expected to be: the profiles
/// its agent version maps to and its direction, with a note for a version
/// or direction the tool does not know (each counted).
fn expectation_of(
    record: &ManagerRecord,
    counts: &mut ComputerCounts,
    catalog: &Catalog,
) -> Expectation {
    let mut expectation = Expectation::default();
    if let Some(v) = &record.agent_version {
        match from_version(catalog, v) {
            Ok((expect, note)) => {
                expectation.expect = expect;
                expectation.note = note;
            }
            Err(e) => {
                *counts.unknown_versions.entry(v.clone()).or_default() += 1;
                expectation.note = Some(e);
            }
        }
        expectation.agent_version = Some(v.clone());
    }
    if let Some(d) = &record.direction {
        match manager_direction(d) {
            Some(d) => expectation.direction = Some(d),
            None => {
                *counts.unknown_directions.entry(d.clone()).or_default() += 1;
                let unknown = format!(
                    "the manager's direction {d:?} is not one the tool knows \
                     (Bidirectional, Agent/Appliance Initiated, Manager Initiated): \
                     judged bidirectional (every leg)"
                );
                expectation.note = Some(match expectation.note.take() {
                    Some(n) => format!("{n}; {unknown}"),
                    None => unknown,
                });
            }
        }
    }
    expectation
}

/// The inventory entries of the manager's computers: one agent each (port
/// 4118, the agent's default), named by `hostName`, else `lastIPUsed`;
/// expected to behave like the profile its `agentVersion` maps to; with
/// its communication direction and what the manager said kept under
/// [`Expectation::manager`]. Computers without an agent are left out and
/// counted, and so are unknown directions and versions (the agent stays).
pub(crate) fn computer_entries(
    computers: Vec<Computer>,
    counts: &mut ComputerCounts,
    catalog: &Catalog,
) -> Result<Vec<Entry>, (usize, String)> {
    let mut out = Vec::new();
    for (i, c) in computers.into_iter().enumerate() {
        counts.computers += 1;
        let at = |m: String| (i, m);
        let record = ManagerRecord {
            id: c.id,
            host_name: text(&c.host_name),
            display_name: text(&c.display_name),
            last_ip_used: text(&c.last_ip_used),
            agent_version: text(&c.agent_version),
            platform: text(&c.platform),
            agent_status: c.computer_status.and_then(|s| text(&s.agent_status)),
            last_agent_communication: c.last_agent_communication,
            direction: c
                .computer_settings
                .and_then(|s| s.direction)
                .and_then(|d| text(&d.value)),
        };
        if record.agent_version.as_deref() == Some(NO_AGENT) {
            counts.without_agent += 1;
            continue;
        }
        // The name agents are known by; the last address when there is
        // none, or when the name is not one a connection can use.
        let names = [record.host_name.as_deref(), record.last_ip_used.as_deref()];
        let mut tried = Vec::new();
        let target = names
            .into_iter()
            .flatten()
            .find_map(|h| target(h, None, Role::Agent).map_err(|e| tried.push(e)).ok())
            .ok_or_else(|| match tried.first() {
                None => at("neither hostName nor lastIPUsed".into()),
                Some(e) => at(e.clone()),
            })?;
        let mut expectation = expectation_of(&record, counts, catalog);
        let place = match record.id {
            Some(id) => format!(": computer ID {id}"),
            None => format!(": computer {}", i + 1),
        };
        expectation.manager = Some(Box::new(record));
        out.push(Entry {
            target,
            expectation,
            at: place,
        });
    }
    Ok(out)
}

fn computers(text: &str, _role: Role, catalog: &Catalog) -> Located<Vec<Entry>> {
    const SHAPE: &str =
        "not a computer list ({\"computers\": [{\"hostName\", \"lastIPUsed\", \"agentVersion\"}]})";
    // JSON first (its errors have a line and column), then the shape, one
    // computer at a time, so that an error names the computer and field.
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        (
            Some(e.line()),
            format!("column {}: not JSON: {e}", e.column()),
        )
    })?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("computers") {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => return Err((None, format!("{SHAPE}: `computers` is not a list"))),
            None => return Err((None, format!("{SHAPE}: no `computers` key"))),
        },
        _ => return Err((None, SHAPE.to_string())),
    };
    let mut list = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        list.push(computer(item).map_err(|m| (None, format!("computer {}: {m}", i + 1)))?);
    }
    computer_entries(list, &mut ComputerCounts::default(), catalog)
        .map_err(|(i, m)| (None, format!("computer {}: {m}", i + 1)))
}

/// One computer of a list; the error names the field that does not read.
fn computer(item: serde_json::Value) -> Result<Computer, String> {
    let serde_json::Value::Object(map) = &item else {
        return Err("not an object".into());
    };
    serde_json::from_value::<Computer>(item.clone()).map_err(|e| {
        // Which field: the first that fails alone.
        let field = map.iter().find(|(k, v)| {
            let alone =
                serde_json::Value::Object(std::iter::once(((*k).clone(), (*v).clone())).collect());
            serde_json::from_value::<Computer>(alone).is_err()
        });
        let mut e = crate::base::input::shorten_quoted(&e.to_string());
        // serde names our Rust types ("expected struct SettingValue"):
        // people read JSON.
        for kind in ["expected struct ", "expected enum "] {
            if let Some(at) = e.find(kind) {
                e.truncate(at);
                e.push_str("expected an object");
            }
        }
        match field {
            Some((k, _)) => format!("field {}: {e}", crate::base::input::excerpt(k)),
            None => e,
        }
    })
}

/// `base` with `overrides` applied: an override whose host is a base
/// entry's (its target's host, or the manager's `hostName`, `displayName`
/// or `lastIPUsed` for it; case-insensitive) replaces that entry's address
/// and role, and every expectation it states (profile and version, require,
/// direction, labels); what the manager said stays. Any other override is
/// added. This is how `-i FILE` adds to or corrects `--from-manager`.
pub fn merge(base: Vec<Entry>, overrides: Vec<Entry>) -> Vec<Entry> {
    if base.is_empty() {
        // No second list while the first is held (an inventory of a million
        // rows is most of a plan's memory).
        return overrides;
    }
    let mut out = base;
    let mut taken = vec![false; out.len()];
    for o in overrides {
        let host = o.target.host.to_ascii_lowercase();
        let names = |e: &Entry| {
            let m = e.expectation.manager.as_ref();
            std::iter::once(Some(e.target.host.as_str()))
                .chain(m.map(|m| m.host_name.as_deref()))
                .chain(m.map(|m| m.display_name.as_deref()))
                .chain(m.map(|m| m.last_ip_used.as_deref()))
                .flatten()
                .any(|n| n.eq_ignore_ascii_case(&host))
        };
        let found = (0..taken.len()).find(|&i| !taken[i] && names(&out[i]));
        let Some(i) = found else {
            out.push(o);
            continue;
        };
        taken[i] = true;
        let e = &mut out[i];
        let (mine, theirs) = (&mut e.expectation, o.expectation);
        e.target = o.target;
        if !theirs.expect.is_empty() || theirs.agent_version.is_some() {
            mine.expect = theirs.expect;
            mine.agent_version = theirs.agent_version;
            mine.note = theirs.note;
        }
        mine.require.extend(theirs.require);
        if theirs.direction.is_some() {
            mine.direction = theirs.direction;
        }
        if !theirs.labels.is_empty() {
            mine.labels = theirs.labels;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Catalog {
        Catalog::builtin().unwrap()
    }

    fn entries_of(path: &str, text: &str) -> Vec<Entry> {
        let mut e = csv_entries(text, Role::Agent, &shipped()).unwrap();
        for e in &mut e {
            e.at = format!("{path}{}", e.at);
        }
        e
    }

    #[test]
    fn the_same_endpoint_twice_is_merged_or_a_conflict() {
        // Exact duplicates, and rows that only add facts, merge with a note.
        let e = entries_of(
            "f.csv",
            "host,agent_version,direction\n\
             a,11.0.0-1,\n\
             b,,\n\
             A,11.0.0-1,agent-initiated\n\
             b,20.0.0-1,\n",
        );
        let (out, notes) = dedupe(e).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].expectation.direction,
            Some(Direction::AgentInitiated)
        );
        assert_eq!(
            out[1].expectation.agent_version.as_deref(),
            Some("20.0.0-1")
        );
        assert_eq!(
            notes,
            [
                "f.csv:4 lists a:4118 again (as f.csv:2): merged",
                "f.csv:5 lists b:4118 again (as f.csv:3): merged"
            ]
        );
        // The same fact twice, differently: which one is true is the
        // user's to say, in either order.
        for text in [
            "host,agent_version\na,11.0.0-1\nx,9.6.2-1\na,9.6.2-1\n",
            "host,agent_version\na,9.6.2-1\nx,9.6.2-1\na,11.0.0-1\n",
        ] {
            let c = dedupe(entries_of("f.csv", text)).unwrap_err();
            assert_eq!(
                (c.first.as_str(), c.second.as_str()),
                ("f.csv:2", "f.csv:4")
            );
            assert!(c.what.starts_with("agent_version "), "{c}");
        }
        let c = dedupe(entries_of(
            "f.csv",
            "host,port,role\nm,4120,manager\nm,4120,agent\n",
        ))
        .unwrap_err();
        assert_eq!(c.what, "role agent (not manager)");
        assert_eq!(
            c.to_string(),
            "f.csv:3 lists m:4120 again with role agent (not manager) different from f.csv:2: fix one of the rows"
        );
        let c = dedupe(entries_of(
            "f.csv",
            "host,direction\na,bidirectional\na,agent-initiated\n",
        ))
        .unwrap_err();
        assert!(c.what.starts_with("direction "), "{c}");
        // Hosts that differ only in case are the same host, even when
        // nothing else is listed twice; a list without a repeat comes back
        // as it was.
        let (out, notes) = dedupe(entries_of("f.csv", "host\nX.example\nx.EXAMPLE\n")).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            notes,
            ["f.csv:3 lists X.example:4118 again (as f.csv:2): merged"]
        );
        let (out, notes) = dedupe(entries_of("f.csv", "host\nx\ny\nx.example\n")).unwrap();
        assert_eq!(out.len(), 3);
        assert!(notes.is_empty());
    }

    #[test]
    fn csv_with_versions_and_labels() {
        let text = "host,port,role,agent_version,direction,labels\n\
                    10.0.0.7,,agent,20.0.0-3445,agent-initiated,web;prod\n\
                    dsm.example,4120,manager,,,\n\
                    # a comment\n\
                    10.0.0.8,4118,agent,10.0.0-3445,,\n";
        let e = csv_entries(text, Role::Manager, &shipped()).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].target.to_string(), "10.0.0.7:4118");
        assert_eq!(
            e[0].expectation.expect,
            ["dsa-11", "dsa-fips"],
            "11.0+ may run in FIPS mode"
        );
        assert_eq!(e[0].expectation.direction, Some(Direction::AgentInitiated));
        assert_eq!(e[0].expectation.labels, ["web", "prod"]);
        assert_eq!(e[1].target.to_string(), "dsm.example:4120");
        assert!(e[1].expectation.is_empty());
        assert_eq!(
            e[2].expectation.expect,
            ["dsa-10.0", "dsa-10.0-u16", "dsa-fips"]
        );
        assert!(
            e[2].expectation
                .note
                .as_deref()
                .unwrap()
                .contains("Update 16")
        );
    }

    #[test]
    fn a_mistyped_computer_field_is_named_in_json_words() {
        let (line, m) = computers(
            r#"{"computers": [{"hostName": "a"}, {"hostName": 5}]}"#,
            Role::Agent,
            &shipped(),
        )
        .unwrap_err();
        assert_eq!(line, None);
        assert_eq!(
            m,
            "computer 2: field \"hostName\": invalid type: integer `5`, expected a string"
        );
        let (_, m) = computers(
            r#"[{"hostName": "a", "computerSettings": {"platformSettingAgentCommunicationsDirection": 7}}]"#,
            Role::Agent, &shipped())
        .unwrap_err();
        assert!(m.ends_with("expected an object"), "{m}");
        assert!(m.contains("field \"computerSettings\""), "{m}");
        let (line, m) = computers("{\"computers\": [\n{", Role::Agent, &shipped()).unwrap_err();
        assert_eq!(line, Some(2));
        assert!(m.starts_with("column 1: not JSON"), "{m}");
    }

    #[test]
    fn a_header_with_a_column_twice_is_refused() {
        let (line, m) =
            csv_entries("host,role,host\nh,agent,g\n", Role::Agent, &shipped()).unwrap_err();
        assert_eq!(line, Some(1));
        assert!(m.contains("column \"host\" twice"), "{m}");
    }

    #[test]
    fn csv_errors_name_the_line() {
        let (line, m) = csv_entries("host,rol\nh,agent\n", Role::Agent, &shipped()).unwrap_err();
        assert_eq!(line, Some(1));
        assert!(
            m.contains("unknown column \"rol\"") && m.contains("role"),
            "{m}"
        );
        let (line, m) =
            csv_entries("host,role\nh,agent\nh2,bogus\n", Role::Agent, &shipped()).unwrap_err();
        assert_eq!(line, Some(3));
        assert!(m.contains("unknown role"), "{m}");
        let (line, m) =
            csv_entries("host,agent_version\nh,banana\n", Role::Agent, &shipped()).unwrap_err();
        assert_eq!(line, Some(2));
        assert!(m.contains("cannot map agent version"), "{m}");
        assert!(
            csv_entries("port\n1\n", Role::Agent, &shipped())
                .unwrap_err()
                .1
                .contains("host")
        );
    }

    #[test]
    fn yaml_with_defaults() {
        let text = "defaults:\n  role: agent\n  direction: bidirectional\n\
                    targets:\n  - host: 10.0.0.7\n    expect: dsa-11\n    require: [dsa-11]\n\
                    \x20 - host: 10.0.0.9\n    port: 4122\n    role: relay\n    labels: [dmz]\n";
        let e = yaml_entries(text, Role::Manager, &shipped()).unwrap();
        assert_eq!(e[0].target.to_string(), "10.0.0.7:4118");
        assert_eq!(e[0].expectation.expect, ["dsa-11"]);
        assert_eq!(e[0].expectation.require, ["dsa-11"]);
        assert_eq!(e[0].expectation.direction, Some(Direction::Bidirectional));
        assert_eq!(e[1].target.to_string(), "10.0.0.9:4122");
        assert_eq!(e[1].expectation.labels, ["dmz"]);
        let (line, m) = yaml_entries(
            "targets:\n  - host: h\n    expct: dsa-11\n",
            Role::Agent,
            &shipped(),
        )
        .unwrap_err();
        assert_eq!(line, Some(3), "{m}");
        assert!(m.contains("expct"), "{m}");
        let (line, m) = yaml_entries(
            "targets:\n  - host: h\n  - host: h2\n    direction: sideways\n",
            Role::Agent,
            &shipped(),
        )
        .unwrap_err();
        assert_eq!(line, Some(3), "{m}");
        assert!(m.contains("unknown direction"), "{m}");
    }

    #[test]
    fn the_managers_computer_list() {
        let text = r#"{"computers": [
            {"hostName": "web1.example", "lastIPUsed": "10.0.0.7", "agentVersion": "11.0.0-211", "ID": 1},
            {"hostName": "", "lastIPUsed": "10.0.0.8", "agentVersion": "9.6.2-7723"},
            {"hostName": "db1.example", "agentVersion": ""}
        ]}"#;
        let e = computers(text, Role::Agent, &shipped()).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].target.to_string(), "web1.example:4118");
        assert_eq!(
            e[0].expectation.expect,
            ["dsa-11", "dsa-fips"],
            "11.0+ may run in FIPS mode"
        );
        assert_eq!(e[1].target.to_string(), "10.0.0.8:4118");
        assert_eq!(e[1].expectation.expect, ["dsa-9.6"]);
        assert!(e[2].expectation.expect.is_empty());
        assert!(
            computers("[{}]", Role::Agent, &shipped())
                .unwrap_err()
                .1
                .contains("neither hostName")
        );
        assert!(computers("{\"x\": 1}", Role::Agent, &shipped()).is_err());
    }
    #[test]
    fn the_managers_fields_directions_and_computers_without_an_agent() {
        let text = r#"{"computers": [
            {"ID": 7, "hostName": "web1", "displayName": "Web 1", "lastIPUsed": "10.0.0.7",
             "agentVersion": "20.0.0.8453", "platform": "Red Hat Enterprise 8 (64 bit)",
             "computerStatus": {"agentStatus": "active"}, "lastAgentCommunication": 1700000000000,
             "computerSettings": {"platformSettingAgentCommunicationsDirection": {"value": "Agent/Appliance Initiated"},
                                  "firewallSettingEventLogFileMaxSize": {"value": "4"}}},
            {"ID": 8, "hostName": "nothing", "agentVersion": "0.0.0.0"},
            {"ID": 9, "hostName": "db1", "agentVersion": "12.0.0.1234",
             "computerSettings": {"platformSettingAgentCommunicationsDirection": {"value": "MANAGER INITIATED"}}},
            {"ID": 10, "hostName": "odd", "agentVersion": "50.0.0.1",
             "computerSettings": {"platformSettingAgentCommunicationsDirection": {"value": "Sideways"}}}
        ]}"#;
        let list: ComputerList = serde_json::from_str(text).unwrap();
        let mut counts = ComputerCounts::default();
        let e = computer_entries(list.into_vec(), &mut counts, &shipped()).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(counts.computers, 4);
        assert_eq!(counts.without_agent, 1);
        assert_eq!(counts.unknown_directions.get("Sideways"), Some(&1));
        assert_eq!(counts.unknown_versions.get("50.0.0.1"), Some(&1));
        assert_eq!(e[0].target.to_string(), "web1:4118");
        assert_eq!(
            e[0].expectation.expect,
            ["dsa-11", "dsa-fips"],
            "11.0+ may run in FIPS mode"
        );
        assert_eq!(e[0].expectation.direction, Some(Direction::AgentInitiated));
        let m = e[0].expectation.manager.as_ref().unwrap();
        assert_eq!(m.id, Some(7));
        assert_eq!(m.display_name.as_deref(), Some("Web 1"));
        assert_eq!(m.agent_status.as_deref(), Some("active"));
        assert_eq!(m.last_agent_communication, Some(1_700_000_000_000));
        assert_eq!(m.direction.as_deref(), Some("Agent/Appliance Initiated"));
        assert_eq!(
            e[1].expectation.direction,
            Some(Direction::ManagerInitiated)
        );
        assert_eq!(e[2].expectation.direction, None);
        let note = e[2].expectation.note.as_deref().unwrap();
        assert!(note.contains("cannot map agent version"), "{note}");
        assert!(
            note.contains("\"Sideways\"") && note.contains("bidirectional"),
            "{note}"
        );
    }

    #[test]
    fn direction_spellings() {
        for (s, d) in [
            ("Bidirectional", Direction::Bidirectional),
            ("BIDIRECTIONAL", Direction::Bidirectional),
            ("Agent/Appliance Initiated", Direction::AgentInitiated),
            ("agent/appliance  initiated", Direction::AgentInitiated),
            ("agent-initiated", Direction::AgentInitiated),
            ("Manager Initiated", Direction::ManagerInitiated),
            ("manager_initiated", Direction::ManagerInitiated),
        ] {
            assert_eq!(manager_direction(s), Some(d), "{s}");
        }
        for s in ["", "Sideways", "agent", "initiated"] {
            assert_eq!(manager_direction(s), None, "{s}");
        }
    }

    #[test]
    fn a_file_adds_to_and_overrides_the_managers_list() {
        let list: ComputerList = serde_json::from_str(
            r#"[{"hostName": "web1", "lastIPUsed": "10.0.0.7", "agentVersion": "20.0.0.1",
                 "computerSettings": {"platformSettingAgentCommunicationsDirection": {"value": "Manager Initiated"}}},
                {"hostName": "db1", "agentVersion": "9.6.2-7723"}]"#,
        )
        .unwrap();
        let base =
            computer_entries(list.into_vec(), &mut ComputerCounts::default(), &shipped()).unwrap();
        let file = csv_entries(
            "host,port,agent_version,labels\n10.0.0.7,14118,,dmz\nDB1,,10.0.0-3445,\nnew,,,\n",
            Role::Agent,
            &shipped(),
        )
        .unwrap();
        let e = merge(base, file);
        let got: Vec<String> = e.iter().map(|e| e.target.to_string()).collect();
        assert_eq!(got, ["10.0.0.7:14118", "DB1:4118", "new:4118"]);
        // By lastIPUsed: the port and labels from the file, the rest kept.
        assert_eq!(
            e[0].expectation.expect,
            ["dsa-11", "dsa-fips"],
            "11.0+ may run in FIPS mode"
        );
        assert_eq!(
            e[0].expectation.direction,
            Some(Direction::ManagerInitiated)
        );
        assert_eq!(e[0].expectation.labels, ["dmz"]);
        assert!(e[0].expectation.manager.is_some());
        // By host name, any case: the file's version wins.
        assert_eq!(
            e[1].expectation.agent_version.as_deref(),
            Some("10.0.0-3445")
        );
        assert_eq!(e[1].expectation.expect[0], "dsa-10.0");
        assert!(e[2].expectation.manager.is_none());
    }

    /// A CSV inventory held as its text gives, row by row, the entries
    /// `read` gives (quotes, comments, CRLF, roles, labels, profiles); one
    /// that lists an endpoint twice, one that is not CSV, and one with a
    /// bad row are read as `read` reads them.
    #[test]
    fn rows_give_the_entries_that_read_gives() {
        let dir = tempfile::tempdir().unwrap();
        let shipped = shipped();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let debug = |e: &[Entry]| e.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>();
        let fleet = write(
            "fleet.csv",
            "host,port,role,profile,agent_version,direction,labels\r\n\
             # a comment\r\n\
             a.example,,,,20.0.0-877,,\"web; prod\"\r\n\
             \r\n\
             m.example,4119,manager,,,,\r\n\
             \"b.example\",14118,agent,dsa-9.6,,manager-initiated,db\r\n\
             c.example,,relay,,9.6.2-7723,,\r\n",
        );
        let read_all = |path: &Path| read(path, None, Role::Agent, &shipped).unwrap();
        let mut rows = Rows::read(&fleet, None, Role::Agent, &shipped)
            .unwrap()
            .unwrap();
        assert_eq!(rows.len(), 4);
        rows.resolve_profiles(|p| Ok::<_, ()>(format!("resolved-{p}")))
            .unwrap();
        let mut want = read_all(&fleet);
        want[2].expectation.expect = vec!["resolved-dsa-9.6".into()];
        let got: Vec<Entry> = (0..rows.len()).map(|i| rows.entry(i)).collect();
        assert_eq!(debug(&got), debug(&want));
        // Read again, in any order, the same.
        assert_eq!(format!("{:?}", rows.entry(0)), format!("{:?}", want[0]));

        let twice = write(
            "twice.csv",
            "host,agent_version\nA.example,9.6.2-7723\na.example,\n",
        );
        let Err(merged) = Rows::read(&twice, None, Role::Agent, &shipped).unwrap() else {
            panic!("an endpoint listed twice is read as a list");
        };
        assert_eq!(debug(&merged), debug(&read_all(&twice)));
        let yaml = write("fleet.yaml", "targets:\n  - host: a.example\n");
        assert!(
            Rows::read(&yaml, None, Role::Agent, &shipped)
                .unwrap()
                .is_err()
        );
        let bad = write(
            "bad.csv",
            "host,agent_version\na.example,9.6.2-7723\nb.example,nonsense\n",
        );
        assert_eq!(
            Rows::read(&bad, None, Role::Agent, &shipped)
                .unwrap_err()
                .to_string(),
            read(&bad, None, Role::Agent, &shipped)
                .unwrap_err()
                .to_string()
        );
    }
}
