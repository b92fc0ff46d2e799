//! Counters of one ingest pipeline, shared by its consumer thread and flush workers; the demo's
//! summary, the logs, the load harness and `/readyz` read them. Only the [`super::events`]
//! write them, in the same call that writes the Prometheus families, so the two never
//! disagree.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use hdrhistogram::Histogram;

/// Pipeline-wide counters; every field only grows.
#[derive(Debug)]
pub struct IngestStats {
    /// Messages polled from Kafka.
    pub consumed: AtomicU64,
    /// Malformed messages written to dead_letters.
    pub dead_lettered: AtomicU64,
    /// Valid events whose stat no goal reads.
    pub unknown_stats: AtomicU64,
    /// Records skipped as already applied (duplicate delivery, stale after a re-seek).
    pub skipped_duplicates: AtomicU64,
    /// Records made durable (their flush committed).
    pub durable: AtomicU64,
    /// Committed flushes.
    pub flushes: AtomicU64,
    /// Flush attempts that failed and were retried.
    pub retries: AtomicU64,
    /// Flushes refused because another consumer moved a partition's offset.
    pub fenced: AtomicU64,
    /// Rows inserted into user_goal_progress.
    pub rows_inserted: AtomicU64,
    /// Rows updated.
    pub rows_updated: AtomicU64,
    /// Staged rows left alone (unassigned, inactive, claimed).
    pub rows_skipped: AtomicU64,
    /// Goals that became completed.
    pub goals_completed: AtomicU64,
    /// Updates set aside as poison (a data error in the merge).
    pub poison_rows: AtomicU64,
    /// Rebalances seen (assign or revoke callbacks).
    pub rebalances: AtomicU64,
    /// Times intake was paused because the flush workers were behind.
    pub pauses: AtomicU64,
    /// Partitions assigned right now (a level, not a counter; `/readyz` reads it).
    pub partitions_assigned: AtomicU64,
    /// Whether the Kafka client reported every broker connection down and has not reached a
    /// broker since (a level; `/readyz` reads it).
    pub brokers_down: AtomicBool,
    latency_ms: Mutex<Histogram<u64>>,
}

impl Default for IngestStats {
    fn default() -> Self {
        IngestStats {
            consumed: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            unknown_stats: AtomicU64::new(0),
            skipped_duplicates: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            flushes: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            fenced: AtomicU64::new(0),
            rows_inserted: AtomicU64::new(0),
            rows_updated: AtomicU64::new(0),
            rows_skipped: AtomicU64::new(0),
            goals_completed: AtomicU64::new(0),
            poison_rows: AtomicU64::new(0),
            rebalances: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
            partitions_assigned: AtomicU64::new(0),
            brokers_down: AtomicBool::new(false),
            // 1 ms to 1 hour, 3 significant digits.
            latency_ms: Mutex::new(Histogram::new_with_bounds(1, 3_600_000, 3).expect("bounds")),
        }
    }
}

impl IngestStats {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Records event→durable latencies, `durable_ms` minus each event's timestamp, here and in
    /// `seconds`.
    pub(super) fn record_latencies(
        &self,
        durable_ms: i64,
        timestamps_ms: &[i64],
        seconds: &prometheus::Histogram,
    ) {
        let mut histogram = self.latency_ms.lock().expect("not poisoned");
        for ts in timestamps_ms {
            let ms = u64::try_from(durable_ms - ts).unwrap_or(0).max(1);
            let _ = histogram.record(ms);
            seconds.observe(ms as f64 / 1e3);
        }
    }

    /// The `q`-quantile (0–1) of event→durable latency in ms, and the sample count.
    pub fn latency_quantile_ms(&self, q: f64) -> (u64, u64) {
        let histogram = self.latency_ms.lock().expect("not poisoned");
        (histogram.value_at_quantile(q), histogram.len())
    }
}
