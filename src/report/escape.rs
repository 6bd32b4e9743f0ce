//! The one place where text from the network or from a user's file is
//! escaped for the format it is written into.
//!
//! A certificate subject, a SAN, an error message that quotes a server, an
//! inventory label, an agent version string or a target name is data: it
//! must never drive a terminal (ESC sequences: clear screen, window title,
//! OSC 8 links), break a line (CR, LF: a forged `failed:` line or a CI
//! workflow command on a line of its own), or turn into markup (Markdown
//! headings, tables, links and remote images; HTML). Each format has its
//! escape here:
//!
//! - terminal and log lines: [`terminal`] (control characters shown as
//!   visible escapes, `\x1b`, `\r`, `\n`); [`terminal_data`] applies it to
//!   every string of a report before a text printer lays it out, and
//!   [`TerminalWriter`] is the net under every text stream (stdout in text
//!   formats, stderr always): whatever reaches it, no control character
//!   but the line breaks the printers write (and, when color is on, the
//!   color sequences they paint with) passes through.
//! - Markdown: [`markdown`] (inline text and table cells: the characters
//!   that start markup backslash-escaped, control characters visible) and
//!   [`md_code`] (a code span, for names and subjects).
//! - HTML has its own builder (`report::html`), JUnit its XML attribute
//!   escape, JSON and YAML their serializers' string escapes.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::text::push_visible;
pub use crate::base::text::terminal;

/// `value` with every string in it (object keys too) passed through
/// [`terminal`]: what a text printer lays out, so that no field, present or
/// added later, reaches a terminal raw. `None` when the value does not
/// survive the round trip (a type whose strings are parsed: never the
/// report types, see the tests).
pub fn terminal_data<T: Serialize + DeserializeOwned>(value: &T) -> Option<T> {
    let mut json = serde_json::to_value(value).ok()?;
    escape_strings(&mut json);
    serde_json::from_value(json).ok()
}

/// Each item replaced by its [`terminal_data`], in place: no second copy
/// of the list, and one item's tree of values at a time.
pub fn terminal_in_place<T: Serialize + DeserializeOwned>(items: &mut [T]) {
    for item in items {
        if let Some(escaped) = terminal_data(&*item) {
            *item = escaped;
        }
    }
}

/// A scan report escaped for the terminal as [`terminal_data`] does, but
/// in place, target by target and summary row by row (see
/// [`terminal_in_place`]): a large report costs no second copy.
pub fn terminal_scan(mut report: crate::results::ScanReport) -> crate::results::ScanReport {
    terminal_in_place(&mut report.targets);
    terminal_in_place(&mut report.summary.endpoints);
    if let Some(p) = terminal_data(&report.summary.profiles) {
        report.summary.profiles = p;
    }
    if let Some(p) = terminal_data(&report.policy) {
        report.policy = p;
    }
    if let Some(t) = terminal_data(&report.tool) {
        report.tool = t;
    }
    if let Some(r) = report.run.as_ref().and_then(terminal_data) {
        report.run = Some(r);
    }
    report
}

/// A plan escaped for the terminal as [`terminal_data`] does, in place,
/// agent by agent and group by group (see [`terminal_in_place`]): a plan
/// of 100,000 agents took 1 GB escaped whole, 350 MB this way.
pub fn terminal_plan(
    mut plan: crate::offline::plan::PlanReport,
) -> crate::offline::plan::PlanReport {
    // Each agent as it is made: the plan holds none of them.
    plan.agents.map_each(|a| terminal_data(&a).unwrap_or(a));
    terminal_in_place(&mut plan.groups);
    terminal_in_place(&mut plan.steps);
    terminal_in_place(&mut plan.others);
    terminal_in_place(&mut plan.notes);
    terminal_in_place(&mut plan.unlisted_observed);
    if let Some(m) = plan.manager.as_ref().and_then(terminal_data) {
        plan.manager = Some(m);
    }
    if let Some(t) = terminal_data(&plan.to) {
        plan.to = t;
    }
    if let Some(t) = terminal_data(&plan.tool) {
        plan.tool = t;
    }
    if let Some(s) = terminal_data(&plan.source) {
        plan.source = s;
    }
    if let Some(s) = terminal_data(&plan.summary) {
        plan.summary = s;
    }
    plan
}

