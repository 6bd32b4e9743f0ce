//! The vocabulary: what the tool reasons about, with no I/O beyond reading
//! profile files.
//!
//! - `version`, `suites`: TLS versions and the IANA suite registry (with
//!   OpenSSL names), on top of `wire::codes`.
//! - `profile`: per-version client and server profiles read from YAML (the
//!   shipped ones compiled in), with located validation errors; `Catalog`
//!   resolves ids and files.
//! - `negotiate`: what a client profile and a server would agree on,
//!   offline; the rules the scan and every offline answer share.
//! - `target`: host:port and roles; `agent_version`: from an agent version
//!   as the manager shows it to the profile that agent offers.

pub mod agent_version;
pub mod negotiate;
pub mod profile;
pub mod suites;
pub mod target;
pub mod version;
