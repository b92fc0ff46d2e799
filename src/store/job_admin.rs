//! The job queue as operators and the REST API see it: one job, cancellation, counts per
//! queue and state. Enqueueing is [`super::jobs::enqueue`]. Statements in `sql/api/`.

use chrono::{DateTime, Utc};
use deadpool_postgres::{Client, GenericClient};
use serde::Serialize;
use tokio_postgres::Row;

use super::jobs;
use super::StoreError;
use crate::types::{reward, JobState, QueueSettings};

const JOB_BY_ID: &str = include_str!("../../sql/api/job_by_id.sql");
const LIVE_JOB_BY_KEY: &str = include_str!("../../sql/api/live_job_by_key.sql");
const LOCK_JOB: &str = include_str!("../../sql/api/lock_job.sql");
const CANCEL_JOB: &str = include_str!("../../sql/api/cancel_job.sql");
const QUEUE_COUNTS: &str = include_str!("../../sql/api/queue_counts.sql");

/// A job, every column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    /// Id.
    pub id: i64,
    /// Handler kind.
    pub kind: String,
    /// Queue.
    pub queue: String,
    /// Fairness key.
    pub tenant: String,
    /// Requested priority (1 most urgent).
    pub priority: i16,
    /// Priority after inheritance.
    pub effective_priority: i16,
    /// Arguments.
    pub args: serde_json::Value,
    /// State.
    pub state: JobState,
    /// Attempts started.
    pub attempt: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// Parents not finished yet.
    pub pending_parents: i32,
    /// Unique key.
    pub unique_key: Option<String>,
    /// Worker running it.
    pub worker_id: Option<String>,
    /// Enqueued at.
    pub created_at: DateTime<Utc>,
    /// Current attempt started at.
    pub attempted_at: Option<DateTime<Utc>>,
    /// Finished at.
    pub finished_at: Option<DateTime<Utc>>,
    /// Last error.
    pub last_error: Option<String>,
}

impl JobRecord {
    pub(crate) fn from_row(r: &Row) -> Self {
        JobRecord {
            id: r.get("id"),
            kind: r.get("kind"),
            queue: r.get("queue"),
            tenant: r.get("tenant"),
            priority: r.get("priority"),
            effective_priority: r.get("effective_priority"),
            args: r.get("args"),
            state: r.get("state"),
            attempt: r.get("attempt"),
            max_attempts: r.get("max_attempts"),
            run_at: r.get("run_at"),
            pending_parents: r.get("pending_parents"),
            unique_key: r.get("unique_key"),
            worker_id: r.get("worker_id"),
            created_at: r.get("created_at"),
            attempted_at: r.get("attempted_at"),
            finished_at: r.get("finished_at"),
            last_error: r.get("last_error"),
        }
    }
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// No such job.
    NotFound,
    /// The job is of a kind the pipeline owns (a reward): nobody cancels it; nothing changed.
    Reserved {
        /// Its kind.
        kind: String,
    },
    /// The job is running or finished (`state`); nothing changed.
    NotCancellable {
        /// Its state.
        state: JobState,
    },
    /// The job is cancelled (now, or it already was).
    Cancelled {
        /// Whether this call cancelled it.
        newly: bool,
        /// Dependents cancelled with it (on `cancel` edges, and everything below them).
        cancelled: Vec<i64>,
        /// Dependents released (on `run` edges).
        released: Vec<i64>,
    },
}

/// One (queue, state) count.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueCount {
    /// Queue.
    pub queue: String,
    /// State.
    pub state: JobState,
    /// Jobs.
    pub jobs: i64,
    /// Age of the oldest available job (s), for the `available` state.
    pub oldest_available_s: Option<f64>,
}

