//! The `tlscompat` binary: parse, run, map the outcome to an exit code, and
//! print an error once.
#![allow(clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use tlscompat::cli::Cli;
use tlscompat::commands::config::Config;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let result = Config::from_cli(cli).and_then(|config| {
        tlscompat::commands::run(config, &mut stdout.lock(), &mut stderr.lock())
    });
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever a file or a server put in the message.
            eprintln!(
                "tlscompat: {}",
                tlscompat::report::escape::terminal(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
