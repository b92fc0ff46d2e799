//! Unit tests of the codecs: Confluent framing, and Protobuf events through a mapping built
//! from `tests/fixtures/match.proto` (compiled with protox, as `protoc --descriptor_set_out`
//! would).

use std::path::PathBuf;

use prost::Message;
use prost_reflect::{DynamicMessage, MapKey, Value};

use super::confluent;
use crate::catalog::{Catalog, CatalogError};
use crate::ingest::mapper::StatValue;
use crate::ingest::record::decode_event;

/// The fixture's descriptor set written to a file of its own; returns its directory.
fn descriptor_dir() -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let set = protox::compile([format!("{root}/tests/fixtures/match.proto")], [root]).unwrap();
    let dir = std::env::temp_dir().join(format!("gs-proto-{}-{}", std::process::id(), rand_id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("match.pb"), set.encode_to_vec()).unwrap();
    dir
}

fn rand_id() -> u64 {
    rand::random()
}

/// The example catalog's goals with `mappings` replaced.
fn catalog_with(
    mappings: serde_json::Value,
    base: &std::path::Path,
) -> Result<Catalog, CatalogError> {
    let mut file: serde_json::Value = serde_json::from_str(crate::catalog::EXAMPLE).unwrap();
    file["mappings"] = mappings;
    Catalog::parse(&file.to_string(), Some(base))
}

fn mapping(wire: &str) -> serde_json::Value {
    serde_json::json!([{
        "topic": "pb",
        "format": {"type": "protobuf", "descriptor_set": "match.pb", "message": "game.MatchEnd", "wire": wire},
        "when": [{"path": "/type", "equals": "match_end"}],
        "player_id": "/player/id",
        "event_id": "/event_id",
        "timestamp": {"path": "/ts_ms", "format": "epoch_ms"},
        "stats": [
            {"stat_code": "matches_played", "kind": "delta", "constant": 1},
            {"stat_code": "wins", "kind": "delta", "constant": 1, "when": [{"path": "/outcome", "equals": 1}]},
            {"stat_code": "kills", "kind": "delta", "path": "/stats/kills"},
            {"stat_code": "minutes_played", "kind": "delta", "path": "/counters/minutes"},
            {"stat_code": "level", "kind": "absolute", "path": "/player/level", "optional": true},
            {"stat_code": "ranked_score", "kind": "absolute", "path": "/stats/deaths",
             "when": [{"path": "/tags/0", "equals": "ranked"}]}
        ]
    }])
}

/// A `MatchEnd` built field by field.
fn match_end(catalog: &Catalog, edit: impl FnOnce(&mut DynamicMessage)) -> Vec<u8> {
    let crate::catalog::mapping::Format::Protobuf(format) = catalog.mappings().format_of("pb")
    else {
        panic!("pb is a protobuf topic")
    };
    let descriptor = format.message.clone();
    let mut message = DynamicMessage::new(descriptor.clone());
    message.set_field_by_name("type", Value::String("match_end".into()));
    message.set_field_by_name("event_id", Value::String("e-1".into()));
    message.set_field_by_name("ts_ms", Value::I64(1_764_849_600_000));
    let nested = |name: &str| match descriptor.get_field_by_name(name).unwrap().kind() {
        prost_reflect::Kind::Message(m) => DynamicMessage::new(m),
        _ => unreachable!(),
    };
    let mut player = nested("player");
    player.set_field_by_name("id", Value::String("p-42".into()));
    message.set_field_by_name("player", Value::Message(player));
    let mut stats = nested("stats");
    stats.set_field_by_name("kills", Value::U32(7));
    message.set_field_by_name("stats", Value::Message(stats));
    message.set_field_by_name("outcome", Value::EnumNumber(1));
    let counters = [(MapKey::String("minutes".into()), Value::I64(14))].into_iter().collect();
    message.set_field_by_name("counters", Value::Map(counters));
    edit(&mut message);
    message.encode_to_vec()
}

/// A stat update as (stat code, value, delta).
type Update = (String, Option<i64>, Option<i64>);

fn updates(catalog: &Catalog, payload: &[u8]) -> Result<Vec<Update>, String> {
    let mapped = decode_event(catalog, "pb", payload, 1 << 16)?.expect("the mapping takes it");
    let code = |s: &StatValue| catalog.stat_code(s.stat).to_string();
    Ok(mapped.stats.iter().map(|s| (code(s), s.value, s.delta)).collect())
}

#[test]
fn confluent_header_round_trips_and_refuses_other_framing() {
    let mut framed = confluent::header(7, Some(&[1, 0, 2]));
    framed.extend_from_slice(b"body");
    let split = confluent::split(&framed).unwrap();
    assert_eq!(split.schema_id, 7);
    let (indexes, body) = confluent::message_indexes(split.body).unwrap();
    assert_eq!((indexes, body), (vec![1, 0, 2], &b"body"[..]));
    // [0] is written as a single 0 byte.
    assert_eq!(confluent::header(1, Some(&[0])), [0, 0, 0, 0, 1, 0]);
    assert_eq!(confluent::message_indexes(&[0, 9]).unwrap(), (vec![0], &[9u8][..]));
    assert!(confluent::split(b"{\"a\":1}").unwrap_err().contains("magic byte 123"));
    assert!(confluent::split(&[0, 0, 1]).unwrap_err().contains("shorter than the 5-byte"));
    assert!(confluent::message_indexes(&[0x80]).unwrap_err().contains("truncated"));
    assert!(confluent::message_indexes(&[100]).unwrap_err().contains("count 50"));
}