fn escape_strings(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(e) = terminal(s) {
                *s = e;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_strings),
        Value::Object(map) => {
            if map.keys().any(|k| k.chars().any(char::is_control)) {
                let old = std::mem::take(map);
                for (k, mut item) in old {
                    escape_strings(&mut item);
                    map.insert(terminal(&k).into_owned(), item);
                }
            } else {
                map.values_mut().for_each(escape_strings);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Inline Markdown (a paragraph, a list item or a table cell) that reads
/// as the text it is: control characters visible (so no line break can
/// start a heading, a table row or a list), and every character that could
/// start markup backslash-escaped: emphasis, code, links and images
/// (`[`, `]`, `!`), raw HTML and autolinks (`<`, `>`), entities (`&`),
/// table cells (`|`), headings (`#`), strikethrough (`~`). An underscore
/// inside a word starts nothing and stays, so suite names read as they are.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '!' | '&' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(inside(i.checked_sub(1)) && inside(Some(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            c => push_visible(&mut out, c),
        }
    }
    out
}

/// A Markdown code span holding `s` literally (control characters
/// visible): no markup, link or HTML inside it renders. The fence is one
/// backtick longer than the longest run in `s`; a `|` is written `\|`, which
/// GitHub and GitLab read as `|` inside a table and which keeps the span
/// from ending a cell.
pub fn md_code(s: &str) -> String {
    let visible = terminal(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in visible.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if visible.starts_with('`') || visible.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{visible}{pad}{fence}")
}

/// The net under a text stream: every byte written passes through, except
/// control characters, which come out as visible escapes (`\x1b`, `\r`,
/// `\x00`, the C1 range as `\x9b`). A line feed passes (the printers end
/// their lines with it), and so does a tab. With `color` on, an SGR color
/// sequence (`ESC [ digits ; m`, what the printers paint with) passes too;
/// any other escape sequence (a title, a cursor move, an OSC 8 link) never
/// does.
///
/// It works on bytes, across writes: a sequence split between two writes
/// is judged whole.
pub struct TerminalWriter<'a> {
    inner: &'a mut dyn Write,
    /// Whether color sequences pass; `None`: as the `colored` switch says
    /// when the sequence comes.
    color: Option<bool>,
    /// An escape sequence or a UTF-8 lead byte of the C1 range, not yet
    /// judged.
    pending: Vec<u8>,
}

/// The longest SGR sequence the writer lets through.
const MAX_SGR: usize = 16;

