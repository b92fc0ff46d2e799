//! Jobs running while Postgres goes away (part of the pg-outage scenario): a worker pool, and
//! a rescuer beside it, reach Postgres through the same proxy as the pipeline. Handlers finish
//! during the outage and their completions wait; heartbeats stop arriving, so after the outage
//! the rescuer may take the worker for dead and put its running jobs back (the worker then
//! registers again). Whatever happens, every job must end completed, and none completed twice.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::stage::ChaosReport;
use super::worker_kill::SleepHandler;
use crate::harness::store::checks;
use crate::jobs::handler::Registry;
use crate::jobs::maintenance::rescuer::{self, Rescuer};
use crate::jobs::worker::{WorkerConfig, WorkerPool};
use crate::store::jobs;
use crate::types::{JobState, NewJob, QueueSettings, DEFAULT_QUEUE};

/// Jobs enqueued.
const JOBS: usize = 24;
/// Handlers running at once.
const CONCURRENCY: usize = 6;

/// The jobs, their worker pool and their rescuer.
pub struct JobsInFlight {
    ids: Vec<i64>,
    workers: WorkerPool,
    rescuer: JoinHandle<()>,
    stop: CancellationToken,
    running_at_cut: i64,
}

impl JobsInFlight {
    /// Enqueues the jobs on `direct` (a pool that bypasses the proxy), each sleeping between a
    /// sixth and a half of `job_ms`, and starts the worker pool and the rescuer on `proxied`.
    pub async fn start(
        direct: &Pool,
        proxied: Pool,
        job_ms: u64,
        heartbeat: Duration,
    ) -> anyhow::Result<JobsInFlight> {
        let batch: Vec<NewJob> = (0..JOBS)
            .map(|i| {
                let ms = job_ms / 6 + (job_ms / 3) * i as u64 / JOBS as u64;
                NewJob::new(super::worker_kill::KIND, json!({ "ms": ms }))
            })
            .collect();
        let ids = jobs::enqueue(&direct.get().await?, &QueueSettings::default(), &batch).await?;
        let ids: Vec<i64> = ids.into_iter().flatten().collect();
        let mut config = WorkerConfig::new(vec![DEFAULT_QUEUE.to_string()], CONCURRENCY);
        config.heartbeat_interval = heartbeat;
        config.poll_interval = Duration::from_millis(50);
        let workers =
            WorkerPool::start(config, proxied.clone(), Registry::new().register(SleepHandler))
                .await?;
        let stop = CancellationToken::new();
        let rescuer = Rescuer::new(rescuer::Config { heartbeat_interval: heartbeat }, proxied)
            .start(stop.clone());
        Ok(JobsInFlight { ids, workers, rescuer, stop, running_at_cut: 0 })
    }

    /// Notes how many of the jobs are running just before the cut.
    pub async fn before_cut(&mut self, direct: &Pool) -> anyhow::Result<()> {
        self.running_at_cut = jobs::count_in_state(&direct.get().await?, JobState::Running).await?;
        Ok(())
    }

    /// Waits (up to `timeout`) for every job to be completed, stops the workers and adds the
    /// jobs' checks to `report`.
    pub async fn finish(
        self,
        direct: &Pool,
        timeout: Duration,
        report: &mut ChaosReport,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        while checks::job_outcomes(&direct.get().await?, &self.ids).await?.completed
            < self.ids.len() as i64
            && started.elapsed() < timeout
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let clean = self.workers.shutdown(Duration::from_secs(10)).await;
        self.stop.cancel();
        let _ = self.rescuer.await;
        // Read after the worker stopped: a late completion of a rescued attempt shows here.
        let outcomes = checks::job_outcomes(&direct.get().await?, &self.ids).await?;
        report.detail("jobs", self.ids.len());
        report.detail("jobs_running_at_cut", self.running_at_cut);
        report.detail("jobs_completed", outcomes.completed);
        report.detail("job_attempts_rescued", outcomes.rescued);
        report.check("jobs were running when Postgres went away", self.running_at_cut > 0);
        report.check("every job completed", outcomes.completed == self.ids.len() as i64);
        report.check("no job completed twice", outcomes.most_completions == 1);
        report.check("the job worker stopped cleanly", clean);
        Ok(())
    }
}
