//! The job queue as an operator works it: a filtered list in keyset pages, a job's attempts
//! and DAG neighbours, bulk retry and delete in batches, paused queues. Statements in
//! `sql/console/`. Single-job reads and cancellation are [`super::job_admin`].

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::types::ToSql;

use super::job_admin::JobRecord;
use super::StoreError;
use crate::types::{JobState, QueueSettings};

const JOBS_PAGE: &str = include_str!("../../sql/console/jobs_page.sql");
const JOB_ATTEMPTS: &str = include_str!("../../sql/console/job_attempts.sql");
const JOB_EDGES: &str = include_str!("../../sql/console/job_edges.sql");
const RETRY_JOBS: &str = include_str!("../../sql/console/retry_jobs.sql");
const DELETE_JOBS: &str = include_str!("../../sql/console/delete_jobs.sql");
const PAUSE_QUEUE: &str = include_str!("../../sql/console/pause_queue.sql");
const RESUME_QUEUE: &str = include_str!("../../sql/console/resume_queue.sql");
const PAUSED_QUEUES: &str = include_str!("../../sql/console/paused_queues.sql");
const PLAYER_JOBS: &str = include_str!("../../sql/console/player_jobs.sql");

/// Which jobs a list or a bulk action is about; every field optional (`None`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// State.
    pub state: Option<JobState>,
    /// Handler kind.
    pub kind: Option<String>,
    /// Queue.
    pub queue: Option<String>,
    /// Fairness key.
    pub tenant: Option<String>,
    /// Unique key.
    pub unique_key: Option<String>,
    /// Enqueued at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Enqueued before.
    pub created_before: Option<DateTime<Utc>>,
}

impl JobFilter {
    /// The filter as the statements' parameters $1..$7 (state, kind, queue, tenant, unique
    /// key, created after, created before), followed by `rest`.
    fn params<'a>(&'a self, rest: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
        let filter: [&'a (dyn ToSql + Sync); 7] = [
            &self.state,
            &self.kind,
            &self.queue,
            &self.tenant,
            &self.unique_key,
            &self.created_after,
            &self.created_before,
        ];
        filter.into_iter().chain(rest.iter().copied()).collect()
    }
}

/// One finished attempt of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// Attempt number.
    pub attempt: i32,
    /// Worker that ran it.
    pub worker_id: Option<String>,
    /// Started at.
    pub started_at: Option<DateTime<Utc>>,
    /// Ended at.
    pub finished_at: DateTime<Utc>,
    /// completed, failed, rescued or cancelled.
    pub outcome: String,
    /// Error of a failed attempt.
    pub error: Option<String>,
    /// Duration (s), when it started.
    pub duration_s: Option<f64>,
}

/// A parent or a child of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    /// Job id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// State.
    pub state: JobState,
    /// The edge's policy when the parent fails: cancel or run.
    pub on_parent_failure: String,
}

/// A job's parents and children.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Edges {
    /// Jobs it waits for.
    pub parents: Vec<Neighbour>,
    /// Jobs that wait for it.
    pub children: Vec<Neighbour>,
}

/// Jobs per transaction of a bulk retry or delete: short enough that a batch holds its row
/// locks for milliseconds (claims skip them), large enough that 100,000 jobs take seconds.
pub const BULK_BATCH: i64 = 5_000;

/// A bulk action over a filter's jobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BulkAction {
    /// Retry now (failed, cancelled, retryable, scheduled jobs), placed by these settings' aging
    /// interval.
    Retry(QueueSettings),
    /// Delete finished jobs (completed, failed, cancelled); live jobs are never deleted.
    Delete,
}

/// One batch of a bulk action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Jobs changed.
    pub ids: Vec<i64>,
    /// Cursor of the next batch; `None` when the filter has no more jobs.
    pub next_cursor: Option<i64>,
}

/// One page of jobs matching `filter`, newest first, with ids below `before` (the previous
/// page's last id).
pub async fn page<C: GenericClient>(
    client: &C,
    filter: &JobFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let statement = client.prepare_cached(JOBS_PAGE).await?;
    let rows = client.query(&statement, &filter.params(&[&before, &limit])).await?;
    Ok(rows.iter().map(JobRecord::from_row).collect())
}

