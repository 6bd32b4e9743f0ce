#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlscompat_fuzz::capture(data));
