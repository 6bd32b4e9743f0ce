//! Text that fits a terminal: the width and the suite naming of a view,
//! words wrapped on spaces, and the column grid the text reports lay out
//! with.
//!
//! A text report is laid out for a width (the terminal's, else `COLUMNS`,
//! else 80: decided once, in `config`). No line is wider, except one that
//! holds a single unbreakable token (a word without spaces) longer than the
//! width. A grid puts a row's columns on one line and its notes (a reason, a
//! finding) on indented lines underneath, wrapped; when the width allows,
//! the optional columns and then the notes themselves join the row. Widths
//! are measured on plain text: cells are painted after they are padded, so
//! color never shifts a column, and every painted cell is a word, never
//! color alone.

use unicode_width::UnicodeWidthStr;

use super::style;
use crate::model::suites::{CipherSuiteId, registry};

/// The width when neither the terminal nor `COLUMNS` says.
pub const DEFAULT_WIDTH: usize = 80;

/// The narrowest layout: a smaller `COLUMNS` is raised to this.
pub const MIN_WIDTH: usize = 40;

/// How suites are named in a view: one convention for all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SuiteNames {
    /// IANA names (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), as in JSON.
    #[default]
    Iana,
    /// OpenSSL names (`ECDHE-RSA-AES256-GCM-SHA384`) where OpenSSL has one.
    Openssl,
}

/// How a text or Markdown report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The widest line (text only).
    pub width: usize,
    /// Suite names.
    pub names: SuiteNames,
    /// Every target's full report, even when there are many.
    pub details: bool,
    /// The fleet summary lists only endpoints of these fates (`--only`);
    /// empty: every endpoint.
    pub only: crate::results::Fates,
}

impl View {
    /// Whether the fleet summary lists `t` (`--only`).
    pub fn lists(&self, t: &crate::results::TargetReport) -> bool {
        self.only.lists(t.fate())
    }
}

impl Default for View {
    fn default() -> View {
        View {
            width: DEFAULT_WIDTH,
            names: SuiteNames::Iana,
            details: false,
            only: crate::results::Fates::default(),
        }
    }
}

/// Text for one terminal or log line: see [`super::escape::terminal`].
pub fn one_line(s: &str) -> String {
    super::escape::terminal(s).into_owned()
}

impl View {
    /// A suite's name in this view. A suite OpenSSL does not name keeps its
    /// IANA name; an unregistered id is hex either way.
    pub fn suite(&self, id: CipherSuiteId) -> String {
        match self.names {
            SuiteNames::Iana => id.to_string(),
            SuiteNames::Openssl => id
                .suite()
                .and_then(|s| s.openssl_name)
                .map_or_else(|| id.to_string(), str::to_string),
        }
    }

