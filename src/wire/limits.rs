//! The size limits every decoder shares, at the bottom of `wire`.
//!
//! The error type names them in its messages and the codec, the flight
//! reader and the ClientHello reader enforce them; kept here, below all
//! three, so that none of them imports another for a number (`error` and
//! `codec` importing each other was an import circle).

/// The largest TLS record payload we accept: the TLSCiphertext limit
/// (2^14 + 2048, RFC 5246 §6.2.3). Longer records are invalid.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

/// The largest handshake message body we buffer (64 KiB). A first flight
/// never needs more (a long certificate chain is a few KiB), and a hostile
/// server must not make us buffer megabytes.
pub const MAX_HANDSHAKE_LEN: usize = 64 * 1024;

/// How many leading bytes of a non-TLS answer
/// [`WireError::NotTls`](super::WireError::NotTls) keeps.
pub const PREVIEW_LEN: usize = 64;
