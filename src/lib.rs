//! tlscompat: which TLS versions and cipher suites do this endpoint and that
//! client version have in common, and what will they actually negotiate?
//!
//! # Layout
//!
//! From the bottom (each layer uses only those below it):
//!
//! - `base`: bounded file reading, the terminal escape, "did you mean",
//!   durations. `wire`: the ClientHello we send, the flights we read, open
//!   newtypes for wire codes (`wire::codes`).
//! - `model`: the vocabulary: `version`, `suites`, `profile` (YAML profiles,
//!   the shipped ones compiled in), `negotiate` (what a client and a server
//!   agree on, offline), `target`, `agent_version`.
//! - `results`: the result model every command produces and every printer
//!   reads (verdicts with reason codes, `findings`); pure data.
//! - `tls`: OpenSSL and rustls glue, certificates (`certs`) and certificate
//!   summaries (`certinfo`).
//! - `probe`: one connection, one hello, an outcome as data; the polite
//!   connector; confirming handshakes. `scan`: the strategy for one
//!   endpoint and the checks (`scan::checks`, one file per check) that turn
//!   outcomes into `results`, reading the records of `scan::probes`;
//!   `scan::admission` scouts a fleet's targets ahead of their turn;
//!   `scan::capture` writes an endpoint as a profile. `policy`: the verdict
//!   of a run.
//! - `serve`: the emulator, a real TLS endpoint for any profile.
//! - `inputs`: the fleet from inventory files and the manager's API, and
//!   saved reports read back as evidence (`inputs::saved`); `observe`: packet
//!   captures as ground truth; `diagnose`: the agent's heartbeat path, step
//!   by step; `offline`: answers without the network (`matrix`,
//!   `directions`, `whatif`, `plan`); `demo`: everything on loopback.
//! - `report`: printers, which only format what `results` says, by format:
//!   `report::text` (one file per command; the words the other formats
//!   reuse), `report::markdown` (one file per command), `report::junit`,
//!   `report::json` (JSON, YAML, JSON Lines and the schema hooks),
//!   `report::html` (through `report::html::page`); shared by all,
//!   `report::escape`, `report::layout` and `report::style`. `schema`: JSON
//!   Schemas generated from the types.
//! - `error`: the error type and exit statuses. `cli`: clap definitions
//!   (raw values) and the man page and completions made from them.
//!   `commands`: one file per command: its job, its `build` (arguments to
//!   job, every input error found first) and its `run` (job to status, the
//!   results handed to a printer); `commands::config` the shared view.
//!
//! # Where a change goes
//!
//! - A new command: its arguments in `cli`, its job, `build` and `run` in
//!   one new file under `commands`, its printers in `report` (a file in
//!   `report::text`, one in `report::markdown`, its document in
//!   `report::json`), its JSON type in `results` (and `schema` lists it).
//! - A new check on a scanned endpoint: one file in `scan::checks` with
//!   a type implementing `Check` (what it learns from a record, the probes
//!   it asks at each step of the scan, what it writes into the report),
//!   listed in `CHECKS` where its order belongs; its reason or finding code
//!   in `results`.
//! - A new agent or manager version: a YAML file under `profiles/` (the
//!   facts are there, not in Rust); `docs/domain.md` cites its source.
//! - A new output format: a new file or folder in `report` beside `text`,
//!   `markdown`, `junit`, `json` and `html`, reading the result types only.
//! - A new input (inventory format, API): `inputs`, read through
//!   `base::input`.
//! - A new wire field or message: `wire`, with a round-trip test and
//!   captured bytes in `testdata/`.
//!
//! `tests/it/module_graph.rs` checks the layering at every level: it reads
//! every path in `src/` that starts at `crate::`, `super::` (`super::super::`
//! too), `self::` or a child module (outside comments, strings and test
//! modules), resolves it through `pub use` re-exports to the module it
//! names, and fails naming any cycle among sibling modules (top-level ones,
//! or the files of one folder, such as `wire::codec` and `wire::error`)
//! with the file and line of each step, and on a breach of the named rules
//! (`base` uses nothing of ours; `wire` only `base`; `model` only `wire` and
//! `base`; `results` only `model`; `probe` never `serve`; `offline` never
//! the network). Inside `wire`, the shared size limits sit in
//! `wire::limits` below the decoders; inside `probe`, what the two
//! handshake engines are given and give back sits in `probe::client`
//! below `probe::handshake`.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod base;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod diagnose;
pub mod error;
pub mod inputs;
pub mod model;
pub mod observe;
pub mod offline;
pub mod policy;
pub mod probe;
pub mod report;
pub mod results;
pub mod scan;
pub mod schema;
pub mod serve;
pub mod tls;
pub mod wire;
