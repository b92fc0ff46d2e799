//! A producer (River's role name; a dispatcher): one per queue of a worker. It waits for a
//! free slot, claims at most the free slots of the worker, and hands each job to the
//! [`Executor`]; idle, it sleeps until a notification names its queue ([`super::listener`]) or
//! the jittered polling interval passes.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use rand::Rng;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::executor::Executor;
use super::handler::Registry;
use crate::retry::Backoff;
use crate::store::{jobs, StoreError};
use crate::telemetry::events::Retried;
use crate::telemetry::labels::RetryOperation;
use crate::types::ClaimedJob;

/// Claims the jobs of one queue for one worker.
pub struct Producer {
    /// The queue.
    pub(super) queue: String,
    /// The worker claiming.
    pub(super) worker_id: String,
    /// Idle polling interval (jittered ±50 %).
    pub(super) poll_interval: Duration,
    /// Woken when a notification names the queue.
    pub(super) wakeup: Arc<Notify>,
    /// Claims and unclaims.
    pub(super) pool: Pool,
    /// Handlers by kind.
    pub(super) registry: Arc<Registry>,
    /// The worker's slots, shared by its producers.
    pub(super) slots: Arc<Semaphore>,
    /// Runs what is claimed.
    pub(super) executor: Executor,
    /// Stops claiming.
    pub(super) stop: CancellationToken,
}

impl Producer {
    /// Claims and starts jobs until `stop`.
    pub async fn run(self) {
        let mut backoff = Backoff::default();
        while !self.stop.is_cancelled() {
            // Wait for a free slot, then claim at most the free slots.
            match tokio::select! {
                permit = self.slots.acquire() => permit,
                _ = self.stop.cancelled() => return,
            } {
                Ok(permit) => drop(permit),
                Err(_) => return,
            }
            let free = self.slots.available_permits() as i64;
            let claimed = match self.claim(free).await {
                Ok(claimed) => {
                    backoff = Backoff::default();
                    claimed
                }
                Err(error) => {
                    Retried { operation: RetryOperation::JobClaim }.emit();
                    tracing::warn!(%error, queue = %self.queue, "claim failed; retrying");
                    self.pause(backoff.next_delay()).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                let jitter = rand::rng().random_range(0.5..1.5);
                tokio::select! {
                    _ = self.pause(self.poll_interval.mul_f64(jitter)) => {}
                    _ = self.wakeup.notified() => {}
                }
                continue;
            }
            self.start_all(claimed).await;
        }
    }

    async fn claim(&self, limit: i64) -> Result<Vec<ClaimedJob>, StoreError> {
        let client = crate::db::get(&self.pool).await?;
        jobs::claim(&client, &self.queue, limit, &self.worker_id).await
    }

    /// Starts every claimed job; one that finds no free slot (another queue's dispatcher took
    /// it) or arrives after shutdown goes back to the queue without spending an attempt.
    async fn start_all(&self, claimed: Vec<ClaimedJob>) {
        let mut unstarted = Vec::new();
        for job in claimed {
            let permit = match self.slots.clone().try_acquire_owned() {
                Ok(permit) if !self.stop.is_cancelled() => permit,
                _ => {
                    unstarted.push((job.id, job.attempt));
                    continue;
                }
            };
            let handler = self.registry.get(&job.kind).cloned();
            self.executor.start(job, handler, permit);
        }
        if !unstarted.is_empty() {
            if let Ok(client) = self.pool.get().await {
                if let Err(error) = jobs::unclaim(&client, &unstarted).await {
                    tracing::warn!(%error, "returning unstarted jobs failed; the rescuer will");
                }
            }
        }
    }

    async fn pause(&self, delay: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = self.stop.cancelled() => {}
        }
    }
}