impl<'a> TerminalWriter<'a> {
    /// A writer over `inner`; `color` lets SGR color sequences through.
    pub fn new(inner: &'a mut dyn Write, color: bool) -> TerminalWriter<'a> {
        TerminalWriter {
            inner,
            color: Some(color),
            pending: Vec::new(),
        }
    }

    /// A writer over `inner` that lets color sequences through when the
    /// reports paint (`colored`'s switch, set once in `app`).
    pub fn painting(inner: &'a mut dyn Write) -> TerminalWriter<'a> {
        TerminalWriter {
            inner,
            color: None,
            pending: Vec::new(),
        }
    }

    fn color(&self) -> bool {
        self.color
            .unwrap_or_else(|| colored::control::SHOULD_COLORIZE.should_colorize())
    }

    fn visible(byte: u8, out: &mut Vec<u8>) {
        match byte {
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }

    /// The pending bytes as data (their controls made visible).
    fn release(&mut self, out: &mut Vec<u8>) {
        let pending = std::mem::take(&mut self.pending);
        for b in pending {
            // ESC, then printable ASCII; or a lone 0xC2.
            if b == 0x1b {
                Self::visible(b, out);
            } else {
                out.push(b);
            }
        }
    }

    fn one(b: u8, out: &mut Vec<u8>) {
        if b == b'\n' || b == b'\t' || (b >= 0x20 && b != 0x7f) {
            out.push(b);
        } else {
            Self::visible(b, out);
        }
    }

    fn feed(&mut self, b: u8, out: &mut Vec<u8>) {
        match self.pending.first().copied() {
            Some(0x1b) => {
                if self.pending.len() == 1 {
                    if b == b'[' {
                        self.pending.push(b);
                        return;
                    }
                } else if (b.is_ascii_digit() || b == b';') && self.pending.len() < MAX_SGR {
                    self.pending.push(b);
                    return;
                } else if b == b'm' && self.color() {
                    out.append(&mut self.pending);
                    out.push(b);
                    return;
                }
                self.release(out);
                self.feed(b, out);
            }
            Some(_) => {
                // A 0xC2 lead byte: 0x80..=0x9F after it is a C1 control.
                self.pending.clear();
                if (0x80..=0x9f).contains(&b) {
                    Self::visible(b, out);
                } else {
                    out.push(0xc2);
                    self.feed(b, out);
                }
            }
            None => match b {
                0x1b | 0xc2 => self.pending.push(b),
                b => Self::one(b, out),
            },
        }
    }
}

impl Write for TerminalWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in buf {
            self.feed(b, &mut out);
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut out = Vec::new();
        self.release(&mut out);
        self.inner.write_all(&out)?;
        self.inner.flush()
    }
}

impl Drop for TerminalWriter<'_> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "CN=a\x1b]0;title\x07\x1b[2J\r\nfailed: x\0\u{9b}31m\x1b]8;;http://e.example/\x1b\\link";

    fn through(chunks: &[&[u8]], color: bool) -> String {
        let mut sink = Vec::new();
        {
            let mut w = TerminalWriter::new(&mut sink, color);
            for c in chunks {
                w.write_all(c).unwrap();
            }
            w.flush().unwrap();
        }
        String::from_utf8(sink).unwrap()
    }

    #[test]
    fn terminal_shows_every_control_character() {
        let t = terminal(HOSTILE);
        assert!(!t.chars().any(char::is_control), "{t}");
        assert!(t.contains("\\x1b]0;title\\x07\\x1b[2J\\r\\nfailed: x\\x00\\x9b31m"));
        assert!(matches!(terminal("plain ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn writer_passes_text_and_color_but_no_other_control() {
        let red = "\x1b[31mbad\x1b[0m\n";
        assert_eq!(through(&[red.as_bytes()], true), red);
        assert_eq!(through(&[red.as_bytes()], false), "\\x1b[31mbad\\x1b[0m\n");
        let out = through(&[HOSTILE.as_bytes()], true);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out}");
        // The one line break is the data's LF, kept as a break: the printers
        // escape their data, the writer is the net under them.
        assert!(out.contains("\\x1b]0;title\\x07\\x1b[2J\\r\n"), "{out}");
        assert!(out.contains("x\\x00\\x9b31m\\x1b]8;;"), "{out}");
        // Split anywhere: the same bytes out.
        let bytes = HOSTILE.as_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(through(&[&bytes[..cut], &bytes[cut..]], true), out, "{cut}");
        }
        let bytes = red.as_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(through(&[&bytes[..cut], &bytes[cut..]], true), red, "{cut}");
        }
        // Multibyte text passes whole.
        assert_eq!(through(&["ü é Â".as_bytes()], false), "ü é Â");
        // An unfinished sequence at the end is data.
        assert_eq!(through(&[b"a\x1b[3"], true), "a\\x1b[3");
    }

    #[test]
    fn markdown_escapes_markup_and_keeps_suite_names() {
        let m = markdown("# x\n![i](http://e.example/p.png) <b>|a *b* [l](u) &amp; `c`");
        assert_eq!(
            m,
            "\\# x\\n\\!\\[i\\](http://e.example/p.png) \\<b\\>\\|a \\*b\\* \\[l\\](u) \\&amp; \\`c\\`"
        );
        assert_eq!(
            markdown("TLS_RSA_WITH_AES_128_CBC_SHA _em_"),
            "TLS_RSA_WITH_AES_128_CBC_SHA \\_em\\_"
        );
        assert_eq!(markdown("a\x1b[2Jb\r"), "a\\x1b\\[2Jb\\r");
    }

    #[test]
    fn code_spans_hold_anything() {
        assert_eq!(md_code("CN=x"), "`CN=x`");
        assert_eq!(md_code("a`b``c"), "```a`b``c```");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("a|b\nc"), "`a\\|b\\nc`");
    }

