//! Text for `observe`: one line per client, grouped by the profile it
//! behaves like, within the view's width. Names come from the network
//! (SNI) and from the user's inventory: control characters are escaped for
//! the terminal. What could not be read ([`notes`]) is said here for the
//! Markdown printer too.

use std::io::{self, Write};

use crate::observe::{ClientReport, Counts, Negotiated, ObserveReport};
use crate::report::escape::terminal;
use crate::report::layout::wrap;
use crate::report::{View, style};

/// How a client's group is titled: the profiles it behaves like; every
/// client like no profile shares one group.
fn behaviour(c: &ClientReport) -> String {
    if c.behaves_like.is_empty() {
        NO_PROFILE.to_string()
    } else {
        format!("Behaves like {}", c.behaves_like.join(", "))
    }
}

const NO_PROFILE: &str = "Like no profile";

/// At most `max` suites by name, then how many more.
fn some_suites(suites: &[crate::model::suites::CipherSuiteId], max: usize, view: &View) -> String {
    let mut names: Vec<String> = suites.iter().take(max).map(|s| view.suite(*s)).collect();
    if suites.len() > max {
        names.push(format!("and {} more", suites.len() - max));
    }
    names.join(", ")
}

/// A client like no profile: what it offers and how the closest profile
/// differs, in a sentence (suites by name while the lists are short).
fn unlike(c: &ClientReport, view: &View) -> String {
    let mut s = format!(
        "offers {}: {} suite{} ({})",
        c.offer.versions.join(", "),
        c.offer.cipher_suites.len(),
        if c.offer.cipher_suites.len() == 1 {
            ""
        } else {
            "s"
        },
        some_suites(&c.offer.cipher_suites, 4, view)
    );
    if let Some(cl) = &c.closest {
        let mut diffs = Vec::new();
        if let (Some(o), Some(p)) = (&cl.offered_versions, &cl.profile_versions) {
            diffs.push(format!(
                "versions {} instead of {}",
                crate::model::version::join(o),
                crate::model::version::join(p)
            ));
        }
        if !cl.extra_suites.is_empty() {
            diffs.push(format!("also {}", some_suites(&cl.extra_suites, 3, view)));
        }
        if !cl.missing_suites.is_empty() {
            diffs.push(format!("not {}", some_suites(&cl.missing_suites, 3, view)));
        }
        s.push_str(&format!("; closest {}: {}", cl.profile, diffs.join("; ")));
    }
    s.push_str(&format!("; JA4 {}", c.ja4));
    s
}

/// What the server answered, short.
fn answer(n: &Negotiated, view: &View) -> String {
    if n.unseen {
        return "answer not captured".to_string();
    }
    if let Some(alert) = &n.alert {
        return format!("alert {alert}");
    }
    let mut s = format!(
        "{} {}",
        n.version.as_deref().unwrap_or("?"),
        n.cipher_suite.map(|s| view.suite(s)).unwrap_or_default()
    );
    if n.hello_retry {
        s.push_str(" (hello retry)");
    }
    s
}

