//! A flush worker's database side: writes one batch with its offsets, retrying until it
//! commits, and sets aside the updates the merge refuses. Borrows nothing of the worker's
//! buffer, so the worker takes in records while a write is in flight (`flusher.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_util::sync::CancellationToken;

use super::buffer::Batch;
use crate::retry::Backoff;
use crate::store::{DeadLetter, FlushBatch, FlushOutcome, OffsetMove, ProgressStore, StoreError};
use crate::telemetry::events::{FlushAbandoned, FlushFailed, FlushFenced, PoisonRows};
use crate::telemetry::IngestStats;
use crate::update::ProgressUpdate;

/// Topic recorded on dead letters for updates the merge refused.
pub const POISON_TOPIC: &str = "goalstream.merge";

/// How a write ended.
#[derive(Debug)]
pub enum Written {
    /// Committed at this flush time, after this long (first attempt to commit).
    Committed(FlushOutcome, DateTime<Utc>, std::time::Duration),
    /// Another consumer moved one of the offsets: nothing was written.
    Fenced,
    /// The deadline passed or the worker was stopped before a commit: nothing was written.
    Abandoned,
}

/// Writes batches for one worker.
#[derive(Clone)]
pub struct Writer {
    /// The flush engine.
    pub store: ProgressStore,
    /// Connections.
    pub pool: Pool,
    /// Consumer group (key of the stored offsets).
    pub group_id: String,
    /// Counters.
    pub stats: Arc<IngestStats>,
    /// Ends retries at once.
    pub stop: CancellationToken,
}

impl Writer {
    /// Writes `batch` and moves `moves` in one transaction; retries a retryable error with
    /// backoff until it commits, `deadline` passes or `stop` fires. A data error bisects the
    /// batch and moves the poison updates to its dead letters first.
    pub async fn write(
        &self,
        batch: &mut Batch,
        moves: &[OffsetMove],
        deadline: Option<Instant>,
    ) -> Written {
        let mut backoff = Backoff::default();
        let mut raced = false;
        let started = Instant::now();
        loop {
            let now = Utc::now();
            let result = async {
                let mut client = crate::db::get(&self.pool).await?;
                let flush = FlushBatch {
                    now,
                    updates: &batch.updates,
                    group_id: &self.group_id,
                    offsets: moves,
                    dead_letters: &batch.dead_letters,
                    events: batch.batch_events(),
                };
                self.store.flush(&mut client, &flush).await
            }
            .await;
            let error = match result {
                Ok(outcome) => return Written::Committed(outcome, now, started.elapsed()),
                Err(error) => error,
            };
            if error.is_fenced() {
                FlushFenced { error: &error }.emit(&self.stats);
                return Written::Fenced;
            }
            if !error.is_retryable() && !batch.updates.is_empty() {
                match self.set_aside_poison(batch, &error).await {
                    Ok(0) | Err(_) => {}
                    Ok(_) => continue,
                }
            }
            let delay = retry_delay(error.is_insert_race(), &mut raced, &mut backoff);
            FlushFailed { error: &error, attempt: backoff.attempts(), delay }.emit(&self.stats);
            if deadline.is_some_and(|d| Instant::now() + delay > d) {
                FlushAbandoned.emit();
                return Written::Abandoned;
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.cancelled() => {
                    FlushAbandoned.emit();
                    return Written::Abandoned;
                }
            }
        }
    }

    /// After a data error: finds the updates the merge refuses by bisecting with rolled-back
    /// probes, moves them to dead letters and returns how many. An error while probing (the
    /// database went away) ends the search; the caller retries later.
    async fn set_aside_poison(
        &self,
        batch: &mut Batch,
        error: &StoreError,
    ) -> Result<usize, StoreError> {
        let mut client = self.pool.get().await?;
        let now = Utc::now();
        let mut poison = Vec::new();
        let mut pending: Vec<Vec<usize>> = vec![(0..batch.updates.len()).collect()];
        while let Some(indexes) = pending.pop() {
            let updates: Vec<ProgressUpdate> =
                indexes.iter().map(|i| batch.updates[*i].clone()).collect();
            match self.store.probe(&mut client, now, &updates).await {
                Ok(()) => {}
                Err(e) if e.is_retryable() => return Err(e),
                Err(_) if indexes.len() == 1 => poison.push(indexes[0]),
                Err(_) => {
                    let (left, right) = indexes.split_at(indexes.len() / 2);
                    pending.push(left.to_vec());
                    pending.push(right.to_vec());
                }
            }
        }
        let reason = error.to_string();
        poison.sort_unstable_by(|a, b| b.cmp(a));
        for index in &poison {
            let update = batch.updates.swap_remove(*index);
            let goal = &self.store.catalog().goal(update.goal).goal_id;
            tracing::error!(user_id = %update.user_id, goal, %reason, "update refused by the merge; dead-lettered");
            batch.dead_letters.push(DeadLetter {
                topic: POISON_TOPIC.into(),
                partition: None,
                offset: 0,
                key: Some(update.user_id.as_bytes().to_vec()),
                payload: serde_json::json!({
                    "user_id": &*update.user_id,
                    "goal_id": goal,
                    "change": format!("{:?}", update.change),
                })
                .to_string()
                .into_bytes(),
                reason: format!("the merge refused this update: {reason}"),
            });
        }
        PoisonRows { rows: poison.len() as u64 }.emit(&self.stats);
        Ok(poison.len())
    }
}

/// How long to wait before writing again after an error. A lost insert race
/// ([`StoreError::is_insert_race`]) is retried at once, the first time for a batch: the row
/// that won is committed, so the next merge finds it, and waiting would only let the backlog
/// grow (the peak tier loses 15–23 races a minute to the API's `initialize`). Anything else,
/// and a race lost again, backs off.
fn retry_delay(insert_race: bool, raced: &mut bool, backoff: &mut Backoff) -> Duration {
    if insert_race && !*raced {
        *raced = true;
        return Duration::ZERO;
    }
    backoff.next_delay()
}

#[cfg(test)]
mod tests;
