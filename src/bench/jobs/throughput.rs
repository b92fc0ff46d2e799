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
    let before = Statements::now();
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
    Statements::now().report_since(&before, n);
    workers.shutdown(Duration::from_secs(10)).await;
    Ok(rate)
}

/// Claim and completion statements run so far (count, seconds), from the process's metrics.
struct Statements {
    claims: (u64, f64),
    completions: (u64, f64),
}

impl Statements {
    fn now() -> Self {
        let of = |name: &str| {
            let histogram =
                crate::metrics::global().db_statement_duration.with_label_values(&[name]);
            (histogram.get_sample_count(), histogram.get_sample_sum())
        };
        Statements { claims: of("jobs.claim"), completions: of("jobs.complete") }
    }

    /// Prints how many statements claimed and completed `jobs` jobs since `before`, and their
    /// mean batch and duration: where the time went.
    fn report_since(&self, before: &Statements, jobs: usize) {
        let line = |what: &str, now: (u64, f64), then: (u64, f64)| {
            let (count, seconds) = (now.0 - then.0, now.1 - then.1);
            let per = |x: f64| if count == 0 { 0.0 } else { x / count as f64 };
            format!(
                "{count} {what} statements, {:.0} jobs and {:.2} ms each",
                per(jobs as f64),
                per(seconds * 1e3)
            )
        };
        eprintln!(
            "  ({}; {})",
            line("claim", self.claims, before.claims),
            line("completion", self.completions, before.completions)
        );
    }
}
