//! No function over 80 lines without a reason.
//!
//! A function that does not fit a screen usually does several jobs; the
//! reader of a security tool has to see each rule whole. Every function in
//! `src/` (its signature to its closing brace, as `cargo fmt` lays it out)
//! is measured; one over [`MAX_LINES`] fails the test unless it is listed
//! in [`KNOWN`] with the reason it is still long. The list only shrinks:
//! a listed function that now fits fails the test too, so that its entry
//! goes.

use std::path::Path;

use crate::module_graph::rust_files;

/// The longest a function may be, in lines.
const MAX_LINES: usize = 80;

/// Functions still over [`MAX_LINES`], by file and name, with why: none
/// (42 when the gate came). A function may be listed only with a reason
/// a reviewer accepts (many cases side by side that read best whole); the
/// list only shrinks (a listed one that fits fails the test).
const KNOWN: &[(&str, &str, &str)] = &[];

/// Every function with a body in `text`: (name, first line, lines). A
/// function ends at the first later line that is its indentation and `}`.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        // The qualifiers in any order (`pub const async unsafe fn`).
        const QUALIFIERS: [&str; 6] = [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "async ",
            "const ",
            "unsafe ",
        ];
        let mut rest = line.trim_start();
        while let Some(r) = QUALIFIERS.iter().find_map(|q| rest.strip_prefix(q)) {
            rest = r;
        }
        let Some(after) = rest.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue; // a declaration in a trait
        }
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = (i + 1..lines.len()).find(|j| lines[*j].trim_end() == close) {
            found.push((name, i + 1, end - i + 1));
        }
    }
    found
}

#[test]
fn the_measure_sees_functions_and_their_ends() {
    let text = "fn a() {\n    x();\n}\n\nimpl T {\n    pub(crate) const async fn b(\n        y: u8,\n    ) {\n        if y {\n        }\n    }\n}\ntrait U {\n    fn c();\n}\n";
    assert_eq!(
        functions(text),
        [("a".to_string(), 1, 3), ("b".to_string(), 6, 6)]
    );
}

#[test]
fn no_function_is_over_80_lines_without_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut long = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        for (name, line, n) in functions(&text) {
            if n > MAX_LINES {
                long.push((rel.clone(), name, line, n));
            }
        }
    }
    let new: Vec<String> = long
        .iter()
        .filter(|(f, n, _, _)| !KNOWN.iter().any(|(kf, kn, _)| kf == f && kn == n))
        .map(|(f, n, l, len)| format!("{f}:{l}: fn {n} is {len} lines"))
        .collect();
    assert!(
        new.is_empty(),
        "functions over {MAX_LINES} lines (split them, or list them in KNOWN with why):\n{}",
        new.join("\n")
    );
    let fits: Vec<String> = KNOWN
        .iter()
        .filter(|(kf, kn, _)| !long.iter().any(|(f, n, _, _)| f == kf && n == kn))
        .map(|(f, n, _)| format!("{f}: fn {n}"))
        .collect();
    assert!(
        fits.is_empty(),
        "listed as long but now within {MAX_LINES} lines (take them off KNOWN):\n{}",
        fits.join("\n")
    );
}
