//! The flush's transaction around the merge, on real Postgres: offsets applied exactly once
//! (a replay is refused, two connections fence each other), batches of offsets and dead
//! letters only, the staging table emptied at commit, a failing merge's own error, the reward
//! job a completion enqueues, and flushes across the byte-order-ids migration.

mod support;

use chrono::Duration;
use goalstream::store::{migrate, DeadLetter, FlushBatch, OffsetMove, StoreError};
use support::fixtures::{batch, event, flush, merge_setup, put_row, row, rows};

#[tokio::test]
async fn replaying_a_batch_with_the_same_offsets_changes_nothing() {
    let (db, store, mut client, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    let updates = event(&c, "u1", "kills", None, Some(5));
    let offsets = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 10 }];
    let dead = [DeadLetter {
        topic: "t".into(),
        partition: Some(0),
        offset: 3,
        key: Some(b"u1".to_vec()),
        payload: b"{not json".to_vec(),
        reason: "not JSON".into(),
    }];
    let batch = batch(clock.tick(), &updates, &offsets, &dead);
    let outcome = store.flush(&mut client, &batch).await.unwrap();
    assert_eq!((outcome.inserted, outcome.dead_letters), (1, 1));
    let before = rows(&db.pool).await;
    let replay = FlushBatch { events: Default::default(), now: clock.tick(), ..batch };
    let error = store.flush(&mut client, &replay).await.unwrap_err();
    assert!(matches!(error, StoreError::Fenced { moved_by_others: 1, expected: 1 }), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(rows(&db.pool).await, before, "the fenced flush rolled back");
    // The next batch continues from the stored offset.
    let next = [OffsetMove { topic: "t".into(), partition: 0, expected: Some(10), next: 12 }];
    let batch = FlushBatch {
        events: Default::default(),
        now: clock.tick(),
        offsets: &next,
        dead_letters: &[],
        ..batch
    };
    store.flush(&mut client, &batch).await.unwrap();
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 10);
    let stored = goalstream::store::offsets::load(&client, "g", &["t".to_string()]).await.unwrap();
    assert_eq!(stored.get(&("t".to_string(), 0)), Some(&12));
    let dead_count: i64 =
        client.query_one("SELECT count(*) FROM dead_letters", &[]).await.unwrap().get(0);
    assert_eq!(dead_count, 1);
}

#[tokio::test]
async fn a_batch_with_only_offsets_and_dead_letters_commits() {
    let (db, store, mut client, mut clock) = merge_setup().await;
    let offsets = [OffsetMove { topic: "t".into(), partition: 2, expected: None, next: 1 }];
    let dead = [DeadLetter {
        topic: "t".into(),
        partition: Some(2),
        offset: 0,
        key: None,
        payload: vec![0xff, 0x00],
        reason: "not UTF-8".into(),
    }];
    let batch = batch(clock.tick(), &[], &offsets, &dead);
    let outcome = store.flush(&mut client, &batch).await.unwrap();
    assert_eq!((outcome.staged, outcome.dead_letters), (0, 1));
    let row = client.query_one("SELECT payload, reason FROM dead_letters", &[]).await.unwrap();
    assert_eq!(row.get::<_, Vec<u8>>(0), vec![0xff, 0x00], "raw bytes kept");
    assert!(rows(&db.pool).await.is_empty());
}

#[tokio::test]
async fn two_connections_fence_each_other_on_the_same_partition() {
    let (db, store, mut client, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    let mut other = db.pool.get().await.unwrap();
    let updates = event(&c, "u1", "kills", None, Some(1));
    let offsets = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 5 }];
    let batch = batch(clock.tick(), &updates, &offsets, &[]);
    let (a, b) = tokio::join!(store.flush(&mut client, &batch), store.flush(&mut other, &batch));
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} / {b:?}");
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 1, "applied once");
}

#[tokio::test]
async fn staged_rows_do_not_leak_into_the_next_flush() {
    let (db, store, mut client, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(1))).await;
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u2", "kills", None, Some(1))).await;
    assert_eq!((outcome.staged, outcome.inserted, outcome.updated), (2, 1, 0));
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 1);
}

