//! Unit tests of the Avro codec: schemas parsed and checked, datums read through a mapping
//! with the schema file `tests/fixtures/match.avsc`, one datum written by a reference
//! implementation (fastavro 1.13.1), and the encoder round-tripping.

use std::path::Path;

use serde_json::json;

use super::encode::encode;
use crate::catalog::mapping::avro::{AvroSchema, Node};
use crate::catalog::mapping::{Format, Pointer};
use crate::catalog::{Catalog, CatalogError};
use crate::ingest::codec::confluent;
use crate::ingest::mapper::StatValue;
use crate::ingest::record::decode_event;

const SCHEMA: &str = include_str!("../../../../tests/fixtures/match.avsc");

/// The fixture record written by fastavro 1.13.1 (`schemaless_writer`), the values of
/// [`record`].
const FASTAVRO: &str = "126d617463685f656e6406652d318098de93dd6608702d3432021802020c72616e6b65640e040af41706c025020e6d696e757465731c00040c72616e6b65640465750000";

fn record() -> serde_json::Value {
    json!({"type": "match_end", "event_id": "e-1", "ts_ms": 1_764_849_600_000_i64,
           "player": {"id": "p-42", "level": 12}, "result": "WIN", "mode": "ranked",
           "stats": {"kills": 7, "deaths": 2, "assists": 5, "damage": 1530, "headshots": 3,
                     "score": 2400},
           "counters": {"minutes": 14}, "tags": ["ranked", "eu"], "previous": null})
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn mapping(format: serde_json::Value) -> serde_json::Value {
    json!([{
        "topic": "av",
        "format": format,
        "when": [{"path": "/type", "equals": "match_end"}],
        "player_id": "/player/id",
        "event_id": "/event_id",
        "timestamp": {"path": "/ts_ms", "format": "epoch_ms"},
        "stats": [
            {"stat_code": "matches_played", "kind": "delta", "constant": 1},
            {"stat_code": "wins", "kind": "delta", "constant": 1,
             "when": [{"path": "/result", "equals": "WIN"}]},
            {"stat_code": "kills", "kind": "delta", "path": "/stats/kills"},
            {"stat_code": "minutes_played", "kind": "delta", "path": "/counters/minutes"},
            {"stat_code": "level", "kind": "absolute", "path": "/player/level", "optional": true},
            {"stat_code": "ranked_score", "kind": "absolute", "path": "/stats/score",
             "when": [{"path": "/tags/0", "equals": "ranked"}, {"path": "/mode", "exists": true}]}
        ]
    }])
}

fn catalog_with(mappings: serde_json::Value) -> Result<Catalog, CatalogError> {
    let mut file: serde_json::Value = serde_json::from_str(crate::catalog::EXAMPLE).unwrap();
    file["mappings"] = mappings;
    Catalog::parse(&file.to_string(), Some(fixtures()))
}

fn file_catalog() -> Catalog {
    catalog_with(mapping(json!({"type": "avro", "schema": "match.avsc"}))).unwrap()
}

/// A stat update as (stat code, value, delta).
type Update = (String, Option<i64>, Option<i64>);

fn updates(catalog: &Catalog, payload: &[u8]) -> Result<Vec<Update>, String> {
    let mapped = decode_event(catalog, "av", payload, 1 << 16)?.expect("the mapping takes it");
    let code = |s: &StatValue| catalog.stat_code(s.stat).to_string();
    Ok(mapped.stats.iter().map(|s| (code(s), s.value, s.delta)).collect())
}

fn d(s: &str, n: i64) -> Update {
    (s.to_string(), None, Some(n))
}

fn v(s: &str, n: i64) -> Update {
    (s.to_string(), Some(n), None)
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn a_reference_datum_maps_like_json_paths() {
    let catalog = file_catalog();
    let schema = AvroSchema::parse(SCHEMA).unwrap();
    // Our encoder writes the reference implementation's bytes.
    assert_eq!(encode(&schema, &record()).unwrap(), hex(FASTAVRO));
    let mapped = decode_event(&catalog, "av", &hex(FASTAVRO), 1 << 16).unwrap().unwrap();
    assert_eq!((mapped.user_id.as_str(), mapped.event_id.as_deref()), ("p-42", Some("e-1")));
    assert_eq!(mapped.ts, chrono::DateTime::from_timestamp_millis(1_764_849_600_000));
    let expected = [
        d("matches_played", 1),
        d("wins", 1),
        d("kills", 7),
        d("minutes_played", 14),
        v("level", 12),
        v("ranked_score", 2400),
    ];
    assert_eq!(updates(&catalog, &hex(FASTAVRO)).unwrap(), expected);
    // A null union branch is absent: the optional stat and the `exists` condition skip.
    let mut other = record();
    other["player"]["level"] = json!(null);
    other["mode"] = json!(null);
    other["result"] = json!("LOSS");
    let expected = [d("matches_played", 1), d("kills", 7), d("minutes_played", 14)];
    assert_eq!(updates(&catalog, &encode(&schema, &other).unwrap()).unwrap(), expected);
    // Another event type: no mapping takes it.
    other["type"] = json!("login");
    assert_eq!(decode_event(&catalog, "av", &encode(&schema, &other).unwrap(), 1 << 16), Ok(None));
}

#[test]
fn malformed_datums_and_fields_name_the_place() {
    let catalog = file_catalog();
    let schema = AvroSchema::parse(SCHEMA).unwrap();
    let good = hex(FASTAVRO);
    let truncated = updates(&catalog, &good[..good.len() - 3]).unwrap_err();
    assert!(
        truncated.starts_with("not a valid game.MatchEnd Avro datum: truncated"),
        "{truncated}"
    );
    let mut longer = good.clone();
    longer.push(0);
    let error = updates(&catalog, &longer).unwrap_err();
    assert!(error.contains("1 bytes after the datum"), "{error}");
    let error = updates(&catalog, &[0xff; 12]).unwrap_err();
    assert!(error.contains("not a valid game.MatchEnd Avro datum"), "{error}");
    // A union index out of range (the last byte: `previous`'s branch).
    let mut bad_union = good.clone();
    *bad_union.last_mut().unwrap() = 4;
    let error = updates(&catalog, &bad_union).unwrap_err();
    assert!(error.contains("union branch 2 of 2"), "{error}");
    // A field the mapping needs, of a type it cannot use.
    let mut negative = record();
    negative["stats"]["kills"] = json!(-7);
    let error = updates(&catalog, &encode(&schema, &negative).unwrap()).unwrap_err();
    assert_eq!(error, "at /stats/kills: out of range: -7 is negative");
    let mut no_counter = record();
    no_counter["counters"] = json!({});
    let error = updates(&catalog, &encode(&schema, &no_counter).unwrap()).unwrap_err();
    assert_eq!(error, "at /counters/minutes: missing");
}

#[test]
fn schemas_parse_names_recursion_and_refuse_mistakes() {
    let schema = AvroSchema::parse(SCHEMA).unwrap();
    assert_eq!(schema.name(), "game.MatchEnd");
    // `previous` refers to game.Player by its short name, inside the namespace.
    let Node::Record { fields, .. } = schema.node(schema.root()) else { panic!("a record") };
    let (_, previous) = fields.iter().find(|(name, _)| name == "previous").unwrap();
    let Node::Union(branches) = schema.node(*previous) else { panic!("a union") };
    assert!(matches!(schema.node(branches[1]), Node::Record { name, .. } if name == "game.Player"));
    let list = r#"{"type":"record","name":"List","fields":[
        {"name":"value","type":"long"},{"name":"next","type":["null","List"]}]}"#;
    let list = AvroSchema::parse(list).unwrap();
    let datum = encode(&list, &json!({"value": 1, "next": {"value": 2, "next": null}})).unwrap();
    let doc = super::decode(&list, &datum).unwrap();
    let at = |p: &str| crate::ingest::mapper::Document::field(&doc, &Pointer::parse(p).unwrap());
    assert_eq!(at("/next/value"), crate::ingest::mapper::Field::Int(2));
    assert_eq!(at("/next/next"), crate::ingest::mapper::Field::Null);
    assert!(list.check_path(&Pointer::parse("/next/next/next/value").unwrap()).is_ok());
    let error = |text: &str| AvroSchema::parse(text).unwrap_err();
    assert_eq!(error(r#""nope""#), "unknown type \"nope\"");
    assert!(error(r#"{"type":"record","name":"A","fields":[{"name":"a","type":"B"}]}"#)
        .contains("field A.a: unknown type \"B\""));
    assert!(error(r#"[["null"]]"#).contains("a union directly inside a union"));
    assert!(error("{").starts_with("not JSON"));
    // A record that contains itself without end is refused when read, not overflowing.
    let endless = r#"{"type":"record","name":"E","fields":[{"name":"e","type":"E"}]}"#;
    let endless = AvroSchema::parse(endless).unwrap();
    assert!(super::decode(&endless, &[]).unwrap_err().contains("nested deeper than 64"));
    // An array of nulls takes no byte per item: its count is bounded.
    let nulls = AvroSchema::parse(r#"{"type":"array","items":"null"}"#).unwrap();
    let error = super::decode(&nulls, &[0xfe, 0xff, 0xff, 0xff, 0x0f]).unwrap_err();
    assert!(error.contains("more items than the datum can hold"), "{error}");
}

#[test]
fn avro_formats_are_checked_at_start() {
    let with = |format: serde_json::Value, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut m = mapping(format);
        edit(&mut m[0]);
        catalog_with(m).unwrap_err().to_string()
    };
    let file = json!({"type": "avro", "schema": "match.avsc"});
    let error = with(file.clone(), &|m| m["stats"][2]["path"] = "/stats/kils".into());
    assert_eq!(
        error,
        "invalid catalog: at mappings[0]: /stats/kils: record game.Stats has no field \"kils\""
    );
    let error = with(file.clone(), &|m| m["player_id"] = "/player/id/x".into());
    assert!(error.contains("/player/id/x: \"x\" is below a scalar field"), "{error}");
    let error = with(file, &|m| m["stats"][5]["when"][0]["path"] = "/tags/first".into());
    assert!(error.contains("/tags/first: \"first\" is not a list index"), "{error}");
    let error = with(json!({"type": "avro", "schema": "missing.avsc"}), &|_| {});
    assert!(error.contains("at mappings[0].format.schema: cannot read"), "{error}");
    let error = with(json!({"type": "avro"}), &|_| {});
    assert!(error.contains("exactly one of `registry` and `schema`"), "{error}");
    let registry = json!({"type": "avro", "registry": {"url": "localhost:8081"}});
    let error = with(registry, &|_| {});
    assert!(error.contains("\"localhost:8081\" is not an http:// or https:// URL"), "{error}");
    let registry = json!({"type": "avro", "registry": {"url": "http://127.0.0.1:1",
                                                       "basic_auth_env": "GS_TEST_NO_SUCH_VAR"}});
    let error = with(registry, &|_| {});
    assert!(error.contains("environment variable GS_TEST_NO_SUCH_VAR is not set"), "{error}");
    let registry = json!({"type": "avro", "wire": "plain", "registry": {"url": "http://x"}});
    assert!(with(registry, &|_| {}).contains("at mappings[0].format.wire"));
}

#[test]
fn confluent_framed_file_schema_skips_the_header() {
    let catalog =
        catalog_with(mapping(json!({"type": "avro", "schema": "match.avsc", "wire": "confluent"})))
            .unwrap();
    assert!(matches!(catalog.mappings().format_of("av"), Format::Avro(_)));
    let mut framed = confluent::header(9, None);
    framed.extend_from_slice(&hex(FASTAVRO));
    assert_eq!(updates(&catalog, &framed).unwrap().len(), 6);
    let error = updates(&catalog, &hex(FASTAVRO)).unwrap_err();
    assert!(error.contains("expected 0 (Confluent wire format)"), "{error}");
}
