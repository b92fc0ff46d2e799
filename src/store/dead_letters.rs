//! Events that could not be applied, written whole in the flush transaction so their offsets
//! advance with them.

use deadpool_postgres::GenericClient;

use super::StoreError;

const INSERT: &str = include_str!("../../sql/dead_letters/insert.sql");

/// One refused event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Source topic (the file name for a replay).
    pub topic: String,
    /// Source partition; `None` for a file replay.
    pub partition: Option<i32>,
    /// Source offset (the line number for a file replay).
    pub offset: i64,
    /// Raw key.
    pub key: Option<Vec<u8>>,
    /// Raw payload, byte for byte.
    pub payload: Vec<u8>,
    /// Why it was refused.
    pub reason: String,
}

/// Prepares (and caches) the insert on this connection, so that a later [`insert`] sends its
/// statement without a round trip first (the flush pipelines it before the merge).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    client.prepare_cached(INSERT).await?;
    Ok(())
}

/// Writes the dead letters; one already stored for the same source offset is kept as is.
pub async fn insert<C: GenericClient>(
    client: &C,
    letters: &[DeadLetter],
) -> Result<u64, StoreError> {
    if letters.is_empty() {
        return Ok(0);
    }
    let topics: Vec<&str> = letters.iter().map(|d| d.topic.as_str()).collect();
    let partitions: Vec<Option<i32>> = letters.iter().map(|d| d.partition).collect();
    let offsets: Vec<i64> = letters.iter().map(|d| d.offset).collect();
    let keys: Vec<Option<&[u8]>> = letters.iter().map(|d| d.key.as_deref()).collect();
    let payloads: Vec<&[u8]> = letters.iter().map(|d| d.payload.as_slice()).collect();
    let reasons: Vec<&str> = letters.iter().map(|d| d.reason.as_str()).collect();
    let statement = client.prepare_cached(INSERT).await?;
    Ok(client
        .execute(&statement, &[&topics, &partitions, &offsets, &keys, &payloads, &reasons])
        .await?)
}
