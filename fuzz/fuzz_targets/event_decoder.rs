//! `cargo fuzz run event_decoder`: see goalstream_fuzz::event_decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goalstream_fuzz::event_decoder(data));
