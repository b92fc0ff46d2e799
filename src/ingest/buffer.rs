//! The coalescing buffer: pure, no I/O. Records go in; a flush takes out one update per
//! `(user_id, goal_id)` (folded with [`Change::absorb`], so the result never depends on where
//! batches are cut), the dead letters, and the counts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::record::{Body, Record};
use crate::catalog::{Catalog, GoalRef};
use crate::store::seen_events::BatchEvent;
use crate::store::{BatchEvents, DeadLetter, FlushOutcome};
use crate::telemetry::events::FlushCommitted;
use crate::telemetry::labels::SkipReason;
use crate::update::{Change, ProgressUpdate};

/// Distinct keys that trigger a flush: the flush engine's best batch size (docs/BENCHMARKS.md).
pub const DEFAULT_MAX_ROWS: usize = 10_000;
/// Payload bytes that trigger a flush: bounds memory when events carry large payloads.
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Age of the oldest buffered record that triggers a flush: bounds event→durable latency.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_millis(200);

/// When the buffer asks to be flushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferConfig {
    /// Distinct `(user, goal)` keys.
    pub max_rows: usize,
    /// Payload bytes.
    pub max_bytes: usize,
    /// Age of the oldest record.
    pub max_age: Duration,
    /// De-duplication by event id per player over this window (`None`: off): the buffer skips
    /// an id repeated within the batch and keeps each event's id and updates, so the flush
    /// can leave out those applied before (the pipeline sets the store's window from this).
    pub dedup_window: Option<Duration>,
}

impl Default for BufferConfig {
    fn default() -> Self {
        BufferConfig {
            max_rows: DEFAULT_MAX_ROWS,
            max_bytes: DEFAULT_MAX_BYTES,
            max_age: DEFAULT_MAX_AGE,
            dedup_window: None,
        }
    }
}

/// What one flush takes out of the buffer.
#[derive(Debug, Default)]
pub struct Batch {
    /// One update per key.
    pub updates: Vec<ProgressUpdate>,
    /// Malformed records, whole.
    pub dead_letters: Vec<DeadLetter>,
    /// Records taken in.
    pub records: u64,
    /// Valid events whose stat no goal reads.
    pub unknown_stats: u64,
    /// Payload bytes taken in.
    pub bytes: usize,
    /// Message timestamps (ms since the Unix epoch) of the records, for latency.
    pub timestamps_ms: Vec<i64>,
    /// With de-duplication: each event with its id, in Kafka order.
    pub events: Vec<BatchEvent>,
    /// With de-duplication: each event's updates, uncoalesced.
    pub event_updates: Vec<ProgressUpdate>,
    /// With de-duplication: events skipped because their id repeated within the batch.
    pub duplicates: u64,
}

impl Batch {
    /// The event of this batch's commit: `outcome` is what the flush did, `took` how long it
    /// took, `durable_ms` the commit time (ms since the Unix epoch) for the records' latency.
    pub fn committed(
        &self,
        outcome: &FlushOutcome,
        took: Option<Duration>,
        durable_ms: Option<i64>,
    ) -> FlushCommitted<'_> {
        let skipped = outcome.skipped;
        FlushCommitted {
            records: self.records,
            unknown_stats: self.unknown_stats,
            staged: outcome.staged,
            inserted: outcome.inserted,
            updated: outcome.updated,
            skipped: [
                (SkipReason::Unassigned, skipped.unassigned),
                (SkipReason::Inactive, skipped.inactive),
                (SkipReason::Claimed, skipped.claimed),
            ],
            completed: outcome.completed.len() as u64,
            dead_letters: outcome.dead_letters,
            copy_bytes: outcome.copy_bytes,
            took,
            latency: durable_ms.map(|ms| (ms, self.timestamps_ms.as_slice())),
        }
    }

    /// The events for the flush's de-duplication.
    pub fn batch_events(&self) -> BatchEvents<'_> {
        BatchEvents { events: &self.events, updates: &self.event_updates }
    }

    /// Whether there is nothing to write (offsets may still move).
    pub fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.dead_letters.is_empty()
    }
}

/// Buffered, coalesced updates of one flush worker.
#[derive(Debug)]
pub struct Buffer {
    config: BufferConfig,
    catalog: Arc<Catalog>,
    index: HashMap<(Arc<str>, GoalRef), usize>,
    /// With de-duplication: the `(user_id, event_id)` pairs of the batch.
    seen: HashSet<(Arc<str>, Arc<str>)>,
    batch: Batch,
    /// When the oldest buffered record arrived.
    started: Option<Instant>,
}

