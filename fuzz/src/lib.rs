//! The bodies of the fuzz targets, shared by `cargo fuzz` (`fuzz/fuzz_targets/`) and the
//! corpus replay that CI runs (`tests/fuzz_corpus.rs` includes this file): each feeds bytes to
//! goalstream's public decode / parse API and checks what that API promises. A panic, in
//! goalstream or in a check here, is a finding; an `Err` is the expected answer to garbage.

use std::sync::OnceLock;

use goalstream::catalog::mapping::avro::AvroSchema;
use goalstream::catalog::mapping::{AvroSource, Format};
use goalstream::catalog::{check_external_id, Catalog, EXAMPLE, MAX_ID_LEN};
use goalstream::ingest::codec::confluent;
use goalstream::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use goalstream::ingest::mapper::Mapped;
use goalstream::ingest::record::decode_event;

/// A topic the example catalog maps (per-topic JSON mapping, docs/FORMATS.md).
pub const MAPPED_TOPIC: &str = "match-events";
/// A topic without a mapping: the built-in event shape.
pub const FIXED_TOPIC: &str = "player-stats";

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::from_json(EXAMPLE).expect("the example catalog is valid"))
}

/// The built-in event shape (`ingest::event::decode`, then the stat's lookup).
pub fn event_decoder(data: &[u8]) {
    check_decoded(decode_event(catalog(), FIXED_TOPIC, data, DEFAULT_MAX_PAYLOAD_BYTES));
}

/// The example catalog's mapping of `match-events` (`ingest::mapper`).
pub fn mapped_decoder(data: &[u8]) {
    check_decoded(decode_event(catalog(), MAPPED_TOPIC, data, DEFAULT_MAX_PAYLOAD_BYTES));
}

/// A topic read as Avro through a registry (its schema, `tests/fixtures/match.avsc`, cached
/// under id 1: nothing is fetched).
pub const AVRO_TOPIC: &str = "match-avro";

/// The Avro schema the fuzzed datums are read with.
pub const AVRO_SCHEMA: &str = include_str!("../../tests/fixtures/match.avsc");

fn avro_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut file: serde_json::Value = serde_json::from_str(EXAMPLE).expect("JSON");
        file["mappings"] = serde_json::json!([{
            "topic": AVRO_TOPIC,
            "format": {"type": "avro", "registry": {"url": "http://127.0.0.1:9"}},
            "when": [{"path": "/type", "equals": "match_end"}],
            "player_id": "/player/id",
            "event_id": "/event_id",
            "timestamp": {"path": "/ts_ms", "format": "epoch_ms"},
            "stats": [
                {"stat_code": "wins", "kind": "delta", "constant": 1,
                 "when": [{"path": "/result", "equals": "WIN"}]},
                {"stat_code": "kills", "kind": "delta", "path": "/stats/kills"},
                {"stat_code": "minutes_played", "kind": "delta", "path": "/counters/minutes"},
                {"stat_code": "level", "kind": "absolute", "path": "/player/level", "optional": true},
                {"stat_code": "ranked_score", "kind": "absolute", "path": "/stats/score",
                 "when": [{"path": "/tags/0", "equals": "ranked"}, {"path": "/mode", "exists": true}]}
            ]
        }]);
        let catalog = Catalog::parse(&file.to_string(), None).expect("the Avro catalog is valid");
        let Format::Avro(format) = catalog.mappings().format_of(AVRO_TOPIC) else { panic!() };
        let AvroSource::Registry(registry) = &format.source else { panic!() };
        registry.preload(1, AvroSchema::parse(AVRO_SCHEMA).expect("the fixture schema parses"));
        catalog
    })
}

/// An Avro datum (the input, framed with schema id 1) through the registry's cached schema and
/// the mapping (`ingest::codec::avro`, `ingest::mapper`).
pub fn avro_decoder(data: &[u8]) {
    let mut payload = confluent::header(1, None);
    payload.extend_from_slice(data);
    check_decoded(decode_event(avro_catalog(), AVRO_TOPIC, &payload, DEFAULT_MAX_PAYLOAD_BYTES));
}

/// A topic read as Protobuf: the synthetic catalog's `synthetic.match_end.protobuf`.
pub const PROTOBUF_TOPIC: &str = "synthetic.match_end.protobuf";

fn protobuf_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The committed catalog, its descriptor set and Avro schema beside it in a temp dir.
        let dir = std::env::temp_dir().join(format!("goalstream-fuzz-pb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        std::fs::write(dir.join("match_end.pb"), PROTOBUF_DESCRIPTOR_SET).expect("written");
        let avro_schema = include_str!("../../config/synthetic/match_end.avsc");
        std::fs::write(dir.join("match_end.avsc"), avro_schema).expect("written");
        let text = include_str!("../../config/synthetic/challenges.json");
        Catalog::parse(text, Some(&dir)).expect("the synthetic catalog is valid")
    })
}

/// `config/synthetic/match_end.pb`, the descriptor set of the synthetic `MatchEnd`.
const PROTOBUF_DESCRIPTOR_SET: &[u8] = include_bytes!("../../config/synthetic/match_end.pb");

/// A Protobuf message through goalstream's wire reader and the mapping (`ingest::codec::
/// protobuf`, `ingest::mapper`).
pub fn protobuf_decoder(data: &[u8]) {
    check_decoded(decode_event(
        protobuf_catalog(),
        PROTOBUF_TOPIC,
        data,
        DEFAULT_MAX_PAYLOAD_BYTES,
    ));
}

/// The catalog parser and validator (`Catalog::from_json`).
pub fn catalog_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Catalog::from_json(text) {
        Ok(catalog) => {
            for goal in catalog.goals() {
                assert!(check_external_id(&goal.goal_id, MAX_ID_LEN).is_ok(), "goal id checked");
                assert!(catalog.goal_ref(&goal.goal_id).is_some(), "every goal is indexed");
            }
        }
        Err(error) => assert!(!error.to_string().is_empty(), "a refusal says why"),
    }
}

/// What a decoded event promises: ids fit Postgres and the logs, numbers are non-negative;
/// a refusal says why.
fn check_decoded(result: Result<Option<Mapped>, String>) {
    match result {
        Ok(Some(mapped)) => {
            assert!(check_external_id(&mapped.user_id, MAX_ID_LEN).is_ok(), "user id checked");
            if let Some(event_id) = &mapped.event_id {
                assert!(check_external_id(event_id, MAX_ID_LEN).is_ok(), "event id checked");
            }
            for stat in &mapped.stats {
                assert!(stat.value.unwrap_or(0) >= 0 && stat.delta.unwrap_or(0) >= 0);
                assert!(stat.value.is_some() || stat.delta.is_some(), "a stat has a number");
            }
        }
        Ok(None) => {}
        Err(reason) => assert!(!reason.is_empty(), "a refusal says why"),
    }
}
