//! The write patterns goalstream replaces (seed 004), kept to benchmark against in the same
//! run: a per-row upsert, and a multi-row `UNNEST` upsert. Both only add increments; neither
//! knows rotation, relative goals or default assignment.

use deadpool_postgres::{Client, GenericClient};

use crate::store::StoreError;

const PER_ROW: &str = include_str!("../../../sql/harness/bench/per_row_upsert.sql");
const UNNEST: &str = include_str!("../../../sql/harness/bench/unnest_upsert.sql");
const RESET: &str = include_str!("../../../sql/harness/bench/reset.sql");
const SET_FILLFACTOR: &str = include_str!("../../../sql/harness/bench/set_fillfactor.sql");
const VACUUM: &str = include_str!("../../../sql/harness/bench/vacuum.sql");
const TABLE_STATS: &str = include_str!("../../../sql/harness/bench/table_stats.sql");
const FLUSH_STATS: &str = include_str!("../../../sql/harness/bench/flush_stats.sql");

/// One increment for the baseline patterns.
#[derive(Debug, Clone)]
pub struct Increment {
    /// Player id.
    pub user_id: String,
    /// Goal id.
    pub goal_id: String,
    /// Amount added.
    pub delta: i64,
    /// Goal target.
    pub target: i64,
}

/// Per-row pattern, as the Go service calls it per event: one statement per increment, each its
/// own (auto-committed) transaction, awaited in turn.
pub async fn per_row_upsert(client: &Client, rows: &[Increment]) -> Result<(), StoreError> {
    let statement = client.prepare_cached(PER_ROW).await?;
    for row in rows {
        client.execute(&statement, &[&row.user_id, &row.goal_id, &row.delta, &row.target]).await?;
    }
    Ok(())
}

/// UNNEST pattern: one multi-row upsert per batch; the first row's target stands for all.
pub async fn unnest_upsert(client: &mut Client, rows: &[Increment]) -> Result<(), StoreError> {
    let users: Vec<&str> = rows.iter().map(|r| r.user_id.as_str()).collect();
    let goals: Vec<&str> = rows.iter().map(|r| r.goal_id.as_str()).collect();
    let deltas: Vec<i64> = rows.iter().map(|r| r.delta).collect();
    let target = rows.first().map_or(1, |r| r.target);
    let statement = client.prepare_cached(UNNEST).await?;
    client.execute(&statement, &[&users, &goals, &deltas, &target]).await?;
    Ok(())
}

/// Empties the progress, offsets and dead-letter tables of the current schema.
pub async fn reset(client: &Client) -> Result<(), StoreError> {
    client.batch_execute(RESET).await?;
    Ok(())
}

/// Sets the progress table's fillfactor (10–100); applies to pages written from now on.
pub async fn set_fillfactor(client: &Client, fillfactor: u8) -> Result<(), StoreError> {
    let fillfactor = fillfactor.clamp(10, 100);
    client.batch_execute(&SET_FILLFACTOR.replace("FILLFACTOR", &fillfactor.to_string())).await?;
    Ok(())
}

/// Vacuums and analyzes the progress table, so a run starts from a steady state.
pub async fn vacuum(client: &Client) -> Result<(), StoreError> {
    client.batch_execute(VACUUM).await?;
    Ok(())
}

/// Row updates of the progress table so far and how many were HOT, as published by the
/// statistics system. Call [`publish_stats`] on every writing connection first.
pub async fn table_stats(client: &Client) -> Result<(i64, i64), StoreError> {
    let row = client.query_one(TABLE_STATS, &[]).await?;
    Ok((row.get(0), row.get(1)))
}

/// Makes this connection's backend publish its statistics now instead of within seconds.
pub async fn publish_stats(client: &Client) -> Result<(), StoreError> {
    client.batch_execute(FLUSH_STATS).await?;
    Ok(())
}
