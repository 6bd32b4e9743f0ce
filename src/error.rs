//! The one error type the binary reports, and the exit codes.
//!
//! Errors keep their structure (the profile error knows its file, line and
//! column) until `main` prints them, once.

use std::io;
use std::path::PathBuf;

use crate::model::profile::{ProfileError, ResolveError};
use crate::model::target::TargetError;
use crate::serve::ServeError;

/// How a run ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every requirement met, or none asked (exit 0).
    Ok,
    /// A requirement or policy rule failed on an endpoint that answered (exit 1).
    Failed,
    /// An input file was invalid; the details were already printed (exit 2).
    Invalid,
    /// Some endpoint could not be scanned and nothing failed (exit 3).
    Incomplete,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Invalid => 2,
            Status::Incomplete => 3,
        }
    }
}

/// The exit status of a verdict: 1 failed, 3 incomplete, 0 passed.
impl From<crate::results::PolicyStatus> for Status {
    fn from(status: crate::results::PolicyStatus) -> Status {
        use crate::results::PolicyStatus;
        match status {
            PolicyStatus::Passed => Status::Ok,
            PolicyStatus::Failed => Status::Failed,
            PolicyStatus::Incomplete => Status::Incomplete,
        }
    }
}

/// Everything that stops a run before it can produce its report: usage or
/// input errors (exit code 2), and an endpoint `profiles capture` could not
/// scan (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile file is invalid.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A profile argument is neither an id nor a profile file.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A target or listen address that cannot be parsed or resolved.
    #[error(transparent)]
    Target(TargetError),
    /// An inventory file that cannot be used.
    #[error(transparent)]
    Inventory(crate::model::target::InventoryError),
    /// The same endpoint listed twice with different facts.
    #[error("inventory conflict: {0}")]
    Conflict(#[from] crate::inputs::inventory::Conflict),
    /// The emulator cannot start (port in use, bad certificate, a profile
    /// the local OpenSSL cannot serve).
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// A certificate, key or CA file given on the command line.
    #[error(transparent)]
    Certificate(crate::tls::certs::CertError),
    /// A file the run was asked to write.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// A policy file is invalid.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// A saved report that cannot be read, or reports `merge` will not
    /// join.
    #[error(transparent)]
    Saved(#[from] crate::inputs::saved::SavedError),
    /// A command-line value that clap cannot check alone.
    #[error("{0}")]
    Usage(String),
    /// The report file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// `profiles capture` could not capture the endpoint.
    #[error(transparent)]
    Capture(#[from] crate::scan::capture::CaptureError),
    /// A packet capture that cannot be read (`observe`).
    #[error(transparent)]
    Observe(#[from] crate::observe::ObserveError),
    /// The fleet could not be read from the manager's API.
    #[error(transparent)]
    ManagerApi(#[from] crate::inputs::manager_api::ApiError),
    /// Standard output went away or failed.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] io::Error),
}

impl From<crate::inputs::saved::MergeError> for Error {
    fn from(e: crate::inputs::saved::MergeError) -> Error {
        Error::Saved(e.into())
    }
}

impl Error {
    /// The process exit code for this error: 3 when an endpoint could not
    /// be scanned (as for `scan`), 2 for every usage or input error.
    pub fn exit_code(&self) -> u8 {
        use crate::scan::capture::CaptureError as C;
        match self {
            Error::Capture(C::NotScanned { .. } | C::NothingAccepted { .. }) => 3,
            _ => 2,
        }
    }

    /// A closed pipe on stdout (`tlscompat … | head`) is not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}
