//! The ingest pipeline on librdkafka's in-process mock cluster and real Postgres: rows and
//! offsets, restart, rebalance, dead letters, a Postgres outage.

mod support;

use std::time::Duration;

use goalstream::db::DbConfig;
use goalstream::telemetry::IngestStats;
use support::kafka::{
    self, kills, produce, progress_of, start, stored_total, sums, wait_for, MockKafka,
};
use support::pg_proxy::PgProxy;
use support::TestDb;

const WAIT: Duration = Duration::from_secs(60);

fn events(range: std::ops::Range<usize>, users: usize) -> Vec<(String, i64)> {
    range.map(|i| (format!("user-{}", i % users), (i % 5 + 1) as i64)).collect()
}

fn messages(events: &[(String, i64)]) -> Vec<(String, Vec<u8>)> {
    events.iter().map(|(u, d)| kills(u, *d)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_become_rows_and_offsets_are_stored() {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(3);
    let sent = events(0..300, 40);
    let placed = produce(&kafka.brokers, &messages(&sent)).await;
    let (pipeline, stats) = start(&kafka.brokers, "g1", &db.pool, 2);
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g1").await == 300 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&sent));
    // Each partition's stored offset is one past its last message.
    let client = db.pool.get().await.unwrap();
    for partition in 0..3 {
        let last = placed.iter().filter(|(p, _)| *p == partition).map(|(_, o)| *o).max();
        let stored: Option<i64> = client
            .query_opt(
                "SELECT next_offset FROM consumer_offsets WHERE group_id = 'g1' AND partition = $1",
                &[&partition],
            )
            .await
            .unwrap()
            .map(|r| r.get(0));
        assert_eq!(stored, last.map(|o| o + 1), "partition {partition}");
    }
    assert_eq!(IngestStats::get(&stats.durable), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_at_the_stored_offset() {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(2);
    let first = events(0..150, 20);
    produce(&kafka.brokers, &messages(&first)).await;
    let (pipeline, _) = start(&kafka.brokers, "g2", &db.pool, 1);
    wait_for("first half stored", WAIT, || async { stored_total(&db.pool, "g2").await == 150 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);

    let second = events(150..300, 20);
    produce(&kafka.brokers, &messages(&second)).await;
    let (pipeline, stats) = start(&kafka.brokers, "g2", &db.pool, 1);
    wait_for("second half stored", WAIT, || async { stored_total(&db.pool, "g2").await == 300 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(IngestStats::get(&stats.consumed), 150, "started at the stored offset");
    let all: Vec<(String, i64)> = first.into_iter().chain(second).collect();
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebalance_mid_stream_applies_every_increment_once() {
    let db = TestDb::new(6).await;
    let kafka = MockKafka::new(4);
    let all = events(0..1200, 60);
    let (a, _) = start(&kafka.brokers, "g3", &db.pool, 2);
    produce(&kafka.brokers, &messages(&all[..400])).await;
    wait_for("some progress", WAIT, || async { stored_total(&db.pool, "g3").await >= 200 }).await;
    // A second instance joins: partitions move while events keep coming (over ~5 s, longer
    // than the group's rebalance).
    let (b, b_stats) = start(&kafka.brokers, "g3", &db.pool, 2);
    for chunk in all[400..].chunks(50) {
        produce(&kafka.brokers, &messages(chunk)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g3").await == 1200 })
        .await;
    assert!(a.shutdown(Duration::from_secs(10)).await);
    assert!(b.shutdown(Duration::from_secs(10)).await);
    assert!(IngestStats::get(&b_stats.durable) > 0, "the second instance took partitions over");
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_land_in_dead_letters_and_the_rest_applies() {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(1);
    let mut batch = messages(&events(0..10, 3));
    batch.insert(3, ("user-0".into(), b"not json".to_vec()));
    batch.insert(
        7,
        ("user-1".into(), br#"{"user_id":"user-1","stat_code":"kills","delta":-2}"#.to_vec()),
    );
    batch
        .push(("user-2".into(), br#"{"user_id":"user-2","stat_code":"emote","delta":1}"#.to_vec()));
    let placed = produce(&kafka.brokers, &batch).await;
    let (pipeline, stats) = start(&kafka.brokers, "g4", &db.pool, 1);
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g4").await == 13 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&events(0..10, 3)));
    let client = db.pool.get().await.unwrap();
    let rows = client
        .query("SELECT topic, partition, \"offset\", key, payload, reason FROM dead_letters ORDER BY \"offset\"", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, i64>(2), placed[3].1);
    assert_eq!(rows[0].get::<_, Vec<u8>>(4), b"not json");
    assert_eq!(rows[0].get::<_, Option<Vec<u8>>>(3), Some(b"user-0".to_vec()));
    assert!(rows[1].get::<_, String>(5).contains("negative"));
    assert_eq!(rows[1].get::<_, String>(0), kafka::TOPIC);
    assert_eq!(
        IngestStats::get(&stats.unknown_stats),
        1,
        "unknown stat counted, not dead-lettered"
    );
}

/// A pool whose connections go through a proxy that can cut Postgres off.
async fn behind_proxy(db: &TestDb) -> (PgProxy, deadpool_postgres::Pool) {
    let proxy = PgProxy::start("127.0.0.1:5432").await.unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{}/goalstream_test", proxy.port());
    let pool = goalstream::store::connect(&DbConfig::new(url, 3).with_search_path(&db.schema))
        .await
        .unwrap();
    (proxy, pool)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_loses_nothing() {
    let db = TestDb::new(2).await;
    let (proxy, pool) = behind_proxy(&db).await;
    let kafka = MockKafka::new(2);
    let all = events(0..600, 30);
    let (pipeline, stats) = start(&kafka.brokers, "g5", &pool, 2);
    produce(&kafka.brokers, &messages(&all[..200])).await;
    wait_for("first part stored", WAIT, || async { stored_total(&db.pool, "g5").await == 200 })
        .await;

    proxy.cut();
    produce(&kafka.brokers, &messages(&all[200..])).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(stored_total(&db.pool, "g5").await, 200, "nothing stored while Postgres is away");
    proxy.restore();

    wait_for("everything stored", WAIT, || async { stored_total(&db.pool, "g5").await == 600 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert!(IngestStats::get(&stats.retries) > 0, "flushes failed and were retried");
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stalled_over_a_second_pauses_intake_and_loses_nothing() {
    let db = TestDb::new(2).await;
    let (proxy, pool) = behind_proxy(&db).await;
    let kafka = MockKafka::new(2);
    // One worker: its batch in flight and its buffer fill up (10,000 keys: ~5,000 events of
    // distinct players), then its input queue (64 chunks of up to 512 records) overfills.
    let all = events(0..60_100, 50_000);
    let (pipeline, stats) = start(&kafka.brokers, "g8", &pool, 1);
    produce(&kafka.brokers, &messages(&all[..100])).await;
    wait_for("first part stored", WAIT, || async { stored_total(&db.pool, "g8").await == 100 })
        .await;
    assert_eq!(IngestStats::get(&stats.pauses), 0, "a worker keeping up: no pause");

    proxy.cut();
    produce(&kafka.brokers, &messages(&all[100..])).await;
    wait_for("intake paused", WAIT, || async { IngestStats::get(&stats.pauses) > 0 }).await;
    assert_eq!(stored_total(&db.pool, "g8").await, 100, "nothing stored while Postgres is away");
    proxy.restore();

    wait_for("everything stored", WAIT, || async { stored_total(&db.pool, "g8").await == 60_100 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_update_is_dead_lettered_and_the_batch_goes_on() {
    let db = TestDb::new(4).await;
    // A row one step from overflowing bigint: adding to it fails the merge with a data error.
    let client = db.pool.get().await.unwrap();
    client
        .execute(
            "INSERT INTO user_goal_progress (user_id, goal_id, progress, status, is_active) \
             VALUES ('user-0', 'monthly-kills-1000', 9223372036854775806, 'completed', true)",
            &[],
        )
        .await
        .unwrap();
    let kafka = MockKafka::new(1);
    let sent = events(0..40, 4);
    produce(&kafka.brokers, &messages(&sent)).await;
    let (pipeline, stats) = start(&kafka.brokers, "g6", &db.pool, 1);
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g6").await == 40 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(IngestStats::get(&stats.poison_rows), 1);
    let progress = progress_of(&db.pool, "monthly-kills-1000").await;
    let expected = sums(&sent);
    for user in ["user-1", "user-2", "user-3"] {
        assert_eq!(progress[user], expected[user], "{user}: the rest of the batch applied");
    }
    assert_eq!(progress["user-0"], 9223372036854775806, "the poison row is untouched");
    let letter =
        client.query_one("SELECT topic, key, reason FROM dead_letters", &[]).await.unwrap();
    assert_eq!(letter.get::<_, String>(0), "goalstream.merge");
    assert_eq!(letter.get::<_, Option<Vec<u8>>>(1), Some(b"user-0".to_vec()));
    assert!(letter.get::<_, String>(2).contains("out of range"), "{}", letter.get::<_, String>(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_flush_rereads_from_the_offset_another_instance_stored() {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(1);
    let first = events(0..100, 10);
    produce(&kafka.brokers, &messages(&first)).await;
    let (pipeline, stats) = start(&kafka.brokers, "g7", &db.pool, 1);
    wait_for("first part stored", WAIT, || async { stored_total(&db.pool, "g7").await == 100 })
        .await;

    // Another instance (simulated) applies offsets 100..150 and stores 150.
    let client = db.pool.get().await.unwrap();
    client
        .execute("UPDATE consumer_offsets SET next_offset = 150 WHERE group_id = 'g7'", &[])
        .await
        .unwrap();
    let second = events(100..200, 10);
    produce(&kafka.brokers, &messages(&second)).await;
    wait_for("the rest stored", WAIT, || async { stored_total(&db.pool, "g7").await == 200 }).await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert!(IngestStats::get(&stats.fenced) >= 1, "the flush was fenced");
    // This instance applied offsets 0..100 and, after re-reading from 150, 150..200 only.
    let applied: Vec<(String, i64)> =
        first.into_iter().chain(second[50..].iter().cloned()).collect();
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, sums(&applied));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_the_broker_no_longer_has_is_counted_and_logged() {
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(1);
    produce(&kafka.brokers, &messages(&events(0..10, 5))).await;
    // Postgres says the group is at offset 1,000 of a partition that holds 10 events: the fetch
    // there is out of range, as after retention deleted unread events.
    let move_to = goalstream::store::offsets::OffsetMove {
        topic: support::kafka::TOPIC.to_string(),
        partition: 0,
        expected: None,
        next: 1_000,
    };
    goalstream::store::offsets::store(&db.pool.get().await.unwrap(), "g-oor", &[move_to])
        .await
        .unwrap();
    let metric = &goalstream::telemetry::metrics::global().offset_out_of_range;
    let before = metric.get();
    let (pipeline, _) = start(&kafka.brokers, "g-oor", &db.pool, 1);
    wait_for("the out-of-range fetch is counted", WAIT, || async { metric.get() > before }).await;
    pipeline.shutdown(Duration::from_secs(10)).await;
}
