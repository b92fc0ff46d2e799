//! One typed event per thing that happens (Vector's `internal_events`): whoever observes it
//! builds the event and calls `emit`, which writes the log line, the Prometheus families and,
//! for the pipeline's events, its [`IngestStats`], in one place, so the three never disagree.
//! Label values come from the closed sets of [`super::labels`] or from configuration (topics,
//! queues, registered job kinds: [`super::bounded`]), never from a request.

use std::time::Duration;

use super::bounded;
use super::labels::{FlushResult, RebalanceKind, RetryOperation, SkipReason, Statement};
use super::metrics::global as metrics;
use super::IngestStats;
use crate::types::JobState;

/// A statement on a hot path ran: its duration lands in the statement histogram, and one over
/// a slow threshold is also logged at the threshold's level and counted.
#[derive(Debug, Clone, Copy)]
pub struct StatementTimed {
    /// Which statement.
    pub statement: Statement,
    /// How long it took.
    pub elapsed: Duration,
}

impl StatementTimed {
    /// Records it.
    pub fn emit(self) {
        let name = self.statement.as_str();
        let metrics = metrics();
        metrics
            .db_statement_duration
            .with_label_values(&[name])
            .observe(self.elapsed.as_secs_f64());
        let Some(level) = super::slow_thresholds().level(self.elapsed) else { return };
        metrics.db_slow_statements.with_label_values(&[name, level.as_str()]).inc();
        let ms = self.elapsed.as_secs_f64() * 1e3;
        match level {
            super::labels::SlowLevel::Debug => {
                tracing::debug!(statement = name, ms, "slow statement")
            }
            super::labels::SlowLevel::Warn => {
                tracing::warn!(statement = name, ms, "slow statement")
            }
            super::labels::SlowLevel::Error => {
                tracing::error!(statement = name, ms, "very slow statement")
            }
        }
    }
}

/// A caller waited for a pooled connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolWaited {
    /// How long.
    pub elapsed: Duration,
}

impl PoolWaited {
    /// Records it.
    pub fn emit(self) {
        metrics().db_pool_wait.observe(self.elapsed.as_secs_f64());
    }
}

/// The main pool's state, read at scrape.
#[derive(Debug, Clone, Copy)]
pub struct PoolObserved {
    /// Connections held.
    pub size: usize,
    /// Connections idle.
    pub available: usize,
    /// Callers waiting.
    pub waiting: usize,
}

impl PoolObserved {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.db_pool_size.set(self.size as i64);
        metrics.db_pool_in_use.set(self.size.saturating_sub(self.available) as i64);
        metrics.db_pool_waiting.set(self.waiting as i64);
    }
}

/// An operation failed and is tried again (the caller logs why, with its context).
#[derive(Debug, Clone, Copy)]
pub struct Retried {
    /// Which operation.
    pub operation: RetryOperation,
}

impl Retried {
    /// Records it.
    pub fn emit(self) {
        metrics().retries.with_label_values(&[self.operation.as_str()]).inc();
    }
}

/// What the consumer thread read from one topic in one poll round.
#[derive(Debug, Clone, Copy)]
pub struct EventsRead<'a> {
    /// The topic.
    pub topic: &'a str,
    /// Messages polled.
    pub consumed: u64,
    /// Decoded into an event some goal reads.
    pub decoded: u64,
    /// Malformed (dead-lettered at the next flush).
    pub malformed: u64,
    /// Valid, but no goal reads their stat.
    pub unmatched: u64,
}

impl EventsRead<'_> {
    /// Records it (the pipeline's `consumed` counter included).
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.consumed, self.consumed);
        let metrics = metrics();
        let topic = [self.topic];
        metrics.events_consumed.with_label_values(&topic).inc_by(self.consumed);
        metrics.events_decoded.with_label_values(&topic).inc_by(self.decoded);
        metrics.events_dead_lettered.with_label_values(&topic).inc_by(self.malformed);
        metrics.events_unmatched.with_label_values(&topic).inc_by(self.unmatched);
    }
}

/// The event-time age of the newest message read from a partition.
#[derive(Debug, Clone, Copy)]
pub struct PartitionBehind<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Partition.
    pub partition: i32,
    /// Seconds between its newest message's timestamp and now.
    pub seconds: i64,
}

