//! Latency: the lifecycle of one job at a time on an idle, listening worker (enqueue → handler
//! start, enqueue → durable completion), and the claim of one job at queue depths up to 1M with
//! aging and fairness on (7 tenants, priorities 1–5 mixed).

use std::time::{Duration, Instant};

use super::{noop, result, Bench, JobsResult, PHASE_TIMEOUT};
use crate::harness::bench::percentile_ms;
use crate::store::jobs;
use crate::types::{JobState, DEFAULT_QUEUE};

/// Claims timed per depth at most.
const CLAIM_SAMPLES: usize = 200;

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let mut results = lifecycle(bench).await?;
    for &depth in &bench.args.depths {
        bench.empty().await?;
        bench
            .backlog(depth, |i| {
                noop().for_tenant(format!("t{}", i % 7)).with_priority((i % 5 + 1) as i16)
            })
            .await?;
        let client = bench.pool.get().await?;
        let mut times = Vec::new();
        for _ in 0..depth.min(CLAIM_SAMPLES) {
            let t = Instant::now();
            jobs::claim(&client, DEFAULT_QUEUE, 1, "bench").await?;
            times.push(t.elapsed());
        }
        let target = match depth {
            50 => Some(5.0),
            1_000_000 => Some(10.0),
            _ => None,
        };
        results.push(result(
            &format!("claim_p99_depth_{depth}"),
            percentile_ms(&times, 99.0),
            "ms",
            target,
        ));
    }
    Ok(results)
}

async fn lifecycle(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    bench.empty().await?;
    let (workers, mut starts) = bench.noop_workers(bench.worker(bench.args.concurrency)).await?;
    let client = bench.pool.get().await?;
    // Let the listener connect before the first sample.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut to_start, mut to_durable) = (Vec::new(), Vec::new());
    for _ in 0..bench.args.samples {
        let t = Instant::now();
        let id = jobs::enqueue(&client, &bench.settings, &[noop()]).await?[0].expect("created");
        let started = tokio::time::timeout(PHASE_TIMEOUT, starts.recv()).await?.expect("runs");
        to_start.push(started - t);
        while jobs::state_of(&client, id).await? != Some(JobState::Completed) {
            anyhow::ensure!(
                t.elapsed() < PHASE_TIMEOUT,
                "job {id} did not complete within {PHASE_TIMEOUT:?}"
            );
        }
        to_durable.push(t.elapsed());
    }
    workers.shutdown(Duration::from_secs(5)).await;
    Ok(vec![
        result("lifecycle_start_p50", percentile_ms(&to_start, 50.0), "ms", None),
        result("lifecycle_durable_p50", percentile_ms(&to_durable, 50.0), "ms", Some(4.0)),
        result("lifecycle_durable_p99", percentile_ms(&to_durable, 99.0), "ms", Some(9.0)),
    ])
}
