//! The page builder every HTML report shares: a header with a summary, a
//! grid of rows × columns coloured by verdict (or several, one under the
//! other, sharing the controls), and a folded details section
//! per row; filter and sort controls, a print stylesheet and a
//! Content-Security-Policy that allows only the page's own inline style and
//! script (by hash).
//!
//! It exists so that each report (`scan`, `matrix`, `plan`) only maps
//! its model onto [`Page`], [`Grid`], [`Row`], [`Cell`] and [`Section`], and
//! so that escaping is decided in one place: every string these types take
//! is escaped when written, and markup can only be built through
//! [`Markup`], whose tag and attribute names are `&'static str` chosen by
//! the code and whose text and attribute values are always escaped.
//!
//! A new report is a function from its model to a [`Page`]; for example a
//! pre-upgrade plan, one row per agent:
//!
//! ```
//! use tlscompat::report::html::page::{Cell, Facet, Grid, Markup, Page, Row, Section, Stat, Tone};
//!
//! let page = Page {
//!     title: "tlscompat plan".into(),
//!     subtitle: "upgrade the manager to dsm-strong-12".into(),
//!     stats: vec![Stat::new("agents that lose contact", 1, Tone::Bad)],
//!     grid: Grid {
//!         caption: "Agents".into(),
//!         head_columns: vec!["Agent".into(), "Behaves like".into()],
//!         columns: vec!["After the change".into(), "Upgrade to".into()],
//!         rows: vec![Row {
//!             name: "10.0.0.7:4118".into(),
//!             heads: vec![Markup::text("dsa-10.0")],
//!             cells: vec![
//!                 Cell::new(Tone::Bad, "loses contact").detail("no common suite at tls1.2"),
//!                 Cell::new(Tone::Neutral, "dsa-10.0-u16"),
//!             ],
//!             facets: vec![("group", vec!["wave 1".into()])],
//!             sort: vec![],
//!             search: vec![],
//!         }],
//!         facets: vec![Facet::named("group")],
//!         sorts: vec![],
//!     },
//!     sections_heading: "Steps".into(),
//!     sections: vec![Some(Section {
//!         title: "10.0.0.7:4118".into(),
//!         badge: Some((Tone::Bad, "loses contact".into())),
//!         body: Markup::list(
//!             ["upgrade the agent to 10.0 Update 16", "then switch the manager"]
//!                 .map(Markup::text),
//!             "nothing to do",
//!         ),
//!     })],
//!     ..Page::default()
//! };
//! let html = page.render();
//! assert!(html.contains("<span class=\"word\">loses contact</span>"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

