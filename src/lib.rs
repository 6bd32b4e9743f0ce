//! tlscompat: which TLS versions and cipher suites do this endpoint and that
//! client version have in common, and what will they actually negotiate?
//!
//! # Layout
//!
//! - `cli` (clap, raw values) → `config` (validated) → `app` (runs a job).
//! - `version`, `suites`, `wire::codes`: the vocabulary (TLS versions, the
//!   IANA cipher-suite registry, open wire newtypes).
//! - `profile`: per-version client/server profiles from YAML, with located
//!   validation errors; shipped ones are compiled in.
//! - `negotiate`, `matrix`: offline negotiation between profiles.
//! - `report`: printers (text, JSON, YAML, Markdown); they only format.
//! - `error`: the error type and exit statuses.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app;
pub mod certs;
pub mod cli;
pub mod config;
pub mod error;
pub mod matrix;
pub mod negotiate;
pub mod profile;
pub mod report;
pub mod serve;
pub mod suggest;
pub mod suites;
pub mod target;
pub mod version;
pub mod wire;
