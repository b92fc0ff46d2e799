//! The SQL of `goalstream bench scale`: a population of players written with COPY and
//! recorded so later runs reuse it, the progress table's size, and the counters a run reads
//! before and after (WAL position, shared-buffer hits, the server processes charged).
//! Statements in `sql/harness/scale/`.

use bytes::Bytes;
use deadpool_postgres::{Client, GenericClient};
use futures::SinkExt;

use crate::store::StoreError;

const POPULATION_TABLE: &str = include_str!("../../../sql/harness/scale/population_table.sql");
const POPULATION: &str = include_str!("../../../sql/harness/scale/population.sql");
const RECORD_POPULATION: &str = include_str!("../../../sql/harness/scale/record_population.sql");
const TRUNCATE_PROGRESS: &str = include_str!("../../../sql/harness/scale/truncate_progress.sql");
const COPY_PROGRESS: &str = include_str!("../../../sql/harness/scale/copy_progress.sql");
const COUNT_PROGRESS: &str = include_str!("../../../sql/harness/scale/count_progress.sql");
const ANALYZE: &str = include_str!("../../../sql/harness/scale/analyze.sql");
const SIZES: &str = include_str!("../../../sql/harness/scale/sizes.sql");
const PROBE: &str = include_str!("../../../sql/harness/scale/probe.sql");
const SERVER_PIDS: &str = include_str!("../../../sql/harness/scale/server_pids.sql");

/// What a schema was populated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Population {
    /// Players.
    pub players: i64,
    /// Default goals per player.
    pub goals: i32,
    /// Rows of the progress table counted after the population.
    pub progress_rows: i64,
}

/// The progress table's bytes on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TableBytes {
    /// Heap, with its free-space and visibility maps and TOAST.
    pub heap: i64,
    /// Primary key.
    pub primary_key: i64,
    /// Every other index.
    pub other_indexes: i64,
}

impl TableBytes {
    /// Heap and every index.
    pub fn total(&self) -> i64 {
        self.heap + self.primary_key + self.other_indexes
    }
}

/// Counters read before and after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Probe {
    /// WAL bytes written since the cluster began (every database).
    pub wal_bytes: i64,
    /// Progress-table blocks (heap and indexes) found in shared buffers.
    pub blocks_hit: i64,
    /// Progress-table blocks read from the OS.
    pub blocks_read: i64,
}

/// The schema's population, if one was recorded (creates the record's table when missing).
pub async fn population<C: GenericClient>(client: &C) -> Result<Option<Population>, StoreError> {
    client.batch_execute(POPULATION_TABLE).await?;
    let row = client.query_opt(POPULATION, &[]).await?;
    Ok(row.map(|r| Population { players: r.get(0), goals: r.get(1), progress_rows: r.get(2) }))
}

/// Writes a population in one transaction: empties the progress table, sends every COPY
/// payload `payloads` yields (each a whole binary COPY stream), counts the rows and records
/// them with `seconds` measured by `elapsed`.
pub async fn populate<I, F>(
    client: &mut Client,
    players: i64,
    goals: i32,
    payloads: I,
    elapsed: F,
) -> Result<Population, StoreError>
where
    I: IntoIterator<Item = Bytes>,
    F: Fn() -> f64,
{
    client.batch_execute(POPULATION_TABLE).await?;
    let tx = client.transaction().await?;
    tx.batch_execute(TRUNCATE_PROGRESS).await?;
    let copy = tx.prepare(COPY_PROGRESS).await?;
    for payload in payloads {
        let sink = tx.copy_in(&copy).await?;
        futures::pin_mut!(sink);
        sink.send(payload).await?;
        sink.finish().await?;
    }
    let rows: i64 = tx.query_one(COUNT_PROGRESS, &[]).await?.get(0);
    tx.execute(RECORD_POPULATION, &[&players, &goals, &rows, &elapsed()]).await?;
    tx.commit().await?;
    client.batch_execute(ANALYZE).await?;
    Ok(Population { players, goals, progress_rows: rows })
}

/// The progress table's bytes.
pub async fn sizes<C: GenericClient>(client: &C) -> Result<TableBytes, StoreError> {
    let row = client.query_one(SIZES, &[]).await?;
    Ok(TableBytes { heap: row.get(0), primary_key: row.get(1), other_indexes: row.get(2) })
}

/// The counters now.
pub async fn probe<C: GenericClient>(client: &C) -> Result<Probe, StoreError> {
    let row = client.query_one(PROBE, &[]).await?;
    Ok(Probe { wal_bytes: row.get(0), blocks_hit: row.get(1), blocks_read: row.get(2) })
}

/// Process ids of the server processes a run is charged (see `server_pids.sql`).
pub async fn server_pids<C: GenericClient>(client: &C) -> Result<Vec<i32>, StoreError> {
    let rows = client.query(SERVER_PIDS, &[]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
