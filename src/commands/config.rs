//! Raw command-line values, validated into what a run needs: the view
//! every printer shares (color, width, suite names) and the job, which each
//! command's own `build` makes from its arguments (in its file beside this
//! one).
//!
//! Everything that can be wrong with the input is found before any work
//! starts: unknown profiles (with suggestions), unreadable or invalid profile
//! files. The fleet of `--from-manager` is read then too, from the manager's
//! API: it is an input like `-i`, and a failure to read it is an input
//! error (exit 2).

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, ColorChoice, Command, DataFormat, ProfilesCommand};
use crate::error::Error;
use crate::model::profile::{Catalog, Profile};

use super::check::CheckJob;
use super::diagnose::DiagnoseJob;
use super::matrix::MatrixJob;
use super::observe::ObserveJob;
use super::plan::PlanJob;
use super::profiles::CaptureJob;
use super::scan::ScanJob;
use super::serve::ServeJob;
use super::what_if::WhatIfJob;
use super::{check, diagnose, matrix, observe, plan, profiles, scan, serve, what_if};

/// A validated run.
#[derive(Debug)]
pub struct Config {
    /// Shipped profiles plus the user's.
    pub catalog: Catalog,
    /// Whether text output is colored.
    pub color: bool,
    /// How text and Markdown reports are laid out: width, suite names,
    /// details.
    pub view: crate::report::View,
    /// What to do.
    pub job: Job,
    /// Things worth a line on stderr before the job runs (rows of an
    /// inventory merged, …).
    pub notes: Vec<String>,
}

/// What to do, with its inputs resolved.
#[derive(Debug)]
pub enum Job {
    /// `profiles list`.
    ProfilesList {
        /// Output format.
        format: DataFormat,
    },
    /// `profiles show`.
    ProfilesShow {
        /// The profile.
        profile: Box<Profile>,
        /// Output format.
        format: DataFormat,
    },
    /// `profiles validate`.
    ProfilesValidate {
        /// Files to check.
        files: Vec<PathBuf>,
    },
    /// `diagnose`.
    Diagnose(Box<DiagnoseJob>),
    /// `merge`: `check` that keeps the saved verdicts when no rule is given.
    Merge {
        /// The reports, the rules and the output.
        job: CheckJob,
        /// Whether rules were given (then they are applied again).
        rules: bool,
    },
    /// `matrix`.
    Matrix(MatrixJob),
    /// `serve`.
    Serve(Box<ServeJob>),
    /// `scan`.
    Scan(Box<ScanJob>),
    /// `check`.
    Check(CheckJob),
    /// `what-if`.
    WhatIf(WhatIfJob),
    /// `plan`.
    Plan(Box<PlanJob>),
    /// `schema NAME`.
    Schema {
        /// Which schema.
        name: crate::schema::SchemaName,
    },
    /// `profiles capture`.
    ProfilesCapture(CaptureJob),
    /// `observe`.
    Observe(ObserveJob),
    /// `completions SHELL`.
    Completions {
        /// The shell the script is for.
        shell: crate::cli::CompletionShell,
    },
    /// `man`.
    Man,
    /// `demo`.
    Demo {
        /// The emulated profile whose full report is printed.
        show: String,
    },
}

impl Config {
    /// Validates the command line.
    pub fn from_cli(cli: Cli) -> Result<Config, Error> {
        let mut catalog = Catalog::builtin()?;
        for dir in &cli.profiles_dir {
            catalog.add_dir(dir)?;
        }
        let view = match &cli.command {
            Command::Scan(a) => Some(&a.view),
            Command::Check(a) | Command::Merge(a) => Some(&a.view),
            _ => None,
        };
        let only = crate::results::Fates::of(view.map_or(&[], |v| &v.only));
        let (openssl_names, details) = match (&cli.command, view) {
            (_, Some(v)) => (v.openssl_names, v.details),
            (Command::Matrix(a), _) => (a.openssl_names, false),
            (Command::Demo(a), _) => (a.openssl_names, false),
            // `--only` chose the agents to list: list them all.
            (Command::Plan(a), _) => (false, a.details || !a.only.is_empty()),
            _ => (false, false),
        };
        let mut notes = Vec::new();
        let (job, to_file) = build_job(&mut catalog, cli.command, &mut notes)?;
        Ok(Config {
            catalog,
            color: use_color(cli.color, to_file),
            view: crate::report::View {
                width: text_width(to_file),
                names: if openssl_names {
                    crate::report::SuiteNames::Openssl
                } else {
                    crate::report::SuiteNames::Iana
                },
                details,
                only,
            },
            job,
            notes,
        })
    }
}

