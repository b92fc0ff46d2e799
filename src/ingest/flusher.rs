//! A flush worker: owns a disjoint set of partitions, buffers their records and writes each
//! batch in one transaction with the partitions' offsets (DESIGN.md, Delivery).
//!
//! While a batch is being written the worker goes on taking records into its (emptied)
//! buffer, up to the buffer's limits, so the next batch is ready when the write commits and a
//! record's wait for its flush overlaps the write before it. Partition changes (assign,
//! revoke) wait for the write.
//!
//! Failures ([`Writer`]): a retryable database error retries the same batch and offsets with
//! backoff and jitter (meanwhile the worker fills its buffer, then reads no input, so the
//! consumer pauses); a data error bisects the batch with rolled-back probes, sets the poison
//! updates aside as dead letters and writes the rest; a fenced flush (another consumer moved
//! an offset) drops what is buffered and re-reads the partitions from their stored offsets.
//! Nothing is acknowledged before its commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::buffer::{Buffer, BufferConfig};
use super::offsets::{OffsetTracker, Partition};
use super::record::{Input, Record};
use super::writer::{Writer, Written};
use crate::store::{self, OffsetMove, ProgressStore};
use crate::telemetry::events::{BufferLevel, RecordsDuplicate};
use crate::telemetry::IngestStats;

/// How long a revoke may spend flushing before the partitions are let go unflushed (their
/// records are then re-read by the next owner). Below librdkafka's `max.poll.interval.ms`.
pub const DEFAULT_REVOKE_TIMEOUT: Duration = Duration::from_secs(20);

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
    writer: Writer,
    buffer: Buffer,
    offsets: OffsetTracker,
    input: mpsc::Receiver<Input>,
    /// An input read during a write that must wait for it (a partition change).
    held: Option<Input>,
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
        let writer = Writer {
            store,
            pool,
            group_id: config.group_id.clone(),
            stats: stats.clone(),
            stop: stop.clone(),
        };
        Flusher {
            config,
            writer,
            buffer,
            offsets: OffsetTracker::new(),
            input,
            held: None,
            control,
            stats,
            stop,
        }
    }

    /// Runs until the input closes (after a final flush) or `stop` fires.
    pub async fn run(mut self) {
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            if let Some(input) = self.held.take() {
                self.run_once(input).await;
                self.publish_buffer();
                continue;
            }
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
                take_in(&mut self.buffer, &mut self.offsets, &self.stats, records);
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
    /// fires. Returns whether everything taken out of the buffer is durable now. Without a
    /// deadline (not a revoke), records keep coming into the buffer meanwhile.
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

    async fn flush_batch(&mut self, moves: Vec<OffsetMove>, deadline: Option<Instant>) -> bool {
        let mut batch = self.buffer.take();
        let written = {
            let write = self.writer.write(&mut batch, &moves, deadline);
            tokio::pin!(write);
            // A revoke's flush (it has a deadline) takes nothing in: the partitions are going.
            let mut reading = deadline.is_none();
            loop {
                let room = reading && self.held.is_none() && !self.buffer.is_full();
                tokio::select! {
                    biased;
                    written = &mut write => break written,
                    input = self.input.recv(), if room => match input {
                        Some(Input::Records(records)) => {
                            take_in(&mut self.buffer, &mut self.offsets, &self.stats, records);
                        }
                        Some(other) => self.held = Some(other),
                        None => reading = false,
                    },
                }
            }
        };
        match written {
            Written::Committed(outcome, now, took) => {
                self.offsets.committed(&moves);
                batch
                    .committed(&outcome, Some(took), Some(now.timestamp_millis()))
                    .emit(&self.stats);
                let _ = self.control.send(Control::Commit(moves));
                true
            }
            Written::Fenced => {
                self.resync_all().await;
                false
            }
            Written::Abandoned => false,
        }
    }

    /// Sets this worker's buffer gauges.
    fn publish_buffer(&self) {
        BufferLevel {
            worker: self.config.worker,
            keys: self.buffer.rows(),
            bytes: self.buffer.bytes(),
            age: self.buffer.age(Instant::now()),
        }
        .emit();
    }

    /// Lets go of everything buffered: the partitions that stay owned are re-read from their
    /// stored offsets; the revoked ones will be read by their next owner.
    async fn abandon(&mut self, revoked: &[Partition]) {
        self.buffer.take();
        let keep: Vec<Partition> =
            self.offsets.partitions().filter(|p| !revoked.contains(p)).cloned().collect();
        self.reseek(keep, None).await;
    }

    /// After a fenced flush: drops what is buffered, reloads every owned partition's stored offset
    /// and re-reads from it.
    async fn resync_all(&mut self) {
        self.buffer.take();
        let owned: Vec<Partition> = self.offsets.partitions().cloned().collect();
        let topics: Vec<String> = owned.iter().map(|(t, _)| t.to_string()).collect();
        let stored = match self.writer.pool.get().await {
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

/// Takes accepted records into the buffer; counts the duplicates the offsets refuse.
fn take_in(
    buffer: &mut Buffer,
    offsets: &mut OffsetTracker,
    stats: &IngestStats,
    records: Vec<Record>,
) {
    let now = Instant::now();
    let mut duplicates = 0;
    for record in records {
        if offsets.accept(&record.partition, record.offset, record.epoch) {
            buffer.push(record, now);
        } else {
            duplicates += 1;
        }
    }
    if duplicates > 0 {
        RecordsDuplicate { records: duplicates }.emit(stats);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
