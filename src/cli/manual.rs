//! The tool describing itself: shell completion scripts and the manual page,
//! both generated from the clap definitions in `cli`, so they can never
//! disagree with what the parser accepts.
//!
//! The manual is one page, `tlscompat(1)`, with a section per command (the
//! Debian package installs it, and `man tlscompat` should answer every
//! question about flags without a second page to find). clap_mangen renders
//! each piece; this module arranges them: its own section headings are
//! turned into sub-headings under COMMANDS.

use std::io::{self, Write};

use clap::{Command, CommandFactory};
use clap_complete::Generator;
use clap_mangen::Man;

use crate::cli::{Cli, CompletionShell};

/// The name the scripts complete and the page documents.
const BIN: &str = "tlscompat";

/// The clap command, built (bin names, propagated global arguments).
fn command() -> Command {
    let mut cmd = name_subcommands(Cli::command());
    cmd.set_bin_name(BIN);
    cmd.build();
    cmd
}

/// `COMMAND` rather than clap's `subcommands` in synopses.
fn name_subcommands(cmd: Command) -> Command {
    if cmd.has_subcommands() {
        cmd.subcommand_value_name("COMMAND")
            .mut_subcommands(name_subcommands)
    } else {
        cmd
    }
}

/// Writes the completion script for `shell`.
pub fn completions(shell: CompletionShell, w: &mut dyn Write) -> io::Result<()> {
    let cmd = command();
    // Rendered whole first, so a write error (a closed pipe) is an error
    // returned, not a half-written script.
    let mut buf = Vec::new();
    match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash.try_generate(&cmd, &mut buf)?,
        CompletionShell::Zsh => clap_complete::Shell::Zsh.try_generate(&cmd, &mut buf)?,
        CompletionShell::Fish => clap_complete::Shell::Fish.try_generate(&cmd, &mut buf)?,
        CompletionShell::Powershell => {
            clap_complete::Shell::PowerShell.try_generate(&cmd, &mut buf)?
        }
    }
    w.write_all(&buf)
}

/// Writes the manual page, `tlscompat(1)`, in roff.
pub fn man_page(w: &mut dyn Write) -> io::Result<()> {
    w.write_all(render_man_page()?.as_bytes())
}

/// The manual page as roff text.
pub fn render_man_page() -> io::Result<String> {
    let cmd = command();
    let man = Man::new(cmd.clone());
    // clap_mangen starts every rendering with the same preamble (it defines
    // the apostrophe string): keep it once, at the top.
    let body = |text: Vec<u8>| -> String {
        String::from_utf8_lossy(&text)
            .lines()
            .filter(|l| !is_preamble(l))
            .fold(String::new(), |mut acc, l| {
                acc.push_str(l);
                acc.push('\n');
                acc
            })
    };
    let mut page = String::from(PREAMBLE);
    // The title line written here: clap_mangen leaves an empty date
    // argument, which roff drops, shifting the source into the date's place.
    page.push_str(&format!(
        ".TH {} 1 \"\" \"{BIN} {}\" \"User Commands\"\n",
        BIN.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    ));
    let mut part = Vec::new();
    man.render_name_section(&mut part)?;
    man.render_synopsis_section(&mut part)?;
    man.render_description_section(&mut part)?;
    man.render_options_section(&mut part)?;
    page.push_str(&body(part));
    let mut part = Vec::new();
    man.render_subcommands_section(&mut part)?;
    // clap_mangen names each command `tlscompat-scan(1)`, as if each had its
    // own page; here they are sections of this one.
    let list = body(part)
        .replace(".SH SUBCOMMANDS", ".SH COMMANDS")
        .replace(&format!("{BIN}\\-"), &format!("{BIN} "))
        .replace("(1)\n", "\n");
    page.push_str(&list);
    page.push_str(
        ".PP\nEach command is described below, as\n\\fBtlscompat\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR\nprints it.\n",
    );
    page.push_str(".SH \"COMMAND DETAILS\"\n");
    for sub in visible_subcommands(&cmd) {
        command_section(sub, &mut page, &body)?;
    }
    page.push_str(&exit_status_section());
    page.push_str(&see_also_section());
    let mut part = Vec::new();
    man.render_version_section(&mut part)?;
    page.push_str(&body(part));
    Ok(page)
}

