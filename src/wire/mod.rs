//! Bytes on the wire: the values, the ClientHello we send and the server's
//! first flight we read.
//!
//! `codes` (open newtypes) and `codec` (lengths and records) are the
//! vocabulary; `client_hello` is what we send; `client_flight` reads a
//! ClientHello someone else sent (for `observe`); `messages` and `flight` read
//! what the server sends first; every decoder reports one [`WireError`],
//! and the size limits they share sit in `limits`, below them all.

pub mod client_flight;
pub mod client_hello;
pub mod codec;
pub mod codes;
pub mod error;
pub mod flight;
pub mod limits;
pub mod messages;
pub mod server_flight;

pub use client_flight::{HelloRead, read_client_hello};
pub use client_hello::{ClientHello, Extension, KeyShareEntry};
pub use error::WireError;
pub use flight::{FlightReader, Message};
pub use messages::{Alert, CertificateRequest, NewSessionTicket, ServerHello};

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;
