//! Raw command-line values, validated into what a run needs.
//!
//! Everything that can be wrong with the input is found here, before any work
//! starts: unknown profiles (with suggestions), unreadable or invalid profile
//! files. The result is a `Config` whose parts are ready to use.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{
    Cli, ColorChoice, Command, DataFormat, MatrixArgs, MatrixFormat, ProfilesCommand,
};
use crate::error::Error;
use crate::negotiate::Preference;
use crate::profile::{Catalog, Role};

/// A validated run.
#[derive(Debug)]
pub struct Config {
    /// Shipped profiles plus the user's.
    pub catalog: Catalog,
    /// Whether text output is colored.
    pub color: bool,
    /// What to do.
    pub job: Job,
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
        /// The resolved profile id.
        id: String,
        /// Output format.
        format: DataFormat,
    },
    /// `profiles validate`.
    ProfilesValidate {
        /// Files to check.
        files: Vec<PathBuf>,
    },
    /// `matrix`.
    Matrix(MatrixJob),
}

/// `matrix` with profiles resolved.
#[derive(Debug)]
pub struct MatrixJob {
    /// Client profile ids.
    pub clients: Vec<String>,
    /// Server profile ids.
    pub servers: Vec<String>,
    /// Whose order decides.
    pub preference: Preference,
    /// Output format.
    pub format: MatrixFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

impl Config {
    /// Validates the command line.
    pub fn from_cli(cli: Cli) -> Result<Config, Error> {
        let mut catalog = Catalog::builtin()?;
        for dir in &cli.profiles_dir {
            catalog.add_dir(dir)?;
        }
        let (job, to_file) = match cli.command {
            Command::Profiles(ProfilesCommand::List { format }) => {
                (Job::ProfilesList { format }, false)
            }
            Command::Profiles(ProfilesCommand::Show { id, format }) => (
                Job::ProfilesShow {
                    id: catalog.resolve(&id)?,
                    format,
                },
                false,
            ),
            Command::Profiles(ProfilesCommand::Validate { files }) => {
                (Job::ProfilesValidate { files }, false)
            }
            Command::Matrix(args) => {
                let to_file = args.output.is_some();
                (Job::Matrix(matrix_job(&mut catalog, args)?), to_file)
            }
        };
        Ok(Config {
            catalog,
            color: use_color(cli.color, to_file),
            job,
        })
    }
}

fn matrix_job(catalog: &mut Catalog, args: MatrixArgs) -> Result<MatrixJob, Error> {
    let resolve_all = |catalog: &mut Catalog, args: &[String]| -> Result<Vec<String>, Error> {
        args.iter()
            .map(|a| catalog.resolve(a).map_err(Error::from))
            .collect()
    };
    let mut clients = resolve_all(catalog, &args.clients)?;
    let mut servers = resolve_all(catalog, &args.servers)?;
    let ids = |catalog: &Catalog, role| {
        catalog
            .with_role(role)
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    if clients.is_empty() {
        clients = ids(catalog, Role::Agent);
    }
    if servers.is_empty() {
        servers = ids(catalog, Role::Manager);
        servers.extend(ids(catalog, Role::Relay));
        servers.extend(ids(catalog, Role::Agent));
    }
    clients.dedup();
    servers.dedup();
    Ok(MatrixJob {
        clients,
        servers,
        preference: if args.client_preference {
            Preference::Client
        } else {
            Preference::Server
        },
        format: args.format,
        output: args.output,
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
