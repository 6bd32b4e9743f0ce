//! Test helpers shared by the wire tests: the seeded xorshift generator
//! (no extra crate; the same file as the integration tests') for random
//! chunking, garbage and mutations, and the captured flights.

/// The seeded generator of the integration tests and benchmarks (one copy:
/// xorshift64, `tests/it/xorshift.rs`), with what the wire tests add.
#[path = "../../tests/it/xorshift.rs"]
mod xorshift;
pub(crate) use xorshift::XorShift;

impl XorShift {
    /// A generator from any seed (0 becomes 1: xorshift never leaves 0).
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
}

/// A captured exchange: the ClientHello we sent and what the server answered.
pub(crate) struct Capture {
    pub(crate) client: &'static [u8],
    pub(crate) server: &'static [u8],
}

macro_rules! capture {
    ($name:literal) => {
        Capture {
            client: include_bytes!(concat!("../../testdata/wire/", $name, ".client.bin")),
            server: include_bytes!(concat!("../../testdata/wire/", $name, ".server.bin")),
        }
    };
}

pub(crate) const TLS12_ECDHE_RSA_CERTREQ: Capture = capture!("tls12-ecdhe-rsa-certreq");
pub(crate) const TLS10_AES256_SHA: Capture = capture!("tls10-aes256-sha");
pub(crate) const TLS13: Capture = capture!("tls13");
pub(crate) const ALERT_HANDSHAKE_FAILURE: Capture = capture!("alert-handshake-failure");
pub(crate) const TLS13_HRR: Capture = capture!("tls13-hrr");
pub(crate) const TLS12_DOWNGRADE_SENTINEL: Capture = capture!("tls12-downgrade-sentinel");

/// Every capture, with its name.
pub(crate) const ALL: [(&str, Capture); 6] = [
    ("tls12-ecdhe-rsa-certreq", TLS12_ECDHE_RSA_CERTREQ),
    ("tls10-aes256-sha", TLS10_AES256_SHA),
    ("tls13", TLS13),
    ("alert-handshake-failure", ALERT_HANDSHAKE_FAILURE),
    ("tls13-hrr", TLS13_HRR),
    ("tls12-downgrade-sentinel", TLS12_DOWNGRADE_SENTINEL),
];
