//! Dead letters as an operator works them: a filtered list in keyset pages, one letter, discard,
//! and the at-most-once bookkeeping of a replay. Statements in `sql/console/`. Writing dead
//! letters is [`super::dead_letters`], inside the flush.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::Row;

use super::StoreError;

const PAGE: &str = include_str!("../../sql/console/dead_letters_page.sql");
const BY_ID: &str = include_str!("../../sql/console/dead_letter_by_id.sql");
const DISCARD: &str = include_str!("../../sql/console/discard_dead_letters.sql");
const BEGIN_REPLAY: &str = include_str!("../../sql/console/begin_replay.sql");
const END_REPLAY: &str = include_str!("../../sql/console/end_replay.sql");

/// A stored dead letter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterRecord {
    /// Id, in arrival order.
    pub id: i64,
    /// Source topic (the file name for `goalstream replay`).
    pub topic: Option<String>,
    /// Source partition.
    pub partition: Option<i32>,
    /// Source offset (line number for file replays).
    pub offset: Option<i64>,
    /// Raw key.
    pub key: Option<Vec<u8>>,
    /// Raw payload, byte for byte.
    pub payload: Vec<u8>,
    /// Why it was refused.
    pub reason: String,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// When it was replayed, if it was.
    pub replayed_at: Option<DateTime<Utc>>,
    /// What the replay did.
    pub replay_outcome: Option<String>,
}

impl DeadLetterRecord {
    fn from_row(r: &Row) -> Self {
        DeadLetterRecord {
            id: r.get("id"),
            topic: r.get("topic"),
            partition: r.get("partition"),
            offset: r.get("offset"),
            key: r.get("key"),
            payload: r.get("payload"),
            reason: r.get("reason"),
            created_at: r.get("created_at"),
            replayed_at: r.get("replayed_at"),
            replay_outcome: r.get("replay_outcome"),
        }
    }
}

/// Which dead letters a list is about; every field optional (`None`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// Source topic.
    pub topic: Option<String>,
    /// Reason contains this (case-insensitive).
    pub reason: Option<String>,
    /// Written at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Written before.
    pub created_before: Option<DateTime<Utc>>,
    /// Some(true): only replayed ones; Some(false): only never replayed ones.
    pub replayed: Option<bool>,
}

/// One page of dead letters matching `filter`, newest first, ids below `before`.
pub async fn page<C: GenericClient>(
    client: &C,
    filter: &DeadLetterFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeadLetterRecord>, StoreError> {
    let statement = client.prepare_cached(PAGE).await?;
    let rows = client
        .query(
            &statement,
            &[
                &filter.topic,
                &filter.reason,
                &filter.created_after,
                &filter.created_before,
                &filter.replayed,
                &before,
                &limit,
            ],
        )
        .await?;
    Ok(rows.iter().map(DeadLetterRecord::from_row).collect())
}

/// Dead letter `id`.
pub async fn get<C: GenericClient>(
    client: &C,
    id: i64,
) -> Result<Option<DeadLetterRecord>, StoreError> {
    let statement = client.prepare_cached(BY_ID).await?;
    Ok(client.query_opt(&statement, &[&id]).await?.as_ref().map(DeadLetterRecord::from_row))
}

/// Deletes dead letters `ids`; returns the ids deleted.
pub async fn discard<C: GenericClient>(client: &C, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    let statement = client.prepare_cached(DISCARD).await?;
    Ok(client.query_one(&statement, &[&ids]).await?.get(0))
}

/// Takes dead letter `id` for a replay (marks it `replaying`), at most once: its topic and
/// payload, or `None` when it does not exist or was replayed before.
pub async fn begin_replay<C: GenericClient>(
    client: &C,
    id: i64,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let statement = client.prepare_cached(BEGIN_REPLAY).await?;
    Ok(client.query_opt(&statement, &[&id]).await?.map(|r| (r.get(0), r.get(1))))
}

/// Records what the replay of dead letter `id` did.
pub async fn end_replay<C: GenericClient>(
    client: &C,
    id: i64,
    outcome: &str,
) -> Result<(), StoreError> {
    let statement = client.prepare_cached(END_REPLAY).await?;
    client.execute(&statement, &[&id, &outcome]).await?;
    Ok(())
}