impl Buffer {
    /// An empty buffer resolving stats against `catalog`.
    pub fn new(config: BufferConfig, catalog: Arc<Catalog>) -> Self {
        Buffer {
            config,
            catalog,
            index: HashMap::new(),
            seen: HashSet::new(),
            batch: Batch::default(),
            started: None,
        }
    }

    /// Takes in one record (already accepted by the offset tracker) at time `now`.
    pub fn push(&mut self, record: Record, now: Instant) {
        self.started.get_or_insert(now);
        let batch = &mut self.batch;
        batch.records += 1;
        batch.bytes += record.bytes;
        if let Some(ms) = record.timestamp_ms {
            batch.timestamps_ms.push(ms);
        }
        match record.body {
            Body::Event { user_id, event_id, stats } => {
                let user_id: Arc<str> = Arc::from(user_id);
                let first_update = batch.event_updates.len();
                let event_id = if self.config.dedup_window.is_some() {
                    let (topic, partition) = &record.partition;
                    let id: Arc<str> = match event_id {
                        Some(id) => Arc::from(id),
                        None => Arc::from(format!("{topic}/{partition}/{}", record.offset)),
                    };
                    if !self.seen.insert((user_id.clone(), id.clone())) {
                        batch.duplicates += 1;
                        return;
                    }
                    Some(id)
                } else {
                    None
                };
                for stat in stats {
                    for &goal in self.catalog.goals_of(stat.stat) {
                        let mode = self.catalog.goal(goal).mode;
                        let Some(change) = Change::from_event(mode, stat.value, stat.delta) else {
                            continue;
                        };
                        if event_id.is_some() {
                            let user_id = user_id.clone();
                            batch.event_updates.push(ProgressUpdate { user_id, goal, change });
                        }
                        match self.index.get(&(user_id.clone(), goal)) {
                            Some(&at) => batch.updates[at].change.absorb(&change),
                            None => {
                                self.index.insert((user_id.clone(), goal), batch.updates.len());
                                batch.updates.push(ProgressUpdate {
                                    user_id: user_id.clone(),
                                    goal,
                                    change,
                                });
                            }
                        }
                    }
                }
                if let Some(event_id) = event_id {
                    let updates = first_update..batch.event_updates.len();
                    batch.events.push(BatchEvent { user_id, event_id, updates });
                }
            }
            Body::UnknownStat => batch.unknown_stats += 1,
            Body::Malformed { key, payload, reason } => batch.dead_letters.push(DeadLetter {
                topic: record.partition.0.to_string(),
                partition: Some(record.partition.1),
                offset: record.offset,
                key,
                payload,
                reason,
            }),
        }
    }

    /// Distinct keys buffered.
    pub fn rows(&self) -> usize {
        self.batch.updates.len()
    }

    /// Payload bytes buffered.
    pub fn bytes(&self) -> usize {
        self.batch.bytes
    }

    /// Records buffered.
    pub fn records(&self) -> u64 {
        self.batch.records
    }

    /// Whether nothing was taken in since the last [`Buffer::take`].
    pub fn is_empty(&self) -> bool {
        self.batch.records == 0
    }

    /// When the age limit asks for a flush, if anything is buffered (`None` also when the
    /// limit is too far away to represent, e.g. `Duration::MAX`: no age limit).
    pub fn deadline(&self) -> Option<Instant> {
        self.started.and_then(|t| t.checked_add(self.config.max_age))
    }

    /// Age of the oldest buffered record at `now` (zero when empty).
    pub fn age(&self, now: Instant) -> Duration {
        self.started.map_or(Duration::ZERO, |t| now.saturating_duration_since(t))
    }

    /// Whether the size limits (keys, bytes) are reached: takes nothing more in while a write
    /// is in flight.
    pub fn is_full(&self) -> bool {
        self.rows() >= self.config.max_rows || self.bytes() >= self.config.max_bytes
    }

    /// Whether a limit is reached at `now`.
    pub fn should_flush(&self, now: Instant) -> bool {
        self.is_full() || self.deadline().is_some_and(|d| now >= d)
    }

    /// Takes everything out; the buffer is empty afterwards.
    pub fn take(&mut self) -> Batch {
        self.index.clear();
        self.seen.clear();
        self.started = None;
        std::mem::take(&mut self.batch)
    }
}

#[cfg(test)]
mod tests;
