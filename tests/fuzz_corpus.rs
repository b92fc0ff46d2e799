//! The fuzz corpus replayed in CI (issue 19): every file under `fuzz/corpus/<target>/` (seeds
//! and what `cargo fuzz` found; scripts/fuzz.sh) through the same bodies the fuzz targets run
//! (`fuzz/src/lib.rs`): the built-in event decoder, the mapped JSON decoder, the Avro and
//! Protobuf decoders and the catalog parser answer garbage with an error, never a panic.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::PathBuf;

/// A fuzz target's body.
type Body = fn(&[u8]);

/// Replays `target`'s corpus through `body`; the files that panicked.
fn replay(target: &str, body: Body) -> (usize, Vec<String>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    let mut panicked = Vec::new();
    for path in &entries {
        let bytes = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| body(&bytes)).is_err() {
            panicked.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    (entries.len(), panicked)
}

#[test]
fn every_corpus_input_is_answered_without_a_panic() {
    let targets: [(&str, Body); 5] = [
        ("event_decoder", targets::event_decoder),
        ("mapped_decoder", targets::mapped_decoder),
        ("avro_decoder", targets::avro_decoder),
        ("protobuf_decoder", targets::protobuf_decoder),
        ("catalog_parser", targets::catalog_parser),
    ];
    for (target, body) in targets {
        let (inputs, panicked) = replay(target, body);
        assert!(inputs >= 20, "{target}: the corpus has {inputs} inputs");
        assert!(panicked.is_empty(), "{target}: {} inputs panicked: {panicked:?}", panicked.len());
    }
}

#[test]
fn the_bodies_check_what_they_promise() {
    // A valid event of each shape goes through the checks; garbage is an Err.
    targets::event_decoder(br#"{"user_id":"p-1","stat_code":"kills","delta":3}"#);
    targets::mapped_decoder(
        br#"{"type":"match_end","player":{"id":"p-1"},"stats":{"kills":2},"match":{"ended_at_ms":1,"duration_min":3}}"#,
    );
    targets::catalog_parser(goalstream::catalog::EXAMPLE.as_bytes());
    let avro = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/avro_decoder/match_end"),
    )
    .unwrap();
    targets::avro_decoder(&avro);
    targets::avro_decoder(&avro[..avro.len() / 2]);
    targets::event_decoder(b"\xff\x00");
    targets::catalog_parser(b"{");
}
