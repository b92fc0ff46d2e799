//! Sampler: every few seconds, the queue's depth by queue, state and priority and the age of
//! the oldest available job per queue, into `goalstream_jobs` and
//! `goalstream_jobs_oldest_available_age_seconds`. A periodic query, so claiming never pays
//! for the metrics. Read-only: safe on every instance.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{jobs, StoreError};
use crate::telemetry::events::QueueSampled;
use crate::types::JobState;

/// How often the queue is sampled: twice per default Prometheus scrape interval (15 s).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// Sampler settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Time between samples.
    pub interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { interval: DEFAULT_INTERVAL }
    }
}

/// The sampler.
#[derive(Clone)]
pub struct Sampler {
    config: Config,
    pool: Pool,
}

impl Sampler {
    /// A sampler on `pool`.
    pub fn new(config: Config, pool: Pool) -> Self {
        Sampler { config, pool }
    }

    /// Samples every interval until `stop`.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        let every = self.config.interval;
        super::every("sampler", every, stop, move || {
            let sampler = self.clone();
            async move { sampler.run_once().await.map(|_| 0) }
        })
    }

    /// One sample: sets the gauges (series of states that emptied drop to absent) and returns
    /// the live jobs counted.
    pub async fn run_once(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await?;
        let depth = jobs::depth(&client).await?;
        let oldest = jobs::oldest_available(&client).await?;
        let by_state: Vec<(&str, JobState, i16, i64)> =
            depth.iter().map(|d| (d.queue.as_str(), d.state, d.priority, d.jobs)).collect();
        let oldest: Vec<(&str, f64)> = oldest.iter().map(|(q, age)| (q.as_str(), *age)).collect();
        QueueSampled { depth: &by_state, oldest_available: &oldest }.emit();
        Ok(depth.iter().map(|d| d.jobs).sum())
    }
}
