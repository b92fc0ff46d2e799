//! A flush worker: owns a disjoint set of partitions, buffers their records and writes each
//! batch in one transaction with the partitions' offsets (DESIGN.md, Delivery).
//!
//! Failures: a retryable database error retries the same batch and offsets with backoff and
//! jitter (meanwhile the worker reads no input, so the consumer pauses); a data error bisects
//! the batch with rolled-back probes, sets the poison updates aside as dead letters and writes
//! the rest; a fenced flush (another consumer moved an offset) drops the batch and re-reads the
//! partitions from their stored offsets. Nothing is acknowledged before its commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::buffer::{Batch, Buffer, BufferConfig};
use super::offsets::{OffsetTracker, Partition};
use super::record::Input;
use super::stats::IngestStats;
use crate::metrics;
use crate::retry::Backoff;
use crate::store::{self, DeadLetter, FlushBatch, OffsetMove, ProgressStore, StoreError};
use crate::update::ProgressUpdate;

/// How long a revoke may spend flushing before the partitions are let go unflushed (their
/// records are then re-read by the next owner). Below librdkafka's `max.poll.interval.ms`.
pub const DEFAULT_REVOKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Topic recorded on dead letters for updates the merge refused.
pub const POISON_TOPIC: &str = "goalstream.merge";

/// A worker's settings.
#[derive(Debug, Clone)]
pub struct FlusherConfig {
    /// The worker's number (0-based), for metrics and logs.
    pub worker: usize,
    /// Consumer group (key of the stored offsets).
    pub group_id: String,
    /// When to flush.
    pub buffer: BufferConfig,
    /// Bound on the flush a revoke triggers.
    pub revoke_timeout: Duration,
}

/// Requests from a worker to the consumer thread, which owns the Kafka client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Commit these offsets to Kafka (after the database commit; for lag tooling).
    Commit(Vec<OffsetMove>),
    /// Seek these partitions to their stored offset (`None`: as `auto.offset.reset` says) and
    /// tag what is read from then on with the new epoch.
    Reseek(Vec<(Partition, Option<i64>, u64)>),
}

/// One flush worker.
pub struct Flusher {
    config: FlusherConfig,
    store: ProgressStore,
    pool: Pool,
    buffer: Buffer,
    offsets: OffsetTracker,
    input: mpsc::Receiver<Input>,
    control: mpsc::UnboundedSender<Control>,
    stats: Arc<IngestStats>,
    stop: CancellationToken,
}

impl Flusher {
    /// A worker reading `input`; `stop` ends it at once, unflushed (graceful shutdown closes
    /// `input` instead, which flushes first).
    pub fn new(
        config: FlusherConfig,
        store: ProgressStore,
        pool: Pool,
        input: mpsc::Receiver<Input>,
        control: mpsc::UnboundedSender<Control>,
        stats: Arc<IngestStats>,
        stop: CancellationToken,
    ) -> Self {
        let buffer = Buffer::new(config.buffer, store.catalog().clone());
        Flusher {
            config,
            store,
            pool,
            buffer,
            offsets: OffsetTracker::new(),
            input,
            control,
            stats,
            stop,
        }
    }

    /// Runs until the input closes (after a final flush) or `stop` fires.
    pub async fn run(mut self) {
        loop {
            let deadline = self.buffer.deadline();
            tokio::select! {
                biased;
                _ = self.stop.cancelled() => return,
                input = self.input.recv() => match input {
                    None => {
                        self.flush(None).await;
                        self.publish_buffer();
                        return;
                    }
                    Some(input) => self.run_once(input).await,
                },
                _ = sleep_until(deadline), if deadline.is_some() => {
                    self.flush(None).await;
                }
            }
            self.publish_buffer();
        }
    }

    /// Handles one input.
    pub async fn run_once(&mut self, input: Input) {
        match input {
            Input::Records(records) => {
                let now = Instant::now();
                for record in records {
                    if self.offsets.accept(&record.partition, record.offset, record.epoch) {
                        self.buffer.push(record, now);
                    } else {
                        IngestStats::add(&self.stats.skipped_duplicates, 1);
                        metrics::global().records_duplicate.inc();
                    }
                }
                if self.buffer.should_flush(Instant::now()) {
                    self.flush(None).await;
                }
            }
            Input::Assigned(partitions) => {
                for (partition, stored, epoch) in partitions {
                    self.offsets.assign(partition, stored, epoch);
                }
            }
            Input::Revoke { partitions, lost, done } => {
                let deadline = Instant::now() + self.config.revoke_timeout;
                if !self.flush(Some(deadline)).await {
                    tracing::warn!(
                        ?partitions,
                        lost,
                        "revoke: flush did not finish in time; \
                        the buffered records will be read again"
                    );
                    self.abandon(&partitions).await;
                }
                for partition in &partitions {
                    self.offsets.revoke(partition);
                }
                let _ = done.send(());
            }
        }
    }

    /// Writes the buffer and the offsets; retries until done, `deadline` passes or `stop`
    /// fires. Returns whether everything buffered is durable now.
    async fn flush(&mut self, deadline: Option<Instant>) -> bool {
        let moves = self.offsets.moves();
        if self.buffer.is_empty() && moves.is_empty() {
            return true;
        }
        let span = tracing::info_span!(
            "flush",
            worker = self.config.worker,
            records = self.buffer.records(),
            keys = self.buffer.rows()
        );
        self.flush_batch(moves, deadline).instrument(span).await
    }

