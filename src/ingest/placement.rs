//! Where a partition's records are flushed: which worker owns the partition and which pool
//! that worker writes through. Unsharded (one database), partitions spread over the workers by
//! topic and number. Sharded ([`ShardLayout`]), a worker owns the partitions of one shard
//! group, so each flush writes one group: through one pool (a Citus coordinator routes it to
//! the group's node), or through the group's own pool (one database per group, as the shard
//! simulation runs it: `goalstream bench shards`).

use deadpool_postgres::Pool;

use super::offsets::Partition;
use super::shard::ShardLayout;

/// The pipeline's partition → worker → pool routing.
#[derive(Clone)]
pub struct Placement {
    layout: Option<ShardLayout>,
    /// One pool, or one per shard group (index = group).
    pools: Vec<Pool>,
}

impl Placement {
    /// Every worker writes through `pool`; partitions spread by topic and number.
    pub fn single(pool: Pool) -> Self {
        Placement { layout: None, pools: vec![pool] }
    }

    /// Partitions routed by shard group; `pools` holds one pool for every group, or a single
    /// pool for all of them. `None` for any other number of pools.
    pub fn sharded(layout: ShardLayout, pools: Vec<Pool>) -> Option<Self> {
        let fits = pools.len() == 1 || pools.len() == layout.groups() as usize;
        fits.then_some(Placement { layout: Some(layout), pools })
    }

    /// The fewest workers that keep each flush in one shard group: the groups when each has
    /// a pool of its own, else `workers`.
    pub fn workers(&self, workers: usize) -> usize {
        match self.pools.len() {
            1 => workers.max(1),
            groups => workers.max(groups),
        }
    }

    /// The worker (of `workers`) that owns `partition`.
    pub fn worker_of(&self, partition: &Partition, workers: usize) -> usize {
        match self.layout {
            Some(layout) => layout.worker_of(partition.1, workers),
            None => {
                let topic_hash = partition
                    .0
                    .bytes()
                    .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
                topic_hash.wrapping_add(partition.1 as usize) % workers.max(1)
            }
        }
    }

    /// The pool worker `worker` writes through.
    pub fn pool_of_worker(&self, worker: usize) -> &Pool {
        &self.pools[worker % self.pools.len()]
    }

    /// Every pool, with its index.
    pub fn pools(&self) -> impl Iterator<Item = (usize, &Pool)> {
        self.pools.iter().enumerate()
    }

    /// Index of the pool holding `partition`'s stored offset.
    pub fn pool_index(&self, partition: &Partition) -> usize {
        match self.layout {
            Some(layout) => layout.group_of_partition(partition.1) as usize % self.pools.len(),
            None => 0,
        }
    }
}
