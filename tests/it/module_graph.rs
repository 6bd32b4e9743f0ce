//! The module graph has no cycles: dependencies point down, at every
//! level.
//!
//! Each file under `src/` is a module (`src/wire/codec.rs` is
//! `wire::codec`, `src/wire/mod.rs` is `wire`). Every path in its code (not
//! in comments, strings or `#[cfg(test)]` modules) that starts at `crate::`,
//! `super::` (`super::super::` too), `self::` or a child module's name is
//! resolved to the deepest module it names, through the `pub use`
//! re-exports of a `mod.rs` (`super::WireError` in `wire/codec.rs` is
//! `wire::error`). A path from module A to module B is an edge between the
//! two siblings under their common parent that hold A and B:
//! `scan::checks::profiles` → `scan::enumerate` is `checks` → `enumerate`
//! inside `scan`, and `wire::codec` → `results` is `wire` → `results` at the
//! top. The test fails on any cycle among siblings, naming the cycle and,
//! for each step, a file and line that makes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An edge `from → to`, with one place that makes it.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// Every `.rs` file under `dir` (the module graph's and the function
/// length's walk).
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A module's path from the crate root: `["wire", "codec"]`.
type ModPath = Vec<String>;

/// The module of a file under `src/`, or `None` for the crate roots and
/// for test-only files (`tests.rs`, `tests/…`).
fn module_of(src: &Path, file: &Path) -> Option<ModPath> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_str().unwrap_or("").trim_end_matches(".rs").to_string())
        .collect();
    if parts.iter().any(|p| p == "tests") {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.first().map(String::as_str) {
        None | Some("lib" | "main") => None,
        _ => Some(parts),
    }
}

fn name_of(m: &[String]) -> String {
    m.join("::")
}

