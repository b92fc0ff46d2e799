//! Every merge rule of DESIGN.md, on real Postgres, through the flush engine.

mod support;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Client;
use goalstream::store::{
    migrate, DeadLetter, FlushBatch, FlushOutcome, OffsetMove, ProgressStore, Skipped, StoreError,
};
use goalstream::update::ProgressUpdate;
use support::fixtures::{catalog, event, put_row, row, rows, Clock};
use support::TestDb;

async fn flush(
    store: &ProgressStore,
    client: &mut Client,
    now: DateTime<Utc>,
    updates: &[ProgressUpdate],
) -> FlushOutcome {
    let batch = FlushBatch {
        events: Default::default(),
        now,
        updates,
        group_id: "g",
        offsets: &[],
        dead_letters: &[],
    };
    store.flush(client, &batch).await.unwrap()
}

async fn setup() -> (TestDb, ProgressStore, Client, Clock) {
    // Three connections: the flushing one, a second flusher, and one for fixture queries.
    let db = TestDb::new(3).await;
    let client = db.pool.get().await.unwrap();
    (db, ProgressStore::new(catalog()), client, Clock::new())
}

#[tokio::test]
async fn first_event_creates_rows_for_default_goals_only() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(3))).await;
    assert_eq!(outcome.inserted, 1, "kills-20 is default-assigned");
    assert_eq!(
        outcome.skipped,
        Skipped { unassigned: 1, ..Skipped::default() },
        "kills-5-nd is not"
    );
    let all = rows(&db.pool).await;
    assert_eq!(all.len(), 1);
    let kills = &all[&("u1".to_string(), "kills-20".to_string())];
    assert_eq!((kills.progress, kills.status.as_str(), kills.is_active), (3, "in_progress", true));
    assert!(kills.expires_at.is_some(), "a daily goal gets the end of its period");
}

#[tokio::test]
async fn assigned_non_default_goal_is_updated() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    put_row(&db.pool, "u1", "kills-5-nd", 1, "in_progress", true, None).await;
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(4))).await;
    assert_eq!((outcome.inserted, outcome.updated), (1, 1));
    let row = row(&db.pool, "u1", "kills-5-nd").await;
    assert_eq!((row.progress, row.status.as_str()), (5, "completed"));
    assert_eq!(outcome.completed.len(), 1);
    assert_eq!(c.goal(outcome.completed[0].goal).goal_id, "kills-5-nd");
}

#[tokio::test]
async fn inactive_row_is_untouched() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    put_row(&db.pool, "u1", "kills-20", 2, "in_progress", false, None).await;
    let before = row(&db.pool, "u1", "kills-20").await;
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(30))).await;
    assert_eq!(outcome.skipped.inactive, 1);
    assert_eq!(outcome.updated + outcome.inserted, 0);
    assert_eq!(row(&db.pool, "u1", "kills-20").await, before);
}

#[tokio::test]
async fn claimed_row_is_untouched_in_its_period() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let now = clock.tick();
    put_row(&db.pool, "u1", "kills-20", 20, "claimed", true, Some(now + Duration::hours(3))).await;
    let before = row(&db.pool, "u1", "kills-20").await;
    let outcome = flush(&store, &mut client, now, &event(&c, "u1", "kills", None, Some(5))).await;
    assert_eq!(outcome.skipped.claimed, 1);
    assert_eq!(row(&db.pool, "u1", "kills-20").await, before);
}