    /// Free text (a reason, a finding) with every registered IANA suite
    /// name in it spelled the view's way.
    pub fn text(&self, s: &str) -> String {
        if self.names == SuiteNames::Iana {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("TLS_") {
            // Only at the start of a token: `XTLS_…` is not a suite name.
            let before = &rest[..start];
            let starts_token = before.chars().next_back().is_none_or(|c| !is_name_char(c));
            let len = rest[start..]
                .find(|c: char| !is_name_char(c))
                .unwrap_or(rest.len() - start);
            let token = &rest[start..start + len];
            out.push_str(before);
            match registry().lookup(token) {
                Ok(suite) if starts_token && suite.iana_name == token => {
                    out.push_str(&self.suite(suite.id));
                }
                _ => out.push_str(token),
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The display width of plain text.
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `text` wrapped on spaces into lines of at most `max` columns: the first
/// line starts with `first`, the others with `rest` (usually spaces). A
/// word longer than a line stands alone on its line. Runs of spaces and
/// line breaks count as one space.
pub(crate) fn wrap(text: &str, max: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut used = width(first);
    let mut empty = true;
    for word in text.split([' ', '\n']).filter(|w| !w.is_empty()) {
        let w = width(word);
        if !empty && used + 1 + w > max {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            used = width(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += w;
        empty = false;
    }
    lines.push(line.trim_end().to_string());
    lines
}

/// `label text`, wrapped at `indent` with the following lines two columns
/// further in, the label painted.
pub(crate) fn labelled(
    indent: usize,
    label: &str,
    paint: Paint,
    text: &str,
    max: usize,
) -> Vec<String> {
    let first = " ".repeat(indent);
    let rest = " ".repeat(indent + 2);
    let mut lines = wrap(&format!("{label} {text}"), max, &first, &rest);
    if let Some(line) = lines.first_mut() {
        if let Some(tail) = line.strip_prefix(&format!("{first}{label}")) {
            *line = format!("{first}{}{tail}", paint.apply(label));
        }
    }
    lines
}

/// How a cell is colored: each paint goes with a word that says the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Paint {
    /// As is.
    #[default]
    Plain,
    /// Green: compatible, ok, passed.
    Good,
    /// Red: incompatible, error, failed.
    Bad,
    /// Yellow: inconclusive, incomplete.
    Warn,
    /// Bold: headings.
    Heading,
    /// Dimmed: asides.
    Dim,
}

impl Paint {
    /// `s` in this paint (plain when color is off).
    pub(crate) fn apply(self, s: &str) -> String {
        match self {
            Paint::Plain => s.to_string(),
            Paint::Good => style::good(s).to_string(),
            Paint::Bad => style::bad(s).to_string(),
            Paint::Warn => style::warn(s).to_string(),
            Paint::Heading => style::heading(s).to_string(),
            Paint::Dim => style::dim(s).to_string(),
        }
    }
}

/// One cell: plain text and its paint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    text: String,
    paint: Paint,
}

impl Cell {
    /// A painted cell.
    pub(crate) fn new(text: impl Into<String>, paint: Paint) -> Cell {
        Cell {
            text: text.into(),
            paint,
        }
    }

    fn width(&self) -> usize {
        width(&self.text)
    }

    /// The plain text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The paint.
    pub(crate) fn paint(&self) -> Paint {
        self.paint
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::new(text, Paint::Plain)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::new(text, Paint::Plain)
    }
}

/// One row: a cell per column, and notes for the lines underneath.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    cells: Vec<Cell>,
    notes: Vec<Cell>,
    /// Notes shown only when the optional columns are left out (what those
    /// columns would have said, when it matters).
    narrow_notes: Vec<Cell>,
    /// A heading line instead of cells: the rows after it belong to it.
    section: Option<Cell>,
}

impl Row {
    /// A row of these cells.
    pub(crate) fn new(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            ..Row::default()
        }
    }

    /// A heading line (a blank line before it, unless it comes first):
    /// it does not count toward the column widths.
    pub(crate) fn section(heading: impl Into<Cell>) -> Row {
        Row {
            section: Some(heading.into()),
            ..Row::default()
        }
    }

    /// A note underneath (or, when it fits, at the end of the row).
    pub(crate) fn note(mut self, note: impl Into<Cell>) -> Row {
        self.notes.push(note.into());
        self
    }

    /// A note shown only when the optional columns are left out.
    pub(crate) fn narrow_note(mut self, note: impl Into<Cell>) -> Row {
        self.narrow_notes.push(note.into());
        self
    }
}

/// Columns of rows, laid out for a width.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    indent: usize,
    headers: Vec<String>,
    /// Per column: left out when the row would not fit.
    optional: Vec<bool>,
    /// The header of the notes when they join the rows.
    notes_header: &'static str,
    header: bool,
    rows: Vec<Row>,
}

/// One way to lay the grid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Every column, and the notes as the last one.
    Inline,
    /// Every column; notes underneath.
    Under,
    /// Required columns only; notes (and narrow notes) underneath.
    Narrow,
}

impl Grid {
    /// A grid with a header row, its rows `indent` columns in.
    pub(crate) fn new<S: Into<String>>(indent: usize, headers: Vec<S>) -> Grid {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let optional = vec![false; headers.len()];
        Grid {
            indent,
            headers,
            optional,
            notes_header: "Notes",
            header: true,
            rows: Vec::new(),
        }
    }

    /// Marks column `i` optional: shown only when the rows fit with it.
    pub(crate) fn optional(mut self, i: usize) -> Grid {
        if let Some(o) = self.optional.get_mut(i) {
            *o = true;
        }
        self
    }

    /// The header of the notes column, when notes join the rows.
    pub(crate) fn notes_header(mut self, header: &'static str) -> Grid {
        self.notes_header = header;
        self
    }

    /// No header row (the cells say what they are).
    pub(crate) fn without_header(mut self) -> Grid {
        self.header = false;
        self
    }

