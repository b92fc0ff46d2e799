//! `goalstream bench console`: the operator console's database work at scale, against issue
//! 20's targets: job-list pages (first and deep, with and without filters) on a table of a
//! million jobs, a bulk retry of 100,000 dead jobs while a worker keeps claiming, and
//! `add_job` (the SQL interface) against the REST enqueue's database call, with the wake-up
//! delay of an idle listener. Scratch schema goalstream_bench_console.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use futures::StreamExt;
use rand::Rng;
use serde::Serialize;
use serde_json::json;
use tokio_postgres::AsyncMessage;

use super::percentile_ms;
use crate::db::DbConfig;
use crate::harness::store::console;
use crate::store::job_console::{self, JobFilter, BULK_BATCH};
use crate::store::{jobs, Scratch};
use crate::types::{JobState, NewJob, QueueSettings};

/// Scratch schema the benchmark works in.
pub const SCHEMA: &str = "goalstream_bench_console";
/// Jobs per page, as the console shows them.
const PAGE: i64 = 50;

/// Options of `goalstream bench console`.
#[derive(Debug, Clone, Args)]
pub struct ConsoleBenchArgs {
    /// Jobs in the table.
    #[arg(long, default_value_t = 1_000_000)]
    pub jobs: i64,
    /// Of which failed for good (the bulk retry retries them all).
    #[arg(long, default_value_t = 100_000)]
    pub dead: i64,
    /// Samples per page measurement and per enqueue path.
    #[arg(long, default_value_t = 30)]
    pub samples: usize,
    /// Keep the scratch schema afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Print one JSON object with every result on the last line.
    #[arg(long)]
    pub json: bool,
}

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleResult {
    /// What was measured.
    pub name: String,
    /// Median (ms).
    pub p50_ms: f64,
    /// 95th percentile (ms).
    pub p95_ms: f64,
    /// Worst (ms).
    pub max_ms: f64,
    /// The target for it (ms), if any.
    pub target_ms: Option<f64>,
}

impl ConsoleResult {
    fn new(name: impl Into<String>, samples: &[Duration], target_ms: Option<f64>) -> Self {
        ConsoleResult {
            name: name.into(),
            p50_ms: percentile_ms(samples, 50.0),
            p95_ms: percentile_ms(samples, 95.0),
            max_ms: percentile_ms(samples, 100.0),
            target_ms,
        }
    }
}

/// Runs the benchmark; prints a table (and the JSON line with `--json`).
pub async fn run(base: &DbConfig, args: &ConsoleBenchArgs) -> anyhow::Result<Vec<ConsoleResult>> {
    anyhow::ensure!(args.jobs >= 1_000 && args.samples >= 1, "--jobs ≥ 1000, --samples ≥ 1");
    anyhow::ensure!((0..=args.jobs).contains(&args.dead), "--dead must be between 0 and --jobs");
    let scratch = Scratch::create(&base.clone().with_pool_size(4), SCHEMA).await?;
    let client = scratch.pool.get().await?;
    eprintln!("filling {} jobs ({} dead) …", args.jobs, args.dead);
    let started = Instant::now();
    console::populate(&client, args.jobs, args.dead).await.context("filling the jobs table")?;
    eprintln!("filled in {:.1} s", started.elapsed().as_secs_f64());

    let mut results = pages(&client, args).await?;
    results.extend(enqueue_paths(&scratch, args).await?);
    results.extend(bulk_retry(&scratch).await?);
    print_table(args, &results);
    if !args.keep {
        drop(client);
        scratch.drop_schema().await?;
    }
    Ok(results)
}

/// First and deep pages per filter.
async fn pages(
    client: &deadpool_postgres::Client,
    args: &ConsoleBenchArgs,
) -> anyhow::Result<Vec<ConsoleResult>> {
    let cases = [
        ("no filter", JobFilter::default()),
        ("state=failed", JobFilter { state: Some(JobState::Failed), ..JobFilter::default() }),
        ("state=available", JobFilter { state: Some(JobState::Available), ..JobFilter::default() }),
        ("state=running", JobFilter { state: Some(JobState::Running), ..JobFilter::default() }),
        ("kind=kind-3", JobFilter { kind: Some("kind-3".into()), ..JobFilter::default() }),
        (
            "queue+tenant",
            JobFilter {
                queue: Some("queue-1".into()),
                tenant: Some("tenant-7".into()),
                ..JobFilter::default()
            },
        ),
        (
            "state=failed+kind",
            JobFilter {
                state: Some(JobState::Failed),
                kind: Some("kind-3".into()),
                ..JobFilter::default()
            },
        ),
    ];
    let mut results = Vec::new();
    let mut rng = rand::rng();
    for (name, filter) in cases {
        let mut first = Vec::new();
        let mut deep = Vec::new();
        for _ in 0..args.samples {
            let started = Instant::now();
            job_console::page(client, &filter, None, PAGE).await?;
            first.push(started.elapsed());
            // A page anywhere in the table: the cursor a reader reaches by paging down.
            let before = rng.random_range(1..=args.jobs);
            let started = Instant::now();
            job_console::page(client, &filter, Some(before), PAGE).await?;
            deep.push(started.elapsed());
        }
        results.push(ConsoleResult::new(format!("list first page, {name}"), &first, Some(50.0)));
        results.push(ConsoleResult::new(format!("list later page, {name}"), &deep, Some(50.0)));
    }
    Ok(results)
}

