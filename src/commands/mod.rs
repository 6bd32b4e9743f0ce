//! A run of the tool: the command line validated into a job
//! (`config`), the job run (one file per command: its job, how it is built
//! from the arguments, how it runs), its results handed to a printer in
//! `report`, and the outcome mapped to an exit status. Nothing here parses
//! arguments or formats output.
//!
//! A new command gets its own file here with a `build` (arguments to job,
//! every input error found before work starts) and a `run` (job to
//! status), a `Job` variant in `config`, and a line in `run` below.

pub mod check;
mod common;
pub mod config;
pub mod demo;
pub mod diagnose;
pub mod matrix;
pub mod observe;
pub mod plan;
pub mod profiles;
pub mod scan;
pub mod serve;
pub mod what_if;

use std::io::Write;

use crate::cli::DataFormat;
use crate::error::{Error, Status};
use crate::report;
use common::text;
use config::{Config, Job};

/// Runs the job. `stdout` gets the report, `stderr` diagnostics.
pub fn run(
    config: Config,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    colored::control::set_override(config.color);
    // Whatever reaches stderr (notes, warnings, the reasons, the serve
    // log) goes through the escape net: no control character from a
    // server or a file drives the terminal or the CI log.
    let mut stderr = report::escape::TerminalWriter::painting(stderr);
    let stderr: &mut dyn Write = &mut stderr;
    for n in &config.notes {
        let _ = writeln!(stderr, "note: {}", crate::report::layout::one_line(n));
    }
    let catalog = &config.catalog;
    let view = &config.view;
    match config.job {
        Job::ProfilesList { format } => {
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => text(w, |w| {
                    report::text::profiles::list_text(w, catalog.all(), view.width)
                }),
                DataFormat::Json => {
                    report::json::write_json(w, &report::json::list_data(catalog.all()))
                }
                DataFormat::Yaml => {
                    report::json::write_yaml(w, &report::json::list_data(catalog.all()))
                }
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesShow { profile, format } => {
            let profile = &*profile;
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => text(w, |w| {
                    report::text::profiles::show_text(w, profile, view.width)
                }),
                DataFormat::Json => report::json::write_json(w, &report::json::show_data(profile)),
                DataFormat::Yaml => report::json::write_yaml(w, &report::json::show_data(profile)),
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesValidate { files } => profiles::validate(&files, stdout, stderr),
        Job::Matrix(job) => matrix::run(job, view, stdout),
        Job::Serve(job) => serve::run(*job, stderr),
        Job::Scan(job) => scan::run(catalog, *job, view, stdout, stderr),
        Job::Check(job) => check::run(job, view, stdout, stderr),
        Job::Merge { job, rules } => check::merge(job, rules, view, stdout, stderr),
        Job::WhatIf(job) => what_if::run(catalog, job, view, stdout),
        Job::Plan(job) => plan::run(catalog, *job, view, stdout),
        Job::Demo { show } => demo::run(catalog, &show, view, stdout),
        Job::Diagnose(job) => diagnose::run(catalog, *job, view, stdout),
        Job::Schema { name } => {
            stdout
                .write_all(crate::schema::render(name).as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesCapture(job) => profiles::capture(catalog, job, stdout, stderr),
        Job::Observe(job) => observe::run(catalog, job, view, stdout, stderr),
        Job::Completions { shell } => {
            crate::cli::manual::completions(shell, stdout)
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::Man => {
            crate::cli::manual::man_page(stdout)
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
    }
}