    async fn flush_batch(
        &mut self,
        moves: Vec<store::OffsetMove>,
        deadline: Option<Instant>,
    ) -> bool {
        let metrics = metrics::global();
        let mut batch = self.buffer.take();
        let mut backoff = Backoff::default();
        let started = Instant::now();
        loop {
            let now = chrono::Utc::now();
            let result = async {
                let mut client = crate::db::get(&self.pool).await?;
                let flush = FlushBatch {
                    now,
                    updates: &batch.updates,
                    group_id: &self.config.group_id,
                    offsets: &moves,
                    dead_letters: &batch.dead_letters,
                };
                self.store.flush(&mut client, &flush).await
            }
            .await;
            let error = match result {
                Ok(outcome) => {
                    tracing::debug!(
                        records = batch.records,
                        rows = outcome.staged,
                        ms = started.elapsed().as_secs_f64() * 1e3,
                        "flush committed"
                    );
                    metrics.flush_duration.observe(started.elapsed().as_secs_f64());
                    self.offsets.committed(&moves);
                    self.stats.record_flush(&batch, &outcome, Some(now.timestamp_millis()));
                    let _ = self.control.send(Control::Commit(moves));
                    return true;
                }
                Err(error) => error,
            };
            if error.is_fenced() {
                IngestStats::add(&self.stats.fenced, 1);
                metrics.flushes.with_label_values(&["fenced"]).inc();
                tracing::warn!(%error, "flush fenced: re-reading the partitions from their stored offsets");
                self.resync_all().await;
                return false;
            }
            if !error.is_retryable() && !batch.updates.is_empty() {
                match self.set_aside_poison(&mut batch, &error).await {
                    Ok(0) | Err(_) => {}
                    Ok(_) => continue,
                }
            }
            IngestStats::add(&self.stats.retries, 1);
            metrics.flushes.with_label_values(&["failed"]).inc();
            metrics.retries.with_label_values(&["flush"]).inc();
            let delay = backoff.next_delay();
            tracing::warn!(%error, attempt = backoff.attempts(), ?delay, "flush failed; retrying");
            if deadline.is_some_and(|d| Instant::now() + delay > d) {
                metrics.flushes.with_label_values(&["abandoned"]).inc();
                return false;
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.cancelled() => {
                    metrics.flushes.with_label_values(&["abandoned"]).inc();
                    return false;
                }
            }
        }
    }

    /// After a data error: finds the updates the merge refuses by bisecting with rolled-back
    /// probes, moves them to dead letters and returns how many. An error while probing (the
    /// database went away) ends the search; the caller retries later.
    async fn set_aside_poison(
        &mut self,
        batch: &mut Batch,
        error: &StoreError,
    ) -> Result<usize, StoreError> {
        let mut client = self.pool.get().await?;
        let now = chrono::Utc::now();
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
        IngestStats::add(&self.stats.poison_rows, poison.len() as u64);
        metrics::global().rows_poison.inc_by(poison.len() as u64);
        Ok(poison.len())
    }

    /// Sets this worker's buffer gauges.
    fn publish_buffer(&self) {
        let metrics = metrics::global();
        let worker = self.config.worker.to_string();
        let labels = [worker.as_str()];
        metrics.buffer_keys.with_label_values(&labels).set(self.buffer.rows() as i64);
        metrics.buffer_bytes.with_label_values(&labels).set(self.buffer.bytes() as i64);
        let age = self.buffer.age(Instant::now()).as_secs_f64();
        metrics.buffer_age.with_label_values(&labels).set(age);
    }

    /// Lets go of everything buffered: the partitions that stay owned are re-read from their
    /// stored offsets; the revoked ones will be read by their next owner.
    async fn abandon(&mut self, revoked: &[Partition]) {
        self.buffer.take();
        let keep: Vec<Partition> =
            self.offsets.partitions().filter(|p| !revoked.contains(p)).cloned().collect();
        self.reseek(keep, None).await;
    }

    /// After a fenced flush: reloads every owned partition's stored offset and re-reads from it.
    async fn resync_all(&mut self) {
        self.buffer.take();
        let owned: Vec<Partition> = self.offsets.partitions().cloned().collect();
        let topics: Vec<String> = owned.iter().map(|(t, _)| t.to_string()).collect();
        let stored = match self.pool.get().await {
            Ok(client) => store::offsets::load(&client, &self.config.group_id, &topics).await.ok(),
            Err(_) => None,
        };
        self.reseek(owned, stored).await;
    }

    /// Re-reads `partitions` from `stored` (or, where it has no entry, from the offset this
    /// worker last stored) in a new seek epoch.
    async fn reseek(
        &mut self,
        partitions: Vec<Partition>,
        stored: Option<HashMap<(String, i32), i64>>,
    ) {
        let mut seeks = Vec::with_capacity(partitions.len());
        for partition in partitions {
            let offset = stored
                .as_ref()
                .and_then(|s| s.get(&(partition.0.to_string(), partition.1)).copied())
                .or_else(|| self.offsets.stored(&partition));
            let epoch = self.offsets.reseek(&partition, offset);
            seeks.push((partition, offset, epoch));
        }
        if !seeks.is_empty() {
            let _ = self.control.send(Control::Reseek(seeks));
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
