//! Reading a profile document field by field, collecting every problem.
//!
//! A derived `Deserialize` stops at the first bad value; `profiles
//! validate` should name every one. So the top-level mapping is walked by
//! hand: each scalar (a suite, a version, a role) is read as the text the
//! user wrote and parsed on its own, and a bad one is recorded with its path
//! (`cipher_suites[3]`) while reading goes on. Only a value of the wrong
//! shape inside a list (a mapping where a suite name belongs) stops the
//! reading, with serde_yaml's own located error, as before: the parser
//! cannot skip what it has half read.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};

use super::Role;
use super::locate::Seg;
use crate::model::suites::CipherSuiteId;
use crate::model::version::TlsVersion;
use crate::wire::codes::{NamedGroup, SignatureScheme};

/// Every field a profile may have, in the order the messages list them.
pub(super) const FIELDS: &[&str] = &[
    "id",
    "aliases",
    "name",
    "role",
    "versions",
    "cipher_suites",
    "groups",
    "signature_algorithms",
    "source",
    "notes",
    "ladder",
    "product",
    "version_name",
    "agent_versions",
    "version_caveat",
    "may_also_be",
    "setting",
    "remedy",
];

/// The fields without which a profile means nothing.
const REQUIRED: &[&str] = &["id", "name", "role", "versions", "cipher_suites"];

/// Where a problem is, to be turned into a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// The node at this path.
    Node(Vec<Seg<'static>>),
    /// The key of this top-level field, its n-th occurrence from 0 (an
    /// unknown or repeated field).
    Key(String, usize),
    /// Already known (serde_yaml told us).
    At(Option<super::Location>),
}

/// One problem: where, and the message.
pub(super) type Problem = (Place, super::ProfileErrorKind);

/// A list as read: the entries that parsed, each with its index in the
/// file, and how many entries there were in all.
#[derive(Debug, Clone)]
pub(super) struct List<T> {
    pub(super) items: Vec<(usize, T)>,
    pub(super) len: usize,
}

impl<T: Clone> List<T> {
    /// Whether every entry parsed.
    pub(super) fn complete(&self) -> bool {
        self.items.len() == self.len
    }

    /// The entries that parsed, in file order.
    pub(super) fn values(&self) -> Vec<T> {
        self.items.iter().map(|(_, v)| v.clone()).collect()
    }
}

/// What the document says, as far as it could be read.
#[derive(Debug, Default)]
pub(super) struct Fields {
    pub(super) id: Option<String>,
    pub(super) aliases: Option<List<String>>,
    pub(super) name: Option<String>,
    pub(super) role: Option<Role>,
    pub(super) versions: Option<List<TlsVersion>>,
    pub(super) cipher_suites: Option<List<CipherSuiteId>>,
    pub(super) groups: Option<List<NamedGroup>>,
    pub(super) signature_algorithms: Option<List<SignatureScheme>>,
    pub(super) source: Option<String>,
    pub(super) notes: Option<String>,
    /// The rung as written; checked and parsed with the other rules.
    pub(super) ladder: Option<String>,
    pub(super) product: Option<String>,
    pub(super) version_name: Option<String>,
    pub(super) agent_versions: Option<List<String>>,
    pub(super) version_caveat: Option<String>,
    pub(super) may_also_be: Option<List<String>>,
    pub(super) setting: Option<String>,
    pub(super) remedy: Option<String>,
    /// Reading stopped early: some fields may be missing only for that.
    pub(super) stopped: bool,
}

