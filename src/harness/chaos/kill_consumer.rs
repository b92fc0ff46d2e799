//! SIGKILL the consumer process mid-flush, repeatedly, and restart it each time. The consumer's
//! flushes sleep between their COPY and their merge (`--test-flush-delay-ms`), and each kill
//! follows a fresh `flush staged` line (the COPY is done), so it lands before that flush's
//! COMMIT. The evidence is the killed process's own log: a worker whose last flush was staged
//! and never committed. The scenario fails unless at least one kill landed there. The restarted
//! consumer resumes from the offsets stored with the data: nothing lost, nothing applied twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::stage::{ChaosReport, Stage};
use super::{spawn_consumer, wait_assigned, Options, FLUSH_COMMITTED, FLUSH_STAGED};

/// Sleep between COPY and merge in every flush of the consumer: the window the kills aim at.
const FLUSH_DELAY_MS: u64 = 500;
/// Longest wait for a fresh staged flush before a kill.
const STAGED_WAIT: Duration = Duration::from_secs(30);
/// The check that proves the fault.
pub const KILLED_MID_FLUSH: &str =
    "at least one SIGKILL landed between a flush's COPY and its COMMIT (the consumer's log)";

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    // Long enough for every kill to land mid-stream: a takeover costs a session timeout.
    let seconds = options.seconds.max(8 * u64::from(options.kills) + 6);
    let events = options.rate * seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    let mut consumer = spawn_consumer(stage, options, "consumer-0", FLUSH_DELAY_MS)?;
    let mut kills = Vec::new();
    let mut mid_flush = 0;
    for kill in 1..=options.kills {
        // Fresh progress by this consumer: it is flushing now.
        let before = stage.stored().await.max(0);
        stage.wait_progress(before + (options.rate / 2) as i64, Duration::from_secs(60)).await?;
        // Then the next COPY done: its COMMIT is at least FLUSH_DELAY_MS away.
        let staged = consumer.log_count(FLUSH_STAGED);
        let waited = Instant::now();
        while consumer.log_count(FLUSH_STAGED) == staged && waited.elapsed() < STAGED_WAIT {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let at = stage.stored().await;
        let log = consumer.log.clone();
        if options.inject_fault {
            consumer.kill()?;
            tracing::warn!(kill, stored = at, "chaos: consumer SIGKILLed");
        } else {
            consumer.terminate(Duration::from_secs(30)).await?;
        }
        let uncommitted = uncommitted_workers(&log);
        if !uncommitted.is_empty() {
            mid_flush += 1;
        }
        kills.push(serde_json::json!({
            "kill": kill,
            "t_s": stage.started.elapsed().as_secs_f64(),
            "durable_at_kill": at,
            "workers_staged_not_committed": uncommitted,
            "log": log.display().to_string(),
        }));
        consumer = spawn_consumer(stage, options, &format!("consumer-{kill}"), FLUSH_DELAY_MS)?;
    }
    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(120)).await;
    wait_assigned(&consumer, Duration::from_secs(30)).await?;
    let exit = consumer.terminate(Duration::from_secs(30)).await?;

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "kill-consumer", &produced, verdict, stored);
    report.detail("kills", serde_json::Value::Array(kills));
    report.detail("kills_between_copy_and_commit", mid_flush);
    report.check(KILLED_MID_FLUSH, mid_flush > 0);
    report.check(&format!("{} SIGKILLs survived", options.kills), drained);
    report.check("the last consumer stopped cleanly on SIGTERM", exit.is_some_and(|s| s.success()));
    Ok(report)
}

/// Flush workers whose last flush in `log` was staged (COPY done) and never committed.
pub fn uncommitted_workers(log: &Path) -> Vec<u32> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut last: BTreeMap<u32, bool> = BTreeMap::new();
    for line in text.lines() {
        let staged = line.contains(FLUSH_STAGED);
        if !staged && !line.contains(FLUSH_COMMITTED) {
            continue;
        }
        if let Some(worker) = worker_of(line) {
            last.insert(worker, staged);
        }
    }
    last.into_iter().filter(|(_, staged)| *staged).map(|(worker, _)| worker).collect()
}

/// The `worker=N` field of the flush span in a text log line.
fn worker_of(line: &str) -> Option<u32> {
    let at = line.find("worker=")? + "worker=".len();
    let digits: String = line[at..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
