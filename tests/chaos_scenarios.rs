//! The short chaos scenarios, each against the real pipeline or job queue on the local
//! Postgres and the in-process broker: every one must end with 0 lost, 0 double-applied and
//! its own checks holding.

mod support;

use std::path::PathBuf;

use goalstream::harness::chaos::{self, Options, Scenario};
use support::kafka::example_catalog;

async fn scenario(scenario: Scenario) {
    support::init_logs("warn");
    let mut options = Options::new(
        PathBuf::from(env!("CARGO_BIN_EXE_goalstream")),
        "config/challenges.json".into(),
    );
    options.seconds = 6;
    options.kills = 2;
    options.outage_s = 3;
    options.job_ms = 3_000;
    options.schema_prefix = format!("test_chaos_{}", std::process::id());
    options.log_dir = std::env::temp_dir().join(&options.schema_prefix);
    let result = chaos::run(&support::db_config(), example_catalog(), scenario, &options).await;

    let schema = chaos::schema_of(scenario, &options);
    goalstream::store::drop_schema(&support::db_config(), &schema).await.unwrap();

    let report = result.unwrap();
    assert!(report.passed(), "{}", report.text());
    assert_eq!((report.lost, report.duplicated), (0, 0));
    if scenario != Scenario::WorkerKill {
        assert!(report.events > 0 && report.stored_offsets == report.events as i64);
        assert!(report.verdict.checked_rows > 100, "{:?}", report.verdict);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_flood() {
    scenario(Scenario::MalformedFlood).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_outage() {
    scenario(Scenario::PgOutage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart() {
    scenario(Scenario::BrokerRestart).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_kill() {
    scenario(Scenario::WorkerKill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_consumer() {
    scenario(Scenario::KillConsumer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebalance() {
    scenario(Scenario::Rebalance).await;
}