/// Reads the first document of `text` (already known to be well-formed
/// YAML). Returns what was read and every problem found, in file order,
/// missing fields last.
pub(super) fn read(text: &str) -> (Fields, Vec<Problem>) {
    let mut fields = Fields::default();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let result = match serde_yaml::Deserializer::from_str(text).next() {
        Some(doc) => Doc {
            fields: &mut fields,
            problems: &mut problems,
            seen: &mut seen,
        }
        .deserialize(doc),
        None => Ok(()),
    };
    if let Err(e) = result {
        fields.stopped = true;
        problems.push((
            Place::At(super::Location::of(&e)),
            super::ProfileErrorKind::Yaml(super::yaml_message(&e)),
        ));
    }
    if !fields.stopped {
        for field in REQUIRED.iter().filter(|f| !seen.contains(*f)) {
            problems.push((
                Place::Node(Vec::new()),
                super::ProfileErrorKind::Yaml(format!("missing field `{field}`")),
            ));
        }
    }
    (fields, problems)
}

fn yaml(message: String) -> super::ProfileErrorKind {
    super::ProfileErrorKind::Yaml(message)
}

/// The top-level mapping.
struct Doc<'a> {
    fields: &'a mut Fields,
    problems: &'a mut Vec<Problem>,
    seen: &'a mut Vec<&'static str>,
}

impl<'de> DeserializeSeed<'de> for Doc<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a profile: a mapping with id, name, role, versions and cipher_suites")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut unknown: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Some(&field) = FIELDS.iter().find(|f| **f == key) else {
                let expected: Vec<String> = FIELDS.iter().map(|f| format!("`{f}`")).collect();
                let nth = unknown.iter().filter(|k| **k == key).count();
                unknown.push(key.clone());
                self.problems.push((
                    Place::Key(key.clone(), nth),
                    yaml(format!(
                        "unknown field `{key}`, expected one of {}",
                        expected.join(", ")
                    )),
                ));
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if self.seen.contains(&field) {
                let nth = self.seen.iter().filter(|f| **f == field).count();
                self.seen.push(field);
                self.problems.push((
                    Place::Key(field.to_string(), nth),
                    yaml(format!("duplicate field `{field}`")),
                ));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.seen.push(field);
            let f = &mut *self.fields;
            let p = &mut *self.problems;
            match field {
                "id" => f.id = scalar(&mut map, field, p)?,
                "name" => f.name = scalar(&mut map, field, p)?,
                "role" => f.role = scalar(&mut map, field, p)?,
                "source" => f.source = scalar(&mut map, field, p)?,
                "notes" => f.notes = scalar(&mut map, field, p)?,
                "aliases" => f.aliases = list(&mut map, field, p)?,
                "versions" => f.versions = list(&mut map, field, p)?,
                "cipher_suites" => f.cipher_suites = list(&mut map, field, p)?,
                "groups" => f.groups = list(&mut map, field, p)?,
                "signature_algorithms" => f.signature_algorithms = list(&mut map, field, p)?,
                "ladder" => f.ladder = scalar(&mut map, field, p)?,
                "product" => f.product = scalar(&mut map, field, p)?,
                "version_name" => f.version_name = scalar(&mut map, field, p)?,
                "agent_versions" => f.agent_versions = list(&mut map, field, p)?,
                "version_caveat" => f.version_caveat = scalar(&mut map, field, p)?,
                "may_also_be" => f.may_also_be = list(&mut map, field, p)?,
                "setting" => f.setting = scalar(&mut map, field, p)?,
                "remedy" => f.remedy = scalar(&mut map, field, p)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Reads the value of a scalar field; a bad one is recorded, `None`.
fn scalar<'de, A, T>(
    map: &mut A,
    field: &'static str,
    problems: &mut Vec<Problem>,
) -> Result<Option<T>, A::Error>
where
    A: MapAccess<'de>,
    T: for<'s> de::Deserialize<'s>,
{
    match map.next_value_seed(Text::<T>(expected(field), PhantomData))? {
        Ok(v) => Ok(Some(v)),
        Err(message) => {
            problems.push((
                Place::Node(vec![Seg::Key(field)]),
                yaml(format!("{field}: {message}")),
            ));
            Ok(None)
        }
    }
}

/// Reads the value of a list field; bad entries are recorded and left out.
/// An explicit null for an optional list is no list.
fn list<'de, A, T>(
    map: &mut A,
    field: &'static str,
    problems: &mut Vec<Problem>,
) -> Result<Option<List<T>>, A::Error>
where
    A: MapAccess<'de>,
    T: for<'s> de::Deserialize<'s>,
{
    let optional = matches!(
        field,
        "groups" | "signature_algorithms" | "agent_versions" | "may_also_be"
    );
    let read = map.next_value_seed(ListSeed::<T> {
        optional,
        what: expected(field),
        _marker: PhantomData,
    })?;
    match read {
        ListRead::Absent => Ok(None),
        ListRead::NotAList(message) => {
            problems.push((
                Place::Node(vec![Seg::Key(field)]),
                yaml(format!("{field}: {message}")),
            ));
            Ok(None)
        }
        ListRead::Read { items, len, bad } => {
            for (i, message) in bad {
                problems.push((
                    Place::Node(vec![Seg::Key(field), Seg::Index(i)]),
                    yaml(format!("{field}[{i}]: {message}")),
                ));
            }
            Ok(Some(List { items, len }))
        }
    }
}

