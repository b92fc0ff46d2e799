//! Decoding telemetry events: JSON bytes in, a borrowed [`Event`] or the reason it is malformed
//! out (DESIGN.md, Events).
//!
//! Malformed means: over the size limit; not a JSON object; `user_id` or `stat_code` missing or
//! not a string; an id (`user_id`, `stat_code`, `event_id`) over 100 characters or containing a
//! NUL (Postgres text cannot store it); neither `value` nor `delta` (`null` counts as absent);
//! `value` or `delta` not a JSON integer in the signed 64-bit range, or negative. Other fields
//! are ignored; an unparsable `ts` is treated as absent.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::catalog::MAX_ID_LEN;

/// Largest payload accepted by default, in bytes.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// One decoded event; strings borrow from the payload unless they held escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// Producer's id for the event, if any.
    pub event_id: Option<Cow<'a, str>>,
    /// Player id.
    pub user_id: Cow<'a, str>,
    /// Which stat the event reports.
    pub stat_code: Cow<'a, str>,
    /// Latest absolute value of the stat.
    pub value: Option<i64>,
    /// Increment of the stat.
    pub delta: Option<i64>,
    /// When the event happened, if given and parsable.
    pub ts: Option<DateTime<Utc>>,
}

/// Why a payload is not an event; kept as the dead letter's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    #[serde(borrow)]
    stat_code: Cow<'a, str>,
    #[serde(default)]
    value: Option<i64>,
    #[serde(default)]
    delta: Option<i64>,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
}

/// Decodes one payload of at most `max_bytes`.
pub fn decode(payload: &[u8], max_bytes: usize) -> Result<Event<'_>, DecodeError> {
    if payload.len() > max_bytes {
        return Err(DecodeError(format!(
            "payload of {} bytes is over the {max_bytes}-byte limit",
            payload.len()
        )));
    }
    let wire: Wire<'_> = serde_json::from_slice(payload).map_err(|error| {
        // serde's messages name the field and the expected type ("invalid type: floating point
        // `1.5`, expected i64", "missing field `user_id`"); add what was being decoded.
        DecodeError(format!("not a valid event: {error}"))
    })?;
    check_id("user_id", &wire.user_id)?;
    check_id("stat_code", &wire.stat_code)?;
    if let Some(event_id) = &wire.event_id {
        check_id("event_id", event_id)?;
    }
    if wire.value.is_none() && wire.delta.is_none() {
        return Err(DecodeError("neither `value` nor `delta` is present".into()));
    }
    for (name, number) in [("value", wire.value), ("delta", wire.delta)] {
        if let Some(n) = number.filter(|n| *n < 0) {
            return Err(DecodeError(format!("`{name}` is negative ({n})")));
        }
    }
    Ok(Event {
        event_id: wire.event_id,
        user_id: wire.user_id,
        stat_code: wire.stat_code,
        value: wire.value,
        delta: wire.delta,
        ts: wire.ts.and_then(|ts| DateTime::parse_from_rfc3339(&ts).ok()).map(|t| t.to_utc()),
    })
}

fn check_id(name: &str, id: &str) -> Result<(), DecodeError> {
    // Byte length bounds the character count from above: only long strings need counting.
    if id.len() > MAX_ID_LEN && id.chars().count() > MAX_ID_LEN {
        return Err(DecodeError(format!("`{name}` is longer than {MAX_ID_LEN} characters")));
    }
    if id.contains('\0') {
        return Err(DecodeError(format!("`{name}` contains a NUL character")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        assert!(reason(r#"{"user_id":"u","stat_code":"s","value":null,"delta":null}"#)
            .contains("neither"));
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
            (r#"{"user_id":"u\u0000","stat_code":"s","delta":1}"#, "NUL"),
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
}
