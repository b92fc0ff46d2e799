//! `cargo fuzz run protobuf_decoder`: see goalstream_fuzz::protobuf_decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goalstream_fuzz::protobuf_decoder(data));
