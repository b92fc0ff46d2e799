//! Every merge rule of DESIGN.md, on real Postgres, through the flush engine. The flush's
//! transaction around the merge (offsets, fencing, staging, errors, reward jobs) is
//! tests/flush_transaction.rs.

mod support;

use chrono::Duration;
use goalstream::store::Skipped;
use goalstream::update::ProgressUpdate;
use support::fixtures::{event, flush, merge_setup, put_row, row, rows};

#[tokio::test]
async fn first_event_creates_rows_for_default_goals_only() {
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
    let (db, store, mut client, mut clock) = merge_setup().await;
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
