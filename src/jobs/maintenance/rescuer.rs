//! Rescuer: running jobs of workers silent for 3 heartbeat intervals go back to available. The
//! attempt number stays, so the silent worker's late completion is refused (fencing).

use std::time::Duration;

use deadpool_postgres::{Client, Pool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::jobs::worker::DEFAULT_HEARTBEAT_INTERVAL;
use crate::store::{jobs, StoreError};

/// Jobs rescued per round at most.
pub const DEFAULT_BATCH: i64 = 1_000;
/// How long after a heartbeat goes stale by the process's clock the rescuer runs, so that it is
/// stale on the database's clock too.
const STALE_MARGIN: Duration = Duration::from_millis(5);

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

    /// Runs until `stop`: at least four times per heartbeat interval, and again just after the
    /// next worker's heartbeat would go stale, so a dead worker's jobs are back in the queue
    /// within milliseconds of its third missed heartbeat.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let round = self.round().await;
                super::log_round("rescuer", round.as_ref().map(|r| r.0.len() as u64));
                // After an error, a quarter interval, as without workers.
                let wait = self.wait_for(round.ok().and_then(|(_, next)| next));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.cancelled() => return,
                }
            }
        })
    }

    /// Sleep before the next round: until the next worker goes stale (and a little, so the
    /// database sees it stale too), at most a quarter interval.
    fn wait_for(&self, next_stale_in: Option<Duration>) -> Duration {
        let quarter = self.config.heartbeat_interval / 4;
        next_stale_in.map_or(quarter, |d| (d + STALE_MARGIN).min(quarter))
    }

    /// A round, and how long until the next registered worker goes stale (one connection).
    async fn round(&self) -> Result<(Vec<i64>, Option<Duration>), StoreError> {
        let client = self.pool.get().await?;
        let rescued = self.rescue(&client).await?;
        let next = jobs::next_stale_in(&client, self.stale_after()).await?;
        Ok((rescued, next))
    }

    fn stale_after(&self) -> Duration {
        self.config.heartbeat_interval * 3
    }

    /// One round: returns the rescued job ids.
    pub async fn run_once(&self) -> Result<Vec<i64>, StoreError> {
        self.rescue(&self.pool.get().await?).await
    }

    async fn rescue(&self, client: &Client) -> Result<Vec<i64>, StoreError> {
        jobs::rescue(client, self.stale_after(), DEFAULT_BATCH).await
    }
}
