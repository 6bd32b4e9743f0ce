//! The one codec discipline for everything we put on or take off the wire.
//!
//! Messages are written in wire order with [`Writer`] (length-prefixed blocks
//! get their length filled in after the closure that writes them), and read
//! by hand in wire order with the bounds-checked [`Reader`], which never
//! indexes out of range and reports a short read as a malformed message.
//! [`records`] frames a payload into TLS records.

use super::codes::{ContentType, ProtocolVersion};
use super::error::WireError;

pub use super::limits::MAX_RECORD_LEN;

/// The largest plaintext fragment we write into one record (2^14).
pub const MAX_FRAGMENT_LEN: usize = 16384;

/// Appends wire values to a buffer, big-endian, in the order they are written.
///
/// The `prefixed_*` methods write a block whose length goes in front of it.
/// A block longer than its prefix can express is a caller bug (TLS would
/// reject it anyway); the length then saturates at the prefix maximum rather
/// than wrapping around, and nothing panics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes one byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Writes a big-endian u16.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes the low 24 bits of `v`, big-endian (values above 2^24 - 1
    /// saturate).
    pub fn u24(&mut self, v: u32) {
        let [_, a, b, c] = v.min(0x00FF_FFFF).to_be_bytes();
        self.buf.extend_from_slice(&[a, b, c]);
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// Writes what `f` writes, preceded by its length as a u8.
    pub fn prefixed_u8(&mut self, f: impl FnOnce(&mut Writer)) {
        self.prefixed(1, f);
    }

    /// Writes what `f` writes, preceded by its length as a u16.
    pub fn prefixed_u16(&mut self, f: impl FnOnce(&mut Writer)) {
        self.prefixed(2, f);
    }

    /// Writes what `f` writes, preceded by its length as a u24.
    pub fn prefixed_u24(&mut self, f: impl FnOnce(&mut Writer)) {
        self.prefixed(3, f);
    }

    /// How many bytes have been written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    /// Reserves `width` bytes for the length, runs `f`, then fills the length in.
    fn prefixed(&mut self, width: usize, f: impl FnOnce(&mut Writer)) {
        let start = self.buf.len();
        self.buf.resize(start + width, 0);
        f(self);
        let body_len = self.buf.len().saturating_sub(start + width);
        let len = body_len.min((1usize << (8 * width)) - 1);
        for (i, slot) in self.buf.iter_mut().skip(start).take(width).enumerate() {
            *slot = (len >> (8 * (width - 1 - i))) as u8;
        }
    }
}

/// Wraps `payload` in TLS records of `content_type` with `version` in the
/// record header, in fragments of at most 16384 bytes. An empty payload gives
/// one empty record.
pub fn records(content_type: ContentType, version: ProtocolVersion, payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    let mut write_one = |fragment: &[u8]| {
        w.u8(content_type.0);
        w.u16(version.0);
        w.prefixed_u16(|w| w.bytes(fragment));
    };
    if payload.is_empty() {
        write_one(&[]);
    }
    for fragment in payload.chunks(MAX_FRAGMENT_LEN) {
        write_one(fragment);
    }
    w.into_inner()
}

