//! Unit tests of `match_end`: every encoding read back through the synthetic catalog's
//! mappings (config/synthetic/challenges.json) gives the sums the generator remembers.

use std::collections::HashMap;

use super::*;
use crate::catalog::mapping::avro::AvroSchema;
use crate::catalog::Catalog;
use crate::ingest::codec::avro::encode::encode;
use crate::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::ingest::record::decode_event;

fn synthetic_catalog() -> Catalog {
    Catalog::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/synthetic/challenges.json")).unwrap()
}

#[test]
fn every_encoding_maps_onto_the_sums_remembered() {
    let catalog = synthetic_catalog();
    for (encoding, topic) in [
        (Encoding::Json, "synthetic.match_end.json"),
        (Encoding::Protobuf, "synthetic.match_end.protobuf"),
        (Encoding::Avro { schema_id: 7 }, "synthetic.match_end.avro"),
    ] {
        let mut stream = MatchEnds::new(encoding, 40, 0.05, 3);
        let mut sums: HashMap<(String, String), i64> = HashMap::new();
        let (mut updates, mut malformed) = (0u64, 0);
        for _ in 0..2_000 {
            let event = stream.next_event();
            match decode_event(&catalog, topic, &event.payload, DEFAULT_MAX_PAYLOAD_BYTES) {
                Ok(Some(mapped)) => {
                    assert!(!event.malformed, "{encoding:?}");
                    assert_eq!(mapped.user_id, event.key);
                    assert!(mapped.ts.is_some(), "{encoding:?}: the timestamp is read");
                    updates += mapped.stats.len() as u64;
                    for stat in mapped.stats {
                        let key = (event.key.clone(), catalog.stat_code(stat.stat).to_string());
                        *sums.entry(key).or_insert(0) += stat.delta.unwrap();
                    }
                }
                Ok(None) => panic!("{encoding:?}: no mapping took the event"),
                Err(reason) => {
                    assert!(event.malformed, "{encoding:?}: {reason}");
                    malformed += 1;
                }
            }
        }
        assert!(malformed > 50, "{encoding:?}: {malformed} malformed");
        assert_eq!(updates, stream.stat_updates(), "{encoding:?}");
        let expected = stream.delta_sums();
        assert_eq!(sums.len(), expected.len(), "{encoding:?}");
        for (key, sum) in &expected {
            assert_eq!(sums.get(key), Some(sum), "{encoding:?} {key:?}");
        }
        let wins: i64 = expected.iter().filter(|((_, s), _)| s == "wins").map(|(_, v)| v).sum();
        let matches: i64 =
            expected.iter().filter(|((_, s), _)| s == "matches_played").map(|(_, v)| v).sum();
        assert!(wins > matches / 3 && wins < matches * 2 / 3, "{wins} wins of {matches}");
    }
}

#[test]
fn the_avro_writer_writes_what_the_schema_driven_encoder_writes() {
    let schema = AvroSchema::parse(AVRO_SCHEMA).unwrap();
    let game = Match {
        kills: 7,
        deaths: 2,
        assists: 300,
        damage: 123_456,
        headshots: 3,
        minutes: 14,
        win: true,
    };
    let value = serde_json::json!({"event_id": "m1", "player": {"id": "player-000001"},
        "ended_at_ms": 1_764_000_000_000i64, "result": "win", "duration_min": 14,
        "stats": {"kills": 7, "deaths": 2, "assists": 300, "damage": 123_456, "headshots": 3}});
    let mut expected = confluent::header(9, None);
    expected.extend(encode(&schema, &value).unwrap());
    assert_eq!(avro(9, "m1", "player-000001", 1_764_000_000_000, &game), expected);
}
