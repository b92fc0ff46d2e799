//! The broker goes down mid-stream (every connection closed, new ones refused, its log kept)
//! and comes back, as a restarted broker with persistent storage looks to its clients. The
//! producer and the consumer reconnect; the pipeline resumes at the right offsets: nothing
//! lost, nothing applied twice.
//!
//! Runs on the in-process mock cluster (`broker_down` / `broker_up`). With tansu, a real
//! restart needs its Postgres storage engine (`--storage-engine postgres://…`); memory storage
//! loses the topic (docs/BENCHMARKS.md, chaos).

use std::time::Duration;

use super::stage::{start_pipeline, ChaosReport, Stage};
use super::Options;
use crate::ingest::stats::IngestStats;

/// Runs the scenario: the outage starts after a third of the production time.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let (pipeline, stats) = start_pipeline(stage, stage.pool.clone(), 2).await?;
    let events = options.rate * options.seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    tokio::time::sleep(Duration::from_secs(options.seconds / 3)).await;
    let consumed_at_down = IngestStats::get(&stats.consumed);
    stage.broker.take_down()?;
    tracing::warn!(outage_s = options.outage_s, "chaos: broker down");
    tokio::time::sleep(Duration::from_secs(options.outage_s)).await;
    let consumed_at_up = IngestStats::get(&stats.consumed);
    stage.broker.bring_up()?;
    tracing::warn!("chaos: broker up");
    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(120)).await;
    let consumed = IngestStats::get(&stats.consumed);
    let clean = pipeline.shutdown(Duration::from_secs(30)).await;

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "broker-restart", &produced, verdict, stored);
    report.detail("outage_s", options.outage_s);
    report.detail("consumed_at_down", consumed_at_down);
    report.detail("consumed_at_up", consumed_at_up);
    report.detail("consumed_total", consumed);
    report.detail("duplicates_skipped", IngestStats::get(&stats.skipped_duplicates));
    report.check("consumption resumed after the broker came back", drained);
    report.check("clean shutdown", clean);
    Ok(report)
}
