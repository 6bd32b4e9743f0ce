//! The old home of the first-flight reader, kept so that
//! `tlscompat::wire::server_flight::…` paths keep working: the error is in
//! [`super::error`], the messages in [`super::messages`], the reader in
//! [`super::flight`].

pub use super::error::WireError;
pub use super::flight::{FlightReader, MAX_HANDSHAKE_LEN, Message, PREVIEW_LEN};
pub use super::messages::{
    Alert, CertificateRequest, ServerHello, decode_certificate, encode_certificate,
    encode_server_hello_done,
};
