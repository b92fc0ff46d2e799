//! The broker goes down mid-stream and comes back with its log. The producer and the consumer
//! reconnect; the pipeline resumes at the right offsets: nothing lost, nothing applied twice.
//! The pipeline's own consumed-records counter proves the outage: it must stand still over
//! the outage once the records fetched before it are handed over (the first second), and move
//! again after; the scenario fails otherwise.
//!
//! By default on the in-process mock cluster: `broker_down` / `broker_up` close every
//! connection and refuse new ones, its log kept, as a restarted broker looks to its clients.
//! With `--brokers`, on a real tansu started by `scripts/kafka-up.sh --persistent`: the broker
//! process is killed with SIGKILL and started again on its storage ([`BrokerProcess`]). tansu is
//! not crash-safe there (the batch it was writing when killed can be lost although
//! acknowledged, or written twice, or leave a gap in the offsets), so the verdict is taken
//! against what its log holds afterwards ([`log_readback`]): every message in the log applied
//! exactly once. What the broker lost or doubled is reported beside it.

use std::time::Duration;

use super::broker_process::BrokerProcess;
use super::log_readback;
use super::stage::{start_pipeline, ChaosReport, Stage, EVERY_EVENT_DURABLE};
use super::Options;
use crate::telemetry::IngestStats;

/// Time for the records fetched before the outage to reach the pipeline.
const FETCHED_DRAIN: Duration = Duration::from_secs(1);
/// The check that proves the fault.
pub const CONSUMPTION_STOPPED: &str =
    "consumption stopped while the broker was down (consumed counter still after the first second)";

/// Runs the scenario: the outage starts after a third of the production time.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let process = match stage.broker.in_process {
        true => None,
        false => Some(BrokerProcess::find(&stage.broker.bootstrap, options.kafka_up.clone())?),
    };
    let (pipeline, stats) = start_pipeline(stage, stage.pool.clone(), 2).await?;
    let events = options.rate * options.seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    tokio::time::sleep(Duration::from_secs(options.seconds / 3)).await;
    let consumed_at_down = IngestStats::get(&stats.consumed);
    if options.inject_fault {
        match &process {
            Some(process) => process.kill().await?,
            None => stage.broker.take_down()?,
        }
        tracing::warn!(
            outage_s = options.outage_s,
            killed = process.is_some(),
            "chaos: broker down"
        );
    }
    let outage = Duration::from_secs(options.outage_s);
    tokio::time::sleep(FETCHED_DRAIN.min(outage / 2)).await;
    let consumed_after_drain = IngestStats::get(&stats.consumed);
    tokio::time::sleep(outage.saturating_sub(FETCHED_DRAIN.min(outage / 2))).await;
    let consumed_at_up = IngestStats::get(&stats.consumed);
    if options.inject_fault {
        match &process {
            Some(process) => process.restart().await?,
            None => stage.broker.bring_up()?,
        }
        tracing::warn!("chaos: broker up");
    }
    let produced = producing.await??;
    // The log as the broker holds it now that production is over (real broker only).
    let log = match process {
        None => None,
        Some(_) => Some(
            log_readback::read(
                &stage.broker.bootstrap,
                &stage.topic,
                stage.partitions,
                Duration::from_secs(3),
                Duration::from_secs(120),
            )
            .await?,
        ),
    };
    let end = log.as_ref().map_or(produced.events, |log| log.end_offsets as u64);
    let drained = stage.wait_stored(end, Duration::from_secs(120)).await;
    let consumed = IngestStats::get(&stats.consumed);
    let clean = pipeline.shutdown(Duration::from_secs(30)).await;

    let mut report = match log {
        None => {
            let (verdict, stored) = stage.verdict(&produced).await?;
            ChaosReport::new(stage, "broker-restart", &produced, verdict, stored)
        }
        Some(log) => {
            let (verdict, stored) = stage.verdict_against(&log.sums).await?;
            let mut report = ChaosReport::new(stage, "broker-restart", &produced, verdict, stored);
            let missing =
                (1..=produced.events).filter(|n| !log.event_ids.contains(&format!("e{n}"))).count();
            report.detail("broker_killed", true);
            report.detail("log_messages", log.messages);
            report.detail("log_events_written_twice", log.repeated_events);
            report.detail("acknowledged_events_missing_from_log", missing);
            report.detail("log_offset_gaps", log.end_offsets - log.messages as i64);
            report.replace_check(
                EVERY_EVENT_DURABLE,
                "every message of the log durable (stored offsets = end of the log)",
                stored == log.end_offsets,
            );
            report
        }
    };
    report.detail("outage_s", options.outage_s);
    report.detail("consumed_at_down", consumed_at_down);
    report.detail("consumed_after_drain", consumed_after_drain);
    report.detail("consumed_at_up", consumed_at_up);
    report.detail("consumed_total", consumed);
    report.check(CONSUMPTION_STOPPED, consumed_at_up == consumed_after_drain);
    report.check("consumption moved again after the outage", consumed > consumed_at_up);
    report.detail("duplicates_skipped", IngestStats::get(&stats.skipped_duplicates));
    report.check("consumption resumed after the broker came back", drained);
    report.check("clean shutdown", clean);
    Ok(report)
}
