//! tlscompat: which TLS versions and cipher suites do this endpoint and that
//! client version have in common, and what will they actually negotiate?
//!
//! # Layout
//!
//! - `cli` (clap, raw values) → `config` (validated, components built) →
//!   `app` (runs a job, hands results to a printer, maps to an exit status).
//! - Vocabulary: `version`, `suites` (the IANA registry with OpenSSL names),
//!   `wire::codes` (open newtypes), `target` (host:port and roles).
//! - `profile`: per-version client/server profiles from YAML, with located
//!   validation errors; the shipped ones are compiled in.
//! - Inputs: `input` (bounded reading), `inventory` (the fleet from files),
//!   `manager_api` (the fleet from the manager's REST API, `--from-manager`).
//! - `negotiate`, `matrix`: offline negotiation between profiles;
//!   `directions`: which legs (agent → manager:4120, manager → agent:4118)
//!   an agent relies on, judged per leg; `plan`: the pre-upgrade audit.
//! - `wire`: the ClientHello we send and the server first flight we read.
//! - `probe`: one connection, one hello, an outcome as data; the polite
//!   connector; a real OpenSSL handshake for client-certificate checks.
//! - `scan`: the probing strategy for one endpoint and the pure analysis that
//!   turns outcomes into `results`; `policy` is the verdict.
//! - `serve`, `certs`: the emulator, a real TLS endpoint for any profile.
//! - `certinfo`: certificate summaries; `demo`: everything on loopback;
//!   `capture`: a live endpoint written as a profile file.
//! - `observe`: packet captures read as ground truth (what each client
//!   really offers), above `wire`, `profile` and `inventory`.
//! - `report`: printers (text, JSON, YAML, JSON Lines, JUnit, Markdown,
//!   HTML through one page builder in `report::html::page`); they only
//!   format. `report::layout` fits text to a width (wrapping, the column
//!   grid) and names suites one way per view.
//! - `schema`: JSON Schemas of the JSON documents, generated from the
//!   types (published under `schema/`).
//! - `error`: the error type and exit statuses.
//! - `duration`: durations read from flags and written back in one syntax;
//!   `text`: the one terminal escape for text from outside, below every
//!   layer that quotes it.
//! - `manual`: shell completions and the manual page, generated from `cli`.
//!
//! Dependencies point down, and the top-level modules form no cycle: from
//! the bottom, `wire` (it knows nothing above it; `wire::codes` holds the
//! open newtypes, `CipherSuiteId` too), then `version`, then `suites`; then
//! `profile`, `negotiate`, `results` (pure data: it never imports `probe`
//! or `report`); then `probe` (never `serve`), `scan`, `policy`; then
//! `serve` and the printers in `report` (which take built objects, never a
//! `config` job); then `error`, `cli`, `config` and `app` on top.
//! `tests/it/module_graph.rs` checks this at every level: it reads every
//! path in `src/` that starts at `crate::`, `super::` (`super::super::`
//! too), `self::` or a child module (outside comments, strings and test
//! modules), resolves it through `pub use` re-exports to the module it
//! names, and fails naming any cycle among sibling modules (top-level ones,
//! or the files of one folder, such as `wire::codec` and `wire::error`)
//! with the file and line of each step, and on a breach of the `wire`,
//! `probe` and `results` rules above. Inside `wire`, the shared size limits
//! sit in `wire::limits` below the decoders; inside `probe`, what the two
//! handshake engines are given and give back sits in `probe::client`
//! below `probe::handshake`.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod agent_version;
pub mod app;
pub mod capture;
pub mod certinfo;
pub mod certs;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnose;
pub mod directions;
pub mod duration;
pub mod error;
pub mod findings;
pub mod input;
pub mod inventory;
pub mod manager_api;
pub mod manual;
pub mod matrix;
pub mod negotiate;
pub mod observe;
pub mod plan;
pub mod policy;
pub mod probe;
pub mod profile;
pub mod report;
pub mod results;
pub mod saved;
pub mod scan;
pub mod schema;
pub mod serve;
pub mod suggest;
pub mod suites;
pub mod target;
pub mod text;
pub mod tls_openssl;
pub(crate) mod tls_rustls;
pub mod version;
pub mod whatif;
pub mod wire;
