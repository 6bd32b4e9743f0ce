//! The bodies of the fuzz targets, one function per target, so that
//! libFuzzer (`fuzz_targets/*.rs`) and the stable soak and property tests
//! (`tests/it/props.rs`, which include this file) drive the same code.
//! Each must return normally on any input: a panic is a bug.

use std::io::Write;

use tlscompat::model::profile::Role;
use tlscompat::model::profile::{Origin, Profile};
use tlscompat::wire::{ClientHello, FlightReader, Message, ServerHello, WireError};

/// A server's first flight, fed to the reader whole and then byte by byte:
/// both must hand out the same messages and fail (or not) alike, whatever
/// the bytes. The bytes also go to `ServerHello::decode_body` whole.
pub fn server_flight(data: &[u8]) {
    server_flight_in(data, 1);
}

/// [`server_flight`]'s property with pieces of `step` bytes (the stable
/// soak and the property tests in `tests/it/props.rs` vary it).
pub fn server_flight_in(data: &[u8], step: usize) {
    let whole = drain(data, data.len().max(1));
    let pieces = drain(data, step.max(1));
    assert_eq!(whole.0, pieces.0, "chunking changed the messages");
    assert_eq!(
        whole.1.as_ref().map(std::mem::discriminant),
        pieces.1.as_ref().map(std::mem::discriminant),
        "chunking changed the outcome: {:?} vs {:?}",
        whole.1,
        pieces.1
    );
    let _ = ServerHello::decode_body(data);
}

/// Feeds `data` in pieces of `step` bytes, taking every message after each
/// piece: the messages, and the error that stopped the reader.
fn drain(data: &[u8], step: usize) -> (Vec<Message>, Option<WireError>) {
    let mut reader = FlightReader::new();
    let mut messages = Vec::new();
    for chunk in data.chunks(step) {
        reader.feed(chunk);
        loop {
            match reader.next_message() {
                Ok(Some(m)) => messages.push(m),
                Ok(None) => break,
                Err(e) => return (messages, Some(e)),
            }
        }
    }
    (messages, None)
}

/// A ClientHello decoded, and when it decodes, encoded and decoded again to
/// the same value.
pub fn client_hello(data: &[u8]) {
    if let Ok(hello) = ClientHello::decode(data) {
        let again = ClientHello::decode(&hello.encode());
        assert_eq!(again.as_ref(), Ok(&hello), "re-encoding changed the hello");
    }
}

/// A profile file's text, read for the first problem and for every one
/// (`profiles validate`): both must agree on whether the file is valid.
pub fn profile(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let first = Profile::parse(text, Origin::File("fuzz.yaml".into()));
        let all = Profile::parse_all(text, Origin::File("fuzz.yaml".into()));
        assert_eq!(first.is_ok(), all.is_ok(), "parse and parse_all disagree");
    }
}

/// A policy file's text, validated against the shipped profiles (a
/// `require:` naming a file resolves under a directory that does not exist).
pub fn policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let Ok(mut catalog) = tlscompat::model::profile::Catalog::builtin() else {
            return;
        };
        let path = std::path::Path::new("/nonexistent-tlscompat-fuzz/policy.yaml");
        let _ = tlscompat::policy::file::parse(text, path, &mut catalog, 1_800_000_000);
    }
}

/// An inventory file (it is read from a path, so the bytes go to a
/// per-process temporary file first).
pub fn inventory(data: &[u8]) {
    let path =
        std::env::temp_dir().join(format!("tlscompat-fuzz-inventory-{}", std::process::id()));
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(data));
    if written.is_ok() {
        let _ = tlscompat::model::target::read_inventory(&path, Role::Manager);
    }
}

/// A ClientHello read from the start of a client's stream (`observe`):
/// whatever reads whole re-encodes to a hello that reads the same, and every
/// shorter prefix of its records is "incomplete", never an error.
pub fn client_flight(data: &[u8]) {
    use tlscompat::wire::{HelloRead, read_client_hello};
    if let Ok(HelloRead::Complete { hello, consumed }) = read_client_hello(data) {
        assert!(consumed <= data.len());
        for cut in [0, consumed / 2, consumed.saturating_sub(1)] {
            if cut < consumed {
                let prefix = data.get(..cut).unwrap_or_default();
                assert_eq!(
                    read_client_hello(prefix),
                    Ok(HelloRead::Incomplete),
                    "prefix {cut}"
                );
            }
        }
        match read_client_hello(&hello.encode()) {
            Ok(HelloRead::Complete { hello: again, .. }) => {
                assert_eq!(again, hello, "re-encoding changed the hello")
            }
            other => panic!("the re-encoded hello does not read: {other:?}"),
        }
    }
}

/// A packet capture, read as `observe` reads it (with small limits): it
/// ends normally, with groups or a clear error, on any bytes, and never
/// reports more groups than hellos.
pub fn capture(data: &[u8]) {
    let limits = tlscompat::observe::Limits {
        max_flows: 64,
        max_stream_bytes: 80 * 1024,
        max_buffered: 1 << 20,
        ..tlscompat::observe::Limits::default()
    };
    let path = std::path::Path::new("fuzz.pcap");
    if let Ok(obs) = tlscompat::observe::observe_reader(path, data, limits) {
        assert!(obs.groups.len() as u64 <= obs.counts.tcp.hellos);
    }
}
