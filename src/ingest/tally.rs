//! What the consumer thread read, tallied per poll round and then emitted as events (one
//! label lookup per topic and round, not per message).

use std::collections::HashMap;
use std::sync::Arc;

use super::offsets::Partition;
use super::record::{Body, Record};
use crate::telemetry::events::{EventsRead, PartitionBehind};
use crate::telemetry::IngestStats;

/// Counts of one poll round.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Per topic: consumed, decoded, malformed, unmatched.
    topics: HashMap<Arc<str>, [u64; 4]>,
    /// Per partition: the newest message timestamp (ms since the Unix epoch).
    newest_ms: HashMap<Partition, i64>,
}

impl Tally {
    /// Counts one record.
    pub fn record(&mut self, record: &Record) {
        let counts = self.topics.entry(record.partition.0.clone()).or_default();
        counts[0] += 1;
        match record.body {
            Body::Event { .. } => counts[1] += 1,
            Body::Malformed { .. } => counts[2] += 1,
            Body::UnknownStat => counts[3] += 1,
        }
        if let Some(ts) = record.timestamp_ms {
            let newest = self.newest_ms.entry(record.partition.clone()).or_insert(ts);
            *newest = (*newest).max(ts);
        }
    }

    /// Emits the round's counts at `now_ms` and starts a new round.
    pub fn publish(&mut self, stats: &IngestStats, now_ms: i64) {
        for (topic, [consumed, decoded, malformed, unmatched]) in self.topics.drain() {
            EventsRead { topic: &topic, consumed, decoded, malformed, unmatched }.emit(stats);
        }
        for ((topic, partition), newest) in self.newest_ms.drain() {
            let seconds = (now_ms - newest).max(0) / 1000;
            PartitionBehind { topic: &topic, partition, seconds }.emit();
        }
    }
}
