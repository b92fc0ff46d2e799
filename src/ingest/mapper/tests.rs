//! Unit tests of `mapper`, on the example catalog's `match-events` mapping.

use super::*;
use crate::catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::from_json(crate::catalog::EXAMPLE).unwrap()
}

fn map(catalog: &Catalog, json: &str) -> Result<Option<Mapped>, MappingError> {
    let mappings = catalog.mappings().of("match-events").unwrap();
    apply(mappings, &JsonDocument(serde_json::from_str(json).unwrap()))
}

fn stats(catalog: &Catalog, mapped: &Mapped) -> Vec<(String, Option<i64>, Option<i64>)> {
    mapped.stats.iter().map(|s| (catalog.stat_code(s.stat).to_string(), s.value, s.delta)).collect()
}

const WIN: &str = r#"{"type":"match_end","event_id":"e-1","player":{"id":"p-42","level":12},
    "result":"win","match":{"ended_at_ms":1764849600000,"duration_min":14,"mode":"ranked"},
    "stats":{"kills":7,"ranked_score":1530}}"#;

#[test]
fn one_event_updates_many_stats_with_conditions_and_constants() {
    let catalog = catalog();
    let mapped = map(&catalog, WIN).unwrap().unwrap();
    assert_eq!(mapped.user_id, "p-42");
    assert_eq!(mapped.event_id.as_deref(), Some("e-1"));
    assert_eq!(mapped.ts, DateTime::from_timestamp_millis(1_764_849_600_000));
    let d = |s: &str, n| (s.to_string(), None, Some(n));
    let v = |s: &str, n| (s.to_string(), Some(n), None);
    assert_eq!(
        stats(&catalog, &mapped),
        [
            d("matches_played", 1),
            d("wins", 1),
            d("kills", 7),
            d("minutes_played", 14),
            v("level", 12),
            v("ranked_score", 1530)
        ]
    );
    // A loss in a casual match without a level: no wins, no ranked score, no level.
    let loss = WIN
        .replace(r#""result":"win""#, r#""result":"loss""#)
        .replace(r#""mode":"ranked""#, r#""mode":"casual""#)
        .replace(r#","level":12"#, "");
    let mapped = map(&catalog, &loss).unwrap().unwrap();
    assert_eq!(
        stats(&catalog, &mapped),
        [d("matches_played", 1), d("kills", 7), d("minutes_played", 14)]
    );
    // Another event type: no mapping takes it.
    assert_eq!(map(&catalog, &WIN.replace("match_end", "match_start")).unwrap(), None);
    // Integer player ids are ids too.
    let numeric = WIN.replace(r#""id":"p-42""#, r#""id":42"#);
    assert_eq!(map(&catalog, &numeric).unwrap().unwrap().user_id, "42");
}

#[test]
fn failures_name_the_path_and_why() {
    let catalog = catalog();
    for (from, to, expected) in [
        (r#""kills":7"#, r#""kills":-7"#, "at /stats/kills: out of range: -7 is negative"),
        (
            r#""kills":7"#,
            r#""kills":"7""#,
            "at /stats/kills: wrong type: expected an integer, got a string",
        ),
        (
            r#""kills":7"#,
            r#""kills":7.5"#,
            "at /stats/kills: wrong type: expected an integer, got a floating-point number",
        ),
        (
            r#""kills":7"#,
            r#""kills":18446744073709551615"#,
            "at /stats/kills: out of range: 18446744073709551615 is above",
        ),
        (r#""kills":7,"#, "", "at /stats/kills: missing"),
        (r#""kills":7"#, r#""kills":null"#, "at /stats/kills: missing"),
        (
            r#""id":"p-42""#,
            r#""id":{"x":1}"#,
            "at /player/id: wrong type: expected a string or an integer, got an object",
        ),
        (
            r#""id":"p-42""#,
            r#""id":"p\u0000""#,
            "at /player/id: out of range: contains a control character (U+0000)",
        ),
        // Found by the mapped_decoder fuzz target: DEL and the C1 controls were accepted.
        (
            r#""id":"p-42""#,
            r#""id":"p\u007f-1""#,
            "at /player/id: out of range: contains a control character (U+007F)",
        ),
        (
            r#""id":"p-42""#,
            r#""id":"p\u009c""#,
            "at /player/id: out of range: contains a control character (U+009C)",
        ),
        (
            r#""ended_at_ms":1764849600000"#,
            r#""ended_at_ms":"soon""#,
            "at /match/ended_at_ms: wrong type: expected an integer, got a string",
        ),
        (
            r#""ended_at_ms":1764849600000"#,
            r#""ended_at_ms":9223372036854775807"#,
            "at /match/ended_at_ms: out of range",
        ),
        (
            r#""event_id":"e-1","#,
            r#""event_id":[],"#,
            "at /event_id: wrong type: expected a string or an integer, got a list",
        ),
    ] {
        assert!(WIN.contains(from), "{from}");
        let error = map(&catalog, &WIN.replace(from, to)).unwrap_err().to_string();
        assert!(error.starts_with(expected), "{to}: {error}");
    }
    let long = format!(r#""id":"{}""#, "x".repeat(101));
    let error = map(&catalog, &WIN.replace(r#""id":"p-42""#, &long)).unwrap_err();
    assert_eq!(error.why, Why::OutOfRange("is longer than 100 characters".into()));
}

#[test]
fn json_pointers_walk_lists_and_escapes() {
    let doc = JsonDocument(serde_json::json!({"a/b": {"~k": [10, {"x": true}]}, "n": null}));
    let field = |p: &str| doc.field(&Pointer::parse(p).unwrap());
    assert_eq!(field("/a~1b/~0k/0"), Field::Int(10));
    assert_eq!(field("/a~1b/~0k/1/x"), Field::Bool(true));
    assert_eq!(field("/a~1b/~0k/2"), Field::Missing);
    assert_eq!(field("/a~1b/~0k/01"), Field::Missing);
    assert_eq!(field("/n"), Field::Null);
    assert_eq!(field("/n/deeper"), Field::Missing);
}

#[test]
fn a_mapping_failure_is_a_dead_letter_with_the_payload_byte_for_byte() {
    use crate::ingest::record::Body;
    let catalog = catalog();
    let payload = WIN.replace(r#""kills":7"#, r#""kills":-7"#).into_bytes();
    let body = Body::decode(&catalog, "match-events", Some(b"k"), &payload, 1 << 16);
    let Body::Malformed { key, payload: kept, reason } = body else { panic!("{body:?}") };
    assert_eq!((key.as_deref(), kept), (Some(&b"k"[..]), payload));
    assert_eq!(reason, "at /stats/kills: out of range: -7 is negative");
    let body = Body::decode(&catalog, "match-events", None, WIN.as_bytes(), 10);
    assert!(matches!(body, Body::Malformed { reason, .. } if reason.contains("10-byte limit")));
}
