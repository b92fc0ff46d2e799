//! `goalstream bench jobs`: the job queue on seed 000's scenarios, with graphile-worker's
//! protocol (same N, empty table between phases, first start → all durable, best of two), in a
//! scratch schema; `--peer` runs the peer (../shared/peers/graphile-worker/run.sh) in the same
//! invocation and prints the ratios.

use std::time::{Duration, Instant};

use clap::Args;
use deadpool_postgres::Pool;
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::percentile_ms;
use crate::db::{self, DbConfig};
use crate::jobs::handler::{Handler, HandlerFuture, Registry};
use crate::jobs::worker::{WorkerConfig, WorkerPool};
use crate::jobs::{ClaimedJob, JobGraph, NewJob, Parent, QueueSettings};
use crate::store::{admin, jobs, migrate};

/// Bound on every timed phase: a bench never hangs.
const PHASE_TIMEOUT: Duration = Duration::from_secs(120);
/// Scratch schema, dropped at the end.
pub const SCHEMA: &str = "goalstream_bench_jobs";

/// Options of `goalstream bench jobs`.
#[derive(Debug, Clone, Args)]
pub struct JobsBenchArgs {
    /// Jobs for the throughput scenarios (the peer's N).
    #[arg(long, default_value_t = 100_000)]
    pub jobs: usize,
    /// Handlers running at once (the peer's concurrency).
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Latency samples.
    #[arg(long, default_value_t = 500)]
    pub samples: usize,
    /// Also run the graphile-worker peer (path to its run.sh) and print ratios.
    #[arg(long)]
    pub peer: Option<std::path::PathBuf>,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct JobsResult {
    /// Scenario name (shared with the peer's).
    pub scenario: String,
    /// Measured value.
    pub value: f64,
    /// Unit of `value`.
    pub unit: &'static str,
    /// The target, when it has one.
    pub target: Option<f64>,
}

fn result(scenario: &str, value: f64, unit: &'static str, target: Option<f64>) -> JobsResult {
    JobsResult { scenario: scenario.into(), value, unit, target }
}

struct Noop(mpsc::UnboundedSender<Instant>);

impl Handler for Noop {
    fn kind(&self) -> &str {
        "noop"
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        let _ = self.0.send(Instant::now());
        Box::pin(async { Ok(()) })
    }
}

fn noop() -> NewJob {
    NewJob::new("noop", json!({}))
}

/// Runs the scenarios and prints the report.
pub async fn run(database_url: &str, args: &JobsBenchArgs) -> anyhow::Result<Vec<JobsResult>> {
    anyhow::ensure!(
        args.jobs > 0 && args.concurrency > 0 && args.samples > 0,
        "sizes must be at least 1"
    );
    // Handlers of the bench need no connection: the dispatcher, completer, heartbeat and the
    // bench itself do.
    let config = DbConfig::new(database_url, 8);
    db::ensure_database(&config).await?;
    let admin_pool = db::create_pool(&config).await?;
    admin::recreate_schema(&admin_pool.get().await?, SCHEMA).await?;
    let pool = db::create_pool(&config.clone().with_search_path(SCHEMA)).await?;
    migrate::migrate(&mut pool.get().await?).await?;
    let settings = QueueSettings::default();
    let mut results = Vec::new();

    // bulk create: batches of 1,000 and 10,000 on one connection.
    for (name, batch, target) in
        [("bulk_create", 1_000, None), ("bulk_create_best", 10_000, Some(110_000.0))]
    {
        let mut best: f64 = 0.0;
        for _ in 0..2 {
            jobs::truncate(&pool.get().await?).await?;
            let client = pool.get().await?;
            let jobs_batch: Vec<NewJob> = (0..batch).map(|_| noop()).collect();
            let started = Instant::now();
            for _ in 0..args.jobs.div_ceil(batch) {
                jobs::enqueue(&client, &settings, &jobs_batch).await?;
            }
            best = best
                .max((args.jobs.div_ceil(batch) * batch) as f64 / started.elapsed().as_secs_f64());
        }
        eprintln!("{name}: {best:.0} jobs/s");
        results.push(result(name, best, "jobs/s", target));
    }

    // single create: one call at a time.
    jobs::truncate(&pool.get().await?).await?;
    let client = pool.get().await?;
    let mut times = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let t = Instant::now();
        jobs::enqueue(&client, &settings, &[noop()]).await?;
        times.push(t.elapsed());
    }
    results.push(result("single_create_p50", percentile_ms(&times, 50.0), "ms", Some(1.0)));
    results.push(result("single_create_p99", percentile_ms(&times, 99.0), "ms", None));
    drop(client);

