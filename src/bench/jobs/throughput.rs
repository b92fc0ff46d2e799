//! Claim + complete: N pre-enqueued no-op jobs drained by one worker pool, timed from the
//! first handler start until every job is durably completed (history on), best of two. Then
//! the same after `--after-completions` jobs went through the queue, to show that completed
//! rows piling up (until the cleaner prunes them) do not slow claims down.

use std::time::{Duration, Instant};

use super::{noop, result, Bench, JobsResult, PHASE_TIMEOUT};
use crate::store::jobs;

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let n = bench.args.jobs;
    let mut best: f64 = 0.0;
    for _ in 0..2 {
        bench.empty().await?;
        best = best.max(drain(bench, n, 0).await?);
    }
    let mut results = vec![result("claim_complete", best, "jobs/s", Some(55_000.0))];

    let after = bench.args.after_completions;
    if after > 0 {
        bench.empty().await?;
        let rate = drain(bench, after, 0).await?;
        eprintln!("  ({after} jobs through the queue at {rate:.0} jobs/s)");
        let rate = drain(bench, n, after as i64).await?;
        results.push(result(&format!("claim_complete_after_{after}"), rate, "jobs/s", None));
        results.push(result(
            &format!("claim_complete_after_{after}_vs_fresh"),
            rate / best,
            "ratio",
            None,
        ));
    }
    Ok(results)
}

/// Enqueues `n` jobs (vacuumed, history emptied, as the peer does), drains them with a worker
/// pool and returns the rate; `completed_before` jobs are already completed in the table.
async fn drain(bench: &Bench, n: usize, completed_before: i64) -> anyhow::Result<f64> {
    bench.backlog(n, |_| noop()).await?;
    jobs::truncate_history_only(&bench.pool.get().await?).await?;
    let (workers, mut starts) = bench.noop_workers(bench.worker(bench.args.concurrency)).await?;
    let first: Instant =
        tokio::time::timeout(PHASE_TIMEOUT, starts.recv()).await?.expect("a handler starts");
    bench.until_drained("claim_complete").await?;
    let completed = jobs::count_in_state(&bench.pool.get().await?, "completed").await?;
    anyhow::ensure!(
        completed == completed_before + n as i64,
        "expected {} completed jobs, found {completed}",
        completed_before + n as i64
    );
    let rate = n as f64 / first.elapsed().as_secs_f64();
    workers.shutdown(Duration::from_secs(10)).await;
    Ok(rate)
}
