//! Claim + complete: N pre-enqueued no-op jobs drained by one worker pool, timed from the
//! first handler start until every job is durably completed (with its history: the completed
//! row is the record of the attempt, view `job_history`), best of two. Then the same after
//! `--after-completions` jobs went through the queue, to show that completed rows piling up
//! (until the cleaner prunes them) do not slow claims down.

use std::time::{Duration, Instant};

use super::{noop, result, Bench, JobsResult, PHASE_TIMEOUT};
use crate::store::jobs;
use crate::telemetry::{self, labels::Statement};
use crate::types::JobState;

/// Scenario name of the ratio the perf gate judges: claim + complete with the configured
/// slots over the single-slot drain.
pub(super) const VS_SINGLE_SLOT: &str = "claim_complete_vs_single_slot";
/// Jobs of the single-slot baseline (at most; fewer when `--jobs` is smaller).
const SINGLE_SLOT_JOBS: usize = 2_000;

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let n = bench.args.jobs;
    let mut best: f64 = 0.0;
    for _ in 0..2 {
        bench.empty().await?;
        best = best.max(drain(bench, n, 0).await?);
    }
    let mut results = vec![result("claim_complete", best, "jobs/s", Some(55_000.0))];

    // The baseline of the perf gate: the same drain by one slot, so every job is claimed and
    // completed on its own (bounded: one slot is slow by design).
    bench.empty().await?;
    let single_jobs = n.min(SINGLE_SLOT_JOBS);
    let single = drain_with(bench, single_jobs, 0, 1).await?;
    results.push(result("claim_complete_single_slot", single, "jobs/s", None));
    results.push(result(VS_SINGLE_SLOT, best / single.max(f64::MIN_POSITIVE), "ratio", None));

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
    drain_with(bench, n, completed_before, bench.args.concurrency).await
}

/// [`drain`] with `slots` handler slots.
async fn drain_with(
    bench: &Bench,
    n: usize,
    completed_before: i64,
    slots: usize,
) -> anyhow::Result<f64> {
    bench.backlog(n, |_| noop()).await?;
    jobs::truncate_history_only(&bench.pool.get().await?).await?;
    let before = Statements::now();
    let cpu_before = Cpu::now();
    let config = bench.worker(slots);
    let (workers, mut starts) = bench.noop_workers(config).await?;
    let first: Instant =
        tokio::time::timeout(PHASE_TIMEOUT, starts.recv()).await?.expect("a handler starts");
    // As the peer does: count handler starts in the process, then poll the database only for
    // the last completions to become durable (a count every few ms during the whole drain
    // would cost Postgres more than the drain's own statements at this rate).
    tokio::time::timeout(PHASE_TIMEOUT, async {
        for _ in 1..n {
            starts.recv().await.expect("the worker runs until shut down");
        }
    })
    .await
    .map_err(|_| {
        anyhow::anyhow!("claim_complete did not start every job within {PHASE_TIMEOUT:?}")
    })?;
    until_none_running(bench).await?;
    let completed = jobs::count_in_state(&bench.pool.get().await?, JobState::Completed).await?;
    anyhow::ensure!(
        completed == completed_before + n as i64,
        "expected {} completed jobs, found {completed}",
        completed_before + n as i64
    );
    let rate = n as f64 / first.elapsed().as_secs_f64();
    Statements::now().report_since(&before, n);
    if let (Some(then), Some(now)) = (cpu_before, Cpu::now()) {
        now.report_since(&then, n);
    }
    workers.shutdown(Duration::from_secs(10)).await;
    Ok(rate)
}

/// Waits until no job is running. Once every job has started, none is available, so this is
/// "every completion committed". Counted through the partial index of running jobs: a count of
/// available jobs too would be planned from statistics taken with the whole backlog available
/// (a parallel scan of the table, tens of ms per poll, competing with the drain it measures).
async fn until_none_running(bench: &Bench) -> anyhow::Result<()> {
    let client = bench.pool.get().await?;
    let deadline = Instant::now() + PHASE_TIMEOUT;
    while jobs::count_in_state(&client, JobState::Running).await? > 0 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "claim_complete did not finish within {PHASE_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

/// Claim and completion statements run so far (count, seconds), from the process's metrics.
struct Statements {
    claims: (u64, f64),
    completions: (u64, f64),
}

impl Statements {
    fn now() -> Self {
        Statements {
            claims: telemetry::statement_totals(Statement::JobsClaim),
            completions: telemetry::statement_totals(Statement::JobsComplete),
        }
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

/// CPU time (Linux /proc): this process's and the whole machine's busy time, in seconds.
struct Cpu {
    own: f64,
    machine: f64,
    steal: f64,
}

impl Cpu {
    fn now() -> Option<Cpu> {
        // Clock ticks: 100 per second on every Linux this runs on (USER_HZ).
        const TICK: f64 = 0.01;
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
        let fields: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
        let own =
            (fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?) * TICK;
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<f64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal: busy = all but idle, iowait and
        // steal (time the hypervisor gave to other machines: noise, reported apart).
        let busy = cpu.iter().take(7).sum::<f64>() - cpu.get(3)? - cpu.get(4)?;
        Some(Cpu { own, machine: busy * TICK, steal: cpu.get(7)? * TICK })
    }

    /// Prints the CPU spent per job since `before`: by this process (claims, handlers,
    /// completions on the client side) and by everything else (Postgres, mostly).
    fn report_since(&self, before: &Cpu, jobs: usize) {
        let per_job = |seconds: f64| seconds * 1e6 / jobs as f64;
        let own = per_job(self.own - before.own);
        let machine = per_job(self.machine - before.machine);
        let steal = per_job(self.steal - before.steal);
        eprintln!(
            "  (CPU per job: {machine:.1} µs on the machine, of which goalstream {own:.1} µs, the rest {:.1} µs; {steal:.1} µs stolen by the hypervisor)",
            machine - own
        );
    }
}
