//! The short chaos scenarios, each against the real pipeline or job queue on the local
//! Postgres and the in-process broker: every one must end with 0 lost, 0 double-applied and
//! its own checks holding, among them the proof that its fault happened as named. With the
//! fault left out, kill-consumer, rebalance and broker-restart fail that proof.

mod support;

use std::path::PathBuf;

use goalstream::harness::chaos::{self, Options, Scenario};
use support::kafka::example_catalog;

async fn scenario(scenario: Scenario) {
    let report = run(scenario, true).await;
    assert!(report.passed(), "{}", report.text());
    assert_eq!((report.lost, report.duplicated), (0, 0));
    if scenario != Scenario::WorkerKill {
        assert!(report.events > 0 && report.stored_offsets == report.events as i64);
        assert!(report.verdict.checked_rows > 100, "{:?}", report.verdict);
    }
}

/// The scenario without its fault: the check that proves the fault fails, and so the verdict.
async fn without_fault(scenario: Scenario, proof: &str) {
    let report = run(scenario, false).await;
    assert_eq!(report.checks.get(proof), Some(&false), "{}", report.text());
    assert!(!report.passed(), "{}", report.text());
}

async fn run(scenario: Scenario, inject_fault: bool) -> chaos::stage::ChaosReport {
    support::init_logs("warn");
    let mut options = Options::new(
        PathBuf::from(env!("CARGO_BIN_EXE_goalstream")),
        "config/challenges.json".into(),
    );
    options.seconds = 6;
    options.kills = 2;
    options.outage_s = 3;
    options.job_ms = 3_000;
    options.inject_fault = inject_fault;
    let fault = if inject_fault { "" } else { "_nofault" };
    options.schema_prefix = format!("test_chaos{fault}_{}", std::process::id());
    options.log_dir = std::env::temp_dir().join(&options.schema_prefix);
    let result = chaos::run(&support::db_config(), example_catalog(), scenario, &options).await;

    let schema = chaos::schema_of(scenario, &options);
    goalstream::store::drop_schema(&support::db_config(), &schema).await.unwrap();

    result.unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_consumer_fails_when_no_kill_lands_mid_flush() {
    without_fault(Scenario::KillConsumer, chaos::kill_consumer::KILLED_MID_FLUSH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebalance_fails_when_the_kill_misses_the_revoke() {
    without_fault(Scenario::Rebalance, chaos::rebalance::KILLED_DURING_REVOKE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_fails_when_consumption_never_stopped() {
    without_fault(Scenario::BrokerRestart, chaos::broker_restart::CONSUMPTION_STOPPED).await;
}
