//! A flush is one transaction even when it never finishes: dropped mid-way (its future
//! cancelled) or failed, it writes nothing and hands its connection back outside any
//! transaction, ready for the next flush. The flush sends `BEGIN` together with its first
//! statements rather than waiting for it, so the roll-back on drop is its own. A flush whose
//! MERGE loses an insert race to the API fails the same way, and says so.

mod support;

use std::time::Duration;

use deadpool_postgres::Client;
use goalstream::store::{OffsetMove, ProgressStore, StoreError};
use support::fixtures::{batch, catalog, event, rows, Clock};
use support::TestDb;
use tokio_postgres::SimpleQueryMessage;

/// Whether the session runs its statements outside an explicit transaction: a statement sent
/// alone (simple protocol, one message) in its own transaction starts when the transaction
/// does; inside a transaction begun earlier, `now()` is older.
async fn outside_transaction(client: &Client) -> bool {
    let messages = client.simple_query("SELECT now() = statement_timestamp()").await.unwrap();
    let row = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some(row.get(0) == Some("t")),
        _ => None,
    });
    row.expect("one row")
}

#[tokio::test]
async fn a_flush_dropped_after_its_copy_writes_nothing_and_frees_its_connection() {
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    assert!(outside_transaction(&client).await, "a fresh connection");
    let store = ProgressStore::new(catalog());
    let slow = store.clone().with_flush_delay(Duration::from_secs(5));
    let c = store.catalog().clone();
    let mut clock = Clock::new();
    let updates = event(&c, "u1", "kills", None, Some(3));

    // The slow flush stages its rows, then sleeps before its merge: dropped there.
    let now = clock.tick();
    let cancelled = tokio::time::timeout(
        Duration::from_millis(500),
        slow.flush(&mut client, &batch(now, &updates, &[], &[])),
    )
    .await;
    assert!(cancelled.is_err(), "the flush was still sleeping after its COPY");

    assert!(outside_transaction(&client).await, "the dropped flush's transaction was rolled back");
    let staged: i64 =
        client.query_one("SELECT count(*) FROM goalstream_stage", &[]).await.unwrap().get(0);
    assert_eq!(staged, 0, "the staged rows went with the roll-back");
    assert!(rows(&db.pool).await.is_empty(), "nothing merged");

    // The same connection flushes the same updates normally afterwards.
    let outcome = store.flush(&mut client, &batch(clock.tick(), &updates, &[], &[])).await.unwrap();
    assert_eq!(outcome.inserted, 1);
    assert!(outside_transaction(&client).await);
    let all = rows(&db.pool).await;
    assert_eq!(all[&("u1".to_string(), "kills-20".to_string())].progress, 3);
}

#[tokio::test]
async fn a_fenced_flush_writes_nothing_and_frees_its_connection() {
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    let store = ProgressStore::new(catalog());
    let c = store.catalog().clone();
    let mut clock = Clock::new();
    let updates = event(&c, "u1", "kills", None, Some(3));
    let first = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 10 }];
    store.flush(&mut client, &batch(clock.tick(), &updates, &first, &[])).await.unwrap();

    // Expects the partition where it was before the first flush: another owner moved it.
    let stale = [OffsetMove { topic: "t".into(), partition: 0, expected: None, next: 20 }];
    let fenced = store.flush(&mut client, &batch(clock.tick(), &updates, &stale, &[])).await;
    assert!(matches!(fenced, Err(StoreError::Fenced { .. })), "got {fenced:?}");

    assert!(outside_transaction(&client).await, "the fenced flush's transaction was rolled back");
    let all = rows(&db.pool).await;
    assert_eq!(all[&("u1".to_string(), "kills-20".to_string())].progress, 3, "applied once");
    let outcome = store.flush(&mut client, &batch(clock.tick(), &updates, &[], &[])).await.unwrap();
    assert_eq!(outcome.updated, 1);
    assert_eq!(rows(&db.pool).await[&("u1".to_string(), "kills-20".to_string())].progress, 6);
}

#[tokio::test]
async fn a_flush_that_loses_an_insert_race_writes_nothing_and_its_retry_updates_the_winner() {
    let db = TestDb::new(3).await;
    let mut client = db.pool.get().await.unwrap();
    let mut api = db.pool.get().await.unwrap();
    let store = ProgressStore::new(catalog());
    let c = store.catalog().clone();
    let mut clock = Clock::new();
    let updates = event(&c, "u1", "kills", None, Some(3));

    // The API creates the row (as `initialize` does) and commits while the flush's MERGE,
    // which did not see it, waits to insert the same key.
    let tx = api.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO user_goal_progress (user_id, goal_id, progress, status, is_active, updated_at)
         VALUES ('u1', 'kills-20', 0, 'not_started', true, now())",
        &[],
    )
    .await
    .unwrap();
    let racing = batch(clock.tick(), &updates, &[], &[]);
    let (lost, committed) = tokio::join!(store.flush(&mut client, &racing), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        tx.commit().await
    });
    committed.unwrap();
    let error = lost.expect_err("the MERGE inserts a key the API committed meanwhile");
    assert!(error.is_insert_race(), "{error}");
    assert!(error.is_retryable(), "{error}");
    assert!(outside_transaction(&client).await, "the failed flush's transaction was rolled back");
    let all = rows(&db.pool).await;
    assert_eq!(all[&("u1".to_string(), "kills-20".to_string())].progress, 0, "the API's row only");

    let outcome = store.flush(&mut client, &batch(clock.tick(), &updates, &[], &[])).await.unwrap();
    assert_eq!((outcome.inserted, outcome.updated), (0, 1), "the retry finds the row");
    assert_eq!(rows(&db.pool).await[&("u1".to_string(), "kills-20".to_string())].progress, 3);
}