impl PartitionBehind<'_> {
    /// Records it.
    pub fn emit(self) {
        let partition = self.partition.to_string();
        metrics()
            .seconds_behind
            .with_label_values(&[self.topic, partition.as_str()])
            .set(self.seconds);
    }
}

/// librdkafka's statistics: consumer lag per assigned partition (the lag to durability: Kafka
/// commits follow the database commits). Partitions not reported drop out.
#[derive(Debug, Clone)]
pub struct ConsumerLag<'a> {
    /// `(topic, partition, lag)` of each assigned, active partition with a known lag.
    pub partitions: &'a [(&'a str, i32, i64)],
}

impl ConsumerLag<'_> {
    /// Records it.
    pub fn emit(self) {
        let lag = &metrics().consumer_lag;
        lag.reset();
        for (topic, partition, messages) in self.partitions {
            let partition = partition.to_string();
            lag.with_label_values(&[topic, partition.as_str()]).set(*messages);
        }
    }
}

/// A rebalance callback ran.
#[derive(Debug, Clone)]
pub struct Rebalanced<'a> {
    /// Assign, revoke or error.
    pub kind: RebalanceKind,
    /// The partitions it concerned, as `topic/partition`.
    pub partitions: &'a [String],
    /// Whether the partitions were lost rather than revoked (revoke only).
    pub lost: bool,
    /// Partitions held after it.
    pub assigned: usize,
}

impl Rebalanced<'_> {
    /// Records it (the pipeline's rebalance count and held partitions included).
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.rebalances, 1);
        stats.partitions_assigned.store(self.assigned as u64, std::sync::atomic::Ordering::Relaxed);
        let metrics = metrics();
        metrics.rebalances.with_label_values(&[self.kind.as_str()]).inc();
        metrics.partitions_assigned.set(self.assigned as i64);
        // Partitions that moved away must not keep reporting: the series come back with the
        // next messages read.
        metrics.seconds_behind.reset();
        match self.kind {
            RebalanceKind::Assign => {
                tracing::info!(partitions = ?self.partitions, "partitions assigned")
            }
            RebalanceKind::Revoke => {
                tracing::info!(partitions = ?self.partitions, lost = self.lost, "partitions released")
            }
            RebalanceKind::Error => {
                tracing::error!(partitions = ?self.partitions, "rebalance error; partitions released")
            }
        }
    }
}

/// A fetch's offset was no longer on the broker: retention deleted events before they were
/// consumed, and `auto.offset.reset` skipped them.
#[derive(Debug, Clone, Copy)]
pub struct OffsetOutOfRange<'a> {
    /// What librdkafka said.
    pub detail: &'a str,
}

impl OffsetOutOfRange<'_> {
    /// Records it.
    pub fn emit(self) {
        metrics().offset_out_of_range.inc();
        tracing::error!(
            detail = self.detail,
            "a partition's next offset is no longer on the broker: retention deleted events before \
             they were consumed and auto.offset.reset skips them (lost to goalstream); consume \
             faster or keep events longer"
        );
    }
}

/// The consumer paused (or resumed) its partitions because a flush worker stayed behind.
#[derive(Debug, Clone, Copy)]
pub struct IntakePaused {
    /// Partitions paused now (0: resumed).
    pub partitions: usize,
}

impl IntakePaused {
    /// Records it (the pipeline's pause count included).
    pub fn emit(self, stats: &IngestStats) {
        metrics().partitions_paused.set(self.partitions as i64);
        if self.partitions > 0 {
            IngestStats::add(&stats.pauses, 1);
            tracing::debug!("flush workers are behind: intake paused");
        }
    }
}

/// Records dropped as already applied (redelivered, or stale after a re-seek).
#[derive(Debug, Clone, Copy)]
pub struct RecordsDuplicate {
    /// How many.
    pub records: u64,
}

impl RecordsDuplicate {
    /// Records it.
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.skipped_duplicates, self.records);
        metrics().records_duplicate.inc_by(self.records);
    }
}

/// A flush worker's buffer, after it changed.
#[derive(Debug, Clone, Copy)]
pub struct BufferLevel {
    /// The worker.
    pub worker: usize,
    /// Distinct keys buffered.
    pub keys: usize,
    /// Payload bytes buffered.
    pub bytes: usize,
    /// Age of the oldest buffered record.
    pub age: Duration,
}

