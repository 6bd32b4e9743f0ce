//! Property tests of the wire code, and a stable-Rust soak of the fuzz
//! targets' properties.
//!
//! Every ClientHello we can build must decode back to itself, and no decoder
//! may panic on any bytes (the fuzz targets in `fuzz/` check the same with
//! libFuzzer on nightly). Case counts stay modest so the suite stays fast;
//! `soak` (ignored by default) runs the fuzz targets' properties on random
//! and mutated inputs for `TLSCOMPAT_FUZZ_SECS` seconds (default 60):
//!
//! ```sh
//! TLSCOMPAT_FUZZ_SECS=300 cargo test --test it props::soak -- --ignored --nocapture
//! ```
//!
//! It prints its seed; `TLSCOMPAT_FUZZ_SEED=0x…` replays a run.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use tlscompat::model::suites::{CipherSuiteId, registry};
use tlscompat::model::version::TlsVersion;
use tlscompat::probe::HelloSpec;
use tlscompat::wire::codes::{NamedGroup, SignatureScheme};
use tlscompat::wire::{ClientHello, Extension, ServerHello};

use crate::common::testdata;
use crate::xorshift::XorShift;

fn suite_ids() -> Vec<CipherSuiteId> {
    registry().all().iter().map(|s| s.id).collect()
}

prop_compose! {
    /// A hello as the prober builds them: versions, suites, groups and
    /// signature schemes from the registries, maybe a server name.
    fn hello_spec()(
        versions in proptest::sample::subsequence(TlsVersion::ALL.to_vec(), 1..=5),
        cipher_suites in proptest::sample::subsequence(suite_ids(), 1..=40).prop_shuffle(),
        groups in proptest::sample::subsequence(NamedGroup::KNOWN.to_vec(), 0..=NamedGroup::KNOWN.len()),
        signature_algorithms in proptest::sample::subsequence(
            SignatureScheme::KNOWN.to_vec(), 0..=SignatureScheme::KNOWN.len()),
        server_name in proptest::option::of("[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,8}){0,3}"),
    ) -> HelloSpec {
        HelloSpec { versions, cipher_suites, groups, signature_algorithms, server_name }
    }
}

/// The fuzz targets' bodies, the same file libFuzzer runs.
#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

/// The server_flight fuzz target's property: chunking changes nothing.
fn check_flight(data: &[u8], step: usize) {
    bodies::server_flight_in(data, step);
}

/// The client_hello fuzz target's property: what decodes re-encodes to
/// itself.
fn check_client_hello(data: &[u8]) {
    bodies::client_hello(data);
}

proptest! {
    // No regression files: a failure prints its minimal input, which goes
    // into a named test.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_hello_we_build_decodes_to_itself(spec in hello_spec()) {
        let hello = spec.build();
        let decoded = ClientHello::decode(&hello.encode());
        prop_assert_eq!(decoded.as_ref(), Ok(&hello));
        // And it says what was meant: the suites in order, the name.
        let decoded = decoded.unwrap();
        prop_assert!(decoded.cipher_suites.starts_with(&spec.cipher_suites));
        let sni = decoded.extensions.iter().flatten().find_map(|e| match e {
            Extension::ServerName(n) => Some(n.clone()),
            _ => None,
        });
        // SSL 3.0 has no extensions at all.
        let meant = spec.server_name.clone().filter(|_| spec.max_version() > TlsVersion::Ssl3);
        prop_assert_eq!(sni, meant);
    }

    #[test]
    fn client_hello_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_client_hello(&bytes);
    }

    #[test]
    fn flight_reader_never_panics_and_chunking_changes_nothing(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        step in 1usize..64,
    ) {
        check_flight(&bytes, step);
    }

    #[test]
    fn tls_shaped_records_never_panic(
        records in proptest::collection::vec(
            (20u8..=24, 0u8..=4, proptest::collection::vec(any::<u8>(), 0..300)), 1..6),
        step in 1usize..32,
    ) {
        // Plausible record headers, so the fuzzing reaches the message parsers.
        let mut bytes = Vec::new();
        for (typ, minor, body) in records {
            bytes.extend([typ, 3, minor]);
            bytes.extend((body.len() as u16).to_be_bytes());
            bytes.extend(body);
        }
        check_flight(&bytes, step);
    }

    #[test]
    fn client_flight_never_panics_and_prefixes_are_incomplete(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        bodies::client_flight(&bytes);
    }

    #[test]
    fn capture_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        bodies::capture(&bytes);
    }

    #[test]
    fn server_hello_decode_body_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ServerHello::decode_body(&bytes);
    }
}

