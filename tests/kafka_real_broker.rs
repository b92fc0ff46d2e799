//! The pipeline against a real Kafka-protocol broker (tansu): a topic written with each
//! compression codec (gzip, snappy, lz4, zstd) is consumed end to end, and the whole path
//! works over TLS (stunnel4 in front of tansu, a CA of the test's own) with the `--kafka-*`
//! settings, while a client trusting another CA is refused.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use goalstream::ingest::consumer::ConsumerConfig;
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::ingest::security::{KafkaArgs, SecurityProtocol};
use goalstream::store::ProgressStore;
use goalstream::telemetry::IngestStats;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use support::kafka::{example_catalog, kills, progress_of, stored_total, sums, wait_for};
use support::tansu::{free_port, Tansu, TlsTansu};
use support::TestDb;

const EVENTS: usize = 400;

/// Kafka messages as `(key, payload)`.
type Messages = Vec<(String, Vec<u8>)>;

/// `EVENTS` kill increments over 20 players, and their expected sums.
fn events() -> (Messages, HashMap<String, i64>) {
    let deltas: Vec<(String, i64)> =
        (0..EVENTS).map(|i| (format!("p{}", i % 20), 1 + (i % 3) as i64)).collect();
    let messages = deltas.iter().map(|(user, delta)| kills(user, *delta)).collect();
    (messages, sums(&deltas))
}

/// Produces `messages` to `topic` with `options`; fails when any is not delivered.
async fn produce(
    brokers: &str,
    topic: &str,
    options: &[(String, String)],
    messages: &[(String, Vec<u8>)],
) -> Result<(), String> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "20")
        .set("message.timeout.ms", "15000");
    for (key, value) in options {
        config.set(key, value);
    }
    let producer: FutureProducer = config.create().map_err(|e| e.to_string())?;
    let deliveries = messages.iter().map(|(key, payload)| {
        producer.send_result(FutureRecord::to(topic).key(key).payload(payload)).map_err(|(e, _)| e)
    });
    for delivery in deliveries.collect::<Vec<_>>() {
        let delivery = delivery.map_err(|e| e.to_string())?;
        delivery.await.map_err(|e| e.to_string())?.map_err(|(e, _)| e.to_string())?;
    }
    Ok(())
}

/// A pipeline consuming `topic` with `options` into `pool`.
fn consume(
    brokers: &str,
    topic: &str,
    options: Vec<(String, String)>,
    pool: &Pool,
) -> (Pipeline, Arc<IngestStats>) {
    support::init_logs("info");
    let mut consumer =
        ConsumerConfig::new(brokers, "real-broker", vec![topic.into()]).short_timeouts();
    consumer.options = options;
    let mut config = PipelineConfig::new(consumer, 2);
    config.buffer.max_age = Duration::from_millis(50);
    let stats = Arc::new(IngestStats::default());
    let store = ProgressStore::new(example_catalog());
    (Pipeline::start(config, store, pool.clone(), stats.clone()).expect("pipeline starts"), stats)
}

/// Everything produced is durable and every player's progress is the sum of their deltas.
async fn assert_consumed(pool: &Pool, expected: &HashMap<String, i64>) {
    wait_for("every event durable", Duration::from_secs(90), || async {
        stored_total(pool, "real-broker").await == EVENTS as i64
    })
    .await;
    assert_eq!(&progress_of(pool, "monthly-kills-1000").await, expected);
}

async fn codec_round_trip(codec: &str) {
    let db = TestDb::new(3).await;
    let topic = format!("codec.{codec}");
    let broker = Tansu::start(free_port(), &[&format!("{topic}:2")]);
    let (messages, expected) = events();
    let compression = [("compression.type".to_string(), codec.to_string())];
    produce(&broker.address(), &topic, &compression, &messages).await.expect("produced");
    let (pipeline, stats) = consume(&broker.address(), &topic, Vec::new(), &db.pool);
    assert_consumed(&db.pool, &expected).await;
    assert_eq!(stats.dead_lettered.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_topic_is_consumed() {
    codec_round_trip("gzip").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snappy_topic_is_consumed() {
    codec_round_trip("snappy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_lz4_topic_is_consumed() {
    codec_round_trip("lz4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zstd_topic_is_consumed() {
    codec_round_trip("zstd").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_works_over_tls_and_refuses_a_broker_signed_by_another_ca() {
    let db = TestDb::new(3).await;
    let broker = TlsTansu::start(&["tls.telemetry:2"]);
    let settings = KafkaArgs {
        kafka_security_protocol: Some(SecurityProtocol::Ssl),
        kafka_ssl_ca_file: Some(broker.ca()),
        ..KafkaArgs::default()
    };
    let options = settings.client_options().unwrap();

    // Another CA: the handshake fails and nothing is delivered.
    let other_ca = support::certs::make_ca(&broker.dir, "other-ca");
    let distrusting = KafkaArgs { kafka_ssl_ca_file: Some(other_ca), ..settings.clone() };
    let mut refused = distrusting.client_options().unwrap();
    refused.push(("message.timeout.ms".into(), "3000".into()));
    let error = produce(&broker.address(), "tls.telemetry", &refused, &[kills("x", 1)])
        .await
        .expect_err("a broker certificate from another CA is refused");
    assert!(error.contains("MessageTimedOut") || error.contains("SSL"), "{error}");

    let (messages, expected) = events();
    let zstd = [options.clone(), vec![("compression.type".into(), "zstd".into())]].concat();
    produce(&broker.address(), "tls.telemetry", &zstd, &messages).await.expect("produced over TLS");
    let (pipeline, _) = consume(&broker.address(), "tls.telemetry", options, &db.pool);
    assert_consumed(&db.pool, &expected).await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    let stunnel_log = std::fs::read_to_string(broker.dir.join("stunnel.log")).unwrap_or_default();
    assert!(stunnel_log.contains("accepted"), "the clients went through stunnel:\n{stunnel_log}");
}