/// A fragment of HTML that is safe by construction: its tags and attribute
/// names are literals of this program, and every text and attribute value
/// in it went through [`escape`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// Nothing.
    pub fn new() -> Markup {
        Markup::default()
    }

    /// Text, escaped.
    pub fn text(s: &str) -> Markup {
        Markup(escape(s))
    }

    /// `<tag attrs…>body</tag>`; attribute values are escaped.
    pub fn el(tag: &'static str, attrs: &[(&'static str, &str)], body: Markup) -> Markup {
        let mut m = Markup::open(tag, attrs);
        m.0.push_str(&body.0);
        let _ = write!(m.0, "</{tag}>");
        m
    }

    /// `<tag>text</tag>` with the text escaped.
    pub fn el_text(tag: &'static str, attrs: &[(&'static str, &str)], text: &str) -> Markup {
        Markup::el(tag, attrs, Markup::text(text))
    }

    /// The opening tag alone (for void elements such as `<input>`).
    pub fn open(tag: &'static str, attrs: &[(&'static str, &str)]) -> Markup {
        let mut s = format!("<{tag}");
        for (name, value) in attrs {
            let _ = write!(s, " {name}=\"{}\"", escape(value));
        }
        s.push('>');
        Markup(s)
    }

    /// Appends another fragment.
    pub fn push(&mut self, m: Markup) -> &mut Markup {
        self.0.push_str(&m.0);
        self
    }

    /// Appends escaped text.
    pub fn push_text(&mut self, s: &str) -> &mut Markup {
        self.0.push_str(&escape(s));
        self
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The HTML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fragments one after the other.
    pub fn concat(parts: impl IntoIterator<Item = Markup>) -> Markup {
        let mut m = Markup::new();
        for p in parts {
            m.push(p);
        }
        m
    }

    /// A `<ul>` of items; `empty` (escaped, in a `<p>`) when there are none.
    pub fn list(items: impl IntoIterator<Item = Markup>, empty: &str) -> Markup {
        let items: Vec<Markup> = items.into_iter().collect();
        if items.is_empty() {
            return Markup::el_text("p", &[("class", "none")], empty);
        }
        Markup::el(
            "ul",
            &[],
            Markup::concat(items.into_iter().map(|i| Markup::el("li", &[], i))),
        )
    }

    /// Like [`Markup::list`], but at most `max` items, then one saying how
    /// many more (`more` names where to find them).
    pub fn list_capped(
        items: impl IntoIterator<Item = Markup>,
        max: usize,
        empty: &str,
        more: &str,
    ) -> Markup {
        let mut items: Vec<Markup> = items.into_iter().collect();
        let hidden = items.len().saturating_sub(max);
        if hidden > 0 {
            items.truncate(max);
            items.push(Markup::el_text(
                "span",
                &[("class", "none")],
                &format!("… and {hidden} more: {more}"),
            ));
        }
        Markup::list(items, empty)
    }

    /// A definition list of (term, description) pairs.
    pub fn facts(pairs: impl IntoIterator<Item = (&'static str, Markup)>) -> Markup {
        Markup::el(
            "dl",
            &[],
            Markup::concat(pairs.into_iter().map(|(term, desc)| {
                Markup::concat([
                    Markup::el_text("dt", &[], term),
                    Markup::el("dd", &[], desc),
                ])
            })),
        )
    }

    /// A plain table: a header row, then rows of cells.
    pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<Markup>>) -> Markup {
        let head = Markup::el(
            "thead",
            &[],
            Markup::el(
                "tr",
                &[],
                Markup::concat(header.iter().map(|h| Markup::el_text("th", &[], h))),
            ),
        );
        let body = Markup::el(
            "tbody",
            &[],
            Markup::concat(rows.into_iter().map(|r| {
                Markup::el(
                    "tr",
                    &[],
                    Markup::concat(r.into_iter().map(|c| Markup::el("td", &[], c))),
                )
            })),
        );
        Markup::el("table", &[("class", "plain")], Markup::concat([head, body]))
    }

    /// `text` in a `<code>`, breakable after underscores.
    pub fn code(text: &str) -> Markup {
        Markup::el("code", &[], Markup::breakable(text))
    }

    /// Text, escaped, with a line-break opportunity after each underscore
    /// (long IANA suite names wrap between words, not inside them).
    pub fn breakable(s: &str) -> Markup {
        // `escape` never produces an underscore, so only the text's own are
        // touched.
        Markup(escape(s).replace('_', "_<wbr>"))
    }

    /// `text` in a verdict badge: the tone's colour and the word itself.
    pub fn badge(tone: Tone, text: &str) -> Markup {
        Markup::el_text("span", &[("class", tone.badge_class())], text)
    }
}

/// Escapes `s` for HTML text and for double- or single-quoted attribute
/// values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL is replaced by browsers anyway; say so visibly.
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// What a verdict looks like: each tone has a colour and, in the cell, a
/// word and a sign, so colour is never the only cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    /// Compatible, passed.
    Good,
    /// Nothing to judge (a header, a count).
    Neutral,
    /// Inconclusive, incomplete.
    Unknown,
    /// Incompatible, failed.
    Bad,
    /// Could not be scanned.
    Error,
}

