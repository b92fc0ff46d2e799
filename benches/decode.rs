//! Criterion bench: decoding telemetry payloads (one core).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::time::Duration;

use prost_reflect::DynamicMessage;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goalstream::catalog::mapping::avro::AvroSchema;
use goalstream::catalog::mapping::{AvroSource, Format};
use goalstream::catalog::Catalog;
use goalstream::ingest::codec::{avro, confluent, protobuf};
use goalstream::ingest::event::{decode, DEFAULT_MAX_PAYLOAD_BYTES};
use goalstream::ingest::record::Body;

/// Stats of a `match_end`; each feeds one goal.
const STATS: [&str; 8] =
    ["kills", "deaths", "assists", "damage", "headshots", "duration_s", "matches", "wins"];

/// A catalog with one goal per stat and a `match_end` mapping updating all eight, on topic
/// `matches` (JSON), `matches-pb` (Protobuf, `tests/fixtures/match.proto`'s `MatchEnd`,
/// whose field names are the JSON event's keys) and `matches-avro` (Avro by a registry,
/// [`AVRO_SCHEMA`], its schema cached as after the first fetch).
fn match_catalog() -> Catalog {
    let goals: Vec<String> = STATS
        .iter()
        .map(|s| {
            format!(
                r#"{{"goal_id":"{s}-goal","name":"{s}","stat_code":"{s}","mode":"increment",
                    "target":100,"default_assigned":true,
                    "reward":{{"type":"currency","item_id":"gold","quantity":1}}}}"#
            )
        })
        .collect();
    let stats = r#"
        {"stat_code":"kills","kind":"delta","path":"/stats/kills"},
        {"stat_code":"deaths","kind":"delta","path":"/stats/deaths"},
        {"stat_code":"assists","kind":"delta","path":"/stats/assists"},
        {"stat_code":"damage","kind":"delta","path":"/stats/damage_dealt"},
        {"stat_code":"headshots","kind":"delta","path":"/stats/headshots"},
        {"stat_code":"duration_s","kind":"delta","path":"/match/duration_s"},
        {"stat_code":"matches","kind":"delta","constant":1},
        {"stat_code":"wins","kind":"delta","constant":1,"when":[{"path":"/result","equals":"win"}]}"#;
    let json = format!(
        r#"{{"challenges":[{{"challenge_id":"c","name":"C","goals":[{}]}}],
            "mappings":[{{"topic":"matches",{mapping}}},
              {{"topic":"matches-pb","format":{{"type":"protobuf","descriptor_set":{set:?},
                "message":"game.MatchEnd"}},{mapping}}},
              {{"topic":"matches-avro","format":{{"type":"avro",
                "registry":{{"url":"http://127.0.0.1:9"}}}},{mapping}}}]}}"#,
        goals.join(","),
        mapping = format!(
            r#""when":[{{"path":"/type","equals":"match_end"}}],
              "player_id":"/player/id","event_id":"/event_id",
              "timestamp":{{"path":"/ts_ms","format":"epoch_ms"}},"stats":[{stats}]"#
        ),
        set = descriptor_set().display().to_string(),
    );
    Catalog::from_json(&json).unwrap()
}

/// The JSON `match_end` below as an Avro record (as a data platform would register it:
/// optional fields as unions with null, the result an enum of lower-case symbols).
const AVRO_SCHEMA: &str = r#"{"type":"record","name":"MatchEnd","namespace":"game","fields":[
    {"name":"type","type":"string"},{"name":"event_id","type":"string"},
    {"name":"ts_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"player","type":{"type":"record","name":"Player","fields":[
        {"name":"id","type":"string"},{"name":"platform","type":["null","string"]},
        {"name":"level","type":["null","int"]}]}},
    {"name":"match","type":{"type":"record","name":"Match","fields":[
        {"name":"id","type":"string"},{"name":"mode","type":"string"},
        {"name":"map","type":["null","string"]},{"name":"duration_s","type":"long"}]}},
    {"name":"result","type":{"type":"enum","name":"Result","symbols":["loss","win","draw"]}},
    {"name":"stats","type":{"type":"record","name":"Stats","fields":[
        {"name":"kills","type":"int"},{"name":"deaths","type":"int"},
        {"name":"assists","type":"int"},{"name":"damage_dealt","type":"long"},
        {"name":"headshots","type":"int"},{"name":"accuracy","type":["null","double"]}]}}]}"#;

/// The `match_end` as a Confluent-framed Avro datum (schema id 1), its schema in the cache.
fn match_end_avro(catalog: &Catalog, match_end: &[u8]) -> Vec<u8> {
    let Format::Avro(format) = catalog.mappings().format_of("matches-avro") else { panic!() };
    let AvroSource::Registry(registry) = &format.source else { panic!() };
    let schema = AvroSchema::parse(AVRO_SCHEMA).unwrap();
    let json: serde_json::Value = serde_json::from_slice(match_end).unwrap();
    let mut payload = confluent::header(1, None);
    payload.extend(avro::encode::encode(&schema, &json).unwrap());
    registry.preload(1, schema);
    payload
}

