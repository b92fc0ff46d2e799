//! SIGKILL the consumer process mid-flush, repeatedly, and restart it each time. Flushes run
//! every 100 ms, so a kill at a random moment after fresh progress usually lands in or around
//! one. The restarted consumer resumes from the offsets stored with the data: nothing lost,
//! nothing applied twice.

use std::time::Duration;

use rand::Rng;

use super::stage::{ChaosReport, Stage};
use super::{spawn_consumer, wait_assigned, Options};

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    // Long enough for every kill to land mid-stream: a takeover costs a session timeout.
    let seconds = options.seconds.max(8 * u64::from(options.kills) + 6);
    let events = options.rate * seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.001)?;
    let mut consumer = spawn_consumer(stage, options, "consumer-0")?;
    let mut kills = Vec::new();
    for kill in 1..=options.kills {
        // Fresh progress by this consumer: it is flushing right now.
        let before = stage.stored().await.max(0);
        stage.wait_progress(before + (options.rate / 2) as i64, Duration::from_secs(60)).await?;
        let jitter = rand::rng().random_range(0..100);
        tokio::time::sleep(Duration::from_millis(jitter)).await;
        let at = stage.stored().await;
        consumer.kill()?;
        tracing::warn!(kill, stored = at, "chaos: consumer SIGKILLed");
        kills.push(serde_json::json!({"kill": kill, "t_s": stage.started.elapsed().as_secs_f64(), "durable_at_kill": at}));
        consumer = spawn_consumer(stage, options, &format!("consumer-{kill}"))?;
    }
    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(120)).await;
    wait_assigned(&consumer, Duration::from_secs(30)).await?;
    let exit = consumer.terminate(Duration::from_secs(30)).await?;

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "kill-consumer", &produced, verdict, stored);
    report.detail("kills", serde_json::Value::Array(kills));
    report.check(&format!("{} SIGKILLs survived", options.kills), drained);
    report.check("the last consumer stopped cleanly on SIGTERM", exit.is_some_and(|s| s.success()));
    Ok(report)
}