/// Reads wire values from a byte slice, in order, with every access bounds
/// checked.
///
/// `what` names the structure being read (`"ServerHello"`); a short read
/// becomes [`WireError::Invalid`] saying which field ran out. Use it on
/// complete messages only: whether enough bytes have arrived is the framing
/// layer's question, answered before a message is parsed.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    what: &'static str,
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`, which hold one `what`.
    pub fn new(what: &'static str, bytes: &'a [u8]) -> Self {
        Self { what, rest: bytes }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], WireError> {
        match self.rest.split_at_checked(n) {
            Some((head, tail)) => {
                self.rest = tail;
                Ok(head)
            }
            None => Err(WireError::Invalid(format!(
                "{} truncated in {field} (needs {n} bytes, {} left)",
                self.what,
                self.rest.len()
            ))),
        }
    }

    /// Takes the next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], WireError> {
        let bytes = self.take(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self, field: &str) -> Result<u8, WireError> {
        let [b] = self.array::<1>(field)?;
        Ok(b)
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, field: &str) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array::<2>(field)?))
    }

    /// Reads a big-endian u24.
    pub fn u24(&mut self, field: &str) -> Result<u32, WireError> {
        let [a, b, c] = self.array::<3>(field)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a u8 length, then that many bytes.
    pub fn prefixed_u8(&mut self, field: &str) -> Result<&'a [u8], WireError> {
        let n = self.u8(field)?;
        self.take(usize::from(n), field)
    }

    /// Reads a u16 length, then that many bytes.
    pub fn prefixed_u16(&mut self, field: &str) -> Result<&'a [u8], WireError> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }

    /// Reads a u24 length, then that many bytes.
    pub fn prefixed_u24(&mut self, field: &str) -> Result<&'a [u8], WireError> {
        let n = self.u24(field)?;
        // A u24 always fits in usize on the platforms Rust supports for std.
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.take(n, field)
    }

    /// A reader over the next length-prefixed (u8) block.
    pub fn sub_u8(&mut self, field: &'static str) -> Result<Reader<'a>, WireError> {
        Ok(Reader::new(self.what, self.prefixed_u8(field)?))
    }

    /// A reader over the next length-prefixed (u16) block.
    pub fn sub_u16(&mut self, field: &'static str) -> Result<Reader<'a>, WireError> {
        Ok(Reader::new(self.what, self.prefixed_u16(field)?))
    }

    /// A reader over the next length-prefixed (u24) block.
    pub fn sub_u24(&mut self, field: &'static str) -> Result<Reader<'a>, WireError> {
        Ok(Reader::new(self.what, self.prefixed_u24(field)?))
    }

    /// Reads u16 values until the block is exhausted; an odd length is invalid.
    pub fn u16_list(mut self, field: &str) -> Result<Vec<u16>, WireError> {
        if self.rest.len() % 2 != 0 {
            return Err(self.invalid(&format!("{field} has an odd length ({})", self.rest.len())));
        }
        let mut out = Vec::with_capacity(self.rest.len() / 2);
        while !self.is_empty() {
            out.push(self.u16(field)?);
        }
        Ok(out)
    }

    /// Everything not read yet, without consuming it.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Everything not read yet, consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Fails if bytes are left over after `field`.
    pub fn expect_end(&self, field: &str) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.invalid(&format!("{} trailing bytes after {field}", self.rest.len())))
        }
    }

    /// An [`WireError::Invalid`] naming this structure.
    pub fn invalid(&self, why: &str) -> WireError {
        WireError::Invalid(format!("{}: {why}", self.what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_writes_in_wire_order_with_lengths_in_front() {
        let mut w = Writer::new();
        w.u8(0x01);
        w.u16(0x0203);
        w.u24(0x040506);
        w.bytes(&[7, 8]);
        w.prefixed_u8(|w| w.bytes(&[9, 10]));
        w.prefixed_u16(|w| {
            w.u8(11);
            w.prefixed_u24(|w| w.u16(0x0C0D));
        });
        assert_eq!(
            w.into_inner(),
            [1, 2, 3, 4, 5, 6, 7, 8, 2, 9, 10, 0, 6, 11, 0, 0, 2, 12, 13]
        );
    }

    #[test]
    fn writer_empty_blocks_and_saturation() {
        let mut w = Writer::new();
        w.prefixed_u8(|_| {});
        w.prefixed_u16(|_| {});
        w.prefixed_u24(|_| {});
        assert_eq!(w.into_inner(), [0, 0, 0, 0, 0, 0]);

        let mut w = Writer::new();
        w.prefixed_u8(|w| w.bytes(&[0; 300]));
        let out = w.into_inner();
        assert_eq!(out.first(), Some(&0xFF), "length saturates, no wrap to 44");
        assert_eq!(out.len(), 301);

        let mut w = Writer::new();
        w.u24(0x0123_4567);
        assert_eq!(w.into_inner(), [0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn reader_round_trips_what_the_writer_wrote() {
        let mut w = Writer::new();
        w.u8(0xAB);
        w.u16(0xCDEF);
        w.u24(0x123456);
        w.prefixed_u8(|w| w.bytes(b"abc"));
        w.prefixed_u16(|w| {
            w.u16(1);
            w.u16(2);
        });
        w.prefixed_u24(|w| w.bytes(b"xyz"));
        let bytes = w.into_inner();
        let mut r = Reader::new("test", &bytes);
        assert_eq!(r.u8("a").unwrap(), 0xAB);
        assert_eq!(r.u16("b").unwrap(), 0xCDEF);
        assert_eq!(r.u24("c").unwrap(), 0x123456);
        assert_eq!(r.prefixed_u8("d").unwrap(), b"abc");
        assert_eq!(r.sub_u16("e").unwrap().u16_list("e").unwrap(), [1, 2]);
        assert_eq!(r.prefixed_u24("f").unwrap(), b"xyz");
        assert!(r.is_empty());
        r.expect_end("f").unwrap();
    }

    #[test]
    fn reader_reports_short_reads_as_invalid_and_never_panics() {
        let mut r = Reader::new("Thing", &[0x00, 0x05, 1, 2]);
        let err = r.prefixed_u16("body").unwrap_err();
        assert_eq!(
            err,
            WireError::Invalid("Thing truncated in body (needs 5 bytes, 2 left)".into())
        );
        let mut r = Reader::new("Thing", &[]);
        assert!(r.u8("x").is_err());
        assert!(r.u16("x").is_err());
        assert!(r.u24("x").is_err());
        assert!(r.take(usize::MAX, "x").is_err());
        let mut r = Reader::new("Thing", &[0xFF, 0xFF, 0xFF]);
        assert!(r.prefixed_u24("x").is_err());
        let r = Reader::new("Thing", &[1, 2, 3]);
        assert!(r.clone().u16_list("list").is_err(), "odd length");
        assert!(r.expect_end("x").is_err());
    }

    #[test]
    fn records_split_at_16384_and_an_empty_payload_gives_one_empty_record() {
        assert_eq!(
            records(ContentType::HANDSHAKE, ProtocolVersion::TLS10, &[]),
            [22, 3, 1, 0, 0]
        );
        assert_eq!(
            records(ContentType::ALERT, ProtocolVersion::TLS12, &[2, 40]),
            [21, 3, 3, 0, 2, 2, 40]
        );
        let payload: Vec<u8> = (0..40000u32).map(|i| (i % 251) as u8).collect();
        let out = records(ContentType::HANDSHAKE, ProtocolVersion::TLS12, &payload);
        let mut r = Reader::new("records", &out);
        let mut joined = Vec::new();
        let mut lens = Vec::new();
        while !r.is_empty() {
            assert_eq!(r.u8("type").unwrap(), 22);
            assert_eq!(r.u16("version").unwrap(), 0x0303);
            let fragment = r.prefixed_u16("fragment").unwrap();
            lens.push(fragment.len());
            joined.extend_from_slice(fragment);
        }
        assert_eq!(lens, [16384, 16384, 40000 - 2 * 16384]);
        assert_eq!(joined, payload);
        // Exactly one full fragment: no trailing empty record.
        let out = records(ContentType::HANDSHAKE, ProtocolVersion::TLS12, &[0; 16384]);
        assert_eq!(out.len(), 5 + 16384);
    }
}
