//! The job side of a goalstream process: the worker pool and the queue's maintenance (rescuer,
//! scheduler, cleaner, and the periodic enqueuer when schedules are configured), started together by `run` and `demo` and stopped together. Several
//! processes may run it on the same database: claims skip each other's rows and every
//! maintenance statement is safe to run concurrently.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::handler::Registry;
use super::maintenance::{cleaner, periodic, rescuer, scheduler};
use super::reward::RewardGrantHandler;
use super::worker::{WorkerConfig, WorkerPool};
use crate::store::StoreError;

/// Handlers running at once per process: handlers are async and mostly wait on the database or
/// a remote service, so many slots cost little; claims never exceed the free slots.
pub const DEFAULT_CONCURRENCY: usize = 50;
/// Queues a process works on by default: `default` (jobs that name none) and `rewards` (the
/// flush's goal.completed jobs).
pub const DEFAULT_QUEUES: &str = "default,rewards";
/// Connections the job side uses at most at the same time on top of its handlers' own: the
/// dispatcher, the completer and the heartbeat/maintenance round.
pub const CONNECTIONS: usize = 3;

/// The handlers goalstream ships: `goal.completed` (reward grant). Add your own with
/// [`Registry::register`] (see `examples/custom_handler.rs`).
pub fn builtin_handlers() -> Registry {
    Registry::new().register(RewardGrantHandler)
}

/// A running worker pool with its maintenance.
pub struct JobService {
    workers: WorkerPool,
    stop: CancellationToken,
    maintenance: Vec<JoinHandle<()>>,
}

impl JobService {
    /// Registers the worker, starts claiming, and starts the rescuer, scheduler and cleaner
    /// with the worker's heartbeat interval and queue settings.
    pub async fn start(
        config: WorkerConfig,
        pool: Pool,
        registry: Registry,
    ) -> Result<JobService, StoreError> {
        let stop = CancellationToken::new();
        let rescuer = rescuer::Rescuer::new(
            rescuer::Config { heartbeat_interval: config.heartbeat_interval },
            pool.clone(),
        );
        let scheduler = scheduler::Scheduler::new(config.settings, pool.clone());
        let cleaner = cleaner::Cleaner::new(cleaner::Config::default(), pool.clone());
        let workers = WorkerPool::start(config, pool, registry).await?;
        let maintenance = vec![
            rescuer.start(stop.clone()),
            scheduler.start(scheduler::DEFAULT_INTERVAL, stop.clone()),
            cleaner.start(cleaner::DEFAULT_INTERVAL, stop.clone()),
        ];
        Ok(JobService { workers, stop, maintenance })
    }

    /// Also runs the periodic enqueuer (stopped with the rest of the maintenance).
    pub fn run_periodic(&mut self, enqueuer: periodic::PeriodicEnqueuer) {
        self.maintenance.push(enqueuer.start(self.stop.clone()));
    }

    /// The worker's id.
    pub fn worker_id(&self) -> &str {
        self.workers.id()
    }

    /// Stops maintenance, then the workers (running handlers get until `deadline`; jobs
    /// claimed but not started go back to the queue). Returns whether all finished in time.
    pub async fn shutdown(self, deadline: Duration) -> bool {
        self.stop.cancel();
        for task in self.maintenance {
            let _ = task.await;
        }
        self.workers.shutdown(deadline).await
    }
}

#[cfg(test)]
mod tests;