#[tokio::test]
async fn a_failing_merge_reports_its_own_error_on_a_fresh_connection() {
    // First flush of a connection, with offsets and dead letters pipelined around the merge:
    // the error is the merge's (numeric overflow), not a follow-on "transaction aborted".
    let (db, store, _, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    put_row(&db.pool, "u1", "kills-20", i64::MAX - 1, "in_progress", true, None).await;
    let mut fresh = db.pool.get().await.unwrap();
    let updates = event(&c, "u1", "kills", None, Some(5));
    let offsets = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 1 }];
    let dead = [DeadLetter {
        topic: "t".into(),
        partition: Some(0),
        offset: 0,
        key: None,
        payload: b"x".to_vec(),
        reason: "r".into(),
    }];
    let batch = batch(clock.tick(), &updates, &offsets, &dead);
    let error = store.flush(&mut fresh, &batch).await.unwrap_err();
    assert_eq!(
        error.sql_state(),
        Some(&tokio_postgres::error::SqlState::NUMERIC_VALUE_OUT_OF_RANGE),
        "{error}"
    );
    assert!(!error.is_retryable());
    let stored = goalstream::store::offsets::load(&fresh, "g", &["t".to_string()]).await.unwrap();
    assert!(stored.is_empty(), "nothing committed");
}

#[tokio::test]
async fn a_completed_goal_enqueues_one_reward_job_in_the_flush() {
    let (_db, store, mut client, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    let first =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(25))).await;
    assert_eq!((first.completed.len(), first.jobs_enqueued), (1, 1));
    // More kills the same day: still completed, no second job.
    let again =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(3))).await;
    assert_eq!(again.jobs_enqueued, 0);
    let jobs =
        client.query("SELECT kind, queue, state, args FROM jobs ORDER BY id", &[]).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].get::<_, String>(0), jobs[0].get::<_, String>(1)),
        ("goal.completed".into(), "rewards".into())
    );
    assert_eq!(jobs[0].get::<_, String>(2), "available");
    let args: serde_json::Value = jobs[0].get(3);
    assert_eq!(args["user_id"], "u1");
    assert_eq!(args["goal_id"], "kills-20");
    assert_eq!(args["reward"]["item_id"], "gold");
    // Next day the goal completes again: a new period, a new job.
    let next_day = flush(
        &store,
        &mut client,
        clock.advance(Duration::days(1)),
        &event(&c, "u1", "kills", None, Some(30)),
    )
    .await;
    assert_eq!(next_day.jobs_enqueued, 1);
}

#[tokio::test]
async fn upgrading_to_byte_order_ids_keeps_rows_and_keys() {
    let (db, store, mut client, mut clock) = merge_setup().await;
    let c = store.catalog().clone();
    let now = clock.tick();
    flush(&store, &mut client, now, &event(&c, "u1", "kills", None, Some(3))).await;
    // Back to the schema before migration 7: ids in the database's default collation.
    client
        .batch_execute(
            "ALTER TABLE user_goal_progress \
                 ALTER COLUMN user_id TYPE text COLLATE \"default\", \
                 ALTER COLUMN goal_id TYPE text COLLATE \"default\"; \
             ALTER TABLE reward_grants \
                 ALTER COLUMN user_id TYPE text COLLATE \"default\", \
                 ALTER COLUMN goal_id TYPE text COLLATE \"default\"; \
             ALTER TABLE jobs ALTER COLUMN unique_key TYPE text COLLATE \"default\"; \
             DELETE FROM goalstream_migrations WHERE version = 7;",
        )
        .await
        .unwrap();
    assert_eq!(migrate::migrate(&mut client).await.unwrap(), [7]);
    let collations: Vec<(String, String, Option<String>)> = client
        .query(
            "SELECT table_name::text, column_name::text, collation_name::text \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() \
               AND (table_name, column_name) IN (('user_goal_progress', 'user_id'), \
                   ('user_goal_progress', 'goal_id'), ('reward_grants', 'user_id'), \
                   ('reward_grants', 'goal_id'), ('jobs', 'unique_key')) \
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(collations.len(), 5);
    assert!(collations.iter().all(|(_, _, c)| c.as_deref() == Some("C")), "{collations:?}");
    // The rows are kept, and the rebuilt primary key still merges the next event into them.
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 3);
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(4))).await;
    assert_eq!(outcome.inserted, 0);
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 7);
}
