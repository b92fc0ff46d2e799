//! Avro topics with a schema registry, through the whole pipeline on the mock cluster and real
//! Postgres: events applied through a mapping, one fetch per schema id however many events
//! use it, an unknown id and a malformed datum dead-lettered with their reason, and a
//! registry outage (5xx, then connection refused) that holds the partitions: nothing
//! dead-lettered, nothing committed past the waiting events, all applied once it is back.
//!
//! The registry answers with Confluent's recorded responses (support/registry.rs): Karapace
//! is not on PyPI and could not be installed here.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use goalstream::catalog::mapping::avro::AvroSchema;
use goalstream::catalog::mapping::{AvroSource, Format};
use goalstream::catalog::Catalog;
use goalstream::ingest::codec::avro::encode::encode;
use goalstream::ingest::codec::confluent;
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::store::ProgressStore;
use goalstream::telemetry::IngestStats;
use serde_json::json;
use support::kafka::{
    consumer_config, produce, progress_of, stored_total, wait_for, MockKafka, TOPIC,
};
use support::registry::RecordedRegistry;
use support::TestDb;

const WAIT: Duration = Duration::from_secs(60);
const SCHEMA: &str = include_str!("fixtures/match.avsc");

/// The schema as a registry stores it (compact JSON), under ids 1 and 2.
fn registered() -> HashMap<u32, String> {
    let compact = serde_json::from_str::<serde_json::Value>(SCHEMA).unwrap().to_string();
    HashMap::from([(1, compact.clone()), (2, compact)])
}

fn catalog(registry: &str) -> Arc<Catalog> {
    let mut file: serde_json::Value = serde_json::from_str(goalstream::catalog::EXAMPLE).unwrap();
    file["mappings"] = json!([{
        "topic": TOPIC,
        "format": {"type": "avro", "registry": {"url": registry}},
        "when": [{"path": "/type", "equals": "match_end"}],
        "player_id": "/player/id",
        "event_id": "/event_id",
        "stats": [
            {"stat_code": "kills", "kind": "delta", "path": "/stats/kills"},
            {"stat_code": "wins", "kind": "delta", "constant": 1,
             "when": [{"path": "/result", "equals": "WIN"}]}
        ]
    }]);
    Arc::new(Catalog::parse(&file.to_string(), None).unwrap())
}

/// A Confluent-framed `match_end` of `user` with `kills`, written with schema `id`.
fn match_end(id: u32, n: usize, user: &str, kills: i64) -> (String, Vec<u8>) {
    let schema = AvroSchema::parse(SCHEMA).unwrap();
    let record = json!({"type": "match_end", "event_id": format!("e{n}"), "ts_ms": 0,
        "player": {"id": user, "level": null}, "result": if n.is_multiple_of(2) { "WIN" } else { "LOSS" },
        "mode": null, "stats": {"kills": kills, "deaths": 0, "assists": 0, "damage": 0,
        "headshots": 0, "score": 0}, "counters": {}, "tags": [], "previous": null});
    let mut payload = confluent::header(id, None);
    payload.extend(encode(&schema, &record).unwrap());
    (user.to_string(), payload)
}

fn start(brokers: &str, pool: &Pool, catalog: Arc<Catalog>) -> Pipeline {
    support::init_logs("info");
    let mut config = PipelineConfig::new(consumer_config(brokers, "g"), 2);
    config.buffer.max_age = Duration::from_millis(50);
    let store = ProgressStore::new(catalog);
    Pipeline::start(config, store, pool.clone(), Arc::new(IngestStats::default())).unwrap()
}