impl CancelOutcome {
    /// What happened to job `id`, in one sentence (the CLI and the web UI say it).
    pub fn describe(&self, id: i64) -> String {
        match self {
            CancelOutcome::NotFound => format!("job {id}: no such job"),
            CancelOutcome::Reserved { kind } => {
                format!("job {id}: a {kind} job belongs to the pipeline and is never cancelled")
            }
            CancelOutcome::NotCancellable { state } => {
                format!("job {id}: {state}, not cancellable (only jobs that have not started)")
            }
            CancelOutcome::Cancelled { newly: false, .. } => format!("job {id}: already cancelled"),
            CancelOutcome::Cancelled { cancelled, released, .. } => format!(
                "job {id}: cancelled; {} dependent(s) cancelled, {} released",
                cancelled.len(),
                released.len()
            ),
        }
    }
}

/// Prepares this module's statements and the enqueue on a connection (start-up warm-up).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    for statement in [JOB_BY_ID, LIVE_JOB_BY_KEY, LOCK_JOB, CANCEL_JOB, QUEUE_COUNTS] {
        client.prepare_cached(statement).await?;
    }
    jobs::prepare(client).await
}

/// A job by id.
pub async fn job<C: GenericClient>(client: &C, id: i64) -> Result<Option<JobRecord>, StoreError> {
    let statement = client.prepare_cached(JOB_BY_ID).await?;
    Ok(client.query_opt(&statement, &[&id]).await?.as_ref().map(JobRecord::from_row))
}

/// The live job of `kind` holding `unique_key`, if any.
pub async fn live_job_by_key<C: GenericClient>(
    client: &C,
    kind: &str,
    unique_key: &str,
) -> Result<Option<i64>, StoreError> {
    let statement = client.prepare_cached(LIVE_JOB_BY_KEY).await?;
    Ok(client.query_opt(&statement, &[&kind, &unique_key]).await?.map(|r| r.get(0)))
}

/// Cancels a job that has not started, in one transaction with its dependents: children on
/// `cancel` edges are cancelled (and everything below them), children on `run` edges count it
/// as done, as when a parent fails for good. Cancelling a cancelled job changes nothing.
pub async fn cancel(
    client: &mut Client,
    settings: &QueueSettings,
    id: i64,
) -> Result<CancelOutcome, StoreError> {
    let tx = client.transaction().await?;
    let lock = tx.prepare_cached(LOCK_JOB).await?;
    let Some(row) = tx.query_opt(&lock, &[&id]).await? else {
        return Ok(CancelOutcome::NotFound);
    };
    let state: JobState = row.get(0);
    let kind: &str = row.get(1);
    if reward::PIPELINE_KINDS.contains(&kind) {
        return Ok(CancelOutcome::Reserved { kind: kind.to_string() });
    }
    if state == JobState::Cancelled {
        return Ok(CancelOutcome::Cancelled {
            newly: false,
            cancelled: Vec::new(),
            released: Vec::new(),
        });
    }
    if !JobState::CANCELLABLE.contains(&state) {
        return Ok(CancelOutcome::NotCancellable { state });
    }
    let statement = tx.prepare_cached(CANCEL_JOB).await?;
    tx.execute(&statement, &[&id, &reward::PIPELINE_KINDS]).await?;
    let released = jobs::release(&tx, settings, &[id], true).await?;
    let cancelled = jobs::cancel_descendants(&tx, &[id]).await?;
    tx.commit().await?;
    Ok(CancelOutcome::Cancelled { newly: true, cancelled, released })
}

/// Jobs per queue and state (states without jobs are absent).
pub async fn queue_counts<C: GenericClient>(client: &C) -> Result<Vec<QueueCount>, StoreError> {
    let statement = client.prepare_cached(QUEUE_COUNTS).await?;
    let rows = client.query(&statement, &[]).await?;
    Ok(rows
        .iter()
        .map(|r| QueueCount {
            queue: r.get("queue"),
            state: r.get("state"),
            jobs: r.get("jobs"),
            oldest_available_s: r.get("oldest_available_s"),
        })
        .collect())
}
