//! `tlscompat man` and `tlscompat completions`: the page renders with
//! `man -l` and documents every command and option that `--help` lists; the
//! completion scripts pass their shell's syntax check and really complete.
//!
//! The commands and options are read from `--help` (clap's own renderer),
//! not from the generator, so a command missing from the page fails here.
//! Without `man`, zsh or fish on the machine those checks are skipped with a
//! note, unless `CI=true` (set by the CI runner; `.ci/run` installs
//! man-db, zsh and fish), which makes a missing tool a failure.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{bin, tlscompat, tool};

/// What `tlscompat ARGS… --help` lists: subcommand names (without `help`)
/// and long options.
fn help_of(path: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut args = path.to_vec();
    args.push("--help");
    let help = tlscompat(&args).expect_code(0).stdout;
    let mut commands = Vec::new();
    let mut options = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if line.is_empty() || !line.starts_with(' ') {
            in_commands = false;
        }
        if in_commands {
            // "  name   about", continuation lines are indented further.
            if let Some(rest) = line.strip_prefix("  ")
                && !rest.starts_with(' ')
            {
                let name = rest.split_whitespace().next().unwrap();
                if name != "help" {
                    commands.push(name.to_owned());
                }
            }
            continue;
        }
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let t = match t.get(..4) {
            Some(p) if p.starts_with('-') && p.ends_with(", ") => &t[4..],
            _ => t,
        };
        if (2..=6).contains(&indent) && t.starts_with("--") {
            let name: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            options.push(name);
        }
    }
    (commands, options)
}

/// Every command path, depth first: `["profiles"]`, `["profiles", "list"]`, …
fn command_paths() -> Vec<Vec<String>> {
    fn walk(prefix: &[String], out: &mut Vec<Vec<String>>) {
        let args: Vec<&str> = prefix.iter().map(String::as_str).collect();
        let (commands, _) = help_of(&args);
        for c in commands {
            let mut path = prefix.to_vec();
            path.push(c);
            out.push(path.clone());
            walk(&path, out);
        }
    }
    let mut out = Vec::new();
    walk(&[], &mut out);
    out
}

