//! TLS libraries and certificates: the glue that makes OpenSSL and rustls
//! offer exactly a profile's configuration, test certificates, and
//! certificate summaries.
//!
//! - `openssl_glue`: one OpenSSL context start for the client engine and the
//!   emulator; `rustls_glue`: the one rustls certificate verifier of the
//!   probe and the manager API client.
//! - `certs`: generated and user-given identities (keys, chains).
//! - `certinfo`: what a served certificate says (fields, key, dates,
//!   chain), read from hostile bytes.

pub mod certinfo;
pub mod certs;
pub mod openssl_glue;
pub(crate) mod rustls_glue;