impl BufferLevel {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        let worker = self.worker.to_string();
        let labels = [worker.as_str()];
        metrics.buffer_keys.with_label_values(&labels).set(self.keys as i64);
        metrics.buffer_bytes.with_label_values(&labels).set(self.bytes as i64);
        metrics.buffer_age.with_label_values(&labels).set(self.age.as_secs_f64());
    }
}

/// A flush committed.
#[derive(Debug, Clone, Copy)]
pub struct FlushCommitted<'a> {
    /// Records made durable.
    pub records: u64,
    /// Valid events among them whose stat no goal reads.
    pub unknown_stats: u64,
    /// Distinct keys staged.
    pub staged: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows updated.
    pub updated: u64,
    /// Staged rows left alone, by reason.
    pub skipped: [(SkipReason, u64); 3],
    /// Goals that completed.
    pub completed: u64,
    /// Dead letters written.
    pub dead_letters: u64,
    /// Bytes of binary COPY payload.
    pub copy_bytes: u64,
    /// First attempt to commit (`None`: not timed, e.g. a file replay).
    pub took: Option<Duration>,
    /// Commit time, ms since the Unix epoch, with the records' timestamps: their
    /// event→durable latency (`None`: not measured).
    pub latency: Option<(i64, &'a [i64])>,
}

impl FlushCommitted<'_> {
    /// Records it.
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.flushes, 1);
        IngestStats::add(&stats.durable, self.records);
        IngestStats::add(&stats.unknown_stats, self.unknown_stats);
        IngestStats::add(&stats.dead_lettered, self.dead_letters);
        IngestStats::add(&stats.rows_inserted, self.inserted);
        IngestStats::add(&stats.rows_updated, self.updated);
        IngestStats::add(&stats.rows_skipped, self.skipped.iter().map(|(_, n)| n).sum());
        IngestStats::add(&stats.goals_completed, self.completed);
        let metrics = metrics();
        metrics.flushes.with_label_values(&[FlushResult::Committed.as_str()]).inc();
        metrics.flush_batch_rows.observe(self.staged as f64);
        metrics.rows_inserted.inc_by(self.inserted);
        metrics.rows_updated.inc_by(self.updated);
        for (reason, n) in self.skipped {
            metrics.rows_skipped.with_label_values(&[reason.as_str()]).inc_by(n);
        }
        metrics.goals_completed.inc_by(self.completed);
        metrics.copy_bytes.inc_by(self.copy_bytes);
        if let Some(took) = self.took {
            metrics.flush_duration.observe(took.as_secs_f64());
            tracing::debug!(
                records = self.records,
                rows = self.staged,
                ms = took.as_secs_f64() * 1e3,
                "flush committed"
            );
        }
        if let Some((durable_ms, timestamps_ms)) = self.latency {
            stats.record_latencies(durable_ms, timestamps_ms, &metrics.event_to_durable);
        }
    }
}

/// A flush failed and will be tried again (unless its deadline passes first).
#[derive(Debug, Clone, Copy)]
pub struct FlushFailed<'a> {
    /// Why.
    pub error: &'a dyn std::error::Error,
    /// Attempts so far.
    pub attempt: u32,
    /// Wait before the next one.
    pub delay: Duration,
}

impl FlushFailed<'_> {
    /// Records it.
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.retries, 1);
        let metrics = metrics();
        metrics.flushes.with_label_values(&[FlushResult::Failed.as_str()]).inc();
        metrics.retries.with_label_values(&[RetryOperation::Flush.as_str()]).inc();
        tracing::warn!(error = %self.error, attempt = self.attempt, delay = ?self.delay, "flush failed; retrying");
    }
}

/// A flush was refused because another consumer moved an offset: nothing was written, the
/// partitions are read again from their stored offsets.
#[derive(Debug, Clone, Copy)]
pub struct FlushFenced<'a> {
    /// The refusal.
    pub error: &'a dyn std::error::Error,
}

impl FlushFenced<'_> {
    /// Records it.
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.fenced, 1);
        metrics().flushes.with_label_values(&[FlushResult::Fenced.as_str()]).inc();
        tracing::warn!(error = %self.error, "flush fenced: re-reading the partitions from their stored offsets");
    }
}