/// `tests/fixtures/match.proto` compiled (as `protoc --descriptor_set_out` would) into a file.
fn descriptor_set() -> std::path::PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let set = protox::compile([format!("{root}/tests/fixtures/match.proto")], [root]).unwrap();
    let path = std::env::temp_dir().join(format!("goalstream-bench-{}.pb", std::process::id()));
    std::fs::write(&path, prost::Message::encode_to_vec(&set)).unwrap();
    path
}

/// The JSON `match_end` below as a `game.MatchEnd` message.
fn match_end_protobuf(catalog: &Catalog) -> Vec<u8> {
    let Format::Protobuf(format) = catalog.mappings().format_of("matches-pb") else { panic!() };
    let json = serde_json::json!({"type":"match_end","event_id":"9f1c2e7a-33b0-4c55-a2c8-6d1f0e2b7a41",
        "ts_ms":1764849600123_i64,"player":{"id":"player-004217","platform":"ios","level":31},
        "match":{"id":"m-88213","mode":"ranked","duration_s":1420},"result":"win",
        "stats":{"kills":12,"deaths":4,"assists":7,"damage_dealt":3481,"headshots":5,"accuracy":0.31}});
    let message = DynamicMessage::deserialize(format.message.clone(), json).unwrap();
    prost::Message::encode_to_vec(&message)
}

fn bench(c: &mut Criterion) {
    let increment = br#"{"event_id":"e123456","user_id":"player-004217","stat_code":"kills","delta":3,"ts":"2026-11-23T12:00:00.123Z"}"#;
    let value = br#"{"event_id":"e123457","user_id":"player-004217","stat_code":"ranked_score","value":48120,"delta":120,"ts":"2026-11-23T12:00:00.123Z"}"#;
    let malformed = br#"{"user_id":"player-004217","stat_code":"kills","value":1.5}"#;
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("increment", |b| {
        b.iter(|| decode(increment, DEFAULT_MAX_PAYLOAD_BYTES).unwrap())
    });
    group.bench_function("value", |b| b.iter(|| decode(value, DEFAULT_MAX_PAYLOAD_BYTES).unwrap()));
    group.bench_function("malformed", |b| {
        b.iter(|| decode(malformed, DEFAULT_MAX_PAYLOAD_BYTES).unwrap_err())
    });
    group.finish();

    // One match_end through its mapping: 8 stat updates per event (the unit is updates/s).
    let catalog = match_catalog();
    let match_end = br#"{"type":"match_end","event_id":"9f1c2e7a-33b0-4c55-a2c8-6d1f0e2b7a41","ts_ms":1764849600123,"player":{"id":"player-004217","platform":"ios","level":31},"match":{"id":"m-88213","mode":"ranked","map":"harbor","duration_s":1420},"result":"win","stats":{"kills":12,"deaths":4,"assists":7,"damage_dealt":3481,"headshots":5,"accuracy":0.31}}"#;
    let updates = |body: &Body| match body {
        Body::Event { stats, .. } => stats.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(updates(&Body::decode(&catalog, "matches", None, match_end, 1 << 16)), 8);
    let mut group = c.benchmark_group("decode_mapped");
    group.throughput(Throughput::Elements(8));
    group.bench_function("match_end_8_stats", |b| {
        b.iter(|| Body::decode(&catalog, "matches", None, match_end, DEFAULT_MAX_PAYLOAD_BYTES))
    });
    group.finish();
    // The same match_end as Protobuf (1 event = 8 updates; the target is in events/s).
    let proto = match_end_protobuf(&catalog);
    assert_eq!(updates(&Body::decode(&catalog, "matches-pb", None, &proto, 1 << 16)), 8);
    let mut group = c.benchmark_group("decode_protobuf");
    group.throughput(Throughput::Elements(1));
    group.bench_function("match_end_8_stats", |b| {
        b.iter(|| Body::decode(&catalog, "matches-pb", None, &proto, DEFAULT_MAX_PAYLOAD_BYTES))
    });
    // The wire alone: bytes to a document, no mapping, no event built.
    let Format::Protobuf(format) = catalog.mappings().format_of("matches-pb") else { panic!() };
    group.bench_function("wire_only", |b| b.iter(|| protobuf::decode(format, &proto).unwrap()));
    group.finish();
    // The same match_end as Avro, schema cached (1 event = 8 updates; target in events/s).
    let avro = match_end_avro(&catalog, match_end);
    assert_eq!(updates(&Body::decode(&catalog, "matches-avro", None, &avro, 1 << 16)), 8);
    let mut group = c.benchmark_group("decode_avro");
    group.throughput(Throughput::Elements(1));
    group.bench_function("match_end_8_stats", |b| {
        b.iter(|| Body::decode(&catalog, "matches-avro", None, &avro, DEFAULT_MAX_PAYLOAD_BYTES))
    });
    let Format::Avro(format) = catalog.mappings().format_of("matches-avro") else { panic!() };
    let (schema, datum) = avro::schema_for(format, &avro, Duration::ZERO).unwrap();
    group.bench_function("wire_only", |b| b.iter(|| avro::decode(&schema, datum).unwrap()));
    group.finish();
    // The built-in shape through the same entry point, for comparison (1 update per event).
    let mut group = c.benchmark_group("decode_fixed");
    group.throughput(Throughput::Elements(1));
    group.bench_function("increment", |b| {
        b.iter(|| Body::decode(&catalog, "t", None, increment, DEFAULT_MAX_PAYLOAD_BYTES))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
