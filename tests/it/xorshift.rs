//! A small deterministic generator (xorshift64), the one copy: the
//! property tests (`props.rs`), the wire unit tests (`src/wire/testutil.rs`)
//! and the benchmarks' captures and fronts (`benches/observe.rs`,
//! `benches/common/fronts.rs`) include this file, so a soak failure or a
//! benchmark's run can be made again from its seed.

/// xorshift64 (shifts 13, 7, 17); the seed must not be 0.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    /// The next value.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