/// Random edits of a seed: flipped, replaced, inserted, removed and
/// duplicated bytes.
fn mutate(seed: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if at < data.len() => data[at] ^= 1 << rng.below(8),
            1 if at < data.len() => data[at] = rng.next() as u8,
            2 => data.insert(at, rng.next() as u8),
            3 if at < data.len() => {
                data.remove(at);
            }
            _ => {
                let end = (at + rng.below(16)).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
        }
    }
    data
}

/// Every file in `fuzz/corpus/<target>`.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.push(Vec::new());
    out
}

#[test]
fn the_captured_flights_read_alike_in_any_chunks() {
    for entry in std::fs::read_dir(testdata("wire")).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        for step in [1, 2, 3, 7, 100] {
            check_flight(&bytes, step);
        }
        check_client_hello(&bytes);
    }
}

/// One fuzz target's property.
type Check<'a> = &'a dyn Fn(&[u8], &mut XorShift);

/// The fuzz targets' properties on random and mutated inputs, for
/// `TLSCOMPAT_FUZZ_SECS` seconds (default 60), a quarter each.
#[test]
#[ignore = "a soak: minutes, run it with --ignored"]
fn soak() {
    let secs: u64 = std::env::var("TLSCOMPAT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    // TLSCOMPAT_FUZZ_SEED replays a run.
    let seed = std::env::var("TLSCOMPAT_FUZZ_SEED")
        .ok()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("soak: {secs} s, seed {seed:#x}");
    let mut rng = XorShift(seed | 1);
    let targets: [(&str, Check<'_>); 7] = [
        ("server_flight", &|d, rng| {
            check_flight(d, 1 + rng.below(16))
        }),
        ("client_hello", &|d, _| check_client_hello(d)),
        ("profile", &|d, _| bodies::profile(d)),
        ("policy", &|d, _| bodies::policy(d)),
        ("inventory", &|d, _| bodies::inventory(d)),
        ("client_flight", &|d, _| bodies::client_flight(d)),
        ("capture", &|d, _| bodies::capture(d)),
    ];
    let share = targets.len() as u32;
    for (name, check) in targets {
        let corpus = seeds(name);
        let until = Instant::now() + Duration::from_secs(secs) / share;
        let mut runs = 0u64;
        while Instant::now() < until {
            for _ in 0..64 {
                let input = if rng.below(8) == 0 {
                    (0..rng.below(512)).map(|_| rng.next() as u8).collect()
                } else {
                    let seed = &corpus[rng.below(corpus.len())];
                    mutate(seed, &mut rng)
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    check(&input, &mut rng)
                }));
                if result.is_err() {
                    let path = std::env::temp_dir().join(format!("tlscompat-crash-{name}"));
                    std::fs::write(&path, &input).unwrap();
                    panic!("{name}: input saved to {}", path.display());
                }
                runs += 1;
            }
        }
        eprintln!("soak {name}: {runs} inputs");
    }
}

/// The capture fuzz target's property on edits of the committed capture
/// (and of its pcap form with a short snaplen): any byte anywhere, no panic.
#[test]
fn mutated_captures_never_panic() {
    let mut rng = XorShift(0x5EED);
    for seed in seeds("capture") {
        for _ in 0..300 {
            bodies::capture(&mutate(&seed, &mut rng));
        }
    }
}
