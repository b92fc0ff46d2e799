//! Unit tests of `event`.

use super::*;

fn ok(json: &str) -> Event<'_> {
    decode(json.as_bytes(), DEFAULT_MAX_PAYLOAD_BYTES).unwrap()
}

fn reason(json: &str) -> String {
    decode(json.as_bytes(), DEFAULT_MAX_PAYLOAD_BYTES).unwrap_err().0
}

#[test]
fn decodes_a_full_event_borrowing_strings() {
    let e = ok(
        r#"{"event_id":"e1","user_id":"u1","stat_code":"kills","value":42,"delta":1,"ts":"2026-01-01T00:00:00Z","extra":[1]}"#,
    );
    assert_eq!(e.user_id, "u1");
    assert!(matches!(e.user_id, Cow::Borrowed(_)));
    assert_eq!((e.value, e.delta), (Some(42), Some(1)));
    assert_eq!(e.ts, Some("2026-01-01T00:00:00Z".parse().unwrap()));
    // Escapes are decoded (and owned).
    assert_eq!(ok(r#"{"user_id":"u\u00e9","stat_code":"s","delta":1}"#).user_id, "ué");
}

#[test]
fn null_counts_as_absent() {
    let e = ok(r#"{"user_id":"u","stat_code":"s","value":null,"delta":3}"#);
    assert_eq!((e.value, e.delta), (None, Some(3)));
    assert!(
        reason(r#"{"user_id":"u","stat_code":"s","value":null,"delta":null}"#).contains("neither")
    );
    assert!(reason(r#"{"user_id":"u","stat_code":"s"}"#).contains("neither"));
}

#[test]
fn refuses_what_design_calls_malformed() {
    for (json, expected) in [
        ("[1,2]", "invalid type"),
        ("not json", "expected"),
        ("{}", "missing field `user_id`"),
        (r#"{"user_id":7,"stat_code":"s","delta":1}"#, "invalid type: integer"),
        (r#"{"user_id":"u","delta":1}"#, "missing field `stat_code`"),
        (r#"{"user_id":"u","stat_code":"s","value":1.5}"#, "floating point"),
        (r#"{"user_id":"u","stat_code":"s","value":"3"}"#, "invalid type: string"),
        (r#"{"user_id":"u","stat_code":"s","delta":true}"#, "invalid type: boolean"),
        (r#"{"user_id":"u","stat_code":"s","delta":-1}"#, "negative"),
        (r#"{"user_id":"u","stat_code":"s","delta":99999999999999999999}"#, "i64"),
        (r#"{"user_id":"u\u0000","stat_code":"s","delta":1}"#, "control character (U+0000)"),
        (r#"{"user_id":"u\n","stat_code":"s","delta":1}"#, "control character (U+000A)"),
        (r#"{"user_id":"u","stat_code":"s\u001b","delta":1}"#, "`stat_code` contains a control"),
    ] {
        let got = reason(json);
        assert!(got.contains(expected), "{json}: {got}");
    }
    let long = "x".repeat(101);
    let json = format!(r#"{{"user_id":"u","stat_code":"s","event_id":"{long}","delta":1}}"#);
    assert!(reason(&json).contains("`event_id` is longer than 100"));
    let exactly = "é".repeat(100); // 200 bytes, 100 characters: fine
    let json = format!(r#"{{"user_id":"{exactly}","stat_code":"s","delta":1}}"#);
    assert!(decode(json.as_bytes(), DEFAULT_MAX_PAYLOAD_BYTES).is_ok());
}

#[test]
fn refuses_oversized_payloads_and_ignores_bad_ts() {
    let json = r#"{"user_id":"u","stat_code":"s","delta":1,"ts":"yesterday"}"#;
    assert_eq!(ok(json).ts, None);
    assert!(decode(json.as_bytes(), 10).unwrap_err().0.contains("over the 10-byte limit"));
}
