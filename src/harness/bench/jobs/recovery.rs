//! Dead-worker recovery: a worker claims a job whose handler hangs, then dies (every task
//! stops, nothing is written: [`WorkerPool::crash`]). A second process-like worker's rescuer
//! puts the job back once the dead worker's heartbeat is 3 intervals old, and that worker
//! completes it. Timed from the death to the durable completion, in heartbeat intervals.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::mpsc;

use super::{noop, result, Bench, JobsResult, Noop, PHASE_TIMEOUT};
use crate::jobs::handler::{Handler, HandlerFuture, Registry};
use crate::jobs::service::JobService;
use crate::jobs::worker::WorkerPool;
use crate::store::jobs;
use crate::types::{ClaimedJob, JobState};

/// Deaths timed.
const SAMPLES: usize = 3;

/// Never finishes (within the bench).
struct Hang;

impl Handler for Hang {
    fn kind(&self) -> &str {
        "noop"
    }

    fn timeout(&self) -> Duration {
        PHASE_TIMEOUT
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async {
            tokio::time::sleep(PHASE_TIMEOUT).await;
            Ok(())
        })
    }
}

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let heartbeat = Duration::from_millis(bench.args.heartbeat_ms);
    let mut worst: f64 = 0.0;
    for _ in 0..SAMPLES {
        bench.empty().await?;
        let client = bench.pool.get().await?;
        let id = jobs::enqueue(&client, &bench.settings, &[noop()]).await?[0].expect("created");
        let mut doomed = bench.worker(1);
        doomed.heartbeat_interval = heartbeat;
        let doomed =
            WorkerPool::start(doomed, bench.pool.clone(), Registry::new().register(Hang)).await?;
        wait_for_state(&client, id, JobState::Running).await?;
        // Die somewhere between two heartbeats, as a real crash would.
        tokio::time::sleep(heartbeat.mul_f64(rand::random::<f64>())).await;
        doomed.crash();
        let died = Instant::now();
        let mut rescuing = bench.worker(1);
        rescuing.heartbeat_interval = heartbeat;
        let (tx, _starts) = mpsc::unbounded_channel();
        let service =
            JobService::start(rescuing, bench.pool.clone(), Registry::new().register(Noop(tx)))
                .await?;
        wait_for_state(&client, id, JobState::Completed).await?;
        let intervals = died.elapsed().as_secs_f64() / heartbeat.as_secs_f64();
        eprintln!("  recovered after {intervals:.2} heartbeat intervals");
        worst = worst.max(intervals);
        service.shutdown(Duration::from_secs(5)).await;
    }
    Ok(vec![result("dead_worker_recovery_max", worst, "heartbeats", Some(3.0))])
}

async fn wait_for_state(
    client: &deadpool_postgres::Client,
    id: i64,
    state: JobState,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + PHASE_TIMEOUT;
    while jobs::state_of(client, id).await? != Some(state) {
        anyhow::ensure!(Instant::now() < deadline, "job {id} never became {state}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
