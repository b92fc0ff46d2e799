//! Two consumer processes in one group; the second joins, and the first is SIGKILLed while
//! the revoke that the join started is under way: after the first logged `revoke started`
//! and before it logged `partitions released`. Its flushes sleep between COPY and merge
//! (`--test-flush-delay-ms`), so the revoke's flush lasts long enough to be hit. The first's
//! own log is the evidence; the scenario fails when the kill missed the revoke. The survivor
//! takes every partition over from the stored offsets.

use std::time::{Duration, Instant};

use super::stage::{ChaosReport, Stage};
use super::{spawn_consumer, wait_assigned, Options};

/// Log line at the start of a revoke, before the workers flush (ingest::context).
const REVOKE_STARTED: &str = "revoke started";
/// Log line at the end of a revoke (telemetry::events).
const REVOKED: &str = "partitions released";
/// Sleep inside the first consumer's flushes: the revoke's flush takes at least this long
/// (below the children's 3 s revoke timeout).
const FLUSH_DELAY_MS: u64 = 1_500;
/// Shortest production: the first consumer still has records to flush at the revoke.
const MIN_SECONDS: u64 = 15;
/// Longest wait for the revoke after the second consumer started.
const REVOKE_WAIT: Duration = Duration::from_secs(20);
/// The check that proves the fault.
pub const KILLED_DURING_REVOKE: &str =
    "the first consumer was SIGKILLed during its revoke (after `revoke started`, before `partitions released`)";

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    // Production must outlast the second consumer's join (several seconds on a busy machine):
    // a revoke with nothing left to flush is over at once and cannot be hit.
    let events = options.rate * options.seconds.max(MIN_SECONDS);
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    let first = spawn_consumer(stage, options, "first", FLUSH_DELAY_MS)?;
    stage.wait_progress(options.rate as i64, Duration::from_secs(60)).await?;
    let (starts_before, revokes_before) =
        (first.log_count(REVOKE_STARTED), first.log_count(REVOKED));
    let second = spawn_consumer(stage, options, "second", 0)?;
    let joined = Instant::now();
    let mut revoke_seen = false;
    while joined.elapsed() < REVOKE_WAIT {
        if first.log_count(REVOKE_STARTED) > starts_before {
            revoke_seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed_after = joined.elapsed();
    // The evidence is read after the kill: the revoke had started and had not finished.
    let log = first.log.clone();
    let first = match options.inject_fault {
        true => {
            first.kill()?;
            tracing::warn!(?killed_after, revoke_seen, "chaos: first consumer SIGKILLed");
            None
        }
        false => Some(first),
    };
    let count = |needle: &str| {
        std::fs::read_to_string(&log)
            .map(|text| text.lines().filter(|l| l.contains(needle)).count())
            .unwrap_or(0)
    };
    let revoke_started = count(REVOKE_STARTED) > starts_before;
    let revoke_finished = count(REVOKED) > revokes_before;
    let during_revoke = first.is_none() && revoke_started && !revoke_finished;

    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(120)).await;
    wait_assigned(&second, Duration::from_secs(30)).await?;
    let exit = second.terminate(Duration::from_secs(30)).await?;
    if let Some(first) = first {
        first.terminate(Duration::from_secs(30)).await?;
    }

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "rebalance", &produced, verdict, stored);
    report.detail("killed_after_join_s", killed_after.as_secs_f64());
    report.detail("revoke_started_before_kill", revoke_started);
    report.detail("revoke_finished_before_kill", revoke_finished);
    report.detail("first_consumer_log", log.display().to_string());
    report.check(KILLED_DURING_REVOKE, during_revoke);
    report.check("the survivor took over every partition", drained);
    report.check("the survivor stopped cleanly on SIGTERM", exit.is_some_and(|s| s.success()));
    Ok(report)
}
