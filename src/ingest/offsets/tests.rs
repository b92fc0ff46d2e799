//! Unit tests of `offsets`.

use super::*;

fn p(n: i32) -> Partition {
    (Arc::from("t"), n)
}

#[test]
fn moves_from_stored_to_position_and_skips_duplicates() {
    let mut offsets = OffsetTracker::new();
    offsets.assign(p(0), Some(10), 0);
    offsets.assign(p(1), None, 0);
    assert!(offsets.moves().is_empty(), "nothing consumed yet");
    assert!(!offsets.accept(&p(0), 9, 0), "below the stored offset: already applied");
    assert!(offsets.accept(&p(0), 10, 0));
    assert!(offsets.accept(&p(0), 13, 0), "gaps are fine (compaction, markers)");
    assert!(!offsets.accept(&p(0), 12, 0), "behind the position: duplicate");
    assert!(offsets.accept(&p(1), 500, 0), "no stored offset: the first record sets it");
    let moves = offsets.moves();
    assert_eq!(
        moves,
        vec![
            OffsetMove { topic: "t".into(), partition: 0, expected: Some(10), next: 14 },
            OffsetMove { topic: "t".into(), partition: 1, expected: None, next: 501 },
        ]
    );
    offsets.committed(&moves);
    assert!(offsets.moves().is_empty());
    assert!(offsets.accept(&p(0), 14, 0));
    assert_eq!(offsets.moves()[0].expected, Some(14));
}

#[test]
fn unowned_partitions_and_stale_epochs_are_refused() {
    let mut offsets = OffsetTracker::new();
    assert!(!offsets.accept(&p(3), 0, 0));
    offsets.assign(p(3), Some(5), 0);
    assert!(offsets.accept(&p(3), 5, 0));
    assert!(offsets.accept(&p(3), 6, 0));
    let epoch = offsets.reseek(&p(3), Some(5));
    assert!(!offsets.accept(&p(3), 7, 0), "read before the seek");
    assert!(offsets.accept(&p(3), 5, epoch), "re-read after the seek");
    offsets.revoke(&p(3));
    assert!(!offsets.owns(&p(3)));
    assert!(offsets.moves().is_empty());
}
