//! Two consumer processes in one group; the second joins, and the first is SIGKILLed while
//! the rebalance that the join started is under way (at its first revoke, or 5 s after the
//! join at the latest). The survivor takes every partition over from the stored offsets.

use std::time::{Duration, Instant};

use super::stage::{ChaosReport, Stage};
use super::{spawn_consumer, wait_assigned, Options};

/// Log line of a revoke (ingest::context).
const REVOKED: &str = "partitions released";

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let events = options.rate * options.seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    let first = spawn_consumer(stage, options, "first")?;
    stage.wait_progress(options.rate as i64, Duration::from_secs(60)).await?;
    let revokes_before = first.log_count(REVOKED);
    let second = spawn_consumer(stage, options, "second")?;
    let joined = Instant::now();
    let mut during_revoke = false;
    while joined.elapsed() < Duration::from_secs(5) {
        if first.log_count(REVOKED) > revokes_before {
            during_revoke = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed_after = joined.elapsed();
    first.kill()?;
    tracing::warn!(?killed_after, during_revoke, "chaos: first consumer SIGKILLed");

    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(120)).await;
    wait_assigned(&second, Duration::from_secs(30)).await?;
    let exit = second.terminate(Duration::from_secs(30)).await?;

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "rebalance", &produced, verdict, stored);
    report.detail("killed_after_join_s", killed_after.as_secs_f64());
    report.detail("killed_during_revoke", during_revoke);
    report.check("the survivor took over every partition", drained);
    report.check("the survivor stopped cleanly on SIGTERM", exit.is_some_and(|s| s.success()));
    Ok(report)
}
