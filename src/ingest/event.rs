//! Decoding telemetry events: JSON bytes in, a borrowed [`Event`] or the reason it is malformed
//! out (DESIGN.md, Events).
//!
//! Malformed means: over the size limit; not a JSON object; `user_id` or `stat_code` missing or
//! not a string; an id (`user_id`, `stat_code`, `event_id`) over 100 characters or containing a
//! control character (NUL included: Postgres text cannot store it); neither `value` nor `delta` (`null` counts as absent);
//! `value` or `delta` not a JSON integer in the signed 64-bit range, or negative. Other fields
//! are ignored; an unparsable `ts` is treated as absent.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::catalog::{check_external_id, MAX_ID_LEN};

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
    check_external_id(id, MAX_ID_LEN).map_err(|problem| DecodeError(format!("`{name}` {problem}")))
}

#[cfg(test)]
mod tests;