/// A flush was given up at a revoke or shutdown deadline (its records are read again).
#[derive(Debug, Clone, Copy)]
pub struct FlushAbandoned;

impl FlushAbandoned {
    /// Records it.
    pub fn emit(self) {
        metrics().flushes.with_label_values(&[FlushResult::Abandoned.as_str()]).inc();
    }
}

/// Updates the merge refused, set aside as dead letters.
#[derive(Debug, Clone, Copy)]
pub struct PoisonRows {
    /// How many.
    pub rows: u64,
}

impl PoisonRows {
    /// Records it.
    pub fn emit(self, stats: &IngestStats) {
        IngestStats::add(&stats.poison_rows, self.rows);
        metrics().rows_poison.inc_by(self.rows);
    }
}

/// Jobs were enqueued (those a unique key deduplicated away are not counted).
#[derive(Debug, Clone, Copy)]
pub struct JobsEnqueued<'a> {
    /// The kind of each job enqueued.
    pub kinds: &'a [&'a str],
}

impl JobsEnqueued<'_> {
    /// Records it.
    pub fn emit(self) {
        count_kinds(&metrics().jobs_enqueued, self.kinds);
    }
}

/// A worker claimed jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobsClaimed<'a> {
    /// The kind of each job claimed.
    pub kinds: &'a [&'a str],
    /// How long the claim statement took.
    pub took: Duration,
}

impl JobsClaimed<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.job_claim_duration.observe(self.took.as_secs_f64());
        count_kinds(&metrics.jobs_claimed, self.kinds);
    }
}

/// A handler finished an attempt.
#[derive(Debug, Clone, Copy)]
pub struct JobFinished<'a> {
    /// The job's kind.
    pub kind: &'a str,
    /// Whether the handler succeeded.
    pub succeeded: bool,
    /// How long it ran.
    pub took: Duration,
}

impl JobFinished<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        let counter = if self.succeeded { &metrics.jobs_completed } else { &metrics.jobs_failed };
        let kind = bounded::job_kind(self.kind);
        counter.with_label_values(&[kind]).inc();
        metrics.job_execution_duration.with_label_values(&[kind]).observe(self.took.as_secs_f64());
    }
}

/// The rescuer put back the running jobs of silent workers.
#[derive(Debug, Clone, Copy)]
pub struct JobsRescued<'a> {
    /// The kind of each job put back.
    pub kinds: &'a [&'a str],
}

impl JobsRescued<'_> {
    /// Records it.
    pub fn emit(self) {
        count_kinds(&metrics().jobs_rescued, self.kinds);
    }
}

/// A sample of the queue: live jobs by queue, state and effective priority, and the age of the
/// oldest available job per queue. Series of states that emptied drop out.
#[derive(Debug, Clone, Copy)]
pub struct QueueSampled<'a> {
    /// `(queue, state, priority, jobs)`.
    pub depth: &'a [(&'a str, JobState, i16, i64)],
    /// `(queue, seconds)`.
    pub oldest_available: &'a [(&'a str, f64)],
}

impl QueueSampled<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.jobs_queued.reset();
        // Undeclared queues share the `other` series: add, do not overwrite.
        for (queue, state, priority, jobs) in self.depth {
            let priority = priority.to_string();
            metrics
                .jobs_queued
                .with_label_values(&[bounded::queue(queue), state.as_str(), priority.as_str()])
                .add(*jobs);
        }
        metrics.jobs_oldest_available_age.reset();
        for (queue, age) in self.oldest_available {
            let gauge =
                metrics.jobs_oldest_available_age.with_label_values(&[bounded::queue(queue)]);
            gauge.set(gauge.get().max(*age));
        }
    }
}

fn count_kinds(counter: &prometheus::IntCounterVec, kinds: &[&str]) {
    for kind in kinds {
        counter.with_label_values(&[bounded::job_kind(kind)]).inc();
    }
}

mod http;
mod kafka;
mod periodic;
pub use http::RequestServed;
pub use kafka::{BrokersReachable, KafkaClientError};
pub use periodic::{LastTick, ScheduleDeclared, TicksHandled};

#[cfg(test)]
mod tests;