/// `add_job` against the REST enqueue's database call (one job, auto-commit), and the time an
/// idle listener takes to be woken by a committed `add_job`.
async fn enqueue_paths(
    scratch: &Scratch,
    args: &ConsoleBenchArgs,
) -> anyhow::Result<Vec<ConsoleResult>> {
    let client = scratch.pool.get().await?;
    let settings = QueueSettings::default();
    let mut rest = Vec::new();
    let mut sql = Vec::new();
    for i in 0..args.samples.max(100) {
        let job = NewJob::new("bench.enqueue", json!({ "i": i })).in_queue("bench");
        let started = Instant::now();
        jobs::enqueue(&client, &settings, &[job]).await?;
        rest.push(started.elapsed());
        let started = Instant::now();
        client
            .query_one(
                "SELECT add_job('bench.enqueue', $1::jsonb, queue => 'bench')",
                &[&json!({ "i": i })],
            )
            .await?;
        sql.push(started.elapsed());
    }
    let pg_config = scratch.config.pg_config()?;
    let (listener, mut connection) = crate::db::connect(&scratch.config, &pg_config).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(_) = message {
                let _ = tx.send(Instant::now());
            }
        }
    });
    jobs::listen(&listener).await?;
    let mut wake = Vec::new();
    let mut round_trip = Vec::new();
    for _ in 0..args.samples {
        let started = Instant::now();
        client.query_one("SELECT add_job('bench.wake', '{}', queue => 'bench')", &[]).await?;
        // Auto-commit: the reply comes after the commit, which sends the notification.
        let committed = Instant::now();
        let woken = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .context("no wake-up within 5 s")?
            .context("listener gone")?;
        wake.push(woken.saturating_duration_since(committed));
        round_trip.push(woken - started);
    }
    Ok(vec![
        ConsoleResult::new("enqueue one job, REST path (store::jobs::enqueue)", &rest, None),
        ConsoleResult::new("enqueue one job, SQL add_job", &sql, None),
        ConsoleResult::new("add_job committed → idle listener woken", &wake, Some(10.0)),
        ConsoleResult::new("add_job sent → idle listener woken", &round_trip, None),
    ])
}

/// Bulk retry of every dead job, batch after batch, while a worker claims and completes jobs
/// of one queue; the claims' latency during the retry shows whether it blocked them.
async fn bulk_retry(scratch: &Scratch) -> anyhow::Result<Vec<ConsoleResult>> {
    let pool = scratch.pool.clone();
    let stop = tokio_util::sync::CancellationToken::new();
    let worker_stop = stop.clone();
    let worker = tokio::spawn(async move {
        let mut client = pool.get().await?;
        let settings = QueueSettings::default();
        let mut latencies = Vec::new();
        while !worker_stop.is_cancelled() {
            let started = Instant::now();
            let claimed = jobs::claim(&client, "queue-0", 10, "bench-claimer").await?;
            latencies.push(started.elapsed());
            let done: Vec<(i64, i32)> = claimed.iter().map(|j| (j.id, j.attempt)).collect();
            if !done.is_empty() {
                jobs::complete(&mut client, &settings, &done).await?;
            }
        }
        anyhow::Ok(latencies)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = scratch.pool.get().await?;
    let settings = QueueSettings::default();
    let dead = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    let started = Instant::now();
    let mut before = None;
    let mut retried = 0usize;
    let mut batches = Vec::new();
    loop {
        let batch_started = Instant::now();
        let outcome =
            job_console::retry_batch(&client, &settings, &dead, None, before, BULK_BATCH).await?;
        batches.push(batch_started.elapsed());
        retried += outcome.ids.len();
        match outcome.next_cursor {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    let total = started.elapsed();
    stop.cancel();
    let claims = worker.await??;
    eprintln!(
        "bulk retry: {retried} dead jobs in {:.2} s ({} batches)",
        total.as_secs_f64(),
        batches.len()
    );
    Ok(vec![
        ConsoleResult::new(
            format!("bulk retry of {retried} dead jobs (total)"),
            &[total],
            Some(5_000.0),
        ),
        ConsoleResult::new("bulk retry, one batch of 5,000", &batches, None),
        ConsoleResult::new("claim of 10 during the bulk retry", &claims, None),
    ])
}

fn print_table(args: &ConsoleBenchArgs, results: &[ConsoleResult]) {
    println!("console at {} jobs ({} dead), {} samples each", args.jobs, args.dead, args.samples);
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>8}",
        "measurement", "p50 ms", "p95 ms", "max ms", "target"
    );
    for r in results {
        let target = r.target_ms.map_or_else(String::new, |t| format!("≤{t}"));
        println!(
            "{:<52} {:>9.2} {:>9.2} {:>9.2} {:>8}",
            r.name, r.p50_ms, r.p95_ms, r.max_ms, target
        );
    }
    if let (Some(rest), Some(sql)) = (
        results.iter().find(|r| r.name.starts_with("enqueue one job, REST")),
        results.iter().find(|r| r.name.starts_with("enqueue one job, SQL")),
    ) {
        println!("add_job / REST enqueue (p50): {:.2}× (target ≤ 1.5×)", sql.p50_ms / rest.p50_ms);
    }
    if args.json {
        println!(
            "{}",
            json!({ "bench": "console", "jobs": args.jobs, "dead": args.dead, "results": results })
        );
    }
}