impl Tone {
    fn cell_class(self) -> &'static str {
        match self {
            Tone::Good => "cell good",
            Tone::Neutral => "cell neutral",
            Tone::Unknown => "cell unknown",
            Tone::Bad => "cell bad",
            Tone::Error => "cell error",
        }
    }

    fn badge_class(self) -> &'static str {
        match self {
            Tone::Good => "badge good",
            Tone::Neutral => "badge neutral",
            Tone::Unknown => "badge unknown",
            Tone::Bad => "badge bad",
            Tone::Error => "badge error",
        }
    }

    fn sign(self) -> &'static str {
        match self {
            Tone::Good => "✔",
            Tone::Neutral => "",
            Tone::Unknown => "?",
            Tone::Bad => "✘",
            Tone::Error => "!",
        }
    }

    /// How serious, for sorting: errors and failures first.
    pub fn rank(self) -> u8 {
        match self {
            Tone::Error => 0,
            Tone::Bad => 1,
            Tone::Unknown => 2,
            Tone::Neutral => 3,
            Tone::Good => 4,
        }
    }
}

/// A count in the summary ("incompatible: 3").
#[derive(Debug, Clone)]
pub struct Stat {
    /// What is counted.
    pub label: String,
    /// The value, as shown.
    pub value: String,
    /// Its colour.
    pub tone: Tone,
}

impl Stat {
    /// A stat.
    pub fn new(label: impl Into<String>, value: impl ToString, tone: Tone) -> Stat {
        Stat {
            label: label.into(),
            value: value.to_string(),
            tone,
        }
    }
}

/// One cell of the grid: a verdict word (with its sign and colour), an
/// optional second line (the negotiated suite), an optional tooltip.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Its colour and sign.
    pub tone: Tone,
    /// The verdict word ("compatible").
    pub word: String,
    /// A second, smaller line (the suite, the reason).
    pub detail: Option<String>,
    /// A tooltip.
    pub title: Option<String>,
    /// How many columns it spans.
    pub span: usize,
}

impl Cell {
    /// A one-column cell.
    pub fn new(tone: Tone, word: impl Into<String>) -> Cell {
        Cell {
            tone,
            word: word.into(),
            detail: None,
            title: None,
            span: 1,
        }
    }

    /// With a second line.
    pub fn detail(mut self, detail: impl Into<String>) -> Cell {
        let d = detail.into();
        self.detail = (!d.is_empty()).then_some(d);
        self
    }

    /// With a tooltip.
    pub fn title(mut self, title: impl Into<String>) -> Cell {
        self.title = Some(title.into());
        self
    }

    /// Spanning `n` columns.
    pub fn span(mut self, n: usize) -> Cell {
        self.span = n.max(1);
        self
    }
}

/// What rows can be filtered by: a `<select>` whose options are the values
/// the rows carry.
#[derive(Debug, Clone)]
pub struct Facet {
    /// Its key (`verdict`, `role`, `label`): part of a `data-` attribute.
    pub key: &'static str,
    /// The control's label.
    pub label: &'static str,
}

impl Facet {
    /// A facet whose control is labelled by its key.
    pub const fn named(key: &'static str) -> Facet {
        Facet { key, label: key }
    }
}

/// A sort order the reader can choose.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// Its key: part of a `data-` attribute.
    pub key: &'static str,
    /// The option's label.
    pub label: &'static str,
}

impl SortKey {
    /// A sort order by `key`, offered as `label`.
    pub const fn new(key: &'static str, label: &'static str) -> SortKey {
        SortKey { key, label }
    }
}

/// One row of the grid; its [`Section`] (if any) shares its key.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's name (first column), linked to its section when there is one.
    pub name: String,
    /// Columns after the name and before the cells (role, behaves like).
    pub heads: Vec<Markup>,
    /// The verdict cells.
    pub cells: Vec<Cell>,
    /// Per facet key, the values this row has (a row may have several).
    pub facets: Vec<(&'static str, Vec<String>)>,
    /// Per sort key, the value to sort by (compared as text, numbers
    /// numerically).
    pub sort: Vec<(&'static str, String)>,
    /// Extra text the search box matches (labels, addresses).
    pub search: Vec<String>,
}

/// The grid: rows × columns, filterable and sortable.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// The caption above it.
    pub caption: String,
    /// The headers of the name column and the `heads` columns.
    pub head_columns: Vec<String>,
    /// The headers of the verdict cells.
    pub columns: Vec<String>,
    /// The rows, in their default order.
    pub rows: Vec<Row>,
    /// Filters offered.
    pub facets: Vec<Facet>,
    /// Sort orders offered (besides the default order).
    pub sorts: Vec<SortKey>,
}

