//! The operations endpoints on a real server bound to port 0: `/metrics` after a pipeline run
//! on the mock cluster exposes every family; `/readyz` follows the database (through a proxy
//! the test cuts) and the partition assignment; `/healthz` answers.

mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use goalstream::config::periodic::PeriodicFile;
use goalstream::db::DbConfig;
use goalstream::http::Ops;
use goalstream::ingest::pipeline::{Pipeline, PipelineConfig};
use goalstream::jobs::handler::Registry;
use goalstream::jobs::maintenance::periodic::{self, PeriodicEnqueuer};
use goalstream::jobs::maintenance::sampler::{self, Sampler};
use goalstream::jobs::reward::RewardGrantHandler;
use goalstream::jobs::schedule;
use goalstream::jobs::worker::{WorkerConfig, WorkerPool};
use goalstream::store::ProgressStore;
use goalstream::telemetry::metrics;
use goalstream::telemetry::IngestStats;
use support::http::{families, get};
use support::kafka::{self, kills, produce, stored_total, wait_for, MockKafka};
use support::pg_proxy::PgProxy;
use support::TestDb;

const WAIT: Duration = Duration::from_secs(60);

async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_exposes_every_family_after_a_pipeline_run() {
    support::init_logs("info");
    let db = TestDb::new(4).await;
    let kafka = MockKafka::new(2);
    let mut messages: Vec<(String, Vec<u8>)> =
        (0..400).map(|i| kills(&format!("user-{}", i % 30), 30)).collect();
    messages.push(("bad".into(), b"not json".to_vec()));
    messages.push((
        "u".into(),
        br#"{"user_id":"u","stat_code":"nobody-reads-this","delta":1}"#.to_vec(),
    ));
    produce(&kafka.brokers, &messages).await;

    let stats = Arc::new(IngestStats::default());
    let mut consumer = kafka::consumer_config(&kafka.brokers, "ops");
    // Statistics (consumer lag) often, so the test need not wait 5 s for them.
    consumer.options.push(("statistics.interval.ms".into(), "200".into()));
    let mut config = PipelineConfig::new(consumer, 2);
    config.buffer.max_age = Duration::from_millis(50);
    let ops = Ops::start(
        listener().await,
        &db.config,
        db.pool.clone(),
        Some(stats.clone()),
        Default::default(),
    )
    .await
    .unwrap();
    let store = ProgressStore::new(kafka::example_catalog());
    let pipeline = Pipeline::start(config, store, db.pool.clone(), stats.clone()).unwrap();
    let total = messages.len() as i64;
    wait_for("every offset stored", WAIT, || async {
        stored_total(&db.pool, "ops").await == total
    })
    .await;
    wait_for("consumer lag reported", WAIT, || async {
        get(ops.local_addr(), "/metrics").await.1.contains("goalstream_consumer_lag_messages{")
    })
    .await;
    // The reward jobs the completed goals enqueued are waiting: sample the queue now.
    let live = Sampler::new(sampler::Config::default(), db.pool.clone()).run_once().await.unwrap();
    assert!(live > 0, "completed goals enqueued reward jobs");
    let body = get(ops.local_addr(), "/metrics").await.1;
    assert!(
        body.contains(&format!(
            "goalstream_jobs{{priority=\"3\",queue=\"rewards\",state=\"available\"}} {live}"
        )),
        "{body}"
    );
    // A worker runs them: claimed and completed by kind.
    let registry = Registry::new().register(RewardGrantHandler);
    let workers =
        WorkerPool::start(WorkerConfig::new(vec!["rewards".into()], 4), db.pool.clone(), registry)
            .await
            .unwrap();
    let completed =
        || metrics::global().jobs_completed.with_label_values(&["goal.completed"]).get();
    wait_for("reward jobs done", WAIT, || async { completed() == live as u64 }).await;
    assert!(workers.shutdown(Duration::from_secs(10)).await);
    assert_eq!(
        metrics::global().jobs_claimed.with_label_values(&["goal.completed"]).get(),
        live as u64
    );
    assert_eq!(
        metrics::global()
            .job_execution_duration
            .with_label_values(&["goal.completed"])
            .get_sample_count(),
        live as u64
    );

    // A periodic schedule's round (its families have series once a schedule runs).
    let file = PeriodicFile::parse(
        "external_kinds = [\"ops.report\"]\n[[periodic]]\nname = \"ops-report\"\n\
         cron = \"0 0 * * * *\"\nkind = \"ops.report\"\n",
    )
    .unwrap();
    let schedules = schedule::from_file(&file, &[]).unwrap();
    let config = periodic::Config { schedules, ..Default::default() };
    PeriodicEnqueuer::new(config, db.pool.clone()).run_once(chrono::Utc::now()).await.unwrap();

    let (status, body) = get(ops.local_addr(), "/metrics").await;
    assert_eq!(status, 200);
    let exported = families(&body);
    let missing: Vec<&String> =
        metrics::global().names().iter().filter(|n| !exported.contains(*n)).collect();
    assert!(missing.is_empty(), "families missing from /metrics: {missing:?}\n{body}");
    let unknown: Vec<&String> =
        exported.iter().filter(|n| !metrics::global().names().contains(n)).collect();
    assert!(unknown.is_empty(), "families not defined in metrics.rs: {unknown:?}");

    // The numbers are the pipeline's.
    let line = |prefix: &str| {
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {prefix} in\n{body}"))
    };
    assert_eq!(line("goalstream_events_consumed_total{topic=\"game.telemetry\"}"), total as f64);
    assert_eq!(line("goalstream_events_dead_lettered_total{topic=\"game.telemetry\"}"), 1.0);
    assert_eq!(line("goalstream_events_unmatched_total{topic=\"game.telemetry\"}"), 1.0);
    assert_eq!(line("goalstream_events_decoded_total{topic=\"game.telemetry\"}"), 400.0);
    assert_eq!(line("goalstream_partitions_assigned"), 2.0);
    assert_eq!(
        line("goalstream_rows_inserted_total"),
        IngestStats::get(&stats.rows_inserted) as f64
    );
    assert_eq!(line("goalstream_event_to_durable_seconds_count"), total as f64);
    assert!(line("goalstream_flushes_total{outcome=\"committed\"}") >= 1.0);
    assert!(line("goalstream_copy_bytes_total") > 0.0);
    assert!(line("goalstream_jobs_enqueued_total{kind=\"goal.completed\"}") >= 1.0);
    assert!(line("goalstream_db_pool_connections") >= 1.0);
    assert_eq!(line("goalstream_build_info{version=\"0.1.0\"}"), 1.0);

    assert!(pipeline.shutdown(Duration::from_secs(10)).await);
    ops.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_database_and_the_assignment() {
    support::init_logs("info");
    let db = TestDb::new(1).await;
    let proxy = PgProxy::start("127.0.0.1:5432").await.unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{}/goalstream_test", proxy.port());
    let config = DbConfig::new(url, 2).with_search_path(&db.schema);
    let pool = goalstream::store::connect(&config).await.unwrap();
    let stats = Arc::new(IngestStats::default());
    let ops = Ops::start(listener().await, &config, pool, Some(stats.clone()), Default::default())
        .await
        .unwrap();
    let addr = ops.local_addr();

    assert_eq!(get(addr, "/healthz").await.0, 200);
    // Consuming, but no partition yet.
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no Kafka partitions assigned"), "{body}");
    stats.partitions_assigned.store(3, Ordering::Relaxed);
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["partitions_assigned"], 3);

    proxy.cut();
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    let not_ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(not_ready["status"], "not_ready");
    assert!(not_ready["reason"].as_str().unwrap().starts_with("database "), "{body}");
    // Alive all the same: liveness must not restart a process whose database is away.
    assert_eq!(get(addr, "/healthz").await.0, 200);

    proxy.restore();
    wait_for("ready again", Duration::from_secs(20), || async {
        get(addr, "/readyz").await.0 == 200
    })
    .await;
    ops.stop().await;
    // Stopped: the port no longer answers.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