/// The job a command asks for, built and validated, and whether its
/// report goes to a file (`-o`).
fn build_job(
    catalog: &mut Catalog,
    command: Command,
    notes: &mut Vec<String>,
) -> Result<(Job, bool), Error> {
    Ok(match command {
        Command::Profiles(ProfilesCommand::List { format }) => {
            (Job::ProfilesList { format }, false)
        }
        Command::Profiles(ProfilesCommand::Show { id, format }) => {
            let id = catalog.resolve(&id)?;
            let profile = Box::new(catalog.built_one(&id)?);
            (Job::ProfilesShow { profile, format }, false)
        }
        Command::Profiles(ProfilesCommand::Validate { files }) => {
            (Job::ProfilesValidate { files }, false)
        }
        Command::Profiles(ProfilesCommand::Capture(args)) => {
            (Job::ProfilesCapture(profiles::build_capture(args)?), false)
        }
        Command::Schema(args) => (Job::Schema { name: args.name }, false),
        Command::Completions(args) => (Job::Completions { shell: args.shell }, false),
        Command::Man => (Job::Man, false),
        Command::Matrix(args) => {
            let to_file = args.output.is_some();
            (Job::Matrix(matrix::build(catalog, args)?), to_file)
        }
        Command::Serve(args) => (Job::Serve(Box::new(serve::build(catalog, args)?)), false),
        Command::Scan(args) => {
            let to_file = args.output.is_some();
            (
                Job::Scan(Box::new(scan::build(catalog, *args, notes)?)),
                to_file,
            )
        }
        Command::Diagnose(args) => {
            let to_file = args.output.is_some();
            (
                Job::Diagnose(Box::new(diagnose::build(catalog, args)?)),
                to_file,
            )
        }
        Command::Check(args) => {
            let to_file = args.output.is_some();
            (Job::Check(check::build(catalog, args)?), to_file)
        }
        Command::Merge(args) => {
            let to_file = args.output.is_some();
            let rules = !args.policy.require.is_empty()
                || args.policy.policy.is_some()
                || !args.policy.forbid_versions.is_empty()
                || !args.policy.forbid_suites.is_empty();
            let job = check::build(catalog, args)?;
            (Job::Merge { job, rules }, to_file)
        }
        Command::Plan(args) => {
            let to_file = args.output.is_some();
            (
                Job::Plan(Box::new(plan::build(catalog, args, notes)?)),
                to_file,
            )
        }
        Command::WhatIf(args) => {
            let to_file = args.output.is_some();
            (Job::WhatIf(what_if::build(args)?), to_file)
        }
        Command::Observe(args) => {
            let to_file = args.output.is_some();
            (Job::Observe(observe::build(catalog, args)?), to_file)
        }
        Command::Demo(args) => (
            Job::Demo {
                show: catalog.resolve(&args.show)?,
            },
            false,
        ),
    })
}

/// `--color auto` colors only a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The width text reports are laid out for: the terminal's when standard
/// output is one (and the report goes there), else `COLUMNS` when it is a
/// number, else 80; never less than 40.
fn text_width(to_file: bool) -> usize {
    use crate::report::layout::{DEFAULT_WIDTH, MIN_WIDTH};
    let terminal = (!to_file && std::io::stdout().is_terminal())
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c > 0)
    };
    terminal
        .or_else(columns)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}