/// A folded block of details under the grid, one per row.
#[derive(Debug, Clone)]
pub struct Section {
    /// The summary line (the row's name).
    pub title: String,
    /// A badge after the title.
    pub badge: Option<(Tone, String)>,
    /// The body.
    pub body: Markup,
}

/// A whole report page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// `<title>` and `<h1>`.
    pub title: String,
    /// A line under the title (tool version, what was asked).
    pub subtitle: String,
    /// The counts at the top.
    pub stats: Vec<Stat>,
    /// Blocks under the counts (who loses contact, the policy's reasons).
    pub summary: Vec<(String, Markup)>,
    /// The grid.
    pub grid: Grid,
    /// Further grids under the first, each under its own caption (a
    /// matrix's second direction). They share the first grid's controls:
    /// its facets and sorts filter and sort every grid, so their rows
    /// should carry the same keys. [`Page::sections`] continues across
    /// them: one entry per row of the first grid, then of each further one.
    pub more_grids: Vec<Grid>,
    /// The heading over the sections.
    pub sections_heading: String,
    /// One per row of the grid, in the same order (`None`: no details).
    pub sections: Vec<Option<Section>>,
}

/// What a streamed page makes while it is written.
#[derive(Clone, Copy)]
struct Lazy<'a> {
    /// The first grid's rows, when not in its [`Grid::rows`]: how many,
    /// and row `i`.
    rows: Option<(usize, &'a dyn Fn(usize) -> Row)>,
    /// The details of row `i` (every row has some).
    section: &'a dyn Fn(usize) -> Section,
}

/// The page's style sheet; its hash is in the CSP.
const CSS: &str = include_str!("page.css");
/// The page's script; its hash is in the CSP.
const SCRIPT: &str = include_str!("page.js");

/// `'sha256-…'` of `s`, as a CSP source.
fn csp_hash(s: &str) -> String {
    let digest = openssl::sha::sha256(s.as_bytes());
    format!("'sha256-{}'", openssl::base64::encode_block(&digest))
}

