//! The shard simulation's events: the scale benchmark's players and increments, each sent to
//! the partition the shard-aligned partitioner picks for its player, and counted per player and
//! stat so the run can check that every event was applied exactly once.

use std::collections::HashMap;

use crate::catalog::{Catalog, Mode};
use crate::harness::bench::scale::players::{default_goals, player_id, ScaleStream};
use crate::harness::producer::EventSource;
use crate::harness::synthetic::SyntheticEvent;
use crate::ingest::shard::ShardLayout;

/// Events over `players` players, partitioned as producers aligned with the shard layout do.
#[derive(Debug)]
pub struct ShardStream {
    inner: ScaleStream,
    layout: ShardLayout,
    partitions: i32,
    /// Whether events go to their player's group's partition; else the producer's default
    /// partitioner (by key) picks, as for producers that know nothing of the shards.
    aligned: bool,
    /// Default increment goals fed by each of the inner stream's stats.
    goals: Vec<Vec<String>>,
    /// Events sent per (player, stat index).
    sent: HashMap<(u64, usize), i64>,
}

impl ShardStream {
    /// `inner`'s events for `layout` over `partitions` partitions (a multiple of its groups),
    /// aligned with it or not; `None` when `inner` has nothing to send or the partitions do
    /// not fit.
    pub fn new(
        catalog: &Catalog,
        inner: ScaleStream,
        layout: ShardLayout,
        partitions: i32,
        aligned: bool,
    ) -> Option<Self> {
        layout.partition_of_key(b"", partitions)?;
        if inner.is_empty() {
            return None;
        }
        let goals = inner
            .stats()
            .iter()
            .map(|stat| {
                default_goals(catalog)
                    .into_iter()
                    .filter(|g| g.mode == Mode::Increment && &g.stat_code == stat)
                    .map(|g| g.goal_id.clone())
                    .collect()
            })
            .collect();
        Some(ShardStream { inner, layout, partitions, aligned, goals, sent: HashMap::new() })
    }

    /// The progress every (player, goal) row should hold: one per event of its stat.
    pub fn expected(&self) -> HashMap<(String, String), i64> {
        let mut expected = HashMap::new();
        for (&(player, stat), &events) in &self.sent {
            for goal in &self.goals[stat] {
                expected.insert((player_id(player), goal.clone()), events);
            }
        }
        expected
    }
}

impl EventSource for ShardStream {
    fn next_event(&mut self) -> SyntheticEvent {
        let (player, stat, mut event) = self.inner.next_drawn();
        if self.aligned {
            event.partition = self.layout.partition_of_key(event.key.as_bytes(), self.partitions);
        }
        *self.sent.entry((player, stat)).or_insert(0) += 1;
        event
    }
}
