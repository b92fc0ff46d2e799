//! Enqueue: bulk (one statement per batch of 1,000 and of 10,000, best of two) and single
//! (one call at a time on one connection).

use std::time::Instant;

use super::{noop, result, Bench, JobsResult};
use crate::harness::bench::percentile_ms;
use crate::store::jobs;
use crate::types::NewJob;

/// Single enqueues timed.
const SINGLE: usize = 2_000;

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let mut results = Vec::new();
    for (name, batch, target) in
        [("bulk_create", 1_000, None), ("bulk_create_best", 10_000, Some(110_000.0))]
    {
        let mut best: f64 = 0.0;
        for _ in 0..2 {
            bench.empty().await?;
            let client = bench.pool.get().await?;
            let jobs_batch: Vec<NewJob> = (0..batch).map(|_| noop()).collect();
            let rounds = bench.args.jobs.div_ceil(batch);
            let started = Instant::now();
            for _ in 0..rounds {
                jobs::enqueue(&client, &bench.settings, &jobs_batch).await?;
            }
            best = best.max((rounds * batch) as f64 / started.elapsed().as_secs_f64());
        }
        results.push(result(name, best, "jobs/s", target));
    }

    bench.empty().await?;
    let client = bench.pool.get().await?;
    let mut times = Vec::with_capacity(SINGLE);
    for _ in 0..SINGLE {
        let t = Instant::now();
        jobs::enqueue(&client, &bench.settings, &[noop()]).await?;
        times.push(t.elapsed());
    }
    results.push(result("single_create_p50", percentile_ms(&times, 50.0), "ms", Some(1.0)));
    results.push(result("single_create_p99", percentile_ms(&times, 99.0), "ms", None));
    Ok(results)
}