/// A scalar read as the text the user wrote (`0x0017` stays `0x0017`, not
/// 23), then parsed on its own: the parse failing is a message, not an
/// error of the deserializer, so reading goes on.
struct Text<T>(&'static str, PhantomData<T>);

/// What a value of `field` is, for "expected …" messages.
fn expected(field: &str) -> &'static str {
    match field {
        "versions" => "a TLS version name",
        "cipher_suites" => "a cipher suite name",
        "groups" => "a NamedGroup name",
        "signature_algorithms" => "a SignatureScheme name",
        "role" => "agent, manager, relay or any",
        "ladder" => "a rung number (1 is the oldest)",
        "agent_versions" => "an agent version prefix (MAJOR or MAJOR.MINOR)",
        "may_also_be" => "a profile id",
        _ => "a string",
    }
}

impl<'de, T: for<'s> de::Deserialize<'s>> DeserializeSeed<'de> for Text<T> {
    type Value = Result<T, String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: for<'s> de::Deserialize<'s>> Visitor<'de> for Text<T> {
    type Value = Result<T, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::deserialize(StrDeserializer::<ValueError>::new(v)).map_err(|e| e.to_string()))
    }
}

enum ListRead<T> {
    /// `null` for an optional list.
    Absent,
    /// A scalar or mapping where a list belongs: the message.
    NotAList(String),
    /// The entries that parsed (with their indexes), how many there were,
    /// and the messages of the bad ones.
    Read {
        items: Vec<(usize, T)>,
        len: usize,
        bad: Vec<(usize, String)>,
    },
}

struct ListSeed<T> {
    optional: bool,
    what: &'static str,
    _marker: PhantomData<T>,
}

impl<T> ListSeed<T> {
    fn not_a_list<E: de::Error>(&self, got: Unexpected<'_>) -> Result<ListRead<T>, E> {
        Ok(ListRead::NotAList(
            <ValueError as de::Error>::invalid_type(got, &"a sequence").to_string(),
        ))
    }
}

impl<'de, T: for<'s> de::Deserialize<'s>> DeserializeSeed<'de> for ListSeed<T> {
    type Value = ListRead<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: for<'s> de::Deserialize<'s>> Visitor<'de> for ListSeed<T> {
    type Value = ListRead<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut bad = Vec::new();
        let mut len = 0;
        while let Some(entry) = seq.next_element_seed(Text::<T>(self.what, PhantomData))? {
            match entry {
                Ok(v) => items.push((len, v)),
                Err(message) => bad.push((len, message)),
            }
            len += 1;
        }
        Ok(ListRead::Read { items, len, bad })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.not_a_list(Unexpected::Map)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.optional {
            Ok(ListRead::Absent)
        } else {
            self.not_a_list(Unexpected::Unit)
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.not_a_list(Unexpected::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.not_a_list(Unexpected::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.not_a_list(Unexpected::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.not_a_list(Unexpected::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.not_a_list(Unexpected::Str(v))
    }
}
