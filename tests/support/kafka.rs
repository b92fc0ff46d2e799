//! Kafka for tests: librdkafka's in-process mock cluster, a producer, and a pipeline wired to a
//! test schema.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use goalstream::catalog::Catalog;
use goalstream::ingest::consumer::ConsumerConfig;
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::store::ProgressStore;
use goalstream::telemetry::IngestStats;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

pub const TOPIC: &str = "game.telemetry";

/// An in-process Kafka cluster with one topic.
pub struct MockKafka {
    _cluster: MockCluster<'static, DefaultProducerContext>,
    pub brokers: String,
}

impl MockKafka {
    pub fn new(partitions: i32) -> MockKafka {
        let cluster = MockCluster::new(1).expect("mock cluster");
        cluster.create_topic(TOPIC, partitions, 1).expect("topic");
        let brokers = cluster.bootstrap_servers();
        MockKafka { _cluster: cluster, brokers }
    }
}

/// Produces `(key, payload)` messages; returns where each landed (partition, offset).
pub async fn produce(brokers: &str, messages: &[(String, Vec<u8>)]) -> Vec<(i32, i64)> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "1")
        .create()
        .expect("producer");
    let deliveries: Vec<_> = messages
        .iter()
        .map(|(key, payload)| {
            producer
                .send_result(FutureRecord::to(TOPIC).key(key).payload(payload))
                .map_err(|(e, _)| e)
                .expect("queued")
        })
        .collect();
    futures::future::join_all(deliveries)
        .await
        .into_iter()
        .map(|d| {
            let delivery = d.expect("not cancelled").expect("delivered");
            (delivery.partition, delivery.offset)
        })
        .collect()
}

/// One increment event for `kills` (feeds daily-kills-25 and monthly-kills-1000 in the
/// example catalog).
pub fn kills(user: &str, delta: i64) -> (String, Vec<u8>) {
    (
        user.to_string(),
        format!(r#"{{"user_id":"{user}","stat_code":"kills","delta":{delta}}}"#).into_bytes(),
    )
}

pub fn consumer_config(brokers: &str, group: &str) -> ConsumerConfig {
    ConsumerConfig::new(brokers, group, vec![TOPIC.to_string()]).kip848().short_timeouts()
}

pub fn example_catalog() -> Arc<Catalog> {
    Arc::new(Catalog::from_json(include_str!("../../config/challenges.json")).unwrap())
}

/// A pipeline with `workers` flush workers and a short flush age.
pub fn start(
    brokers: &str,
    group: &str,
    pool: &Pool,
    workers: usize,
) -> (Pipeline, Arc<IngestStats>) {
    super::init_logs("info");
    let stats = Arc::new(IngestStats::default());
    let mut config = PipelineConfig::new(consumer_config(brokers, group), workers);
    config.buffer.max_age = Duration::from_millis(50);
    config.revoke_timeout = Duration::from_secs(5);
    config.assign_timeout = Duration::from_secs(5);
    let pipeline =
        Pipeline::start(config, ProgressStore::new(example_catalog()), pool.clone(), stats.clone())
            .expect("pipeline starts");
    (pipeline, stats)
}

/// Waits until `check` is true, polling every 50 ms; panics with `what` after `timeout`.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sum of the group's stored next offsets (= records made durable, offsets starting at 0).
pub async fn stored_total(pool: &Pool, group: &str) -> i64 {
    let Ok(client) = pool.get().await else { return -1 };
    client
        .query_one(
            "SELECT coalesce(sum(next_offset), 0)::bigint FROM consumer_offsets WHERE group_id = $1",
            &[&group],
        )
        .await
        .map(|r| r.get(0))
        .unwrap_or(-1)
}

/// Progress of one goal per user.
pub async fn progress_of(pool: &Pool, goal_id: &str) -> HashMap<String, i64> {
    let client = pool.get().await.unwrap();
    client
        .query("SELECT user_id, progress FROM user_goal_progress WHERE goal_id = $1", &[&goal_id])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Expected per-user sums of `kills` deltas.
pub fn sums(events: &[(String, i64)]) -> HashMap<String, i64> {
    let mut sums = HashMap::new();
    for (user, delta) in events {
        *sums.entry(user.clone()).or_insert(0) += delta;
    }
    sums
}