/// The code of `text` with comments and string and char literals blanked
/// (newlines kept, so line numbers hold).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, c: u8| out.push(if c == b'\n' { '\n' } else { ' ' });
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(' ');
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
            // Raw string: r"…" or r#"…"# (any number of #).
            let hashes = rest[1..].iter().take_while(|c| **c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let start = i + 2 + hashes;
            out.push_str(&" ".repeat(2 + hashes));
            i = start;
            while i < b.len() && !b[i..].starts_with(&close) {
                blank(&mut out, b[i]);
                i += 1;
            }
            out.push_str(&" ".repeat(close.len()));
            i += close.len();
        } else if b[i] == b'"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if b[i] == b'\'' && (rest.get(2) == Some(&b'\'') || rest.get(1) == Some(&b'\\')) {
            // A char literal ('x', '\n', '\u{..}'); lifetimes are left alone.
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                if b[i] == b'\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            // Keep multi-byte characters whole.
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// `code` with every `#[cfg(test)]` item (a `mod … { … }` or a `use`)
/// blanked.
fn without_tests(code: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut skipping = false;
    let mut depth = 0i32;
    let mut opened = false;
    for line in code.lines() {
        let t = line.trim();
        if !skipping && t.starts_with("#[cfg(test)]") {
            skipping = true;
            depth = 0;
            opened = false;
            out.push(String::new());
            continue;
        }
        if skipping {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            opened |= line.contains('{');
            let done = (opened && depth <= 0) || (!opened && t.ends_with(';'));
            out.push(String::new());
            if done {
                skipping = false;
            }
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The paths of a use tree or a path expression that starts at `s`
/// (`a::b::{c, d::{e}}` gives `a b c`, `a b d e`); a path ends at the
/// first character that continues neither (`a::f(x)` gives `a f`).
fn use_tree(s: &str) -> Vec<Vec<String>> {
    let s = s.trim_start();
    if let Some(group) = s.strip_prefix('{') {
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(&group[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return items
            .into_iter()
            .filter(|i| !i.trim().is_empty())
            .flat_map(use_tree)
            .collect();
    }
    let name = ident(s);
    if name.is_empty() || name == "self" {
        return vec![Vec::new()];
    }
    let rest = s[name.len()..].trim_start();
    match rest.strip_prefix("::") {
        Some(more) => use_tree(more)
            .into_iter()
            .map(|mut p| {
                p.insert(0, name.to_string());
                p
            })
            .collect(),
        None => vec![vec![name.to_string()]],
    }
}

/// Every path in the code of module `here` that starts at `crate`,
/// `super`, `self` or one of `children`: (line, absolute path from the
/// crate root, use groups expanded, `super` resolved).
fn paths(code: &str, here: &[String], children: &BTreeSet<String>) -> Vec<(usize, Vec<String>)> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            line += 1;
        }
        // A path starts where no identifier, `$` or `::` goes before.
        let starts = i == 0 || {
            let c = b[i - 1];
            !(c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b':')
        };
        let name = ident(&code[i..]);
        let followed = code[i + name.len()..].trim_start().starts_with("::");
        if !starts || name.is_empty() || !followed {
            i += name
                .len()
                .max(code[i..].chars().next().map_or(1, char::len_utf8));
            continue;
        }
        let base: Option<Vec<String>> = match name {
            "crate" | "super" | "self" => Some(here.to_vec()),
            n if children.contains(n) => Some(here.to_vec()),
            _ => None,
        };
        if let Some(mut base) = base {
            let start = match name {
                "crate" => {
                    base.clear();
                    &code[i + name.len()..]
                }
                "self" => &code[i + name.len()..],
                _ => &code[i..],
            };
            let start = start.trim_start().strip_prefix("::").unwrap_or(start);
            for mut p in use_tree(start) {
                let mut abs = base.clone();
                while p.first().is_some_and(|s| s == "super") {
                    p.remove(0);
                    abs.pop();
                }
                abs.extend(p);
                found.push((line, abs));
            }
        }
        i += name.len();
    }
    found
}

/// A module's `pub use` re-exports of its children's items: item name →
/// child (`pub use error::WireError;` in `wire/mod.rs` gives
/// `WireError` → `error`).
fn reexports(code: &str, children: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (at, _) in code.match_indices("use ") {
        let before = code[..at].trim_end();
        if !(before.ends_with("pub") || before.ends_with(')')) {
            continue;
        }
        let tree = code[at + 4..].trim_start();
        let tree = tree.strip_prefix("self::").unwrap_or(tree);
        for p in use_tree(tree) {
            if let (Some(child), Some(item)) = (p.first(), p.last())
                && p.len() > 1
                && children.contains(child)
            {
                map.insert(item.clone(), child.clone());
            }
        }
    }
    map
}

/// The modules and the edges between siblings (named by their paths),
/// each with one place that makes it.
fn graph() -> (BTreeSet<String>, Edges) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let code: Vec<(ModPath, &PathBuf, String)> = files
        .iter()
        .filter_map(|f| {
            let m = module_of(&src, f)?;
            let text = std::fs::read_to_string(f).unwrap();
            Some((m, f, without_tests(&code_only(&text))))
        })
        .collect();
    let known: BTreeSet<ModPath> = code.iter().map(|(m, _, _)| m.clone()).collect();
    let children = |m: &[String]| -> BTreeSet<String> {
        known
            .iter()
            .filter(|k| k.len() == m.len() + 1 && k.starts_with(m))
            .map(|k| k[m.len()].clone())
            .collect()
    };
    let exports: BTreeMap<ModPath, BTreeMap<String, String>> = code
        .iter()
        .map(|(m, _, c)| (m.clone(), reexports(c, &children(m))))
        .collect();
    // The deepest module a path names, through re-exports.
    let resolve = |path: &[String]| -> Option<ModPath> {
        let mut n = (1..=path.len())
            .rev()
            .find(|n| known.contains(&path[..*n]))?;
        let mut target = path[..n].to_vec();
        while let Some(child) = path.get(n).and_then(|item| exports[&target].get(item)) {
            target.push(child.clone());
            n += 1;
        }
        Some(target)
    };
    let mut edges = Edges::new();
    for (from, file, text) in &code {
        for (line, path) in paths(text, from, &children(from)) {
            let Some(to) = resolve(&path) else { continue };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // within one module, or to an ancestor or descendant
            }
            let place = format!("{}:{line}", file.strip_prefix(root).unwrap().display());
            edges
                .entry(name_of(&from[..=common]))
                .or_default()
                .entry(name_of(&to[..=common]))
                .or_insert(place);
        }
    }
    (known.iter().map(|m| name_of(m)).collect(), edges)
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(modules: &BTreeSet<String>, edges: &Edges) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(out) = s.edges.get(v) {
            for w in out.keys() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                scc.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.found.push(scc);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for m in modules {
        if !s.index.contains_key(m.as_str()) {
            visit(&mut s, m);
        }
    }
    s.found
}

/// One concrete cycle inside a component, as `a → b → … → a` with the
/// place of each step.
fn explain(scc: &[String], edges: &Edges) -> String {
    let inside = |m: &str| scc.iter().any(|s| s == m);
    // Walk from the first module, always to a module of the component
    // not yet visited when possible, until one repeats.
    let mut path = vec![scc[0].clone()];
    loop {
        let here = path.last().unwrap();
        let next = edges[here]
            .keys()
            .filter(|m| inside(m))
            .find(|m| !path.contains(m))
            .or_else(|| edges[here].keys().find(|m| inside(m)))
            .unwrap()
            .clone();
        if let Some(start) = path.iter().position(|m| *m == next) {
            let mut cycle = path[start..].to_vec();
            cycle.push(next);
            return cycle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], edges[&w[0]][&w[1]]))
                .collect::<Vec<_>>()
                .join("\n    ");
        }
        path.push(next);
    }
}

