//! The completer (River's `BatchCompleter`): writes the outcomes of finished attempts in
//! batches, whatever has arrived when the previous batch is done (at once when idle, larger
//! batches under load), and retries a batch while the database is away.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::mpsc;

use crate::retry::Backoff;
use crate::store::{jobs, StoreError};
use crate::telemetry::events::Retried;
use crate::telemetry::labels::RetryOperation;
use crate::types::{Failure, QueueSettings};

/// Outcomes written per completion transaction at most.
pub const MAX_BATCH: usize = 2_000;

/// The result of one attempt, on its way to the completer.
#[derive(Debug)]
pub struct Outcome {
    /// Job id.
    pub id: i64,
    /// The attempt (fences its completion).
    pub attempt: i32,
    /// What the handler returned.
    pub result: Result<(), String>,
}

/// Writes the outcomes it receives until every sender is gone.
pub struct Completer {
    pool: Pool,
    settings: QueueSettings,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
}

impl Completer {
    /// A completer of `outcomes` on `pool`; `settings` order the dependents it releases.
    pub fn new(
        pool: Pool,
        settings: QueueSettings,
        outcomes: mpsc::UnboundedReceiver<Outcome>,
    ) -> Self {
        Completer { pool, settings, outcomes }
    }

    /// Runs until the outcome channel closes and everything received is written.
    pub async fn run(mut self) {
        while let Some(first) = self.outcomes.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.outcomes.try_recv() {
                    Ok(outcome) => batch.push(outcome),
                    Err(_) => break,
                }
            }
            self.run_once(&batch).await;
        }
    }

    /// Writes one batch of outcomes, retrying with backoff until it is written.
    pub async fn run_once(&self, batch: &[Outcome]) {
        let done: Vec<(i64, i32)> =
            batch.iter().filter(|o| o.result.is_ok()).map(|o| (o.id, o.attempt)).collect();
        let failures: Vec<Failure> = batch
            .iter()
            .filter_map(|o| {
                o.result.as_ref().err().map(|error| Failure {
                    id: o.id,
                    attempt: o.attempt,
                    error: error.clone(),
                })
            })
            .collect();
        let mut backoff = Backoff::default();
        loop {
            match self.write(&done, &failures).await {
                Ok(()) => return,
                Err(error) => {
                    Retried { operation: RetryOperation::JobOutcome }.emit();
                    let delay: Duration = backoff.next_delay();
                    tracing::warn!(%error, outcomes = batch.len(), ?delay, "writing job outcomes failed; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn write(&self, done: &[(i64, i32)], failures: &[Failure]) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        if !done.is_empty() {
            jobs::complete(&mut client, &self.settings, done).await?;
        }
        if !failures.is_empty() {
            jobs::fail(&mut client, &self.settings, failures).await?;
        }
        Ok(())
    }
}
