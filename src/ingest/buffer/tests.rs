use super::*;
use crate::ingest::mapper::StatValue;

fn catalog() -> Arc<Catalog> {
    Arc::new(Catalog::from_json(include_str!("../../../config/challenges.json")).unwrap())
}

fn event(
    catalog: &Catalog,
    offset: i64,
    user: &str,
    stat: &str,
    value: Option<i64>,
    delta: Option<i64>,
) -> Record {
    let body = match catalog.stat_ref(stat) {
        Some(stat) => Body::Event {
            user_id: user.into(),
            event_id: None,
            stats: vec![StatValue { stat, value, delta }],
        },
        None => Body::UnknownStat,
    };
    Record {
        partition: (Arc::from("t"), 0),
        offset,
        epoch: 0,
        timestamp_ms: Some(offset),
        bytes: 50,
        body,
    }
}

fn change_of(batch: &Batch, catalog: &Catalog, user: &str, goal_id: &str) -> Option<Change> {
    let goal = catalog.goal_ref(goal_id)?;
    batch.updates.iter().find(|u| &*u.user_id == user && u.goal == goal).map(|u| u.change)
}

#[test]
fn coalesces_per_user_and_goal_across_stats() {
    let catalog = catalog();
    let mut buffer = Buffer::new(BufferConfig::default(), catalog.clone());
    let now = Instant::now();
    buffer.push(event(&catalog, 0, "u1", "kills", None, Some(2)), now);
    buffer.push(event(&catalog, 1, "u1", "kills", None, Some(5)), now);
    buffer.push(event(&catalog, 2, "u2", "kills", None, Some(1)), now);
    buffer.push(event(&catalog, 3, "u1", "level", Some(7), None), now);
    buffer.push(event(&catalog, 4, "u1", "level", Some(12), None), now);
    buffer.push(event(&catalog, 5, "u1", "level", Some(9), None), now);
    // kills feeds two goals, level two goals: 2 + 2 for u1, 2 for u2.
    assert_eq!(buffer.rows(), 6);
    let batch = buffer.take();
    assert_eq!(batch.records, 6);
    assert_eq!(
        change_of(&batch, &catalog, "u1", "daily-kills-25"),
        Some(Change::Increment { sum: 7 })
    );
    assert_eq!(
        change_of(&batch, &catalog, "u1", "monthly-kills-1000"),
        Some(Change::Increment { sum: 7 })
    );
    assert_eq!(
        change_of(&batch, &catalog, "u1", "reach-level-10"),
        Some(Change::Absolute { last: 9, max: 12 })
    );
    assert_eq!(batch.timestamps_ms, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(buffer.rows(), 0, "take empties the buffer");
    assert!(buffer.is_empty() && buffer.deadline().is_none());
}

#[test]
fn events_without_the_needed_field_and_unknown_stats_make_no_update() {
    let catalog = catalog();
    let mut buffer = Buffer::new(BufferConfig::default(), catalog.clone());
    let now = Instant::now();
    buffer.push(event(&catalog, 0, "u1", "kills", Some(40), None), now); // increment needs delta
    buffer.push(event(&catalog, 1, "u1", "no-such-stat", None, Some(1)), now);
    let batch = buffer.take();
    assert!(batch.updates.is_empty());
    assert_eq!((batch.records, batch.unknown_stats), (2, 1));
}

#[test]
fn malformed_records_become_dead_letters_with_their_source() {
    let catalog = catalog();
    let mut buffer = Buffer::new(BufferConfig::default(), catalog);
    let record = Record {
        partition: (Arc::from("game.telemetry"), 3),
        offset: 77,
        epoch: 0,
        timestamp_ms: None,
        bytes: 3,
        body: Body::Malformed {
            key: Some(b"k".to_vec()),
            payload: b"{x".to_vec(),
            reason: "bad".into(),
        },
    };
    buffer.push(record, Instant::now());
    let batch = buffer.take();
    assert_eq!(batch.dead_letters.len(), 1);
    let letter = &batch.dead_letters[0];
    assert_eq!(
        (letter.topic.as_str(), letter.partition, letter.offset),
        ("game.telemetry", Some(3), 77)
    );
    assert_eq!(letter.payload, b"{x");
    assert!(!batch.is_empty());
}

#[test]
fn flushes_on_rows_bytes_or_age() {
    let catalog = catalog();
    let config = BufferConfig {
        max_rows: 3,
        max_bytes: 120,
        max_age: Duration::from_millis(200),
        dedup_window: None,
    };
    let t0 = Instant::now();

    let mut by_rows = Buffer::new(config, catalog.clone());
    by_rows.push(event(&catalog, 0, "u1", "kills", None, Some(1)), t0); // 2 keys
    assert!(!by_rows.should_flush(t0));
    assert!(!by_rows.is_full());
    by_rows.push(event(&catalog, 1, "u2", "login", None, Some(1)), t0); // +2 keys
    assert!(by_rows.should_flush(t0));
    assert!(by_rows.is_full());

    let mut by_bytes = Buffer::new(config, catalog.clone());
    for offset in 0..3 {
        by_bytes.push(event(&catalog, offset, "u1", "kills", None, Some(1)), t0);
    }
    assert!(by_bytes.should_flush(t0), "150 bytes >= 120");
    assert!(by_bytes.is_full());

    let mut by_age = Buffer::new(config, catalog.clone());
    by_age.push(event(&catalog, 0, "u1", "kills", None, Some(1)), t0);
    assert_eq!(by_age.deadline(), Some(t0 + Duration::from_millis(200)));
    assert!(!by_age.should_flush(t0 + Duration::from_millis(199)));
    assert!(by_age.should_flush(t0 + Duration::from_millis(200)));
    assert!(!by_age.is_full(), "age asks for a flush, it does not stop take-in");
}

#[test]
fn batch_cuts_do_not_change_the_folded_result() {
    // The same stream taken in one batch or in pieces, then folded, gives the same change.
    let catalog = catalog();
    let stream: Vec<(Option<i64>, Option<i64>)> =
        vec![(Some(100), Some(5)), (Some(140), None), (Some(120), Some(2)), (Some(160), Some(1))];
    let records = |range: std::ops::Range<usize>| -> Vec<Record> {
        range
            .map(|i| event(&catalog, i as i64, "u1", "ranked_score", stream[i].0, stream[i].1))
            .collect()
    };
    let fold = |batches: Vec<Vec<Record>>| -> Change {
        let mut total: Option<Change> = None;
        for records in batches {
            let mut buffer = Buffer::new(BufferConfig::default(), catalog.clone());
            records.into_iter().for_each(|r| buffer.push(r, Instant::now()));
            let change = change_of(&buffer.take(), &catalog, "u1", "weekly-score-5000").unwrap();
            match &mut total {
                Some(t) => t.absorb(&change),
                None => total = Some(change),
            }
        }
        total.unwrap()
    };
    let whole = fold(vec![records(0..4)]);
    assert_eq!(whole, Change::Relative { first_value: 100, first_delta: 5, last: 160, max: 160 });
    assert_eq!(fold(vec![records(0..1), records(1..3), records(3..4)]), whole);
}
