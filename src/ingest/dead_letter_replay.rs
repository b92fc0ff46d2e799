//! A dead letter sent through the same decode → buffer → flush path as Kafka, with the catalog
//! given now (after a fix): what `goalstream dead-letters replay` and the web UI's replay do.
//!
//! Each dead letter is replayed at most once: it is marked `replaying` in its own transaction
//! first, then flushed, then the outcome is recorded on it. A crash between the mark and the
//! flush's commit leaves it `replaying` and not applied; it is never applied twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use deadpool_postgres::Client;

use super::buffer::{Buffer, BufferConfig};
use super::event::DEFAULT_MAX_PAYLOAD_BYTES;
use super::record::{Body, Record};
use crate::catalog::Catalog;
use crate::store::dead_letter_admin;
use crate::store::{FlushBatch, ProgressStore, StoreError};

/// Replays dead letter `id` (at most once) and records the outcome on it; returns the outcome
/// (`applied: ...`, `refused again: ...`, or `not replayed: ...`). A flush that fails is
/// recorded as `error, not applied` and returned as the error.
pub async fn replay(
    store: &ProgressStore,
    catalog: &Arc<Catalog>,
    client: &mut Client,
    id: i64,
) -> Result<String, StoreError> {
    let Some((topic, payload)) = dead_letter_admin::begin_replay(&*client, id).await? else {
        return Ok("not replayed: no such dead letter, or it was replayed before".into());
    };
    // Decoded as its topic's events: through the topic's mapping, if it has one now.
    let body = Body::decode(catalog, &topic, None, &payload, DEFAULT_MAX_PAYLOAD_BYTES);
    let config = BufferConfig { max_age: Duration::MAX, ..BufferConfig::default() };
    let mut buffer = Buffer::new(config, catalog.clone());
    let record = Record {
        partition: (Arc::from("dead_letters"), 0),
        offset: id,
        epoch: 0,
        timestamp_ms: None,
        bytes: payload.len(),
        body,
    };
    buffer.push(record, Instant::now());
    let batch = buffer.take();
    let outcome = if let Some(refused) = batch.dead_letters.first() {
        format!("refused again: {}", refused.reason)
    } else if batch.updates.is_empty() {
        "applied: no goal reads its stat (nothing to change)".to_string()
    } else {
        let flush = FlushBatch {
            events: Default::default(),
            now: Utc::now(),
            updates: &batch.updates,
            group_id: "",
            offsets: &[],
            dead_letters: &[],
        };
        match store.flush(client, &flush).await {
            Ok(done) => format!(
                "applied: {} row(s) updated, {} created, {} goal(s) completed",
                done.updated,
                done.inserted,
                done.completed.len()
            ),
            Err(error) => {
                let outcome = format!("error, not applied (replay is at most once): {error}");
                dead_letter_admin::end_replay(&*client, id, &outcome).await?;
                return Err(error);
            }
        }
    };
    dead_letter_admin::end_replay(&*client, id, &outcome).await?;
    Ok(outcome)
}