impl Page {
    /// Writes the page: one self-contained HTML document.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        self.write_to(out, None)
    }

    /// Writes the page with its details made one at a time while it is
    /// written, `section(i)` for row `i` of the grids, instead of from
    /// [`Page::sections`]: a fleet's details are most of its page, and
    /// this way only one of them is held at once. Every row gets a
    /// section.
    pub fn write_streaming(
        &self,
        out: &mut dyn Write,
        section: &dyn Fn(usize) -> Section,
    ) -> io::Result<()> {
        let lazy = Lazy {
            rows: None,
            section,
        };
        self.write_to(out, Some(&lazy))
    }

    /// Like [`Page::write_streaming`], and the first grid's rows made one at
    /// a time as well, `row(i)` for `i` below `count`, instead of from its
    /// [`Grid::rows`] (left empty): a fleet's grid is held whole nowhere.
    /// Each row is made twice, once for the filters' values and once to be
    /// written.
    pub fn write_streaming_rows(
        &self,
        out: &mut dyn Write,
        count: usize,
        row: &dyn Fn(usize) -> Row,
        section: &dyn Fn(usize) -> Section,
    ) -> io::Result<()> {
        let lazy = Lazy {
            rows: Some((count, row)),
            section,
        };
        self.write_to(out, Some(&lazy))
    }

    /// The page as one string.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec does not fail, and only valid UTF-8 is written.
        let _ = self.write_to(&mut out, None);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The page, piece by piece: the head, the header, the grids row by
    /// row, then the details one by one, each written as soon as it is
    /// made (the page of a large fleet is never held whole).
    fn write_to(&self, out: &mut dyn Write, lazy: Option<&Lazy>) -> io::Result<()> {
        let mut out = io::BufWriter::new(out);
        let csp = format!(
            "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
            csp_hash(CSS),
            csp_hash(SCRIPT)
        );
        let mut head = Markup::new();
        head.push(Markup::open("meta", &[("charset", "utf-8")]))
            .push(Markup::open(
                "meta",
                &[("http-equiv", "Content-Security-Policy"), ("content", &csp)],
            ))
            .push(Markup::open(
                "meta",
                &[
                    ("name", "viewport"),
                    ("content", "width=device-width, initial-scale=1"),
                ],
            ))
            .push(Markup::el_text("title", &[], &self.title));
        // The style and script are constants of this program (hashed above).
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n{}\n<style>{CSS}</style>\n</head>\n<body>\n",
            head.as_str()
        )?;
        out.write_all(self.header().as_str().as_bytes())?;
        self.write_grids(&mut out, lazy)?;
        self.write_sections(&mut out, lazy)?;
        write!(out, "\n<script>{SCRIPT}</script>\n</body>\n</html>\n")?;
        out.flush()
    }

    fn header(&self) -> Markup {
        let stats = Markup::concat(self.stats.iter().map(|s| {
            Markup::el(
                "div",
                &[("class", tone_stat(s.tone))],
                Markup::concat([
                    Markup::el_text("span", &[("class", "value")], &s.value),
                    Markup::el_text("span", &[("class", "label")], &s.label),
                ]),
            )
        }));
        let blocks = Markup::concat(self.summary.iter().map(|(heading, body)| {
            Markup::el(
                "div",
                &[("class", "block")],
                Markup::concat([Markup::el_text("h3", &[], heading), body.clone()]),
            )
        }));
        Markup::el(
            "header",
            &[],
            Markup::concat([
                Markup::el_text("h1", &[], &self.title),
                Markup::el_text("p", &[("class", "subtitle")], &self.subtitle),
                Markup::el("section", &[("class", "stats"), ("id", "stats")], stats),
                Markup::el("section", &[("class", "summary")], blocks),
            ]),
        )
    }

    /// The first grid, then the further ones.
    fn grids(&self) -> impl Iterator<Item = &Grid> {
        std::iter::once(&self.grid).chain(&self.more_grids)
    }

    /// Every value each facet takes, over every row of every grid (made
    /// rows included), sorted.
    fn facet_values(&self, lazy: Option<&Lazy>) -> BTreeMap<&'static str, BTreeSet<String>> {
        let mut values: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
        let mut add = |r: &Row| {
            for (k, v) in &r.facets {
                values.entry(*k).or_default().extend(v.iter().cloned());
            }
        };
        self.grids().flat_map(|g| &g.rows).for_each(&mut add);
        if let Some((count, row)) = lazy.and_then(|l| l.rows) {
            (0..count).for_each(|i| add(&row(i)));
        }
        values
    }

    fn controls(&self, lazy: Option<&Lazy>) -> Markup {
        let g = &self.grid;
        let mut m = Markup::new();
        let all = self.facet_values(lazy);
        for facet in &g.facets {
            let Some(values) = all.get(facet.key).filter(|v| !v.is_empty()) else {
                continue;
            };
            let mut options = Markup::el_text("option", &[("value", "")], "any");
            for v in values {
                options.push(Markup::el_text("option", &[("value", v)], v));
            }
            m.push(Markup::el(
                "label",
                &[],
                Markup::concat([
                    Markup::text(facet.label),
                    Markup::text(" "),
                    Markup::el("select", &[("data-facet", facet.key)], options),
                ]),
            ));
        }
        m.push(Markup::el(
            "label",
            &[],
            Markup::concat([
                Markup::text("search "),
                Markup::open("input", &[("type", "search"), ("id", "q")]),
            ]),
        ));
        let mut sorts = Markup::el_text("option", &[("value", "")], "as listed");
        for s in &g.sorts {
            sorts.push(Markup::el_text("option", &[("value", s.key)], s.label));
        }
        m.push(Markup::el(
            "label",
            &[],
            Markup::concat([
                Markup::text("sort by "),
                Markup::el("select", &[("id", "sort")], sorts),
            ]),
        ));
        m.push(Markup::el_text(
            "output",
            &[("id", "shown"), ("aria-live", "polite")],
            "",
        ));
        // Hidden until the script shows it: without JS there is nothing
        // that would not work.
        Markup::el(
            "form",
            &[("id", "controls"), ("class", "controls"), ("hidden", "")],
            m,
        )
    }

    /// The grids under one set of controls, row by row; the first grid's
    /// caption heads them all, each further grid has its own `<h2>`.
    fn write_grids(&self, out: &mut dyn Write, lazy: Option<&Lazy>) -> io::Result<()> {
        let every_row_has_details = lazy.is_some();
        out.write_all(b"<main>")?;
        out.write_all(
            Markup::el_text("h2", &[], &self.grid.caption)
                .as_str()
                .as_bytes(),
        )?;
        out.write_all(self.controls(lazy).as_str().as_bytes())?;
        let mut first_row = 0;
        for (n, g) in self.grids().enumerate() {
            let head = Markup::el(
                "tr",
                &[],
                Markup::concat(
                    g.head_columns
                        .iter()
                        .chain(&g.columns)
                        .map(|c| Markup::el_text("th", &[("scope", "col")], c)),
                ),
            );
            let id = if n == 0 {
                "grid".to_string()
            } else {
                out.write_all(Markup::el_text("h2", &[], &g.caption).as_str().as_bytes())?;
                format!("grid-{n}")
            };
            // The table's own tags are literals; the id is a number.
            write!(
                out,
                "<div class=\"scroll\"><table id=\"{}\" class=\"grid\"><thead>{}</thead><tbody>",
                escape(&id),
                head.as_str()
            )?;
            for (i, r) in g.rows.iter().enumerate() {
                let has_section = every_row_has_details
                    || matches!(self.sections.get(first_row + i), Some(Some(_)));
                out.write_all(self.row(first_row + i, r, has_section).as_str().as_bytes())?;
            }
            first_row += g.rows.len();
            // The first grid's made rows, after any it holds.
            if let Some((count, row)) = lazy.and_then(|l| l.rows).filter(|_| n == 0) {
                for i in 0..count {
                    out.write_all(self.row(first_row + i, &row(i), true).as_str().as_bytes())?;
                }
                first_row += count;
            }
            out.write_all(b"</tbody></table></div>")?;
        }
        out.write_all(b"</main>")
    }

    fn row(&self, i: usize, r: &Row, has_section: bool) -> Markup {
        let key = row_key(i);
        let name = if has_section {
            let href = format!("#{key}");
            Markup::el_text("a", &[("href", &href)], &r.name)
        } else {
            Markup::text(&r.name)
        };
        let mut cells = Markup::el("th", &[("scope", "row")], name);
        for h in &r.heads {
            cells.push(Markup::el("td", &[], h.clone()));
        }
        for c in &r.cells {
            cells.push(cell(c));
        }
        let facets: Vec<(String, String)> = r
            .facets
            .iter()
            .map(|(k, v)| (format!("data-f-{k}"), v.join("\n")))
            .collect();
        let sorts: Vec<(String, String)> = r
            .sort
            .iter()
            .map(|(k, v)| (format!("data-s-{k}"), v.clone()))
            .collect();
        let search = std::iter::once(r.name.as_str())
            .chain(r.search.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase();
        // `data-f-*` and `data-s-*` names come from the code's facet and sort
        // keys (static), never from input.
        let mut tr = format!(
            "<tr data-key=\"{}\" data-text=\"{}\"",
            escape(&key),
            escape(&search)
        );
        for (name, value) in facets.iter().chain(&sorts) {
            let _ = write!(tr, " {}=\"{}\"", escape(name), escape(value));
        }
        tr.push('>');
        tr.push_str(cells.as_str());
        tr.push_str("</tr>");
        Markup(tr)
    }

    /// The details, one per row that has some, each written as soon as it
    /// is made: from `lazy` when given, else from [`Page::sections`].
    fn write_sections(&self, out: &mut dyn Write, lazy: Option<&Lazy>) -> io::Result<()> {
        let made = lazy.and_then(|l| l.rows).map_or(0, |(count, _)| count);
        let rows: usize = self.grids().map(|g| g.rows.len()).sum::<usize>() + made;
        let lazy = lazy.map(|l| l.section);
        let mut opened = false;
        let n = if lazy.is_some() {
            rows
        } else {
            self.sections.len()
        };
        for i in 0..n {
            let made;
            let s = match lazy {
                Some(f) => {
                    made = f(i);
                    &made
                }
                None => match &self.sections[i] {
                    Some(s) => s,
                    None => continue,
                },
            };
            if !opened {
                opened = true;
                write!(
                    out,
                    "<section id=\"details\" class=\"details\">{}",
                    Markup::el_text("h2", &[], &self.sections_heading).as_str()
                )?;
            }
            out.write_all(section(i, s).as_str().as_bytes())?;
        }
        if opened {
            out.write_all(b"</section>")?;
        }
        Ok(())
    }
}

