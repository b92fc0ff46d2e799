use super::*;

/// `SELECT hashtext(s)` on PostgreSQL 15 (x86-64), every tail length and a multi-block key.
const HASHTEXT: [(&str, i32); 12] = [
    ("", -1477818771),
    ("a", 1075015857),
    ("abcd", -393934804),
    ("abcde", -445659580),
    ("abcdefgh", -1960928205),
    ("abcdefghi", -92131489),
    ("abcdefghijk", -1483803693),
    ("abcdefghijkl", -1586087212),
    ("player-000000001", 893268350),
    ("player-000123456", -1148231184),
    ("hello world, 12+ bytes!", -447918977),
    ("ü", 1832814172),
];

#[test]
fn hashtext_is_postgres_hashtext() {
    for (text, hash) in HASHTEXT {
        assert_eq!(hashtext(text.as_bytes()), hash, "{text:?}");
    }
}

#[test]
fn shard_ranges_are_citus_uniform_ranges() {
    assert_eq!(shard_index(i32::MIN, 4), 0);
    assert_eq!(shard_index(-1_073_741_825, 4), 0);
    assert_eq!(shard_index(-1_073_741_824, 4), 1);
    assert_eq!(shard_index(-1, 4), 1);
    assert_eq!(shard_index(0, 4), 2);
    assert_eq!(shard_index(i32::MAX, 4), 3);
    // Not a power of two: the last shard takes the remainder of the range.
    assert_eq!(shard_index(i32::MAX, 3), 2);
    assert_eq!(shard_index(i32::MIN, 1), 0);
}

#[test]
fn a_players_partition_belongs_to_the_players_shard_group() {
    for groups in [1, 3, 4, 32] {
        let layout = ShardLayout::new(groups);
        for partitions in [groups as i32, 2 * groups as i32, 4 * groups as i32] {
            let mut used = vec![0u32; partitions as usize];
            for n in 0..5_000 {
                let key = format!("player-{n:09}");
                let partition = layout.partition_of_key(key.as_bytes(), partitions).unwrap();
                assert_eq!(
                    layout.group_of_partition(partition),
                    layout.group_of_key(key.as_bytes())
                );
                used[partition as usize] += 1;
            }
            assert!(used.iter().all(|n| *n > 0), "{groups} groups, {partitions}: {used:?}");
        }
    }
}

#[test]
fn partitions_must_be_a_multiple_of_the_groups() {
    let layout = ShardLayout::new(4);
    assert_eq!(layout.partition_of_key(b"p", 6), None);
    assert_eq!(layout.partition_of_key(b"p", 0), None);
    assert!(layout.partition_of_key(b"p", 8).is_some());
}

#[test]
fn a_worker_owns_partitions_of_one_group() {
    let layout = ShardLayout::new(4);
    for partition in 0..64 {
        let worker = layout.worker_of(partition, 4);
        assert_eq!(worker as u32, layout.group_of_partition(partition));
    }
}

#[test]
fn an_anchor_hashes_into_its_group() {
    for groups in [1, 4, 32, 128] {
        let layout = ShardLayout::new(groups);
        for group in 0..groups {
            let anchor = layout.anchor(group);
            assert_eq!(layout.group_of_key(anchor.as_bytes()), group, "{groups}: {anchor}");
        }
    }
    assert_eq!(ShardLayout::new(4).anchor(0), ShardLayout::new(4).anchor(4));
}