    // claim + complete: N pre-enqueued no-op jobs drained by a worker pool; first handler start
    // until every job is durably completed.
    let mut best: f64 = 0.0;
    for _ in 0..2 {
        jobs::truncate(&pool.get().await?).await?;
        let client = pool.get().await?;
        let batch: Vec<NewJob> = (0..10_000).map(|_| noop()).collect();
        for _ in 0..args.jobs.div_ceil(10_000) {
            jobs::enqueue(&client, &settings, &batch).await?;
        }
        jobs::truncate_history_only(&client).await?;
        let total = (args.jobs.div_ceil(10_000) * 10_000) as i64;
        let (tx, mut starts) = mpsc::unbounded_channel();
        let mut worker = WorkerConfig::new(vec!["default".into()], args.concurrency);
        worker.poll_interval = Duration::from_millis(5);
        let workers =
            WorkerPool::start(worker, pool.clone(), Registry::new().register(Noop(tx))).await?;
        let first =
            tokio::time::timeout(PHASE_TIMEOUT, starts.recv()).await?.expect("a handler starts");
        let deadline = Instant::now() + PHASE_TIMEOUT;
        while jobs::count_in_state(&client, "completed").await? < total {
            anyhow::ensure!(
                Instant::now() < deadline,
                "claim_complete did not finish within {PHASE_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rate = total as f64 / first.elapsed().as_secs_f64();
        workers.shutdown(Duration::from_secs(10)).await;
        best = best.max(rate);
    }
    eprintln!("claim_complete: {best:.0} jobs/s (history on)");
    results.push(result("claim_complete", best, "jobs/s", Some(55_000.0)));

    // lifecycle: one job at a time on an idle worker: enqueue → handler start, → durable.
    jobs::truncate(&pool.get().await?).await?;
    let (tx, mut starts) = mpsc::unbounded_channel();
    let mut worker = WorkerConfig::new(vec!["default".into()], args.concurrency);
    worker.poll_interval = Duration::from_millis(1);
    let workers =
        WorkerPool::start(worker, pool.clone(), Registry::new().register(Noop(tx))).await?;
    let client = pool.get().await?;
    let (mut to_start, mut to_durable) = (Vec::new(), Vec::new());
    for _ in 0..args.samples {
        let t = Instant::now();
        let id = jobs::enqueue(&client, &settings, &[noop()]).await?[0].expect("created");
        let started = tokio::time::timeout(PHASE_TIMEOUT, starts.recv()).await?.expect("runs");
        to_start.push(started - t);
        while jobs::state_of(&client, id).await?.as_deref() != Some("completed") {
            anyhow::ensure!(
                t.elapsed() < PHASE_TIMEOUT,
                "job {id} did not complete within {PHASE_TIMEOUT:?}"
            );
        }
        to_durable.push(t.elapsed());
    }
    workers.shutdown(Duration::from_secs(5)).await;
    results.push(result("lifecycle_start_p50", percentile_ms(&to_start, 50.0), "ms", None));
    results.push(result(
        "lifecycle_durable_p50",
        percentile_ms(&to_durable, 50.0),
        "ms",
        Some(4.0),
    ));
    results.push(result(
        "lifecycle_durable_p99",
        percentile_ms(&to_durable, 99.0),
        "ms",
        Some(9.0),
    ));

    // fan-out 50: parent complete → 50 children claimable, in the completing transaction.
    let mut fan = Vec::new();
    for _ in 0..20 {
        jobs::truncate(&pool.get().await?).await?;
        let mut client = pool.get().await?;
        let mut graph = JobGraph::default();
        let parent = graph.job(noop());
        for _ in 0..50 {
            let child = graph.job(noop());
            graph.depends(child, Parent::Node(parent));
        }
        jobs::enqueue_graph(&mut client, &settings, &graph).await?;
        let claimed = jobs::claim(&client, "default", 1, "bench").await?;
        let t = Instant::now();
        let done =
            jobs::complete(&mut client, &settings, &[(claimed[0].id, claimed[0].attempt)]).await?;
        fan.push(t.elapsed());
        anyhow::ensure!(done.released.len() == 50, "fan-out released {}", done.released.len());
    }
    results.push(result("fan_out_50_release_p50", percentile_ms(&fan, 50.0), "ms", Some(5.0)));

    // chain of 10 through the worker pool: enqueue → last job durable.
    jobs::truncate(&pool.get().await?).await?;
    let (tx, _starts) = mpsc::unbounded_channel();
    let mut worker = WorkerConfig::new(vec!["default".into()], args.concurrency);
    worker.poll_interval = Duration::from_millis(1);
    let workers =
        WorkerPool::start(worker, pool.clone(), Registry::new().register(Noop(tx))).await?;
    let mut chains = Vec::new();
    for _ in 0..10 {
        let mut client = pool.get().await?;
        let mut graph = JobGraph::default();
        let mut previous = graph.job(noop());
        for _ in 1..10 {
            let next = graph.job(noop());
            graph.depends(next, Parent::Node(previous));
            previous = next;
        }
        let t = Instant::now();
        let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await?;
        while jobs::state_of(&client, ids[9]).await?.as_deref() != Some("completed") {
            anyhow::ensure!(
                t.elapsed() < PHASE_TIMEOUT,
                "the chain did not complete within {PHASE_TIMEOUT:?}"
            );
        }
        chains.push(t.elapsed());
    }
    workers.shutdown(Duration::from_secs(5)).await;
    results.push(result("chain_10_p50", percentile_ms(&chains, 50.0), "ms", Some(100.0)));

    // claim latency at queue depth, aging and fairness on (tenants and priorities mixed).
    for depth in [10usize, 50, 100_000] {
        jobs::truncate(&pool.get().await?).await?;
        let client = pool.get().await?;
        let backlog: Vec<NewJob> = (0..depth)
            .map(|i| noop().for_tenant(format!("t{}", i % 7)).with_priority((i % 5 + 1) as i16))
            .collect();
        for chunk in backlog.chunks(10_000) {
            jobs::enqueue(&client, &settings, chunk).await?;
        }
        let mut times = Vec::new();
        for _ in 0..depth.min(200) {
            let t = Instant::now();
            jobs::claim(&client, "default", 1, "bench").await?;
            times.push(t.elapsed());
        }
        let target = if depth == 50 {
            Some(5.0)
        } else if depth == 100_000 {
            Some(10.0)
        } else {
            None
        };
        results.push(result(
            &format!("claim_p99_depth_{depth}"),
            percentile_ms(&times, 99.0),
            "ms",
            target,
        ));
    }

    drop(pool);
    admin::drop_schema(&admin_pool.get().await?, SCHEMA).await?;
    let peer = match &args.peer {
        Some(path) => Some(run_peer(path)?),
        None => None,
    };
    print_report(&results, peer.as_ref(), args.json);
    Ok(results)
}

fn run_peer(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    eprintln!("running the peer: {}", path.display());
    let output = std::process::Command::new(path).output()?;
    anyhow::ensure!(
        output.status.success(),
        "the peer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(last)?)
}

fn print_report(results: &[JobsResult], peer: Option<&serde_json::Value>, as_json: bool) {
    let peer_value = |scenario: &str| -> Option<f64> {
        peer?["results"].as_array()?.iter().find(|r| r["scenario"] == scenario)?["value"].as_f64()
    };
    println!(
        "{:<28} {:>12} {:<7} {:>10} {:>12}",
        "scenario", "goalstream", "unit", "target", "peer"
    );
    for r in results {
        let peer_name = match r.scenario.as_str() {
            "claim_complete" => "claim_complete_best",
            other => other,
        };
        let peer = peer_value(peer_name).map_or("-".to_string(), |v| format!("{v:.1}"));
        let target = r.target.map_or("-".to_string(), |t| format!("{t}"));
        println!("{:<28} {:>12.2} {:<7} {:>10} {:>12}", r.scenario, r.value, r.unit, target, peer);
    }
    println!("seed 000 for contrast: 230 jobs/s created, 140/s with dependencies, 3.52 acquisitions/s, fan-out 50 released 0");
    if as_json {
        println!("{}", json!({ "results": results, "peer": peer }));
    }
}