#[test]
fn the_checker_sees_paths_and_ignores_comments_strings_and_tests() {
    let text = r#"
use crate::{results::X, report, wire::{a, b}};
use crate::{
    policy::Y,
};
// crate::commented
/* crate::block */
let s = "crate::in_a_string";
let c = '"'; let d = crate::wire::f();
macro_rules! m { () => { $crate::macroed } }
#[cfg(test)]
mod tests {
    use crate::tested;
}
fn after() { crate::after::g() }
"#;
    let none = BTreeSet::new();
    let names: Vec<String> = paths(&without_tests(&code_only(text)), &[], &none)
        .into_iter()
        .map(|(_, p)| p[0].clone())
        .collect();
    assert_eq!(
        names,
        [
            "results", "report", "wire", "wire", "policy", "wire", "after"
        ]
    );
    // Nested: `super` (twice too), `self`, a child's name, groups in
    // groups, and `pub use` re-exports.
    let text = "use super::super::spec::{a, b::{c, d}};\n\
                fn f() { self::kid::g(); kid::h(); super::WireError::new() }\n";
    let here = ["scan", "checks", "profiles"].map(String::from);
    let kids = ["kid".to_string()].into();
    let found: Vec<(usize, String)> = paths(text, &here, &kids)
        .into_iter()
        .map(|(l, p)| (l, p.join("::")))
        .collect();
    assert_eq!(
        found,
        [
            (1, "scan::spec::a"),
            (1, "scan::spec::b::c"),
            (1, "scan::spec::b::d"),
            (2, "scan::checks::profiles::kid::g"),
            (2, "scan::checks::profiles::kid::h"),
            (2, "scan::checks::WireError::new"),
        ]
        .map(|(l, p)| (l, p.to_string()))
    );
    let kids = ["error", "flight"].map(String::from).into();
    let map = reexports(
        "pub use error::WireError;\npub(crate) use self::flight::{FlightReader, Message};\nuse error::Hidden;",
        &kids,
    );
    assert_eq!(
        map.into_iter().collect::<Vec<_>>(),
        [
            ("FlightReader", "flight"),
            ("Message", "flight"),
            ("WireError", "error")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // A cycle is found and explained.
    let mut edges = Edges::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges
            .entry(a.into())
            .or_default()
            .insert(b.into(), format!("src/{a}.rs:1"));
    }
    let modules = ["a", "b", "c", "d"].map(String::from).into();
    let found = cycles(&modules, &edges);
    assert_eq!(found, [["a", "b", "c"].map(String::from)]);
    assert!(explain(&found[0], &edges).contains("c → a (src/c.rs:1)"));
}

#[test]
fn the_module_graph_has_no_cycles() {
    let (modules, edges) = graph();
    if std::env::var_os("TLSCOMPAT_PRINT_GRAPH").is_some() {
        // For review (`-- --nocapture`): each module and what it uses.
        for (from, to) in &edges {
            let to: Vec<&str> = to.keys().map(String::as_str).collect();
            #[allow(clippy::print_stdout, reason = "asked for with the variable")]
            {
                println!("{from} → {}", to.join(", "));
            }
        }
    }
    assert!(modules.len() > 20, "{modules:?}");
    let found = cycles(&modules, &edges);
    let report: Vec<String> = found
        .iter()
        .map(|scc| format!("{}:\n    {}", scc.join(", "), explain(scc, &edges)))
        .collect();
    assert!(
        found.is_empty(),
        "{} cycle(s) among sibling modules (dependencies must point down):\n{}",
        found.len(),
        report.join("\n")
    );
}

/// The rules DESIGN.md names: `base` uses nothing of ours; `wire` knows
/// nothing above it but `base`; the vocabulary (`model`) sits on the wire
/// and the base, and inside it `version` and `suites` on nothing but each
/// other; `results` is data about the model and nothing else; `probe`
/// never imports `serve`; `offline` answers never touch the network
/// (`probe`, `scan`, `serve`).
#[test]
fn the_named_layers_hold() {
    let (_, edges) = graph();
    let out = |m: &str| -> Vec<String> {
        edges
            .get(m)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    };
    let within = |m: &str, allowed: &[&str]| {
        let bad: Vec<String> = out(m)
            .into_iter()
            .filter(|t| !allowed.contains(&t.as_str()))
            .map(|t| format!("{m} → {t} ({})", edges[m][&t]))
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    };
    within("base", &[]);
    within("wire", &["base"]);
    within("model", &["wire", "base"]);
    within("model::version", &[]);
    within("model::suites", &["model::version"]);
    within("results", &["model"]);
    for network in ["probe", "scan", "serve"] {
        assert!(
            !out("offline").contains(&network.to_string()),
            "offline → {network} ({})",
            edges["offline"][network]
        );
    }
    assert!(
        !out("probe").contains(&"serve".to_string()),
        "probe → serve"
    );
    assert!(
        !out("results").contains(&"report".to_string()),
        "results → report"
    );
}