    /// Adds a row.
    pub(crate) fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The lines, painted, for `max` columns: the widest layout whose rows
    /// fit, else the narrow one with long cells wrapped.
    pub(crate) fn render(&self, max: usize) -> Vec<String> {
        let has_notes = self.rows.iter().any(|r| !r.notes.is_empty());
        let has_optional = self.optional.iter().any(|o| *o);
        let mut layouts = Vec::new();
        if has_notes {
            layouts.push(Layout::Inline);
        }
        layouts.push(Layout::Under);
        if has_optional {
            layouts.push(Layout::Narrow);
        }
        for layout in &layouts {
            let table = self.table(*layout);
            if table.widest() <= max {
                return self.lines(&table, *layout, max);
            }
        }
        let last = layouts.last().copied().unwrap_or(Layout::Narrow);
        self.lines(&self.table(last), last, max)
    }

    /// The header and rows' cells in `layout`, with column widths.
    fn table(&self, layout: Layout) -> Table {
        let keep: Vec<usize> = (0..self.headers.len())
            .filter(|i| layout != Layout::Narrow || !self.optional[*i])
            .collect();
        let pick = |cells: &[Cell], notes: &[Cell]| -> Vec<Cell> {
            let mut out: Vec<Cell> = keep
                .iter()
                .map(|i| cells.get(*i).cloned().unwrap_or_default())
                .collect();
            if layout == Layout::Inline {
                let joined: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
                let paint = notes.first().map_or(Paint::Plain, |n| n.paint);
                out.push(Cell::new(joined.join("; "), paint));
            }
            out
        };
        let mut header: Vec<Cell> = keep
            .iter()
            .map(|i| Cell::new(self.headers[*i].clone(), Paint::Heading))
            .collect();
        if layout == Layout::Inline {
            header.push(Cell::new(self.notes_header, Paint::Heading));
        }
        let mut rows = vec![if self.header { header } else { Vec::new() }];
        rows.extend(self.rows.iter().map(|r| match r.section {
            Some(_) => Vec::new(),
            None => pick(&r.cells, &r.notes),
        }));
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths = (0..columns)
            .map(|j| {
                rows.iter()
                    .filter_map(|r| r.get(j))
                    .map(Cell::width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        Table {
            indent: self.indent,
            rows,
            widths,
        }
    }

    fn lines(&self, table: &Table, layout: Layout, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (i, cells) in table.rows.iter().enumerate() {
            // Row 0 is the header.
            let Some(row) = i.checked_sub(1).and_then(|i| self.rows.get(i)) else {
                if self.header && !cells.is_empty() {
                    out.extend(table.row_lines(cells, max));
                }
                continue;
            };
            if let Some(heading) = &row.section {
                if !out.is_empty() {
                    out.push(String::new());
                }
                for line in wrap(&heading.text, max, "", "  ") {
                    out.push(heading.paint.apply(&line));
                }
                continue;
            }
            out.extend(table.row_lines(cells, max));
            let mut notes: Vec<&Cell> = Vec::new();
            if layout != Layout::Inline {
                notes.extend(&row.notes);
            }
            if layout == Layout::Narrow {
                notes.extend(&row.narrow_notes);
            }
            let indent = " ".repeat(self.indent + 2);
            for note in notes {
                for line in wrap(&note.text, max, &indent, &indent) {
                    out.push(paint_after(&line, self.indent + 2, note.paint));
                }
            }
        }
        out
    }
}

/// `line` with everything after its first `indent` columns painted.
fn paint_after(line: &str, indent: usize, paint: Paint) -> String {
    match line.get(indent..) {
        Some(text) if paint != Paint::Plain && !text.is_empty() => {
            format!("{}{}", &line[..indent], paint.apply(text))
        }
        _ => line.to_string(),
    }
}

/// Cells with their column widths.
struct Table {
    indent: usize,
    rows: Vec<Vec<Cell>>,
    widths: Vec<usize>,
}

impl Table {
    /// The widest row line, unwrapped.
    fn widest(&self) -> usize {
        self.rows
            .iter()
            .map(|r| self.segments(r).iter().map(|(s, _)| width(s)).sum())
            .max()
            .unwrap_or(0)
    }

    /// A row's plain segments, padded, up to its last non-empty cell.
    fn segments(&self, cells: &[Cell]) -> Vec<(String, Paint)> {
        let last = cells.iter().rposition(|c| !c.text.is_empty());
        let mut out = vec![(" ".repeat(self.indent), Paint::Plain)];
        let Some(last) = last else {
            return out;
        };
        for (j, c) in cells.iter().enumerate().take(last + 1) {
            out.push((c.text.clone(), c.paint));
            if j < last {
                let pad = self.widths[j].saturating_sub(c.width()) + 2;
                out.push((" ".repeat(pad), Paint::Plain));
            }
        }
        out
    }

    /// One row's lines within `max`: on one line when it fits; else its last
    /// cell wrapped under itself, or on the next lines when that leaves too
    /// little room; else (columns wider than the line) the first cell, then
    /// the others wrapped underneath.
    fn row_lines(&self, cells: &[Cell], max: usize) -> Vec<String> {
        let segments = self.segments(cells);
        let painted =
            |segs: &[(String, Paint)]| -> String { segs.iter().map(|(s, p)| p.apply(s)).collect() };
        let plain_width: usize = segments.iter().map(|(s, _)| width(s)).sum();
        if plain_width <= max || segments.len() <= 2 {
            return vec![painted(&segments)];
        }
        // The last cell and what comes before it.
        let (last, before) = segments.split_last().unwrap_or((&segments[0], &[]));
        let offset: usize = before.iter().map(|(s, _)| width(s)).sum();
        let mut out = Vec::new();
        let longest = last.0.split(' ').map(width).max().unwrap_or(0);
        if offset + longest.max(MIN_CELL) <= max {
            let lead = painted(before);
            let pieces = wrap(&last.0, max - offset, "", "");
            for (k, piece) in pieces.iter().enumerate() {
                let prefix = if k == 0 {
                    lead.clone()
                } else {
                    " ".repeat(offset)
                };
                out.push(format!("{prefix}{}", last.1.apply(piece)));
            }
            return out;
        }
        let before_width = offset - before.last().map_or(0, |(s, _)| width(s));
        if before_width <= max {
            // The fixed columns leave too little room for the last one: it
            // goes under the row.
            out.push(painted(before).trim_end().to_string());
            let indent = " ".repeat(self.indent + 4);
            for line in wrap(&last.0, max, &indent, &indent) {
                out.push(paint_after(&line, self.indent + 4, last.1));
            }
            return out;
        }
        let rest: Vec<&str> = cells
            .iter()
            .skip(1)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        out.push(painted(&segments[..2]));
        let indent = " ".repeat(self.indent + 4);
        out.extend(wrap(&rest.join("; "), max, &indent, &indent));
        out
    }
}

/// A cell narrower than this is not worth wrapping beside the others.
const MIN_CELL: usize = 16;

/// Data in a Markdown table cell (or inline text): see
/// [`super::escape::markdown`].
pub(crate) fn md_cell(s: &str) -> String {
    super::escape::markdown(s)
}

/// A Markdown table (GitHub and GitLab): a header, the separator, and one
/// line per row, every row as many cells as the header. The cells are
/// Markdown as given: data goes through [`md_cell`] (or
/// [`super::escape::md_code`]) first.
pub(crate) fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(headers.iter().map(|h| md_cell(h)).collect());
    out.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
    for row in rows {
        let cells = (0..headers.len())
            .map(|i| row.get(i).cloned().unwrap_or_default())
            .collect();
        out.push_str(&line(cells));
    }
    out
}

/// `line` without color codes (CSI sequences: ESC `[` parameters, a final
/// letter), to measure it.
pub fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[String]) -> Vec<String> {
        lines.to_vec()
    }

