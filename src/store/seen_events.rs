//! De-duplication of resent events: the ids a flush applies are recorded in `seen_events` in
//! the flush transaction, so an id seen again within the window is skipped exactly when its
//! first copy committed (DESIGN.md, exactly once).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::StoreError;

const CLAIM: &str = include_str!("../../sql/seen_events/claim.sql");
const EXPIRE: &str = include_str!("../../sql/seen_events/expire.sql");

/// One event of a batch under de-duplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEvent {
    /// Its player.
    pub user_id: Arc<str>,
    /// Its id (or `topic/partition/offset`).
    pub event_id: Arc<str>,
    /// The updates it made: a range of the batch's per-event updates.
    pub updates: Range<usize>,
}

/// Records the events' ids at `now` and returns the indexes (into `events`) of those already
/// applied within `window`. `events` holds no `(user_id, event_id)` twice.
pub async fn claim<C: GenericClient>(
    client: &C,
    events: &[BatchEvent],
    now: DateTime<Utc>,
    window: Duration,
) -> Result<Vec<usize>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<&str> = events.iter().map(|e| &*e.user_id).collect();
    let ids: Vec<&str> = events.iter().map(|e| &*e.event_id).collect();
    let window = window.as_secs_f64();
    let statement = client.prepare_cached(CLAIM).await?;
    let rows = client.query(&statement, &[&users, &ids, &now, &window]).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let index: HashMap<(&str, &str), usize> =
        events.iter().enumerate().map(|(i, e)| ((&*e.user_id, &*e.event_id), i)).collect();
    Ok(rows
        .iter()
        .filter_map(|row| index.get(&(row.get::<_, &str>(0), row.get::<_, &str>(1))).copied())
        .collect())
}

/// Deletes at most `limit` ids older than `window` at `now`; returns how many.
pub async fn expire<C: GenericClient>(
    client: &C,
    now: DateTime<Utc>,
    window: Duration,
    limit: i64,
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(EXPIRE).await?;
    Ok(client.execute(&statement, &[&now, &window.as_secs_f64(), &limit]).await?)
}
