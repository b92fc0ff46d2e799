//! `cargo fuzz run catalog_parser`: see goalstream_fuzz::catalog_parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goalstream_fuzz::catalog_parser(data));
