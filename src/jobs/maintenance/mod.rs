//! Background maintenance of the job queue, one service per file; each loop is a thin shell
//! around `run_once`, which tests call directly. All are safe on several instances at once.
//!
//! - [`rescuer`]: jobs of workers that stopped heartbeating go back to the queue.
//! - [`scheduler`]: due scheduled and retryable jobs become available.
//! - [`cleaner`]: finished jobs and old history are pruned in bounded batches.
//! - [`sampler`]: queue depth and oldest available job for the metrics (read-only).
//! - [`periodic`]: the periodic schedules' jobs, each tick enqueued once across instances.

pub mod cleaner;
pub mod periodic;
pub mod rescuer;
pub mod sampler;
pub mod scheduler;

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Runs `run_once` every `every` until `stop`; errors are logged and the loop goes on.
pub(crate) fn every<F, Fut>(
    name: &'static str,
    every: Duration,
    stop: CancellationToken,
    mut run_once: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, crate::store::StoreError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => log_round(name, run_once().await.as_ref().copied()),
                _ = stop.cancelled() => return,
            }
        }
    })
}

/// Logs what a round of service `name` did: rows touched (debug), or its error (warn).
pub(crate) fn log_round(name: &'static str, round: Result<u64, &crate::store::StoreError>) {
    match round {
        Ok(0) => {}
        Ok(n) => tracing::debug!(service = name, n, "maintenance"),
        Err(error) => {
            tracing::warn!(service = name, %error, "maintenance failed; retrying next round")
        }
    }
}