pub(crate) fn answers(c: &ClientReport, view: &View) -> String {
    c.negotiated
        .iter()
        .map(|n| {
            if c.negotiated.len() > 1 {
                format!("{} ×{}", answer(n, view), n.connections)
            } else {
                answer(n, view)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn who(c: &ClientReport) -> String {
    match &c.host {
        Some(h) => format!("{} ({})", terminal(h), c.client),
        None => c.client.clone(),
    }
}

/// The text report: a summary line, the clients grouped by the profile
/// they behave like (those like none last), then the notes.
pub fn text(out: &mut dyn Write, doc: &ObserveReport, view: &View) -> io::Result<()> {
    summary_text(out, doc, view.width)?;
    // Groups in the order their first client was seen; those like no
    // profile last.
    let mut titles: Vec<String> = Vec::new();
    for c in &doc.clients {
        let t = behaviour(c);
        if !titles.contains(&t) {
            titles.push(t);
        }
    }
    titles.sort_by_key(|t| t == NO_PROFILE);
    for title in &titles {
        writeln!(out)?;
        let members: Vec<&ClientReport> = doc
            .clients
            .iter()
            .filter(|c| &behaviour(c) == title)
            .collect();
        group_text(out, title, &members, view)?;
    }
    notes_text(out, doc, view.width)
}

/// How many hellos from how many clients in which files.
fn summary_text(out: &mut dyn Write, doc: &ObserveReport, width: usize) -> io::Result<()> {
    let connections: u64 = doc.clients.iter().map(|c| c.connections).sum();
    let files = doc
        .captures
        .iter()
        .map(|f| terminal(f))
        .collect::<Vec<_>>()
        .join(", ");
    for line in wrap(
        &format!(
            "{} ClientHello{} from {} client{} in {} ({} packets).",
            connections,
            if connections == 1 { "" } else { "s" },
            distinct_clients(doc),
            if distinct_clients(doc) == 1 { "" } else { "s" },
            files,
            doc.counts.frames
        ),
        width,
        "",
        "  ",
    ) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One group: its heading, then a line per client (and, for a client like
/// no profile, how it differs).
fn group_text(
    out: &mut dyn Write,
    title: &str,
    members: &[&ClientReport],
    view: &View,
) -> io::Result<()> {
    let width = view.width;
    let mut addresses: Vec<&str> = members.iter().map(|c| c.client.as_str()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let head = if addresses.len() == members.len() {
        format!("{title}: {}", count(addresses.len(), "client"))
    } else {
        format!(
            "{title}: {}, {}",
            count(addresses.len(), "client"),
            count(members.len(), "offer")
        )
    };
    for (i, line) in wrap(&view.text(&head), width, "", "    ")
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            let painted = if title == NO_PROFILE {
                style::warn(&line)
            } else {
                style::heading(&line)
            };
            writeln!(out, "{painted}")?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    for c in members {
        // A client with several offers here: the fingerprint tells them apart.
        let twice = !c.behaves_like.is_empty()
            && members
                .iter()
                .filter(|m| m.client == c.client && m.server == c.server)
                .count()
                > 1;
        let line = format!(
            "{} → {}: {}, {}{}",
            who(c),
            c.server,
            count(
                usize::try_from(c.connections).unwrap_or(usize::MAX),
                "connection"
            ),
            answers(c, view),
            if twice {
                format!(" (JA4 {})", c.ja4)
            } else {
                String::new()
            }
        );
        for line in wrap(&line, width, "  ", "      ") {
            writeln!(out, "{line}")?;
        }
        if c.behaves_like.is_empty() {
            for line in wrap(&unlike(c, view), width, "      ", "      ") {
                writeln!(out, "{}", style::dim(&line))?;
            }
        }
    }
    Ok(())
}

/// What to do when no hello was found, and the reading's notes.
fn notes_text(out: &mut dyn Write, doc: &ObserveReport, width: usize) -> io::Result<()> {
    let notes = notes(&doc.counts);
    if doc.clients.is_empty() || !notes.is_empty() {
        writeln!(out)?;
    }
    if doc.clients.is_empty() {
        for line in wrap(
            "No ClientHello found. Capture on the manager while agents send heartbeats \
             (tcpdump -i any -w hb.pcap 'tcp port 4120 or tcp port 4118'), for at least one \
             heartbeat interval.",
            width,
            "",
            "  ",
        ) {
            writeln!(out, "{}", style::warn(&line))?;
        }
    }
    for note in notes {
        for line in wrap(&note, width, "! ", "  ") {
            writeln!(out, "{}", style::warn(&line))?;
        }
    }
    Ok(())
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn distinct_clients(doc: &ObserveReport) -> usize {
    let mut seen: Vec<&str> = doc.clients.iter().map(|c| c.client.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// What could not be read, in words (empty when everything was).
pub fn notes(c: &Counts) -> Vec<String> {
    let mut out = Vec::new();
    let t = &c.tcp;
    if t.truncated > 0 {
        out.push(format!(
            "{} ClientHello(s) cut by the capture's snaplen were not read: capture with \
             `tcpdump -s 0` (the whole packet).",
            t.truncated
        ));
    }
    if t.incomplete > 0 {
        out.push(format!(
            "{} ClientHello(s) were not whole when the connection closed or the capture \
             ended (segments missing from the capture).",
            t.incomplete
        ));
    }
    if t.malformed > 0 {
        out.push(format!(
            "{} connection(s) sent a malformed ClientHello{}.",
            t.malformed,
            t.malformed_example
                .as_deref()
                .map(|e| format!(" (first: {})", terminal(e)))
                .unwrap_or_default()
        ));
    }
    if t.not_tls > 0 {
        out.push(format!("{} connection(s) did not speak TLS.", t.not_tls));
    }
    if t.oversized > 0 {
        out.push(format!(
            "{} ClientHello(s) were larger than the per-connection limit.",
            t.oversized
        ));
    }
    if t.evicted > 0 || t.dropped_for_memory > 0 {
        out.push(format!(
            "{} connection(s) were given up to stay within the memory bounds (too many at \
             once); filter the capture to the heartbeat ports.",
            t.evicted + t.dropped_for_memory
        ));
    }
    if c.groups_dropped > 0 {
        out.push(format!(
            "{} connection(s) were left out: too many distinct client rows (more than \
             100,000, or 64 MB of offers).",
            c.groups_dropped
        ));
    }
    if c.unsupported_link > 0 {
        out.push(format!(
            "{} packet(s) of a link type this tool does not decode were skipped.",
            c.unsupported_link
        ));
    }
    if c.fragments > 0 {
        out.push(format!(
            "{} IP fragment(s) were skipped (not reassembled).",
            c.fragments
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_control_characters() {
        // The one terminal escape (`crate::base::text`), as every text report.
        assert_eq!(terminal("a\x1b[31mb\nc"), "a\\x1b[31mb\\nc");
        assert_eq!(terminal("dsm.example"), "dsm.example");
    }
}
