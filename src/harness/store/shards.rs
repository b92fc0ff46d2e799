//! The shard simulation's SQL (`goalstream bench shards`): the record of which shard groups
//! each transaction wrote, installed in every group's schema, and what each group holds after
//! a run.

use deadpool_postgres::GenericClient;

use crate::store::StoreError;

const TOUCHES: &str = include_str!("../../../sql/harness/shards/touches.sql");
const GROUP_REPORT: &str = include_str!("../../../sql/harness/shards/group_report.sql");
const PROGRESS_ROWS: &str = include_str!("../../../sql/harness/shards/progress_rows.sql");

/// The session setting the recording trigger reads the number of shard groups from.
pub const GROUPS_SETTING: &str = "goalstream.shard_groups";

/// What one shard group's database holds after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCounts {
    /// Events made durable (sum of the stored offsets).
    pub events: i64,
    /// Progress rows.
    pub rows: i64,
    /// Transactions that wrote progress or offsets: the flushes.
    pub transactions: i64,
    /// Progress rows those transactions wrote (inserted or updated), in all.
    pub rows_written: i64,
    /// Of those, the ones that wrote another shard group's rows, or several groups'.
    pub multi_group: i64,
}

/// Installs the recording trigger on the progress and offsets tables of the connection's
/// schema (a fresh one).
pub async fn install_touches<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    client.batch_execute(TOUCHES).await?;
    Ok(())
}

/// What the database of shard group `group` holds for consumer group `group_id`.
pub async fn group_counts<C: GenericClient>(
    client: &C,
    group_id: &str,
    group: i32,
) -> Result<GroupCounts, StoreError> {
    let row = client.query_one(GROUP_REPORT, &[&group_id, &group]).await?;
    Ok(GroupCounts {
        events: row.get(0),
        rows: row.get(1),
        transactions: row.get(2),
        rows_written: row.get(3),
        multi_group: row.get(4),
    })
}

/// Every progress row: `(user_id, goal_id, progress)`.
pub async fn progress_rows<C: GenericClient>(
    client: &C,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let rows = client.query(PROGRESS_ROWS, &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}
