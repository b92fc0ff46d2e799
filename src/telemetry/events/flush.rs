//! Events of the flush workers: their buffers, and each flush committed, failed, fenced or
//! given up, with the updates it set aside as dead letters.

use std::time::Duration;

use super::super::labels::{FlushResult, RetryOperation, SkipReason};
use super::super::metrics::global as metrics;
use super::super::IngestStats;

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
