//! Where each owned partition stands: the offset stored in Postgres and the next offset to
//! accept. Pure; the flusher keeps one per worker.
//!
//! A record below a partition's position was already applied (duplicate delivery after a
//! rebalance or a seek) and is skipped. A record above it is accepted: offsets can skip
//! (compaction, transaction markers). A flush moves each partition's stored offset from what
//! this tracker last knew to its position; Postgres refuses the move if anyone else moved it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::store::OffsetMove;

/// A topic-partition.
pub type Partition = (Arc<str>, i32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// `next_offset` in Postgres as last read or written by this consumer.
    stored: Option<i64>,
    /// Offset of the next record to accept; `None` until the first record when nothing was
    /// stored (the consumer then starts where `auto.offset.reset` says).
    position: Option<i64>,
    /// Bumped by every re-seek; records tagged with an older epoch are stale.
    epoch: u64,
}

/// Offsets of the partitions a flush worker owns.
#[derive(Debug, Default)]
pub struct OffsetTracker {
    partitions: HashMap<Partition, State>,
}

impl OffsetTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes ownership of a partition whose stored offset is `stored` (`None`: no row yet).
    pub fn assign(&mut self, partition: Partition, stored: Option<i64>, epoch: u64) {
        self.partitions.insert(partition, State { stored, position: stored, epoch });
    }

    /// Gives a partition up.
    pub fn revoke(&mut self, partition: &Partition) {
        self.partitions.remove(partition);
    }

    /// Whether the record at `offset` (read in seek `epoch`) is new: owned partition, current
    /// epoch, not below the position. Accepting moves the position past it.
    pub fn accept(&mut self, partition: &Partition, offset: i64, epoch: u64) -> bool {
        let Some(state) = self.partitions.get_mut(partition) else { return false };
        if epoch != state.epoch || state.position.is_some_and(|p| offset < p) {
            return false;
        }
        state.position = Some(offset + 1);
        true
    }

    /// The offset moves a flush must make: every partition whose position passed its stored
    /// offset.
    pub fn moves(&self) -> Vec<OffsetMove> {
        let mut moves: Vec<OffsetMove> = self
            .partitions
            .iter()
            .filter_map(|((topic, partition), state)| {
                let next = state.position?;
                (state.stored != Some(next)).then(|| OffsetMove {
                    topic: topic.to_string(),
                    partition: *partition,
                    expected: state.stored,
                    next,
                })
            })
            .collect();
        moves.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        moves
    }

    /// Records that a flush committed `moves`.
    pub fn committed(&mut self, moves: &[OffsetMove]) {
        for m in moves {
            if let Some(state) =
                self.partitions.get_mut(&(Arc::from(m.topic.as_str()), m.partition))
            {
                state.stored = Some(m.next);
            }
        }
    }

    /// Starts a partition over from `stored` in a new seek epoch (after a fenced or abandoned
    /// flush): records of older epochs are dropped until the consumer's seek takes effect.
    pub fn reseek(&mut self, partition: &Partition, stored: Option<i64>) -> u64 {
        let state = self.partitions.entry(partition.clone()).or_insert(State {
            stored,
            position: stored,
            epoch: 0,
        });
        state.stored = stored;
        state.position = stored;
        state.epoch += 1;
        state.epoch
    }

    /// The partition's stored offset as this tracker knows it.
    pub fn stored(&self, partition: &Partition) -> Option<i64> {
        self.partitions.get(partition).and_then(|s| s.stored)
    }

    /// Owned partitions.
    pub fn partitions(&self) -> impl Iterator<Item = &Partition> {
        self.partitions.keys()
    }

    /// Whether the partition is owned.
    pub fn owns(&self, partition: &Partition) -> bool {
        self.partitions.contains_key(partition)
    }
}

#[cfg(test)]
mod tests;
