//! Why bytes from the wire cannot be read: one error type for every decoder
//! (the ClientHello, the codec, the server's first flight), so callers tell
//! "not TLS at all" from "malformed" from "too large" the same way wherever
//! the bytes came from.

use super::limits::{MAX_HANDSHAKE_LEN, MAX_RECORD_LEN, PREVIEW_LEN};

/// Why the bytes from a server cannot be read as a TLS first flight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The first bytes are not a TLS record (an HTTP answer, an SSH banner,
    /// garbage).
    #[error("not TLS: the server answered {}", describe_preview(preview))]
    NotTls {
        /// Up to [`PREVIEW_LEN`] bytes of what the server sent, for the message.
        preview: Vec<u8>,
    },
    /// Malformed TLS: bad lengths, a message that does not parse, an alert
    /// record of the wrong size, an unknown content type after the first record…
    #[error("malformed TLS: {0}")]
    Invalid(String),
    /// A record longer than [`MAX_RECORD_LEN`].
    #[error("TLS record of {0} bytes exceeds the limit ({max} bytes)", max = MAX_RECORD_LEN)]
    RecordTooLarge(usize),
    /// A handshake message longer than [`MAX_HANDSHAKE_LEN`].
    #[error(
        "TLS handshake message of {0} bytes exceeds the limit ({max} bytes)",
        max = MAX_HANDSHAKE_LEN
    )]
    MessageTooLarge(usize),
}

/// A non-TLS answer for humans: its first line as text when that is printable
/// ASCII, else the leading bytes in hex.
fn describe_preview(preview: &[u8]) -> String {
    let line_end = preview
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(preview.len());
    let line = preview.get(..line_end).unwrap_or_default();
    if !line.is_empty() && line.iter().all(|b| (0x20..=0x7E).contains(b)) {
        let cut = if line_end == preview.len() && preview.len() >= PREVIEW_LEN {
            "…"
        } else {
            ""
        };
        return format!("{:?}{cut}", String::from_utf8_lossy(line));
    }
    if preview.is_empty() {
        return "nothing".to_string();
    }
    const SHOWN: usize = 32;
    let hex: Vec<String> = preview
        .iter()
        .take(SHOWN)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cut = if preview.len() > SHOWN { " …" } else { "" };
    format!("bytes {}{cut} (hex)", hex.join(" "))
}
