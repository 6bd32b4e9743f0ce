//! `profiles list` and `profiles show` as tables (their data shapes are in
//! [`crate::report::json`]).

use std::io::{self, Write};

use crate::model::profile::Profile;
use crate::model::suites::CipherSuite;
use crate::model::version::join;
use crate::report::{layout, style};

/// Whether every line of `text` fits `width` columns (color codes do
/// not count).
fn fits(text: &str, width: usize) -> bool {
    text.lines()
        .all(|l| layout::width(&layout::plain(l)) <= width)
}

/// The rows under their headers, unwrapped, as the text reports lay out
/// every table ([`crate::report::layout::Grid`]).
fn grid(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut g = layout::Grid::new(0, headers.to_vec());
    for r in rows {
        g.push(layout::Row::new(
            r.iter().map(|c| layout::Cell::from(c.as_str())).collect(),
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
        for l in layout::wrap(&about, width, "    ", "    ") {
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
        for l in layout::wrap(text, width, &first, &" ".repeat(14)) {
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
        for l in layout::wrap(&rest, width, "      ", "      ") {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}
