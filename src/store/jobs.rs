//! The job queue's statements: claim, complete (releasing dependents with priority
//! inheritance, in the same transaction), fail (retry, dead, cascade), and promotion of due
//! jobs; enqueueing is [`super::job_enqueue`], re-exported here with the queue's counts and the
//! worker registry, so that callers find the whole queue under `store::jobs`. Statements in
//! `sql/jobs/`.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::types::ToSql;

use super::StoreError;
use crate::db::timed;
use crate::telemetry::events::JobsClaimed;
use crate::telemetry::labels::Statement;
use crate::types::{retry_delay, ClaimedJob, Failure, JobState, QueueSettings};

pub use super::job_enqueue::{enqueue, enqueue_graph, prepare};

pub use super::queue_stats::{
    count_in_state, count_kind_by_state, count_open, depth, oldest_available, state_of, truncate,
    truncate_history_only, Depth,
};
pub use super::workers::{deregister_worker, heartbeat, next_stale_in, register_worker, rescue};

const CLAIM: &str = include_str!("../../sql/jobs/claim.sql");
const COMPLETE: &str = include_str!("../../sql/jobs/complete.sql");
const RELEASE: &str = include_str!("../../sql/jobs/release.sql");
const FAIL: &str = include_str!("../../sql/jobs/fail.sql");
const CANCEL_DESCENDANTS: &str = include_str!("../../sql/jobs/cancel_descendants.sql");
const PROMOTE_DUE: &str = include_str!("../../sql/jobs/promote_due.sql");
const UNCLAIM: &str = include_str!("../../sql/jobs/unclaim.sql");
const CLEAN_JOBS: &str = include_str!("../../sql/jobs/clean_jobs.sql");
const CLEAN_HISTORY: &str = include_str!("../../sql/jobs/clean_history.sql");
const BEGIN: &str = "BEGIN";
const COMMIT: &str = "COMMIT";
const LISTEN: &str = include_str!("../../sql/jobs/listen.sql");

/// What a completion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completed {
    /// Jobs completed (those whose attempt still matched).
    pub completed: Vec<i64>,
    /// Children that became available.
    pub released: Vec<i64>,
}

/// What recording failures did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failed {
    /// Attempts recorded (those whose attempt still matched).
    pub failed: u64,
    /// Jobs failed for good (out of attempts).
    pub dead: Vec<i64>,
    /// Children released because their edge says to run when the parent fails.
    pub released: Vec<i64>,
    /// Descendants cancelled.
    pub cancelled: Vec<i64>,
}

/// Claims at most `limit` jobs of `queue` for `worker_id` (the free slots of the worker).
pub async fn claim<C: GenericClient>(
    client: &C,
    queue: &str,
    limit: i64,
    worker_id: &str,
) -> Result<Vec<ClaimedJob>, StoreError> {
    let statement = client.prepare_cached(CLAIM).await?;
    let started = std::time::Instant::now();
    let rows = timed(Statement::JobsClaim, client.query(&statement, &[&queue, &limit, &worker_id]))
        .await?;
    let kinds: Vec<&str> = rows.iter().map(|r| r.get::<_, &str>(1)).collect();
    JobsClaimed { kinds: &kinds, took: started.elapsed() }.emit();
    Ok(rows
        .iter()
        .map(|r| ClaimedJob {
            id: r.get(0),
            kind: r.get(1),
            queue: r.get(2),
            tenant: r.get(3),
            effective_priority: r.get(4),
            args: r.get(5),
            attempt: r.get(6),
            max_attempts: r.get(7),
        })
        .collect())
}

/// Completes `(id, attempt)` pairs in one transaction with the release of their dependents (the
/// completed row is the attempt's history record, view `job_history`); a pair whose attempt is
/// no longer current (the job was rescued) is ignored.
///
/// One round trip: BEGIN, the completion, the release and COMMIT are sent at once. The release
/// is a statement of its own, so its snapshot (taken after the completion waited for any
/// parent row lock) sees edges that a concurrent graph enqueue committed meanwhile.
pub async fn complete(
    client: &mut Client,
    settings: &QueueSettings,
    done: &[(i64, i32)],
) -> Result<Completed, StoreError> {
    let ids: Vec<i64> = done.iter().map(|d| d.0).collect();
    let attempts: Vec<i32> = done.iter().map(|d| d.1).collect();
    let (complete, release) =
        futures::try_join!(client.prepare_cached(COMPLETE), client.prepare_cached(RELEASE))?;
    let aging = settings.aging_interval.as_secs_f64();
    // If a statement fails, the ones after it fail as "transaction aborted" and COMMIT rolls
    // back; the first error in statement order is the cause.
    let complete_params: [&(dyn ToSql + Sync); 2] = [&ids, &attempts];
    let release_params: [&(dyn ToSql + Sync); 4] = [&ids, &aging, &false, &true];
    let (begin, completed, released, commit) = timed(Statement::JobsComplete, async {
        futures::join!(
            client.batch_execute(BEGIN),
            client.query_one(&complete, &complete_params),
            client.query(&release, &release_params),
            client.batch_execute(COMMIT),
        )
    })
    .await;
    begin?;
    let completed: Vec<i64> = completed?.get(0);
    let released = available(&released?);
    commit?;
    Ok(Completed { completed, released })
}

