//! Scheduler: scheduled and retryable jobs whose time has come become available.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{jobs, StoreError};
use crate::types::QueueSettings;

/// How often due jobs are promoted: bounds how late a retry or scheduled job starts.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(500);
/// Jobs promoted per round at most.
pub const DEFAULT_BATCH: i64 = 5_000;

/// The scheduler.
#[derive(Clone)]
pub struct Scheduler {
    settings: QueueSettings,
    pool: Pool,
}

impl Scheduler {
    /// A scheduler on `pool`.
    pub fn new(settings: QueueSettings, pool: Pool) -> Self {
        Scheduler { settings, pool }
    }

    /// Runs every `every` until `stop`.
    pub fn start(self, every: Duration, stop: CancellationToken) -> JoinHandle<()> {
        super::every("scheduler", every, stop, move || {
            let scheduler = self.clone();
            async move { scheduler.run_once().await }
        })
    }

    /// One round: returns how many jobs became available.
    pub async fn run_once(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await?;
        jobs::promote_due(&client, &self.settings, DEFAULT_BATCH).await
    }
}
