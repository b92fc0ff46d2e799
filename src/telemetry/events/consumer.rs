//! Events of the consumer: what it read per topic, event-time age, lag, rebalances, offsets
//! reset by retention, pauses for back-pressure, and records skipped as already applied.

use super::super::labels::RebalanceKind;
use super::super::metrics::global as metrics;
use super::super::IngestStats;

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