    #[test]
    fn wrap_keeps_within_the_width_and_long_words_whole() {
        let text = "no common version: client tls1.0, server tls1.2 (the server answered protocol_version)";
        for max in [20, 40, 80] {
            let lines = wrap(text, max, "    ", "    ");
            for l in &lines {
                // Only a word longer than the line may overflow it.
                assert!(width(l) <= max || !l.trim().contains(' '), "{max}: {l:?}");
            }
            assert_eq!(
                lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "),
                text
            );
        }
        let long = "a TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 b";
        let lines = wrap(long, 20, "", "");
        assert_eq!(
            lines,
            ["a", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "b"]
        );
    }

    #[test]
    fn openssl_names_replace_iana_names_in_free_text() {
        let view = View {
            names: SuiteNames::Openssl,
            ..View::default()
        };
        assert_eq!(
            view.text("the server chose TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 at tls1.2"),
            "the server chose ECDHE-RSA-AES256-GCM-SHA384 at tls1.2"
        );
        assert_eq!(
            view.text("(TLS_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA)"),
            "(AES256-SHA, AES128-SHA)"
        );
        // Not a suite, or not at a token's start: untouched.
        assert_eq!(
            view.text("TLS_NOT_A_SUITE XTLS_RSA_WITH_AES_256_CBC_SHA"),
            "TLS_NOT_A_SUITE XTLS_RSA_WITH_AES_256_CBC_SHA"
        );
        assert_eq!(
            View::default().text("TLS_RSA_WITH_AES_256_CBC_SHA"),
            "TLS_RSA_WITH_AES_256_CBC_SHA"
        );
    }