#[tokio::test]
async fn every_skip_reason_is_counted_in_one_flush() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let now = clock.tick();
    let later = Some(now + Duration::hours(3));
    let earlier = Some(now - Duration::hours(1));
    put_row(&db.pool, "u1", "kills-20", 20, "claimed", true, later).await;
    put_row(&db.pool, "u2", "kills-20", 2, "in_progress", false, None).await;
    put_row(&db.pool, "u3", "kills-20", 25, "claimed", true, earlier).await;
    put_row(&db.pool, "u3", "kills-5-nd", 1, "in_progress", false, None).await;
    put_row(&db.pool, "u4", "kills-5-nd", 1, "in_progress", true, None).await;
    let updates: Vec<ProgressUpdate> = ["u1", "u2", "u3", "u4"]
        .into_iter()
        .flat_map(|u| event(&c, u, "kills", None, Some(2)))
        .collect();
    let outcome = flush(&store, &mut client, now, &updates).await;
    // u1, u2: kills-5-nd has no row; u2's kills-20 and u3's kills-5-nd are inactive; u1's
    // kills-20 is claimed in its period. u3's kills-20 was claimed in a past period: reset.
    assert_eq!(outcome.skipped, Skipped { unassigned: 2, inactive: 2, claimed: 1 });
    assert_eq!((outcome.inserted, outcome.updated), (1, 2), "u4's kills-20; u3's, u4's nd");
    assert_eq!(row(&db.pool, "u3", "kills-20").await.status, "in_progress");
}

#[tokio::test]
async fn claimed_row_of_a_past_period_is_reset() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let now = clock.tick();
    put_row(&db.pool, "u1", "kills-20", 25, "claimed", true, Some(now - Duration::hours(1))).await;
    let outcome = flush(&store, &mut client, now, &event(&c, "u1", "kills", None, Some(4))).await;
    assert_eq!(outcome.updated, 1);
    let row = row(&db.pool, "u1", "kills-20").await;
    assert_eq!((row.progress, row.status.as_str()), (4, "in_progress"));
    assert_eq!((row.claimed_at, row.completed_at), (None, None));
    assert_eq!(row.expires_at, Some("2026-03-05T00:00:00Z".parse().unwrap()), "next daily period");
}

#[tokio::test]
async fn rotation_resets_an_expired_row() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(25))).await;
    assert_eq!(row(&db.pool, "u1", "kills-20").await.status, "completed");
    // Next day: the first event resets the row, then applies.
    let outcome = flush(
        &store,
        &mut client,
        clock.advance(Duration::days(1)),
        &event(&c, "u1", "kills", None, Some(2)),
    )
    .await;
    assert!(outcome.completed.is_empty());
    let row = row(&db.pool, "u1", "kills-20").await;
    assert_eq!((row.progress, row.status.as_str(), row.completed_at), (2, "in_progress", None));
    assert_eq!(row.expires_at, Some("2026-03-06T00:00:00Z".parse().unwrap()));
}

#[tokio::test]
async fn increments_are_summed_across_and_within_batches() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    // The same key three times in one batch: folded before the merge, summed in order.
    let mut batch = event(&c, "u1", "kills", None, Some(2));
    batch.extend(event(&c, "u1", "kills", None, Some(3)));
    batch.extend(event(&c, "u1", "kills", None, Some(4)));
    let outcome = flush(&store, &mut client, clock.tick(), &batch).await;
    assert_eq!(outcome.staged, 2, "one staged row per distinct key");
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "kills", None, Some(1))).await;
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 10);
}

#[tokio::test]
async fn completed_is_sticky_and_completed_at_set_once() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let first =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "level", Some(12), None)).await;
    assert_eq!(first.completed.len(), 1, "level-10 completes");
    let completed = row(&db.pool, "u1", "level-10").await;
    assert_eq!(completed.status, "completed");
    // The stat drops: progress follows, status and completed_at stay.
    let second =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "level", Some(7), None)).await;
    assert!(second.completed.is_empty(), "completed only once");
    let after = row(&db.pool, "u1", "level-10").await;
    assert_eq!((after.progress, after.status.as_str()), (7, "completed"));
    assert_eq!(after.completed_at, completed.completed_at);
}

#[tokio::test]
async fn absolute_completes_if_any_event_of_the_batch_reached_the_target() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let mut batch = event(&c, "u1", "level", Some(11), None);
    batch.extend(event(&c, "u1", "level", Some(4), None));
    flush(&store, &mut client, clock.tick(), &batch).await;
    let row = row(&db.pool, "u1", "level-10").await;
    assert_eq!(
        (row.progress, row.status.as_str()),
        (4, "completed"),
        "latest value, max completes"
    );
}