/// One row's folded details.
fn section(i: usize, s: &Section) -> Markup {
    let key = row_key(i);
    let mut summary = Markup::el_text("span", &[("class", "name")], &s.title);
    if let Some((tone, word)) = &s.badge {
        summary
            .push(Markup::text(" "))
            .push(Markup::badge(*tone, word));
    }
    Markup::el(
        "details",
        &[("id", &key), ("data-key", &key), ("class", "item")],
        Markup::concat([
            Markup::el("summary", &[], summary),
            Markup::el("div", &[("class", "body")], s.body.clone()),
        ]),
    )
}

fn row_key(i: usize) -> String {
    format!("row-{i}")
}

fn tone_stat(t: Tone) -> &'static str {
    match t {
        Tone::Good => "stat good",
        Tone::Neutral => "stat neutral",
        Tone::Unknown => "stat unknown",
        Tone::Bad => "stat bad",
        Tone::Error => "stat error",
    }
}

fn cell(c: &Cell) -> Markup {
    let span = c.span.to_string();
    let mut attrs: Vec<(&'static str, &str)> = vec![("class", c.tone.cell_class())];
    if c.span > 1 {
        attrs.push(("colspan", &span));
    }
    if let Some(t) = &c.title {
        attrs.push(("title", t));
    }
    let sign = c.tone.sign();
    let mut body = Markup::new();
    if !sign.is_empty() {
        body.push(Markup::el_text(
            "span",
            &[("class", "sign"), ("aria-hidden", "true")],
            sign,
        ));
        body.push(Markup::text(" "));
    }
    body.push(Markup::el_text("span", &[("class", "word")], &c.word));
    if let Some(d) = &c.detail {
        body.push(Markup::el(
            "span",
            &[("class", "detail")],
            Markup::breakable(d),
        ));
    }
    Markup::el("td", &attrs, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attribute_contexts() {
        assert_eq!(
            escape(r#"<a href='x'>"&"</a>"#),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
        );
        let m = Markup::el_text("td", &[("title", "\" onmouseover=\"x")], "<script>");
        assert_eq!(
            m.as_str(),
            "<td title=\"&quot; onmouseover=&quot;x\">&lt;script&gt;</td>"
        );
    }

    #[test]
    fn the_csp_hashes_the_style_and_script_that_are_written() {
        let html = Page::default().render();
        let style = html
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next())
            .unwrap();
        let script = html
            .split("<script>")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .unwrap();
        assert_eq!(style, CSS);
        assert_eq!(script, SCRIPT);
        assert!(html.contains(&escape(&csp_hash(CSS))));
        assert!(html.contains(&escape(&csp_hash(SCRIPT))));
        // One style and one script element, and no way to load anything.
        assert_eq!(html.matches("<script").count(), 1);
        assert_eq!(html.matches("<style").count(), 1);
        assert!(html.contains("default-src &#39;none&#39;"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn without_the_script_the_controls_stay_hidden_and_the_content_is_there() {
        let page = Page {
            grid: Grid {
                caption: "grid".into(),
                head_columns: vec!["Name".into()],
                columns: vec!["p".into()],
                rows: vec![Row {
                    name: "a".into(),
                    heads: vec![],
                    cells: vec![Cell::new(Tone::Good, "compatible").detail("tls1.2 X_Y")],
                    facets: vec![("verdict", vec!["compatible".into()])],
                    sort: vec![],
                    search: vec![],
                }],
                facets: vec![Facet::named("verdict")],
                sorts: vec![],
            },
            sections: vec![Some(Section {
                title: "a".into(),
                badge: None,
                body: Markup::text("details of a"),
            })],
            ..Page::default()
        };
        let html = page.render();
        // Hidden in the markup; only the script shows the controls.
        assert!(html.contains("<form id=\"controls\" class=\"controls\" hidden=\"\">"));
        // The grid and the (folded) details are plain HTML.
        assert!(html.contains("<td class=\"cell good\">"));
        assert!(html.contains("<span class=\"detail\">tls1.2 X_<wbr>Y</span>"));
        assert!(html.contains("<a href=\"#row-0\">a</a>"));
        assert!(html.contains("<details id=\"row-0\" data-key=\"row-0\" class=\"item\">"));
        assert!(html.contains("details of a"));
    }

    #[test]
    fn print_drops_the_controls_and_unfolds_the_details() {
        let print = CSS.split("@media print{").nth(1).unwrap();
        assert!(print.contains(".controls{display:none!important}"));
        assert!(print.contains("details::details-content{display:block"));
        // And for browsers without ::details-content, the script opens them.
        assert!(SCRIPT.contains("\"beforeprint\""));
    }

    #[test]
    fn sha256_source_is_base64_of_the_digest() {
        // echo -n abc | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
    }

    #[test]
    fn further_grids_share_the_controls_and_continue_the_row_keys() {
        let grid = |caption: &str, names: &[&str], verdict: &str| Grid {
            caption: caption.into(),
            head_columns: vec!["Name".into()],
            columns: vec!["p".into()],
            rows: names
                .iter()
                .map(|n| Row {
                    name: (*n).into(),
                    heads: vec![],
                    cells: vec![Cell::new(Tone::Good, verdict)],
                    facets: vec![("verdict", vec![verdict.into()])],
                    sort: vec![],
                    search: vec![],
                })
                .collect(),
            facets: vec![Facet::named("verdict")],
            sorts: vec![],
        };
        let section = |t: &str| {
            Some(Section {
                title: t.into(),
                badge: None,
                body: Markup::new(),
            })
        };
        let page = Page {
            grid: grid("first", &["a", "b"], "compatible"),
            more_grids: vec![grid("second", &["c"], "incompatible")],
            sections: vec![section("a"), section("b"), section("c")],
            ..Page::default()
        };
        let html = page.render();
        assert_eq!(html.matches("<form id=\"controls\"").count(), 1);
        assert!(html.contains("<table id=\"grid\" class=\"grid\">"));
        assert!(html.contains("<h2>second</h2>"));
        assert!(html.contains("<table id=\"grid-1\" class=\"grid\">"));
        // The filter offers the values of every grid.
        assert!(html.contains("<option value=\"compatible\">"));
        assert!(html.contains("<option value=\"incompatible\">"));
        // The second grid's row is row-2, linked to the third section.
        let second = &html[html.find("id=\"grid-1\"").unwrap()..];
        assert!(second.starts_with("id=\"grid-1\""));
        assert!(second.contains("<tr data-key=\"row-2\""));
        assert!(second.contains("<a href=\"#row-2\">c</a>"));
        assert!(html.contains("<details id=\"row-2\" data-key=\"row-2\" class=\"item\">"));
    }
}