/// `man -l PAGE` as plain text, wide enough that option names are not
/// broken across lines.
fn render(man: &Path, page: &Path) -> String {
    let out = Command::new(man)
        .args(["--warnings=all", "-l"])
        .arg(page)
        .env("MANWIDTH", "200")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l failed: {stderr}");
    assert!(stderr.trim().is_empty(), "man (groff) warned:\n{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The page's sub-sections (`   tlscompat scan` headings) by heading.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let is_heading = !line.starts_with("    ") && line.starts_with("   tlscompat");
        // Sections (.SH) are not indented: they end a sub-section too.
        let is_section = !line.is_empty() && !line.starts_with(' ');
        if is_heading || is_section {
            if let Some((h, b)) = current.take() {
                out.insert(h, b);
            }
        }
        if is_heading {
            current = Some((line.trim().to_owned(), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((h, b)) = current {
        out.insert(h, b);
    }
    out
}

#[test]
fn the_man_page_renders_and_documents_every_command_and_option() {
    let run = tlscompat(&["man"]).expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.contains(".TH TLSCOMPAT 1 "), "no title line");
    let Some(man) = tool("man", "man-db") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("tlscompat.1");
    std::fs::write(&page, &run.stdout).unwrap();
    let text = render(&man, &page);

    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "EXIT STATUS",
    ] {
        assert!(
            text.lines().any(|l| l == heading),
            "no {heading} section:\n{text}"
        );
    }
    assert!(text.contains(&format!("tlscompat {}", env!("CARGO_PKG_VERSION"))));
    let exit = text.split("EXIT STATUS").nth(1).unwrap();
    for code in ["0", "1", "2", "3"] {
        assert!(
            exit.lines().any(|l| l.trim_start().starts_with(code)),
            "exit status {code} missing:\n{exit}"
        );
    }

    let sections = sections(&text);
    let paths = command_paths();
    // The list is real: it holds the commands this test knows exist.
    for known in [
        "scan",
        "profiles list",
        "completions",
        "man",
        "demo",
        "plan",
    ] {
        assert!(
            paths.iter().any(|p| p.join(" ") == known),
            "--help does not list {known}: {paths:?}"
        );
    }
    let (_, global) = help_of(&[]);
    for path in &paths {
        let name = format!("tlscompat {}", path.join(" "));
        let body = sections.get(&name).unwrap_or_else(|| {
            panic!(
                "no section {name:?} in the page; sections: {:?}",
                sections.keys()
            )
        });
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let (_, options) = help_of(&args);
        for option in options
            .iter()
            .filter(|o| !global.contains(o) && *o != "--help" && *o != "--version")
        {
            // Documented: on a line of its own (the option list's tag),
            // not only named in the synopsis.
            let tagged = body.lines().any(|l| {
                let t = l.trim_start();
                let t = t
                    .split_once(", ")
                    .filter(|(s, _)| s.len() == 2)
                    .map_or(t, |(_, r)| r);
                t.starts_with(option.as_str())
            });
            assert!(
                tagged,
                "{name}: {option} is not documented in its section:\n{body}"
            );
        }
    }
    // Global options once, in OPTIONS.
    for option in &global {
        assert!(text.contains(option.as_str()), "{option} missing");
    }
}

/// Runs `script` in `bash --norc` after sourcing the bash completion.
fn bash(completion: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(format!(
            "source '{}' || exit 9\n{script}",
            completion.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What the bash completion offers for the words `line` with the cursor
/// after the last one (an empty last word completes a new word).
fn bash_complete(completion: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
         COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9; \
         _tlscompat tlscompat \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    bash(completion, &script)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_bash_completion_loads_and_completes_commands_options_and_values() {
    let run = tlscompat(&["completions", "bash"]).expect_code(0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tlscompat.bash");
    std::fs::write(&file, &run.stdout).unwrap();

    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let registered = bash(&file, "complete -p tlscompat");
    assert!(
        registered.contains("-F _tlscompat") && registered.trim_end().ends_with(" tlscompat"),
        "{registered}"
    );

    let top = bash_complete(&file, &["tlscompat", ""]);
    let (commands, _) = help_of(&[]);
    for c in &commands {
        assert!(top.contains(c), "{c} not offered: {top:?}");
    }
    let sc = bash_complete(&file, &["tlscompat", "sc"]);
    assert!(
        sc.contains(&"scan".to_owned()) && sc.contains(&"schema".to_owned()),
        "{sc:?}"
    );
    assert!(sc.iter().all(|w| w.starts_with("sc")), "{sc:?}");
    let profiles = bash_complete(&file, &["tlscompat", "profiles", ""]);
    for c in ["list", "show", "validate", "capture"] {
        assert!(profiles.contains(&c.to_owned()), "{profiles:?}");
    }
    let formats = bash_complete(&file, &["tlscompat", "scan", "--format", ""]);
    for f in ["text", "json", "yaml", "junit", "markdown", "jsonl"] {
        assert!(formats.contains(&f.to_owned()), "{formats:?}");
    }
    let shells = bash_complete(&file, &["tlscompat", "completions", ""]);
    let shells: Vec<&str> = shells
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    assert_eq!(shells, ["bash", "zsh", "fish", "powershell"]);
    let options = bash_complete(&file, &["tlscompat", "scan", "--all-s"]);
    assert_eq!(options, ["--all-suites"]);
    // Options are per command: plan has no --all-suites.
    let plan = bash_complete(&file, &["tlscompat", "plan", "--all-s"]);
    assert!(plan.is_empty(), "{plan:?}");
}

#[test]
fn the_zsh_and_fish_completions_pass_their_shells() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(zsh) = tool("zsh", "zsh") {
        let run = tlscompat(&["completions", "zsh"]).expect_code(0);
        assert!(
            run.stdout.starts_with("#compdef tlscompat"),
            "{}",
            run.stdout
        );
        let file = dir.path().join("_tlscompat");
        std::fs::write(&file, &run.stdout).unwrap();
        let out = Command::new(&zsh).arg("-n").arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "zsh -n: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Loaded the way zsh loads it from an fpath directory.
        let out = Command::new(&zsh)
            .args(["-f", "-c"])
            .arg(format!(
                "fpath=('{}' $fpath); autoload -U compinit; compinit -u -d '{}/zcompdump'; \
                 print -r -- ${{_comps[tlscompat]}}",
                dir.path().display(),
                dir.path().display()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "_tlscompat",
            "zsh did not register the completion: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if let Some(fish) = tool("fish", "fish") {
        let run = tlscompat(&["completions", "fish"]).expect_code(0);
        let file = dir.path().join("tlscompat.fish");
        std::fs::write(&file, &run.stdout).unwrap();
        let out = Command::new(&fish)
            .arg("--no-execute")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "fish --no-execute: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // fish answers a completion query itself.
        let out = Command::new(&fish)
            .arg("-c")
            .arg(format!(
                "source '{}'; complete -C'tlscompat sc'; complete -C'tlscompat scan --format js'",
                file.display()
            ))
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let words: Vec<&str> = text
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        for w in ["scan", "schema", "json", "jsonl"] {
            assert!(words.contains(&w), "{w} not offered: {text}");
        }
        assert!(!words.contains(&"junit"), "{text}");
    }
}

#[test]
fn the_powershell_completion_registers_every_command() {
    let run = tlscompat(&["completions", "powershell"]).expect_code(0);
    assert!(
        run.stdout
            .contains("Register-ArgumentCompleter -Native -CommandName 'tlscompat'"),
        "{}",
        run.stdout
    );
    let (commands, _) = help_of(&[]);
    for c in commands {
        assert!(
            run.stdout.contains(&format!("'{c}'")),
            "{c} missing from the PowerShell completion"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let run = tlscompat(&["completions", "tcsh"]).expect_code(2);
    assert!(
        run.stderr.contains("invalid value 'tcsh'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bash, zsh, fish, powershell"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    tlscompat(&["completions"]).expect_code(2);
    tlscompat(&["man", "extra"]).expect_code(2);
}

#[test]
fn a_failing_standard_output_is_an_error_not_a_panic() {
    // /dev/full fails every write (ENOSPC): the script or page is rendered
    // whole, then the write error is reported once, with exit code 2.
    for args in [&["man"][..], &["completions", "bash"][..]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = bin().args(args).stdout(Stdio::from(full)).output().unwrap();
        let run = crate::common::finish(out);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        crate::common::assert_clean_error(&run);
        assert!(
            run.stderr.contains("cannot write to standard output"),
            "{}",
            run.stderr
        );
    }
}