#[tokio::test]
async fn relative_goal_completes_on_its_first_event_when_delta_is_given() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    // value 1000 with delta 60: baseline 940, progress 60 >= 50.
    let outcome =
        flush(&store, &mut client, clock.tick(), &event(&c, "u1", "score", Some(1000), Some(60)))
            .await;
    let row = row(&db.pool, "u1", "score-50").await;
    assert_eq!((row.baseline, row.progress, row.status.as_str()), (Some(940), 60, "completed"));
    assert_eq!(outcome.completed.len(), 1);
}

#[tokio::test]
async fn relative_goal_keeps_its_baseline() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "score", Some(100), None)).await;
    let first = row(&db.pool, "u1", "score-50").await;
    assert_eq!(
        (first.baseline, first.progress, first.status.as_str()),
        (Some(100), 0, "in_progress")
    );
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "score", Some(130), Some(5))).await;
    let second = row(&db.pool, "u1", "score-50").await;
    assert_eq!(
        (second.baseline, second.progress, second.status.as_str()),
        (Some(100), 30, "in_progress")
    );
    flush(&store, &mut client, clock.tick(), &event(&c, "u1", "score", Some(90), None)).await;
    assert_eq!(row(&db.pool, "u1", "score-50").await.progress, 0, "never negative");
}

#[tokio::test]
async fn replaying_a_batch_with_the_same_offsets_changes_nothing() {
    let (db, store, mut client, mut clock) = setup().await;
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
    let batch = FlushBatch {
        events: Default::default(),
        now: clock.tick(),
        updates: &updates,
        group_id: "g",
        offsets: &offsets,
        dead_letters: &dead,
    };
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
    let (db, store, mut client, mut clock) = setup().await;
    let offsets = [OffsetMove { topic: "t".into(), partition: 2, expected: None, next: 1 }];
    let dead = [DeadLetter {
        topic: "t".into(),
        partition: Some(2),
        offset: 0,
        key: None,
        payload: vec![0xff, 0x00],
        reason: "not UTF-8".into(),
    }];
    let batch = FlushBatch {
        events: Default::default(),
        now: clock.tick(),
        updates: &[],
        group_id: "g",
        offsets: &offsets,
        dead_letters: &dead,
    };
    let outcome = store.flush(&mut client, &batch).await.unwrap();
    assert_eq!((outcome.staged, outcome.dead_letters), (0, 1));
    let row = client.query_one("SELECT payload, reason FROM dead_letters", &[]).await.unwrap();
    assert_eq!(row.get::<_, Vec<u8>>(0), vec![0xff, 0x00], "raw bytes kept");
    assert!(rows(&db.pool).await.is_empty());
}

#[tokio::test]
async fn two_connections_fence_each_other_on_the_same_partition() {
    let (db, store, mut client, mut clock) = setup().await;
    let c = store.catalog().clone();
    let mut other = db.pool.get().await.unwrap();
    let updates = event(&c, "u1", "kills", None, Some(1));
    let offsets = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 5 }];
    let batch = FlushBatch {
        events: Default::default(),
        now: clock.tick(),
        updates: &updates,
        group_id: "g",
        offsets: &offsets,
        dead_letters: &[],
    };
    let (a, b) = tokio::join!(store.flush(&mut client, &batch), store.flush(&mut other, &batch));
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} / {b:?}");
    assert_eq!(row(&db.pool, "u1", "kills-20").await.progress, 1, "applied once");
}

#[tokio::test]
async fn staged_rows_do_not_leak_into_the_next_flush() {
    let (db, store, mut client, mut clock) = setup().await;
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
    let (db, store, _, mut clock) = setup().await;
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
    let batch = FlushBatch {
        events: Default::default(),
        now: clock.tick(),
        updates: &updates,
        group_id: "g",
        offsets: &offsets,
        dead_letters: &dead,
    };
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
    let (_db, store, mut client, mut clock) = setup().await;
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
    let (db, store, mut client, mut clock) = setup().await;
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
