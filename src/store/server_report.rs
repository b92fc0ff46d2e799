//! What `goalstream doctor` reads of the server: settings, the schema's tables with their
//! sizes and cache hits, and the WAL position with the checkpoint counters. Read-only.
//! Statements in `sql/doctor/`.

use deadpool_postgres::GenericClient;

use super::StoreError;

const SETTINGS: &str = include_str!("../../sql/doctor/settings.sql");
const TABLES: &str = include_str!("../../sql/doctor/tables.sql");
const WAL_POSITION: &str = include_str!("../../sql/doctor/wal_position.sql");

/// One row of `pg_settings`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Setting {
    /// Name, e.g. `shared_buffers`.
    pub name: String,
    /// Value as Postgres stores it, in `unit`.
    pub setting: String,
    /// Unit of `setting` (`8kB`, `kB`, `MB`, `s`, `ms`, `min`, or empty).
    pub unit: String,
    /// Where the value comes from (`default`, `configuration file`, …).
    pub source: String,
}

/// One table of the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableSize {
    /// Table name.
    pub name: String,
    /// Heap bytes.
    pub heap_bytes: i64,
    /// Bytes of all its indexes.
    pub index_bytes: i64,
    /// Heap, indexes and TOAST.
    pub total_bytes: i64,
    /// Row estimate (`reltuples`).
    pub rows: i64,
    /// Dead rows not yet vacuumed.
    pub dead_rows: i64,
    /// Heap and index blocks found in shared buffers.
    pub blocks_hit: i64,
    /// Heap and index blocks read from the OS.
    pub blocks_read: i64,
    /// Storage options (`fillfactor=…,autovacuum_…`).
    pub options: String,
}

/// The WAL position and the checkpoint counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WalPosition {
    /// WAL bytes written since the cluster began.
    pub wal_bytes: i64,
    /// Checkpoints started by `checkpoint_timeout`.
    pub checkpoints_timed: i64,
    /// Checkpoints forced (mostly by reaching `max_wal_size`).
    pub checkpoints_requested: i64,
}

/// The settings named in `names` that the server has.
pub async fn settings<C: GenericClient>(
    client: &C,
    names: &[&str],
) -> Result<Vec<Setting>, StoreError> {
    let rows = client.query(SETTINGS, &[&names]).await?;
    Ok(rows
        .iter()
        .map(|row| Setting {
            name: row.get("name"),
            setting: row.get("setting"),
            unit: row.get("unit"),
            source: row.get("source"),
        })
        .collect())
}

/// The current schema's tables, largest first.
pub async fn tables<C: GenericClient>(client: &C) -> Result<Vec<TableSize>, StoreError> {
    let rows = client.query(TABLES, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| TableSize {
            name: row.get("name"),
            heap_bytes: row.get("heap_bytes"),
            index_bytes: row.get("index_bytes"),
            total_bytes: row.get("total_bytes"),
            rows: row.get("rows"),
            dead_rows: row.get("dead_rows"),
            blocks_hit: row.get("blocks_hit"),
            blocks_read: row.get("blocks_read"),
            options: row.get("options"),
        })
        .collect())
}

/// The WAL position and checkpoint counters now.
pub async fn wal_position<C: GenericClient>(client: &C) -> Result<WalPosition, StoreError> {
    let row = client.query_one(WAL_POSITION, &[]).await?;
    Ok(WalPosition {
        wal_bytes: row.get("wal_bytes"),
        checkpoints_timed: row.get("checkpoints_timed"),
        checkpoints_requested: row.get("checkpoints_req"),
    })
}
