//! The broker-restart chaos scenario on a real Kafka-protocol broker: tansu with its log in a
//! local S3 server (`scripts/kafka-up.sh --persistent`), killed with SIGKILL mid-stream and
//! started again on the same storage. Producer and consumer reconnect, the consumer loses its
//! partitions (the group coordinator died) and takes them back at the offsets stored in
//! Postgres: every message the restarted broker's log holds is applied exactly once, and
//! consumption stood still while the broker was down. What the broker itself lost or wrote
//! twice when killed (tansu is not crash-safe) is reported, not bounded: this test does not
//! promise that the broker loses nothing.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use goalstream::harness::chaos::{self, Options, Scenario};
use support::kafka::example_catalog;

/// A persistent broker on PORT (and its S3 server on PORT + 1), stopped when dropped.
struct Broker {
    port: u16,
}

impl Broker {
    fn start() -> Broker {
        let port = free_port_pair();
        let status = Command::new("scripts/kafka-up.sh")
            .args(["--port", &port.to_string(), "--persistent"])
            .stdout(Stdio::null())
            .status()
            .expect("scripts/kafka-up.sh runs");
        assert!(
            status.success(),
            "the persistent tansu broker did not start (scripts/kafka-up.sh)"
        );
        Broker { port }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ =
            Command::new("scripts/kafka-down.sh").args(["--port", &self.port.to_string()]).status();
    }
}

/// A port P with P + 1 free too (the broker and its S3 server).
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two consecutive free ports");
}

// On 2026-12-05 (one machine, every commit tried) the consumer never rejoined the restarted
// broker within the scenario's 220 s, and the test was ignored for a day; on the next machine
// it passed again as it always had (44.7 s, and `goalstream chaos broker-restart` 43.9 s):
// that machine's, not the code's. If it hangs again, look first at leftover moto_server or
// tansu processes from killed runs (`pgrep -fa 'moto_server|tansu'`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_and_restarted_broker_has_its_log_applied_exactly_once() {
    support::init_logs("warn");
    let broker = Broker::start();
    let mut options = Options::new(
        PathBuf::from(env!("CARGO_BIN_EXE_goalstream")),
        "config/challenges.json".into(),
    );
    // tansu on S3 storage takes a few hundred events/s: 1,200 events over 6 s.
    options.rate = 200;
    options.seconds = 6;
    // Longer than the group's 6 s session: the consumer always loses its partitions and
    // rejoins the restarted broker's group. A shorter outage sometimes keeps the session alive
    // across the restart, and tansu then takes minutes to serve the old member again.
    options.outage_s = 8;
    options.brokers = Some(format!("127.0.0.1:{}", broker.port));
    options.schema_prefix = format!("test_e2e_restart_{}", std::process::id());
    options.log_dir = std::env::temp_dir().join(&options.schema_prefix);
    let scenario = Scenario::BrokerRestart;
    let result = chaos::run(&support::db_config(), example_catalog(), scenario, &options).await;

    goalstream::store::drop_schema(&support::db_config(), &chaos::schema_of(scenario, &options))
        .await
        .unwrap();

    let report = result.unwrap();
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.details["broker_killed"], true);
    assert_eq!((report.lost, report.duplicated), (0, 0));
    // tansu may lose a few acknowledged events when killed (docs/BENCHMARKS.md): no offset
    // covers those, and passed() already holds stored offsets = end of the log read back.
    let missing = report.details["acknowledged_events_missing_from_log"].as_i64().unwrap();
    assert!(report.events > 0, "{}", report.text());
    assert!(report.stored_offsets + missing >= report.events as i64, "{}", report.text());
    assert!(report.verdict.checked_rows > 100, "{:?}", report.verdict);
}

#[test]
fn a_broker_that_would_lose_its_log_is_refused() {
    let error = goalstream::harness::chaos::broker_process::BrokerProcess::find(
        "127.0.0.1:1",
        "scripts/kafka-up.sh".into(),
    )
    .err()
    .expect("no persistent broker on port 1");
    assert!(error.to_string().contains("--persistent"), "{error}");
}
