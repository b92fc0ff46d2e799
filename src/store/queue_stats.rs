//! What the job queue holds, read outside the claim path: counts by state or kind, one job's
//! state, depth by queue, state and priority and the oldest available job (the metrics'
//! periodic sampler), finished attempts per queue over the last minutes (the web UI), and
//! emptying the tables between benchmark phases. Re-exported by
//! [`super::jobs`]. Statements in `sql/jobs/`.

use deadpool_postgres::GenericClient;

use super::StoreError;
use crate::db::timed;
use crate::telemetry::labels::Statement;
use crate::types::JobState;

const TRUNCATE: &str = include_str!("../../sql/jobs/truncate.sql");
const VACUUM: &str = include_str!("../../sql/jobs/vacuum.sql");
const COUNT_STATE: &str = include_str!("../../sql/jobs/count_state.sql");
const STATE_OF: &str = include_str!("../../sql/jobs/state_of.sql");
const TRUNCATE_HISTORY: &str = include_str!("../../sql/jobs/truncate_history.sql");
const COUNT_KIND: &str = include_str!("../../sql/jobs/count_kind.sql");
const COUNT_OPEN: &str = include_str!("../../sql/jobs/count_open.sql");
const DEPTH: &str = include_str!("../../sql/jobs/depth.sql");
const OLDEST_AVAILABLE: &str = include_str!("../../sql/jobs/oldest_available.sql");
const THROUGHPUT: &str = include_str!("../../sql/console/queue_throughput.sql");

/// Finished attempts of a queue over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throughput {
    /// Queue.
    pub queue: String,
    /// Attempts that completed.
    pub completed: i64,
    /// Attempts that failed (to be retried or for good) or were rescued from a dead worker.
    pub failed: i64,
}

/// Live jobs of a queue in one state at one effective priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    /// Queue.
    pub queue: String,
    /// State.
    pub state: JobState,
    /// Effective priority.
    pub priority: i16,
    /// Jobs.
    pub jobs: i64,
}

/// Empties the queue's tables (benchmarks, between phases).
pub async fn truncate<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    client.batch_execute(TRUNCATE).await?;
    client.batch_execute(VACUUM).await?;
    Ok(())
}

/// How many jobs are in `state`.
pub async fn count_in_state<C: GenericClient>(
    client: &C,
    state: JobState,
) -> Result<i64, StoreError> {
    Ok(client.query_one(COUNT_STATE, &[&state]).await?.get(0))
}

/// How many jobs are available or running.
pub async fn count_open<C: GenericClient>(client: &C) -> Result<i64, StoreError> {
    let statement = client.prepare_cached(COUNT_OPEN).await?;
    Ok(client.query_one(&statement, &[]).await?.get(0))
}

/// Jobs of `kind` by state, e.g. `[(Completed, 12), (Running, 1)]`.
pub async fn count_kind_by_state<C: GenericClient>(
    client: &C,
    kind: &str,
) -> Result<Vec<(JobState, i64)>, StoreError> {
    let rows = client.query(COUNT_KIND, &[&kind]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A job's state, if it exists.
pub async fn state_of<C: GenericClient>(
    client: &C,
    id: i64,
) -> Result<Option<JobState>, StoreError> {
    let statement = client.prepare_cached(STATE_OF).await?;
    Ok(client.query_opt(&statement, &[&id]).await?.map(|r| r.get(0)))
}

/// Empties the history and vacuums the jobs table (benchmarks, before a timed phase).
pub async fn truncate_history_only<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    // Separate calls: VACUUM cannot run in the implicit transaction of a multi-statement query.
    client.batch_execute(TRUNCATE_HISTORY).await?;
    client.batch_execute(VACUUM).await?;
    Ok(())
}

/// Live jobs by queue, state and effective priority (for the metrics; not for the claim path).
pub async fn depth<C: GenericClient>(client: &C) -> Result<Vec<Depth>, StoreError> {
    let rows = timed(Statement::JobsDepth, client.query(DEPTH, &[])).await?;
    Ok(rows
        .iter()
        .map(|r| Depth { queue: r.get(0), state: r.get(1), priority: r.get(2), jobs: r.get(3) })
        .collect())
}

/// Per queue, seconds since the run_at of its oldest available job.
pub async fn oldest_available<C: GenericClient>(
    client: &C,
) -> Result<Vec<(String, f64)>, StoreError> {
    let rows = timed(Statement::JobsOldestAvailable, client.query(OLDEST_AVAILABLE, &[])).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Per queue, the attempts finished in the last `window_s` seconds (see
/// `sql/console/queue_throughput.sql`; completed jobs already pruned are not counted).
pub async fn throughput<C: GenericClient>(
    client: &C,
    window_s: f64,
) -> Result<Vec<Throughput>, StoreError> {
    let statement = client.prepare_cached(THROUGHPUT).await?;
    let rows = client.query(&statement, &[&window_s]).await?;
    Ok(rows
        .iter()
        .map(|r| Throughput { queue: r.get(0), completed: r.get(1), failed: r.get(2) })
        .collect())
}