/// Every finished attempt of job `id`, oldest first.
pub async fn attempts<C: GenericClient>(client: &C, id: i64) -> Result<Vec<Attempt>, StoreError> {
    let statement = client.prepare_cached(JOB_ATTEMPTS).await?;
    let rows = client.query(&statement, &[&id]).await?;
    Ok(rows
        .iter()
        .map(|r| Attempt {
            attempt: r.get("attempt"),
            worker_id: r.get("worker_id"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            outcome: r.get("outcome"),
            error: r.get("error"),
            duration_s: r.get("duration_s"),
        })
        .collect())
}

/// Job `id`'s parents and children.
pub async fn edges<C: GenericClient>(client: &C, id: i64) -> Result<Edges, StoreError> {
    let statement = client.prepare_cached(JOB_EDGES).await?;
    let mut edges = Edges::default();
    for row in client.query(&statement, &[&id]).await? {
        let neighbour = Neighbour {
            id: row.get("id"),
            kind: row.get("kind"),
            state: row.get("state"),
            on_parent_failure: row.get("on_parent_failure"),
        };
        match row.get::<_, &str>("direction") {
            "parent" => edges.parents.push(neighbour),
            _ => edges.children.push(neighbour),
        }
    }
    Ok(edges)
}

/// Retries now one batch (at most `batch` jobs, ids below `before`) of the retryable jobs
/// (failed, cancelled, retryable, scheduled) matching `filter` (and among `ids`, when given);
/// see `retry_jobs.sql`. Call again with the returned cursor until it is `None`, one short
/// transaction per batch.
pub async fn retry_batch<C: GenericClient>(
    client: &C,
    settings: &QueueSettings,
    filter: &JobFilter,
    ids: Option<&[i64]>,
    before: Option<i64>,
    batch: i64,
) -> Result<BatchOutcome, StoreError> {
    let statement = client.prepare_cached(RETRY_JOBS).await?;
    let aging = settings.aging_interval.as_secs_f64();
    let row =
        client.query_one(&statement, &filter.params(&[&before, &batch, &aging, &ids])).await?;
    Ok(BatchOutcome { ids: row.get("retried"), next_cursor: row.get("next_cursor") })
}

/// Deletes one batch of the finished jobs matching `filter` (and among `ids`, when given);
/// live jobs are never deleted. Call again with the returned cursor until it is `None`.
pub async fn delete_batch<C: GenericClient>(
    client: &C,
    filter: &JobFilter,
    ids: Option<&[i64]>,
    before: Option<i64>,
    batch: i64,
) -> Result<BatchOutcome, StoreError> {
    let statement = client.prepare_cached(DELETE_JOBS).await?;
    let row = client.query_one(&statement, &filter.params(&[&before, &batch, &ids])).await?;
    Ok(BatchOutcome { ids: row.get("deleted"), next_cursor: row.get("next_cursor") })
}

/// Runs `action` on the jobs matching `filter` (and among `ids`, when given), batch after
/// batch of [`BULK_BATCH`] jobs, each its own short transaction, until none is left; returns
/// the ids changed. `progress` gets the running count after each batch when more follow.
pub async fn bulk<C: GenericClient>(
    client: &C,
    action: BulkAction,
    filter: &JobFilter,
    ids: Option<&[i64]>,
    mut progress: impl FnMut(usize),
) -> Result<Vec<i64>, StoreError> {
    let mut done = Vec::new();
    let mut before = None;
    loop {
        let outcome = match &action {
            BulkAction::Retry(settings) => {
                retry_batch(client, settings, filter, ids, before, BULK_BATCH).await?
            }
            BulkAction::Delete => delete_batch(client, filter, ids, before, BULK_BATCH).await?,
        };
        done.extend(outcome.ids);
        match outcome.next_cursor {
            Some(cursor) => {
                before = Some(cursor);
                progress(done.len());
            }
            None => return Ok(done),
        }
    }
}

/// Pauses `queue`; returns whether this call paused it (false: it already was).
pub async fn pause<C: GenericClient>(client: &C, queue: &str) -> Result<bool, StoreError> {
    let statement = client.prepare_cached(PAUSE_QUEUE).await?;
    Ok(client.query_opt(&statement, &[&queue]).await?.is_some())
}

/// Resumes `queue` and wakes its dispatchers; returns whether it was paused.
pub async fn resume<C: GenericClient>(client: &C, queue: &str) -> Result<bool, StoreError> {
    let statement = client.prepare_cached(RESUME_QUEUE).await?;
    Ok(client.query_one(&statement, &[&queue]).await?.get("resumed"))
}

/// Paused queues with the time each was paused.
pub async fn paused<C: GenericClient>(
    client: &C,
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let statement = client.prepare_cached(PAUSED_QUEUES).await?;
    Ok(client.query(&statement, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The reward jobs (`goal.completed`) of player `user_id`, newest first, at most `limit`.
pub async fn player_jobs<C: GenericClient>(
    client: &C,
    user_id: &str,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let statement = client.prepare_cached(PLAYER_JOBS).await?;
    let rows = client.query(&statement, &[&user_id, &limit]).await?;
    Ok(rows.iter().map(JobRecord::from_row).collect())
}
