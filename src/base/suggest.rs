//! "Did you mean …?" for every name a user can type.
//!
//! Cipher-suite, group and version names are long and easy to misspell; a
//! security tool that answers "unknown" without a hint wastes the user's time.
//! This module ranks candidate names by edit distance, and provides the serde
//! visitor that turns a `FromStr` failure into a located YAML error.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

/// How many suggestions an error message carries at most.
const MAX_SUGGESTIONS: usize = 3;

/// The longest input compared with the candidates (bytes): twice the
/// longest registered name, and more than any id a user types.
pub const MAX_COMPARED: usize = 128;

/// The candidates closest to `input`, best first, case-insensitively.
///
/// A candidate qualifies when its normalized edit distance is small, or when
/// one name contains the other (users often drop a prefix such as `TLS_`).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    closest_by(input, candidates.into_iter().map(|c| (c, c)))
}

/// Like [`closest`], for candidates given as `(text to compare, what to
/// suggest)`: a profile's name is compared, its id suggested. Each
/// suggestion appears once, at its best score.
pub fn closest_by<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    // Past a sane length no name is a typo of a known one, and comparing
    // costs the product of the lengths: no suggestion.
    if input.is_empty() || input.len() > MAX_COMPARED {
        return Vec::new();
    }
    let needle = input.to_ascii_uppercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|(text, _)| text.len() <= MAX_COMPARED)
        .filter_map(|(text, suggestion)| {
            let hay = text.to_ascii_uppercase();
            let mut score = strsim::normalized_damerau_levenshtein(&needle, &hay);
            if needle.len() >= 4 && (hay.contains(&needle) || needle.contains(&hay)) {
                score = score.max(0.75);
            }
            (score >= 0.6).then_some((score, suggestion))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, name) in scored {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
        if out.len() == MAX_SUGGESTIONS {
            break;
        }
    }
    out
}

/// How many characters of a value an error message may quote (a name
/// typed or read from a file: the longest suite name fits).
pub const EXCERPT_CHARS: usize = 48;

/// A short excerpt of a name or value, for an error message: at most
/// [`EXCERPT_CHARS`] characters, quoted, every control character (and
/// quote) escaped as Rust's debug form shows it (`\u{1b}`, `\n`), and how
/// long the whole is when it was cut. Errors name the file and the
/// problem; they never echo a file (a private key, `/etc/passwd`) given by
/// mistake. (Here, beside the suggestions, so that the vocabulary modules
/// low in the graph can use it.)
pub fn excerpt(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    let shown: String = head.escape_debug().collect();
    if chars.next().is_none() {
        format!("\"{shown}\"")
    } else {
        format!("\"{shown}…\" ({} characters)", s.chars().count())
    }
}

/// Formats suggestions as a message suffix: `" (did you mean A or B?)"`, or
/// nothing when there are none.
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        [init @ .., last] => format!(" (did you mean {} or {last}?)", init.join(", ")),
    }
}

/// A serde visitor that parses a string with `FromStr` *inside* the visitor.
///
/// Failing inside `visit_str` (rather than after deserializing a `String`)
/// lets the YAML deserializer attach the exact line and column of the scalar
/// to the error.
pub(crate) struct FromStrVisitor<T> {
    what: &'static str,
    _marker: PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    pub(crate) fn new(what: &'static str) -> Self {
        Self {
            what,
            _marker: PhantomData,
        }
    }
}

impl<T> serde::de::Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} name", self.what)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }

    // YAML reads `1.2` or `0x0017` without quotes as numbers; accept them as
    // the text the user wrote.
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_names_first() {
        let names = [
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_NULL",
        ];
        let got = closest("TLS_RSA_WITH_AES_256_CBC_SHA1", names);
        assert_eq!(got[0], "TLS_RSA_WITH_AES_256_CBC_SHA");
        assert!(closest("completely different", names).is_empty());
    }

    #[test]
    fn compares_one_text_and_suggests_another() {
        let candidates = [
            ("dsa-11", "dsa-11"),
            ("dsa-12", "dsa-12"),
            ("Deep Security Agent FIPS mode", "dsa-fips"),
        ];
        assert_eq!(closest_by("fips mode", candidates), ["dsa-fips"]);
        assert_eq!(closest_by("dsa-13", candidates)[..2], ["dsa-11", "dsa-12"]);
        // One suggestion reached twice is listed once.
        let twice = [("dsa-11", "dsa-11"), ("dsa-11.0", "dsa-11")];
        assert_eq!(closest_by("dsa-11.1", twice), ["dsa-11"]);
    }

    #[test]
    fn formats_the_hint() {
        assert_eq!(did_you_mean(&[]), "");
        assert_eq!(did_you_mean(&["a".into()]), " (did you mean a?)");
        assert_eq!(
            did_you_mean(&["a".into(), "b".into(), "c".into()]),
            " (did you mean a, b or c?)"
        );
    }
}