/// Records failed attempts in one transaction: retryable after a backoff, or failed for good;
/// dependents of dead jobs follow their edge's policy (released or cancelled).
pub async fn fail(
    client: &mut Client,
    settings: &QueueSettings,
    failures: &[Failure],
) -> Result<Failed, StoreError> {
    let now = chrono::Utc::now();
    let ids: Vec<i64> = failures.iter().map(|f| f.id).collect();
    let attempts: Vec<i32> = failures.iter().map(|f| f.attempt).collect();
    let errors: Vec<&str> = failures.iter().map(|f| f.error.as_str()).collect();
    let retry_at: Vec<chrono::DateTime<chrono::Utc>> = failures
        .iter()
        .map(|f| now + chrono::Duration::from_std(retry_delay(f.attempt)).unwrap_or_default())
        .collect();
    let tx = client.transaction().await?;
    let statement = tx.prepare_cached(FAIL).await?;
    let row = timed(
        Statement::JobsFail,
        tx.query_one(&statement, &[&ids, &attempts, &errors, &retry_at]),
    )
    .await?;
    let mut outcome =
        Failed { failed: row.get::<_, i64>(1) as u64, dead: row.get(0), ..Failed::default() };
    if !outcome.dead.is_empty() {
        outcome.released = release(&tx, settings, &outcome.dead, true).await?;
        let statement = tx.prepare_cached(CANCEL_DESCENDANTS).await?;
        outcome.cancelled =
            tx.query(&statement, &[&outcome.dead]).await?.iter().map(|r| r.get(0)).collect();
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Makes at most `limit` due scheduled or retryable jobs available; returns how many.
pub async fn promote_due<C: GenericClient>(
    client: &C,
    settings: &QueueSettings,
    limit: i64,
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(PROMOTE_DUE).await?;
    Ok(client.execute(&statement, &[&settings.aging_interval.as_secs_f64(), &limit]).await?)
}

/// Cancels the pending descendants of finished-for-good jobs (cancel edges, and everything
/// below a cancelled job); returns them.
pub(crate) async fn cancel_descendants<C: GenericClient>(
    client: &C,
    parents: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let statement = client.prepare_cached(CANCEL_DESCENDANTS).await?;
    Ok(client.query(&statement, &[&parents]).await?.iter().map(|r| r.get(0)).collect())
}

pub(crate) async fn release<C: GenericClient>(
    client: &C,
    settings: &QueueSettings,
    parents: &[i64],
    failed_parents: bool,
) -> Result<Vec<i64>, StoreError> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let statement = client.prepare_cached(RELEASE).await?;
    let rows = client
        .query(
            &statement,
            &[&parents, &settings.aging_interval.as_secs_f64(), &failed_parents, &false],
        )
        .await?;
    Ok(available(&rows))
}

/// The ids of released children that became available.
fn available(rows: &[tokio_postgres::Row]) -> Vec<i64> {
    rows.iter()
        .filter(|r| r.get::<_, JobState>(1) == JobState::Available)
        .map(|r| r.get(0))
        .collect()
}

/// Subscribes a dedicated session to job wake-ups (notifications whose payload is a queue).
pub async fn listen(client: &tokio_postgres::Client) -> Result<(), StoreError> {
    client.batch_execute(LISTEN).await?;
    Ok(())
}

/// Returns claimed jobs whose handler never started, without spending their attempt.
pub async fn unclaim<C: GenericClient>(client: &C, jobs: &[(i64, i32)]) -> Result<u64, StoreError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.0).collect();
    let attempts: Vec<i32> = jobs.iter().map(|j| j.1).collect();
    Ok(client.execute(UNCLAIM, &[&ids, &attempts]).await?)
}

/// Deletes at most `limit` jobs finished longer than `retention` ago; returns how many. The
/// completion record of each completed one moves to `job_executions` unless it is older than
/// `history_retention`.
pub async fn clean_jobs<C: GenericClient>(
    client: &C,
    retention: std::time::Duration,
    history_retention: std::time::Duration,
    limit: i64,
) -> Result<u64, StoreError> {
    let params: [&(dyn ToSql + Sync); 3] =
        [&retention.as_secs_f64(), &limit, &history_retention.as_secs_f64()];
    let row = client.query_one(CLEAN_JOBS, &params).await?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// Deletes at most `limit` execution records older than `retention`; returns how many.
pub async fn clean_history<C: GenericClient>(
    client: &C,
    retention: std::time::Duration,
    limit: i64,
) -> Result<u64, StoreError> {
    let row = client.query_one(CLEAN_HISTORY, &[&retention.as_secs_f64(), &limit]).await?;
    Ok(row.get::<_, i64>(0) as u64)
}
