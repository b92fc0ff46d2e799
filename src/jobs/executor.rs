//! The executor: runs one attempt of a claimed job with its handler, as a task of its own
//! holding a worker slot, and hands the outcome to the completer. A missing handler, an error,
//! a timeout and a panic are all failed attempts with a message.

use std::sync::Arc;
use std::time::Instant;

use deadpool_postgres::Pool;
use futures::FutureExt;
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::completer::Outcome;
use super::handler::Handler;
use crate::telemetry::events::JobFinished;
use crate::types::ClaimedJob;

/// Runs attempts and reports their outcomes.
#[derive(Clone)]
pub struct Executor {
    pool: Pool,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

impl Executor {
    /// An executor whose handlers use `pool` and whose outcomes go to `outcomes`.
    pub fn new(pool: Pool, outcomes: mpsc::UnboundedSender<Outcome>) -> Self {
        Executor { pool, outcomes }
    }

    /// Starts `job` with `handler` on a task of its own; the slot `permit` is released when the
    /// attempt's outcome is handed over.
    pub fn start(
        &self,
        job: ClaimedJob,
        handler: Option<Arc<dyn Handler>>,
        permit: OwnedSemaphorePermit,
    ) {
        let executor = self.clone();
        // Debug level: at info a span per job costs more than a no-op job itself (the
        // subscriber formats its fields); handlers' own log lines are still emitted.
        let span =
            tracing::debug_span!("job", id = job.id, kind = %job.kind, attempt = job.attempt);
        let started = Instant::now();
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                let result = run_attempt(handler, &job, &executor.pool).await;
                JobFinished { kind: &job.kind, succeeded: result.is_ok(), took: started.elapsed() }
                    .emit();
                let _ =
                    executor.outcomes.send(Outcome { id: job.id, attempt: job.attempt, result });
                drop(permit);
            },
            span,
        ));
    }
}

/// Runs one attempt of `job` with its handler: a missing handler, an error, a timeout and a
/// panic are all failures with a message.
pub async fn run_attempt(
    handler: Option<Arc<dyn Handler>>,
    job: &ClaimedJob,
    pool: &Pool,
) -> Result<(), String> {
    let Some(handler) = handler else {
        return Err(format!("no handler for kind {:?}", job.kind));
    };
    let timeout = handler.timeout();
    // A panic is caught where the handler's future is polled and recorded as a failure (no
    // task of its own: a spawn per job costs more than a no-op handler). The panic hook runs
    // inside that poll, so printing a backtrace cannot turn the panic into a timeout.
    let run = std::panic::AssertUnwindSafe(handler.run(job, pool)).catch_unwind();
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(format!("handler panicked: {}", panic_message(payload))),
        Err(_) => Err(format!("handler timed out after {timeout:?}")),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
