//! `cargo fuzz run avro_decoder`: see goalstream_fuzz::avro_decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goalstream_fuzz::avro_decoder(data));
