//! A flood of malformed events mixed with good ones: every bad one must land in dead_letters
//! exactly once (by its topic position), every good one must be applied, and the consumer
//! must keep going.

use std::collections::BTreeSet;
use std::time::Duration;

use super::stage::{start_pipeline, ChaosReport, Stage};
use super::Options;
use crate::telemetry::IngestStats;

/// Share of malformed events.
const BAD_RATIO: f64 = 0.3;

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let (pipeline, stats) = start_pipeline(stage, stage.pool.clone(), 2).await?;
    let events = options.rate * options.seconds;
    let producing = stage.produce(events, options.rate, options.users, BAD_RATIO)?;
    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(60)).await;
    let consumed = IngestStats::get(&stats.consumed);
    let clean = pipeline.shutdown(Duration::from_secs(30)).await;

    let dead: Vec<(i32, i64)> = stage.dead_letters().await?;
    let dead_set: BTreeSet<(i32, i64)> = dead.iter().copied().collect();
    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "malformed-flood", &produced, verdict, stored);
    report.detail("malformed_produced", produced.malformed.len() as u64);
    report.detail("dead_letters", dead.len() as u64);
    report.detail("consumed", consumed);
    report.check("every malformed event dead-lettered", produced.malformed.is_subset(&dead_set));
    report.check(
        "nothing else dead-lettered, nothing twice",
        dead.len() == produced.malformed.len() && dead_set.len() == dead.len(),
    );
    report.check("the consumer read every event", drained && consumed >= produced.events);
    report.check("clean shutdown", clean);
    Ok(report)
}
