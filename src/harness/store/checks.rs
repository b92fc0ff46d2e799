//! Reads that the load and chaos harnesses base their verdicts on (what reached the
//! database, to compare with what was produced).

use deadpool_postgres::GenericClient;

use crate::store::StoreError;

const STORED_OFFSETS: &str = include_str!("../../../sql/harness/checks/stored_offsets.sql");
const DEAD_LETTER_OFFSETS: &str =
    include_str!("../../../sql/harness/checks/dead_letter_offsets.sql");
const JOB_HISTORY: &str = include_str!("../../../sql/harness/checks/job_history.sql");
const JOB_OUTCOMES: &str = include_str!("../../../sql/harness/checks/job_outcomes.sql");
const PROGRESS_FIT: &str = include_str!("../../../sql/harness/checks/progress_fit.sql");
const CHECKPOINTS: &str = include_str!("../../../sql/harness/checks/checkpoints.sql");
const CHECKPOINTS_PG17: &str = include_str!("../../../sql/harness/checks/checkpoints_pg17.sql");

/// Sum of the group's stored next offsets: messages made durable when offsets start at 0.
pub async fn stored_offsets<C: GenericClient>(
    client: &C,
    group_id: &str,
) -> Result<i64, StoreError> {
    Ok(client.query_one(STORED_OFFSETS, &[&group_id]).await?.get(0))
}

/// `(partition, offset)` of every dead letter that came from Kafka.
pub async fn dead_letter_offsets<C: GenericClient>(
    client: &C,
) -> Result<Vec<(i32, i64)>, StoreError> {
    let rows = client.query(DEAD_LETTER_OFFSETS, &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// `(attempt, outcome)` of each finished attempt of a job, oldest first.
pub async fn job_history<C: GenericClient>(
    client: &C,
    job_id: i64,
) -> Result<Vec<(i32, String)>, StoreError> {
    let rows = client.query(JOB_HISTORY, &[&job_id]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// How a set of jobs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobOutcomes {
    /// Jobs in state `completed`.
    pub completed: i64,
    /// The most `completed` history rows of any one job (1: none completed twice).
    pub most_completions: i64,
    /// Their attempts that a rescuer took back.
    pub rescued: i64,
}

/// How jobs `ids` ended (see [`JobOutcomes`]).
pub async fn job_outcomes<C: GenericClient>(
    client: &C,
    ids: &[i64],
) -> Result<JobOutcomes, StoreError> {
    let row = client.query_one(JOB_OUTCOMES, &[&ids]).await?;
    Ok(JobOutcomes { completed: row.get(0), most_completions: row.get(1), rescued: row.get(2) })
}

/// Bytes of `user_goal_progress`, of its primary key, and of the server's `shared_buffers`.
pub async fn progress_fit<C: GenericClient>(client: &C) -> Result<(i64, i64, i64), StoreError> {
    let row = client.query_one(PROGRESS_FIT, &[]).await?;
    Ok((row.get(0), row.get(1), row.get(2)))
}

/// Checkpoints the server ran so far because WAL reached `max_wal_size`, and `max_wal_size` in
/// bytes.
pub async fn requested_checkpoints<C: GenericClient>(client: &C) -> Result<(i64, i64), StoreError> {
    let row = match client.query_one(CHECKPOINTS, &[]).await {
        Ok(row) => row,
        Err(_) => client.query_one(CHECKPOINTS_PG17, &[]).await?,
    };
    Ok((row.get(0), row.get(1)))
}
