//! Cleaner: prunes finished jobs and old execution history in bounded batches, so the tables
//! (and the claim index) stay small however long the queue runs.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{jobs, StoreError};

/// How long finished jobs are kept.
pub const DEFAULT_JOB_RETENTION: Duration = Duration::from_secs(24 * 3600);
/// How long execution history is kept (a completed job's record moves from its row to
/// `job_executions` when the job is pruned).
pub const DEFAULT_HISTORY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Rows deleted per statement at most: short transactions, no long locks.
pub const DEFAULT_BATCH: i64 = 10_000;
/// How often the cleaner runs.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

/// Cleaner settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// See [`DEFAULT_JOB_RETENTION`].
    pub job_retention: Duration,
    /// See [`DEFAULT_HISTORY_RETENTION`].
    pub history_retention: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            job_retention: DEFAULT_JOB_RETENTION,
            history_retention: DEFAULT_HISTORY_RETENTION,
        }
    }
}

/// The cleaner.
#[derive(Clone)]
pub struct Cleaner {
    config: Config,
    pool: Pool,
}

impl Cleaner {
    /// A cleaner on `pool`.
    pub fn new(config: Config, pool: Pool) -> Self {
        Cleaner { config, pool }
    }

    /// Runs every `every` until `stop`.
    pub fn start(self, every: Duration, stop: CancellationToken) -> JoinHandle<()> {
        super::every("cleaner", every, stop, move || {
            let cleaner = self.clone();
            async move { cleaner.run_once().await }
        })
    }

    /// One round: one bounded batch of each; returns the rows deleted.
    pub async fn run_once(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await?;
        let Config { job_retention, history_retention } = self.config;
        let jobs =
            jobs::clean_jobs(&client, job_retention, history_retention, DEFAULT_BATCH).await?;
        let history = jobs::clean_history(&client, history_retention, DEFAULT_BATCH).await?;
        Ok(jobs + history)
    }
}
