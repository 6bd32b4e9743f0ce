//! Integration tests: one binary, one module per area. They run the real
//! `tlscompat` binary and real TLS servers and clients on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod addresses;
mod aliases;
mod bounded;
mod capture;
mod cli_input;
mod common;
mod confirm;
mod demo;
mod diagnose;
mod directions;
mod escape;
mod estate;
mod exposure;
mod fleet;
mod flood;
mod function_length;
mod gate;
mod hostile;
mod html;
mod json_schema;
mod junit;
mod limits;
mod manager_api;
mod manual;
mod matrix_cli;
mod merge;
mod module_graph;
mod observe;
mod peers;
mod plan;
mod profiles_cli;
mod props;
mod repeat;
mod scan;
mod schema;
mod serve;
mod servers;
mod text80;
mod tls_clients;
mod unsteady;
mod url_targets;
mod waves;
mod xorshift;
