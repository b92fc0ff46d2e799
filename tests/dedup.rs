//! De-duplication by event id: a client's resent event (same id, another offset) is applied
//! once, on the mock cluster through the whole pipeline and at the flush engine, where the
//! window decides.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::store::seen_events::BatchEvent;
use goalstream::store::{BatchEvents, FlushBatch, ProgressStore};
use goalstream::telemetry::IngestStats;
use support::fixtures::{catalog, event};
use support::kafka::{
    consumer_config, example_catalog, produce, progress_of, stored_total, wait_for, MockKafka,
};
use support::TestDb;

const WAIT: Duration = Duration::from_secs(60);

fn kills(user: &str, id: &str, delta: i64) -> (String, Vec<u8>) {
    let json =
        format!(r#"{{"event_id":"{id}","user_id":"{user}","stat_code":"kills","delta":{delta}}}"#);
    // Keyed by event id: a resent event may land on another partition.
    (id.to_string(), json.into_bytes())
}

fn start(brokers: &str, pool: &deadpool_postgres::Pool, window: Option<Duration>) -> Pipeline {
    support::init_logs("info");
    let mut config = PipelineConfig::new(consumer_config(brokers, "g"), 2);
    config.buffer.max_age = Duration::from_millis(50);
    config.buffer.dedup_window = window;
    let store = ProgressStore::new(example_catalog());
    Pipeline::start(config, store, pool.clone(), Arc::new(IngestStats::default())).unwrap()
}

/// 40 events of 4 players, then 20 of them resent later at other offsets, plus two sent twice
/// back to back (likely in one batch); returns each player's monthly-kills-1000 progress.
async fn run(window: Option<Duration>) -> std::collections::HashMap<String, i64> {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(3);
    let first: Vec<_> =
        (0..40).map(|i| kills(&format!("u{}", i % 4), &format!("e{i}"), i % 3 + 1)).collect();
    let mut again = first.clone();
    again.extend([first[0].clone(), first[1].clone()]);
    produce(&kafka.brokers, &again).await;
    let pipeline = start(&kafka.brokers, &db.pool, window);
    wait_for("first offsets stored", WAIT, || async { stored_total(&db.pool, "g").await == 42 })
        .await;
    // Resent after the first copies committed: only the flush's claim can catch these.
    let resent: Vec<_> = first.iter().step_by(2).cloned().collect();
    produce(&kafka.brokers, &resent).await;
    wait_for("resent offsets stored", WAIT, || async { stored_total(&db.pool, "g").await == 62 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    progress_of(&db.pool, "monthly-kills-1000").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_event_id_is_applied_once_through_the_pipeline() {
    let expected: std::collections::HashMap<String, i64> = (0..4)
        .map(|u| {
            let sum = (0..40).filter(|i| i % 4 == u).map(|i| i % 3 + 1).sum();
            (format!("u{u}"), sum)
        })
        .collect();
    assert_eq!(run(Some(Duration::from_secs(86_400))).await, expected);
    // Without de-duplication every copy counts (what mobile clients' resends did before).
    let doubled = run(None).await;
    let total = |m: &std::collections::HashMap<String, i64>| m.values().sum::<i64>();
    assert!(total(&doubled) > total(&expected), "{doubled:?}");
}

#[tokio::test]
async fn the_window_decides_and_expired_ids_are_deleted() {
    let catalog = catalog();
    let store = ProgressStore::new(catalog.clone()).with_dedup_window(Duration::from_secs(3600));
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    // 01:00 today: the four flushes (up to 3,700 s later) stay within one day of the daily
    // goal, whatever time of day the test runs at.
    let t0 = Utc::now().date_naive().and_hms_opt(1, 0, 0).unwrap().and_utc();
    let updates = event(&catalog, "u1", "kills", None, Some(2));
    let flush = |at: chrono::DateTime<Utc>, id: &'static str| {
        let events = vec![BatchEvent {
            user_id: Arc::from("u1"),
            event_id: Arc::from(id),
            updates: 0..updates.len(),
        }];
        (at, events)
    };
    let mut progress = Vec::new();
    for (at, id) in [
        (t0, "e1"),
        (t0 + TimeDelta::seconds(10), "e1"), // resent within the hour: skipped
        (t0 + TimeDelta::seconds(20), "e2"), // another id: applied
        (t0 + TimeDelta::seconds(3700), "e1"), // past the window: applied again
    ] {
        let (now, events) = flush(at, id);
        let batch = FlushBatch {
            now,
            updates: &updates,
            group_id: "g",
            offsets: &[],
            dead_letters: &[],
            events: BatchEvents { events: &events, updates: &updates },
        };
        let outcome = store.flush(&mut client, &batch).await.unwrap();
        let row = client
            .query_one(
                "SELECT progress FROM user_goal_progress WHERE user_id = 'u1' AND goal_id = 'kills-20'",
                &[],
            )
            .await
            .unwrap();
        progress.push((row.get::<_, i64>(0), outcome.duplicates));
    }
    assert_eq!(progress, [(2, 0), (2, 1), (4, 0), (6, 0)]);
    // The last flush deleted what had expired (e2 is past the window too; e1 was re-taken).
    let left: Vec<String> = client
        .query("SELECT event_id FROM seen_events ORDER BY event_id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, ["e1"]);
}