    fn grid() -> Grid {
        let mut g = Grid::new(
            2,
            vec!["Profile", "Result", "Version", "Cipher suite", "Confirmed"],
        )
        .optional(4)
        .notes_header("Reason");
        g.push(Row::new(vec![
            "dsa-9.6".into(),
            Cell::new("incompatible", Paint::Bad),
        ])
        .note("no common version: client tls1.0, server tls1.2 (the server answered protocol_version)"));
        g.push(
            Row::new(vec![
                "dsa-11".into(),
                Cell::new("compatible", Paint::Good),
                "tls1.2".into(),
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
                "first flight only".into(),
            ])
            .narrow_note("not confirmed by a handshake"),
        );
        g
    }

    #[test]
    fn grid_fits_the_width_and_widens_with_it() {
        colored::control::set_override(false);
        let narrow = plain(&grid().render(80));
        for l in &narrow {
            assert!(width(l) <= 80, "{l:?}");
            assert_eq!(l.trim_end(), l, "trailing spaces");
        }
        assert_eq!(narrow[0], "  Profile  Result        Version  Cipher suite");
        assert!(
            narrow[1].starts_with("  dsa-9.6  incompatible"),
            "{narrow:#?}"
        );
        assert!(
            narrow[2].starts_with("    no common version"),
            "{narrow:#?}"
        );
        assert!(
            narrow
                .iter()
                .any(|l| l == "    not confirmed by a handshake")
        );
        // Wider: the optional column joins; wider still, the notes.
        let wide = grid().render(100);
        assert!(wide[0].ends_with("Confirmed"), "{wide:#?}");
        assert!(
            !wide.iter().any(|l| l.contains("not confirmed")),
            "{wide:#?}"
        );
        let widest = grid().render(200);
        assert_eq!(widest.len(), 3, "{widest:#?}");
        assert!(widest[1].ends_with("(the server answered protocol_version)"));
        // Narrower than the fixed columns: still within the width.
        for max in [40, 50, 60] {
            for l in grid().render(max) {
                assert!(width(&l) <= max || !l.trim().contains(' '), "{max}: {l:?}");
            }
        }
    }

    #[test]
    fn long_cells_wrap_under_their_row() {
        colored::control::set_override(false);
        let mut g = Grid::new(0, vec!["Target", "Role", "Status", "Behaves like"]);
        let host = "dsm-primary.datacenter-frankfurt.corp.example.com:4120";
        g.push(Row::new(vec![
            host.into(),
            "manager".into(),
            Cell::new("ok", Paint::Good),
            "dsa-11, dsm-strong-12, dsm-strong-10-11".into(),
        ]));
        g.push(
            Row::new(vec!["10.0.0.7:4118".into(), "agent".into(), "error".into()]).note(Cell::new(
                "refused: connection to 10.0.0.7:4118 refused",
                Paint::Bad,
            )),
        );
        for max in [40, 60, 80] {
            let lines = g.render(max);
            for l in &lines {
                assert!(width(l) <= max || !l.trim().contains(' '), "{max}: {l:?}");
            }
            let all = lines.join(" ");
            for word in ["dsm-strong-10-11", "refused:", "manager", host] {
                assert!(all.contains(word), "{max}: {word} lost: {lines:#?}");
            }
        }
        // Wide enough: a line per row, the note beside it.
        let wide = g.render(200);
        assert_eq!(wide.len(), 3, "{wide:#?}");
        assert!(wide[2].ends_with("refused: connection to 10.0.0.7:4118 refused"));
    }

    #[test]
    fn markdown_tables_escape_pipes_and_keep_their_shape() {
        let t = md_table(
            &["A", "B"],
            &[
                vec![md_cell("x | y"), md_cell("<b>")],
                vec![md_cell("only one")],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "| A | B |");
        assert_eq!(lines[1], "|---|---|");
        assert_eq!(lines[2], "| x \\| y | \\<b\\> |");
        assert_eq!(lines[3], "| only one |  |");
    }
}
