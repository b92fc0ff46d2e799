//! `cargo fuzz run mapped_decoder`: see goalstream_fuzz::mapped_decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goalstream_fuzz::mapped_decoder(data));
