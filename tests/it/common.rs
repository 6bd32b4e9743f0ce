//! Running the binary and reading what it printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test with everything the binary said when the exit code is not `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlscompat"));
    // Text is laid out for 80 columns unless a test says otherwise.
    cmd.env_remove("NO_COLOR").env_remove("COLUMNS");
    cmd
}

/// Runs `tlscompat ARGS…` to completion.
pub fn tlscompat(args: &[&str]) -> Run {
    finish(bin().args(args).output().unwrap())
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `testdata/<rel>`.
pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// No panic message, no backtrace, one line.
#[track_caller]
pub fn assert_clean_error(run: &Run) {
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
    assert!(
        !run.stderr.contains("RUST_BACKTRACE"),
        "backtrace hint:\n{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.trim_end().lines().count(),
        1,
        "one line expected:\n{}",
        run.stderr
    );
}

/// Runs `tlscompat scan --format json ARGS…`; returns (exit code, report).
/// Never a panic, whatever the exit code.
pub fn scan_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let run = tlscompat(&all);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code, run.json())
}

/// A target's verdict for profile `id`.
#[track_caller]
pub fn profile_of<'a>(target: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    target["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profile"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {target:#}"))
}

/// `tool` when it is on PATH; `None` (with a note) when it is not and CI is
/// not set.
pub fn tool(tool: &str, package: &str) -> Option<PathBuf> {
    let found = on_path(tool);
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no {tool} on PATH (Debian package {package})"
        );
        eprintln!("note: {tool} not found; skipping its check");
    }
    found
}

/// The file `name` in a directory of PATH, if any.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
