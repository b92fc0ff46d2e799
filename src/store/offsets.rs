//! Kafka partition offsets stored in Postgres: where a consumer group resumes, moved in the
//! same transaction as the progress the messages produced (DESIGN.md, Delivery).

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use super::StoreError;

const STORE: &str = include_str!("../../sql/offsets/store.sql");
const LOAD: &str = include_str!("../../sql/offsets/load.sql");

/// Moves one partition's stored offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMove {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// The stored `next_offset` this consumer last read or wrote; `None` if there was no row.
    pub expected: Option<i64>,
    /// The offset of the next message to apply after this flush.
    pub next: i64,
}

/// Prepares (and caches) the fenced move on this connection, so that a later [`store`] sends
/// its statement without a round trip first (the flush pipelines it before the merge).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    client.prepare_cached(STORE).await?;
    Ok(())
}

/// Moves every partition's offset from its expected value, or fails with
/// [`StoreError::Fenced`] if another consumer moved any of them. Run inside the flush
/// transaction, before anything else, so its row locks order concurrent flushes.
pub async fn store<C: GenericClient>(
    client: &C,
    group_id: &str,
    moves: &[OffsetMove],
) -> Result<(), StoreError> {
    if moves.is_empty() {
        return Ok(());
    }
    let topics: Vec<&str> = moves.iter().map(|m| m.topic.as_str()).collect();
    let partitions: Vec<i32> = moves.iter().map(|m| m.partition).collect();
    let expected: Vec<Option<i64>> = moves.iter().map(|m| m.expected).collect();
    let next: Vec<i64> = moves.iter().map(|m| m.next).collect();
    let statement = client.prepare_cached(STORE).await?;
    let row =
        client.query_one(&statement, &[&group_id, &topics, &partitions, &expected, &next]).await?;
    let moved = usize::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    if moved != moves.len() {
        return Err(StoreError::Fenced {
            moved_by_others: moves.len() - moved,
            expected: moves.len(),
        });
    }
    Ok(())
}

/// The stored next offset of every partition of `topics` for the group.
pub async fn load<C: GenericClient>(
    client: &C,
    group_id: &str,
    topics: &[String],
) -> Result<HashMap<(String, i32), i64>, StoreError> {
    let rows = client.query(LOAD, &[&group_id, &topics]).await?;
    Ok(rows.iter().map(|r| ((r.get(0), r.get(1)), r.get(2))).collect())
}
