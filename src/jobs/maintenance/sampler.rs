//! Sampler: every few seconds, the queue's depth by queue, state and priority and the age of
//! the oldest available job per queue, into `goalstream_jobs` and
//! `goalstream_jobs_oldest_available_age_seconds`. A periodic query, so claiming never pays
//! for the metrics. Read-only: safe on every instance.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::metrics;
use crate::store::{jobs, StoreError};

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
        let metrics = metrics::global();
        metrics.jobs_queued.reset();
        for d in &depth {
            let priority = d.priority.to_string();
            metrics.jobs_queued.with_label_values(&[&d.queue, &d.state, &priority]).set(d.jobs);
        }
        metrics.jobs_oldest_available_age.reset();
        for (queue, age) in &oldest {
            metrics.jobs_oldest_available_age.with_label_values(&[queue]).set(*age);
        }
        Ok(depth.iter().map(|d| d.jobs).sum())
    }
}