    #[test]
    fn report_data_survives_the_round_trip() {
        let cert = serde_json::json!({"subject": HOSTILE, "issuer": HOSTILE,
            "key_type": "rsa", "key_bits": 2048, "signature_algorithm": "x",
            "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z",
            "expired": false, "self_signed": true, "subject_alt_names": [HOSTILE],
            "chain_length": 1});
        let t: crate::results::TargetReport = serde_json::from_value(serde_json::json!({
            "target": HOSTILE, "host": "dsm", "port": 4120, "address": null,
            "addresses": [], "role": "manager", "sni": null, "status": "ok", "error": null,
            "server": {"versions": ["tls1.2"], "cipher_suites": {"tls1.2": ["TLS_RSA_WITH_AES_128_CBC_SHA"]},
                "server_preference": true, "preference": {}, "client_certificate": "none",
                "certificate": cert, "matches_profiles": [],
                "probed": {"versions": ["tls1.2"], "pairs": 4, "all_suites": false},
                "hello_retry": false},
            "profiles": [], "complete": true, "issues": [], "findings": [],
            "stats": {"probes": 0, "connect_attempts": 0, "connections": 0,
                "bytes_sent": 0, "bytes_received": 0, "elapsed_ms": 0}
        }))
        .unwrap();
        let escaped = terminal_data(&t).expect("a target report round-trips");
        assert_eq!(escaped.target, terminal(HOSTILE));
        let c = escaped.server.unwrap().certificate.unwrap();
        assert_eq!(c.subject, terminal(HOSTILE));
        assert_eq!(c.subject_alt_names, [terminal(HOSTILE)]);
    }
    #[test]
    fn a_plan_escaped_in_place_is_the_plan_escaped_whole() {
        use crate::offline::plan::{PlanInput, PlanSource, build, test_agent};
        let catalog = crate::model::profile::Catalog::builtin().unwrap();
        let mut plan = build(PlanInput {
            to: catalog.get("dsm-strong-12").unwrap(),
            catalog: &catalog,
            source: PlanSource::Offline,
            targets: vec![
                test_agent("a\x1b]0;x\x07", "9.6.2-7723", None, &[HOSTILE]),
                test_agent("b", "20.0.0-877", None, &["ok"]),
            ]
            .into(),
            manager: None,
            observed_manager: None,
            unlisted: vec![],
            manager_saved: false,
        });
        plan.notes.push(HOSTILE.into());
        let whole = serde_json::to_value(terminal_data(&plan).unwrap()).unwrap();
        let in_place = serde_json::to_value(terminal_plan(plan)).unwrap();
        assert_eq!(in_place, whole);
        for a in in_place["agents"].as_array().unwrap() {
            let target = a["target"].as_str().unwrap();
            assert!(!target.chars().any(char::is_control), "{target}");
        }
        assert_eq!(
            in_place["notes"].as_array().unwrap().last().unwrap(),
            &*terminal(HOSTILE)
        );
    }
}
