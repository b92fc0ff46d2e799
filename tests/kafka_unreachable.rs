//! With every broker unreachable, `goalstream run` stays quiet and says why: librdkafka's
//! "all brokers down" (about twenty a second) is counted in goalstream_kafka_errors_total but
//! logged once per interval, `/readyz` answers "no broker reachable", and once a broker
//! (tansu) comes up on that address the reason goes away.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::kafka::wait_for;
use support::tansu::{free_port, Process, Tansu};
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

async fn get(url: &str) -> String {
    match reqwest::get(url).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn counter(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_counted_logged_once_per_interval_and_named_by_readyz() {
    let db = TestDb::new(1).await;
    let (kafka_port, http_port) = (free_port(), free_port());
    let log_path = std::env::temp_dir().join(format!("goalstream-unreachable-{kafka_port}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let started = Instant::now();
    let _run = Process(
        Command::new(BIN)
            .args(["run", "--brokers", &format!("127.0.0.1:{kafka_port}")])
            .args(["--http-addr", &format!("127.0.0.1:{http_port}")])
            .args(["--api-pool-size", "0", "--job-concurrency", "0", "--pool-size", "2"])
            .args(["--session-timeout-ms", "6000", "--heartbeat-interval-ms", "500"])
            .env("DATABASE_URL", db.child_url())
            .env("GOALSTREAM_CATALOG", "config/challenges.json")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{http_port}");
    wait_for("/readyz names the broker", Duration::from_secs(20), || async {
        get(&format!("{base}/readyz")).await.contains("no broker reachable")
    })
    .await;

    // Eight seconds of an unreachable broker: many errors, few lines.
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(started.elapsed())).await;
    let metrics = get(&format!("{base}/metrics")).await;
    let counted = counter(&metrics, "goalstream_kafka_errors_total{kind=\"all_brokers_down\"}");
    let text = std::fs::read_to_string(&log_path).unwrap();
    let logged = text.lines().filter(|line| line.contains("AllBrokersDown")).count();
    assert!(counted >= 20.0, "librdkafka repeats the error: counted {counted}\n{text}");
    // One line from the client callback and one from the poll loop per 10 s interval.
    assert!(logged <= 4, "logged {logged} lines for {counted} errors:\n{text}");

    // A broker comes up on that address: the reason goes away (statistics every 5 s).
    let broker = Tansu::start(kafka_port, &["game.telemetry:1"]);
    wait_for("/readyz no longer blames the broker", Duration::from_secs(40), || async {
        let body = get(&format!("{base}/readyz")).await;
        !body.is_empty() && !body.contains("no broker reachable")
    })
    .await;
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(text.contains("a broker is reachable again"), "{text}");
    drop(broker);
    let _ = std::fs::remove_file(&log_path);
}