/// Subcommands a user sees (not `help`, not hidden ones).
fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// One command's sub-section: its synopsis, description and own options
/// (not the global ones, nor -h and -V, which the OPTIONS section has), then
/// its subcommands the same way.
fn command_section(
    sub: &Command,
    page: &mut String,
    body: &dyn Fn(Vec<u8>) -> String,
) -> io::Result<()> {
    let name = sub.get_bin_name().unwrap_or_else(|| sub.get_name());
    page.push_str(&format!(".SS \"{}\"\n", roff_quoted(name)));
    let own: Vec<String> = sub
        .get_arguments()
        .filter(|a| a.is_global_set() || matches!(a.get_id().as_str(), "help" | "version"))
        .map(|a| a.get_id().to_string())
        .collect();
    let mut trimmed = sub.clone();
    for id in &own {
        trimmed = trimmed.mut_arg(id, |a| a.hide(true));
    }
    let man = Man::new(trimmed.clone());
    let mut part = Vec::new();
    man.render_synopsis_section(&mut part)?;
    page.push_str(&demote(&body(part), None));
    let mut part = Vec::new();
    man.render_description_section(&mut part)?;
    page.push_str(&demote(&body(part), None));
    if trimmed.get_arguments().any(|a| !a.is_hide_set()) {
        let mut part = Vec::new();
        man.render_options_section(&mut part)?;
        page.push_str(&demote(&body(part), Some("Arguments and options:")));
    }
    for child in visible_subcommands(sub) {
        command_section(child, page, body)?;
    }
    Ok(())
}

/// Section headings inside a command's sub-section become paragraphs
/// (`label` in bold when given).
fn demote(text: &str, label: Option<&str>) -> String {
    text.lines().fold(String::new(), |mut acc, line| {
        if line.starts_with(".SH ") {
            acc.push_str(".PP\n");
            if let Some(label) = label {
                acc.push_str(&format!("\\fB{label}\\fR\n"));
            }
        } else {
            acc.push_str(line);
            acc.push('\n');
        }
        acc
    })
}

/// The roff lines every clap_mangen rendering starts with.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// Whether `line` is one of [`PREAMBLE`]'s.
fn is_preamble(line: &str) -> bool {
    line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq")
}

/// Text safe inside a quoted roff macro argument.
fn roff_quoted(s: &str) -> String {
    s.replace('\\', "\\e")
        .replace('"', "\\(dq")
        .replace('-', "\\-")
}

/// EXIT STATUS, from the statuses the binary maps to.
fn exit_status_section() -> String {
    use crate::error::Status;
    let rows = [
        (Status::Ok, "every requirement met, or none asked"),
        (
            Status::Failed,
            "a requirement or policy rule failed on an endpoint that answered",
        ),
        (Status::Invalid, "usage or input-file error"),
        (
            Status::Incomplete,
            "some endpoint could not be scanned and nothing failed",
        ),
    ];
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (status, text) in rows {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{text}\n", status.code()));
    }
    s
}

/// Where the rest of the documentation is.
fn see_also_section() -> String {
    ".SH \"SEE ALSO\"\n\
     The README (installed by the Debian package as\n\
     .IR /usr/share/doc/tlscompat/README.md )\n\
     has an example for every command; the guides and references beside it in\n\
     .I docs/\n\
     describe each use, the JSON report's fields, policies, inventories and\n\
     the shipped profiles;\n\
     .B tlscompat schema\n\
     prints the JSON Schema of each document the tool writes.\n"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_command_has_a_section() {
        let page = render_man_page().unwrap();
        let cmd = command();
        for sub in visible_subcommands(&cmd) {
            let heading = format!(".SS \"tlscompat {}\"", sub.get_name().replace('-', "\\-"));
            assert!(page.contains(&heading), "no {heading}");
        }
        assert_eq!(page.matches(".ie \\n(.g .ds Aq").count(), 1);
        assert!(!page.contains("tlscompat\\-scan(1)"));
    }

    #[test]
    fn completions_name_the_binary() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
            CompletionShell::Powershell,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("tlscompat"), "{shell:?}");
            assert!(text.contains("scan"), "{shell:?}");
        }
    }
}
