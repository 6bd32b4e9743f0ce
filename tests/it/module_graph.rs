//! The module graph has no cycles: dependencies point down.
//!
//! Each file under `src/` belongs to a top-level module (`src/scan/…` to
//! `scan`, `src/results.rs` to `results`). Every `crate::NAME` path in its
//! code (not in comments, strings or `#[cfg(test)]` modules) is an edge
//! from that module to `NAME` (so is `super::NAME` in `src/NAME.rs` or
//! `src/NAME/mod.rs`, where `super` is the crate). The
//! test fails on any cycle among top-level modules, naming the cycle and,
//! for each step, a file and line that makes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An edge `from → to`, with one place that makes it.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module of a file under `src/`, or `None` for the crate
/// roots and for test-only files (`tests.rs`, `tests/…`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let parts: Vec<&str> = rel.iter().map(|p| p.to_str().unwrap_or("")).collect();
    if parts.iter().any(|p| *p == "tests.rs" || *p == "tests") {
        return None;
    }
    let first = parts.first()?.trim_end_matches(".rs");
    match first {
        "lib" | "main" => None,
        m => Some(m.to_string()),
    }
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

/// Every `crate::NAME` in `code`: (line, NAME). `use crate::{a, b::{c}}`
/// gives `a` and `b`, across lines too.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().last();
        // `$crate::` and `my_crate::` are not this crate's paths.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let after = &code[at + "crate::".len()..];
        let Some(group) = after.strip_prefix('{') else {
            let name = ident(after);
            if !name.is_empty() {
                found.push((line_of(at), name));
            }
            continue;
        };
        // The first name of each item at the group's own depth.
        let mut depth = 0;
        let mut item_start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => item_start = true,
                c if item_start && !c.is_whitespace() => {
                    item_start = false;
                    let name = ident(&group[i..]);
                    if !name.is_empty() {
                        found.push((line_of(at), name));
                    }
                }
                _ => {}
            }
        }
    }
    found
}

fn graph() -> (BTreeSet<String>, Edges) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut edges = Edges::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let mut code = without_tests(&code_only(&text));
        // In `src/NAME.rs` and `src/NAME/mod.rs`, `super::` is the crate.
        let rel = file.strip_prefix(&src).unwrap();
        if rel.components().count() == 1
            || (rel.ends_with("mod.rs") && rel.components().count() == 2)
        {
            code = code.replace("super::", "crate::");
        }
        for (line, to) in crate_paths(&code) {
            if to == from || !modules.contains(&to) {
                continue;
            }
            let place = format!("{}:{line}", file.strip_prefix(root).unwrap().display());
            edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(place);
        }
    }
    (modules, edges)
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
    let names: Vec<String> = crate_paths(&without_tests(&code_only(text)))
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(
        names,
        ["results", "report", "wire", "policy", "wire", "after"]
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
    assert!(modules.len() > 20, "{modules:?}");
    let found = cycles(&modules, &edges);
    let report: Vec<String> = found
        .iter()
        .map(|scc| format!("{}:\n    {}", scc.join(", "), explain(scc, &edges)))
        .collect();
    assert!(
        found.is_empty(),
        "{} cycle(s) among top-level modules (dependencies must point down):\n{}",
        found.len(),
        report.join("\n")
    );
}

/// The rules DESIGN.md names: `wire` knows nothing above it (only the
/// `suggest` helper), `probe` never imports `serve`, `results` never
/// imports `report`, and the vocabulary (`version`, `suites`) sits on the
/// wire and nothing else of ours.
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
    within("wire", &["suggest"]);
    within("version", &["wire", "suggest"]);
    within("suites", &["version", "wire", "suggest"]);
    assert!(
        !out("probe").contains(&"serve".to_string()),
        "probe → serve"
    );
    assert!(
        !out("results").contains(&"report".to_string()),
        "results → report"
    );
}
