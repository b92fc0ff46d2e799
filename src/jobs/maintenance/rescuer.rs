//! Rescuer: running jobs of workers silent for 3 heartbeat intervals go back to available. The
//! attempt number stays, so the silent worker's late completion is refused (fencing).

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::jobs::worker::DEFAULT_HEARTBEAT_INTERVAL;
use crate::store::{jobs, StoreError};

/// Jobs rescued per round at most.
pub const DEFAULT_BATCH: i64 = 1_000;

/// Rescuer settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The workers' heartbeat interval; a worker is dead after 3 of them.
    pub heartbeat_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL }
    }
}

/// The rescuer.
#[derive(Clone)]
pub struct Rescuer {
    config: Config,
    pool: Pool,
}

impl Rescuer {
    /// A rescuer on `pool`.
    pub fn new(config: Config, pool: Pool) -> Self {
        Rescuer { config, pool }
    }

    /// Runs four times per heartbeat interval until `stop`, so that a dead worker's jobs are
    /// back in the queue at most a quarter interval after its heartbeat went stale.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        let every = self.config.heartbeat_interval / 4;
        super::every("rescuer", every, stop, move || {
            let rescuer = self.clone();
            async move { rescuer.run_once().await.map(|ids| ids.len() as u64) }
        })
    }

    /// One round: returns the rescued job ids.
    pub async fn run_once(&self) -> Result<Vec<i64>, StoreError> {
        let client = self.pool.get().await?;
        jobs::rescue(&client, self.config.heartbeat_interval * 3, DEFAULT_BATCH).await
    }
}