#[test]
fn protobuf_fields_map_like_json_paths() {
    let dir = descriptor_dir();
    let catalog = catalog_with(mapping("plain"), &dir).unwrap();
    let d = |s: &str, n| (s.to_string(), None, Some(n));
    let v = |s: &str, n| (s.to_string(), Some(n), None);
    let payload = match_end(&catalog, |_| {});
    let mapped = decode_event(&catalog, "pb", &payload, 1 << 16).unwrap().unwrap();
    assert_eq!((mapped.user_id.as_str(), mapped.event_id.as_deref()), ("p-42", Some("e-1")));
    assert_eq!(mapped.ts, chrono::DateTime::from_timestamp_millis(1_764_849_600_000));
    // level has presence and is unset: the optional stat is skipped.
    let expected = [d("matches_played", 1), d("wins", 1), d("kills", 7), d("minutes_played", 14)];
    assert_eq!(updates(&catalog, &payload).unwrap(), expected);
    // A list element in a condition; deaths is a proto3 scalar not on the wire: it reads 0.
    let ranked = match_end(&catalog, |m| {
        m.set_field_by_name("tags", Value::List(vec![Value::String("ranked".into())]));
        m.set_field_by_name("outcome", Value::EnumNumber(2));
        let mut player = m.get_field_by_name("player").unwrap().as_message().unwrap().clone();
        player.set_field_by_name("level", Value::I32(12));
        m.set_field_by_name("player", Value::Message(player));
    });
    let expected = [
        d("matches_played", 1),
        d("kills", 7),
        d("minutes_played", 14),
        v("level", 12),
        v("ranked_score", 0),
    ];
    assert_eq!(updates(&catalog, &ranked).unwrap(), expected);
}

#[test]
fn protobuf_failures_name_the_path_or_the_message() {
    let dir = descriptor_dir();
    let catalog = catalog_with(mapping("plain"), &dir).unwrap();
    let no_player = match_end(&catalog, |m| m.clear_field_by_name("player"));
    assert_eq!(updates(&catalog, &no_player).unwrap_err(), "at /player/id: missing");
    let no_counter = match_end(&catalog, |m| m.clear_field_by_name("counters"));
    assert_eq!(updates(&catalog, &no_counter).unwrap_err(), "at /counters/minutes: missing");
    let negative = match_end(&catalog, |m| {
        let counters = [(MapKey::String("minutes".into()), Value::I64(-3))].into_iter().collect();
        m.set_field_by_name("counters", Value::Map(counters));
    });
    assert_eq!(
        updates(&catalog, &negative).unwrap_err(),
        "at /counters/minutes: out of range: -3 is negative"
    );
    let garbage = updates(&catalog, &[0xff, 0xff, 0xff]).unwrap_err();
    assert!(garbage.starts_with("not a valid game.MatchEnd message"), "{garbage}");
    // Another event type on the topic: no mapping takes it.
    let other = match_end(&catalog, |m| m.set_field_by_name("type", Value::String("login".into())));
    assert_eq!(decode_event(&catalog, "pb", &other, 1 << 16), Ok(None));
}

#[test]
fn confluent_framed_protobuf_checks_the_message_indexes() {
    let dir = descriptor_dir();
    let catalog = catalog_with(mapping("confluent"), &dir).unwrap();
    let body = match_end(&catalog, |_| {});
    // MatchEnd is the file's second message.
    let mut framed = confluent::header(3, Some(&[1]));
    framed.extend_from_slice(&body);
    assert_eq!(updates(&catalog, &framed).unwrap().len(), 4);
    let mut heartbeat = confluent::header(3, Some(&[0]));
    heartbeat.extend_from_slice(&body);
    let error = updates(&catalog, &heartbeat).unwrap_err();
    assert!(
        error.contains("message indexes [0] name another message than game.MatchEnd"),
        "{error}"
    );
    let error = updates(&catalog, &body).unwrap_err();
    assert!(error.contains("expected 0 (Confluent wire format)"), "{error}");
}

#[test]
fn protobuf_formats_are_checked_at_start() {
    let dir = descriptor_dir();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut m = mapping("plain");
        edit(&mut m[0]);
        catalog_with(m, &dir).unwrap_err().to_string()
    };
    let error = with(&|m| m["stats"][2]["path"] = "/stats/kils".into());
    assert_eq!(
        error,
        "invalid catalog: at mappings[0]: /stats/kils: message game.MatchEnd.Stats has no field \"kils\""
    );
    let error = with(&|m| m["player_id"] = "/player/id/x".into());
    assert!(error.contains("/player/id/x: \"x\" is below a scalar field"), "{error}");
    let error = with(&|m| m["format"]["message"] = "game.Nope".into());
    assert!(error.contains("at mappings[0].format.message: no message \"game.Nope\""), "{error}");
    let error = with(&|m| m["format"]["descriptor_set"] = "missing.pb".into());
    assert!(error.contains("at mappings[0].format.descriptor_set: cannot read"), "{error}");
    let error = with(&|m| m["format"]["wire"] = "avro".into());
    assert!(error.contains("unknown variant `avro`"), "{error}");
}
