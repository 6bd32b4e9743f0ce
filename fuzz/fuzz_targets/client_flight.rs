#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlscompat_fuzz::client_flight(data));
