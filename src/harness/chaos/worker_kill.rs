//! A job worker process is SIGKILLed while its job runs. The rescuer (here in the scenario,
//! every tenth of a heartbeat) must put the job back within 3 heartbeat intervals of the
//! worker's silence; a second worker then completes it. The history must show the job
//! completed exactly once, by the attempt after the rescue.
//!
//! The worker processes are `goalstream chaos-worker` (hidden): a worker pool whose one
//! handler, `chaos.sleep`, sleeps for the job's `ms` argument.

use std::time::{Duration, Instant};

use serde_json::json;

use super::process::Process;
use super::stage::{ChaosReport, Stage};
use super::Options;
use crate::harness::store::checks;
use crate::jobs::handler::{Handler, HandlerFuture, Registry};
use crate::jobs::maintenance::rescuer::{self, Rescuer};
use crate::jobs::worker::{WorkerConfig, WorkerPool};
use crate::store::jobs;
use crate::types::{ClaimedJob, JobState, NewJob, QueueSettings, DEFAULT_QUEUE};

/// The job kind of the scenario.
pub const KIND: &str = "chaos.sleep";

/// Sleeps for the job's `ms` argument.
#[derive(Debug, Clone, Copy)]
pub struct SleepHandler;

impl Handler for SleepHandler {
    fn kind(&self) -> &str {
        KIND
    }

    fn run<'a>(
        &'a self,
        job: &'a ClaimedJob,
        _pool: &'a deadpool_postgres::Pool,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let ms = job.args["ms"].as_u64().unwrap_or(1_000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(())
        })
    }
}

/// The body of `goalstream chaos-worker`: a worker pool running [`SleepHandler`] until
/// SIGTERM (then a graceful shutdown).
pub async fn serve(pool: deadpool_postgres::Pool, heartbeat: Duration) -> anyhow::Result<()> {
    let mut config = WorkerConfig::new(vec![DEFAULT_QUEUE.to_string()], 4);
    config.heartbeat_interval = heartbeat;
    config.poll_interval = Duration::from_millis(50);
    let worker = WorkerPool::start(config, pool, Registry::new().register(SleepHandler)).await?;
    tracing::info!(worker = worker.id(), "chaos worker running");
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    terminate.recv().await;
    worker.shutdown(Duration::from_secs(10)).await;
    Ok(())
}

/// Runs the scenario.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let heartbeat = Duration::from_millis(options.heartbeat_ms);
    let client = stage.pool.get().await?;
    let job = NewJob::new(KIND, json!({ "ms": options.job_ms }));
    let id = jobs::enqueue(&client, &QueueSettings::default(), &[job]).await?[0]
        .ok_or_else(|| anyhow::anyhow!("the job was not enqueued"))?;

    let first = spawn_worker(stage, options, "worker-1")?;
    wait_state(stage, id, JobState::Running, Duration::from_secs(30)).await?;
    // Mid-job: a third of the way in.
    tokio::time::sleep(Duration::from_millis(options.job_ms / 3)).await;
    first.kill()?;
    let killed = Instant::now();
    tracing::warn!(job = id, "chaos: worker SIGKILLed mid-job");

    let rescuer =
        Rescuer::new(rescuer::Config { heartbeat_interval: heartbeat }, stage.pool.clone());
    let rescue_limit = heartbeat * 3 + Duration::from_secs(10);
    let rescued_after = loop {
        if rescuer.run_once().await?.contains(&id) {
            break killed.elapsed();
        }
        anyhow::ensure!(
            killed.elapsed() < rescue_limit,
            "job {id} not rescued within {rescue_limit:?}"
        );
        tokio::time::sleep(heartbeat / 10).await;
    };
    tracing::info!(?rescued_after, "chaos: job rescued");
    let second = spawn_worker(stage, options, "worker-2")?;
    let job_time = Duration::from_millis(options.job_ms);
    wait_state(stage, id, JobState::Completed, job_time * 3 + Duration::from_secs(30)).await?;
    let completed_after = killed.elapsed();
    let exit = second.terminate(Duration::from_secs(20)).await?;
    // A late completion of the killed attempt would show up here.
    tokio::time::sleep(heartbeat).await;
    let history = checks::job_history(&client, id).await?;

    let completions: Vec<i32> =
        history.iter().filter(|(_, o)| o == "completed").map(|(a, _)| *a).collect();
    let mut report = ChaosReport {
        scenario: "worker-kill".into(),
        events: 0,
        stored_offsets: 0,
        lost: 0,
        duplicated: 0,
        verdict: Default::default(),
        checks: Default::default(),
        details: Default::default(),
        elapsed_s: stage.started.elapsed().as_secs_f64(),
    };
    // The worker fell silent at its last heartbeat, before the kill; the rescuer runs every
    // tenth of a heartbeat.
    let bound = heartbeat * 3 + heartbeat / 10 + Duration::from_millis(100);
    report.detail("heartbeat_ms", options.heartbeat_ms);
    report.detail("rescued_after_kill_ms", rescued_after.as_millis() as u64);
    report.detail("completed_after_kill_ms", completed_after.as_millis() as u64);
    report.detail(
        "history",
        history.iter().map(|(a, o)| format!("attempt {a}: {o}")).collect::<Vec<_>>(),
    );
    report.check("rescued within 3 heartbeats (+ one rescuer round)", rescued_after <= bound);
    report.check("completed exactly once", completions.len() == 1);
    report.check(
        "completed by the attempt after the rescue",
        completions.first().is_some_and(|a| *a >= 2),
    );
    report.check("the second worker stopped cleanly", exit.is_some_and(|s| s.success()));
    Ok(report)
}

fn spawn_worker(stage: &Stage, options: &Options, name: &str) -> anyhow::Result<Process> {
    let args = vec![
        "chaos-worker".to_string(),
        "--heartbeat-ms".to_string(),
        options.heartbeat_ms.to_string(),
    ];
    Process::spawn(
        &options.bin,
        &args,
        &[("DATABASE_URL", stage.child_database_url())],
        options.log_dir.join(format!("{}-{name}.log", stage.schema)),
    )
}

async fn wait_state(
    stage: &Stage,
    id: i64,
    state: JobState,
    timeout: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let now = jobs::state_of(&stage.pool.get().await?, id).await?;
        if now == Some(state) {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < timeout,
            "job {id} not {state} within {timeout:?} (it is {now:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
