//! Line and column of a node in a YAML document, by path.
//!
//! serde tells a deserializer nothing about positions, so a check that needs
//! two fields (a suite against the listed versions) or two files (duplicate
//! ids) cannot point at the offending scalar while parsing. Instead we walk
//! the document a second time, along a path such as `cipher_suites[3]`, and
//! raise an error at the node: serde_yaml stamps errors with the position of
//! the node being read, which is exactly the position we want.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
    /// The key itself of the mapping entry named so, its n-th occurrence
    /// from 0 (last in a path): where an unknown or repeated field is.
    Name(&'a str, usize),
}

impl fmt::Display for Seg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Key(k) => f.write_str(k),
            Seg::Index(i) => write!(f, "[{i}]"),
            Seg::Name(k, _) => write!(f, "{k}:"),
        }
    }
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl Location {
    pub(crate) fn of(err: &serde_yaml::Error) -> Option<Location> {
        err.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Where the node at `path` starts in the first document of `text`, or
/// `None` when there is no such node.
pub(crate) fn locate(text: &str, path: &[Seg<'_>]) -> Option<Location> {
    let doc = serde_yaml::Deserializer::from_str(text).next()?;
    let found = Locator { path }.deserialize(doc);
    match found {
        Ok(()) => None,
        Err(e) if e.to_string().contains(FOUND) => Location::of(&e),
        Err(_) => None,
    }
}

const FOUND: &str = "\u{0}found";

struct Locator<'p, 'a> {
    path: &'p [Seg<'a>],
}

impl<'de> DeserializeSeed<'de> for Locator<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Locator<'_, '_> {
    fn here<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

impl<'de> Visitor<'de> for Locator<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.here()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.here()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.here()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.here()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.here()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.here()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.here()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.here()?;
        let Some((Seg::Index(want), rest)) = self.path.split_first() else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let mut i = 0;
        loop {
            if i == *want {
                seq.next_element_seed(Locator { path: rest })?;
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.here()?;
        let (want, rest) = match self.path.split_first() {
            Some((Seg::Key(k), rest)) => (Some(*k), rest),
            Some((Seg::Name(k, nth), _)) => {
                // Raises FOUND at the `nth` key named `k`.
                let mut skip = *nth;
                while map
                    .next_key_seed(KeyLocator {
                        name: k,
                        skip: &mut skip,
                    })?
                    .is_some()
                {
                    map.next_value::<IgnoredAny>()?;
                }
                return Ok(());
            }
            _ => (None, &[][..]),
        };
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            if want.is_some() && key.as_str() == want {
                map.next_value_seed(Locator { path: rest })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A mapping key that is found when it is the one named, after `skip`
/// earlier keys of that name.
struct KeyLocator<'a, 's> {
    name: &'a str,
    skip: &'s mut usize,
}

impl<'de> DeserializeSeed<'de> for KeyLocator<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyLocator<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v != self.name {
            Ok(())
        } else if *self.skip == 0 {
            Err(E::custom(FOUND))
        } else {
            *self.skip -= 1;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
id: x
versions: [tls1.0, tls1.2]
cipher_suites:
  - A
  - B
nested:
  inner: {k: v}
";

    fn at(path: &[Seg<'_>]) -> Option<(usize, usize)> {
        locate(DOC, path).map(|l| (l.line, l.column))
    }

    #[test]
    fn finds_scalars_sequences_and_mappings() {
        assert_eq!(at(&[Seg::Key("id")]), Some((1, 5)));
        assert_eq!(at(&[Seg::Key("versions"), Seg::Index(1)]), Some((2, 20)));
        assert_eq!(at(&[Seg::Key("cipher_suites")]), Some((4, 3)));
        assert_eq!(
            at(&[Seg::Key("cipher_suites"), Seg::Index(1)]),
            Some((5, 5))
        );
        assert_eq!(
            at(&[Seg::Key("nested"), Seg::Key("inner"), Seg::Key("k")]),
            Some((7, 14))
        );
        assert_eq!(at(&[]), Some((1, 1)));
        assert_eq!(at(&[Seg::Name("cipher_suites", 0)]), Some((3, 1)));
        assert_eq!(at(&[Seg::Name("cipher_suites", 1)]), None);
        assert_eq!(
            at(&[Seg::Key("nested"), Seg::Name("inner", 0)]),
            Some((7, 3))
        );
        let twice = "a: 1\nb: 2\na: 3\n";
        let second = locate(twice, &[Seg::Name("a", 1)]).map(|l| (l.line, l.column));
        assert_eq!(second, Some((3, 1)));
    }

    #[test]
    fn missing_paths_are_none() {
        assert_eq!(at(&[Seg::Key("nope")]), None);
        assert_eq!(at(&[Seg::Key("cipher_suites"), Seg::Index(7)]), None);
        assert_eq!(at(&[Seg::Key("id"), Seg::Index(0)]), None);
        assert_eq!(locate("", &[Seg::Key("id")]), None);
        assert_eq!(locate("[unclosed", &[Seg::Key("id")]), None);
    }
}
