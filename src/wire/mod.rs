//! Bytes on the wire: the values, the ClientHello we send and the server's
//! first flight we read.

pub mod client_hello;
pub mod codec;
pub mod codes;
pub mod server_flight;

pub use client_hello::{ClientHello, Extension, KeyShareEntry};
pub use server_flight::{Alert, CertificateRequest, FlightReader, Message, ServerHello, WireError};

#[cfg(test)]
mod testutil;
