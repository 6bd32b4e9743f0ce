//! Test helpers shared by the wire tests: a seeded xorshift generator (no
//! extra crate) for random chunking, garbage and mutations, and the captured
//! flights.

/// xorshift64*: small, deterministic, good enough to shake parsers.
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub(crate) fn byte(&mut self) -> u8 {
        (self.next_u64() >> 56) as u8
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