async fn dead_letters(pool: &Pool) -> Vec<String> {
    let client = pool.get().await.unwrap();
    let rows = client.query("SELECT reason FROM dead_letters ORDER BY id", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// Client-side fetch attempts of the catalog's registry.
fn attempts(catalog: &Catalog) -> u64 {
    match catalog.mappings().format_of(TOPIC) {
        Format::Avro(format) => match &format.source {
            AvroSource::Registry(registry) => registry.requests(),
            AvroSource::File(_) => unreachable!(),
        },
        _ => unreachable!(),
    }
}

fn expected_kills(events: usize) -> HashMap<String, i64> {
    let mut sums = HashMap::new();
    for n in 0..events {
        *sums.entry(format!("u{}", n % 4)).or_insert(0) += (n % 5) as i64;
    }
    sums
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avro_events_apply_with_one_fetch_per_id_and_bad_ones_dead_letter() {
    let registry = RecordedRegistry::start(registered()).await;
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(3);
    let catalog = catalog(&registry.url());
    // 60 events with id 1, then 20 with id 2 (the same schema registered again).
    let mut messages: Vec<_> = (0..80)
        .map(|n| match_end(1 + u32::from(n >= 60), n, &format!("u{}", n % 4), (n % 5) as i64))
        .collect();
    let mut unknown = match_end(99, 80, "u0", 1000);
    unknown.0 = "odd-1".into();
    let mut malformed = match_end(1, 81, "u1", 1000);
    malformed.1.truncate(malformed.1.len() - 4);
    malformed.0 = "odd-2".into();
    messages.extend([unknown.clone(), malformed.clone()]);
    produce(&kafka.brokers, &messages).await;
    let pipeline = start(&kafka.brokers, &db.pool, catalog.clone());
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g").await == 82 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, expected_kills(80));
    // One request per schema id, however many events and partitions used it.
    assert_eq!([registry.requests(1), registry.requests(2), registry.requests(99)], [1, 1, 1]);
    let mut reasons = dead_letters(&db.pool).await;
    reasons.sort();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("not a valid game.MatchEnd Avro datum: truncated"),
        "{reasons:?}"
    );
    let url = registry.url();
    assert_eq!(
        reasons[1],
        format!("schema id 99 is unknown to the registry {url} (Schema 99 not found)")
    );
    // Dead letters keep the payload byte for byte.
    let client = db.pool.get().await.unwrap();
    let kept: Vec<u8> = client
        .query_one("SELECT payload FROM dead_letters WHERE key = $1", &[&b"odd-1".as_slice()])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, unknown.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_outage_holds_the_events_until_it_is_back() {
    let mut registry = RecordedRegistry::start(registered()).await;
    registry.set_failing(true);
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(2);
    let catalog = catalog(&registry.url());
    let messages: Vec<_> =
        (0..40).map(|n| match_end(1, n, &format!("u{}", n % 4), (n % 5) as i64)).collect();
    produce(&kafka.brokers, &messages).await;
    let pipeline = start(&kafka.brokers, &db.pool, catalog.clone());
    // 5xx answers: retried with backoff.
    wait_for("three 503 answers", WAIT, || async { registry.requests(1) >= 3 }).await;
    // Then unreachable: connections refused.
    registry.stop().await;
    let before = attempts(&catalog);
    wait_for("two refused attempts", WAIT, || async { attempts(&catalog) >= before + 2 }).await;
    assert_eq!(stored_total(&db.pool, "g").await, 0, "nothing is committed past a held event");
    assert_eq!(dead_letters(&db.pool).await, Vec::<String>::new());
    assert!(progress_of(&db.pool, "monthly-kills-1000").await.is_empty());
    // Back: the held partitions resume from the held events.
    registry.set_failing(false);
    registry.serve().await;
    wait_for("all offsets stored", WAIT, || async { stored_total(&db.pool, "g").await == 40 })
        .await;
    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    assert_eq!(progress_of(&db.pool, "monthly-kills-1000").await, expected_kills(40));
    assert_eq!(dead_letters(&db.pool).await, Vec::<String>::new());
    let client = db.pool.get().await.unwrap();
    let offsets: Vec<(i32, i64)> = client
        .query(
            "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = 'g' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let per_partition: i64 = offsets.iter().map(|(_, next)| next).sum();
    assert_eq!(per_partition, 40, "{offsets:?}");
}
