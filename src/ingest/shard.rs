//! Shard-aligned ingest for a distributed Postgres (Citus, docs/SCALING.md): the player-id hash
//! Citus places rows by, the shard group a hash falls in, the Kafka partitioner that puts a
//! player's events in a partition of the player's shard group, and which flush worker owns a
//! partition so that every flush writes one shard group.
//!
//! Citus hashes a `text` distribution column with Postgres' `hashtext` (Bob Jenkins' lookup3,
//! `hash_bytes` in `src/common/hashfn.c`) and gives shard `i` of `S` the `i`-th of `S` equal
//! ranges of the signed 32-bit hash space (the last one takes the remainder). Co-located tables
//! share the ranges, so shard `i` of every table forms shard group `i`, placed on one node.

/// How the Kafka partitions line up with the shard groups: partition `p` holds players of
/// shard group `p mod groups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLayout {
    groups: u32,
}

impl ShardLayout {
    /// `groups` shard groups (Citus' `shard_count`); at least 1.
    pub fn new(groups: u32) -> Self {
        ShardLayout { groups: groups.max(1) }
    }

    /// Shard groups.
    pub fn groups(&self) -> u32 {
        self.groups
    }

    /// The shard group of Kafka partition `partition`.
    pub fn group_of_partition(&self, partition: i32) -> u32 {
        partition.rem_euclid(self.groups as i32) as u32
    }

    /// The shard group Citus places player `key` in.
    pub fn group_of_key(&self, key: &[u8]) -> u32 {
        shard_index(hashtext(key), self.groups)
    }

    /// A fixed key of shard group `group`: the first of `"0"`, `"1"`, … whose hash falls in
    /// the group's range. Distribution key of the rows that belong to a partition rather than
    /// a player (its offset, its dead letters), so they live with the partition's players.
    pub fn anchor(&self, group: u32) -> String {
        let group = group % self.groups;
        (0u64..)
            .map(|n| n.to_string())
            .find(|key| self.group_of_key(key.as_bytes()) == group)
            .expect("every group's range holds some decimal string")
    }

    /// The flush worker (of `workers`) that owns `partition`: the same for every partition of
    /// a shard group, so a worker's flush writes one group as long as `workers` is at least the
    /// number of groups whose partitions the instance owns.
    pub fn worker_of(&self, partition: i32, workers: usize) -> usize {
        self.group_of_partition(partition) as usize % workers.max(1)
    }

    /// The partitioner producers use: the partition (of `partitions`, a multiple of the
    /// groups) for player `key`, in the key's shard group. Each group's hash range is cut into
    /// `partitions / groups` equal parts; part `j` of group `g` is partition `g + groups * j`.
    /// `None` when `partitions` is not a positive multiple of the groups.
    pub fn partition_of_key(&self, key: &[u8], partitions: i32) -> Option<i32> {
        let groups = i64::from(self.groups);
        let per_group = i64::from(partitions) / groups;
        if partitions <= 0 || i64::from(partitions) % groups != 0 {
            return None;
        }
        let token = hash_token(hashtext(key));
        let group = i64::from(shard_index(hashtext(key), self.groups));
        let increment = HASH_TOKEN_COUNT / groups;
        let start = group * increment;
        let end = if group == groups - 1 { HASH_TOKEN_COUNT } else { start + increment };
        let part = ((token - start) * per_group / (end - start)).min(per_group - 1);
        i32::try_from(group + groups * part).ok()
    }
}

/// Values of the 32-bit hash space.
const HASH_TOKEN_COUNT: i64 = 1 << 32;

/// A hash's place in the hash space, counted from `i32::MIN`.
fn hash_token(hash: i32) -> i64 {
    i64::from(hash) - i64::from(i32::MIN)
}

/// The shard (of `shard_count`) whose hash range holds `hash`, as Citus computes it for a
/// table with uniform hash ranges.
pub fn shard_index(hash: i32, shard_count: u32) -> u32 {
    let count = i64::from(shard_count.max(1));
    let index = hash_token(hash) / (HASH_TOKEN_COUNT / count);
    index.min(count - 1) as u32
}

/// Postgres' `hashtext` of a value under a deterministic collation: `hash_bytes` of its bytes,
/// as the signed 32-bit integer SQL shows (little-endian reading, as on x86-64 and ARM64).
pub fn hashtext(key: &[u8]) -> i32 {
    let mut a: u32 = 0x9e37_79b9u32.wrapping_add(key.len() as u32).wrapping_add(3_923_095);
    let mut b = a;
    let mut c = a;
    let mut rest = key;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The tail: bytes 0-3 into a, 4-7 into b, 8-10 into c above its lowest byte.
    for (i, &byte) in rest.iter().enumerate() {
        let byte = u32::from(byte);
        match i {
            0..=3 => a = a.wrapping_add(byte << (8 * i)),
            4..=7 => b = b.wrapping_add(byte << (8 * (i - 4))),
            _ => c = c.wrapping_add(byte << (8 * (i - 7))),
        }
    }
    finish(&mut a, &mut b, &mut c);
    c as i32
}

fn word(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c) ^ c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c) ^ c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn finish(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(14));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(11));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(25));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(16));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(4));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(14));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(24));
}

#[cfg(test)]
mod tests;
